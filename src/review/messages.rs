//! Every text of the review a person reads, in English and Japanese, in one place (until the
//! project's message catalogue lands: then these become its entries).
//!
//! Architecture invariant: no message ever contains a value read from an export — only column
//! names, headers, file names and line numbers — so a rejected row's personal data cannot leak
//! through a reason.

use crate::model::{ColumnValue, IdSet, REVIEW_COLUMNS};

/// A column of the contract: its index in [`REVIEW_COLUMNS`].
pub type Col = u8;

/// The contract name of a column.
pub fn column_name(col: Col) -> &'static str {
    REVIEW_COLUMNS.get(col as usize).map_or("?", |c| c.name)
}

/// Why a row was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The file has no column for a required contract column.
    MissingColumn(Col),
    /// The file has two columns for one contract column.
    AmbiguousColumn(Col),
    /// A required value is empty.
    Empty(Col),
    /// Not an id, a label or a label mapped in review.yaml.
    Unknown(Col),
    NotNumber(Col),
    BadDate(Col),
    /// Not a CRM id (ASCII letters, digits, `-_.:/#`, at most 64 characters).
    NotAnId(Col),
    /// The id was already seen (file index and line of the first row with it).
    DuplicateId {
        file: u32,
        line: u64,
    },
    PersonalData(Col),
    /// Bytes that are not text in the file's encoding.
    NotText(Col),
    /// A CSV row with another number of fields than the header.
    FieldCount {
        got: u32,
        want: u32,
    },
    /// A JSON Lines row that is not JSON (the 1-based column of the error).
    MalformedJson {
        column: u32,
    },
    NotObject,
    /// A JSON key given twice (or two keys for one column).
    RepeatedColumn(Col),
    /// A JSON value of the wrong kind (an object where text was expected…).
    WrongType(Col),
}

/// How a column is named in a message: its header in this file, and its contract name.
pub struct Named<'a> {
    pub col: Col,
    pub header: Option<&'a str>,
}

impl Named<'_> {
    fn show(&self) -> String {
        let name = column_name(self.col);
        match self.header {
            Some(h) if h != name => format!("`{h}` ({name})"),
            _ => format!("`{name}`"),
        }
    }
}

fn set_of(col: Col) -> Option<IdSet> {
    match REVIEW_COLUMNS.get(col as usize)?.value {
        ColumnValue::One(s) | ColumnValue::List(s) => Some(s),
        _ => None,
    }
}

fn set_en(set: IdSet) -> &'static str {
    crate::compile::review::set_name(set)
}

fn set_ja(set: IdSet) -> &'static str {
    match set {
        IdSet::Vendors => "委託先",
        IdSet::Channels => "チャネル",
        IdSet::ConductLevels => "行為のレベル",
        IdSet::DemandLevels => "要求のレベル",
        IdSet::ConductTypes => "行為の類型",
        IdSet::DemandTypes => "要求の類型",
        IdSet::Tags => "タグ",
        IdSet::Events => "出来事",
        IdSet::Verdicts => "判定",
        IdSet::Roles => "役割",
    }
}

impl Problem {
    /// A stable code for machines (`review.json` `rejected[].code`).
    pub fn code(self) -> &'static str {
        match self {
            Problem::MissingColumn(_) => "missing-column",
            Problem::AmbiguousColumn(_) => "ambiguous-column",
            Problem::Empty(_) => "empty",
            Problem::Unknown(_) => "unknown-value",
            Problem::NotNumber(_) => "not-a-number",
            Problem::BadDate(_) => "bad-date",
            Problem::NotAnId(_) => "not-an-id",
            Problem::DuplicateId { .. } => "duplicate-id",
            Problem::PersonalData(_) => "personal-data",
            Problem::NotText(_) => "not-text",
            Problem::FieldCount { .. } => "field-count",
            Problem::MalformedJson { .. } => "malformed-json",
            Problem::NotObject => "not-an-object",
            Problem::RepeatedColumn(_) => "repeated-column",
            Problem::WrongType(_) => "wrong-type",
        }
    }

    /// The column the problem is about, if any.
    pub fn column(self) -> Option<Col> {
        match self {
            Problem::MissingColumn(c)
            | Problem::AmbiguousColumn(c)
            | Problem::Empty(c)
            | Problem::Unknown(c)
            | Problem::NotNumber(c)
            | Problem::BadDate(c)
            | Problem::NotAnId(c)
            | Problem::PersonalData(c)
            | Problem::NotText(c)
            | Problem::RepeatedColumn(c)
            | Problem::WrongType(c) => Some(c),
            _ => None,
        }
    }

    /// The reason in English. `header` is the column's header in the row's file; `first` the
    /// place of the first row with a duplicate id.
    pub fn en(self, header: Option<&str>, first: Option<(&str, u64)>) -> String {
        let c = |col| Named { col, header }.show();
        match self {
            Problem::MissingColumn(col) => format!(
                "the file has no column {} (add it, or map the CRM's header onto `{}` in review.yaml)",
                c(col),
                column_name(col)
            ),
            Problem::AmbiguousColumn(col) => format!(
                "the file has two columns for `{}`: keep one",
                column_name(col)
            ),
            Problem::Empty(col) => format!("{} is empty", c(col)),
            Problem::Unknown(col) => match set_of(col) {
                Some(set) => format!(
                    "unknown {} in {}: neither an id, a label of the policy nor a label mapped in review.yaml",
                    set_en(set),
                    c(col)
                ),
                None => format!("unknown value in {}", c(col)),
            },
            Problem::NotNumber(col) => format!("{} is not a whole number", c(col)),
            Problem::BadDate(col) => format!(
                "{} is not a date (YYYY-MM-DD, or an RFC 3339 date and time)",
                c(col)
            ),
            Problem::NotAnId(col) => format!(
                "{} is not a contact id (ASCII letters, digits and - _ . : / #, at most 64 characters)",
                c(col)
            ),
            Problem::DuplicateId { .. } => match first {
                Some((file, line)) => {
                    format!("duplicate id: the same id was first read at {file}:{line}")
                }
                None => "duplicate id".to_string(),
            },
            Problem::PersonalData(col) => format!(
                "{} looks like personal data (a phone number, an e-mail address, a name): the row is left out and the value is not shown",
                c(col)
            ),
            Problem::NotText(col) => format!(
                "{} is not text in the file's encoding (give --encoding if detection chose wrongly)",
                c(col)
            ),
            Problem::FieldCount { got, want } => {
                format!("the row has {got} fields where the header has {want}")
            }
            Problem::MalformedJson { column } => {
                format!("malformed JSON (at character {column})")
            }
            Problem::NotObject => "not a JSON object".to_string(),
            Problem::RepeatedColumn(col) => format!("{} is given twice", c(col)),
            Problem::WrongType(col) => format!(
                "{} holds a JSON value of the wrong kind (text, a number or a list of texts expected)",
                c(col)
            ),
        }
    }

    /// The reason in Japanese.
    pub fn ja(self, header: Option<&str>, first: Option<(&str, u64)>) -> String {
        let c = |col| Named { col, header }.show();
        match self {
            Problem::MissingColumn(col) => format!(
                "列 {} がありません（列を加えるか、review.yaml で CRM の列名を `{}` に対応づけてください）",
                c(col),
                column_name(col)
            ),
            Problem::AmbiguousColumn(col) => {
                format!(
                    "`{}` にあたる列が二つあります。一つにしてください",
                    column_name(col)
                )
            }
            Problem::Empty(col) => format!("{} が空です", c(col)),
            Problem::Unknown(col) => match set_of(col) {
                Some(set) => format!(
                    "{} の値が、方針の{}の id・名称でも review.yaml で対応づけた値でもありません",
                    c(col),
                    set_ja(set)
                ),
                None => format!("{} の値が不明です", c(col)),
            },
            Problem::NotNumber(col) => format!("{} が整数ではありません", c(col)),
            Problem::BadDate(col) => format!(
                "{} が日付ではありません（YYYY-MM-DD か RFC 3339 の日時）",
                c(col)
            ),
            Problem::NotAnId(col) => format!(
                "{} が応対の id ではありません（半角英数字と - _ . : / #、64 文字まで）",
                c(col)
            ),
            Problem::DuplicateId { .. } => match first {
                Some((file, line)) => format!("id が重複しています（最初の行: {file}:{line}）"),
                None => "id が重複しています".to_string(),
            },
            Problem::PersonalData(col) => format!(
                "{} に個人情報（電話番号・メールアドレス・氏名など）とみられる値があるため、この行を除外しました（値は表示しません）",
                c(col)
            ),
            Problem::NotText(col) => format!(
                "{} がファイルの文字コードの文字として読めません（判定が誤っていれば --encoding を指定してください）",
                c(col)
            ),
            Problem::FieldCount { got, want } => {
                format!("この行の項目数は {got} で、見出しの {want} と合いません")
            }
            Problem::MalformedJson { column } => {
                format!("JSON として読めません（{column} 文字目）")
            }
            Problem::NotObject => "JSON のオブジェクトではありません".to_string(),
            Problem::RepeatedColumn(col) => format!("{} が二度あります", c(col)),
            Problem::WrongType(col) => format!(
                "{} の JSON の値の種類が違います（文字列・数値・文字列のリストのいずれか）",
                c(col)
            ),
        }
    }
}

/// Texts of the report (Japanese: the manual's language).
pub mod ja {
    pub const TITLE: &str = "週次レビュー";
    pub const IMPROVED: &str = "改善";
    pub const SLIPPED: &str = "悪化";
    pub const STEADY: &str = "変化なし";
}

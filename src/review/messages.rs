//! Why a row was rejected, as a catalogue message (`review-*` in `src/i18n/*.ftl`), with a
//! stable code for machines.
//!
//! Architecture invariant: no message ever contains a value read from an export — only column
//! names, headers, file names and line numbers — so a rejected row's personal data cannot leak
//! through a reason.

use crate::i18n::Msg;
use crate::model::{ColumnValue, IdSet, REVIEW_COLUMNS};
use crate::msg;

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

    /// The reason, in any language. `header` is the column's header in the row's file; `first`
    /// the place of the first row with a duplicate id.
    pub fn message(self, header: Option<&str>, first: Option<(&str, u64)>) -> Msg {
        let c = |col| Named { col, header }.show();
        match self {
            Problem::MissingColumn(col) => {
                msg!(
                    "review-missing-column",
                    column = c(col),
                    name = column_name(col)
                )
            }
            Problem::AmbiguousColumn(col) => {
                msg!("review-ambiguous-column", name = column_name(col))
            }
            Problem::Empty(col) => msg!("review-empty", column = c(col)),
            Problem::Unknown(col) => msg!(
                "review-unknown",
                what =
                    Msg::new(set_of(col).map_or("what-vendor", crate::compile::review::set_name)),
                column = c(col)
            ),
            Problem::NotNumber(col) => msg!("review-not-number", column = c(col)),
            Problem::BadDate(col) => msg!("review-bad-date", column = c(col)),
            Problem::NotAnId(col) => msg!("review-not-an-id", column = c(col)),
            Problem::DuplicateId { line, .. } => {
                let (file, line) = first.unwrap_or(("?", line));
                msg!("review-duplicate-id", file = file, line = line)
            }
            Problem::PersonalData(col) => msg!("review-personal-data", column = c(col)),
            Problem::NotText(col) => msg!("review-not-text", column = c(col)),
            Problem::FieldCount { got, want } => {
                msg!("review-field-count", got = got, want = want)
            }
            Problem::MalformedJson { column } => msg!("review-malformed-json", column = column),
            Problem::NotObject => msg!("review-not-object"),
            Problem::RepeatedColumn(col) => msg!("review-repeated-column", column = c(col)),
            Problem::WrongType(col) => msg!("review-wrong-type", column = c(col)),
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

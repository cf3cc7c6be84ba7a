//! A row's cells into what the review counts: the contact's facts (as `classify` reads them),
//! its vendor, the vendor's verdict, its hold and the roles it reached — or why the row cannot
//! be reviewed.
//!
//! Architecture invariant: the row's values are checked here and nowhere else; a value that
//! looks like personal data rejects the row before anything could copy it.

use super::input::{Accept, Cells, FileInfo, Format, Opened, Raw, fold, read_csv, read_jsonl};
use super::messages::{Col, Problem};
use crate::bundle::Bundle;
use crate::model::{ColumnValue, IdSet, REVIEW_COLUMNS};
use crate::policy::Facts;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;

/// A reviewed row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row<'a> {
    pub id: Cow<'a, str>,
    pub date: Option<jiff::civil::Date>,
    pub vendor: usize,
    pub facts: Facts,
    pub field: usize,
    pub hold_seconds: Option<u64>,
    /// Role indices, when the row has a `reached` value.
    pub reached: Option<Vec<usize>>,
}

/// A fast hasher for the short, trusted keys of the lookups (the policy's ids and labels).
type Fast = std::hash::BuildHasherDefault<crate::bundle::stream::KeyHasher>;

impl Row<'_> {
    /// The row owning its id (to leave the record it was read from).
    pub fn into_owned(self) -> Row<'static> {
        Row {
            id: Cow::Owned(self.id.into_owned()),
            date: self.date,
            vendor: self.vendor,
            facts: self.facts,
            field: self.field,
            hold_seconds: self.hold_seconds,
            reached: self.reached,
        }
    }
}

/// The labels a column accepts for each id of its set.
struct Lookup {
    exact: HashMap<String, usize, Fast>,
    folded: HashMap<String, usize, Fast>,
}

impl Lookup {
    fn new(pairs: Vec<(String, usize)>) -> Lookup {
        let mut exact = HashMap::default();
        let mut folded = HashMap::default();
        for (label, i) in pairs {
            folded.insert(fold(&label), i);
            exact.insert(label, i);
        }
        Lookup { exact, folded }
    }

    fn get(&self, value: &str) -> Option<usize> {
        self.exact
            .get(value)
            .or_else(|| self.exact.get(value.trim()))
            .or_else(|| self.folded.get(&fold(value)))
            .copied()
    }
}

/// How each column's values are read: ids and labels of the bundle, and what `review.yaml`
/// maps; the policy's time zone for dates.
pub struct Reader {
    lookups: Vec<Option<Lookup>>,
    tz: jiff::tz::TimeZone,
}

/// Ids and labels of a set in the bundle (index order = the engine's).
fn set(b: &Bundle, s: IdSet) -> Vec<(&str, &str)> {
    fn pairs<'x, T>(
        v: &'x [T],
        f: impl Fn(&'x T) -> (&'x str, &'x str),
    ) -> Vec<(&'x str, &'x str)> {
        v.iter().map(f).collect()
    }
    match s {
        IdSet::Vendors => pairs(&b.vendors, |x| (&x.id, &x.name)),
        IdSet::Channels => pairs(&b.channels, |x| (&x.id, &x.label)),
        IdSet::ConductLevels => pairs(&b.axes.conduct.levels, |x| (&x.id, &x.label)),
        IdSet::DemandLevels => pairs(&b.axes.demand.levels, |x| (&x.id, &x.label)),
        IdSet::ConductTypes => pairs(&b.conduct_types, |x| (&x.id, &x.label)),
        IdSet::DemandTypes => pairs(&b.demand_types, |x| (&x.id, &x.label)),
        IdSet::Tags => pairs(&b.tags, |x| (&x.id, &x.label)),
        IdSet::Events => pairs(&b.events, |x| (&x.id, &x.label)),
        IdSet::Verdicts => pairs(&b.verdicts, |x| (&x.id, &x.label)),
        IdSet::Roles => pairs(&b.roles, |x| (&x.id, &x.label)),
    }
}

impl Reader {
    pub fn new(b: &Bundle) -> Result<Reader, crate::i18n::Msg> {
        let tz = jiff::tz::TimeZone::get(&b.timezone).map_err(|e| {
            crate::msg!(
                "review-bad-timezone",
                zone = &b.timezone,
                detail = e.to_string()
            )
        })?;
        let lookups = REVIEW_COLUMNS
            .iter()
            .map(|c| {
                let (ColumnValue::One(s) | ColumnValue::List(s)) = c.value else {
                    return None;
                };
                let ids = set(b, s);
                let mut pairs: Vec<(String, usize)> = Vec::new();
                // Later entries win: labels, then mapped labels, then ids.
                for (i, (_, label)) in ids.iter().enumerate() {
                    pairs.push((label.to_string(), i));
                }
                if let Some(m) = b.review.as_ref().and_then(|r| r.values.get(c.name)) {
                    for (label, id) in m {
                        if let Some(i) = ids.iter().position(|(x, _)| x == id) {
                            pairs.push((label.clone(), i));
                        }
                    }
                }
                for (i, (id, _)) in ids.iter().enumerate() {
                    pairs.push((id.to_string(), i));
                }
                Some(Lookup::new(pairs))
            })
            .collect();
        Ok(Reader { lookups, tz })
    }

    /// Read an opened export and check its rows: `take` gets each row's line and the row (or
    /// why it is rejected), in file order. CSV records are checked in parallel, a batch at a
    /// time.
    pub(crate) fn rows(
        &self,
        opened: Opened,
        accept: &Accept,
        info: &mut FileInfo,
        mut take: impl FnMut(u64, Result<Row<'static>, Problem>),
    ) -> std::io::Result<()> {
        match opened.format {
            Format::Csv(delimiter) => read_csv(
                opened.reader,
                delimiter,
                accept,
                info,
                |layout, records, meta| {
                    let checked: Vec<Result<Row<'static>, Problem>> = records
                        .par_iter()
                        .zip(meta)
                        .map(|(rec, (_, broken))| match broken {
                            Some(p) => Err(*p),
                            None => layout
                                .cells(rec)
                                .and_then(|cells| self.row(&cells).map(Row::into_owned)),
                        })
                        .collect();
                    for ((line, _), row) in meta.iter().zip(checked) {
                        take(*line, row);
                    }
                },
            ),
            Format::Jsonl => read_jsonl(opened.reader, accept, info, |line, cells| {
                take(line, cells.and_then(|c| self.row(&c).map(Row::into_owned)))
            }),
        }
    }

    /// Check a row and turn it into what the review counts.
    pub fn row<'a>(&self, cells: &'a Cells<'a>) -> Result<Row<'a>, Problem> {
        let mut row = Row {
            id: Cow::Borrowed(""),
            date: None,
            vendor: 0,
            facts: Facts::default(),
            field: 0,
            hold_seconds: None,
            reached: None,
        };
        for (i, col) in REVIEW_COLUMNS.iter().enumerate() {
            let c = i as Col;
            let raw = &cells[i];
            if *raw == Raw::Missing {
                if col.required {
                    return Err(Problem::MissingColumn(c));
                }
                continue;
            }
            let value = match col.value {
                ColumnValue::List(_) => {
                    let lookup = self.lookups[i].as_ref().ok_or(Problem::Unknown(c))?;
                    let mut ids = Vec::new();
                    let mut each = |item: &str| -> Result<(), Problem> {
                        match lookup.get(item) {
                            Some(x) => {
                                ids.push(x);
                                Ok(())
                            }
                            None if personal(item) => Err(Problem::PersonalData(c)),
                            None => Err(Problem::Unknown(c)),
                        }
                    };
                    match raw {
                        Raw::Text(t) => split(t).try_for_each(&mut each)?,
                        Raw::Items(v) => v.iter().flat_map(|x| split(x)).try_for_each(&mut each)?,
                        Raw::Missing => {}
                    }
                    if ids.is_empty() && col.required {
                        return Err(Problem::Empty(c));
                    }
                    // An empty list is a value (`reached` empty: nobody was reached).
                    Value::Ids(ids)
                }
                _ => {
                    let text = match raw {
                        Raw::Text(t) => t.trim(),
                        Raw::Items(v) => match v.as_slice() {
                            [] => "",
                            [one] => one.trim(),
                            _ => return Err(Problem::WrongType(c)),
                        },
                        Raw::Missing => "",
                    };
                    if text.is_empty() {
                        if col.required {
                            return Err(Problem::Empty(c));
                        }
                        continue;
                    }
                    self.single(col, c, i, text)?
                }
            };
            self.store(&mut row, col.name, value);
        }
        Ok(row)
    }

    /// Check one non-list value.
    fn single<'a>(
        &self,
        col: &crate::model::ReviewColumn,
        c: Col,
        i: usize,
        text: &'a str,
    ) -> Result<Value<'a>, Problem> {
        Ok(match col.value {
            ColumnValue::Text => {
                if personal(text) {
                    return Err(Problem::PersonalData(c));
                }
                if !is_crm_id(text) {
                    return Err(Problem::NotAnId(c));
                }
                Value::Text(text)
            }
            ColumnValue::Date => match parse_date(text, &self.tz) {
                Some(d) => Value::Date(d),
                None if personal(text) => return Err(Problem::PersonalData(c)),
                None => return Err(Problem::BadDate(c)),
            },
            ColumnValue::Number => {
                if personal(text) {
                    return Err(Problem::PersonalData(c));
                }
                let parsed = if col.name == "hold_seconds" {
                    parse_seconds(text)
                } else {
                    parse_number(text)
                };
                Value::Number(parsed.ok_or(Problem::NotNumber(c))?)
            }
            ColumnValue::One(_) | ColumnValue::List(_) => {
                let lookup = self.lookups[i].as_ref().ok_or(Problem::Unknown(c))?;
                match lookup.get(text) {
                    Some(x) => Value::One(x),
                    None if personal(text) => return Err(Problem::PersonalData(c)),
                    None => return Err(Problem::Unknown(c)),
                }
            }
        })
    }

    /// Put a checked value where it belongs: the one place that knows which column is which
    /// fact.
    fn store<'a>(&self, row: &mut Row<'a>, name: &str, value: Value<'a>) {
        match (name, value) {
            ("id", Value::Text(t)) => row.id = Cow::Borrowed(t),
            ("date", Value::Date(d)) => row.date = Some(d),
            ("vendor", Value::One(x)) => row.vendor = x,
            ("channel", Value::One(x)) => row.facts.channel = x,
            ("conduct", Value::One(x)) => row.facts.conduct = x,
            ("demand", Value::One(x)) => row.facts.demand = x,
            ("conduct_types", Value::Ids(v)) => row.facts.conduct_types = v,
            ("demand_types", Value::Ids(v)) => row.facts.demand_types = v,
            ("tags", Value::Ids(v)) => row.facts.tags = v,
            ("minutes", Value::Number(n)) => row.facts.minutes = n,
            ("repeats", Value::Number(n)) => row.facts.repeats = n,
            ("events", Value::Ids(v)) => row.facts.events = Some(v),
            ("field_verdict", Value::One(x)) => row.field = x,
            ("hold_seconds", Value::Number(n)) => row.hold_seconds = Some(n),
            ("reached", Value::Ids(v)) => row.reached = Some(v),
            _ => {}
        }
    }
}

/// A checked value of one column.
enum Value<'a> {
    Text(&'a str),
    Date(jiff::civil::Date),
    Number(u64),
    One(usize),
    Ids(Vec<usize>),
}

/// A CRM's contact id: ASCII letters, digits and `-_.:/#`, at most 64 characters. Anything
/// else (a name, a sentence) is refused, so no free text can reach the report through the id.
fn is_crm_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/#".contains(&b))
}

/// A list cell's items: `;`-separated (full-width `；` too), trimmed, empty items dropped.
fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split([';', '；'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
}

/// A whole number (full-width digits allowed; `75.0`, as spreadsheets write whole numbers, is 75).
fn parse_number(s: &str) -> Option<u64> {
    let s = s.trim();
    let whole = |t: &str| -> Option<u64> {
        let t = match t.split_once('.') {
            Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
            _ => t,
        };
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    if s.is_ascii() {
        return whole(s);
    }
    whole(&fold(s))
}

/// Seconds: a whole number, or `M:SS` / `H:MM:SS` as spreadsheets write durations.
fn parse_seconds(s: &str) -> Option<u64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let s = fold(s);
    if !s.contains(':') {
        return parse_number(&s);
    }
    let parts: Vec<&str> = s.split(':').collect();
    let n = |x: &str| -> Option<u64> {
        (!x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
            .then(|| x.parse().ok())
            .flatten()
    };
    // Hours or minutes too many to count in seconds are not a duration (no overflow).
    match parts.as_slice() {
        [m, sec] if n(sec)? < 60 => n(m)?.checked_mul(60)?.checked_add(n(sec)?),
        [h, m, sec] if n(m)? < 60 && n(sec)? < 60 => {
            n(h)?.checked_mul(3600)?.checked_add(n(m)? * 60 + n(sec)?)
        }
        _ => None,
    }
}

/// The local date of a contact: `YYYY-MM-DD` (or `YYYY/MM/DD` as spreadsheets write it),
/// optionally with a local time, or an RFC 3339 date-time with an offset, converted to the
/// policy's time zone.
fn parse_date(s: &str, tz: &jiff::tz::TimeZone) -> Option<jiff::civil::Date> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.to_zoned(tz.clone()).date());
    }
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let parts: Vec<&str> = date.split(['-', '/']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let num = |x: &str, max_len: usize| -> Option<i16> {
        (!x.is_empty() && x.len() <= max_len && x.bytes().all(|b| b.is_ascii_digit()))
            .then(|| x.parse().ok())
            .flatten()
    };
    if y.len() != 4 || (date.contains('-') && (m.len() != 2 || d.len() != 2)) {
        return None;
    }
    let date = jiff::civil::Date::new(num(y, 4)?, num(m, 2)? as i8, num(d, 2)? as i8).ok()?;
    if !time.is_empty() && !local_time(time) {
        return None;
    }
    Some(date)
}

/// `H:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (a spreadsheet writes `9:05`).
fn local_time(t: &str) -> bool {
    let parts: Vec<&str> = t.split(':').collect();
    let digits = |x: &str, min: usize, max: usize| {
        (min..=max).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit())
    };
    let below = |x: &str, n: u32| x.parse::<u32>().is_ok_and(|v| v < n);
    match parts.as_slice() {
        [h, m] => digits(h, 1, 2) && below(h, 24) && digits(m, 2, 2) && below(m, 60),
        [h, m, s] => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
            digits(h, 1, 2)
                && below(h, 24)
                && digits(m, 2, 2)
                && below(m, 60)
                && digits(whole, 2, 2)
                && below(whole, 60)
                && digits(frac, 1, 9)
        }
        _ => false,
    }
}

/// Does a value look like personal data (a phone number, an e-mail address, a postal code, a
/// person's name with an honorific)? The same detector as the `personal-data` lint.
pub fn personal(s: &str) -> bool {
    let digits = s
        .chars()
        .filter(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .count();
    let maybe = digits >= 7
        || s.contains(['@', '＠'])
        || s.contains(['様', '氏'])
        || s.contains("さん")
        || s.contains("くん")
        || s.contains("ちゃん");
    if !maybe {
        return false;
    }
    use unicode_normalization::UnicodeNormalization;
    let text: String = if s.is_ascii() {
        s.to_string()
    } else {
        s.nfkc().collect()
    };
    // Japanese phone numbers start with 0 and a non-zero digit: a zero-padded number such as
    // `0001234567` (a CRM's id) is not one.
    crate::compile::lints::personal_data(&text)
        .iter()
        .any(|&(start, end, what)| {
            what != "pii-phone" || {
                let digits: String = text[start..end]
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                !digits.starts_with("00")
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_formats_exports_use() {
        let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        let d = |s| parse_date(s, &tz).map(|d| d.to_string());
        assert_eq!(d("2026-11-30").as_deref(), Some("2026-11-30"));
        assert_eq!(d("2026/11/3 9:05").as_deref(), Some("2026-11-03"));
        assert_eq!(d("2026-11-30T23:30:00").as_deref(), Some("2026-11-30"));
        assert_eq!(d("2026-11-30 09:05:07.5").as_deref(), Some("2026-11-30"));
        // 15:30 UTC is 00:30 the next day in Tokyo.
        assert_eq!(d("2026-11-29T15:30:00Z").as_deref(), Some("2026-11-30"));
        assert_eq!(
            d("2026-11-30T10:00:00+09:00").as_deref(),
            Some("2026-11-30")
        );
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "昨日",
            "30/11/2026",
            "2026-11-30 25:00",
            "",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_in_seconds() {
        assert_eq!(parse_seconds("185"), Some(185));
        assert_eq!(parse_seconds("3:05"), Some(185));
        assert_eq!(parse_seconds("0:03:05"), Some(185));
        assert_eq!(parse_seconds("１８５"), Some(185));
        assert_eq!(parse_seconds("3:75"), None);
        assert_eq!(parse_seconds("1.5"), None);
        assert_eq!(parse_seconds("185.0"), Some(185));
        assert_eq!(parse_number("75.00"), Some(75));
        assert_eq!(parse_number("-3"), None);
        assert_eq!(parse_number("7.5"), None);
        // Regression: hours or minutes whose seconds overflow a u64 panicked (debug) or
        // wrapped (release).
        assert_eq!(parse_seconds("18446744073709551615:00:00"), None);
        assert_eq!(parse_seconds("307445734561825861:00"), None);
        assert_eq!(parse_seconds("307445734561825860:15"), Some(u64::MAX));
        assert_eq!(parse_seconds("5124095576030431:00:15"), Some(u64::MAX));
    }

    #[test]
    fn personal_data_is_recognised_and_ids_are_not() {
        for pd in [
            "090-1234-5678",
            "03-1234-5678",
            "０９０－１２３４－５６７８",
            "+81 90 1234 5678",
            "taro.yamada@example.jp",
            "山田 太郎様",
            "〒100-0001",
        ] {
            assert!(personal(pd), "{pd}");
        }
        for ok in [
            "A-000123",
            "CRM-20261130-000123",
            "2026-11-30",
            "185",
            "株式会社サンプル",
            "0001234567",
        ] {
            assert!(!personal(ok), "{ok}");
        }
    }
}

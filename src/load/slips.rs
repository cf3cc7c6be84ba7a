//! Slips of Japanese input methods in YAML: a full-width colon `：` after a key, a full-width
//! space `　` in the indentation, no space after the colon (`term:保留`), a full-width list marker
//! `－` or list separators `、` `，` `［` `］`. YAML reads such lines as something else and reports
//! a syntax error on a later line, or none at all; this scan finds the slip itself, on its line
//! and column, so the author is told what was typed and what to type instead.
//!
//! Only lines whose text before the slip is a key of the format count (`title：…` is a slip,
//! `NG：…` in a paragraph is prose), so Japanese text in values is never flagged.

use crate::diag::Code;
use crate::i18n::Msg;
use crate::msg;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// One slip, at a 1-based line and character column.
#[derive(Clone, Debug, PartialEq)]
pub struct Slip {
    /// E015 (a full-width symbol), E016 (a full-width space) or E017 (no space after a colon).
    pub code: Code,
    /// What was typed.
    pub message: Msg,
    /// What to type instead.
    pub hint: Msg,
    /// 1-based line in the file (front matter counted from the file's start).
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

/// Every key the format knows (all property names of all kinds' schemas).
static KEYS: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(serde_json::Value::Object(props)) = o.get("properties") {
                    out.extend(props.keys().cloned());
                }
                o.values().for_each(|x| walk(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for k in crate::model::Kind::ALL {
        walk(crate::schema::schema_of(k), &mut out);
    }
    out
});

fn is_key(s: &str) -> bool {
    KEYS.contains(s)
}

const LIST_MARKS: &[char] = &['－', 'ー', '―', '‐', '−'];
const LIST_SEPARATORS: &[char] = &['、', '，', '［', '］', '｛', '｝'];

/// The slips in a YAML text; `line_offset` is added to line numbers (front matter).
pub fn scan(text: &str, line_offset: u32) -> Vec<Slip> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1 + line_offset;
        if let Some(s) = scan_line(line.trim_end_matches('\r'), line_no) {
            out.push(s);
        }
    }
    out
}

/// The slip of one line, if it is a key of the format followed by a colon: the first of a
/// full-width space in the indentation, a full-width list marker, a full-width colon, no space
/// after the colon, full-width separators in a flow list of ids.
fn scan_line(line: &str, line_no: u32) -> Option<Slip> {
    let chars: Vec<char> = line.chars().collect();
    let k = Keyed::read(&chars)?;
    let slip = |code, message, hint, at: usize| Slip {
        code,
        message,
        hint,
        line: line_no,
        col: at as u32 + 1,
    };
    if let Some(at) = k.full_width_indent() {
        return Some(slip(
            Code::FullWidthSpace,
            msg!("slip-space"),
            msg!("slip-space-hint"),
            at,
        ));
    }
    if let Some((at, c)) = k.full_width_mark {
        return Some(slip(
            Code::FullWidthSymbol,
            msg!("slip-symbol", typed = c.to_string(), write = "-"),
            msg!("slip-list-hint"),
            at,
        ));
    }
    if k.sep == '：' {
        return Some(slip(
            Code::FullWidthSymbol,
            msg!("slip-colon", key = &k.key),
            msg!("slip-colon-hint", key = &k.key),
            k.colon,
        ));
    }
    if let Some(value) = k.glued_value() {
        let key = &k.key;
        return Some(slip(
            Code::MissingSpace,
            msg!("slip-no-space", typed = format!("{key}:{value}")),
            msg!("slip-no-space-hint", write = format!("{key}: {value}")),
            k.colon + 1,
        ));
    }
    let (at, typed, write) = k.list_separator()?;
    Some(slip(
        Code::FullWidthSymbol,
        msg!("slip-symbol", typed = typed.to_string(), write = write),
        msg!("slip-list-hint"),
        at,
    ))
}

/// A line that starts with a key of the format (after the indentation and a list marker) and
/// a colon, ASCII or full-width. Positions are character indices.
struct Keyed<'a> {
    chars: &'a [char],
    /// Characters of indentation (ASCII and full-width spaces).
    indent: usize,
    /// A full-width list marker, and where.
    full_width_mark: Option<(usize, char)>,
    key: String,
    /// Where the colon is.
    colon: usize,
    /// The colon: `:` or `：`.
    sep: char,
}

fn is_space(c: &char) -> bool {
    matches!(c, ' ' | '\u{3000}')
}

impl<'a> Keyed<'a> {
    fn read(chars: &'a [char]) -> Option<Keyed<'a>> {
        let rest = |at: usize| chars.get(at..).unwrap_or_default();
        let indent = chars.iter().take_while(|c| is_space(c)).count();
        let mut at = indent;
        // A list marker, ASCII or full-width.
        let mut full_width_mark = None;
        if let Some(&c) = chars.get(at)
            && (c == '-' || LIST_MARKS.contains(&c))
            && chars.get(at + 1).is_some_and(is_space)
        {
            if c != '-' {
                full_width_mark = Some((at, c));
            }
            at += 1;
            at += rest(at).iter().take_while(|c| is_space(c)).count();
        }
        // A key: ASCII letters, digits, `_` and `-`.
        let key: String = rest(at)
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == '-')
            .collect();
        let after = at + key.len();
        let colon = after + rest(after).iter().take_while(|c| **c == ' ').count();
        let sep = chars
            .get(colon)
            .copied()
            .filter(|c| matches!(c, ':' | '：'))?;
        (!key.is_empty() && is_key(&key)).then_some(Keyed {
            chars,
            indent,
            full_width_mark,
            key,
            colon,
            sep,
        })
    }

    /// What follows the colon.
    fn value(&self) -> &'a [char] {
        self.chars.get(self.colon + 1..).unwrap_or_default()
    }

    /// Where the indentation holds a full-width space.
    fn full_width_indent(&self) -> Option<usize> {
        let indent = self.chars.get(..self.indent).unwrap_or_default();
        indent.iter().position(|c| *c == '\u{3000}')
    }

    /// The value written right after the colon, without a space (`term:保留`).
    fn glued_value(&self) -> Option<String> {
        let value = self.value();
        let next = value.first()?;
        (!matches!(next, ' ' | '\t' | ':')).then(|| value.iter().collect())
    }

    /// A full-width separator in a flow list of ids (`[legal、media]`): where, what was typed
    /// and what to write.
    fn list_separator(&self) -> Option<(usize, char, &'static str)> {
        let value = self.value();
        let j = value.iter().position(|c| LIST_SEPARATORS.contains(c))?;
        let typed = *value.get(j)?;
        let ascii_ids = value
            .iter()
            .filter(|c| !c.is_whitespace() && !LIST_SEPARATORS.contains(c))
            .all(|c| c.is_ascii());
        let write = match typed {
            '［' => "[",
            '］' => "]",
            '｛' => "{",
            '｝' => "}",
            _ => ",",
        };
        ascii_ids.then_some((self.colon + 1 + j, typed, write))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Option<(Code, u32, u32)> {
        scan(text, 0).first().map(|s| (s.code, s.line, s.col))
    }

    #[test]
    fn finds_each_slip_on_its_line_and_column() {
        assert_eq!(
            one("id: a\ntitle：タイトル\n"),
            Some((Code::FullWidthSymbol, 2, 6))
        );
        assert_eq!(one("id: a\nterm:保留\n"), Some((Code::MissingSpace, 2, 6)));
        assert_eq!(
            one("steps:\n  - id: a\n　　role: sv\n"),
            Some((Code::FullWidthSpace, 3, 1))
        );
        assert_eq!(
            one("steps:\n  　role: sv\n"),
            Some((Code::FullWidthSpace, 2, 3))
        );
        assert_eq!(
            one("tags: [legal、media]\n"),
            Some((Code::FullWidthSymbol, 1, 13))
        );
        assert_eq!(one("－ id: a\n"), Some((Code::FullWidthSymbol, 1, 1)));
    }

    #[test]
    fn japanese_prose_is_not_a_slip() {
        for text in [
            "do: |\n  　お客さまの話を最後まで聞く。\n  NG：途中で遮る\n",
            "title: 注意：長時間\n",
            "text: \"url:https://example.com\"\n",
            "url: https://example.com\n",
            "tags: [legal, media]\n",
            "purpose: 録音告知、注意、警告\n",
        ] {
            assert_eq!(scan(text, 0), Vec::new(), "{text}");
        }
    }
}

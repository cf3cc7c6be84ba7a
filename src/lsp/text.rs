//! Positions and the YAML around the cursor, on text as the editor holds it.
//!
//! mamoru counts columns in characters (1-based); the Language Server Protocol counts them in
//! UTF-16 code units by default (0-based), or in UTF-8 bytes or code points when both sides agree.
//! Japanese text is one UTF-16 unit per character, but characters outside the Basic Multilingual
//! Plane (𠮷, emoji) are two, and every one of them is three or four UTF-8 bytes.

/// How the client counts columns (`positionEncoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units (the protocol's default).
    Utf16,
    /// Characters (Unicode scalar values), as mamoru counts.
    Utf32,
}

impl Encoding {
    fn width(self, c: char) -> u32 {
        match self {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
            Encoding::Utf32 => 1,
        }
    }
}

/// The client's column (0-based, in `enc` units) of a 0-based character column of `line`.
/// Columns past the end of the line count one unit per missing character.
pub fn units(line: &str, chars: u32, enc: Encoding) -> u32 {
    let mut n = 0;
    let mut u = 0;
    for c in line.chars().take(chars as usize) {
        u += enc.width(c);
        n += 1;
    }
    u + chars.saturating_sub(n)
}

/// The 0-based character column of a client's column on `line` (a column inside a character,
/// such as between the two halves of a surrogate pair, counts that character).
pub fn chars(line: &str, units: u32, enc: Encoding) -> u32 {
    let mut u = 0;
    let mut n = 0;
    for c in line.chars() {
        if u >= units {
            return n;
        }
        u += enc.width(c);
        n += 1;
    }
    n + units.saturating_sub(u)
}

/// The 0-based line of `text` (without its line break).
pub fn line(text: &str, line: u32) -> &str {
    text.split('\n')
        .nth(line as usize)
        .map_or("", |l| l.strip_suffix('\r').unwrap_or(l))
}

/// Characters an id or threshold name is made of.
pub fn is_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
}

/// Where the cursor stands in a YAML document, read from the text alone (which may not parse
/// while it is being typed).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Mapping keys from the top of the document down to the cursor; `-` for a list item.
    pub path: Vec<String>,
    /// The cursor is where a mapping key goes, not a value.
    pub at_key: bool,
    /// The id characters typed before the cursor, and the character column where they start.
    pub prefix: String,
    /// The character column where `prefix` starts.
    pub prefix_start: u32,
}

impl Context {
    /// The key whose value (or list item) is being written.
    pub fn key(&self) -> Option<&str> {
        self.path
            .iter()
            .rev()
            .find(|k| *k != "-")
            .map(String::as_str)
    }
    /// The path holds this key somewhere above the cursor.
    pub fn under(&self, key: &str) -> bool {
        self.path.iter().any(|k| k == key)
    }
}

/// Keys whose values are lists of ids (so `- x` under them is a value, not a mapping item).
const ID_LISTS: &[&str] = &[
    "verdict",
    "conduct_types",
    "demand_types",
    "tags",
    "channel",
    "event",
    "events",
    "reach_role",
    "route",
    "see_also",
    "principles",
    "aliases",
    "owners",
    "locked",
];

struct Line<'a> {
    indent: usize,
    /// Column of the key (after any `- ` markers), and the key.
    key: Option<(usize, &'a str)>,
    /// Columns of the `- ` markers at the start of the line.
    dashes: Vec<usize>,
}

/// Split a line into its list markers and its key (`  - id: x` → dash at 2, key `id` at 4).
fn parse_line(l: &str) -> Option<Line<'_>> {
    let indent = l.len() - l.trim_start_matches(' ').len();
    let mut rest = &l[indent..];
    if rest.is_empty() || rest.starts_with('#') {
        return None;
    }
    let mut col = indent;
    let mut dashes = Vec::new();
    while rest == "-" || rest.starts_with("- ") {
        dashes.push(col);
        let after = rest[1..].trim_start_matches(' ');
        col += rest.len() - after.len();
        rest = after;
    }
    let key = key_of(rest).map(|k| (col, k));
    Some(Line {
        indent,
        key,
        dashes,
    })
}

/// `key:` at the start of `s` (a plain or quoted key followed by `:` and a space or the end).
fn key_of(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let (k, after) = if let Some(q) = s.strip_prefix('"').or_else(|| s.strip_prefix('\'')) {
        let end = q.find(['"', '\''])?;
        (&q[..end], &q[end + 1..])
    } else {
        let end = s.find(':')?;
        let k = &s[..end];
        if k.contains([' ', '{', '[', ',', '#']) {
            return None;
        }
        (k, &s[end..])
    };
    let after = after.strip_prefix(':')?;
    (after.is_empty() || after.starts_with([' ', '\t'])).then_some(k)
}

/// The cursor's context in `text` at 0-based `line` and character column `col`.
pub fn context(text: &str, line_no: u32, col: u32) -> Context {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    // Markdown front matter: only the YAML between the `---` lines counts.
    let first = if lines.first().is_some_and(|l| l.trim_end() == "---") {
        1
    } else {
        0
    };
    let current = lines.get(line_no as usize).copied().unwrap_or("");
    let before: String = current.chars().take(col as usize).collect();
    let prefix: String = {
        let mut p: Vec<char> = before
            .chars()
            .rev()
            .take_while(|c| is_id_char(*c))
            .collect();
        p.reverse();
        p.into_iter().collect()
    };
    let prefix_start = col.saturating_sub(prefix.chars().count() as u32);
    let head: String = before.chars().take(prefix_start as usize).collect();

    // Parents: lines above with less indentation.
    let probe = format!("{head}x");
    let mut limit = parse_line(&probe).map_or(0, |l| l.indent);
    let mut parents: Vec<String> = Vec::new();
    let mut i = line_no as usize;
    while limit > 0 && i > first {
        i -= 1;
        let Some(l) = lines.get(i).and_then(|l| parse_line(l)) else {
            continue;
        };
        if l.indent >= limit {
            continue;
        }
        // Innermost first: the key on the line, then its list markers from right to left.
        if let Some((kcol, k)) = l.key
            && kcol < limit
        {
            parents.push(k.to_string());
        }
        for d in l.dashes.iter().rev() {
            if *d < limit {
                parents.push("-".into());
            }
        }
        limit = l.indent;
    }
    parents.reverse();
    let mut path = parents;

    // The current line: its list markers, then `key:` and flow collections before the cursor.
    let mut rest = head.trim_start_matches(' ');
    while rest.starts_with("- ") || rest == "-" {
        path.push("-".into());
        rest = rest[1..].trim_start_matches(' ');
    }
    let at_key = match key_of(rest) {
        Some(k) => {
            path.push(k.to_string());
            let after = &rest[rest.find(':').map_or(rest.len(), |i| i + 1)..];
            flow(after, &mut path)
        }
        None if rest.trim().is_empty() => {
            // A bare word: a key, unless the enclosing key holds a list of ids.
            let in_list = path.last().is_some_and(|k| k == "-");
            let parent = path.iter().rev().find(|k| *k != "-");
            !(in_list && parent.is_some_and(|p| ID_LISTS.contains(&p.as_str())))
        }
        None => flow(rest, &mut path),
    };
    Context {
        path,
        at_key,
        prefix,
        prefix_start,
    }
}

/// Read a flow collection (`{verdict: [a, b` …) up to the cursor: push the keys of the open
/// collections onto `path`; returns whether the cursor is at a key of a flow mapping.
fn flow(s: &str, path: &mut Vec<String>) -> bool {
    // The open collections: their kind and, for mappings, the key being written in them.
    let mut open: Vec<(char, Option<String>)> = Vec::new();
    let mut token = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            token.push(c);
            continue;
        }
        match c {
            '"' | '\'' => {
                quote = Some(c);
                token.push(c);
            }
            '{' | '[' => {
                open.push((c, None));
                token.clear();
            }
            '}' | ']' => {
                open.pop();
                token.clear();
            }
            ',' => {
                if let Some((_, k)) = open.last_mut() {
                    *k = None;
                }
                token.clear();
            }
            ':' => {
                if let Some((_, k)) = open.last_mut() {
                    *k = Some(token.trim().trim_matches(['"', '\'']).to_string());
                }
                token.clear();
            }
            '#' if token.is_empty() && open.is_empty() => break,
            _ => token.push(c),
        }
    }
    for (kind, key) in &open {
        match (kind, key) {
            ('{', Some(k)) => path.push(k.clone()),
            ('[', _) => path.push("-".into()),
            _ => {}
        }
    }
    matches!(open.last(), Some(('{', None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_utf16_utf8_and_code_points() {
        let l = "title: 𠮷野家で「お前」";
        // `で` is the 11th character: 𠮷 counts two UTF-16 units and four UTF-8 bytes.
        assert_eq!(units(l, 10, Encoding::Utf32), 10);
        assert_eq!(units(l, 10, Encoding::Utf16), 11);
        assert_eq!(units(l, 10, Encoding::Utf8), 7 + 4 + 3 + 3);
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            for c in 0..=l.chars().count() as u32 + 2 {
                assert_eq!(chars(l, units(l, c, enc), enc), c, "{enc:?} {c}");
            }
        }
        // Between the halves of the surrogate pair: that character.
        assert_eq!(chars(l, 8, Encoding::Utf16), 8);
    }

    fn ctx(text: &str) -> Context {
        let (l, line) = text
            .split('\n')
            .enumerate()
            .find(|(_, l)| l.contains('|'))
            .unwrap();
        let col = line[..line.find('|').unwrap()].chars().count() as u32;
        context(&text.replace('|', ""), l as u32, col)
    }

    #[test]
    fn block_keys_and_list_items() {
        let c = ctx("id: phone\nsteps:\n  - id: listen\n    role: op|\n");
        assert_eq!(c.path, ["steps", "-", "role"]);
        assert!(!c.at_key);
        assert_eq!((c.prefix.as_str(), c.prefix_start), ("op", 10));
        let c =
            ctx("steps:\n  - id: a\n    next:\n      - when:\n          verdict: [complaint, ha|");
        assert_eq!(c.path, ["steps", "-", "next", "-", "when", "verdict", "-"]);
        assert_eq!(c.key(), Some("verdict"));
        let c = ctx("---\nid: x\ntags:\n  - legal\n  - me|\n---\n");
        assert_eq!(c.path, ["tags", "-"]);
        assert!(!c.at_key);
        let c = ctx("steps:\n  - id: a\n    next:\n      - when: {event: danger}\n        to: |");
        assert_eq!(c.path, ["steps", "-", "next", "-", "to"]);
    }

    #[test]
    fn flow_collections_and_keys() {
        let c = ctx("      - when: {not: {tags: [le|");
        assert_eq!(c.path, ["-", "when", "not", "tags", "-"]);
        let c = ctx("      - when: {event: danger, |");
        assert_eq!(c.path, ["-", "when"]);
        assert!(c.at_key);
        let c = ctx("applies_to:\n  chan|");
        assert_eq!(c.path, ["applies_to"]);
        assert!(c.at_key);
        let c = ctx("grid:\n  c1: [complaint, |");
        assert_eq!(c.path, ["grid", "c1", "-"]);
        assert!(!c.at_key);
    }
}

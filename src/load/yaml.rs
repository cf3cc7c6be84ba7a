//! YAML text to a JSON value plus the position of every node.
//!
//! Built on `saphyr-parser`'s event stream: it gives a position for every event, so the tree we
//! build remembers where each value (and each mapping key) starts. Later stages talk about JSON
//! pointers; [`Spans::locate`] turns a pointer back into a line and column. Aliases are expanded
//! against a node budget, so an alias bomb is an error, not an out-of-memory.

use crate::i18n::Msg;
use crate::msg;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// Most nodes a file may expand to, aliases included.
pub const NODE_BUDGET: usize = 1_000_000;
/// Most bytes of scalar text a file may expand to, aliases included (a long anchored string
/// aliased many times would otherwise multiply memory without adding nodes).
pub const BYTE_BUDGET: usize = 64 * 1024 * 1024;
/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 128;

/// A 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// 1-based line in the file.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

/// How a scalar was written, so offsets inside it can be mapped back to the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A plain scalar: its text starts where the node does.
    Plain,
    /// A single- or double-quoted scalar: its text starts after the quote.
    Quoted,
    /// A literal (`|`) or folded (`>`) scalar: its text is on the lines below the indicator.
    Block,
    /// A sequence or a mapping.
    Collection,
}

/// Where a node of a document stands in its file.
#[derive(Clone, Copy, Debug)]
pub struct NodeSpan {
    /// Where the member's key starts, when the node is a mapping member.
    pub key: Option<Pos>,
    /// Where the value starts (for a block collection, where its first entry starts).
    pub value: Pos,
    /// How the value was written.
    pub style: Style,
    /// Where the node ends (just after a scalar; where the next token starts for a
    /// collection), for editors that need ranges rather than positions.
    pub end: Pos,
    /// Where the member's key ends, when the node is a mapping member.
    pub key_end: Option<Pos>,
}

/// Positions of the nodes of one document, by JSON pointer.
#[derive(Clone, Debug, Default)]
pub struct Spans {
    map: HashMap<String, NodeSpan>,
}

impl Spans {
    /// The node at exactly `pointer`, if it has a position.
    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        self.map.get(pointer).copied()
    }

    /// The node at `pointer`, or failing that its nearest ancestor that has a position
    /// (values inside an expanded alias point at the alias).
    pub fn locate(&self, pointer: &str) -> Option<NodeSpan> {
        let mut p = pointer;
        loop {
            if let Some(s) = self.map.get(p) {
                return Some(*s);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }
}

/// A problem found while reading YAML.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// What went wrong, for the diagnostic's code.
    pub kind: YamlErrorKind,
    /// What went wrong, in words.
    pub message: Msg,
    /// Where.
    pub pos: Pos,
    /// What to do about it, when something can be said.
    pub hint: Option<Msg>,
}

/// The kinds of [`YamlError`], each its own diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlErrorKind {
    /// Not YAML (the parser's error, or an alias to an unknown anchor).
    Syntax,
    /// More nodes, bytes or depth than a file may expand to ([`NODE_BUDGET`],
    /// [`BYTE_BUDGET`], [`MAX_DEPTH`]).
    Budget,
    /// A mapping with a key twice.
    DuplicateKey,
    /// YAML the format does not use: a second document, a tag, a key that is not a scalar.
    Unsupported,
    /// No document, or only `null`.
    Empty,
}

/// One YAML document as JSON, with the position of its nodes.
pub struct Document {
    /// The document's value, aliases expanded.
    pub value: Value,
    /// Where each node stands, by JSON pointer.
    pub spans: Spans,
}

fn pos(span: &Span, line_offset: u32) -> Pos {
    Pos {
        line: span.start.line() as u32 + line_offset,
        col: span.start.col() as u32 + 1,
    }
}

fn end_pos(span: &Span, line_offset: u32) -> Pos {
    Pos {
        line: span.end.line() as u32 + line_offset,
        col: span.end.col() as u32 + 1,
    }
}

/// Escape one JSON pointer segment.
pub use crate::diag::escape;

/// A collection being read.
enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
    },
    Map {
        map: Map<String, Value>,
        anchor: usize,
        /// The key read, waiting for its value: the text, where it starts and ends.
        key: Option<(String, Pos, Pos)>,
    },
}

impl Frame {
    fn seq(anchor: usize) -> Frame {
        Frame::Seq {
            items: Vec::new(),
            anchor,
        }
    }

    fn map(anchor: usize) -> Frame {
        Frame::Map {
            map: Map::new(),
            anchor,
            key: None,
        }
    }
}

struct Builder {
    stack: Vec<(Frame, String)>,
    anchors: HashMap<usize, Value>,
    spans: Spans,
    nodes: usize,
    bytes: usize,
    root: Option<Value>,
    line_offset: u32,
}

/// Nodes and scalar bytes of a value (keys included).
fn weight(v: &Value) -> (usize, usize) {
    match v {
        Value::Array(a) => a
            .iter()
            .map(weight)
            .fold((1, 0), |x, y| (x.0 + y.0, x.1 + y.1)),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| {
                let (n, b) = weight(v);
                (n, b + k.len())
            })
            .fold((1, 0), |x, y| (x.0 + y.0, x.1 + y.1)),
        Value::String(s) => (1, s.len()),
        _ => (1, 8),
    }
}

impl Builder {
    /// The pointer of the next value to be added, and the key's start and end if it is a map
    /// member.
    fn next_pointer(&self) -> (String, Option<(Pos, Pos)>) {
        match self.stack.last() {
            None => (String::new(), None),
            Some((Frame::Seq { items, .. }, p)) => (format!("{p}/{}", items.len()), None),
            Some((
                Frame::Map {
                    key: Some((k, kp, ke)),
                    ..
                },
                p,
            )) => (format!("{p}/{}", escape(k)), Some((*kp, *ke))),
            // A key is being read: keys have no pointer of their own.
            Some((Frame::Map { key: None, .. }, p)) => (p.clone(), None),
        }
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some((Frame::Map { key: None, .. }, _)))
    }

    /// Add a finished value to its parent (or make it the root).
    fn push_value(&mut self, value: Value, anchor: usize, at: Pos) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some((Frame::Seq { items, .. }, _)) => items.push(value),
            Some((Frame::Map { map, key, .. }, _)) => {
                let (k, _, _) = key.take().ok_or_else(|| YamlError {
                    kind: YamlErrorKind::Unsupported,
                    message: msg!("yaml-key-not-plain"),
                    pos: at,
                    hint: None,
                })?;
                map.insert(k, value);
            }
        }
        Ok(())
    }

    fn charge(&mut self, n: usize, bytes: usize, at: Pos) -> Result<(), YamlError> {
        self.nodes += n;
        self.bytes = self.bytes.saturating_add(bytes);
        if self.nodes > NODE_BUDGET || self.bytes > BYTE_BUDGET {
            return Err(YamlError {
                kind: YamlErrorKind::Budget,
                message: msg!("yaml-budget", nodes = NODE_BUDGET, mib = BYTE_BUDGET >> 20),
                pos: at,
                hint: Some(msg!("yaml-budget-hint")),
            });
        }
        Ok(())
    }

    fn record(
        &mut self,
        pointer: String,
        key: Option<(Pos, Pos)>,
        value: Pos,
        end: Pos,
        style: Style,
    ) {
        self.spans.map.insert(
            pointer,
            NodeSpan {
                key: key.map(|k| k.0),
                key_end: key.map(|k| k.1),
                value,
                end,
                style,
            },
        );
    }

    /// Take one parser event into the tree being built.
    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), YamlError> {
        let at = pos(&span, self.line_offset);
        let end = end_pos(&span, self.line_offset);
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => Ok(()),
            Event::DocumentStart(_) if self.root.is_some() => Err(YamlError {
                kind: YamlErrorKind::Unsupported,
                message: msg!("yaml-second-document"),
                pos: at,
                hint: Some(msg!("yaml-second-document-hint")),
            }),
            Event::DocumentStart(_) => Ok(()),
            Event::Alias(id) => self.alias(id, at, end),
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                self.scalar(&text, style, anchor, tag.as_deref(), at, end)
            }
            Event::SequenceStart(anchor, _) => self.open(Frame::seq(anchor), at, end),
            Event::MappingStart(anchor, _) => self.open(Frame::map(anchor), at, end),
            Event::SequenceEnd | Event::MappingEnd => self.close(at, end),
        }
    }

    /// An alias: a copy of its anchor's value (charged to the budget), as a key or a value.
    fn alias(&mut self, id: usize, at: Pos, end: Pos) -> Result<(), YamlError> {
        let value = self.anchors.get(&id).cloned().ok_or_else(|| YamlError {
            kind: YamlErrorKind::Syntax,
            message: msg!("yaml-unknown-alias"),
            pos: at,
            hint: None,
        })?;
        let (n, b) = weight(&value);
        self.charge(n, b, at)?;
        if self.expecting_key() {
            let key = scalar_key(&value, at)?;
            return self.set_key(key, at, end);
        }
        let (p, k) = self.next_pointer();
        self.record(p, k, at, end, Style::Plain);
        self.push_value(value, 0, at)
    }

    /// A scalar: a key, or a value resolved by the core schema.
    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&str>,
        at: Pos,
        end: Pos,
    ) -> Result<(), YamlError> {
        self.charge(1, text.len(), at)?;
        if self.expecting_key() {
            return self.set_key(text.to_string(), at, end);
        }
        let value = resolve_scalar(text, style, tag, at)?;
        let (p, k) = self.next_pointer();
        let st = match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
            _ => Style::Quoted,
        };
        self.record(p, k, at, end, st);
        self.push_value(value, anchor, at)
    }

    /// The start of a sequence or mapping (never a key; at most [`MAX_DEPTH`] deep).
    fn open(&mut self, frame: Frame, at: Pos, end: Pos) -> Result<(), YamlError> {
        self.charge(1, 0, at)?;
        if self.expecting_key() {
            return Err(YamlError {
                kind: YamlErrorKind::Unsupported,
                message: msg!("yaml-key-not-plain"),
                pos: at,
                hint: None,
            });
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                kind: YamlErrorKind::Budget,
                message: msg!("yaml-too-deep", max = MAX_DEPTH),
                pos: at,
                hint: None,
            });
        }
        let (p, k) = self.next_pointer();
        self.record(p.clone(), k, at, end, Style::Collection);
        self.stack.push((frame, p));
        Ok(())
    }

    /// The end of a sequence or mapping: the collection becomes a value of its parent.
    fn close(&mut self, at: Pos, end: Pos) -> Result<(), YamlError> {
        // The parser balances collections; an end without a start is a syntax error.
        let (frame, pointer) = self.stack.pop().ok_or_else(|| YamlError {
            kind: YamlErrorKind::Syntax,
            message: msg!("yaml-syntax", detail = "unbalanced collection"),
            pos: at,
            hint: None,
        })?;
        if let Some(s) = self.spans.map.get_mut(&pointer) {
            s.end = end;
        }
        let (value, anchor) = match frame {
            Frame::Seq { items, anchor } => (Value::Array(items), anchor),
            Frame::Map { map, anchor, .. } => (Value::Object(map), anchor),
        };
        if anchor != 0 {
            let (n, b) = weight(&value);
            self.charge(n, b, at)?;
        }
        self.push_value(value, anchor, at)
    }

    fn set_key(&mut self, key: String, at: Pos, end: Pos) -> Result<(), YamlError> {
        if let Some((Frame::Map { map, key: slot, .. }, p)) = self.stack.last_mut() {
            if map.contains_key(&key) {
                let first = self
                    .spans
                    .map
                    .get(&format!("{p}/{}", escape(&key)))
                    .and_then(|s| s.key);
                return Err(YamlError {
                    kind: YamlErrorKind::DuplicateKey,
                    message: msg!("yaml-duplicate-key", key = &key),
                    pos: at,
                    hint: Some(match first {
                        Some(f) => msg!("yaml-duplicate-key-hint", key = &key, line = f.line),
                        None => msg!("yaml-keep-one"),
                    }),
                });
            }
            *slot = Some((key, at, end));
        }
        Ok(())
    }
}

fn scalar_key(v: &Value, at: Pos) -> Result<String, YamlError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(YamlError {
            kind: YamlErrorKind::Unsupported,
            message: msg!("yaml-key-not-plain"),
            pos: at,
            hint: None,
        }),
    }
}

/// YAML 1.2 core schema resolution of a scalar.
fn resolve_scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&str>,
    at: Pos,
) -> Result<Value, YamlError> {
    match tag {
        None | Some("!") => {}
        Some("!!str") | Some("tag:yaml.org,2002:str") => return Ok(Value::String(text.into())),
        Some(t) => {
            return Err(YamlError {
                kind: YamlErrorKind::Unsupported,
                message: msg!("yaml-tag", tag = t),
                pos: at,
                hint: Some(msg!("yaml-tag-hint")),
            });
        }
    }
    if style != ScalarStyle::Plain || tag == Some("!") {
        return Ok(Value::String(text.into()));
    }
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => parse_number(text).unwrap_or_else(|| Value::String(text.into())),
    })
}

fn parse_number(t: &str) -> Option<Value> {
    let b = t.as_bytes();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits(unsigned)
        && let Ok(i) = t.trim_start_matches('+').parse::<i64>()
    {
        return Some(Value::Number(i.into()));
    }
    if let Some(h) = t.strip_prefix("0x") {
        return i64::from_str_radix(h, 16)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    if let Some(o) = t.strip_prefix("0o") {
        return i64::from_str_radix(o, 8)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    let first = *b.first()?;
    if (first.is_ascii_digit() || matches!(first, b'.' | b'-' | b'+'))
        && t.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
        && t.bytes().any(|c| c.is_ascii_digit())
    {
        return t
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number);
    }
    None
}

/// Parse one YAML document. `line_offset` is added to every line (front matter starts below
/// the `---` line of its Markdown file).
pub fn parse(text: &str, line_offset: u32) -> Result<Document, YamlError> {
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        spans: Spans::default(),
        nodes: 0,
        bytes: 0,
        root: None,
        line_offset,
    };
    for item in Parser::new_from_str(text) {
        match item {
            Ok((ev, span)) => b.event(ev, span)?,
            Err(e) => {
                let m = e.marker();
                let (message, hint) = syntax_message(e.info());
                return Err(YamlError {
                    kind: YamlErrorKind::Syntax,
                    hint,
                    message,
                    pos: Pos {
                        line: m.line() as u32 + line_offset,
                        col: m.col() as u32 + 1,
                    },
                });
            }
        }
    }
    match b.root {
        None | Some(Value::Null) => Err(YamlError {
            kind: YamlErrorKind::Empty,
            message: msg!("yaml-empty"),
            pos: Pos {
                line: 1 + line_offset,
                col: 1,
            },
            hint: Some(msg!("yaml-empty-hint")),
        }),
        Some(value) => Ok(Document {
            value,
            spans: b.spans,
        }),
    }
}

/// The parser's English text, classified into a message in the reader's language and a hint.
fn syntax_message(info: &str) -> (Msg, Option<Msg>) {
    let lower = info.to_lowercase();
    let detail = lower.clone();
    if lower.contains("tab") {
        (msg!("yaml-syntax-tab"), Some(msg!("yaml-syntax-tab-hint")))
    } else if lower.contains("mapping values are not allowed") {
        (
            msg!("yaml-syntax-mapping-values"),
            Some(msg!("yaml-syntax-mapping-values-hint")),
        )
    } else if lower.contains("could not find expected ':'") {
        (
            msg!("yaml-syntax-no-colon"),
            Some(msg!("yaml-syntax-no-colon-hint")),
        )
    } else if lower.contains("did not find expected") {
        (
            msg!("yaml-syntax-indent", detail = detail),
            Some(msg!("yaml-syntax-indent-hint")),
        )
    } else {
        (msg!("yaml-syntax", detail = detail), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_keys_and_values() {
        let d = parse("a: 1\nb:\n  - x\n  - {c: true}\n", 0).unwrap();
        assert_eq!(d.value["b"][1]["c"], Value::Bool(true));
        let s = d.spans.locate("/b/1/c").unwrap();
        assert_eq!((s.value.line, s.key.unwrap().line), (4, 4));
        assert_eq!(
            d.spans.locate("/b/0").unwrap().value,
            Pos { line: 3, col: 5 }
        );
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let d = parse("a: 2026-04-01\nb: 1.0.0\nc: 3\nd: '3'\ne: ~\nf: 1.5\n", 0).unwrap();
        assert_eq!(d.value["a"], "2026-04-01");
        assert_eq!(d.value["b"], "1.0.0");
        assert_eq!(d.value["c"], 3);
        assert_eq!(d.value["d"], "3");
        assert!(d.value["e"].is_null());
        assert_eq!(d.value["f"], 1.5);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("a{}", i - 1)
            };
            y += &format!(
                "a{i}: &a{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            );
        }
        let e = parse(&y, 0).err().unwrap();
        assert_eq!(e.kind, YamlErrorKind::Budget);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = parse("a: 1\nb: 2\na: 3\n", 0).err().unwrap();
        assert_eq!((e.kind, e.pos.line), (YamlErrorKind::DuplicateKey, 3));
    }
}

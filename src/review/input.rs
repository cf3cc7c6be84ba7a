//! Reading exports: CSV (UTF-8 with or without BOM, Shift_JIS/CP932 as Excel writes it, UTF-16
//! with BOM) and JSON Lines, streamed record by record; the header mapped onto the review's
//! columns.
//!
//! Architecture invariant: only the columns of the contract are ever decoded. The rest of a CSV
//! record stays raw bytes in the reader's buffer; unknown JSON keys are skipped by the parser
//! without being kept. Nothing here knows verdicts.

use super::messages::{Col, Problem};
use crate::model::REVIEW_COLUMNS;
use encoding_rs::Encoding;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Number of review columns.
pub const N: usize = REVIEW_COLUMNS.len();

/// A value as read, before it is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Raw<'a> {
    /// The file has no such column (or the JSON row no such key).
    Missing,
    /// A cell's text (lists still `;`-separated).
    Text(Cow<'a, str>),
    /// A JSON list.
    Items(Vec<Cow<'a, str>>),
}

/// The review's columns of one row, by [`Col`].
pub type Cells<'a> = [Raw<'a>; N];

/// The headers (or JSON keys) accepted for each column: its contract name, and what
/// `review.yaml` maps onto it. Compared after folding (NFKC, trimmed, ASCII lower case).
pub struct Accept {
    by_folded: HashMap<String, Col>,
}

/// A header in comparison form.
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let t = s.trim().trim_start_matches('\u{feff}').trim();
    if t.is_ascii() {
        t.to_ascii_lowercase()
    } else {
        t.nfkc().collect::<String>().trim().to_ascii_lowercase()
    }
}

impl Accept {
    pub fn new(mapping: Option<&crate::bundle::ReviewMapping>) -> Accept {
        let mut by_folded = HashMap::new();
        for (i, c) in REVIEW_COLUMNS.iter().enumerate() {
            by_folded.insert(fold(c.name), i as Col);
        }
        if let Some(m) = mapping {
            for (name, headers) in &m.columns {
                if let Some(i) = REVIEW_COLUMNS.iter().position(|c| c.name == name) {
                    for h in headers {
                        by_folded.entry(fold(h)).or_insert(i as Col);
                    }
                }
            }
        }
        Accept { by_folded }
    }

    pub fn column(&self, header: &str) -> Option<Col> {
        self.by_folded.get(&fold(header)).copied()
    }
}

/// What is known of one input file, for messages.
#[derive(Clone, Debug, Default)]
pub struct FileInfo {
    /// As given on the command line.
    pub shown: String,
    /// The header (or key) that held each column, as written in the file.
    pub headers: Vec<Option<String>>,
}

/// How a file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv(u8),
    Jsonl,
}

/// The encoding named by `--encoding` (`cp932` is Shift_JIS as Windows writes it).
pub fn encoding_for(label: &str) -> Option<&'static Encoding> {
    match label.trim().to_ascii_lowercase().as_str() {
        "cp932" | "ms932" | "windows-31j" | "sjis" | "shift-jis" | "shift_jis" => {
            Some(encoding_rs::SHIFT_JIS)
        }
        l => Encoding::for_label(l.as_bytes()),
    }
}

/// Bytes read to detect the encoding and format.
const SNIFF: usize = 64 * 1024;

/// Is this the start of UTF-8 text (a sequence cut at the end is fine)?
fn looks_utf8(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Is this the start of Shift_JIS text?
fn looks_shift_jis(head: &[u8]) -> bool {
    let mut dec = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        dec.max_utf8_buffer_length_without_replacement(head.len())
            .unwrap_or(head.len() * 3),
    );
    let (result, _) = dec.decode_to_string_without_replacement(head, &mut out, false);
    !matches!(result, encoding_rs::DecoderResult::Malformed(..))
}

/// An opened export: UTF-8 text (transcoded when needed), its format and encoding.
pub struct Opened {
    pub reader: Box<dyn BufRead>,
    pub format: Format,
    /// Rows the file probably holds (its size over the mean line length of its start).
    pub estimated_rows: u64,
}

/// Open a file: detect (or take) its encoding, skip a BOM, and pick its format from the
/// extension (`.jsonl`, `.ndjson`, `.tsv`) or, failing that, from its first character.
pub(crate) fn open(path: &Path, forced: Option<&'static Encoding>) -> io::Result<Opened> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata().map_or(0, |m| m.len());
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    sniff(file, size, &ext, forced)
}

/// [`open`] for any source of `size` bytes whose name ends in `.ext` (lower case; empty when
/// it has no extension).
pub(crate) fn sniff(
    mut source: impl Read + 'static,
    size: u64,
    ext: &str,
    forced: Option<&'static Encoding>,
) -> io::Result<Opened> {
    let mut head = Vec::with_capacity(SNIFF);
    (&mut source).take(SNIFF as u64).read_to_end(&mut head)?;
    let lines = memchr::memchr_iter(b'\n', &head).count().max(1) as u64;
    let estimated_rows = size.saturating_mul(lines) / (head.len().max(1) as u64);
    let (encoding, bom, skip) = encoding_of(&head, forced);
    let body = head.get(bom..).unwrap_or_default();
    let format = format_of(ext, encoding, body);
    let mut rest = io::Cursor::new(head).chain(source);
    // Skip the BOM (the cursor is at its start).
    io::copy(&mut (&mut rest).take(skip as u64), &mut io::sink())?;
    let reader: Box<dyn BufRead> = if encoding == encoding_rs::UTF_8 {
        Box::new(BufReader::with_capacity(1 << 16, rest))
    } else {
        Box::new(BufReader::with_capacity(
            1 << 16,
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                .bom_sniffing(false)
                .build(rest),
        ))
    };
    Ok(Opened {
        reader,
        format,
        estimated_rows,
    })
}

/// The encoding of a file from its first bytes (a BOM, else UTF-8 unless only Shift_JIS
/// decodes them) or as forced; the length of its BOM, and how many bytes to skip (the BOM,
/// unless a forced encoding other than the BOM's reads it as text).
fn encoding_of(
    head: &[u8],
    forced: Option<&'static Encoding>,
) -> (&'static Encoding, usize, usize) {
    let (bom, skip): (Option<&'static Encoding>, usize) = if head.starts_with(b"\xef\xbb\xbf") {
        (Some(encoding_rs::UTF_8), 3)
    } else if head.starts_with(b"\xff\xfe") {
        (Some(encoding_rs::UTF_16LE), 2)
    } else if head.starts_with(b"\xfe\xff") {
        (Some(encoding_rs::UTF_16BE), 2)
    } else {
        (None, 0)
    };
    let body = head.get(skip..).unwrap_or_default();
    let encoding = forced.or(bom).unwrap_or_else(|| {
        if looks_utf8(body) || !looks_shift_jis(body) {
            encoding_rs::UTF_8
        } else {
            encoding_rs::SHIFT_JIS
        }
    });
    let read = if forced.is_some() && forced != bom {
        0
    } else {
        skip
    };
    (encoding, skip, read)
}

/// The format from the extension, else from the first character of the text.
fn format_of(ext: &str, encoding: &'static Encoding, body: &[u8]) -> Format {
    let ascii_compatible = encoding.is_ascii_compatible();
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    match ext {
        "jsonl" | "ndjson" | "json" => Format::Jsonl,
        "tsv" | "tab" => Format::Csv(b'\t'),
        "csv" => Format::Csv(sniff_delimiter(body)),
        _ if ascii_compatible && first == Some(b'{') => Format::Jsonl,
        _ if ascii_compatible => Format::Csv(sniff_delimiter(body)),
        _ => Format::Csv(b','),
    }
}

/// Tab when the first line has more tabs than commas; else comma.
fn sniff_delimiter(body: &[u8]) -> u8 {
    let line = body.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| line.iter().filter(|b| **b == c).count();
    if count(b'\t') > count(b',') {
        b'\t'
    } else {
        b','
    }
}

/// Line numbers for CSV records. The `csv` crate's own positions drift with CRLF line ends and
/// blank lines, so line ends are counted here as the bytes pass to the parser: every `\r` and
/// `\n` offset is noted, and a record's line is 1 + the `\n`s before its first byte.
struct LineMarks {
    marks: std::collections::VecDeque<(u64, bool)>,
    newlines_before: u64,
}

type SharedMarks = std::rc::Rc<std::cell::RefCell<LineMarks>>;

struct Counting<R> {
    inner: R,
    offset: u64,
    marks: SharedMarks,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut m = self.marks.borrow_mut();
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            m.marks.push_back((self.offset + i as u64, buf[i] == b'\n'));
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl LineMarks {
    /// The line of a record the parser says starts at byte `start` (the parser may count the
    /// previous record's line end, and blank lines, into it).
    fn line_of(&mut self, start: u64) -> u64 {
        while let Some(&(at, lf)) = self.marks.front() {
            if at >= start {
                break;
            }
            self.newlines_before += u64::from(lf);
            self.marks.pop_front();
        }
        let mut extra = 0;
        for (pos, &(at, lf)) in (start..).zip(self.marks.iter()) {
            if at != pos {
                break;
            }
            extra += u64::from(lf);
        }
        1 + self.newlines_before + extra
    }
}

fn empty_cells<'a>() -> Cells<'a> {
    std::array::from_fn(|_| Raw::Missing)
}

/// Where the review's columns are in a CSV file, from its header.
pub struct CsvLayout {
    pos: [Option<usize>; N],
    width: usize,
    missing: Option<Col>,
    ambiguous: Option<Col>,
}

impl CsvLayout {
    /// The layout a header gives (and the headers as written, into `info`).
    fn of_header(header: &csv::ByteRecord, accept: &Accept, info: &mut FileInfo) -> CsvLayout {
        let mut layout = CsvLayout {
            pos: [None; N],
            width: header.len(),
            missing: None,
            ambiguous: None,
        };
        info.headers = vec![None; N];
        for (i, h) in header.iter().enumerate() {
            let h = String::from_utf8_lossy(h);
            let Some(c) = accept.column(&h) else {
                continue;
            };
            let Some(slot) = layout.pos.get_mut(c as usize) else {
                continue;
            };
            if slot.is_some() {
                layout.ambiguous.get_or_insert(c);
            }
            *slot = Some(i);
            if let Some(shown) = info.headers.get_mut(c as usize) {
                *shown = Some(h.trim().trim_start_matches('\u{feff}').to_string());
            }
        }
        layout.missing = REVIEW_COLUMNS
            .iter()
            .zip(&layout.pos)
            .position(|(c, p)| c.required && p.is_none())
            .map(|i| i as Col);
        layout
    }

    /// The review's cells of a record (borrowing its bytes), or why it cannot give any.
    pub fn cells<'r>(&self, rec: &'r csv::ByteRecord) -> Result<Cells<'r>, Problem> {
        if rec.len() != self.width {
            return Err(Problem::FieldCount {
                got: rec.len() as u32,
                want: self.width as u32,
            });
        }
        if let Some(c) = self.ambiguous {
            return Err(Problem::AmbiguousColumn(c));
        }
        if let Some(c) = self.missing {
            return Err(Problem::MissingColumn(c));
        }
        let mut cells = empty_cells();
        for (c, p) in self.pos.iter().enumerate() {
            let Some(p) = p else { continue };
            match rec.get(*p).map(std::str::from_utf8) {
                Some(Ok(s)) => cells[c] = Raw::Text(Cow::Borrowed(s)),
                Some(Err(_)) => return Err(Problem::NotText(c as Col)),
                None => {}
            }
        }
        Ok(cells)
    }
}

/// Records handed over at a time (so that they can be checked on all cores).
pub const BATCH: usize = 8192;

/// Read a CSV export: the first record is the header. `each` gets batches of records in file
/// order: the layout, the records, and for each its line and, when the parser already knows it
/// is broken, why.
pub fn read_csv(
    reader: impl Read,
    delimiter: u8,
    accept: &Accept,
    info: &mut FileInfo,
    mut each: impl FnMut(&CsvLayout, &[csv::ByteRecord], &[(u64, Option<Problem>)]),
) -> io::Result<()> {
    let marks: SharedMarks = std::rc::Rc::new(std::cell::RefCell::new(LineMarks {
        marks: Default::default(),
        newlines_before: 0,
    }));
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(Counting {
            inner: reader,
            offset: 0,
            marks: marks.clone(),
        });
    let mut header = csv::ByteRecord::new();
    let more = rdr
        .read_byte_record(&mut header)
        .map_err(io::Error::other)?;
    if !more {
        return Ok(());
    }
    let layout = CsvLayout::of_header(&header, accept, info);
    // Records are read into a reused pool (grown to a batch as needed): no allocation per row
    // once it is warm.
    let mut pool: Vec<csv::ByteRecord> = Vec::new();
    let mut meta: Vec<(u64, Option<Problem>)> = Vec::with_capacity(BATCH);
    loop {
        let n = meta.len();
        if pool.len() == n {
            pool.push(csv::ByteRecord::new());
        }
        let Some(rec) = pool.get_mut(n) else {
            break;
        };
        let done = match rdr.read_byte_record(rec) {
            Ok(true) => {
                // A line holding nothing but separators is a blank line.
                if !rec
                    .iter()
                    .all(|f| f.iter().all(|b| b.is_ascii_whitespace()))
                {
                    let start = rec.position().map_or(0, |p| p.byte());
                    meta.push((marks.borrow_mut().line_of(start), None));
                }
                false
            }
            Ok(false) => true,
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) => return Err(io::Error::other(e)),
                _ => {
                    let start = e.position().map_or(0, |p| p.byte());
                    let line = marks.borrow_mut().line_of(start);
                    let want = layout.width as u32;
                    meta.push((line, Some(Problem::FieldCount { got: 0, want })));
                    false
                }
            },
        };
        if meta.len() == BATCH || done && !meta.is_empty() {
            each(&layout, pool.get(..meta.len()).unwrap_or_default(), &meta);
            meta.clear();
        }
        if done {
            break;
        }
    }
    Ok(())
}

/// One JSON Lines row: the values of the review's keys (others skipped unparsed).
struct JsonRow {
    values: [Option<serde_json::Value>; N],
    repeated: Option<Col>,
    keys: [Option<String>; N],
}

struct RowSeed<'a>(&'a Accept);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = JsonRow;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<JsonRow, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = JsonRow;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonRow, A::Error> {
        let mut row = JsonRow {
            values: std::array::from_fn(|_| None),
            repeated: None,
            keys: std::array::from_fn(|_| None),
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match self.0.column(&key) {
                Some(c) => {
                    let v: serde_json::Value = map.next_value()?;
                    let slot = &mut row.values[c as usize];
                    if slot.is_some() {
                        row.repeated.get_or_insert(c);
                    }
                    *slot = Some(v);
                    row.keys[c as usize].get_or_insert_with(|| key.into_owned());
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(row)
    }
}

/// A JSON value as a cell: text, a number's text, a list of either; `null` is empty.
fn json_cell(v: serde_json::Value) -> Option<Raw<'static>> {
    use serde_json::Value;
    let scalar = |v: Value| match v {
        Value::String(s) => Some(Cow::Owned(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    };
    match v {
        Value::Null => Some(Raw::Text(Cow::Borrowed(""))),
        Value::Array(items) => items
            .into_iter()
            .map(scalar)
            .collect::<Option<Vec<_>>>()
            .map(Raw::Items),
        v => scalar(v).map(Raw::Text),
    }
}

/// Read a JSON Lines export: one object per line; blank lines are skipped.
pub fn read_jsonl(
    mut reader: impl BufRead,
    accept: &Accept,
    info: &mut FileInfo,
    mut each: impl FnMut(u64, Result<Cells<'_>, Problem>),
) -> io::Result<()> {
    info.headers = vec![None; N];
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line += 1;
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        if text.first() != Some(&b'{') {
            each(line, Err(Problem::NotObject));
            continue;
        }
        let mut de = serde_json::Deserializer::from_slice(text);
        let parsed = RowSeed(accept)
            .deserialize(&mut de)
            .and_then(|r| de.end().map(|()| r));
        let row = match parsed {
            Ok(r) => r,
            Err(e) => {
                let p = if e.is_data() {
                    Problem::NotObject
                } else {
                    Problem::MalformedJson {
                        column: e.column() as u32,
                    }
                };
                each(line, Err(p));
                continue;
            }
        };
        for (c, k) in row.keys.iter().enumerate() {
            if let (Some(k), None) = (k, &info.headers[c]) {
                info.headers[c] = Some(k.clone());
            }
        }
        if let Some(c) = row.repeated {
            each(line, Err(Problem::RepeatedColumn(c)));
            continue;
        }
        let mut cells = empty_cells();
        let mut bad = None;
        for (c, v) in row.values.into_iter().enumerate() {
            if let Some(v) = v {
                match json_cell(v) {
                    Some(raw) => cells[c] = raw,
                    None => {
                        bad = Some(Problem::WrongType(c as Col));
                        break;
                    }
                }
            }
        }
        match bad {
            Some(p) => each(line, Err(p)),
            None => each(line, Ok(cells)),
        }
    }
    Ok(())
}

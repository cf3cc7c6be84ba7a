//! Stage 1, `load`: the files of a policy folder into documents (a JSON value per file plus the
//! position of every node, and the Markdown body where there is one).
//!
//! Architecture invariant: `load` knows files, encodings, YAML and front matter, nothing about
//! verdicts or flows. It never fails: it returns what it could read and a diagnostic for the rest.
//! Only here is the file system touched (`load_dir`); everything else reads [`Sources`].

pub(crate) mod slips;
pub mod yaml;

use crate::diag::{At, Code, Diagnostic, FileId, Origin, did_you_mean};
use crate::i18n::{Arg, Msg};
use crate::model::Kind;
use crate::msg;
use rayon::prelude::*;
use serde_json::Value;
use std::path::{Component, Path, PathBuf};
use yaml::{Spans, Style, YamlErrorKind};

/// Largest policy file read.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Folders whose files are assets for the emitters, not policy sources.
const ASSET_DIRS: &[&str] = &["templates", "site", "schema"];
/// Folders of one-item-per-file sources, with the extension their files take.
const ITEM_DIRS: &[(&str, &str, Kind)] = &[
    ("definitions", "md", Kind::Definition),
    ("flows", "yaml", Kind::Flow),
    ("cases", "md", Kind::Case),
    ("pages", "md", Kind::Page),
];

/// A file as read, BOM removed.
pub struct SourceFile {
    /// Path relative to the policy folder, with `/` separators.
    pub path: String,
    /// The text as read (BOM removed; bytes that are not UTF-8 replaced).
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: String, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: u32) -> Option<&str> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(i)?;
        let end = self
            .line_starts
            .get(i + 1)
            .map_or(self.text.len(), |e| e - 1);
        Some(self.text[start..end.max(start)].trim_end_matches('\r'))
    }

    /// 1-based line and character column of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let i = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[i];
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (i as u32 + 1, col as u32 + 1)
    }
}

/// The Markdown body of a file with front matter.
#[derive(Clone)]
pub struct Body {
    /// The Markdown after the closing `---`.
    pub text: String,
    /// Byte offset of the body in its file.
    pub offset: usize,
}

/// A parsed policy file.
pub struct Document {
    /// The file it was read from, in [`Sources::files`].
    pub file: FileId,
    /// 0 for the policy itself, 1 for its upstream, 2 for the upstream's upstream…
    pub layer: usize,
    /// What the file holds, from its path.
    pub kind: Kind,
    /// The YAML (or front matter) as JSON, aliases expanded.
    pub value: Value,
    /// Where each node of `value` stands in the file, by JSON pointer.
    pub spans: Spans,
    /// The Markdown body, for files with front matter.
    pub body: Option<Body>,
}

/// Everything read from one policy folder.
#[derive(Default)]
pub struct Sources {
    /// How the folder is named in messages.
    pub root: String,
    /// Every source file read (parsed or not), indexed by [`FileId`].
    pub files: Vec<SourceFile>,
    /// The documents that parsed, in file order.
    pub docs: Vec<Document>,
    /// Kinds with at least one file that could not be read: checks that depend on them are
    /// skipped rather than reported as dangling references.
    pub unreadable: Vec<(usize, Kind)>,
    /// Asset files (templates, site, schema) by relative path.
    pub assets: Vec<(String, Vec<u8>)>,
    /// The folders read, the policy's first, then its upstreams' (outputs must not touch them).
    pub dirs: Vec<std::path::PathBuf>,
}

/// A diagnostic resolved to a place in a file.
pub struct Located<'a> {
    /// The file's path as shown (an upstream's with its prefix).
    pub path: &'a str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
    /// The text of that line, for a snippet.
    pub source_line: Option<&'a str>,
}

impl Sources {
    /// The file of an id these sources gave out (an id of other sources panics).
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The document parsed from a file, if it parsed.
    pub fn doc(&self, file: FileId) -> Option<&Document> {
        // Documents are pushed in file order, so a binary search finds them.
        self.docs
            .binary_search_by_key(&file, |d| d.file)
            .ok()
            .map(|i| &self.docs[i])
    }

    /// Resolve an origin to a path, line and column.
    pub fn locate(&self, origin: &Origin) -> Option<Located<'_>> {
        let file = self.files.get(origin.file.0 as usize)?;
        let (line, col) = match &origin.at {
            At::File => (1, 1),
            At::Pos(l, c) => (*l, *c),
            At::Body(off) => {
                let base = self.doc(origin.file).and_then(|d| d.body.as_ref());
                file.position(base.map_or(0, |b| b.offset) + off)
            }
            At::Value(p) | At::Key(p) | At::InValue(p, _) => {
                let doc = self.doc(origin.file)?;
                let span = doc.spans.locate(p)?;
                // Keys for unknown keys, and for block collections (whose value starts on
                // the next line, away from what the message is about).
                let pos = match (&origin.at, span.key) {
                    (At::Key(_), Some(k)) => k,
                    (At::Value(_), Some(k)) if span.style == Style::Collection => k,
                    _ => span.value,
                };
                match &origin.at {
                    At::InValue(p, off) => self.in_value(file, doc, p, span.style, pos, *off),
                    _ => (pos.line, pos.col),
                }
            }
        };
        Some(Located {
            path: &file.path,
            line,
            col,
            source_line: file.line(line),
        })
    }

    /// The position of a byte offset inside a string scalar.
    fn in_value(
        &self,
        file: &SourceFile,
        doc: &Document,
        pointer: &str,
        style: Style,
        pos: yaml::Pos,
        off: usize,
    ) -> (u32, u32) {
        let Some(text) = doc.value.pointer(pointer).and_then(Value::as_str) else {
            return (pos.line, pos.col);
        };
        // An offset inside a character counts from that character's start.
        let mut cut = off.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let before = text.get(..cut).unwrap_or_default();
        let (lines, last) = match before.rfind('\n') {
            Some(i) => (before.matches('\n').count() as u32, &before[i + 1..]),
            None => (0, before),
        };
        let chars = last.chars().count() as u32;
        match style {
            Style::Block => {
                // The span starts at the `|`/`>` indicator or at the first content line.
                let at_indicator = file.line(pos.line).is_some_and(|l| {
                    let rest: String = l.chars().skip(pos.col as usize - 1).collect();
                    rest.starts_with('|') || rest.starts_with('>')
                });
                let line = pos.line + u32::from(at_indicator) + lines;
                let indent = file
                    .line(line)
                    .map_or(0, |l| l.chars().take_while(|c| *c == ' ').count() as u32);
                (line, indent + chars + 1)
            }
            Style::Quoted if lines == 0 => (pos.line, pos.col + 1 + chars),
            _ if lines == 0 => (pos.line, pos.col + chars),
            _ => (pos.line, pos.col),
        }
    }
}

/// The kind of a file from its path relative to the policy folder, or why it is not a source.
enum Class {
    Source(Kind),
    Asset,
    Ignored,
    Unknown(Msg),
}

fn classify(path: &str) -> Class {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.iter().any(|p| p.starts_with('.')) {
        return Class::Ignored;
    }
    match parts.as_slice() {
        // `mamoru sign` of a published policy folder (an upstream others extend).
        [name] if *name == crate::sign::SIGNATURE_FILE => Class::Ignored,
        [name] => {
            if let Some(kind) = Kind::ALL.iter().find(|k| k.file_name() == Some(*name)) {
                return Class::Source(*kind);
            }
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
            let upper = stem.to_ascii_uppercase();
            if ["README", "LICENSE", "CHANGELOG", "CONTRIBUTING", "NOTICE"]
                .contains(&upper.as_str())
            {
                return Class::Ignored;
            }
            if !["yaml", "yml", "md", "json", "markdown"].contains(&ext) {
                return Class::Ignored;
            }
            let known: Vec<&str> = Kind::ALL.iter().filter_map(|k| k.file_name()).collect();
            let hint = if let Some(k) = known
                .iter()
                .find(|k| k.rsplit_once('.').is_some_and(|(s, _)| s == stem))
            {
                msg!("rename-to", name = *k)
            } else if let Some(h) = did_you_mean(name, known.iter().copied()) {
                h
            } else {
                msg!("policy-folder-holds", files = Arg::list(&known))
            };
            Class::Unknown(hint)
        }
        [dir, ..] if ASSET_DIRS.contains(dir) => Class::Asset,
        [dir, name] => {
            let Some((_, ext, kind)) = ITEM_DIRS.iter().find(|(d, ..)| d == dir) else {
                return Class::Ignored;
            };
            if name.to_ascii_uppercase().starts_with("README") {
                return Class::Ignored;
            }
            match name.rsplit_once('.') {
                Some((stem, e)) if e == *ext && !stem.is_empty() => Class::Source(*kind),
                Some((stem, "yml")) if *ext == "yaml" => {
                    Class::Unknown(msg!("rename-to", name = format!("{dir}/{stem}.yaml")))
                }
                _ => Class::Unknown(msg!("dir-holds-files", dir = *dir, ext = *ext)),
            }
        }
        [dir, ..] if ITEM_DIRS.iter().any(|(d, ..)| d == dir) => {
            Class::Unknown(msg!("dir-one-level", dir = *dir))
        }
        _ => Class::Ignored,
    }
}

/// Diagnostics for folders at the top of a policy that look like misspelt source folders.
fn check_top_dir(name: &str) -> Option<Diagnostic> {
    let known: Vec<&str> = ITEM_DIRS
        .iter()
        .map(|(d, ..)| *d)
        .chain(ASSET_DIRS.iter().copied())
        .collect();
    if known.contains(&name) || name.starts_with('.') {
        return None;
    }
    let near = known
        .iter()
        .find(|k| strsim::damerau_levenshtein(name, k) <= 1 || format!("{name}s") == **k)?;
    Some(
        Diagnostic::new(Code::UnknownFile, msg!("folder-not-policy", name = name))
            .path(format!("{name}/"))
            .hint(msg!("did-you-mean", name = format!("{near}/"))),
    )
}

/// How a policy folder is read.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Follow symbolic links that lead outside the policy folder (refused by default: a link
    /// must not publish files from elsewhere).
    pub follow_links: bool,
}

/// Most files read from one policy folder (sources and assets).
pub const MAX_FILES: usize = 100_000;
/// Most bytes read from one policy folder (sources and assets).
pub const MAX_TOTAL_SIZE: u64 = 512 * 1024 * 1024;

/// Read a policy folder from disk.
pub fn load_dir(dir: &Path, opts: &LoadOptions) -> (Sources, Vec<Diagnostic>) {
    let mut s = Sources {
        root: dir.display().to_string(),
        ..Sources::default()
    };
    let diags = load_dir_session_into(&mut s, dir, "", 0, opts, None);
    (s, diags)
}

/// Files being edited and not saved yet, by absolute path ([`absolute`]): they stand in for the
/// file on disk, or add a file that is not on disk yet.
pub type Overlay = std::collections::BTreeMap<PathBuf, Vec<u8>>;

/// What a long-running reader (an editor's language server, the development server) keeps
/// between reads of the same folders: the documents it holds in memory, and the files it parsed
/// last time, so that reading again parses only the files whose text changed.
#[derive(Default)]
pub struct Session {
    /// The documents open in editors, standing in for the files on disk.
    pub overlay: Overlay,
    parsed: std::sync::Mutex<Parsed>,
}

/// Parsed documents by (kind, length, hash of the text): those of the read in progress, and
/// those of the previous read (forgotten unless used again).
#[derive(Default)]
struct Parsed {
    now: std::collections::HashMap<(Kind, usize, u64), ParsedDoc>,
    before: std::collections::HashMap<(Kind, usize, u64), ParsedDoc>,
}

#[derive(Clone)]
struct ParsedDoc {
    value: Value,
    spans: Spans,
    body: Option<Body>,
}

impl Session {
    /// A session over these open documents that has parsed nothing yet.
    pub fn new(overlay: Overlay) -> Session {
        Session {
            overlay,
            ..Session::default()
        }
    }

    /// Start a read of the folders: what the previous read parsed and this one does not use is
    /// dropped at the next.
    pub fn next_read(&self) {
        let mut p = self.parsed_lock();
        p.before = std::mem::take(&mut p.now);
    }

    fn parsed_lock(&self) -> std::sync::MutexGuard<'_, Parsed> {
        match self.parsed.lock() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn key(kind: Kind, text: &str) -> (Kind, usize, u64) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        (kind, text.len(), h.finish())
    }

    /// The document of this text, parsed now or remembered from the last read.
    fn parse(
        &self,
        file: FileId,
        kind: Kind,
        layer: usize,
        text: &str,
    ) -> Result<Document, Vec<Diagnostic>> {
        let key = Session::key(kind, text);
        let known = {
            let mut p = self.parsed_lock();
            match p.now.get(&key) {
                Some(d) => Some(d.clone()),
                None => p.before.remove(&key).inspect(|d| {
                    p.now.insert(key, d.clone());
                }),
            }
        };
        if let Some(d) = known {
            return Ok(Document {
                file,
                layer,
                kind,
                value: d.value,
                spans: d.spans,
                body: d.body,
            });
        }
        let doc = parse_document(file, kind, layer, text)?;
        self.parsed_lock().now.insert(
            key,
            ParsedDoc {
                value: doc.value.clone(),
                spans: doc.spans.clone(),
                body: doc.body.clone(),
            },
        );
        Ok(doc)
    }
}

/// A path made absolute against the current folder, with `.` and `..` resolved lexically (not
/// through symlinks), so that the same file has one name however it was reached.
pub fn absolute(p: &Path) -> PathBuf {
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Read a policy folder into existing sources, as layer `layer` (an upstream of the policy),
/// its paths shown with `prefix` (e.g. `../support/`). With a session (a long-running reader),
/// the files of its overlay are read from memory instead of the disk, and files parsed by its
/// last read are not parsed again.
///
/// The folder is a boundary: a symbolic link whose target lies outside it is not followed
/// (unless `opts.follow_links`), a link back into a folder already read is a loop, and the
/// number and size of the files read are bounded.
pub fn load_dir_session_into(
    s: &mut Sources,
    dir: &Path,
    prefix: &str,
    layer: usize,
    opts: &LoadOptions,
    session: Option<&Session>,
) -> Vec<Diagnostic> {
    let no_overlay = Overlay::new();
    let overlay = session.map_or(&no_overlay, |x| &x.overlay);
    s.dirs.push(dir.to_path_buf());
    let mut walk = Walk::new(dir, opts, overlay);
    walk.run();
    walk.add_unsaved(dir);
    let Walk {
        mut files,
        mut diags,
        ..
    } = walk;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for d in &mut diags {
        if let Some(p) = &mut d.path {
            *p = format!("{prefix}{p}");
        }
    }
    diags.extend(load_files_with(s, files, prefix, layer, session));
    diags
}

/// A walk of one policy folder: the files it read (by relative path) and the diagnostics for
/// what it refused, within the folder's bounds (links, file count, total size).
struct Walk<'a> {
    /// The folder as named in messages.
    root: String,
    /// The folder with links resolved: a link must not lead out of it.
    root_canon: PathBuf,
    opts: &'a LoadOptions,
    overlay: &'a Overlay,
    /// The folders entered, links resolved (a link back into one is a loop).
    visited: Vec<PathBuf>,
    /// Folders still to read: path, and path relative to the policy folder.
    stack: Vec<(PathBuf, String)>,
    /// Files counted so far, and their bytes.
    count: usize,
    total: u64,
    files: Vec<(String, Vec<u8>)>,
    diags: Vec<Diagnostic>,
}

/// Whether a walk goes on after an entry.
enum Next {
    Go,
    /// The folder exceeds its bounds: nothing more is read.
    Stop,
}

impl<'a> Walk<'a> {
    fn new(dir: &Path, opts: &'a LoadOptions, overlay: &'a Overlay) -> Walk<'a> {
        let root_canon = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        Walk {
            root: dir.display().to_string(),
            visited: vec![root_canon.clone()],
            root_canon,
            opts,
            overlay,
            stack: vec![(dir.to_path_buf(), String::new())],
            count: 0,
            total: 0,
            files: Vec::new(),
            diags: Vec::new(),
        }
    }

    /// Read the folder and the folders it may hold, depth first, entries in name order.
    fn run(&mut self) {
        while let Some((path, rel)) = self.stack.pop() {
            for entry in self.entries(&path, &rel) {
                if let Next::Stop = self.entry(&entry, &path, &rel) {
                    return;
                }
            }
        }
    }

    /// A folder's entries by name, or none with a diagnostic.
    fn entries(&mut self, path: &Path, rel: &str) -> Vec<std::fs::DirEntry> {
        match std::fs::read_dir(path) {
            Ok(e) => {
                let mut names: Vec<_> = e.filter_map(Result::ok).collect();
                names.sort_by_key(|e| e.file_name());
                names
            }
            Err(e) => {
                let shown = if rel.is_empty() {
                    self.root.clone()
                } else {
                    rel.to_string()
                };
                self.diags.push(
                    Diagnostic::new(
                        Code::Io,
                        msg!("cannot-read-folder", path = &shown, error = e.to_string()),
                    )
                    .path(shown),
                );
                Vec::new()
            }
        }
    }

    /// One entry of the folder `here` (relative path `rel`): a folder to enter, a file to read,
    /// or something refused with a diagnostic.
    fn entry(&mut self, entry: &std::fs::DirEntry, here: &Path, rel: &str) -> Next {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel_path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if name.starts_with('.') {
            return Next::Go;
        }
        let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
        if is_link && !self.link_allowed(entry, &rel_path) {
            return Next::Go;
        }
        let meta = match std::fs::metadata(entry.path()) {
            Ok(m) => m,
            Err(e) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::Io,
                        msg!("cannot-read", path = &rel_path, error = e.to_string()),
                    )
                    .path(rel_path),
                );
                return Next::Go;
            }
        };
        if meta.is_dir() {
            self.folder(entry, here, rel, &name, rel_path, is_link);
            return Next::Go;
        }
        if !meta.is_file() || matches!(classify(&rel_path), Class::Ignored) {
            return Next::Go;
        }
        self.file(entry, meta.len(), rel_path)
    }

    /// Whether a symbolic link may be followed: not when it is broken, nor when it leads out
    /// of the folder (unless `--follow-links`).
    fn link_allowed(&mut self, entry: &std::fs::DirEntry, rel_path: &str) -> bool {
        match std::fs::canonicalize(entry.path()) {
            Err(_) => {
                self.diags.push(
                    Diagnostic::new(Code::BrokenLink, msg!("broken-link", path = rel_path))
                        .path(rel_path.to_string())
                        .hint(msg!("broken-link-hint")),
                );
                false
            }
            Ok(target) if !target.starts_with(&self.root_canon) && !self.opts.follow_links => {
                self.diags.push(
                    Diagnostic::new(
                        Code::LinkOutside,
                        msg!(
                            "link-outside",
                            path = rel_path,
                            target = target.display().to_string()
                        ),
                    )
                    .path(rel_path.to_string())
                    .hint(msg!("link-outside-hint")),
                );
                false
            }
            Ok(_) => true,
        }
    }

    /// A folder: entered when it is a source or asset folder at the top (or any folder inside
    /// an asset folder) and not a link back into what is being read; else reported.
    fn folder(
        &mut self,
        entry: &std::fs::DirEntry,
        here: &Path,
        rel: &str,
        name: &str,
        rel_path: String,
        is_link: bool,
    ) {
        let top = rel.is_empty();
        let known_dir = ITEM_DIRS.iter().any(|(d, ..)| *d == name) || ASSET_DIRS.contains(&name);
        if top && known_dir || !top && ASSET_DIRS.iter().any(|d| rel.starts_with(d)) {
            let canon = std::fs::canonicalize(entry.path()).unwrap_or(entry.path());
            let here = std::fs::canonicalize(here).unwrap_or_else(|_| here.to_path_buf());
            if is_link && (here.starts_with(&canon) || self.visited.contains(&canon)) {
                self.diags.push(
                    Diagnostic::new(Code::LinkLoop, msg!("link-loop", path = &rel_path))
                        .path(rel_path)
                        .hint(msg!("link-loop-hint")),
                );
                return;
            }
            self.visited.push(canon);
            self.stack.push((entry.path(), rel_path));
        } else if top {
            self.diags.extend(check_top_dir(name));
        } else {
            self.diags.push(
                Diagnostic::new(Code::UnknownFile, msg!("folder-not-read", path = &rel_path))
                    .path(format!("{rel_path}/"))
                    .hint(msg!("dir-one-level", dir = rel)),
            );
        }
    }

    /// A file the loader reads, within the bounds of one file and of the folder; the overlay's
    /// text stands in for the disk's.
    fn file(&mut self, entry: &std::fs::DirEntry, len: u64, rel_path: String) -> Next {
        if len > MAX_FILE_SIZE {
            self.diags.push(
                Diagnostic::new(
                    Code::FileTooLarge,
                    msg!(
                        "file-too-large",
                        path = &rel_path,
                        bytes = len,
                        max = MAX_FILE_SIZE >> 20
                    ),
                )
                .path(rel_path)
                .hint(msg!("file-too-large-hint")),
            );
            return Next::Go;
        }
        self.count += 1;
        self.total += len;
        if self.count > MAX_FILES || self.total > MAX_TOTAL_SIZE {
            self.diags.push(
                Diagnostic::new(
                    Code::FileTooLarge,
                    msg!(
                        "folder-too-large",
                        files = MAX_FILES,
                        max = MAX_TOTAL_SIZE >> 20,
                        path = &rel_path
                    ),
                )
                .path(rel_path)
                .hint(msg!("folder-too-large-hint")),
            );
            return Next::Stop;
        }
        if !self.overlay.is_empty()
            && let Some(bytes) = self.overlay.get(&absolute(&entry.path()))
        {
            self.files.push((rel_path, bytes.clone()));
            return Next::Go;
        }
        match read_bounded(&entry.path(), MAX_FILE_SIZE) {
            Ok(bytes) => self.files.push((rel_path, bytes)),
            Err(e) => self.diags.push(
                Diagnostic::new(
                    Code::Io,
                    msg!("cannot-read", path = &rel_path, error = e.to_string()),
                )
                .path(rel_path),
            ),
        }
        Next::Go
    }

    /// Files open in an editor that are not on disk (yet, or any more).
    fn add_unsaved(&mut self, dir: &Path) {
        if self.overlay.is_empty() {
            return;
        }
        let base = absolute(dir);
        for (path, bytes) in self.overlay.range(base.clone()..) {
            let Ok(rel) = path.strip_prefix(&base) else {
                break;
            };
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let rel = rel.join("/");
            if !rel.is_empty() && !self.files.iter().any(|(p, _)| *p == rel) {
                self.files.push((rel, bytes.clone()));
            }
        }
    }
}

/// Read a file, failing when it holds more than `max` bytes (a device such as `/dev/zero`, or a
/// file that grew after it was measured, cannot exhaust memory).
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    f.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than {} MiB", max >> 20),
        ));
    }
    Ok(bytes)
}

/// Read a policy from in-memory files (relative path, bytes).
pub fn load_files(root: String, files: Vec<(String, Vec<u8>)>) -> (Sources, Vec<Diagnostic>) {
    let mut s = Sources {
        root,
        ..Sources::default()
    };
    let diags = load_files_with(&mut s, files, "", 0, None);
    (s, diags)
}

/// Read files into the sources as one layer: classify each, keep the text of sources (and the
/// assets of the policy itself), then parse the sources in parallel, in file order.
fn load_files_with(
    s: &mut Sources,
    files: Vec<(String, Vec<u8>)>,
    prefix: &str,
    layer: usize,
    session: Option<&Session>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let pending: Vec<(FileId, Kind)> = files
        .into_iter()
        .filter_map(|(rel, bytes)| admit(s, rel, bytes, prefix, layer, &mut diags))
        .collect();
    // Parsing is the costly part: files are parsed in parallel, then kept in file order.
    let parsed: Vec<_> = pending
        .par_iter()
        .map(|(file, kind)| {
            let text = s.files.get(file.0 as usize).map_or("", |f| f.text.as_str());
            match session {
                Some(x) => x.parse(*file, *kind, layer, text),
                None => parse_document(*file, *kind, layer, text),
            }
        })
        .collect();
    for ((_, kind), result) in pending.into_iter().zip(parsed) {
        match result {
            Ok(doc) => s.docs.push(doc),
            Err(d) => {
                diags.extend(d);
                s.unreadable.push((layer, kind));
            }
        }
    }
    s.unreadable.sort();
    s.unreadable.dedup();
    diags
}

/// One file of a layer into the sources: an asset is kept (the policy's own only), a source's
/// text is added and the source returned for parsing; a source that is too large, not UTF-8 or
/// empty is reported and its kind marked unreadable.
fn admit(
    s: &mut Sources,
    rel: String,
    bytes: Vec<u8>,
    prefix: &str,
    layer: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<(FileId, Kind)> {
    let path = format!("{prefix}{rel}");
    let kind = match classify(&rel) {
        Class::Source(kind) => kind,
        Class::Asset => {
            // Only the policy's own templates and assets count, not its upstream's.
            if layer == 0 {
                s.assets.push((rel, bytes));
            }
            return None;
        }
        Class::Ignored => return None,
        Class::Unknown(hint) => {
            diags.push(
                Diagnostic::new(Code::UnknownFile, msg!("unknown-file", path = &path))
                    .path(path)
                    .hint(hint),
            );
            return None;
        }
    };
    let file = FileId(s.files.len() as u32);
    let problem = if bytes.len() as u64 > MAX_FILE_SIZE {
        Some(
            Diagnostic::new(
                Code::FileTooLarge,
                msg!(
                    "file-too-large",
                    path = &path,
                    bytes = bytes.len(),
                    max = MAX_FILE_SIZE >> 20
                ),
            )
            .path(path)
            .hint(msg!("file-too-large-hint")),
        )
    } else {
        let (text, problem) = source_text(file, &path, bytes);
        let problem = problem.or_else(|| {
            text.trim().is_empty().then(|| {
                Diagnostic::new(Code::EmptyFile, msg!("empty-file", path = &path))
                    .at(Origin::new(file, At::File))
                    .hint(msg!("empty-file-hint"))
            })
        });
        s.files.push(SourceFile::new(path, text));
        problem
    };
    match problem {
        Some(d) => {
            diags.push(d);
            s.unreadable.push((layer, kind));
            None
        }
        None => Some((file, kind)),
    }
}

/// A source's text without its BOM; bytes that are not UTF-8 are replaced, with a diagnostic
/// at the first of them.
fn source_text(file: FileId, path: &str, bytes: Vec<u8>) -> (String, Option<Diagnostic>) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let text = text
                .strip_prefix('\u{feff}')
                .map(str::to_string)
                .unwrap_or(text);
            (text, None)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let before = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default());
            let (line, col) =
                SourceFile::new(String::new(), before.into_owned()).position(usize::MAX);
            let d = Diagnostic::new(
                Code::InvalidUtf8,
                msg!("invalid-utf8", path = path, byte = valid),
            )
            .at(Origin::new(file, At::Pos(line, col)))
            .hint(msg!("invalid-utf8-hint"));
            (String::from_utf8_lossy(&bytes).into_owned(), Some(d))
        }
    }
}

/// Parse one file. A file with input-method slips is reported by its slips (each on its line
/// and column) rather than by the YAML error they cause further down, and is not read.
fn parse_document(
    file: FileId,
    kind: Kind,
    layer: usize,
    text: &str,
) -> Result<Document, Vec<Diagnostic>> {
    let (yaml_text, line_offset, body) = if kind.is_markdown() {
        let fm = split_front_matter(text).map_err(|(msg, hint, line)| {
            vec![
                Diagnostic::new(Code::FrontMatter, msg)
                    .at(Origin::new(file, At::Pos(line, 1)))
                    .hint(hint),
            ]
        })?;
        (fm.yaml, 1, Some(fm.body))
    } else {
        (text, 0, None)
    };
    let found = slips::scan(yaml_text, line_offset);
    if !found.is_empty() {
        return Err(found
            .into_iter()
            .map(|s| {
                Diagnostic::new(s.code, s.message)
                    .at(Origin::new(file, At::Pos(s.line, s.col)))
                    .hint(s.hint)
            })
            .collect());
    }
    let doc = yaml::parse(yaml_text, line_offset).map_err(|e| {
        let code = match e.kind {
            YamlErrorKind::Syntax => Code::YamlSyntax,
            YamlErrorKind::Budget => Code::YamlBudget,
            YamlErrorKind::DuplicateKey => Code::DuplicateKey,
            YamlErrorKind::Unsupported => Code::YamlUnsupported,
            YamlErrorKind::Empty => Code::EmptyFile,
        };
        vec![
            Diagnostic::new(code, e.message)
                .at(Origin::new(file, At::Pos(e.pos.line, e.pos.col)))
                .maybe_hint(e.hint),
        ]
    })?;
    Ok(Document {
        file,
        layer,
        kind,
        value: doc.value,
        spans: doc.spans,
        body,
    })
}

struct FrontMatter<'a> {
    yaml: &'a str,
    body: Body,
}

/// Split `---\nyaml\n---\nbody`. Errors carry a message, a hint and a line.
fn split_front_matter(text: &str) -> Result<FrontMatter<'_>, (Msg, Msg, u32)> {
    let first_end = text.find('\n').unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        return Err((
            msg!("front-matter-missing"),
            msg!("front-matter-missing-hint"),
            1,
        ));
    }
    let start = (first_end + 1).min(text.len());
    let mut pos = start;
    let mut line = 2;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let l = text[pos..end].trim_end();
        if l == "---" || l == "..." {
            let body_start = (end + 1).min(text.len());
            return Ok(FrontMatter {
                yaml: &text[start..pos],
                body: Body {
                    text: text[body_start..].to_string(),
                    offset: body_start,
                },
            });
        }
        pos = end + 1;
        line += 1;
    }
    Err((
        msg!("front-matter-unclosed"),
        msg!("front-matter-unclosed-hint"),
        line.max(2) - 1,
    ))
}

/// The source revision of a policy folder: its git commit, with `+dirty` when a file of a kind
/// the policy is read from (a source, a template, an asset) differs from that commit — changed,
/// added or deleted. Other files — the build's own `public/`, notes, editor backups — never make
/// it dirty. `None` outside a git work tree or without git.
pub fn revision(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let commit = git(&["rev-parse", "HEAD"])
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())?;
    let prefix = git(&["rev-parse", "--show-prefix"]).unwrap_or_default();
    let prefix = prefix.trim();
    let status = git(&[
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--",
        ".",
    ])
    .unwrap_or_default();
    // A file of a kind the loader reads (a source, a template, an asset), whether it changed,
    // was added or was deleted.
    let read = |rel: &str| matches!(classify(rel), Class::Source(_) | Class::Asset);
    let mut entries = status.split('\0').filter(|e| e.len() > 3);
    let mut dirty = false;
    while let Some(entry) = entries.next() {
        let (code, path) = entry.split_at(3);
        if code.starts_with('R') || code.starts_with('C') {
            // The original path of a rename or copy follows.
            if let Some(from) = entries.next() {
                dirty |= read(from.strip_prefix(prefix).unwrap_or(from));
            }
        }
        dirty |= read(path.strip_prefix(prefix).unwrap_or(path));
    }
    Some(if dirty {
        format!("{commit}+dirty")
    } else {
        commit
    })
}

pub use crate::embedded::embedded_files;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_and_crlf() {
        let (s, d) = load_files(
            "p".into(),
            vec![(
                "cases/a.md".into(),
                b"\xef\xbb\xbf---\r\nid: a\r\ntitle: x\r\n---\r\nbody\r\n".to_vec(),
            )],
        );
        assert!(d.is_empty());
        let doc = &s.docs[0];
        assert_eq!(doc.value["id"], "a");
        assert_eq!(doc.body.as_ref().unwrap().text, "body\r\n");
        let loc = s.locate(&Origin::value(doc.file, "/title")).unwrap();
        assert_eq!((loc.line, loc.col), (3, 8));
    }

    #[test]
    fn invalid_utf8_names_the_position() {
        let (s, d) = load_files(
            "p".into(),
            vec![("roles.yaml".into(), b"- id: a\n  label: \xff".to_vec())],
        );
        assert_eq!(d[0].code, Code::InvalidUtf8);
        let loc = s.locate(d[0].origin.as_ref().unwrap()).unwrap();
        assert_eq!((loc.line, loc.col), (2, 10));
    }

    #[test]
    fn a_session_reads_its_overlay_and_parses_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("roles.yaml"),
            "- id: a\n  label: A\n  org: vendor\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("stance.md"), "---\ntitle: t\n---\nbody\n").unwrap();
        let roles = absolute(&dir.path().join("roles.yaml"));
        let added = absolute(&dir.path().join("definitions/new.md"));
        let mut session = Session::new(Overlay::from([
            (
                roles.clone(),
                b"- id: b\n  label: B\n  org: vendor\n".to_vec(),
            ),
            (added, b"---\nid: new\nterm: x\n---\n".to_vec()),
        ]));
        let read = |session: &Session| {
            session.next_read();
            let mut s = Sources::default();
            let d = load_dir_session_into(
                &mut s,
                dir.path(),
                "",
                0,
                &LoadOptions::default(),
                Some(session),
            );
            assert!(d.is_empty(), "{d:?}");
            s
        };
        let s = read(&session);
        let ids: Vec<&str> = s
            .docs
            .iter()
            .filter_map(|d| d.value.pointer("/0/id").or(d.value.get("id")))
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(
            ids,
            ["new", "b"],
            "the overlay wins over the disk and adds files"
        );
        assert_eq!(session.parsed_lock().now.len(), 3);
        // Read again after an edit of one file: the others come from memory, the old text goes.
        session
            .overlay
            .insert(roles, b"- id: c\n  label: C\n  org: vendor\n".to_vec());
        let s = read(&session);
        assert_eq!(s.docs[1].value[0]["id"], "c");
        assert_eq!(session.parsed_lock().before.len(), 1);
        read(&session);
        assert!(session.parsed_lock().before.is_empty());
        assert_eq!(session.parsed_lock().now.len(), 3);
    }

    #[test]
    fn unknown_files_get_hints() {
        let (_, d) = load_files(
            "p".into(),
            vec![
                ("critera.yaml".into(), b"a: 1".to_vec()),
                ("flows/x.yml".into(), b"a: 1".to_vec()),
            ],
        );
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|d| d.code == Code::UnknownFile));
        assert!(
            d[0].hint
                .as_ref()
                .unwrap()
                .render(crate::i18n::Lang::En)
                .contains("criteria.yaml")
        );
    }
}

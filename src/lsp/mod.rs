//! `mamoru lsp`: a language server (LSP over standard input and output) that puts `mamoru
//! check`'s diagnostics, and navigation between ids, into any editor.
//!
//! Synchronous, on `lsp-server` (rust-analyzer's scaffold): messages are read in order; changes
//! only update the open documents and mark their policy folder stale, and the folder is checked
//! again — the real pipeline, with the open documents read from memory — once the queue of
//! waiting messages is empty or before a request is answered, so a burst of keystrokes costs one
//! check and every answer sees the latest text.
//!
//! Architecture invariant: the server knows the protocol and positions; it judges nothing
//! itself. Diagnostics are `ops::check`'s, the index is built from `load`'s documents and spans,
//! and nothing is written to disk.

mod analysis;
mod features;
pub mod index;
pub mod text;

use crate::i18n::Lang;
use crate::load::{Overlay, Session, absolute};
use crate::msg;
use crate::ops::Fatal;
use analysis::Analysis;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use text::Encoding;

/// Serve the protocol on standard input and output until the client says `exit`.
pub fn run_stdio() -> Result<()> {
    let (connection, io) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io.join()
        .map_err(|e| Fatal::Usage(msg!("lsp-failed", error = e.to_string())))
}

/// Serve one client on a connection: the handshake, then messages until `exit`.
pub fn serve(connection: &Connection) -> Result<()> {
    let (id, params) = connection.initialize_start().map_err(protocol)?;
    let params: lsp::InitializeParams = serde_json::from_value(params)
        .map_err(|e| Fatal::Usage(msg!("lsp-failed", error = e.to_string())))?;
    let encoding = negotiate(&params);
    let result = lsp::InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(lsp::ServerInfo {
            name: "mamoru".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    let result = serde_json::to_value(result)
        .map_err(|e| Fatal::Usage(msg!("lsp-failed", error = e.to_string())))?;
    connection.initialize_finish(id, result).map_err(protocol)?;
    let mut server = Server {
        connection,
        encoding,
        lang: params
            .locale
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_else(crate::i18n::lang),
        workspace: workspace_roots(&params),
        docs: BTreeMap::new(),
        analyses: BTreeMap::new(),
        sessions: BTreeMap::new(),
        stale: BTreeSet::new(),
        by_root: BTreeMap::new(),
        published: BTreeMap::new(),
    };
    server.stale.extend(server.workspace.iter().cloned());
    let dynamic = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    if dynamic {
        server.watch_files()?;
    }
    server.run()
}

/// UTF-16 unless the client offers UTF-8 or code points (fewer conversions, same results).
fn negotiate(params: &lsp::InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&lsp::PositionEncodingKind::UTF32) => Encoding::Utf32,
        Some(list) if list.contains(&lsp::PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

fn capabilities(encoding: Encoding) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
            Encoding::Utf32 => lsp::PositionEncodingKind::UTF32,
        }),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![
                ":".into(),
                " ".into(),
                "[".into(),
                ",".into(),
                "-".into(),
                "{".into(),
            ]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Policy folders among the client's workspace folders (the folder itself, or its `policy/`).
#[allow(deprecated)] // `root_uri` is how clients without workspace folders name their folder.
fn workspace_roots(params: &lsp::InitializeParams) -> Vec<PathBuf> {
    let mut uris: Vec<&lsp::Url> = params
        .workspace_folders
        .iter()
        .flatten()
        .map(|f| &f.uri)
        .collect();
    if uris.is_empty() {
        uris.extend(params.root_uri.as_ref());
    }
    uris.iter()
        .filter_map(|u| u.to_file_path().ok())
        .filter_map(|dir| {
            [dir.clone(), dir.join("policy")]
                .into_iter()
                .find(|d| d.join("policy.yaml").is_file())
        })
        .map(|d| absolute(&d))
        .collect()
}

/// A document the editor has open.
struct Doc {
    uri: lsp::Url,
    text: String,
    version: i32,
}

struct Server<'a> {
    connection: &'a Connection,
    encoding: Encoding,
    lang: Lang,
    /// Policy folders of the workspace: checked even when none of their files is open.
    workspace: Vec<PathBuf>,
    docs: BTreeMap<PathBuf, Doc>,
    analyses: BTreeMap<PathBuf, Analysis>,
    /// Per policy folder: the open documents and what its last check parsed.
    sessions: BTreeMap<PathBuf, Session>,
    /// Policy folders to check again before the next answer.
    stale: BTreeSet<PathBuf>,
    /// The diagnostics of each policy folder's last check, by file.
    by_root: BTreeMap<PathBuf, BTreeMap<PathBuf, Vec<lsp::Diagnostic>>>,
    /// What the client was last sent, by file.
    published: BTreeMap<PathBuf, Vec<lsp::Diagnostic>>,
}

type Result<T> = std::result::Result<T, Fatal>;

fn protocol(e: lsp_server::ProtocolError) -> Fatal {
    Fatal::Usage(msg!("lsp-failed", error = e.to_string()))
}

impl Server<'_> {
    fn run(&mut self) -> Result<()> {
        self.refresh()?;
        while let Ok(msg) = self.connection.receiver.recv() {
            if self.handle(msg)? {
                return Ok(());
            }
            while let Ok(msg) = self.connection.receiver.try_recv() {
                if self.handle(msg)? {
                    return Ok(());
                }
            }
            self.refresh()?;
        }
        Ok(())
    }

    /// One message; `true` when the client is gone.
    fn handle(&mut self, msg: Message) -> Result<bool> {
        match msg {
            Message::Request(req) => {
                if self.connection.handle_shutdown(&req).map_err(protocol)? {
                    return Ok(true);
                }
                self.refresh()?;
                let resp = self.request(req);
                self.send(resp.into())?;
            }
            Message::Notification(n) => {
                if n.method == lsp::notification::Exit::METHOD {
                    return Ok(true);
                }
                self.notification(n);
            }
            Message::Response(_) => {}
        }
        Ok(false)
    }

    /// Ask the client to report changes made on disk outside the editor (a `git checkout`, a
    /// script): policy files are YAML and Markdown.
    fn watch_files(&self) -> Result<()> {
        let options = lsp::DidChangeWatchedFilesRegistrationOptions {
            watchers: ["**/*.yaml", "**/*.yml", "**/*.md"]
                .into_iter()
                .map(|g| lsp::FileSystemWatcher {
                    glob_pattern: lsp::GlobPattern::String(g.into()),
                    kind: None,
                })
                .collect(),
        };
        let params = lsp::RegistrationParams {
            registrations: vec![lsp::Registration {
                id: "mamoru-watched-files".into(),
                method: lsp::notification::DidChangeWatchedFiles::METHOD.into(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.send(
            Request::new(
                RequestId::from("mamoru-watch".to_string()),
                lsp::request::RegisterCapability::METHOD.into(),
                params,
            )
            .into(),
        )
    }

    fn send(&self, msg: Message) -> Result<()> {
        self.connection
            .sender
            .send(msg)
            .map_err(|_| Fatal::Usage(msg!("lsp-client-gone")))
    }

    fn notification(&mut self, n: Notification) {
        use lsp::notification::*;
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) =
                    n.extract::<lsp::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                else {
                    return;
                };
                let d = p.text_document;
                if let Some(path) = path_of(&d.uri) {
                    self.docs.insert(
                        path.clone(),
                        Doc {
                            uri: d.uri,
                            text: d.text,
                            version: d.version,
                        },
                    );
                    self.touch(&path);
                }
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) =
                    n.extract::<lsp::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD)
                else {
                    return;
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return;
                };
                let encoding = self.encoding;
                if let Some(doc) = self.docs.get_mut(&path) {
                    for change in p.content_changes {
                        apply(&mut doc.text, change, encoding);
                    }
                    doc.version = p.text_document.version;
                }
                self.touch(&path);
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    self.touch(&path);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    self.docs.remove(&path);
                    self.touch(&path);
                }
            }
            DidChangeWatchedFiles::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp::DidChangeWatchedFilesParams>(DidChangeWatchedFiles::METHOD)
                {
                    for c in p.changes {
                        if let Some(path) = path_of(&c.uri) {
                            self.touch(&path);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The policy folder a file belongs to: the nearest folder above it with a `policy.yaml`
    /// (on disk or open in the editor).
    fn root_of(&self, path: &Path) -> Option<PathBuf> {
        path.ancestors().skip(1).find_map(|dir| {
            let manifest = dir.join("policy.yaml");
            (self.docs.contains_key(&manifest) || manifest.is_file()).then(|| dir.to_path_buf())
        })
    }

    /// A file changed: its policy folder, and every checked fork that reads it, are stale.
    fn touch(&mut self, path: &Path) {
        if let Some(root) = self.root_of(path) {
            self.stale.insert(root);
        }
        for (root, a) in &self.analyses {
            if a.paths.iter().any(|p| p == path) {
                self.stale.insert(root.clone());
            }
        }
    }

    /// Folders worth checking: the workspace's, and those of open documents.
    fn wanted(&self, root: &Path) -> bool {
        self.workspace.iter().any(|w| w == root)
            || self
                .docs
                .keys()
                .any(|p| self.root_of(p).as_deref() == Some(root))
    }

    /// Check every stale folder again and send the diagnostics that changed.
    fn refresh(&mut self) -> Result<()> {
        if self.stale.is_empty() {
            return Ok(());
        }
        let overlay: Overlay = self
            .docs
            .iter()
            .map(|(p, d)| (p.clone(), d.text.as_bytes().to_vec()))
            .collect();
        for root in std::mem::take(&mut self.stale) {
            let diagnostics = if !self.wanted(&root) {
                self.analyses.remove(&root);
                self.sessions.remove(&root);
                BTreeMap::new()
            } else {
                let session = self.sessions.entry(root.clone()).or_default();
                session.overlay = overlay.clone();
                match Analysis::run(&root, session) {
                    Ok(a) => {
                        let d = a.diagnostics(self.encoding, self.lang);
                        self.log(
                            msg!(
                                "lsp-checked",
                                root = root.display().to_string(),
                                summary = msg!(
                                    "report-summary",
                                    errors = a.checked.errors(),
                                    warnings = a.checked.warnings()
                                ),
                                ms = a.elapsed.as_millis() as u64
                            )
                            .render(self.lang),
                        )?;
                        self.analyses.insert(root.clone(), a);
                        d
                    }
                    Err(e) => {
                        self.analyses.remove(&root);
                        self.log(
                            msg!(
                                "lsp-unreadable",
                                root = root.display().to_string(),
                                error = e.to_string()
                            )
                            .render(self.lang),
                        )?;
                        BTreeMap::new()
                    }
                }
            };
            let old = self.by_root.insert(root.clone(), diagnostics);
            let mut files: BTreeSet<PathBuf> =
                old.into_iter().flat_map(|m| m.into_keys()).collect();
            files.extend(self.by_root[&root].keys().cloned());
            for file in files {
                self.publish(&file)?;
            }
        }
        Ok(())
    }

    /// Send a file's diagnostics (from every folder whose check reads it) if they changed.
    fn publish(&mut self, file: &Path) -> Result<()> {
        let mut all: Vec<lsp::Diagnostic> = self
            .by_root
            .values()
            .filter_map(|m| m.get(file))
            .flatten()
            .cloned()
            .collect();
        all.dedup();
        if self
            .published
            .get(file)
            .map_or(all.is_empty(), |p| *p == all)
        {
            return Ok(());
        }
        let Some(uri) = self
            .docs
            .get(file)
            .map(|d| d.uri.clone())
            .or_else(|| lsp::Url::from_file_path(file).ok())
        else {
            return Ok(());
        };
        let params = lsp::PublishDiagnosticsParams {
            uri,
            diagnostics: all.clone(),
            version: self.docs.get(file).map(|d| d.version),
        };
        self.published.insert(file.to_path_buf(), all);
        self.send(
            Notification::new(lsp::notification::PublishDiagnostics::METHOD.into(), params).into(),
        )
    }

    fn log(&self, message: String) -> Result<()> {
        let params = lsp::LogMessageParams {
            typ: lsp::MessageType::LOG,
            message,
        };
        self.send(Notification::new(lsp::notification::LogMessage::METHOD.into(), params).into())
    }

    /// The analysis, file and position a request is about.
    fn at(
        &self,
        uri: &lsp::Url,
        position: Option<lsp::Position>,
    ) -> Option<(&Analysis, crate::diag::FileId, crate::load::yaml::Pos)> {
        let path = path_of(uri)?;
        let a = self.analyses.get(&self.root_of(&path)?)?;
        let file = a.file_of(&path)?;
        let pos = a.pos(file, position.unwrap_or_default(), self.encoding);
        Some((a, file, pos))
    }

    fn request(&self, req: Request) -> Response {
        use lsp::request::*;
        let id = req.id.clone();
        let (enc, lang) = (self.encoding, self.lang);
        match req.method.as_str() {
            HoverRequest::METHOD => self.answer(req, |s, p: lsp::HoverParams| {
                let t = p.text_document_position_params;
                let (a, file, pos) = s.at(&t.text_document.uri, Some(t.position))?;
                features::hover(a, file, pos, enc, lang)
            }),
            GotoDefinition::METHOD => self.answer(req, |s, p: lsp::GotoDefinitionParams| {
                let t = p.text_document_position_params;
                let (a, file, pos) = s.at(&t.text_document.uri, Some(t.position))?;
                let found = features::definition(a, file, pos, enc);
                (!found.is_empty()).then_some(lsp::GotoDefinitionResponse::Array(found))
            }),
            References::METHOD => self.answer(req, |s, p: lsp::ReferenceParams| {
                let t = p.text_document_position;
                let (a, file, pos) = s.at(&t.text_document.uri, Some(t.position))?;
                Some(features::references(
                    a,
                    file,
                    pos,
                    p.context.include_declaration,
                    enc,
                ))
            }),
            Completion::METHOD => self.answer(req, |s, p: lsp::CompletionParams| {
                let t = p.text_document_position;
                let path = path_of(&t.text_document.uri)?;
                let root = s.root_of(&path)?;
                let a = s.analyses.get(&root)?;
                let rel = path
                    .strip_prefix(&root)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/");
                let kind = features::kind_of_path(&rel)?;
                let text = s.docs.get(&path)?.text.as_str();
                Some(lsp::CompletionResponse::Array(features::completion(
                    a, kind, text, t.position, enc, lang,
                )))
            }),
            DocumentSymbolRequest::METHOD => self.answer(req, |s, p: lsp::DocumentSymbolParams| {
                let (a, file, _) = s.at(&p.text_document.uri, None)?;
                Some(lsp::DocumentSymbolResponse::Nested(features::symbols(
                    a, file, enc,
                )))
            }),
            WorkspaceSymbolRequest::METHOD => {
                self.answer(req, |s, p: lsp::WorkspaceSymbolParams| {
                    let mut all = Vec::new();
                    for a in s.analyses.values() {
                        for sym in features::workspace_symbols(a, &p.query, enc) {
                            if !all
                                .iter()
                                .any(|x: &lsp::SymbolInformation| x.location == sym.location)
                            {
                                all.push(sym);
                            }
                        }
                    }
                    Some(lsp::WorkspaceSymbolResponse::Flat(all))
                })
            }
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("mamoru does not answer `{}`", req.method),
            ),
        }
    }

    /// Decode a request's parameters, answer, encode (no answer is `null`).
    fn answer<P, R>(&self, req: Request, f: impl FnOnce(&Self, P) -> Option<R>) -> Response
    where
        P: serde::de::DeserializeOwned,
        R: serde::Serialize,
    {
        let id: RequestId = req.id;
        match serde_json::from_value::<P>(req.params) {
            Ok(p) => Response::new_ok(id, f(self, p)),
            Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string()),
        }
    }
}

/// The file a `file:` URI names, absolute and without `.`/`..` (other schemes: none).
fn path_of(uri: &lsp::Url) -> Option<PathBuf> {
    uri.to_file_path().ok().map(|p| absolute(&p))
}

/// Apply one change from the client to a document's text (a whole new text, or a range).
fn apply(text: &mut String, change: lsp::TextDocumentContentChangeEvent, enc: Encoding) {
    let Some(range) = change.range else {
        *text = change.text;
        return;
    };
    let offset = |p: lsp::Position| -> usize {
        let mut start = 0;
        for _ in 0..p.line {
            match text[start..].find('\n') {
                Some(i) => start += i + 1,
                None => return text.len(),
            }
        }
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..line_end];
        let chars = text::chars(line, p.character, enc) as usize;
        start
            + line
                .char_indices()
                .nth(chars)
                .map_or(line.len(), |(i, _)| i)
    };
    let (a, b) = (offset(range.start), offset(range.end));
    if a <= b {
        text.replace_range(a..b, &change.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Broken text anywhere in a file, and every feature asked at every position: answers stay
    /// inside the documents, and nothing panics.
    #[test]
    fn every_feature_survives_broken_text_at_every_position() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
        let dir = tempfile::tempdir().unwrap();
        let mut stack = vec![(src.clone(), dir.path().to_path_buf())];
        while let Some((from, to)) = stack.pop() {
            std::fs::create_dir_all(&to).unwrap();
            for e in std::fs::read_dir(&from).unwrap() {
                let p = e.unwrap().path();
                let t = to.join(p.file_name().unwrap());
                if p.is_dir() {
                    stack.push((p, t));
                } else {
                    std::fs::copy(&p, &t).unwrap();
                }
            }
        }
        let root = absolute(dir.path());
        for (rel, kind) in [
            ("flows/phone.yaml", crate::model::Kind::Flow),
            ("cases/a.md", crate::model::Kind::Case),
            ("criteria.yaml", crate::model::Kind::Criteria),
        ] {
            let path = root.join(rel);
            let good = std::fs::read_to_string(&path).unwrap();
            let mut variants: Vec<String> = (0..good.len())
                .step_by(97)
                .filter(|i| good.is_char_boundary(*i))
                .map(|i| good[..i].to_string())
                .collect();
            variants.extend([
                String::new(),
                good.replace('\n', "\r\n"),
                format!("\u{feff}{good}"),
                good.replacen(": ", "：", 3),
                good.replacen("  ", "\t", 2),
                good.replacen("- ", "・", 2),
                good.replace("id: ", "id: 𠮷"),
                good.lines().rev().collect::<Vec<_>>().join("\n"),
            ]);
            for text in variants {
                let session =
                    Session::new(Overlay::from([(path.clone(), text.clone().into_bytes())]));
                let a = Analysis::run(&root, &session).unwrap();
                let d = a.diagnostics(Encoding::Utf16, Lang::Ja);
                for list in d.values() {
                    for x in list {
                        assert!(x.range.start <= x.range.end, "{x:?}");
                    }
                }
                let lines = text.split('\n').count() as u32;
                let Some(file) = a.file_of(&path) else {
                    continue;
                };
                features::symbols(&a, file, Encoding::Utf16);
                for line in 0..lines + 2 {
                    let width = text::line(&text, line).encode_utf16().count() as u32;
                    for character in 0..width + 3 {
                        let at = lsp::Position { line, character };
                        let pos = a.pos(file, at, Encoding::Utf16);
                        features::hover(&a, file, pos, Encoding::Utf16, Lang::En);
                        for l in features::definition(&a, file, pos, Encoding::Utf16)
                            .into_iter()
                            .chain(features::references(&a, file, pos, true, Encoding::Utf16))
                        {
                            assert!(l.range.start <= l.range.end);
                        }
                        features::completion(&a, kind, &text, at, Encoding::Utf16, Lang::Ja);
                    }
                }
            }
        }
    }

    #[test]
    fn incremental_changes_count_utf16_units() {
        let mut t = String::from("title: 𠮷野家\nid: a\n");
        let change = |l1, c1, l2, c2, s: &str| lsp::TextDocumentContentChangeEvent {
            range: Some(lsp::Range {
                start: lsp::Position {
                    line: l1,
                    character: c1,
                },
                end: lsp::Position {
                    line: l2,
                    character: c2,
                },
            }),
            range_length: None,
            text: s.into(),
        };
        // 𠮷 is two UTF-16 units: 野 starts at unit 9.
        apply(&mut t, change(0, 9, 0, 10, "の"), Encoding::Utf16);
        assert_eq!(t, "title: 𠮷の家\nid: a\n");
        apply(&mut t, change(1, 4, 2, 0, "b"), Encoding::Utf16);
        assert_eq!(t, "title: 𠮷の家\nid: b");
    }
}

//! One policy folder checked as `mamoru check` checks it, with the editor's open documents read
//! from memory, and what the editor needs from the result: diagnostics as LSP ranges by file,
//! and the id index.

use super::index::{Index, Range};
use super::text::{Encoding, units};
use crate::diag::{At, Diagnostic, FileId, Origin, Severity};
use crate::i18n::Lang;
use crate::load::yaml::{NodeSpan, Pos, Style};
use crate::load::{Session, Sources, absolute};
use crate::ops::{self, Checked, Input};
use lsp_types as lsp;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub struct Analysis {
    /// The policy folder (absolute).
    pub root: PathBuf,
    pub checked: Checked,
    pub index: Index,
    /// The absolute path of every file read, by file id.
    pub paths: Vec<PathBuf>,
    pub elapsed: Duration,
}

impl Analysis {
    /// Check the folder `root` with the session's open documents (and parsed files).
    pub fn run(root: &Path, session: &Session) -> Result<Analysis, ops::Fatal> {
        let start = Instant::now();
        let checked = ops::check_in_session(
            &Input::Dir(root.to_path_buf()),
            &crate::load::LoadOptions::default(),
            Some(session),
        )?;
        let index = Index::build(&checked.sources, checked.policy.as_ref());
        let paths = checked
            .sources
            .files
            .iter()
            .map(|f| absolute(&root.join(&f.path)))
            .collect();
        Ok(Analysis {
            root: root.to_path_buf(),
            checked,
            index,
            paths,
            elapsed: start.elapsed(),
        })
    }

    pub fn sources(&self) -> &Sources {
        &self.checked.sources
    }

    pub fn file_of(&self, path: &Path) -> Option<FileId> {
        self.paths
            .iter()
            .position(|p| p == path)
            .map(|i| FileId(i as u32))
    }

    pub fn path(&self, file: FileId) -> &Path {
        &self.paths[file.0 as usize]
    }

    /// The text of a 1-based line of a file.
    pub fn line(&self, file: FileId, line: u32) -> &str {
        self.sources().file(file).line(line).unwrap_or("")
    }

    /// A mamoru position (1-based line, 1-based character column) as the client counts it.
    pub fn position(&self, file: FileId, p: Pos, enc: Encoding) -> lsp::Position {
        let line = p.line.max(1);
        lsp::Position {
            line: line - 1,
            character: units(self.line(file, line), p.col.max(1) - 1, enc),
        }
    }

    pub fn range(&self, file: FileId, r: Range, enc: Encoding) -> lsp::Range {
        lsp::Range {
            start: self.position(file, r.start, enc),
            end: self.position(file, r.end, enc),
        }
    }

    /// A client's position as a mamoru position.
    pub fn pos(&self, file: FileId, p: lsp::Position, enc: Encoding) -> Pos {
        let line = p.line + 1;
        Pos {
            line,
            col: super::text::chars(self.line(file, line), p.character, enc) + 1,
        }
    }

    pub fn location(&self, file: FileId, r: Range, enc: Encoding) -> Option<lsp::Location> {
        Some(lsp::Location {
            uri: lsp::Url::from_file_path(self.path(file)).ok()?,
            range: self.range(file, r, enc),
        })
    }

    /// The range a diagnostic's origin covers: the key or scalar it points at, else the token
    /// that starts at its position.
    fn origin_range(&self, o: &Origin) -> Option<Range> {
        let loc = self.sources().locate(o)?;
        let at = Pos {
            line: loc.line,
            col: loc.col,
        };
        let doc = self.sources().doc(o.file);
        let span = match &o.at {
            At::Value(p) | At::Key(p) => doc.and_then(|d| d.spans.get(p)),
            _ => None,
        };
        let key_end = |s: NodeSpan| match (s.key, s.key_end) {
            (Some(k), Some(e)) if k == at && e.line == k.line => Some(e),
            _ => None,
        };
        let exact = match (span, &o.at) {
            (Some(s), At::Key(_)) => key_end(s),
            (Some(s), At::Value(_)) if s.style == Style::Collection => key_end(s),
            (Some(s), At::Value(_)) if s.value == at && s.end.line == at.line => Some(s.end),
            _ => None,
        };
        let end = exact.unwrap_or_else(|| {
            let line = self.line(o.file, at.line);
            let rest = line.chars().skip((at.col as usize).saturating_sub(1));
            let len = rest
                .take_while(|c| !(c.is_whitespace() || matches!(c, ':' | ',' | ']' | '}')))
                .count()
                .max(1);
            Pos {
                line: at.line,
                col: at.col + len as u32,
            }
        });
        Some(Range { start: at, end })
    }

    /// Every diagnostic of the check, as the client shows it, by the file it is about.
    pub fn diagnostics(
        &self,
        enc: Encoding,
        lang: Lang,
    ) -> BTreeMap<PathBuf, Vec<lsp::Diagnostic>> {
        let mut out: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = BTreeMap::new();
        for d in &self.checked.diagnostics {
            let (path, range) = self.place(d, enc);
            out.entry(path)
                .or_default()
                .push(self.convert(d, range, enc, lang));
        }
        for list in out.values_mut() {
            list.sort_by(|a, b| {
                (a.range.start.line, a.range.start.character, &a.message).cmp(&(
                    b.range.start.line,
                    b.range.start.character,
                    &b.message,
                ))
            });
            list.dedup();
        }
        out
    }

    /// The file and range of a diagnostic; one about a folder or a missing file goes to
    /// `policy.yaml`.
    fn place(&self, d: &Diagnostic, enc: Encoding) -> (PathBuf, lsp::Range) {
        if let Some(o) = &d.origin
            && let Some(r) = self.origin_range(o)
        {
            return (self.path(o.file).to_path_buf(), self.range(o.file, r, enc));
        }
        let start = lsp::Range::default();
        if let Some(p) = &d.path {
            let abs = absolute(&self.root.join(p));
            if let Some(f) = self.file_of(&abs) {
                let first = self.line(f, 1).chars().count() as u32;
                let end = Pos {
                    line: 1,
                    col: first + 1,
                };
                let r = Range {
                    start: Pos { line: 1, col: 1 },
                    end,
                };
                return (abs, self.range(f, r, enc));
            }
            if abs.is_file() {
                return (abs, start);
            }
        }
        (self.root.join("policy.yaml"), start)
    }

    fn convert(
        &self,
        d: &Diagnostic,
        range: lsp::Range,
        enc: Encoding,
        lang: Lang,
    ) -> lsp::Diagnostic {
        let mut message = d.message.render(lang);
        for n in &d.notes {
            message.push('\n');
            message.push_str(&n.render(lang));
        }
        if let Some(h) = &d.hint {
            message.push('\n');
            message.push_str(&crate::msg!("report-hint", hint = h.render(lang)).render(lang));
        }
        if d.origin.is_none()
            && let Some(p) = &d.path
        {
            message.push_str(&format!("\n({p})"));
        }
        let related: Vec<lsp::DiagnosticRelatedInformation> = d
            .related
            .iter()
            .filter_map(|r| {
                let range = self.origin_range(&r.origin)?;
                Some(lsp::DiagnosticRelatedInformation {
                    location: self.location(r.origin.file, range, enc)?,
                    message: r.message.render(lang),
                })
            })
            .collect();
        lsp::Diagnostic {
            range,
            severity: Some(match d.severity {
                Severity::Error => lsp::DiagnosticSeverity::ERROR,
                Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            }),
            code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
            code_description: None,
            source: Some("mamoru".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        }
    }
}

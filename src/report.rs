//! Rendering diagnostics for people (with source snippets, coloured on a terminal) and for
//! machines (`--format json`). Origins are resolved to file, line and column here.

use crate::diag::{Diagnostic, Severity};
use crate::i18n::Lang;
use crate::load::Sources;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

/// A diagnostic with its place resolved, as `--format json` prints it.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Resolved {
    /// `error` or `warning`.
    pub severity: Severity,
    /// The stable code, `E201`.
    pub code: String,
    /// The code's name, `unknown-reference`.
    pub name: &'static str,
    /// The message, rendered.
    pub message: String,
    /// The file, as a path relative to the policy folder (`../support/…` in an upstream).
    pub file: Option<String>,
    /// The line, 1-based.
    pub line: Option<u32>,
    /// The column, 1-based, in characters.
    pub column: Option<u32>,
    /// How to fix it, rendered.
    pub hint: Option<String>,
    /// Further lines of explanation, rendered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Other places worth showing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedResolved>,
}

/// A related place of a diagnostic, resolved.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct RelatedResolved {
    /// The file, relative to the policy folder.
    pub file: String,
    /// The line, 1-based.
    pub line: u32,
    /// The column, 1-based, in characters.
    pub column: u32,
    /// What the place is, rendered.
    pub message: String,
}

/// Resolve every diagnostic's origin and render its messages in a language, sorted by file,
/// line and column.
pub fn resolve(sources: &Sources, diags: &[Diagnostic], lang: Lang) -> Vec<Resolved> {
    let mut out: Vec<Resolved> = diags
        .iter()
        .map(|d| {
            let loc = d.origin.as_ref().and_then(|o| sources.locate(o));
            Resolved {
                severity: d.severity,
                code: d.code.as_str().to_string(),
                name: d.code.slug(),
                message: d.message.render(lang),
                file: loc
                    .as_ref()
                    .map(|l| l.path.to_string())
                    .or_else(|| d.path.clone()),
                line: loc.as_ref().map(|l| l.line),
                column: loc.as_ref().map(|l| l.col),
                hint: d.hint.as_ref().map(|h| h.render(lang)),
                notes: d.notes.iter().map(|n| n.render(lang)).collect(),
                related: d
                    .related
                    .iter()
                    .filter_map(|r| {
                        let l = sources.locate(&r.origin)?;
                        Some(RelatedResolved {
                            file: l.path.to_string(),
                            line: l.line,
                            column: l.col,
                            message: r.message.render(lang),
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.code, &a.message)
            .cmp(&(&b.file, b.line, b.column, &b.code, &b.message))
    });
    out.dedup();
    out
}

/// Byte offset of a 1-based line and character column.
fn offset(text: &str, line: u32, col: u32) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    let within = rest
        .char_indices()
        .take_while(|(_, c)| *c != '\n')
        .nth(col.saturating_sub(1) as usize)
        .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |(i, _)| i);
    start + within
}

/// Length in bytes of the token starting at an offset (to underline a word, not one char).
fn token_len(text: &str, at: usize) -> usize {
    let rest = &text[at.min(text.len())..];
    let n = rest
        .char_indices()
        .find(|(_, c)| matches!(c, '\n' | '\r' | ':' | ',' | ']' | '}') || c.is_whitespace())
        .map_or(rest.len(), |(i, _)| i);
    n.max(rest.chars().next().map_or(0, char::len_utf8))
}

/// Human-readable rendering, coloured with ANSI escapes when `color`.
pub fn human(sources: &Sources, diags: &[Diagnostic], color: bool, lang: Lang) -> String {
    let resolved = resolve(sources, diags, lang);
    let mut files = SimpleFiles::new();
    let ids: Vec<usize> = sources
        .files
        .iter()
        .map(|f| files.add(f.path.clone(), f.text.clone()))
        .collect();
    let mut buf = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let config = term::Config::default();
    for r in &resolved {
        let sev = match r.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut d = cs::Diagnostic::new(sev)
            .with_code(r.code.clone())
            .with_message(r.message.clone());
        let file_id = r
            .file
            .as_ref()
            .and_then(|f| sources.files.iter().position(|s| &s.path == f))
            .map(|i| ids[i]);
        let mut notes = Vec::new();
        match (file_id, r.line, r.column) {
            (Some(id), Some(line), Some(col)) => {
                let text = &sources.files[ids.iter().position(|x| *x == id).expect("id")].text;
                let at = offset(text, line, col);
                let mut labels = vec![cs::Label::primary(id, at..at + token_len(text, at))];
                for rel in &r.related {
                    if let Some(i) = sources.files.iter().position(|s| s.path == rel.file) {
                        let t = &sources.files[i].text;
                        let o = offset(t, rel.line, rel.column);
                        labels.push(
                            cs::Label::secondary(ids[i], o..o + token_len(t, o))
                                .with_message(rel.message.clone()),
                        );
                    }
                }
                d = d.with_labels(labels);
            }
            _ => {
                if let Some(f) = &r.file {
                    notes.push(crate::msg!("report-in-file", file = f).render(lang));
                }
            }
        }
        notes.extend(r.notes.iter().cloned());
        if let Some(h) = &r.hint {
            notes.push(crate::msg!("report-hint", hint = h).render(lang));
        }
        d = d.with_notes(notes);
        let _ = term::emit_to_write_style(&mut buf, &config, &files, &d);
    }
    String::from_utf8_lossy(buf.as_slice()).into_owned()
}

/// `--format json`: an array with one object per diagnostic.
pub fn json(sources: &Sources, diags: &[Diagnostic], lang: Lang) -> String {
    let resolved = resolve(sources, diags, lang);
    let mut out = String::from("[");
    for (i, r) in resolved.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        out.push_str(&serde_json::to_string(r).expect("serialisable"));
    }
    out.push_str(if resolved.is_empty() { "]\n" } else { "\n]\n" });
    out
}

/// "2 errors, 1 warning".
pub fn summary(diags: &[Diagnostic]) -> crate::i18n::Msg {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    crate::msg!(
        "report-summary",
        errors = errors,
        warnings = diags.len() - errors
    )
}

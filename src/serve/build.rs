//! The rebuild: check the policy, and when it is good, render what changed and work out which
//! pages moved; when it is not, keep the last good manual and describe the errors for the
//! overlay.
//!
//! What is not recomputed: files whose text did not change are not parsed again (the
//! `load::Session` memo); nothing at all runs past loading when no source or asset changed (an
//! editor saving the same bytes, a `touch`); the site is not rendered again when the compiled
//! policy, its templates and assets are the same (a comment, whitespace, key order); and a page
//! whose bytes did not change keeps its place in memory and is not reloaded in any browser.

use super::messages::Lang;
use super::site;
use super::state::{Bytes, ErrorView, Snapshot, Snippet};
use crate::load::{LoadOptions, Session, Sources, absolute};
use crate::msg;
use crate::ops::{self, Checked, Input};
use crate::report::Resolved;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// The last manual that built.
struct Good {
    /// What the site was rendered from (policy, templates, assets, meta).
    fingerprint: u64,
    /// Hash of each file as rendered (before the live script), to tell what changed.
    raw: HashMap<String, u64>,
    files: Arc<HashMap<String, Bytes>>,
    changed: Arc<HashMap<String, u64>>,
}

/// What one rebuild produced.
pub struct Step {
    /// A snapshot to publish, and the events to send with it (`None`: nothing changed).
    pub publish: Option<(Snapshot, String)>,
    /// A line for the console.
    pub log: String,
    /// The folders the policy was read from (its own, then its upstreams').
    pub dirs: Vec<PathBuf>,
}

pub struct Builder {
    dir: PathBuf,
    opts: LoadOptions,
    session: Session,
    revision: Option<String>,
    lang: Lang,
    generation: u64,
    /// Hash of every source and asset read by the last rebuild, whatever its outcome.
    inputs: Option<u64>,
    /// Whether the last rebuild found errors.
    failing: bool,
    good: Option<Good>,
}

fn hash_of(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Hash of everything read: file paths and texts, asset paths and bytes.
fn inputs_of(s: &Sources) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in &s.files {
        f.path.hash(&mut h);
        f.text.hash(&mut h);
    }
    for (p, b) in &s.assets {
        p.hash(&mut h);
        b.hash(&mut h);
    }
    s.dirs.hash(&mut h);
    h.finish()
}

/// The script tag every HTML page gets; `generation` is when the page last changed.
fn inject(html: &[u8], generation: u64) -> Vec<u8> {
    let tag =
        format!("<script src=\"/__mamoru/live.js\" data-generation=\"{generation}\"></script>");
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The overlay's view of the errors of a check.
pub fn error_views(checked: &Checked, lang: Lang) -> Vec<ErrorView> {
    crate::report::resolve(&checked.sources, &checked.diagnostics, lang)
        .into_iter()
        .filter(|r| r.severity == crate::diag::Severity::Error)
        .map(|r| view(&checked.sources, r))
        .collect()
}

fn view(sources: &Sources, r: Resolved) -> ErrorView {
    let place = match (&r.file, r.line, r.column) {
        (Some(f), Some(l), Some(c)) => Some(format!("{f}:{l}:{c}")),
        (Some(f), _, _) => Some(f.clone()),
        _ => None,
    };
    let snippet = (|| {
        let file = sources
            .files
            .iter()
            .find(|f| Some(&f.path) == r.file.as_ref())?;
        let (line, col) = (r.line?, r.column?);
        let text = file.line(line)?;
        let before: String = text
            .chars()
            .take((col as usize).saturating_sub(1))
            .collect();
        let rest: String = text
            .chars()
            .skip((col as usize).saturating_sub(1))
            .collect();
        let len = rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || matches!(c, ':' | ',' | ']' | '}'))
            .map_or(rest.len(), |(i, _)| i)
            .max(rest.chars().next().map_or(0, char::len_utf8));
        Some(Snippet {
            line,
            before,
            token: rest[..len].to_string(),
            after: rest[len..].to_string(),
        })
    })();
    ErrorView {
        code: r.code,
        message: r.message,
        place,
        hint: r.hint,
        notes: r.notes,
        snippet,
    }
}

impl Builder {
    pub fn new(dir: PathBuf, opts: LoadOptions, lang: Lang) -> Builder {
        // The revision is read once: `git status` on every keystroke would cost more than the
        // rebuild, and a preview's footer need not follow uncommitted edits.
        let revision = crate::load::revision(&dir);
        Builder {
            dir,
            opts,
            session: Session::default(),
            revision,
            lang,
            generation: 0,
            inputs: None,
            failing: false,
            good: None,
        }
    }

    fn snapshot(&self, errors: Vec<ErrorView>) -> Snapshot {
        let (files, changed) = match &self.good {
            Some(g) => (g.files.clone(), g.changed.clone()),
            None => (Arc::default(), Arc::default()),
        };
        Snapshot {
            generation: self.generation,
            files,
            changed,
            errors,
            built: self.good.is_some(),
            lang: self.lang,
        }
    }

    fn failed(&mut self, errors: Vec<ErrorView>, dirs: Vec<PathBuf>, ms: f64) -> Step {
        self.generation += 1;
        self.failing = true;
        let log = msg!("serve-has-errors", count = errors.len(), ms = ms as u64).render(self.lang);
        let snap = self.snapshot(errors);
        let event = format!("event: state\ndata: {}\n\n", snap.state_json());
        Step {
            publish: Some((snap, event)),
            log,
            dirs,
        }
    }

    /// Read, check and (when good) render the policy again.
    pub fn rebuild(&mut self) -> Step {
        let start = Instant::now();
        let ms = |s: Instant| s.elapsed().as_secs_f64() * 1000.0;
        let checked = match ops::check_in_session(
            &Input::Dir(self.dir.clone()),
            &self.opts,
            Some(&self.session),
        ) {
            Ok(c) => c,
            Err(e) => {
                self.inputs = None;
                let errors = vec![ErrorView {
                    code: crate::diag::Code::Io.as_str().into(),
                    message: msg!("serve-cannot-read", error = e.to_string()).render(self.lang),
                    place: None,
                    hint: None,
                    notes: Vec::new(),
                    snippet: None,
                }];
                return self.failed(errors, vec![self.dir.clone()], ms(start));
            }
        };
        // Watched as absolute paths without `..` (an upstream is `fork/../support`).
        let dirs: Vec<PathBuf> = checked.sources.dirs.iter().map(|d| absolute(d)).collect();
        let inputs = inputs_of(&checked.sources);
        if self.inputs == Some(inputs) {
            return Step {
                publish: None,
                log: msg!("serve-unchanged", ms = ms(start) as u64).render(self.lang),
                dirs,
            };
        }
        self.inputs = Some(inputs);
        let errors = error_views(&checked, self.lang);
        let Some(policy) = checked.policy.as_ref().filter(|_| errors.is_empty()) else {
            return self.failed(errors, dirs, ms(start));
        };
        let meta = crate::emit::site::Meta {
            revision: self.revision.clone(),
        };
        let fingerprint = site::fingerprint(policy, &checked.sources.assets, &meta);
        if let Some(g) = &self.good
            && g.fingerprint == fingerprint
        {
            // Same manual: only the overlay, if any, goes.
            let was_failing = std::mem::replace(&mut self.failing, false);
            if !was_failing {
                return Step {
                    publish: None,
                    log: msg!("serve-unchanged", ms = ms(start) as u64).render(self.lang),
                    dirs,
                };
            }
            self.generation += 1;
            let snap = self.snapshot(Vec::new());
            let event = format!("event: state\ndata: {}\n\n", snap.state_json());
            return Step {
                publish: Some((snap, event)),
                log: msg!("serve-unchanged", ms = ms(start) as u64).render(self.lang),
                dirs,
            };
        }
        let files = match site::render(policy, &checked.sources.assets, &meta) {
            Ok(f) => f,
            Err(e) => {
                let errors = vec![ErrorView {
                    code: "site".into(),
                    message: msg!("serve-cannot-render", error = e).render(self.lang),
                    place: None,
                    hint: None,
                    notes: Vec::new(),
                    snippet: None,
                }];
                return self.failed(errors, dirs, ms(start));
            }
        };
        self.generation += 1;
        self.failing = false;
        let generation = self.generation;
        let (old_raw, old_files, old_changed) = match self.good.take() {
            Some(g) => (g.raw, g.files, g.changed),
            None => Default::default(),
        };
        let mut raw = HashMap::with_capacity(files.len());
        let mut out: HashMap<String, Bytes> = HashMap::with_capacity(files.len());
        let mut changed: HashMap<String, u64> = HashMap::with_capacity(files.len());
        let mut pages = Vec::new();
        let mut assets_changed = false;
        for (path, bytes) in files {
            let h = hash_of(&bytes);
            let same = old_raw.get(&path) == Some(&h);
            let kept = if same { old_files.get(&path) } else { None };
            let served = match kept {
                Some(b) => b.clone(),
                None if path.ends_with(".html") => Bytes::from(inject(&bytes, generation)),
                None => Bytes::from(bytes),
            };
            let at = match (kept, old_changed.get(&path)) {
                (Some(_), Some(g)) => *g,
                _ => generation,
            };
            if at == generation && !old_raw.is_empty() {
                if path.ends_with(".html") {
                    pages.push(path.clone());
                } else if !path.starts_with("pagefind/") && !path.starts_with("bundle") {
                    assets_changed = true;
                }
            }
            raw.insert(path.clone(), h);
            changed.insert(path.clone(), at);
            out.insert(path, served);
        }
        for gone in old_raw.keys().filter(|p| !raw.contains_key(*p)) {
            if gone.ends_with(".html") {
                pages.push(gone.clone());
            }
        }
        pages.sort();
        self.good = Some(Good {
            fingerprint,
            raw,
            files: Arc::new(out),
            changed: Arc::new(changed),
        });
        let snap = self.snapshot(Vec::new());
        let reload = if assets_changed {
            serde_json::json!({"generation": generation, "pages": "all"})
        } else {
            serde_json::json!({"generation": generation, "pages": pages})
        };
        let event = format!(
            "event: state\ndata: {}\n\nevent: reload\ndata: {reload}\n\n",
            snap.state_json()
        );
        Step {
            publish: Some((snap, event)),
            log: msg!("serve-rebuilt", count = pages.len(), ms = ms(start) as u64)
                .render(self.lang),
            dirs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let out = inject(b"<html><body><p>a</p></BODY></html>", 7);
        let s = String::from_utf8(out).unwrap();
        assert!(s.ends_with(
            "<p>a</p><script src=\"/__mamoru/live.js\" data-generation=\"7\"></script></BODY></html>"
        ));
        let bare = String::from_utf8(inject(b"<p>x</p>", 1)).unwrap();
        assert!(bare.starts_with("<p>x</p><script"));
    }
}

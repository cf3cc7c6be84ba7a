//! The rebuild: check the policy; when it has errors, keep the last good manual and describe
//! the errors for the overlay; when it is good, update the pages in two phases.
//!
//! 1. At once, on the watcher's thread: the pages whose inputs changed among those that do not
//!    read every case (see `site.rs`): after an edit of cases, only their pages; after any other
//!    edit, every such page, with the case pages open in a browser. The open pages reload.
//! 2. Then, on a worker thread, the whole site (the case list, the grid with every case, the
//!    print page, the search index, the bundle, the other case pages); its pages that still
//!    differ reload. An edit arriving meanwhile makes that result stale: it is dropped and the
//!    worker starts again from the newer policy, so the whole site follows once edits pause.
//!
//! What is not recomputed: files whose text did not change are not parsed again (the
//! `load::Session` memo); nothing runs past loading when no source or asset changed (an editor
//! saving the same bytes, a `touch`); nothing is rendered when the compiled policy, templates
//! and assets did not change (a comment, whitespace, key order); a page whose bytes did not
//! change keeps its place in memory and is not reloaded.

use super::messages::Lang;
use super::site;
use super::state::{Bytes, ErrorView, Shared, Snapshot, Snippet};
use crate::load::{LoadOptions, Session, Sources, absolute};
use crate::msg;
use crate::ops::{self, Checked, Input};
use crate::policy::Policy;
use crate::report::Resolved;
use crate::serve::site::Meta;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// The manual being served (the last good one).
#[derive(Default)]
struct Good {
    /// Inputs of the pages that do not read every case, as last rendered.
    rest: u64,
    /// Inputs of each case's page, as last rendered.
    cases: HashMap<String, u64>,
    /// Hash of each file as rendered (before the live script), to tell what changed.
    raw: HashMap<String, u64>,
    files: Arc<HashMap<String, Bytes>>,
    changed: Arc<HashMap<String, u64>>,
}

/// Phase 1 of a rebuild: the cases (indices) whose pages are rendered now, and the pages of
/// cases that are gone.
type Plan = (Vec<usize>, Vec<String>);

/// What the rebuild and the worker share.
struct State {
    generation: u64,
    errors: Vec<ErrorView>,
    good: Option<Good>,
    /// Number of the newest good check; a whole render of an older one is dropped.
    latest: u64,
}

/// A whole render to do.
struct Job {
    number: u64,
    policy: Arc<Policy>,
    /// The policy's cases as the check ran them, in case order.
    runs: Arc<Vec<crate::compile::cases::CaseRun>>,
    assets: Vec<(String, Vec<u8>)>,
    meta: Meta,
    rest: u64,
    cases: Vec<(String, u64)>,
}

/// Where the rebuild leaves whole renders for the worker (only the newest waits).
type Jobs = Arc<(Mutex<Option<Job>>, Condvar)>;

/// A line for the console, from either thread.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// What one rebuild tells its caller.
pub struct Step {
    /// The folders the policy was read from (its own, then its upstreams').
    pub dirs: Vec<PathBuf>,
    /// The policy folder could not be read at all (deleted, renamed away).
    pub unreadable: bool,
}

pub struct Builder {
    dir: PathBuf,
    opts: LoadOptions,
    session: Session,
    revision: Option<String>,
    lang: Lang,
    shared: Arc<Shared>,
    state: Arc<Mutex<State>>,
    jobs: Jobs,
    log: Log,
    /// Hash of every source and asset read by the last rebuild, whatever its outcome.
    inputs: Option<u64>,
    /// The whole-site key of the policy last rendered, to skip identical ones.
    shown: Option<u64>,
    checks: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn hash_of(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Hash of everything read: file paths and texts, asset paths and bytes, folders.
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

/// What a merge changed.
#[derive(Default)]
struct Changes {
    pages: Vec<String>,
    /// A stylesheet, script or image changed: every page reloads.
    assets: bool,
}

impl Good {
    /// Put rendered files into the site. `whole`: they are the whole site, and files not
    /// among them go; else they replace only themselves, and `gone` pages go.
    fn merge(&mut self, files: site::Files, gone: &[String], whole: bool, g: u64) -> Changes {
        let mut changes = Changes::default();
        let first = self.raw.is_empty();
        let served = Arc::make_mut(&mut self.files);
        let changed = Arc::make_mut(&mut self.changed);
        let mut seen = std::collections::HashSet::new();
        for (path, bytes) in files {
            let h = hash_of(&bytes);
            seen.insert(path.clone());
            if self.raw.get(&path) == Some(&h) {
                continue;
            }
            let b = if path.ends_with(".html") {
                Bytes::from(inject(&bytes, g))
            } else {
                Bytes::from(bytes)
            };
            if !first {
                if path.ends_with(".html") {
                    changes.pages.push(path.clone());
                } else if !site::needs_all_cases(&path) {
                    changes.assets = true;
                }
            }
            self.raw.insert(path.clone(), h);
            changed.insert(path.clone(), g);
            served.insert(path, b);
        }
        let mut dropped: Vec<String> = if whole {
            self.raw
                .keys()
                .filter(|p| !seen.contains(*p))
                .cloned()
                .collect()
        } else {
            gone.iter()
                .filter(|p| self.raw.contains_key(*p))
                .cloned()
                .collect()
        };
        for p in &dropped {
            self.raw.remove(p);
            served.remove(p);
            changed.insert(p.clone(), g);
        }
        dropped.retain(|p| p.ends_with(".html"));
        changes.pages.extend(dropped);
        changes.pages.sort();
        changes
    }
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
        let skip = (col as usize).saturating_sub(1);
        let before: String = text.chars().take(skip).collect();
        let rest: String = text.chars().skip(skip).collect();
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

fn snapshot(state: &State, lang: Lang) -> Snapshot {
    let (files, changed) = match &state.good {
        Some(g) => (g.files.clone(), g.changed.clone()),
        None => (Arc::default(), Arc::default()),
    };
    Snapshot {
        generation: state.generation,
        files,
        changed,
        errors: state.errors.clone(),
        built: state.good.is_some(),
        lang,
    }
}

/// Publish the state, with a reload of the pages that changed.
fn publish(shared: &Shared, state: &State, changes: Option<&Changes>, lang: Lang) {
    let snap = snapshot(state, lang);
    let mut event = format!("event: state\ndata: {}\n\n", snap.state_json());
    if let Some(c) = changes.filter(|c| c.assets || !c.pages.is_empty()) {
        let reload = if c.assets {
            serde_json::json!({"generation": state.generation, "pages": "all"})
        } else {
            serde_json::json!({"generation": state.generation, "pages": c.pages})
        };
        event.push_str(&format!("event: reload\ndata: {reload}\n\n"));
    }
    shared.publish(snap, &event);
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// The worker: whole renders, newest first, dropped when a newer policy came meanwhile.
fn worker(jobs: Jobs, state: Arc<Mutex<State>>, shared: Arc<Shared>, log: Log, lang: Lang) {
    let (slot, ready) = &*jobs;
    loop {
        let job = {
            let mut s = lock(slot);
            loop {
                if let Some(j) = s.take() {
                    break j;
                }
                s = match ready.wait(s) {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
            }
        };
        let start = Instant::now();
        let files = site::render(&job.policy, &job.runs, &job.assets, &job.meta);
        let mut st = lock(&state);
        if st.latest != job.number {
            continue;
        }
        let files = match files {
            Ok(f) => f,
            Err(e) => {
                log(&msg!("serve-cannot-render", error = e).render(lang));
                continue;
            }
        };
        let g = st.generation + 1;
        let Some(good) = st.good.as_mut() else {
            continue;
        };
        let changes = good.merge(files, &[], true, g);
        good.cases = job.cases.into_iter().collect();
        good.rest = job.rest;
        if changes.assets || !changes.pages.is_empty() {
            st.generation = g;
            publish(&shared, &st, Some(&changes), lang);
        }
        drop(st);
        log(&msg!(
            "serve-rebuilt-whole",
            count = changes.pages.len(),
            ms = ms(start)
        )
        .render(lang));
    }
}

impl Builder {
    pub fn new(
        dir: PathBuf,
        opts: LoadOptions,
        lang: Lang,
        shared: Arc<Shared>,
        log: Log,
    ) -> Builder {
        // The revision is read once: `git status` on every keystroke would cost more than the
        // rebuild, and a preview's footer need not follow uncommitted edits.
        let revision = crate::load::revision(&dir);
        let state = Arc::new(Mutex::new(State {
            generation: 0,
            errors: Vec::new(),
            good: None,
            latest: 0,
        }));
        let jobs: Jobs = Arc::new((Mutex::new(None), Condvar::new()));
        {
            let (jobs, state, shared, log) =
                (jobs.clone(), state.clone(), shared.clone(), log.clone());
            std::thread::spawn(move || worker(jobs, state, shared, log, lang));
        }
        Builder {
            dir,
            opts,
            session: Session::default(),
            revision,
            lang,
            shared,
            state,
            jobs,
            log,
            inputs: None,
            shown: None,
            checks: 0,
        }
    }

    fn fail(&mut self, errors: Vec<ErrorView>, start: Instant) {
        let n = errors.len();
        let mut st = lock(&self.state);
        if st.errors == errors {
            return;
        }
        st.generation += 1;
        st.errors = errors;
        publish(&self.shared, &st, None, self.lang);
        drop(st);
        (self.log)(&msg!("serve-has-errors", count = n, ms = ms(start)).render(self.lang));
    }

    /// Phase 1's plan: `None` for a first render (the whole site at once), else the cases whose
    /// pages are rendered now (changed ones, or the open ones when the rest changed) and the
    /// pages of cases that are gone.
    fn plan(&self, rest: u64, cases: &[(String, u64)]) -> Option<Plan> {
        let st = lock(&self.state);
        let good = st.good.as_ref()?;
        if good.rest != rest {
            let open = self.shared.open_pages();
            let wanted = cases
                .iter()
                .enumerate()
                .filter(|(_, (id, _))| open.contains(&site::case_page(id)))
                .map(|(i, _)| i)
                .collect();
            return Some((wanted, Vec::new()));
        }
        let now: std::collections::HashSet<&str> =
            cases.iter().map(|(id, _)| id.as_str()).collect();
        let wanted = cases
            .iter()
            .enumerate()
            .filter(|(_, (id, k))| good.cases.get(id) != Some(k))
            .map(|(i, _)| i)
            .collect();
        let gone = good
            .cases
            .keys()
            .filter(|id| !now.contains(id.as_str()))
            .map(|id| site::case_page(id))
            .collect();
        Some((wanted, gone))
    }

    /// Publish phase 1's files (all of them without a plan) as the manual shown; returns how
    /// many pages changed.
    fn show(
        &self,
        number: u64,
        files: site::Files,
        plan: Option<&Plan>,
        rest: u64,
        cases: &[(String, u64)],
    ) -> usize {
        let mut st = lock(&self.state);
        st.latest = number;
        st.errors.clear();
        let g = st.generation + 1;
        st.generation = g;
        let good = st.good.get_or_insert_with(Good::default);
        let (gone, whole) = match plan {
            None => (Vec::new(), true),
            Some((_, gone)) => (gone.clone(), false),
        };
        let changes = good.merge(files, &gone, whole, g);
        good.rest = rest;
        for (i, (id, k)) in cases.iter().enumerate() {
            if plan.is_none_or(|(w, _)| w.contains(&i)) {
                good.cases.insert(id.clone(), *k);
            }
        }
        good.cases
            .retain(|id, _| cases.iter().any(|(c, _)| c == id));
        publish(&self.shared, &st, Some(&changes), self.lang);
        changes.pages.len()
    }

    /// Read, check and (when good) render the policy again.
    pub fn rebuild(&mut self) -> Step {
        let start = Instant::now();
        let checked = match ops::check_in_session(
            &Input::Dir(self.dir.clone()),
            &self.opts,
            Some(&self.session),
        ) {
            Ok(c) => c,
            Err(e) => {
                self.inputs = None;
                let message = msg!("serve-cannot-read", error = e.to_string()).render(self.lang);
                self.fail(
                    vec![ErrorView::bare(crate::diag::Code::Io.as_str(), message)],
                    start,
                );
                return Step {
                    dirs: vec![self.dir.clone()],
                    unreadable: true,
                };
            }
        };
        // Watched as absolute paths without `..` (an upstream is `fork/../support`).
        let dirs: Vec<PathBuf> = checked.sources.dirs.iter().map(|d| absolute(d)).collect();
        let step = Step {
            dirs,
            unreadable: false,
        };
        let inputs = inputs_of(&checked.sources);
        if self.inputs == Some(inputs) {
            (self.log)(&msg!("serve-unchanged", ms = ms(start)).render(self.lang));
            return step;
        }
        self.inputs = Some(inputs);
        let errors = error_views(&checked, self.lang);
        let runs: Vec<crate::compile::cases::CaseRun> =
            checked.judged.into_iter().map(|j| j.run).collect();
        let Some(policy) = checked.policy.filter(|_| errors.is_empty()) else {
            self.fail(errors, start);
            return step;
        };
        let assets = checked.sources.assets;
        let meta = Meta {
            revision: self.revision.clone(),
        };
        let rest = site::rest_key(&policy, &assets, &meta);
        let cases = site::case_keys(&policy, &runs);
        let mut key = std::collections::hash_map::DefaultHasher::new();
        (rest, &cases).hash(&mut key);
        let key = key.finish();
        let was_failing = !lock(&self.state).errors.is_empty();
        if self.shown == Some(key) {
            // The same manual: only the overlay, if any, goes.
            if was_failing {
                let mut st = lock(&self.state);
                st.generation += 1;
                st.errors.clear();
                publish(&self.shared, &st, None, self.lang);
            }
            (self.log)(&msg!("serve-unchanged", ms = ms(start)).render(self.lang));
            return step;
        }
        self.shown = Some(key);
        self.checks += 1;
        let number = self.checks;
        let policy = Arc::new(policy);

        // Phase 1: what can be rendered without every case.
        let plan = self.plan(rest, &cases);
        let rendered = match &plan {
            None => site::render(&policy, &runs, &assets, &meta),
            Some((wanted, _)) => site::render_part(&policy, &runs, wanted, &assets, &meta),
        };
        let files = match rendered {
            Ok(f) => f,
            Err(e) => {
                let message = msg!("serve-cannot-render", error = e).render(self.lang);
                self.shown = None;
                self.fail(vec![ErrorView::bare("site", message)], start);
                return step;
            }
        };
        let pages = self.show(number, files, plan.as_ref(), rest, &cases);
        (self.log)(&msg!("serve-rebuilt", count = pages, ms = ms(start)).render(self.lang));

        // Phase 2: the whole site, on the worker.
        if plan.is_some() {
            let (slot, ready) = &*self.jobs;
            *lock(slot) = Some(Job {
                number,
                policy,
                runs: Arc::new(runs),
                assets,
                meta,
                rest,
                cases,
            });
            ready.notify_one();
        }
        step
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

//! `mamoru review`: the weekly review of flagged contacts. Exports from the CRM (CSV or JSON
//! Lines, several files, several vendors) are read row by row and each row's facts are judged
//! by the bundle's [`Engine`], exactly as `mamoru classify` judges them; the vendors' own
//! verdicts are compared with the policy's and the figures written as `review.json`,
//! `index.html` and `review.md`.
//!
//! ```text
//! exports ─input─▶ cells ─rows─▶ Row ─Engine─▶ verdict ─tally─▶ figures ─report─▶ review.json
//!                                                                        └─html, markdown─▶ pages
//! ```
//!
//! Architecture invariant: needs only `bundle.json` and the exports, never the policy's sources.
//! Memory is bounded whatever the row count: rows are streamed, results are memoised per class
//! of contacts, at most `--max-listed` disagreements are kept; only the set of ids seen (for
//! duplicates) and the rejected rows grow with the input.

mod cases;
mod charts;
pub mod figures;
mod history;
mod html;
pub(crate) mod input;
mod markdown;
pub(crate) mod messages;
pub mod report;
pub(crate) mod rows;
mod shown;
mod tally;

use crate::bundle::{Bundle, Engine};
use crate::i18n::Msg;
use crate::msg;
use crate::ops::Fatal;
use crate::policy::Facts;
use input::{FileInfo, Opened};
use report::Review;
use rows::Reader;
use shown::{Shown, View};
use std::path::{Path, PathBuf};
use tally::{Judge, Tallied, Tally};

pub use cases::Proposed;

/// What `mamoru review` was asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// The exports of flagged contacts, CSV or JSON Lines, read in this order.
    pub exports: Vec<PathBuf>,
    /// The output folder (`review.json`, `index.html`, `review.md`, `assets/`).
    pub out: PathBuf,
    /// `--encoding`: read every export in this encoding instead of detecting it.
    pub encoding: Option<String>,
    /// Earlier `review.json` files (a folder).
    pub history: Option<PathBuf>,
    /// Write draft case files for the listed disagreements into `DIR/cases/`.
    pub propose_cases: Option<PathBuf>,
    /// Most disagreements listed (the rest are counted) and rejected rows shown in the report.
    pub max_listed: usize,
    /// The manual the report links to: a URL or a folder; by default the bundle's folder when
    /// it holds a built manual.
    pub manual: Option<String>,
    /// Where the bundle was read from (for the default manual).
    pub bundle_path: Option<PathBuf>,
    /// A policy folder whose `templates/` and `site/` override the built-in look.
    pub theme: Option<PathBuf>,
    /// Replace `--out` even when it is a non-empty folder mamoru did not write.
    pub force: bool,
}

/// What a review run produced.
pub struct Outcome {
    /// The figures, as written to `review.json`.
    pub review: Review,
    /// Files written under `--out`, relative to it.
    pub files: Vec<String>,
    /// The draft cases written, with `--propose-cases`.
    pub proposed: Option<Proposed>,
    /// Warnings (history files skipped, …).
    pub notes: Vec<Msg>,
}

/// ISO week of a date, `YYYY-Www`.
pub(crate) fn iso_week(d: jiff::civil::Date) -> String {
    let w = d.iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// Refuse an output folder that holds (or is) one of the inputs: it is replaced as a whole.
fn refuse_overlap(out: &Path, inputs: &[&Path]) -> Result<(), Fatal> {
    let abs = |p: &Path| {
        std::path::absolute(p)
            .map(|a| std::fs::canonicalize(&a).unwrap_or(a))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let o = abs(out);
    for i in inputs {
        if abs(i).starts_with(&o) {
            return Err(Fatal::Usage(msg!(
                "review-out-holds-input",
                out = out.display().to_string(),
                input = i.display().to_string()
            )));
        }
    }
    Ok(())
}

/// The bundle's engine, or why the bundle cannot be used.
fn engine_of(opts: &Options, bundle: &Bundle) -> Result<Engine, Fatal> {
    bundle.engine().map_err(|source| Fatal::Bundle {
        path: opts.bundle_path.clone().unwrap_or_default(),
        source,
    })
}

/// The encoding `--encoding` names, if given.
fn forced_encoding(opts: &Options) -> Result<Option<&'static encoding_rs::Encoding>, Fatal> {
    match &opts.encoding {
        Some(label) => input::encoding_for(label)
            .map(Some)
            .ok_or_else(|| Fatal::Usage(msg!("review-unknown-encoding", label = label))),
        None => Ok(None),
    }
}

/// The prefix of links into the manual: `--manual` (a URL, or a folder made relative to the
/// output folder), else the bundle's folder when it holds a built manual.
fn manual_base(opts: &Options) -> Option<String> {
    let folder = |dir: &Path| {
        let out_abs = std::path::absolute(&opts.out).unwrap_or_else(|_| opts.out.clone());
        let mut rel = crate::ops::relative(&out_abs, dir)
            .to_string_lossy()
            .replace('\\', "/");
        if rel.is_empty() {
            rel.push('.');
        }
        rel.push('/');
        rel
    };
    match &opts.manual {
        Some(m) if m.starts_with("https://") || m.starts_with("http://") => {
            Some(if m.ends_with('/') {
                m.clone()
            } else {
                format!("{m}/")
            })
        }
        Some(m) => Some(folder(Path::new(m))),
        None => opts
            .bundle_path
            .as_deref()
            .and_then(|b| b.parent())
            .map(|d| {
                if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                }
            })
            .filter(|d| d.join("index.html").is_file() && d.join("criteria.html").is_file())
            .map(folder),
    }
}

/// The templates and assets of `--theme`, if given.
fn theme(opts: &Options) -> Result<Vec<(String, Vec<u8>)>, Fatal> {
    let Some(dir) = &opts.theme else {
        return Ok(Vec::new());
    };
    if !dir.is_dir() {
        return Err(Fatal::Usage(msg!(
            "review-theme-not-folder",
            path = dir.display().to_string()
        )));
    }
    Ok(crate::load::load_dir(dir, &Default::default()).0.assets)
}

/// A review computed, not yet written.
pub struct Computed {
    /// The figures (with the trend, when `--history` was given).
    pub review: Review,
    /// The first rejected rows' reasons in Japanese, for the report.
    rejected_ja: Vec<String>,
    /// The facts of the listed disagreements, in order.
    facts: Vec<Facts>,
    /// Warnings (history files skipped, …).
    pub notes: Vec<Msg>,
}

/// Run a review with a loaded bundle: compute it, write the report atomically, propose cases.
pub fn run(opts: &Options, bundle: &Bundle) -> Result<Outcome, Fatal> {
    let mut inputs: Vec<&Path> = opts.exports.iter().map(PathBuf::as_path).collect();
    inputs.extend(opts.bundle_path.as_deref());
    inputs.extend(opts.history.as_deref());
    inputs.extend(opts.propose_cases.as_deref());
    refuse_overlap(&opts.out, &inputs)?;
    let forced = forced_encoding(opts)?;
    let engine = engine_of(opts, bundle)?;
    let Computed {
        review,
        rejected_ja,
        facts,
        notes,
    } = compute_with(opts, bundle, &engine, forced)?;
    let manual = manual_base(opts);
    let view = View {
        bundle,
        policy: engine.policy(),
        review: &review,
        manual: manual.as_deref(),
        rejected_ja: &rejected_ja,
        max_listed: opts.max_listed,
    };
    let shown = Shown::new(&view);
    let overrides = theme(opts)?;
    let mut files: crate::ops::Files = vec![
        ("review.json".into(), report_json(&review).into_bytes()),
        ("review.md".into(), markdown::render(&shown).into_bytes()),
    ];
    files.extend(html::render(&view, &shown, &overrides)?);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    crate::publish::publish(&opts.out, &[], opts.force, &files)?;
    let proposed = match &opts.propose_cases {
        Some(dir) => Some(cases::propose(dir, bundle, &review, &facts)?),
        None => None,
    };
    Ok(Outcome {
        files: files.into_iter().map(|(p, _)| p).collect(),
        review,
        proposed,
        notes,
    })
}

/// Read the exports (and `--history`) and compute the review, writing nothing.
pub fn compute(opts: &Options, bundle: &Bundle) -> Result<Computed, Fatal> {
    let forced = forced_encoding(opts)?;
    let engine = engine_of(opts, bundle)?;
    compute_with(opts, bundle, &engine, forced)
}

/// [`compute`] with the bundle's engine and the encoding `--encoding` names.
fn compute_with(
    opts: &Options,
    bundle: &Bundle,
    engine: &Engine,
    forced: Option<&'static encoding_rs::Encoding>,
) -> Result<Computed, Fatal> {
    let reader = Reader::new(bundle).map_err(|e| Fatal::Bundle {
        path: opts.bundle_path.clone().unwrap_or_default(),
        source: crate::bundle::BundleError(e),
    })?;
    // The ids seen grow with the input: room for all of them at once.
    let expected_rows: u64 = opts
        .exports
        .iter()
        .filter_map(|p| input::open(p, forced).ok())
        .map(|o| o.estimated_rows)
        .sum();
    // Each export is opened when its turn comes, so only one is open at a time.
    let exports = opts.exports.iter().map(|path| {
        let opened = input::open(path, forced).map_err(Fatal::io("io-read", path))?;
        Ok((path.as_path(), opened))
    });
    let Tallied {
        mut review,
        rejected_ja,
        facts,
    } = tally_exports(
        bundle,
        engine,
        &reader,
        opts.max_listed,
        expected_rows,
        exports,
    )?;
    let mut notes = Vec::new();
    if let Some(dir) = &opts.history {
        let (trend, more) = history::trend(dir, &review)?;
        review.trend = Some(trend);
        notes.extend(more);
    }
    Ok(Computed {
        review,
        rejected_ja,
        facts,
        notes,
    })
}

/// Every row of the exports checked, judged and counted, the exports opened one after the
/// other (an error opening one stops the review); the review's figures without a trend.
pub(crate) fn tally_exports<'p>(
    bundle: &Bundle,
    engine: &Engine,
    reader: &Reader,
    max_listed: usize,
    expected_rows: u64,
    exports: impl IntoIterator<Item = Result<(&'p Path, Opened), Fatal>>,
) -> Result<Tallied, Fatal> {
    let accept = input::Accept::new(bundle.review.as_ref());
    let mut judge = Judge::new(bundle, engine);
    let mut tally = Tally::new(bundle, engine.policy(), max_listed);
    tally.expect_rows(expected_rows);
    let mut infos: Vec<FileInfo> = Vec::new();
    for (i, export) in exports.into_iter().enumerate() {
        let (path, opened) = export?;
        let file = i as u32;
        let mut info = FileInfo {
            shown: path.display().to_string(),
            headers: Vec::new(),
        };
        reader
            .rows(opened, &accept, &mut info, |line, row| {
                tally.take(file, line, row, &mut judge)
            })
            .map_err(Fatal::io("io-read", path))?;
        infos.push(info);
    }
    Ok(tally.finish(bundle, engine.policy(), &infos))
}

/// One export held in memory, reviewed and laid out as `review.json`, `review.md` and the data
/// and charts of `index.html`, writing nothing: the reading, the row checks, the tally and the
/// report of [`run`], for the fuzz target. `ext` is the export's extension (empty for none).
pub(crate) fn review_in_memory(
    bundle: &Bundle,
    engine: &Engine,
    reader: &Reader,
    ext: &str,
    bytes: Vec<u8>,
    forced: Option<&'static encoding_rs::Encoding>,
) -> Result<Vec<String>, Fatal> {
    let path = Path::new("export");
    let size = bytes.len() as u64;
    let opened = input::sniff(std::io::Cursor::new(bytes), size, ext, forced)
        .map_err(Fatal::io("io-read", path))?;
    let max_listed = 20;
    let rows = opened.estimated_rows;
    let tallied = tally_exports(
        bundle,
        engine,
        reader,
        max_listed,
        rows,
        [Ok((path, opened))],
    )?;
    let view = View {
        bundle,
        policy: engine.policy(),
        review: &tallied.review,
        manual: Some("../manual/"),
        rejected_ja: &tallied.rejected_ja,
        max_listed,
    };
    let shown = Shown::new(&view);
    // The page's data and charts; not the template, whose parsing would take most of the time.
    Ok(vec![
        report_json(&tallied.review),
        markdown::render(&shown),
        html::context(&view, &shown).to_string(),
    ])
}

/// `review.json`: pretty-printed with a trailing newline.
fn report_json(r: &Review) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}

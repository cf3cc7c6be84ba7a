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
pub mod input;
mod markdown;
pub mod messages;
pub mod report;
pub mod rows;

use crate::bundle::stream::KeyHasher;
use crate::bundle::{Bundle, Engine};
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::ops::Fatal;
use crate::policy::Facts;
use figures::Confusion;
use input::{Accept, FileInfo, Format};
use messages::Problem;
use rayon::prelude::*;
use report::{CellFigures, Disagreement, Figures, PolicyRef, Rejected, Review, VendorFigures};
use rows::Reader;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub use cases::Proposed;

/// What `mamoru review` was asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    pub exports: Vec<PathBuf>,
    pub out: PathBuf,
    /// `--encoding`: read every export in this encoding instead of detecting it.
    pub encoding: Option<String>,
    /// Earlier `review.json` files (a folder).
    pub history: Option<PathBuf>,
    /// Write draft case files for the listed disagreements into `DIR/cases/`.
    pub propose_cases: Option<PathBuf>,
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
    pub review: Review,
    /// Files written under `--out`, relative to it.
    pub files: Vec<String>,
    pub proposed: Option<Proposed>,
    /// Warnings (history files skipped, …).
    pub notes: Vec<Msg>,
}

/// A contact's judgement by the engine, shared by every row with the same memo key.
struct Judged {
    verdict: usize,
    cell: (usize, usize),
    /// The smallest `max_hold` of the invariants that admit the contact.
    max_hold: Option<u64>,
    /// For each admitting invariant with `reach_roles`: the roles, any of which must be reached.
    reach: Vec<Vec<usize>>,
}

/// Most memoised judgements; the memo is cleared when full.
const MEMO_CAPACITY: usize = 1 << 16;

struct Judge<'a> {
    bundle: &'a Bundle,
    engine: &'a Engine,
    roles: HashMap<&'a str, usize>,
    memo: HashMap<[u64; 6], Rc<Judged>, BuildHasherDefault<KeyHasher>>,
}

impl Judge<'_> {
    fn judge(&mut self, facts: &Facts) -> Rc<Judged> {
        let key = self.engine.memo_key(facts);
        if let Some(j) = key.and_then(|k| self.memo.get(&k)) {
            return Rc::clone(j);
        }
        // The assessment `classify` reports (same engine, same evaluator), without the route.
        let (a, invariants) = self.engine.assess(facts);
        let b = self.bundle;
        let j = Rc::new(Judged {
            verdict: a.verdict,
            cell: (a.conduct, a.demand),
            max_hold: invariants
                .iter()
                .filter_map(|&i| b.invariants.get(i).and_then(|x| x.max_hold_seconds))
                .min(),
            reach: invariants
                .iter()
                .filter_map(|&i| b.invariants.get(i))
                .filter(|x| !x.reach_roles.is_empty())
                .map(|x| {
                    x.reach_roles
                        .iter()
                        .filter_map(|r| self.roles.get(r.as_str()).copied())
                        .collect()
                })
                .collect(),
        });
        if let Some(k) = key {
            if self.memo.len() >= MEMO_CAPACITY {
                self.memo.clear();
            }
            self.memo.insert(k, Rc::clone(&j));
        }
        j
    }

    /// What `classify` says of a listed disagreement: the reasons and the manual's section.
    fn explain(&self, facts: &Facts) -> (Vec<serde_json::Value>, String) {
        let c = self.engine.classify_facts(None, facts);
        let reasons = c
            .reasons
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or_default())
            .collect();
        (reasons, c.manual)
    }
}

/// Per vendor: the confusion matrix and the deviations.
#[derive(Clone)]
struct VendorTally {
    confusion: Confusion,
    hold_rows: u64,
    hold_over: u64,
    reached_rows: u64,
    missed: u64,
}

/// A disagreement kept for the list; ordered by cell, vendor and id so that the kept set does
/// not depend on the order of the rows.
struct Listed {
    key: (usize, usize, String),
    field: usize,
    policy: usize,
    date: Option<jiff::civil::Date>,
    facts: Facts,
    reasons: Vec<serde_json::Value>,
    manual: String,
}

impl PartialEq for Listed {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl Eq for Listed {}
impl PartialOrd for Listed {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Listed {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.key.cmp(&o.key)
    }
}

/// A rejected row, compactly: which file, which line, why.
struct Reject {
    file: u32,
    line: u64,
    problem: Problem,
}

/// Everything counted while the rows stream by.
struct Tally {
    read: u64,
    reviewed: u64,
    vendors: Vec<VendorTally>,
    /// `cells[conduct * demand_levels + demand]`: (rows, agreeing rows).
    cells: Vec<(u64, u64)>,
    demand_levels: usize,
    period: Option<(jiff::civil::Date, jiff::civil::Date)>,
    listed: BinaryHeap<Listed>,
    max_listed: usize,
    disagreements: u64,
    rejected: Vec<Reject>,
    /// Fingerprints of the ids seen, with the place of their first row (file << 40 | line).
    seen: HashMap<u64, u64, BuildHasherDefault<KeyHasher>>,
}

fn fingerprint(id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

impl Tally {
    fn count(&mut self, file: u32, line: u64, row: rows::Row<'_>, judge: &mut Judge) {
        match self.seen.entry(fingerprint(&row.id)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let at = *first.get();
                self.rejected.push(Reject {
                    file,
                    line,
                    problem: Problem::DuplicateId {
                        file: (at >> 40) as u32,
                        line: at & ((1 << 40) - 1),
                    },
                });
                return;
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((u64::from(file) << 40) | (line & ((1 << 40) - 1)));
            }
        }
        let j = judge.judge(&row.facts);
        self.reviewed += 1;
        let Some(v) = self.vendors.get_mut(row.vendor) else {
            return;
        };
        v.confusion.add(row.field, j.verdict);
        if let Some(h) = row.hold_seconds {
            v.hold_rows += 1;
            if j.max_hold.is_some_and(|m| h > m) {
                v.hold_over += 1;
            }
        }
        if let Some(reached) = &row.reached {
            v.reached_rows += 1;
            if j.reach
                .iter()
                .any(|any_of| !any_of.iter().any(|r| reached.contains(r)))
            {
                v.missed += 1;
            }
        }
        let cell = j.cell.0 * self.demand_levels + j.cell.1;
        if let Some(c) = self.cells.get_mut(cell) {
            c.0 += 1;
            c.1 += u64::from(row.field == j.verdict);
        }
        if let Some(d) = row.date {
            self.period = Some(match self.period {
                None => (d, d),
                Some((a, b)) => (a.min(d), b.max(d)),
            });
        }
        if row.field != j.verdict {
            self.disagreements += 1;
            self.keep(cell, row, j.verdict, judge);
        }
    }

    fn keep(&mut self, cell: usize, row: rows::Row<'_>, policy: usize, judge: &Judge) {
        if self.max_listed == 0 {
            return;
        }
        if self.listed.len() >= self.max_listed {
            let Some(top) = self.listed.peek() else {
                return;
            };
            let (c, v, id) = (&top.key.0, &top.key.1, top.key.2.as_str());
            if (cell, row.vendor, row.id.as_ref()) >= (*c, *v, id) {
                return;
            }
            self.listed.pop();
        }
        let (reasons, manual) = judge.explain(&row.facts);
        self.listed.push(Listed {
            key: (cell, row.vendor, row.id.into_owned()),
            field: row.field,
            policy,
            date: row.date,
            facts: row.facts,
            reasons,
            manual,
        });
    }
}

fn figures(b: &Bundle, c: &Confusion) -> Figures {
    let k = c.kappa();
    let confusion = b
        .verdicts
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                f.id.clone(),
                b.verdicts
                    .iter()
                    .enumerate()
                    .map(|(j, p)| (p.id.clone(), c.get(i, j)))
                    .collect(),
            )
        })
        .collect();
    Figures {
        n: c.n(),
        agreement: c.agreement(),
        kappa: k.map(|k| k.kappa),
        kappa_low: k.map(|k| k.low),
        kappa_high: k.map(|k| k.high),
        weighted_kappa: c.weighted_kappa(),
        confusion,
    }
}

/// ISO week of a date, `YYYY-Www`.
pub fn iso_week(d: jiff::civil::Date) -> String {
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

/// A review computed, not yet written.
pub struct Computed {
    pub review: Review,
    /// The first rejected rows' reasons in Japanese, for the report.
    rejected_ja: Vec<String>,
    /// The facts of the listed disagreements, in order.
    facts: Vec<Facts>,
    pub notes: Vec<Msg>,
}

/// Run a review with a loaded bundle: compute it, write the report atomically, propose cases.
pub fn run(opts: &Options, bundle: &Bundle) -> Result<Outcome, Fatal> {
    let mut inputs: Vec<&Path> = opts.exports.iter().map(PathBuf::as_path).collect();
    inputs.extend(opts.bundle_path.as_deref());
    inputs.extend(opts.history.as_deref());
    inputs.extend(opts.propose_cases.as_deref());
    refuse_overlap(&opts.out, &inputs)?;
    let Computed {
        review,
        rejected_ja,
        facts,
        notes,
    } = compute(opts, bundle)?;
    let engine = engine_of(opts, bundle)?;
    let manual = html::manual_base(opts)?;
    let view = html::View {
        bundle,
        policy: engine.policy(),
        review: &review,
        manual: manual.as_deref(),
        rejected_ja: &rejected_ja,
        max_listed: opts.max_listed,
    };
    let overrides = match &opts.theme {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(Fatal::Usage(msg!(
                    "review-theme-not-folder",
                    path = dir.display().to_string()
                )));
            }
            crate::load::load_dir(dir, &Default::default()).0.assets
        }
        None => Vec::new(),
    };
    let mut files: crate::ops::Files = vec![
        ("review.json".into(), report_json(&review).into_bytes()),
        ("review.md".into(), markdown::render(&view).into_bytes()),
    ];
    files.extend(html::render(&view, &overrides)?);
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
    let forced = match &opts.encoding {
        Some(label) => Some(
            input::encoding_for(label)
                .ok_or_else(|| Fatal::Usage(msg!("review-unknown-encoding", label = label)))?,
        ),
        None => None,
    };
    let engine = engine_of(opts, bundle)?;
    let reader = Reader::new(bundle).map_err(|e| Fatal::Bundle {
        path: opts.bundle_path.clone().unwrap_or_default(),
        source: crate::bundle::BundleError(e),
    })?;
    let accept = Accept::new(bundle.review.as_ref());
    let mut judge = Judge {
        bundle,
        engine: &engine,
        roles: bundle
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect(),
        memo: HashMap::default(),
    };
    let p = engine.policy();
    let k = bundle.verdicts.len();
    let mut tally = Tally {
        read: 0,
        reviewed: 0,
        vendors: vec![
            VendorTally {
                confusion: Confusion::new(k),
                hold_rows: 0,
                hold_over: 0,
                reached_rows: 0,
                missed: 0,
            };
            bundle.vendors.len()
        ],
        cells: vec![(0, 0); p.conduct.levels.len() * p.demand.levels.len()],
        demand_levels: p.demand.levels.len(),
        period: None,
        listed: BinaryHeap::new(),
        max_listed: opts.max_listed,
        disagreements: 0,
        rejected: Vec::new(),
        seen: HashMap::default(),
    };
    // The ids seen grow with the input: room for all of them at once, so the set never has
    // to be copied while it grows.
    let estimate: u64 = opts
        .exports
        .iter()
        .filter_map(|p| input::open(p, forced).ok())
        .map(|o| o.estimated_rows)
        .sum();
    tally.seen.reserve(estimate.min(1 << 28) as usize);
    let mut infos: Vec<FileInfo> = Vec::new();
    for (fi, path) in opts.exports.iter().enumerate() {
        let file = fi as u32;
        let opened = input::open(path, forced).map_err(Fatal::io("io-read", path))?;
        let mut info = FileInfo {
            shown: path.display().to_string(),
            encoding: opened.encoding.name(),
            format: match opened.format {
                Format::Csv(_) => "csv",
                Format::Jsonl => "jsonl",
            },
            ..FileInfo::default()
        };
        // Rows are checked in parallel (batches of CSV records), then counted in file order.
        let mut take = |line: u64, row: Result<rows::Row<'_>, Problem>| {
            tally.read += 1;
            match row {
                Ok(row) => tally.count(file, line, row, &mut judge),
                Err(problem) => tally.rejected.push(Reject {
                    file,
                    line,
                    problem,
                }),
            }
        };
        let result = match opened.format {
            Format::Csv(delimiter) => input::read_csv(
                opened.reader,
                delimiter,
                &accept,
                &mut info,
                |layout, records, meta| {
                    let checked: Vec<Result<rows::Row<'static>, Problem>> = records
                        .par_iter()
                        .zip(meta)
                        .map(|(rec, (_, broken))| match broken {
                            Some(p) => Err(*p),
                            None => layout
                                .cells(rec)
                                .and_then(|cells| reader.row(&cells).map(rows::Row::into_owned)),
                        })
                        .collect();
                    for ((line, _), row) in meta.iter().zip(checked) {
                        take(*line, row);
                    }
                },
            ),
            Format::Jsonl => input::read_jsonl(opened.reader, &accept, &mut info, |line, cells| {
                take(
                    line,
                    cells.and_then(|c| reader.row(&c).map(rows::Row::into_owned)),
                )
            }),
        };
        result.map_err(Fatal::io("io-read", path))?;
        infos.push(info);
    }

    // The figures.
    let mut overall = Confusion::new(k);
    for v in &tally.vendors {
        overall.merge(&v.confusion);
    }
    let cell_names: Vec<String> = (0..p.conduct.levels.len())
        .flat_map(|c| (0..p.demand.levels.len()).map(move |d| (c, d)))
        .map(|(c, d)| p.cell_name(c, d))
        .collect();
    let reject_text = |r: &Reject, lang: Lang| {
        let info = infos.get(r.file as usize);
        let header = r
            .problem
            .column()
            .and_then(|c| info?.headers.get(c as usize)?.as_deref());
        let first = match r.problem {
            Problem::DuplicateId { file, line } => {
                infos.get(file as usize).map(|i| (i.shown.as_str(), line))
            }
            _ => None,
        };
        r.problem.message(header, first).render(lang)
    };
    let rejected: Vec<Rejected> = tally
        .rejected
        .iter()
        .map(|r| Rejected {
            file: infos
                .get(r.file as usize)
                .map_or_else(String::new, |i| i.shown.clone()),
            line: r.line,
            reason: reject_text(r, crate::i18n::lang()),
            code: r.problem.code().to_string(),
            column: r
                .problem
                .column()
                .map(|c| messages::column_name(c).to_string()),
        })
        .collect();
    let rejected_ja: Vec<String> = tally
        .rejected
        .iter()
        .take(opts.max_listed.max(20))
        .map(|r| reject_text(r, Lang::Ja))
        .collect();
    let mut listed = tally.listed.into_sorted_vec();
    listed.truncate(opts.max_listed);
    let vendor_id = |i: usize| bundle.vendors.get(i).map_or("", |v| v.id.as_str());
    let verdict_id = |i: usize| bundle.verdicts.get(i).map_or("", |v| v.id.as_str());
    let mut review = Review {
        format: report::FORMAT.into(),
        policy: PolicyRef {
            id: bundle.manifest.policy.clone(),
            version: bundle.manifest.version.clone(),
            digest: bundle.manifest.digest.clone(),
        },
        period: report::Period {
            from: tally.period.map(|(a, _)| a.to_string()),
            to: tally.period.map(|(_, b)| b.to_string()),
            week: tally.period.map(|(_, b)| iso_week(b)),
            timezone: Some(bundle.timezone.clone()),
        },
        read: tally.read,
        reviewed: tally.reviewed,
        rejected,
        overall: figures(bundle, &overall),
        vendors: bundle
            .vendors
            .iter()
            .zip(&tally.vendors)
            .map(|(v, t)| VendorFigures {
                id: v.id.clone(),
                name: v.name.clone(),
                figures: figures(bundle, &t.confusion),
                hold_over: (t.hold_rows > 0).then_some(t.hold_over),
                hold_rows: t.hold_rows,
                missed_roles: (t.reached_rows > 0).then_some(t.missed),
                reached_rows: t.reached_rows,
            })
            .collect(),
        cells: cell_names
            .iter()
            .zip(&tally.cells)
            .map(|(name, (n, agree))| CellFigures {
                cell: name.clone(),
                n: *n,
                agreement: (*n > 0).then(|| *agree as f64 / *n as f64),
            })
            .collect(),
        disagreements: listed
            .iter()
            .map(|l| Disagreement {
                id: l.key.2.clone(),
                vendor: vendor_id(l.key.1).into(),
                cell: cell_names.get(l.key.0).cloned().unwrap_or_default(),
                field: verdict_id(l.field).into(),
                policy: verdict_id(l.policy).into(),
                manual: l.manual.clone(),
                date: l.date.map(|d| d.to_string()),
                reasons: l.reasons.clone(),
            })
            .collect(),
        unlisted: tally.disagreements - listed.len() as u64,
        trend: None,
    };
    let mut notes = Vec::new();
    if let Some(dir) = &opts.history {
        let (trend, more) = history::trend(dir, &review)?;
        review.trend = Some(trend);
        notes.extend(more);
    }
    Ok(Computed {
        review,
        rejected_ja,
        facts: listed_facts(&listed),
        notes,
    })
}

/// The facts of the listed disagreements, in the order of `review.disagreements`.
fn listed_facts(listed: &[Listed]) -> Vec<Facts> {
    listed.iter().map(|l| l.facts.clone()).collect()
}

/// `review.json`: pretty-printed with a trailing newline.
pub fn report_json(r: &Review) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}

/// The verdict labels of a bundle by id (for renderers).
fn labels(b: &Bundle) -> BTreeMap<&str, &str> {
    b.verdicts
        .iter()
        .map(|v| (v.id.as_str(), v.label.as_str()))
        .collect()
}

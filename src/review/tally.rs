//! Counting the reviewed rows: each row judged by the bundle's engine (memoised per class of
//! contacts), counted per vendor and per cell, its disagreement kept for the list when it is
//! among the first by cell, vendor and id, a rejected row noted with its place; then the
//! figures of `review.json`, one method per figure.
//!
//! Architecture invariant: counts only — reads no file and keeps no row but the listed
//! disagreements; every verdict comes from [`Engine`].

use super::figures::Confusion;
use super::input::FileInfo;
use super::messages::{self, Problem};
use super::report::{self, CellFigures, Disagreement, Figures, Rejected, Review, VendorFigures};
use super::rows::Row;
use crate::bundle::stream::KeyHasher;
use crate::bundle::{Bundle, Engine};
use crate::i18n::Lang;
use crate::policy::{Facts, Policy};
use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::rc::Rc;

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

/// The bundle's engine with a memo: rows of the same class of contacts are judged once.
pub(crate) struct Judge<'a> {
    bundle: &'a Bundle,
    engine: &'a Engine,
    roles: HashMap<&'a str, usize>,
    memo: HashMap<[u64; 6], Rc<Judged>, BuildHasherDefault<KeyHasher>>,
}

impl<'a> Judge<'a> {
    /// A judge with an empty memo.
    pub(crate) fn new(bundle: &'a Bundle, engine: &'a Engine) -> Judge<'a> {
        Judge {
            bundle,
            engine,
            roles: bundle
                .roles
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.as_str(), i))
                .collect(),
            memo: HashMap::default(),
        }
    }

    fn judge(&mut self, facts: &Facts) -> Rc<Judged> {
        let key = self.engine.memo_key(facts);
        if let Some(j) = key.and_then(|k| self.memo.get(&k)) {
            return Rc::clone(j);
        }
        // The assessment `classify` reports (same engine, same evaluator), without the route.
        let (a, invariants) = self.engine.assess(facts);
        let admitting = || {
            invariants
                .iter()
                .filter_map(|&i| self.bundle.invariants.get(i))
        };
        let j = Rc::new(Judged {
            verdict: a.verdict,
            cell: (a.conduct, a.demand),
            max_hold: admitting().filter_map(|x| x.max_hold_seconds).min(),
            reach: admitting()
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

impl VendorTally {
    fn new(verdicts: usize) -> VendorTally {
        VendorTally {
            confusion: Confusion::new(verdicts),
            hold_rows: 0,
            hold_over: 0,
            reached_rows: 0,
            missed: 0,
        }
    }

    /// Count a row of this vendor: its verdicts, its hold against the longest allowed, the
    /// roles it reached against those required.
    fn count(&mut self, row: &Row<'_>, j: &Judged) {
        self.confusion.add(row.field, j.verdict);
        if let Some(h) = row.hold_seconds {
            self.hold_rows += 1;
            if j.max_hold.is_some_and(|m| h > m) {
                self.hold_over += 1;
            }
        }
        if let Some(reached) = &row.reached {
            self.reached_rows += 1;
            if j.reach
                .iter()
                .any(|any_of| !any_of.iter().any(|r| reached.contains(r)))
            {
                self.missed += 1;
            }
        }
    }
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

impl Reject {
    /// Why the row was rejected, in `lang`, naming the column by the file's own header.
    fn reason(&self, infos: &[FileInfo], lang: Lang) -> String {
        let info = infos.get(self.file as usize);
        let header = self
            .problem
            .column()
            .and_then(|c| info?.headers.get(c as usize)?.as_deref());
        let first = match self.problem {
            Problem::DuplicateId { file, line } => {
                infos.get(file as usize).map(|i| (i.shown.as_str(), line))
            }
            _ => None,
        };
        self.problem.message(header, first).render(lang)
    }
}

/// Bits of a row's place that hold its line (the file index takes the bits above).
const LINE_BITS: u32 = 40;
const LINE_MASK: u64 = (1 << LINE_BITS) - 1;

fn fingerprint(id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// Everything counted while the rows stream by.
pub(crate) struct Tally {
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

/// A tally turned into the review's figures.
pub(crate) struct Tallied {
    /// The review, without a trend.
    pub(crate) review: Review,
    /// The first rejected rows' reasons in Japanese, for the report.
    pub(crate) rejected_ja: Vec<String>,
    /// The facts of the listed disagreements, in the order of `review.disagreements`.
    pub(crate) facts: Vec<Facts>,
}

impl Tally {
    /// An empty tally over the bundle's vendors, verdicts and grid.
    pub(crate) fn new(bundle: &Bundle, policy: &Policy, max_listed: usize) -> Tally {
        let demand_levels = policy.demand.levels.len();
        Tally {
            read: 0,
            reviewed: 0,
            vendors: vec![VendorTally::new(bundle.verdicts.len()); bundle.vendors.len()],
            cells: vec![(0, 0); policy.conduct.levels.len() * demand_levels],
            demand_levels,
            period: None,
            listed: BinaryHeap::new(),
            max_listed,
            disagreements: 0,
            rejected: Vec::new(),
            seen: HashMap::default(),
        }
    }

    /// Make room for the ids of about `rows` rows at once, so the set never has to be copied
    /// while it grows.
    pub(crate) fn expect_rows(&mut self, rows: u64) {
        self.seen.reserve(rows.min(1 << 28) as usize);
    }

    /// Count one row read at `line` of export `file`: reviewed, or rejected with its problem.
    pub(crate) fn take(
        &mut self,
        file: u32,
        line: u64,
        row: Result<Row<'_>, Problem>,
        judge: &mut Judge,
    ) {
        self.read += 1;
        match row {
            Ok(row) => self.count(file, line, row, judge),
            Err(problem) => self.rejected.push(Reject {
                file,
                line,
                problem,
            }),
        }
    }

    fn count(&mut self, file: u32, line: u64, row: Row<'_>, judge: &mut Judge) {
        match self.seen.entry(fingerprint(&row.id)) {
            Entry::Occupied(first) => {
                let at = *first.get();
                self.rejected.push(Reject {
                    file,
                    line,
                    problem: Problem::DuplicateId {
                        file: (at >> LINE_BITS) as u32,
                        line: at & LINE_MASK,
                    },
                });
                return;
            }
            Entry::Vacant(slot) => {
                slot.insert((u64::from(file) << LINE_BITS) | (line & LINE_MASK));
            }
        }
        let j = judge.judge(&row.facts);
        self.reviewed += 1;
        let Some(v) = self.vendors.get_mut(row.vendor) else {
            return;
        };
        v.count(&row, &j);
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

    /// Keep a disagreement when it is among the first `max_listed` by cell, vendor and id.
    fn keep(&mut self, cell: usize, row: Row<'_>, policy: usize, judge: &Judge) {
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

    /// The figures: `review.json` without a trend, with what the report needs besides.
    /// `infos` are the exports read, in the order of their file indices.
    pub(crate) fn finish(self, bundle: &Bundle, policy: &Policy, infos: &[FileInfo]) -> Tallied {
        let cell_names: Vec<String> = (0..policy.conduct.levels.len())
            .flat_map(|c| (0..self.demand_levels).map(move |d| (c, d)))
            .map(|(c, d)| policy.cell_name(c, d))
            .collect();
        let rejected_ja = self
            .rejected
            .iter()
            .take(self.max_listed.max(20))
            .map(|r| r.reason(infos, Lang::Ja))
            .collect();
        let review = Review {
            format: report::FORMAT.into(),
            policy: report::PolicyRef {
                id: bundle.manifest.policy.clone(),
                version: bundle.manifest.version.clone(),
                digest: bundle.manifest.digest.clone(),
            },
            period: self.period(bundle),
            read: self.read,
            reviewed: self.reviewed,
            rejected: self.rejected(infos),
            overall: self.overall(bundle),
            vendors: self.vendor_figures(bundle),
            cells: self.cell_figures(&cell_names),
            disagreements: Vec::new(),
            unlisted: 0,
            trend: None,
        };
        let mut listed = self.listed.into_sorted_vec();
        listed.truncate(self.max_listed);
        Tallied {
            review: Review {
                disagreements: disagreements(bundle, &listed, &cell_names),
                unlisted: self.disagreements - listed.len() as u64,
                ..review
            },
            rejected_ja,
            facts: listed.into_iter().map(|l| l.facts).collect(),
        }
    }

    /// The dates of the reviewed rows and the week the review is filed under.
    fn period(&self, bundle: &Bundle) -> report::Period {
        report::Period {
            from: self.period.map(|(a, _)| a.to_string()),
            to: self.period.map(|(_, b)| b.to_string()),
            week: self.period.map(|(_, b)| super::iso_week(b)),
            timezone: Some(bundle.timezone.clone()),
        }
    }

    /// Every rejected row, its reason in the language of the run.
    fn rejected(&self, infos: &[FileInfo]) -> Vec<Rejected> {
        let lang = crate::i18n::lang();
        self.rejected
            .iter()
            .map(|r| Rejected {
                file: infos
                    .get(r.file as usize)
                    .map_or_else(String::new, |i| i.shown.clone()),
                line: r.line,
                reason: r.reason(infos, lang),
                code: r.problem.code().to_string(),
                column: r
                    .problem
                    .column()
                    .map(|c| messages::column_name(c).to_string()),
            })
            .collect()
    }

    /// The figures over all vendors together.
    fn overall(&self, bundle: &Bundle) -> Figures {
        let mut all = Confusion::new(bundle.verdicts.len());
        for v in &self.vendors {
            all.merge(&v.confusion);
        }
        figures(bundle, &all)
    }

    /// Each vendor's figures and deviations, in the bundle's order.
    fn vendor_figures(&self, bundle: &Bundle) -> Vec<VendorFigures> {
        bundle
            .vendors
            .iter()
            .zip(&self.vendors)
            .map(|(v, t)| VendorFigures {
                id: v.id.clone(),
                name: v.name.clone(),
                figures: figures(bundle, &t.confusion),
                hold_over: (t.hold_rows > 0).then_some(t.hold_over),
                hold_rows: t.hold_rows,
                missed_roles: (t.reached_rows > 0).then_some(t.missed),
                reached_rows: t.reached_rows,
            })
            .collect()
    }

    /// Agreement in each cell of the grid, row by row.
    fn cell_figures(&self, names: &[String]) -> Vec<CellFigures> {
        names
            .iter()
            .zip(&self.cells)
            .map(|(name, (n, agree))| CellFigures {
                cell: name.clone(),
                n: *n,
                agreement: (*n > 0).then(|| *agree as f64 / *n as f64),
            })
            .collect()
    }
}

/// The listed disagreements, with the bundle's ids.
fn disagreements(bundle: &Bundle, listed: &[Listed], cell_names: &[String]) -> Vec<Disagreement> {
    let vendor_id = |i: usize| bundle.vendors.get(i).map_or("", |v| v.id.as_str());
    let verdict_id = |i: usize| bundle.verdicts.get(i).map_or("", |v| v.id.as_str());
    listed
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
        .collect()
}

/// The agreement figures of one confusion matrix, with the bundle's verdict ids.
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

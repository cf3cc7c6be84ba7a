//! The report as a reader sees it, decided once for both renderers: ids turned into the
//! bundle's labels, figures formatted, the disagreements grouped by cell with their reasons in
//! Japanese and their links into the manual, each vendor's change named. `markdown.rs` lays it
//! out as text and `html.rs` hands it to the template; neither decides anything of its own but
//! its layout (and the HTML page's charts).
//!
//! Architecture invariant: reads a [`Review`] and the bundle's labels; computes no figure.

use super::messages::ja;
use super::report::{Figures, Review, VendorFigures};
use crate::bundle::Bundle;
use crate::policy::Policy;
use serde::Serialize;
use serde_json::Value;

/// What the renderers are given.
pub(crate) struct View<'a> {
    /// The bundle the rows were judged with (labels, vendors, the manual's sections of types).
    pub(crate) bundle: &'a Bundle,
    /// The bundle as a policy (axes and grid for the heat map).
    pub(crate) policy: &'a Policy,
    /// The figures.
    pub(crate) review: &'a Review,
    /// Prefix of links into the manual (ends with `/`), when the manual is known.
    pub(crate) manual: Option<&'a str>,
    /// The first rejected rows' reasons in Japanese, in order.
    pub(crate) rejected_ja: &'a [String],
    /// Most rows listed (disagreements, rejected rows).
    pub(crate) max_listed: usize,
}

impl View<'_> {
    /// A link into the manual, or nothing when the manual is not known.
    pub(crate) fn link(&self, rel: &str) -> Option<String> {
        self.manual.map(|m| format!("{m}{rel}"))
    }
}

/// The review as shown. Serialised, it is the HTML template's `review` (the page adds its
/// charts); the fields skipped there are the Markdown report's.
#[derive(Serialize)]
pub(crate) struct Shown {
    /// `週次レビュー 2026-W48`: the page's and the document's title.
    #[serde(skip)]
    pub(crate) title: String,
    pub(crate) week: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) timezone: Option<String>,
    /// The policy's id.
    pub(crate) policy: String,
    pub(crate) version: String,
    pub(crate) digest: String,
    /// The digest's first 19 characters and an ellipsis.
    pub(crate) digest_short: String,
    pub(crate) read: u64,
    pub(crate) reviewed: u64,
    pub(crate) rejected_count: usize,
    pub(crate) overall: ShownFigures,
    pub(crate) vendors: Vec<ShownVendor>,
    /// The verdicts' labels, least to most severe (the confusion matrix's columns).
    pub(crate) verdicts: Vec<String>,
    /// The cells with rows, in the grid's order.
    #[serde(skip)]
    pub(crate) cells: Vec<ShownCell>,
    /// The listed disagreements, grouped by cell in the grid's order.
    pub(crate) groups: Vec<Group>,
    pub(crate) unlisted: u64,
    /// The first rejected rows (at most `--max-listed`).
    pub(crate) rejected: Vec<ShownRejected>,
    /// More rows were rejected than listed.
    #[serde(skip)]
    pub(crate) more_rejected: bool,
    /// Rejected rows by code.
    pub(crate) rejected_codes: Vec<CodeCount>,
    pub(crate) trend: Option<ShownTrend>,
}

/// A set of figures, formatted (`—` where there is none).
#[derive(Serialize)]
pub(crate) struct ShownFigures {
    pub(crate) n: u64,
    /// A percentage with one decimal.
    pub(crate) agreement: String,
    pub(crate) kappa: String,
    /// The lower end of the interval.
    #[serde(skip)]
    pub(crate) low: String,
    /// The upper end of the interval.
    #[serde(skip)]
    pub(crate) high: String,
    /// `low 〜 high`, or `—` without an interval.
    pub(crate) interval: String,
    /// The weighted kappa.
    pub(crate) weighted: String,
    /// One row per vendor verdict, one count per policy verdict.
    pub(crate) confusion: Vec<ConfusionRow>,
}

/// A row of a confusion matrix.
#[derive(Serialize)]
pub(crate) struct ConfusionRow {
    /// The vendor's verdict.
    pub(crate) label: String,
    pub(crate) counts: Vec<Count>,
}

/// A count of a confusion matrix.
#[derive(Serialize)]
pub(crate) struct Count {
    pub(crate) n: u64,
    /// On the diagonal: the vendor and the policy agree.
    pub(crate) agree: bool,
}

/// A vendor's figures and deviations.
#[derive(Serialize)]
pub(crate) struct ShownVendor {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) figures: ShownFigures,
    /// Rows over the longest hold, `—` without a row with a hold.
    pub(crate) hold_over: String,
    pub(crate) hold_rows: u64,
    /// Rows that missed a required role, `—` without a row with `reached`.
    pub(crate) missed_roles: String,
    pub(crate) reached_rows: u64,
}

/// A cell of the grid with rows.
pub(crate) struct ShownCell {
    pub(crate) cell: String,
    pub(crate) n: u64,
    pub(crate) agreement: String,
}

/// The listed disagreements of one cell.
#[derive(Serialize)]
pub(crate) struct Group {
    /// The cell's name, `c1×d2`.
    pub(crate) cell: String,
    /// The grid position of the cell, when the policy has it.
    #[serde(skip)]
    pub(crate) at: Option<(usize, usize)>,
    /// The policy's verdict in the cell.
    pub(crate) verdict: String,
    /// The manual's section of the group's first disagreement.
    pub(crate) manual: Option<String>,
    pub(crate) n: u64,
    pub(crate) agreement: String,
    pub(crate) rows: Vec<ShownDisagreement>,
}

/// A listed disagreement.
#[derive(Serialize)]
pub(crate) struct ShownDisagreement {
    /// `d-N`, N its place in `review.disagreements` from 1: the heat map's dots link here.
    pub(crate) anchor: String,
    pub(crate) id: String,
    /// The vendor's name.
    pub(crate) vendor: String,
    /// The vendor's verdict's label.
    pub(crate) field: String,
    /// The policy's verdict's label.
    pub(crate) policy: String,
    pub(crate) date: Option<String>,
    pub(crate) reasons: Vec<ShownReason>,
    /// The manual's section behind the policy's verdict.
    pub(crate) manual: Option<String>,
}

/// One of `classify`'s reasons in Japanese, linked to the manual's section behind it.
#[derive(Serialize)]
pub(crate) struct ShownReason {
    pub(crate) text: String,
    pub(crate) url: Option<String>,
}

/// A rejected row.
#[derive(Serialize)]
pub(crate) struct ShownRejected {
    pub(crate) file: String,
    pub(crate) line: u64,
    /// Why, in Japanese.
    pub(crate) reason: String,
}

/// How many rows were rejected for one reason.
#[derive(Serialize)]
pub(crate) struct CodeCount {
    pub(crate) code: String,
    pub(crate) n: u64,
}

/// Each vendor's change since the latest earlier week.
#[derive(Serialize)]
pub(crate) struct ShownTrend {
    pub(crate) vendors: Vec<TrendLine>,
}

/// A vendor's trend.
#[derive(Serialize)]
pub(crate) struct TrendLine {
    pub(crate) name: String,
    /// `改善`, `悪化`, `変化なし` or that there is nothing to compare.
    pub(crate) change: String,
    /// The change's code (`improved`…, empty without one), a CSS class.
    pub(crate) class: String,
    /// `2026-W48 0.812` for each week of the vendor.
    #[serde(skip)]
    pub(crate) points: Vec<String>,
}

/// A share as a percentage with one decimal.
pub(crate) fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{:.1}%", v * 100.0))
}

/// A figure with three decimals.
pub(crate) fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{v:.3}"))
}

/// A count that may not exist.
fn count(x: Option<u64>) -> String {
    x.map_or_else(|| "—".to_string(), |n| n.to_string())
}

/// The label of a verdict id (the id when the bundle has no such verdict).
pub(crate) fn verdict_label<'b>(b: &'b Bundle, id: &'b str) -> &'b str {
    b.verdicts
        .iter()
        .find(|v| v.id == id)
        .map_or(id, |v| v.label.as_str())
}

/// A vendor's display name (the id when the bundle has no such vendor).
pub(crate) fn vendor_name<'b>(b: &'b Bundle, id: &'b str) -> &'b str {
    b.vendors
        .iter()
        .find(|v| v.id == id)
        .map_or(id, |v| v.name.as_str())
}

/// The grid position of a cell, by its name.
pub(crate) fn cell_at(p: &Policy, name: &str) -> Option<(usize, usize)> {
    (0..p.conduct.levels.len())
        .flat_map(|c| (0..p.demand.levels.len()).map(move |d| (c, d)))
        .find(|(c, d)| p.cell_name(*c, *d) == name)
}

/// The label of the policy's verdict in a cell of the grid.
pub(crate) fn cell_verdict(p: &Policy, (c, d): (usize, usize)) -> &str {
    p.grid
        .get(c)
        .and_then(|row| row.get(d))
        .and_then(|&v| p.verdicts.get(v))
        .map_or("", |v| v.label.as_str())
}

/// A trend's change in Japanese.
fn change_ja(c: Option<&str>) -> &'static str {
    match c {
        Some("improved") => ja::IMPROVED,
        Some("slipped") => ja::SLIPPED,
        Some("steady") => ja::STEADY,
        _ => "比較できません",
    }
}

/// `classify`'s reason in Japanese (rendering the engine's reasons, computing nothing), with the
/// manual's section behind it (relative to the manual's root); an empty text for a reason it
/// does not render.
fn reason_ja(b: &Bundle, r: &Value) -> (String, Option<String>) {
    let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
    let of_type = |id: &str| {
        b.conduct_types
            .iter()
            .map(|t| (&t.id, &t.label, &t.manual))
            .chain(b.demand_types.iter().map(|t| (&t.id, &t.label, &t.manual)))
            .find(|(i, ..)| i.as_str() == id)
            .map_or((id.to_string(), None), |(_, l, m)| {
                (l.clone(), Some(m.clone()))
            })
    };
    match s("kind") {
        "raised" => {
            let (label, manual) = of_type(s("type"));
            let implied = if r.get("implied").and_then(Value::as_bool) == Some(true) {
                "（事実から該当）"
            } else {
                ""
            };
            let axis = if s("axis") == "conduct" {
                "行為"
            } else {
                "要求"
            };
            let (from, to) = (s("from"), s("to"));
            (
                format!("「{label}」{implied}により{axis}が {from} から {to} へ"),
                manual,
            )
        }
        "cell" => {
            let cell = s("cell");
            let manual = cell.split_once('×').map(|(c, d)| crate::urls::cell(c, d));
            let verdict = verdict_label(b, s("verdict"));
            (format!("マス {cell} の判定は「{verdict}」"), manual)
        }
        "override" => {
            let (label, manual) = of_type(s("type"));
            let verdict = verdict_label(b, s("verdict"));
            (
                format!("「{label}」により判定を「{verdict}」に引き上げ"),
                manual,
            )
        }
        _ => (String::new(), None),
    }
}

impl Shown {
    /// Everything the reports show, decided once.
    pub(crate) fn new(v: &View) -> Shown {
        let r = v.review;
        let title = match &r.period.week {
            Some(w) => format!("{} {w}", ja::TITLE),
            None => ja::TITLE.to_string(),
        };
        let rejected: Vec<ShownRejected> = r
            .rejected
            .iter()
            .zip(v.rejected_ja)
            .take(v.max_listed)
            .map(|(x, ja)| ShownRejected {
                file: x.file.clone(),
                line: x.line,
                reason: ja.clone(),
            })
            .collect();
        Shown {
            title,
            week: r.period.week.clone(),
            from: r.period.from.clone(),
            to: r.period.to.clone(),
            timezone: r.period.timezone.clone(),
            policy: r.policy.id.clone(),
            version: r.policy.version.clone(),
            digest: r.policy.digest.clone(),
            digest_short: r.policy.digest.chars().take(19).collect::<String>() + "…",
            read: r.read,
            reviewed: r.reviewed,
            rejected_count: r.rejected.len(),
            overall: figures(v.bundle, &r.overall),
            vendors: r.vendors.iter().map(|x| vendor(v.bundle, x)).collect(),
            verdicts: v.bundle.verdicts.iter().map(|x| x.label.clone()).collect(),
            cells: r
                .cells
                .iter()
                .filter(|c| c.n > 0)
                .map(|c| ShownCell {
                    cell: c.cell.clone(),
                    n: c.n,
                    agreement: pct(c.agreement),
                })
                .collect(),
            groups: groups(v),
            unlisted: r.unlisted,
            more_rejected: r.rejected.len() > rejected.len(),
            rejected,
            rejected_codes: rejected_codes(r),
            trend: trend(v),
        }
    }
}

/// A set of figures, formatted, with its confusion matrix over the bundle's verdicts.
fn figures(b: &Bundle, f: &Figures) -> ShownFigures {
    let interval = match (f.kappa_low, f.kappa_high) {
        (Some(l), Some(h)) => format!("{l:.3} 〜 {h:.3}"),
        _ => "—".into(),
    };
    let confusion = b
        .verdicts
        .iter()
        .map(|fv| ConfusionRow {
            label: fv.label.clone(),
            counts: b
                .verdicts
                .iter()
                .map(|pv| Count {
                    n: f.confusion
                        .get(&fv.id)
                        .and_then(|m| m.get(&pv.id))
                        .copied()
                        .unwrap_or(0),
                    agree: fv.id == pv.id,
                })
                .collect(),
        })
        .collect();
    ShownFigures {
        n: f.n,
        agreement: pct(f.agreement),
        kappa: num(f.kappa),
        low: num(f.kappa_low),
        high: num(f.kappa_high),
        interval,
        weighted: num(f.weighted_kappa),
        confusion,
    }
}

fn vendor(b: &Bundle, x: &VendorFigures) -> ShownVendor {
    ShownVendor {
        id: x.id.clone(),
        name: x.name.clone(),
        figures: figures(b, &x.figures),
        hold_over: count(x.hold_over),
        hold_rows: x.hold_rows,
        missed_roles: count(x.missed_roles),
        reached_rows: x.reached_rows,
    }
}

/// The listed disagreements, grouped by cell (they are listed by cell, so a group is a run).
fn groups(v: &View) -> Vec<Group> {
    let (r, b) = (v.review, v.bundle);
    let mut groups: Vec<Group> = Vec::new();
    for (i, d) in r.disagreements.iter().enumerate() {
        let row = ShownDisagreement {
            anchor: format!("d-{}", i + 1),
            id: d.id.clone(),
            vendor: vendor_name(b, &d.vendor).to_string(),
            field: verdict_label(b, &d.field).to_string(),
            policy: verdict_label(b, &d.policy).to_string(),
            date: d.date.clone(),
            reasons: d
                .reasons
                .iter()
                .map(|x| reason_ja(b, x))
                .filter(|(t, _)| !t.is_empty())
                .map(|(text, m)| ShownReason {
                    text,
                    url: m.and_then(|m| v.link(&m)),
                })
                .collect(),
            manual: v.link(&d.manual),
        };
        match groups.last_mut() {
            Some(g) if g.cell == d.cell => g.rows.push(row),
            _ => {
                let f = r.cells.iter().find(|c| c.cell == d.cell);
                let at = cell_at(v.policy, &d.cell);
                groups.push(Group {
                    cell: d.cell.clone(),
                    at,
                    verdict: at.map_or("", |at| cell_verdict(v.policy, at)).to_string(),
                    manual: v.link(&d.manual),
                    n: f.map_or(0, |f| f.n),
                    agreement: pct(f.and_then(|f| f.agreement)),
                    rows: vec![row],
                });
            }
        }
    }
    groups
}

/// Rejected rows counted by code, in the codes' order.
fn rejected_codes(r: &Review) -> Vec<CodeCount> {
    let mut by_code: std::collections::BTreeMap<&str, u64> = Default::default();
    for x in &r.rejected {
        *by_code.entry(x.code.as_str()).or_default() += 1;
    }
    by_code
        .into_iter()
        .map(|(code, n)| CodeCount {
            code: code.to_string(),
            n,
        })
        .collect()
}

fn trend(v: &View) -> Option<ShownTrend> {
    let t = v.review.trend.as_ref()?;
    Some(ShownTrend {
        vendors: t
            .iter()
            .map(|x| TrendLine {
                name: vendor_name(v.bundle, &x.vendor).to_string(),
                change: change_ja(x.change.as_deref()).to_string(),
                class: x.change.clone().unwrap_or_default(),
                points: x
                    .weeks
                    .iter()
                    .map(|p| format!("{} {}", p.week, num(p.kappa)))
                    .collect(),
            })
            .collect(),
    })
}

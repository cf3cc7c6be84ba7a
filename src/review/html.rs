//! `index.html` of the review: the manual's templates and style (overridable like a build's),
//! with `templates/review.html`, the kappa charts, the grid as a heat map of agreement and the
//! disagreements linked to the manual.
//!
//! Architecture invariant: renders a [`Review`] and the bundle's labels; computes no figure.

use super::charts::{self, Interval};
use super::report::Review;
use super::{Options, labels};
use crate::bundle::Bundle;
use crate::emit::site::svg::{self, CellPaint, GridLayer, Mark};
use crate::emit::site::{ASSETS, TEMPLATES, merged};
use crate::msg;
use crate::ops::{Fatal, Files};
use crate::policy::Policy;
use serde_json::{Value, json};

/// What the renderers read.
pub struct View<'a> {
    pub bundle: &'a Bundle,
    /// The bundle as a policy (axes and grid for the heat map).
    pub policy: &'a Policy,
    pub review: &'a Review,
    /// Prefix of links into the manual (ends with `/`), when the manual is known.
    pub manual: Option<&'a str>,
    /// The first rejected rows' reasons in Japanese, in order.
    pub rejected_ja: &'a [String],
    pub max_listed: usize,
}

/// The prefix of links into the manual: `--manual` (a URL, or a folder made relative to the
/// output folder), else the bundle's folder when it holds a built manual.
pub fn manual_base(opts: &Options) -> Result<Option<String>, Fatal> {
    let folder = |dir: &std::path::Path| {
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
            Ok(Some(if m.ends_with('/') {
                m.clone()
            } else {
                format!("{m}/")
            }))
        }
        Some(m) => Ok(Some(folder(std::path::Path::new(m)))),
        None => Ok(opts
            .bundle_path
            .as_deref()
            .and_then(|b| b.parent())
            .map(|d| {
                if d.as_os_str().is_empty() {
                    std::path::Path::new(".")
                } else {
                    d
                }
            })
            .filter(|d| d.join("index.html").is_file() && d.join("criteria.html").is_file())
            .map(folder)),
    }
}

pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{:.1}%", v * 100.0))
}

pub fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{v:.3}"))
}

/// A link into the manual, or nothing when the manual is not known.
pub fn link(v: &View, rel: &str) -> Option<String> {
    v.manual.map(|m| format!("{m}{rel}"))
}

/// The label of a verdict id.
pub fn verdict_label<'b>(b: &'b Bundle, id: &'b str) -> &'b str {
    labels(b).get(id).copied().unwrap_or(id)
}

/// A vendor's display name.
pub fn vendor_name<'b>(b: &'b Bundle, id: &'b str) -> &'b str {
    b.vendors
        .iter()
        .find(|v| v.id == id)
        .map_or(id, |v| v.name.as_str())
}

/// `classify`'s reason in Japanese (rendering the engine's reasons, computing nothing), with the
/// manual's section behind it (relative to the manual's root).
pub fn reason_ja(b: &Bundle, r: &Value) -> (String, Option<String>) {
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
            (
                format!(
                    "「{label}」{}により{}が {} から {} へ",
                    if r.get("implied").and_then(Value::as_bool) == Some(true) {
                        "（事実から該当）"
                    } else {
                        ""
                    },
                    if s("axis") == "conduct" {
                        "行為"
                    } else {
                        "要求"
                    },
                    s("from"),
                    s("to")
                ),
                manual,
            )
        }
        "cell" => {
            let cell = s("cell");
            let manual = cell.split_once('×').map(|(c, d)| crate::urls::cell(c, d));
            (
                format!("マス {cell} の判定は「{}」", verdict_label(b, s("verdict"))),
                manual,
            )
        }
        "override" => {
            let (label, manual) = of_type(s("type"));
            (
                format!(
                    "「{label}」により判定を「{}」に引き上げ",
                    verdict_label(b, s("verdict"))
                ),
                manual,
            )
        }
        _ => (String::new(), None),
    }
}

fn change_ja(c: Option<&str>) -> &'static str {
    match c {
        Some("improved") => super::messages::ja::IMPROVED,
        Some("slipped") => super::messages::ja::SLIPPED,
        Some("steady") => super::messages::ja::STEADY,
        _ => "比較できません",
    }
}

/// Vendor kappa rows for the bar chart: overall first.
fn bar_rows(r: &Review) -> Vec<(String, u64, Option<Interval>, &'static str)> {
    let iv = |f: &super::report::Figures| match (f.kappa, f.kappa_low, f.kappa_high) {
        (Some(kappa), Some(low), Some(high)) => Some(Interval { kappa, low, high }),
        _ => None,
    };
    std::iter::once((
        "全体".to_string(),
        r.overall.n,
        iv(&r.overall),
        charts::OVERALL,
    ))
    .chain(r.vendors.iter().enumerate().map(|(i, v)| {
        (
            v.name.clone(),
            v.figures.n,
            iv(&v.figures),
            charts::color(i),
        )
    }))
    .collect()
}

/// The grid as a heat map of agreement, the listed disagreements as dots.
fn heat_map(v: &View) -> String {
    let p = v.policy;
    let r = v.review;
    let nd = p.demand.levels.len();
    let cell = |c: usize, d: usize| {
        let f = r.cells.get(c * nd + d);
        let verdict = &p.verdicts[p.grid[c][d]].label;
        match f {
            Some(f) if f.n > 0 => {
                let agree = f.agreement.unwrap_or(0.0);
                CellPaint {
                    fill: charts::heat(agree),
                    label: format!("一致 {}（{}件）", pct(f.agreement), f.n),
                    title: format!(
                        "{}（{}）: 一致率 {}、{}件",
                        p.cell_name(c, d),
                        verdict,
                        pct(f.agreement),
                        f.n
                    ),
                }
            }
            _ => CellPaint {
                fill: charts::EMPTY.into(),
                label: "該当なし".into(),
                title: format!("{}（{}）: 該当なし", p.cell_name(c, d), verdict),
            },
        }
    };
    let cell_index = |name: &str| {
        (0..p.conduct.levels.len())
            .flat_map(|c| (0..nd).map(move |d| (c, d)))
            .find(|(c, d)| p.cell_name(*c, *d) == name)
    };
    let marks = r
        .disagreements
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let (c, dd) = cell_index(&d.cell)?;
            Some(Mark {
                conduct: c,
                demand: dd,
                href: format!("#d-{}", i + 1),
                title: format!(
                    "{}: 現場「{}」・基準「{}」",
                    d.id,
                    verdict_label(v.bundle, &d.field),
                    verdict_label(v.bundle, &d.policy)
                ),
            })
        })
        .collect();
    let layer = GridLayer {
        title: format!("マスごとの一致率: {}×{}", p.conduct.label, p.demand.label),
        desc: format!(
            "縦軸は{}、横軸は{}。各マスの色は現場の判定が判断基準と一致した割合（濃いほど不一致が多い）。点は一覧にある不一致。",
            p.conduct.label, p.demand.label
        ),
        cell: &cell,
        marks,
        legend: vec![
            (charts::heat(1.0), "一致 100%".into()),
            (charts::heat(0.5), "50%".into()),
            (charts::heat(0.0), "0%".into()),
            (charts::EMPTY.into(), "該当なし".into()),
        ],
        mark_label: "不一致",
    };
    svg::heat_grid(p, &layer)
}

/// The policy's verdict label of a grid cell, by its name.
fn p_cell_verdict(v: &View, name: &str) -> String {
    let p = v.policy;
    (0..p.conduct.levels.len())
        .flat_map(|c| (0..p.demand.levels.len()).map(move |d| (c, d)))
        .find(|(c, d)| p.cell_name(*c, *d) == name)
        .map(|(c, d)| p.verdicts[p.grid[c][d]].label.clone())
        .unwrap_or_default()
}

/// The page's data, formatted.
fn context(v: &View) -> Value {
    let r = v.review;
    let b = v.bundle;
    let figures = |f: &super::report::Figures| {
        json!({
            "n": f.n,
            "agreement": pct(f.agreement),
            "kappa": num(f.kappa),
            "interval": match (f.kappa_low, f.kappa_high) {
                (Some(l), Some(h)) => format!("{l:.3} 〜 {h:.3}"),
                _ => "—".into(),
            },
            "weighted": num(f.weighted_kappa),
            "confusion": b.verdicts.iter().map(|fv| json!({
                "label": fv.label,
                "counts": b.verdicts.iter().map(|pv| {
                    let n = f.confusion.get(&fv.id).and_then(|m| m.get(&pv.id)).copied().unwrap_or(0);
                    json!({"n": n, "agree": fv.id == pv.id})
                }).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    };
    let vendors: Vec<Value> = r
        .vendors
        .iter()
        .map(|x| {
            json!({
                "id": x.id, "name": x.name, "figures": figures(&x.figures),
                "hold_over": x.hold_over.map_or_else(|| "—".into(), |n| n.to_string()),
                "hold_rows": x.hold_rows,
                "missed_roles": x.missed_roles.map_or_else(|| "—".into(), |n| n.to_string()),
                "reached_rows": x.reached_rows,
            })
        })
        .collect();
    // Disagreements grouped by cell, in the grid's order.
    let mut groups: Vec<Value> = Vec::new();
    for (i, d) in r.disagreements.iter().enumerate() {
        let row = json!({
            "anchor": format!("d-{}", i + 1),
            "id": d.id,
            "vendor": vendor_name(b, &d.vendor),
            "field": verdict_label(b, &d.field),
            "policy": verdict_label(b, &d.policy),
            "date": d.date,
            "reasons": d.reasons.iter().map(|x| reason_ja(b, x)).filter(|(t, _)| !t.is_empty()).map(|(text, m)| json!({"text": text, "url": m.and_then(|m| link(v, &m))})).collect::<Vec<_>>(),
            "manual": link(v, &d.manual),
        });
        match groups.last_mut() {
            Some(g) if g["cell"] == d.cell.as_str() => {
                if let Some(rows) = g["rows"].as_array_mut() {
                    rows.push(row);
                }
            }
            _ => {
                let f = r.cells.iter().find(|c| c.cell == d.cell);
                let verdict = p_cell_verdict(v, &d.cell);
                groups.push(json!({
                    "cell": d.cell,
                    "verdict": verdict,
                    "manual": link(v, &d.manual),
                    "n": f.map_or(0, |f| f.n),
                    "agreement": pct(f.and_then(|f| f.agreement)),
                    "rows": [row],
                }));
            }
        }
    }
    let mut by_code: std::collections::BTreeMap<&str, u64> = Default::default();
    for x in &r.rejected {
        *by_code.entry(x.code.as_str()).or_default() += 1;
    }
    let rejected: Vec<Value> = r
        .rejected
        .iter()
        .zip(v.rejected_ja)
        .take(v.max_listed)
        .map(|(x, ja)| json!({"file": x.file, "line": x.line, "reason": ja}))
        .collect();
    let trend = r.trend.as_ref().map(|t| {
        let weeks: Vec<String> = {
            let mut w: Vec<String> = t
                .iter()
                .flat_map(|x| x.weeks.iter().map(|p| p.week.clone()))
                .collect();
            w.sort();
            w.dedup();
            w
        };
        let series: Vec<(String, Vec<Option<f64>>)> = t
            .iter()
            .map(|x| {
                (
                    vendor_name(b, &x.vendor).to_string(),
                    weeks
                        .iter()
                        .map(|w| x.weeks.iter().find(|p| &p.week == w).and_then(|p| p.kappa))
                        .collect(),
                )
            })
            .collect();
        json!({
            "svg": charts::trend(&weeks, &series),
            "vendors": t.iter().map(|x| json!({
                "name": vendor_name(b, &x.vendor),
                "change": change_ja(x.change.as_deref()),
                "class": x.change.clone().unwrap_or_default(),
            })).collect::<Vec<_>>(),
        })
    });
    json!({
        "review": {
            "week": r.period.week,
            "from": r.period.from,
            "to": r.period.to,
            "timezone": r.period.timezone,
            "policy": r.policy.id,
            "version": r.policy.version,
            "digest": r.policy.digest,
            "digest_short": r.policy.digest.chars().take(19).collect::<String>() + "…",
            "read": r.read,
            "reviewed": r.reviewed,
            "rejected_count": r.rejected.len(),
            "overall": figures(&r.overall),
            "vendors": vendors,
            "verdicts": b.verdicts.iter().map(|x| x.label.clone()).collect::<Vec<_>>(),
            "bars": charts::kappa_bars(&bar_rows(r)),
            "heat": heat_map(v),
            "groups": groups,
            "unlisted": r.unlisted,
            "rejected": rejected,
            "rejected_codes": by_code.iter().map(|(k, n)| json!({"code": k, "n": n})).collect::<Vec<_>>(),
            "trend": trend,
        },
        "manual": v.manual,
        "manual_search": link(v, "search.html"),
        "criteria": link(v, "criteria.html"),
    })
}

/// Render `index.html` and its assets.
pub fn render(v: &View, overrides: &[(String, Vec<u8>)]) -> Result<Files, Fatal> {
    let mut tera = tera::Tera::new();
    tera.autoescape_on([".html"]);
    let all: Vec<(String, String)> = merged(overrides, &TEMPLATES, "templates")
        .into_iter()
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect();
    tera.add_raw_templates(all.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|e| Fatal::Usage(msg!("review-cannot-render", detail = e.to_string())))?;
    let b = v.bundle;
    let mut nav = vec![json!({"title": super::messages::ja::TITLE, "url": "index.html"})];
    if let Some(m) = v.manual {
        nav.push(json!({"title": "マニュアル", "url": format!("{m}index.html")}));
        nav.push(json!({"title": "判断基準", "url": format!("{m}criteria.html")}));
    }
    let mut ctx = json!({
        "site": {
            "title": b.manifest.title,
            "lang": "ja",
            "version": b.manifest.version,
            "revision": b.manifest.revision,
            "effective_from": b.manifest.effective_from,
        },
        "nav": nav,
        "root": "",
        "path": "review.html",
        "title": match &v.review.period.week {
            Some(w) => format!("{} {w}", super::messages::ja::TITLE),
            None => super::messages::ja::TITLE.to_string(),
        },
    });
    if let (Value::Object(c), Value::Object(d)) = (&mut ctx, context(v)) {
        c.extend(d);
    }
    let ctx = tera::Context::from_serialize(&ctx)
        .map_err(|e| Fatal::Usage(msg!("review-cannot-render", detail = e.to_string())))?;
    let html = tera
        .render("review.html", &ctx)
        .map_err(|e| Fatal::Usage(msg!("review-cannot-render", detail = e.to_string())))?;
    let mut files: Files = vec![("index.html".into(), html.into_bytes())];
    files.extend(
        merged(overrides, &ASSETS, "site")
            .into_iter()
            .map(|(p, b)| (format!("assets/{p}"), b)),
    );
    Ok(files)
}

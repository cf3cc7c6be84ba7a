//! `index.html` of the review: the manual's templates and style (overridable like a build's),
//! with `templates/review.html`, the kappa charts, the grid as a heat map of agreement and the
//! disagreements linked to the manual.
//!
//! Architecture invariant: hands a [`Shown`] to the template and draws its charts from the
//! [`super::report::Review`]; decides no label, no figure and no link of its own.

use super::charts::{self, Interval};
use super::report::Review;
use super::shown::{Shown, View, cell_verdict, pct};
use crate::emit::site::svg::{self, CellPaint, GridLayer, Mark};
use crate::emit::site::{ASSETS, TEMPLATES, merged};
use crate::msg;
use crate::ops::{Fatal, Files};
use serde_json::{Value, json};

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
fn heat_map(v: &View, shown: &Shown) -> String {
    let p = v.policy;
    let nd = p.demand.levels.len();
    let cell = |c: usize, d: usize| {
        let verdict = cell_verdict(p, (c, d));
        match v.review.cells.get(c * nd + d) {
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
    let marks = shown
        .groups
        .iter()
        .filter_map(|g| Some((g.at?, &g.rows)))
        .flat_map(|((c, d), rows)| {
            rows.iter().map(move |row| Mark {
                conduct: c,
                demand: d,
                href: format!("#{}", row.anchor),
                title: format!("{}: 現場「{}」・基準「{}」", row.id, row.field, row.policy),
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

/// Kappa by week, one line per vendor, over every week any vendor has.
fn trend_chart(r: &Review, shown: &Shown) -> Option<String> {
    let (t, lines) = (r.trend.as_ref()?, &shown.trend.as_ref()?.vendors);
    let mut weeks: Vec<String> = t
        .iter()
        .flat_map(|x| x.weeks.iter().map(|p| p.week.clone()))
        .collect();
    weeks.sort();
    weeks.dedup();
    let series: Vec<(String, Vec<Option<f64>>)> = t
        .iter()
        .zip(lines)
        .map(|(x, line)| {
            (
                line.name.clone(),
                weeks
                    .iter()
                    .map(|w| x.weeks.iter().find(|p| &p.week == w).and_then(|p| p.kappa))
                    .collect(),
            )
        })
        .collect();
    Some(charts::trend(&weeks, &series))
}

/// The page's data: the review as shown, with its charts, and the links into the manual.
pub(super) fn context(v: &View, shown: &Shown) -> Value {
    let mut review = serde_json::to_value(shown).unwrap_or_default();
    if let Value::Object(o) = &mut review {
        o.insert(
            "bars".into(),
            charts::kappa_bars(&bar_rows(v.review)).into(),
        );
        o.insert("heat".into(), heat_map(v, shown).into());
        if let (Some(svg), Some(Value::Object(t))) =
            (trend_chart(v.review, shown), o.get_mut("trend"))
        {
            t.insert("svg".into(), svg.into());
        }
    }
    json!({
        "review": review,
        "manual": v.manual,
        "manual_search": v.link("search.html"),
        "criteria": v.link("criteria.html"),
    })
}

/// Render `index.html` and its assets.
pub(crate) fn render(
    v: &View,
    shown: &Shown,
    overrides: &[(String, Vec<u8>)],
) -> Result<Files, Fatal> {
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
    if let (Some(index), Some(criteria)) = (v.link("index.html"), v.link("criteria.html")) {
        nav.push(json!({"title": "マニュアル", "url": index}));
        nav.push(json!({"title": "判断基準", "url": criteria}));
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
        "title": shown.title,
    });
    if let (Value::Object(c), Value::Object(d)) = (&mut ctx, context(v, shown)) {
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

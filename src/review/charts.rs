//! The review's own small charts as inline SVG: kappa per vendor with its interval, and kappa by
//! ISO week. (The grid heat map is the manual's grid drawing, `emit::site::svg::heat_grid`.)
//!
//! Architecture invariant: numbers and labels in, SVG text out; no JavaScript.

use crate::emit::site::svg::esc;
use std::fmt::Write;

/// Colours for vendors (Okabe–Ito: distinguishable with colour-vision deficiencies).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7f7f7f", "#000000",
];

/// The colour of the `i`th vendor.
pub fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A kappa with its interval.
#[derive(Clone, Copy, Debug)]
pub struct Interval {
    pub kappa: f64,
    pub low: f64,
    pub high: f64,
}

/// The colour of "all vendors" in charts.
pub const OVERALL: &str = "#4a5560";

/// The value range drawn: 1 at the right, 0 or the lowest bound (rounded down to 0.2) at the left.
fn domain(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let low = values.fold(0.0_f64, f64::min);
    (((low * 5.0).floor() / 5.0).max(-1.0), 1.0)
}

/// The axis' ticks: every 0.2 from `lo` to `hi`.
fn ticks(lo: f64, hi: f64) -> impl Iterator<Item = f64> {
    std::iter::successors(Some(lo), |t| Some(t + 0.2)).take_while(move |t| *t <= hi + 1e-9)
}

/// The start of a chart: its size, and its title and description for screen readers (ids
/// `{id}-t`, `{id}-d`).
fn open_svg(class: &str, id: &str, (w, h): (f64, f64), title: &str, desc: &str) -> String {
    format!(
        "<svg class=\"{class}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\"><title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>"
    )
}

fn fmt(x: f64) -> String {
    format!("{x:.2}")
}

/// One horizontal bar per row: from 0 to kappa, with a line from the low to the high end of the
/// 95% interval. Rows without a kappa are labelled as such.
pub fn kappa_bars(rows: &[(String, u64, Option<Interval>, &str)]) -> String {
    let (lo, hi) = domain(
        rows.iter()
            .filter_map(|r| r.2)
            .flat_map(|k| [k.kappa, k.low]),
    );
    let (left, width, row_h, top) = (230.0, 360.0, 36.0, 28.0);
    let total_w = left + width + 170.0;
    let total_h = top + row_h * rows.len() as f64 + 12.0;
    let x = |v: f64| left + (v.clamp(lo, hi) - lo) / (hi - lo) * width;
    let mut s = open_svg(
        "kappa-bars",
        "kb",
        (total_w, total_h),
        "委託先ごとのκ係数と95%信頼区間",
        "棒はκ係数、横線はその95%信頼区間。1に近いほど判断基準と一致している。",
    );
    for t in ticks(lo, hi) {
        let _ = write!(
            s,
            "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#d0d7de\" stroke-width=\"1\"/><text x=\"{0}\" y=\"{3}\" font-size=\"11\" text-anchor=\"middle\" class=\"axis\">{4}</text>",
            x(t),
            top - 6.0,
            total_h - 8.0,
            top - 10.0,
            fmt(t)
        );
    }
    for (i, (label, n, k, fill)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\" class=\"axis\">{}</text>",
            left - 10.0,
            y + row_h / 2.0 + 4.0,
            esc(label)
        );
        match k {
            Some(k) => {
                let (a, b) = (x(0.0_f64.max(lo)), x(k.kappa));
                let _ = write!(
                    s,
                    "<g class=\"bar\"><title>{}: κ {} （95%信頼区間 {}〜{}、{} 件）</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/><line x1=\"{}\" x2=\"{}\" y1=\"{ym}\" y2=\"{ym}\" stroke=\"#1a1a1a\" stroke-width=\"2\"/><line x1=\"{lx}\" x2=\"{lx}\" y1=\"{c0}\" y2=\"{c1}\" stroke=\"#1a1a1a\" stroke-width=\"2\"/><line x1=\"{hx}\" x2=\"{hx}\" y1=\"{c0}\" y2=\"{c1}\" stroke=\"#1a1a1a\" stroke-width=\"2\"/></g>",
                    esc(label),
                    fmt(k.kappa),
                    fmt(k.low),
                    fmt(k.high),
                    n,
                    a.min(b),
                    y + 9.0,
                    (b - a).abs().max(1.0),
                    row_h - 18.0,
                    esc(fill),
                    x(k.low),
                    x(k.high),
                    ym = y + row_h / 2.0,
                    lx = x(k.low),
                    hx = x(k.high),
                    c0 = y + row_h / 2.0 - 6.0,
                    c1 = y + row_h / 2.0 + 6.0,
                );
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"12\" class=\"axis\">κ {} [{}, {}]</text>",
                    left + width + 10.0,
                    y + row_h / 2.0 + 4.0,
                    fmt(k.kappa),
                    fmt(k.low),
                    fmt(k.high)
                );
            }
            None => {
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"12\" class=\"axis\">κ を計算できません（{} 件）</text>",
                    x(0.0_f64.max(lo)) + 6.0,
                    y + row_h / 2.0 + 4.0,
                    n
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

/// A line per series: kappa by week. `weeks` are the x positions in order; each series has a
/// label and one optional kappa per week.
pub fn trend(weeks: &[String], series: &[(String, Vec<Option<f64>>)]) -> String {
    let (lo, hi) = domain(series.iter().flat_map(|(_, v)| v.iter().flatten().copied()));
    let (left, top, width, height) = (56.0, 20.0, 560.0, 220.0);
    let legend_h = 22.0 * series.len() as f64;
    let total_w = left + width + 30.0;
    let total_h = top + height + 40.0 + legend_h;
    let step = if weeks.len() > 1 {
        width / (weeks.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| {
        if weeks.len() > 1 {
            left + step * i as f64
        } else {
            left + width / 2.0
        }
    };
    let y = |v: f64| top + (hi - v.clamp(lo, hi)) / (hi - lo) * height;
    let mut s = open_svg(
        "trend",
        "tr",
        (total_w, total_h),
        "委託先ごとのκ係数の推移（ISO週）",
        "横軸はISO週、縦軸はκ係数。線は委託先ごと。",
    );
    for t in ticks(lo, hi) {
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{yt}\" y2=\"{yt}\" stroke=\"#d0d7de\"/><text x=\"{lx}\" y=\"{ly}\" font-size=\"11\" text-anchor=\"end\" class=\"axis\">{label}</text>",
            right = left + width,
            yt = y(t),
            lx = left - 6.0,
            ly = y(t) + 4.0,
            label = fmt(t)
        );
    }
    for (i, w) in weeks.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" class=\"axis\">{}</text>",
            x(i),
            top + height + 18.0,
            esc(w)
        );
    }
    for (si, (label, values)) in series.iter().enumerate() {
        let c = color(si);
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i),
                        y(*v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(
                s,
                "<path d=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2.5\"/>",
                path.trim_end()
            );
        }
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{c}\"><title>{} {}: κ {}</title></circle>",
                    x(i),
                    y(*v),
                    esc(label),
                    esc(weeks.get(i).map_or("", String::as_str)),
                    fmt(*v)
                );
            }
        }
        let ly = top + height + 40.0 + 22.0 * si as f64;
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{c}\" stroke-width=\"3\"/><text x=\"{}\" y=\"{}\" font-size=\"13\" class=\"axis\">{}</text>",
            left + 24.0,
            left + 32.0,
            ly + 4.0,
            esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// The heat colour of an agreement share: light for full agreement, deep orange for none.
pub fn heat(agreement: f64) -> String {
    let (a, b) = ((0xfe, 0xf3, 0xe2), (0xb5, 0x41, 0x0c));
    let t = (1.0 - agreement).clamp(0.0, 1.0);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// The colour of a cell without rows.
pub const EMPTY: &str = "#e9ecef";

//! Diagrams drawn server-side as inline SVG: the judgment grid as a heat map with every case as
//! a dot, and flows laid out in layers. No JavaScript, readable Japanese labels, a `<title>` and
//! `<desc>` on each diagram, and a `<title>` on every shape.

use super::layout::{self, EdgeSpec, Layout, NodeSpec};
use super::{breaks, words};
use crate::emit::text::expand;
use crate::emit::urls;
use crate::model::Org;
use crate::policy::{Flow, Policy, format_duration_ja};
use breaks::{text_width, wrap};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Black or white, whichever reads better on a `#rrggbb` background.
pub fn ink(hex: &str) -> &'static str {
    let c = |i: usize| {
        u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128) as f64 / 255.0
    };
    let lin = |v: f64| {
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(c(1)) + 0.7152 * lin(c(3)) + 0.0722 * lin(c(5));
    // Contrast with white is (1.05)/(l+0.05), with black (l+0.05)/0.05.
    if 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 {
        "#ffffff"
    } else {
        "#1a1a1a"
    }
}

/// A case plotted on the grid.
pub struct Dot<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub conduct: usize,
    pub demand: usize,
}

/// Most dots drawn in one cell; the rest are counted.
const DOTS_PER_CELL: usize = 48;

/// The grid as a heat map. `root` prefixes links; `highlight` marks one cell (a case's page);
/// `small` draws a thumbnail without dots.
pub fn grid(
    p: &Policy,
    dots: &[Dot],
    root: &str,
    highlight: Option<(usize, usize)>,
    small: bool,
) -> String {
    let title = if small {
        "判断基準の位置".to_string()
    } else {
        format!("判断基準: {}×{}", p.conduct.label, p.demand.label)
    };
    let desc = format!(
        "縦軸は{}（下ほど軽く上ほど重い）、横軸は{}（左ほど妥当、右ほど不当）。各マスの色は判定を表す。{}",
        p.conduct.label,
        p.demand.label,
        if small { "" } else { "点は事例。" }
    );
    let verdict_of = |c: usize, d: usize| {
        let v = &p.verdicts[p.grid[c][d]];
        CellPaint {
            fill: v.color.clone(),
            label: v.label.clone(),
            title: format!("{}: {}", p.cell_name(c, d), v.label),
        }
    };
    let layer = GridLayer {
        title,
        desc,
        cell: &verdict_of,
        marks: dots
            .iter()
            .map(|d| Mark {
                conduct: d.conduct,
                demand: d.demand,
                href: format!("{root}{}", urls::case(d.id)),
                title: format!("{}: {}", d.id, d.title),
            })
            .collect(),
        legend: p
            .verdicts
            .iter()
            .map(|v| (v.color.clone(), v.label.clone()))
            .collect(),
        mark_label: "事例",
    };
    draw_grid(p, &layer, highlight, small)
}

// ---- Shared by the manual's grid and the weekly review's heat map (`review::html`). ----

/// How one cell of the grid is painted: its colour, the label written in it, its tooltip.
pub struct CellPaint {
    pub fill: String,
    pub label: String,
    pub title: String,
}

/// A point plotted in a cell, linked to `href`.
pub struct Mark {
    pub conduct: usize,
    pub demand: usize,
    pub href: String,
    pub title: String,
}

/// What the grid shows: the manual shows verdicts and cases, the review agreement and
/// disagreements. The axes, layout and accessibility are the same.
pub struct GridLayer<'a> {
    pub title: String,
    pub desc: String,
    pub cell: &'a dyn Fn(usize, usize) -> CellPaint,
    pub marks: Vec<Mark>,
    /// (colour, label) swatches under the grid.
    pub legend: Vec<(String, String)>,
    /// What a mark stands for, in the legend.
    pub mark_label: &'a str,
}

/// The grid drawn with another layer (full size).
pub fn heat_grid(p: &Policy, layer: &GridLayer) -> String {
    draw_grid(p, layer, None, false)
}

fn draw_grid(
    p: &Policy,
    layer: &GridLayer,
    highlight: Option<(usize, usize)>,
    small: bool,
) -> String {
    let (cw, ch) = if small { (64.0, 40.0) } else { (168.0, 104.0) };
    let left = if small { 78.0 } else { 196.0 };
    let top = if small { 24.0 } else { 58.0 };
    let nc = p.conduct.levels.len();
    let nd = p.demand.levels.len();
    let width = left + cw * nd as f64 + 10.0;
    let legend_h = if small { 0.0 } else { 40.0 };
    let height = top + ch * nc as f64 + 26.0 + legend_h;
    let mut by_cell: BTreeMap<(usize, usize), Vec<&Mark>> = BTreeMap::new();
    for d in &layer.marks {
        by_cell.entry((d.conduct, d.demand)).or_default().push(d);
    }
    let mut s = String::new();
    let (title, desc) = (&layer.title, &layer.desc);
    let _ = write!(
        s,
        "<svg class=\"grid{}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"group\" aria-labelledby=\"grid-title{0} grid-desc{0}\"><title id=\"grid-title{0}\">{}</title><desc id=\"grid-desc{0}\">{}</desc>",
        if small { "-small" } else { "" },
        esc(title),
        esc(desc)
    );
    let fs = if small { 10.0 } else { 13.0 };
    // Demand levels across the top, conduct levels down the side (severe at the top).
    for (d, l) in p.demand.levels.iter().enumerate() {
        let x = left + cw * (d as f64 + 0.5);
        let label = if small {
            l.id.clone()
        } else {
            format!("{} {}", l.id, l.label)
        };
        let lines = wrap(&label, cw - 8.0, fs);
        let n = lines.len().min(2);
        for (i, line) in lines.iter().take(2).enumerate() {
            let _ = write!(
                s,
                "<text x=\"{x}\" y=\"{}\" font-size=\"{fs}\" text-anchor=\"middle\" class=\"axis\">{}</text>",
                top - 8.0 - fs * 1.25 * (n - 1 - i) as f64,
                esc(line)
            );
        }
    }
    for (row, c) in (0..nc).rev().enumerate() {
        let l = &p.conduct.levels[c];
        let y = top + ch * row as f64;
        let label = if small {
            l.id.clone()
        } else {
            format!("{} {}", l.id, l.label)
        };
        let lines = wrap(&label, left - 14.0, fs);
        let lines: Vec<&String> = lines.iter().take(4).collect();
        let y0 = y + ch / 2.0 - (lines.len() as f64 - 1.0) * fs * 0.65;
        for (i, line) in lines.iter().enumerate() {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"{fs}\" text-anchor=\"end\" class=\"axis\">{}</text>",
                left - 8.0,
                y0 + fs * 1.3 * i as f64 + fs * 0.35,
                esc(line)
            );
        }
        for d in 0..nd {
            let v = (layer.cell)(c, d);
            let x = left + cw * d as f64;
            let cell = format!("cell-{}-{}", l.id, p.demand.levels[d].id);
            let on = highlight == Some((c, d));
            let id_attr = if small {
                String::new()
            } else {
                format!(" id=\"{cell}\"")
            };
            let _ = write!(
                s,
                "<g{id_attr} class=\"cell{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{cw}\" height=\"{ch}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"2\"><title>{}</title></rect>",
                if on { " on" } else { "" },
                esc(&v.fill),
                esc(&v.title)
            );
            if on {
                let _ = write!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#1a1a1a\" stroke-width=\"4\"/>",
                    x + 3.0,
                    y + 3.0,
                    cw - 6.0,
                    ch - 6.0
                );
            }
            if !small {
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{}\" class=\"cell-label\">{}</text>",
                    x + 8.0,
                    y + 18.0,
                    ink(&v.fill),
                    esc(&v.label)
                );
                let cases = by_cell.get(&(c, d)).map_or(&[][..], |v| v.as_slice());
                for (i, dot) in cases.iter().take(DOTS_PER_CELL).enumerate() {
                    let (col, r) = ((i % 12) as f64, (i / 12) as f64);
                    let (cx, cy) = (x + 14.0 + col * 12.6, y + 36.0 + r * 15.0);
                    let _ = write!(
                        s,
                        "<a href=\"{}\" class=\"dot\"><circle cx=\"{cx}\" cy=\"{cy}\" r=\"5.5\" fill=\"#ffffff\" stroke=\"#1a1a1a\" stroke-width=\"1.5\"><title>{}</title></circle></a>",
                        esc(&dot.href),
                        esc(&dot.title)
                    );
                }
                if cases.len() > DOTS_PER_CELL {
                    let _ = write!(
                        s,
                        "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{}\">+{}</text>",
                        x + cw - 34.0,
                        y + ch - 8.0,
                        ink(&v.fill),
                        cases.len() - DOTS_PER_CELL
                    );
                }
            }
            s.push_str("</g>");
        }
    }
    if !small {
        let ly = top + ch * nc as f64 + 20.0;
        let mut lx = left;
        for (color, label) in &layer.legend {
            let _ = write!(
                s,
                "<rect x=\"{lx}\" y=\"{ly}\" width=\"16\" height=\"16\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"13\" class=\"axis\">{}</text>",
                esc(color),
                lx + 22.0,
                ly + 13.0,
                esc(label)
            );
            lx += 44.0 + text_width(label, 13.0);
        }
        let _ = write!(
            s,
            "<circle cx=\"{}\" cy=\"{}\" r=\"5.5\" fill=\"#ffffff\" stroke=\"#1a1a1a\" stroke-width=\"1.5\"/><text x=\"{}\" y=\"{}\" font-size=\"13\" class=\"axis\">{}</text>",
            lx + 8.0,
            ly + 8.0,
            lx + 20.0,
            ly + 13.0,
            esc(layer.mark_label)
        );
    }
    s.push_str("</svg>");
    s
}

/// The column a flow diagram is drawn for: a phone's width (400 px less the page's padding).
pub const COLUMN: f64 = 368.0;
const TITLE_FS: f64 = 13.0;
const META_FS: f64 = 11.0;
const LABEL_FS: f64 = 11.0;
/// Boxes side by side at most; more move down a rank.
const MAX_PER_RANK: usize = 2;
const MIN_BOX: f64 = 110.0;
const MAX_BOX: f64 = 176.0;
const MIN_LABEL: f64 = 60.0;
const MAX_LABEL: f64 = 150.0;
const LOOP_LABEL_W: f64 = 64.0;
/// As in `layout`: a lane's width and the gap between neighbours.
const LANE: f64 = 8.0;
const GAP: f64 = 12.0;

/// A flow laid out once; drawn for the flow's page and for each case's route.
pub struct FlowDiagram {
    pub layout: Layout,
    /// The path data of each edge, written once.
    paths: Vec<String>,
    /// Per step: title lines, meta lines.
    boxes: Vec<(Vec<String>, Vec<String>)>,
    /// Per edge (step, branch) in `edges` order: label lines and full text.
    labels: Vec<(Vec<String>, String)>,
    /// (step, branch) of each edge.
    edges: Vec<(usize, usize)>,
}

/// Lay out a flow for a column of [`COLUMN`] pixels: boxes and labels get narrower when many
/// share a rank (down to a legible minimum; past that the drawing is scaled to the column).
pub fn flow_diagram(p: &Policy, f: &Flow) -> FlowDiagram {
    let mut edges = Vec::new();
    for (si, s) in f.steps.iter().enumerate() {
        for bi in 0..s.next.len() {
            edges.push((si, bi));
        }
    }
    let spec = |w: f64, h: f64, from: usize, to: usize| EdgeSpec {
        from,
        to,
        label_w: w,
        label_h: h,
    };
    let plain: Vec<EdgeSpec> = edges
        .iter()
        .map(|&(si, bi)| spec(0.0, 0.0, si, f.steps[si].next[bi].to))
        .collect();
    // At most two boxes side by side (more go down a rank), then boxes and labels as wide as
    // the fullest rank allows.
    let room = COLUMN - 2.0 * layout::MARGIN - 4.0;
    let loads = layout::loads(f.steps.len(), &plain, f.start, MAX_PER_RANK);
    let loops = f
        .steps
        .iter()
        .enumerate()
        .filter(|(si, s)| s.next.iter().any(|b| b.to == *si))
        .count()
        .min(MAX_PER_RANK) as f64;
    let fit = |load: &layout::Load, extra: f64| -> f64 {
        let n = load.items.max(1) as f64;
        (room - extra - load.lanes as f64 * (LANE + GAP) - GAP * (n - 1.0)) / n
    };
    let box_w = loads
        .iter()
        .step_by(2)
        .map(|l| fit(l, loops * (layout::LOOP_W + LOOP_LABEL_W + 4.0)))
        .fold(MAX_BOX, f64::min)
        .max(MIN_BOX);
    let label_w = loads
        .iter()
        .skip(1)
        .step_by(2)
        .map(|l| fit(l, 0.0))
        .fold(MAX_LABEL, f64::min)
        .max(MIN_LABEL);

    let boxes: Vec<(Vec<String>, Vec<String>)> = f
        .steps
        .iter()
        .map(|s| {
            let role = &p.roles[s.role];
            let mut meta = vec![format!("{}（{}）", role.label, words::org(role.org))];
            let mut times = Vec::new();
            if let Some(l) = s.limit {
                times.push(format!("目安 {}", format_duration_ja(l)));
            }
            if let Some(h) = s.hold {
                times.push(format!("保留 {}まで", format_duration_ja(h)));
            }
            if let Some(r) = s.repeat {
                times.push(format!("最大{r}回"));
            }
            if !times.is_empty() {
                meta.push(times.join("・"));
            }
            let meta = meta
                .iter()
                .flat_map(|m| breaks::wrap(m, box_w - 10.0, META_FS))
                .collect();
            (breaks::wrap(&s.title, box_w - 12.0, TITLE_FS), meta)
        })
        .collect();
    let labels: Vec<(Vec<String>, String)> = edges
        .iter()
        .map(|&(si, bi)| {
            let b = &f.steps[si].next[bi];
            let mut text = expand(p, &words::branch(p, f, si, bi));
            if b.to == si {
                text = format!("くり返す: {text}");
            }
            let width = if b.to == si { LOOP_LABEL_W } else { label_w };
            (breaks::wrap(&text, width - 8.0, LABEL_FS), text)
        })
        .collect();
    let node_specs: Vec<NodeSpec> = boxes
        .iter()
        .map(|(t, m)| NodeSpec {
            w: box_w,
            h: box_height(t.len(), m.len()),
        })
        .collect();
    let edge_specs: Vec<EdgeSpec> = edges
        .iter()
        .zip(&labels)
        .map(|(&(si, bi), (lines, _))| {
            let w = lines
                .iter()
                .map(|l| breaks::text_width(l, LABEL_FS))
                .fold(0.0, f64::max)
                + 8.0;
            spec(
                w,
                lines.len() as f64 * (LABEL_FS + 3.0) + 5.0,
                si,
                f.steps[si].next[bi].to,
            )
        })
        .collect();
    let layout = layout::layout(&node_specs, &edge_specs, f.start, MAX_PER_RANK, COLUMN);
    FlowDiagram {
        paths: layout
            .edges
            .iter()
            .map(|g| g.as_ref().map(|g| g.path()).unwrap_or_default())
            .collect(),
        layout,
        boxes,
        labels,
        edges,
    }
}

fn box_height(title: usize, meta: usize) -> f64 {
    10.0 + title as f64 * (TITLE_FS + 4.0) + meta as f64 * (META_FS + 3.0) + 4.0
}

fn n(v: f64) -> String {
    layout::one_decimal(v)
}

impl FlowDiagram {
    /// The SVG. `link` gives each step's URL; `route` highlights a case's route.
    pub fn svg(
        &self,
        p: &Policy,
        f: &Flow,
        link: &dyn Fn(&str) -> String,
        route: Option<&[usize]>,
    ) -> String {
        let lay = &self.layout;
        let on_route: BTreeSet<usize> = route
            .map(|r| r.iter().copied().collect())
            .unwrap_or_default();
        let route_edges: BTreeSet<(usize, usize)> = route
            .map(|r| r.windows(2).map(|w| (w[0], w[1])).collect())
            .unwrap_or_default();
        let fid = esc(&f.id);
        let (w, h) = (lay.width.ceil(), lay.height.ceil());
        let mut s = String::new();
        let _ = write!(
            s,
            "<svg class=\"flow\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"group\" aria-labelledby=\"flow-title-{fid} flow-desc-{fid}\"><title id=\"flow-title-{fid}\">{}</title><desc id=\"flow-desc-{fid}\">{}</desc>",
            esc(&f.title),
            esc(&format!(
                "{}から始まる{}ステップのフロー図。各ステップに担当と時間の目安、矢印の上に分岐の意味を記す。破線の矢印は前のステップへ戻る分岐とくり返し。",
                f.steps[f.start].title,
                f.steps.len()
            ))
        );
        let _ = write!(
            s,
            "<defs>{}{}{}</defs>",
            marker(&format!("arrow-{fid}"), "#444444"),
            marker(&format!("arrow-on-{fid}"), "#b34700"),
            marker(&format!("arrow-back-{fid}"), "#6a1b9a")
        );
        // Edges under the boxes, labels over the edges.
        let mut labels = String::new();
        for (k, &(si, bi)) in self.edges.iter().enumerate() {
            let Some(g) = lay.edges.get(k).and_then(|g| g.as_ref()) else {
                continue;
            };
            let to = f.steps[si].next[bi].to;
            let on = route_edges.contains(&(si, to));
            let back = g.back || g.self_loop;
            let (stroke, mark, width, dash) = if on {
                ("#b34700", format!("arrow-on-{fid}"), 3.0, "")
            } else if back {
                (
                    "#6a1b9a",
                    format!("arrow-back-{fid}"),
                    1.6,
                    " stroke-dasharray=\"5 3\"",
                )
            } else {
                ("#444444", format!("arrow-{fid}"), 1.4, "")
            };
            let (lines, text) = &self.labels[k];
            let _ = write!(
                s,
                "<path d=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#{mark})\" class=\"edge{}{}\"><title>{} → {}: {}</title></path>",
                self.paths[k],
                if on { " on" } else { "" },
                if back { " back" } else { "" },
                esc(&f.steps[si].title),
                esc(&f.steps[to].title),
                esc(text)
            );
            let r = g.label;
            let _ = write!(
                labels,
                "<g class=\"edge-label{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
                if back { " back" } else { "" },
                n(r.x),
                n(r.y),
                n(r.w),
                n(r.h),
                if on { 1.6 } else { 0.8 }
            );
            for (i, line) in lines.iter().enumerate() {
                let _ = write!(
                    labels,
                    "<text x=\"{}\" y=\"{}\" font-size=\"{LABEL_FS}\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>",
                    n(r.x + r.w / 2.0),
                    n(r.y + 3.0 + LABEL_FS + i as f64 * (LABEL_FS + 3.0) - 1.0),
                    esc(line)
                );
            }
            labels.push_str("</g>");
        }
        for (si, step) in f.steps.iter().enumerate() {
            let Some(r) = lay.nodes.get(si).copied().flatten() else {
                continue;
            };
            let role = &p.roles[step.role];
            let fill = match role.org {
                Org::Vendor => "#e8f1fb",
                Org::Inhouse => "#e7f5e9",
                Org::External => "#f3e9f7",
            };
            let on = on_route.contains(&si);
            let stroke = if on { "#b34700" } else { "#37474f" };
            let sw = if on {
                3.5
            } else if step.end.is_some() {
                2.4
            } else {
                1.2
            };
            let rx = if step.end.is_some() { 14.0 } else { 4.0 };
            let _ = write!(
                s,
                "<a href=\"{}\" class=\"step{}\"><g id=\"node-{fid}-{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{rx}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"><title>{}（{}）</title></rect>",
                esc(&link(&step.id)),
                if on { " on" } else { "" },
                esc(&step.id),
                n(r.x),
                n(r.y),
                n(r.w),
                n(r.h),
                esc(&step.title),
                esc(&role.label)
            );
            let (title, meta) = &self.boxes[si];
            let cx = n(r.x + r.w / 2.0);
            let mut ty = r.y + 6.0 + TITLE_FS;
            for line in title {
                let _ = write!(
                    s,
                    "<text x=\"{cx}\" y=\"{}\" font-size=\"{TITLE_FS}\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>",
                    n(ty),
                    esc(line)
                );
                ty += TITLE_FS + 4.0;
            }
            ty += 1.0;
            for line in meta {
                let _ = write!(
                    s,
                    "<text x=\"{cx}\" y=\"{}\" font-size=\"{META_FS}\" text-anchor=\"middle\" fill=\"#37474f\">{}</text>",
                    n(ty),
                    esc(line)
                );
                ty += META_FS + 3.0;
            }
            s.push_str("</g></a>");
        }
        s.push_str(&labels);
        s.push_str("</svg>");
        s
    }
}

fn marker(id: &str, color: &str) -> String {
    format!(
        "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{color}\"/></marker>"
    )
}

/// A flow as a diagram (laid out for this call only; pages drawing a flow often keep a
/// [`FlowDiagram`]).
pub fn flow(
    p: &Policy,
    f: &Flow,
    link: &dyn Fn(&str) -> String,
    route: Option<&[usize]>,
) -> String {
    flow_diagram(p, f).svg(p, f, link, route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_picks_readable_ink() {
        assert_eq!(ink("#c62828"), "#ffffff");
        assert_eq!(ink("#f9a825"), "#1a1a1a");
        assert_eq!(ink("#2e7d32"), "#ffffff");
    }
}

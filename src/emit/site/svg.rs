//! Diagrams drawn server-side as inline SVG: the judgment grid as a heat map with every case as
//! a dot, and flows laid out in layers. No JavaScript, readable Japanese labels, a `<title>` and
//! `<desc>` on each diagram, and a `<title>` on every shape.

use super::words;
use crate::emit::text::expand;
use crate::emit::urls;
use crate::model::Org;
use crate::policy::{Flow, Policy, format_duration_ja};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Width of a text in pixels at a font size: full-width characters count as one em.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.58 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// Break a text into lines of at most `width` pixels (Japanese may break anywhere).
fn wrap(s: &str, width: f64, size: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in s.chars() {
        if c == '\n' {
            lines.push(std::mem::take(&mut line));
            continue;
        }
        line.push(c);
        if text_width(&line, size) > width {
            let last = line.pop().expect("a char");
            // Keep closing punctuation on the line it closes (禁則).
            if "、。）」』・".contains(last) {
                line.push(last);
                lines.push(std::mem::take(&mut line));
            } else {
                lines.push(std::mem::replace(&mut line, last.to_string()));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
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

/// Layout of a flow: a layer (rank) and an order within it for every reachable step.
struct Layout {
    /// (layer, order) of every node: steps first, then virtual nodes.
    pos: Vec<Option<(usize, usize)>>,
    ranks: Vec<Vec<usize>>,
    back: BTreeSet<(usize, usize)>,
    /// The virtual nodes of each long edge (step, branch), top to bottom.
    chains: BTreeMap<(usize, usize), Vec<usize>>,
    /// Number of steps: node ids below it are steps.
    steps: usize,
}

fn layout(flow: &Flow) -> Layout {
    let n = flow.steps.len();
    // Back edges: those closing a cycle in a depth-first walk from the start.
    let mut back = BTreeSet::new();
    let mut state = vec![0u8; n];
    let mut stack = vec![(flow.start, 0usize)];
    state[flow.start] = 1;
    while let Some((s, i)) = stack.pop() {
        if let Some(b) = flow.steps[s].next.get(i) {
            stack.push((s, i + 1));
            match state[b.to] {
                0 => {
                    state[b.to] = 1;
                    stack.push((b.to, 0));
                }
                1 => {
                    back.insert((s, b.to));
                }
                _ => {}
            }
        } else {
            state[s] = 2;
        }
    }
    // Longest path from the start over forward edges gives the layer.
    let mut rank: Vec<Option<usize>> = vec![None; n];
    rank[flow.start] = Some(0);
    for _ in 0..n {
        let mut changed = false;
        for s in 0..n {
            let Some(r) = rank[s] else { continue };
            for b in &flow.steps[s].next {
                if back.contains(&(s, b.to)) {
                    continue;
                }
                if rank[b.to].is_none_or(|t| t < r + 1) {
                    rank[b.to] = Some(r + 1);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let depth = rank.iter().flatten().max().map_or(0, |m| m + 1);
    let mut ranks: Vec<Vec<usize>> = vec![Vec::new(); depth];
    // Order within a layer: by first appearance in a breadth-first walk (branch order).
    let mut seen = vec![false; n];
    let mut queue = std::collections::VecDeque::from([flow.start]);
    seen[flow.start] = true;
    while let Some(s) = queue.pop_front() {
        if let Some(r) = rank[s] {
            ranks[r].push(s);
        }
        for b in &flow.steps[s].next {
            if !seen[b.to] {
                seen[b.to] = true;
                queue.push_back(b.to);
            }
        }
    }
    // Edges that skip layers pass through virtual nodes (ids from `n` on), one per layer they
    // cross, so that they run in their own lane instead of through other steps' boxes.
    let mut chains: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut next_id = n;
    for s in 0..n {
        let Some(rs) = rank[s] else { continue };
        for (bi, b) in flow.steps[s].next.iter().enumerate() {
            let Some(rt) = rank[b.to] else { continue };
            if back.contains(&(s, b.to)) || rt <= rs {
                continue;
            }
            let mut prev = s;
            let mut chain = Vec::new();
            for layer in &mut ranks[rs + 1..rt] {
                let v = next_id;
                next_id += 1;
                layer.push(v);
                preds.push(vec![prev]);
                chain.push(v);
                prev = v;
            }
            preds[b.to].push(prev);
            if !chain.is_empty() {
                chains.insert((s, bi), chain);
            }
        }
    }
    let mut pos = vec![None; next_id];
    let place = |ranks: &Vec<Vec<usize>>, pos: &mut Vec<Option<(usize, usize)>>| {
        for (r, layer) in ranks.iter().enumerate() {
            for (i, &s) in layer.iter().enumerate() {
                pos[s] = Some((r, i));
            }
        }
    };
    place(&ranks, &mut pos);
    // Fewer crossings: order each layer by the mean position of its predecessors.
    for _ in 0..3 {
        for r in 1..ranks.len() {
            let mut keyed: Vec<(f64, usize, usize)> = ranks[r]
                .iter()
                .enumerate()
                .map(|(i, &s)| {
                    let ps: Vec<f64> = preds[s]
                        .iter()
                        .filter_map(|&q| {
                            pos[q].map(|(qr, x)| (x as f64 + 0.5) / ranks[qr].len().max(1) as f64)
                        })
                        .collect();
                    let key = if ps.is_empty() {
                        (i as f64 + 0.5) / ranks[r].len() as f64
                    } else {
                        ps.iter().sum::<f64>() / ps.len() as f64
                    };
                    (key, i, s)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            ranks[r] = keyed.into_iter().map(|(_, _, s)| s).collect();
            place(&ranks, &mut pos);
        }
    }
    Layout {
        pos,
        ranks,
        back,
        chains,
        steps: n,
    }
}

/// A flow as a diagram. `link` gives each step's URL; `route` highlights a case's route.
pub fn flow(
    p: &Policy,
    f: &Flow,
    link: &dyn Fn(&str) -> String,
    route: Option<&[usize]>,
) -> String {
    let lay = layout(f);
    const W: f64 = 236.0;
    const GAP_X: f64 = 44.0;
    const GAP_Y: f64 = 64.0;
    const FS: f64 = 13.0;
    const LABEL_W: f64 = 300.0;
    const LABEL_STEP: f64 = 34.0;
    let on_route: BTreeSet<usize> = route
        .map(|r| r.iter().copied().collect())
        .unwrap_or_default();
    let route_edges: BTreeSet<(usize, usize)> = route
        .map(|r| r.windows(2).map(|w| (w[0], w[1])).collect())
        .unwrap_or_default();
    // Box contents and heights.
    let boxes: Vec<(Vec<String>, String, f64)> = f
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
            let title = wrap(&s.title, W - 20.0, FS + 1.0);
            let h = 16.0 + title.len() as f64 * (FS + 5.0) + meta.len() as f64 * (FS + 3.0) + 6.0;
            (title, meta.join("\n"), h)
        })
        .collect();
    const VW: f64 = 20.0;
    let node_w = |node: usize| if node < lay.steps { W } else { VW };
    let row_h: Vec<f64> = lay
        .ranks
        .iter()
        .map(|layer| {
            layer
                .iter()
                .filter(|&&s| s < lay.steps)
                .map(|&s| boxes[s].2)
                .fold(40.0, f64::max)
        })
        .collect();
    let row_w = |layer: &Vec<usize>| -> f64 {
        layer.iter().map(|&s| node_w(s)).sum::<f64>() + GAP_X * (layer.len().max(1) - 1) as f64
    };
    let widest = lay.ranks.iter().map(row_w).fold(W, f64::max);
    let has_back = !lay.back.is_empty();
    let side = if has_back { 60.0 } else { 0.0 };
    let width = widest + 40.0 + side;
    // Each row leaves room below it for the labels of its branches, stacked.
    let label_rows: Vec<f64> = lay
        .ranks
        .iter()
        .map(|layer| {
            layer
                .iter()
                .filter(|&&s| s < lay.steps)
                .map(|&s| f.steps[s].next.len())
                .max()
                .unwrap_or(0) as f64
        })
        .collect();
    let mut ys = Vec::new();
    let mut y = 20.0;
    for (h, labels) in row_h.iter().zip(&label_rows) {
        ys.push(y);
        y += h + GAP_Y + labels * LABEL_STEP;
    }
    let height = y - GAP_Y + 20.0 - label_rows.last().copied().unwrap_or(0.0) * LABEL_STEP;
    // Left edge, top and height of a node's box.
    let center = |node: usize| -> (f64, f64, f64) {
        let (r, i) = lay.pos[node].expect("laid out");
        let layer = &lay.ranks[r];
        let x0 = (width - side - row_w(layer)) / 2.0
            + layer[..i].iter().map(|&s| node_w(s) + GAP_X).sum::<f64>();
        let h = if node < lay.steps {
            boxes[node].2
        } else {
            row_h[r]
        };
        (x0, ys[r], h)
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"flow\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"group\" aria-labelledby=\"flow-title-{0} flow-desc-{0}\"><title id=\"flow-title-{0}\">{1}</title><desc id=\"flow-desc-{0}\">{2}</desc>",
        esc(&f.id),
        esc(&f.title),
        esc(&format!(
            "{}から始まる{}ステップのフロー図。各ステップに担当と時間の目安、矢印に分岐の条件を記す。",
            f.steps[f.start].title,
            f.steps.len()
        ))
    );
    s.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker><marker id=\"arrow-on\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d35400\"/></marker></defs>");
    // Edges first, under the boxes; labels after, over them.
    let mut labels = String::new();
    for (si, step) in f.steps.iter().enumerate() {
        if lay.pos[si].is_none() {
            continue;
        }
        let out_n = step.next.len() as f64;
        for (bi, b) in step.next.iter().enumerate() {
            if lay.pos[b.to].is_none() {
                continue;
            }
            let (sx, sy, sh) = center(si);
            let (tx, ty, _) = center(b.to);
            let on = route_edges.contains(&(si, b.to));
            let (stroke, marker, sw) = if on {
                ("#d35400", "arrow-on", 3.0)
            } else {
                ("#444444", "arrow", 1.4)
            };
            let x1 = sx + W * (bi as f64 + 1.0) / (out_n + 1.0);
            let y1 = sy + sh;
            let label = match &b.when {
                Some(c) => expand(p, &words::condition(p, c)),
                None => "それ以外".to_string(),
            };
            // Labels sit just under the source box, one per branch, in branch order.
            let (lx, ly) = (sx + W / 2.0, y1 + 24.0 + bi as f64 * LABEL_STEP);
            let path = if let Some(chain) = lay.chains.get(&(si, bi)) {
                // Down the lane of its virtual nodes, then into the target.
                let mut pts = vec![(x1, y1)];
                for &v in chain {
                    let (vx, vy, vh) = center(v);
                    pts.push((vx + VW / 2.0, vy - 6.0));
                    pts.push((vx + VW / 2.0, vy + vh + 6.0));
                }
                pts.push((tx + W / 2.0, ty - 2.0));
                let mut d = format!("M{x1},{y1}");
                for w in pts.windows(2) {
                    let ((ax, ay), (bx, by)) = (w[0], w[1]);
                    if (ax - bx).abs() < 0.5 {
                        let _ = write!(d, " L{bx},{by}");
                    } else {
                        let mid = (ay + by) / 2.0;
                        let _ = write!(d, " C{ax},{mid} {bx},{mid} {bx},{by}");
                    }
                }
                d
            } else if b.to == si {
                // A step repeated: a small loop on its right side.
                let (rx, top, bottom) = (sx + W, sy + sh * 0.3, sy + sh * 0.75);
                format!(
                    "M{rx},{bottom} C{},{bottom} {},{top} {},{top}",
                    rx + 34.0,
                    rx + 34.0,
                    rx + 2.0
                )
            } else if lay.back.contains(&(si, b.to)) || ty <= sy {
                let rx = width - 30.0;
                format!(
                    "M{x1},{y1} C{x1},{} {rx},{} {rx},{} S{},{} {},{}",
                    y1 + 30.0,
                    y1 + 30.0,
                    (y1 + ty) / 2.0,
                    tx + W,
                    ty - 20.0,
                    tx + W - 10.0,
                    ty + 8.0
                )
            } else {
                let x2 = tx + W / 2.0;
                let mid = (y1 + ty) / 2.0;
                format!("M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{}", ty - 2.0)
            };
            let _ = write!(
                s,
                "<path d=\"{path}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{sw}\" marker-end=\"url(#{marker})\" class=\"edge{}\"><title>{} → {}: {}</title></path>",
                if on { " on" } else { "" },
                esc(&step.title),
                esc(&f.steps[b.to].title),
                esc(&label)
            );
            // The label, numbered like the arrow it belongs to, in at most two lines.
            let numbered = format!("{}. {label}", bi + 1);
            let mut lines = wrap(&numbered, LABEL_W, 11.0);
            if lines.len() > 2 {
                lines.truncate(2);
                lines[1].push('…');
            }
            let lw = lines
                .iter()
                .map(|l| text_width(l, 11.0))
                .fold(0.0, f64::max)
                + 8.0;
            let lh = 15.0 * lines.len() as f64 + 3.0;
            let _ = write!(
                labels,
                "<g class=\"edge-label\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{lw}\" height=\"{lh}\" rx=\"3\" fill=\"#ffffff\" stroke=\"{stroke}\" stroke-width=\"0.6\"/>",
                esc(&label),
                lx - lw / 2.0,
                ly - 12.0,
            );
            for (k, line) in lines.iter().enumerate() {
                let _ = write!(
                    labels,
                    "<text x=\"{lx}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>",
                    ly + 1.0 + 15.0 * k as f64,
                    esc(line)
                );
            }
            labels.push_str("</g>");
            // The arrow's number where it leaves its step.
            let _ = write!(
                labels,
                "<text x=\"{}\" y=\"{}\" font-size=\"10\" font-weight=\"bold\" fill=\"{stroke}\">{}</text>",
                x1 + 3.0,
                y1 + 10.0,
                bi + 1
            );
        }
    }
    for (si, step) in f.steps.iter().enumerate() {
        if lay.pos[si].is_none() {
            continue;
        }
        let (x, y, h) = center(si);
        let role = &p.roles[step.role];
        let fill = match role.org {
            Org::Vendor => "#e8f1fb",
            Org::Inhouse => "#e7f5e9",
            Org::External => "#f3e9f7",
        };
        let on = on_route.contains(&si);
        let stroke = if on { "#d35400" } else { "#37474f" };
        let sw = if on {
            3.5
        } else if step.end.is_some() {
            2.4
        } else {
            1.2
        };
        let rx = if step.end.is_some() { 18.0 } else { 4.0 };
        let _ = write!(
            s,
            "<a href=\"{}\" class=\"step{}\"><g id=\"node-{}-{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{h}\" rx=\"{rx}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"><title>{}（{}）</title></rect>",
            esc(&link(&step.id)),
            if on { " on" } else { "" },
            esc(&f.id),
            esc(&step.id),
            esc(&step.title),
            esc(&role.label)
        );
        let (title, meta, _) = &boxes[si];
        let mut ty = y + 20.0;
        for line in title {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{ty}\" font-size=\"{}\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>",
                x + W / 2.0,
                FS + 1.0,
                esc(line)
            );
            ty += FS + 5.0;
        }
        for line in meta.lines() {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{ty}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"#37474f\">{}</text>",
                x + W / 2.0,
                FS - 1.0,
                esc(line)
            );
            ty += FS + 3.0;
        }
        s.push_str("</g></a>");
    }
    s.push_str(&labels);
    s.push_str("</svg>");
    s
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

    #[test]
    fn wrapping_keeps_punctuation_on_its_line() {
        let lines = wrap("あいうえお、かきくけこ", 5.0 * 13.0, 13.0);
        assert_eq!(lines[0], "あいうえお、");
    }
}

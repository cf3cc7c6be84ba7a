//! Flow diagrams: a flow's steps as boxes (role and time limits under the title) and its
//! branches as arrows with their conditions in words, laid out once by `layout` for a phone's
//! column and drawn for the flow's page and for each case's route.

use super::super::breaks::{text_width, wrap};
use super::super::layout::{self, EdgeSpec, Layout, NodeSpec, Seg};
use super::super::words;
use super::text::{Font, Heading, esc, n};
use crate::emit::text::expand;
use crate::model::Org;
use crate::policy::{Flow, Policy, Step, format_duration_ja};
use std::collections::BTreeSet;
use std::fmt::Write;

/// The column a flow diagram is drawn for: a phone's width (400 px less the page's padding).
pub const COLUMN: f64 = 368.0;
const TITLE_FS: f64 = 13.0;
const META_FS: f64 = 11.0;
const LABEL_FS: f64 = 11.0;
/// Line heights in boxes and labels.
const TITLE_LINE: f64 = TITLE_FS + 4.0;
const META_LINE: f64 = META_FS + 3.0;
const LABEL_LINE: f64 = LABEL_FS + 3.0;
/// Boxes side by side at most; more move down a rank.
const MAX_PER_RANK: usize = 2;
const MIN_BOX: f64 = 110.0;
const MAX_BOX: f64 = 176.0;
const MIN_LABEL: f64 = 60.0;
const MAX_LABEL: f64 = 150.0;
const LOOP_LABEL_W: f64 = 64.0;

const TITLE_FONT: Font = Font::new(TITLE_FS).bold().anchor("middle").fill("#1a1a1a");
const META_FONT: Font = Font::new(META_FS).anchor("middle").fill("#37474f");
const LABEL_FONT: Font = Font::new(LABEL_FS).anchor("middle").fill("#1a1a1a");

/// A flow laid out once; drawn for the flow's page and for each case's route.
pub struct FlowDiagram {
    /// The geometry: a box per step, a path and a label box per branch (in `edges` order).
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
    let (box_w, label_w) = widths(f, &edges);
    let boxes: Vec<(Vec<String>, Vec<String>)> = f
        .steps
        .iter()
        .map(|s| {
            let meta = box_meta(p, s)
                .iter()
                .flat_map(|m| wrap(m, box_w - 10.0, META_FS))
                .collect();
            (wrap(&s.title, box_w - 12.0, TITLE_FS), meta)
        })
        .collect();
    let labels: Vec<(Vec<String>, String)> = edges
        .iter()
        .map(|&(si, bi)| {
            let mut text = expand(p, &words::branch(p, f, si, bi));
            let repeats = f.steps[si].next[bi].to == si;
            if repeats {
                text = format!("くり返す: {text}");
            }
            let width = if repeats { LOOP_LABEL_W } else { label_w };
            (wrap(&text, width - 8.0, LABEL_FS), text)
        })
        .collect();
    let node_specs: Vec<NodeSpec> = boxes
        .iter()
        .map(|(t, m)| NodeSpec {
            w: box_w,
            h: 10.0 + t.len() as f64 * TITLE_LINE + m.len() as f64 * META_LINE + 4.0,
        })
        .collect();
    let edge_specs: Vec<EdgeSpec> = edges
        .iter()
        .zip(&labels)
        .map(|(&(si, bi), (lines, _))| EdgeSpec {
            from: si,
            to: f.steps[si].next[bi].to,
            label_w: lines
                .iter()
                .map(|l| text_width(l, LABEL_FS))
                .fold(0.0, f64::max)
                + 8.0,
            label_h: lines.len() as f64 * LABEL_LINE + 5.0,
        })
        .collect();
    let layout = layout::layout(&node_specs, &edge_specs, f.start, MAX_PER_RANK, COLUMN);
    FlowDiagram {
        paths: layout
            .edges
            .iter()
            .map(|g| {
                g.as_ref()
                    .map(|g| path(g.start, &g.segs))
                    .unwrap_or_default()
            })
            .collect(),
        layout,
        boxes,
        labels,
        edges,
    }
}

/// The widths of boxes and of labels: at most two boxes side by side (more go down a rank),
/// then boxes and labels as wide as the fullest rank allows in the column.
fn widths(f: &Flow, edges: &[(usize, usize)]) -> (f64, f64) {
    let plain: Vec<EdgeSpec> = edges
        .iter()
        .map(|&(si, bi)| EdgeSpec {
            from: si,
            to: f.steps[si].next[bi].to,
            label_w: 0.0,
            label_h: 0.0,
        })
        .collect();
    let room = COLUMN - 2.0 * layout::MARGIN - 4.0;
    let loads = layout::loads(f.steps.len(), &plain, f.start, MAX_PER_RANK);
    let loops = f
        .steps
        .iter()
        .enumerate()
        .filter(|(si, s)| s.next.iter().any(|b| b.to == *si))
        .count()
        .min(MAX_PER_RANK) as f64;
    let box_w = loads
        .iter()
        .step_by(2)
        .map(|l| l.share(room, loops * (layout::LOOP_W + LOOP_LABEL_W + 4.0)))
        .fold(MAX_BOX, f64::min)
        .max(MIN_BOX);
    let label_w = loads
        .iter()
        .skip(1)
        .step_by(2)
        .map(|l| l.share(room, 0.0))
        .fold(MAX_LABEL, f64::min)
        .max(MIN_LABEL);
    (box_w, label_w)
}

/// What a step's box says under its title: the role and its side (in-house, vendor,
/// external), then the time limit, hold and repetitions.
fn box_meta(p: &Policy, s: &Step) -> Vec<String> {
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
    meta
}

/// The SVG path data of a path starting at `start`.
fn path(start: (f64, f64), segs: &[Seg]) -> String {
    let mut d = format!("M{},{}", n(start.0), n(start.1));
    let mut at = start;
    for s in segs {
        let (x, y) = s.end();
        let _ = match s.controls(at) {
            None => write!(d, " L{},{}", n(x), n(y)),
            Some((p1, p2)) => write!(
                d,
                " C{},{} {},{} {},{}",
                n(p1.0),
                n(p1.1),
                n(p2.0),
                n(p2.1),
                n(x),
                n(y)
            ),
        };
        at = (x, y);
    }
    d
}

/// How an edge is stroked, and the arrow head (`<marker>`) it ends with.
struct EdgeStyle {
    /// The marker's id, before `-{flow id}`.
    marker: &'static str,
    stroke: &'static str,
    width: f64,
    /// Further attributes (a dash pattern).
    dash: &'static str,
}

/// An edge off the route.
const PLAIN: EdgeStyle = EdgeStyle {
    marker: "arrow",
    stroke: "#444444",
    width: 1.4,
    dash: "",
};
/// An edge on the route drawn.
const ON_ROUTE: EdgeStyle = EdgeStyle {
    marker: "arrow-on",
    stroke: "#b34700",
    width: 3.0,
    dash: "",
};
/// A branch back to an earlier step, or a repetition: dashed.
const BACK: EdgeStyle = EdgeStyle {
    marker: "arrow-back",
    stroke: "#6a1b9a",
    width: 1.6,
    dash: " stroke-dasharray=\"5 3\"",
};

/// One drawing of a flow: with or without a route.
struct Drawing<'a> {
    p: &'a Policy,
    f: &'a Flow,
    link: &'a dyn Fn(&str) -> String,
    /// The flow's id, escaped: ids in the drawing end with it, so several flows share a page.
    fid: String,
    /// Steps on the route.
    on_route: BTreeSet<usize>,
    /// (from, to) steps of the route's moves.
    route_edges: BTreeSet<(usize, usize)>,
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
        let d = Drawing {
            p,
            f,
            link,
            fid: esc(&f.id),
            on_route: route
                .map(|r| r.iter().copied().collect())
                .unwrap_or_default(),
            route_edges: route
                .map(|r| r.windows(2).map(|w| (w[0], w[1])).collect())
                .unwrap_or_default(),
        };
        let fid = &d.fid;
        let mut s = String::new();
        let desc = match f.steps.get(f.start) {
            Some(first) => format!(
                "{}から始まる{}ステップのフロー図。各ステップに担当と時間の目安、矢印の上に分岐の意味を記す。破線の矢印は前のステップへ戻る分岐とくり返し。",
                first.title,
                f.steps.len()
            ),
            None => String::new(),
        };
        Heading {
            class: "flow",
            w: self.layout.width.ceil(),
            h: self.layout.height.ceil(),
            title_id: &format!("flow-title-{fid}"),
            desc_id: &format!("flow-desc-{fid}"),
            title: &f.title,
            desc: &desc,
        }
        .write(&mut s);
        s.push_str("<defs>");
        for style in [&PLAIN, &ON_ROUTE, &BACK] {
            let _ = write!(
                s,
                "<marker id=\"{}-{fid}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker>",
                style.marker, style.stroke
            );
        }
        s.push_str("</defs>");
        // Edges under the boxes, labels over the edges.
        let mut labels = String::new();
        for k in 0..self.edges.len() {
            self.edge(&d, k, &mut s, &mut labels);
        }
        for si in 0..f.steps.len() {
            self.step(&d, si, &mut s);
        }
        s.push_str(&labels);
        s.push_str("</svg>");
        s
    }

    /// Edge `k`: its path into `s`, its label into `labels`.
    fn edge(&self, d: &Drawing, k: usize, s: &mut String, labels: &mut String) {
        let (Some(&(si, bi)), Some(Some(g)), Some((lines, text))) = (
            self.edges.get(k),
            self.layout.edges.get(k),
            self.labels.get(k),
        ) else {
            return;
        };
        let (f, fid) = (d.f, &d.fid);
        let to = f.steps[si].next[bi].to;
        let on = d.route_edges.contains(&(si, to));
        let back = g.back || g.self_loop;
        let style = if on {
            &ON_ROUTE
        } else if back {
            &BACK
        } else {
            &PLAIN
        };
        let _ = write!(
            s,
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{} marker-end=\"url(#{}-{fid})\" class=\"edge{}{}\"><title>{} → {}: {}</title></path>",
            self.paths[k],
            style.stroke,
            style.width,
            style.dash,
            style.marker,
            if on { " on" } else { "" },
            if back { " back" } else { "" },
            esc(&f.steps[si].title),
            esc(&f.steps[to].title),
            esc(text)
        );
        let r = g.label;
        let _ = write!(
            labels,
            "<g class=\"edge-label{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" stroke=\"{}\" stroke-width=\"{}\"/>",
            if back { " back" } else { "" },
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            style.stroke,
            if on { 1.6 } else { 0.8 }
        );
        for (i, line) in lines.iter().enumerate() {
            let y = r.y + 3.0 + LABEL_FS + i as f64 * LABEL_LINE - 1.0;
            LABEL_FONT.write(labels, n(r.x + r.w / 2.0), n(y), line);
        }
        labels.push_str("</g>");
    }

    /// Step `si`'s box: linked to the step, coloured by the side of its role, outlined on the
    /// route and thicker at an end.
    fn step(&self, d: &Drawing, si: usize, s: &mut String) {
        let (Some(step), Some(Some(r)), Some((title, meta))) = (
            d.f.steps.get(si),
            self.layout.nodes.get(si),
            self.boxes.get(si),
        ) else {
            return;
        };
        let role = &d.p.roles[step.role];
        let fill = match role.org {
            Org::Vendor => "#e8f1fb",
            Org::Inhouse => "#e7f5e9",
            Org::External => "#f3e9f7",
        };
        let on = d.on_route.contains(&si);
        let stroke = if on { ON_ROUTE.stroke } else { "#37474f" };
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
            "<a href=\"{}\" class=\"step{}\"><g id=\"node-{}-{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{rx}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"><title>{}（{}）</title></rect>",
            esc(&(d.link)(&step.id)),
            if on { " on" } else { "" },
            d.fid,
            esc(&step.id),
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            esc(&step.title),
            esc(&role.label)
        );
        let cx = n(r.x + r.w / 2.0);
        let mut ty = r.y + 6.0 + TITLE_FS;
        for line in title {
            TITLE_FONT.write(s, &cx, n(ty), line);
            ty += TITLE_LINE;
        }
        ty += 1.0;
        for line in meta {
            META_FONT.write(s, &cx, n(ty), line);
            ty += META_LINE;
        }
        s.push_str("</g></a>");
    }
}

//! Layered layout of a directed graph (Sugiyama's method, as Graphviz `dot` does it), for the flow
//! diagrams: pure geometry, no SVG and no policy.
//!
//! 1. Back edges (closing a cycle in a depth-first walk from the start) are reversed; self loops
//!    are set aside and drawn beside their node.
//! 2. Ranks: the longest path from the start. Each edge gets a *label node* on the rank just
//!    below its upper end (ranks are doubled, as `dot` does for labels) and a thin *lane node* on
//!    every further rank it crosses, so labels and long edges take room like boxes do and nothing
//!    is drawn over them.
//! 3. Order within ranks: weighted-median sweeps down and up with transposition of neighbours,
//!    keeping the order with the fewest crossings (Gansner et al. 1993).
//! 4. Positions: per rank, the positions closest (least squares, weighted as `dot` weights
//!    real/lane edges 1/2/8) to the neighbours' positions that keep the order and the gaps
//!    (isotonic regression by pooling adjacent violators), swept down and up.
//! 5. Edges: vertical inside a rank's band (within their own node's width, where nothing else
//!    is), curved only in the gaps between ranks; ports spread along the box in the order of the
//!    other ends, so edges of one node never cross each other.

/// A rectangle: left, top, width, height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    /// Do two rectangles share interior points?
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.right() - 0.01
            && o.x < self.right() - 0.01
            && self.y < o.bottom() - 0.01
            && o.y < self.bottom() - 0.01
    }
    /// Is the point strictly inside (by more than `margin`)?
    pub fn contains(&self, (px, py): (f64, f64), margin: f64) -> bool {
        px > self.x + margin
            && px < self.right() - margin
            && py > self.y + margin
            && py < self.bottom() - margin
    }
}

/// A node: the size of its box.
#[derive(Clone, Copy, Debug)]
pub struct NodeSpec {
    pub w: f64,
    pub h: f64,
}

/// An edge with the size of its label.
#[derive(Clone, Copy, Debug)]
pub struct EdgeSpec {
    pub from: usize,
    pub to: usize,
    pub label_w: f64,
    pub label_h: f64,
}

/// One piece of an edge's path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seg {
    /// A straight line to the point.
    Line(f64, f64),
    /// A cubic Bézier curve with vertical tangents to the point.
    Curve(f64, f64),
    /// A loop out to the right of a box and back: towards (cx, cy), ending at (x, y).
    Loop(f64, f64, f64, f64),
}

/// Where an edge runs.
#[derive(Clone, Debug)]
pub struct EdgeGeom {
    pub start: (f64, f64),
    pub segs: Vec<Seg>,
    pub label: Rect,
    /// Drawn against the flow of ranks (a branch back to an earlier step).
    pub back: bool,
    pub self_loop: bool,
}

impl EdgeGeom {
    /// Points along the path (curves sampled), for drawing checks.
    pub fn sample(&self, per_curve: usize) -> Vec<(f64, f64)> {
        let mut out = vec![self.start];
        let mut at = self.start;
        for s in &self.segs {
            match *s {
                Seg::Line(x, y) => {
                    for i in 1..=per_curve {
                        let t = i as f64 / per_curve as f64;
                        out.push((at.0 + (x - at.0) * t, at.1 + (y - at.1) * t));
                    }
                    at = (x, y);
                }
                Seg::Curve(x, y) => {
                    let mid = (at.1 + y) / 2.0;
                    let (p0, p1, p2, p3) = (at, (at.0, mid), (x, mid), (x, y));
                    for i in 1..=per_curve {
                        out.push(bezier(p0, p1, p2, p3, i as f64 / per_curve as f64));
                    }
                    at = (x, y);
                }
                Seg::Loop(cx, cy, x, y) => {
                    let (p0, p1, p2, p3) = (at, (cx, cy), (cx, cy), (x, y));
                    for i in 1..=per_curve {
                        out.push(bezier(p0, p1, p2, p3, i as f64 / per_curve as f64));
                    }
                    at = (x, y);
                }
            }
        }
        out
    }

    /// The SVG path data.
    pub fn path(&self) -> String {
        let f = one_decimal;
        let mut d = format!("M{},{}", f(self.start.0), f(self.start.1));
        let mut at = self.start;
        for s in &self.segs {
            match *s {
                Seg::Line(x, y) => d.push_str(&format!(" L{},{}", f(x), f(y))),
                Seg::Curve(x, y) => {
                    let mid = (at.1 + y) / 2.0;
                    d.push_str(&format!(
                        " C{},{} {},{} {},{}",
                        f(at.0),
                        f(mid),
                        f(x),
                        f(mid),
                        f(x),
                        f(y)
                    ));
                }
                Seg::Loop(cx, cy, x, y) => d.push_str(&format!(
                    " C{},{} {},{} {},{}",
                    f(cx),
                    f(cy),
                    f(cx),
                    f(cy),
                    f(x),
                    f(y)
                )),
            }
            at = match *s {
                Seg::Line(x, y) | Seg::Curve(x, y) | Seg::Loop(_, _, x, y) => (x, y),
            };
        }
        d
    }
}

/// A coordinate with one decimal (`12.3`, `-0.5`), written without float formatting (which is
/// slow): diagrams are drawn once per page.
pub fn one_decimal(v: f64) -> String {
    let t = (v * 10.0).round() as i64;
    let (sign, t) = if t < 0 { ("-", -t) } else { ("", t) };
    format!("{sign}{}.{}", t / 10, t % 10)
}

fn bezier(p0: (f64, f64), p1: (f64, f64), p2: (f64, f64), p3: (f64, f64), t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * p0.0 + b * p1.0 + c * p2.0 + d * p3.0,
        a * p0.1 + b * p1.1 + c * p2.1 + d * p3.1,
    )
}

/// Spacing.
pub const MARGIN: f64 = 6.0;
/// Horizontal gap between neighbours in a rank.
const GAP: f64 = 12.0;
/// Width of a lane (an edge passing a rank).
const LANE: f64 = 8.0;
/// Vertical gap between ranks, where edges curve.
const RANK_GAP: f64 = 18.0;
/// Pull of every item towards the middle, against its neighbours' weights (1 to 8).
const PULL: f64 = 0.3;
/// Room to the right of a box for its self loop, before the loop's label.
pub const LOOP_W: f64 = 26.0;

/// The laid-out graph.
#[derive(Clone, Debug)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// The box of every node reachable from the start.
    pub nodes: Vec<Option<Rect>>,
    /// The path of every edge between reachable nodes.
    pub edges: Vec<Option<EdgeGeom>>,
    /// Crossings of edges between adjacent ranks, in the final order.
    pub crossings: usize,
    /// Crossings in the first order (depth-first, branch order), before reduction: the
    /// baseline the reduction is measured against.
    pub crossings_initial: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Real(usize),
    Label(usize),
    Lane(usize),
}

struct Item {
    kind: Kind,
    rank: usize,
    /// Width taken in the rank (a box with a self loop takes the loop's room too).
    w: f64,
    /// Offset of the item's centre line from its left end.
    anchor: f64,
    h: f64,
    up: Vec<usize>,
    down: Vec<usize>,
}

/// How full a doubled rank is: boxes (or labels) and lanes of edges passing it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Load {
    pub items: usize,
    pub lanes: usize,
}

/// Per doubled rank (boxes on even ranks, labels on odd ones): how many items and lanes it
/// holds, so a caller can size boxes and labels to fit a column before laying out.
pub fn loads(n: usize, edges: &[EdgeSpec], start: usize, max_per_rank: usize) -> Vec<Load> {
    let (rank, back) = ranks(n, edges, start, max_per_rank);
    let depth = rank.iter().flatten().max().map_or(1, |m| 2 * m + 1);
    let mut out = vec![Load::default(); depth];
    for r in rank.iter().flatten() {
        out[2 * r].items += 1;
    }
    for (ei, e) in edges.iter().enumerate() {
        let (Some(a), Some(b)) = (
            rank.get(e.from).copied().flatten(),
            rank.get(e.to).copied().flatten(),
        ) else {
            continue;
        };
        if e.from == e.to {
            continue;
        }
        let (top, bottom) = (2 * a.min(b), 2 * a.max(b));
        let label = if back[ei] { bottom - 1 } else { top + 1 };
        for (r, slot) in out.iter_mut().enumerate().take(bottom).skip(top + 1) {
            if r == label {
                slot.items += 1;
            } else {
                slot.lanes += 1;
            }
        }
    }
    out
}

/// Ranks of the nodes reachable from `start` (longest path over forward edges, at most
/// `max_per_rank` nodes on a rank when it is not 0: the rest move down, which makes the drawing
/// taller and narrower) and the set of back edges.
pub fn ranks(
    n: usize,
    edges: &[EdgeSpec],
    start: usize,
    max_per_rank: usize,
) -> (Vec<Option<usize>>, Vec<bool>) {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        if e.from < n && e.to < n {
            out[e.from].push(i);
        }
    }
    let mut back = vec![false; edges.len()];
    let mut state = vec![0u8; n];
    if start >= n {
        return (vec![None; n], back);
    }
    let mut stack = vec![(start, 0usize)];
    state[start] = 1;
    while let Some((s, i)) = stack.pop() {
        if let Some(&ei) = out[s].get(i) {
            stack.push((s, i + 1));
            let t = edges[ei].to;
            match state[t] {
                0 => {
                    state[t] = 1;
                    stack.push((t, 0));
                }
                1 => back[ei] = true,
                _ => {}
            }
        } else {
            state[s] = 2;
        }
    }
    // Longest path on the acyclic graph (back edges reversed, self loops ignored), by a
    // topological order of the reachable nodes.
    let mut indeg = vec![0usize; n];
    let fwd = |ei: usize| -> Option<(usize, usize)> {
        let e = &edges[ei];
        if e.from == e.to || e.from >= n || e.to >= n || state[e.from] == 0 {
            return None;
        }
        Some(if back[ei] {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        })
    };
    for ei in 0..edges.len() {
        if let Some((_, t)) = fwd(ei) {
            indeg[t] += 1;
        }
    }
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for ei in 0..edges.len() {
        if let Some((s, t)) = fwd(ei) {
            succ[s].push(t);
        }
    }
    // Order of first visit (depth-first, branch order): who keeps a full rank's places.
    let mut first = vec![usize::MAX; n];
    let mut k = 0;
    let mut st = vec![start];
    while let Some(v) = st.pop() {
        if first[v] != usize::MAX {
            continue;
        }
        first[v] = k;
        k += 1;
        for &t in succ[v].iter().rev() {
            if first[t] == usize::MAX {
                st.push(t);
            }
        }
    }
    let mut looping = vec![false; n];
    for e in edges {
        if e.from == e.to && e.from < n {
            looping[e.from] = true;
        }
    }
    let mut floor = vec![0usize; n];
    let longest = |floor: &[usize]| -> Vec<Option<usize>> {
        let mut indeg = indeg.clone();
        let mut rank: Vec<Option<usize>> = vec![None; n];
        let mut queue: std::collections::VecDeque<usize> =
            (0..n).filter(|&v| state[v] != 0 && indeg[v] == 0).collect();
        for &v in &queue {
            rank[v] = Some(floor[v]);
        }
        while let Some(v) = queue.pop_front() {
            let r = rank[v].unwrap_or(0);
            for &t in &succ[v] {
                let want = (r + 1).max(floor[t]);
                rank[t] = Some(rank[t].map_or(want, |x| x.max(want)));
                indeg[t] -= 1;
                if indeg[t] == 0 {
                    queue.push_back(t);
                }
            }
        }
        rank
    };
    let mut rank = longest(&floor);
    if max_per_rank > 0 {
        for _ in 0..n * n + 1 {
            let depth = rank.iter().flatten().max().map_or(0, |m| m + 1);
            let mut moved = false;
            for r in 0..depth {
                let mut on: Vec<usize> = (0..n).filter(|&v| rank[v] == Some(r)).collect();
                // A box with a loop beside it takes the room of two.
                let room = |v: usize| if looping[v] { 2 } else { 1 };
                if on.iter().map(|&v| room(v)).sum::<usize>() <= max_per_rank {
                    continue;
                }
                on.sort_by_key(|&v| first[v]);
                let mut used = 0;
                for &v in &on {
                    used += room(v);
                    if used > max_per_rank && used != room(v) {
                        floor[v] = r + 1;
                    }
                }
                moved = true;
                break;
            }
            if !moved {
                break;
            }
            rank = longest(&floor);
        }
    }
    (rank, back)
}

/// Lay out a graph whose nodes are reachable from `start`.
///
/// `max_per_rank` bounds the boxes on a rank (0: no bound); `column` is the width to keep
/// within when the widest rank allows it (0: no bound): ranks are pulled harder to the middle
/// until the drawing fits.
pub fn layout(
    nodes: &[NodeSpec],
    edges: &[EdgeSpec],
    start: usize,
    max_per_rank: usize,
    column: f64,
) -> Layout {
    let n = nodes.len();
    let (rank, back) = ranks(n, edges, start, max_per_rank);
    let loops: Vec<Vec<usize>> = (0..n)
        .map(|v| {
            (0..edges.len())
                .filter(|&i| edges[i].from == v && edges[i].to == v && rank[v].is_some())
                .collect()
        })
        .collect();
    let loop_room = |v: usize| -> f64 {
        loops[v]
            .iter()
            .map(|&i| LOOP_W + edges[i].label_w + 4.0)
            .fold(0.0, f64::max)
    };
    // Items: real nodes on even ranks, labels and lanes on the ranks between.
    let depth = rank.iter().flatten().max().map_or(0, |m| 2 * m + 1);
    let mut items: Vec<Item> = Vec::new();
    let mut item_of: Vec<Option<usize>> = vec![None; n];
    for v in 0..n {
        if let Some(r) = rank[v] {
            item_of[v] = Some(items.len());
            // The band must hold the box and, beside it, the labels of its loops.
            let loops_h: f64 = loops[v].iter().map(|&i| edges[i].label_h + 4.0).sum();
            items.push(Item {
                kind: Kind::Real(v),
                rank: 2 * r,
                w: nodes[v].w + loop_room(v),
                anchor: nodes[v].w / 2.0,
                h: nodes[v].h.max(loops_h),
                up: Vec::new(),
                down: Vec::new(),
            });
        }
    }
    // Each edge as a chain of items from its upper end to its lower end.
    let mut chains: Vec<Option<Vec<usize>>> = vec![None; edges.len()];
    for (ei, e) in edges.iter().enumerate() {
        let (Some(a), Some(b)) = (
            item_of.get(e.from).copied().flatten(),
            item_of.get(e.to).copied().flatten(),
        ) else {
            continue;
        };
        if e.from == e.to {
            continue;
        }
        let (top, bottom) = if back[ei] { (b, a) } else { (a, b) };
        let (rt, rb) = (items[top].rank, items[bottom].rank);
        let mut chain = vec![top];
        for r in rt + 1..rb {
            // The label sits next to the edge's source: below it, or above it for a back edge.
            let is_label = if back[ei] { r == rb - 1 } else { r == rt + 1 };
            let id = items.len();
            items.push(Item {
                kind: if is_label {
                    Kind::Label(ei)
                } else {
                    Kind::Lane(ei)
                },
                rank: r,
                w: if is_label { e.label_w } else { LANE },
                anchor: if is_label {
                    e.label_w / 2.0
                } else {
                    LANE / 2.0
                },
                h: if is_label { e.label_h } else { 0.0 },
                up: Vec::new(),
                down: Vec::new(),
            });
            chain.push(id);
        }
        chain.push(bottom);
        for w in chain.windows(2) {
            items[w[0]].down.push(w[1]);
            items[w[1]].up.push(w[0]);
        }
        chains[ei] = Some(chain);
    }
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth.max(1)];
    // Initial order: depth-first from the start, in branch order.
    let mut seen = vec![false; items.len()];
    let mut order_stack: Vec<usize> = item_of.get(start).copied().flatten().into_iter().collect();
    while let Some(i) = order_stack.pop() {
        if seen[i] {
            continue;
        }
        seen[i] = true;
        layers[items[i].rank].push(i);
        for &d in items[i].down.iter().rev() {
            if !seen[d] {
                order_stack.push(d);
            }
        }
        for &u in items[i].up.iter().rev() {
            if !seen[u] {
                order_stack.push(u);
            }
        }
    }
    for (i, it) in items.iter().enumerate() {
        if !seen[i] {
            layers[it.rank].push(i);
        }
    }
    let crossings_initial = total_crossings(&items, &layers);
    order(&items, &mut layers);
    let crossings = total_crossings(&items, &layers);
    let span = |xs: &[f64]| {
        items
            .iter()
            .enumerate()
            .map(|(i, it)| xs[i] - it.anchor + it.w)
            .fold(0.0, f64::max)
            + MARGIN
    };
    let mut xs = positions(&items, &layers, PULL);
    for pull in [1.0, 4.0, 16.0, 1000.0] {
        if column <= 0.0 || span(&xs) <= column {
            break;
        }
        xs = positions(&items, &layers, pull);
    }
    if column > 0.0 && span(&xs) > column {
        // Still too wide: each rank packed and centred (straight edges give way to width).
        xs = packed(&items, &layers);
    }
    // Vertical bands.
    let mut band_top = vec![0.0; layers.len()];
    let mut band_h = vec![0.0; layers.len()];
    let mut y = MARGIN;
    for (r, layer) in layers.iter().enumerate() {
        let h = layer.iter().map(|&i| items[i].h).fold(0.0, f64::max);
        band_top[r] = y;
        band_h[r] = h;
        y += h + RANK_GAP;
    }
    let height = y - RANK_GAP + MARGIN;
    let left_of = |i: usize| xs[i] - items[i].anchor;
    let width = items
        .iter()
        .enumerate()
        .map(|(i, it)| left_of(i) + it.w)
        .fold(0.0, f64::max)
        + MARGIN;
    let rect_of = |i: usize| -> Rect {
        let it = &items[i];
        let r = it.rank;
        let (w, h) = match it.kind {
            Kind::Real(v) => (nodes[v].w, nodes[v].h),
            _ => (it.w, it.h),
        };
        Rect {
            x: left_of(i),
            y: band_top[r] + (band_h[r] - h) / 2.0,
            w,
            h,
        }
    };
    let mut node_rects = vec![None; n];
    for (v, slot) in node_rects.iter_mut().enumerate() {
        if let Some(i) = item_of[v] {
            *slot = Some(rect_of(i));
        }
    }
    // Ports: the edges leaving a box's bottom (entering its top) spread along it in the order
    // of their other ends.
    let pos_in_layer = {
        let mut p = vec![0usize; items.len()];
        for layer in &layers {
            for (k, &i) in layer.iter().enumerate() {
                p[i] = k;
            }
        }
        p
    };
    let port = |i: usize, other: usize, down: bool| -> f64 {
        let it = &items[i];
        let Kind::Real(_) = it.kind else {
            return xs[i];
        };
        let mut ends: Vec<usize> = if down { it.down.clone() } else { it.up.clone() };
        ends.sort_by_key(|&e| pos_in_layer[e]);
        ends.dedup();
        let k = ends.iter().position(|&e| e == other).unwrap_or(0);
        let r = rect_of(i);
        r.x + r.w * (k as f64 + 1.0) / (ends.len() as f64 + 1.0)
    };
    let mut geoms: Vec<Option<EdgeGeom>> = vec![None; edges.len()];
    for (ei, e) in edges.iter().enumerate() {
        if e.from == e.to {
            let Some(r) = node_rects.get(e.from).copied().flatten() else {
                continue;
            };
            // Labels of a box's loops stacked beside it, centred on it.
            let k = loops[e.from].iter().position(|&x| x == ei).unwrap_or(0);
            let total: f64 = loops[e.from].iter().map(|&i| edges[i].label_h + 4.0).sum();
            let above: f64 = loops[e.from][..k]
                .iter()
                .map(|&i| edges[i].label_h + 4.0)
                .sum();
            let label = Rect {
                x: r.right() + LOOP_W,
                y: r.y + r.h / 2.0 - total / 2.0 + above + 2.0,
                w: e.label_w,
                h: e.label_h,
            };
            // The loop leaves the box's right side and bends towards its own label.
            let cy = label.y + label.h / 2.0;
            let (y0, y1) = (
                (cy - 6.0).clamp(r.y + 2.0, r.bottom() - 8.0),
                (cy + 6.0).clamp(r.y + 8.0, r.bottom() - 2.0),
            );
            geoms[ei] = Some(EdgeGeom {
                start: (r.right(), y1),
                segs: vec![Seg::Loop(r.right() + LOOP_W * 1.3, cy, r.right(), y0)],
                label,
                back: false,
                self_loop: true,
            });
            continue;
        }
        let Some(chain) = &chains[ei] else { continue };
        // Points from the upper end down to the lower end.
        let first = chain[0];
        let last = chain[chain.len() - 1];
        let mut pts: Vec<Seg> = Vec::new();
        let sx = port(first, chain[1], true);
        let top_rect = rect_of(first);
        let r0 = items[first].rank;
        let start = (sx, top_rect.bottom());
        if band_top[r0] + band_h[r0] > top_rect.bottom() + 0.01 {
            pts.push(Seg::Line(sx, band_top[r0] + band_h[r0]));
        }
        let mut label = Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        };
        for &mid in &chain[1..chain.len() - 1] {
            let r = items[mid].rank;
            let x = xs[mid];
            pts.push(Seg::Curve(x, band_top[r]));
            if band_h[r] > 0.0 {
                pts.push(Seg::Line(x, band_top[r] + band_h[r]));
            }
            if let Kind::Label(_) = items[mid].kind {
                label = rect_of(mid);
            }
        }
        let ex = port(last, chain[chain.len() - 2], false);
        let bottom_rect = rect_of(last);
        let rl = items[last].rank;
        pts.push(Seg::Curve(ex, band_top[rl]));
        if bottom_rect.y > band_top[rl] + 0.01 {
            pts.push(Seg::Line(ex, bottom_rect.y));
        }
        let mut g = EdgeGeom {
            start,
            segs: pts,
            label,
            back: back[ei],
            self_loop: false,
        };
        if back[ei] {
            g = reverse(&g);
        }
        geoms[ei] = Some(g);
    }
    Layout {
        width,
        height,
        nodes: node_rects,
        edges: geoms,
        crossings,
        crossings_initial,
    }
}

/// The same path walked the other way (so a back edge's arrow points at its target).
fn reverse(g: &EdgeGeom) -> EdgeGeom {
    let mut pts = vec![g.start];
    for s in &g.segs {
        pts.push(match *s {
            Seg::Line(x, y) | Seg::Curve(x, y) | Seg::Loop(_, _, x, y) => (x, y),
        });
    }
    let mut segs = Vec::new();
    for i in (1..pts.len()).rev() {
        let (x, y) = pts[i - 1];
        segs.push(match g.segs[i - 1] {
            Seg::Line(..) => Seg::Line(x, y),
            Seg::Curve(..) => Seg::Curve(x, y),
            Seg::Loop(cx, cy, ..) => Seg::Loop(cx, cy, x, y),
        });
    }
    EdgeGeom {
        start: pts[pts.len() - 1],
        segs,
        label: g.label,
        back: g.back,
        self_loop: g.self_loop,
    }
}

/// Crossings between two adjacent layers (edges sharing an end never cross: ports are spread).
fn crossings_between(items: &[Item], upper: &[usize], lower: &[usize]) -> usize {
    let mut pos = std::collections::HashMap::new();
    for (k, &i) in lower.iter().enumerate() {
        pos.insert(i, k);
    }
    let mut segs: Vec<(usize, usize)> = Vec::new();
    for (a, &i) in upper.iter().enumerate() {
        for d in &items[i].down {
            if let Some(&b) = pos.get(d) {
                segs.push((a, b));
            }
        }
    }
    let mut c = 0;
    for (i, s) in segs.iter().enumerate() {
        for t in &segs[i + 1..] {
            if (s.0 < t.0 && s.1 > t.1) || (s.0 > t.0 && s.1 < t.1) {
                c += 1;
            }
        }
    }
    c
}

fn total_crossings(items: &[Item], layers: &[Vec<usize>]) -> usize {
    layers
        .windows(2)
        .map(|w| crossings_between(items, &w[0], &w[1]))
        .sum()
}

/// Weighted median of neighbour positions (Gansner et al.), or None without neighbours.
fn median(mut p: Vec<f64>) -> Option<f64> {
    p.sort_by(|a, b| a.total_cmp(b));
    let m = p.len() / 2;
    match p.len() {
        0 => None,
        n if n % 2 == 1 => Some(p[m]),
        2 => Some((p[0] + p[1]) / 2.0),
        _ => {
            let left = p[m - 1] - p[0];
            let right = p[p.len() - 1] - p[m];
            if left + right == 0.0 {
                Some((p[m - 1] + p[m]) / 2.0)
            } else {
                Some((p[m - 1] * right + p[m] * left) / (left + right))
            }
        }
    }
}

/// Crossing reduction: median sweeps with transposition; the best order found is kept.
fn order(items: &[Item], layers: &mut [Vec<usize>]) {
    let mut best = layers.to_vec();
    let mut best_c = total_crossings(items, layers);
    if best_c == 0 {
        return;
    }
    let mut pos = vec![0.0; items.len()];
    let set_pos = |layers: &[Vec<usize>], pos: &mut Vec<f64>| {
        for layer in layers {
            for (k, &i) in layer.iter().enumerate() {
                pos[i] = k as f64;
            }
        }
    };
    for iter in 0..24 {
        set_pos(layers, &mut pos);
        let down = iter % 2 == 0;
        let rs: Vec<usize> = if down {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for r in rs {
            let mut keyed: Vec<(f64, usize)> = layers[r]
                .iter()
                .map(|&i| {
                    let nb = if down { &items[i].up } else { &items[i].down };
                    let m = median(nb.iter().map(|&j| pos[j]).collect()).unwrap_or(pos[i]);
                    (m, i)
                })
                .collect();
            // Stable: equal medians keep their current order.
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(pos[a.1].total_cmp(&pos[b.1])));
            layers[r] = keyed.into_iter().map(|(_, i)| i).collect();
            for (k, &i) in layers[r].iter().enumerate() {
                pos[i] = k as f64;
            }
        }
        transpose(items, layers);
        let c = total_crossings(items, layers);
        if c < best_c {
            best_c = c;
            best = layers.to_vec();
            if c == 0 {
                break;
            }
        }
    }
    layers.clone_from_slice(&best);
}

/// Swap neighbours while that lowers the crossings around their layer.
fn transpose(items: &[Item], layers: &mut [Vec<usize>]) {
    let local = |layers: &[Vec<usize>], r: usize| -> usize {
        let mut c = 0;
        if r > 0 {
            c += crossings_between(items, &layers[r - 1], &layers[r]);
        }
        if r + 1 < layers.len() {
            c += crossings_between(items, &layers[r], &layers[r + 1]);
        }
        c
    };
    let mut improved = true;
    let mut rounds = 0;
    while improved && rounds < 8 {
        improved = false;
        rounds += 1;
        for r in 0..layers.len() {
            for k in 0..layers[r].len().saturating_sub(1) {
                let before = local(layers, r);
                layers[r].swap(k, k + 1);
                if local(layers, r) < before {
                    improved = true;
                } else {
                    layers[r].swap(k, k + 1);
                }
            }
        }
    }
}

/// Weight of the edge between two items (`dot`: 1 real–real, 2 with one lane, 8 lane–lane).
fn weight(items: &[Item], a: usize, b: usize) -> f64 {
    let thin = |i: usize| !matches!(items[i].kind, Kind::Real(_));
    match (thin(a), thin(b)) {
        (true, true) => 8.0,
        (false, false) => 1.0,
        _ => 2.0,
    }
}

/// Centre positions (x of each item's anchor line): per layer the weighted least-squares fit to
/// the neighbours' positions that keeps order and gaps, swept down and up.
fn positions(items: &[Item], layers: &[Vec<usize>], pull: f64) -> Vec<f64> {
    let mut x = vec![0.0; items.len()];
    let sep = |a: usize, b: usize| sep(items, a, b);
    // Start packed from the left.
    for layer in layers {
        let mut at = MARGIN;
        for (k, &i) in layer.iter().enumerate() {
            if k > 0 {
                at += sep(layer[k - 1], i);
            } else {
                at = MARGIN + items[i].anchor;
            }
            x[i] = at;
        }
    }
    let widest = layers
        .iter()
        .map(|l| l.iter().map(|&i| items[i].w + GAP).sum::<f64>())
        .fold(0.0, f64::max);
    let centre = MARGIN + widest / 2.0;
    for iter in 0..8 {
        let down = iter % 2 == 0;
        let rs: Vec<usize> = if down {
            (0..layers.len()).collect()
        } else {
            (0..layers.len()).rev().collect()
        };
        for r in rs {
            let layer = &layers[r];
            let targets: Vec<(f64, f64)> = layer
                .iter()
                .map(|&i| {
                    let nb = if down { &items[i].up } else { &items[i].down };
                    let (mut s, mut w) = (0.0, 0.0);
                    for &j in nb {
                        let wt = weight(items, i, j);
                        s += wt * x[j];
                        w += wt;
                    }
                    let (t, w) = if w == 0.0 { (x[i], 0.5) } else { (s / w, w) };
                    // A pull of the item's middle to the drawing's middle keeps ranks over
                    // each other (a narrow drawing).
                    let mid = centre - (items[i].w / 2.0 - items[i].anchor);
                    ((t * w + pull * mid) / (w + pull), w + pull)
                })
                .collect();
            let seps: Vec<f64> = layer.windows(2).map(|p| sep(p[0], p[1])).collect();
            let fitted = fit(&targets, &seps);
            for (k, &i) in layer.iter().enumerate() {
                x[i] = fitted[k];
            }
        }
    }
    // Shift everything so the leftmost edge is at the margin.
    let min_left = items
        .iter()
        .enumerate()
        .map(|(i, it)| x[i] - it.anchor)
        .fold(f64::INFINITY, f64::min);
    if min_left.is_finite() {
        for v in &mut x {
            *v += MARGIN - min_left;
        }
    }
    x
}

/// Every rank packed with its gaps and centred on the widest.
fn packed(items: &[Item], layers: &[Vec<usize>]) -> Vec<f64> {
    let mut x = vec![0.0; items.len()];
    let mut extents = Vec::new();
    for layer in layers {
        let mut at = 0.0;
        for (k, &i) in layer.iter().enumerate() {
            if k > 0 {
                at += sep(items, layer[k - 1], i);
            } else {
                at = items[i].anchor;
            }
            x[i] = at;
        }
        let right = layer
            .last()
            .map_or(0.0, |&i| x[i] - items[i].anchor + items[i].w);
        extents.push(right);
    }
    let widest = extents.iter().copied().fold(0.0, f64::max);
    for (layer, right) in layers.iter().zip(extents) {
        for &i in layer {
            x[i] += MARGIN + (widest - right) / 2.0;
        }
    }
    x
}

/// Distance between the anchor lines of two neighbours in a rank.
fn sep(items: &[Item], a: usize, b: usize) -> f64 {
    let (ia, ib) = (&items[a], &items[b]);
    let gap = if matches!(ia.kind, Kind::Lane(_)) && matches!(ib.kind, Kind::Lane(_)) {
        GAP / 2.0
    } else {
        GAP
    };
    (ia.w - ia.anchor) + ib.anchor + gap
}

/// Minimise Σ wᵢ(xᵢ − tᵢ)² subject to xᵢ₊₁ − xᵢ ≥ sᵢ: with yᵢ = xᵢ − Σ_{k<i} s_k this is
/// isotonic regression of tᵢ − offsetᵢ, solved by pooling adjacent violators.
fn fit(targets: &[(f64, f64)], seps: &[f64]) -> Vec<f64> {
    let mut offset = Vec::with_capacity(targets.len());
    let mut acc = 0.0;
    for i in 0..targets.len() {
        if i > 0 {
            acc += seps[i - 1];
        }
        offset.push(acc);
    }
    // Blocks: (mean, weight, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for (i, &(t, w)) in targets.iter().enumerate() {
        blocks.push((t - offset[i], w, 1));
        while blocks.len() > 1 {
            let (m2, w2, c2) = blocks[blocks.len() - 1];
            let (m1, w1, c1) = blocks[blocks.len() - 2];
            if m1 <= m2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = ((m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2);
        }
    }
    let mut out = Vec::with_capacity(targets.len());
    for (m, _, c) in blocks {
        for _ in 0..c {
            out.push(m + offset[out.len()]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_keeps_order_and_gaps() {
        let x = fit(&[(10.0, 1.0), (10.0, 1.0), (10.0, 1.0)], &[4.0, 4.0]);
        assert_eq!(x, vec![6.0, 10.0, 14.0]);
        let x = fit(&[(0.0, 1.0), (100.0, 1.0)], &[5.0]);
        assert_eq!(x, vec![0.0, 100.0]);
    }

    #[test]
    fn a_crossing_that_can_be_undone_is() {
        // a → c, a → d, b → c with b first: the best order has no crossing.
        let nodes = vec![NodeSpec { w: 40.0, h: 20.0 }; 5];
        let e = |from, to| EdgeSpec {
            from,
            to,
            label_w: 0.0,
            label_h: 0.0,
        };
        let edges = vec![e(0, 1), e(0, 2), e(1, 3), e(2, 4), e(1, 4), e(2, 3)];
        let l = layout(&nodes, &edges, 0, 0, 0.0);
        assert!(l.crossings <= 1, "{}", l.crossings);
        let edges = vec![e(0, 1), e(0, 2), e(1, 4), e(2, 3)];
        assert_eq!(layout(&nodes, &edges, 0, 0, 0.0).crossings, 0);
    }
}

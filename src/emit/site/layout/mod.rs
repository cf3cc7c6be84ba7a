//! Layered layout of a directed graph (Sugiyama's method, as Graphviz `dot` does it), for the flow
//! diagrams: pure geometry — sizes in, rectangles and paths out; no SVG and no policy. One
//! submodule per phase:
//!
//! 1. `rank`: back edges (closing a cycle in a depth-first walk from the start) are reversed;
//!    self loops are set aside and drawn beside their node. Ranks: the longest path from the
//!    start, with at most so many boxes side by side.
//! 2. `graph`: ranks are doubled (as `dot` does for labels); each edge gets a *label item* on
//!    the rank just below its upper end and a thin *lane item* on every further rank it crosses,
//!    so labels and long edges take room like boxes do and nothing is drawn over them.
//! 3. `order`: order within ranks: weighted-median sweeps down and up with transposition of
//!    neighbours, keeping the order with the fewest crossings (Gansner et al. 1993).
//! 4. `position`: per rank, the positions closest (least squares, weighted as `dot` weights
//!    real/lane edges 1/2/8) to the neighbours' positions that keep the order and the gaps
//!    (isotonic regression by pooling adjacent violators), swept down and up.
//! 5. `route`: edges vertical inside a rank's band (within their own item's width, where
//!    nothing else is), curved only in the gaps between ranks; ports spread along the box in the
//!    order of the other ends, so edges of one node never cross each other.

mod graph;
mod order;
mod path;
mod position;
mod rank;
mod route;

pub use path::{EdgeGeom, Seg};

/// A rectangle: left, top, width, height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top (y grows downwards, as in SVG).
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// The x of the right side.
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    /// The y of the bottom side.
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

/// A node to lay out: the size of its box.
#[derive(Clone, Copy, Debug)]
pub struct NodeSpec {
    /// Width of the box.
    pub w: f64,
    /// Height of the box.
    pub h: f64,
}

/// An edge to lay out, with the size of its label (0 × 0 for none).
#[derive(Clone, Copy, Debug)]
pub struct EdgeSpec {
    /// Index of the source node.
    pub from: usize,
    /// Index of the target node (the source itself for a self loop).
    pub to: usize,
    /// Width of the label's box.
    pub label_w: f64,
    /// Height of the label's box.
    pub label_h: f64,
}

/// Space around the drawing.
pub(crate) const MARGIN: f64 = 6.0;
/// Horizontal gap between neighbours in a rank.
const GAP: f64 = 12.0;
/// Width of a lane (an edge passing a rank).
const LANE: f64 = 8.0;
/// Vertical gap between ranks, where edges curve.
const RANK_GAP: f64 = 18.0;
/// Pull of every item towards the middle, against its neighbours' weights (1 to 8).
const PULL: f64 = 0.3;
/// Room to the right of a box for its self loop, before the loop's label.
pub(crate) const LOOP_W: f64 = 26.0;

/// The laid-out graph.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Width of the drawing, margins included.
    pub width: f64,
    /// Height of the drawing, margins included.
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

/// How full a doubled rank is: boxes (or labels) and lanes of edges passing it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Load {
    /// Boxes on an even rank, labels on an odd one.
    pub items: usize,
    /// Edges passing the rank without their label on it.
    pub lanes: usize,
}

impl Load {
    /// The width each item of a rank so loaded may take for the rank to fit `room` pixels, of
    /// which `extra` are taken by other things (the lanes and the gaps between items are
    /// counted here).
    pub(crate) fn share(&self, room: f64, extra: f64) -> f64 {
        let n = self.items.max(1) as f64;
        (room - extra - self.lanes as f64 * (LANE + GAP) - GAP * (n - 1.0)) / n
    }
}

/// Per doubled rank (boxes on even ranks, labels on odd ones): how many items and lanes it
/// holds, so a caller can size boxes and labels to fit a column before laying out.
pub(crate) fn loads(n: usize, edges: &[EdgeSpec], start: usize, max_per_rank: usize) -> Vec<Load> {
    let (rank, back) = rank::ranks(n, edges, start, max_per_rank);
    let depth = rank.iter().flatten().max().map_or(1, |m| 2 * m + 1);
    let mut out = vec![Load::default(); depth];
    for r in rank.iter().flatten() {
        out[2 * r].items += 1;
    }
    for (e, &back) in edges.iter().zip(&back) {
        let Some(s) = graph::span(&rank, e, back) else {
            continue;
        };
        for (r, slot) in out.iter_mut().enumerate().take(s.bottom).skip(s.top + 1) {
            if r == s.label {
                slot.items += 1;
            } else {
                slot.lanes += 1;
            }
        }
    }
    out
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
    let (rank, back) = rank::ranks(nodes.len(), edges, start, max_per_rank);
    let graph = graph::Graph::new(nodes, edges, &rank, &back);
    let mut layers = graph.first_order(start);
    let crossings_initial = order::total_crossings(&graph.items, &layers);
    order::order(&graph.items, &mut layers);
    let crossings = order::total_crossings(&graph.items, &layers);
    let xs = position::across(&graph.items, &layers, column);
    let bands = position::Bands::new(&graph.items, &layers);
    let placed = route::Placed::new(nodes, edges, &graph, &layers, &xs, &bands);
    Layout {
        width: position::extent(&graph.items, &xs),
        height: bands.height,
        nodes: placed.boxes(),
        edges: (0..edges.len())
            .map(|ei| placed.edge(ei, back[ei]))
            .collect(),
        crossings,
        crossings_initial,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

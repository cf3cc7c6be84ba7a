//! Phase 5: boxes and edges placed. Edges run vertically inside a rank's band (within their own
//! item's width, where nothing else is) and curve only in the gaps between ranks; ports spread
//! along a box in the order of the other ends, so edges of one node never cross each other. A
//! self loop leaves the box's right side towards its label, stacked beside the box.

use super::graph::{Graph, Kind};
use super::position::Bands;
use super::{EdgeGeom, EdgeSpec, LOOP_W, NodeSpec, Rect, Seg};

/// The layered graph with its items ordered and placed.
pub(super) struct Placed<'a> {
    nodes: &'a [NodeSpec],
    edges: &'a [EdgeSpec],
    graph: &'a Graph,
    /// Per item, the x of its anchor line.
    xs: &'a [f64],
    bands: &'a Bands,
    /// Per item, its place in its layer.
    pos_in_layer: Vec<usize>,
}

impl<'a> Placed<'a> {
    /// The graph's items ordered in `layers`, at `xs` across and in `bands` down.
    pub fn new(
        nodes: &'a [NodeSpec],
        edges: &'a [EdgeSpec],
        graph: &'a Graph,
        layers: &[Vec<usize>],
        xs: &'a [f64],
        bands: &'a Bands,
    ) -> Placed<'a> {
        let mut pos_in_layer = vec![0usize; graph.items.len()];
        for layer in layers {
            for (k, &i) in layer.iter().enumerate() {
                pos_in_layer[i] = k;
            }
        }
        Placed {
            nodes,
            edges,
            graph,
            xs,
            bands,
            pos_in_layer,
        }
    }

    /// The rectangle of an item, centred in its rank's band (a box without its loops' room).
    pub fn rect_of(&self, i: usize) -> Rect {
        let it = &self.graph.items[i];
        let r = it.rank;
        let (w, h) = match it.kind {
            Kind::Real(v) => (self.nodes[v].w, self.nodes[v].h),
            _ => (it.w, it.h),
        };
        Rect {
            x: self.xs[i] - it.anchor,
            y: self.bands.top[r] + (self.bands.h[r] - h) / 2.0,
            w,
            h,
        }
    }

    /// The box of every node (None when it is not reached).
    pub fn boxes(&self) -> Vec<Option<Rect>> {
        self.graph
            .item_of
            .iter()
            .map(|i| i.map(|i| self.rect_of(i)))
            .collect()
    }

    /// Where edge `ei` runs (None when an end is not reached).
    pub fn edge(&self, ei: usize, back: bool) -> Option<EdgeGeom> {
        let e = self.edges.get(ei)?;
        if e.from == e.to {
            return self.self_loop(ei, e);
        }
        let g = self.chain(self.graph.chains[ei].as_deref()?, back);
        Some(if back { g.reversed() } else { g })
    }

    /// The x where the edge from item `i` to its neighbour `other` leaves (or enters) it: the
    /// edges leaving a box's bottom (entering its top) spread along it in the order of their
    /// other ends.
    fn port(&self, i: usize, other: usize, down: bool) -> f64 {
        let it = &self.graph.items[i];
        let Kind::Real(_) = it.kind else {
            return self.xs[i];
        };
        let mut ends: Vec<usize> = if down { it.down.clone() } else { it.up.clone() };
        ends.sort_by_key(|&e| self.pos_in_layer[e]);
        ends.dedup();
        let k = ends.iter().position(|&e| e == other).unwrap_or(0);
        let r = self.rect_of(i);
        r.x + r.w * (k as f64 + 1.0) / (ends.len() as f64 + 1.0)
    }

    /// A self loop: its label stacked with the box's other loop labels beside the box, centred
    /// on it; the loop leaves the box's right side and bends towards its own label.
    fn self_loop(&self, ei: usize, e: &EdgeSpec) -> Option<EdgeGeom> {
        let v = e.from;
        let r = self.rect_of(self.graph.item_of.get(v).copied().flatten()?);
        let loops = &self.graph.loops[v];
        let k = loops.iter().position(|&x| x == ei).unwrap_or(0);
        let total = self.graph.loop_labels_h(self.edges, v, loops.len());
        let above = self.graph.loop_labels_h(self.edges, v, k);
        let label = Rect {
            x: r.right() + LOOP_W,
            y: r.y + r.h / 2.0 - total / 2.0 + above + 2.0,
            w: e.label_w,
            h: e.label_h,
        };
        let cy = label.y + label.h / 2.0;
        let (y0, y1) = (
            (cy - 6.0).clamp(r.y + 2.0, r.bottom() - 8.0),
            (cy + 6.0).clamp(r.y + 8.0, r.bottom() - 2.0),
        );
        Some(EdgeGeom {
            start: (r.right(), y1),
            segs: vec![Seg::Loop(r.right() + LOOP_W * 1.3, cy, r.right(), y0)],
            label,
            back: false,
            self_loop: true,
        })
    }

    /// The path of a chain of items from its upper end down to its lower end: out of the upper
    /// box's bottom, through each item between (down its band), into the lower box's top.
    fn chain(&self, chain: &[usize], back: bool) -> EdgeGeom {
        let items = &self.graph.items;
        let bands = self.bands;
        let (first, last) = (chain[0], chain[chain.len() - 1]);
        let mut segs: Vec<Seg> = Vec::new();
        let sx = self.port(first, chain[1], true);
        let top_rect = self.rect_of(first);
        let r0 = items[first].rank;
        let start = (sx, top_rect.bottom());
        if bands.bottom(r0) > top_rect.bottom() + 0.01 {
            segs.push(Seg::Line(sx, bands.bottom(r0)));
        }
        let mut label = Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        };
        for &mid in &chain[1..chain.len() - 1] {
            let r = items[mid].rank;
            let x = self.xs[mid];
            segs.push(Seg::Curve(x, bands.top[r]));
            if bands.h[r] > 0.0 {
                segs.push(Seg::Line(x, bands.bottom(r)));
            }
            if let Kind::Label(_) = items[mid].kind {
                label = self.rect_of(mid);
            }
        }
        let ex = self.port(last, chain[chain.len() - 2], false);
        let bottom_rect = self.rect_of(last);
        let rl = items[last].rank;
        segs.push(Seg::Curve(ex, bands.top[rl]));
        if bottom_rect.y > bands.top[rl] + 0.01 {
            segs.push(Seg::Line(ex, bottom_rect.y));
        }
        EdgeGeom {
            start,
            segs,
            label,
            back,
            self_loop: false,
        }
    }
}

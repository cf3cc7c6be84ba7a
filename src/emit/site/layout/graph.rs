//! The layered graph the later phases work on: ranks are doubled, every node is an item on an
//! even rank, and every edge a chain of items through the ranks between its ends — its label on
//! the rank next to its source, a thin lane on each further rank — so labels and long edges take
//! room like boxes do and nothing is drawn over them.

use super::{EdgeSpec, LANE, LOOP_W, NodeSpec};

/// What an item stands for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    /// The box of node `.0`.
    Real(usize),
    /// The label of edge `.0`.
    Label(usize),
    /// Edge `.0` passing a rank.
    Lane(usize),
}

/// One item of a (doubled) rank.
pub(super) struct Item {
    pub kind: Kind,
    pub rank: usize,
    /// Width taken in the rank (a box with a self loop takes the loop's room too).
    pub w: f64,
    /// Offset of the item's centre line from its left end.
    pub anchor: f64,
    pub h: f64,
    /// The items on the rank above (below) joined to this one by an edge.
    pub up: Vec<usize>,
    pub down: Vec<usize>,
}

/// Where an edge runs over the doubled ranks.
pub(super) struct Span {
    /// The rank of its upper end (its source, or its target for a back edge).
    pub top: usize,
    /// The rank of its lower end.
    pub bottom: usize,
    /// The rank its label sits on: next to its source (below it, or above it for a back edge).
    pub label: usize,
}

/// Where edge `e` runs, given the ranks of the nodes; None for a self loop or an edge with an
/// end that is not reached.
pub(super) fn span(rank: &[Option<usize>], e: &EdgeSpec, back: bool) -> Option<Span> {
    let (Some(a), Some(b)) = (
        rank.get(e.from).copied().flatten(),
        rank.get(e.to).copied().flatten(),
    ) else {
        return None;
    };
    if e.from == e.to {
        return None;
    }
    let (top, bottom) = (2 * a.min(b), 2 * a.max(b));
    let label = if back { bottom - 1 } else { top + 1 };
    Some(Span { top, bottom, label })
}

/// The items of the layered graph.
pub(super) struct Graph {
    pub items: Vec<Item>,
    /// Per node, its item (None when it is not reached from the start).
    pub item_of: Vec<Option<usize>>,
    /// Per edge, its items from the upper end to the lower end (None for a self loop).
    pub chains: Vec<Option<Vec<usize>>>,
    /// Per node, its self loops (edge indices).
    pub loops: Vec<Vec<usize>>,
    /// Number of doubled ranks.
    pub depth: usize,
}

impl Graph {
    /// The graph of the nodes ranked by `rank` (and `back`, the back edges).
    pub fn new(
        nodes: &[NodeSpec],
        edges: &[EdgeSpec],
        rank: &[Option<usize>],
        back: &[bool],
    ) -> Graph {
        let n = nodes.len();
        let mut loops: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, e) in edges.iter().enumerate() {
            if e.from == e.to && rank.get(e.from).copied().flatten().is_some() {
                loops[e.from].push(i);
            }
        }
        let mut g = Graph {
            items: Vec::new(),
            item_of: vec![None; n],
            chains: vec![None; edges.len()],
            loops,
            depth: rank.iter().flatten().max().map_or(0, |m| 2 * m + 1),
        };
        for v in 0..n {
            if let Some(r) = rank[v] {
                g.item_of[v] = Some(g.items.len());
                let loop_room = g.loops[v]
                    .iter()
                    .map(|&i| LOOP_W + edges[i].label_w + 4.0)
                    .fold(0.0, f64::max);
                // The band must hold the box and, beside it, the labels of its loops.
                let loops_h = g.loop_labels_h(edges, v, g.loops[v].len());
                g.items.push(Item {
                    kind: Kind::Real(v),
                    rank: 2 * r,
                    w: nodes[v].w + loop_room,
                    anchor: nodes[v].w / 2.0,
                    h: nodes[v].h.max(loops_h),
                    up: Vec::new(),
                    down: Vec::new(),
                });
            }
        }
        for (ei, e) in edges.iter().enumerate() {
            if let Some(s) = span(rank, e, back[ei]) {
                g.chain(ei, e, &s, back[ei]);
            }
        }
        g
    }

    /// Edge `ei` as a chain of new items from its upper end to its lower end.
    fn chain(&mut self, ei: usize, e: &EdgeSpec, s: &Span, back: bool) {
        let (upper, lower) = if back { (e.to, e.from) } else { (e.from, e.to) };
        let (Some(top), Some(bottom)) = (self.item_of[upper], self.item_of[lower]) else {
            return;
        };
        let mut chain = vec![top];
        for r in s.top + 1..s.bottom {
            let (kind, w, h) = if r == s.label {
                (Kind::Label(ei), e.label_w, e.label_h)
            } else {
                (Kind::Lane(ei), LANE, 0.0)
            };
            chain.push(self.items.len());
            self.items.push(Item {
                kind,
                rank: r,
                w,
                anchor: w / 2.0,
                h,
                up: Vec::new(),
                down: Vec::new(),
            });
        }
        chain.push(bottom);
        for w in chain.windows(2) {
            self.items[w[0]].down.push(w[1]);
            self.items[w[1]].up.push(w[0]);
        }
        self.chains[ei] = Some(chain);
    }

    /// Height of the first `k` labels of node `v`'s self loops, stacked with their gaps.
    pub fn loop_labels_h(&self, edges: &[EdgeSpec], v: usize, k: usize) -> f64 {
        self.loops[v][..k]
            .iter()
            .map(|&i| edges[i].label_h + 4.0)
            .sum()
    }

    /// The first order within ranks: depth-first from the start's item, in branch order; items
    /// not reached that way come last.
    pub fn first_order(&self, start: usize) -> Vec<Vec<usize>> {
        let items = &self.items;
        let mut layers: Vec<Vec<usize>> = vec![Vec::new(); self.depth.max(1)];
        let mut seen = vec![false; items.len()];
        let mut stack: Vec<usize> = self
            .item_of
            .get(start)
            .copied()
            .flatten()
            .into_iter()
            .collect();
        while let Some(i) = stack.pop() {
            if seen[i] {
                continue;
            }
            seen[i] = true;
            layers[items[i].rank].push(i);
            for &d in items[i].down.iter().rev() {
                if !seen[d] {
                    stack.push(d);
                }
            }
            for &u in items[i].up.iter().rev() {
                if !seen[u] {
                    stack.push(u);
                }
            }
        }
        for (i, it) in items.iter().enumerate() {
            if !seen[i] {
                layers[it.rank].push(i);
            }
        }
        layers
    }
}

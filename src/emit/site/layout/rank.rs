//! Phases 1 and 2: back edges (closing a cycle in a depth-first walk from the start) are
//! reversed, then every node reachable from the start gets a rank, the longest path to it, with
//! at most `max_per_rank` boxes on a rank.

use super::EdgeSpec;
use std::collections::VecDeque;

/// Ranks of the nodes reachable from `start` (longest path over forward edges, at most
/// `max_per_rank` nodes on a rank when it is not 0: the rest move down, which makes the drawing
/// taller and narrower) and, per edge, whether it is a back edge.
pub(super) fn ranks(
    n: usize,
    edges: &[EdgeSpec],
    start: usize,
    max_per_rank: usize,
) -> (Vec<Option<usize>>, Vec<bool>) {
    if start >= n {
        return (vec![None; n], vec![false; edges.len()]);
    }
    let (reached, back) = back_edges(n, edges, start);
    let dag = Dag::new(n, edges, &reached, &back);
    let mut floor = vec![0usize; n];
    let mut rank = dag.longest(&floor);
    if max_per_rank > 0 {
        let first = dag.first_visits(start);
        let mut looping = vec![false; n];
        for e in edges {
            if e.from == e.to && e.from < n {
                looping[e.from] = true;
            }
        }
        let cap = Cap {
            first: &first,
            looping: &looping,
            max: max_per_rank,
        };
        for _ in 0..n * n + 1 {
            if !cap.push_down(&rank, &mut floor) {
                break;
            }
            rank = dag.longest(&floor);
        }
    }
    (rank, back)
}

/// A depth-first walk from `start` in the edges' order: which nodes it reaches, and which edges
/// close a cycle (lead back to a node still on the walk's path).
fn back_edges(n: usize, edges: &[EdgeSpec], start: usize) -> (Vec<bool>, Vec<bool>) {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        if e.from < n && e.to < n {
            out[e.from].push(i);
        }
    }
    let mut back = vec![false; edges.len()];
    // 0: not seen, 1: on the path, 2: done.
    let mut state = vec![0u8; n];
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
    (state.iter().map(|&s| s != 0).collect(), back)
}

/// The reachable graph made acyclic: back edges reversed, self loops left out.
struct Dag {
    reached: Vec<bool>,
    succ: Vec<Vec<usize>>,
    indeg: Vec<usize>,
}

impl Dag {
    fn new(n: usize, edges: &[EdgeSpec], reached: &[bool], back: &[bool]) -> Dag {
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut indeg = vec![0usize; n];
        for (e, &back) in edges.iter().zip(back) {
            if e.from == e.to || e.from >= n || e.to >= n || !reached[e.from] {
                continue;
            }
            let (s, t) = if back { (e.to, e.from) } else { (e.from, e.to) };
            succ[s].push(t);
            indeg[t] += 1;
        }
        Dag {
            reached: reached.to_vec(),
            succ,
            indeg,
        }
    }

    /// Order of first visit (depth-first, branch order): who keeps a full rank's places.
    fn first_visits(&self, start: usize) -> Vec<usize> {
        let mut first = vec![usize::MAX; self.succ.len()];
        let mut k = 0;
        let mut st = vec![start];
        while let Some(v) = st.pop() {
            if first[v] != usize::MAX {
                continue;
            }
            first[v] = k;
            k += 1;
            for &t in self.succ[v].iter().rev() {
                if first[t] == usize::MAX {
                    st.push(t);
                }
            }
        }
        first
    }

    /// The longest path to every reachable node, by a topological order, where no node ranks
    /// above its `floor`.
    fn longest(&self, floor: &[usize]) -> Vec<Option<usize>> {
        let n = self.succ.len();
        let mut indeg = self.indeg.clone();
        let mut rank: Vec<Option<usize>> = vec![None; n];
        let mut queue: VecDeque<usize> = (0..n)
            .filter(|&v| self.reached[v] && indeg[v] == 0)
            .collect();
        for &v in &queue {
            rank[v] = Some(floor[v]);
        }
        while let Some(v) = queue.pop_front() {
            let r = rank[v].unwrap_or(0);
            for &t in &self.succ[v] {
                let want = (r + 1).max(floor[t]);
                rank[t] = Some(rank[t].map_or(want, |x| x.max(want)));
                indeg[t] -= 1;
                if indeg[t] == 0 {
                    queue.push_back(t);
                }
            }
        }
        rank
    }
}

/// The bound on boxes per rank.
struct Cap<'a> {
    /// Per node, its place in the first-visit order: earlier nodes keep their rank.
    first: &'a [usize],
    /// Per node, whether it has a self loop (and so takes the room of two).
    looping: &'a [bool],
    max: usize,
}

impl Cap<'_> {
    /// Finds the first rank holding more than the bound and raises the floor of the nodes past
    /// it (in first-visit order) to the next rank; false when every rank fits.
    fn push_down(&self, rank: &[Option<usize>], floor: &mut [usize]) -> bool {
        let depth = rank.iter().flatten().max().map_or(0, |m| m + 1);
        let room = |v: usize| if self.looping[v] { 2 } else { 1 };
        for r in 0..depth {
            let mut on: Vec<usize> = (0..rank.len()).filter(|&v| rank[v] == Some(r)).collect();
            if on.iter().map(|&v| room(v)).sum::<usize>() <= self.max {
                continue;
            }
            on.sort_by_key(|&v| self.first[v]);
            let mut used = 0;
            for &v in &on {
                used += room(v);
                if used > self.max && used != room(v) {
                    floor[v] = r + 1;
                }
            }
            return true;
        }
        false
    }
}

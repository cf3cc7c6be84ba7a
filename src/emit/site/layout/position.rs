//! Phase 4: positions. Across, per rank, the positions closest (least squares, weighted as `dot`
//! weights real/lane edges 1/2/8) to the neighbours' positions that keep the order and the gaps
//! (isotonic regression by pooling adjacent violators), swept down and up, pulled harder to the
//! middle until the drawing fits its column. Down, one band per rank as tall as its tallest item.

use super::graph::{Item, Kind};
use super::{GAP, MARGIN, PULL, RANK_GAP};

/// Centre positions (x of each item's anchor line) of the items ordered in `layers`, within
/// `column` pixels when the widest rank allows it (0: no bound): ranks are pulled harder to the
/// middle until the drawing fits, and packed and centred when even that is too wide.
pub(super) fn across(items: &[Item], layers: &[Vec<usize>], column: f64) -> Vec<f64> {
    let mut xs = positions(items, layers, PULL);
    for pull in [1.0, 4.0, 16.0, 1000.0] {
        if column <= 0.0 || extent(items, &xs) <= column {
            break;
        }
        xs = positions(items, layers, pull);
    }
    if column > 0.0 && extent(items, &xs) > column {
        // Still too wide: each rank packed and centred (straight edges give way to width).
        xs = packed(items, layers);
    }
    xs
}

/// The right end of the drawing (with its margin) when items are centred at `xs`.
pub(super) fn extent(items: &[Item], xs: &[f64]) -> f64 {
    items
        .iter()
        .enumerate()
        .map(|(i, it)| xs[i] - it.anchor + it.w)
        .fold(0.0, f64::max)
        + MARGIN
}

/// The vertical bands of the ranks: one per layer, as tall as its tallest item, with the gaps
/// between them where edges curve.
pub(super) struct Bands {
    /// Per layer, the top of its band.
    pub top: Vec<f64>,
    /// Per layer, the height of its band.
    pub h: Vec<f64>,
    /// The height of the whole drawing, margins included.
    pub height: f64,
}

impl Bands {
    pub fn new(items: &[Item], layers: &[Vec<usize>]) -> Bands {
        let mut top = vec![0.0; layers.len()];
        let mut h = vec![0.0; layers.len()];
        let mut y = MARGIN;
        for (r, layer) in layers.iter().enumerate() {
            let tallest = layer.iter().map(|&i| items[i].h).fold(0.0, f64::max);
            top[r] = y;
            h[r] = tallest;
            y += tallest + RANK_GAP;
        }
        Bands {
            top,
            h,
            height: y - RANK_GAP + MARGIN,
        }
    }

    /// The bottom of rank `r`'s band.
    pub fn bottom(&self, r: usize) -> f64 {
        self.top[r] + self.h[r]
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
}

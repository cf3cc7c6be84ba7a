//! Phase 3: the order within ranks. Weighted-median sweeps down and up with transposition of
//! neighbours, keeping the order with the fewest crossings (Gansner et al. 1993).

use super::graph::Item;

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

/// Crossings between all adjacent layers.
pub(super) fn total_crossings(items: &[Item], layers: &[Vec<usize>]) -> usize {
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
pub(super) fn order(items: &[Item], layers: &mut [Vec<usize>]) {
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

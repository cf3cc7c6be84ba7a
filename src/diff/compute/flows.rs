//! The structure of flows present in both bundles: fields, steps added, removed and changed,
//! and branches aligned in order (a longest common subsequence of equal branches).

use super::{differing_fields, value, values};
use crate::bundle::{Bundle, Flow};
use crate::diff::model::{BranchChange, FieldChange, FlowChange, StepChange};
use serde_json::Value;

/// Flows of the new bundle that the old one has too and whose structure changed.
pub(super) fn flows(old: &Bundle, new: &Bundle) -> Vec<FlowChange> {
    new.flows
        .iter()
        .filter_map(|n| {
            let o = old.flows.iter().find(|o| o.id == n.id)?;
            flow(o, n)
        })
        .collect()
}

/// The fields of two JSON objects that differ, but for `skip`.
fn fields(old: &Value, new: &Value, skip: &[&str]) -> Vec<FieldChange> {
    differing_fields(old, new)
        .into_iter()
        .filter(|f| !skip.contains(&f.as_str()))
        .map(|f| FieldChange {
            old: old.get(&f).cloned().unwrap_or(Value::Null),
            new: new.get(&f).cloned().unwrap_or(Value::Null),
            field: f,
        })
        .collect()
}

fn flow(old: &Flow, new: &Flow) -> Option<FlowChange> {
    let (ov, nv) = (value(old), value(new));
    if ov == nv {
        return None;
    }
    let only = |a: &Flow, b: &Flow| -> Vec<String> {
        a.steps
            .iter()
            .filter(|s| !b.steps.iter().any(|x| x.id == s.id))
            .map(|s| s.id.clone())
            .collect()
    };
    let mut c = FlowChange {
        id: new.id.clone(),
        fields: fields(&ov, &nv, &["id", "steps"]),
        steps_added: only(new, old),
        steps_removed: only(old, new),
        steps_changed: Vec::new(),
        branches: Vec::new(),
    };
    for n in &new.steps {
        let Some(o) = old.steps.iter().find(|o| o.id == n.id) else {
            continue;
        };
        let changed = fields(&value(o), &value(n), &["id", "next"]);
        if !changed.is_empty() {
            c.steps_changed.push(StepChange {
                id: n.id.clone(),
                fields: changed,
            });
        }
        let (oe, ne): (Vec<Value>, Vec<Value>) = (values(&o.next), values(&n.next));
        for (i, j) in align(&oe, &ne) {
            c.branches.push(BranchChange {
                step: n.id.clone(),
                position: j.or(i).map_or(0, |p| p + 1),
                old: i.and_then(|i| o.next.get(i)).cloned(),
                new: j.and_then(|j| n.next.get(j)).cloned(),
            });
        }
    }
    Some(c)
}

/// Align two ordered lists: the pairs that are not equal, as (old index, new index). Unmatched
/// runs between equal elements are paired up as changes; the rest are removals and additions.
fn align<T: PartialEq>(old: &[T], new: &[T]) -> Vec<(Option<usize>, Option<usize>)> {
    let (m, n) = (old.len(), new.len());
    // lcs[i][j]: longest common subsequence of old[i..] and new[j..].
    let mut lcs = vec![vec![0usize; n + 1]; m + 1];
    for i in (0..m).rev() {
        for j in (0..n).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut dels, mut ins) = (Vec::new(), Vec::new());
    let flush = |dels: &mut Vec<usize>, ins: &mut Vec<usize>, out: &mut Vec<_>| {
        let k = dels.len().max(ins.len());
        for x in 0..k {
            out.push((dels.get(x).copied(), ins.get(x).copied()));
        }
        dels.clear();
        ins.clear();
    };
    let (mut i, mut j) = (0, 0);
    while i < m || j < n {
        if i < m && j < n && old[i] == new[j] {
            flush(&mut dels, &mut ins, &mut out);
            i += 1;
            j += 1;
        } else if j < n && (i == m || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ins.push(j);
            j += 1;
        } else {
            dels.push(i);
            i += 1;
        }
    }
    flush(&mut dels, &mut ins, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_align_on_equal_edges() {
        let a = ["p", "q", "r"];
        assert_eq!(align(&a, &["p", "q", "r"]), []);
        assert_eq!(align(&a, &["x", "p", "q", "r"]), [(None, Some(0))]);
        assert_eq!(align(&a, &["p", "z", "r"]), [(Some(1), Some(1))]);
        assert_eq!(align(&a, &["p", "r"]), [(Some(1), None)]);
    }
}

//! Items compared by id, per kind: added, removed, changed (with the fields that differ) and,
//! for ordered kinds, reordered. Bundle fields without a kind of their own are compared too, so
//! that no change goes unreported.

use super::{differing_fields, value, values};
use crate::bundle::Bundle;
use crate::diff::model::{ItemChange, KindDiff};
use serde_json::{Value, json};

/// One kind of item: its name in the diff, the bundle field it comes from, its items as JSON,
/// and whether their order means something (severity, rank).
struct Kind {
    name: &'static str,
    field: &'static str,
    items: fn(&Bundle) -> Vec<Value>,
    ordered: bool,
}

/// The kinds compared by id, in the order the diff lists them.
const KINDS: &[Kind] = &[
    Kind {
        name: "verdicts",
        field: "verdicts",
        items: |b| values(&b.verdicts),
        ordered: true,
    },
    Kind {
        name: "axes",
        field: "axes",
        items: |b| {
            vec![
                json!({"id": "conduct", "label": b.axes.conduct.label}),
                json!({"id": "demand", "label": b.axes.demand.label}),
            ]
        },
        ordered: false,
    },
    Kind {
        name: "conduct_levels",
        field: "axes",
        items: |b| values(&b.axes.conduct.levels),
        ordered: true,
    },
    Kind {
        name: "demand_levels",
        field: "axes",
        items: |b| values(&b.axes.demand.levels),
        ordered: true,
    },
    Kind {
        name: "conduct_types",
        field: "conduct_types",
        items: |b| values(&b.conduct_types),
        ordered: false,
    },
    Kind {
        name: "demand_types",
        field: "demand_types",
        items: |b| values(&b.demand_types),
        ordered: false,
    },
    Kind {
        name: "events",
        field: "events",
        items: |b| values(&b.events),
        ordered: false,
    },
    Kind {
        name: "channels",
        field: "channels",
        items: |b| values(&b.channels),
        ordered: false,
    },
    Kind {
        name: "tags",
        field: "tags",
        items: |b| values(&b.tags),
        ordered: false,
    },
    Kind {
        name: "roles",
        field: "roles",
        items: |b| values(&b.roles),
        ordered: false,
    },
    Kind {
        name: "scripts",
        field: "scripts",
        items: |b| values(&b.scripts),
        ordered: false,
    },
    Kind {
        name: "flows",
        field: "flows",
        items: |b| values(&b.flows),
        ordered: false,
    },
    Kind {
        name: "invariants",
        field: "invariants",
        items: |b| values(&b.invariants),
        ordered: false,
    },
    Kind {
        name: "aftercare",
        field: "aftercare",
        items: |b| values(&b.aftercare),
        ordered: false,
    },
    Kind {
        name: "definitions",
        field: "definitions",
        items: |b| values(&b.definitions),
        ordered: false,
    },
    Kind {
        name: "cases",
        field: "cases",
        items: |b| values(&b.cases),
        ordered: false,
    },
];

/// Bundle fields with a section of their own (manifest, grid cells, thresholds).
const OWN_SECTION: &[&str] = &["manifest", "grid", "thresholds"];

/// Every kind with a change: the kinds of [`KINDS`], then any other bundle field.
pub(super) fn items(old: &Bundle, new: &Bundle) -> Vec<KindDiff> {
    KINDS
        .iter()
        .filter_map(|k| by_id(k.name, (k.items)(old), (k.items)(new), k.ordered))
        .chain(other_fields(&value(old), &value(new)))
        .collect()
}

fn id_of(v: &Value) -> String {
    v.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Compare two lists of items by id; `None` when nothing changed.
fn by_id(kind: &str, old: Vec<Value>, new: Vec<Value>, ordered: bool) -> Option<KindDiff> {
    let old_ids: Vec<String> = old.iter().map(id_of).collect();
    let new_ids: Vec<String> = new.iter().map(id_of).collect();
    let find = |ids: &[String], id: &str| ids.iter().position(|x| x == id);
    let only = |ids: &[String], other: &[String]| -> Vec<String> {
        ids.iter()
            .filter(|id| find(other, id).is_none())
            .cloned()
            .collect()
    };
    let common = |ids: &[String], other: &[String]| -> Vec<String> {
        ids.iter()
            .filter(|id| find(other, id).is_some())
            .cloned()
            .collect()
    };
    let (added, removed) = (only(&new_ids, &old_ids), only(&old_ids, &new_ids));
    let mut changed = Vec::new();
    for (n, id) in new.iter().zip(&new_ids) {
        if let Some(o) = find(&old_ids, id).and_then(|j| old.get(j))
            && o != n
        {
            changed.push(ItemChange {
                id: id.clone(),
                fields: differing_fields(o, n),
            });
        }
    }
    let reordered = ordered && common(&old_ids, &new_ids) != common(&new_ids, &old_ids);
    (!added.is_empty() || !removed.is_empty() || !changed.is_empty() || reordered).then(|| {
        KindDiff {
            kind: kind.into(),
            added,
            removed,
            changed,
            reordered,
        }
    })
}

/// A field's value as items with ids: a map by key, a list whose items all have an id as it is,
/// an absent field as no items; anything else cannot be compared item by item.
fn entries(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Null => Some(Vec::new()),
        Value::Object(m) => Some(
            m.iter()
                .map(|(k, v)| json!({"id": k, "value": v}))
                .collect(),
        ),
        Value::Array(a) if a.iter().all(|x| x.get("id").is_some_and(Value::is_string)) => {
            Some(a.clone())
        }
        _ => None,
    }
}

/// Any other field of the bundle (such as a fork's `provenance`), so that no change goes
/// unreported: a map by key, a list by id, anything else as a whole.
fn other_fields(old: &Value, new: &Value) -> Vec<KindDiff> {
    let compared = |key: &str| OWN_SECTION.contains(&key) || KINDS.iter().any(|k| k.field == key);
    let mut out = Vec::new();
    for key in differing_fields(old, new).iter().filter(|k| !compared(k)) {
        let (o, n) = (
            old.get(key).unwrap_or(&Value::Null),
            new.get(key).unwrap_or(&Value::Null),
        );
        let found = match (entries(o), entries(n)) {
            (Some(eo), Some(en)) => {
                let mut k = by_id(key, eo, en, false);
                // Map entries: the fields of the value, not the wrapper's `value`.
                for c in k.iter_mut().flat_map(|k| k.changed.iter_mut()) {
                    if let (Some(x), Some(y)) = (o.get(&c.id), n.get(&c.id)) {
                        c.fields = differing_fields(x, y);
                    }
                }
                k
            }
            _ => Some(KindDiff {
                kind: key.clone(),
                added: Vec::new(),
                removed: Vec::new(),
                changed: vec![ItemChange {
                    id: key.clone(),
                    fields: Vec::new(),
                }],
                reordered: false,
            }),
        };
        out.extend(found);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_bundle_fields_are_compared_by_key_or_id_or_whole() {
        let old = json!({
            "grid": {"c0": ["a"]},
            "provenance": {"flows/phone": {"status": "inherited", "version": "1.0.0"},
                           "cases/c01": {"status": "own"}},
            "extra": [{"id": "x", "n": 1}],
            "scalar": 1,
        });
        let new = json!({
            "grid": {"c0": ["b"]},
            "provenance": {"flows/phone": {"status": "overridden", "version": "1.0.0"},
                           "cases/c02": {"status": "own"}},
            "extra": [{"id": "x", "n": 2}, {"id": "y"}],
            "scalar": 2,
        });
        let d = other_fields(&old, &new);
        let kinds: Vec<&str> = d.iter().map(|k| k.kind.as_str()).collect();
        assert_eq!(kinds, ["extra", "provenance", "scalar"]);
        assert_eq!(d[0].added, ["y"]);
        assert_eq!(d[0].changed[0].fields, ["n"]);
        assert_eq!(
            (d[1].added.as_slice(), d[1].removed.as_slice()),
            (
                &["cases/c02".to_string()][..],
                &["cases/c01".to_string()][..]
            )
        );
        assert_eq!(d[1].changed[0].id, "flows/phone");
        assert_eq!(d[1].changed[0].fields, ["status"]);
        assert_eq!(d[2].changed[0].id, "scalar");
        // A field absent on one side is an empty map.
        let gone = other_fields(&old, &json!({"grid": {"c0": ["a"]}}));
        assert_eq!(gone[1].removed, ["cases/c01", "flows/phone"]);
    }
}

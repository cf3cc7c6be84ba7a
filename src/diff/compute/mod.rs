//! Two bundles → [`Diff`]: items by id ([`items`]), grid cells, thresholds, the structure of
//! flows ([`flows`]) and the outcome of every case contact under both engines.

mod flows;
mod items;

use super::model::*;
use crate::bundle::{Bundle, Contact, Engine, Threshold};
use crate::msg;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// The semantic difference of two bundles. Identical digests give an empty diff.
pub fn diff(old: &Bundle, new: &Bundle) -> Diff {
    let mut d = Diff {
        manifest: Manifests {
            policy: change(&old.manifest.policy, &new.manifest.policy),
            version: change(&old.manifest.version, &new.manifest.version),
            digest: change(&old.manifest.digest, &new.manifest.digest),
            revision: change(&old.manifest.revision, &new.manifest.revision),
            changed: Vec::new(),
        },
        items: Vec::new(),
        cells: Vec::new(),
        thresholds: Vec::new(),
        flows: Vec::new(),
        cases: Vec::new(),
        notes: Vec::new(),
        severity: new.verdicts.iter().map(|v| v.id.clone()).collect(),
    };
    if old.manifest.digest == new.manifest.digest {
        return d;
    }
    d.manifest.changed = differing_fields(&value(&old.manifest), &value(&new.manifest))
        .into_iter()
        .filter(|f| f != "digest" && f != "revision")
        .collect();
    d.items = items::items(old, new);
    d.cells = cells(old, new);
    d.thresholds = thresholds(old, new);
    d.flows = flows::flows(old, new);
    match (old.engine(), new.engine()) {
        (Ok(eo), Ok(en)) => d.cases = cases(old, new, &eo, &en),
        (o, n) => {
            for (bundle, r) in [("old", o.err()), ("new", n.err())] {
                if let Some(e) = r {
                    d.notes.push(msg!(
                        "diff-cases-not-compared",
                        bundle = bundle,
                        error = e.0
                    ));
                }
            }
        }
    }
    d
}

fn change<T: Clone>(old: &T, new: &T) -> Change<T> {
    Change {
        old: old.clone(),
        new: new.clone(),
    }
}

/// The JSON of an item without its `manual` links.
fn value(x: &impl Serialize) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("manual");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    // Bundle types always serialise (string keys only); `null` would compare equal, never panic.
    let mut v = serde_json::to_value(x).unwrap_or_default();
    strip(&mut v);
    v
}

fn values<T: Serialize>(items: &[T]) -> Vec<Value> {
    items.iter().map(value).collect()
}

/// Top-level keys whose values differ, sorted.
fn differing_fields(old: &Value, new: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (o, n) = (
        old.as_object().unwrap_or(&empty),
        new.as_object().unwrap_or(&empty),
    );
    let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    keys.into_iter()
        .filter(|k| o.get(*k) != n.get(*k))
        .cloned()
        .collect()
}

/// Grid cells present in both whose verdict differs, in the new grid's order.
fn cells(old: &Bundle, new: &Bundle) -> Vec<CellChange> {
    let rank = |v: &str| new.verdicts.iter().position(|x| x.id == v);
    let mut out = Vec::new();
    for c in &new.axes.conduct.levels {
        let (Some(new_row), Some(old_row)) = (new.grid.get(&c.id), old.grid.get(&c.id)) else {
            continue;
        };
        for (j, d) in new.axes.demand.levels.iter().enumerate() {
            let Some(oj) = old.axes.demand.levels.iter().position(|l| l.id == d.id) else {
                continue;
            };
            let (Some(o), Some(n)) = (old_row.get(oj), new_row.get(j)) else {
                continue;
            };
            if o == n {
                continue;
            }
            let severity = match (rank(o), rank(n)) {
                (Some(a), Some(b)) if b > a => Severity::More,
                (Some(a), Some(b)) if b < a => Severity::Less,
                _ => Severity::Unknown,
            };
            out.push(CellChange {
                cell: format!("{}×{}", c.id, d.id),
                old: o.clone(),
                new: n.clone(),
                severity,
            });
        }
    }
    out
}

fn quantity(t: &Threshold) -> Option<Quantity> {
    match (t.seconds, t.count) {
        (Some(s), _) => Some(Quantity::Seconds(s)),
        (None, Some(n)) => Some(Quantity::Count(n)),
        (None, None) => None,
    }
}

/// Thresholds whose value differs or that only one bundle has, by name.
fn thresholds(old: &Bundle, new: &Bundle) -> Vec<ThresholdChange> {
    let names: BTreeSet<&String> = old.thresholds.keys().chain(new.thresholds.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let o = old.thresholds.get(name).and_then(quantity);
            let n = new.thresholds.get(name).and_then(quantity);
            let present = |b: &Bundle| b.thresholds.contains_key(name);
            (o != n || present(old) != present(new)).then(|| ThresholdChange {
                name: name.clone(),
                old: o,
                new: n,
            })
        })
        .collect()
}

/// Every case contact of both bundles (once when a case has the same contact in both),
/// classified by both engines; those whose outcome differs, by case id.
fn cases(old: &Bundle, new: &Bundle, eo: &Engine, en: &Engine) -> Vec<CaseChange> {
    let mut contacts: Vec<(&str, &str, ContactFrom, &Contact)> = Vec::new();
    for c in &old.cases {
        let from = match new.cases.iter().find(|n| n.id == c.id) {
            Some(n) if n.contact == c.contact => ContactFrom::Both,
            _ => ContactFrom::Old,
        };
        contacts.push((&c.id, &c.title, from, &c.contact));
    }
    for c in &new.cases {
        if !old
            .cases
            .iter()
            .any(|o| o.id == c.id && o.contact == c.contact)
        {
            contacts.push((&c.id, &c.title, ContactFrom::New, &c.contact));
        }
    }
    let order = |f: ContactFrom| match f {
        ContactFrom::Both => 0,
        ContactFrom::Old => 1,
        ContactFrom::New => 2,
    };
    contacts.sort_by(|a, b| a.0.cmp(b.0).then(order(a.2).cmp(&order(b.2))));
    contacts
        .into_iter()
        .filter_map(|(id, title, from, contact)| {
            let (o, n) = (outcome(eo, contact), outcome(en, contact));
            (!same(&o, &n)).then(|| CaseChange {
                id: id.into(),
                title: title.into(),
                contact_from: from,
                old: o,
                new: n,
            })
        })
        .collect()
}

fn outcome(engine: &Engine, contact: &Contact) -> Outcome {
    match engine.classify(contact) {
        Ok(c) => Outcome {
            verdict: Some(c.verdict),
            cell: Some(c.cell),
            flow: c.flow,
            route: c.route,
            error: None,
        },
        Err(e) => Outcome {
            error: Some(e.0),
            ..Outcome::default()
        },
    }
}

/// The same verdict, flow, route and error (the cell may differ: it is how, not what).
fn same(a: &Outcome, b: &Outcome) -> bool {
    a.verdict == b.verdict && a.flow == b.flow && a.route == b.route && a.error == b.error
}

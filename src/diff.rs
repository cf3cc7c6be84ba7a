//! `mamoru diff OLD NEW`: the semantic difference of two compiled policies (two bundles).
//!
//! Items are compared by id, as data: two items are equal when their JSON is equal, ignoring the
//! `manual` links. On top of the per-kind lists of added, removed and changed ids, the diff
//! reports what a reviewer of a policy change needs first: grid cells whose verdict moved (and
//! whether they became more or less severe), thresholds, the structure of flows (steps and
//! branches), and cases whose outcome changed when every case contact of both policies is
//! classified with both engines.
//!
//! ```
//! # let policy = mamoru::ops::check(&mamoru::ops::Input::Builtin).unwrap().policy.unwrap();
//! # let bundle = mamoru::emit::bundle::build(&policy, None);
//! let d = mamoru::diff::diff(&bundle, &bundle);
//! assert!(d.is_empty());
//! assert_eq!(d.summary(), ["no semantic change"]);
//! ```

use crate::bundle::{Bundle, Contact, Edge, Engine, Flow, Threshold};
use crate::policy::format_duration;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// An old and a new value.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Change<T> {
    pub old: T,
    pub new: T,
}

/// The two manifests.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Manifests {
    pub policy: Change<String>,
    pub version: Change<String>,
    pub digest: Change<String>,
    pub revision: Change<Option<String>>,
    /// Manifest fields that differ, besides `digest` and `revision` (which say nothing about the
    /// rules).
    pub changed: Vec<String>,
}

/// The difference of two bundles. Every list is empty when nothing of its kind changed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Diff {
    pub manifest: Manifests,
    /// Per kind of item, only kinds with a change, in a fixed order.
    pub items: Vec<KindDiff>,
    /// Grid cells (present in both) whose verdict moved, in grid order.
    pub cells: Vec<CellChange>,
    /// Thresholds changed, added or removed, by name.
    pub thresholds: Vec<ThresholdChange>,
    /// Flows present in both whose structure changed.
    pub flows: Vec<FlowChange>,
    /// Case contacts whose verdict, flow or route differ between the two engines, by case id.
    pub cases: Vec<CaseChange>,
    /// What could not be compared (a bundle whose engine cannot be built).
    pub notes: Vec<String>,
    /// Verdict ids of the new bundle, least severe first (to order the summary).
    #[serde(skip)]
    severity: Vec<String>,
}

/// Added, removed and changed ids of one kind of item.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct KindDiff {
    /// `verdicts`, `conduct_levels`, `demand_levels`, `axes`, `conduct_types`, `demand_types`,
    /// `events`, `channels`, `tags`, `roles`, `scripts`, `flows`, `invariants`, `aftercare`,
    /// `definitions` or `cases`.
    pub kind: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<ItemChange>,
    /// The ids present in both are in another order (only for ordered kinds: verdicts, levels).
    pub reordered: bool,
}

/// An item present in both, with the top-level fields that differ.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ItemChange {
    pub id: String,
    pub fields: Vec<String>,
}

/// Where a verdict moved, by position in the new bundle's verdict list.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    More,
    Less,
    /// The old verdict is not in the new bundle.
    Unknown,
}

/// A grid cell whose verdict moved.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CellChange {
    /// `conduct×demand`, as in `c2×d1`.
    pub cell: String,
    pub old: String,
    pub new: String,
    pub severity: Severity,
}

/// A threshold's value: a duration in seconds or a count.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    Seconds(u64),
    Count(u64),
}

impl Quantity {
    fn of(t: &Threshold) -> Option<Quantity> {
        match (t.seconds, t.count) {
            (Some(s), _) => Some(Quantity::Seconds(s)),
            (None, Some(n)) => Some(Quantity::Count(n)),
            (None, None) => None,
        }
    }
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Quantity::Seconds(s) => f.write_str(&format_duration(*s)),
            Quantity::Count(n) => write!(f, "{n}"),
        }
    }
}

/// A threshold changed (both present), added (`old` absent) or removed (`new` absent).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ThresholdChange {
    pub name: String,
    pub old: Option<Quantity>,
    pub new: Option<Quantity>,
}

/// How the structure of a flow present in both bundles changed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FlowChange {
    pub id: String,
    /// Flow fields besides `steps` that differ (`applies_to`, `start`, `title`).
    pub fields: Vec<FieldChange>,
    pub steps_added: Vec<String>,
    pub steps_removed: Vec<String>,
    /// Steps present in both whose fields differ (branches are in `branches`).
    pub steps_changed: Vec<StepChange>,
    /// Branches of steps present in both, aligned in order.
    pub branches: Vec<BranchChange>,
}

/// A field of a flow or step, old and new (`null` when absent).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

impl FieldChange {
    fn list(old: &Value, new: &Value, skip: &[&str]) -> Vec<FieldChange> {
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

    /// A value of this field, compactly; durations as `3m`.
    fn show(&self, v: &Value) -> String {
        match (self.field.ends_with("_seconds"), v.as_u64()) {
            (true, Some(s)) => format_duration(s),
            _ => compact(v),
        }
    }

    /// `hold_seconds 3m → 2m`.
    fn text(&self) -> String {
        format!(
            "{} {} → {}",
            self.field,
            self.show(&self.old),
            self.show(&self.new)
        )
    }
}

/// A step present in both versions of a flow, with the fields that differ besides its branches.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StepChange {
    pub id: String,
    pub fields: Vec<FieldChange>,
}

/// A branch added (`old` absent), removed (`new` absent) or changed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BranchChange {
    pub step: String,
    /// 1-based position among the step's branches: in the new list, or in the old one when
    /// removed.
    pub position: usize,
    pub old: Option<Edge>,
    pub new: Option<Edge>,
}

/// Which bundle a case contact comes from.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ContactFrom {
    /// The case has the same contact in both.
    Both,
    /// The case is only in the old bundle, or its contact changed: the old contact.
    Old,
    /// The case is only in the new bundle, or its contact changed: the new contact.
    New,
}

/// What an engine gives for a contact.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    pub flow: Option<String>,
    pub route: Vec<String>,
    /// The engine could not classify the contact (it names an id the bundle does not have).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Outcome {
    fn of(engine: &Engine, contact: &Contact) -> Outcome {
        match engine.classify(contact) {
            Ok(c) => Outcome {
                verdict: Some(c.verdict),
                cell: Some(c.cell),
                flow: c.flow,
                route: c.route,
                error: None,
            },
            Err(e) => Outcome {
                error: Some(e.0.to_string()),
                ..Outcome::default()
            },
        }
    }

    fn same(&self, other: &Outcome) -> bool {
        self.verdict == other.verdict
            && self.flow == other.flow
            && self.route == other.route
            && self.error == other.error
    }

    fn verdict_text(&self) -> &str {
        match (&self.error, &self.verdict) {
            (Some(_), _) => "error",
            (None, Some(v)) => v,
            (None, None) => "-",
        }
    }

    fn text(&self) -> String {
        if let Some(e) = &self.error {
            return format!("error: {e}");
        }
        let mut s = self.verdict.clone().unwrap_or_default();
        match &self.flow {
            Some(f) => {
                let _ = write!(s, ", flow {f}");
                if !self.route.is_empty() {
                    let _ = write!(s, ", route {}", self.route.join(" → "));
                }
            }
            None => s.push_str(", no flow"),
        }
        s
    }
}

/// A case contact whose outcome differs between the old and the new engine.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CaseChange {
    pub id: String,
    pub title: String,
    pub contact_from: ContactFrom,
    pub old: Outcome,
    pub new: Outcome,
}

impl CaseChange {
    /// `gray → harassment`, `flow phone → written`, `route changed`.
    fn short(&self) -> String {
        let (o, n) = (&self.old, &self.new);
        let what = if o.error.is_some() || n.error.is_some() || o.verdict != n.verdict {
            format!("{} → {}", o.verdict_text(), n.verdict_text())
        } else if o.flow != n.flow {
            let f = |f: &Option<String>| f.clone().unwrap_or_else(|| "no flow".into());
            format!("flow {} → {}", f(&o.flow), f(&n.flow))
        } else {
            "route changed".into()
        };
        match self.contact_from {
            ContactFrom::Both => format!("{} ({what})", self.id),
            ContactFrom::Old => format!("{} ({what}, old facts)", self.id),
            ContactFrom::New => format!("{} ({what}, new facts)", self.id),
        }
    }
}

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
    d.items = items(old, new);
    d.cells = cells(old, new);
    d.thresholds = thresholds(old, new);
    d.flows = flows(old, new);
    match (old.engine(), new.engine()) {
        (Ok(eo), Ok(en)) => d.cases = cases(old, new, &eo, &en),
        (o, n) => {
            for (which, r) in [("old", o.err()), ("new", n.err())] {
                if let Some(e) = r {
                    d.notes.push(format!(
                        "cases were not compared: the {which} bundle cannot classify ({e})"
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
    let mut v = serde_json::to_value(x).expect("serialisable");
    strip(&mut v);
    v
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

fn id_of(v: &Value) -> String {
    v.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn values<T: Serialize>(items: &[T]) -> Vec<Value> {
    items.iter().map(value).collect()
}

/// Compare two lists of items by id.
fn kind(kind: &str, old: Vec<Value>, new: Vec<Value>, ordered: bool) -> Option<KindDiff> {
    let old_ids: Vec<String> = old.iter().map(id_of).collect();
    let new_ids: Vec<String> = new.iter().map(id_of).collect();
    let find = |ids: &[String], id: &str| ids.iter().position(|x| x == id);
    let added: Vec<String> = new_ids
        .iter()
        .filter(|id| find(&old_ids, id).is_none())
        .cloned()
        .collect();
    let removed: Vec<String> = old_ids
        .iter()
        .filter(|id| find(&new_ids, id).is_none())
        .cloned()
        .collect();
    let mut changed = Vec::new();
    for (i, id) in new_ids.iter().enumerate() {
        if let Some(j) = find(&old_ids, id)
            && old[j] != new[i]
        {
            changed.push(ItemChange {
                id: id.clone(),
                fields: differing_fields(&old[j], &new[i]),
            });
        }
    }
    let common = |ids: &[String], other: &[String]| -> Vec<String> {
        ids.iter()
            .filter(|id| find(other, id).is_some())
            .cloned()
            .collect()
    };
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

fn items(old: &Bundle, new: &Bundle) -> Vec<KindDiff> {
    let axes = |b: &Bundle| {
        vec![
            serde_json::json!({"id": "conduct", "label": b.axes.conduct.label}),
            serde_json::json!({"id": "demand", "label": b.axes.demand.label}),
        ]
    };
    [
        kind(
            "verdicts",
            values(&old.verdicts),
            values(&new.verdicts),
            true,
        ),
        kind("axes", axes(old), axes(new), false),
        kind(
            "conduct_levels",
            values(&old.axes.conduct.levels),
            values(&new.axes.conduct.levels),
            true,
        ),
        kind(
            "demand_levels",
            values(&old.axes.demand.levels),
            values(&new.axes.demand.levels),
            true,
        ),
        kind(
            "conduct_types",
            values(&old.conduct_types),
            values(&new.conduct_types),
            false,
        ),
        kind(
            "demand_types",
            values(&old.demand_types),
            values(&new.demand_types),
            false,
        ),
        kind("events", values(&old.events), values(&new.events), false),
        kind(
            "channels",
            values(&old.channels),
            values(&new.channels),
            false,
        ),
        kind("tags", values(&old.tags), values(&new.tags), false),
        kind("roles", values(&old.roles), values(&new.roles), false),
        kind("scripts", values(&old.scripts), values(&new.scripts), false),
        kind("flows", values(&old.flows), values(&new.flows), false),
        kind(
            "invariants",
            values(&old.invariants),
            values(&new.invariants),
            false,
        ),
        kind(
            "aftercare",
            values(&old.aftercare),
            values(&new.aftercare),
            false,
        ),
        kind(
            "definitions",
            values(&old.definitions),
            values(&new.definitions),
            false,
        ),
        kind("cases", values(&old.cases), values(&new.cases), false),
    ]
    .into_iter()
    .flatten()
    .chain(other_fields(&value(old), &value(new)))
    .collect()
}

/// The bundle fields compared above, or (manifest, grid, thresholds) in their own sections.
const COMPARED: &[&str] = &[
    "manifest",
    "axes",
    "verdicts",
    "grid",
    "conduct_types",
    "demand_types",
    "events",
    "channels",
    "tags",
    "thresholds",
    "roles",
    "scripts",
    "flows",
    "invariants",
    "aftercare",
    "definitions",
    "cases",
];

/// Any other field of the bundle (such as a fork's `provenance`), so that no change goes
/// unreported: a map by key, a list by id, anything else as a whole.
fn other_fields(old: &Value, new: &Value) -> Vec<KindDiff> {
    let keys = differing_fields(old, new);
    let mut out = Vec::new();
    for key in keys.iter().filter(|k| !COMPARED.contains(&k.as_str())) {
        let (o, n) = (
            old.get(key).unwrap_or(&Value::Null),
            new.get(key).unwrap_or(&Value::Null),
        );
        let entries = |v: &Value| -> Option<Vec<Value>> {
            match v {
                Value::Null => Some(Vec::new()),
                Value::Object(m) => Some(
                    m.iter()
                        .map(|(k, v)| serde_json::json!({"id": k, "value": v}))
                        .collect(),
                ),
                Value::Array(a) if a.iter().all(|x| x.get("id").is_some_and(Value::is_string)) => {
                    Some(a.clone())
                }
                _ => None,
            }
        };
        let whole = || KindDiff {
            kind: key.clone(),
            added: Vec::new(),
            removed: Vec::new(),
            changed: vec![ItemChange {
                id: key.clone(),
                fields: Vec::new(),
            }],
            reordered: false,
        };
        let found = match (entries(o), entries(n)) {
            (Some(eo), Some(en)) => {
                let mut k = kind(key, eo, en, false);
                // Map entries: the fields of the value, not the wrapper's `value`.
                for c in k.iter_mut().flat_map(|k| k.changed.iter_mut()) {
                    if let (Some(x), Some(y)) = (o.get(&c.id), n.get(&c.id)) {
                        c.fields = differing_fields(x, y);
                    }
                }
                k
            }
            _ => Some(whole()),
        };
        out.extend(found);
    }
    out
}

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

fn thresholds(old: &Bundle, new: &Bundle) -> Vec<ThresholdChange> {
    let names: BTreeSet<&String> = old.thresholds.keys().chain(new.thresholds.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let o = old.thresholds.get(name).and_then(Quantity::of);
            let n = new.thresholds.get(name).and_then(Quantity::of);
            let present = |b: &Bundle| b.thresholds.contains_key(name);
            (o != n || present(old) != present(new)).then(|| ThresholdChange {
                name: name.clone(),
                old: o,
                new: n,
            })
        })
        .collect()
}

fn flows(old: &Bundle, new: &Bundle) -> Vec<FlowChange> {
    new.flows
        .iter()
        .filter_map(|n| {
            let o = old.flows.iter().find(|o| o.id == n.id)?;
            flow(o, n)
        })
        .collect()
}

fn flow(old: &Flow, new: &Flow) -> Option<FlowChange> {
    let (ov, nv) = (value(old), value(new));
    if ov == nv {
        return None;
    }
    let has = |f: &Flow, id: &str| f.steps.iter().any(|s| s.id == id);
    let mut c = FlowChange {
        id: new.id.clone(),
        fields: FieldChange::list(&ov, &nv, &["id", "steps"]),
        steps_added: new
            .steps
            .iter()
            .filter(|s| !has(old, &s.id))
            .map(|s| s.id.clone())
            .collect(),
        steps_removed: old
            .steps
            .iter()
            .filter(|s| !has(new, &s.id))
            .map(|s| s.id.clone())
            .collect(),
        steps_changed: Vec::new(),
        branches: Vec::new(),
    };
    for n in &new.steps {
        let Some(o) = old.steps.iter().find(|o| o.id == n.id) else {
            continue;
        };
        let fields = FieldChange::list(&value(o), &value(n), &["id", "next"]);
        if !fields.is_empty() {
            c.steps_changed.push(StepChange {
                id: n.id.clone(),
                fields,
            });
        }
        let (oe, ne): (Vec<Value>, Vec<Value>) = (values(&o.next), values(&n.next));
        for (i, j) in align(&oe, &ne) {
            c.branches.push(BranchChange {
                step: n.id.clone(),
                position: j.or(i).map_or(0, |p| p + 1),
                old: i.map(|i| o.next[i].clone()),
                new: j.map(|j| n.next[j].clone()),
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
            let (o, n) = (Outcome::of(eo, contact), Outcome::of(en, contact));
            (!o.same(&n)).then(|| CaseChange {
                id: id.into(),
                title: title.into(),
                contact_from: from,
                old: o,
                new: n,
            })
        })
        .collect()
}

/// `1 cell`, `2 cells`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// At most `max` items, then `… and N more`.
fn list(items: &[String], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        let _ = write!(s, ", … and {} more", items.len() - max);
    }
    s
}

const MAX_LISTED: usize = 6;

/// A condition or any bundle value, compactly: `{verdict: [gray], not: {tags: [legal]}}`.
fn compact(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(compact).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| match (k.as_str(), v.as_u64()) {
                    ("seconds_at_least", Some(s)) =>
                        format!("minutes_at_least: {}", format_duration(s)),
                    _ => format!("{k}: {}", compact(v)),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn edge_text(e: &Option<Edge>) -> String {
    match e {
        None => "-".into(),
        Some(Edge { when: None, to }) => format!("otherwise → {to}"),
        Some(Edge { when: Some(w), to }) => format!("when {} → {to}", compact(&value(w))),
    }
}

fn quantity_text(q: Option<Quantity>) -> String {
    q.map_or_else(|| "-".into(), |q| q.to_string())
}

impl FlowChange {
    /// `2 steps added, 1 branch changed`.
    fn parts(&self) -> Vec<String> {
        let mut p = Vec::new();
        let mut push = |n: usize, one: &str, many: &str, what: &str| {
            if n > 0 {
                p.push(format!("{} {what}", count(n, one, many)));
            }
        };
        push(self.steps_added.len(), "step", "steps", "added");
        push(self.steps_removed.len(), "step", "steps", "removed");
        push(self.steps_changed.len(), "step", "steps", "changed");
        let b = |f: fn(&BranchChange) -> bool| self.branches.iter().filter(|x| f(x)).count();
        push(b(|x| x.old.is_none()), "branch", "branches", "added");
        push(b(|x| x.new.is_none()), "branch", "branches", "removed");
        push(
            b(|x| x.old.is_some() && x.new.is_some()),
            "branch",
            "branches",
            "changed",
        );
        for f in &self.fields {
            p.push(format!("{} changed", f.field));
        }
        p
    }
}

impl KindDiff {
    /// Changed items, but for flows (the flow section details those).
    fn changed_outside_flows(&self) -> impl Iterator<Item = &ItemChange> {
        self.changed.iter().filter(|_| self.kind != "flows")
    }

    fn has_details(&self) -> bool {
        !self.added.is_empty()
            || !self.removed.is_empty()
            || self.reordered
            || self.changed_outside_flows().next().is_some()
    }

    fn label(&self) -> String {
        self.kind.replace('_', " ")
    }

    /// `1 added (a), 2 changed (b, c)`; changed flows are left to the flow section.
    fn parts(&self, max: usize) -> Vec<String> {
        let mut p = Vec::new();
        if !self.added.is_empty() {
            p.push(format!(
                "{} added ({})",
                self.added.len(),
                list(&self.added, max)
            ));
        }
        if !self.removed.is_empty() {
            p.push(format!(
                "{} removed ({})",
                self.removed.len(),
                list(&self.removed, max)
            ));
        }
        if !self.changed.is_empty() && self.kind != "flows" {
            let ids: Vec<String> = self.changed.iter().map(|c| c.id.clone()).collect();
            p.push(format!("{} changed ({})", ids.len(), list(&ids, max)));
        }
        if self.reordered {
            p.push("reordered".into());
        }
        p
    }
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn short_digest(d: &str) -> String {
    match d.strip_prefix("sha256:") {
        Some(hex) if hex.len() > 12 => format!("sha256:{}…", &hex[..12]),
        _ => d.to_string(),
    }
}

impl Diff {
    /// Nothing changed besides the digest and the source revision.
    pub fn is_empty(&self) -> bool {
        self.manifest.changed.is_empty() && self.rules_unchanged()
    }

    fn rules_unchanged(&self) -> bool {
        self.items.is_empty()
            && self.cells.is_empty()
            && self.thresholds.is_empty()
            && self.flows.is_empty()
            && self.cases.is_empty()
    }

    fn verdicts_by_severity(&self) -> Vec<String> {
        let mut v: Vec<String> = self.severity.iter().rev().cloned().collect();
        for c in &self.cells {
            if !v.contains(&c.new) {
                v.push(c.new.clone());
            }
        }
        v
    }

    /// Plain-language lines, most important first; `no semantic change` when empty.
    pub fn summary(&self) -> Vec<String> {
        if self.is_empty() {
            return vec!["no semantic change".into()];
        }
        let mut out = Vec::new();
        // Cells that became more severe, grouped by their new verdict, most severe first.
        for v in self.verdicts_by_severity() {
            let moved: Vec<&CellChange> = self
                .cells
                .iter()
                .filter(|c| c.severity == Severity::More && c.new == v)
                .collect();
            if moved.is_empty() {
                continue;
            }
            let names: Vec<String> = moved.iter().map(|c| c.cell.clone()).collect();
            let olds: BTreeSet<&str> = moved.iter().map(|c| c.old.as_str()).collect();
            let line = if olds.len() == 1 {
                let was = if moved.len() == 1 { "was" } else { "were" };
                format!(
                    "{} now {} as {v}: {} ({was} {})",
                    count(moved.len(), "cell", "cells"),
                    if moved.len() == 1 { "counts" } else { "count" },
                    list(&names, MAX_LISTED),
                    moved[0].old
                )
            } else {
                let each: Vec<String> = moved
                    .iter()
                    .map(|c| format!("{} (was {})", c.cell, c.old))
                    .collect();
                format!(
                    "{} now count as {v}: {}",
                    count(moved.len(), "cell", "cells"),
                    list(&each, MAX_LISTED)
                )
            };
            out.push(line);
        }
        for (sev, one, many) in [
            (
                Severity::Less,
                "cell is less severe now",
                "cells are less severe now",
            ),
            (
                Severity::Unknown,
                "cell changes verdict",
                "cells change verdict",
            ),
        ] {
            let each: Vec<String> = self
                .cells
                .iter()
                .filter(|c| c.severity == sev)
                .map(|c| format!("{} ({} → {})", c.cell, c.old, c.new))
                .collect();
            if !each.is_empty() {
                out.push(format!(
                    "{}: {}",
                    count(each.len(), one, many),
                    list(&each, MAX_LISTED)
                ));
            }
        }
        for k in &self.items {
            if k.reordered && k.kind == "verdicts" {
                out.push(format!(
                    "verdicts reordered: severity is now {}",
                    self.severity.join(" < ")
                ));
            } else if k.reordered {
                out.push(format!("{} reordered: levels rank differently", k.label()));
            }
        }
        if !self.cases.is_empty() {
            let each: Vec<String> = self.cases.iter().map(CaseChange::short).collect();
            out.push(format!(
                "{} outcome: {}",
                count(self.cases.len(), "case changes", "cases change"),
                list(&each, MAX_LISTED)
            ));
        }
        for t in &self.thresholds {
            out.push(match (t.old, t.new) {
                (Some(o), Some(n)) => format!("threshold {}: {o} → {n}", t.name),
                (None, Some(n)) => format!("threshold {} added: {n}", t.name),
                (Some(o), None) => format!("threshold {} removed (was {o})", t.name),
                (None, None) => format!("threshold {} changed", t.name),
            });
        }
        for f in &self.flows {
            out.push(format!("flow {} changed: {}", f.id, f.parts().join(", ")));
        }
        for k in &self.items {
            let parts: Vec<String> = k
                .parts(MAX_LISTED)
                .into_iter()
                .filter(|p| p != "reordered")
                .collect();
            if !parts.is_empty() {
                out.push(format!("{}: {}", k.label(), parts.join(", ")));
            }
        }
        let m = &self.manifest;
        for f in &m.changed {
            out.push(match f.as_str() {
                "policy" => format!("policy id {} → {}", m.policy.old, m.policy.new),
                "version" => format!("version {} → {}", m.version.old, m.version.new),
                other => format!("manifest {other} changed"),
            });
        }
        if self.rules_unchanged() {
            out.push("no change to the rules".into());
        }
        out
    }

    fn heading(&self) -> String {
        let m = &self.manifest;
        if m.policy.old == m.policy.new {
            format!("{} {} → {}", m.policy.new, m.version.old, m.version.new)
        } else {
            format!(
                "{} {} → {} {}",
                m.policy.old, m.version.old, m.policy.new, m.version.new
            )
        }
    }

    /// For terminals: the summary first, then the details.
    pub fn text(&self) -> String {
        let m = &self.manifest;
        let mut s = String::new();
        let _ = writeln!(s, "mamoru diff: {}", self.heading());
        let _ = writeln!(
            s,
            "digest {} → {}",
            short_digest(&m.digest.old),
            short_digest(&m.digest.new)
        );
        s.push('\n');
        for line in self.summary() {
            let _ = writeln!(s, "  - {line}");
        }
        for n in &self.notes {
            let _ = writeln!(s, "  ! {n}");
        }
        if !self.cells.is_empty() {
            s.push_str("\nGrid cells:\n");
            let w = self.cells.iter().map(|c| c.cell.chars().count()).max();
            for c in &self.cells {
                let _ = writeln!(
                    s,
                    "  {:w$}  {} → {}  ({})",
                    c.cell,
                    c.old,
                    c.new,
                    severity_text(c.severity),
                    w = w.unwrap_or(0)
                );
            }
        }
        if !self.thresholds.is_empty() {
            s.push_str("\nThresholds:\n");
            let w = self.thresholds.iter().map(|t| t.name.len()).max();
            for t in &self.thresholds {
                let _ = writeln!(
                    s,
                    "  {:w$}  {} → {}",
                    t.name,
                    quantity_text(t.old),
                    quantity_text(t.new),
                    w = w.unwrap_or(0)
                );
            }
        }
        if !self.flows.is_empty() {
            s.push_str("\nFlows:\n");
            for f in &self.flows {
                let _ = writeln!(s, "  {}", f.id);
                for c in &f.fields {
                    let _ = writeln!(s, "    {}", c.text());
                }
                if !f.steps_added.is_empty() {
                    let _ = writeln!(s, "    steps added: {}", f.steps_added.join(", "));
                }
                if !f.steps_removed.is_empty() {
                    let _ = writeln!(s, "    steps removed: {}", f.steps_removed.join(", "));
                }
                for c in &f.steps_changed {
                    let each: Vec<String> = c.fields.iter().map(FieldChange::text).collect();
                    let _ = writeln!(s, "    step {}: {}", c.id, each.join("; "));
                }
                for b in &f.branches {
                    let what = match (&b.old, &b.new) {
                        (None, _) => "added",
                        (_, None) => "removed",
                        _ => "changed",
                    };
                    let _ = writeln!(
                        s,
                        "    branch {} #{} {what}: {} ⇒ {}",
                        b.step,
                        b.position,
                        edge_text(&b.old),
                        edge_text(&b.new)
                    );
                }
            }
        }
        if !self.cases.is_empty() {
            s.push_str("\nCases:\n");
            for c in &self.cases {
                let from = match c.contact_from {
                    ContactFrom::Both => "",
                    ContactFrom::Old => " [old facts]",
                    ContactFrom::New => " [new facts]",
                };
                let _ = writeln!(s, "  {} {}{from}", c.id, c.title);
                let _ = writeln!(s, "    old: {}", c.old.text());
                let _ = writeln!(s, "    new: {}", c.new.text());
            }
        }
        if self.items.iter().any(KindDiff::has_details) {
            s.push_str("\nItems:\n");
            for k in self.items.iter().filter(|k| k.has_details()) {
                let _ = writeln!(s, "  {}", k.label());
                if !k.added.is_empty() {
                    let _ = writeln!(s, "    added: {}", k.added.join(", "));
                }
                if !k.removed.is_empty() {
                    let _ = writeln!(s, "    removed: {}", k.removed.join(", "));
                }
                for c in k.changed_outside_flows() {
                    let _ = writeln!(s, "    changed: {} ({})", c.id, c.fields.join(", "));
                }
                if k.reordered {
                    s.push_str("    reordered\n");
                }
            }
        }
        s
    }

    /// For a pull-request comment: the summary, then sections with tables.
    pub fn markdown(&self) -> String {
        let m = &self.manifest;
        let mut s = String::new();
        let _ = writeln!(s, "### mamoru diff: {}\n", escape(&self.heading()));
        for line in self.summary() {
            let _ = writeln!(s, "- {}", escape(&line));
        }
        for n in &self.notes {
            let _ = writeln!(s, "- ⚠️ {}", escape(n));
        }
        let table = |s: &mut String, head: &[&str]| {
            let _ = writeln!(s, "\n| {} |", head.join(" | "));
            let _ = writeln!(s, "|{}", " --- |".repeat(head.len()));
        };
        let row = |s: &mut String, cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
            let _ = writeln!(s, "| {} |", cells.join(" | "));
        };
        if !self.cells.is_empty() {
            s.push_str("\n#### Grid cells\n");
            table(&mut s, &["Cell", "Old", "New", "Severity"]);
            for c in &self.cells {
                row(
                    &mut s,
                    &[
                        format!("`{}`", c.cell),
                        c.old.clone(),
                        c.new.clone(),
                        severity_text(c.severity).into(),
                    ],
                );
            }
        }
        if !self.thresholds.is_empty() {
            s.push_str("\n#### Thresholds\n");
            table(&mut s, &["Threshold", "Old", "New"]);
            for t in &self.thresholds {
                row(
                    &mut s,
                    &[
                        format!("`{}`", t.name),
                        quantity_text(t.old),
                        quantity_text(t.new),
                    ],
                );
            }
        }
        if !self.cases.is_empty() {
            s.push_str("\n#### Cases\n");
            table(&mut s, &["Case", "Old", "New"]);
            for c in &self.cases {
                let from = match c.contact_from {
                    ContactFrom::Both => "",
                    ContactFrom::Old => " (old facts)",
                    ContactFrom::New => " (new facts)",
                };
                row(
                    &mut s,
                    &[
                        format!("`{}` {}{from}", c.id, c.title),
                        c.old.text(),
                        c.new.text(),
                    ],
                );
            }
        }
        if !self.flows.is_empty() {
            s.push_str("\n#### Flows\n");
            for f in &self.flows {
                let _ = writeln!(s, "\n**`{}`**: {}", f.id, escape(&f.parts().join(", ")));
                table(&mut s, &["Change", "Where", "Old", "New"]);
                for c in &f.fields {
                    row(
                        &mut s,
                        &[
                            format!("{} changed", c.field),
                            "flow".into(),
                            c.show(&c.old),
                            c.show(&c.new),
                        ],
                    );
                }
                for id in &f.steps_added {
                    row(
                        &mut s,
                        &["step added".into(), format!("`{id}`"), "".into(), "".into()],
                    );
                }
                for id in &f.steps_removed {
                    row(
                        &mut s,
                        &[
                            "step removed".into(),
                            format!("`{id}`"),
                            "".into(),
                            "".into(),
                        ],
                    );
                }
                for c in &f.steps_changed {
                    for x in &c.fields {
                        row(
                            &mut s,
                            &[
                                format!("{} changed", x.field),
                                format!("step `{}`", c.id),
                                x.show(&x.old),
                                x.show(&x.new),
                            ],
                        );
                    }
                }
                for b in &f.branches {
                    let what = match (&b.old, &b.new) {
                        (None, _) => "branch added",
                        (_, None) => "branch removed",
                        _ => "branch changed",
                    };
                    row(
                        &mut s,
                        &[
                            what.into(),
                            format!("step `{}`, branch {}", b.step, b.position),
                            edge_text(&b.old),
                            edge_text(&b.new),
                        ],
                    );
                }
            }
        }
        if self.items.iter().any(KindDiff::has_details) {
            s.push_str("\n#### Items\n");
            table(&mut s, &["Kind", "Added", "Removed", "Changed"]);
            let ids = |v: &[String]| {
                v.iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            for k in self.items.iter().filter(|k| k.has_details()) {
                let mut changed: Vec<String> = k
                    .changed_outside_flows()
                    .map(|c| format!("`{}` ({})", c.id, c.fields.join(", ")))
                    .collect();
                if k.reordered {
                    changed.push("order".into());
                }
                row(
                    &mut s,
                    &[
                        k.label(),
                        ids(&k.added),
                        ids(&k.removed),
                        changed.join(", "),
                    ],
                );
            }
        }
        s.push_str("\n<details><summary>Manifests</summary>\n");
        table(&mut s, &["", "Old", "New"]);
        let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        row(
            &mut s,
            &["policy".into(), m.policy.old.clone(), m.policy.new.clone()],
        );
        row(
            &mut s,
            &[
                "version".into(),
                m.version.old.clone(),
                m.version.new.clone(),
            ],
        );
        row(
            &mut s,
            &[
                "revision".into(),
                opt(&m.revision.old),
                opt(&m.revision.new),
            ],
        );
        row(
            &mut s,
            &[
                "digest".into(),
                format!("`{}`", m.digest.old),
                format!("`{}`", m.digest.new),
            ],
        );
        s.push_str("\n</details>\n");
        s
    }

    /// The diff as pretty JSON, with a trailing newline.
    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("serialisable");
        s.push('\n');
        s
    }
}

fn severity_text(s: Severity) -> &'static str {
    match s {
        Severity::More => "more severe",
        Severity::Less => "less severe",
        Severity::Unknown => "verdict not in the new policy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn branches_align_on_equal_edges() {
        let a = ["p", "q", "r"];
        assert_eq!(align(&a, &["p", "q", "r"]), []);
        assert_eq!(align(&a, &["x", "p", "q", "r"]), [(None, Some(0))]);
        assert_eq!(align(&a, &["p", "z", "r"]), [(Some(1), Some(1))]);
        assert_eq!(align(&a, &["p", "r"]), [(Some(1), None)]);
    }
}

//! The diff as data: what changed between two bundles, in the terms a reviewer reads (cells,
//! thresholds, flows, case outcomes, ids per kind of item). Built by [`super::diff`], read by
//! the renderers; serialised as it is by `--format json`.

use crate::bundle::Edge;
use crate::duration::format_duration;
use crate::i18n::{Lang, Msg};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// An old and a new value.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Change<T> {
    /// The value in the old bundle.
    pub old: T,
    /// The value in the new bundle.
    pub new: T,
}

/// The two manifests.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Manifests {
    /// The policy ids (`manifest.policy`); they differ when comparing a fork with its upstream.
    pub policy: Change<String>,
    /// The policy versions (`manifest.version`).
    pub version: Change<String>,
    /// The bundle digests (`sha256:…`); equal digests mean equal bundles.
    pub digest: Change<String>,
    /// The source revisions the bundles were built from, when recorded (`build --revision`).
    pub revision: Change<Option<String>>,
    /// Manifest fields that differ, besides `digest` and `revision` (which say nothing about the
    /// rules).
    pub changed: Vec<String>,
}

/// The difference of two bundles. Every list is empty when nothing of its kind changed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Diff {
    /// Both manifests, and which of their fields differ.
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
    /// What could not be compared (a bundle whose engine cannot be built); in English in JSON.
    #[serde(serialize_with = "english_list")]
    pub notes: Vec<Msg>,
    /// Verdict ids of the new bundle, least severe first (to order the summary); not serialised.
    #[serde(skip)]
    pub severity: Vec<String>,
}

impl Diff {
    /// Nothing changed besides the digest and the source revision.
    pub fn is_empty(&self) -> bool {
        self.manifest.changed.is_empty() && self.rules_unchanged()
    }

    /// No item, cell, threshold, flow or case outcome changed (the manifest may have).
    pub fn rules_unchanged(&self) -> bool {
        self.items.is_empty()
            && self.cells.is_empty()
            && self.thresholds.is_empty()
            && self.flows.is_empty()
            && self.cases.is_empty()
    }

    /// The verdicts cells moved to, most severe first: the new bundle's, then any other a cell
    /// names.
    pub fn verdicts_by_severity(&self) -> Vec<String> {
        let mut v: Vec<String> = self.severity.iter().rev().cloned().collect();
        for c in &self.cells {
            if !v.contains(&c.new) {
                v.push(c.new.clone());
            }
        }
        v
    }
}

/// Added, removed and changed ids of one kind of item.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct KindDiff {
    /// `verdicts`, `conduct_levels`, `demand_levels`, `axes`, `conduct_types`, `demand_types`,
    /// `events`, `channels`, `tags`, `roles`, `scripts`, `flows`, `invariants`, `aftercare`,
    /// `definitions` or `cases`; or the name of another bundle field (such as a fork's
    /// `provenance`).
    pub kind: String,
    /// Ids only in the new bundle, in its order.
    pub added: Vec<String>,
    /// Ids only in the old bundle, in its order.
    pub removed: Vec<String>,
    /// Ids in both whose items differ, in the new bundle's order.
    pub changed: Vec<ItemChange>,
    /// The ids present in both are in another order (only for ordered kinds: verdicts, levels).
    pub reordered: bool,
}

impl KindDiff {
    /// Flows that changed are detailed in [`Diff::flows`], not listed again with the items.
    pub fn changed_outside_flows(&self) -> impl Iterator<Item = &ItemChange> {
        self.changed.iter().filter(|_| self.kind != "flows")
    }

    /// Something to show in the item section: an id added or removed, a changed item outside
    /// flows, or a new order.
    pub fn has_details(&self) -> bool {
        !self.added.is_empty()
            || !self.removed.is_empty()
            || self.reordered
            || self.changed_outside_flows().next().is_some()
    }
}

/// An item present in both, with the top-level fields that differ.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ItemChange {
    /// The item's id (for another bundle field: its key, or the field's name).
    pub id: String,
    /// Its top-level fields whose values differ, sorted (the `manual` links ignored).
    pub fields: Vec<String>,
}

/// Where a verdict moved, by position in the new bundle's verdict list.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// To a verdict listed after the old one (more severe).
    More,
    /// To a verdict listed before the old one (less severe).
    Less,
    /// The old verdict is not in the new bundle.
    Unknown,
}

/// A grid cell whose verdict moved.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CellChange {
    /// `conduct×demand`, as in `c2×d1`.
    pub cell: String,
    /// The verdict id in the old bundle.
    pub old: String,
    /// The verdict id in the new bundle.
    pub new: String,
    /// Whether the new verdict is more or less severe.
    pub severity: Severity,
}

/// A threshold's value: a duration in seconds or a count.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// A duration, in seconds (shown as `3m`).
    Seconds(u64),
    /// A number of times.
    Count(u64),
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
    /// The threshold's name in `policy.yaml`.
    pub name: String,
    /// Its old value; `None` when added (or when it has no value).
    pub old: Option<Quantity>,
    /// Its new value; `None` when removed (or when it has no value).
    pub new: Option<Quantity>,
}

/// How the structure of a flow present in both bundles changed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FlowChange {
    /// The flow's id.
    pub id: String,
    /// Flow fields besides `steps` that differ (`applies_to`, `start`, `title`).
    pub fields: Vec<FieldChange>,
    /// Ids of steps only in the new flow, in its order.
    pub steps_added: Vec<String>,
    /// Ids of steps only in the old flow, in its order.
    pub steps_removed: Vec<String>,
    /// Steps present in both whose fields differ (branches are in `branches`).
    pub steps_changed: Vec<StepChange>,
    /// Branches of steps present in both, aligned in order.
    pub branches: Vec<BranchChange>,
}

/// A field of a flow or step, old and new (`null` when absent).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FieldChange {
    /// The field's name in the bundle (`title`, `hold_seconds` …).
    pub field: String,
    /// Its old value, as bundle JSON.
    pub old: Value,
    /// Its new value, as bundle JSON.
    pub new: Value,
}

/// A step present in both versions of a flow, with the fields that differ besides its branches.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StepChange {
    /// The step's id.
    pub id: String,
    /// Its fields that differ, besides `next`.
    pub fields: Vec<FieldChange>,
}

/// A branch added (`old` absent), removed (`new` absent) or changed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BranchChange {
    /// The id of the step the branch leaves.
    pub step: String,
    /// 1-based position among the step's branches: in the new list, or in the old one when
    /// removed.
    pub position: usize,
    /// The branch in the old flow.
    pub old: Option<Edge>,
    /// The branch in the new flow.
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
    /// The verdict id (absent when the engine could not classify).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// The grid cell, `conduct×demand` (absent when the engine could not classify).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// The flow chosen, if any.
    pub flow: Option<String>,
    /// The steps the flow takes, by id.
    pub route: Vec<String>,
    /// The engine could not classify the contact (it names an id the bundle does not have); in
    /// English in JSON.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "english_option"
    )]
    pub error: Option<Msg>,
}

/// A case contact whose outcome differs between the old and the new engine.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CaseChange {
    /// The case's id.
    pub id: String,
    /// The case's title (from the bundle the contact comes from).
    pub title: String,
    /// Which bundle's contact was classified.
    pub contact_from: ContactFrom,
    /// What the old engine gives.
    pub old: Outcome,
    /// What the new engine gives.
    pub new: Outcome,
}

/// Messages in JSON: English, the language of tools.
fn english_list<S: Serializer>(notes: &[Msg], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(notes.iter().map(|m| m.render(Lang::En)))
}

fn english_option<S: Serializer>(m: &Option<Msg>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => s.serialize_some(&m.render(Lang::En)),
        None => s.serialize_none(),
    }
}

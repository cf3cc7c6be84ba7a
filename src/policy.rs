//! The compiled policy: every reference resolved to an index, every threshold to a value.
//!
//! Produced by `compile`, read by `eval` and the emitters. Nothing here can dangle: an index
//! always points into the vectors of the same `Policy`.

use crate::diag::Origin;
use crate::model::{LegalRef, Org, Vendor};

/// Prose (Markdown or plain) with the place it was written, for lints and links.
#[derive(Clone, Debug)]
pub struct Text {
    pub src: String,
    pub origin: Origin,
}

/// A resolved threshold value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// Seconds.
    Duration(u64),
    Count(u64),
}

#[derive(Clone, Debug)]
pub struct Threshold {
    pub name: String,
    pub value: Quantity,
    pub origin: Origin,
}

/// An id with a label and where it was declared (levels, events, channels, tags).
#[derive(Clone, Debug)]
pub struct Named {
    pub id: String,
    pub label: String,
    pub describe: Option<Text>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Axis {
    pub label: String,
    pub levels: Vec<Named>,
}

#[derive(Clone, Debug)]
pub struct Verdict {
    pub id: String,
    pub label: String,
    pub color: String,
    pub describe: Option<Text>,
    pub origin: Origin,
}

/// Which axis a type raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisKind {
    Conduct,
    Demand,
}

impl AxisKind {
    /// 0 for conduct, 1 for demand (for per-axis arrays).
    pub fn index(self) -> usize {
        match self {
            AxisKind::Conduct => 0,
            AxisKind::Demand => 1,
        }
    }
}

/// A conduct or demand type.
#[derive(Clone, Debug)]
pub struct Type {
    pub id: String,
    pub label: String,
    pub axis: AxisKind,
    pub min_level: usize,
    pub verdict: Option<usize>,
    pub independent_of_demand: bool,
    pub when: Option<Cond>,
    pub describe: Option<Text>,
    pub origin: Origin,
}

/// A compiled condition. Every `Some` key must hold; a list holds when any item does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cond {
    pub verdict: Option<Vec<usize>>,
    pub conduct_at_least: Option<usize>,
    pub demand_at_least: Option<usize>,
    pub conduct_types: Option<Vec<usize>>,
    pub demand_types: Option<Vec<usize>>,
    pub tags: Option<Vec<usize>>,
    pub channel: Option<Vec<usize>>,
    pub party: Option<Vec<usize>>,
    pub targeted: Option<bool>,
    pub event: Option<Vec<usize>>,
    /// Seconds.
    pub minutes_at_least: Option<u64>,
    pub repeats_at_least: Option<u64>,
    /// (counter, count): every counter is at least its count.
    pub counts_at_least: Option<Vec<(usize, u64)>>,
    pub not: Option<Box<Cond>>,
    /// Holds when any of these holds.
    pub any: Option<Vec<Cond>>,
}

impl Cond {
    /// This condition and every condition nested in it (`not`, `any`), depth first.
    pub fn visit(&self, f: &mut impl FnMut(&Cond)) {
        f(self);
        if let Some(n) = &self.not {
            n.visit(f);
        }
        for c in self.any.iter().flatten() {
            c.visit(f);
        }
    }
}

/// A counter (a fact over time that the CRM counts).
#[derive(Clone, Debug)]
pub struct Counter {
    pub id: String,
    pub label: String,
    /// Seconds.
    pub window: Option<u64>,
    pub origin: Origin,
}

/// A protective cap: while `when` holds, the types it names raise their axis at most to the
/// cap's maximum on that axis (index 0 conduct, 1 demand; `None`: no raise at all).
#[derive(Clone, Debug)]
pub struct Cap {
    pub id: String,
    pub label: String,
    pub when: Cond,
    /// Types it limits, per axis (conduct, demand).
    pub types: [Vec<usize>; 2],
    pub max: [Option<usize>; 2],
    pub describe: Option<Text>,
    pub origin: Origin,
}

impl Cap {
    /// The level a type of `axis` may raise to under this cap, if the cap names it.
    pub fn limit(&self, axis: AxisKind, ty: usize) -> Option<usize> {
        let a = axis.index();
        self.types[a]
            .contains(&ty)
            .then(|| self.max[a].unwrap_or(0))
    }
}

#[derive(Clone, Debug)]
pub struct Role {
    pub id: String,
    pub label: String,
    pub org: Org,
    pub describe: Option<Text>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Script {
    pub id: String,
    pub purpose: String,
    pub channels: Vec<usize>,
    pub text: Text,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Branch {
    /// `None` for `otherwise`.
    pub when: Option<Cond>,
    pub to: usize,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub id: String,
    pub role: usize,
    pub title: String,
    pub action: Option<Text>,
    /// Seconds.
    pub limit: Option<u64>,
    /// Seconds.
    pub hold: Option<u64>,
    pub script: Option<usize>,
    pub repeat: Option<u64>,
    pub next: Vec<Branch>,
    pub end: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Flow {
    pub id: String,
    pub title: String,
    pub describe: Option<Text>,
    pub applies_to: Cond,
    pub start: usize,
    pub steps: Vec<Step>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct AftercareItem {
    pub id: String,
    pub role: usize,
    /// Seconds.
    pub within: u64,
    pub title: String,
    pub action: Text,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Invariant {
    pub id: String,
    pub text: String,
    pub when: Option<Cond>,
    pub reach_role: Option<Vec<usize>>,
    pub max_hold: Option<u64>,
    pub max_limit: Option<u64>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Definition {
    pub id: String,
    pub term: String,
    pub reading: Option<String>,
    pub aliases: Vec<String>,
    pub see_also: Vec<usize>,
    pub summary: Option<String>,
    pub body: Text,
    pub origin: Origin,
}

/// The facts of a contact, as a case (or a CRM) states them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub channel: usize,
    pub conduct: usize,
    pub demand: usize,
    pub conduct_types: Vec<usize>,
    pub demand_types: Vec<usize>,
    pub tags: Vec<usize>,
    pub minutes: u64,
    pub repeats: u64,
    /// `None` when the events are not known yet (classification before the contact ends).
    pub events: Option<Vec<usize>>,
    /// Who the other party is; `None` when not recorded.
    pub party: Option<usize>,
    /// The other party singled out one staff member.
    pub targeted: bool,
    /// Counter values by counter index; missing entries (a shorter vector) are 0.
    pub counts: Vec<u64>,
}

impl Facts {
    /// The value of a counter (0 when not given).
    pub fn count(&self, counter: usize) -> u64 {
        self.counts.get(counter).copied().unwrap_or(0)
    }
}

#[derive(Clone, Debug)]
pub struct Expect {
    pub verdict: usize,
    pub flow: Option<usize>,
    pub route: Option<Vec<String>>,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    pub title: String,
    pub facts: Facts,
    pub expect: Expect,
    pub body: Text,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Page {
    pub id: String,
    pub title: String,
    pub order: i64,
    pub body: Text,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Stance {
    pub title: String,
    pub principles: Vec<Text>,
    pub body: Text,
    /// The customer-facing basic policy, when the stance gives one.
    pub public: Option<PublicStance>,
}

#[derive(Clone, Debug)]
pub struct PublicStance {
    pub title: String,
    pub text: Text,
    pub closing: Option<Text>,
}

/// An item of the policy that a compliance measure names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemLink {
    Stance,
    PublicPolicy,
    Criteria,
    Compliance,
    Definition(usize),
    Flow(usize),
    /// A step of a flow.
    Step(usize, usize),
    Script(usize),
    Aftercare(usize),
    Invariant(usize),
    Role(usize),
    Case(usize),
    Page(usize),
    Cap(usize),
    Type(AxisKind, usize),
}

#[derive(Clone, Debug)]
pub struct Measure {
    pub id: String,
    pub title: String,
    pub describe: Option<Text>,
    pub required: bool,
    pub items: Vec<ItemLink>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Framework {
    pub id: String,
    pub title: String,
    pub source: Option<String>,
    pub describe: Option<Text>,
    pub measures: Vec<Measure>,
    pub origin: Origin,
}

/// `compliance.yaml`, linked: frameworks, their measures and the items implementing them.
#[derive(Clone, Debug)]
pub struct Compliance {
    pub frameworks: Vec<Framework>,
    pub announcements: Vec<crate::model::Announcement>,
}

#[derive(Clone, Debug)]
pub struct Manifest {
    pub id: String,
    pub title: String,
    pub version: String,
    pub lang: String,
    pub slogan: Option<Text>,
    pub owners: Vec<String>,
    pub effective_from: Option<String>,
    pub organization: Option<String>,
    pub created: Option<String>,
    pub revised: Option<String>,
    pub legal_refs: Vec<LegalRef>,
    pub vendors: Vec<Vendor>,
    /// IANA time zone (checked), [`DEFAULT_TIMEZONE`] when the policy names none.
    pub timezone: String,
}

/// The time zone of a policy that names none.
pub const DEFAULT_TIMEZONE: &str = "Asia/Tokyo";

/// The compiled `review.yaml`: per contract column, the CRM's headers and its labels → ids
/// (every id checked against its set).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewMap {
    pub columns: std::collections::BTreeMap<String, Vec<String>>,
    pub values: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

/// A whole compiled policy.
#[derive(Clone, Debug)]
pub struct Policy {
    pub manifest: Manifest,
    pub stance: Option<Stance>,
    pub thresholds: Vec<Threshold>,
    pub conduct: Axis,
    pub demand: Axis,
    pub verdicts: Vec<Verdict>,
    /// `grid[conduct][demand]` is a verdict index.
    pub grid: Vec<Vec<usize>>,
    pub grid_origin: Origin,
    pub conduct_types: Vec<Type>,
    pub demand_types: Vec<Type>,
    pub events: Vec<Named>,
    /// Protective caps, in declaration order.
    pub caps: Vec<Cap>,
    pub channels: Vec<Named>,
    pub tags: Vec<Named>,
    /// Who the other party of a contact may be.
    pub parties: Vec<Named>,
    /// Facts over time.
    pub counters: Vec<Counter>,
    pub roles: Vec<Role>,
    pub scripts: Vec<Script>,
    pub flows: Vec<Flow>,
    pub aftercare: Vec<AftercareItem>,
    pub invariants: Vec<Invariant>,
    pub definitions: Vec<Definition>,
    pub cases: Vec<Case>,
    pub pages: Vec<Page>,
    /// Search synonyms from `vocabulary.yaml`: (term, everyday words).
    pub synonyms: Vec<(String, Vec<String>)>,
    /// How the policy meets laws and guidelines (`compliance.yaml`), when it says so.
    pub compliance: Option<Compliance>,
    /// Where each item comes from, by `kind/id` (empty for a policy without upstream).
    pub provenance: std::collections::BTreeMap<String, crate::provenance::Provenance>,
    /// Upstreams, nearest first: (policy id, version, bundle digest).
    pub lineage: Vec<(String, String, String)>,
    /// How the CRM's review exports map onto the review's columns (`review.yaml`).
    pub review: Option<ReviewMap>,
}

impl Policy {
    pub fn types(&self, axis: AxisKind) -> &[Type] {
        match axis {
            AxisKind::Conduct => &self.conduct_types,
            AxisKind::Demand => &self.demand_types,
        }
    }

    /// `c2×d1`: a cell's name.
    pub fn cell_name(&self, conduct: usize, demand: usize) -> String {
        format!(
            "{}×{}",
            self.conduct.levels[conduct].id, self.demand.levels[demand].id
        )
    }

    pub fn threshold(&self, name: &str) -> Option<&Threshold> {
        self.thresholds.iter().find(|t| t.name == name)
    }
}

pub use crate::duration::{format_duration, format_duration_ja, parse_duration};

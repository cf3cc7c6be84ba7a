//! The compiled policy: every reference resolved to an index, every threshold to a value.
//!
//! Produced by `compile`, read by `eval` and the emitters. Nothing here can dangle: an index
//! always points into the vectors of the same `Policy`.

use crate::diag::Origin;
use crate::model::{LegalRef, Org, Vendor};

/// Prose (Markdown or plain) with the place it was written, for lints and links.
#[derive(Clone, Debug)]
pub struct Text {
    /// The text as written (Markdown where the field is Markdown), placeholders unexpanded.
    pub src: String,
    /// Where the text was written (the value of its key, or a Markdown body).
    pub origin: Origin,
}

/// A resolved threshold value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// A duration, in seconds.
    Duration(u64),
    /// A count (repeats, warnings, contacts).
    Count(u64),
}

/// A named threshold of `policy.yaml` (`long_call: 60m`), referred to by name from types, flows
/// and `{{name}}` placeholders.
#[derive(Clone, Debug)]
pub struct Threshold {
    /// The threshold's name, e.g. `long_call`.
    pub name: String,
    /// Its value, a duration or a count.
    pub value: Quantity,
    /// Where it is set (in a fork: the layer whose value won).
    pub origin: Origin,
}

/// An id with a label and where it was declared (levels, events, channels, tags).
#[derive(Clone, Debug)]
pub struct Named {
    /// The item's id.
    pub id: String,
    /// The item's name in the manual.
    pub label: String,
    /// Its description (Markdown), for levels; `None` for items that have none.
    pub describe: Option<Text>,
    /// Where the item is declared.
    pub origin: Origin,
}

/// One axis of the grid: conduct (行為) or demand (要求).
#[derive(Clone, Debug)]
pub struct Axis {
    /// The axis' name in the manual.
    pub label: String,
    /// The levels, mildest first; a level's index is its severity.
    pub levels: Vec<Named>,
}

/// A verdict (判定), e.g. グレーゾーン. Its index in [`Policy::verdicts`] is its severity.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The verdict's id, e.g. `gray`.
    pub id: String,
    /// The verdict's name in the manual.
    pub label: String,
    /// Its colour in the manual, `#rrggbb`.
    pub color: String,
    /// How staff respond to it (Markdown).
    pub describe: Option<Text>,
    /// Where it is declared.
    pub origin: Origin,
}

/// Which axis a type raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisKind {
    /// 行為: the customer's conduct, the grid's rows.
    Conduct,
    /// 要求: the validity of the demand, the grid's columns.
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
    /// The type's id, e.g. `threat`.
    pub id: String,
    /// The type's name in the manual.
    pub label: String,
    /// The axis it raises.
    pub axis: AxisKind,
    /// The level (index into its axis' levels) a contact with the type has at least.
    pub min_level: usize,
    /// The verdict (index into [`Policy::verdicts`]) a contact with the type gets at least;
    /// conduct types only.
    pub verdict: Option<usize>,
    /// Unacceptable whatever the demand: the grid row of `min_level` is uniform (checked).
    pub independent_of_demand: bool,
    /// The facts that imply the type without it being listed (a derived type).
    pub when: Option<Cond>,
    /// What the type looks like (Markdown).
    pub describe: Option<Text>,
    /// Where the type is declared.
    pub origin: Origin,
}

/// A compiled condition. Every `Some` key must hold; a list holds when any item does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cond {
    /// The final verdict is one of these (indices into [`Policy::verdicts`]).
    pub verdict: Option<Vec<usize>>,
    /// The effective conduct level is at least this level index.
    pub conduct_at_least: Option<usize>,
    /// The effective demand level is at least this level index.
    pub demand_at_least: Option<usize>,
    /// The contact has one of these conduct types (indices into [`Policy::conduct_types`]).
    pub conduct_types: Option<Vec<usize>>,
    /// The contact has one of these demand types (indices into [`Policy::demand_types`]).
    pub demand_types: Option<Vec<usize>>,
    /// The contact has one of these tags (indices into [`Policy::tags`]).
    pub tags: Option<Vec<usize>>,
    /// The contact's channel is one of these (indices into [`Policy::channels`]).
    pub channel: Option<Vec<usize>>,
    /// The contact's party is one of these (indices into [`Policy::parties`]); never holds
    /// without a party.
    pub party: Option<Vec<usize>>,
    /// The contact's `targeted` equals this.
    pub targeted: Option<bool>,
    /// One of these events happened (indices into [`Policy::events`]).
    pub event: Option<Vec<usize>>,
    /// The contact lasted at least this many seconds (`minutes × 60`).
    pub minutes_at_least: Option<u64>,
    /// The same claim was repeated at least this often.
    pub repeats_at_least: Option<u64>,
    /// (counter, count): every counter is at least its count.
    pub counts_at_least: Option<Vec<(usize, u64)>>,
    /// Holds when this inner condition does not.
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
    /// The counter's id, e.g. `same-matter-7d`.
    pub id: String,
    /// What the CRM counts.
    pub label: String,
    /// The period the CRM counts over, in seconds (documentation only).
    pub window: Option<u64>,
    /// Where it is declared.
    pub origin: Origin,
}

/// A protective cap: while `when` holds, the types it names raise their axis at most to the
/// cap's maximum on that axis (index 0 conduct, 1 demand; `None`: no raise at all).
#[derive(Clone, Debug)]
pub struct Cap {
    /// The cap's id, e.g. `elderly-contacts`.
    pub id: String,
    /// The cap's name, shown in the reasons of every verdict it changed.
    pub label: String,
    /// The protective facts (plain facts and types only).
    pub when: Cond,
    /// Types it limits, per axis (conduct, demand).
    pub types: [Vec<usize>; 2],
    /// The highest level those types may raise to, per axis; `None`: no raise at all.
    pub max: [Option<usize>; 2],
    /// Why the policy protects these contacts (Markdown).
    pub describe: Option<Text>,
    /// Where the cap is declared.
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

/// Who acts in a flow.
#[derive(Clone, Debug)]
pub struct Role {
    /// The role's id, e.g. `sv`.
    pub id: String,
    /// The role's name in the manual, e.g. スーパーバイザー.
    pub label: String,
    /// The organisation it belongs to (委託先, 自社, 外部).
    pub org: Org,
    /// What the role does and decides (Markdown).
    pub describe: Option<Text>,
    /// Where the role is declared.
    pub origin: Origin,
}

/// Words staff say or write (録音告知, 警告 …).
#[derive(Clone, Debug)]
pub struct Script {
    /// The script's id, e.g. `warning`.
    pub id: String,
    /// When it is used, shown above its text.
    pub purpose: String,
    /// The channels it is for (indices into [`Policy::channels`]); empty: all channels.
    pub channels: Vec<usize>,
    /// The words (Markdown).
    pub text: Text,
    /// Where the script is declared.
    pub origin: Origin,
}

/// A branch of a step: taken when `when` holds (always, for `otherwise`).
#[derive(Clone, Debug)]
pub struct Branch {
    /// `None` for `otherwise`.
    pub when: Option<Cond>,
    /// The step it leads to (index into the same flow's steps).
    pub to: usize,
    /// Where the branch is written.
    pub origin: Origin,
}

/// A step of a flow.
#[derive(Clone, Debug)]
pub struct Step {
    /// The step's id, unique within its flow.
    pub id: String,
    /// Who performs it (index into [`Policy::roles`]).
    pub role: usize,
    /// The step's name in the diagram and the manual.
    pub title: String,
    /// What to do (`do`, Markdown).
    pub action: Option<Text>,
    /// Time box, in seconds.
    pub limit: Option<u64>,
    /// Longest hold (保留) allowed, in seconds.
    pub hold: Option<u64>,
    /// The script to say (index into [`Policy::scripts`]).
    pub script: Option<usize>,
    /// How many times a route may enter the step (at least 1).
    pub repeat: Option<u64>,
    /// Branches, tried in order.
    pub next: Vec<Branch>,
    /// The outcome of a terminal step.
    pub end: Option<String>,
    /// Where the step is declared.
    pub origin: Origin,
}

/// An escalation flow (対応フロー).
#[derive(Clone, Debug)]
pub struct Flow {
    /// The flow's id, e.g. `phone`.
    pub id: String,
    /// The flow's title.
    pub title: String,
    /// What the flow is for (Markdown).
    pub describe: Option<Text>,
    /// The contacts the flow is for.
    pub applies_to: Cond,
    /// The first step (index into `steps`).
    pub start: usize,
    /// The steps, in source order.
    pub steps: Vec<Step>,
    /// Where the flow is declared (its file).
    pub origin: Origin,
}

/// A follow-up step (事後対応).
#[derive(Clone, Debug)]
pub struct AftercareItem {
    /// The item's id.
    pub id: String,
    /// Who does it (index into [`Policy::roles`]).
    pub role: usize,
    /// Deadline after the contact ends, in seconds.
    pub within: u64,
    /// What is done, in a few words.
    pub title: String,
    /// How to do it (`do`, Markdown).
    pub action: Text,
    /// Where the item is declared.
    pub origin: Origin,
}

/// A rule every flow must satisfy.
#[derive(Clone, Debug)]
pub struct Invariant {
    /// The rule's id.
    pub id: String,
    /// The rule in words, shown in violations.
    pub text: String,
    /// The contacts the rule is about; `None`: all.
    pub when: Option<Cond>,
    /// Every route of such a contact visits a step of one of these roles (indices into
    /// [`Policy::roles`]).
    pub reach_role: Option<Vec<usize>>,
    /// The longest `hold` a step may allow, in seconds (inclusive).
    pub max_hold: Option<u64>,
    /// The longest `limit` a step may have, in seconds (inclusive).
    pub max_limit: Option<u64>,
    /// Where the rule is declared.
    pub origin: Origin,
}

/// A defined term (用語).
#[derive(Clone, Debug)]
pub struct Definition {
    /// The term's id (its file name).
    pub id: String,
    /// The term as it appears in the text.
    pub term: String,
    /// Reading in hiragana.
    pub reading: Option<String>,
    /// Other spellings linked like the term.
    pub aliases: Vec<String>,
    /// Related definitions (indices into [`Policy::definitions`]).
    pub see_also: Vec<usize>,
    /// The term in one sentence, when the front matter gives it.
    pub summary: Option<String>,
    /// The Markdown body.
    pub body: Text,
    /// Where the term is declared.
    pub origin: Origin,
}

/// The facts of a contact, as a case (or a CRM) states them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// The channel (index into [`Policy::channels`]).
    pub channel: usize,
    /// The conduct level as observed (index into the conduct axis' levels).
    pub conduct: usize,
    /// The demand level as observed (index into the demand axis' levels).
    pub demand: usize,
    /// Conduct types listed (indices into [`Policy::conduct_types`]); derived types are not
    /// added here.
    pub conduct_types: Vec<usize>,
    /// Demand types listed (indices into [`Policy::demand_types`]).
    pub demand_types: Vec<usize>,
    /// Tags (indices into [`Policy::tags`]).
    pub tags: Vec<usize>,
    /// Length of the contact, in minutes.
    pub minutes: u64,
    /// How often the same claim was repeated.
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

/// What a case expects.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The verdict (index into [`Policy::verdicts`]).
    pub verdict: usize,
    /// The flow (index into [`Policy::flows`]), when given.
    pub flow: Option<usize>,
    /// The route as step ids, when given (kept as written: an unknown id is a route mismatch).
    pub route: Option<Vec<String>>,
}

/// A case study (事例), which is also a test.
#[derive(Clone, Debug)]
pub struct Case {
    /// The case's id (its file name).
    pub id: String,
    /// The case's title.
    pub title: String,
    /// The contact's facts.
    pub facts: Facts,
    /// The outcome the policy must give.
    pub expect: Expect,
    /// The Markdown body (経緯, 判断のポイント …).
    pub body: Text,
    /// Where the case is declared.
    pub origin: Origin,
}

/// A free page.
#[derive(Clone, Debug)]
pub struct Page {
    /// The page's id (its file name).
    pub id: String,
    /// The page's title.
    pub title: String,
    /// Position in the menu, ascending.
    pub order: i64,
    /// The Markdown body.
    pub body: Text,
    /// Where the page is declared.
    pub origin: Origin,
}

/// The basic stance (基本姿勢).
#[derive(Clone, Debug)]
pub struct Stance {
    /// The section's heading.
    pub title: String,
    /// Short principles (Markdown), shown as a list.
    pub principles: Vec<Text>,
    /// The Markdown body.
    pub body: Text,
    /// The customer-facing basic policy, when the stance gives one.
    pub public: Option<PublicStance>,
}

/// The basic policy published to customers (カスハラ基本方針).
#[derive(Clone, Debug)]
pub struct PublicStance {
    /// The page's title.
    pub title: String,
    /// The policy addressed to customers (Markdown).
    pub text: Text,
    /// Closing words after the list of unacceptable conduct (Markdown).
    pub closing: Option<Text>,
}

/// An item of the policy that a compliance measure names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemLink {
    /// The basic stance (`stance`).
    Stance,
    /// The customer-facing basic policy (`public-policy`).
    PublicPolicy,
    /// The judgment criteria (`criteria`).
    Criteria,
    /// The compliance page itself (`compliance`).
    Compliance,
    /// A defined term (index into [`Policy::definitions`]).
    Definition(usize),
    /// A flow (index into [`Policy::flows`]).
    Flow(usize),
    /// A step of a flow: (flow index, step index).
    Step(usize, usize),
    /// A script (index into [`Policy::scripts`]).
    Script(usize),
    /// A follow-up step (index into [`Policy::aftercare`]).
    Aftercare(usize),
    /// An invariant (index into [`Policy::invariants`]).
    Invariant(usize),
    /// A role (index into [`Policy::roles`]).
    Role(usize),
    /// A case (index into [`Policy::cases`]).
    Case(usize),
    /// A free page (index into [`Policy::pages`]).
    Page(usize),
    /// A protective cap (index into [`Policy::caps`]).
    Cap(usize),
    /// A conduct or demand type (index into [`Policy::types`] of that axis).
    Type(AxisKind, usize),
}

/// A measure of a compliance framework, linked to the items implementing it.
#[derive(Clone, Debug)]
pub struct Measure {
    /// The measure's id.
    pub id: String,
    /// The measure as the framework states it.
    pub title: String,
    /// What it asks for (Markdown).
    pub describe: Option<Text>,
    /// Required (`true`) or only recommended.
    pub required: bool,
    /// The items implementing it.
    pub items: Vec<ItemLink>,
    /// Where the measure is declared.
    pub origin: Origin,
}

/// A law's guideline or a checklist of `compliance.yaml`.
#[derive(Clone, Debug)]
pub struct Framework {
    /// The framework's id.
    pub id: String,
    /// The framework's title.
    pub title: String,
    /// Where it comes from (law, notice, date).
    pub source: Option<String>,
    /// What it asks of the company (Markdown).
    pub describe: Option<Text>,
    /// Its measures.
    pub measures: Vec<Measure>,
    /// Where the framework is declared.
    pub origin: Origin,
}

/// `compliance.yaml`, linked: frameworks, their measures and the items implementing them.
#[derive(Clone, Debug)]
pub struct Compliance {
    /// The frameworks, in source order.
    pub frameworks: Vec<Framework>,
    /// Dated records of making the manual known (周知).
    pub announcements: Vec<crate::model::Announcement>,
}

/// The compiled `policy.yaml` (in a fork: merged with its upstreams').
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The policy's id.
    pub id: String,
    /// The manual's title.
    pub title: String,
    /// The policy's semantic version.
    pub version: String,
    /// Content language (BCP 47), `ja` when the policy names none.
    pub lang: String,
    /// The centre's slogan.
    pub slogan: Option<Text>,
    /// Who maintains the policy.
    pub owners: Vec<String>,
    /// The date from which the policy applies (施行日), `YYYY-MM-DD`.
    pub effective_from: Option<String>,
    /// The company (and department) the manual belongs to.
    pub organization: Option<String>,
    /// When the manual was first made (作成日), `YYYY-MM-DD`.
    pub created: Option<String>,
    /// When the manual was last revised (改定日), `YYYY-MM-DD`.
    pub revised: Option<String>,
    /// Laws, guidelines and manuals the policy builds on.
    pub legal_refs: Vec<LegalRef>,
    /// The outsourced vendors (委託先).
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
    /// Contract column → the CRM's headers for it.
    pub columns: std::collections::BTreeMap<String, Vec<String>>,
    /// Contract column → {the CRM's label: id}.
    pub values: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

/// A whole compiled policy.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The manifest (`policy.yaml`).
    pub manifest: Manifest,
    /// The basic stance, when `stance.md` could be read.
    pub stance: Option<Stance>,
    /// The named thresholds, sorted by name.
    pub thresholds: Vec<Threshold>,
    /// The conduct axis (行為), the grid's rows.
    pub conduct: Axis,
    /// The demand axis (要求), the grid's columns.
    pub demand: Axis,
    /// The verdicts, least severe first.
    pub verdicts: Vec<Verdict>,
    /// `grid[conduct][demand]` is a verdict index.
    pub grid: Vec<Vec<usize>>,
    /// Where the grid is written (`grid:` of `criteria.yaml`).
    pub grid_origin: Origin,
    /// The conduct types (行為の類型).
    pub conduct_types: Vec<Type>,
    /// The demand types (要求の類型).
    pub demand_types: Vec<Type>,
    /// What can happen during a contact.
    pub events: Vec<Named>,
    /// Protective caps, in declaration order.
    pub caps: Vec<Cap>,
    /// The declared channels.
    pub channels: Vec<Named>,
    /// The declared tags.
    pub tags: Vec<Named>,
    /// Who the other party of a contact may be.
    pub parties: Vec<Named>,
    /// Facts over time.
    pub counters: Vec<Counter>,
    /// Who acts.
    pub roles: Vec<Role>,
    /// The words staff say.
    pub scripts: Vec<Script>,
    /// The escalation flows.
    pub flows: Vec<Flow>,
    /// The follow-up steps (事後対応).
    pub aftercare: Vec<AftercareItem>,
    /// The rules every flow must satisfy.
    pub invariants: Vec<Invariant>,
    /// The defined terms (用語).
    pub definitions: Vec<Definition>,
    /// The case studies (事例).
    pub cases: Vec<Case>,
    /// The free pages, in menu order.
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
    /// The conduct or demand types.
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

    /// The threshold of that name.
    pub fn threshold(&self, name: &str) -> Option<&Threshold> {
        self.thresholds.iter().find(|t| t.name == name)
    }
}

pub use crate::duration::{format_duration, format_duration_ja, parse_duration};

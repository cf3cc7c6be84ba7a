//! The source model: one Rust type per kind of policy file, exactly as authors write it.
//!
//! These types are the single source of truth for the format: `serde` reads them, `schemars`
//! derives the JSON Schema from them (`mamoru schema`), and the doc comments become the schema's
//! descriptions that editors show. Unknown keys are refused everywhere (`deny_unknown_fields`).
//! References are still plain ids here; `compile` checks and resolves them.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Pattern of ids: lowercase ASCII slugs.
pub const ID_PATTERN: &str = "^[a-z0-9][a-z0-9-]*$";
/// Pattern of threshold names (underscores allowed, must start with a letter).
pub const THRESHOLD_PATTERN: &str = "^[a-z][a-z0-9_-]*$";
/// Pattern of a literal duration.
pub const DURATION_PATTERN: &str = "^[0-9]+(s|m|h|d)$";

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident, $schema:tt) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);
        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_newtype!(
    /// An id: a lowercase slug such as `customer-continues`, unique within its kind.
    Id,
    {"type": "string", "pattern": ID_PATTERN, "description": "an id: lowercase letters, digits and hyphens, starting with a letter or digit (e.g. `sv-consult`)"}
);
string_newtype!(
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date", "description": "a date as YYYY-MM-DD"}
);
string_newtype!(
    /// A semantic version such as `1.2.0`.
    Version,
    {"type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$", "description": "a semantic version such as 1.2.0 (quote it if YAML would read it as a number)"}
);
string_newtype!(
    /// A duration literal (`90s`, `3m`, `1h`, `2d`) or the name of a duration threshold.
    DurationRef,
    {"type": "string", "pattern": "^([0-9]+(s|m|h|d)|[a-z][a-z0-9_-]*)$", "description": "a duration such as 90s, 3m, 1h, 2d, or the name of a threshold in policy.yaml"}
);

/// A count: a whole number, or the name of a count threshold in `policy.yaml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CountRef {
    Number(u64),
    Threshold(String),
}

impl JsonSchema for CountRef {
    fn schema_name() -> Cow<'static, str> {
        "CountRef".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "a whole number, or the name of a threshold in policy.yaml",
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": THRESHOLD_PATTERN}
            ]
        })
    }
}

/// Minutes in a condition: a number of minutes, a duration (`60m`) or a duration threshold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MinutesRef {
    Minutes(u64),
    Duration(DurationRef),
}

impl JsonSchema for MinutesRef {
    fn schema_name() -> Cow<'static, str> {
        "MinutesRef".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let d = g.subschema_for::<DurationRef>();
        json_schema!({
            "description": "a number of minutes, a duration such as 60m, or the name of a duration threshold",
            "anyOf": [{"type": "integer", "minimum": 0}, d]
        })
    }
}

/// A threshold's value: a duration (`60m`) or a count (`3`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ThresholdValue {
    Count(u64),
    Duration(String),
}

impl JsonSchema for ThresholdValue {
    fn schema_name() -> Cow<'static, str> {
        "ThresholdValue".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "a duration such as 60m, or a whole number",
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": DURATION_PATTERN}
            ]
        })
    }
}

/// One id or a list of ids ("any of").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(Id),
    Many(Vec<Id>),
}

impl OneOrMany {
    pub fn ids(&self) -> &[Id] {
        match self {
            OneOrMany::One(id) => std::slice::from_ref(id),
            OneOrMany::Many(v) => v,
        }
    }
}

impl JsonSchema for OneOrMany {
    fn schema_name() -> Cow<'static, str> {
        "OneOrMany".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let id = g.subschema_for::<Id>();
        json_schema!({
            "description": "an id, or a list of ids (any of them)",
            "anyOf": [id, {"type": "array", "items": id}]
        })
    }
}

// ---------------------------------------------------------------------------------------------
// policy.yaml

/// `policy.yaml`: the manifest of a policy.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The policy's id (a slug).
    pub id: Id,
    /// The manual's title.
    pub title: String,
    /// Semantic version of the policy.
    pub version: Version,
    /// Content language (BCP 47), `ja` by default.
    pub lang: Option<String>,
    /// The centre's slogan, shown first in the manual.
    pub slogan: Option<String>,
    /// Who maintains the policy.
    #[serde(default)]
    pub owners: Vec<String>,
    /// The date from which the policy applies.
    pub effective_from: Option<Date>,
    /// The company (and department) the manual belongs to, shown on every page.
    pub organization: Option<String>,
    /// When the manual was first made (作成日), shown on every page.
    pub created: Option<Date>,
    /// When the manual was last revised (改定日), shown on every page; not before `created`.
    pub revised: Option<Date>,
    /// Laws, guidelines and manuals the policy builds on.
    #[serde(default)]
    pub legal_refs: Vec<LegalRef>,
    /// Named thresholds (durations or counts), referred to by name from types, flows and text.
    #[serde(default)]
    pub thresholds: BTreeMap<String, ThresholdValue>,
    /// Outsourced vendors (委託先) that operate the policy.
    #[serde(default)]
    pub vendors: Vec<Vendor>,
    /// IANA time zone of the contact centre (`Asia/Tokyo` when absent): the weekly review counts
    /// ISO weeks in it.
    pub timezone: Option<String>,
    /// What departments that fork this policy may change.
    pub fork: Option<ForkRules>,
    /// The upstream policy this one forks (a department's or a vendor's policy).
    pub extends: Option<Extends>,
    /// Upstream items this fork drops, each with its record.
    pub remove: Option<Removals>,
}

/// `extends:` the upstream policy of a fork.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extends {
    /// Folder of the upstream policy, relative to this policy's folder.
    pub path: String,
    /// Versions of the upstream this fork accepts, e.g. `^1.2`.
    pub version: String,
    /// `department` (the default) or `vendor`: a vendor may set display names and contact
    /// points only, never thresholds or timings.
    #[serde(default)]
    pub kind: ForkKind,
    /// The upstream version and bundle digest this fork was last reviewed against.
    pub reviewed: Option<Reviewed>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ForkKind {
    #[default]
    Department,
    Vendor,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reviewed {
    pub version: String,
    /// `sha256:` digest of the upstream's bundle.
    pub digest: String,
}

/// Why a fork replaces or removes an upstream item.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OverrideRecord {
    pub why: String,
    pub owner: String,
    /// When the deviation must be reviewed again.
    pub review_by: Date,
    /// Digest of the upstream item when it was last reviewed (see `mamoru check` hints).
    pub upstream_digest: Option<String>,
}

/// A removal: the id of an upstream item and its record.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    pub id: Id,
    pub why: String,
    pub owner: String,
    pub review_by: Date,
}

/// Upstream items a fork drops, per kind.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Removals {
    #[serde(default)]
    pub definitions: Vec<Removal>,
    #[serde(default)]
    pub roles: Vec<Removal>,
    #[serde(default)]
    pub scripts: Vec<Removal>,
    #[serde(default)]
    pub flows: Vec<Removal>,
    #[serde(default)]
    pub aftercare: Vec<Removal>,
    #[serde(default)]
    pub invariants: Vec<Removal>,
    #[serde(default)]
    pub cases: Vec<Removal>,
    #[serde(default)]
    pub pages: Vec<Removal>,
}

/// A law, guideline or manual the policy refers to.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalRef {
    pub title: String,
    pub url: Option<String>,
    pub note: Option<String>,
}

/// An outsourced vendor (委託先).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub id: Id,
    pub name: String,
    pub contact: Option<String>,
}

/// The parts of a policy a fork may not change, and the bounds its flows must respect.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForkRules {
    /// Kinds a fork may not change.
    #[serde(default)]
    pub locked: Vec<LockablePart>,
    /// Limits on the timings of a fork's flows.
    pub bounds: Option<Bounds>,
}

/// A part of a policy that an upstream can lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LockablePart {
    Definitions,
    Stance,
    Criteria,
    Invariants,
    Roles,
    Scripts,
    Flows,
    Aftercare,
    Cases,
    Pages,
    Thresholds,
    Compliance,
}

/// Limits on the durations in a fork's flows.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    pub hold: Option<Bound>,
    pub limit: Option<Bound>,
}

/// An inclusive upper bound.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    pub max: DurationRef,
}

// ---------------------------------------------------------------------------------------------
// Markdown front matter

/// Front matter of `stance.md` (基本姿勢).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StanceMatter {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    pub title: String,
    /// Short principles, shown as a list before the text.
    #[serde(default)]
    pub principles: Vec<String>,
    /// The basic policy as published to customers (カスハラ基本方針), a page of its own.
    pub public: Option<PublicStance>,
}

/// The customer-facing basic policy: its title and text; the manual adds the conduct the
/// criteria hold unacceptable whatever the demand, the organisation and the dates.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicStance {
    pub title: String,
    /// Markdown, addressed to customers.
    pub text: String,
    /// Closing words after the list of unacceptable conduct (Markdown).
    pub closing: Option<String>,
}

/// Front matter of `definitions/<id>.md`: one defined term (用語).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefinitionMatter {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// Must equal the file name without `.md`.
    pub id: Id,
    /// The term as it appears in the text.
    pub term: String,
    /// Reading in hiragana.
    pub reading: Option<String>,
    /// Other spellings that count as the term.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Related definitions.
    #[serde(default)]
    pub see_also: Vec<Id>,
    /// One sentence; the first paragraph of the body when absent.
    pub summary: Option<String>,
}

/// Front matter of `pages/<id>.md`: a free page.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageMatter {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    pub title: String,
    /// Position in the menu (ascending).
    #[serde(default)]
    pub order: i64,
}

/// Front matter of `cases/<id>.md`: a case study, which is also a test.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseMatter {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// Must equal the file name without `.md`.
    pub id: Id,
    pub title: String,
    /// The channel of the contact.
    pub channel: Id,
    /// The conduct level (行為) as observed, before types raise it.
    pub conduct: Id,
    /// The demand level (要求) as observed, before types raise it.
    pub demand: Id,
    #[serde(default)]
    pub conduct_types: Vec<Id>,
    #[serde(default)]
    pub demand_types: Vec<Id>,
    #[serde(default)]
    pub tags: Vec<Id>,
    /// Length of the contact in minutes.
    #[serde(default)]
    pub minutes: u64,
    /// How often the same claim was repeated.
    #[serde(default)]
    pub repeats: u64,
    /// What happened during the contact.
    #[serde(default)]
    pub events: Vec<Id>,
    /// Who the other party is (a party id of `vocabulary.yaml`); not recorded when absent.
    pub party: Option<Id>,
    /// The other party singled out one staff member (named them, demanded their real name,
    /// threatened to expose them).
    #[serde(default)]
    pub targeted: bool,
    /// Facts over time: counter id (of `vocabulary.yaml`) → value; an absent counter is 0.
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    /// The outcome the policy must give.
    pub expect: Expect,
}

/// What a case expects: its verdict, and optionally its flow and route.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub verdict: Id,
    pub flow: Option<Id>,
    pub route: Option<Vec<Id>>,
}

// ---------------------------------------------------------------------------------------------
// criteria.yaml

/// `criteria.yaml`: the two axes, the verdicts, the grid and the types (判断基準).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    pub axes: Axes,
    /// Verdicts from least to most severe.
    #[schemars(length(min = 1))]
    pub verdicts: Vec<VerdictDef>,
    /// One row per conduct level id; one verdict id per demand level, in the demand axis' order.
    pub grid: BTreeMap<String, Vec<Id>>,
    #[serde(default)]
    pub conduct_types: Vec<ConductType>,
    #[serde(default)]
    pub demand_types: Vec<DemandType>,
    /// What can happen during a contact; flows branch on them.
    #[serde(default)]
    pub events: Vec<Labelled>,
    /// Protective caps: when a protective fact holds, some types raise a level less far.
    #[serde(default)]
    pub caps: Vec<Cap>,
}

/// A protective cap (保護的な上限): while `when` holds, the types named raise their axis at
/// most to `max_conduct` / `max_demand` (not at all when no maximum is given). Checked: a cap
/// never touches a type that is unacceptable whatever the demand, and must change something.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    pub id: Id,
    pub label: String,
    /// The protective facts (plain facts and types; no verdicts, levels or events).
    pub when: Condition,
    /// Conduct types whose raise the cap limits.
    #[serde(default)]
    pub conduct_types: Vec<Id>,
    /// The highest conduct level those types may raise to; absent: no raise at all.
    pub max_conduct: Option<Id>,
    /// Demand types whose raise the cap limits.
    #[serde(default)]
    pub demand_types: Vec<Id>,
    /// The highest demand level those types may raise to; absent: no raise at all.
    pub max_demand: Option<Id>,
    pub describe: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Axes {
    /// 行為: the customer's conduct, vertical axis, from mild to severe.
    pub conduct: Axis,
    /// 要求: the validity of the demand, horizontal axis, from valid to invalid.
    pub demand: Axis,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    pub label: String,
    #[schemars(length(min = 1))]
    pub levels: Vec<Level>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub id: Id,
    pub label: String,
    pub describe: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictDef {
    pub id: Id,
    pub label: String,
    /// Colour in the manual, `#rrggbb`.
    #[schemars(regex(pattern = "^#[0-9a-fA-F]{6}$"))]
    pub color: String,
    pub describe: Option<String>,
}

/// An observable behaviour (行為の類型) that sets a minimum conduct level.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConductType {
    pub id: Id,
    pub label: String,
    /// The conduct level a contact with this type has at least.
    pub min_level: Id,
    /// A verdict this type raises the result to, whatever the grid says.
    pub verdict: Option<Id>,
    /// Unacceptable whatever the demand: the grid row of `min_level` must be uniform.
    #[serde(default)]
    pub independent_of_demand: bool,
    /// When the contact's facts imply the type (e.g. a long call).
    pub when: Option<FactCondition>,
    pub describe: Option<String>,
}

/// A kind of demand (要求の類型) that sets a minimum demand level.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandType {
    pub id: Id,
    pub label: String,
    pub min_level: Id,
    pub when: Option<FactCondition>,
    pub describe: Option<String>,
}

/// An id with a label (events, channels, tags).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    pub id: Id,
    pub label: String,
}

/// A condition on the plain facts of a contact (for derived types): all keys must hold.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactCondition {
    pub channel: Option<OneOrMany>,
    pub tags: Option<OneOrMany>,
    /// The other party is one of these parties.
    pub party: Option<OneOrMany>,
    /// The other party singled out one staff member (or did not, with `false`).
    pub targeted: Option<bool>,
    /// Minutes, a duration, or a duration threshold.
    pub minutes_at_least: Option<MinutesRef>,
    pub repeats_at_least: Option<CountRef>,
    /// Every listed counter (facts over time) is at least its count.
    pub counts_at_least: Option<BTreeMap<String, CountRef>>,
    /// Holds when this inner condition does not.
    pub not: Option<Box<FactCondition>>,
    /// Holds when at least one of these conditions holds.
    pub any: Option<Vec<FactCondition>>,
}

/// A counter: a fact over time that the CRM counts (contacts in the last 24 hours …).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    pub id: Id,
    pub label: String,
    /// The period the CRM counts over (documentation for the systems that fill it in).
    pub window: Option<DurationRef>,
}

// ---------------------------------------------------------------------------------------------
// vocabulary.yaml, roles.yaml, scripts.yaml, aftercare.yaml, invariants.yaml

/// `vocabulary.yaml`: the channels and tags contacts may carry.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    #[serde(default)]
    pub channels: Vec<Labelled>,
    #[serde(default)]
    pub tags: Vec<Labelled>,
    /// Who the other party of a contact may be (customer, family, proxy, business partner …).
    #[serde(default)]
    pub parties: Vec<Labelled>,
    /// Facts over time that contacts may carry as `counts`.
    #[serde(default)]
    pub counters: Vec<Counter>,
    /// Everyday words for the manual's terms, for its search (怒鳴る・大声 → 暴言).
    #[serde(default)]
    pub synonyms: Vec<Synonym>,
}

/// A search synonym: a query for any of `words` also finds `term` (同義語).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Synonym {
    /// The word the manual uses (a term, a label or any phrase in its text).
    #[schemars(length(min = 1))]
    pub term: String,
    /// Words readers may type instead.
    #[schemars(length(min = 1), inner(length(min = 1)))]
    pub words: Vec<String>,
}

/// Who acts in a flow.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    pub id: Id,
    pub label: String,
    pub org: Org,
    pub describe: Option<String>,
}

/// Which organisation a role belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Org {
    /// 委託先: an outsourced vendor.
    Vendor,
    /// 自社: the company's own employees.
    Inhouse,
    /// 外部: police, lawyers and other outside parties.
    External,
}

/// Words staff say or write (録音告知, 注意, 警告, 切電 …).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    pub id: Id,
    pub purpose: String,
    /// Channels the script is for; all channels when absent.
    #[serde(default)]
    pub channel: Vec<Id>,
    pub text: String,
}

/// A follow-up step (事後対応).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AftercareItem {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    pub id: Id,
    pub role: Id,
    /// Deadline after the contact.
    pub within: DurationRef,
    pub title: String,
    #[serde(rename = "do")]
    pub action: String,
}

/// A rule every flow must satisfy.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Invariant {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    pub id: Id,
    pub text: String,
    /// The contacts the rule is about (all when absent).
    pub when: Option<Condition>,
    /// Every route of such a contact visits a step of this role (or one of these roles).
    pub reach_role: Option<OneOrMany>,
    /// No step may hold (保留) longer than this.
    pub max_hold: Option<DurationRef>,
    /// No step may have a time limit longer than this.
    pub max_limit: Option<DurationRef>,
}

// ---------------------------------------------------------------------------------------------
// flows/*.yaml

/// A condition on a contact: every key given must hold; a list means any of its items.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub verdict: Option<OneOrMany>,
    /// The effective conduct level is at least this level.
    pub conduct_at_least: Option<Id>,
    /// The effective demand level is at least this level.
    pub demand_at_least: Option<Id>,
    pub conduct_types: Option<OneOrMany>,
    pub demand_types: Option<OneOrMany>,
    pub tags: Option<OneOrMany>,
    pub channel: Option<OneOrMany>,
    /// The other party is one of these parties.
    pub party: Option<OneOrMany>,
    /// The other party singled out one staff member (or did not, with `false`).
    pub targeted: Option<bool>,
    /// Something that happened during the contact.
    pub event: Option<OneOrMany>,
    /// Minutes, a duration, or a duration threshold.
    pub minutes_at_least: Option<MinutesRef>,
    pub repeats_at_least: Option<CountRef>,
    /// Every listed counter (facts over time) is at least its count.
    pub counts_at_least: Option<BTreeMap<String, CountRef>>,
    /// Holds when this inner condition does not.
    pub not: Option<Box<Condition>>,
    /// Holds when at least one of these conditions holds.
    pub any: Option<Vec<Condition>>,
}

/// `flows/<id>.yaml`: an escalation flow (対応フロー).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// Must equal the file name without `.yaml`.
    pub id: Id,
    pub title: String,
    pub describe: Option<String>,
    /// The contacts this flow is for; flows must not overlap.
    pub applies_to: Condition,
    /// The first step.
    pub start: Id,
    #[schemars(length(min = 1))]
    pub steps: Vec<Step>,
}

/// A step of a flow.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the flow.
    pub id: Id,
    /// Who performs the step.
    pub role: Id,
    pub title: String,
    /// What to do (Markdown).
    #[serde(rename = "do")]
    pub action: Option<String>,
    /// Time box for the step.
    pub limit: Option<DurationRef>,
    /// Longest hold (保留) allowed in this step.
    pub hold: Option<DurationRef>,
    /// A script to say, from scripts.yaml.
    pub script: Option<Id>,
    /// The step may be entered at most this many times on one route.
    pub repeat: Option<CountRef>,
    /// Branches tried in order.
    #[serde(default)]
    pub next: Vec<Branch>,
    /// Makes the step terminal; the text is the outcome.
    pub end: Option<String>,
}

/// A branch: `{when, to}`, or `{otherwise}` as the last branch.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub when: Option<Condition>,
    pub to: Option<Id>,
    pub otherwise: Option<Id>,
}

// ---------------------------------------------------------------------------------------------
// review.yaml

/// The ids a review column takes (labels may be mapped onto them in `review.yaml` `values`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdSet {
    Vendors,
    Channels,
    ConductLevels,
    DemandLevels,
    ConductTypes,
    DemandTypes,
    Tags,
    Events,
    Verdicts,
    Roles,
}

/// What a column of a review export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnValue {
    /// Text kept as written (the CRM's contact id).
    Text,
    /// `YYYY-MM-DD` or an RFC 3339 date-time.
    Date,
    /// A whole number.
    Number,
    /// An id of a set, or a label mapped onto one.
    One(IdSet),
    /// Ids of a set, `;`-separated in CSV.
    List(IdSet),
}

/// A column of the review contract (see `docs/review.md`).
#[derive(Clone, Copy, Debug)]
pub struct ReviewColumn {
    pub name: &'static str,
    pub value: ColumnValue,
    pub required: bool,
    pub describe: &'static str,
}

/// The columns of a review export, in the order the docs list them. The one table both
/// `review.yaml`'s schema and the review's reader are built from: a new fact column is a new row.
pub const REVIEW_COLUMNS: &[ReviewColumn] = {
    use ColumnValue::*;
    use IdSet::*;
    const fn col(
        name: &'static str,
        value: ColumnValue,
        required: bool,
        describe: &'static str,
    ) -> ReviewColumn {
        ReviewColumn {
            name,
            value,
            required,
            describe,
        }
    }
    &[
        col(
            "id",
            Text,
            true,
            "the CRM's contact id, unique across the inputs",
        ),
        col(
            "date",
            Date,
            false,
            "start of the contact: YYYY-MM-DD or RFC 3339",
        ),
        col("vendor", One(Vendors), true, "a vendor id of policy.yaml"),
        col("channel", One(Channels), true, "the contact's channel"),
        col(
            "conduct",
            One(ConductLevels),
            true,
            "conduct level as observed",
        ),
        col(
            "demand",
            One(DemandLevels),
            true,
            "demand level as observed",
        ),
        col(
            "conduct_types",
            List(ConductTypes),
            false,
            "conduct types, `;`-separated",
        ),
        col(
            "demand_types",
            List(DemandTypes),
            false,
            "demand types, `;`-separated",
        ),
        col("tags", List(Tags), false, "tags, `;`-separated"),
        col("minutes", Number, false, "length of the contact in minutes"),
        col(
            "repeats",
            Number,
            false,
            "how often the same claim was repeated",
        ),
        col(
            "events",
            List(Events),
            false,
            "what happened during the contact, `;`-separated",
        ),
        col(
            "field_verdict",
            One(Verdicts),
            true,
            "the verdict the vendor recorded",
        ),
        col(
            "hold_seconds",
            Number,
            false,
            "the longest hold during the contact, in seconds",
        ),
        col(
            "reached",
            List(Roles),
            false,
            "roles the contact reached, `;`-separated",
        ),
    ]
};

/// The CRM's name of a column: one header, or several (one per CRM or export layout).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Headers {
    One(String),
    Many(Vec<String>),
}

impl Headers {
    pub fn names(&self) -> &[String] {
        match self {
            Headers::One(h) => std::slice::from_ref(h),
            Headers::Many(v) => v,
        }
    }
}

/// `review.yaml` `columns`: contract column → the CRM's header(s).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReviewColumns(pub BTreeMap<String, Headers>);

impl JsonSchema for ReviewColumns {
    fn schema_name() -> Cow<'static, str> {
        "ReviewColumns".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let header = serde_json::json!({
            "description": "a header of the export, or a list of headers (one per export layout)",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}
            ]
        });
        let props: serde_json::Map<String, serde_json::Value> = REVIEW_COLUMNS
            .iter()
            .map(|c| {
                let mut h = header.clone();
                h["description"] = format!("the header of `{}`: {}", c.name, c.describe).into();
                (c.name.to_string(), h)
            })
            .collect();
        json_schema!({
            "description": "the CRM's header for each column of the review contract",
            "type": "object",
            "properties": props,
            "additionalProperties": false
        })
    }
}

/// `review.yaml` `values`: contract column → {the CRM's label: id}.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReviewValues(pub BTreeMap<String, BTreeMap<String, Id>>);

impl JsonSchema for ReviewValues {
    fn schema_name() -> Cow<'static, str> {
        "ReviewValues".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let id = g.subschema_for::<Id>().to_value();
        let props: serde_json::Map<String, serde_json::Value> = REVIEW_COLUMNS
            .iter()
            .filter(|c| matches!(c.value, ColumnValue::One(_) | ColumnValue::List(_)))
            .map(|c| {
                (
                    c.name.to_string(),
                    serde_json::json!({
                        "description": format!("the CRM's labels of `{}`, each mapped onto an id", c.name),
                        "type": "object",
                        "additionalProperties": id,
                    }),
                )
            })
            .collect();
        json_schema!({
            "description": "labels the CRM writes, mapped onto the policy's ids, per column",
            "type": "object",
            "properties": props,
            "additionalProperties": false
        })
    }
}

/// `review.yaml`: how the CRM's export of flagged contacts maps onto the review's columns.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewMapping {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The CRM's header of each column (the contract's own names are always accepted too).
    #[serde(default)]
    pub columns: ReviewColumns,
    /// The CRM's value labels, mapped onto ids (ids and the policy's labels are always accepted).
    #[serde(default)]
    pub values: ReviewValues,
}

// ---------------------------------------------------------------------------------------------
// compliance.yaml

/// `compliance.yaml`: how the policy meets laws, guidelines and checklists, measure by measure.
/// The measures are data, so a new guideline is an edit of this file, not a new mamoru.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Compliance {
    /// In a fork: why this item replaces the upstream's.
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    #[schemars(length(min = 1))]
    pub frameworks: Vec<Framework>,
    /// Dated records of how the manual was made known to staff and customers (周知の記録).
    #[serde(default)]
    pub announcements: Vec<Announcement>,
}

/// A law's guideline or a checklist: the measures it requires.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: Id,
    pub title: String,
    /// Where it comes from (law, notice, date).
    pub source: Option<String>,
    pub describe: Option<String>,
    #[schemars(length(min = 1))]
    pub measures: Vec<Measure>,
}

/// One required (or recommended) measure and the policy items that implement it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub id: Id,
    pub title: String,
    pub describe: Option<String>,
    /// A required measure with no item is warned about (`W016`); default `true`.
    #[serde(default = "yes")]
    pub required: bool,
    /// Items implementing it: `stance`, `public-policy`, `criteria`, `compliance`, or
    /// `KIND/ID` (`flows/phone`, `aftercare/flag`, `pages/contacts`, `caps/elderly` …), or a
    /// step as `flows/ID/STEP`.
    #[serde(default)]
    pub items: Vec<ItemRef>,
}

fn yes() -> bool {
    true
}

string_newtype!(
    /// A reference to an item of the policy: `stance`, `flows/phone`, `flows/phone/listen` ….
    ItemRef,
    {"type": "string", "pattern": "^[a-z_-]+(/[a-z0-9][a-z0-9-]*){0,2}$", "description": "an item of the policy: stance, public-policy, criteria, compliance, or KIND/ID such as flows/phone, aftercare/flag, pages/contacts, caps/elderly, conduct_types/threat; a flow step as flows/ID/STEP"}
);

/// A dated record of making the manual known (周知).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    pub date: Date,
    /// Who was told (staff of all vendors, customers …).
    pub audience: String,
    /// How (intranet, e-mail, training, the website …).
    pub method: String,
}

// ---------------------------------------------------------------------------------------------
// Kinds of files

/// The kinds of files in a policy folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Manifest,
    Stance,
    Definition,
    Criteria,
    Vocabulary,
    Roles,
    Scripts,
    Flow,
    Aftercare,
    Invariants,
    Case,
    Page,
    Review,
    Compliance,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Manifest,
        Kind::Stance,
        Kind::Definition,
        Kind::Criteria,
        Kind::Vocabulary,
        Kind::Roles,
        Kind::Scripts,
        Kind::Flow,
        Kind::Aftercare,
        Kind::Invariants,
        Kind::Case,
        Kind::Page,
        Kind::Review,
        Kind::Compliance,
    ];

    /// The schema's name of the kind (`mamoru schema --kind NAME`, `schema/NAME.schema.json`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Manifest => "policy",
            Kind::Stance => "stance",
            Kind::Definition => "definition",
            Kind::Criteria => "criteria",
            Kind::Vocabulary => "vocabulary",
            Kind::Roles => "roles",
            Kind::Scripts => "scripts",
            Kind::Flow => "flow",
            Kind::Aftercare => "aftercare",
            Kind::Invariants => "invariants",
            Kind::Case => "case",
            Kind::Page => "page",
            Kind::Review => "review",
            Kind::Compliance => "compliance",
        }
    }

    /// The fixed file name of single-file kinds.
    pub fn file_name(self) -> Option<&'static str> {
        Some(match self {
            Kind::Manifest => "policy.yaml",
            Kind::Stance => "stance.md",
            Kind::Criteria => "criteria.yaml",
            Kind::Vocabulary => "vocabulary.yaml",
            Kind::Roles => "roles.yaml",
            Kind::Scripts => "scripts.yaml",
            Kind::Aftercare => "aftercare.yaml",
            Kind::Invariants => "invariants.yaml",
            Kind::Review => "review.yaml",
            Kind::Compliance => "compliance.yaml",
            Kind::Definition | Kind::Flow | Kind::Case | Kind::Page => return None,
        })
    }

    /// Markdown with front matter (the schema applies to the front matter).
    pub fn is_markdown(self) -> bool {
        matches!(
            self,
            Kind::Stance | Kind::Definition | Kind::Case | Kind::Page
        )
    }

    /// Files that hold a YAML list of items.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Kind::Roles | Kind::Scripts | Kind::Aftercare | Kind::Invariants
        )
    }

    /// JSON Schema of this kind's YAML (the front matter for Markdown files).
    pub fn schema(self, g: &mut SchemaGenerator) -> Schema {
        match self {
            Kind::Manifest => g.subschema_for::<Manifest>(),
            Kind::Stance => g.subschema_for::<StanceMatter>(),
            Kind::Definition => g.subschema_for::<DefinitionMatter>(),
            Kind::Criteria => g.subschema_for::<Criteria>(),
            Kind::Vocabulary => g.subschema_for::<Vocabulary>(),
            Kind::Roles => g.subschema_for::<Vec<Role>>(),
            Kind::Scripts => g.subschema_for::<Vec<Script>>(),
            Kind::Flow => g.subschema_for::<Flow>(),
            Kind::Aftercare => g.subschema_for::<Vec<AftercareItem>>(),
            Kind::Invariants => g.subschema_for::<Vec<Invariant>>(),
            Kind::Case => g.subschema_for::<CaseMatter>(),
            Kind::Page => g.subschema_for::<PageMatter>(),
            Kind::Review => g.subschema_for::<ReviewMapping>(),
            Kind::Compliance => g.subschema_for::<Compliance>(),
        }
    }
}

//! The rule bundle: the compiled policy as data for other systems (CRMs, vendor systems, the
//! weekly review), with its own versioned JSON Schema (`mamoru schema --bundle`).
//!
//! A consumer in Rust loads a bundle and classifies contacts with [`Engine`]; consumers in other
//! languages need only `bundle.json` and `bundle.schema.json`. The doc comments of the types here
//! are the descriptions of that published schema, so they are written for the developer of a
//! CRM who reads `bundle.json`.
//!
//! Inside: `engine.rs` (contacts in, classifications out), `lower.rs` (a bundle turned back
//! into the compiled policy `eval` reads), `vocab.rs` (the id lists references point into),
//! `stream.rs` (`mamoru classify` on JSON Lines).
//!
//! ```
//! use mamoru::bundle::{Bundle, Contact};
//! # let policy = mamoru::ops::check(&mamoru::ops::Input::Builtin).unwrap().policy.unwrap();
//! # let json = mamoru::emit::bundle::render(&mamoru::emit::bundle::build(&policy, None));
//! let bundle = Bundle::from_json(&json).unwrap();
//! let engine = bundle.engine().unwrap();
//! let contact: Contact = serde_json::from_str(
//!     r#"{"id": "A-1", "channel": "phone", "conduct": "c4", "demand": "d1"}"#,
//! ).unwrap();
//! let result = engine.classify(&contact).unwrap();
//! assert_eq!(result.verdict, "harassment");
//! assert_eq!(result.flow.as_deref(), Some("phone"));
//! assert_eq!(result.route.first().map(String::as_str), Some("listen"));
//! ```

mod engine;
mod lower;
pub mod stream;
pub(crate) mod vocab;

pub use engine::{Classification, Contact, ContactError, Engine, Reason};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the bundle format, `mamoru-bundle/MAJOR.MINOR`. A change that could break a
/// consumer bumps the major; 1.1 added counters, parties, caps, `vendors`, `timezone` and
/// `review` (all optional when reading).
pub const FORMAT: &str = "mamoru-bundle/1.1";

/// A contact-centre policy for customer harassment (カスハラ), compiled for other systems: the
/// two axes a contact is judged on, the grid of verdicts, the types that raise a level, the
/// flows staff follow, and what links each item to its section in the online manual. Every
/// reference between items is an id of one of the lists here, and every id it uses is declared.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Which policy, which version, from which sources, and the digest of the content.
    pub manifest: Manifest,
    /// The two axes a contact is judged on: conduct (行為) and demand (要求).
    pub axes: Axes,
    /// The verdicts, from least to most severe: types and overrides only ever move a contact
    /// towards the end of this list.
    pub verdicts: Vec<Verdict>,
    /// The verdict of each cell: `grid[conduct level id]` lists one verdict id per demand
    /// level, in the order of `axes.demand.levels`. Every conduct level has a row.
    pub grid: BTreeMap<String, Vec<String>>,
    /// Observable behaviours (行為の類型) that raise the conduct level, and may raise the
    /// verdict, of a contact that has them.
    pub conduct_types: Vec<ConductType>,
    /// Kinds of demand (要求の類型) that raise the demand level of a contact that has them.
    pub demand_types: Vec<DemandType>,
    /// What can happen during a contact (a warning ignored, the customer hung up …); flows
    /// branch on the events a contact reports.
    pub events: Vec<Labelled>,
    /// The ways a contact comes in (phone, email, chat …).
    pub channels: Vec<Labelled>,
    /// Facts a CRM marks a contact with (a mention of legal action, of the press …).
    pub tags: Vec<Labelled>,
    /// Who the other party of a contact may be (1.1; absent when none are declared).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Labelled>,
    /// Facts over time that the CRM counts and contacts carry in `counts` (1.1; absent when
    /// none are declared).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<Counter>,
    /// Protective caps (1.1): while `when` holds, the types named raise their axis at most to
    /// the maximum given (not at all without one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<Cap>,
    /// The policy's named numbers by name, resolved (already filled into every field and text
    /// that used them); for display.
    pub thresholds: BTreeMap<String, Threshold>,
    /// Who performs steps and aftercare (operator, supervisor, staff of the company …).
    pub roles: Vec<Role>,
    /// Words to say at a step, with threshold values filled in.
    pub scripts: Vec<Script>,
    /// The response flows: which contacts each is for, and its steps as a graph. At most one
    /// flow admits a contact.
    pub flows: Vec<Flow>,
    /// Rules every flow keeps: roles some contacts must reach, the longest hold and time box
    /// of a step.
    pub invariants: Vec<Invariant>,
    /// What someone must do after a contact, and by when (記録, 報告, care of the staff member).
    pub aftercare: Vec<Aftercare>,
    /// The policy's glossary.
    pub definitions: Vec<Definition>,
    /// Worked examples: contacts with the verdict, flow and route the policy must give them;
    /// a consumer can replay them to check that it reads the bundle right.
    pub cases: Vec<Case>,
    /// Outsourced vendors (委託先) that operate the policy. Since 1.1.
    #[serde(default)]
    pub vendors: Vec<Vendor>,
    /// IANA time zone of the contact centre; the weekly review counts ISO weeks in it. Since 1.1
    /// (`Asia/Tokyo` when absent).
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// How the CRM's export of flagged contacts maps onto the review's columns (`review.yaml`),
    /// when the policy has one. Since 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewMapping>,
    /// For a fork: where each item comes from, by `kind/id` (`flows/phone`, `criteria`):
    /// inherited from the upstream, overridden (with its record), removed, or the fork's own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provenance: BTreeMap<String, crate::provenance::Provenance>,
}

fn default_timezone() -> String {
    crate::policy::DEFAULT_TIMEZONE.to_string()
}

/// An outsourced vendor (委託先) that operates the policy, as `policy.yaml` lists it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    /// The vendor's id, as the review's exports give it in the `vendor` column.
    pub id: String,
    /// The vendor's name, for display.
    pub name: String,
}

/// How the CRM's export of flagged contacts maps onto the columns `mamoru review` reads: the
/// compiled `review.yaml`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReviewMapping {
    /// Review column (`vendor`, `field_verdict`, …) → the CRM's headers for it. The column's own
    /// name is accepted as a header too.
    pub columns: BTreeMap<String, Vec<String>>,
    /// Review column → {the CRM's label: id}. Ids and the policy's labels are accepted too.
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// Who made the bundle from what.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Bundle format, `mamoru-bundle/MAJOR.MINOR`. A reader refuses another MAJOR.
    pub format: String,
    /// The policy's id (a slug), stable across versions.
    pub policy: String,
    /// The policy's title, for display.
    pub title: String,
    /// The policy's own semantic version (`2.0.0`).
    pub version: String,
    /// Source revision (git commit, `+dirty` when the folder had changes), when known.
    pub revision: Option<String>,
    /// The date (`YYYY-MM-DD`) from which the policy applies, when it states one.
    pub effective_from: Option<String>,
    /// Upstream policies this one extends, nearest first.
    pub lineage: Vec<Lineage>,
    /// `sha256:` of the canonical JSON of the bundle without this field (see docs/bundle.md).
    pub digest: String,
}

/// An upstream policy a fork extends.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    /// The upstream policy's id.
    pub policy: String,
    /// The upstream's version the fork was built on.
    pub version: String,
    /// The digest (`sha256:…`) of the upstream's own bundle the fork was built on.
    pub digest: Option<String>,
}

/// The two axes a contact is judged on.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Axes {
    /// 行為: how the customer behaves, from mild to severe.
    pub conduct: Axis,
    /// 要求: what the customer demands, from valid to invalid.
    pub demand: Axis,
}

/// One axis of the grid.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// The axis' name, for display.
    pub label: String,
    /// The levels in order of severity, least severe first; a contact's level on the axis is
    /// one of their ids.
    pub levels: Vec<Level>,
}

/// A level of an axis.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// The level's id (`c2`, `d1`), as contacts and conditions give it.
    pub id: String,
    /// Short name, for display.
    pub label: String,
    /// What a contact at this level looks like (the policy's Markdown), when it says.
    pub describe: Option<String>,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// A verdict: what the policy calls a contact, and so how staff must treat it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// The verdict's id (`complaint`, `harassment`), as `classify` reports it.
    pub id: String,
    /// Short name, for display.
    pub label: String,
    /// Colour for display, `#rrggbb`.
    pub color: String,
    /// What the verdict means for staff (the policy's Markdown), when it says.
    pub describe: Option<String>,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// A conduct type (行為の類型): an observable behaviour that raises a contact's conduct level to
/// at least `min_level`, and its verdict to at least `verdict`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConductType {
    /// The type's id, as contacts list it in `conduct_types`.
    pub id: String,
    /// Short name, for display.
    pub label: String,
    /// The conduct level a contact with this type has at least (a level id).
    pub min_level: String,
    /// The verdict a contact with this type has at least (a verdict id), whatever its cell.
    pub verdict: Option<String>,
    /// The conduct is unacceptable whatever the demand: every cell of `min_level`'s grid row
    /// gives the same verdict.
    pub independent_of_demand: bool,
    /// The type is implied when this condition holds on the contact's facts, whether or not the
    /// contact lists it.
    pub when: Option<Condition>,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// A demand type (要求の類型): a kind of demand that raises a contact's demand level to at least
/// `min_level`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DemandType {
    /// The type's id, as contacts list it in `demand_types`.
    pub id: String,
    /// Short name, for display.
    pub label: String,
    /// The demand level a contact with this type has at least (a level id).
    pub min_level: String,
    /// The type is implied when this condition holds on the contact's facts, whether or not the
    /// contact lists it.
    pub when: Option<Condition>,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// An item of a plain list (a channel, tag, event or party): its id and display name.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    /// The id, as contacts and conditions give it.
    pub id: String,
    /// Short name, for display.
    pub label: String,
}

/// A counter: a fact over time the CRM counts and reports in a contact's `counts`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    /// The counter's id, the key in a contact's `counts`.
    pub id: String,
    /// What is counted, for display.
    pub label: String,
    /// The period counted over, when the policy states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_seconds: Option<u64>,
}

/// A protective cap: while `when` holds on a contact (an elderly customer, say), the types it
/// names raise their axis less far.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    /// The cap's id, as `classify` names it in a `capped` reason.
    pub id: String,
    /// Short name, for display.
    pub label: String,
    /// The contacts the cap protects.
    pub when: Condition,
    /// The conduct types whose raise the cap limits.
    pub conduct_types: Vec<String>,
    /// The highest conduct level the conduct types may raise to; absent: no raise.
    pub max_conduct: Option<String>,
    /// The demand types whose raise the cap limits.
    pub demand_types: Vec<String>,
    /// The highest demand level the demand types may raise to; absent: no raise.
    pub max_demand: Option<String>,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// A named number of the policy, resolved: exactly one of the two is given.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// A duration, in seconds.
    pub seconds: Option<u64>,
    /// A count.
    pub count: Option<u64>,
}

/// A condition on a contact, with thresholds resolved. Every key present must hold; a list
/// holds when any of its items does (an empty list never holds); no key at all always holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The contact's final verdict (after overrides) is one of these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Vec<String>>,
    /// The effective conduct level (after types raised it) is this level or a more severe one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conduct_at_least: Option<String>,
    /// The effective demand level (after types raised it) is this level or a more severe one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_at_least: Option<String>,
    /// The contact has one of these conduct types, listed or implied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conduct_types: Option<Vec<String>>,
    /// The contact has one of these demand types, listed or implied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_types: Option<Vec<String>>,
    /// The contact has one of these tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The contact came in through one of these channels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Vec<String>>,
    /// One of these events is among the contact's events (a route whose contact reports no
    /// events yet stops at a branch that asks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<Vec<String>>,
    /// Holds when `minutes × 60 ≥ seconds_at_least`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_at_least: Option<u64>,
    /// The contact's `repeats` is at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats_at_least: Option<u64>,
    /// This condition does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Condition>>,
    /// The contact's party is one of these; never when it has none (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<Vec<String>>,
    /// The contact's `targeted` equals this (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeted: Option<bool>,
    /// Every counter listed is at least its count (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts_at_least: Option<BTreeMap<String, u64>>,
    /// At least one of these holds; an empty list never holds (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
}

/// Who performs steps and aftercare.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// The role's id, as steps and `classify`'s `reach_roles` name it.
    pub id: String,
    /// Short name, for display.
    pub label: String,
    /// `vendor` (委託先), `inhouse` (自社) or `external` (police, lawyers …).
    pub org: String,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// Words to say, quoted at the steps that name the script.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The script's id, as steps name it.
    pub id: String,
    /// What the script is for, for display.
    pub purpose: String,
    /// Channels the script is for; empty for all.
    pub channels: Vec<String>,
    /// The words to say (Markdown), with threshold values filled in.
    pub text: String,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// A flow as an explicit graph: steps are nodes, branches are edges tried in order.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// The flow's id, as `classify` reports it in `flow`.
    pub id: String,
    /// The flow's title, for display.
    pub title: String,
    /// The contacts this flow is for; no two flows admit the same contact.
    pub applies_to: Condition,
    /// The id of the first step.
    pub start: String,
    /// The steps, each with its branches.
    pub steps: Vec<Step>,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// A step of a flow: who does what, for how long, and where to go next.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The step's id, unique within its flow, as `classify` lists it in `route`.
    pub id: String,
    /// The role that performs the step.
    pub role: String,
    /// What the step is, for display.
    pub title: String,
    /// The time box of the step, in seconds.
    pub limit_seconds: Option<u64>,
    /// The longest hold (保留) allowed in this step, in seconds.
    pub hold_seconds: Option<u64>,
    /// The id of the script to say at this step.
    pub script: Option<String>,
    /// The step may be entered at most this many times on a route.
    pub repeat: Option<u64>,
    /// Branches, tried in order; the first that holds is taken. `when` absent: otherwise.
    pub next: Vec<Edge>,
    /// The outcome, for an end step (a route that reaches it ends there); absent otherwise.
    pub end: Option<String>,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// A branch from one step to another.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// The branch is taken when this holds; absent: otherwise (always taken when reached).
    pub when: Option<Condition>,
    /// The id of the step it leads to, in the same flow.
    pub to: String,
}

/// A rule the flows keep; `mamoru check` verified it on every route before the bundle was
/// built.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Invariant {
    /// The invariant's id.
    pub id: String,
    /// The rule in words, for display.
    pub text: String,
    /// The contacts `reach_roles` is about; absent: every contact.
    pub when: Option<Condition>,
    /// Every route of such a contact visits a step of one of these roles; `classify` reports
    /// them in `reach_roles`.
    pub reach_roles: Vec<String>,
    /// No step of a flow that can handle a contact matching `when` holds longer than this, in
    /// seconds.
    pub max_hold_seconds: Option<u64>,
    /// No step of a flow that can handle a contact matching `when` has a longer time box than
    /// this, in seconds.
    pub max_limit_seconds: Option<u64>,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// Something a role must do after a contact, and by when.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Aftercare {
    /// The item's id.
    pub id: String,
    /// The role that does it.
    pub role: String,
    /// The deadline after the contact, in seconds.
    pub within_seconds: u64,
    /// What to do, in short, for display.
    pub title: String,
    /// What to do (Markdown), with threshold values filled in.
    #[serde(rename = "do")]
    pub action: String,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// A term of the policy's glossary.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// The definition's id.
    pub id: String,
    /// The term defined.
    pub term: String,
    /// The term's reading in hiragana, when given.
    pub reading: Option<String>,
    /// Other spellings that count as the term.
    pub aliases: Vec<String>,
    /// The definition in short: the policy's summary, or else the first paragraph of its text.
    pub summary: String,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// A case study with the facts of its contact and what the policy must give for it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The case's id.
    pub id: String,
    /// The case's title, for display.
    pub title: String,
    /// The contact as a CRM would report it.
    pub contact: Contact,
    /// What classifying the contact must give.
    pub expect: Expect,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

/// What a case's contact must be classified as.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The verdict id `classify` must report.
    pub verdict: String,
    /// The flow id it must report, when the case says.
    pub flow: Option<String>,
    /// The route it must report, step ids from the start to an end step, when the case says.
    pub route: Option<Vec<String>>,
}

/// Why a bundle could not be read or turned into an [`Engine`]: not the JSON of a bundle, another
/// major format, or a reference that does not resolve (rendered in the process language).
#[derive(Debug)]
pub struct BundleError(pub crate::i18n::Msg);

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for BundleError {}

impl Bundle {
    /// Read a bundle from its JSON text, refusing another major format version.
    pub fn from_json(text: &str) -> Result<Bundle, BundleError> {
        let b: Bundle = serde_json::from_str(text)
            .map_err(|e| BundleError(crate::msg!("not-a-bundle", detail = e.to_string())))?;
        let major = |f: &str| {
            f.split('/')
                .nth(1)
                .and_then(|v| v.split('.').next())
                .map(str::to_string)
        };
        if major(&b.manifest.format) != major(FORMAT) {
            return Err(BundleError(crate::msg!(
                "bundle-format",
                format = &b.manifest.format,
                reads = FORMAT
            )));
        }
        Ok(b)
    }

    /// The engine that classifies contacts with this bundle, or the first reference in it that
    /// does not resolve.
    pub fn engine(&self) -> Result<Engine, BundleError> {
        Engine::new(self)
    }

    /// The canonical JSON of the bundle without its digest: keys sorted, no whitespace.
    pub fn canonical_content(&self) -> String {
        let mut v = serde_json::to_value(self).expect("serialisable");
        if let Some(m) = v.get_mut("manifest").and_then(|m| m.as_object_mut()) {
            m.remove("digest");
        }
        serde_json::to_string(&v).expect("serialisable")
    }

    /// `sha256:<hex>` of [`Bundle::canonical_content`].
    pub fn compute_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let hash = Sha256::digest(self.canonical_content().as_bytes());
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }
}

/// The JSON Schema of bundles (draft 2020-12), from the same types.
pub fn schema() -> serde_json::Value {
    let g = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut s = g.into_root_schema_for::<Bundle>().to_value();
    if let Some(o) = s.as_object_mut() {
        o.insert(
            "$id".into(),
            format!("https://mamoru.invalid/schema/bundle/{FORMAT}").into(),
        );
        o.insert("title".into(), "mamoru rule bundle".into());
    }
    s
}

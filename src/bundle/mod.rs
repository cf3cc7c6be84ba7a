//! The rule bundle: the compiled policy as data for other systems (CRMs, vendor systems, the
//! weekly review), with its own versioned JSON Schema (`mamoru schema --bundle`).
//!
//! A consumer in Rust loads a bundle and classifies contacts with [`Engine`]; consumers in other
//! languages need only `bundle.json` and `bundle.schema.json`.
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
pub mod stream;

pub use engine::{Classification, Contact, ContactError, Engine, Reason};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the bundle format. A change that could break a consumer bumps the major.
/// 1.1 added counters, parties, caps, `vendors`, `timezone` and `review` (all optional when
/// reading).
pub const FORMAT: &str = "mamoru-bundle/1.1";

/// A whole bundle.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub manifest: Manifest,
    pub axes: Axes,
    /// From least to most severe.
    pub verdicts: Vec<Verdict>,
    /// `grid[conduct level id]` lists one verdict id per demand level, in axis order.
    pub grid: BTreeMap<String, Vec<String>>,
    pub conduct_types: Vec<ConductType>,
    pub demand_types: Vec<DemandType>,
    pub events: Vec<Labelled>,
    pub channels: Vec<Labelled>,
    pub tags: Vec<Labelled>,
    /// Who the other party of a contact may be (1.1; absent when none are declared).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Labelled>,
    /// Facts over time that contacts carry as `counts` (1.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<Counter>,
    /// Protective caps (1.1): while `when` holds, the types named raise their axis at most to
    /// the maximum given (not at all without one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<Cap>,
    pub thresholds: BTreeMap<String, Threshold>,
    pub roles: Vec<Role>,
    pub scripts: Vec<Script>,
    pub flows: Vec<Flow>,
    pub invariants: Vec<Invariant>,
    pub aftercare: Vec<Aftercare>,
    pub definitions: Vec<Definition>,
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

/// An outsourced vendor: its id (as review exports give it) and display name.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub id: String,
    pub name: String,
}

/// The compiled `review.yaml`.
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
    /// Bundle format, `mamoru-bundle/MAJOR.MINOR`.
    pub format: String,
    pub policy: String,
    pub title: String,
    pub version: String,
    /// Source revision (git commit, `+dirty` when the folder had changes), when known.
    pub revision: Option<String>,
    pub effective_from: Option<String>,
    /// Upstream policies this one extends, nearest first.
    pub lineage: Vec<Lineage>,
    /// `sha256:` of the canonical JSON of the bundle without this field (see docs/bundle.md).
    pub digest: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    pub policy: String,
    pub version: String,
    pub digest: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Axes {
    pub conduct: Axis,
    pub demand: Axis,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    pub label: String,
    pub levels: Vec<Level>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub id: String,
    pub label: String,
    pub describe: Option<String>,
    /// URL of the manual section, relative to the manual's root.
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    pub id: String,
    pub label: String,
    pub color: String,
    pub describe: Option<String>,
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConductType {
    pub id: String,
    pub label: String,
    pub min_level: String,
    pub verdict: Option<String>,
    pub independent_of_demand: bool,
    /// The type is implied when this condition holds on the contact's facts.
    pub when: Option<Condition>,
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DemandType {
    pub id: String,
    pub label: String,
    pub min_level: String,
    pub when: Option<Condition>,
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    pub id: String,
    pub label: String,
}

/// A counter: a fact over time the CRM counts and reports in a contact's `counts`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    pub id: String,
    pub label: String,
    /// The period counted over, when the policy states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_seconds: Option<u64>,
}

/// A protective cap.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    pub id: String,
    pub label: String,
    pub when: Condition,
    pub conduct_types: Vec<String>,
    /// The highest conduct level the conduct types may raise to; absent: no raise.
    pub max_conduct: Option<String>,
    pub demand_types: Vec<String>,
    /// The highest demand level the demand types may raise to; absent: no raise.
    pub max_demand: Option<String>,
    pub manual: String,
}

/// A resolved threshold: exactly one of the two.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub seconds: Option<u64>,
    pub count: Option<u64>,
}

/// A condition with thresholds resolved. Every key present must hold; lists mean "any of".
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conduct_at_least: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_at_least: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conduct_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<Vec<String>>,
    /// Holds when `minutes × 60 ≥ seconds_at_least`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_at_least: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats_at_least: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Condition>>,
    /// The contact's party is one of these (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<Vec<String>>,
    /// The contact's `targeted` equals this (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeted: Option<bool>,
    /// Every counter listed is at least its count (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts_at_least: Option<BTreeMap<String, u64>>,
    /// At least one of these holds (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub label: String,
    /// `vendor`, `inhouse` or `external`.
    pub org: String,
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub id: String,
    pub purpose: String,
    /// Channels the script is for; empty for all.
    pub channels: Vec<String>,
    pub text: String,
    pub manual: String,
}

/// A flow as an explicit graph: steps are nodes, branches are edges tried in order.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub id: String,
    pub title: String,
    pub applies_to: Condition,
    pub start: String,
    pub steps: Vec<Step>,
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub role: String,
    pub title: String,
    pub limit_seconds: Option<u64>,
    pub hold_seconds: Option<u64>,
    pub script: Option<String>,
    /// The step may be entered at most this many times on a route.
    pub repeat: Option<u64>,
    /// Branches, tried in order; the first that holds is taken. `when` absent: otherwise.
    pub next: Vec<Edge>,
    /// Terminal step: the outcome.
    pub end: Option<String>,
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    pub when: Option<Condition>,
    pub to: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Invariant {
    pub id: String,
    pub text: String,
    pub when: Option<Condition>,
    pub reach_roles: Vec<String>,
    pub max_hold_seconds: Option<u64>,
    pub max_limit_seconds: Option<u64>,
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Aftercare {
    pub id: String,
    pub role: String,
    pub within_seconds: u64,
    pub title: String,
    #[serde(rename = "do")]
    pub action: String,
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub id: String,
    pub term: String,
    pub reading: Option<String>,
    pub aliases: Vec<String>,
    pub summary: String,
    pub manual: String,
}

/// A case study with the facts of its contact and what the policy must give for it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub title: String,
    pub contact: Contact,
    pub expect: Expect,
    pub manual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub verdict: String,
    pub flow: Option<String>,
    pub route: Option<Vec<String>>,
}

/// Why a bundle could not be read (rendered in the process language).
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

    /// An engine that classifies contacts and walks flows.
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

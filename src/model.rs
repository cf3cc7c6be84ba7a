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

/// Pattern of ids: lowercase ASCII slugs of letters, digits and hyphens, not starting with a
/// hyphen (`sv-consult`, `c2`).
pub const ID_PATTERN: &str = "^[a-z0-9][a-z0-9-]*$";
/// Pattern of threshold names: a lowercase letter, then letters, digits, `_` or `-`
/// (`long_call`).
pub const THRESHOLD_PATTERN: &str = "^[a-z][a-z0-9_-]*$";
/// Pattern of a literal duration: a whole number and one unit, `s`, `m`, `h` or `d` (`90s`,
/// `3m`, `1h`, `2d`).
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
            /// The value as written in the source.
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
    /// A literal count, such as `3`.
    Number(u64),
    /// The name of a count threshold, such as `warnings`.
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
    /// A whole number of minutes, such as `90`.
    Minutes(u64),
    /// A duration literal (`60m`) or the name of a duration threshold (`long_call`).
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
    /// A count, such as `3` (repeats, warnings).
    Count(u64),
    /// A duration literal, such as `60m`.
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
    /// A single id, written without brackets: `tags: legal`.
    One(Id),
    /// A list of ids, any of which may match: `tags: [legal, media]`.
    Many(Vec<Id>),
}

impl OneOrMany {
    /// The ids, one or many alike.
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

/// `policy.yaml`: the manifest of a policy (its id, title, version and named thresholds, the
/// vendors that operate it and, in a fork, its upstream). Required in every policy folder.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The policy's id, a slug such as `sample-support`. Forks, bundles and `mamoru diff` name
    /// the policy by it.
    pub id: Id,
    /// The manual's title, shown on every page, e.g. `ミニ窓口 カスハラ対応マニュアル`.
    pub title: String,
    /// The policy's semantic version, such as `2.0.0`, shown on every page (版). Forks accept
    /// an upstream by it (`extends.version`).
    pub version: Version,
    /// Language of the policy's texts as a BCP 47 tag; `ja` when absent. The manual's pages are
    /// marked with it.
    pub lang: Option<String>,
    /// The centre's slogan, shown first on the manual's home page, e.g.
    /// `お客さまに誠実に向き合い、ここで働く一人ひとりの声を大切にする`.
    pub slogan: Option<String>,
    /// Who maintains the policy: departments or teams, one entry each. A fork that lists none
    /// inherits its upstream's.
    #[serde(default)]
    pub owners: Vec<String>,
    /// The date from which the policy applies (施行日), `YYYY-MM-DD`, shown on every page.
    pub effective_from: Option<Date>,
    /// The company (and department) the manual belongs to, shown on every page, e.g.
    /// `サンプル通信株式会社 お客さまサポート部`. A fork inherits it.
    pub organization: Option<String>,
    /// When the manual was first made (作成日), `YYYY-MM-DD`, shown on every page.
    pub created: Option<Date>,
    /// When the manual was last revised (改定日), `YYYY-MM-DD`, shown on every page; not before
    /// `created`.
    pub revised: Option<Date>,
    /// Laws, guidelines and manuals the policy builds on (根拠・参考), listed in the manual with
    /// their links and notes.
    #[serde(default)]
    pub legal_refs: Vec<LegalRef>,
    /// Named thresholds, written once and referred to by name from types, flows, invariants and
    /// text (`{{hold}}`): threshold name → duration or count, e.g. `long_call: 60m`,
    /// `warnings: 2`.
    #[serde(default)]
    pub thresholds: BTreeMap<String, ThresholdValue>,
    /// The outsourced vendors (委託先) whose centres operate the policy, listed in the manual;
    /// the weekly review counts per vendor.
    #[serde(default)]
    pub vendors: Vec<Vendor>,
    /// IANA time zone of the contact centre (`Asia/Tokyo` when absent): the weekly review counts
    /// ISO weeks in it.
    pub timezone: Option<String>,
    /// What forks of this policy may change: locked parts and bounds on their flows' timings.
    pub fork: Option<ForkRules>,
    /// The upstream policy this one forks (a department's or a vendor's policy). A fork needs
    /// only `id`, `title`, `version` and `extends`; the rest is inherited.
    pub extends: Option<Extends>,
    /// Upstream items this fork drops, per kind, each with the record of why.
    pub remove: Option<Removals>,
}

/// `extends:` the upstream policy of a fork.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extends {
    /// Folder of the upstream policy, relative to this policy's folder, e.g. `../support`.
    pub path: String,
    /// Versions of the upstream this fork accepts, as a semver requirement such as `^1.2`;
    /// an upstream outside it is an error (E302).
    pub version: String,
    /// `department` (the default) or `vendor`: a vendor may set display names and contact
    /// points only, never thresholds or timings.
    #[serde(default)]
    pub kind: ForkKind,
    /// The upstream version and bundle digest this fork was last reviewed against.
    pub reviewed: Option<Reviewed>,
}

/// What kind of fork a policy is (`extends.kind`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ForkKind {
    /// A department's own policy: it may replace, add and remove items within the upstream's
    /// locks and bounds.
    #[default]
    Department,
    /// A vendor's (委託先) copy: it may only set display names and contact points (title,
    /// slogan, owners, vendors, role labels, pages).
    Vendor,
}

/// `extends.reviewed`: the upstream a fork was last reviewed against. When the upstream's
/// bundle digest differs, `check` warns (W301) and prints the values to paste after review.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reviewed {
    /// The upstream's version at the review, such as `"1.2.0"`.
    pub version: String,
    /// `sha256:` digest of the upstream's bundle at the review.
    pub digest: String,
}

/// `override:` why a fork replaces an upstream item; required on every replacing item (E312).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OverrideRecord {
    /// Why this fork deviates from the upstream, shown on the manual's page of deviations
    /// (上位版との差分).
    pub why: String,
    /// Who is responsible for the deviation, e.g. `ホームセキュリティ窓口`.
    pub owner: String,
    /// When the deviation must be reviewed again, `YYYY-MM-DD`; past it, `check` warns (W300).
    pub review_by: Date,
    /// `sha256:` digest of the upstream item when this override was last reviewed. When the
    /// upstream item changes, `check` warns (W301) and its hint gives the new digest.
    pub upstream_digest: Option<String>,
}

/// A removal: the id of an upstream item and its record.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    /// The id of the upstream item to drop; an id the upstream lacks is an error (E313).
    pub id: Id,
    /// Why this fork drops the item, e.g. `当部では扱わない商品`.
    pub why: String,
    /// Who is responsible for the removal.
    pub owner: String,
    /// When the removal must be reviewed again, `YYYY-MM-DD`; past it, `check` warns (W300).
    pub review_by: Date,
}

/// Upstream items a fork drops, per kind.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Removals {
    /// Defined terms (`definitions/<id>.md`) to drop.
    #[serde(default)]
    pub definitions: Vec<Removal>,
    /// Roles (`roles.yaml`) to drop.
    #[serde(default)]
    pub roles: Vec<Removal>,
    /// Scripts (`scripts.yaml`) to drop.
    #[serde(default)]
    pub scripts: Vec<Removal>,
    /// Flows (`flows/<id>.yaml`) to drop.
    #[serde(default)]
    pub flows: Vec<Removal>,
    /// Follow-up steps (`aftercare.yaml`) to drop.
    #[serde(default)]
    pub aftercare: Vec<Removal>,
    /// Invariants (`invariants.yaml`) to drop.
    #[serde(default)]
    pub invariants: Vec<Removal>,
    /// Case studies (`cases/<id>.md`) to drop.
    #[serde(default)]
    pub cases: Vec<Removal>,
    /// Free pages (`pages/<name>.md`) to drop.
    #[serde(default)]
    pub pages: Vec<Removal>,
}

/// A law, guideline or manual the policy refers to.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalRef {
    /// Its title, e.g. `厚生労働省「カスタマーハラスメント対策企業マニュアル」（2022年2月）`.
    pub title: String,
    /// Where to read it; linked in the manual when it is an `http://` or `https://` address.
    pub url: Option<String>,
    /// What the policy takes from it, in a sentence or two.
    pub note: Option<String>,
}

/// An outsourced vendor (委託先).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    /// The vendor's id, e.g. `sample-teleservice`; review exports name the vendor by it.
    pub id: Id,
    /// The vendor's name as shown in the manual, e.g. `株式会社サンプルテレサービス`.
    pub name: String,
    /// Whom to contact about the vendor, e.g. `委託先管理課 内線 1234`.
    pub contact: Option<String>,
}

/// The parts of a policy a fork may not change, and the bounds its flows must respect.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForkRules {
    /// Parts a fork may not replace, add to or remove from (E310), e.g. `[definitions, stance,
    /// criteria, invariants]`; forks of forks inherit the locks.
    #[serde(default)]
    pub locked: Vec<LockablePart>,
    /// Limits on the timings (`hold`, `limit`) of the flows a fork replaces or adds (E311).
    pub bounds: Option<Bounds>,
}

/// A part of a policy that an upstream can lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LockablePart {
    /// The defined terms, `definitions/*.md` (用語).
    Definitions,
    /// The basic stance, `stance.md` (基本姿勢).
    Stance,
    /// The judgment criteria, `criteria.yaml` (判断基準): axes, verdicts, grid, types, caps.
    Criteria,
    /// The rules every flow must satisfy, `invariants.yaml`.
    Invariants,
    /// Who acts, `roles.yaml`.
    Roles,
    /// The words staff say, `scripts.yaml`.
    Scripts,
    /// The escalation flows, `flows/*.yaml` (対応フロー).
    Flows,
    /// The follow-up steps, `aftercare.yaml` (事後対応).
    Aftercare,
    /// The case studies, `cases/*.md` (事例).
    Cases,
    /// The free pages, `pages/*.md`.
    Pages,
    /// The values of the named thresholds in `policy.yaml`.
    Thresholds,
    /// How the policy meets laws and guidelines, `compliance.yaml`.
    Compliance,
}

/// Limits on the durations in a fork's flows.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// The longest `hold` (保留) a step of a fork's flow may allow, e.g. `{max: 3m}`.
    pub hold: Option<Bound>,
    /// The longest `limit` (time box) a step of a fork's flow may have, e.g. `{max: 15m}`.
    pub limit: Option<Bound>,
}

/// An inclusive upper bound.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    /// The largest value allowed, inclusive (`3m` allows `3m`): a duration or a duration
    /// threshold.
    pub max: DurationRef,
}

// ---------------------------------------------------------------------------------------------
// Markdown front matter

/// Front matter of `stance.md` (基本姿勢): the basic stance, shown on the manual's home page;
/// the Markdown body below the front matter is its text.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StanceMatter {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The section's heading, e.g. `基本姿勢`.
    pub title: String,
    /// Short principles, shown as a list before the text, e.g. `正当なクレームには真摯に応える`.
    #[serde(default)]
    pub principles: Vec<String>,
    /// The basic policy as published to customers (カスハラ基本方針), a page of its own
    /// (`kasuhara-policy.html`) without the internal menu.
    pub public: Option<PublicStance>,
}

/// The customer-facing basic policy: its title and text; the manual adds the conduct the
/// criteria hold unacceptable whatever the demand, the organisation and the dates.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicStance {
    /// The page's title, e.g. `カスタマーハラスメントに対する基本方針`.
    pub title: String,
    /// The basic policy addressed to customers (Markdown), shown first on its page.
    pub text: String,
    /// Closing words after the list of unacceptable conduct (Markdown).
    pub closing: Option<String>,
}

/// Front matter of `definitions/<id>.md`: one defined term (用語).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefinitionMatter {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The term's id, e.g. `business-name`; must equal the file name without `.md` (E204).
    pub id: Id,
    /// The term as it appears in the text, e.g. `ビジネスネーム`; the manual links every
    /// occurrence to its definition.
    pub term: String,
    /// Reading in hiragana, e.g. `びじねすねーむ`; the manual's search finds the term by it.
    pub reading: Option<String>,
    /// Other spellings that count as the term and are linked like it, e.g. `[カスハラ]`.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Ids of related definitions, linked from this one, e.g. `[verbatim-record, flag]`.
    #[serde(default)]
    pub see_also: Vec<Id>,
    /// The term in one sentence, shown when a reader points at a link to it; the first paragraph
    /// of the body when absent.
    pub summary: Option<String>,
}

/// Front matter of `pages/<name>.md`: a free page (introduction, contacts, FAQ); the file name is
/// its id and URL.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageMatter {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The page's title, shown as its heading and in the menu, e.g. `相談窓口`.
    pub title: String,
    /// Position in the menu, ascending (ties by file name); 0 when absent.
    #[serde(default)]
    pub order: i64,
}

/// Front matter of `cases/<id>.md`: a case study (事例), which is also a test. It gives the facts
/// of one contact and the outcome the policy must give; `check` and `test` fail on any
/// difference.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseMatter {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The case's id, e.g. `h02-confinement`; must equal the file name without `.md` (E204).
    pub id: Id,
    /// The case's title, e.g. `「納得するまで切るな」と2時間切らせない`.
    pub title: String,
    /// The channel of the contact: a channel id of `vocabulary.yaml`, e.g. `phone`.
    pub channel: Id,
    /// The conduct level (行為) as observed, before types raise it: a level id of
    /// `criteria.yaml`, e.g. `c1`.
    pub conduct: Id,
    /// The demand level (要求) as observed, before types raise it: a level id of
    /// `criteria.yaml`, e.g. `d1`.
    pub demand: Id,
    /// Conduct types (行為の類型) observed in the contact, e.g. `[confinement]`; types implied
    /// by the facts (a type's `when`) need not be listed.
    #[serde(default)]
    pub conduct_types: Vec<Id>,
    /// Demand types (要求の類型) observed in the contact, e.g. `[excessive-compensation]`.
    #[serde(default)]
    pub demand_types: Vec<Id>,
    /// Tags of the contact (tag ids of `vocabulary.yaml`), e.g. `[legal]`; none when absent.
    #[serde(default)]
    pub tags: Vec<Id>,
    /// Length of the contact in whole minutes, e.g. `125`; 0 when absent.
    #[serde(default)]
    pub minutes: u64,
    /// How often the same claim was repeated; 0 when absent.
    #[serde(default)]
    pub repeats: u64,
    /// What happened during the contact (event ids of `criteria.yaml`), e.g.
    /// `[customer-continues]`: a set, in any order; an event not listed did not happen.
    #[serde(default)]
    pub events: Vec<Id>,
    /// Who the other party is (a party id of `vocabulary.yaml`); not recorded when absent.
    pub party: Option<Id>,
    /// The other party singled out one staff member (named them, demanded their real name,
    /// threatened to expose them); `false` when absent.
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
    /// The verdict the policy must give (a verdict id), e.g. `harassment`; a different one is
    /// an error (E240).
    pub verdict: Id,
    /// The flow the contact must follow (a flow id), e.g. `phone`; not checked when absent.
    pub flow: Option<Id>,
    /// The exact route, from the flow's `start` to an `end` step, a step once per entry, e.g.
    /// `[listen, caution, warn, sv-takeover, sv-end-conduct]`; not checked when absent.
    pub route: Option<Vec<Id>>,
}

// ---------------------------------------------------------------------------------------------
// criteria.yaml

/// `criteria.yaml`: the judgment criteria (判断基準) — the two axes, the verdicts, the grid
/// that gives a verdict per cell, the conduct and demand types, the events flows branch on and
/// the protective caps.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The two axes every contact is plotted on: conduct (行為, vertical) and demand (要求,
    /// horizontal).
    pub axes: Axes,
    /// Verdicts from least to most severe, e.g. `complaint` (正当なクレーム), `gray`
    /// (グレーゾーン), `harassment` (カスタマーハラスメント).
    #[schemars(length(min = 1))]
    pub verdicts: Vec<VerdictDef>,
    /// One row per conduct level id; one verdict id per demand level, in the demand axis' order,
    /// e.g. `c2: [complaint, gray, gray]`. Every level needs exactly one row (E210).
    pub grid: BTreeMap<String, Vec<Id>>,
    /// Observable behaviours (行為の類型) that raise the conduct level, e.g. violence, threats,
    /// a demand for dogeza (土下座).
    #[serde(default)]
    pub conduct_types: Vec<ConductType>,
    /// Kinds of demand (要求の類型) that raise the demand level, e.g. money without a defect.
    #[serde(default)]
    pub demand_types: Vec<DemandType>,
    /// What can happen during a contact, e.g. `{id: customer-continues, label: 警告後も続く}`;
    /// flows branch on them.
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
    /// The cap's id, e.g. `elderly-contacts`.
    pub id: Id,
    /// The cap's name, shown in the manual and in every verdict it changed, e.g.
    /// `高齢のお客さまへの配慮`.
    pub label: String,
    /// The protective facts, e.g. `{tags: [elderly]}`: plain facts and types; no verdicts,
    /// levels or events (E214).
    pub when: Condition,
    /// Conduct types whose raise the cap limits (conduct type ids), e.g. `[persistent]`.
    #[serde(default)]
    pub conduct_types: Vec<Id>,
    /// The highest conduct level those types may raise to, e.g. `c1`; absent: no raise at all.
    pub max_conduct: Option<Id>,
    /// Demand types whose raise the cap limits (demand type ids).
    #[serde(default)]
    pub demand_types: Vec<Id>,
    /// The highest demand level those types may raise to, e.g. `d1`; absent: no raise at all.
    pub max_demand: Option<Id>,
    /// Why the policy protects these contacts (Markdown), shown in the manual.
    pub describe: Option<String>,
}

/// `axes`: the two axes of the judgment grid.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Axes {
    /// 行為: the customer's conduct, vertical axis, from mild to severe.
    pub conduct: Axis,
    /// 要求: the validity of the demand, horizontal axis, from valid to invalid.
    pub demand: Axis,
}

/// One axis of the grid: its name and its levels in order of severity.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// The axis' name in the manual, e.g. `行為（手段・態様）` or `要求（内容の妥当性）`.
    pub label: String,
    /// The levels, mildest (or most valid) first: the order is the severity order that types
    /// raise along and `*_at_least` conditions compare.
    #[schemars(length(min = 1))]
    pub levels: Vec<Level>,
}

/// A level of an axis, e.g. `{id: c2, label: 乱暴な言葉づかい}`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// The level's id, e.g. `c2` or `d1`; grid rows, cases and conditions name it.
    pub id: Id,
    /// The level's name in the grid and the manual, e.g. `感情的・強い口調`.
    pub label: String,
    /// What conduct or demand falls in this level (Markdown), shown with the criteria.
    pub describe: Option<String>,
}

/// A verdict (判定), e.g. `{id: gray, label: グレーゾーン, color: "#f9a825"}`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictDef {
    /// The verdict's id, e.g. `harassment`; the grid, conditions and cases name it.
    pub id: Id,
    /// The verdict's name in the manual, e.g. `カスタマーハラスメント`.
    pub label: String,
    /// Colour in the manual, `#rrggbb`.
    #[schemars(regex(pattern = "^#[0-9a-fA-F]{6}$"))]
    pub color: String,
    /// How staff respond to a contact with this verdict (Markdown), shown with the criteria.
    pub describe: Option<String>,
}

/// An observable behaviour (行為の類型) that sets a minimum conduct level.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConductType {
    /// The type's id, e.g. `threat`; cases and conditions name it.
    pub id: Id,
    /// The type's name in the manual, e.g. `脅迫・危害の予告`.
    pub label: String,
    /// The conduct level a contact with this type has at least (a conduct level id), e.g.
    /// `c4`.
    pub min_level: Id,
    /// A verdict a contact with this type gets at least, whatever the grid cell says, e.g.
    /// `harassment`; the most severe of the cell and all such overrides wins.
    pub verdict: Option<Id>,
    /// Unacceptable whatever the demand (violence, threats, a demand for dogeza …): the grid row
    /// of `min_level` must give one verdict in every column (E211). `false` when absent.
    #[serde(default)]
    pub independent_of_demand: bool,
    /// When the contact's facts imply the type without it being listed, e.g.
    /// `{minutes_at_least: long_call}` for a long call.
    pub when: Option<FactCondition>,
    /// What the behaviour looks like, with examples (Markdown), shown with the criteria.
    pub describe: Option<String>,
}

/// A kind of demand (要求の類型) that sets a minimum demand level.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandType {
    /// The type's id, e.g. `no-defect-money`; cases and conditions name it.
    pub id: Id,
    /// The type's name in the manual, e.g. `瑕疵がない中での金銭要求`.
    pub label: String,
    /// The demand level a contact with this type has at least (a demand level id), e.g. `d2`.
    pub min_level: Id,
    /// When the contact's facts imply the type without it being listed, e.g.
    /// `{repeats_at_least: repeats}`.
    pub when: Option<FactCondition>,
    /// What the demand looks like, with examples (Markdown), shown with the criteria.
    pub describe: Option<String>,
}

/// An id with a label (events, channels, tags, parties).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The id conditions, cases and exports use, e.g. `phone` or `legal`.
    pub id: Id,
    /// The name shown in the manual, e.g. `電話` or `法的措置への言及`.
    pub label: String,
}

/// A condition on the plain facts of a contact, for a type's `when` (a derived type): all keys
/// must hold. Types, levels, verdicts and events are not facts and cannot be tested here.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactCondition {
    /// The contact's channel is one of these channels, e.g. `[phone]`.
    pub channel: Option<OneOrMany>,
    /// The contact has at least one of these tags, e.g. `[elderly]`.
    pub tags: Option<OneOrMany>,
    /// The other party (相手方) is one of these parties, e.g. `[family]`; never holds when the
    /// contact records no party.
    pub party: Option<OneOrMany>,
    /// The other party singled out one staff member (or did not, with `false`).
    pub targeted: Option<bool>,
    /// The contact lasted at least this long: a number of minutes (`90`), a duration (`60m`)
    /// or a duration threshold (`long_call`).
    pub minutes_at_least: Option<MinutesRef>,
    /// The same claim was repeated at least this often: a count or a count threshold, e.g.
    /// `repeats`.
    pub repeats_at_least: Option<CountRef>,
    /// Every listed counter (facts over time) is at least its count: counter id → count or
    /// count threshold, e.g. `{same-matter-7d: persistent_week}`.
    pub counts_at_least: Option<BTreeMap<String, CountRef>>,
    /// Holds when this inner condition does not, e.g. `not: {tags: [legal]}`.
    pub not: Option<Box<FactCondition>>,
    /// Holds when at least one of these conditions holds; an empty list never holds.
    pub any: Option<Vec<FactCondition>>,
}

/// A counter: a fact over time that the CRM counts (contacts in the last 24 hours …).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The counter's id, e.g. `same-matter-7d`; contacts give its value in `counts`.
    pub id: Id,
    /// What the CRM counts, e.g. `回答済みの同じ用件での連絡（直近7日間）`.
    pub label: String,
    /// The period the CRM counts over, e.g. `7d` (documentation for the systems that fill it
    /// in; mamoru does not count contacts itself).
    pub window: Option<DurationRef>,
}

// ---------------------------------------------------------------------------------------------
// vocabulary.yaml, roles.yaml, scripts.yaml, aftercare.yaml, invariants.yaml

/// `vocabulary.yaml`: the channels, tags, parties and counters contacts may carry, and search
/// synonyms. Whatever is used anywhere must be declared here (E202), so a typo cannot silently
/// bypass a condition.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The channels a contact may come through, e.g. `{id: phone, label: 電話}`; a contact has
    /// exactly one.
    #[serde(default)]
    pub channels: Vec<Labelled>,
    /// Tags a contact may carry, e.g. `{id: legal, label: 法的措置への言及}`; a contact has any
    /// number of them.
    #[serde(default)]
    pub tags: Vec<Labelled>,
    /// Who the other party (相手方) of a contact may be, e.g. `{id: family, label: ご家族}`; a
    /// contact names one in `party`.
    #[serde(default)]
    pub parties: Vec<Labelled>,
    /// Facts over time that the CRM counts and contacts carry as `counts`, e.g. contacts about
    /// the same matter in the last 7 days.
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
    /// The word the manual uses (a term, a label or any phrase in its text), e.g. `侮辱・暴言`.
    #[schemars(length(min = 1))]
    pub term: String,
    /// Words readers may type instead, e.g. `[怒鳴る, 大声, 罵声]`.
    #[schemars(length(min = 1), inner(length(min = 1)))]
    pub words: Vec<String>,
}

/// Who acts in a flow (an item of `roles.yaml`), e.g. `{id: sv, label: スーパーバイザー, org:
/// vendor}`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The role's id, e.g. `operator`; steps, aftercare and invariants name it.
    pub id: Id,
    /// The role's name in the manual, e.g. `オペレーター`; a vendor fork may rename it.
    pub label: String,
    /// Which organisation the role belongs to: `vendor` (委託先), `inhouse` (自社) or
    /// `external` (police, lawyers).
    pub org: Org,
    /// What the role does and decides (Markdown), shown in the manual.
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
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The script's id, e.g. `warning`; a step names it in `script`.
    pub id: Id,
    /// When the script is used, shown above its text, e.g. `警告（オペレーターから1回）`.
    pub purpose: String,
    /// Channels the script is for (channel ids), e.g. `[phone]`; all channels when absent.
    #[serde(default)]
    pub channel: Vec<Id>,
    /// The words to say or write (Markdown), quoted in the manual; `{{threshold}}` placeholders
    /// allowed, checked for personal data (W010).
    pub text: String,
}

/// A follow-up step (事後対応): who does what, and by when after the contact.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AftercareItem {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The item's id, e.g. `verbatim-record`.
    pub id: Id,
    /// Who does it (a role id), e.g. `sv`.
    pub role: Id,
    /// Deadline after the contact ends: a duration or a duration threshold, e.g. `1d` or
    /// `record_within`.
    pub within: DurationRef,
    /// What is done, in a few words, e.g. `逐語記録と録音IDの保存`; an obligation, checked for
    /// vague wording (W013).
    pub title: String,
    /// How to do it (Markdown); an obligation, checked for vague wording (W013).
    #[serde(rename = "do")]
    pub action: String,
}

/// A rule every flow must satisfy (an item of `invariants.yaml`): a role every route of some
/// contacts must reach, or the longest hold or time box a step may allow. Each rule needs at
/// least one of `reach_role`, `max_hold` and `max_limit` (E101).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Invariant {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The rule's id, e.g. `specific-matters-to-staff`.
    pub id: Id,
    /// The rule in words, shown in the manual and in every violation, e.g.
    /// `法的措置への言及は社員へ`.
    pub text: String,
    /// The contacts the rule is about, e.g. `{tags: [legal, media, police]}`; all contacts when
    /// absent.
    pub when: Option<Condition>,
    /// Every route of such a contact visits a step of this role (or one of these roles), e.g.
    /// `staff`; a route that does not is an error (E230).
    pub reach_role: Option<OneOrMany>,
    /// No step may hold (保留) longer than this: a duration or a duration threshold, e.g.
    /// `hold`; inclusive, so `3m` allows a hold of `3m`.
    pub max_hold: Option<DurationRef>,
    /// No step may have a time limit (`limit`) longer than this: a duration or a duration
    /// threshold, e.g. `step_limit`; inclusive.
    pub max_limit: Option<DurationRef>,
}

// ---------------------------------------------------------------------------------------------
// flows/*.yaml

/// A condition on a contact: every key given must hold; a list means any of its items. An empty
/// condition `{}` always holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The contact's final verdict (after types, caps and overrides) is one of these verdicts,
    /// e.g. `[gray, harassment]`.
    pub verdict: Option<OneOrMany>,
    /// The effective conduct level (after types raised it) is at or above this level, e.g.
    /// `c3`.
    pub conduct_at_least: Option<Id>,
    /// The effective demand level (after types raised it) is at or above this level, e.g.
    /// `d1`.
    pub demand_at_least: Option<Id>,
    /// The contact has at least one of these conduct types, listed or implied by its facts,
    /// e.g. `[threat, sexual]`.
    pub conduct_types: Option<OneOrMany>,
    /// The contact has at least one of these demand types, listed or implied by its facts.
    pub demand_types: Option<OneOrMany>,
    /// The contact has at least one of these tags, e.g. `[legal, media, police]`.
    pub tags: Option<OneOrMany>,
    /// The contact's channel is one of these channels, e.g. `[phone]`.
    pub channel: Option<OneOrMany>,
    /// The other party (相手方) is one of these parties, e.g. `[family]`; never holds when the
    /// contact records no party.
    pub party: Option<OneOrMany>,
    /// The other party singled out one staff member (or did not, with `false`).
    pub targeted: Option<bool>,
    /// At least one of these events happened during the contact (event ids of
    /// `criteria.yaml`), e.g. `customer-continues`. Not allowed in a flow's `applies_to`.
    pub event: Option<OneOrMany>,
    /// The contact lasted at least this long: a number of minutes (`90`), a duration (`60m`)
    /// or a duration threshold (`long_call`).
    pub minutes_at_least: Option<MinutesRef>,
    /// The same claim was repeated at least this often: a count or a count threshold, e.g.
    /// `repeats`.
    pub repeats_at_least: Option<CountRef>,
    /// Every listed counter (facts over time) is at least its count: counter id → count or
    /// count threshold, e.g. `{same-matter-7d: persistent_week}`.
    pub counts_at_least: Option<BTreeMap<String, CountRef>>,
    /// Holds when this inner condition does not, e.g. `not: {tags: [legal]}`.
    pub not: Option<Box<Condition>>,
    /// Holds when at least one of these conditions holds; an empty list never holds.
    pub any: Option<Vec<Condition>>,
}

/// `flows/<id>.yaml`: an escalation flow (対応フロー).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The flow's id, e.g. `phone`; must equal the file name without `.yaml` (E204).
    pub id: Id,
    /// The flow's title, shown in the menu and as its page's heading, e.g. `電話応対フロー`.
    pub title: String,
    /// What the flow is for and how it runs (Markdown), shown before its diagram.
    pub describe: Option<String>,
    /// The contacts this flow is for, e.g. `{channel: [phone]}`. A contact follows the one
    /// flow that admits it: flows must not overlap (E220); `event` is not allowed here (E226).
    pub applies_to: Condition,
    /// The first step of every route (a step id of this flow), e.g. `listen`.
    pub start: Id,
    /// The flow's steps (at least one), in the order the manual lists them.
    #[schemars(length(min = 1))]
    pub steps: Vec<Step>,
}

/// A step of a flow: who acts and what to do, then either the branches to the next step or, for
/// an `end` step, the outcome.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The step's id, unique within its flow, e.g. `listen`; `start`, branches and case
    /// routes name it.
    pub id: Id,
    /// Who performs the step: a role id of `roles.yaml`, e.g. `operator`.
    pub role: Id,
    /// The step's name in the diagram and the manual, e.g. `傾聴と事実確認`.
    pub title: String,
    /// What to do in this step (Markdown), shown in the manual; an obligation, checked for vague
    /// wording (W013).
    #[serde(rename = "do")]
    pub action: Option<String>,
    /// Time box for the step (目安): a duration or a duration threshold, e.g. `step_limit`; at
    /// most the `max_limit` of every invariant that applies (E225).
    pub limit: Option<DurationRef>,
    /// Longest hold (保留) allowed in this step: a duration or a duration threshold, e.g.
    /// `hold`; at most the `max_hold` of every invariant that applies (E225).
    pub hold: Option<DurationRef>,
    /// A script to say in this step (a script id of `scripts.yaml`), quoted in the manual, e.g.
    /// `warning`.
    pub script: Option<Id>,
    /// The step may be entered at most this many times on one route: a count of at least 1 or
    /// a count threshold, e.g. `warnings`. A branch into a step entered that often does not
    /// hold.
    pub repeat: Option<CountRef>,
    /// Branches tried in order: the first whose `when` holds is taken, `otherwise` always
    /// holds. A step needs `next` or `end` (E222).
    #[serde(default)]
    pub next: Vec<Branch>,
    /// Makes the step terminal; the text is the outcome shown in the manual, e.g. `切電`. Not
    /// together with `next` (E226).
    pub end: Option<String>,
}

/// A branch: `{when, to}`, or `{otherwise}` as the last branch.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// The condition under which this branch is taken (every key must hold), e.g.
    /// `{verdict: [harassment]}`; written with `to`.
    pub when: Option<Condition>,
    /// The step this branch leads to (a step id of the same flow), when `when` holds.
    pub to: Option<Id>,
    /// The step taken when no earlier branch holds; only as the last branch, without `when`.
    pub otherwise: Option<Id>,
}

// ---------------------------------------------------------------------------------------------
// review.yaml

/// The ids a review column takes (labels may be mapped onto them in `review.yaml` `values`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdSet {
    /// Vendor ids of `policy.yaml` `vendors`.
    Vendors,
    /// Channel ids of `vocabulary.yaml`.
    Channels,
    /// Level ids of the conduct axis (行為).
    ConductLevels,
    /// Level ids of the demand axis (要求).
    DemandLevels,
    /// Conduct type ids of `criteria.yaml`.
    ConductTypes,
    /// Demand type ids of `criteria.yaml`.
    DemandTypes,
    /// Tag ids of `vocabulary.yaml`.
    Tags,
    /// Event ids of `criteria.yaml`.
    Events,
    /// Verdict ids of `criteria.yaml`.
    Verdicts,
    /// Role ids of `roles.yaml`.
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
    /// The column's name in the contract, also its key in `review.yaml` (`field_verdict`).
    pub name: &'static str,
    /// What the column's cells hold.
    pub value: ColumnValue,
    /// Required: a row without a value in this column is rejected.
    pub required: bool,
    /// What the column means, for the schema's description of its header.
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
        col(
            "vendor",
            One(Vendors),
            true,
            "the vendor (委託先) that handled the contact: a vendor id of policy.yaml",
        ),
        col("channel", One(Channels), true, "the contact's channel"),
        col(
            "conduct",
            One(ConductLevels),
            true,
            "the conduct level (行為) as observed, before types raise it",
        ),
        col(
            "demand",
            One(DemandLevels),
            true,
            "the demand level (要求) as observed, before types raise it",
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
            "the verdict the vendor recorded, an id or a label",
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
            "roles the contact actually reached, `;`-separated",
        ),
    ]
};

/// The CRM's name of a column: one header, or several (one per CRM or export layout).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Headers {
    /// One header, e.g. `現場判定`.
    One(String),
    /// Several headers, e.g. `[現場判定, 判定区分]`: whichever an export has.
    Many(Vec<String>),
}

impl Headers {
    /// The headers, one or many alike.
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
                let required = if c.required { " (required)" } else { "" };
                h["description"] =
                    format!("the header of `{}`: {}{required}", c.name, c.describe).into();
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

/// `review.yaml`: how the CRM's export of flagged contacts maps onto the columns of the weekly
/// review (`mamoru review`). Optional: without it, exports use the review's own column names
/// and the policy's ids or labels.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewMapping {
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
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
    /// In a fork: the record of why this item replaces the upstream's (`why`, `owner`,
    /// `review_by`); required when it does (E312).
    #[serde(rename = "override")]
    pub override_record: Option<OverrideRecord>,

    /// The laws' guidelines and checklists the policy answers to (at least one), each a table
    /// on the manual's page 法令・指針との対応.
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
    /// The framework's id, e.g. `shishin`.
    pub id: Id,
    /// The framework's title, e.g. `改正労働施策総合推進法と指針が求める措置`.
    pub title: String,
    /// Where it comes from (law, notice, date).
    pub source: Option<String>,
    /// What the framework asks of the company (Markdown), shown above its table.
    pub describe: Option<String>,
    /// The measures it requires or recommends (at least one).
    #[schemars(length(min = 1))]
    pub measures: Vec<Measure>,
}

/// One required (or recommended) measure and the policy items that implement it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// The measure's id within its framework, e.g. `consultation`.
    pub id: Id,
    /// The measure as the framework states it, e.g. `方針の明確化と周知・啓発`.
    pub title: String,
    /// What the measure asks for, in a sentence or two (Markdown).
    pub describe: Option<String>,
    /// `false` for a measure the framework only recommends (努力義務). A required measure with
    /// no item is warned about (`W016`); default `true`.
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
    /// When it was made known, `YYYY-MM-DD`.
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
    /// `policy.yaml`, the manifest.
    Manifest,
    /// `stance.md`, the basic stance (基本姿勢).
    Stance,
    /// `definitions/<id>.md`, one defined term (用語).
    Definition,
    /// `criteria.yaml`, the judgment criteria (判断基準).
    Criteria,
    /// `vocabulary.yaml`: channels, tags, parties, counters, synonyms.
    Vocabulary,
    /// `roles.yaml`, who acts.
    Roles,
    /// `scripts.yaml`, the words staff say.
    Scripts,
    /// `flows/<id>.yaml`, one escalation flow (対応フロー).
    Flow,
    /// `aftercare.yaml`, the follow-up steps (事後対応).
    Aftercare,
    /// `invariants.yaml`, the rules every flow must satisfy.
    Invariants,
    /// `cases/<id>.md`, one case study (事例).
    Case,
    /// `pages/<name>.md`, one free page.
    Page,
    /// `review.yaml`, the mapping of the CRM's review exports.
    Review,
    /// `compliance.yaml`, how the policy meets laws and guidelines.
    Compliance,
}

impl Kind {
    /// Every kind, in the order of the format's reference.
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

//! `review.json` (`mamoru-review/1.0`): the figures of one weekly review, as data. The HTML and
//! Markdown reports render this and nothing else (plus the bundle's labels), so all three agree.
//!
//! Architecture invariant: plain serde types; `mamoru schema --review` derives the schema here.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the review format. A change that could break a consumer bumps the major.
pub const FORMAT: &str = "mamoru-review/1.0";

/// One weekly review.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Review {
    /// `mamoru-review/MAJOR.MINOR`.
    pub format: String,
    /// The policy the rows were judged against (the bundle's manifest).
    pub policy: PolicyRef,
    /// The dates of the reviewed rows.
    pub period: Period,
    /// Rows read: `read = reviewed + rejected.len()`.
    pub read: u64,
    /// Rows judged and counted in the figures.
    pub reviewed: u64,
    /// Every rejected row, in input order.
    pub rejected: Vec<Rejected>,
    /// The figures over every reviewed row.
    pub overall: Figures,
    /// Every vendor of the policy, in its order (figures over no rows are `null`).
    pub vendors: Vec<VendorFigures>,
    /// Every cell of the grid (the effective cell, after types raised the levels), row by row.
    pub cells: Vec<CellFigures>,
    /// Disagreements, by cell, vendor and id; at most `--max-listed`.
    pub disagreements: Vec<Disagreement>,
    /// Disagreements counted but not listed (over `--max-listed`).
    pub unlisted: u64,
    /// Kappa per vendor by ISO week, when earlier reviews were given (`--history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<Vec<Trend>>,
}

/// The policy the rows were judged against.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PolicyRef {
    /// The policy's id (`policy.yaml` `id`).
    pub id: String,
    /// The policy's version (`policy.yaml` `version`).
    pub version: String,
    /// The bundle's digest.
    pub digest: String,
}

/// The dates of the reviewed rows, in the policy's time zone.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Period {
    /// Earliest date, `YYYY-MM-DD` (`null` when no row had a date).
    pub from: Option<String>,
    /// Latest date.
    pub to: Option<String>,
    /// ISO week of `to`, `YYYY-Www`: the week the review is filed under in a trend.
    #[serde(default)]
    pub week: Option<String>,
    /// The time zone the dates are counted in.
    #[serde(default)]
    pub timezone: Option<String>,
}

/// A rejected row.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Rejected {
    /// The file as given on the command line.
    pub file: String,
    /// 1-based line where the row starts.
    pub line: u64,
    /// Why, in words (never quoting the row's values).
    pub reason: String,
    /// A stable code: `missing-column`, `unknown-value`, `duplicate-id`, `personal-data`, …
    pub code: String,
    /// The review column concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

/// Agreement of the vendors' verdicts with the policy's over a set of rows.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Figures {
    /// Rows counted.
    pub n: u64,
    /// Share of rows whose `field_verdict` equals the policy's verdict.
    pub agreement: Option<f64>,
    /// Cohen's kappa of field against policy over the policy's verdicts.
    pub kappa: Option<f64>,
    /// Lower end of the 95% interval: `kappa − 1.96 × se`, se the large-sample standard error
    /// of Fleiss, Cohen & Everitt (1969).
    pub kappa_low: Option<f64>,
    /// Upper end of the 95% interval: `kappa + 1.96 × se`.
    pub kappa_high: Option<f64>,
    /// Cohen's kappa with quadratic weights over the verdict order.
    pub weighted_kappa: Option<f64>,
    /// `confusion[field verdict][policy verdict]`: a count of rows, every verdict present.
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
}

/// A vendor's figures and deviations.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct VendorFigures {
    /// The vendor's id (`policy.yaml` `vendors`).
    pub id: String,
    /// The vendor's name.
    pub name: String,
    /// The figures over the vendor's reviewed rows.
    #[serde(flatten)]
    pub figures: Figures,
    /// Rows whose `hold_seconds` exceeds the smallest `max_hold` of the invariants that admit
    /// the contact (`null` when no row of the vendor had `hold_seconds`).
    pub hold_over: Option<u64>,
    /// Rows of the vendor with `hold_seconds`.
    pub hold_rows: u64,
    /// Rows with a `reached` column that lacks a role an invariant requires of the contact
    /// (`null` when no row of the vendor had `reached`).
    pub missed_roles: Option<u64>,
    /// Rows of the vendor with `reached`.
    pub reached_rows: u64,
}

/// One effective grid cell.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CellFigures {
    /// `conduct×demand`, e.g. `c1×d2`.
    pub cell: String,
    /// Reviewed rows whose contact the policy puts in this cell.
    pub n: u64,
    /// Share of those rows where the vendor's verdict is the policy's (`null` without rows).
    pub agreement: Option<f64>,
}

/// A row where the vendor and the policy disagree.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Disagreement {
    /// The CRM's contact id.
    pub id: String,
    /// The vendor's id.
    pub vendor: String,
    /// The effective cell.
    pub cell: String,
    /// The vendor's verdict.
    pub field: String,
    /// The policy's verdict (as `mamoru classify` gives it).
    pub policy: String,
    /// The manual's section behind the policy's verdict, relative to the manual's root.
    pub manual: String,
    /// The contact's date, `YYYY-MM-DD`, when given.
    #[serde(default)]
    pub date: Option<String>,
    /// Why the policy gives its verdict, as `mamoru classify` says it.
    #[serde(default)]
    pub reasons: Vec<serde_json::Value>,
}

/// One vendor's kappa week by week.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Trend {
    /// The vendor's id.
    pub vendor: String,
    /// The weeks with a review that has the vendor, in week order.
    pub weeks: Vec<TrendPoint>,
    /// This week against the latest earlier week with a kappa: `improved`, `slipped` (the
    /// difference is beyond chance at the 95% level) or `steady`; `null` without two kappas.
    pub change: Option<String>,
}

/// A vendor's figures of one week.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct TrendPoint {
    /// `YYYY-Www`.
    pub week: String,
    /// Rows of the vendor reviewed that week.
    pub n: u64,
    /// The vendor's kappa that week.
    pub kappa: Option<f64>,
    /// Lower end of its 95% interval.
    pub kappa_low: Option<f64>,
    /// Upper end of its 95% interval.
    pub kappa_high: Option<f64>,
}

/// The JSON Schema of `review.json` (draft 2020-12).
pub fn schema() -> serde_json::Value {
    let g = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut s = g.into_root_schema_for::<Review>().to_value();
    if let Some(o) = s.as_object_mut() {
        o.insert(
            "$id".into(),
            format!("https://mamoru.invalid/schema/review/{FORMAT}").into(),
        );
        o.insert("title".into(), "mamoru weekly review".into());
    }
    s
}

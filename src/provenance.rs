//! Where a compiled item comes from: shared vocabulary of resolve (which records it), the compiled
//! policy, the manual's badges and the bundle (which publishes it).

use crate::model::OverrideRecord;
use serde::Serialize;

/// Where a compiled item comes from.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum Provenance {
    /// Written in this policy (no upstream, or new in a fork).
    Own,
    /// Taken unchanged from the upstream.
    Inherited { upstream: String, version: String },
    /// Replaced in the fork.
    Overridden {
        upstream: String,
        version: String,
        record: Option<OverrideRecord>,
    },
    /// Dropped by the fork (listed for the deviations page; not in the policy).
    Removed {
        upstream: String,
        version: String,
        record: OverrideRecord,
    },
}

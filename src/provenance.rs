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
    Inherited {
        /// The id of the upstream policy it comes from.
        upstream: String,
        /// That upstream's version.
        version: String,
    },
    /// Replaced in the fork.
    Overridden {
        /// The id of the upstream policy whose item it replaces.
        upstream: String,
        /// That upstream's version.
        version: String,
        /// Why, as the fork recorded it (`None` for a threshold, which has no record).
        record: Option<OverrideRecord>,
    },
    /// Dropped by the fork (listed for the deviations page; not in the policy).
    Removed {
        /// The id of the upstream policy whose item it drops.
        upstream: String,
        /// That upstream's version.
        version: String,
        /// Why, as the fork recorded it in `remove`.
        record: OverrideRecord,
    },
}

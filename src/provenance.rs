//! Where a compiled item comes from: shared vocabulary of resolve (which records it), the compiled
//! policy, the manual's badges and the bundle (which publishes it).

use crate::model::OverrideRecord;
use serde::Serialize;

/// Where a compiled item comes from, keyed `kind/id` (`flows/phone`) or by part (`criteria`) in
/// the policy and the bundle's `provenance`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum Provenance {
    /// Written in this policy (no upstream, or new in a fork).
    Own,
    /// Taken unchanged from the upstream.
    Inherited {
        /// The id of the upstream policy the item comes from.
        upstream: String,
        /// The upstream's version when the fork was built.
        version: String,
    },
    /// Replaced in the fork.
    Overridden {
        /// The id of the upstream policy whose item the fork replaced.
        upstream: String,
        /// The upstream's version when the fork was built.
        version: String,
        /// Why, by whom and until when the fork deviates; absent for a threshold value, which
        /// has no record of its own.
        record: Option<OverrideRecord>,
    },
    /// Dropped by the fork (listed for the deviations page; not in the policy).
    Removed {
        /// The id of the upstream policy whose item the fork dropped.
        upstream: String,
        /// The upstream's version when the fork was built.
        version: String,
        /// The `remove:` entry: why, by whom and until when.
        record: OverrideRecord,
    },
}

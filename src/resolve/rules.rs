//! What a fork must respect (`fork.locked`, `fork.bounds`), gathered along its upstream chain:
//! each policy adds its own rules to those it inherited, never loosening them.

use crate::duration::parse_duration;
use crate::model::*;
use crate::validate::Validated;
use std::collections::{BTreeMap, BTreeSet};

/// What a fork must respect, gathered from all its upstreams.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// Parts no fork may replace, add to or remove from (`criteria`, `flows` …).
    pub(super) locked: BTreeSet<&'static str>,
    /// The longest `hold` a changed flow's step may have, in seconds.
    pub(super) hold_max: Option<u64>,
    /// The longest `limit` a changed flow's step may have, in seconds.
    pub(super) limit_max: Option<u64>,
}

impl Rules {
    /// These rules plus a policy's own `fork` section: more locks, tighter bounds (durations
    /// may name the policy's thresholds).
    pub(super) fn tightened(
        &self,
        fork: Option<&ForkRules>,
        thresholds: &BTreeMap<String, ThresholdValue>,
    ) -> Rules {
        let mut rules = self.clone();
        let Some(fr) = fork else { return rules };
        rules.locked.extend(fr.locked.iter().map(|p| part_name(*p)));
        if let Some(b) = &fr.bounds {
            let min = |a: Option<u64>, b: Option<u64>| match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let max = |x: &Option<Bound>| x.as_ref().and_then(|x| seconds_of(&x.max, thresholds));
            rules.hold_max = min(rules.hold_max, max(&b.hold));
            rules.limit_max = min(rules.limit_max, max(&b.limit));
        }
        rules
    }
}

/// The rules a policy with no upstream sets for its forks.
pub fn root_rules(v: &Validated) -> Rules {
    match &v.manifest {
        Some(m) => Rules::default().tightened(m.value.fork.as_ref(), &m.value.thresholds),
        None => Rules::default(),
    }
}

/// A lockable part by the name messages and `merge` use.
fn part_name(p: LockablePart) -> &'static str {
    match p {
        LockablePart::Definitions => "definitions",
        LockablePart::Stance => "stance",
        LockablePart::Criteria => "criteria",
        LockablePart::Invariants => "invariants",
        LockablePart::Roles => "roles",
        LockablePart::Scripts => "scripts",
        LockablePart::Flows => "flows",
        LockablePart::Aftercare => "aftercare",
        LockablePart::Cases => "cases",
        LockablePart::Pages => "pages",
        LockablePart::Thresholds => "thresholds",
        LockablePart::Compliance => "compliance",
    }
}

/// A duration literal or threshold name in seconds, with the given thresholds.
pub(super) fn seconds_of(
    r: &DurationRef,
    thresholds: &BTreeMap<String, ThresholdValue>,
) -> Option<u64> {
    parse_duration(r.as_str()).or_else(|| match thresholds.get(r.as_str()) {
        Some(ThresholdValue::Duration(s)) => parse_duration(s),
        _ => None,
    })
}

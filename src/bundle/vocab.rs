//! The id lists that conditions, items and contacts refer to: one table that says, for each
//! list, where its ids are in a bundle and in a compiled policy and how a message names it.
//! Both directions of the bundle ↔ policy conversion (`emit::bundle`, `bundle::lower`), the
//! engine's id lookups and `classify`'s line parser read it, so they cannot disagree on which
//! list a reference points into.

use super::Bundle;
use crate::policy::Policy;

/// A list of ids that a reference (in a condition, a type, a step, a contact) points into; a
/// resolved reference is the id's position in its list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Vocab {
    Verdict,
    Conduct,
    Demand,
    ConductType,
    DemandType,
    Tag,
    Channel,
    Event,
    Party,
    Counter,
    Role,
}

impl Vocab {
    /// Every list, in the order of the discriminants (`ALL[v as usize] == v`).
    pub(crate) const ALL: [Vocab; 11] = [
        Vocab::Verdict,
        Vocab::Conduct,
        Vocab::Demand,
        Vocab::ConductType,
        Vocab::DemandType,
        Vocab::Tag,
        Vocab::Channel,
        Vocab::Event,
        Vocab::Party,
        Vocab::Counter,
        Vocab::Role,
    ];

    /// The catalogue id that names an item of the list in messages (`what-tag`).
    pub(crate) fn what(self) -> &'static str {
        match self {
            Vocab::Verdict => "what-verdict",
            Vocab::Conduct => "what-conduct-level",
            Vocab::Demand => "what-demand-level",
            Vocab::ConductType => "what-conduct-type",
            Vocab::DemandType => "what-demand-type",
            Vocab::Tag => "what-tag",
            Vocab::Channel => "what-channel",
            Vocab::Event => "what-event",
            Vocab::Party => "what-party",
            Vocab::Counter => "what-counter",
            Vocab::Role => "what-role",
        }
    }

    /// The ids of the list in a bundle, in order.
    pub(crate) fn in_bundle(self, b: &Bundle) -> Vec<&str> {
        fn ids<T>(items: &[T], id: fn(&T) -> &str) -> Vec<&str> {
            items.iter().map(id).collect()
        }
        match self {
            Vocab::Verdict => ids(&b.verdicts, |x| &x.id),
            Vocab::Conduct => ids(&b.axes.conduct.levels, |x| &x.id),
            Vocab::Demand => ids(&b.axes.demand.levels, |x| &x.id),
            Vocab::ConductType => ids(&b.conduct_types, |x| &x.id),
            Vocab::DemandType => ids(&b.demand_types, |x| &x.id),
            Vocab::Tag => ids(&b.tags, |x| &x.id),
            Vocab::Channel => ids(&b.channels, |x| &x.id),
            Vocab::Event => ids(&b.events, |x| &x.id),
            Vocab::Party => ids(&b.parties, |x| &x.id),
            Vocab::Counter => ids(&b.counters, |x| &x.id),
            Vocab::Role => ids(&b.roles, |x| &x.id),
        }
    }

    /// The ids of the list in a compiled policy, in order (index `i` is the item a resolved
    /// reference `i` points to).
    pub(crate) fn in_policy(self, p: &Policy) -> Vec<&str> {
        (0..self.len(p)).map(|i| self.id(p, i)).collect()
    }

    /// The id of item `i` of the list in a compiled policy (`i` is a valid index: the policy's
    /// invariant).
    pub(crate) fn id(self, p: &Policy, i: usize) -> &str {
        match self {
            Vocab::Verdict => &p.verdicts[i].id,
            Vocab::Conduct => &p.conduct.levels[i].id,
            Vocab::Demand => &p.demand.levels[i].id,
            Vocab::ConductType => &p.conduct_types[i].id,
            Vocab::DemandType => &p.demand_types[i].id,
            Vocab::Tag => &p.tags[i].id,
            Vocab::Channel => &p.channels[i].id,
            Vocab::Event => &p.events[i].id,
            Vocab::Party => &p.parties[i].id,
            Vocab::Counter => &p.counters[i].id,
            Vocab::Role => &p.roles[i].id,
        }
    }

    fn len(self, p: &Policy) -> usize {
        match self {
            Vocab::Verdict => p.verdicts.len(),
            Vocab::Conduct => p.conduct.levels.len(),
            Vocab::Demand => p.demand.levels.len(),
            Vocab::ConductType => p.conduct_types.len(),
            Vocab::DemandType => p.demand_types.len(),
            Vocab::Tag => p.tags.len(),
            Vocab::Channel => p.channels.len(),
            Vocab::Event => p.events.len(),
            Vocab::Party => p.parties.len(),
            Vocab::Counter => p.counters.len(),
            Vocab::Role => p.roles.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Vocab;

    #[test]
    fn all_lists_every_vocabulary_at_its_discriminant() {
        for (i, v) in Vocab::ALL.iter().enumerate() {
            assert_eq!(*v as usize, i);
        }
    }

    #[test]
    fn a_bundle_and_the_policy_it_lowers_to_list_the_same_ids() {
        let checked = crate::ops::check(&crate::ops::Input::Builtin).unwrap();
        let b = crate::emit::bundle::build(checked.policy.as_ref().unwrap(), None);
        let engine = b.engine().unwrap();
        for v in Vocab::ALL {
            assert_eq!(v.in_bundle(&b), v.in_policy(engine.policy()), "{v:?}");
            assert!(!v.in_bundle(&b).is_empty() || matches!(v, Vocab::Party | Vocab::Counter));
        }
    }
}

//! Linking conditions and the quantities they compare with (durations, counts, thresholds).

use super::Linker;
use super::table::Refs;
use crate::diag::{Code, Diagnostic, Origin, did_you_mean};
use crate::model::{self, CountRef, DurationRef, MinutesRef};
use crate::msg;
use crate::policy::{Cond, Quantity, format_duration, parse_duration};
use std::collections::BTreeMap;

impl Linker<'_> {
    /// A duration field: a literal or a duration threshold; in seconds.
    pub(super) fn duration(&mut self, r: &DurationRef, origin: &Origin) -> Option<u64> {
        if let Some(s) = parse_duration(r.as_str()) {
            return Some(s);
        }
        self.threshold(r.as_str(), origin, true)
    }

    /// Minutes in conditions: a number of minutes, or a duration threshold; in seconds.
    fn minutes(&mut self, r: &MinutesRef, origin: &Origin) -> Option<u64> {
        match r {
            MinutesRef::Minutes(n) => Some(n.saturating_mul(60)),
            MinutesRef::Duration(d) => self.duration(d, origin),
        }
    }

    /// A count: a number or a count threshold.
    pub(super) fn count(&mut self, r: &CountRef, origin: &Origin) -> Option<u64> {
        match r {
            CountRef::Number(n) => Some(*n),
            CountRef::Threshold(name) => self.threshold(name, origin, false),
        }
    }

    /// The value of a threshold, which must be a duration (`want_duration`) or a count.
    fn threshold(&mut self, name: &str, origin: &Origin, want_duration: bool) -> Option<u64> {
        let Some(t) = self.thresholds.iter().find(|t| t.name == name) else {
            if !self.gaps.thresholds {
                let names = self.thresholds.iter().map(|t| t.name.as_str());
                let hint = did_you_mean(name, names).unwrap_or_else(|| {
                    msg!(
                        "threshold-hint",
                        name = name,
                        example = if want_duration { "3m" } else { "3" }
                    )
                });
                self.d.push(
                    Diagnostic::new(
                        Code::UnknownReference,
                        msg!(
                            "unknown-reference",
                            what = msg!("what-threshold"),
                            id = name
                        ),
                    )
                    .at(origin.clone())
                    .hint(hint),
                );
            }
            return None;
        };
        match (t.value, want_duration) {
            (Quantity::Duration(s), true) => Some(s),
            (Quantity::Count(n), false) => Some(n),
            (q, _) => {
                let (want, got) = match q {
                    Quantity::Count(n) => (msg!("expect-duration"), msg!("the-count", count = n)),
                    Quantity::Duration(s) => (
                        msg!("expect-count"),
                        msg!("the-duration", duration = format_duration(s)),
                    ),
                };
                self.d.push(
                    Diagnostic::new(
                        Code::QuantityKind,
                        msg!("quantity-kind", name = name, got = got, want = want),
                    )
                    .at(origin.clone())
                    .related(t.origin.clone(), msg!("threshold-declared-here")),
                );
                None
            }
        }
    }

    /// Link a condition; `None` when a reference in it fails. The diagnostics of its own ids
    /// follow those of its thresholds, counters and nested conditions.
    pub(super) fn cond(&mut self, c: &model::Condition, origin: &Origin) -> Option<Cond> {
        let mut r = Refs::new();
        let at = |key: &str| origin.child(key);
        let conduct_at_least = (c.conduct_at_least.as_ref())
            .and_then(|id| r.id(&self.conduct, id.as_str(), at("conduct_at_least")));
        let demand_at_least = (c.demand_at_least.as_ref())
            .and_then(|id| r.id(&self.demand, id.as_str(), at("demand_at_least")));
        let verdict = r.list(&self.verdicts, c.verdict.as_ref(), at("verdict"));
        let conduct_types = r.list(
            &self.conduct_types,
            c.conduct_types.as_ref(),
            at("conduct_types"),
        );
        let demand_types = r.list(
            &self.demand_types,
            c.demand_types.as_ref(),
            at("demand_types"),
        );
        let tags = r.list(&self.tags, c.tags.as_ref(), at("tags"));
        let channel = r.list(&self.channels, c.channel.as_ref(), at("channel"));
        let event = r.list(&self.events, c.event.as_ref(), at("event"));
        let minutes_at_least = (c.minutes_at_least.as_ref())
            .and_then(|m| r.part(self.minutes(m, &at("minutes_at_least"))));
        let repeats_at_least = (c.repeats_at_least.as_ref())
            .and_then(|m| r.part(self.count(m, &at("repeats_at_least"))));
        let party = r.list(&self.parties, c.party.as_ref(), at("party"));
        let counts_at_least = (c.counts_at_least.as_ref())
            .and_then(|m| r.part(self.counts_at_least(m, &at("counts_at_least"))));
        let not = (c.not.as_ref()).and_then(|n| r.part(self.cond(n, &at("not")).map(Box::new)));
        let any = c.any.as_ref().and_then(|list| {
            let o = at("any");
            // Every alternative is linked (and reported), even after one fails.
            let linked: Vec<Option<Cond>> = (list.iter().enumerate())
                .map(|(i, x)| self.cond(x, &o.child(i)))
                .collect();
            r.part(linked.into_iter().collect())
        });
        self.d.extend(r.d);
        r.ok.then_some(Cond {
            verdict,
            conduct_at_least,
            demand_at_least,
            conduct_types,
            demand_types,
            tags,
            channel,
            party,
            targeted: c.targeted,
            event,
            minutes_at_least,
            repeats_at_least,
            counts_at_least,
            not,
            any,
        })
    }

    /// `counts_at_least`: declared counters (`E202` otherwise) and counts.
    fn counts_at_least(
        &mut self,
        m: &BTreeMap<String, CountRef>,
        origin: &Origin,
    ) -> Option<Vec<(usize, u64)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (name, value) in m {
            let o = origin.child(crate::diag::escape(name));
            let counter = self.counters.resolve(name, o.key(), &mut self.d);
            let n = self.count(value, &o);
            match (counter, n) {
                (Some(c), Some(n)) => out.push((c, n)),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A condition on plain facts (a type's `when`).
    pub(super) fn fact_cond(&mut self, c: &model::FactCondition, origin: &Origin) -> Option<Cond> {
        self.cond(&fact_condition(c), origin)
    }
}

/// A plain-fact condition as a general one (its keys are a subset).
fn fact_condition(c: &model::FactCondition) -> model::Condition {
    model::Condition {
        channel: c.channel.clone(),
        tags: c.tags.clone(),
        party: c.party.clone(),
        targeted: c.targeted,
        minutes_at_least: c.minutes_at_least.clone(),
        repeats_at_least: c.repeats_at_least.clone(),
        counts_at_least: c.counts_at_least.clone(),
        not: c.not.as_deref().map(|n| Box::new(fact_condition(n))),
        any: c
            .any
            .as_ref()
            .map(|l| l.iter().map(fact_condition).collect()),
        ..Default::default()
    }
}

/// Does a condition (or one nested in `not` or `any`) test events?
pub(super) fn tests_events(c: &model::Condition) -> bool {
    c.event.is_some()
        || c.not.as_deref().is_some_and(tests_events)
        || c.any.iter().flatten().any(tests_events)
}

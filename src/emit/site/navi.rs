//! 判定ナビ (the decision aid): for every cell of the grid and every channel, the verdict the
//! engine gives (`eval::assess`), the flow it chooses (`eval::flows_for`) and the step to act on
//! now, computed here once and inlined in the page as data, so the browser only looks answers up
//! and never judges anything itself.
//!
//! "The step to act on now": from the flow's start, branches are tried in order as the engine
//! tries them, taking events as not (yet) reported; a branch that waits for an event is shown as
//! "if this happens, go there". The walk goes on while a step chooses by the facts asked (verdict,
//! levels, types, tags, channel) and stops at the first step whose branches only wait for events
//! (what the customer does next): that step is "now". A further fact that would change the answer
//! (a tag, a type with its own override or branch, a duration or count a branch reads) is listed
//! with its own answer, so the page says when something else matters.

use crate::eval::{Contact, Need, assess, flows_for, holds};
use crate::policy::{AxisKind, Cond, Facts, Flow, Policy, format_duration_ja};
use std::collections::BTreeSet;

/// What to do for one contact, as far as the facts asked can tell.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// The flow, the steps passed through (by the facts), the step to act on now, and the
    /// branches that wait for events: (step where it applies, branch index).
    Flow {
        flow: usize,
        passed: Vec<usize>,
        now: usize,
        waits: Vec<(usize, usize)>,
    },
    /// No flow admits the contact.
    NoFlow,
    /// Several flows admit it (the checker rejects such a policy; kept for safety).
    Ambiguous(Vec<usize>),
    /// The flow choice or a step needs a fact the questions do not ask.
    Unknown,
}

/// Does a condition mention an event (directly or under `not`)?
fn mentions_event(c: &Cond) -> bool {
    c.event.is_some() || c.not.as_deref().is_some_and(mentions_event)
}

/// The walk described in the module documentation.
pub fn outcome(p: &Policy, facts: &Facts) -> Outcome {
    let contact = Contact::new(p, facts);
    let flows = match flows_for(p, &contact) {
        Ok(f) => f,
        Err(_) => return Outcome::Unknown,
    };
    let fi = match flows.as_slice() {
        [] => return Outcome::NoFlow,
        [f] => *f,
        _ => return Outcome::Ambiguous(flows),
    };
    let flow: &Flow = &p.flows[fi];
    let mut at = flow.start;
    let mut passed = Vec::new();
    let mut waits = Vec::new();
    for _ in 0..=flow.steps.len() {
        let step = &flow.steps[at];
        let chooses = step
            .next
            .iter()
            .any(|b| b.when.as_ref().is_some_and(|c| !mentions_event(c)));
        if step.end.is_some() || !chooses {
            for (bi, b) in step.next.iter().enumerate() {
                if b.when.as_ref().is_some_and(mentions_event) {
                    waits.push((at, bi));
                }
            }
            return Outcome::Flow {
                flow: fi,
                passed,
                now: at,
                waits,
            };
        }
        let mut taken = None;
        for (bi, b) in step.next.iter().enumerate() {
            match b.when.as_ref().map_or(Ok(true), |c| holds(c, &contact)) {
                Ok(true) => {
                    taken = Some(b.to);
                    break;
                }
                Ok(false) => {}
                Err(Need::Event(_)) => waits.push((at, bi)),
                Err(_) => return Outcome::Unknown,
            }
        }
        match taken {
            Some(to) if to != at && !passed.contains(&to) => {
                passed.push(at);
                at = to;
            }
            _ => {
                return Outcome::Flow {
                    flow: fi,
                    passed,
                    now: at,
                    waits,
                };
            }
        }
    }
    Outcome::Unknown
}

/// A further fact that may change an answer.
#[derive(Clone, Debug)]
pub enum Factor {
    Tag(usize),
    Type(AxisKind, usize),
    Minutes(u64),
    Repeats(u64),
}

impl Factor {
    /// The facts with this one added.
    pub fn apply(&self, f: &Facts) -> Facts {
        let mut f = f.clone();
        match *self {
            Factor::Tag(t) => f.tags.push(t),
            Factor::Type(AxisKind::Conduct, t) => f.conduct_types.push(t),
            Factor::Type(AxisKind::Demand, t) => f.demand_types.push(t),
            Factor::Minutes(s) => f.minutes = s.div_ceil(60),
            Factor::Repeats(n) => f.repeats = n,
        }
        f
    }

    /// The fact in the manual's words.
    pub fn label(&self, p: &Policy) -> String {
        match *self {
            Factor::Tag(t) => p.tags[t].label.clone(),
            Factor::Type(axis, t) => p.types(axis)[t].label.clone(),
            Factor::Minutes(s) => format!("{}以上続いている", format_duration_ja(s)),
            Factor::Repeats(n) => format!("{n}回以上繰り返している"),
        }
    }

    /// Does the factor belong with this cell? A type belongs where its level is reached (below
    /// it the reader would have chosen its level: the type is listed there as an example).
    pub fn fits(&self, p: &Policy, conduct: usize, demand: usize) -> bool {
        match *self {
            Factor::Type(AxisKind::Conduct, t) => p.conduct_types[t].min_level <= conduct,
            Factor::Type(AxisKind::Demand, t) => p.demand_types[t].min_level <= demand,
            _ => true,
        }
    }
}

fn walk_conds(c: &Cond, out: &mut Vec<Factor>) {
    if let Some(ts) = &c.tags {
        out.extend(ts.iter().map(|&t| Factor::Tag(t)));
    }
    if let Some(ts) = &c.conduct_types {
        out.extend(ts.iter().map(|&t| Factor::Type(AxisKind::Conduct, t)));
    }
    if let Some(ts) = &c.demand_types {
        out.extend(ts.iter().map(|&t| Factor::Type(AxisKind::Demand, t)));
    }
    if let Some(s) = c.minutes_at_least {
        out.push(Factor::Minutes(s));
    }
    if let Some(n) = c.repeats_at_least {
        out.push(Factor::Repeats(n));
    }
    if let Some(n) = &c.not {
        walk_conds(n, out);
    }
    for a in c.any.iter().flatten() {
        walk_conds(a, out);
    }
}

/// Every fact the questions do not ask that some rule reads: tags and types named by flows and
/// invariants... of flows, types with a verdict override, durations and counts flows test.
pub fn factors(p: &Policy) -> Vec<Factor> {
    let mut found = Vec::new();
    for f in &p.flows {
        walk_conds(&f.applies_to, &mut found);
        for s in &f.steps {
            for b in &s.next {
                if let Some(c) = &b.when {
                    walk_conds(c, &mut found);
                }
            }
        }
    }
    for (i, t) in p.conduct_types.iter().enumerate() {
        if t.verdict.is_some() {
            found.push(Factor::Type(AxisKind::Conduct, i));
        }
    }
    for axis in [AxisKind::Conduct, AxisKind::Demand] {
        for t in p.types(axis) {
            if let Some(w) = &t.when
                && let Some(ts) = &w.tags
            {
                found.extend(ts.iter().map(|&x| Factor::Tag(x)));
            }
        }
    }
    // One of each, in a stable order: tags, conduct types, demand types, minutes, repeats.
    let key = |f: &Factor| match *f {
        Factor::Tag(t) => (0, t as u64),
        Factor::Type(AxisKind::Conduct, t) => (1, t as u64),
        Factor::Type(AxisKind::Demand, t) => (2, t as u64),
        Factor::Minutes(s) => (3, s),
        Factor::Repeats(n) => (4, n),
    };
    let mut seen = BTreeSet::new();
    found.sort_by_key(key);
    found.retain(|f| seen.insert(key(f)));
    found
}

/// The plain facts of a cell on a channel: no types, tags, time or events reported yet.
pub fn cell_facts(channel: usize, conduct: usize, demand: usize) -> Facts {
    Facts {
        channel,
        conduct,
        demand,
        events: None,
        ..Facts::default()
    }
}

/// The answer for some facts: the verdict the engine gives and what to do.
pub fn answer(p: &Policy, f: &Facts) -> (usize, Outcome) {
    (assess(p, f).verdict, outcome(p, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Policy {
        let checked = crate::ops::check(&crate::ops::Input::Builtin).expect("builtin");
        checked.policy.expect("compiles")
    }

    #[test]
    fn harassment_on_the_phone_starts_with_the_caution() {
        let p = example();
        let phone = p.channels.iter().position(|c| c.id == "phone").unwrap();
        let c3 = p.conduct.levels.len() - 1;
        let Outcome::Flow {
            flow, now, waits, ..
        } = outcome(&p, &cell_facts(phone, c3, 0))
        else {
            panic!("a flow")
        };
        let f = &p.flows[flow];
        assert_eq!(f.id, "phone");
        assert_eq!(f.steps[now].id, "caution");
        // Danger at the start and the customer going on at the caution wait for events.
        let ids: Vec<&str> = waits
            .iter()
            .map(|&(s, b)| f.steps[f.steps[s].next[b].to].id.as_str())
            .collect();
        assert_eq!(ids, ["emergency", "warn"]);
    }

    #[test]
    fn a_legal_tag_changes_the_flow() {
        let p = example();
        let phone = p.channels.iter().position(|c| c.id == "phone").unwrap();
        let legal = p.tags.iter().position(|t| t.id == "legal").unwrap();
        let base = cell_facts(phone, 0, 0);
        let with = Factor::Tag(legal).apply(&base);
        let (Outcome::Flow { flow: a, .. }, Outcome::Flow { flow: b, .. }) =
            (outcome(&p, &base), outcome(&p, &with))
        else {
            panic!("flows")
        };
        assert_eq!(p.flows[a].id, "phone");
        assert_eq!(p.flows[b].id, "specific");
        assert!(
            factors(&p)
                .iter()
                .any(|f| matches!(f, Factor::Tag(t) if *t == legal))
        );
    }
}

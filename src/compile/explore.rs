//! Exhaustive exploration of the contacts a policy can meet.
//!
//! A [`Partial`] is a set of contacts: the facts it fixes, the rest free. Evaluation (in `eval`)
//! runs on it until it needs a fact it does not fix; [`explore`] then splits the set by the values
//! of that fact and goes on with each part. Every leaf is a class of contacts that evaluate alike,
//! so a property that holds at every leaf holds for every contact. Only the facts some condition
//! looks at are ever split, which keeps the number of leaves small.
//!
//! Types need care: a flow may ask about a few types, while the verdict depends on all of them.
//! Types no condition mentions are folded into the *profile* (effective levels and verdict): the
//! set of profiles they can produce is computed directly instead of splitting on each type.

use crate::eval::{Assessment, Need, Probe, holds, raise_limit};
use crate::i18n::{Arg, Msg};
use crate::msg;
use crate::policy::{AxisKind, Cond, Facts, Policy};
use std::collections::BTreeSet;

/// Leaves explored at most for one question before giving up (reported as a warning).
pub const MAX_LEAVES: usize = 200_000;

/// What the exploration needs to know about a policy.
pub struct Space<'a> {
    /// The policy explored.
    pub policy: &'a Policy,
    /// Types mentioned by some condition of a flow or invariant, per axis.
    mentioned: [Vec<bool>; 2],
    /// Representative minutes and repeats: one value per interval between thresholds.
    minutes: Vec<u64>,
    repeats: Vec<u64>,
    /// Representative values of each counter, likewise.
    counts: Vec<Vec<u64>>,
    /// Parties some condition names; the others (and "none recorded") behave alike.
    parties: Vec<usize>,
    /// For a focused question: the channels its conditions name, and one channel that stands
    /// for all the others (`None`: every channel is its own class).
    channels: Option<(Vec<usize>, Option<usize>)>,
}

fn axis_index(a: AxisKind) -> usize {
    match a {
        AxisKind::Conduct => 0,
        AxisKind::Demand => 1,
    }
}

fn visit_conds(c: &Cond, f: &mut impl FnMut(&Cond)) {
    c.visit(f);
}

impl<'a> Space<'a> {
    /// The space of every contact of a policy, with the representative values of the facts
    /// its conditions compare (minutes, repeats, counts) and the types and parties they name.
    pub fn new(policy: &'a Policy) -> Self {
        let mut mentioned = [
            vec![false; policy.conduct_types.len()],
            vec![false; policy.demand_types.len()],
        ];
        let mut minutes = BTreeSet::from([0u64]);
        let mut repeats = BTreeSet::from([0u64]);
        let mut counts = vec![BTreeSet::from([0u64]); policy.counters.len()];
        let mut all: Vec<&Cond> = Vec::new();
        for f in &policy.flows {
            all.push(&f.applies_to);
            for s in &f.steps {
                all.extend(s.next.iter().filter_map(|b| b.when.as_ref()));
            }
        }
        all.extend(policy.invariants.iter().filter_map(|i| i.when.as_ref()));
        // Caps' conditions decide profiles: the types they test are split like mentioned ones.
        all.extend(policy.caps.iter().map(|c| &c.when));
        let type_whens: Vec<&Cond> = policy
            .conduct_types
            .iter()
            .chain(&policy.demand_types)
            .filter_map(|t| t.when.as_ref())
            .collect();
        for c in all.iter().chain(&type_whens) {
            visit_conds(c, &mut |c| {
                if let Some(m) = c.minutes_at_least {
                    minutes.insert(m.div_ceil(60));
                }
                if let Some(r) = c.repeats_at_least {
                    repeats.insert(r);
                }
                for &(i, n) in c.counts_at_least.iter().flatten() {
                    if let Some(set) = counts.get_mut(i) {
                        set.insert(n);
                    }
                }
            });
        }
        for c in &all {
            visit_conds(c, &mut |c| {
                for t in c.conduct_types.iter().flatten() {
                    mentioned[0][*t] = true;
                }
                for t in c.demand_types.iter().flatten() {
                    mentioned[1][*t] = true;
                }
            });
        }
        let mut parties = BTreeSet::new();
        for c in all.iter().chain(&type_whens) {
            visit_conds(c, &mut |c| {
                parties.extend(c.party.iter().flatten().copied())
            });
        }
        Space {
            policy,
            mentioned,
            channels: None,
            parties: parties.into_iter().collect(),
            minutes: minutes.into_iter().collect(),
            repeats: repeats.into_iter().collect(),
            counts: counts
                .into_iter()
                .map(|set| set.into_iter().collect())
                .collect(),
        }
    }

    /// The same space for a question that reads only these conditions (and the caps, which
    /// decide profiles): types no condition of the question mentions are folded into profiles
    /// instead of being split one by one. Every contact still lies in exactly one class.
    pub fn focus(&self, conds: &[&Cond]) -> Space<'a> {
        let p = self.policy;
        let mut mentioned = [
            vec![false; p.conduct_types.len()],
            vec![false; p.demand_types.len()],
        ];
        let mut channels = BTreeSet::new();
        let type_whens = p
            .conduct_types
            .iter()
            .chain(&p.demand_types)
            .filter_map(|t| t.when.as_ref());
        let caps = p.caps.iter().map(|c| &c.when);
        for c in conds.iter().copied().chain(caps.clone()) {
            visit_conds(c, &mut |c| {
                for t in c.conduct_types.iter().flatten() {
                    mentioned[0][*t] = true;
                }
                for t in c.demand_types.iter().flatten() {
                    mentioned[1][*t] = true;
                }
            });
        }
        for c in conds.iter().copied().chain(caps).chain(type_whens) {
            visit_conds(c, &mut |c| {
                channels.extend(c.channel.iter().flatten().copied())
            });
        }
        let others = (0..p.channels.len()).find(|c| !channels.contains(c));
        Space {
            policy: p,
            mentioned,
            channels: Some((channels.into_iter().collect(), others)),
            minutes: self.minutes.clone(),
            repeats: self.repeats.clone(),
            counts: self.counts.clone(),
            parties: self.parties.clone(),
        }
    }

    /// The same space with every channel its own class.
    pub fn every_channel(mut self) -> Self {
        self.channels = None;
        self
    }

    /// The set of every contact.
    pub fn all(&self) -> Partial {
        let p = self.policy;
        Partial {
            channel: None,
            tags: vec![None; p.tags.len()],
            events: vec![None; p.events.len()],
            minutes: None,
            repeats: None,
            party: None,
            targeted: None,
            counts: vec![None; p.counters.len()],
            types: [
                vec![None; p.conduct_types.len()],
                vec![None; p.demand_types.len()],
            ],
            profile: None,
        }
    }
}

/// A set of contacts: the facts fixed so far.
#[derive(Clone, Debug)]
pub struct Partial {
    /// The channel (`None`: not fixed yet).
    pub channel: Option<usize>,
    /// Whether the contact carries each tag (`None`: not fixed yet).
    pub tags: Vec<Option<bool>>,
    /// Whether each event has been reported (`None`: not fixed yet).
    pub events: Vec<Option<bool>>,
    /// The minutes, as the representative of their interval between thresholds.
    pub minutes: Option<u64>,
    /// The repeats, as the representative of their interval.
    pub repeats: Option<u64>,
    /// The other party; `Some(None)`: no party recorded, or one no condition names.
    pub party: Option<Option<usize>>,
    /// Whether the contact targets a person.
    pub targeted: Option<bool>,
    /// Each counter's value, as the representative of its interval.
    pub counts: Vec<Option<u64>>,
    /// Whether the contact has each type (listed or implied), per axis.
    pub types: [Vec<Option<bool>>; 2],
    /// (effective conduct, effective demand, verdict).
    pub profile: Option<(usize, usize, usize)>,
}

/// A partial together with its policy, answering probes.
pub struct View<'s, 'p> {
    /// The space the class belongs to (its policy and representatives).
    pub space: &'s Space<'p>,
    /// The class of contacts.
    pub part: &'s Partial,
}

impl Probe for View<'_, '_> {
    fn channel(&self) -> Result<usize, Need> {
        self.part.channel.ok_or(Need::Channel)
    }
    fn tag(&self, tag: usize) -> Result<bool, Need> {
        self.part.tags[tag].ok_or(Need::Tag(tag))
    }
    fn event(&self, event: usize) -> Result<bool, Need> {
        self.part.events[event].ok_or(Need::Event(event))
    }
    fn minutes(&self) -> Result<u64, Need> {
        self.part.minutes.ok_or(Need::Minutes)
    }
    fn repeats(&self) -> Result<u64, Need> {
        self.part.repeats.ok_or(Need::Repeats)
    }
    fn party(&self) -> Result<Option<usize>, Need> {
        self.part.party.ok_or(Need::Party)
    }
    fn targeted(&self) -> Result<bool, Need> {
        self.part.targeted.ok_or(Need::Targeted)
    }
    fn count(&self, counter: usize) -> Result<u64, Need> {
        self.part
            .counts
            .get(counter)
            .copied()
            .flatten()
            .ok_or(Need::Count(counter))
    }
    fn has_type(&self, axis: AxisKind, ty: usize) -> Result<bool, Need> {
        if let Some(b) = self.part.types[axis_index(axis)][ty] {
            return Ok(b);
        }
        // A type implied by the facts is present whether listed or not.
        if let Some(w) = &self.space.policy.types(axis)[ty].when
            && holds(w, self)?
        {
            return Ok(true);
        }
        Err(Need::Type(axis, ty))
    }
    fn conduct(&self) -> Result<usize, Need> {
        self.part.profile.map(|p| p.0).ok_or(Need::Profile)
    }
    fn demand(&self) -> Result<usize, Need> {
        self.part.profile.map(|p| p.1).ok_or(Need::Profile)
    }
    fn verdict(&self) -> Result<usize, Need> {
        self.part.profile.map(|p| p.2).ok_or(Need::Profile)
    }
}

impl Space<'_> {
    /// Split a set of contacts by the values of a fact. Returns the parts (possibly split on
    /// another fact first, when the one asked for depends on it).
    pub fn split(&self, part: &Partial, need: Need) -> Vec<Partial> {
        let with = |f: &dyn Fn(&mut Partial)| {
            let mut p = part.clone();
            f(&mut p);
            p
        };
        match need {
            Need::Channel => match &self.channels {
                None => (0..self.policy.channels.len())
                    .map(|c| with(&|p| p.channel = Some(c)))
                    .collect(),
                // The channels the question names, and one for all the others.
                Some((named, others)) => named
                    .iter()
                    .chain(others)
                    .map(|&c| with(&|p| p.channel = Some(c)))
                    .collect(),
            },
            Need::Tag(t) => [true, false]
                .iter()
                .map(|b| with(&|p| p.tags[t] = Some(*b)))
                .collect(),
            Need::Event(e) => [true, false]
                .iter()
                .map(|b| with(&|p| p.events[e] = Some(*b)))
                .collect(),
            Need::Minutes => self
                .minutes
                .iter()
                .map(|m| with(&|p| p.minutes = Some(*m)))
                .collect(),
            Need::Repeats => self
                .repeats
                .iter()
                .map(|m| with(&|p| p.repeats = Some(*m)))
                .collect(),
            // Each party a condition names, and one class for every other party or none.
            Need::Party => self
                .parties
                .iter()
                .map(|&i| Some(i))
                .chain([None])
                .map(|x| with(&|p| p.party = Some(x)))
                .collect(),
            Need::Targeted => [true, false]
                .iter()
                .map(|b| with(&|p| p.targeted = Some(*b)))
                .collect(),
            Need::Count(i) => self
                .counts
                .get(i)
                .into_iter()
                .flatten()
                .map(|n| {
                    with(&|p| {
                        if let Some(slot) = p.counts.get_mut(i) {
                            *slot = Some(*n);
                        }
                    })
                })
                .collect(),
            Need::Type(axis, t) => {
                let view = View { space: self, part };
                match view.has_type(axis, t) {
                    Ok(_) => vec![part.clone()],
                    Err(Need::Type(..)) => [true, false]
                        .iter()
                        .map(|b| with(&|p| p.types[axis_index(axis)][t] = Some(*b)))
                        .collect(),
                    Err(other) => self.split(part, other),
                }
            }
            Need::Profile => self.split_profile(part),
        }
    }

    fn split_profile(&self, part: &Partial) -> Vec<Partial> {
        let p = self.policy;
        let view = View { space: self, part };
        // Mentioned types are fixed first, and the facts that imply types.
        let mut forced: Vec<(AxisKind, usize)> = Vec::new();
        let mut free: Vec<(AxisKind, usize)> = Vec::new();
        for axis in [AxisKind::Conduct, AxisKind::Demand] {
            for (i, t) in p.types(axis).iter().enumerate() {
                let implied = match &t.when {
                    Some(w) => match holds(w, &view) {
                        Ok(b) => b,
                        Err(n) => return self.split(part, n),
                    },
                    None => false,
                };
                let assigned = part.types[axis_index(axis)][i];
                if self.mentioned[axis_index(axis)][i] {
                    match (assigned, implied) {
                        (None, true) => forced.push((axis, i)),
                        (None, false) => return self.split(part, Need::Type(axis, i)),
                        (Some(true), _) => forced.push((axis, i)),
                        // Said to be absent while the facts imply it: no such contact.
                        (Some(false), true) => return Vec::new(),
                        (Some(false), false) => {}
                    }
                } else if implied {
                    forced.push((axis, i));
                } else {
                    free.push((axis, i));
                }
            }
        }
        // Protective caps whose `when` holds limit how far types raise (as in `eval::assess`).
        let mut holding = Vec::new();
        for (ci, cap) in p.caps.iter().enumerate() {
            match holds(&cap.when, &view) {
                Ok(true) => holding.push(ci),
                Ok(false) => {}
                // Only a cap whose `when` tests levels (`E214`, never analysed) needs them.
                Err(Need::Profile) => {}
                Err(n) => return self.split(part, n),
            }
        }
        // (conduct floor, demand floor, override) reachable with the forced types and any
        // subset of the free ones.
        let effect = |acc: (usize, usize, Option<usize>), (axis, i): (AxisKind, usize)| {
            let t = &p.types(axis)[i];
            let floor = raise_limit(p, axis, i, &holding).0;
            match axis {
                AxisKind::Conduct => (acc.0.max(floor), acc.1, acc.2.max(t.verdict)),
                AxisKind::Demand => (acc.0, acc.1.max(floor), acc.2),
            }
        };
        let base = forced.iter().fold((0, 0, None), |a, t| effect(a, *t));
        let mut floors = BTreeSet::from([base]);
        for t in &free {
            let more: Vec<_> = floors.iter().map(|f| effect(*f, *t)).collect();
            floors.extend(more);
        }
        let mut profiles = BTreeSet::new();
        for (mc, md, o) in floors {
            for c in mc..p.conduct.levels.len() {
                for d in md..p.demand.levels.len() {
                    profiles.insert((c, d, p.grid[c][d].max(o.unwrap_or(0))));
                }
            }
        }
        profiles
            .into_iter()
            .map(|pr| {
                let mut q = part.clone();
                q.profile = Some(pr);
                q
            })
            .collect()
    }

    /// Explore every class of contacts in `root`. `visit` evaluates a class or names the fact it
    /// needs; `leaf` receives each evaluated class and returns false to stop early.
    /// Returns false when the exploration hit [`MAX_LEAVES`].
    pub fn explore<T>(
        &self,
        root: Partial,
        mut visit: impl FnMut(&View) -> Result<T, Need>,
        mut leaf: impl FnMut(&Partial, T) -> bool,
    ) -> bool {
        let mut stack = vec![root];
        let mut leaves = 0usize;
        while let Some(part) = stack.pop() {
            let view = View {
                space: self,
                part: &part,
            };
            match visit(&view) {
                Ok(t) => {
                    leaves += 1;
                    if !leaf(&part, t) {
                        return true;
                    }
                    if leaves >= MAX_LEAVES {
                        return false;
                    }
                }
                Err(need) => {
                    let mut parts = self.split(&part, need);
                    parts.reverse();
                    stack.extend(parts);
                }
            }
        }
        true
    }

    /// Does this class contain the contact with these facts and this assessment? (Minutes,
    /// repeats and counts belong to the class of the representative of their interval.) A test
    /// oracle: every contact lies in some leaf of an exploration, and evaluates as that leaf.
    pub fn admits(&self, part: &Partial, f: &Facts, a: &Assessment) -> bool {
        fn rep(reps: &[u64], x: u64) -> Option<u64> {
            reps.iter().copied().filter(|r| *r <= x).max()
        }
        fn fixed(flags: &[Option<bool>], has: impl Fn(usize) -> bool) -> bool {
            flags
                .iter()
                .enumerate()
                .all(|(i, x)| x.is_none_or(|b| b == has(i)))
        }
        let events = f.events.as_deref().unwrap_or_default();
        let channel = |c: usize| match &self.channels {
            Some((named, Some(others))) if c == *others => !named.contains(&f.channel),
            _ => c == f.channel,
        };
        part.channel.is_none_or(channel)
            && fixed(&part.tags, |i| f.tags.contains(&i))
            && fixed(&part.events, |i| events.contains(&i))
            && part
                .minutes
                .is_none_or(|m| rep(&self.minutes, f.minutes) == Some(m))
            && part
                .repeats
                .is_none_or(|r| rep(&self.repeats, f.repeats) == Some(r))
            && part.party.is_none_or(|x| {
                let named = |q: Option<usize>| q.filter(|q| self.parties.contains(q));
                x == named(f.party)
            })
            && part.targeted.is_none_or(|t| t == f.targeted)
            && part.counts.iter().enumerate().all(|(i, n)| {
                n.is_none_or(|n| {
                    rep(self.counts.get(i).map_or(&[][..], |v| v), f.count(i)) == Some(n)
                })
            })
            && fixed(&part.types[0], |i| a.conduct_types.contains(&i))
            && fixed(&part.types[1], |i| a.demand_types.contains(&i))
            && part
                .profile
                .is_none_or(|pr| pr == (a.conduct, a.demand, a.verdict))
    }

    /// A class of contacts in words: "channel `phone`; verdict `gray` (cell c1×d1); …".
    pub fn describe(&self, part: &Partial) -> Msg {
        let p = self.policy;
        let mut out: Vec<Msg> = Vec::new();
        if let Some(c) = part.channel {
            match &self.channels {
                Some((named, Some(others))) if c == *others && !named.is_empty() => {
                    let named: Vec<&str> =
                        named.iter().map(|&i| p.channels[i].id.as_str()).collect();
                    out.push(Msg::new("d-channel-other").arg("ids", Arg::any_of(&named)));
                }
                _ => out.push(msg!("d-channel", id = &p.channels[c].id)),
            }
        }
        if let Some((c, d, v)) = part.profile {
            out.push(msg!(
                "d-verdict",
                id = &p.verdicts[v].id,
                cell = p.cell_name(c, d)
            ));
        }
        // The tags, types and events the class fixes as present (or absent).
        let tag = |i: usize| p.tags[i].id.clone();
        let event = |i: usize| p.events[i].id.clone();
        let [conduct_types, demand_types] = &part.types;
        out.extend(fixed("d-tags", &part.tags, true, tag));
        out.extend(fixed("d-no-tags", &part.tags, false, tag));
        out.extend(fixed("d-conduct-types", conduct_types, true, |i| {
            p.conduct_types[i].id.clone()
        }));
        out.extend(fixed("d-demand-types", demand_types, true, |i| {
            p.demand_types[i].id.clone()
        }));
        out.extend(fixed("d-events", &part.events, true, event));
        out.extend(fixed("d-no-events", &part.events, false, event));
        if let Some(m) = part.minutes.filter(|m| *m > 0) {
            out.push(msg!("d-minutes", minutes = m));
        }
        if let Some(r) = part.repeats.filter(|r| *r > 0) {
            out.push(msg!("d-repeats", repeats = r));
        }
        match part.party {
            Some(Some(x)) => out.push(msg!("d-party", id = &p.parties[x].id)),
            Some(None) if self.parties.is_empty() => out.push(msg!("d-no-party")),
            Some(None) => {
                let named: Vec<&str> = self
                    .parties
                    .iter()
                    .map(|&i| p.parties[i].id.as_str())
                    .collect();
                out.push(Msg::new("d-party-other").arg("ids", Arg::any_of(&named)));
            }
            None => {}
        }
        match part.targeted {
            Some(true) => out.push(msg!("d-targeted")),
            Some(false) => out.push(msg!("d-not-targeted")),
            None => {}
        }
        for (i, n) in part.counts.iter().enumerate() {
            if let Some(n) = n.filter(|n| *n > 0) {
                out.push(msg!("d-count", id = &p.counters[i].id, count = n));
            }
        }
        msg!("describe", parts = Arg::Parts(out, Box::new(msg!("d-any"))))
    }
}

/// The message `id` listing the items whose flag is fixed to `want` (none when there are none).
fn fixed(
    id: &'static str,
    flags: &[Option<bool>],
    want: bool,
    name: impl Fn(usize) -> String,
) -> Option<Msg> {
    let ids: Vec<String> = (flags.iter().enumerate())
        .filter(|(_, f)| **f == Some(want))
        .map(|(i, _)| name(i))
        .collect();
    (!ids.is_empty()).then(|| Msg::new(id).arg("ids", Arg::any_of(&ids)))
}

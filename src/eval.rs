//! Evaluation: a contact's verdict, its flow and its route through the flow.
//!
//! The same code evaluates a concrete contact (a case, a CRM record) and a symbolic one (the
//! checker's exploration in `compile::explore`): conditions ask a [`Probe`] for facts, and a probe
//! that does not know a fact yet answers with the [`Need`] for it. A concrete [`Contact`] always
//! knows, except for events not yet reported, which stop a route where a branch needs them.

use crate::policy::{AxisKind, Cond, Facts, Flow, Policy};

/// A fact the evaluation needs and the probe does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// The contact's channel.
    Channel,
    /// Whether the contact has this tag (index into `Policy::tags`).
    Tag(usize),
    /// Whether this event happened (index into `Policy::events`); for a concrete contact, an
    /// event not reported yet.
    Event(usize),
    /// The contact's length in minutes.
    Minutes,
    /// How often the same claim was repeated.
    Repeats,
    /// Who the other party is.
    Party,
    /// Whether the other party singled out one staff member.
    Targeted,
    /// A counter's value.
    Count(usize),
    /// Whether the contact has this type (axis, index into that axis' types).
    Type(AxisKind, usize),
    /// The effective levels and the verdict.
    Profile,
}

/// What conditions may ask about a contact.
pub trait Probe {
    /// The contact's channel (index into `Policy::channels`).
    fn channel(&self) -> Result<usize, Need>;
    /// The contact has the tag.
    fn tag(&self, tag: usize) -> Result<bool, Need>;
    /// The event happened during the contact.
    fn event(&self, event: usize) -> Result<bool, Need>;
    /// The contact's length, in minutes.
    fn minutes(&self) -> Result<u64, Need>;
    /// How often the same claim was repeated.
    fn repeats(&self) -> Result<u64, Need>;
    /// The other party (`None`: not recorded).
    fn party(&self) -> Result<Option<usize>, Need>;
    /// The other party singled out one staff member.
    fn targeted(&self) -> Result<bool, Need>;
    /// A counter's value (facts over time).
    fn count(&self, counter: usize) -> Result<u64, Need>;
    /// The contact has the type (listed, or implied by its facts).
    fn has_type(&self, axis: AxisKind, ty: usize) -> Result<bool, Need>;
    /// Effective conduct level, after types raised it.
    fn conduct(&self) -> Result<usize, Need>;
    /// Effective demand level, after types raised it.
    fn demand(&self) -> Result<usize, Need>;
    /// The final verdict, after overrides (index into `Policy::verdicts`).
    fn verdict(&self) -> Result<usize, Need>;
}

/// Does the condition hold? Keys known to be false win over keys not known yet.
pub fn holds<P: Probe + ?Sized>(c: &Cond, p: &P) -> Result<bool, Need> {
    let mut need = None;
    let mut check = |r: Result<bool, Need>| -> bool {
        match r {
            Ok(b) => !b,
            Err(n) => {
                need.get_or_insert(n);
                false
            }
        }
    };
    fn any_of<P: Probe + ?Sized>(conds: &[Cond], p: &P) -> Result<bool, Need> {
        let mut need = None;
        for c in conds {
            match holds(c, p) {
                Ok(true) => return Ok(true),
                Ok(false) => {}
                Err(n) => {
                    need.get_or_insert(n);
                }
            }
        }
        need.map_or(Ok(false), Err)
    }
    fn any(items: &[usize], f: impl Fn(usize) -> Result<bool, Need>) -> Result<bool, Need> {
        let mut need = None;
        for &i in items {
            match f(i) {
                Ok(true) => return Ok(true),
                Ok(false) => {}
                Err(n) => {
                    need.get_or_insert(n);
                }
            }
        }
        need.map_or(Ok(false), Err)
    }
    // Cheap facts first, derived ones last, so that a false key short-cuts the rest.
    if let Some(ch) = &c.channel
        && check(p.channel().map(|x| ch.contains(&x)))
    {
        return Ok(false);
    }
    if let Some(tags) = &c.tags
        && check(any(tags, |t| p.tag(t)))
    {
        return Ok(false);
    }
    if let Some(ps) = &c.party
        && check(p.party().map(|x| x.is_some_and(|x| ps.contains(&x))))
    {
        return Ok(false);
    }
    if let Some(t) = c.targeted
        && check(p.targeted().map(|x| x == t))
    {
        return Ok(false);
    }
    if let Some(m) = c.minutes_at_least
        && check(p.minutes().map(|x| x.saturating_mul(60) >= m))
    {
        return Ok(false);
    }
    if let Some(r) = c.repeats_at_least
        && check(p.repeats().map(|x| x >= r))
    {
        return Ok(false);
    }
    for &(counter, at_least) in c.counts_at_least.iter().flatten() {
        if check(p.count(counter).map(|x| x >= at_least)) {
            return Ok(false);
        }
    }
    if let Some(ts) = &c.conduct_types
        && check(any(ts, |t| p.has_type(AxisKind::Conduct, t)))
    {
        return Ok(false);
    }
    if let Some(ts) = &c.demand_types
        && check(any(ts, |t| p.has_type(AxisKind::Demand, t)))
    {
        return Ok(false);
    }
    if let Some(v) = &c.verdict
        && check(p.verdict().map(|x| v.contains(&x)))
    {
        return Ok(false);
    }
    if let Some(l) = c.conduct_at_least
        && check(p.conduct().map(|x| x >= l))
    {
        return Ok(false);
    }
    if let Some(l) = c.demand_at_least
        && check(p.demand().map(|x| x >= l))
    {
        return Ok(false);
    }
    if let Some(n) = &c.not
        && check(holds(n, p).map(|b| !b))
    {
        return Ok(false);
    }
    if let Some(a) = &c.any
        && check(any_of(a, p))
    {
        return Ok(false);
    }
    if let Some(es) = &c.event
        && check(any(es, |e| p.event(e)))
    {
        return Ok(false);
    }
    need.map_or(Ok(true), Err)
}

/// One step of "why this verdict" (判定の理由), as data. Every consumer — the checker's
/// diagnostics, the manual, `classify`'s JSON, the review — renders this list and computes
/// nothing again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A type raised an axis from the level given in the facts to the effective level (its
    /// `min_level`, or less under a cap). Only the types that reach that level are listed.
    Raised {
        /// The axis raised.
        axis: AxisKind,
        /// The type's index on that axis.
        ty: usize,
        /// The level as given in the facts.
        from: usize,
        /// The effective level.
        to: usize,
        /// The contact did not list the type: its `when` holds on the facts.
        implied: bool,
    },
    /// The effective grid cell and its verdict.
    Cell {
        /// The effective conduct level (the row).
        conduct: usize,
        /// The effective demand level (the column).
        demand: usize,
        /// The cell's verdict.
        verdict: usize,
    },
    /// A conduct type's `verdict` override raised the verdict above the cell's (listed for
    /// each type whose override is the final verdict).
    Override {
        /// The conduct type's index.
        ty: usize,
        /// The verdict it raised to.
        verdict: usize,
    },
    /// A protective cap limited a type's raise: the type would have raised its axis to `from`
    /// (its `min_level`); under the cap it could raise it only to `to`. Given only when the cap
    /// lowered the effective level.
    Capped {
        /// The cap's index.
        cap: usize,
        /// The axis of the type.
        axis: AxisKind,
        /// The type's index on that axis.
        ty: usize,
        /// The type's `min_level`.
        from: usize,
        /// The level it could raise to under the cap (never below the level given).
        to: usize,
    },
}

/// The level a type may raise its axis to, given the caps that hold: its `min_level`, or the
/// lowest limit of a holding cap that names it, with that cap (the first on a tie).
pub fn raise_limit(
    p: &Policy,
    axis: AxisKind,
    ty: usize,
    holding: &[usize],
) -> (usize, Option<usize>) {
    let min = p.types(axis)[ty].min_level;
    let mut best = (min, None);
    for &c in holding {
        if let Some(limit) = p.caps[c].limit(axis, ty)
            && limit < best.0
        {
            best = (limit, Some(c));
        }
    }
    best
}

/// How a contact's verdict came about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The effective conduct level.
    pub conduct: usize,
    /// The effective demand level.
    pub demand: usize,
    /// The final verdict, after overrides.
    pub verdict: usize,
    /// Verdict of the grid cell before overrides.
    pub cell_verdict: usize,
    /// Conduct types the contact has (listed or implied).
    pub conduct_types: Vec<usize>,
    /// Demand types the contact has (listed or implied).
    pub demand_types: Vec<usize>,
    /// Why: per axis the types that raised a level and the caps that limited it, then the
    /// cell, then overrides, in that (causal) order.
    pub why: Vec<Reason>,
}

/// A probe over plain facts only, for types' `when` (which may not ask about types or verdicts).
struct FactsProbe<'a>(&'a Facts);

impl Probe for FactsProbe<'_> {
    fn channel(&self) -> Result<usize, Need> {
        Ok(self.0.channel)
    }
    fn tag(&self, tag: usize) -> Result<bool, Need> {
        Ok(self.0.tags.contains(&tag))
    }
    fn event(&self, event: usize) -> Result<bool, Need> {
        match &self.0.events {
            Some(e) => Ok(e.contains(&event)),
            None => Err(Need::Event(event)),
        }
    }
    fn minutes(&self) -> Result<u64, Need> {
        Ok(self.0.minutes)
    }
    fn repeats(&self) -> Result<u64, Need> {
        Ok(self.0.repeats)
    }
    fn party(&self) -> Result<Option<usize>, Need> {
        Ok(self.0.party)
    }
    fn targeted(&self) -> Result<bool, Need> {
        Ok(self.0.targeted)
    }
    fn count(&self, counter: usize) -> Result<u64, Need> {
        Ok(self.0.count(counter))
    }
    fn has_type(&self, axis: AxisKind, ty: usize) -> Result<bool, Need> {
        Err(Need::Type(axis, ty))
    }
    fn conduct(&self) -> Result<usize, Need> {
        Err(Need::Profile)
    }
    fn demand(&self) -> Result<usize, Need> {
        Err(Need::Profile)
    }
    fn verdict(&self) -> Result<usize, Need> {
        Err(Need::Profile)
    }
}

/// Facts with the types they give, before levels: what caps' `when` may ask about.
struct Presence<'a> {
    facts: FactsProbe<'a>,
    types: [&'a [usize]; 2],
}

impl Probe for Presence<'_> {
    fn channel(&self) -> Result<usize, Need> {
        self.facts.channel()
    }
    fn tag(&self, tag: usize) -> Result<bool, Need> {
        self.facts.tag(tag)
    }
    fn event(&self, event: usize) -> Result<bool, Need> {
        self.facts.event(event)
    }
    fn minutes(&self) -> Result<u64, Need> {
        self.facts.minutes()
    }
    fn repeats(&self) -> Result<u64, Need> {
        self.facts.repeats()
    }
    fn party(&self) -> Result<Option<usize>, Need> {
        self.facts.party()
    }
    fn targeted(&self) -> Result<bool, Need> {
        self.facts.targeted()
    }
    fn count(&self, counter: usize) -> Result<u64, Need> {
        self.facts.count(counter)
    }
    fn has_type(&self, axis: AxisKind, ty: usize) -> Result<bool, Need> {
        Ok(self.types[axis.index()].contains(&ty))
    }
    fn conduct(&self) -> Result<usize, Need> {
        Err(Need::Profile)
    }
    fn demand(&self) -> Result<usize, Need> {
        Err(Need::Profile)
    }
    fn verdict(&self) -> Result<usize, Need> {
        Err(Need::Profile)
    }
}

/// The verdict of a contact: on both axes the highest of the given level and each type's
/// `min_level` (limited by the protective caps that hold), looked up in the grid, raised by the
/// most severe override.
pub fn assess(p: &Policy, f: &Facts) -> Assessment {
    let probe = FactsProbe(f);
    let present = |axis: AxisKind, listed: &[usize]| -> Vec<usize> {
        p.types(axis)
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                listed.contains(i)
                    || t.when
                        .as_ref()
                        .is_some_and(|w| holds(w, &probe) == Ok(true))
            })
            .map(|(i, _)| i)
            .collect()
    };
    let conduct_types = present(AxisKind::Conduct, &f.conduct_types);
    let demand_types = present(AxisKind::Demand, &f.demand_types);
    let presence = Presence {
        facts: FactsProbe(f),
        types: [&conduct_types, &demand_types],
    };
    let caps: Vec<usize> = p
        .caps
        .iter()
        .enumerate()
        .filter(|(_, c)| holds(&c.when, &presence) == Ok(true))
        .map(|(i, _)| i)
        .collect();
    let mut why = Vec::new();
    let mut level = |axis: AxisKind, given: usize, listed: &[usize], types: &[usize]| -> usize {
        let limits: Vec<(usize, usize, Option<usize>)> = types
            .iter()
            .map(|&t| {
                let (to, cap) = raise_limit(p, axis, t, &caps);
                (t, to, cap)
            })
            .collect();
        let top = limits.iter().map(|l| l.1).max().unwrap_or(0);
        let level = given.max(top);
        if top > given {
            for &(t, to, _) in &limits {
                if to == top {
                    why.push(Reason::Raised {
                        axis,
                        ty: t,
                        from: given,
                        to: top,
                        implied: !listed.contains(&t),
                    });
                }
            }
        }
        for &(t, to, cap) in &limits {
            let min = p.types(axis)[t].min_level;
            if let Some(cap) = cap
                && min > level
            {
                why.push(Reason::Capped {
                    cap,
                    axis,
                    ty: t,
                    from: min,
                    to: to.max(given),
                });
            }
        }
        level
    };
    let conduct = level(
        AxisKind::Conduct,
        f.conduct,
        &f.conduct_types,
        &conduct_types,
    );
    let demand = level(AxisKind::Demand, f.demand, &f.demand_types, &demand_types);
    let cell_verdict = p.grid[conduct][demand];
    why.push(Reason::Cell {
        conduct,
        demand,
        verdict: cell_verdict,
    });
    let verdict = conduct_types
        .iter()
        .filter_map(|&t| p.conduct_types[t].verdict)
        .fold(cell_verdict, usize::max);
    if verdict > cell_verdict {
        for &t in &conduct_types {
            if p.conduct_types[t].verdict == Some(verdict) {
                why.push(Reason::Override { ty: t, verdict });
            }
        }
    }
    Assessment {
        conduct,
        demand,
        verdict,
        cell_verdict,
        conduct_types,
        demand_types,
        why,
    }
}

/// A concrete contact: its facts and its assessment.
pub struct Contact<'a> {
    /// The facts as given.
    pub facts: &'a Facts,
    /// Their assessment (verdict and why).
    pub assessment: Assessment,
}

impl<'a> Contact<'a> {
    /// Assess the facts under the policy.
    pub fn new(policy: &Policy, facts: &'a Facts) -> Self {
        Contact {
            facts,
            assessment: assess(policy, facts),
        }
    }
}

impl Probe for Contact<'_> {
    fn channel(&self) -> Result<usize, Need> {
        Ok(self.facts.channel)
    }
    fn tag(&self, tag: usize) -> Result<bool, Need> {
        Ok(self.facts.tags.contains(&tag))
    }
    fn event(&self, event: usize) -> Result<bool, Need> {
        FactsProbe(self.facts).event(event)
    }
    fn minutes(&self) -> Result<u64, Need> {
        Ok(self.facts.minutes)
    }
    fn repeats(&self) -> Result<u64, Need> {
        Ok(self.facts.repeats)
    }
    fn party(&self) -> Result<Option<usize>, Need> {
        Ok(self.facts.party)
    }
    fn targeted(&self) -> Result<bool, Need> {
        Ok(self.facts.targeted)
    }
    fn count(&self, counter: usize) -> Result<u64, Need> {
        Ok(self.facts.count(counter))
    }
    fn has_type(&self, axis: AxisKind, ty: usize) -> Result<bool, Need> {
        Ok(match axis {
            AxisKind::Conduct => self.assessment.conduct_types.contains(&ty),
            AxisKind::Demand => self.assessment.demand_types.contains(&ty),
        })
    }
    fn conduct(&self) -> Result<usize, Need> {
        Ok(self.assessment.conduct)
    }
    fn demand(&self) -> Result<usize, Need> {
        Ok(self.assessment.demand)
    }
    fn verdict(&self) -> Result<usize, Need> {
        Ok(self.assessment.verdict)
    }
}

/// The flows whose `applies_to` admits the contact (exactly one in a sound policy).
pub fn flows_for<P: Probe + ?Sized>(p: &Policy, probe: &P) -> Result<Vec<usize>, Need> {
    let mut out = Vec::new();
    let mut need = None;
    for (i, f) in p.flows.iter().enumerate() {
        match holds(&f.applies_to, probe) {
            Ok(true) => out.push(i),
            Ok(false) => {}
            Err(n) => {
                need.get_or_insert(n);
            }
        }
    }
    need.map_or(Ok(out), Err)
}

/// How a route ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// At an `end` step.
    End,
    /// At a step where no branch holds.
    Stuck,
    /// A fact is needed to go on (for a concrete contact: an event not reported yet).
    Needs(Need),
    /// The route exceeded [`max_route`] steps: only possible in a flow with a cycle that passes
    /// through no `repeat` step, which `check` refuses (a bundle from elsewhere might hold one).
    TooLong,
}

/// The longest route a flow without bad cycles can take: every cycle passes through a `repeat`
/// step, which is entered at most `repeat` times, and between two such entries no step repeats.
pub fn max_route(flow: &Flow) -> u64 {
    let passes: u64 = flow
        .steps
        .iter()
        .filter_map(|s| s.repeat)
        .fold(1u64, u64::saturating_add);
    (flow.steps.len() as u64).saturating_mul(passes)
}

/// A route through a flow: the steps visited and the branch taken at each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The steps visited, in order (indices into the flow's steps); a step once per entry.
    pub steps: Vec<usize>,
    /// `taken[i]` is the branch taken at `steps[i]` (none at the last step).
    pub taken: Vec<usize>,
    /// How the route ended.
    pub outcome: Outcome,
}

/// Follow a flow from its start: at each step the first branch whose condition holds is taken;
/// a branch into a `repeat` step already entered that many times does not hold.
pub fn route<P: Probe + ?Sized>(flow: &Flow, probe: &P) -> Route {
    let mut visits = vec![0u64; flow.steps.len()];
    let mut r = Route {
        steps: Vec::new(),
        taken: Vec::new(),
        outcome: Outcome::End,
    };
    let mut at = flow.start;
    let longest = max_route(flow);
    loop {
        r.steps.push(at);
        visits[at] += 1;
        if r.steps.len() as u64 > longest {
            r.outcome = Outcome::TooLong;
            return r;
        }
        let step = &flow.steps[at];
        if step.end.is_some() {
            return r;
        }
        let mut next = None;
        for (i, b) in step.next.iter().enumerate() {
            let target = &flow.steps[b.to];
            if target.repeat.is_some_and(|n| visits[b.to] >= n) {
                continue;
            }
            let ok = match &b.when {
                None => Ok(true),
                Some(c) => holds(c, probe),
            };
            match ok {
                Ok(true) => {
                    next = Some(i);
                    break;
                }
                Ok(false) => {}
                Err(n) => {
                    r.outcome = Outcome::Needs(n);
                    return r;
                }
            }
        }
        match next {
            Some(i) => {
                r.taken.push(i);
                at = step.next[i].to;
            }
            None => {
                r.outcome = Outcome::Stuck;
                return r;
            }
        }
    }
}

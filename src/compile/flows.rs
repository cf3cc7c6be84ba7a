//! Checks on flows: structure (reachability, cycles), flow choice (overlaps and gaps), branches
//! (never taken, no branch holds), timings against invariants, and invariants on every route.

use super::explore::{Partial, Space, View};
use crate::diag::{Code, Diagnostic};
use crate::eval::{Need, Outcome, Route, flows_for, holds, route};
use crate::i18n::{Arg, Msg};
use crate::msg;
use crate::policy::{Cond, Flow, Policy, format_duration};
use std::collections::{BTreeMap, BTreeSet};

/// Steps reachable from `start`, following every branch.
pub fn reachable(flow: &Flow) -> Vec<bool> {
    let mut seen = vec![false; flow.steps.len()];
    let mut stack = vec![flow.start];
    while let Some(s) = stack.pop() {
        if std::mem::replace(&mut seen[s], true) {
            continue;
        }
        stack.extend(flow.steps[s].next.iter().map(|b| b.to));
    }
    seen
}

/// A cycle that passes through no `repeat` step, if any (as step indices).
fn bad_cycle(flow: &Flow) -> Option<Vec<usize>> {
    let n = flow.steps.len();
    // 0 = unvisited, 1 = on stack, 2 = done
    let mut state = vec![0u8; n];
    let mut path: Vec<usize> = Vec::new();
    fn dfs(flow: &Flow, s: usize, state: &mut [u8], path: &mut Vec<usize>) -> Option<Vec<usize>> {
        state[s] = 1;
        path.push(s);
        for b in &flow.steps[s].next {
            let t = b.to;
            if flow.steps[t].repeat.is_some() {
                continue;
            }
            if state[t] == 1 {
                let from = path.iter().position(|&x| x == t).unwrap_or(0);
                let mut cycle = path[from..].to_vec();
                cycle.push(t);
                return Some(cycle);
            }
            if state[t] == 0
                && let Some(c) = dfs(flow, t, state, path)
            {
                return Some(c);
            }
        }
        path.pop();
        state[s] = 2;
        None
    }
    for s in 0..n {
        if state[s] == 0
            && flow.steps[s].repeat.is_none()
            && let Some(c) = dfs(flow, s, &mut state, &mut path)
        {
            return Some(c);
        }
    }
    None
}

/// A route as step ids joined by arrows (`listen → warn → end`).
pub fn route_text(flow: &Flow, steps: &[usize]) -> String {
    // Runs of one step (a `repeat` step passed many times) are shown once with their count.
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < steps.len() {
        let run = steps[i..].iter().take_while(|&&s| s == steps[i]).count();
        let id = &flow.steps[steps[i]].id;
        parts.push(if run > 3 {
            format!("{id} ×{run}")
        } else {
            vec![id.as_str(); run].join(" → ")
        });
        i += run;
    }
    parts.join(" → ")
}

/// Structural checks of one flow. Returns false when the flow is unsound enough that exploring
/// its routes would only repeat the same errors.
pub fn structure(space: &Space, flow: &Flow, d: &mut Vec<Diagnostic>) -> bool {
    let p = space.policy;
    let mut sound = true;
    let seen = reachable(flow);
    for (i, s) in flow.steps.iter().enumerate() {
        if !seen[i] {
            d.push(
                Diagnostic::new(
                    Code::StepUnreachable,
                    msg!(
                        "step-unreachable",
                        step = &s.id,
                        flow = &flow.id,
                        start = &flow.steps[flow.start].id
                    ),
                )
                .at(s.origin.child("id"))
                .hint(msg!("step-unreachable-hint")),
            );
        }
    }
    if let Some(cycle) = bad_cycle(flow) {
        let first = cycle[0];
        d.push(
            Diagnostic::new(
                Code::RouteUnending,
                msg!(
                    "flow-loops",
                    flow = &flow.id,
                    route = route_text(flow, &cycle)
                ),
            )
            .at(flow.steps[first].origin.child("id"))
            .hint(msg!("flow-loops-hint")),
        );
        sound = false;
    }
    for inv in &p.invariants {
        if inv.max_hold.is_none() && inv.max_limit.is_none() {
            continue;
        }
        // An invariant about some contacts bounds the flows that may handle them.
        if let Some(w) = &inv.when
            && !satisfiable(space, &[&flow.applies_to, w])
        {
            continue;
        }
        for s in &flow.steps {
            for (val, max, key, what) in [
                (s.hold, inv.max_hold, "hold", "key-hold"),
                (s.limit, inv.max_limit, "limit", "key-limit"),
            ] {
                if let (Some(v), Some(m)) = (val, max)
                    && v > m
                {
                    d.push(
                        Diagnostic::new(
                            Code::StepExceedsInvariant,
                            msg!(
                                "step-exceeds-invariant",
                                step = &s.id,
                                flow = &flow.id,
                                what = Msg::new(what),
                                value = format_duration(v),
                                max = format_duration(m),
                                invariant = &inv.id
                            ),
                        )
                        .at(s.origin.child(key))
                        .hint(msg!("use-at-most", max = format_duration(m)))
                        .related(inv.origin.clone(), msg!("invariant-declared-here")),
                    );
                }
            }
        }
    }
    sound
}

/// Flow choice: every contact must be admitted by at most one flow; (channel, verdict) pairs that
/// no flow admits are warned about.
pub fn choice(space: &Space, d: &mut Vec<Diagnostic>) -> bool {
    let p = space.policy;
    let conds: Vec<&Cond> = p.flows.iter().map(|f| &f.applies_to).collect();
    // Every channel is its own class here: gaps are reported per channel.
    let space = &space.focus(&conds).every_channel();
    let mut overlaps: BTreeMap<(usize, usize), Partial> = BTreeMap::new();
    let mut gaps: BTreeMap<(usize, usize), Partial> = BTreeMap::new();
    let complete = space.explore(
        space.all(),
        |v| {
            use crate::eval::Probe;
            let ch = v.channel()?;
            let verdict = v.verdict()?;
            Ok((ch, verdict, flows_for(p, v)?))
        },
        |part, (ch, verdict, flows)| {
            if flows.len() > 1 {
                overlaps
                    .entry((flows[0], flows[1]))
                    .or_insert_with(|| part.clone());
            } else if flows.is_empty() {
                gaps.entry((ch, verdict)).or_insert_with(|| part.clone());
            }
            true
        },
    );
    for ((a, b), part) in &overlaps {
        let (fa, fb) = (&p.flows[*a], &p.flows[*b]);
        d.push(
            Diagnostic::new(
                Code::FlowsOverlap,
                msg!(
                    "flows-overlap",
                    a = &fa.id,
                    b = &fb.id,
                    contacts = space.describe(part)
                ),
            )
            .at(fb.origin.child("applies_to"))
            .hint(msg!("flows-overlap-hint"))
            .related(
                fa.origin.child("applies_to"),
                msg!("flow-admits-here", flow = &fa.id),
            ),
        );
    }
    for ((ch, v), part) in &gaps {
        let mut diag = Diagnostic::new(
            Code::FlowGap,
            msg!(
                "flow-gap",
                channel = &p.channels[*ch].id,
                verdict = &p.verdicts[*v].id,
                contacts = space.describe(part)
            ),
        )
        .hint(msg!("flow-gap-hint"));
        if let Some(f) = p.flows.first() {
            diag = diag.at(f.origin.child("applies_to"));
        } else {
            diag = diag.path("flows/");
        }
        d.push(diag);
    }
    if !complete {
        d.push(limit_warning(msg!("analysis-flow-choice"), None));
    }
    overlaps.is_empty()
}

fn limit_warning(what: Msg, flow: Option<&Flow>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::AnalysisLimit,
        msg!(
            "analysis-limit",
            what = what,
            max = super::explore::MAX_LEAVES
        ),
    )
    .hint(msg!("analysis-limit-hint"));
    match flow {
        Some(f) => d.at(f.origin.child("id")),
        None => d.path("flows/"),
    }
}

/// The route a class of contacts takes through a flow; `None` when the flow (or `when`) does
/// not admit it, `Err` with the fact the route still needs.
fn admitted_route(flow: &Flow, when: Option<&Cond>, v: &View) -> Result<Option<Route>, Need> {
    if !holds(&flow.applies_to, v)? {
        return Ok(None);
    }
    if let Some(w) = when
        && !holds(w, v)?
    {
        return Ok(None);
    }
    let r = route(flow, v);
    match r.outcome {
        Outcome::Needs(n) => Err(n),
        _ => Ok(Some(r)),
    }
}

/// What exploring every route of one flow found.
struct Routes {
    /// The branches some contact takes, as (step, branch).
    taken: BTreeSet<(usize, usize)>,
    /// Steps where no branch holds, each with the first class of contacts stuck there.
    stuck: BTreeMap<usize, (Partial, Route)>,
    /// The first class of contacts whose route does not end.
    too_long: Option<(Partial, Route)>,
    /// False when the exploration hit its limit.
    complete: bool,
}

impl Routes {
    /// Follow every class of contacts the flow admits along its route.
    fn explore(space: &Space, flow: &Flow) -> Routes {
        let mut found = Routes {
            taken: BTreeSet::new(),
            stuck: BTreeMap::new(),
            too_long: None,
            complete: true,
        };
        found.complete = space.explore(
            space.all(),
            |v| admitted_route(flow, None, v),
            |part, r| {
                if let Some(r) = r {
                    found.add(part, r);
                }
                true
            },
        );
        found
    }

    fn add(&mut self, part: &Partial, r: Route) {
        for (s, b) in r.steps.iter().zip(&r.taken) {
            self.taken.insert((*s, *b));
        }
        match r.outcome {
            Outcome::Stuck => {
                if let Some(&last) = r.steps.last() {
                    self.stuck.entry(last).or_insert((part.clone(), r));
                }
            }
            Outcome::TooLong => {
                self.too_long.get_or_insert((part.clone(), r));
            }
            _ => {}
        }
    }

    /// Was some branch of this step taken?
    fn visited(&self, step: usize) -> bool {
        self.taken.iter().any(|(x, _)| *x == step)
    }
}

/// Routes of one flow: branches never taken, steps where no branch holds, routes that do not end.
pub fn routes(space: &Space, fi: usize, d: &mut Vec<Diagnostic>) {
    let flow = &space.policy.flows[fi];
    let space = &space.focus(&flow_conds(flow));
    let found = Routes::explore(space, flow);
    if !found.complete {
        d.push(limit_warning(
            msg!("analysis-flow", flow = &flow.id),
            Some(flow),
        ));
    }
    for (s, (part, r)) in &found.stuck {
        let step = &flow.steps[*s];
        d.push(
            Diagnostic::new(
                Code::NoBranchHolds,
                msg!(
                    "no-branch-holds",
                    step = &step.id,
                    flow = &flow.id,
                    contacts = space.describe(part)
                ),
            )
            .at(step.origin.child("next"))
            .note(msg!("note-route", route = route_text(flow, &r.steps)))
            .hint(msg!("no-branch-holds-hint")),
        );
    }
    if let Some((part, r)) = &found.too_long {
        d.push(
            Diagnostic::new(
                Code::RouteUnending,
                msg!(
                    "route-unending",
                    flow = &flow.id,
                    contacts = space.describe(part)
                ),
            )
            .at(flow.origin.child("start"))
            .note(msg!(
                "note-route-starts",
                route = route_text(flow, &r.steps[..r.steps.len().min(12)])
            )),
        );
    }
    // Only a complete exploration shows that a branch is never taken.
    if found.complete {
        untaken_branches(space, flow, &found, d);
    }
}

/// The branches of reachable steps that no contact takes, each with why: its step is never
/// reached, earlier branches catch every contact, or its condition never holds.
fn untaken_branches(space: &Space, flow: &Flow, found: &Routes, d: &mut Vec<Diagnostic>) {
    let seen = reachable(flow);
    for (si, s) in flow.steps.iter().enumerate() {
        if !seen[si] {
            continue;
        }
        for (bi, b) in s.next.iter().enumerate() {
            if found.taken.contains(&(si, bi)) {
                continue;
            }
            let Some(cond) = &b.when else {
                // An `otherwise` that no contact reaches: the branches above cover them all.
                if found.visited(si) {
                    d.push(
                        Diagnostic::new(
                            Code::BranchNeverTaken,
                            msg!(
                                "otherwise-never-taken",
                                step = &s.id,
                                to = &flow.steps[b.to].id
                            ),
                        )
                        .at(b.origin.child("otherwise"))
                        .hint(msg!("otherwise-never-taken-hint")),
                    );
                }
                continue;
            };
            // Is the branch's condition possible at all for this flow's contacts?
            let possible = satisfiable(space, &[&flow.applies_to, cond]);
            let why = if !found.visited(si) {
                msg!("why-step-not-reached", step = &s.id)
            } else if possible {
                let earlier: Vec<String> = (0..bi).map(|k| format!("#{}", k + 1)).collect();
                msg!("why-shadowed", earlier = Arg::list(&earlier), step = &s.id)
            } else {
                msg!("why-never-holds")
            };
            d.push(
                Diagnostic::new(
                    Code::BranchNeverTaken,
                    msg!(
                        "branch-never-taken",
                        n = bi + 1,
                        step = &s.id,
                        to = &flow.steps[b.to].id,
                        why = why
                    ),
                )
                .at(b.origin.child("when"))
                .hint(msg!("branch-never-taken-hint")),
            );
        }
    }
}

/// Invariants with `reach_role`: every route of every contact they concern visits the role.
pub fn invariants(space: &Space, fi: usize, d: &mut Vec<Diagnostic>) {
    let p = space.policy;
    let flow = &p.flows[fi];
    for inv in &p.invariants {
        let Some(roles) = &inv.reach_role else {
            continue;
        };
        let mut violation: Option<(Partial, Route)> = None;
        let mut conds = flow_conds(flow);
        conds.extend(inv.when.as_ref());
        let space = &space.focus(&conds);
        let complete = space.explore(
            space.all(),
            |v| admitted_route(flow, inv.when.as_ref(), v),
            |part, r| {
                if let Some(r) = r {
                    let reached = r.steps.iter().any(|&s| roles.contains(&flow.steps[s].role));
                    if !reached && r.outcome == Outcome::End {
                        violation = Some((part.clone(), r));
                        return false;
                    }
                }
                true
            },
        );
        if !complete {
            d.push(limit_warning(
                msg!("analysis-invariant", invariant = &inv.id, flow = &flow.id),
                Some(flow),
            ));
        }
        if let Some((part, r)) = violation {
            let role_names: Vec<&str> = roles.iter().map(|&r| p.roles[r].id.as_str()).collect();
            let last = *r.steps.last().expect("route");
            let mut diag = Diagnostic::new(
                Code::InvariantViolated,
                msg!(
                    "invariant-violated",
                    flow = &flow.id,
                    invariant = &inv.id,
                    route = route_text(flow, &r.steps),
                    roles = Arg::any_of(&role_names)
                ),
            )
            .at(flow.steps[last].origin.child("id"))
            .note(msg!("note-for-contacts", contacts = space.describe(&part)))
            .note(msg!("note-invariant", text = &inv.text))
            .related(inv.origin.clone(), msg!("invariant-declared-here"))
            .hint(msg!(
                "invariant-violated-hint",
                roles = Arg::any_of(&role_names)
            ));
            for note in route_steps(p, flow, &r) {
                diag = diag.note(note);
            }
            d.push(diag);
        }
    }
}

/// A route step by step: who acts, and how the route goes on from there.
fn route_steps(p: &Policy, flow: &Flow, r: &Route) -> Vec<Msg> {
    let mut out = Vec::new();
    for (i, &s) in r.steps.iter().enumerate() {
        let st = &flow.steps[s];
        let how = match r.taken.get(i) {
            Some(&b) => match &st.next[b].when {
                Some(_) => msg!("how-branch", n = b + 1, to = &flow.steps[st.next[b].to].id),
                None => msg!("how-otherwise", to = &flow.steps[st.next[b].to].id),
            },
            None => match &st.end {
                Some(e) => msg!("how-ends-with", end = e),
                None => msg!("how-ends"),
            },
        };
        out.push(msg!(
            "note-route-step",
            n = i + 1,
            step = &st.id,
            role = &p.roles[st.role].id,
            how = how
        ));
    }
    out
}

/// The conditions a flow reads: its `applies_to` and every branch's `when`.
fn flow_conds(flow: &Flow) -> Vec<&Cond> {
    let mut out = vec![&flow.applies_to];
    for s in &flow.steps {
        out.extend(s.next.iter().filter_map(|b| b.when.as_ref()));
    }
    out
}

/// Is there a contact for which all these conditions hold?
pub fn satisfiable(space: &Space, conds: &[&Cond]) -> bool {
    let space = &space.focus(conds);
    let mut found = false;
    space.explore(
        space.all(),
        |v| {
            for c in conds {
                if !holds(c, v)? {
                    return Ok(false);
                }
            }
            Ok(true)
        },
        |_, ok| {
            found |= ok;
            !ok
        },
    );
    found
}

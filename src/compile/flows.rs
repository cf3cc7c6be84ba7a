//! Checks on flows: structure (reachability, cycles), flow choice (overlaps and gaps), branches
//! (never taken, no branch holds), timings against invariants, and invariants on every route.

use super::explore::{Partial, Space};
use crate::diag::{Code, Diagnostic};
use crate::eval::{Outcome, Route, flows_for, holds, route};
use crate::policy::{Flow, format_duration};
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
                    format!(
                        "step `{}` of flow `{}` is not reachable from `{}`",
                        s.id, flow.id, flow.steps[flow.start].id
                    ),
                )
                .at(s.origin.child("id"))
                .hint("add a branch that leads here, or remove the step"),
            );
        }
    }
    if let Some(cycle) = bad_cycle(flow) {
        let first = cycle[0];
        d.push(
            Diagnostic::new(
                Code::RouteUnending,
                format!("flow `{}` can loop forever: {}", flow.id, route_text(flow, &cycle)),
            )
            .at(flow.steps[first].origin.child("id"))
            .hint("a branch back to an earlier step must go into or out of a step with `repeat: N`, which bounds the loop"),
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
                (s.hold, inv.max_hold, "hold", "hold (保留)"),
                (s.limit, inv.max_limit, "limit", "time limit"),
            ] {
                if let (Some(v), Some(m)) = (val, max)
                    && v > m
                {
                    d.push(
                            Diagnostic::new(
                                Code::StepExceedsInvariant,
                                format!(
                                    "step `{}` of flow `{}` allows a {what} of {}, above the {} of invariant `{}`",
                                    s.id, flow.id, format_duration(v), format_duration(m), inv.id
                                ),
                            )
                            .at(s.origin.child(key))
                            .hint(format!("use at most {}", format_duration(m)))
                            .related(inv.origin.clone(), "invariant declared here"),
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
    let conds: Vec<&crate::policy::Cond> = p.flows.iter().map(|f| &f.applies_to).collect();
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
                format!("flows `{}` and `{}` both admit some contacts, e.g. {}", fa.id, fb.id, space.describe(part)),
            )
            .at(fb.origin.child("applies_to"))
            .hint("a contact must follow exactly one flow: narrow one `applies_to` (e.g. with `not:`)")
            .related(fa.origin.child("applies_to"), format!("`{}` admits them here", fa.id)),
        );
    }
    for ((ch, v), part) in &gaps {
        let mut diag = Diagnostic::new(
            Code::FlowGap,
            format!(
                "no flow admits {} contacts with verdict `{}` (e.g. {})",
                p.channels[*ch].id,
                p.verdicts[*v].id,
                space.describe(part)
            ),
        )
        .hint("widen a flow's `applies_to`, or add a flow for them");
        if let Some(f) = p.flows.first() {
            diag = diag.at(f.origin.child("applies_to"));
        } else {
            diag = diag.path("flows/");
        }
        d.push(diag);
    }
    if !complete {
        d.push(limit_warning("flow choice", None));
    }
    overlaps.is_empty()
}

fn limit_warning(what: &str, flow: Option<&Flow>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::AnalysisLimit,
        format!(
            "the analysis of {what} stopped after {} classes of contacts; some errors may be missed",
            super::explore::MAX_LEAVES
        ),
    )
    .hint("conditions that test many tags, types or events at once multiply the cases to check");
    match flow {
        Some(f) => d.at(f.origin.child("id")),
        None => d.path("flows/"),
    }
}

/// Routes of one flow: branches never taken, steps where no branch holds, routes that do not end.
pub fn routes(space: &Space, fi: usize, d: &mut Vec<Diagnostic>) {
    let p = space.policy;
    let flow = &p.flows[fi];
    let space = &space.focus(&flow_conds(flow));
    let mut taken: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut stuck: BTreeMap<usize, (Partial, Route)> = BTreeMap::new();
    let mut too_long: Option<(Partial, Route)> = None;
    let complete = space.explore(
        space.all(),
        |v| {
            if !holds(&flow.applies_to, v)? {
                return Ok(None);
            }
            let r = route(flow, v);
            match r.outcome {
                Outcome::Needs(n) => Err(n),
                _ => Ok(Some(r)),
            }
        },
        |part, r| {
            if let Some(r) = r {
                for (s, b) in r.steps.iter().zip(&r.taken) {
                    taken.insert((*s, *b));
                }
                match r.outcome {
                    Outcome::Stuck => {
                        stuck
                            .entry(*r.steps.last().expect("route"))
                            .or_insert((part.clone(), r));
                    }
                    Outcome::TooLong => {
                        too_long.get_or_insert((part.clone(), r));
                    }
                    _ => {}
                }
            }
            true
        },
    );
    if !complete {
        d.push(limit_warning(&format!("flow `{}`", flow.id), Some(flow)));
    }
    for (s, (part, r)) in &stuck {
        let step = &flow.steps[*s];
        d.push(
            Diagnostic::new(
                Code::NoBranchHolds,
                format!(
                    "no branch of step `{}` holds for some contacts of flow `{}`: {}",
                    step.id,
                    flow.id,
                    space.describe(part)
                ),
            )
            .at(step.origin.child("next"))
            .note(format!("route: {}", route_text(flow, &r.steps)))
            .hint("add `- otherwise: STEP` as the last branch, or cover these contacts"),
        );
    }
    if let Some((part, r)) = too_long {
        d.push(
            Diagnostic::new(
                Code::RouteUnending,
                format!(
                    "a route of flow `{}` never reaches an `end` step ({})",
                    flow.id,
                    space.describe(&part)
                ),
            )
            .at(flow.origin.child("start"))
            .note(format!(
                "route starts: {}",
                route_text(flow, &r.steps[..r.steps.len().min(12)])
            )),
        );
    }
    if !complete {
        return;
    }
    let seen = reachable(flow);
    for (si, s) in flow.steps.iter().enumerate() {
        if !seen[si] {
            continue;
        }
        for (bi, b) in s.next.iter().enumerate() {
            let Some(cond) = &b.when else { continue };
            if taken.contains(&(si, bi)) {
                continue;
            }
            // Is the branch's condition possible at all for this flow's contacts?
            let possible = satisfiable(space, &[&flow.applies_to, cond]);
            let visited = taken.iter().any(|(x, _)| *x == si);
            let why = if !visited {
                format!(
                    "no contact of this flow reaches step `{}` with these facts",
                    s.id
                )
            } else if possible {
                let earlier: Vec<String> = (0..bi).map(|k| format!("#{}", k + 1)).collect();
                format!(
                    "every contact it matches is caught first by an earlier branch ({}) or never reaches step `{}` with these facts",
                    earlier.join(", "),
                    s.id
                )
            } else {
                "its condition never holds for a contact of this flow".to_string()
            };
            d.push(
                Diagnostic::new(
                    Code::BranchNeverTaken,
                    format!(
                        "branch #{} of step `{}` (to `{}`) is never taken: {why}",
                        bi + 1,
                        s.id,
                        flow.steps[b.to].id
                    ),
                )
                .at(b.origin.child("when"))
                .hint("reorder the branches, narrow the earlier ones, or remove this one"),
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
            |v| {
                if !holds(&flow.applies_to, v)? {
                    return Ok(None);
                }
                if let Some(w) = &inv.when
                    && !holds(w, v)?
                {
                    return Ok(None);
                }
                let r = route(flow, v);
                match r.outcome {
                    Outcome::Needs(n) => Err(n),
                    _ => Ok(Some(r)),
                }
            },
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
                &format!("invariant `{}` on flow `{}`", inv.id, flow.id),
                Some(flow),
            ));
        }
        if let Some((part, r)) = violation {
            let role_names: Vec<&str> = roles.iter().map(|&r| p.roles[r].id.as_str()).collect();
            let last = *r.steps.last().expect("route");
            let mut diag = Diagnostic::new(
                Code::InvariantViolated,
                format!(
                    "flow `{}` violates invariant `{}`: the route {} never reaches role {}",
                    flow.id,
                    inv.id,
                    route_text(flow, &r.steps),
                    role_names.join(" or ")
                ),
            )
            .at(flow.steps[last].origin.child("id"))
            .note(format!("for contacts with {}", space.describe(&part)))
            .note(format!("invariant: {}", inv.text))
            .related(inv.origin.clone(), "invariant declared here")
            .hint(format!(
                "route such contacts through a step whose role is {}",
                role_names.join(" or ")
            ));
            for (i, &s) in r.steps.iter().enumerate() {
                let st = &flow.steps[s];
                let how = match r.taken.get(i) {
                    Some(&b) => match &st.next[b].when {
                        Some(_) => {
                            format!("branch #{} to `{}`", b + 1, flow.steps[st.next[b].to].id)
                        }
                        None => format!("otherwise to `{}`", flow.steps[st.next[b].to].id),
                    },
                    None => st
                        .end
                        .clone()
                        .map_or("ends".into(), |e| format!("ends: {e}")),
                };
                diag = diag.note(format!(
                    "  {}. {} (role {}): {how}",
                    i + 1,
                    st.id,
                    p.roles[st.role].id
                ));
            }
            d.push(diag);
        }
    }
}

/// The conditions a flow reads: its `applies_to` and every branch's `when`.
fn flow_conds(flow: &Flow) -> Vec<&crate::policy::Cond> {
    let mut out = vec![&flow.applies_to];
    for s in &flow.steps {
        out.extend(s.next.iter().filter_map(|b| b.when.as_ref()));
    }
    out
}

/// Is there a contact for which all these conditions hold?
pub fn satisfiable(space: &Space, conds: &[&crate::policy::Cond]) -> bool {
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

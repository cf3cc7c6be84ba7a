//! 判定ナビ (the decision aid): for every cell of the grid and every channel, the verdict the
//! engine gives (`eval::Contact` assesses), the flow it chooses (`eval::flows_for`) and the step
//! to act on now, computed here once and inlined in the page as data, so the browser only looks
//! answers up and never judges anything itself.
//!
//! "The step to act on now": from the flow's start, branches are tried in order as the engine
//! tries them, taking events as not (yet) reported; a branch that waits for an event is shown as
//! "if this happens, go there". The walk goes on while a step chooses by the facts asked (verdict,
//! levels, types, tags, channel) and stops at the first step whose branches only wait for events
//! (what the customer does next): that step is "now". A further fact that would change the answer
//! (a tag, a type with its own override or branch, a duration or count a branch reads) is listed
//! with its own answer, so the page says when something else matters.

use super::{markdown, svg, words};
use crate::emit::text::expand;
use crate::emit::urls;
use crate::eval::{Contact, Need, flows_for, holds};
use crate::policy::{AxisKind, Cond, Facts, Flow, Policy, format_duration_ja};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// What to do for one contact, as far as the facts asked can tell.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// The contact follows one flow.
    Flow {
        /// The flow (index into `Policy::flows`).
        flow: usize,
        /// The steps passed through by the facts, from the start.
        passed: Vec<usize>,
        /// The step to act on now.
        now: usize,
        /// The branches that wait for events: (step where it applies, branch index).
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

/// The walk described in the module documentation, for a contact the engine has assessed.
fn outcome(p: &Policy, contact: &Contact) -> Outcome {
    let flows = match flows_for(p, contact) {
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
            match b.when.as_ref().map_or(Ok(true), |c| holds(c, contact)) {
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
enum Factor {
    /// A tag applies (index into `Policy::tags`).
    Tag(usize),
    /// A type of the axis is present (index into the axis' types).
    Type(AxisKind, usize),
    /// The contact has lasted at least this many seconds.
    Minutes(u64),
    /// The same claim has been repeated at least this many times.
    Repeats(u64),
}

impl Factor {
    /// The facts with this one added.
    fn apply(&self, f: &Facts) -> Facts {
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
    fn label(&self, p: &Policy) -> String {
        match *self {
            Factor::Tag(t) => p.tags[t].label.clone(),
            Factor::Type(axis, t) => p.types(axis)[t].label.clone(),
            Factor::Minutes(s) => format!("{}以上続いている", format_duration_ja(s)),
            Factor::Repeats(n) => format!("{n}回以上繰り返している"),
        }
    }

    /// Does the factor belong with this cell? A type belongs where its level is reached (below
    /// it the reader would have chosen its level: the type is listed there as an example).
    fn fits(&self, p: &Policy, conduct: usize, demand: usize) -> bool {
        match *self {
            Factor::Type(AxisKind::Conduct, t) => p.conduct_types[t].min_level <= conduct,
            Factor::Type(AxisKind::Demand, t) => p.demand_types[t].min_level <= demand,
            _ => true,
        }
    }
}

/// The further facts a condition reads, itself and nested (tags, types, durations, counts).
fn read_by(c: &Cond, out: &mut Vec<Factor>) {
    c.visit(&mut |c| {
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
    });
}

/// Every fact the questions do not ask that some rule reads: the tags, types, durations and
/// repeats that flows admit by or branch on, conduct types with a verdict of their own, and the
/// tags that imply a type; one of each, in a stable order.
fn factors(p: &Policy) -> Vec<Factor> {
    let mut found = Vec::new();
    for f in &p.flows {
        read_by(&f.applies_to, &mut found);
        for s in &f.steps {
            for b in &s.next {
                if let Some(c) = &b.when {
                    read_by(c, &mut found);
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
fn cell_facts(channel: usize, conduct: usize, demand: usize) -> Facts {
    Facts {
        channel,
        conduct,
        demand,
        events: None,
        ..Facts::default()
    }
}

/// The answer for some facts: the verdict the engine gives and what to do.
fn answer(p: &Policy, f: &Facts) -> (usize, Outcome) {
    let contact = Contact::new(p, f);
    (contact.assessment.verdict, outcome(p, &contact))
}

/// The decision aid's answers for the whole grid, computed once per manual: per cell and
/// channel the verdict and what to do, and per cell the further facts that change them. Each
/// distinct outcome is kept once, and cells refer to it by its number.
pub(super) struct Table {
    /// The further facts ([`factors`]).
    factors: Vec<Factor>,
    /// Every distinct outcome, in order of first use.
    outcomes: Vec<Outcome>,
    /// By conduct level, then demand level.
    cells: Vec<Vec<Cell>>,
}

/// One cell of the grid (no types, tags, time or events reported yet).
struct Cell {
    /// The verdict on the first channel (the grid's when there is no channel).
    verdict: usize,
    /// Per channel: the verdict and the outcome (a number in [`Table::outcomes`]).
    answers: Vec<(usize, usize)>,
    /// The further facts that change some answer: (factor, verdict on the first channel,
    /// outcome per channel).
    extra: Vec<(usize, usize, Vec<usize>)>,
}

impl Table {
    /// Ask every cell on every channel, plain and with each further fact that fits the cell.
    pub(super) fn new(p: &Policy) -> Table {
        let mut t = Table {
            factors: factors(p),
            outcomes: Vec::new(),
            cells: Vec::new(),
        };
        for c in 0..p.conduct.levels.len() {
            let row = (0..p.demand.levels.len())
                .map(|d| t.cell(p, c, d))
                .collect();
            t.cells.push(row);
        }
        t
    }

    /// The answers of one cell; outcomes met for the first time are added to the table.
    fn cell(&mut self, p: &Policy, c: usize, d: usize) -> Cell {
        let ask = |factor: Option<&Factor>| -> Vec<(usize, Outcome)> {
            (0..p.channels.len())
                .map(|ch| {
                    let facts = cell_facts(ch, c, d);
                    match factor {
                        Some(f) => answer(p, &f.apply(&facts)),
                        None => answer(p, &facts),
                    }
                })
                .collect()
        };
        let plain = ask(None);
        let verdict = plain.first().map_or(p.grid[c][d], |a| a.0);
        let answers = plain.iter().map(|(v, o)| (*v, self.number(o))).collect();
        let mut extra = Vec::new();
        for (fi, factor) in self.factors.iter().enumerate() {
            if !factor.fits(p, c, d) {
                continue;
            }
            let with = ask(Some(factor));
            if with != plain {
                extra.push((fi, with));
            }
        }
        let extra = extra
            .into_iter()
            .map(|(fi, with)| {
                let v = with.first().map_or(verdict, |a| a.0);
                (fi, v, with.iter().map(|(_, o)| self.number(o)).collect())
            })
            .collect();
        Cell {
            verdict,
            answers,
            extra,
        }
    }

    /// The outcome's number, added when it is new.
    fn number(&mut self, o: &Outcome) -> usize {
        match self.outcomes.iter().position(|x| x == o) {
            Some(i) => i,
            None => {
                self.outcomes.push(o.clone());
                self.outcomes.len() - 1
            }
        }
    }

    /// Per flow and step, the words for what the decision aid sends there (to act on now):
    /// the verdicts, and the types whose level is the cell's, so a search for what happened
    /// finds what to do.
    pub(super) fn reached(&self, p: &Policy) -> Vec<Vec<BTreeSet<String>>> {
        let mut reached: Vec<Vec<BTreeSet<String>>> = p
            .flows
            .iter()
            .map(|f| vec![BTreeSet::new(); f.steps.len()])
            .collect();
        for (c, row) in self.cells.iter().enumerate() {
            for (d, cell) in row.iter().enumerate() {
                for &(v, o) in &cell.answers {
                    let Some(Outcome::Flow { flow, now, .. }) = self.outcomes.get(o) else {
                        continue;
                    };
                    let Some(set) = reached.get_mut(*flow).and_then(|f| f.get_mut(*now)) else {
                        continue;
                    };
                    set.insert(p.verdicts[v].label.clone());
                    for t in p.conduct_types.iter().filter(|t| t.min_level == c) {
                        set.insert(t.label.clone());
                    }
                    for t in p.demand_types.iter().filter(|t| t.min_level == d) {
                        set.insert(t.label.clone());
                    }
                }
            }
        }
        reached
    }

    /// The table as JSON for the page (`navi_json`, safe inside `<script>`): the axes, verdicts,
    /// channels and further facts in words, each outcome once, and the cells by number.
    pub(super) fn json(&self, p: &Policy) -> String {
        let cells: Vec<Vec<Value>> = self
            .cells
            .iter()
            .map(|row| {
                row.iter()
                    .map(|cell| {
                        let extra: Vec<Value> = cell
                            .extra
                            .iter()
                            .map(|(fi, v, os)| json!([fi, v, os]))
                            .collect();
                        let base: Vec<usize> = cell.answers.iter().map(|a| a.1).collect();
                        json!({"v": cell.verdict, "o": base, "x": extra})
                    })
                    .collect()
            })
            .collect();
        let data = json!({
            "conduct": {"label": p.conduct.label, "levels": levels_json(p, AxisKind::Conduct)},
            "demand": {"label": p.demand.label, "levels": levels_json(p, AxisKind::Demand)},
            "verdicts": p.verdicts.iter().map(|v| json!({
                "id": v.id, "label": v.label, "color": v.color, "ink": svg::ink(&v.color),
                "describe": v.describe.as_ref().map(|t| markdown::plain(p, &t.src)),
                "url": urls::verdict(&v.id),
            })).collect::<Vec<_>>(),
            "channels": p.channels.iter().map(|c| json!({"id": c.id, "label": c.label})).collect::<Vec<_>>(),
            "factors": self.factors.iter().map(|f| f.label(p)).collect::<Vec<_>>(),
            "outcomes": self.outcomes.iter().map(|o| outcome_json(p, o)).collect::<Vec<_>>(),
            "cells": cells,
        });
        serde_json::to_string(&data)
            .unwrap_or_else(|_| "{}".into())
            .replace("</", "<\\/")
    }
}

/// An axis' levels with their description and the types that reach each (as examples).
fn levels_json(p: &Policy, kind: AxisKind) -> Vec<Value> {
    let axis = match kind {
        AxisKind::Conduct => &p.conduct,
        AxisKind::Demand => &p.demand,
    };
    axis.levels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "id": l.id,
                "label": l.label,
                "describe": l.describe.as_ref().map(|t| markdown::plain(p, &t.src)),
                "examples": p.types(kind).iter().filter(|t| t.min_level == i).map(|t| t.label.clone()).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// What to do, in words and links: the flow, the steps passed, the step to act on now and the
/// events that would lead elsewhere; or why the aid cannot tell.
fn outcome_json(p: &Policy, o: &Outcome) -> Value {
    match o {
        Outcome::Flow {
            flow,
            passed,
            now,
            waits,
        } => {
            let f = &p.flows[*flow];
            let link = |s: usize| json!({"title": f.steps[s].title, "url": urls::step(&f.id, &f.steps[s].id)});
            json!({
                "flow": f.title,
                "url": urls::flow(&f.id),
                "passed": passed.iter().map(|&s| link(s)).collect::<Vec<_>>(),
                "now": step_json(p, f, *now),
                "waits": waits.iter().map(|&(s, b)| {
                    let mut to = link(f.steps[s].next[b].to);
                    to["when"] = json!(expand(p, &words::branch(p, f, s, b)));
                    to
                }).collect::<Vec<_>>(),
            })
        }
        Outcome::NoFlow => {
            json!({"none": "この組み合わせに当てはまるフローはありません。スーパーバイザーに相談してください。"})
        }
        Outcome::Ambiguous(_) => {
            json!({"none": "複数のフローが当てはまります。スーパーバイザーに相談してください。"})
        }
        Outcome::Unknown => {
            json!({"none": "ほかの事実によって対応が変わります。フローの図で確かめてください。"})
        }
    }
}

/// The step to act on now: who, the script's text, when it ends, its time limits.
fn step_json(p: &Policy, f: &Flow, si: usize) -> Value {
    let s = &f.steps[si];
    json!({
        "title": s.title,
        "url": urls::step(&f.id, &s.id),
        "role": p.roles[s.role].label,
        "script": s.script.map(|x| json!({"purpose": p.scripts[x].purpose, "text": plain_lines(p, &p.scripts[x].text.src)})),
        "end": s.end.as_ref().map(|e| expand(p, e)),
        "limit": s.limit.map(format_duration_ja),
        "hold": s.hold.map(format_duration_ja),
    })
}

/// A script's Markdown as plain lines (for the decision aid, which shows text, not HTML).
fn plain_lines(p: &Policy, md: &str) -> String {
    expand(p, md)
        .lines()
        .map(|l| markdown::plain(p, l))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
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
        } = answer(&p, &cell_facts(phone, c3, 0)).1
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
            (answer(&p, &base).1, answer(&p, &with).1)
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

//! Linking flows (their steps and branches) and cases.

use super::cond::tests_events;
use super::table::{IdKind, Refs, Table, listed_by_id};
use super::{Linker, body, opt_text};
use crate::diag::{Code, Diagnostic, Origin};
use crate::model;
use crate::msg;
use crate::policy::{Branch, Case, Expect, Facts, Flow, Step};
use crate::validate::Item;

/// The steps of the flow being linked, by id.
type Steps<'v> = Table<'v, model::Step>;

impl<'v> Linker<'v> {
    /// Link a flow; `None` when anything in it fails (its errors are all reported).
    pub(super) fn flow(&mut self, f: &'v Item<model::Flow>) -> Option<Flow> {
        let fv = &f.value;
        let mut ok = true;
        if tests_events(&fv.applies_to) {
            self.d.push(
                Diagnostic::new(Code::FlowStructure, msg!("applies-to-events"))
                    .at(f.at("applies_to"))
                    .hint(msg!("applies-to-events-hint")),
            );
            ok = false;
        }
        let applies_to = self.cond(&fv.applies_to, &f.at("applies_to"));
        let steps = Table::fill(
            IdKind::Step,
            true,
            listed_by_id(&fv.steps, f.at("steps")),
            &mut self.d,
        );
        ok &= steps.len() == fv.steps.len();
        let mut refs = Refs::new();
        let start = refs.id(&steps, fv.start.as_str(), f.at("start"));
        let linked: Vec<Option<Step>> = (fv.steps.iter().enumerate())
            .map(|(i, s)| self.step(&steps, s, f.at("steps").child(i), &mut refs))
            .collect();
        self.d.extend(refs.d);
        let steps: Option<Vec<Step>> = linked.into_iter().collect();
        match (ok && refs.ok, applies_to, start, steps) {
            (true, Some(applies_to), Some(start), Some(steps)) => Some(Flow {
                id: fv.id.0.clone(),
                title: fv.title.clone(),
                describe: opt_text(&fv.describe, f.at("describe")),
                applies_to,
                start,
                steps,
                origin: f.origin.clone(),
            }),
            _ => None,
        }
    }

    /// Link a step at `o`: its role, script, branches and quantities, and whether it ends
    /// (`end`) or goes on (`next`), never both or neither. References and errors go to `refs`.
    fn step(&mut self, steps: &Steps, s: &model::Step, o: Origin, refs: &mut Refs) -> Option<Step> {
        let role = refs.id(&self.roles, s.role.as_str(), o.child("role"));
        let script =
            (s.script.as_ref()).map(|x| refs.id(&self.scripts, x.as_str(), o.child("script")));
        let next: Vec<Option<Branch>> = (s.next.iter().enumerate())
            .map(|(j, b)| {
                let last = j + 1 == s.next.len();
                self.branch(steps, b, last, o.child("next").child(j), refs)
            })
            .collect();
        let limit = s
            .limit
            .as_ref()
            .map(|x| self.duration(x, &o.child("limit")));
        let hold = s.hold.as_ref().map(|x| self.duration(x, &o.child("hold")));
        let repeat = s.repeat.as_ref().map(|x| self.count(x, &o.child("repeat")));
        if s.end.is_some() && !s.next.is_empty() {
            refs.error(
                Diagnostic::new(
                    Code::FlowStructure,
                    msg!("step-end-and-next", step = s.id.as_str()),
                )
                .at(o.child("end").key())
                .hint(msg!("step-end-and-next-hint")),
            );
        }
        if s.end.is_none() && s.next.is_empty() {
            refs.error(
                Diagnostic::new(
                    Code::RouteUnending,
                    msg!("step-no-next", step = s.id.as_str()),
                )
                .at(o.child("id"))
                .hint(msg!("step-no-next-hint")),
            );
        }
        if repeat == Some(Some(0)) {
            refs.error(
                Diagnostic::new(Code::InvalidValue, msg!("repeat-zero")).at(o.child("repeat")),
            );
        }
        let next: Option<Vec<Branch>> = next.into_iter().collect();
        match (role, script, limit, hold, repeat, next) {
            (
                Some(role),
                None | Some(Some(_)),
                None | Some(Some(_)),
                None | Some(Some(_)),
                None | Some(Some(_)),
                Some(next),
            ) => Some(Step {
                id: s.id.0.clone(),
                role,
                title: s.title.clone(),
                action: opt_text(&s.action, o.child("do")),
                limit: limit.flatten(),
                hold: hold.flatten(),
                script: script.flatten(),
                repeat: repeat.flatten(),
                next,
                end: s.end.clone(),
                origin: o,
            }),
            _ => None,
        }
    }

    /// Link a branch at `bo`: `{when, to}`, or `{otherwise}` as the `last` branch.
    fn branch(
        &mut self,
        steps: &Steps,
        b: &model::Branch,
        last: bool,
        bo: Origin,
        refs: &mut Refs,
    ) -> Option<Branch> {
        match (&b.when, &b.to, &b.otherwise) {
            (Some(when), Some(to), None) => {
                let cond = refs.part(self.cond(when, &bo.child("when")));
                let target = refs.id(steps, to.as_str(), bo.child("to"));
                Some(Branch {
                    when: Some(cond?),
                    to: target?,
                    origin: bo,
                })
            }
            (None, None, Some(to)) => {
                if !last {
                    refs.error(
                        Diagnostic::new(Code::FlowStructure, "`otherwise` must be the last branch")
                            .at(bo.child("otherwise").key())
                            .hint("branches after `otherwise` are never tried; move it to the end"),
                    );
                }
                let target = refs.id(steps, to.as_str(), bo.child("otherwise"));
                Some(Branch {
                    when: None,
                    to: target?,
                    origin: bo,
                })
            }
            _ => {
                refs.error(
                    Diagnostic::new(
                        Code::FlowStructure,
                        "a branch is either `{when, to}` or `{otherwise}`",
                    )
                    .at(bo)
                    .hint("write `- when: {...}` with `to: STEP`, or `- otherwise: STEP`"),
                );
                None
            }
        }
    }

    /// Link a case: its facts and expectations; `None` when a reference fails.
    pub(super) fn case(&mut self, x: &Item<model::CaseMatter>) -> Option<Case> {
        let c = &x.value;
        let d = &mut self.d;
        let channel = self
            .channels
            .resolve(c.channel.as_str(), x.at("channel"), d);
        let tags = self.tags.resolve_all(&c.tags, x.at("tags"), d);
        let conduct = self.conduct.resolve(c.conduct.as_str(), x.at("conduct"), d);
        let demand = self.demand.resolve(c.demand.as_str(), x.at("demand"), d);
        let conduct_types =
            (self.conduct_types).resolve_all(&c.conduct_types, x.at("conduct_types"), d);
        let demand_types =
            (self.demand_types).resolve_all(&c.demand_types, x.at("demand_types"), d);
        let events = self.events.resolve_all(&c.events, x.at("events"), d);
        let party =
            (c.party.as_ref()).map(|id| self.parties.resolve(id.as_str(), x.at("party"), d));
        // Every counter not named counts zero.
        let mut counts = vec![0u64; self.counters.len()];
        let mut counts_ok = true;
        for (name, n) in &c.counts {
            let o = x.at("counts").child(crate::diag::escape(name));
            match self.counters.resolve(name, o.key(), d) {
                Some(i) => counts[i] = *n,
                None => counts_ok = false,
            }
        }
        let eo = x.at("expect");
        let verdict = (self.verdicts).resolve(c.expect.verdict.as_str(), eo.child("verdict"), d);
        let flow =
            (c.expect.flow.as_ref()).map(|f| self.flows.resolve(f.as_str(), eo.child("flow"), d));
        Some(Case {
            id: c.id.0.clone(),
            title: c.title.clone(),
            facts: Facts {
                channel: channel?,
                conduct: conduct?,
                demand: demand?,
                conduct_types: conduct_types?,
                demand_types: demand_types?,
                tags: tags?,
                minutes: c.minutes,
                repeats: c.repeats,
                events: Some(events?),
                party: match party {
                    Some(p) => Some(p?),
                    None => None,
                },
                targeted: c.targeted,
                counts: counts_ok.then_some(counts)?,
            },
            expect: Expect {
                verdict: verdict?,
                flow: flow.flatten(),
                route: (c.expect.route.as_ref()).map(|r| r.iter().map(|s| s.0.clone()).collect()),
            },
            body: body(x),
            origin: x.origin.clone(),
        })
    }
}

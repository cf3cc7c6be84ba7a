//! Cases are tests: each case is judged once — its verdict, flow and route computed and compared
//! with `expect` — and coverage of cells, steps and branches is measured once. `check` turns the
//! failures into diagnostics, `mamoru test` into its report, the manual shows the runs.

use super::flows::route_text;
use crate::diag::{Code, Diagnostic};
use crate::eval::{Assessment, Contact, Outcome, Reason, Route, flows_for, route};
use crate::i18n::{Arg, Msg};
use crate::msg;
use crate::policy::{AxisKind, Case, Policy};
use std::collections::BTreeSet;

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct CaseRun {
    /// The verdict, effective levels and types, with why.
    pub assessment: Assessment,
    /// The flows that admit the case (indices into `Policy::flows`): one in a sound policy.
    pub flows: Vec<usize>,
    /// The route through the one admitting flow (`None` unless exactly one admits the case).
    pub route: Option<Route>,
}

impl CaseRun {
    /// The one flow the case follows, if exactly one admits it.
    pub fn flow(&self) -> Option<usize> {
        match self.flows.as_slice() {
            [f] => Some(*f),
            _ => None,
        }
    }
}

/// Evaluate a case's facts: verdict, flow, route.
pub fn run(p: &Policy, case: &Case) -> CaseRun {
    let contact = Contact::new(p, &case.facts);
    let flows = flows_for(p, &contact).unwrap_or_default();
    let route = match flows.as_slice() {
        [f] => Some(route(&p.flows[*f], &contact)),
        _ => None,
    };
    CaseRun {
        assessment: contact.assessment,
        flows,
        route,
    }
}

/// How a case differs from its `expect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Another verdict than `expect.verdict` (indices into `Policy::verdicts`).
    Verdict {
        /// The verdict the case expects.
        expected: usize,
        /// The verdict the policy gives.
        got: usize,
    },
    /// No flow admits the case.
    NoFlow,
    /// Several flows admit the case (indices into `Policy::flows`).
    SeveralFlows(Vec<usize>),
    /// Another flow than `expect.flow` admits the case (indices into `Policy::flows`).
    Flow {
        /// The flow the case expects.
        expected: usize,
        /// The flow that admits it.
        got: usize,
    },
    /// The route differs from `expect.route` or does not end.
    Route {
        /// The flow followed.
        flow: usize,
        /// The step ids the case expects.
        expected: Vec<String>,
        /// The steps taken (indices into the flow's steps).
        got: Vec<usize>,
        /// The route stopped at a step where no branch holds.
        stuck: bool,
        /// The step after which the routes part, and the branch taken there.
        parted: Option<(usize, usize)>,
    },
}

/// A case run and compared with its expectations.
#[derive(Clone, Debug)]
pub struct Judgement {
    /// What the case's facts give.
    pub run: CaseRun,
    /// How that differs from the case's `expect` (empty: the case passes).
    pub failures: Vec<Failure>,
}

/// Run a case and compare it with `expect`. Flow and route are compared only when the flows are
/// `complete` (linked and sound): otherwise their errors are reported elsewhere.
pub fn judge(p: &Policy, case: &Case, complete: bool) -> Judgement {
    let run = run(p, case);
    let mut failures = Vec::new();
    let a = &run.assessment;
    if a.verdict != case.expect.verdict {
        failures.push(Failure::Verdict {
            expected: case.expect.verdict,
            got: a.verdict,
        });
    }
    if complete {
        match (run.flows.as_slice(), &run.route) {
            ([], _) => failures.push(Failure::NoFlow),
            ([f], Some(r)) => {
                if let Some(e) = case.expect.flow.filter(|e| e != f) {
                    failures.push(Failure::Flow {
                        expected: e,
                        got: *f,
                    });
                } else if let Some(want) = &case.expect.route {
                    let flow = &p.flows[*f];
                    let got: Vec<&str> =
                        r.steps.iter().map(|&s| flow.steps[s].id.as_str()).collect();
                    if got != *want || r.outcome != Outcome::End {
                        let parted = got
                            .iter()
                            .zip(want)
                            .position(|(a, b)| a != b)
                            .filter(|k| *k > 0)
                            .and_then(|k| Some((r.steps[k - 1], *r.taken.get(k - 1)?)));
                        failures.push(Failure::Route {
                            flow: *f,
                            expected: want.clone(),
                            got: r.steps.clone(),
                            stuck: r.outcome == Outcome::Stuck,
                            parted,
                        });
                    }
                }
            }
            (many, _) => failures.push(Failure::SeveralFlows(many.to_vec())),
        }
    }
    Judgement { run, failures }
}

/// Every case of a policy, judged.
pub fn judge_all(p: &Policy, complete: bool) -> Vec<Judgement> {
    use rayon::prelude::*;
    p.cases.par_iter().map(|c| judge(p, c, complete)).collect()
}

/// Why a contact got its verdict, in one line: a renderer of [`Assessment::why`] with ids.
pub fn explain(p: &Policy, a: &Assessment) -> Msg {
    let axis_msg = |axis: AxisKind| match axis {
        AxisKind::Conduct => msg!("axis-conduct"),
        AxisKind::Demand => msg!("axis-demand"),
    };
    let level = |axis: AxisKind, i: usize| match axis {
        AxisKind::Conduct => p.conduct.levels[i].id.clone(),
        AxisKind::Demand => p.demand.levels[i].id.clone(),
    };
    let parts: Vec<Msg> = a
        .why
        .iter()
        .map(|r| match *r {
            Reason::Raised {
                axis,
                ty,
                from,
                to,
                implied,
            } => msg!(
                "why-raised",
                implied = if implied { "yes" } else { "no" },
                ty = &p.types(axis)[ty].id,
                axis = axis_msg(axis),
                from = level(axis, from),
                to = level(axis, to)
            ),
            Reason::Cell {
                conduct,
                demand,
                verdict,
            } => msg!(
                "why-cell",
                cell = p.cell_name(conduct, demand),
                verdict = &p.verdicts[verdict].id
            ),
            Reason::Override { ty, verdict } => msg!(
                "why-override",
                ty = &p.conduct_types[ty].id,
                verdict = &p.verdicts[verdict].id
            ),
            Reason::Capped {
                cap,
                axis,
                ty,
                from,
                to,
            } => msg!(
                "why-capped",
                cap = &p.caps[cap].id,
                ty = &p.types(axis)[ty].id,
                axis = axis_msg(axis),
                to = level(axis, to),
                from = level(axis, from)
            ),
        })
        .collect();
    msg!("why", parts = Arg::Parts(parts, Box::new(msg!("d-any"))))
}

/// A failure in one line (for `mamoru test`).
pub fn failure_text(p: &Policy, f: &Failure) -> Msg {
    match f {
        Failure::Verdict { expected, got } => msg!(
            "fail-verdict",
            expected = &p.verdicts[*expected].id,
            got = &p.verdicts[*got].id
        ),
        Failure::NoFlow => msg!("fail-no-flow"),
        Failure::SeveralFlows(fs) => msg!(
            "fail-several-flows",
            flows = Arg::any_of(fs.iter().map(|f| p.flows[*f].id.as_str()))
        ),
        Failure::Flow { expected, got } => msg!(
            "fail-flow",
            expected = &p.flows[*expected].id,
            got = &p.flows[*got].id
        ),
        Failure::Route {
            flow,
            expected,
            got,
            stuck,
            ..
        } => msg!(
            "fail-route",
            stuck = if *stuck { "yes" } else { "no" },
            expected = expected.join(" → "),
            got = route_text(&p.flows[*flow], got)
        ),
    }
}

/// The failures of every case as diagnostics (`E240` verdict, `E241` flow, `E242` route).
pub fn diagnostics(p: &Policy, judged: &[Judgement], d: &mut Vec<Diagnostic>) {
    for (case, j) in p.cases.iter().zip(judged) {
        let a = &j.run.assessment;
        let expect = case.origin.child("expect");
        for f in &j.failures {
            d.push(match f {
                Failure::Verdict { expected, got } => Diagnostic::new(
                    Code::CaseVerdict,
                    msg!(
                        "case-verdict",
                        case = &case.id,
                        expected = &p.verdicts[*expected].id,
                        got = &p.verdicts[*got].id
                    ),
                )
                .at(expect.child("verdict"))
                .note(explain(p, a))
                .hint(msg!("case-verdict-hint")),
                Failure::NoFlow => {
                    Diagnostic::new(Code::CaseFlow, msg!("case-no-flow", case = &case.id))
                        .at(case.origin.child("channel"))
                        .hint(msg!("case-no-flow-hint"))
                }
                Failure::SeveralFlows(fs) => Diagnostic::new(
                    Code::CaseFlow,
                    msg!(
                        "case-several-flows",
                        case = &case.id,
                        flows = Arg::any_of(fs.iter().map(|f| p.flows[*f].id.as_str()))
                    ),
                )
                .at(case.origin.child("channel")),
                Failure::Flow { expected, got } => Diagnostic::new(
                    Code::CaseFlow,
                    msg!(
                        "case-flow",
                        case = &case.id,
                        expected = &p.flows[*expected].id,
                        got = &p.flows[*got].id
                    ),
                )
                .at(expect.child("flow")),
                Failure::Route {
                    flow,
                    expected,
                    got,
                    stuck,
                    parted,
                } => {
                    let fl = &p.flows[*flow];
                    let mut diag = Diagnostic::new(
                        Code::CaseRoute,
                        msg!("case-route", case = &case.id, flow = &fl.id),
                    )
                    .at(expect.child("route"))
                    .note(msg!("note-expected-route", route = expected.join(" → ")))
                    .note(msg!("note-actual-route", route = route_text(fl, got)));
                    if *stuck {
                        diag = diag.note(msg!("note-route-stuck"));
                    }
                    if let Some((step, branch)) = parted {
                        diag = diag
                            .note(msg!(
                                "note-routes-part",
                                step = &fl.steps[*step].id,
                                n = branch + 1
                            ))
                            .note(msg!("note-the-contact", why = explain(p, a)));
                    }
                    diag
                }
            });
        }
    }
}

/// Covered and total, with what is missing.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Measure {
    /// How many are exercised by some case.
    pub covered: usize,
    /// How many there are.
    pub total: usize,
    /// Those not exercised, by name (`c1×d2`, `phone/warn`, `phone/warn#2 → end`).
    pub missing: Vec<String>,
}

impl Measure {
    /// The share covered, in percent (100 when there is nothing to cover).
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.covered as f64 / self.total as f64
        }
    }
}

/// What the cases exercise: grid cells, flow steps and branches.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Coverage {
    /// Grid cells some case falls in.
    pub cells: Measure,
    /// Flow steps some case's route visits.
    pub steps: Measure,
    /// Branches some case's route takes.
    pub branches: Measure,
    /// The uncovered cells as (conduct level, demand level), for the lints that point at them.
    #[serde(skip)]
    pub uncovered_cells: Vec<(usize, usize)>,
    /// The uncovered steps as (flow, step), for the lints that point at them.
    #[serde(skip)]
    pub uncovered_steps: Vec<(usize, usize)>,
}

/// Coverage of the policy by its judged cases.
pub fn coverage(p: &Policy, judged: &[Judgement]) -> Coverage {
    let mut cells = BTreeSet::new();
    let mut steps = BTreeSet::new();
    let mut branches = BTreeSet::new();
    for j in judged {
        let a = &j.run.assessment;
        cells.insert((a.conduct, a.demand));
        if let (Some(f), Some(r)) = (j.run.flow(), &j.run.route) {
            for (i, &s) in r.steps.iter().enumerate() {
                steps.insert((f, s));
                if let Some(&b) = r.taken.get(i) {
                    branches.insert((f, s, b));
                }
            }
        }
    }
    let empty = || Measure {
        covered: 0,
        total: 0,
        missing: Vec::new(),
    };
    let (mut cell_m, mut step_m, mut branch_m) = (empty(), empty(), empty());
    let (mut uncovered_cells, mut uncovered_steps) = (Vec::new(), Vec::new());
    for (c, row) in p.grid.iter().enumerate() {
        for d in 0..row.len() {
            cell_m.total += 1;
            if cells.contains(&(c, d)) {
                cell_m.covered += 1;
            } else {
                cell_m.missing.push(p.cell_name(c, d));
                uncovered_cells.push((c, d));
            }
        }
    }
    for (fi, f) in p.flows.iter().enumerate() {
        for (si, s) in f.steps.iter().enumerate() {
            step_m.total += 1;
            if steps.contains(&(fi, si)) {
                step_m.covered += 1;
            } else {
                step_m.missing.push(format!("{}/{}", f.id, s.id));
                uncovered_steps.push((fi, si));
            }
            for (bi, b) in s.next.iter().enumerate() {
                branch_m.total += 1;
                if branches.contains(&(fi, si, bi)) {
                    branch_m.covered += 1;
                } else {
                    branch_m.missing.push(format!(
                        "{}/{}#{} → {}",
                        f.id,
                        s.id,
                        bi + 1,
                        f.steps[b.to].id
                    ));
                }
            }
        }
    }
    Coverage {
        cells: cell_m,
        steps: step_m,
        branches: branch_m,
        uncovered_cells,
        uncovered_steps,
    }
}

//! Cases are tests: each case's verdict, flow and route, computed and compared with `expect`.

use super::flows::route_text;
use crate::diag::{Code, Diagnostic};
use crate::eval::{Assessment, Contact, Outcome, Reason, Route, flows_for, route};
use crate::policy::{AxisKind, Case, Policy};

/// The outcome of one case.
pub struct CaseRun {
    pub assessment: Assessment,
    pub flows: Vec<usize>,
    pub route: Option<Route>,
}

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

/// Why a contact got its verdict, in one line: a renderer of [`Assessment::why`].
pub fn explain(p: &Policy, a: &Assessment) -> String {
    let parts: Vec<String> = a
        .why
        .iter()
        .map(|r| match *r {
            Reason::Raised {
                axis,
                ty,
                from,
                to,
                implied,
            } => {
                let (name, levels) = match axis {
                    AxisKind::Conduct => ("conduct", &p.conduct),
                    AxisKind::Demand => ("demand", &p.demand),
                };
                format!(
                    "type `{}`{} raised {name} from {} to {}",
                    p.types(axis)[ty].id,
                    if implied {
                        " (implied by the facts)"
                    } else {
                        ""
                    },
                    levels.levels[from].id,
                    levels.levels[to].id
                )
            }
            Reason::Cell {
                conduct,
                demand,
                verdict,
            } => format!(
                "cell {} gives `{}`",
                p.cell_name(conduct, demand),
                p.verdicts[verdict].id
            ),
            Reason::Override { ty, verdict } => format!(
                "type `{}` overrides the verdict to `{}`",
                p.conduct_types[ty].id, p.verdicts[verdict].id
            ),
            Reason::Capped {
                cap,
                axis,
                ty,
                from,
                to,
            } => {
                let levels = match axis {
                    AxisKind::Conduct => &p.conduct,
                    AxisKind::Demand => &p.demand,
                };
                format!(
                    "cap `{}` lets type `{}` raise {} only to {} instead of {}",
                    p.caps[cap].id,
                    p.types(axis)[ty].id,
                    match axis {
                        AxisKind::Conduct => "conduct",
                        AxisKind::Demand => "demand",
                    },
                    levels.levels[to].id,
                    levels.levels[from].id
                )
            }
        })
        .collect();
    parts.join("; ")
}

pub fn check(p: &Policy, flows_complete: bool, d: &mut Vec<Diagnostic>) -> Vec<CaseRun> {
    let mut runs = Vec::new();
    for case in &p.cases {
        let run = run(p, case);
        let a = &run.assessment;
        let expect = case.origin.child("expect");
        if a.verdict != case.expect.verdict {
            d.push(
                Diagnostic::new(
                    Code::CaseVerdict,
                    format!(
                        "case `{}` expects verdict `{}`, but the policy gives `{}`",
                        case.id, p.verdicts[case.expect.verdict].id, p.verdicts[a.verdict].id
                    ),
                )
                .at(expect.child("verdict"))
                .note(explain(p, a))
                .hint("fix the case's facts or expectation, or the grid and types if the policy is wrong"),
            );
        }
        if !flows_complete {
            runs.push(run);
            continue;
        }
        match run.flows.as_slice() {
            [] => d.push(
                Diagnostic::new(Code::CaseFlow, format!("no flow admits case `{}`", case.id))
                    .at(case.origin.child("channel"))
                    .hint("a flow's `applies_to` must admit this contact"),
            ),
            [f] => {
                if let Some(e) = case.expect.flow.filter(|e| e != f) {
                    d.push(
                        Diagnostic::new(
                            Code::CaseFlow,
                            format!(
                                "case `{}` expects flow `{}`, but follows `{}`",
                                case.id, p.flows[e].id, p.flows[*f].id
                            ),
                        )
                        .at(expect.child("flow")),
                    );
                } else if let (Some(want), Some(r)) = (&case.expect.route, &run.route) {
                    let flow = &p.flows[*f];
                    let got: Vec<&str> =
                        r.steps.iter().map(|&s| flow.steps[s].id.as_str()).collect();
                    let ended = r.outcome == Outcome::End;
                    if got != *want || !ended {
                        let mut diag = Diagnostic::new(
                            Code::CaseRoute,
                            format!(
                                "case `{}` takes another route in flow `{}`",
                                case.id, flow.id
                            ),
                        )
                        .at(expect.child("route"))
                        .note(format!("expected: {}", want.join(" → ")))
                        .note(format!("actual:   {}", route_text(flow, &r.steps)));
                        if r.outcome == Outcome::Stuck {
                            diag = diag.note("the route stops where no branch holds");
                        }
                        if let Some(k) = got.iter().zip(want).position(|(a, b)| a != b)
                            && k > 0
                        {
                            let s = &flow.steps[r.steps[k - 1]];
                            if let Some(&b) = r.taken.get(k - 1) {
                                diag = diag
                                    .note(format!(
                                        "the routes part after `{}`, where branch #{} was taken",
                                        s.id,
                                        b + 1
                                    ))
                                    .note(format!("the contact: {}", explain(p, a)));
                            }
                        }
                        d.push(diag);
                    }
                }
            }
            many => d.push(
                Diagnostic::new(
                    Code::CaseFlow,
                    format!(
                        "case `{}` is admitted by several flows: {}",
                        case.id,
                        many.iter()
                            .map(|f| format!("`{}`", p.flows[*f].id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .at(case.origin.child("channel")),
            ),
        }
        runs.push(run);
    }
    runs
}

//! Stage 4, `compile`: the validated sources into a [`Policy`], and every semantic check on it.
//!
//! Architecture invariant: `compile` never sees YAML or files, only typed sources and origins;
//! it reports through diagnostics and never fails. Analyses whose inputs could not be linked
//! completely are skipped, so one mistake gives one error, not a cascade.

pub mod caps;
pub mod cases;
pub mod compliance;
pub mod explore;
pub mod flows;
mod link;
pub mod lints;

use crate::diag::{Code, Diagnostic};
use crate::policy::Policy;
use crate::validate::Validated;
pub use link::valid_date;

/// The compiled policy (when the manifest and criteria could be read) and every finding.
pub struct Compiled {
    pub policy: Option<Policy>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn compile(v: &Validated) -> Compiled {
    let (policy, mut d, gaps) = link::link(v);
    let Some(mut policy) = policy else {
        return Compiled {
            policy: None,
            diagnostics: d,
        };
    };
    policy.compliance = compliance::link(v, &policy, &mut d);
    let p = &policy;
    lints::placeholders(p, &mut d);
    caps::check(p, &mut d);
    if !gaps.criteria {
        grid(p, &mut d);
    }
    let space = explore::Space::new(p);
    let mut flows_ok = !gaps.flows && !gaps.criteria;
    if !gaps.criteria {
        let mut sound = Vec::new();
        for f in &p.flows {
            sound.push(flows::structure(&space, f, &mut d));
        }
        flows_ok &= sound.iter().all(|s| *s);
        if flows_ok {
            flows_ok &= flows::choice(&space, &mut d);
        }
        for (fi, ok) in sound.iter().enumerate() {
            if *ok {
                flows::routes(&space, fi, &mut d);
                if !gaps.roles {
                    flows::invariants(&space, fi, &mut d);
                }
            }
        }
        let runs = cases::check(p, flows_ok, &mut d);
        if flows_ok && !gaps.cases {
            lints::coverage(p, &runs, &mut d);
        }
    }
    lints::personal(p, &mut d);
    lints::terms(p, &mut d);
    lints::vague(p, &mut d);
    Compiled {
        policy: Some(policy),
        diagnostics: d,
    }
}

/// `independent_of_demand` types sit on a row with one verdict.
fn grid(p: &Policy, d: &mut Vec<Diagnostic>) {
    for t in &p.conduct_types {
        if !t.independent_of_demand {
            continue;
        }
        let row = &p.grid[t.min_level];
        if row.iter().any(|v| *v != row[0]) {
            let verdicts: Vec<&str> = row.iter().map(|v| p.verdicts[*v].id.as_str()).collect();
            d.push(
                Diagnostic::new(
                    Code::GridIndependentRow,
                    format!(
                        "conduct type `{}` is unacceptable whatever the demand, but grid row `{}` gives {}",
                        t.id,
                        p.conduct.levels[t.min_level].id,
                        verdicts.join(", ")
                    ),
                )
                .at(t.origin.child("independent_of_demand"))
                .hint("raise its `min_level` to a row with one verdict, or make that row uniform")
                .related(p.grid_origin.child(&p.conduct.levels[t.min_level].id), "the row"),
            );
        }
    }
}

//! Stage 4, `compile`: the validated sources into a [`Policy`], and every semantic check on it.
//!
//! Architecture invariant: `compile` never sees YAML or files, only typed sources and origins;
//! it reports through diagnostics and never fails. Analyses whose inputs could not be linked
//! completely are skipped, so one mistake gives one error, not a cascade.

pub(crate) mod caps;
pub mod cases;
pub(crate) mod compliance;
pub mod explore;
pub(crate) mod flows;
mod link;
pub(crate) mod lints;
pub(crate) mod review;

use crate::diag::{Code, Diagnostic};
use crate::msg;
use crate::policy::Policy;
use crate::validate::Validated;
use link::valid_date;

/// The compiled policy (when the manifest and criteria could be read) and every finding.
pub struct Compiled {
    /// The compiled policy; `None` when the criteria could not be read. It may have errors:
    /// see `diagnostics`.
    pub policy: Option<Policy>,
    /// Every error and warning of linking and of the checks on the policy.
    pub diagnostics: Vec<Diagnostic>,
    /// Every case judged once (in case order; empty when the criteria could not be linked):
    /// the manual and `mamoru test` read these instead of running the cases again.
    pub judged: Vec<cases::Judgement>,
}

/// Compile validated sources. `assets` are the files the manual publishes under `assets/`
/// (built-in and the policy's own `site/`), for checking links in Markdown.
pub fn compile(v: &Validated, assets: &[String]) -> Compiled {
    let (policy, mut d, gaps) = link::link(v);
    let Some(mut policy) = policy else {
        return Compiled {
            policy: None,
            diagnostics: d,
            judged: Vec::new(),
        };
    };
    review::timezone(v, &mut d);
    // review.yaml and compliance.yaml name items of the rest of the policy: when that has
    // errors, an item missing from it is a follow-on error, left out until the root is fixed.
    let incomplete = !v.incomplete.is_empty() || d.iter().any(|x| x.is_error());
    let mut refs = Vec::new();
    policy.review = review::review(v, &policy, &mut refs);
    policy.compliance = compliance::link(v, &policy, &mut refs);
    d.extend(
        refs.into_iter()
            .filter(|x| !(incomplete && x.code == crate::diag::Code::UnknownReference)),
    );
    let p = &policy;
    lints::placeholders(p, !gaps.thresholds, &mut d);
    let mut judged = Vec::new();
    let mut flows_ok = !gaps.flows && !gaps.criteria;
    if !gaps.criteria {
        caps::check(p, &mut d);
        grid(p, &mut d);
        let space = explore::Space::new(p);
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
        judged = cases::judge_all(p, flows_ok);
        cases::diagnostics(p, &judged, &mut d);
        if flows_ok && !gaps.cases {
            lints::coverage(p, &cases::coverage(p, &judged), &mut d);
        }
    }
    lints::personal(p, &mut d);
    lints::terms(p, &mut d);
    lints::vague(p, &mut d);
    lints::links(p, assets, &mut d);
    expand_titles(&mut policy);
    Compiled {
        policy: Some(policy),
        diagnostics: d,
        judged,
    }
}

/// Short texts every output shows as they are (titles, end outcomes, invariant rules): their
/// `{{threshold}}` placeholders are filled here, once, after the placeholder check has read
/// them. Prose (Markdown) keeps its placeholders: renderers expand them with its offsets.
fn expand_titles(p: &mut Policy) {
    use crate::text::expand;
    let snapshot = p.clone();
    let x = |t: &mut String| *t = expand(&snapshot, t);
    x(&mut p.manifest.title);
    if let Some(s) = &mut p.stance {
        x(&mut s.title);
    }
    for f in &mut p.flows {
        x(&mut f.title);
        for s in &mut f.steps {
            x(&mut s.title);
            if let Some(e) = &mut s.end {
                x(e);
            }
        }
    }
    p.aftercare.iter_mut().for_each(|a| x(&mut a.title));
    p.invariants.iter_mut().for_each(|i| x(&mut i.text));
    p.cases.iter_mut().for_each(|c| x(&mut c.title));
    p.pages.iter_mut().for_each(|c| x(&mut c.title));
    p.scripts.iter_mut().for_each(|c| x(&mut c.purpose));
    for d in &mut p.definitions {
        if let Some(s) = &mut d.summary {
            x(s);
        }
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
                    msg!(
                        "independent-row",
                        ty = &t.id,
                        row = &p.conduct.levels[t.min_level].id,
                        verdicts = crate::i18n::Arg::list(&verdicts)
                    ),
                )
                .at(t.origin.child("independent_of_demand"))
                .hint(msg!("independent-row-hint"))
                .related(
                    p.grid_origin.child(&p.conduct.levels[t.min_level].id),
                    msg!("the-row"),
                ),
            );
        }
    }
}

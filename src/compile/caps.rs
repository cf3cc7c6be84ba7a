//! Checks on protective caps (`criteria.yaml` `caps`): a cap is an explicit rule, so it must
//! never excuse conduct that is unacceptable whatever the demand (`E212`), must be able to change
//! something (`E213`), and may only test facts known before the levels it changes (`E214`).
//!
//! Every message these checks give is written here, one function per message.

use crate::diag::{Code, Diagnostic, Origin};
use crate::model;
use crate::policy::{AxisKind, Policy};

/// Keys of a cap's `when` that test what the cap changes or what happens later.
pub fn forbidden_keys(c: &model::Condition) -> Vec<&'static str> {
    let mut out = Vec::new();
    if c.verdict.is_some() {
        out.push("verdict");
    }
    if c.conduct_at_least.is_some() {
        out.push("conduct_at_least");
    }
    if c.demand_at_least.is_some() {
        out.push("demand_at_least");
    }
    if c.event.is_some() {
        out.push("event");
    }
    if let Some(n) = &c.not {
        out.extend(forbidden_keys(n));
    }
    for x in c.any.iter().flatten() {
        out.extend(forbidden_keys(x));
    }
    out
}

pub fn condition_error(cap: &str, key: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::CapCondition,
        format!("the `when` of cap `{cap}` tests `{key}`, which the cap itself changes or which happens later"),
    )
    .at(at)
    .hint("a cap's `when` may test plain facts (channel, tags, party, targeted, minutes, repeats, counts) and types")
}

fn forbidden(cap: &str, ty: &str, why: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::CapForbidden,
        format!("cap `{cap}` limits type `{ty}`, which {why}: protection never excuses it"),
    )
    .at(at)
    .hint("remove the type from the cap; protect the customer in the flow instead (e.g. more time, a written answer)")
}

fn no_types(cap: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::CapNoEffect,
        format!("cap `{cap}` names no types, so it changes nothing"),
    )
    .at(at)
    .hint("list the types whose raise it limits under `conduct_types` or `demand_types`")
}

fn max_without_types(cap: &str, key: &str, types: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::CapNoEffect,
        format!("cap `{cap}` gives `{key}` but no `{types}`, so that maximum changes nothing"),
    )
    .at(at)
    .hint(format!("add `{types}`, or remove `{key}`"))
}

fn type_unaffected(cap: &str, ty: &str, min: &str, limit: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::CapNoEffect,
        format!(
            "cap `{cap}` cannot lower type `{ty}`: it raises only to {min}, and the cap allows {limit}"
        ),
    )
    .at(at)
    .hint("lower the cap's maximum below the type's `min_level`, or remove the type from the cap")
}

/// `E212` and `E213` on the compiled caps.
pub fn check(p: &Policy, d: &mut Vec<Diagnostic>) {
    for cap in &p.caps {
        if cap.types.iter().all(Vec::is_empty) {
            d.push(no_types(&cap.id, cap.origin.child("id")));
        }
        for (axis, key, types_key) in [
            (AxisKind::Conduct, "max_conduct", "conduct_types"),
            (AxisKind::Demand, "max_demand", "demand_types"),
        ] {
            let a = axis.index();
            let levels = match axis {
                AxisKind::Conduct => &p.conduct,
                AxisKind::Demand => &p.demand,
            };
            if cap.types[a].is_empty() {
                if cap.max[a].is_some() {
                    d.push(max_without_types(
                        &cap.id,
                        key,
                        types_key,
                        cap.origin.child(key),
                    ));
                }
                continue;
            }
            let limit = cap.max[a].unwrap_or(0);
            for (i, &t) in cap.types[a].iter().enumerate() {
                let ty = &p.types(axis)[t];
                let at = cap.origin.child(types_key).child(i);
                if ty.independent_of_demand {
                    d.push(forbidden(
                        &cap.id,
                        &ty.id,
                        "is unacceptable whatever the demand (`independent_of_demand`)",
                        at,
                    ));
                } else if ty.verdict.is_some() {
                    d.push(forbidden(&cap.id, &ty.id, "overrides the verdict", at));
                } else if ty.min_level <= limit {
                    d.push(type_unaffected(
                        &cap.id,
                        &ty.id,
                        &levels.levels[ty.min_level].id,
                        &levels.levels[limit].id,
                        at,
                    ));
                }
            }
        }
    }
}

//! Checks on protective caps (`criteria.yaml` `caps`): a cap is an explicit rule, so it must
//! never excuse conduct that is unacceptable whatever the demand (`E212`), must be able to change
//! something (`E213`), and may only test facts known before the levels it changes (`E214`).
//!
//! Every message these checks give is written here, one function per message.

use crate::diag::{Code, Diagnostic, Origin};
use crate::i18n::Msg;
use crate::model;
use crate::msg;
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

/// `E214`: a cap's `when` tests `key`, which the cap changes or which is only known later.
pub fn condition_error(cap: &str, key: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::CapCondition,
        msg!("cap-condition", cap = cap, key = key),
    )
    .at(at)
    .hint(msg!("cap-condition-hint"))
}

/// `why` is a catalogue id: `cap-why-independent`, `cap-why-verdict`.
fn forbidden(cap: &str, ty: &str, why: &'static str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::CapForbidden,
        msg!("cap-forbidden", cap = cap, ty = ty, why = Msg::new(why)),
    )
    .at(at)
    .hint(msg!("cap-forbidden-hint"))
}

fn no_types(cap: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(Code::CapNoEffect, msg!("cap-no-types", cap = cap))
        .at(at)
        .hint(msg!("cap-no-types-hint"))
}

fn max_without_types(cap: &str, key: &str, types: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::CapNoEffect,
        msg!("cap-max-without-types", cap = cap, key = key, types = types),
    )
    .at(at)
    .hint(msg!("cap-max-without-types-hint", key = key, types = types))
}

fn type_unaffected(cap: &str, ty: &str, min: &str, limit: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::CapNoEffect,
        msg!(
            "cap-type-unaffected",
            cap = cap,
            ty = ty,
            min = min,
            limit = limit
        ),
    )
    .at(at)
    .hint(msg!("cap-type-unaffected-hint"))
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
                    d.push(forbidden(&cap.id, &ty.id, "cap-why-independent", at));
                } else if ty.verdict.is_some() {
                    d.push(forbidden(&cap.id, &ty.id, "cap-why-verdict", at));
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

//! `compliance.yaml`: the measures laws and guidelines require, linked to the policy items that
//! implement them. A required measure no item implements is `W016`; an item that does not exist
//! is `E201`. The measures themselves are the policy's data, never mamoru's.
//!
//! Every message these checks give is written here, one function per message.

use crate::diag::{Code, Diagnostic, Origin, did_you_mean};
use crate::i18n::Msg;
use crate::msg;
use crate::policy::{AxisKind, Compliance, Framework, ItemLink, Measure, Policy, Text};
use crate::validate::Validated;
use std::collections::BTreeSet;

fn unknown_item(r: &str, hint: Option<Msg>, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::UnknownReference,
        msg!("compliance-unknown-item", item = r),
    )
    .at(at)
    .hint(hint.unwrap_or_else(|| msg!("compliance-unknown-item-hint")))
}

fn unimplemented(framework: &str, measure: &str, title: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::MeasureUnimplemented,
        msg!(
            "compliance-unimplemented",
            measure = measure,
            title = title,
            framework = framework
        ),
    )
    .at(at)
    .hint(msg!("compliance-unimplemented-hint"))
}

fn duplicate(what: &'static str, id: &str, at: Origin) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateId,
        msg!("duplicate-id", what = Msg::new(what), id = id),
    )
    .at(at)
    .hint(msg!("duplicate-id-hint", what = Msg::new(what)))
}

/// Resolve one reference against the compiled policy.
fn resolve(p: &Policy, r: &str) -> Result<ItemLink, Option<Msg>> {
    let parts: Vec<&str> = r.split('/').collect();
    let find = |names: Vec<&str>, id: &str| -> Result<usize, Option<Msg>> {
        names
            .iter()
            .position(|n| *n == id)
            .ok_or_else(|| did_you_mean(id, names.iter().copied()))
    };
    match parts.as_slice() {
        ["stance"] if p.stance.is_some() => Ok(ItemLink::Stance),
        ["public-policy"] if p.stance.as_ref().is_some_and(|s| s.public.is_some()) => {
            Ok(ItemLink::PublicPolicy)
        }
        ["criteria"] => Ok(ItemLink::Criteria),
        ["compliance"] => Ok(ItemLink::Compliance),
        ["definitions", id] => find(p.definitions.iter().map(|x| x.id.as_str()).collect(), id)
            .map(ItemLink::Definition),
        ["flows", id] => {
            find(p.flows.iter().map(|x| x.id.as_str()).collect(), id).map(ItemLink::Flow)
        }
        ["flows", id, step] => {
            let f = find(p.flows.iter().map(|x| x.id.as_str()).collect(), id)?;
            let s = find(
                p.flows[f].steps.iter().map(|x| x.id.as_str()).collect(),
                step,
            )?;
            Ok(ItemLink::Step(f, s))
        }
        ["scripts", id] => {
            find(p.scripts.iter().map(|x| x.id.as_str()).collect(), id).map(ItemLink::Script)
        }
        ["aftercare", id] => {
            find(p.aftercare.iter().map(|x| x.id.as_str()).collect(), id).map(ItemLink::Aftercare)
        }
        ["invariants", id] => {
            find(p.invariants.iter().map(|x| x.id.as_str()).collect(), id).map(ItemLink::Invariant)
        }
        ["roles", id] => {
            find(p.roles.iter().map(|x| x.id.as_str()).collect(), id).map(ItemLink::Role)
        }
        ["cases", id] => {
            find(p.cases.iter().map(|x| x.id.as_str()).collect(), id).map(ItemLink::Case)
        }
        ["pages", id] => {
            find(p.pages.iter().map(|x| x.id.as_str()).collect(), id).map(ItemLink::Page)
        }
        ["caps", id] => find(p.caps.iter().map(|x| x.id.as_str()).collect(), id).map(ItemLink::Cap),
        ["conduct_types", id] => find(p.conduct_types.iter().map(|x| x.id.as_str()).collect(), id)
            .map(|i| ItemLink::Type(AxisKind::Conduct, i)),
        ["demand_types", id] => find(p.demand_types.iter().map(|x| x.id.as_str()).collect(), id)
            .map(|i| ItemLink::Type(AxisKind::Demand, i)),
        _ => Err(None),
    }
}

fn text(src: &Option<String>, origin: Origin) -> Option<Text> {
    src.as_ref().map(|s| Text {
        src: s.clone(),
        origin,
    })
}

/// Link `compliance.yaml` against the compiled policy. `None` when the policy has none.
pub fn link(v: &Validated, p: &Policy, d: &mut Vec<Diagnostic>) -> Option<Compliance> {
    let c = v.compliance.as_ref()?;
    let mut frameworks = Vec::new();
    let mut framework_ids = BTreeSet::new();
    for (fi, f) in c.value.frameworks.iter().enumerate() {
        let fo = c.at("frameworks").child(fi);
        if !framework_ids.insert(f.id.as_str()) {
            d.push(duplicate("what-framework", f.id.as_str(), fo.child("id")));
            continue;
        }
        let mut measures = Vec::new();
        let mut measure_ids = BTreeSet::new();
        for (mi, m) in f.measures.iter().enumerate() {
            let mo = fo.child("measures").child(mi);
            if !measure_ids.insert(m.id.as_str()) {
                d.push(duplicate("what-measure", m.id.as_str(), mo.child("id")));
                continue;
            }
            let mut items = Vec::new();
            for (ii, r) in m.items.iter().enumerate() {
                match resolve(p, r.as_str()) {
                    Ok(link) => items.push(link),
                    Err(hint) => {
                        d.push(unknown_item(r.as_str(), hint, mo.child("items").child(ii)))
                    }
                }
            }
            if m.required && m.items.is_empty() {
                d.push(unimplemented(
                    f.id.as_str(),
                    m.id.as_str(),
                    &m.title,
                    mo.child("id"),
                ));
            }
            measures.push(Measure {
                id: m.id.0.clone(),
                title: m.title.clone(),
                describe: text(&m.describe, mo.child("describe")),
                required: m.required,
                items,
                origin: mo,
            });
        }
        frameworks.push(Framework {
            id: f.id.0.clone(),
            title: f.title.clone(),
            source: f.source.clone(),
            describe: text(&f.describe, fo.child("describe")),
            measures,
            origin: fo,
        });
    }
    for (i, a) in c.value.announcements.iter().enumerate() {
        if !super::valid_date(a.date.as_str()) {
            d.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    msg!("not-a-calendar-date", value = a.date.as_str()),
                )
                .at(c.at("announcements").child(i).child("date"))
                .hint(msg!("not-a-calendar-date-hint")),
            );
        }
    }
    Some(Compliance {
        frameworks,
        announcements: c.value.announcements.clone(),
    })
}

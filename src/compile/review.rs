//! What the weekly review needs from the sources: the time zone of `policy.yaml` and the
//! `review.yaml` mapping of the CRM's headers and labels, both checked here so that the bundle
//! only ever carries a usable mapping.
//!
//! Architecture invariant: like the rest of `compile`, typed sources and origins only; it knows
//! the review's contract (`model::REVIEW_COLUMNS`), not how exports are read.

use crate::diag::escape;
use crate::diag::{Code, Diagnostic, Origin, did_you_mean};
use crate::i18n::{Arg, Msg};
use crate::model::{self, ColumnValue, IdSet, REVIEW_COLUMNS};
use crate::msg;
use crate::policy::{Policy, ReviewMap};
use crate::validate::{Item, Validated};
use std::collections::BTreeMap;

/// Check `policy.yaml` `timezone` against the bundled time zone database.
pub fn timezone(v: &Validated, d: &mut Vec<Diagnostic>) {
    let Some(m) = &v.manifest else { return };
    let Some(name) = &m.value.timezone else {
        return;
    };
    if jiff::tz::TimeZone::get(name).is_err() {
        let names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
        d.push(
            Diagnostic::new(
                Code::InvalidValue,
                msg!("review-unknown-timezone", name = name),
            )
            .at(m.at("timezone"))
            .hint(
                did_you_mean(name, names.iter().map(String::as_str))
                    .unwrap_or_else(|| msg!("review-timezone-hint")),
            ),
        );
    }
}

/// The ids and labels of one set, in the policy's order.
pub fn id_set(p: &Policy, set: IdSet) -> Vec<(&str, &str)> {
    fn named(v: &[crate::policy::Named]) -> Vec<(&str, &str)> {
        v.iter()
            .map(|n| (n.id.as_str(), n.label.as_str()))
            .collect()
    }
    match set {
        IdSet::Vendors => p
            .manifest
            .vendors
            .iter()
            .map(|x| (x.id.as_str(), x.name.as_str()))
            .collect(),
        IdSet::Channels => named(&p.channels),
        IdSet::ConductLevels => named(&p.conduct.levels),
        IdSet::DemandLevels => named(&p.demand.levels),
        IdSet::ConductTypes => p
            .conduct_types
            .iter()
            .map(|t| (t.id.as_str(), t.label.as_str()))
            .collect(),
        IdSet::DemandTypes => p
            .demand_types
            .iter()
            .map(|t| (t.id.as_str(), t.label.as_str()))
            .collect(),
        IdSet::Tags => named(&p.tags),
        IdSet::Events => named(&p.events),
        IdSet::Verdicts => p
            .verdicts
            .iter()
            .map(|x| (x.id.as_str(), x.label.as_str()))
            .collect(),
        IdSet::Roles => p
            .roles
            .iter()
            .map(|x| (x.id.as_str(), x.label.as_str()))
            .collect(),
    }
}

/// What a set is called in messages (a catalogue id).
pub fn set_name(set: IdSet) -> &'static str {
    match set {
        IdSet::Vendors => "what-vendor",
        IdSet::Channels => "what-channel",
        IdSet::ConductLevels => "what-conduct-level",
        IdSet::DemandLevels => "what-demand-level",
        IdSet::ConductTypes => "what-conduct-type",
        IdSet::DemandTypes => "what-demand-type",
        IdSet::Tags => "what-tag",
        IdSet::Events => "what-event",
        IdSet::Verdicts => "what-verdict",
        IdSet::Roles => "what-role",
    }
}

/// Compile `review.yaml`: headers unique across columns, labels mapped onto known ids, no label
/// that already names another item. Returns the mapping (the policy's, or none).
pub fn review(v: &Validated, p: &Policy, d: &mut Vec<Diagnostic>) -> Option<ReviewMap> {
    let item = v.review.as_ref()?;
    Some(ReviewMap {
        columns: columns(item, d),
        values: values(item, p, d),
    })
}

/// `columns`: the headers of each column, each header naming one column only and not the
/// contract name of another. A header that breaks this is reported and left out.
fn columns(
    item: &Item<model::ReviewMapping>,
    d: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    // The column each header names, and where; contract names name their own column.
    let mut owner: BTreeMap<&str, (&str, Origin)> = BTreeMap::new();
    for c in REVIEW_COLUMNS {
        owner.insert(c.name, (c.name, item.at("columns").child(c.name)));
    }
    for (column, headers) in &item.value.columns.0 {
        let at = item.at("columns").child(escape(column));
        let list = matches!(headers, model::Headers::Many(_));
        let mut kept = Vec::new();
        for (i, h) in headers.names().iter().enumerate() {
            let here = if list { at.child(i) } else { at.clone() };
            let h = h.trim();
            match owner.get(h) {
                Some((other, _)) if *other == column.as_str() => {
                    if kept.iter().any(|k| k == h) {
                        d.push(
                            Diagnostic::new(
                                Code::ReviewMapping,
                                msg!("review-header-twice", header = h, column = column),
                            )
                            .at(here)
                            .hint(msg!("review-header-twice-hint")),
                        );
                        continue;
                    }
                }
                Some((other, first)) => {
                    d.push(
                        Diagnostic::new(
                            Code::ReviewMapping,
                            msg!(
                                "review-header-two-columns",
                                header = h,
                                first = *other,
                                column = column
                            ),
                        )
                        .at(here)
                        .related(first.clone(), msg!("review-other-mapping"))
                        .hint(msg!("review-header-two-columns-hint")),
                    );
                    continue;
                }
                None => {
                    owner.insert(h, (column.as_str(), here));
                }
            }
            kept.push(h.to_string());
        }
        out.insert(column.clone(), kept);
    }
    out
}

/// `values`: for each column of ids, the CRM's labels mapped onto the policy's ids. A label
/// mapped onto an unknown id, or one that already names another item of the set, is reported
/// and left out.
fn values(
    item: &Item<model::ReviewMapping>,
    p: &Policy,
    d: &mut Vec<Diagnostic>,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (column, labels) in &item.value.values.0 {
        let Some(ColumnValue::One(set) | ColumnValue::List(set)) = REVIEW_COLUMNS
            .iter()
            .find(|c| c.name == column)
            .map(|c| c.value)
        else {
            continue; // refused by the schema
        };
        let known = id_set(p, set);
        let what = || Msg::new(set_name(set));
        let mut mapped = BTreeMap::new();
        for (label, id) in labels {
            let at = item.at("values").child(escape(column)).child(escape(label));
            if !known.iter().any(|(k, _)| *k == id.as_str()) {
                d.push(
                    Diagnostic::new(
                        Code::UnknownReference,
                        msg!(
                            "review-label-unknown",
                            what = what(),
                            id = id.as_str(),
                            label = label.as_str()
                        ),
                    )
                    .at(at)
                    .hint(
                        did_you_mean(id.as_str(), known.iter().map(|(k, _)| *k)).unwrap_or_else(
                            || {
                                msg!(
                                    "known-ids",
                                    what = what(),
                                    ids = Arg::any_of(known.iter().map(|(k, _)| *k))
                                )
                            },
                        ),
                    ),
                );
                continue;
            }
            let label = label.trim();
            if let Some((other, _)) = known
                .iter()
                .find(|(k, l)| (*k == label || *l == label) && *k != id.as_str())
            {
                d.push(
                    Diagnostic::new(
                        Code::ReviewMapping,
                        msg!(
                            "review-label-taken",
                            label = label,
                            what = what(),
                            other = *other,
                            id = id.as_str()
                        ),
                    )
                    .at(at.key())
                    .hint(msg!("review-label-taken-hint")),
                );
                continue;
            }
            mapped.insert(label.to_string(), id.to_string());
        }
        out.insert(column.clone(), mapped);
    }
    out
}

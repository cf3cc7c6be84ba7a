//! Conditions, durations and roles in Japanese words, for diagrams and pages.

use crate::model::Org;
use crate::policy::{Cond, Policy, format_duration_ja};

fn join(labels: Vec<String>) -> String {
    labels.join("・")
}

/// `判定: グレーゾーン ／ 事象: 警告後も続く`: every key of a condition, in order.
pub fn condition(p: &Policy, c: &Cond) -> String {
    let mut parts = Vec::new();
    let names =
        |ids: &[usize], f: &dyn Fn(usize) -> String| join(ids.iter().map(|&i| f(i)).collect());
    if let Some(v) = &c.channel {
        parts.push(format!(
            "窓口: {}",
            names(v, &|i| p.channels[i].label.clone())
        ));
    }
    if let Some(v) = &c.verdict {
        parts.push(format!(
            "判定: {}",
            names(v, &|i| p.verdicts[i].label.clone())
        ));
    }
    if let Some(l) = c.conduct_at_least {
        parts.push(format!("行為: {}以上", p.conduct.levels[l].label));
    }
    if let Some(l) = c.demand_at_least {
        parts.push(format!("要求: {}以上", p.demand.levels[l].label));
    }
    if let Some(v) = &c.conduct_types {
        parts.push(format!(
            "行為類型: {}",
            names(v, &|i| p.conduct_types[i].label.clone())
        ));
    }
    if let Some(v) = &c.demand_types {
        parts.push(format!(
            "要求類型: {}",
            names(v, &|i| p.demand_types[i].label.clone())
        ));
    }
    if let Some(v) = &c.tags {
        parts.push(format!("該当: {}", names(v, &|i| p.tags[i].label.clone())));
    }
    if let Some(s) = c.minutes_at_least {
        parts.push(format!("{}以上", format_duration_ja(s)));
    }
    if let Some(n) = c.repeats_at_least {
        parts.push(format!("繰り返し{n}回以上"));
    }
    if let Some(v) = &c.event {
        parts.push(format!(
            "事象: {}",
            names(v, &|i| p.events[i].label.clone())
        ));
    }
    if let Some(n) = &c.not {
        parts.push(format!("（{}）を除く", condition(p, n)));
    }
    if parts.is_empty() {
        "すべて".into()
    } else {
        parts.join(" ／ ")
    }
}

pub fn org(o: Org) -> &'static str {
    match o {
        Org::Vendor => "委託先",
        Org::Inhouse => "自社",
        Org::External => "外部",
    }
}

/// Why a case got its verdict, for the manual: the cell, the types that raised a level, and
/// verdict overrides.
pub fn explain(p: &Policy, facts: &crate::policy::Facts, a: &crate::eval::Assessment) -> String {
    use crate::policy::AxisKind;
    let level = |axis: AxisKind, i: usize| match axis {
        AxisKind::Conduct => format!(
            "{}（{}）",
            p.conduct.levels[i].id, p.conduct.levels[i].label
        ),
        AxisKind::Demand => format!("{}（{}）", p.demand.levels[i].id, p.demand.levels[i].label),
    };
    let mut parts = Vec::new();
    for (axis, t, to) in &a.raised_by {
        let (ty, given, name) = match axis {
            AxisKind::Conduct => (&p.conduct_types[*t], facts.conduct, "行為"),
            AxisKind::Demand => (&p.demand_types[*t], facts.demand, "要求"),
        };
        parts.push(format!(
            "類型「{}」により{name}が{}から{}に上がる",
            ty.label,
            level(*axis, given),
            level(*axis, *to)
        ));
    }
    parts.push(format!(
        "マス {} は「{}」",
        p.cell_name(a.conduct, a.demand),
        p.verdicts[a.cell_verdict].label
    ));
    for t in &a.overridden_by {
        parts.push(format!(
            "類型「{}」により判定は「{}」",
            p.conduct_types[*t].label, p.verdicts[a.verdict].label
        ));
    }
    parts.join("。") + "。"
}

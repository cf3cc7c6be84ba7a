//! Conditions, durations and roles in Japanese words, for diagrams and pages.

use crate::eval::{Assessment, Reason};
use crate::model::Org;
use crate::policy::{AxisKind, Cond, Policy, format_duration_ja};

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
    if let Some(v) = &c.party {
        parts.push(format!(
            "相手方: {}",
            names(v, &|i| p.parties[i].label.clone())
        ));
    }
    if let Some(t) = c.targeted {
        parts.push(if t {
            "担当者個人を標的にしている".to_string()
        } else {
            "担当者個人を標的にしていない".to_string()
        });
    }
    for &(i, n) in c.counts_at_least.iter().flatten() {
        parts.push(format!("{} {n}回以上", p.counters[i].label));
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
    if let Some(a) = &c.any {
        let alts: Vec<String> = a
            .iter()
            .map(|x| format!("（{}）", condition(p, x)))
            .collect();
        parts.push(if alts.is_empty() {
            "該当なし".to_string()
        } else {
            format!("{}のいずれか", alts.join("または"))
        });
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

/// Why a case got its verdict, for the manual: a renderer of [`Assessment::why`] in the
/// manual's words (labels, not ids).
pub fn explain(p: &Policy, a: &Assessment) -> String {
    let level = |axis: AxisKind, i: usize| {
        let l = match axis {
            AxisKind::Conduct => &p.conduct.levels[i],
            AxisKind::Demand => &p.demand.levels[i],
        };
        format!("{}（{}）", l.id, l.label)
    };
    let parts: Vec<String> = a
        .why
        .iter()
        .map(|r| match *r {
            Reason::Raised {
                axis, ty, from, to, ..
            } => format!(
                "類型「{}」により{}が{}から{}に上がる",
                p.types(axis)[ty].label,
                match axis {
                    AxisKind::Conduct => "行為",
                    AxisKind::Demand => "要求",
                },
                level(axis, from),
                level(axis, to)
            ),
            Reason::Cell {
                conduct,
                demand,
                verdict,
            } => format!(
                "マス {} は「{}」",
                p.cell_name(conduct, demand),
                p.verdicts[verdict].label
            ),
            Reason::Override { ty, verdict } => format!(
                "類型「{}」により判定は「{}」",
                p.conduct_types[ty].label, p.verdicts[verdict].label
            ),
            Reason::Capped {
                cap,
                axis,
                ty,
                from,
                to,
            } => format!(
                "「{}」に当たるため、類型「{}」による{}の引き上げを{}ではなく{}までにとどめる",
                p.caps[cap].label,
                p.types(axis)[ty].label,
                match axis {
                    AxisKind::Conduct => "行為",
                    AxisKind::Demand => "要求",
                },
                level(axis, from),
                level(axis, to)
            ),
        })
        .collect();
    parts.join("。") + "。"
}

//! Conditions, durations and roles in Japanese words, for diagrams and pages.

use crate::eval::{Assessment, Reason};
use crate::model::Org;
use crate::policy::{AxisKind, Cond, Flow, Policy, format_duration_ja};

fn join(labels: Vec<String>) -> String {
    labels.join("・")
}

/// A list key of a condition in words: `prefix` and the labels of its ids.
fn listed<'p>(
    prefix: &str,
    ids: &Option<Vec<usize>>,
    label: impl Fn(usize) -> &'p str,
) -> Option<String> {
    let ids = ids.as_ref()?;
    Some(format!(
        "{prefix}{}",
        join(ids.iter().map(|&i| label(i).to_string()).collect())
    ))
}

/// `判定: グレーゾーン ／ 事象: 警告後も続く`: every key of a condition, in order.
pub fn condition(p: &Policy, c: &Cond) -> String {
    let mut parts = Vec::new();
    parts.extend(listed("窓口: ", &c.channel, |i| &p.channels[i].label));
    parts.extend(listed("判定: ", &c.verdict, |i| &p.verdicts[i].label));
    if let Some(l) = c.conduct_at_least {
        parts.push(format!("行為: {}以上", p.conduct.levels[l].label));
    }
    if let Some(l) = c.demand_at_least {
        parts.push(format!("要求: {}以上", p.demand.levels[l].label));
    }
    parts.extend(listed("行為類型: ", &c.conduct_types, |i| {
        &p.conduct_types[i].label
    }));
    parts.extend(listed("要求類型: ", &c.demand_types, |i| {
        &p.demand_types[i].label
    }));
    parts.extend(listed("該当: ", &c.tags, |i| &p.tags[i].label));
    parts.extend(listed("相手方: ", &c.party, |i| &p.parties[i].label));
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
    parts.extend(listed("", &c.event, |i| &p.events[i].label));
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

/// What a branch means, for its arrow: its condition, or for `otherwise` what it catches when
/// that can be told from the branches before it (「判定: カスタマーハラスメント」), else 「それ以外」.
pub fn branch(p: &Policy, f: &Flow, step: usize, bi: usize) -> String {
    let s = &f.steps[step];
    if let Some(c) = s.next.get(bi).and_then(|b| b.when.as_ref()) {
        return condition(p, c);
    }
    // Verdicts the flow admits, less those earlier branches take whatever the events.
    let mut verdicts: Vec<usize> = f
        .applies_to
        .verdict
        .clone()
        .unwrap_or_else(|| (0..p.verdicts.len()).collect());
    let mut events = Vec::new();
    let mut plain = true;
    for b in s.next.iter().take(bi) {
        let Some(c) = &b.when else { continue };
        let only_verdict = Cond {
            verdict: c.verdict.clone(),
            ..Cond::default()
        };
        let only_event = Cond {
            event: c.event.clone(),
            ..Cond::default()
        };
        if c.verdict.is_some() && *c == only_verdict {
            verdicts.retain(|v| !c.verdict.as_ref().is_some_and(|l| l.contains(v)));
        } else if c.event.is_some() && *c == only_event {
            events.extend(c.event.iter().flatten().copied());
        } else {
            plain = false;
        }
    }
    let told_verdicts = s
        .next
        .iter()
        .take(bi)
        .any(|b| b.when.as_ref().is_some_and(|c| c.verdict.is_some()));
    if !plain {
        return "それ以外".into();
    }
    if told_verdicts && !verdicts.is_empty() {
        return format!(
            "判定: {}",
            join(
                verdicts
                    .iter()
                    .map(|&v| p.verdicts[v].label.clone())
                    .collect()
            )
        );
    }
    if !events.is_empty() {
        return format!(
            "{}以外",
            join(
                events
                    .iter()
                    .map(|&e| format!("「{}」", p.events[e].label))
                    .collect()
            )
        );
    }
    "それ以外".into()
}

/// Whose staff a role is, in the manual's words: 委託先 (vendor), 自社 (in house), 外部 (outside).
pub fn org(o: Org) -> &'static str {
    match o {
        Org::Vendor => "委託先",
        Org::Inhouse => "自社",
        Org::External => "外部",
    }
}

/// An axis in the manual's words: 行為 (conduct) or 要求 (demand).
pub fn axis_name(axis: AxisKind) -> &'static str {
    match axis {
        AxisKind::Conduct => "行為",
        AxisKind::Demand => "要求",
    }
}

/// A level of an axis as the manual names it: its id and label (`c2 暴言`).
pub fn level(p: &Policy, axis: AxisKind, i: usize) -> String {
    let l = match axis {
        AxisKind::Conduct => &p.conduct.levels[i],
        AxisKind::Demand => &p.demand.levels[i],
    };
    format!("{} {}", l.id, l.label)
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
                axis_name(axis),
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
                axis_name(axis),
                level(axis, from),
                level(axis, to)
            ),
        })
        .collect();
    parts.join("。") + "。"
}

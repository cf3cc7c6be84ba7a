//! The rule bundle (`bundle.json`) from a compiled policy.

use super::urls;
use crate::bundle::{self as b, Bundle, FORMAT};
use crate::model::Org;
use crate::policy::{Cond, Policy, Quantity};

fn ids(items: &[usize], names: impl Fn(usize) -> String) -> Vec<String> {
    items.iter().map(|&i| names(i)).collect()
}

fn cond(p: &Policy, c: &Cond) -> b::Condition {
    let list = |v: &Option<Vec<usize>>, f: &dyn Fn(usize) -> String| v.as_ref().map(|v| ids(v, f));
    b::Condition {
        verdict: list(&c.verdict, &|i| p.verdicts[i].id.clone()),
        conduct_at_least: c.conduct_at_least.map(|i| p.conduct.levels[i].id.clone()),
        demand_at_least: c.demand_at_least.map(|i| p.demand.levels[i].id.clone()),
        conduct_types: list(&c.conduct_types, &|i| p.conduct_types[i].id.clone()),
        demand_types: list(&c.demand_types, &|i| p.demand_types[i].id.clone()),
        tags: list(&c.tags, &|i| p.tags[i].id.clone()),
        channel: list(&c.channel, &|i| p.channels[i].id.clone()),
        event: list(&c.event, &|i| p.events[i].id.clone()),
        seconds_at_least: c.minutes_at_least,
        repeats_at_least: c.repeats_at_least,
        not: c.not.as_deref().map(|n| Box::new(cond(p, n))),
        party: list(&c.party, &|i| p.parties[i].id.clone()),
        targeted: c.targeted,
        counts_at_least: c.counts_at_least.as_ref().map(|v| {
            v.iter()
                .map(|&(i, n)| (p.counters[i].id.clone(), n))
                .collect()
        }),
        any: c
            .any
            .as_ref()
            .map(|v| v.iter().map(|x| cond(p, x)).collect()),
    }
}

/// The first paragraph of a Markdown text, as plain text.
pub fn summary(markdown: &str) -> String {
    markdown
        .split("\n\n")
        .map(str::trim)
        .find(|para| !para.is_empty() && !para.starts_with('#'))
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("")
}

/// Build the bundle of a policy. `revision` is the source revision when known; the lineage
/// (the upstreams a fork was merged from) is the policy's own.
pub fn build(p: &Policy, revision: Option<String>) -> Bundle {
    let level = |l: &crate::policy::Named| b::Level {
        id: l.id.clone(),
        label: l.label.clone(),
        describe: l.describe.as_ref().map(|t| t.src.clone()),
        manual: urls::level(&l.id),
    };
    let axis = |a: &crate::policy::Axis| b::Axis {
        label: a.label.clone(),
        levels: a.levels.iter().map(level).collect(),
    };
    let labelled = |n: &crate::policy::Named| b::Labelled {
        id: n.id.clone(),
        label: n.label.clone(),
    };
    let mut bundle = Bundle {
        manifest: b::Manifest {
            format: FORMAT.into(),
            policy: p.manifest.id.clone(),
            title: p.manifest.title.clone(),
            version: p.manifest.version.clone(),
            revision,
            effective_from: p.manifest.effective_from.clone(),
            lineage: lineage(&p.lineage),
            digest: String::new(),
        },
        axes: b::Axes {
            conduct: axis(&p.conduct),
            demand: axis(&p.demand),
        },
        verdicts: p
            .verdicts
            .iter()
            .map(|v| b::Verdict {
                id: v.id.clone(),
                label: v.label.clone(),
                color: v.color.clone(),
                describe: v.describe.as_ref().map(|t| t.src.clone()),
                manual: urls::verdict(&v.id),
            })
            .collect(),
        grid: p
            .conduct
            .levels
            .iter()
            .zip(&p.grid)
            .map(|(l, row)| (l.id.clone(), ids(row, |v| p.verdicts[v].id.clone())))
            .collect(),
        conduct_types: p
            .conduct_types
            .iter()
            .map(|t| b::ConductType {
                id: t.id.clone(),
                label: t.label.clone(),
                min_level: p.conduct.levels[t.min_level].id.clone(),
                verdict: t.verdict.map(|v| p.verdicts[v].id.clone()),
                independent_of_demand: t.independent_of_demand,
                when: t.when.as_ref().map(|w| cond(p, w)),
                manual: urls::conduct_type(&t.id),
            })
            .collect(),
        demand_types: p
            .demand_types
            .iter()
            .map(|t| b::DemandType {
                id: t.id.clone(),
                label: t.label.clone(),
                min_level: p.demand.levels[t.min_level].id.clone(),
                when: t.when.as_ref().map(|w| cond(p, w)),
                manual: urls::demand_type(&t.id),
            })
            .collect(),
        events: p.events.iter().map(labelled).collect(),
        channels: p.channels.iter().map(labelled).collect(),
        tags: p.tags.iter().map(labelled).collect(),
        parties: p.parties.iter().map(labelled).collect(),
        counters: p
            .counters
            .iter()
            .map(|c| b::Counter {
                id: c.id.clone(),
                label: c.label.clone(),
                window_seconds: c.window,
            })
            .collect(),
        caps: p
            .caps
            .iter()
            .map(|c| b::Cap {
                id: c.id.clone(),
                label: c.label.clone(),
                when: cond(p, &c.when),
                conduct_types: ids(&c.types[0], |i| p.conduct_types[i].id.clone()),
                max_conduct: c.max[0].map(|l| p.conduct.levels[l].id.clone()),
                demand_types: ids(&c.types[1], |i| p.demand_types[i].id.clone()),
                max_demand: c.max[1].map(|l| p.demand.levels[l].id.clone()),
                manual: urls::cap(&c.id),
            })
            .collect(),
        thresholds: p
            .thresholds
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    match t.value {
                        Quantity::Duration(s) => b::Threshold {
                            seconds: Some(s),
                            count: None,
                        },
                        Quantity::Count(n) => b::Threshold {
                            seconds: None,
                            count: Some(n),
                        },
                    },
                )
            })
            .collect(),
        roles: p
            .roles
            .iter()
            .map(|r| b::Role {
                id: r.id.clone(),
                label: r.label.clone(),
                org: match r.org {
                    Org::Vendor => "vendor",
                    Org::Inhouse => "inhouse",
                    Org::External => "external",
                }
                .into(),
                manual: urls::role(&r.id),
            })
            .collect(),
        scripts: p
            .scripts
            .iter()
            .map(|s| b::Script {
                id: s.id.clone(),
                purpose: s.purpose.clone(),
                channels: ids(&s.channels, |c| p.channels[c].id.clone()),
                text: super::text::expand(p, &s.text.src),
                manual: urls::script(&s.id),
            })
            .collect(),
        flows: p
            .flows
            .iter()
            .map(|f| b::Flow {
                id: f.id.clone(),
                title: f.title.clone(),
                applies_to: cond(p, &f.applies_to),
                start: f.steps[f.start].id.clone(),
                steps: f
                    .steps
                    .iter()
                    .map(|s| b::Step {
                        id: s.id.clone(),
                        role: p.roles[s.role].id.clone(),
                        title: s.title.clone(),
                        limit_seconds: s.limit,
                        hold_seconds: s.hold,
                        script: s.script.map(|x| p.scripts[x].id.clone()),
                        repeat: s.repeat,
                        next: s
                            .next
                            .iter()
                            .map(|br| b::Edge {
                                when: br.when.as_ref().map(|w| cond(p, w)),
                                to: f.steps[br.to].id.clone(),
                            })
                            .collect(),
                        end: s.end.as_ref().map(|e| super::text::expand(p, e)),
                        manual: urls::step(&f.id, &s.id),
                    })
                    .collect(),
                manual: urls::flow(&f.id),
            })
            .collect(),
        invariants: p
            .invariants
            .iter()
            .map(|i| b::Invariant {
                id: i.id.clone(),
                text: super::text::expand(p, &i.text),
                when: i.when.as_ref().map(|w| cond(p, w)),
                reach_roles: i
                    .reach_role
                    .as_ref()
                    .map(|r| ids(r, |x| p.roles[x].id.clone()))
                    .unwrap_or_default(),
                max_hold_seconds: i.max_hold,
                max_limit_seconds: i.max_limit,
                manual: urls::invariant(&i.id),
            })
            .collect(),
        aftercare: p
            .aftercare
            .iter()
            .map(|a| b::Aftercare {
                id: a.id.clone(),
                role: p.roles[a.role].id.clone(),
                within_seconds: a.within,
                title: super::text::expand(p, &a.title),
                action: super::text::expand(p, &a.action.src),
                manual: urls::aftercare(&a.id),
            })
            .collect(),
        definitions: p
            .definitions
            .iter()
            .map(|d| b::Definition {
                id: d.id.clone(),
                term: d.term.clone(),
                reading: d.reading.clone(),
                aliases: d.aliases.clone(),
                summary: super::text::expand(
                    p,
                    &d.summary.clone().unwrap_or_else(|| summary(&d.body.src)),
                ),
                manual: urls::definition(&d.id),
            })
            .collect(),
        cases: p
            .cases
            .iter()
            .map(|c| {
                let f = &c.facts;
                b::Case {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    contact: b::Contact {
                        id: None,
                        channel: p.channels[f.channel].id.clone(),
                        conduct: p.conduct.levels[f.conduct].id.clone(),
                        demand: p.demand.levels[f.demand].id.clone(),
                        conduct_types: ids(&f.conduct_types, |i| p.conduct_types[i].id.clone()),
                        demand_types: ids(&f.demand_types, |i| p.demand_types[i].id.clone()),
                        tags: ids(&f.tags, |i| p.tags[i].id.clone()),
                        minutes: f.minutes,
                        repeats: f.repeats,
                        events: f
                            .events
                            .as_ref()
                            .map(|e| ids(e, |i| p.events[i].id.clone())),
                        party: f.party.map(|i| p.parties[i].id.clone()),
                        targeted: f.targeted,
                        counts: f
                            .counts
                            .iter()
                            .enumerate()
                            .filter(|(_, n)| **n > 0)
                            .map(|(i, n)| (p.counters[i].id.clone(), *n))
                            .collect(),
                    },
                    expect: b::Expect {
                        verdict: p.verdicts[c.expect.verdict].id.clone(),
                        flow: c.expect.flow.map(|i| p.flows[i].id.clone()),
                        route: c.expect.route.clone(),
                    },
                    manual: urls::case(&c.id),
                }
            })
            .collect(),
        vendors: p
            .manifest
            .vendors
            .iter()
            .map(|v| b::Vendor {
                id: v.id.0.clone(),
                name: v.name.clone(),
            })
            .collect(),
        timezone: p.manifest.timezone.clone(),
        review: p.review.as_ref().map(|r| b::ReviewMapping {
            columns: r.columns.clone(),
            values: r.values.clone(),
        }),
        provenance: p.provenance.clone(),
    };
    bundle.manifest.digest = bundle.compute_digest();
    bundle
}

/// The upstreams a fork was merged from (policy id, version, digest), as the bundle lists them.
fn lineage(l: &[(String, String, String)]) -> Vec<b::Lineage> {
    l.iter()
        .map(|(policy, version, digest)| b::Lineage {
            policy: policy.clone(),
            version: version.clone(),
            digest: Some(digest.clone()),
        })
        .collect()
}

/// `bundle.json`: pretty-printed, keys sorted, trailing newline; byte-identical for the same
/// policy.
pub fn render(bundle: &Bundle) -> String {
    let value = serde_json::to_value(bundle).expect("serialisable");
    let mut s = serde_json::to_string_pretty(&value).expect("serialisable");
    s.push('\n');
    s
}

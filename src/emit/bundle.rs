//! The rule bundle (`bundle.json`) from a compiled policy: each item of the policy mirrored as
//! its public bundle type (`crate::bundle`), indices turned back into ids, thresholds filled into
//! texts, and every item given the URL of its section in the manual. `bundle::lower` is the
//! inverse, item kind by item kind; both resolve ids through `bundle::vocab::Vocab`.

use super::urls;
use crate::bundle::vocab::Vocab;
use crate::bundle::{self as b, Bundle, FORMAT};
use crate::model::Org;
use crate::policy::{self, Cond, Policy, Quantity};

/// Build the bundle of a policy. `revision` is the source revision when known; the lineage
/// (the upstreams a fork was merged from) is the policy's own. The manifest's digest is computed
/// last, over the rest.
pub fn build(p: &Policy, revision: Option<String>) -> Bundle {
    let m = Mirror(p);
    let mut bundle = Bundle {
        manifest: m.manifest(revision),
        axes: b::Axes {
            conduct: axis(&p.conduct),
            demand: axis(&p.demand),
        },
        verdicts: p.verdicts.iter().map(verdict).collect(),
        grid: m.grid(),
        conduct_types: p.conduct_types.iter().map(|t| m.conduct_type(t)).collect(),
        demand_types: p.demand_types.iter().map(|t| m.demand_type(t)).collect(),
        events: p.events.iter().map(labelled).collect(),
        channels: p.channels.iter().map(labelled).collect(),
        tags: p.tags.iter().map(labelled).collect(),
        parties: p.parties.iter().map(labelled).collect(),
        counters: p.counters.iter().map(counter).collect(),
        caps: p.caps.iter().map(|c| m.cap(c)).collect(),
        thresholds: p.thresholds.iter().map(threshold).collect(),
        roles: p.roles.iter().map(role).collect(),
        scripts: p.scripts.iter().map(|s| m.script(s)).collect(),
        flows: p.flows.iter().map(|f| m.flow(f)).collect(),
        invariants: p.invariants.iter().map(|i| m.invariant(i)).collect(),
        aftercare: p.aftercare.iter().map(|a| m.aftercare(a)).collect(),
        definitions: p.definitions.iter().map(|d| m.definition(d)).collect(),
        cases: p.cases.iter().map(|c| m.case(c)).collect(),
        vendors: p.manifest.vendors.iter().map(vendor).collect(),
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

/// `bundle.json`: pretty-printed, keys sorted, trailing newline; byte-identical for the same
/// policy.
pub fn render(bundle: &Bundle) -> String {
    let value = serde_json::to_value(bundle).expect("serialisable");
    let mut s = serde_json::to_string_pretty(&value).expect("serialisable");
    s.push('\n');
    s
}

/// The first paragraph of a Markdown text that is not a heading, as one line of plain text: a
/// definition's `summary` when it gives none.
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

fn level(l: &policy::Named) -> b::Level {
    b::Level {
        id: l.id.clone(),
        label: l.label.clone(),
        describe: l.describe.as_ref().map(|t| t.src.clone()),
        manual: urls::level(&l.id),
    }
}

fn axis(a: &policy::Axis) -> b::Axis {
    b::Axis {
        label: a.label.clone(),
        levels: a.levels.iter().map(level).collect(),
    }
}

fn verdict(v: &policy::Verdict) -> b::Verdict {
    b::Verdict {
        id: v.id.clone(),
        label: v.label.clone(),
        color: v.color.clone(),
        describe: v.describe.as_ref().map(|t| t.src.clone()),
        manual: urls::verdict(&v.id),
    }
}

fn labelled(n: &policy::Named) -> b::Labelled {
    b::Labelled {
        id: n.id.clone(),
        label: n.label.clone(),
    }
}

fn counter(c: &policy::Counter) -> b::Counter {
    b::Counter {
        id: c.id.clone(),
        label: c.label.clone(),
        window_seconds: c.window,
    }
}

fn threshold(t: &policy::Threshold) -> (String, b::Threshold) {
    let (seconds, count) = match t.value {
        Quantity::Duration(s) => (Some(s), None),
        Quantity::Count(n) => (None, Some(n)),
    };
    (t.name.clone(), b::Threshold { seconds, count })
}

fn role(r: &policy::Role) -> b::Role {
    b::Role {
        id: r.id.clone(),
        label: r.label.clone(),
        org: match r.org {
            Org::Vendor => "vendor",
            Org::Inhouse => "inhouse",
            Org::External => "external",
        }
        .into(),
        manual: urls::role(&r.id),
    }
}

/// An upstream a fork was merged from (policy id, version, digest).
fn lineage((policy, version, digest): &(String, String, String)) -> b::Lineage {
    b::Lineage {
        policy: policy.clone(),
        version: version.clone(),
        digest: Some(digest.clone()),
    }
}

fn vendor(v: &crate::model::Vendor) -> b::Vendor {
    b::Vendor {
        id: v.id.0.clone(),
        name: v.name.clone(),
    }
}

/// The items of a policy that refer to others, mirrored with ids instead of indices.
struct Mirror<'a>(&'a Policy);

impl Mirror<'_> {
    fn id(&self, vocab: Vocab, i: usize) -> String {
        vocab.id(self.0, i).to_string()
    }

    fn ids(&self, vocab: Vocab, items: &[usize]) -> Vec<String> {
        items.iter().map(|&i| self.id(vocab, i)).collect()
    }

    /// A text with its `{{threshold}}` placeholders filled in.
    fn expand(&self, text: &str) -> String {
        super::text::expand(self.0, text)
    }

    fn manifest(&self, revision: Option<String>) -> b::Manifest {
        let m = &self.0.manifest;
        b::Manifest {
            format: FORMAT.into(),
            policy: m.id.clone(),
            title: m.title.clone(),
            version: m.version.clone(),
            revision,
            effective_from: m.effective_from.clone(),
            lineage: self.0.lineage.iter().map(lineage).collect(),
            digest: String::new(),
        }
    }

    /// A condition with ids; the inverse of `bundle::lower`'s.
    fn cond(&self, c: &Cond) -> b::Condition {
        let list = |v: Vocab, l: &Option<Vec<usize>>| l.as_deref().map(|l| self.ids(v, l));
        let one = |v: Vocab, i: Option<usize>| i.map(|i| self.id(v, i));
        b::Condition {
            verdict: list(Vocab::Verdict, &c.verdict),
            conduct_at_least: one(Vocab::Conduct, c.conduct_at_least),
            demand_at_least: one(Vocab::Demand, c.demand_at_least),
            conduct_types: list(Vocab::ConductType, &c.conduct_types),
            demand_types: list(Vocab::DemandType, &c.demand_types),
            tags: list(Vocab::Tag, &c.tags),
            channel: list(Vocab::Channel, &c.channel),
            event: list(Vocab::Event, &c.event),
            seconds_at_least: c.minutes_at_least,
            repeats_at_least: c.repeats_at_least,
            not: c.not.as_deref().map(|n| Box::new(self.cond(n))),
            party: list(Vocab::Party, &c.party),
            targeted: c.targeted,
            counts_at_least: c.counts_at_least.as_ref().map(|v| {
                v.iter()
                    .map(|&(i, n)| (self.id(Vocab::Counter, i), n))
                    .collect()
            }),
            any: c
                .any
                .as_ref()
                .map(|v| v.iter().map(|x| self.cond(x)).collect()),
        }
    }

    fn when(&self, c: &Option<Cond>) -> Option<b::Condition> {
        c.as_ref().map(|c| self.cond(c))
    }

    fn grid(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        let p = self.0;
        p.conduct
            .levels
            .iter()
            .zip(&p.grid)
            .map(|(l, row)| (l.id.clone(), self.ids(Vocab::Verdict, row)))
            .collect()
    }

    fn conduct_type(&self, t: &policy::Type) -> b::ConductType {
        b::ConductType {
            id: t.id.clone(),
            label: t.label.clone(),
            min_level: self.id(Vocab::Conduct, t.min_level),
            verdict: t.verdict.map(|v| self.id(Vocab::Verdict, v)),
            independent_of_demand: t.independent_of_demand,
            when: self.when(&t.when),
            manual: urls::conduct_type(&t.id),
        }
    }

    fn demand_type(&self, t: &policy::Type) -> b::DemandType {
        b::DemandType {
            id: t.id.clone(),
            label: t.label.clone(),
            min_level: self.id(Vocab::Demand, t.min_level),
            when: self.when(&t.when),
            manual: urls::demand_type(&t.id),
        }
    }

    fn cap(&self, c: &policy::Cap) -> b::Cap {
        let [conduct_types, demand_types] = &c.types;
        let [max_conduct, max_demand] = c.max;
        b::Cap {
            id: c.id.clone(),
            label: c.label.clone(),
            when: self.cond(&c.when),
            conduct_types: self.ids(Vocab::ConductType, conduct_types),
            max_conduct: max_conduct.map(|l| self.id(Vocab::Conduct, l)),
            demand_types: self.ids(Vocab::DemandType, demand_types),
            max_demand: max_demand.map(|l| self.id(Vocab::Demand, l)),
            manual: urls::cap(&c.id),
        }
    }

    fn script(&self, s: &policy::Script) -> b::Script {
        b::Script {
            id: s.id.clone(),
            purpose: s.purpose.clone(),
            channels: self.ids(Vocab::Channel, &s.channels),
            text: self.expand(&s.text.src),
            manual: urls::script(&s.id),
        }
    }

    fn flow(&self, f: &policy::Flow) -> b::Flow {
        b::Flow {
            id: f.id.clone(),
            title: f.title.clone(),
            applies_to: self.cond(&f.applies_to),
            start: f.steps[f.start].id.clone(),
            steps: f.steps.iter().map(|s| self.step(f, s)).collect(),
            manual: urls::flow(&f.id),
        }
    }

    fn step(&self, f: &policy::Flow, s: &policy::Step) -> b::Step {
        b::Step {
            id: s.id.clone(),
            role: self.id(Vocab::Role, s.role),
            title: s.title.clone(),
            limit_seconds: s.limit,
            hold_seconds: s.hold,
            script: s.script.map(|x| self.0.scripts[x].id.clone()),
            repeat: s.repeat,
            next: s
                .next
                .iter()
                .map(|br| b::Edge {
                    when: self.when(&br.when),
                    to: f.steps[br.to].id.clone(),
                })
                .collect(),
            end: s.end.as_ref().map(|e| self.expand(e)),
            manual: urls::step(&f.id, &s.id),
        }
    }

    fn invariant(&self, i: &policy::Invariant) -> b::Invariant {
        b::Invariant {
            id: i.id.clone(),
            text: self.expand(&i.text),
            when: self.when(&i.when),
            reach_roles: i
                .reach_role
                .as_ref()
                .map(|r| self.ids(Vocab::Role, r))
                .unwrap_or_default(),
            max_hold_seconds: i.max_hold,
            max_limit_seconds: i.max_limit,
            manual: urls::invariant(&i.id),
        }
    }

    fn aftercare(&self, a: &policy::AftercareItem) -> b::Aftercare {
        b::Aftercare {
            id: a.id.clone(),
            role: self.id(Vocab::Role, a.role),
            within_seconds: a.within,
            title: self.expand(&a.title),
            action: self.expand(&a.action.src),
            manual: urls::aftercare(&a.id),
        }
    }

    fn definition(&self, d: &policy::Definition) -> b::Definition {
        b::Definition {
            id: d.id.clone(),
            term: d.term.clone(),
            reading: d.reading.clone(),
            aliases: d.aliases.clone(),
            summary: self.expand(&d.summary.clone().unwrap_or_else(|| summary(&d.body.src))),
            manual: urls::definition(&d.id),
        }
    }

    fn case(&self, c: &policy::Case) -> b::Case {
        b::Case {
            id: c.id.clone(),
            title: c.title.clone(),
            contact: self.contact(&c.facts),
            expect: b::Expect {
                verdict: self.id(Vocab::Verdict, c.expect.verdict),
                flow: c.expect.flow.map(|i| self.0.flows[i].id.clone()),
                route: c.expect.route.clone(),
            },
            manual: urls::case(&c.id),
        }
    }

    /// A case's facts as the contact a CRM would report (counters at 0 left out).
    fn contact(&self, f: &policy::Facts) -> b::Contact {
        b::Contact {
            id: None,
            channel: self.id(Vocab::Channel, f.channel),
            conduct: self.id(Vocab::Conduct, f.conduct),
            demand: self.id(Vocab::Demand, f.demand),
            conduct_types: self.ids(Vocab::ConductType, &f.conduct_types),
            demand_types: self.ids(Vocab::DemandType, &f.demand_types),
            tags: self.ids(Vocab::Tag, &f.tags),
            minutes: f.minutes,
            repeats: f.repeats,
            events: f.events.as_deref().map(|e| self.ids(Vocab::Event, e)),
            party: f.party.map(|i| self.id(Vocab::Party, i)),
            targeted: f.targeted,
            counts: f
                .counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (self.id(Vocab::Counter, i), *n))
                .collect(),
        }
    }
}

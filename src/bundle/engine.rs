//! Classifying contacts with a bundle: the bundle is turned back into a compiled [`Policy`] so
//! that the very evaluator the checker uses (`eval`) gives verdicts and routes.

use super::{Bundle, BundleError, Condition};
use crate::diag::{At, FileId, Origin, did_you_mean};
use crate::eval::{self, Outcome};
use crate::i18n::Msg;
use crate::model::Org;
use crate::msg;
use crate::policy::{self, AxisKind, Cond, Facts, Policy, Text};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A contact as a CRM reports it. Unknown keys are refused.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub channel: String,
    /// Conduct level as observed (before types raise it).
    pub conduct: String,
    /// Demand level as observed.
    pub demand: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conduct_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub demand_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub minutes: u64,
    #[serde(default)]
    pub repeats: u64,
    /// What happened during the contact; absent when not known yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Who the other party is (a party id); absent when not recorded (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The other party singled out one staff member (1.1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub targeted: bool,
    /// Facts over time: counter id → value; an absent counter is 0 (1.1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u64>,
}

/// The facts of a contact added in bundle format 1.1, as read from a line.
pub(crate) struct Extra<'a> {
    pub party: Option<&'a str>,
    pub targeted: bool,
    /// (counter id, value); a counter given twice keeps the last value.
    pub counts: &'a [(&'a str, u64)],
}

/// Why a contact could not be classified (rendered in the process language).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactError(pub Msg);

impl std::fmt::Display for ContactError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ContactError {}

/// One reason behind a verdict.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The grid cell and its verdict.
    Cell { cell: String, verdict: String },
    /// A type raised a level from the one given to its `min_level`.
    Raised {
        r#type: String,
        axis: &'static str,
        from: String,
        to: String,
        implied: bool,
    },
    /// A type's override raised the verdict.
    Override { r#type: String, verdict: String },
    /// A protective cap let a type raise its axis only to `to` instead of `from` (1.1).
    Capped {
        cap: String,
        r#type: String,
        axis: &'static str,
        from: String,
        to: String,
    },
}

/// The result for one contact.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Classification {
    pub id: Option<String>,
    pub verdict: String,
    /// The effective cell, `conduct×demand`.
    pub cell: String,
    pub reasons: Vec<Reason>,
    /// The flow the contact follows (none when no flow admits it).
    pub flow: Option<String>,
    /// Steps from the start until the route ends or needs an event not reported yet.
    pub route: Vec<String>,
    /// `end` when the route reached an end step, `event:<id>` when it waits for an event,
    /// `stuck` when no branch holds.
    pub route_status: String,
    /// Roles the invariants require this contact to reach.
    pub reach_roles: Vec<String>,
    /// The manual section behind the verdict.
    pub manual: String,
}

/// A loaded bundle, ready to classify.
pub struct Engine {
    policy: Policy,
    ids: Ids,
    /// `c1×d0` and its manual URL, per cell.
    cells: Vec<Vec<String>>,
    cell_urls: Vec<Vec<String>>,
    /// Every `minutes_at_least` (seconds) and `repeats_at_least` any condition compares with:
    /// contacts whose minutes (repeats) fall between the same thresholds evaluate alike.
    minute_steps: Vec<u64>,
    repeat_steps: Vec<u64>,
    /// Likewise for each counter.
    count_steps: Vec<Vec<u64>>,
    quoted: Quoted,
}

/// The vocabularies of contact facts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Vocab {
    Channel,
    Conduct,
    Demand,
    ConductType,
    DemandType,
    Tag,
    Event,
    Party,
    Counter,
}

/// The ids contacts may use, in index order.
struct Ids {
    channels: Vec<String>,
    conduct: Vec<String>,
    demand: Vec<String>,
    conduct_types: Vec<String>,
    demand_types: Vec<String>,
    tags: Vec<String>,
    events: Vec<String>,
    parties: Vec<String>,
    counters: Vec<String>,
}

fn index<'a>(items: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    items.enumerate().map(|(i, s)| (s.to_string(), i)).collect()
}

fn origin() -> Origin {
    Origin::new(FileId(0), At::File)
}

fn text(s: &str) -> Text {
    Text {
        src: s.to_string(),
        origin: origin(),
    }
}

struct Resolver<'a> {
    maps: [&'a HashMap<String, usize>; 10],
}

impl Resolver<'_> {
    /// `what` is a catalogue id naming the kind (`what-verdict`).
    fn one(&self, which: usize, what: &'static str, id: &str) -> Result<usize, BundleError> {
        self.maps[which]
            .get(id)
            .copied()
            .ok_or_else(|| BundleError(msg!("bundle-unknown-ref", what = Msg::new(what), id = id)))
    }
    fn many(
        &self,
        which: usize,
        what: &'static str,
        ids: &Option<Vec<String>>,
    ) -> Result<Option<Vec<usize>>, BundleError> {
        ids.as_ref()
            .map(|v| v.iter().map(|id| self.one(which, what, id)).collect())
            .transpose()
    }
    fn cond(&self, c: &Condition) -> Result<Cond, BundleError> {
        Ok(Cond {
            verdict: self.many(0, "what-verdict", &c.verdict)?,
            conduct_at_least: c
                .conduct_at_least
                .as_deref()
                .map(|l| self.one(1, "what-conduct-level", l))
                .transpose()?,
            demand_at_least: c
                .demand_at_least
                .as_deref()
                .map(|l| self.one(2, "what-demand-level", l))
                .transpose()?,
            conduct_types: self.many(3, "what-conduct-type", &c.conduct_types)?,
            demand_types: self.many(4, "what-demand-type", &c.demand_types)?,
            tags: self.many(5, "what-tag", &c.tags)?,
            channel: self.many(6, "what-channel", &c.channel)?,
            event: self.many(7, "what-event", &c.event)?,
            minutes_at_least: c.seconds_at_least,
            repeats_at_least: c.repeats_at_least,
            not: c
                .not
                .as_deref()
                .map(|n| self.cond(n))
                .transpose()?
                .map(Box::new),
            party: self.many(8, "what-party", &c.party)?,
            targeted: c.targeted,
            counts_at_least: c
                .counts_at_least
                .as_ref()
                .map(|m| {
                    m.iter()
                        .map(|(k, n)| Ok((self.one(9, "what-counter", k)?, *n)))
                        .collect::<Result<Vec<_>, BundleError>>()
                })
                .transpose()?,
            any: c
                .any
                .as_ref()
                .map(|l| {
                    l.iter()
                        .map(|x| self.cond(x))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
        })
    }
}

fn named(id: &str, label: &str) -> policy::Named {
    policy::Named {
        id: id.into(),
        label: label.into(),
        describe: None,
        origin: origin(),
    }
}

impl Engine {
    pub fn new(b: &Bundle) -> Result<Engine, BundleError> {
        let verdicts = index(b.verdicts.iter().map(|v| v.id.as_str()));
        let conduct = index(b.axes.conduct.levels.iter().map(|v| v.id.as_str()));
        let demand = index(b.axes.demand.levels.iter().map(|v| v.id.as_str()));
        let conduct_types = index(b.conduct_types.iter().map(|v| v.id.as_str()));
        let demand_types = index(b.demand_types.iter().map(|v| v.id.as_str()));
        let tags = index(b.tags.iter().map(|v| v.id.as_str()));
        let channels = index(b.channels.iter().map(|v| v.id.as_str()));
        let events = index(b.events.iter().map(|v| v.id.as_str()));
        let parties = index(b.parties.iter().map(|v| v.id.as_str()));
        let counters = index(b.counters.iter().map(|v| v.id.as_str()));
        let roles = index(b.roles.iter().map(|v| v.id.as_str()));
        let scripts = index(b.scripts.iter().map(|v| v.id.as_str()));
        let r = Resolver {
            maps: [
                &verdicts,
                &conduct,
                &demand,
                &conduct_types,
                &demand_types,
                &tags,
                &channels,
                &events,
                &parties,
                &counters,
            ],
        };
        let mut grid = Vec::new();
        for l in &b.axes.conduct.levels {
            let row = b
                .grid
                .get(&l.id)
                .ok_or_else(|| BundleError(msg!("grid-row-missing", level = &l.id)))?;
            if row.len() != b.axes.demand.levels.len() {
                return Err(BundleError(msg!(
                    "grid-row-length",
                    row = &l.id,
                    verdicts = row.len(),
                    levels = b.axes.demand.levels.len()
                )));
            }
            grid.push(
                row.iter()
                    .map(|v| r.one(0, "what-verdict", v))
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        let ty = |axis,
                  id: &str,
                  label: &str,
                  min: usize,
                  verdict: Option<usize>,
                  when: &Option<Condition>|
         -> Result<policy::Type, BundleError> {
            Ok(policy::Type {
                id: id.into(),
                label: label.into(),
                axis,
                min_level: min,
                verdict,
                independent_of_demand: false,
                when: when.as_ref().map(|w| r.cond(w)).transpose()?,
                describe: None,
                origin: origin(),
            })
        };
        let conduct_types_c = b
            .conduct_types
            .iter()
            .map(|t| {
                ty(
                    AxisKind::Conduct,
                    &t.id,
                    &t.label,
                    r.one(1, "what-conduct-level", &t.min_level)?,
                    t.verdict
                        .as_deref()
                        .map(|v| r.one(0, "what-verdict", v))
                        .transpose()?,
                    &t.when,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let demand_types_c = b
            .demand_types
            .iter()
            .map(|t| {
                ty(
                    AxisKind::Demand,
                    &t.id,
                    &t.label,
                    r.one(2, "what-demand-level", &t.min_level)?,
                    None,
                    &t.when,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let caps = b
            .caps
            .iter()
            .map(|c| {
                Ok(policy::Cap {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    when: r.cond(&c.when)?,
                    types: [
                        c.conduct_types
                            .iter()
                            .map(|t| r.one(3, "what-conduct-type", t))
                            .collect::<Result<Vec<_>, _>>()?,
                        c.demand_types
                            .iter()
                            .map(|t| r.one(4, "what-demand-type", t))
                            .collect::<Result<Vec<_>, _>>()?,
                    ],
                    max: [
                        c.max_conduct
                            .as_deref()
                            .map(|l| r.one(1, "what-conduct-level", l))
                            .transpose()?,
                        c.max_demand
                            .as_deref()
                            .map(|l| r.one(2, "what-demand-level", l))
                            .transpose()?,
                    ],
                    describe: None,
                    origin: origin(),
                })
            })
            .collect::<Result<Vec<_>, BundleError>>()?;
        let role = |id: &str| {
            roles.get(id).copied().ok_or_else(|| {
                BundleError(msg!(
                    "bundle-unknown-ref",
                    what = msg!("what-role"),
                    id = id
                ))
            })
        };
        let mut flows = Vec::new();
        for f in &b.flows {
            let steps_ix = index(f.steps.iter().map(|s| s.id.as_str()));
            let step_ix = |id: &str| {
                steps_ix
                    .get(id)
                    .copied()
                    .ok_or_else(|| BundleError(msg!("bundle-no-step", flow = &f.id, step = id)))
            };
            let mut steps = Vec::new();
            for s in &f.steps {
                let next = s
                    .next
                    .iter()
                    .map(|e| {
                        Ok(policy::Branch {
                            when: e.when.as_ref().map(|w| r.cond(w)).transpose()?,
                            to: step_ix(&e.to)?,
                            origin: origin(),
                        })
                    })
                    .collect::<Result<Vec<_>, BundleError>>()?;
                steps.push(policy::Step {
                    id: s.id.clone(),
                    role: role(&s.role)?,
                    title: s.title.clone(),
                    action: None,
                    limit: s.limit_seconds,
                    hold: s.hold_seconds,
                    script: s.script.as_deref().and_then(|x| scripts.get(x).copied()),
                    repeat: s.repeat,
                    next,
                    end: s.end.clone(),
                    origin: origin(),
                });
            }
            flows.push(policy::Flow {
                id: f.id.clone(),
                title: f.title.clone(),
                describe: None,
                applies_to: r.cond(&f.applies_to)?,
                start: step_ix(&f.start)?,
                steps,
                origin: origin(),
            });
        }
        let invariants = b
            .invariants
            .iter()
            .map(|i| {
                Ok(policy::Invariant {
                    id: i.id.clone(),
                    text: i.text.clone(),
                    when: i.when.as_ref().map(|w| r.cond(w)).transpose()?,
                    reach_role: if i.reach_roles.is_empty() {
                        None
                    } else {
                        Some(
                            i.reach_roles
                                .iter()
                                .map(|x| role(x))
                                .collect::<Result<Vec<_>, _>>()?,
                        )
                    },
                    max_hold: i.max_hold_seconds,
                    max_limit: i.max_limit_seconds,
                    origin: origin(),
                })
            })
            .collect::<Result<Vec<_>, BundleError>>()?;
        let policy = Policy {
            manifest: policy::Manifest {
                id: b.manifest.policy.clone(),
                title: b.manifest.title.clone(),
                version: b.manifest.version.clone(),
                lang: "ja".into(),
                slogan: None,
                owners: Vec::new(),
                effective_from: b.manifest.effective_from.clone(),
                organization: None,
                created: None,
                revised: None,
                legal_refs: Vec::new(),
                vendors: Vec::new(),
                timezone: b.timezone.clone(),
            },
            stance: None,
            thresholds: Vec::new(),
            conduct: policy::Axis {
                label: b.axes.conduct.label.clone(),
                levels: b
                    .axes
                    .conduct
                    .levels
                    .iter()
                    .map(|l| named(&l.id, &l.label))
                    .collect(),
            },
            demand: policy::Axis {
                label: b.axes.demand.label.clone(),
                levels: b
                    .axes
                    .demand
                    .levels
                    .iter()
                    .map(|l| named(&l.id, &l.label))
                    .collect(),
            },
            verdicts: b
                .verdicts
                .iter()
                .map(|v| policy::Verdict {
                    id: v.id.clone(),
                    label: v.label.clone(),
                    color: v.color.clone(),
                    describe: None,
                    origin: origin(),
                })
                .collect(),
            grid,
            grid_origin: origin(),
            conduct_types: conduct_types_c,
            demand_types: demand_types_c,
            events: b.events.iter().map(|l| named(&l.id, &l.label)).collect(),
            caps,
            channels: b.channels.iter().map(|l| named(&l.id, &l.label)).collect(),
            tags: b.tags.iter().map(|l| named(&l.id, &l.label)).collect(),
            parties: b.parties.iter().map(|l| named(&l.id, &l.label)).collect(),
            counters: b
                .counters
                .iter()
                .map(|c| policy::Counter {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    window: c.window_seconds,
                    origin: origin(),
                })
                .collect(),
            roles: b
                .roles
                .iter()
                .map(|x| policy::Role {
                    id: x.id.clone(),
                    label: x.label.clone(),
                    org: match x.org.as_str() {
                        "inhouse" => Org::Inhouse,
                        "external" => Org::External,
                        _ => Org::Vendor,
                    },
                    describe: None,
                    origin: origin(),
                })
                .collect(),
            scripts: b
                .scripts
                .iter()
                .map(|s| policy::Script {
                    id: s.id.clone(),
                    purpose: s.purpose.clone(),
                    channels: Vec::new(),
                    text: text(&s.text),
                    origin: origin(),
                })
                .collect(),
            flows,
            aftercare: Vec::new(),
            invariants,
            definitions: Vec::new(),
            cases: Vec::new(),
            pages: Vec::new(),
            synonyms: Vec::new(),
            compliance: None,
            provenance: Default::default(),
            lineage: Vec::new(),
            review: None,
        };
        let names = |v: &[policy::Named]| v.iter().map(|n| n.id.clone()).collect::<Vec<_>>();
        let ids = Ids {
            channels: names(&policy.channels),
            conduct: names(&policy.conduct.levels),
            demand: names(&policy.demand.levels),
            conduct_types: policy.conduct_types.iter().map(|t| t.id.clone()).collect(),
            demand_types: policy.demand_types.iter().map(|t| t.id.clone()).collect(),
            tags: names(&policy.tags),
            events: names(&policy.events),
            parties: names(&policy.parties),
            counters: policy.counters.iter().map(|c| c.id.clone()).collect(),
        };
        let cells = (0..policy.conduct.levels.len())
            .map(|c| {
                (0..policy.demand.levels.len())
                    .map(|d| policy.cell_name(c, d))
                    .collect()
            })
            .collect();
        let cell_urls = policy
            .conduct
            .levels
            .iter()
            .map(|c| {
                policy
                    .demand
                    .levels
                    .iter()
                    .map(|d| crate::urls::cell(&c.id, &d.id))
                    .collect()
            })
            .collect();
        let (minute_steps, repeat_steps, count_steps) = thresholds(&policy);
        let quoted = Quoted::new(&policy);
        Ok(Engine {
            policy,
            ids,
            cells,
            cell_urls,
            minute_steps,
            repeat_steps,
            count_steps,
            quoted,
        })
    }

    /// The compiled policy behind the engine.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// How many counters contacts may carry.
    pub(crate) fn counters(&self) -> usize {
        self.ids.counters.len()
    }

    /// The index of an id in a vocabulary (vocabularies are short: a scan beats hashing).
    pub(crate) fn lookup(&self, vocab: Vocab, id: &str) -> Option<usize> {
        let (first, len) = (id.as_bytes().first(), id.len());
        self.vocab(vocab)
            .iter()
            .position(|x| x.len() == len && x.as_bytes().first() == first && x == id)
    }

    fn vocab(&self, vocab: Vocab) -> &[String] {
        let ids = &self.ids;
        match vocab {
            Vocab::Channel => &ids.channels,
            Vocab::Conduct => &ids.conduct,
            Vocab::Demand => &ids.demand,
            Vocab::ConductType => &ids.conduct_types,
            Vocab::DemandType => &ids.demand_types,
            Vocab::Tag => &ids.tags,
            Vocab::Event => &ids.events,
            Vocab::Party => &ids.parties,
            Vocab::Counter => &ids.counters,
        }
    }

    /// The index of an id, or an error naming it with a "did you mean".
    fn need(&self, vocab: Vocab, what: &'static str, id: &str) -> Result<usize, ContactError> {
        self.lookup(vocab, id).ok_or_else(|| {
            let unknown = msg!("unknown-reference", what = Msg::new(what), id = id);
            ContactError(
                match did_you_mean(id, self.vocab(vocab).iter().map(String::as_str)) {
                    Some(h) => msg!("with-hint", message = unknown, hint = h),
                    None => unknown,
                },
            )
        })
    }

    /// Turn a contact's ids into facts, naming the first unknown id.
    pub fn facts(&self, c: &Contact) -> Result<Facts, ContactError> {
        fn strs(v: &[String]) -> Vec<&str> {
            v.iter().map(String::as_str).collect()
        }
        let counts: Vec<(&str, u64)> = c.counts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        self.facts_of(
            &c.channel,
            &c.conduct,
            &c.demand,
            &strs(&c.conduct_types),
            &strs(&c.demand_types),
            &strs(&c.tags),
            c.minutes,
            c.repeats,
            c.events.as_deref().map(strs).as_deref(),
            &Extra {
                party: c.party.as_deref(),
                targeted: c.targeted,
                counts: &counts,
            },
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn facts_of(
        &self,
        channel: &str,
        conduct: &str,
        demand: &str,
        conduct_types: &[&str],
        demand_types: &[&str],
        tags: &[&str],
        minutes: u64,
        repeats: u64,
        events: Option<&[&str]>,
        extra: &Extra,
    ) -> Result<Facts, ContactError> {
        let many = |v: Vocab, what, xs: &[&str]| {
            xs.iter()
                .map(|x| self.need(v, what, x))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Facts {
            channel: self.need(Vocab::Channel, "what-channel", channel)?,
            conduct: self.need(Vocab::Conduct, "what-conduct-level", conduct)?,
            demand: self.need(Vocab::Demand, "what-demand-level", demand)?,
            conduct_types: many(Vocab::ConductType, "what-conduct-type", conduct_types)?,
            demand_types: many(Vocab::DemandType, "what-demand-type", demand_types)?,
            tags: many(Vocab::Tag, "what-tag", tags)?,
            minutes,
            repeats,
            events: events
                .map(|e| many(Vocab::Event, "what-event", e))
                .transpose()?,
            party: extra
                .party
                .map(|x| self.need(Vocab::Party, "what-party", x))
                .transpose()?,
            targeted: extra.targeted,
            counts: {
                let mut counts = vec![0u64; self.ids.counters.len()];
                for &(k, n) in extra.counts {
                    let i = self.need(Vocab::Counter, "what-counter", k)?;
                    if let Some(slot) = counts.get_mut(i) {
                        *slot = n;
                    }
                }
                counts
            },
        })
    }

    /// Verdict, reasons, flow, route (until an event not reported yet) and roles to reach.
    pub fn classify(&self, c: &Contact) -> Result<Classification, ContactError> {
        let facts = self.facts(c)?;
        Ok(self.classify_facts(c.id.clone(), &facts))
    }

    /// Evaluate facts once; both the owned result and the streaming writer read this.
    pub(crate) fn evaluate(&self, facts: &Facts) -> Evaluation {
        let p = &self.policy;
        let contact = eval::Contact::new(p, facts);
        let flows = eval::flows_for(p, &contact).unwrap_or_default();
        let (flow, route) = match flows.as_slice() {
            [f] => (Some(*f), Some(eval::route(&p.flows[*f], &contact))),
            _ => (None, None),
        };
        let mut reach = Vec::new();
        for inv in &p.invariants {
            let Some(roles) = &inv.reach_role else {
                continue;
            };
            if admits(inv, &contact) {
                for r in roles {
                    if !reach.contains(r) {
                        reach.push(*r);
                    }
                }
            }
        }
        Evaluation {
            several: flows.len() > 1,
            flow,
            route,
            reach,
            assessment: contact.assessment,
        }
    }

    /// The assessment `classify` reports (verdict, effective cell, types, why) without walking
    /// the flows, and the invariants (indices into the bundle's `invariants`) that admit the
    /// contact: their `when` holds on its facts (absent `when`: every contact). One whose `when`
    /// needs an event not reported yet does not admit it, as for `reach_roles`.
    pub fn assess(&self, facts: &Facts) -> (eval::Assessment, Vec<usize>) {
        let contact = eval::Contact::new(&self.policy, facts);
        let invariants = (0..self.policy.invariants.len())
            .filter(|&i| admits(&self.policy.invariants[i], &contact))
            .collect();
        (contact.assessment, invariants)
    }

    fn status(&self, e: &Evaluation) -> String {
        match (&e.route, e.several) {
            (Some(r), _) => match r.outcome {
                Outcome::End => "end".into(),
                Outcome::Needs(eval::Need::Event(ev)) => {
                    format!("event:{}", self.policy.events[ev].id)
                }
                Outcome::Needs(_) | Outcome::Stuck => "stuck".into(),
                Outcome::TooLong => "too-long".into(),
            },
            (None, true) => "several-flows".into(),
            (None, false) => "no-flow".into(),
        }
    }

    /// [`eval::Assessment::why`] with ids: a renderer, computing nothing again.
    fn reasons(&self, a: &eval::Assessment) -> Vec<Reason> {
        let p = &self.policy;
        a.why
            .iter()
            .map(|r| match *r {
                eval::Reason::Raised {
                    axis,
                    ty,
                    from,
                    to,
                    implied,
                } => {
                    let levels = match axis {
                        AxisKind::Conduct => &p.conduct,
                        AxisKind::Demand => &p.demand,
                    };
                    Reason::Raised {
                        r#type: p.types(axis)[ty].id.clone(),
                        axis: axis_name(axis),
                        from: levels.levels[from].id.clone(),
                        to: levels.levels[to].id.clone(),
                        implied,
                    }
                }
                eval::Reason::Cell {
                    conduct,
                    demand,
                    verdict,
                } => Reason::Cell {
                    cell: p.cell_name(conduct, demand),
                    verdict: p.verdicts[verdict].id.clone(),
                },
                eval::Reason::Override { ty, verdict } => Reason::Override {
                    r#type: p.conduct_types[ty].id.clone(),
                    verdict: p.verdicts[verdict].id.clone(),
                },
                eval::Reason::Capped {
                    cap,
                    axis,
                    ty,
                    from,
                    to,
                } => {
                    let levels = match axis {
                        AxisKind::Conduct => &p.conduct,
                        AxisKind::Demand => &p.demand,
                    };
                    Reason::Capped {
                        cap: p.caps[cap].id.clone(),
                        r#type: p.types(axis)[ty].id.clone(),
                        axis: axis_name(axis),
                        from: levels.levels[from].id.clone(),
                        to: levels.levels[to].id.clone(),
                    }
                }
            })
            .collect()
    }

    pub fn classify_facts(&self, id: Option<String>, facts: &Facts) -> Classification {
        let p = &self.policy;
        let e = self.evaluate(facts);
        let a = &e.assessment;
        Classification {
            id,
            verdict: p.verdicts[a.verdict].id.clone(),
            cell: p.cell_name(a.conduct, a.demand),
            reasons: self.reasons(a),
            flow: e.flow.map(|f| p.flows[f].id.clone()),
            route: match (e.flow, &e.route) {
                (Some(f), Some(r)) => r
                    .steps
                    .iter()
                    .map(|&s| p.flows[f].steps[s].id.clone())
                    .collect(),
                _ => Vec::new(),
            },
            route_status: self.status(&e),
            reach_roles: e.reach.iter().map(|&r| p.roles[r].id.clone()).collect(),
            manual: crate::urls::cell(
                &p.conduct.levels[a.conduct].id,
                &p.demand.levels[a.demand].id,
            ),
        }
    }

    /// A key under which contacts evaluate alike: the facts, with minutes and repeats reduced
    /// to the interval between the thresholds they fall in. `None` when the vocabularies are too
    /// large to pack (then nothing is cached).
    pub(crate) fn memo_key(&self, f: &Facts) -> Option<[u64; 6]> {
        let bits = |v: &[usize]| -> Option<u64> {
            v.iter()
                .try_fold(0u64, |acc, &i| (i < 64).then(|| acc | 1 << i))
        };
        let bucket = |steps: &[u64], x: u64| steps.partition_point(|&t| t <= x) as u64;
        if f.channel > 255 || f.conduct > 255 || f.demand > 255 {
            return None;
        }
        let events = match &f.events {
            Some(e) => bits(e)?,
            None => u64::MAX,
        };
        // Party (0: none), targeted, then 6 bits per counter's bucket.
        let party = match f.party {
            Some(x) if x < 255 => x as u64 + 1,
            Some(_) => return None,
            None => 0,
        };
        let mut extra = party | u64::from(f.targeted) << 8;
        if self.count_steps.len() > 9 {
            return None;
        }
        for (i, steps) in self.count_steps.iter().enumerate() {
            let b = bucket(steps, f.count(i));
            if b >= 64 {
                return None;
            }
            extra |= b << (9 + 6 * i);
        }
        Some([
            (f.channel as u64)
                | (f.conduct as u64) << 8
                | (f.demand as u64) << 16
                | bucket(&self.minute_steps, f.minutes.saturating_mul(60)) << 24
                | bucket(&self.repeat_steps, f.repeats) << 44,
            bits(&f.conduct_types)?,
            bits(&f.demand_types)?,
            bits(&f.tags)?,
            events,
            extra,
        ])
    }

    /// Write the same JSON as `serde_json::to_writer(classify_facts(..))` after the contact's
    /// id: `,"verdict":…}` (ids are slugs and need no escaping).
    pub(crate) fn write_json_tail(&self, w: &mut Vec<u8>, facts: &Facts) {
        let q = &self.quoted;
        let e = self.evaluate(facts);
        let a = &e.assessment;
        let cell = &self.cells[a.conduct][a.demand];
        let put = |w: &mut Vec<u8>, parts: &[&[u8]]| {
            for part in parts {
                w.extend_from_slice(part);
            }
        };
        put(
            w,
            &[
                b",\"verdict\":",
                &q.verdicts[a.verdict],
                b",\"cell\":\"",
                cell.as_bytes(),
                b"\",\"reasons\":[",
            ],
        );
        for (i, r) in a.why.iter().enumerate() {
            if i > 0 {
                w.push(b',');
            }
            match *r {
                eval::Reason::Raised {
                    axis,
                    ty,
                    from,
                    to,
                    implied,
                } => {
                    let (types, levels) = match axis {
                        AxisKind::Conduct => (&q.conduct_types, &q.conduct),
                        AxisKind::Demand => (&q.demand_types, &q.demand),
                    };
                    put(
                        w,
                        &[
                            b"{\"kind\":\"raised\",\"type\":",
                            &types[ty],
                            b",\"axis\":\"",
                            axis_name(axis).as_bytes(),
                            b"\",\"from\":",
                            &levels[from],
                            b",\"to\":",
                            &levels[to],
                            b",\"implied\":",
                            if implied { b"true" } else { b"false" },
                            b"}",
                        ],
                    );
                }
                eval::Reason::Cell {
                    conduct,
                    demand,
                    verdict,
                } => put(
                    w,
                    &[
                        b"{\"kind\":\"cell\",\"cell\":\"",
                        self.cells[conduct][demand].as_bytes(),
                        b"\",\"verdict\":",
                        &q.verdicts[verdict],
                        b"}",
                    ],
                ),
                eval::Reason::Override { ty, verdict } => put(
                    w,
                    &[
                        b"{\"kind\":\"override\",\"type\":",
                        &q.conduct_types[ty],
                        b",\"verdict\":",
                        &q.verdicts[verdict],
                        b"}",
                    ],
                ),
                eval::Reason::Capped {
                    cap,
                    axis,
                    ty,
                    from,
                    to,
                } => {
                    let (types, levels) = match axis {
                        AxisKind::Conduct => (&q.conduct_types, &q.conduct),
                        AxisKind::Demand => (&q.demand_types, &q.demand),
                    };
                    put(
                        w,
                        &[
                            b"{\"kind\":\"capped\",\"cap\":",
                            &q.caps[cap],
                            b",\"type\":",
                            &types[ty],
                            b",\"axis\":\"",
                            axis_name(axis).as_bytes(),
                            b"\",\"from\":",
                            &levels[from],
                            b",\"to\":",
                            &levels[to],
                            b"}",
                        ],
                    );
                }
            }
        }
        w.extend_from_slice(b"],\"flow\":");
        match e.flow {
            Some(f) => w.extend_from_slice(&q.flows[f]),
            None => w.extend_from_slice(b"null"),
        }
        w.extend_from_slice(b",\"route\":[");
        if let (Some(f), Some(r)) = (e.flow, &e.route) {
            for (i, &s) in r.steps.iter().enumerate() {
                if i > 0 {
                    w.push(b',');
                }
                w.extend_from_slice(&q.steps[f][s]);
            }
        }
        put(
            w,
            &[
                b"],\"route_status\":\"",
                self.status(&e).as_bytes(),
                b"\",\"reach_roles\":[",
            ],
        );
        for (i, &r) in e.reach.iter().enumerate() {
            if i > 0 {
                w.push(b',');
            }
            w.extend_from_slice(&q.roles[r]);
        }
        put(
            w,
            &[
                b"],\"manual\":\"",
                self.cell_urls[a.conduct][a.demand].as_bytes(),
                b"\"}",
            ],
        );
    }
}

/// Does an invariant's `when` hold for the contact (all contacts when absent)?
fn admits(inv: &policy::Invariant, contact: &eval::Contact) -> bool {
    inv.when
        .as_ref()
        .is_none_or(|w| eval::holds(w, contact) == Ok(true))
}

fn axis_name(axis: AxisKind) -> &'static str {
    match axis {
        AxisKind::Conduct => "conduct",
        AxisKind::Demand => "demand",
    }
}

/// Ids as JSON strings, ready to copy into output lines.
struct Quoted {
    verdicts: Vec<Vec<u8>>,
    conduct: Vec<Vec<u8>>,
    demand: Vec<Vec<u8>>,
    conduct_types: Vec<Vec<u8>>,
    demand_types: Vec<Vec<u8>>,
    flows: Vec<Vec<u8>>,
    steps: Vec<Vec<Vec<u8>>>,
    roles: Vec<Vec<u8>>,
    caps: Vec<Vec<u8>>,
}

impl Quoted {
    fn new(p: &Policy) -> Self {
        let q = |s: &str| serde_json::to_vec(s).expect("serialisable");
        Quoted {
            verdicts: p.verdicts.iter().map(|v| q(&v.id)).collect(),
            conduct: p.conduct.levels.iter().map(|v| q(&v.id)).collect(),
            demand: p.demand.levels.iter().map(|v| q(&v.id)).collect(),
            conduct_types: p.conduct_types.iter().map(|v| q(&v.id)).collect(),
            demand_types: p.demand_types.iter().map(|v| q(&v.id)).collect(),
            flows: p.flows.iter().map(|v| q(&v.id)).collect(),
            steps: p
                .flows
                .iter()
                .map(|f| f.steps.iter().map(|s| q(&s.id)).collect())
                .collect(),
            roles: p.roles.iter().map(|v| q(&v.id)).collect(),
            caps: p.caps.iter().map(|v| q(&v.id)).collect(),
        }
    }
}

/// One contact, evaluated.
pub(crate) struct Evaluation {
    several: bool,
    flow: Option<usize>,
    route: Option<eval::Route>,
    reach: Vec<usize>,
    assessment: eval::Assessment,
}

/// The thresholds conditions compare minutes (as seconds), repeats and each counter with,
/// sorted.
fn thresholds(p: &Policy) -> (Vec<u64>, Vec<u64>, Vec<Vec<u64>>) {
    let (mut m, mut r) = (Vec::new(), Vec::new());
    let mut counts = vec![Vec::new(); p.counters.len()];
    let mut walk = |c: &Cond| {
        c.visit(&mut |c| {
            m.extend(c.minutes_at_least);
            r.extend(c.repeats_at_least);
            for &(i, n) in c.counts_at_least.iter().flatten() {
                if let Some(v) = counts.get_mut(i) {
                    v.push(n);
                }
            }
        })
    };
    let types = p
        .conduct_types
        .iter()
        .chain(&p.demand_types)
        .filter_map(|t| t.when.as_ref());
    let flows = p.flows.iter().flat_map(|f| {
        std::iter::once(&f.applies_to).chain(
            f.steps
                .iter()
                .flat_map(|s| s.next.iter().filter_map(|b| b.when.as_ref())),
        )
    });
    let invariants = p.invariants.iter().filter_map(|i| i.when.as_ref());
    let caps = p.caps.iter().map(|c| &c.when);
    for c in types.chain(flows).chain(invariants).chain(caps) {
        walk(c);
    }
    for v in [&mut m, &mut r].into_iter().chain(counts.iter_mut()) {
        v.sort_unstable();
        v.dedup();
    }
    (m, r, counts)
}

//! Classifying contacts with a bundle: [`Engine`] lowers the bundle back into a compiled
//! [`Policy`] (`lower.rs`) so that the very evaluator the checker uses (`eval`) gives verdicts
//! and routes; this module turns a CRM's contact into facts and the evaluation into the
//! [`Classification`] `classify` reports.

use super::vocab::Vocab;
use super::{Bundle, BundleError};
use crate::diag::did_you_mean;
use crate::eval::{self, Outcome};
use crate::i18n::Msg;
use crate::msg;
use crate::policy::{AxisKind, Cond, Facts, Policy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A contact as the CRM reports it: one line of `mamoru classify`'s input, and the `contact` of
/// each case in the bundle. Ids are those of the bundle's lists; an unknown id or an unknown key
/// is refused, so that a misspelling cannot silently change the verdict.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The CRM's own reference for the contact, repeated in the result; never interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// How the contact came in: an id of `channels` (`phone`, `email`, …).
    pub channel: String,
    /// The conduct level (行為) observed, an id of `axes.conduct.levels`, before conduct types
    /// raise it.
    pub conduct: String,
    /// The demand level (要求) observed, an id of `axes.demand.levels`, before demand types
    /// raise it.
    pub demand: String,
    /// Conduct types (行為の類型) observed, ids of `conduct_types`. A type whose `when` holds on
    /// the contact's facts applies without being listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conduct_types: Vec<String>,
    /// Demand types (要求の類型) observed, ids of `demand_types`. A type whose `when` holds on
    /// the contact's facts applies without being listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub demand_types: Vec<String>,
    /// Tags that apply to the contact, ids of `tags`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Length of the contact in whole minutes; 0 when absent.
    #[serde(default)]
    pub minutes: u64,
    /// How often the customer repeated the same claim; 0 when absent.
    #[serde(default)]
    pub repeats: u64,
    /// What happened during the contact, ids of `events` (a set: order does not matter).
    /// Absent: not known yet, and the route stops at the first branch that asks about an event;
    /// `[]`: nothing happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Who the other party is, an id of `parties`; absent when not recorded, and then no
    /// `party` condition holds (1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The other party singled out one staff member; false when absent (1.1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub targeted: bool,
    /// Facts over time the CRM counted: counter id (of `counters`) → value; an absent counter
    /// is 0 (1.1).
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

/// Why a contact could not be classified: the first unknown id, with a "did you mean" when one
/// is close (rendered in the process language).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactError(pub Msg);

impl std::fmt::Display for ContactError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ContactError {}

/// One reason behind a verdict, as `classify` reports it in `reasons` (`{"kind": "raised", …}`).
/// Ids are `String`s in an owned [`Classification`]; the engine also fills it with borrowed ids
/// (`Reason<&str>`) to write `classify`'s lines.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason<S = String> {
    /// The effective grid cell and the verdict it gives.
    Cell {
        /// The cell, `conduct×demand` (`c3×d0`).
        cell: S,
        /// The cell's verdict id.
        verdict: S,
    },
    /// A type the contact has raised its axis from the level given to the type's `min_level`.
    Raised {
        /// The conduct or demand type's id.
        r#type: S,
        /// `conduct` or `demand`.
        axis: &'static str,
        /// The level before the type (as given, or as raised by an earlier type).
        from: S,
        /// The type's `min_level`.
        to: S,
        /// The contact did not list the type: its `when` holds on the contact's facts.
        implied: bool,
    },
    /// A conduct type's `verdict` override raised the verdict above the cell's.
    Override {
        /// The conduct type's id.
        r#type: S,
        /// The verdict it raised to.
        verdict: S,
    },
    /// A protective cap let a type raise its axis only to `to` instead of `from` (1.1).
    Capped {
        /// The cap's id.
        cap: S,
        /// The conduct or demand type's id.
        r#type: S,
        /// `conduct` or `demand`.
        axis: &'static str,
        /// The level the type would have raised to: its `min_level`.
        from: S,
        /// The level it raised to under the cap.
        to: S,
    },
}

/// The result for one contact: one line of `classify`'s output. Ids are `String`s; the engine
/// also fills it with borrowed ids (`Classification<&str>`) to write `classify`'s lines, so both
/// are one JSON shape.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Classification<S = String> {
    /// The contact's own `id`, when it had one.
    pub id: Option<S>,
    /// The verdict id, after types raised the levels and overrides raised the verdict.
    pub verdict: S,
    /// The effective cell, `conduct×demand`.
    pub cell: S,
    /// How the verdict came about, in causal order.
    pub reasons: Vec<Reason<S>>,
    /// The flow the contact follows (none when no flow admits it).
    pub flow: Option<S>,
    /// Steps from the start until the route ends or needs an event not reported yet.
    pub route: Vec<S>,
    /// `end` when the route reached an end step, `event:<id>` when it waits for an event,
    /// `stuck` when no branch holds, `too-long` for a route that cannot end, `no-flow` or
    /// `several-flows` when not exactly one flow admits the contact.
    pub route_status: S,
    /// Roles the invariants require this contact to reach.
    pub reach_roles: Vec<S>,
    /// The manual section behind the verdict (the effective cell), relative to the manual's
    /// root.
    pub manual: S,
}

/// A loaded bundle, ready to classify contacts: the bundle lowered to a compiled policy, and
/// what classifying a contact needs precomputed from it.
pub struct Engine {
    policy: Policy,
    /// Per vocabulary (`Vocab as usize`), the ids in index order.
    ids: [Vec<String>; Vocab::ALL.len()],
    /// `c1×d0` per cell.
    cells: Vec<Vec<String>>,
    /// The manual URL per cell.
    cell_urls: Vec<Vec<String>>,
    /// `event:<id>` per event: the route status of a route waiting for it.
    waits: Vec<String>,
    /// Every `minutes_at_least` (seconds) and `repeats_at_least` any condition compares with:
    /// contacts whose minutes (repeats) fall between the same thresholds evaluate alike.
    minute_steps: Vec<u64>,
    repeat_steps: Vec<u64>,
    /// Likewise for each counter.
    count_steps: Vec<Vec<u64>>,
}

impl Engine {
    /// The engine of a bundle, or the first reference in it that does not resolve (an id no
    /// list declares, a grid row missing or of the wrong length, a step a flow lacks).
    pub fn new(b: &Bundle) -> Result<Engine, BundleError> {
        Ok(Engine::of(super::lower::policy(b)?))
    }

    fn of(policy: Policy) -> Engine {
        let (conduct, demand) = (&policy.conduct.levels, &policy.demand.levels);
        let per_cell = |f: &dyn Fn(usize, usize) -> String| -> Vec<Vec<String>> {
            (0..conduct.len())
                .map(|c| (0..demand.len()).map(|d| f(c, d)).collect())
                .collect()
        };
        let cells = per_cell(&|c, d| policy.cell_name(c, d));
        let cell_urls = per_cell(&|c, d| crate::urls::cell(&conduct[c].id, &demand[d].id));
        let ids = Vocab::ALL.map(|v| {
            v.in_policy(&policy)
                .into_iter()
                .map(str::to_string)
                .collect()
        });
        let waits = policy
            .events
            .iter()
            .map(|e| format!("event:{}", e.id))
            .collect();
        let (minute_steps, repeat_steps, count_steps) = thresholds(&policy);
        Engine {
            policy,
            ids,
            cells,
            cell_urls,
            waits,
            minute_steps,
            repeat_steps,
            count_steps,
        }
    }

    /// The compiled policy behind the engine, for walking flows with [`eval::route`] or
    /// judging facts with [`eval::assess`].
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// How many counters contacts may carry.
    pub(crate) fn counters(&self) -> usize {
        self.ids[Vocab::Counter as usize].len()
    }

    /// The index of an id in a vocabulary (vocabularies are short: a scan beats hashing).
    pub(crate) fn lookup(&self, vocab: Vocab, id: &str) -> Option<usize> {
        let (first, len) = (id.as_bytes().first(), id.len());
        self.ids[vocab as usize]
            .iter()
            .position(|x| x.len() == len && x.as_bytes().first() == first && x == id)
    }

    /// The index of an id, or an error naming it with a "did you mean".
    fn need(&self, vocab: Vocab, id: &str) -> Result<usize, ContactError> {
        self.lookup(vocab, id).ok_or_else(|| {
            let unknown = msg!("unknown-reference", what = Msg::new(vocab.what()), id = id);
            let known = self.ids[vocab as usize].iter().map(String::as_str);
            ContactError(match did_you_mean(id, known) {
                Some(h) => msg!("with-hint", message = unknown, hint = h),
                None => unknown,
            })
        })
    }

    /// Turn a contact's ids into facts (indices into the policy's lists), naming the first
    /// unknown id.
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

    /// [`Engine::facts`] from borrowed parts, as `classify`'s line parser reads them. Ids are
    /// looked up in a fixed order (channel, levels, types, tags, events, party, counters), so
    /// the error names the first problem the same way every time.
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
        let many = |v: Vocab, xs: &[&str]| {
            xs.iter()
                .map(|x| self.need(v, x))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Facts {
            channel: self.need(Vocab::Channel, channel)?,
            conduct: self.need(Vocab::Conduct, conduct)?,
            demand: self.need(Vocab::Demand, demand)?,
            conduct_types: many(Vocab::ConductType, conduct_types)?,
            demand_types: many(Vocab::DemandType, demand_types)?,
            tags: many(Vocab::Tag, tags)?,
            minutes,
            repeats,
            events: events.map(|e| many(Vocab::Event, e)).transpose()?,
            party: extra
                .party
                .map(|x| self.need(Vocab::Party, x))
                .transpose()?,
            targeted: extra.targeted,
            counts: {
                let mut counts = vec![0u64; self.counters()];
                for &(k, n) in extra.counts {
                    let i = self.need(Vocab::Counter, k)?;
                    if let Some(slot) = counts.get_mut(i) {
                        *slot = n;
                    }
                }
                counts
            },
        })
    }

    /// Verdict, reasons, flow, route (until an event not reported yet) and roles to reach, or
    /// the first id of the contact the bundle does not know.
    pub fn classify(&self, c: &Contact) -> Result<Classification, ContactError> {
        let facts = self.facts(c)?;
        Ok(self.classify_facts(c.id.clone(), &facts))
    }

    /// [`Engine::classify`] for facts already resolved (by [`Engine::facts`]); `id` is
    /// repeated in the result.
    pub fn classify_facts(&self, id: Option<String>, facts: &Facts) -> Classification {
        self.classification(id, &self.evaluate(facts))
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

    fn status(&self, e: &Evaluation) -> &str {
        match (&e.route, e.several) {
            (Some(r), _) => match r.outcome {
                Outcome::End => "end",
                Outcome::Needs(eval::Need::Event(ev)) => &self.waits[ev],
                Outcome::Needs(_) | Outcome::Stuck => "stuck",
                Outcome::TooLong => "too-long",
            },
            (None, true) => "several-flows",
            (None, false) => "no-flow",
        }
    }

    /// An evaluation with ids: a renderer, computing nothing again. Generic over the string
    /// type, so that the owned result and the line `classify` writes come from this one place.
    fn classification<'a, S: From<&'a str>>(
        &'a self,
        id: Option<S>,
        e: &Evaluation,
    ) -> Classification<S> {
        let p = &self.policy;
        let a = &e.assessment;
        let id_of = |v: Vocab, i: usize| S::from(v.id(p, i));
        Classification {
            id,
            verdict: id_of(Vocab::Verdict, a.verdict),
            cell: S::from(self.cells[a.conduct][a.demand].as_str()),
            reasons: a.why.iter().map(|r| self.reason(r)).collect(),
            flow: e.flow.map(|f| S::from(p.flows[f].id.as_str())),
            route: match (e.flow, &e.route) {
                (Some(f), Some(r)) => r
                    .steps
                    .iter()
                    .map(|&s| S::from(p.flows[f].steps[s].id.as_str()))
                    .collect(),
                _ => Vec::new(),
            },
            route_status: S::from(self.status(e)),
            reach_roles: e.reach.iter().map(|&r| id_of(Vocab::Role, r)).collect(),
            manual: S::from(self.cell_urls[a.conduct][a.demand].as_str()),
        }
    }

    /// [`eval::Reason`] with ids.
    fn reason<'a, S: From<&'a str>>(&'a self, r: &eval::Reason) -> Reason<S> {
        let p = &self.policy;
        let id_of = |v: Vocab, i: usize| S::from(v.id(p, i));
        match *r {
            eval::Reason::Cell {
                conduct,
                demand,
                verdict,
            } => Reason::Cell {
                cell: S::from(self.cells[conduct][demand].as_str()),
                verdict: id_of(Vocab::Verdict, verdict),
            },
            eval::Reason::Raised {
                axis,
                ty,
                from,
                to,
                implied,
            } => {
                let (types, levels) = vocabs(axis);
                Reason::Raised {
                    r#type: id_of(types, ty),
                    axis: axis_name(axis),
                    from: id_of(levels, from),
                    to: id_of(levels, to),
                    implied,
                }
            }
            eval::Reason::Override { ty, verdict } => Reason::Override {
                r#type: id_of(Vocab::ConductType, ty),
                verdict: id_of(Vocab::Verdict, verdict),
            },
            eval::Reason::Capped {
                cap,
                axis,
                ty,
                from,
                to,
            } => {
                let (types, levels) = vocabs(axis);
                Reason::Capped {
                    cap: S::from(p.caps[cap].id.as_str()),
                    r#type: id_of(types, ty),
                    axis: axis_name(axis),
                    from: id_of(levels, from),
                    to: id_of(levels, to),
                }
            }
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

    /// Write the JSON line of [`Engine::classify_facts`] after the contact's id: `,"verdict":…}`.
    /// The same serialisation as the owned result (ids borrowed instead of cloned), with its
    /// leading `{"id":null` cut off, so the two cannot differ.
    pub(crate) fn write_json_tail(&self, w: &mut Vec<u8>, facts: &Facts) -> std::io::Result<()> {
        const NO_ID: &[u8] = b"{\"id\":null";
        let c: Classification<&str> = self.classification(None, &self.evaluate(facts));
        let start = w.len();
        serde_json::to_writer(&mut *w, &c)?;
        if w.get(start..).is_some_and(|t| t.starts_with(NO_ID)) {
            w.drain(start..start + NO_ID.len());
        }
        Ok(())
    }
}

/// Does an invariant's `when` hold for the contact (all contacts when absent)?
fn admits(inv: &crate::policy::Invariant, contact: &eval::Contact) -> bool {
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

/// The types and the levels of an axis.
fn vocabs(axis: AxisKind) -> (Vocab, Vocab) {
    match axis {
        AxisKind::Conduct => (Vocab::ConductType, Vocab::Conduct),
        AxisKind::Demand => (Vocab::DemandType, Vocab::Demand),
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

//! Lowering: a bundle turned back into a compiled [`Policy`], so that the very evaluator the
//! checker uses (`eval`) judges the contacts of a CRM. The inverse of `emit::bundle::build`,
//! item kind by item kind; what `eval` never reads (texts, descriptions, aftercare, cases) is
//! left out.
//!
//! Every reference is resolved by [`Lower::one`] (or, for a step, [`steps_of`]), the only places
//! a lowering fails. A bundle is written by a machine, so the lowering stops at the first
//! reference that does not resolve and names it (`BundleError` holds one message); items are
//! lowered in a fixed order (grid, conduct types, demand types, caps, flows, invariants), so the
//! problem named is the same every time.

use super::vocab::Vocab;
use super::{Bundle, BundleError, Condition};
use crate::diag::{At, FileId, Origin};
use crate::i18n::Msg;
use crate::model::Org;
use crate::msg;
use crate::policy::{self, AxisKind, Cond, Policy, Text};
use std::collections::HashMap;

/// The compiled policy of a bundle, or the first reference that does not resolve.
pub(super) fn policy(b: &Bundle) -> Result<Policy, BundleError> {
    let l = Lower::new(b);
    // The fallible parts first, in the order that decides which problem is named.
    let grid = l.grid()?;
    let conduct_types = all(&b.conduct_types, |t| l.conduct_type(t))?;
    let demand_types = all(&b.demand_types, |t| l.demand_type(t))?;
    let caps = all(&b.caps, |c| l.cap(c))?;
    let flows = all(&b.flows, |f| l.flow(f))?;
    let invariants = all(&b.invariants, |i| l.invariant(i))?;
    Ok(Policy {
        manifest: manifest(b),
        stance: None,
        thresholds: Vec::new(),
        conduct: axis(&b.axes.conduct),
        demand: axis(&b.axes.demand),
        verdicts: b.verdicts.iter().map(verdict).collect(),
        grid,
        grid_origin: origin(),
        conduct_types,
        demand_types,
        events: labelled(&b.events),
        caps,
        channels: labelled(&b.channels),
        tags: labelled(&b.tags),
        parties: labelled(&b.parties),
        counters: b.counters.iter().map(counter).collect(),
        roles: b.roles.iter().map(role).collect(),
        scripts: b.scripts.iter().map(script).collect(),
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
    })
}

/// Each item lowered, or the first error.
fn all<T, U>(
    items: &[T],
    lower: impl FnMut(&T) -> Result<U, BundleError>,
) -> Result<Vec<U>, BundleError> {
    items.iter().map(lower).collect()
}

/// Lowered items have no source: every origin is the start of a nameless file.
fn origin() -> Origin {
    Origin::new(FileId(0), At::File)
}

fn named(id: &str, label: &str) -> policy::Named {
    policy::Named {
        id: id.into(),
        label: label.into(),
        describe: None,
        origin: origin(),
    }
}

fn labelled(items: &[super::Labelled]) -> Vec<policy::Named> {
    items.iter().map(|l| named(&l.id, &l.label)).collect()
}

fn manifest(b: &Bundle) -> policy::Manifest {
    policy::Manifest {
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
    }
}

fn axis(a: &super::Axis) -> policy::Axis {
    policy::Axis {
        label: a.label.clone(),
        levels: a.levels.iter().map(|l| named(&l.id, &l.label)).collect(),
    }
}

fn verdict(v: &super::Verdict) -> policy::Verdict {
    policy::Verdict {
        id: v.id.clone(),
        label: v.label.clone(),
        color: v.color.clone(),
        describe: None,
        origin: origin(),
    }
}

fn counter(c: &super::Counter) -> policy::Counter {
    policy::Counter {
        id: c.id.clone(),
        label: c.label.clone(),
        window: c.window_seconds,
        origin: origin(),
    }
}

fn role(r: &super::Role) -> policy::Role {
    policy::Role {
        id: r.id.clone(),
        label: r.label.clone(),
        org: match r.org.as_str() {
            "inhouse" => Org::Inhouse,
            "external" => Org::External,
            _ => Org::Vendor,
        },
        describe: None,
        origin: origin(),
    }
}

fn script(s: &super::Script) -> policy::Script {
    policy::Script {
        id: s.id.clone(),
        purpose: s.purpose.clone(),
        channels: Vec::new(),
        text: Text {
            src: s.text.clone(),
            origin: origin(),
        },
        origin: origin(),
    }
}

/// Where each id of a flow's steps is in the flow, and the error for one it lacks.
fn steps_of(f: &super::Flow) -> impl Fn(&str) -> Result<usize, BundleError> + '_ {
    let index: HashMap<&str, usize> = position(f.steps.iter().map(|s| s.id.as_str()));
    move |id| {
        index
            .get(id)
            .copied()
            .ok_or_else(|| BundleError(msg!("bundle-no-step", flow = &f.id, step = id)))
    }
}

/// Each id's position in its list (an id listed twice: its last position).
fn position<'a>(ids: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    ids.enumerate().map(|(i, id)| (id, i)).collect()
}

/// A bundle being lowered: where each id is in its list.
struct Lower<'a> {
    b: &'a Bundle,
    /// Per vocabulary (`Vocab as usize`), each id's position.
    index: [HashMap<&'a str, usize>; Vocab::ALL.len()],
    /// Scripts are looked up apart: a step's unknown script is dropped, not an error.
    scripts: HashMap<&'a str, usize>,
}

impl<'a> Lower<'a> {
    fn new(b: &'a Bundle) -> Self {
        Lower {
            b,
            index: Vocab::ALL.map(|v| position(v.in_bundle(b).into_iter())),
            scripts: position(b.scripts.iter().map(|s| s.id.as_str())),
        }
    }

    /// The position of `id` in `vocab`, or the error naming it.
    fn one(&self, vocab: Vocab, id: &str) -> Result<usize, BundleError> {
        self.index[vocab as usize].get(id).copied().ok_or_else(|| {
            BundleError(msg!(
                "bundle-unknown-ref",
                what = Msg::new(vocab.what()),
                id = id
            ))
        })
    }

    fn opt(&self, vocab: Vocab, id: Option<&str>) -> Result<Option<usize>, BundleError> {
        id.map(|id| self.one(vocab, id)).transpose()
    }

    fn many(&self, vocab: Vocab, ids: &[String]) -> Result<Vec<usize>, BundleError> {
        ids.iter().map(|id| self.one(vocab, id)).collect()
    }

    fn some(
        &self,
        vocab: Vocab,
        ids: &Option<Vec<String>>,
    ) -> Result<Option<Vec<usize>>, BundleError> {
        ids.as_deref().map(|v| self.many(vocab, v)).transpose()
    }

    /// A condition with its ids resolved; the inverse of `emit::bundle`'s `cond`.
    fn cond(&self, c: &Condition) -> Result<Cond, BundleError> {
        Ok(Cond {
            verdict: self.some(Vocab::Verdict, &c.verdict)?,
            conduct_at_least: self.opt(Vocab::Conduct, c.conduct_at_least.as_deref())?,
            demand_at_least: self.opt(Vocab::Demand, c.demand_at_least.as_deref())?,
            conduct_types: self.some(Vocab::ConductType, &c.conduct_types)?,
            demand_types: self.some(Vocab::DemandType, &c.demand_types)?,
            tags: self.some(Vocab::Tag, &c.tags)?,
            channel: self.some(Vocab::Channel, &c.channel)?,
            event: self.some(Vocab::Event, &c.event)?,
            minutes_at_least: c.seconds_at_least,
            repeats_at_least: c.repeats_at_least,
            not: c
                .not
                .as_deref()
                .map(|n| self.cond(n))
                .transpose()?
                .map(Box::new),
            party: self.some(Vocab::Party, &c.party)?,
            targeted: c.targeted,
            counts_at_least: c
                .counts_at_least
                .as_ref()
                .map(|m| {
                    m.iter()
                        .map(|(k, n)| Ok((self.one(Vocab::Counter, k)?, *n)))
                        .collect::<Result<Vec<_>, BundleError>>()
                })
                .transpose()?,
            any: c
                .any
                .as_deref()
                .map(|l| all(l, |x| self.cond(x)))
                .transpose()?,
        })
    }

    fn when(&self, c: &Option<Condition>) -> Result<Option<Cond>, BundleError> {
        c.as_ref().map(|c| self.cond(c)).transpose()
    }

    /// One row per conduct level, one verdict per demand level.
    fn grid(&self) -> Result<Vec<Vec<usize>>, BundleError> {
        let (b, demand) = (self.b, self.b.axes.demand.levels.len());
        let row = |level: &super::Level| {
            let row = b
                .grid
                .get(&level.id)
                .ok_or_else(|| BundleError(msg!("grid-row-missing", level = &level.id)))?;
            if row.len() != demand {
                return Err(BundleError(msg!(
                    "grid-row-length",
                    row = &level.id,
                    verdicts = row.len(),
                    levels = demand
                )));
            }
            self.many(Vocab::Verdict, row)
        };
        all(&b.axes.conduct.levels, row)
    }

    fn ty(
        &self,
        axis: AxisKind,
        (id, label): (&str, &str),
        min_level: usize,
        verdict: Option<usize>,
        when: &Option<Condition>,
    ) -> Result<policy::Type, BundleError> {
        Ok(policy::Type {
            id: id.into(),
            label: label.into(),
            axis,
            min_level,
            verdict,
            // Only the checker reads it (E211); the evaluator does not.
            independent_of_demand: false,
            when: self.when(when)?,
            describe: None,
            origin: origin(),
        })
    }

    fn conduct_type(&self, t: &super::ConductType) -> Result<policy::Type, BundleError> {
        self.ty(
            AxisKind::Conduct,
            (&t.id, &t.label),
            self.one(Vocab::Conduct, &t.min_level)?,
            self.opt(Vocab::Verdict, t.verdict.as_deref())?,
            &t.when,
        )
    }

    fn demand_type(&self, t: &super::DemandType) -> Result<policy::Type, BundleError> {
        self.ty(
            AxisKind::Demand,
            (&t.id, &t.label),
            self.one(Vocab::Demand, &t.min_level)?,
            None,
            &t.when,
        )
    }

    fn cap(&self, c: &super::Cap) -> Result<policy::Cap, BundleError> {
        Ok(policy::Cap {
            id: c.id.clone(),
            label: c.label.clone(),
            when: self.cond(&c.when)?,
            types: [
                self.many(Vocab::ConductType, &c.conduct_types)?,
                self.many(Vocab::DemandType, &c.demand_types)?,
            ],
            max: [
                self.opt(Vocab::Conduct, c.max_conduct.as_deref())?,
                self.opt(Vocab::Demand, c.max_demand.as_deref())?,
            ],
            describe: None,
            origin: origin(),
        })
    }

    fn flow(&self, f: &super::Flow) -> Result<policy::Flow, BundleError> {
        let step_ix = steps_of(f);
        let steps = all(&f.steps, |s| self.step(s, &step_ix))?;
        Ok(policy::Flow {
            id: f.id.clone(),
            title: f.title.clone(),
            describe: None,
            applies_to: self.cond(&f.applies_to)?,
            start: step_ix(&f.start)?,
            steps,
            origin: origin(),
        })
    }

    fn step(
        &self,
        s: &super::Step,
        step_ix: &impl Fn(&str) -> Result<usize, BundleError>,
    ) -> Result<policy::Step, BundleError> {
        let next = all(&s.next, |e| {
            Ok(policy::Branch {
                when: self.when(&e.when)?,
                to: step_ix(&e.to)?,
                origin: origin(),
            })
        })?;
        Ok(policy::Step {
            id: s.id.clone(),
            role: self.one(Vocab::Role, &s.role)?,
            title: s.title.clone(),
            action: None,
            limit: s.limit_seconds,
            hold: s.hold_seconds,
            script: s
                .script
                .as_deref()
                .and_then(|x| self.scripts.get(x).copied()),
            repeat: s.repeat,
            next,
            end: s.end.clone(),
            origin: origin(),
        })
    }

    fn invariant(&self, i: &super::Invariant) -> Result<policy::Invariant, BundleError> {
        Ok(policy::Invariant {
            id: i.id.clone(),
            text: i.text.clone(),
            when: self.when(&i.when)?,
            reach_role: if i.reach_roles.is_empty() {
                None
            } else {
                Some(self.many(Vocab::Role, &i.reach_roles)?)
            },
            max_hold: i.max_hold_seconds,
            max_limit: i.max_limit_seconds,
            origin: origin(),
        })
    }
}

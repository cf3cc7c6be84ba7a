//! Linking: the typed sources into a [`Policy`] whose references are indices.
//!
//! Reports duplicate ids, dangling references (with "did you mean"), undeclared channels and tags,
//! thresholds of the wrong kind, and the shape of the grid and of flows. An item whose references
//! do not resolve is left out, and its area is marked incomplete so that later analyses do not
//! report follow-on errors.
//!
//! A [`Linker`] holds the one diagnostics collector, the thresholds and an id [`Table`] per kind
//! of id (each id with its index and origin). It links in phases, one method per part of the
//! policy, in the order of the sources (criteria, vocabulary, roles, scripts, flows, aftercare,
//! invariants, definitions, cases, pages); `cond.rs` links conditions and thresholds, `flow.rs`
//! flows and cases, `table.rs` holds the tables.

mod cond;
mod flow;
mod table;

use crate::diag::{Code, Diagnostic, Origin, did_you_mean};
use crate::i18n::Arg;
use crate::model::{self, Kind, ThresholdValue};
use crate::msg;
use crate::policy::*;
use crate::validate::{Item, Validated};
use table::{Declare, IdKind, Table, filed, listed, listed_by_id, vocabulary};

/// What could not be linked completely; analyses that depend on it are skipped.
#[derive(Clone, Debug, Default)]
pub(crate) struct Gaps {
    /// Some threshold (or the whole manifest) could not be read: names are not checked.
    pub thresholds: bool,
    /// Some level, verdict, grid row, type, counter or cap could not be linked (or the
    /// criteria could not be read): the analyses that evaluate verdicts are skipped.
    pub criteria: bool,
    /// Some flow could not be read or linked: flow choice and case flows are not checked.
    pub flows: bool,
    /// Some case could not be read or linked: coverage is not measured.
    pub cases: bool,
    /// Some role could not be read: invariants on roles are not checked.
    pub roles: bool,
}

/// Link validated sources: the policy (`None` when the criteria could not be read), every
/// diagnostic of linking, and what could not be linked.
pub(crate) fn link(v: &Validated) -> (Option<Policy>, Vec<Diagnostic>, Gaps) {
    let Some(criteria) = &v.criteria else {
        let gaps = Gaps {
            thresholds: true,
            criteria: true,
            flows: true,
            cases: true,
            roles: true,
        };
        return (None, Vec::new(), gaps);
    };
    // Without a readable manifest the rest is still checked, with no thresholds known.
    let fallback;
    let manifest = match &v.manifest {
        Some(m) => m,
        None => {
            fallback = unknown_manifest(criteria.origin.clone());
            &fallback
        }
    };
    let mut l = Linker::new(v, manifest, criteria);
    let policy = l.policy();
    (Some(policy), l.d, l.gaps)
}

/// A manifest that stands in for an unreadable `policy.yaml`.
fn unknown_manifest(origin: Origin) -> Item<model::Manifest> {
    Item {
        value: model::Manifest {
            id: model::Id("unknown".into()),
            title: String::new(),
            version: model::Version("0.0.0".into()),
            lang: None,
            slogan: None,
            owners: Vec::new(),
            effective_from: None,
            organization: None,
            created: None,
            revised: None,
            legal_refs: Vec::new(),
            thresholds: Default::default(),
            vendors: Vec::new(),
            timezone: None,
            fork: None,
            extends: None,
            remove: None,
        },
        origin,
        body: None,
    }
}

/// The linking of one policy: the sources, the diagnostics found so far, the gaps, and the id
/// tables every reference is resolved against.
struct Linker<'v> {
    v: &'v Validated,
    manifest: &'v Item<model::Manifest>,
    criteria: &'v Item<model::Criteria>,
    d: Vec<Diagnostic>,
    gaps: Gaps,
    thresholds: Vec<Threshold>,
    conduct: Table<'v, model::Level>,
    demand: Table<'v, model::Level>,
    verdicts: Table<'v, model::VerdictDef>,
    conduct_types: Table<'v, model::ConductType>,
    demand_types: Table<'v, model::DemandType>,
    events: Table<'v, model::Labelled>,
    channels: Table<'v, model::Labelled>,
    tags: Table<'v, model::Labelled>,
    parties: Table<'v, model::Labelled>,
    counters: Table<'v, model::Counter>,
    roles: Table<'v, Item<model::Role>>,
    scripts: Table<'v, Item<model::Script>>,
    flows: Table<'v, Item<model::Flow>>,
    definitions: Table<'v, Item<model::DefinitionMatter>>,
}

impl<'v> Linker<'v> {
    /// Read the thresholds and fill every id table (duplicates reported), in source order.
    fn new(
        v: &'v Validated,
        manifest: &'v Item<model::Manifest>,
        criteria: &'v Item<model::Criteria>,
    ) -> Self {
        let complete = |k: Kind| !v.incomplete.contains(&k);
        let mut d = Vec::new();
        let (thresholds, thresholds_ok) = read_thresholds(manifest, &mut d);
        let mut t = Declare {
            incomplete: &v.incomplete,
            d: &mut d,
        };
        let c = &criteria.value;
        let levels = |axis: &str| criteria.at("axes").child(axis).child("levels");
        let conduct = t.table(
            IdKind::ConductLevel,
            listed(&c.axes.conduct.levels, levels("conduct")),
        );
        let demand = t.table(
            IdKind::DemandLevel,
            listed(&c.axes.demand.levels, levels("demand")),
        );
        let at = |key: &str| criteria.at(key);
        let verdicts = t.table(IdKind::Verdict, listed(&c.verdicts, at("verdicts")));
        let conduct_types = t.table(
            IdKind::ConductType,
            listed(&c.conduct_types, at("conduct_types")),
        );
        let demand_types = t.table(
            IdKind::DemandType,
            listed(&c.demand_types, at("demand_types")),
        );
        let events = t.table(IdKind::Event, listed(&c.events, at("events")));
        let channels = t.table(IdKind::Channel, vocabulary(v, "channels", |x| &x.channels));
        let tags = t.table(IdKind::Tag, vocabulary(v, "tags", |x| &x.tags));
        let parties = t.table(IdKind::Party, vocabulary(v, "parties", |x| &x.parties));
        let counters = t.table(IdKind::Counter, vocabulary(v, "counters", |x| &x.counters));
        let roles = t.table(IdKind::Role, filed(&v.roles));
        let scripts = t.table(IdKind::Script, filed(&v.scripts));
        let flows = t.table(IdKind::Flow, filed(&v.flows));
        let definitions = t.table(IdKind::Definition, filed(&v.definitions));
        // Vendors are only checked for duplicates: nothing in the policy refers to them.
        let vendors = &manifest.value.vendors;
        t.table(
            IdKind::Vendor,
            listed_by_id(vendors, manifest.at("vendors")),
        );
        Linker {
            v,
            manifest,
            criteria,
            d,
            gaps: Gaps {
                thresholds: !thresholds_ok || !complete(Kind::Manifest),
                criteria: !complete(Kind::Criteria),
                flows: !complete(Kind::Flow),
                cases: !complete(Kind::Case),
                roles: !complete(Kind::Roles),
            },
            thresholds,
            conduct,
            demand,
            verdicts,
            conduct_types,
            demand_types,
            events,
            channels,
            tags,
            parties,
            counters,
            roles,
            scripts,
            flows,
            definitions,
        }
    }

    /// Link every part of the policy, in source order.
    fn policy(&mut self) -> Policy {
        self.fork_bounds();
        let (conduct, demand, verdicts) = self.axes();
        let grid = self.grid();
        let conduct_types = self.types(AxisKind::Conduct);
        let demand_types = self.types(AxisKind::Demand);
        if self.conduct_types.len() != conduct_types.len()
            || self.demand_types.len() != demand_types.len()
        {
            self.gaps.criteria = true;
        }
        let events = self.events();
        let channels = vocabulary_items(&self.channels);
        let tags = vocabulary_items(&self.tags);
        let parties = vocabulary_items(&self.parties);
        let counters = self.counters();
        let caps = self.caps();
        let roles = self.roles();
        let scripts = self.scripts();
        let flows = self.linked_flows();
        let aftercare = self.aftercare();
        let invariants = self.invariants();
        let definitions = self.definitions();
        let cases = self.cases();
        self.dates();
        let v = self.v;
        Policy {
            manifest: self.compiled_manifest(),
            stance: v.stance.as_ref().map(stance),
            thresholds: self.thresholds.clone(),
            conduct,
            demand,
            verdicts,
            grid,
            grid_origin: self.criteria.at("grid"),
            conduct_types,
            demand_types,
            events,
            caps,
            channels,
            tags,
            parties,
            counters,
            roles,
            scripts,
            flows,
            aftercare,
            invariants,
            definitions,
            cases,
            pages: pages(v),
            synonyms: v
                .vocabulary
                .iter()
                .flat_map(|voc| &voc.value.synonyms)
                .map(|x| (x.term.clone(), x.words.clone()))
                .collect(),
            compliance: None,
            provenance: Default::default(),
            lineage: Vec::new(),
            review: None,
        }
    }

    /// A fork's `bounds` are durations (literal or thresholds).
    fn fork_bounds(&mut self) {
        let manifest = self.manifest;
        let Some(bounds) = manifest.value.fork.as_ref().and_then(|f| f.bounds.as_ref()) else {
            return;
        };
        let o = manifest.at("fork").child("bounds");
        for (key, b) in [("hold", &bounds.hold), ("limit", &bounds.limit)] {
            if let Some(b) = b {
                self.duration(&b.max, &o.child(key).child("max"));
            }
        }
    }

    /// The two axes and the verdicts, every level and verdict kept; a duplicate id among them
    /// marks the criteria incomplete.
    fn axes(&mut self) -> (Axis, Axis, Vec<Verdict>) {
        let c = &self.criteria.value;
        let at = self.criteria.at("axes");
        let axis = |a: &model::Axis, at: Origin| Axis {
            label: a.label.clone(),
            levels: a
                .levels
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let o = at.child("levels").child(i);
                    Named {
                        id: x.id.0.clone(),
                        label: x.label.clone(),
                        describe: opt_text(&x.describe, o.child("describe")),
                        origin: o,
                    }
                })
                .collect(),
        };
        let conduct = axis(&c.axes.conduct, at.child("conduct"));
        let demand = axis(&c.axes.demand, at.child("demand"));
        let verdicts: Vec<Verdict> = c
            .verdicts
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let o = self.criteria.at("verdicts").child(i);
                Verdict {
                    id: x.id.0.clone(),
                    label: x.label.clone(),
                    color: x.color.clone(),
                    describe: opt_text(&x.describe, o.child("describe")),
                    origin: o,
                }
            })
            .collect();
        if self.conduct.len() != conduct.levels.len()
            || self.demand.len() != demand.levels.len()
            || self.verdicts.len() != verdicts.len()
        {
            self.gaps.criteria = true;
        }
        (conduct, demand, verdicts)
    }

    /// The grid: one row per conduct level, one verdict per demand level. A row that is
    /// unknown, missing or of the wrong length marks the criteria incomplete.
    fn grid(&mut self) -> Vec<Vec<usize>> {
        let c = &self.criteria.value;
        let grid_origin = self.criteria.at("grid");
        let demand_levels = c.axes.demand.levels.len();
        let mut grid = vec![Vec::new(); c.axes.conduct.levels.len()];
        let mut ok = true;
        for (row_id, row) in &c.grid {
            let ro = grid_origin.child(crate::diag::escape(row_id));
            let Some(ci) = self.conduct.get(row_id) else {
                let hint = did_you_mean(row_id, self.conduct.ids()).unwrap_or_else(|| {
                    msg!("grid-rows-are", levels = Arg::any_of(self.conduct.ids()))
                });
                self.d.push(
                    Diagnostic::new(
                        Code::GridShape,
                        msg!("grid-row-unknown", row = row_id.as_str()),
                    )
                    .at(ro.key())
                    .hint(hint),
                );
                ok = false;
                continue;
            };
            if row.len() != demand_levels {
                self.d.push(
                    Diagnostic::new(
                        Code::GridShape,
                        msg!(
                            "grid-row-length",
                            row = row_id.as_str(),
                            verdicts = row.len(),
                            levels = demand_levels
                        ),
                    )
                    .at(ro.clone())
                    .hint(msg!(
                        "grid-row-length-hint",
                        levels = Arg::list(self.demand.ids())
                    )),
                );
                ok = false;
            }
            // The verdicts that resolve are kept, in order.
            let mut cells = Vec::new();
            for (j, verdict) in row.iter().enumerate() {
                match (self.verdicts).resolve(verdict.as_str(), ro.child(j), &mut self.d) {
                    Some(x) => cells.push(x),
                    None => ok = false,
                }
            }
            grid[ci] = cells;
        }
        for lvl in &c.axes.conduct.levels {
            if !c.grid.contains_key(lvl.id.as_str()) {
                self.d.push(
                    Diagnostic::new(
                        Code::GridShape,
                        msg!("grid-row-missing", level = lvl.id.as_str()),
                    )
                    .at(grid_origin.key())
                    .hint(msg!("grid-row-missing-hint", level = lvl.id.as_str())),
                );
                ok = false;
            }
        }
        if !ok {
            self.gaps.criteria = true;
        }
        grid
    }

    /// The types of one axis. A type with an error stays in the list (at the lowest level,
    /// without its condition), so the indices conditions hold stay valid; the criteria gap
    /// stops the checks that would judge with it.
    fn types(&mut self, axis: AxisKind) -> Vec<Type> {
        let criteria = self.criteria;
        let c = &criteria.value;
        let (key, sources): (&str, Vec<TypeSource>) = match axis {
            AxisKind::Conduct => (
                "conduct_types",
                c.conduct_types.iter().map(TypeSource::from).collect(),
            ),
            AxisKind::Demand => (
                "demand_types",
                c.demand_types.iter().map(TypeSource::from).collect(),
            ),
        };
        let mut out = Vec::new();
        for (i, t) in sources.into_iter().enumerate() {
            let o = criteria.at(key).child(i);
            let levels = match axis {
                AxisKind::Conduct => &self.conduct,
                AxisKind::Demand => &self.demand,
            };
            let min = levels.resolve(t.min_level.as_str(), o.child("min_level"), &mut self.d);
            let verdict = t.verdict.map(|v| {
                self.verdicts
                    .resolve(v.as_str(), o.child("verdict"), &mut self.d)
            });
            let when = t.when.map(|w| self.fact_cond(w, &o.child("when")));
            let complete = matches!(
                (min, verdict, &when),
                (Some(_), None | Some(Some(_)), None | Some(Some(_)))
            );
            if !complete {
                self.gaps.criteria = true;
            }
            out.push(Type {
                id: t.id.0.clone(),
                label: t.label.clone(),
                axis,
                min_level: min.unwrap_or(0),
                verdict: verdict.flatten(),
                independent_of_demand: t.independent_of_demand,
                when: if complete { when.flatten() } else { None },
                describe: opt_text(t.describe, o.child("describe")),
                origin: o,
            });
        }
        out
    }

    /// The events, every one kept.
    fn events(&self) -> Vec<Named> {
        let at = self.criteria.at("events");
        (self.criteria.value.events.iter().enumerate())
            .map(|(i, x)| Named {
                id: x.id.0.clone(),
                label: x.label.clone(),
                describe: None,
                origin: at.child(i),
            })
            .collect()
    }

    /// The counters; a window that is not a duration marks the criteria incomplete.
    fn counters(&mut self) -> Vec<Counter> {
        let mut out = Vec::new();
        for e in self.counters.entries() {
            let window = e.item.window.as_ref().and_then(|w| {
                let s = self.duration(w, &e.origin.child("window"));
                if s.is_none() {
                    self.gaps.criteria = true;
                }
                s
            });
            out.push(Counter {
                id: e.id.to_string(),
                label: e.item.label.clone(),
                window,
                origin: e.origin,
            });
        }
        out
    }

    /// Protective caps: references resolved; a `when` that tests what the cap changes
    /// (verdicts, effective levels) or what happens later (events) is `E214`. A cap that cannot
    /// be linked is left out and the criteria are marked incomplete.
    fn caps(&mut self) -> Vec<Cap> {
        let criteria = self.criteria;
        let mut ids = Table::new(IdKind::Cap, true);
        let mut out = Vec::new();
        for (i, x) in criteria.value.caps.iter().enumerate() {
            let o = criteria.at("caps").child(i);
            if !ids.add(x.id.as_str(), o.child("id"), x, &mut self.d) {
                self.gaps.criteria = true;
                continue;
            }
            // A `when` testing levels, verdicts or events (`E214`) keeps the cap for the checks
            // on its types, but the analyses that evaluate caps are skipped.
            for key in super::caps::forbidden_keys(&x.when) {
                self.d
                    .push(super::caps::condition_error(&x.id.0, key, o.child("when")));
                self.gaps.criteria = true;
            }
            let when = self.cond(&x.when, &o.child("when"));
            let d = &mut self.d;
            let ct =
                (self.conduct_types).resolve_all(&x.conduct_types, o.child("conduct_types"), d);
            let dt = (self.demand_types).resolve_all(&x.demand_types, o.child("demand_types"), d);
            let mc = (x.max_conduct.as_ref())
                .map(|m| self.conduct.resolve(m.as_str(), o.child("max_conduct"), d));
            let md = (x.max_demand.as_ref())
                .map(|m| self.demand.resolve(m.as_str(), o.child("max_demand"), d));
            match (when, ct, dt, mc, md) {
                (Some(when), Some(ct), Some(dt), None | Some(Some(_)), None | Some(Some(_))) => out
                    .push(Cap {
                        id: x.id.0.clone(),
                        label: x.label.clone(),
                        when,
                        types: [ct, dt],
                        max: [mc.flatten(), md.flatten()],
                        describe: opt_text(&x.describe, o.child("describe")),
                        origin: o,
                    }),
                _ => self.gaps.criteria = true,
            }
        }
        out
    }

    /// The roles whose id is not a duplicate.
    fn roles(&self) -> Vec<Role> {
        (self.roles.entries().into_iter())
            .map(|e| Role {
                id: e.id.to_string(),
                label: e.item.value.label.clone(),
                org: e.item.value.org,
                describe: opt_text(&e.item.value.describe, e.item.at("describe")),
                origin: e.item.origin.clone(),
            })
            .collect()
    }

    /// The scripts; an unknown channel is reported and left out of the script.
    fn scripts(&mut self) -> Vec<Script> {
        let mut out = Vec::new();
        for e in self.scripts.entries() {
            let x = e.item;
            let channels =
                self.channels
                    .resolve_all(&x.value.channel, x.at("channel"), &mut self.d);
            out.push(Script {
                id: e.id.to_string(),
                purpose: x.value.purpose.clone(),
                channels: channels.unwrap_or_default(),
                text: text(&x.value.text, x.at("text")),
                origin: x.origin.clone(),
            });
        }
        out
    }

    /// The flows that link; any other marks the flows incomplete.
    fn linked_flows(&mut self) -> Vec<Flow> {
        let mut out = Vec::new();
        for e in self.flows.entries() {
            match self.flow(e.item) {
                Some(flow) => out.push(flow),
                None => self.gaps.flows = true,
            }
        }
        if out.len() != self.v.flows.len() {
            self.gaps.flows = true;
        }
        out
    }

    /// Aftercare items whose role and deadline link; their ids are then checked for
    /// duplicates (a duplicate is reported and kept).
    fn aftercare(&mut self) -> Vec<AftercareItem> {
        let mut linked = Vec::new();
        for x in &self.v.aftercare {
            let role = (self.roles).resolve(x.value.role.as_str(), x.at("role"), &mut self.d);
            let within = self.duration(&x.value.within, &x.at("within"));
            if let (Some(role), Some(within)) = (role, within) {
                linked.push((x, role, within));
            }
        }
        Table::fill(
            IdKind::Aftercare,
            true,
            linked
                .iter()
                .map(|(x, ..)| (x.value.id.as_str(), x.at("id"), *x)),
            &mut self.d,
        );
        linked
            .into_iter()
            .map(|(x, role, within)| AftercareItem {
                id: x.value.id.0.clone(),
                role,
                within,
                title: x.value.title.clone(),
                action: text(&x.value.action, x.at("do")),
                origin: x.origin.clone(),
            })
            .collect()
    }

    /// Invariants: each states a rule (`reach_role`, `max_hold` or `max_limit`); one whose
    /// condition, roles or durations do not link is left out.
    fn invariants(&mut self) -> Vec<Invariant> {
        let mut ids = Table::new(IdKind::Invariant, true);
        let mut out = Vec::new();
        for x in &self.v.invariants {
            if !ids.add(x.value.id.as_str(), x.at("id"), x, &mut self.d) {
                continue;
            }
            let inv = &x.value;
            let when = inv.when.as_ref().map(|w| self.cond(w, &x.at("when")));
            let reach = (inv.reach_role.as_ref())
                .map(|r| self.roles.resolve_list(r, x.at("reach_role"), &mut self.d));
            let max_hold = (inv.max_hold.as_ref()).map(|h| self.duration(h, &x.at("max_hold")));
            let max_limit = (inv.max_limit.as_ref()).map(|h| self.duration(h, &x.at("max_limit")));
            if inv.reach_role.is_none() && max_hold.is_none() && max_limit.is_none() {
                self.d.push(
                    Diagnostic::new(
                        Code::MissingKey,
                        msg!("invariant-no-rule", id = inv.id.as_str()),
                    )
                    .at(x.origin.clone())
                    .hint(msg!("invariant-no-rule-hint")),
                );
            }
            if matches!(when, Some(None))
                || matches!(reach, Some(None))
                || matches!(max_hold, Some(None))
                || matches!(max_limit, Some(None))
            {
                continue;
            }
            out.push(Invariant {
                id: inv.id.0.clone(),
                text: inv.text.clone(),
                when: when.flatten(),
                reach_role: reach.flatten(),
                max_hold: max_hold.flatten(),
                max_limit: max_limit.flatten(),
                origin: x.origin.clone(),
            });
        }
        out
    }

    /// Definitions; an unknown `see_also` is reported and left out.
    fn definitions(&mut self) -> Vec<Definition> {
        let mut out = Vec::new();
        for e in self.definitions.entries() {
            let x = e.item;
            let see =
                (self.definitions).resolve_all(&x.value.see_also, x.at("see_also"), &mut self.d);
            out.push(Definition {
                id: e.id.to_string(),
                term: x.value.term.clone(),
                reading: x.value.reading.clone(),
                aliases: x.value.aliases.clone(),
                see_also: see.unwrap_or_default(),
                summary: x.value.summary.clone(),
                body: body(x),
                origin: x.origin.clone(),
            });
        }
        out
    }

    /// The cases that link; any other marks the cases incomplete.
    fn cases(&mut self) -> Vec<Case> {
        let v = self.v;
        let ids = Table::fill(IdKind::Case, true, filed(&v.cases), &mut self.d);
        let mut out = Vec::new();
        for e in ids.entries() {
            match self.case(e.item) {
                Some(c) => out.push(c),
                None => self.gaps.cases = true,
            }
        }
        out
    }

    /// `policy.yaml` dates are calendar dates, and `revised` is not before `created`.
    fn dates(&mut self) {
        let (m, at) = (&self.manifest.value, |key| self.manifest.at(key));
        for (key, date) in [
            ("effective_from", &m.effective_from),
            ("created", &m.created),
            ("revised", &m.revised),
        ] {
            if let Some(date) = date {
                check_date(date.as_str(), at(key), &mut self.d);
            }
        }
        if let (Some(c), Some(r)) = (&m.created, &m.revised)
            && valid_date(c.as_str())
            && valid_date(r.as_str())
            && r.as_str() < c.as_str()
        {
            self.d.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    msg!(
                        "revised-before-created",
                        revised = r.as_str(),
                        created = c.as_str()
                    ),
                )
                .at(at("revised"))
                .hint(msg!("revised-before-created-hint")),
            );
        }
    }

    /// The manifest as the policy carries it (defaults filled in).
    fn compiled_manifest(&self) -> Manifest {
        let (m, at) = (&self.manifest.value, |key| self.manifest.at(key));
        Manifest {
            id: m.id.0.clone(),
            title: m.title.clone(),
            version: m.version.0.clone(),
            lang: m.lang.clone().unwrap_or_else(|| "ja".into()),
            slogan: opt_text(&m.slogan, at("slogan")),
            owners: m.owners.clone(),
            effective_from: m.effective_from.as_ref().map(|d| d.0.clone()),
            organization: m.organization.clone(),
            created: m.created.as_ref().map(|d| d.0.clone()),
            revised: m.revised.as_ref().map(|d| d.0.clone()),
            legal_refs: m.legal_refs.clone(),
            vendors: m.vendors.clone(),
            timezone: m
                .timezone
                .clone()
                .unwrap_or_else(|| crate::policy::DEFAULT_TIMEZONE.into()),
        }
    }
}

/// `policy.yaml` `thresholds`: names checked, durations parsed. Returns the thresholds that
/// could be read, and false when some could not (unknown names are then not reported).
fn read_thresholds(
    manifest: &Item<model::Manifest>,
    d: &mut Vec<Diagnostic>,
) -> (Vec<Threshold>, bool) {
    let mut out = Vec::new();
    let mut ok = true;
    for (name, value) in &manifest.value.thresholds {
        let origin = manifest.at("thresholds").child(crate::diag::escape(name));
        if !threshold_name(name) {
            d.push(
                Diagnostic::new(Code::InvalidValue, msg!("bad-threshold-name", name = name))
                    .at(origin.key())
                    .hint(msg!("bad-threshold-name-hint")),
            );
            ok = false;
            continue;
        }
        let value = match value {
            ThresholdValue::Count(n) => Quantity::Count(*n),
            ThresholdValue::Duration(s) => match parse_duration(s) {
                Some(secs) => Quantity::Duration(secs),
                None => {
                    d.push(
                        Diagnostic::new(Code::InvalidValue, msg!("duration-too-large", value = s))
                            .at(origin)
                            .hint(msg!("duration-too-large-hint")),
                    );
                    ok = false;
                    continue;
                }
            },
        };
        out.push(Threshold {
            name: name.clone(),
            value,
            origin,
        });
    }
    (out, ok)
}

/// A threshold name: a lowercase letter, then lowercase letters, digits, `_` and `-`.
fn threshold_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// What conduct and demand types have in common, for linking both alike.
struct TypeSource<'v> {
    id: &'v model::Id,
    label: &'v String,
    min_level: &'v model::Id,
    verdict: Option<&'v model::Id>,
    independent_of_demand: bool,
    when: Option<&'v model::FactCondition>,
    describe: &'v Option<String>,
}

impl<'v> From<&'v model::ConductType> for TypeSource<'v> {
    fn from(t: &'v model::ConductType) -> Self {
        TypeSource {
            id: &t.id,
            label: &t.label,
            min_level: &t.min_level,
            verdict: t.verdict.as_ref(),
            independent_of_demand: t.independent_of_demand,
            when: t.when.as_ref(),
            describe: &t.describe,
        }
    }
}

impl<'v> From<&'v model::DemandType> for TypeSource<'v> {
    fn from(t: &'v model::DemandType) -> Self {
        TypeSource {
            id: &t.id,
            label: &t.label,
            min_level: &t.min_level,
            verdict: None,
            independent_of_demand: false,
            when: t.when.as_ref(),
            describe: &t.describe,
        }
    }
}

/// Channels, tags or parties: the items whose id is not a duplicate.
fn vocabulary_items(t: &Table<model::Labelled>) -> Vec<Named> {
    (t.entries().into_iter())
        .map(|e| Named {
            id: e.id.to_string(),
            label: e.item.label.clone(),
            describe: None,
            origin: e.origin,
        })
        .collect()
}

/// `stance.md`.
fn stance(s: &Item<model::StanceMatter>) -> Stance {
    Stance {
        title: s.value.title.clone(),
        principles: (s.value.principles.iter().enumerate())
            .map(|(i, p)| text(p, s.at("principles").child(i)))
            .collect(),
        body: body(s),
        public: s.value.public.as_ref().map(|pb| PublicStance {
            title: pb.title.clone(),
            text: text(&pb.text, s.at("public").child("text")),
            closing: opt_text(&pb.closing, s.at("public").child("closing")),
        }),
    }
}

/// The pages, by `order` and then id.
fn pages(v: &Validated) -> Vec<Page> {
    let mut pages: Vec<Page> = v
        .pages
        .iter()
        .map(|(id, x)| Page {
            id: id.clone(),
            title: x.value.title.clone(),
            order: x.value.order,
            body: body(x),
            origin: x.origin.clone(),
        })
        .collect();
    pages.sort_by(|a, b| a.order.cmp(&b.order).then(a.id.cmp(&b.id)));
    pages
}

fn text(src: &str, origin: Origin) -> Text {
    Text {
        src: src.to_string(),
        origin,
    }
}

fn opt_text(src: &Option<String>, origin: Origin) -> Option<Text> {
    src.as_ref().map(|s| text(s, origin))
}

/// The Markdown body of an item (empty when it has none).
fn body<T>(item: &Item<T>) -> Text {
    text(item.body.as_deref().unwrap_or(""), item.body_at(0))
}

/// A real calendar date (`YYYY-MM-DD`).
pub(crate) fn valid_date(s: &str) -> bool {
    let p: Vec<u32> = s.split('-').filter_map(|x| x.parse().ok()).collect();
    let [y, m, d] = p[..] else { return false };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=12).contains(&m) && d >= 1 && d <= days[m as usize - 1]
}

fn check_date(s: &str, origin: Origin, d: &mut Vec<Diagnostic>) {
    if !valid_date(s) {
        d.push(
            Diagnostic::new(Code::InvalidValue, msg!("not-a-calendar-date", value = s))
                .at(origin)
                .hint(msg!("not-a-calendar-date-hint")),
        );
    }
}

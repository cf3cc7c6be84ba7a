//! Linking: the typed sources into a [`Policy`] whose references are indices.
//!
//! Reports duplicate ids, dangling references (with "did you mean"), undeclared channels and tags,
//! thresholds of the wrong kind, and the shape of the grid and of flows. An item whose references
//! do not resolve is left out, and its area is marked incomplete so that later analyses do not
//! report follow-on errors.

use crate::diag::{Code, Diagnostic, Origin, did_you_mean};
use crate::i18n::{Arg, Msg};
use crate::model::{self, CountRef, DurationRef, Kind, MinutesRef, OneOrMany, ThresholdValue};
use crate::msg;
use crate::policy::*;
use crate::validate::{Item, Validated};
use std::collections::HashMap;

/// What could not be linked completely; analyses that depend on it are skipped.
#[derive(Clone, Debug, Default)]
pub struct Gaps {
    /// Some threshold (or the whole manifest) could not be read: names are not checked.
    pub thresholds: bool,
    pub criteria: bool,
    pub flows: bool,
    pub cases: bool,
    pub roles: bool,
}

/// An id table of one kind.
struct Table {
    /// The catalogue id naming the kind (`what-role`).
    what: &'static str,
    ids: HashMap<String, usize>,
    names: Vec<String>,
    /// False when some items of this kind could not be read: unknown ids are not reported.
    complete: bool,
}

impl Table {
    fn new(what: &'static str, complete: bool) -> Self {
        Table {
            what,
            ids: HashMap::new(),
            names: Vec::new(),
            complete,
        }
    }

    fn what(&self) -> Msg {
        Msg::new(self.what)
    }

    /// Add an id; a duplicate is reported and gets no index.
    fn add(
        &mut self,
        id: &str,
        origin: &Origin,
        first: &[Origin],
        d: &mut Vec<Diagnostic>,
    ) -> bool {
        if let Some(&i) = self.ids.get(id) {
            let mut diag = Diagnostic::new(
                Code::DuplicateId,
                msg!("duplicate-id", what = self.what(), id = id),
            )
            .at(origin.clone())
            .hint(msg!("duplicate-id-hint", what = self.what()));
            if let Some(o) = first.get(i) {
                diag = diag.related(o.clone(), msg!("first-used-here"));
            }
            d.push(diag);
            return false;
        }
        self.ids.insert(id.to_string(), self.names.len());
        self.names.push(id.to_string());
        true
    }

    fn get(&self, id: &str) -> Option<usize> {
        self.ids.get(id).copied()
    }

    /// Resolve a reference, reporting it when unknown.
    fn resolve(&self, id: &str, origin: &Origin, d: &mut Vec<Diagnostic>) -> Option<usize> {
        if let Some(i) = self.get(id) {
            return Some(i);
        }
        if self.complete {
            let hint = did_you_mean(id, self.names.iter().map(String::as_str)).unwrap_or_else(
                || match self.names.len() {
                    0 => msg!("none-declared", what = self.what()),
                    n if n <= 12 => msg!(
                        "known-ids",
                        what = self.what(),
                        ids = Arg::any_of(&self.names)
                    ),
                    n => msg!("many-known-ids", count = n),
                },
            );
            d.push(
                Diagnostic::new(
                    Code::UnknownReference,
                    msg!("unknown-reference", what = self.what(), id = id),
                )
                .at(origin.clone())
                .hint(hint),
            );
        }
        None
    }

    fn resolve_all(
        &self,
        ids: &[model::Id],
        origin: &Origin,
        d: &mut Vec<Diagnostic>,
    ) -> Option<Vec<usize>> {
        let mut out = Vec::with_capacity(ids.len());
        let mut ok = true;
        for (i, id) in ids.iter().enumerate() {
            match self.resolve(id.as_str(), &origin.child(i), d) {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn resolve_list(
        &self,
        v: &OneOrMany,
        origin: &Origin,
        d: &mut Vec<Diagnostic>,
    ) -> Option<Vec<usize>> {
        match v {
            OneOrMany::One(id) => self.resolve(id.as_str(), origin, d).map(|i| vec![i]),
            OneOrMany::Many(ids) => self.resolve_all(ids, origin, d),
        }
    }
}

/// Channels and tags are vocabulary: an undeclared one is its own error, since a typo there
/// would silently bypass conditions and invariants.
fn vocab_error(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    for d in &mut diags {
        if d.code == Code::UnknownReference {
            d.code = Code::Undeclared;
            d.message = d.message.clone().with_id("undeclared-reference");
            d.hint = Some(match d.hint.take() {
                Some(h) => msg!("undeclared-hint", hint = h),
                None => msg!("undeclared-hint-alone"),
            });
        }
    }
    diags
}

pub(crate) struct Linker {
    pub d: Vec<Diagnostic>,
    pub gaps: Gaps,
    thresholds: Vec<Threshold>,
    conduct: Table,
    demand: Table,
    verdicts: Table,
    conduct_types: Table,
    demand_types: Table,
    events: Table,
    channels: Table,
    tags: Table,
    parties: Table,
    counters: Table,
    roles: Table,
    scripts: Table,
    flows: Table,
    definitions: Table,
}

impl Linker {
    /// A duration field: a literal or a duration threshold.
    fn duration(&mut self, r: &DurationRef, origin: &Origin) -> Option<u64> {
        if let Some(s) = parse_duration(r.as_str()) {
            return Some(s);
        }
        self.threshold(r.as_str(), origin, true)
    }

    /// Minutes in conditions: a number of minutes, or a duration threshold; in seconds.
    fn minutes(&mut self, r: &MinutesRef, origin: &Origin) -> Option<u64> {
        match r {
            MinutesRef::Minutes(n) => Some(n.saturating_mul(60)),
            MinutesRef::Duration(d) => self.duration(d, origin),
        }
    }

    fn count(&mut self, r: &CountRef, origin: &Origin) -> Option<u64> {
        match r {
            CountRef::Number(n) => Some(*n),
            CountRef::Threshold(name) => self.threshold(name, origin, false),
        }
    }

    fn threshold(&mut self, name: &str, origin: &Origin, want_duration: bool) -> Option<u64> {
        let Some(t) = self.thresholds.iter().find(|t| t.name == name) else {
            let names: Vec<&str> = self.thresholds.iter().map(|t| t.name.as_str()).collect();
            if !self.gaps.thresholds {
                let hint = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
                    msg!(
                        "threshold-hint",
                        name = name,
                        example = if want_duration { "3m" } else { "3" }
                    )
                });
                self.d.push(
                    Diagnostic::new(
                        Code::UnknownReference,
                        msg!(
                            "unknown-reference",
                            what = msg!("what-threshold"),
                            id = name
                        ),
                    )
                    .at(origin.clone())
                    .hint(hint),
                );
            }
            return None;
        };
        match (t.value, want_duration) {
            (Quantity::Duration(s), true) => Some(s),
            (Quantity::Count(n), false) => Some(n),
            (q, _) => {
                let (want, got) = match q {
                    Quantity::Count(n) => (msg!("expect-duration"), msg!("the-count", count = n)),
                    Quantity::Duration(s) => (
                        msg!("expect-count"),
                        msg!("the-duration", duration = format_duration(s)),
                    ),
                };
                self.d.push(
                    Diagnostic::new(
                        Code::QuantityKind,
                        msg!("quantity-kind", name = name, got = got, want = want),
                    )
                    .at(origin.clone())
                    .related(t.origin.clone(), msg!("threshold-declared-here")),
                );
                None
            }
        }
    }

    /// Resolve the ids under `key` of a condition in `table` (vocabulary tables report
    /// undeclared ids); clears `ok` when one fails.
    fn list_in(
        table: &Table,
        vocabulary: bool,
        v: &Option<OneOrMany>,
        origin: &Origin,
        key: &str,
        ok: &mut bool,
        d: &mut Vec<Diagnostic>,
    ) -> Option<Vec<usize>> {
        let v = v.as_ref()?;
        let mut found = Vec::new();
        let r = table.resolve_list(v, &origin.child(key), &mut found);
        d.extend(if vocabulary {
            vocab_error(found)
        } else {
            found
        });
        *ok &= r.is_some();
        r
    }

    /// Link a condition; `None` when a reference in it fails.
    fn cond(&mut self, c: &model::Condition, origin: &Origin) -> Option<Cond> {
        let mut ok = true;
        let level = |t: &Table,
                     id: &Option<model::Id>,
                     key: &str,
                     d: &mut Vec<Diagnostic>,
                     ok: &mut bool| {
            id.as_ref().and_then(|id| {
                let r = t.resolve(id.as_str(), &origin.child(key), d);
                if r.is_none() {
                    *ok = false;
                }
                r
            })
        };
        let mut d = Vec::new();
        let conduct_at_least = level(
            &self.conduct,
            &c.conduct_at_least,
            "conduct_at_least",
            &mut d,
            &mut ok,
        );
        let demand_at_least = level(
            &self.demand,
            &c.demand_at_least,
            "demand_at_least",
            &mut d,
            &mut ok,
        );
        let out = Cond {
            verdict: Self::list_in(
                &self.verdicts,
                false,
                &c.verdict,
                origin,
                "verdict",
                &mut ok,
                &mut d,
            ),
            conduct_at_least,
            demand_at_least,
            conduct_types: Self::list_in(
                &self.conduct_types,
                false,
                &c.conduct_types,
                origin,
                "conduct_types",
                &mut ok,
                &mut d,
            ),
            demand_types: Self::list_in(
                &self.demand_types,
                false,
                &c.demand_types,
                origin,
                "demand_types",
                &mut ok,
                &mut d,
            ),
            tags: Self::list_in(&self.tags, true, &c.tags, origin, "tags", &mut ok, &mut d),
            channel: Self::list_in(
                &self.channels,
                true,
                &c.channel,
                origin,
                "channel",
                &mut ok,
                &mut d,
            ),
            event: Self::list_in(
                &self.events,
                false,
                &c.event,
                origin,
                "event",
                &mut ok,
                &mut d,
            ),
            minutes_at_least: c.minutes_at_least.as_ref().and_then(|m| {
                let r = self.minutes(m, &origin.child("minutes_at_least"));
                ok &= r.is_some();
                r
            }),
            repeats_at_least: c.repeats_at_least.as_ref().and_then(|m| {
                let r = self.count(m, &origin.child("repeats_at_least"));
                ok &= r.is_some();
                r
            }),
            party: Self::list_in(
                &self.parties,
                true,
                &c.party,
                origin,
                "party",
                &mut ok,
                &mut d,
            ),
            targeted: c.targeted,
            counts_at_least: c.counts_at_least.as_ref().and_then(|m| {
                let r = self.counts_at_least(m, &origin.child("counts_at_least"));
                ok &= r.is_some();
                r
            }),
            not: match &c.not {
                Some(n) => match self.cond(n, &origin.child("not")) {
                    Some(n) => Some(Box::new(n)),
                    None => {
                        ok = false;
                        None
                    }
                },
                None => None,
            },
            any: match &c.any {
                Some(list) => {
                    let o = origin.child("any");
                    let linked: Vec<Option<Cond>> = list
                        .iter()
                        .enumerate()
                        .map(|(i, x)| self.cond(x, &o.child(i)))
                        .collect();
                    let all: Option<Vec<Cond>> = linked.into_iter().collect();
                    ok &= all.is_some();
                    all
                }
                None => None,
            },
        };
        self.d.extend(d);
        ok.then_some(out)
    }

    /// `counts_at_least`: declared counters (`E202` otherwise) and counts.
    fn counts_at_least(
        &mut self,
        m: &std::collections::BTreeMap<String, CountRef>,
        origin: &Origin,
    ) -> Option<Vec<(usize, u64)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (name, value) in m {
            let o = origin.child(crate::diag::escape(name));
            let mut d = Vec::new();
            let counter = self.counters.resolve(name, &o.key(), &mut d);
            self.d.extend(vocab_error(d));
            let n = self.count(value, &o);
            match (counter, n) {
                (Some(c), Some(n)) => out.push((c, n)),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn fact_cond(&mut self, c: &model::FactCondition, origin: &Origin) -> Option<Cond> {
        self.cond(&fact_condition(c), origin)
    }
}

/// A plain-fact condition as a general one (its keys are a subset).
fn fact_condition(c: &model::FactCondition) -> model::Condition {
    model::Condition {
        channel: c.channel.clone(),
        tags: c.tags.clone(),
        party: c.party.clone(),
        targeted: c.targeted,
        minutes_at_least: c.minutes_at_least.clone(),
        repeats_at_least: c.repeats_at_least.clone(),
        counts_at_least: c.counts_at_least.clone(),
        not: c.not.as_deref().map(|n| Box::new(fact_condition(n))),
        any: c
            .any
            .as_ref()
            .map(|l| l.iter().map(fact_condition).collect()),
        ..Default::default()
    }
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

fn body<T>(item: &Item<T>) -> Text {
    text(item.body.as_deref().unwrap_or(""), item.body_at(0))
}

/// Fill an id table from items, reporting duplicates.
fn table<T>(
    what: &'static str,
    complete: bool,
    items: &[T],
    id: impl Fn(&T) -> (&str, Origin),
    d: &mut Vec<Diagnostic>,
) -> (Table, Vec<bool>) {
    let mut t = Table::new(what, complete);
    let mut origins = Vec::new();
    let mut keep = Vec::new();
    for it in items {
        let (i, o) = id(it);
        let ok = t.add(i, &o, &origins, d);
        if ok {
            origins.push(o);
        }
        keep.push(ok);
    }
    (t, keep)
}

pub fn link(v: &Validated) -> (Option<Policy>, Vec<Diagnostic>, Gaps) {
    let mut d = Vec::new();
    let Some(criteria) = &v.criteria else {
        let gaps = Gaps {
            thresholds: true,
            criteria: true,
            flows: true,
            cases: true,
            roles: true,
        };
        return (None, d, gaps);
    };
    // Without a readable manifest the rest is still checked, with no thresholds known.
    let fallback;
    let manifest = match &v.manifest {
        Some(m) => m,
        None => {
            fallback = Item {
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
                origin: criteria.origin.clone(),
                body: None,
            };
            &fallback
        }
    };
    let c = &criteria.value;
    let inc = |k: Kind| !v.incomplete.contains(&k);

    // Thresholds.
    let mut thresholds = Vec::new();
    let mut broken_thresholds = v.incomplete.contains(&Kind::Manifest);
    for (name, value) in &manifest.value.thresholds {
        let origin = manifest.at("thresholds").child(crate::diag::escape(name));
        if !regex_threshold(name) {
            d.push(
                Diagnostic::new(Code::InvalidValue, msg!("bad-threshold-name", name = name))
                    .at(origin.key())
                    .hint(msg!("bad-threshold-name-hint")),
            );
            broken_thresholds = true;
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
                    broken_thresholds = true;
                    continue;
                }
            },
        };
        thresholds.push(Threshold {
            name: name.clone(),
            value,
            origin,
        });
    }

    let level_tables =
        |axis: &model::Axis, origin: Origin, what: &'static str, d: &mut Vec<Diagnostic>| {
            table(
                what,
                true,
                &axis.levels.iter().enumerate().collect::<Vec<_>>(),
                |(i, l)| (l.id.as_str(), origin.child("levels").child(i)),
                d,
            )
            .0
        };
    let axes_origin = criteria.at("axes");
    let conduct = level_tables(
        &c.axes.conduct,
        axes_origin.child("conduct"),
        "what-conduct-level",
        &mut d,
    );
    let demand = level_tables(
        &c.axes.demand,
        axes_origin.child("demand"),
        "what-demand-level",
        &mut d,
    );
    let verdicts = table(
        "what-verdict",
        true,
        &c.verdicts.iter().enumerate().collect::<Vec<_>>(),
        |(i, x)| (x.id.as_str(), criteria.at("verdicts").child(i)),
        &mut d,
    )
    .0;
    let conduct_types = table(
        "what-conduct-type",
        true,
        &c.conduct_types.iter().enumerate().collect::<Vec<_>>(),
        |(i, x)| (x.id.as_str(), criteria.at("conduct_types").child(i)),
        &mut d,
    )
    .0;
    let demand_types = table(
        "what-demand-type",
        true,
        &c.demand_types.iter().enumerate().collect::<Vec<_>>(),
        |(i, x)| (x.id.as_str(), criteria.at("demand_types").child(i)),
        &mut d,
    )
    .0;
    let events = table(
        "what-event",
        true,
        &c.events.iter().enumerate().collect::<Vec<_>>(),
        |(i, x)| (x.id.as_str(), criteria.at("events").child(i)),
        &mut d,
    )
    .0;
    // A list of vocabulary.yaml, each item with its origin (empty without the file).
    fn vocab<T: Clone>(
        v: &Validated,
        key: &str,
        list: impl Fn(&model::Vocabulary) -> &Vec<T>,
    ) -> Vec<(T, Origin)> {
        v.vocabulary.as_ref().map_or_else(Vec::new, |voc| {
            list(&voc.value)
                .iter()
                .enumerate()
                .map(|(i, x)| (x.clone(), voc.at(key).child(i)))
                .collect()
        })
    }
    let vocab_channels = vocab(v, "channels", |x| &x.channels);
    let vocab_tags = vocab(v, "tags", |x| &x.tags);
    let (channels, ch_keep) = table(
        "what-channel",
        inc(Kind::Vocabulary),
        &vocab_channels,
        |(x, o)| (x.id.as_str(), o.clone()),
        &mut d,
    );
    let (tags, tag_keep) = table(
        "what-tag",
        inc(Kind::Vocabulary),
        &vocab_tags,
        |(x, o)| (x.id.as_str(), o.clone()),
        &mut d,
    );
    let vocab_parties = vocab(v, "parties", |x| &x.parties);
    let vocab_counters = vocab(v, "counters", |x| &x.counters);
    let (parties, party_keep) = table(
        "what-party",
        inc(Kind::Vocabulary),
        &vocab_parties,
        |(x, o)| (x.id.as_str(), o.clone()),
        &mut d,
    );
    let (counters, counter_keep) = table(
        "what-counter",
        inc(Kind::Vocabulary),
        &vocab_counters,
        |(x, o)| (x.id.as_str(), o.clone()),
        &mut d,
    );
    let (roles, role_keep) = table(
        "what-role",
        inc(Kind::Roles),
        &v.roles,
        |x| (x.value.id.as_str(), x.at("id")),
        &mut d,
    );
    let (scripts, script_keep) = table(
        "what-script",
        inc(Kind::Scripts),
        &v.scripts,
        |x| (x.value.id.as_str(), x.at("id")),
        &mut d,
    );
    let (flows, flow_keep) = table(
        "what-flow",
        inc(Kind::Flow),
        &v.flows,
        |x| (x.value.id.as_str(), x.at("id")),
        &mut d,
    );
    let (definitions, def_keep) = table(
        "what-definition",
        inc(Kind::Definition),
        &v.definitions,
        |x| (x.value.id.as_str(), x.at("id")),
        &mut d,
    );

    let mut l = Linker {
        d,
        gaps: Gaps {
            thresholds: broken_thresholds,
            criteria: !inc(Kind::Criteria),
            flows: !inc(Kind::Flow),
            cases: !inc(Kind::Case),
            roles: !inc(Kind::Roles),
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
    };

    // Vendors and fork bounds.
    let mut vendor_ids = Table::new("what-vendor", true);
    let mut vendor_origins = Vec::new();
    for (i, x) in manifest.value.vendors.iter().enumerate() {
        let o = manifest.at("vendors").child(i).child("id");
        if vendor_ids.add(x.id.as_str(), &o, &vendor_origins, &mut l.d) {
            vendor_origins.push(o);
        }
    }
    if let Some(bounds) = manifest.value.fork.as_ref().and_then(|f| f.bounds.as_ref()) {
        let o = manifest.at("fork").child("bounds");
        for (key, b) in [("hold", &bounds.hold), ("limit", &bounds.limit)] {
            if let Some(b) = b {
                l.duration(&b.max, &o.child(key).child("max"));
            }
        }
    }

    // Axes and verdicts.
    let named = |x: &model::Level, o: Origin| Named {
        id: x.id.0.clone(),
        label: x.label.clone(),
        describe: opt_text(&x.describe, o.child("describe")),
        origin: o,
    };
    let conduct_axis = Axis {
        label: c.axes.conduct.label.clone(),
        levels: c
            .axes
            .conduct
            .levels
            .iter()
            .enumerate()
            .map(|(i, x)| named(x, axes_origin.child("conduct").child("levels").child(i)))
            .collect(),
    };
    let demand_axis = Axis {
        label: c.axes.demand.label.clone(),
        levels: c
            .axes
            .demand
            .levels
            .iter()
            .enumerate()
            .map(|(i, x)| named(x, axes_origin.child("demand").child("levels").child(i)))
            .collect(),
    };
    let verdict_list: Vec<Verdict> = c
        .verdicts
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let o = criteria.at("verdicts").child(i);
            Verdict {
                id: x.id.0.clone(),
                label: x.label.clone(),
                color: x.color.clone(),
                describe: opt_text(&x.describe, o.child("describe")),
                origin: o,
            }
        })
        .collect();
    let unique_levels = l.conduct.names.len() == conduct_axis.levels.len()
        && l.demand.names.len() == demand_axis.levels.len()
        && l.verdicts.names.len() == verdict_list.len();
    if !unique_levels {
        l.gaps.criteria = true;
    }

    // Grid.
    let grid_origin = criteria.at("grid");
    let mut grid = vec![Vec::new(); conduct_axis.levels.len()];
    let mut grid_ok = true;
    for (row_id, row) in &c.grid {
        let ro = grid_origin.child(crate::diag::escape(row_id));
        let Some(ci) = l.conduct.get(row_id) else {
            l.d.push(
                Diagnostic::new(
                    Code::GridShape,
                    msg!("grid-row-unknown", row = row_id.as_str()),
                )
                .at(ro.key())
                .hint(
                    did_you_mean(row_id, l.conduct.names.iter().map(String::as_str))
                        .unwrap_or_else(|| {
                            msg!("grid-rows-are", levels = Arg::any_of(&l.conduct.names))
                        }),
                ),
            );
            grid_ok = false;
            continue;
        };
        if row.len() != demand_axis.levels.len() {
            l.d.push(
                Diagnostic::new(
                    Code::GridShape,
                    msg!(
                        "grid-row-length",
                        row = row_id.as_str(),
                        verdicts = row.len(),
                        levels = demand_axis.levels.len()
                    ),
                )
                .at(ro.clone())
                .hint(msg!(
                    "grid-row-length-hint",
                    levels = Arg::list(&l.demand.names)
                )),
            );
            grid_ok = false;
        }
        let mut cells = Vec::new();
        for (j, vid) in row.iter().enumerate() {
            match l.verdicts.resolve(vid.as_str(), &ro.child(j), &mut l.d) {
                Some(x) => cells.push(x),
                None => grid_ok = false,
            }
        }
        grid[ci] = cells;
    }
    for lvl in &conduct_axis.levels {
        if !c.grid.contains_key(&lvl.id) {
            l.d.push(
                Diagnostic::new(Code::GridShape, msg!("grid-row-missing", level = &lvl.id))
                    .at(grid_origin.key())
                    .hint(msg!("grid-row-missing-hint", level = &lvl.id)),
            );
            grid_ok = false;
        }
    }
    if !grid_ok {
        l.gaps.criteria = true;
    }

    // Types.
    let types = |axis: AxisKind, l: &mut Linker| -> Vec<Type> {
        let mut out = Vec::new();
        let (key, n) = match axis {
            AxisKind::Conduct => ("conduct_types", c.conduct_types.len()),
            AxisKind::Demand => ("demand_types", c.demand_types.len()),
        };
        for i in 0..n {
            let o = criteria.at(key).child(i);
            let (id, label, min_level, verdict, indep, when, describe) = match axis {
                AxisKind::Conduct => {
                    let t = &c.conduct_types[i];
                    (
                        &t.id,
                        &t.label,
                        &t.min_level,
                        t.verdict.as_ref(),
                        t.independent_of_demand,
                        t.when.as_ref(),
                        &t.describe,
                    )
                }
                AxisKind::Demand => {
                    let t = &c.demand_types[i];
                    (
                        &t.id,
                        &t.label,
                        &t.min_level,
                        None,
                        false,
                        t.when.as_ref(),
                        &t.describe,
                    )
                }
            };
            let lt = if axis == AxisKind::Conduct {
                &l.conduct
            } else {
                &l.demand
            };
            let mut dd = Vec::new();
            let min = lt.resolve(min_level.as_str(), &o.child("min_level"), &mut dd);
            let ver = verdict.map(|v| l.verdicts.resolve(v.as_str(), &o.child("verdict"), &mut dd));
            l.d.extend(dd);
            let when_c = when.map(|w| l.fact_cond(w, &o.child("when")));
            // A type with an error stays in the list (at the lowest level, without its
            // condition), so the indices conditions hold stay valid; the gap stops the checks
            // that would judge with it.
            let complete = matches!(
                (min, ver, &when_c),
                (Some(_), None | Some(Some(_)), None | Some(Some(_)))
            );
            if !complete {
                l.gaps.criteria = true;
            }
            out.push(Type {
                id: id.0.clone(),
                label: label.clone(),
                axis,
                min_level: min.unwrap_or(0),
                verdict: ver.flatten(),
                independent_of_demand: indep,
                when: if complete { when_c.flatten() } else { None },
                describe: opt_text(describe, o.child("describe")),
                origin: o,
            });
        }
        out
    };
    let conduct_types_c = types(AxisKind::Conduct, &mut l);
    let demand_types_c = types(AxisKind::Demand, &mut l);
    if l.conduct_types.names.len() != conduct_types_c.len()
        || l.demand_types.names.len() != demand_types_c.len()
    {
        l.gaps.criteria = true;
    }
    let events_c: Vec<Named> = c
        .events
        .iter()
        .enumerate()
        .map(|(i, x)| Named {
            id: x.id.0.clone(),
            label: x.label.clone(),
            describe: None,
            origin: criteria.at("events").child(i),
        })
        .collect();
    let channels_c: Vec<Named> = vocab_channels
        .iter()
        .zip(&ch_keep)
        .filter(|(_, k)| **k)
        .map(|((x, o), _)| Named {
            id: x.id.0.clone(),
            label: x.label.clone(),
            describe: None,
            origin: o.clone(),
        })
        .collect();
    let tags_c: Vec<Named> = vocab_tags
        .iter()
        .zip(&tag_keep)
        .filter(|(_, k)| **k)
        .map(|((x, o), _)| Named {
            id: x.id.0.clone(),
            label: x.label.clone(),
            describe: None,
            origin: o.clone(),
        })
        .collect();
    let parties_c: Vec<Named> = vocab_parties
        .iter()
        .zip(&party_keep)
        .filter(|(_, k)| **k)
        .map(|((x, o), _)| Named {
            id: x.id.0.clone(),
            label: x.label.clone(),
            describe: None,
            origin: o.clone(),
        })
        .collect();
    let mut counters_c: Vec<Counter> = Vec::new();
    for ((x, o), _) in vocab_counters
        .iter()
        .zip(&counter_keep)
        .filter(|(_, k)| **k)
    {
        let window = match &x.window {
            Some(w) => match l.duration(w, &o.child("window")) {
                Some(s) => Some(s),
                None => {
                    l.gaps.criteria = true;
                    None
                }
            },
            None => None,
        };
        counters_c.push(Counter {
            id: x.id.0.clone(),
            label: x.label.clone(),
            window,
            origin: o.clone(),
        });
    }
    let caps_c = link_caps(&mut l, c, criteria);
    let roles_c: Vec<Role> = v
        .roles
        .iter()
        .zip(&role_keep)
        .filter(|(_, k)| **k)
        .map(|(x, _)| Role {
            id: x.value.id.0.clone(),
            label: x.value.label.clone(),
            org: x.value.org,
            describe: opt_text(&x.value.describe, x.at("describe")),
            origin: x.origin.clone(),
        })
        .collect();

    // Scripts.
    let mut scripts_c = Vec::new();
    for (x, _) in v.scripts.iter().zip(&script_keep).filter(|(_, k)| **k) {
        let mut dd = Vec::new();
        let chans = l
            .channels
            .resolve_all(&x.value.channel, &x.at("channel"), &mut dd);
        l.d.extend(vocab_error(dd));
        scripts_c.push(Script {
            id: x.value.id.0.clone(),
            purpose: x.value.purpose.clone(),
            channels: chans.unwrap_or_default(),
            text: text(&x.value.text, x.at("text")),
            origin: x.origin.clone(),
        });
    }

    // Flows.
    let mut flows_c = Vec::new();
    for (f, _) in v.flows.iter().zip(&flow_keep).filter(|(_, k)| **k) {
        match link_flow(&mut l, f) {
            Some(flow) => flows_c.push(flow),
            None => l.gaps.flows = true,
        }
    }
    if flows_c.len() != v.flows.len() {
        l.gaps.flows = true;
    }

    // Aftercare.
    let mut aftercare = Vec::new();
    for x in &v.aftercare {
        let mut dd = Vec::new();
        let role = l
            .roles
            .resolve(x.value.role.as_str(), &x.at("role"), &mut dd);
        l.d.extend(dd);
        let within = l.duration(&x.value.within, &x.at("within"));
        if let (Some(role), Some(within)) = (role, within) {
            aftercare.push(AftercareItem {
                id: x.value.id.0.clone(),
                role,
                within,
                title: x.value.title.clone(),
                action: text(&x.value.action, x.at("do")),
                origin: x.origin.clone(),
            });
        }
    }
    let mut ac_ids = Table::new("what-aftercare", true);
    let mut ac_origins: Vec<Origin> = Vec::new();
    for a in &aftercare {
        if ac_ids.add(&a.id, &a.origin.child("id"), &ac_origins, &mut l.d) {
            ac_origins.push(a.origin.child("id"));
        }
    }

    // Invariants.
    let mut invariants = Vec::new();
    let mut inv_ids = Table::new("what-invariant", true);
    let mut inv_origins = Vec::new();
    for x in &v.invariants {
        if !inv_ids.add(x.value.id.as_str(), &x.at("id"), &inv_origins, &mut l.d) {
            continue;
        }
        inv_origins.push(x.at("id"));
        let when = x.value.when.as_ref().map(|w| l.cond(w, &x.at("when")));
        let mut dd = Vec::new();
        let reach = x
            .value
            .reach_role
            .as_ref()
            .map(|r| l.roles.resolve_list(r, &x.at("reach_role"), &mut dd));
        l.d.extend(dd);
        let max_hold = x
            .value
            .max_hold
            .as_ref()
            .map(|h| l.duration(h, &x.at("max_hold")));
        let max_limit = x
            .value
            .max_limit
            .as_ref()
            .map(|h| l.duration(h, &x.at("max_limit")));
        if x.value.reach_role.is_none() && max_hold.is_none() && max_limit.is_none() {
            l.d.push(
                Diagnostic::new(
                    Code::MissingKey,
                    msg!("invariant-no-rule", id = x.value.id.as_str()),
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
        invariants.push(Invariant {
            id: x.value.id.0.clone(),
            text: x.value.text.clone(),
            when: when.flatten(),
            reach_role: reach.flatten(),
            max_hold: max_hold.flatten(),
            max_limit: max_limit.flatten(),
            origin: x.origin.clone(),
        });
    }

    // Definitions.
    let mut definitions_c = Vec::new();
    for (x, _) in v.definitions.iter().zip(&def_keep).filter(|(_, k)| **k) {
        let mut dd = Vec::new();
        let see = l
            .definitions
            .resolve_all(&x.value.see_also, &x.at("see_also"), &mut dd);
        l.d.extend(dd);
        definitions_c.push(Definition {
            id: x.value.id.0.clone(),
            term: x.value.term.clone(),
            reading: x.value.reading.clone(),
            aliases: x.value.aliases.clone(),
            see_also: see.unwrap_or_default(),
            summary: x.value.summary.clone(),
            body: body(x),
            origin: x.origin.clone(),
        });
    }

    // Cases.
    let mut cases = Vec::new();
    let (_, case_keep) = table(
        "what-case",
        true,
        &v.cases,
        |x| (x.value.id.as_str(), x.at("id")),
        &mut l.d,
    );
    for (x, _) in v.cases.iter().zip(&case_keep).filter(|(_, k)| **k) {
        match link_case(&mut l, x) {
            Some(c) => cases.push(c),
            None => l.gaps.cases = true,
        }
    }

    // Pages.
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

    let m = &manifest.value;
    for (key, date) in [
        ("effective_from", &m.effective_from),
        ("created", &m.created),
        ("revised", &m.revised),
    ] {
        if let Some(date) = date {
            check_date(date.as_str(), &manifest.at(key), &mut l.d);
        }
    }
    if let (Some(c), Some(r)) = (&m.created, &m.revised)
        && valid_date(c.as_str())
        && valid_date(r.as_str())
        && r.as_str() < c.as_str()
    {
        l.d.push(
            Diagnostic::new(
                Code::InvalidValue,
                msg!(
                    "revised-before-created",
                    revised = r.as_str(),
                    created = c.as_str()
                ),
            )
            .at(manifest.at("revised"))
            .hint(msg!("revised-before-created-hint")),
        );
    }
    let policy = Policy {
        manifest: Manifest {
            id: m.id.0.clone(),
            title: m.title.clone(),
            version: m.version.0.clone(),
            lang: m.lang.clone().unwrap_or_else(|| "ja".into()),
            slogan: opt_text(&m.slogan, manifest.at("slogan")),
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
        },
        stance: v.stance.as_ref().map(|s| Stance {
            title: s.value.title.clone(),
            principles: s
                .value
                .principles
                .iter()
                .enumerate()
                .map(|(i, p)| text(p, s.at("principles").child(i)))
                .collect(),
            body: body(s),
            public: s.value.public.as_ref().map(|pb| PublicStance {
                title: pb.title.clone(),
                text: text(&pb.text, s.at("public").child("text")),
                closing: opt_text(&pb.closing, s.at("public").child("closing")),
            }),
        }),
        thresholds: l.thresholds.clone(),
        conduct: conduct_axis,
        demand: demand_axis,
        verdicts: verdict_list,
        grid,
        grid_origin,
        conduct_types: conduct_types_c,
        demand_types: demand_types_c,
        events: events_c,
        caps: caps_c,
        channels: channels_c,
        tags: tags_c,
        parties: parties_c,
        counters: counters_c,
        roles: roles_c,
        scripts: scripts_c,
        flows: flows_c,
        aftercare,
        invariants,
        definitions: definitions_c,
        cases,
        pages,
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
    };
    let gaps = l.gaps.clone();
    (Some(policy), l.d, gaps)
}

fn regex_threshold(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// A real calendar date.
pub fn valid_date(s: &str) -> bool {
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

fn check_date(s: &str, origin: &Origin, d: &mut Vec<Diagnostic>) {
    if !valid_date(s) {
        d.push(
            Diagnostic::new(Code::InvalidValue, msg!("not-a-calendar-date", value = s))
                .at(origin.clone())
                .hint(msg!("not-a-calendar-date-hint")),
        );
    }
}

fn link_flow(l: &mut Linker, f: &Item<model::Flow>) -> Option<Flow> {
    let fv = &f.value;
    let mut ok = true;
    if tests_events(&fv.applies_to) {
        l.d.push(
            Diagnostic::new(Code::FlowStructure, msg!("applies-to-events"))
                .at(f.at("applies_to"))
                .hint(msg!("applies-to-events-hint")),
        );
        ok = false;
    }
    let applies_to = l.cond(&fv.applies_to, &f.at("applies_to"));
    let (steps_t, keep) = table(
        "what-step",
        true,
        &fv.steps.iter().enumerate().collect::<Vec<_>>(),
        |(i, s)| (s.id.as_str(), f.at("steps").child(i).child("id")),
        &mut l.d,
    );
    if keep.iter().any(|k| !k) {
        ok = false;
    }
    let mut dd = Vec::new();
    let start = steps_t.resolve(fv.start.as_str(), &f.at("start"), &mut dd);
    let mut steps = Vec::new();
    for (i, s) in fv.steps.iter().enumerate() {
        let o = f.at("steps").child(i);
        let role = l.roles.resolve(s.role.as_str(), &o.child("role"), &mut dd);
        let script = s
            .script
            .as_ref()
            .map(|x| l.scripts.resolve(x.as_str(), &o.child("script"), &mut dd));
        let mut next = Vec::new();
        let n_branches = s.next.len();
        for (j, b) in s.next.iter().enumerate() {
            let bo = o.child("next").child(j);
            match (&b.when, &b.to, &b.otherwise) {
                (Some(when), Some(to), None) => {
                    let cond = l.cond(when, &bo.child("when"));
                    let target = steps_t.resolve(to.as_str(), &bo.child("to"), &mut dd);
                    match (cond, target) {
                        (Some(c), Some(t)) => next.push(Branch {
                            when: Some(c),
                            to: t,
                            origin: bo,
                        }),
                        _ => ok = false,
                    }
                }
                (None, None, Some(to)) => {
                    if j + 1 != n_branches {
                        dd.push(
                            Diagnostic::new(
                                Code::FlowStructure,
                                "`otherwise` must be the last branch",
                            )
                            .at(bo.child("otherwise").key())
                            .hint("branches after `otherwise` are never tried; move it to the end"),
                        );
                        ok = false;
                    }
                    match steps_t.resolve(to.as_str(), &bo.child("otherwise"), &mut dd) {
                        Some(t) => next.push(Branch {
                            when: None,
                            to: t,
                            origin: bo,
                        }),
                        None => ok = false,
                    }
                }
                _ => {
                    dd.push(
                        Diagnostic::new(
                            Code::FlowStructure,
                            "a branch is either `{when, to}` or `{otherwise}`",
                        )
                        .at(bo)
                        .hint("write `- when: {...}` with `to: STEP`, or `- otherwise: STEP`"),
                    );
                    ok = false;
                }
            }
        }
        let limit = s.limit.as_ref().map(|x| l.duration(x, &o.child("limit")));
        let hold = s.hold.as_ref().map(|x| l.duration(x, &o.child("hold")));
        let repeat = s.repeat.as_ref().map(|x| l.count(x, &o.child("repeat")));
        if s.end.is_some() && !s.next.is_empty() {
            dd.push(
                Diagnostic::new(
                    Code::FlowStructure,
                    msg!("step-end-and-next", step = s.id.as_str()),
                )
                .at(o.child("end").key())
                .hint(msg!("step-end-and-next-hint")),
            );
            ok = false;
        }
        if s.end.is_none() && s.next.is_empty() {
            dd.push(
                Diagnostic::new(
                    Code::RouteUnending,
                    msg!("step-no-next", step = s.id.as_str()),
                )
                .at(o.child("id"))
                .hint(msg!("step-no-next-hint")),
            );
            ok = false;
        }
        if repeat == Some(Some(0)) {
            dd.push(Diagnostic::new(Code::InvalidValue, msg!("repeat-zero")).at(o.child("repeat")));
            ok = false;
        }
        match (role, script, limit, hold, repeat) {
            (
                Some(role),
                None | Some(Some(_)),
                None | Some(Some(_)),
                None | Some(Some(_)),
                None | Some(Some(_)),
            ) => steps.push(Step {
                id: s.id.0.clone(),
                role,
                title: s.title.clone(),
                action: opt_text(&s.action, o.child("do")),
                limit: limit.flatten(),
                hold: hold.flatten(),
                script: script.flatten(),
                repeat: repeat.flatten(),
                next,
                end: s.end.clone(),
                origin: o,
            }),
            _ => ok = false,
        }
    }
    l.d.extend(dd);
    match (ok, applies_to, start) {
        (true, Some(applies_to), Some(start)) => Some(Flow {
            id: fv.id.0.clone(),
            title: fv.title.clone(),
            describe: opt_text(&fv.describe, f.at("describe")),
            applies_to,
            start,
            steps,
            origin: f.origin.clone(),
        }),
        _ => None,
    }
}

fn link_case(l: &mut Linker, x: &Item<model::CaseMatter>) -> Option<Case> {
    let c = &x.value;
    let mut d = Vec::new();
    let channel = l
        .channels
        .resolve(c.channel.as_str(), &x.at("channel"), &mut d);
    let mut tags_d = Vec::new();
    let tags = l.tags.resolve_all(&c.tags, &x.at("tags"), &mut tags_d);
    let mut vd = vocab_error(std::mem::take(&mut d));
    vd.extend(vocab_error(tags_d));
    let conduct = l
        .conduct
        .resolve(c.conduct.as_str(), &x.at("conduct"), &mut vd);
    let demand = l
        .demand
        .resolve(c.demand.as_str(), &x.at("demand"), &mut vd);
    let ct = l
        .conduct_types
        .resolve_all(&c.conduct_types, &x.at("conduct_types"), &mut vd);
    let dt = l
        .demand_types
        .resolve_all(&c.demand_types, &x.at("demand_types"), &mut vd);
    let ev = l.events.resolve_all(&c.events, &x.at("events"), &mut vd);
    let mut pd = Vec::new();
    let party = c
        .party
        .as_ref()
        .map(|id| l.parties.resolve(id.as_str(), &x.at("party"), &mut pd));
    let mut counts = vec![0u64; l.counters.names.len()];
    let mut counts_ok = true;
    for (name, n) in &c.counts {
        let o = x.at("counts").child(crate::diag::escape(name));
        match l.counters.resolve(name, &o.key(), &mut pd) {
            Some(i) => counts[i] = *n,
            None => counts_ok = false,
        }
    }
    vd.extend(vocab_error(pd));
    let eo = x.at("expect");
    let verdict = l
        .verdicts
        .resolve(c.expect.verdict.as_str(), &eo.child("verdict"), &mut vd);
    let flow = c
        .expect
        .flow
        .as_ref()
        .map(|f| l.flows.resolve(f.as_str(), &eo.child("flow"), &mut vd));
    l.d.extend(vd);
    Some(Case {
        id: c.id.0.clone(),
        title: c.title.clone(),
        facts: Facts {
            channel: channel?,
            conduct: conduct?,
            demand: demand?,
            conduct_types: ct?,
            demand_types: dt?,
            tags: tags?,
            minutes: c.minutes,
            repeats: c.repeats,
            events: Some(ev?),
            party: match party {
                Some(p) => Some(p?),
                None => None,
            },
            targeted: c.targeted,
            counts: if counts_ok { counts } else { return None },
        },
        expect: Expect {
            verdict: verdict?,
            flow: flow.flatten(),
            route: c
                .expect
                .route
                .as_ref()
                .map(|r| r.iter().map(|s| s.0.clone()).collect()),
        },
        body: body(x),
        origin: x.origin.clone(),
    })
}

/// Does a condition (or one nested in `not` or `any`) test events?
fn tests_events(c: &model::Condition) -> bool {
    c.event.is_some()
        || c.not.as_deref().is_some_and(tests_events)
        || c.any.iter().flatten().any(tests_events)
}

/// Protective caps: references resolved; a `when` that tests what the cap changes (verdicts,
/// effective levels) or what happens later (events) is `E214`. A cap that cannot be linked is
/// left out and the criteria are marked incomplete.
fn link_caps(l: &mut Linker, c: &model::Criteria, criteria: &Item<model::Criteria>) -> Vec<Cap> {
    let mut out = Vec::new();
    let mut ids = Table::new("what-cap", true);
    let mut origins: Vec<Origin> = Vec::new();
    for (i, x) in c.caps.iter().enumerate() {
        let o = criteria.at("caps").child(i);
        if !ids.add(x.id.as_str(), &o.child("id"), &origins, &mut l.d) {
            l.gaps.criteria = true;
            continue;
        }
        origins.push(o.child("id"));
        // A `when` testing levels, verdicts or events (`E214`) keeps the cap for the checks on
        // its types, but the analyses that evaluate caps are skipped.
        for key in super::caps::forbidden_keys(&x.when) {
            l.d.push(super::caps::condition_error(&x.id.0, key, o.child("when")));
            l.gaps.criteria = true;
        }
        let when = l.cond(&x.when, &o.child("when"));
        let mut d = Vec::new();
        let ct = l
            .conduct_types
            .resolve_all(&x.conduct_types, &o.child("conduct_types"), &mut d);
        let dt = l
            .demand_types
            .resolve_all(&x.demand_types, &o.child("demand_types"), &mut d);
        let mc = x.max_conduct.as_ref().map(|m| {
            l.conduct
                .resolve(m.as_str(), &o.child("max_conduct"), &mut d)
        });
        let md = x
            .max_demand
            .as_ref()
            .map(|m| l.demand.resolve(m.as_str(), &o.child("max_demand"), &mut d));
        l.d.extend(d);
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
            _ => l.gaps.criteria = true,
        }
    }
    out
}

//! The Rego package: a contact in (`input`, the JSON line `mamoru classify` reads), the same
//! object out at `data.mamoru.decision` as `classify` writes for it.
//!
//! The semantics mirror `eval` (see docs/opa.md, "How the Rego mirrors the engine"):
//! - a condition is three-valued: `true`, `false`, or the fact it still needs (`"event:ID"`,
//!   and for types' `when`, which cannot read types or verdicts, `"type:ID"` / `"profile"`);
//!   a key known to be false wins, else the first need in the engine's key order;
//! - every condition of the policy becomes one rule `_cN`: `false` when one of its keys is known
//!   to fail, else the first fact a key still needs, else `true`. Each key is one line of Rego
//!   written by [`Conditions::keys`] (keyed by name), so a new condition key is one more arm;
//! - a route is walked by a fixed number of steps of `_advance` (Rego has no recursion): branch
//!   results do not change along a route, so a `repeat` step's loop onto itself is taken all its
//!   remaining times in one step, and the number of steps is bounded per flow ([`route_bound`]).
//!
//! Architecture invariant: reads only the public [`Bundle`] types.

use crate::bundle::{Bundle, Case, Condition, Flow};
use std::fmt::Write as _;

/// A JSON string literal (also a valid Rego string).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn q_list(ids: &[String]) -> String {
    format!(
        "[{}]",
        ids.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

/// Which probe a condition is evaluated with, as in `eval`: the facts alone (a type's `when`),
/// the facts and the types present (a protective cap's `when`), or the whole contact (flows,
/// branches, invariants).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The contact's facts only: types, verdict and levels are still unknown.
    Facts,
    /// The facts and the types present: verdict and levels are still unknown.
    Presence,
    /// The whole contact: facts, types, levels and verdict.
    Contact,
}

/// Level ids in axis order, for `*_at_least`.
struct Levels<'a> {
    conduct: Vec<&'a str>,
    demand: Vec<&'a str>,
}

impl<'a> Levels<'a> {
    fn of(b: &'a Bundle) -> Self {
        let ids =
            |axis: &'a crate::bundle::Axis| axis.levels.iter().map(|l| l.id.as_str()).collect();
        Levels {
            conduct: ids(&b.axes.conduct),
            demand: ids(&b.axes.demand),
        }
    }

    fn index(levels: &[&str], id: &str) -> usize {
        levels.iter().position(|l| *l == id).unwrap_or(usize::MAX)
    }
}

/// One key of a condition, as Rego: when it is known to fail, or which fact it still needs.
enum Key {
    /// Fails exactly when this body holds.
    Fails(String),
    /// Cannot be known: the fact needed (a Rego string), when this body holds; else it fails
    /// when the other body holds.
    Needs {
        when: String,
        need: String,
        fails: Option<String>,
    },
    /// Always fails (an empty list: "any of nothing").
    Never,
}

impl Key {
    /// `value` must be one of `ids` (channel, party, verdict).
    fn value_in(ids: &[String], value: &str) -> Key {
        if ids.is_empty() {
            Key::Never
        } else {
            Key::Fails(format!("not {value} in {}", set_of(ids)))
        }
    }

    /// One of `ids` must be in the Rego set `set` (tags, types present).
    fn any_in(ids: &[String], set: &str) -> Key {
        if ids.is_empty() {
            Key::Never
        } else {
            Key::Fails(format!("count({} & {set}) == 0", set_of(ids)))
        }
    }

    /// A fact the probe does not know: the key needs `need` (a list key with no ids still
    /// never holds).
    fn unknown(ids: Option<&[String]>, need: &str) -> Key {
        if ids.is_some_and(|ids| ids.is_empty()) {
            Key::Never
        } else {
            Key::Needs {
                when: "true".into(),
                need: q(need),
                fails: None,
            }
        }
    }

    /// A nested condition's rule (`not`, `any`): it needs what the rule still needs, and
    /// fails when the rule has the value `fails_on`.
    fn nested(rule: String, fails_on: bool) -> Key {
        Key::Needs {
            when: format!("is_string({rule})"),
            fails: Some(format!("{rule} == {fails_on}")),
            need: rule,
        }
    }
}

/// The conditions of a policy as rules `_cN := false | "need" | true`, written once each.
struct Conditions<'a> {
    levels: Levels<'a>,
    /// Rule text by name, in order of creation.
    rules: Vec<String>,
    /// Rule name by its definition (identical conditions share one rule).
    seen: std::collections::HashMap<String, String>,
}

/// A set literal, eight ids a line (Rego readers may limit line length).
fn set_of(ids: &[String]) -> String {
    let items: Vec<String> = ids.iter().map(|s| q(s)).collect();
    let lines: Vec<String> = items.chunks(8).map(|c| c.join(", ")).collect();
    format!("{{{}}}", lines.join(",\n\t\t"))
}

impl<'a> Conditions<'a> {
    fn new(levels: Levels<'a>) -> Self {
        Conditions {
            levels,
            rules: Vec::new(),
            seen: Default::default(),
        }
    }

    /// The keys of a condition in the order the engine checks them: the facts (channel, tags,
    /// party, targeted, minutes, repeats, counts), the types, the profile (verdict, conduct
    /// level, demand level), the nested conditions (not, any) and the events.
    fn keys(&mut self, c: &Condition, mode: Mode) -> Vec<Key> {
        let mut keys = fact_keys(c);
        keys.extend(type_keys(c, mode));
        keys.extend(self.profile_keys(c, mode));
        if let Some(n) = &c.not {
            keys.push(Key::nested(self.rule(n, mode), true));
        }
        if let Some(items) = &c.any {
            keys.push(if items.is_empty() {
                Key::Never
            } else {
                Key::nested(self.any_rule(items, mode), false)
            });
        }
        if let Some(ids) = &c.event {
            keys.push(match ids.first() {
                None => Key::Never,
                Some(first) => Key::Needs {
                    when: "_events == null".into(),
                    need: q(&format!("event:{first}")),
                    fails: Some(format!(
                        "_events != null\n\tcount({} & _event_set) == 0",
                        set_of(ids)
                    )),
                },
            });
        }
        keys
    }

    /// The verdict and the levels: known only to the whole contact.
    fn profile_keys(&self, c: &Condition, mode: Mode) -> Vec<Key> {
        let known = mode == Mode::Contact;
        let mut keys = Vec::new();
        if let Some(ids) = &c.verdict {
            keys.push(if known {
                Key::value_in(ids, "_verdict")
            } else {
                Key::unknown(Some(ids), "profile")
            });
        }
        for (level, levels, var) in [
            (&c.conduct_at_least, &self.levels.conduct, "_conduct"),
            (&c.demand_at_least, &self.levels.demand, "_demand"),
        ] {
            if let Some(l) = level {
                keys.push(if known {
                    Key::Fails(format!("{var} < {}", Levels::index(levels, l)))
                } else {
                    Key::unknown(None, "profile")
                });
            }
        }
        keys
    }

    /// The name of the rule holding the condition's value: `false` when a key is known to
    /// fail, else the first fact still needed, else `true`.
    fn rule(&mut self, c: &Condition, mode: Mode) -> String {
        let keys = self.keys(c, mode);
        let mut branches: Vec<(String, String)> = Vec::new();
        if keys.iter().any(|k| matches!(k, Key::Never)) {
            branches.push(("false".into(), "true".into()));
        }
        for k in &keys {
            match k {
                Key::Fails(body) => branches.push(("false".into(), body.clone())),
                Key::Needs {
                    fails: Some(body), ..
                } => branches.push(("false".into(), body.clone())),
                _ => {}
            }
        }
        for k in &keys {
            if let Key::Needs { when, need, .. } = k {
                branches.push((need.clone(), when.clone()));
            }
        }
        let mut def = String::new();
        for (i, (value, body)) in branches.iter().enumerate() {
            if i == 0 {
                let _ = write!(def, " := {value} if {{\n\t{body}\n}}");
            } else {
                let _ = write!(def, " else := {value} if {{\n\t{body}\n}}");
            }
        }
        if branches.is_empty() {
            def.push_str(" := true\n");
        } else {
            def.push_str(" else := true\n");
        }
        self.intern(def)
    }

    /// `any`: `true` when one item holds, else the first fact an item still needs, else
    /// `false` (`eval::holds`'s `any_of`).
    fn any_rule(&mut self, items: &[Condition], mode: Mode) -> String {
        let rules: Vec<String> = items.iter().map(|c| self.rule(c, mode)).collect();
        let mut def = String::new();
        for (i, r) in rules.iter().enumerate() {
            let head = if i == 0 { " :=" } else { " else :=" };
            let _ = write!(def, "{head} true if {{\n\t{r} == true\n}}");
        }
        for r in &rules {
            let _ = write!(def, " else := {r} if {{\n\tis_string({r})\n}}");
        }
        def.push_str(" else := false\n");
        self.intern(def)
    }

    /// The name of the rule with this definition (the text after its name), made on first use.
    fn intern(&mut self, def: String) -> String {
        if let Some(name) = self.seen.get(&def) {
            return name.clone();
        }
        let name = format!("_c{}", self.rules.len());
        self.rules.push(format!("{name}{def}"));
        self.seen.insert(def, name.clone());
        name
    }

    /// Every condition rule, in order.
    fn text(&self) -> String {
        self.rules.join("\n")
    }
}

/// The keys every probe knows, read from the input's facts, in the engine's order.
fn fact_keys(c: &Condition) -> Vec<Key> {
    let mut keys = Vec::new();
    if let Some(ids) = &c.channel {
        keys.push(Key::value_in(ids, "input.channel"));
    }
    if let Some(ids) = &c.tags {
        keys.push(Key::any_in(ids, "_tags"));
    }
    if let Some(ids) = &c.party {
        keys.push(Key::value_in(ids, "_party"));
    }
    if let Some(t) = c.targeted {
        keys.push(Key::Fails(format!("_targeted != {t}")));
    }
    if let Some(s) = c.seconds_at_least {
        keys.push(Key::Fails(format!("_minutes * 60 < {s}")));
    }
    if let Some(n) = c.repeats_at_least {
        keys.push(Key::Fails(format!("_repeats < {n}")));
    }
    // In the bundle's order (counter ids sorted), as the engine checks them.
    for (counter, n) in c.counts_at_least.iter().flatten() {
        keys.push(Key::Fails(format!(
            "object.get(_counts, {}, 0) < {n}",
            q(counter)
        )));
    }
    keys
}

/// The types present: unknown to the facts alone (the engine reports the first type named).
fn type_keys(c: &Condition, mode: Mode) -> Vec<Key> {
    let mut keys = Vec::new();
    for (ids, set) in [
        (&c.conduct_types, "_conduct_set"),
        (&c.demand_types, "_demand_set"),
    ] {
        if let Some(ids) = ids {
            keys.push(if mode == Mode::Facts {
                let first = ids.first().map_or("", String::as_str);
                Key::unknown(Some(ids), &format!("type:{first}"))
            } else {
                Key::any_in(ids, set)
            });
        }
    }
    keys
}

/// Why a flow cannot be exported: its routes cannot be walked by a bounded Rego unrolling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteLimit {
    /// A cycle passes through no `repeat` step: routes would not end.
    Unbounded {
        /// The flow's id.
        flow: String,
        /// A step on the cycle.
        step: String,
    },
    /// Routes through the flow's repeat steps need more walking steps than the limit.
    TooLong {
        /// The flow's id.
        flow: String,
        /// The walking steps its routes need ([`route_bound`]).
        steps: u64,
        /// The most the Rego unrolls ([`MAX_UNROLL`]).
        limit: u64,
    },
    /// Routes could be longer than OPA should build arrays for.
    RouteTooLong {
        /// The flow's id.
        flow: String,
        /// The engine's bound on its routes ([`longest_route`]).
        steps: u64,
        /// The longest route the Rego may build ([`MAX_ROUTE`]).
        limit: u64,
    },
}

/// Longest route the Rego may build: beyond it `build --opa` refuses the policy.
pub(super) const MAX_ROUTE: u64 = 100_000;

/// The engine's bound on a flow's routes (`eval::max_route`, from the bundle's flow): steps ×
/// (1 + the sum of all `repeat`s). A route longer than that ends `too-long`.
pub(super) fn longest_route(flow: &Flow) -> u64 {
    let passes = flow
        .steps
        .iter()
        .filter_map(|s| s.repeat)
        .fold(1u64, u64::saturating_add);
    (flow.steps.len() as u64).saturating_mul(passes)
}

/// Most `_advance` steps the Rego may unroll: beyond it `build --opa` refuses the policy.
pub(super) const MAX_UNROLL: u64 = 2_000;

/// How many `_advance` steps always finish a route of `flow`.
///
/// A route moves between different steps, or takes a `repeat` step's loop onto itself (all
/// remaining passes at once), or stops. Without loops other than self-loops, it moves at most
/// `steps - 1` times. Otherwise every cycle must pass a `repeat` step (each pass spends one of
/// its `repeat`), and between two such passes it moves at most once per other step.
pub(super) fn route_bound(flow: &Flow) -> Result<u64, RouteLimit> {
    let n = flow.steps.len();
    let index = |id: &str| flow.steps.iter().position(|s| s.id == id);
    let repeat: Vec<Option<u64>> = flow.steps.iter().map(|s| s.repeat).collect();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, s) in flow.steps.iter().enumerate() {
        for e in &s.next {
            let Some(t) = index(&e.to) else { continue };
            if t == i {
                if repeat[i].is_none() {
                    return Err(RouteLimit::Unbounded {
                        flow: flow.id.clone(),
                        step: s.id.clone(),
                    });
                }
            } else {
                adj[i].push(t);
            }
        }
    }
    // Cycles among steps without `repeat` never end; cycles at all make the bound larger.
    let cyclic = |skip_repeat: bool| -> Option<usize> {
        // 0 new, 1 on stack, 2 done
        let mut state = vec![0u8; n];
        for root in 0..n {
            if state[root] != 0 || (skip_repeat && repeat[root].is_some()) {
                continue;
            }
            let mut stack = vec![(root, 0usize)];
            state[root] = 1;
            while let Some(&mut (v, ref mut k)) = stack.last_mut() {
                if let Some(&w) = adj[v].get(*k) {
                    *k += 1;
                    if skip_repeat && repeat[w].is_some() {
                        continue;
                    }
                    match state[w] {
                        0 => {
                            state[w] = 1;
                            stack.push((w, 0));
                        }
                        1 => return Some(w),
                        _ => {}
                    }
                } else {
                    state[v] = 2;
                    stack.pop();
                }
            }
        }
        None
    };
    if let Some(w) = cyclic(true) {
        return Err(RouteLimit::Unbounded {
            flow: flow.id.clone(),
            step: flow.steps[w].id.clone(),
        });
    }
    let moves = if cyclic(false).is_none() {
        n as u64
    } else {
        let passes: u64 = repeat
            .iter()
            .flatten()
            .fold(0u64, |a, r| a.saturating_add(*r));
        let others = repeat.iter().filter(|r| r.is_none()).count() as u64;
        passes.saturating_add(1).saturating_mul(others + 1)
    };
    let bound = moves.saturating_mul(2).saturating_add(2);
    let longest = longest_route(flow);
    if longest > MAX_ROUTE {
        return Err(RouteLimit::RouteTooLong {
            flow: flow.id.clone(),
            steps: longest,
            limit: MAX_ROUTE,
        });
    }
    if bound > MAX_UNROLL {
        return Err(RouteLimit::TooLong {
            flow: flow.id.clone(),
            steps: bound,
            limit: MAX_UNROLL,
        });
    }
    Ok(bound)
}

/// METADATA comment lines for a rule: title, description, manual link and custom ids.
fn metadata(
    out: &mut String,
    title: &str,
    description: Option<&str>,
    manual: &str,
    custom: &[(&str, &str)],
) {
    out.push_str("# METADATA\n");
    let _ = writeln!(out, "# title: {}", q(title));
    if let Some(d) = description {
        let _ = writeln!(out, "# description: {}", q(d));
    }
    out.push_str("# related_resources:\n");
    let _ = writeln!(out, "#   - ref: {}", q(manual));
    out.push_str("#     description: \"manual\"\n");
    if !custom.is_empty() {
        out.push_str("# custom:\n");
        for (k, v) in custom {
            let _ = writeln!(out, "#   {k}: {}", q(v));
        }
    }
}

/// Options of the generated package.
pub(super) struct Options<'a> {
    /// Prefix for manual links in METADATA (the decision's `manual` stays relative, as in
    /// `classify`).
    pub manual_base: &'a str,
    /// `_advance` steps to unroll (the largest [`route_bound`] of the flows).
    pub unroll: u64,
}

/// The package `mamoru`: the policy's conditions as rules, the engine's evaluation as Rego.
pub(super) fn policy_module(b: &Bundle, o: &Options) -> String {
    let mut m = Module {
        b,
        manual_base: o.manual_base,
        conds: Conditions::new(Levels::of(b)),
        out: String::new(),
    };
    m.header();
    m.tables();
    m.type_rules();
    m.cap_rules();
    m.flow_rules();
    m.invariant_rules();
    m.out.push_str(
        "\n# ---- The policy's conditions: false, the fact still needed, or true ----------------------\n\n",
    );
    let conditions = m.conds.text();
    m.out.push_str(&conditions);
    walk(&mut m.out, o.unroll);
    m.out
}

/// The package `mamoru` being written: one method per family of rules, in the module's order.
/// Conditions are numbered as they are first used, so the order of the calls is the text's.
struct Module<'a> {
    b: &'a Bundle,
    manual_base: &'a str,
    conds: Conditions<'a>,
    out: String,
}

impl Module<'_> {
    fn url(&self, manual: &str) -> String {
        format!("{}{manual}", self.manual_base)
    }

    /// One annotated member of a rule family: `_FAMILY["id"] := _cN`, after its METADATA.
    fn member(
        &mut self,
        family: &str,
        id: &str,
        (title, description, manual): (&str, &str, &str),
        custom: &[(&str, &str)],
        rule: &str,
    ) {
        self.out.push('\n');
        let manual = self.url(manual);
        metadata(&mut self.out, title, Some(description), &manual, custom);
        let _ = writeln!(self.out, "{family}[{}] := {rule}", q(id));
    }

    /// The banner, the package's METADATA and the engine's evaluation ([`FIXED`]).
    fn header(&mut self) {
        let m = &self.b.manifest;
        self.out.push_str(
            "# Generated by mamoru: do not edit. The same decision as `mamoru classify`.\n",
        );
        metadata(
            &mut self.out,
            &m.title,
            Some(&format!(
                "Policy {} {} ({}). data.mamoru.decision is the classify output line for input; \
                 data.mamoru.errors lists why an input is refused.",
                m.policy, m.version, m.digest
            )),
            &format!("{}index.html", self.manual_base),
            &[
                ("policy", &m.policy),
                ("version", &m.version),
                ("digest", &m.digest),
            ],
        );
        self.out.push_str("package mamoru\n\nimport rego.v1\n\n");
        self.out.push_str(FIXED);
    }

    /// Tables of the policy: the longest route of each flow, the empty member of every rule
    /// family, the manual section of each grid cell.
    fn tables(&mut self) {
        let out = &mut self.out;
        // The engine's longest route per flow: a longer one ends `too-long`.
        out.push_str("\n# The longest route of each flow (steps × (1 + all repeats)), as the engine bounds it.\n_max_routes := {\n");
        for f in &self.b.flows {
            let _ = writeln!(out, "\t{}: {},", q(&f.id), longest_route(f));
        }
        out.push_str("}\n\n_max_route := _max_routes[_flow]\n");
        // Every rule family exists even when the policy has no member of it (a key that is no id).
        out.push_str(
            "\n# Families of generated rules, defined even when empty (`-` is never an id).\n\
             _implied_conduct[\"-\"] := false\n\n_implied_demand[\"-\"] := false\n\n\
             _applies[\"-\"] := false\n\n_branches[\"-\"] := []\n\n_inv_applies[\"-\"] := false\n\n\
             _cap_holds[\"-\"] := false\n",
        );
        out.push_str("\n# The manual section of each grid cell.\n_cell_manual := {\n");
        for c in &self.b.axes.conduct.levels {
            for d in &self.b.axes.demand.levels {
                let _ = writeln!(
                    out,
                    "\t{}: {},",
                    q(&format!("{}×{}", c.id, d.id)),
                    q(&crate::urls::cell(&c.id, &d.id))
                );
            }
        }
        out.push_str("}\n");
    }

    /// `_implied_conduct` / `_implied_demand`: the types implied by the contact's facts.
    fn type_rules(&mut self) {
        let b = self.b;
        let conduct = b
            .conduct_types
            .iter()
            .map(|t| (&t.id, &t.label, &t.when, &t.manual));
        let demand = b
            .demand_types
            .iter()
            .map(|t| (&t.id, &t.label, &t.when, &t.manual));
        let types = conduct
            .map(|t| ("conduct", t))
            .chain(demand.map(|t| ("demand", t)));
        for (kind, (id, label, when, manual)) in types {
            let Some(w) = when else { continue };
            let rule = self.conds.rule(w, Mode::Facts);
            self.member(
                &format!("_implied_{kind}"),
                id,
                (
                    label,
                    &format!("{kind} type `{id}`, implied by the contact's facts"),
                    manual,
                ),
                &[("kind", &format!("{kind}_type")), ("id", id)],
                &rule,
            );
        }
    }

    /// `_cap_holds`: when each protective cap holds.
    fn cap_rules(&mut self) {
        for c in &self.b.caps {
            let rule = self.conds.rule(&c.when, Mode::Presence);
            self.member(
                "_cap_holds",
                &c.id,
                (
                    &c.label,
                    &format!(
                        "protective cap `{}`: while it holds, the types it names raise their axis at most to its maximum",
                        c.id
                    ),
                    &c.manual,
                ),
                &[("kind", "cap"), ("id", &c.id)],
                &rule,
            );
        }
    }

    /// `_applies` (which contacts each flow admits) and `_branches` (each step's branches in
    /// order).
    fn flow_rules(&mut self) {
        for f in &self.b.flows {
            let rule = self.conds.rule(&f.applies_to, Mode::Contact);
            self.member(
                "_applies",
                &f.id,
                (
                    &f.title,
                    &format!("flow `{}`: which contacts it admits", f.id),
                    &f.manual,
                ),
                &[("kind", "flow"), ("id", &f.id)],
                &rule,
            );
            for s in f.steps.iter().filter(|s| !s.next.is_empty()) {
                let terms: Vec<String> = s
                    .next
                    .iter()
                    .map(|e| match &e.when {
                        None => "true".to_string(),
                        Some(w) => self.conds.rule(w, Mode::Contact),
                    })
                    .collect();
                self.member(
                    "_branches",
                    &format!("{}/{}", f.id, s.id),
                    (
                        &s.title,
                        &format!(
                            "step `{}` of flow `{}`: its branches in order (true, false, or the event still needed)",
                            s.id, f.id
                        ),
                        &s.manual,
                    ),
                    &[("kind", "step"), ("flow", &f.id), ("id", &s.id)],
                    &format!("[\n\t{},\n]", terms.join(",\n\t")),
                );
            }
        }
    }

    /// `_inv_applies`: the contacts each invariant that requires roles applies to.
    fn invariant_rules(&mut self) {
        for i in &self.b.invariants {
            let Some(w) = &i.when else { continue };
            if i.reach_roles.is_empty() {
                continue;
            }
            let rule = self.conds.rule(w, Mode::Contact);
            self.member(
                "_inv_applies",
                &i.id,
                (
                    &i.text,
                    &format!(
                        "invariant `{}`: the contacts that must reach {}",
                        i.id,
                        i.reach_roles.join(", ")
                    ),
                    &i.manual,
                ),
                &[("kind", "invariant"), ("id", &i.id)],
                &rule,
            );
        }
    }
}

/// The route walk, unrolled: one state per step of the walk, no function calls.
fn walk(out: &mut String, unroll: u64) {
    out.push_str("\n# ---- The route, walked step by step (Rego has no recursion) -------------------------\n\n");
    out.push_str("_w0 := {\"at\": s, \"visits\": {s: 1}, \"route\": [s], \"status\": null} if {\n\ts := _flow_def.start\n}\n");
    for k in 1..=unroll {
        out.push('\n');
        out.push_str(
            &WALK_STEP
                .replace("{k}", &k.to_string())
                .replace("{p}", &(k - 1).to_string()),
        );
    }
    let _ = writeln!(out, "\n_walk := _w{unroll}");
}

/// One step of the walk: from state `_w{p}` to `_w{k}`. `_o{k}` lists the branches that can
/// be taken at `_w{p}.at` (target not spent, condition not failed).
const WALK_STEP: &str = r#"_o{k} := [i |
	some i, b in _steps[_w{p}.at].next
	object.get(_w{p}.visits, b.to, 0) < object.get(_repeat, b.to, _never)
	_results[_w{p}.at][i] != false
]

_w{k} := _w{p} if {
	_w{p}.status != null
} else := object.union(_w{p}, {"status": "too-long"}) if {
	count(_w{p}.route) > _max_route
} else := object.union(_w{p}, {"status": "end"}) if {
	_steps[_w{p}.at].end != null
} else := object.union(_w{p}, {"status": "stuck"}) if {
	count(_o{k}) == 0
} else := object.union(_w{p}, {"status": r}) if {
	r := _results[_w{p}.at][_o{k}[0]]
	is_string(r)
	startswith(r, "event:")
} else := object.union(_w{p}, {"status": "stuck"}) if {
	is_string(_results[_w{p}.at][_o{k}[0]])
} else := {"at": to, "visits": object.union(_w{p}.visits, {to: object.get(_w{p}.visits, to, 0) + 1}), "route": array.concat(_w{p}.route, [to]), "status": null} if {
	to := _steps[_w{p}.at].next[_o{k}[0]].to
	to != _w{p}.at
} else := {"at": to, "visits": object.union(_w{p}.visits, {to: n}), "route": array.concat(_w{p}.route, [to | some _ in numbers.range(1, min([n - _w{p}.visits[to], _max_route + 1]))]), "status": null} if {
	# A repeat step onto itself: its branch holds on every pass, so all remaining passes at
	# once (at most past the longest route, which is cut below).
	to := _w{p}.at
	n := _repeat[to]
}
"#;

/// The engine's evaluation, written once for every policy.
const FIXED: &str = r#"# ---- Input: the contact as `mamoru classify` reads it -------------------------------------

_fields := {
	"id", "channel", "conduct", "demand", "conduct_types", "demand_types", "tags", "minutes",
	"repeats", "events", "party", "targeted", "counts",
}

_p := data.mamoru.policy

_vocab := {
	"channel": {x.id | some x in _p.channels},
	"conduct": {x.id | some x in _p.axes.conduct.levels},
	"demand": {x.id | some x in _p.axes.demand.levels},
	"conduct_types": {x.id | some x in _p.conduct_types},
	"demand_types": {x.id | some x in _p.demand_types},
	"tags": {x.id | some x in _p.tags},
	"events": {x.id | some x in _p.events},
	"party": {x.id | some x in object.get(_p, "parties", [])},
	"counts": {x.id | some x in object.get(_p, "counters", [])},
}

_what := {
	"channel": "channel",
	"conduct": "conduct level",
	"demand": "demand level",
	"conduct_types": "conduct type",
	"demand_types": "demand type",
	"tags": "tag",
	"events": "event",
	"party": "party",
	"counts": "counter",
}

# METADATA
# title: Why the input is refused
# description: The contact is refused (no decision) exactly when classify rejects its line.
errors contains "a contact is a JSON object" if not is_object(input)

errors contains sprintf("unknown field `%s`", [k]) if {
	is_object(input)
	some k, _ in input
	not k in _fields
}

errors contains sprintf("missing field `%s`", [k]) if {
	is_object(input)
	some k in ["channel", "conduct", "demand"]
	not k in object.keys(input)
}

errors contains sprintf("`%s` must be a string", [k]) if {
	some k in ["channel", "conduct", "demand"]
	x := input[k]
	not is_string(x)
}

errors contains "`id` must be a string or null" if {
	x := input.id
	x != null
	not is_string(x)
}

errors contains sprintf("`%s` must be a list of ids", [k]) if {
	some k in ["conduct_types", "demand_types", "tags"]
	x := input[k]
	not _string_list(x)
}

errors contains "`events` must be a list of ids or null" if {
	x := input.events
	x != null
	not _string_list(x)
}

errors contains "`party` must be a party id or null" if {
	x := input.party
	x != null
	not is_string(x)
}

errors contains "`targeted` must be true or false" if {
	x := input.targeted
	not is_boolean(x)
}

errors contains "`counts` must map counter ids to whole numbers from 0" if {
	x := input.counts
	not _count_map(x)
}

errors contains sprintf("unknown %s `%s`", [_what[k], x]) if {
	k := "party"
	x := input[k]
	is_string(x)
	not x in _vocab[k]
}

errors contains sprintf("unknown %s `%s`", [_what[k], x]) if {
	k := "counts"
	_count_map(input[k])
	some x, _ in input[k]
	not x in _vocab[k]
}

_count_map(x) if {
	is_object(x)
	every _, n in x {
		_count(n)
	}
}

errors contains sprintf("`%s` must be a whole number from 0", [k]) if {
	some k in ["minutes", "repeats"]
	x := input[k]
	not _count(x)
}

errors contains sprintf("unknown %s `%s`", [_what[k], x]) if {
	some k in ["channel", "conduct", "demand"]
	x := input[k]
	is_string(x)
	not x in _vocab[k]
}

errors contains sprintf("unknown %s `%s`", [_what[k], x]) if {
	some k in ["conduct_types", "demand_types", "tags", "events"]
	xs := input[k]
	_string_list(xs)
	some x in xs
	not x in _vocab[k]
}

_string_list(x) if {
	is_array(x)
	every e in x {
		is_string(e)
	}
}

_count(x) if {
	is_number(x)
	x >= 0
	floor(x) == x
	x <= 18446744073709551615
}

_valid if {
	is_object(input)
	count(errors) == 0
}

# ---- Facts ------------------------------------------------------------------------------

_tags := {t | _valid; some t in object.get(input, "tags", [])}

_listed_conduct := {t | _valid; some t in object.get(input, "conduct_types", [])}

_listed_demand := {t | _valid; some t in object.get(input, "demand_types", [])}

_minutes := object.get(input, "minutes", 0) if _valid

_repeats := object.get(input, "repeats", 0) if _valid

# null: the events are not known yet.
_events := object.get(input, "events", null) if _valid

# null: not recorded.
_party := object.get(input, "party", null) if _valid

_targeted := object.get(input, "targeted", false) if _valid

# An absent counter is 0.
_counts := object.get(input, "counts", {}) if _valid

_event_set := {e | some e in _events}

# ---- The verdict: types raise levels, the grid gives the cell, overrides raise it --------

_conduct_ids := [l.id | some l in _p.axes.conduct.levels]

_demand_ids := [l.id | some l in _p.axes.demand.levels]

_conduct_rank := {id: i | some i, id in _conduct_ids}

_demand_rank := {id: i | some i, id in _demand_ids}

_verdict_rank := {v.id: i | some i, v in _p.verdicts}

_present_conduct := _listed_conduct | {id | some id, v in _implied_conduct; v == true}

_present_demand := _listed_demand | {id | some id, v in _implied_demand; v == true}

_conduct_types := [t.id | some t in _p.conduct_types; t.id in _present_conduct]

_demand_types := [t.id | some t in _p.demand_types; t.id in _present_demand]

_conduct_set := {t | some t in _conduct_types}

_demand_set := {t | some t in _demand_types}

_conduct_min := {t.id: _conduct_rank[t.min_level] | some t in _p.conduct_types}

_demand_min := {t.id: _demand_rank[t.min_level] | some t in _p.demand_types}

_given_conduct := _conduct_rank[input.conduct] if _valid

_given_demand := _demand_rank[input.demand] if _valid

# Protective caps that hold (their `when` sees the facts and the types present).
_caps_on := [c.id | some c in object.get(_p, "caps", []); _cap_holds[c.id] == true]

_cap_def := {c.id: c | some c in object.get(_p, "caps", [])}

_cap_level(c, "conduct") := _conduct_rank[c.max_conduct] if {
	c.max_conduct != null
} else := 0

_cap_level(c, "demand") := _demand_rank[c.max_demand] if {
	c.max_demand != null
} else := 0

# How far a present type may raise its axis: its min_level, or the lowest limit of the caps
# that hold and name it, with the first such cap (as eval::raise_limit).
_limit(axis, t, m) := {"to": to, "cap": cap} if {
	ls := [[l, i] |
		some i, cid in _caps_on
		c := _cap_def[cid]
		t in c[concat("", [axis, "_types"])]
		l := _cap_level(c, axis)
	]
	to := min(array.concat([m], [l[0] | some l in ls]))
	cs := [_caps_on[l[1]] | some l in ls; l[0] == to; to < m]
	cap := _first_or_null(cs)
}

_first_or_null(xs) := xs[0] if {
	count(xs) > 0
} else := null

_conduct_limit := {t: _limit("conduct", t, _conduct_min[t]) | some t in _conduct_types}

_demand_limit := {t: _limit("demand", t, _demand_min[t]) | some t in _demand_types}

_top_conduct := max(array.concat([0], [_conduct_limit[t].to | some t in _conduct_types]))

_top_demand := max(array.concat([0], [_demand_limit[t].to | some t in _demand_types]))

_conduct := max([_given_conduct, _top_conduct])

_demand := max([_given_demand, _top_demand])

_raised_conduct := [r |
	_top_conduct > _given_conduct
	some t in _conduct_types
	_conduct_limit[t].to == _top_conduct
	r := {"kind": "raised", "type": t, "axis": "conduct", "from": input.conduct, "to": _conduct_ids[_top_conduct], "implied": count({t} & _listed_conduct) == 0}
]

_raised_demand := [r |
	_top_demand > _given_demand
	some t in _demand_types
	_demand_limit[t].to == _top_demand
	r := {"kind": "raised", "type": t, "axis": "demand", "from": input.demand, "to": _demand_ids[_top_demand], "implied": count({t} & _listed_demand) == 0}
]

# A cap that kept a type below its min_level, where the level ended lower.
_capped_conduct := [r |
	some t in _conduct_types
	lim := _conduct_limit[t]
	lim.cap != null
	_conduct_min[t] > _conduct
	r := {"kind": "capped", "cap": lim.cap, "type": t, "axis": "conduct", "from": _conduct_ids[_conduct_min[t]], "to": _conduct_ids[max([lim.to, _given_conduct])]}
]

_capped_demand := [r |
	some t in _demand_types
	lim := _demand_limit[t]
	lim.cap != null
	_demand_min[t] > _demand
	r := {"kind": "capped", "cap": lim.cap, "type": t, "axis": "demand", "from": _demand_ids[_demand_min[t]], "to": _demand_ids[max([lim.to, _given_demand])]}
]

_cell := concat("×", [_conduct_ids[_conduct], _demand_ids[_demand]])

_cell_verdict := _p.grid[_conduct_ids[_conduct]][_demand]

_type_verdict := {t.id: t.verdict | some t in _p.conduct_types; t.verdict != null}

_verdict_index := max(array.concat(
	[_verdict_rank[_cell_verdict]],
	[_verdict_rank[_type_verdict[t]] | some t in _conduct_types; _type_verdict[t]],
))

_verdict := _p.verdicts[_verdict_index].id

_overrides := [r |
	_verdict_index > _verdict_rank[_cell_verdict]
	some t in _conduct_types
	_type_verdict[t] == _verdict
	r := {"kind": "override", "type": t, "verdict": _verdict}
]

_reasons := array.concat(
	array.concat(array.concat(_raised_conduct, _capped_conduct), array.concat(_raised_demand, _capped_demand)),
	array.concat([{"kind": "cell", "cell": _cell, "verdict": _cell_verdict}], _overrides),
)

# ---- The flow: the one whose applies_to admits the contact -------------------------------

_flow_results := [_applies[f.id] | some f in _p.flows]

_flow_needs if {
	some r in _flow_results
	is_string(r)
}

_matching := [f.id | some f in _p.flows; _applies[f.id] == true]

_flow := _matching[0] if {
	not _flow_needs
	count(_matching) == 1
}

_flow_def := f if {
	some f in _p.flows
	f.id == _flow
}

_steps := {s.id: s | some s in _flow_def.steps}

# ---- The route ----------------------------------------------------------------------------

# The repeat limits of the flow's steps; `_never` exceeds any count.
_repeat := {s.id: s.repeat | some s in _flow_def.steps; s.repeat != null}

_never := 18446744073709551616

# The branch results of the flow's steps, once per contact: they do not change along a route.
_results := {s.id: _branches[concat("/", [_flow, s.id])] | some s in _flow_def.steps; count(s.next) > 0}

_route := array.slice(_walk.route, 0, _max_route + 1) if _flow

_route_status := s if {
	_flow
	s := _walk.status
	s != null
} else := "unfinished" if {
	_flow
}

# ---- Roles the invariants require --------------------------------------------------------

_inv_holds := {inv.id | some inv in _p.invariants; inv.when == null} | {id | some id, v in _inv_applies; v == true}

_reach_all := [r | some inv in _p.invariants; inv.id in _inv_holds; some r in inv.reach_roles]

_reach := [r | some i, r in _reach_all; not r in array.slice(_reach_all, 0, i)]

# ---- The decision --------------------------------------------------------------------------

_out_flow := f if {
	f := _flow
} else := null

_out_route := r if {
	r := _route
} else := []

_out_status := s if {
	s := _route_status
} else := "several-flows" if {
	not _flow_needs
	count(_matching) > 1
} else := "no-flow"

# METADATA
# title: The decision for a contact
# description: >-
#   Exactly the fields of a `mamoru classify` output line for the same input: id, verdict,
#   cell (effective), reasons (in causal order), flow, route so far, route_status, reach_roles,
#   manual. Undefined when the input is refused (see errors).
decision := {
	"id": object.get(input, "id", null),
	"verdict": _verdict,
	"cell": _cell,
	"reasons": _reasons,
	"flow": _out_flow,
	"route": _out_route,
	"route_status": _out_status,
	"reach_roles": _reach,
	"manual": _cell_manual[_cell],
} if _valid
"#;

/// The package `mamoru.test`: one test per case, as `mamoru test` checks it.
pub(super) fn tests_module(b: &Bundle, manual_base: &str) -> String {
    let mut out = String::new();
    out.push_str("# Generated by mamoru from the policy's cases: `opa test` runs them.\n");
    out.push_str("package mamoru.test\n\nimport rego.v1\n");
    for c in &b.cases {
        out.push('\n');
        test(&mut out, c, manual_base);
    }
    out
}

fn test(out: &mut String, c: &Case, manual_base: &str) {
    metadata(
        out,
        &c.title,
        Some(&format!("case `{}`", c.id)),
        &format!("{manual_base}{}", c.manual),
        &[("kind", "case"), ("id", &c.id)],
    );
    // One fact a line: Rego readers may limit line length.
    let contact = serde_json::to_string_pretty(&c.contact)
        .unwrap_or_else(|_| "{}".into())
        .replace('\n', "\n\t");
    let _ = writeln!(out, "test_{} if {{", c.id.replace('-', "_"));
    let _ = writeln!(out, "\td := data.mamoru.decision with input as {contact}");
    let _ = writeln!(out, "\td.verdict == {}", q(&c.expect.verdict));
    if let Some(f) = &c.expect.flow {
        let _ = writeln!(out, "\td.flow == {}", q(f));
    }
    if let Some(r) = &c.expect.route {
        let _ = writeln!(out, "\td.route == {}", q_list(r));
    }
    out.push_str("}\n");
}

//! The exported Rego decides exactly as `mamoru classify` does.
//!
//! A differential test: the OPA bundle of a policy is evaluated by an independent Rego
//! interpreter (the `regorus` crate) on random contacts — valid ones with every channel, tag,
//! type, threshold edge and unknown events, and malformed ones — and every decision must equal
//! the line `mamoru classify` writes (the streaming classifier the command uses), or both must
//! refuse the contact. Policies: the example, the mini fixture, and random mutations of their
//! grids, types, conditions, flows (loops through `repeat` steps, large `repeat`s) and
//! invariants. Every case of the example runs too, and the generated Rego tests pass.
//!
//! Sample sizes: `MAMORU_OPA_CONTACTS` contacts for the example (default 5,000, about 10 s: the
//! interpreter needs 1-3 ms a decision even built with optimisations, see Cargo.toml), fewer for
//! mutated policies (`MAMORU_OPA_POLICIES`, default 16, 300 contacts each). The 100,000-contact
//! run: `MAMORU_OPA_CONTACTS=100000 cargo test --release --test opa example` (or bench/opa.sh).
//! `MAMORU_OPA_SEED` changes the seed. OPA's own Go evaluator (installed by .ci/run) decides a
//! sample too, runs the generated tests and verifies the signature; an `opa` binary on the PATH
//! is used as well (the test says when it is skipped).

mod common;

use mamoru::bundle::{Bundle, Condition};
use mamoru::emit::opa;
use mamoru::ops::{self, Input};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// splitmix64: a small, seedable generator so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    fn subset(&mut self, v: &[String], percent: u64) -> Vec<String> {
        v.iter().filter(|_| self.chance(percent)).cloned().collect()
    }
}

fn seed() -> u64 {
    std::env::var("MAMORU_OPA_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_130)
}

fn bundle_of(input: &Input) -> Bundle {
    let checked = ops::check(input).expect("readable policy");
    assert_eq!(checked.errors(), 0, "the policy has errors");
    let policy = checked.policy.expect("compiled policy");
    mamoru::emit::bundle::build(&policy, None)
}

/// The Rego of a bundle, loaded into regorus with the bundle as `data.mamoru.policy`.
fn rego_engine(b: &Bundle) -> (regorus::Engine, Vec<(String, Vec<u8>)>) {
    let files = opa::files(
        b,
        &opa::Options {
            key: None,
            manual_base: "",
        },
    )
    .expect("exportable policy");
    let mut e = regorus::Engine::new();
    for (path, bytes) in &files {
        if path.ends_with(".rego") {
            e.add_policy(path.clone(), String::from_utf8(bytes.clone()).unwrap())
                .unwrap_or_else(|err| panic!("{path} does not compile: {err}"));
        }
    }
    // data.json is the bundle itself, under the root.
    let data = files
        .iter()
        .find(|(p, _)| p == "mamoru/policy/data.json")
        .expect("data.json");
    let policy: Value = serde_json::from_slice(&data.1).unwrap();
    assert_eq!(
        policy,
        serde_json::to_value(b).unwrap(),
        "data.json is the bundle"
    );
    e.add_data_json(&json!({"mamoru": {"policy": policy}}).to_string())
        .unwrap();
    (e, files)
}

/// Every threshold a condition compares minutes (as seconds) or repeats with.
fn thresholds(b: &Bundle) -> (Vec<u64>, Vec<u64>) {
    fn walk(c: &Condition, m: &mut Vec<u64>, r: &mut Vec<u64>) {
        m.extend(c.seconds_at_least);
        r.extend(c.repeats_at_least);
        if let Some(n) = &c.not {
            walk(n, m, r);
        }
    }
    let (mut m, mut r) = (Vec::new(), Vec::new());
    let mut all: Vec<&Condition> = Vec::new();
    all.extend(b.conduct_types.iter().filter_map(|t| t.when.as_ref()));
    all.extend(b.demand_types.iter().filter_map(|t| t.when.as_ref()));
    for f in &b.flows {
        all.push(&f.applies_to);
        all.extend(
            f.steps
                .iter()
                .flat_map(|s| s.next.iter().filter_map(|e| e.when.as_ref())),
        );
    }
    all.extend(b.invariants.iter().filter_map(|i| i.when.as_ref()));
    for c in all {
        walk(c, &mut m, &mut r);
    }
    (m, r)
}

fn ids(v: &[impl AsRef<str>]) -> Vec<String> {
    v.iter().map(|s| s.as_ref().to_string()).collect()
}

/// A random contact line: mostly valid (every vocabulary, threshold edges, unknown events),
/// sometimes malformed in one of the ways classify refuses.
fn contact(b: &Bundle, rng: &mut Rng, n: usize) -> String {
    let (secs, reps) = thresholds(b);
    let channels: Vec<String> = b.channels.iter().map(|x| x.id.clone()).collect();
    let conduct: Vec<String> = b.axes.conduct.levels.iter().map(|x| x.id.clone()).collect();
    let demand: Vec<String> = b.axes.demand.levels.iter().map(|x| x.id.clone()).collect();
    let ctypes: Vec<String> = b.conduct_types.iter().map(|x| x.id.clone()).collect();
    let dtypes: Vec<String> = b.demand_types.iter().map(|x| x.id.clone()).collect();
    let tags: Vec<String> = b.tags.iter().map(|x| x.id.clone()).collect();
    let events: Vec<String> = b.events.iter().map(|x| x.id.clone()).collect();
    let mut c = serde_json::Map::new();
    match rng.below(10) {
        0 => {}
        1 => {
            c.insert("id".into(), Value::Null);
        }
        _ => {
            c.insert("id".into(), json!(format!("C-{n}")));
        }
    }
    c.insert("channel".into(), json!(rng.pick(&channels)));
    c.insert("conduct".into(), json!(rng.pick(&conduct)));
    c.insert("demand".into(), json!(rng.pick(&demand)));
    let pct = [3, 10, 30][rng.below(3)];
    for (key, vocab) in [
        ("conduct_types", &ctypes),
        ("demand_types", &dtypes),
        ("tags", &tags),
    ] {
        if rng.chance(70) {
            let mut v = rng.subset(vocab, pct);
            if rng.chance(5) && !v.is_empty() {
                let again = v[0].clone();
                v.push(again);
            }
            c.insert(key.into(), json!(v));
        }
    }
    if !b.parties.is_empty() && rng.chance(60) {
        let parties: Vec<String> = b.parties.iter().map(|x| x.id.clone()).collect();
        c.insert(
            "party".into(),
            if rng.chance(15) {
                Value::Null
            } else {
                json!(rng.pick(&parties))
            },
        );
    }
    if rng.chance(40) {
        c.insert("targeted".into(), json!(rng.chance(50)));
    }
    if !b.counters.is_empty() && rng.chance(60) {
        let mut m = serde_json::Map::new();
        for k in &b.counters {
            if rng.chance(50) {
                m.insert(k.id.clone(), json!(rng.below(7)));
            }
        }
        c.insert("counts".into(), Value::Object(m));
    }
    if rng.chance(85) {
        let minutes = match rng.below(6) {
            0 if !secs.is_empty() => {
                let s = *rng.pick(&secs) / 60;
                s.saturating_sub(1) + rng.below(3) as u64
            }
            1 => rng.below(300) as u64,
            2 => [0u64, 1, 59, 60, 61, 1_000_000_000_000][rng.below(6)],
            _ => rng.below(130) as u64,
        };
        c.insert("minutes".into(), json!(minutes));
    }
    if rng.chance(70) {
        let repeats = match rng.below(3) {
            0 if !reps.is_empty() => rng.pick(&reps).saturating_sub(1) + rng.below(3) as u64,
            _ => rng.below(6) as u64,
        };
        c.insert("repeats".into(), json!(repeats));
    }
    match rng.below(10) {
        0..=2 => {} // not known yet
        3 => {
            c.insert("events".into(), Value::Null);
        }
        _ => {
            let pct = [10, 30, 60][rng.below(3)];
            c.insert("events".into(), json!(rng.subset(&events, pct)));
        }
    }
    if rng.chance(3) {
        // One way classify refuses a line.
        match rng.below(14) {
            10 => {
                c.insert("party".into(), json!("no-such-party"));
            }
            11 => {
                c.insert("targeted".into(), json!("yes"));
            }
            12 => {
                c.insert("counts".into(), json!({"no-such-counter": 1}));
            }
            13 => {
                c.insert("counts".into(), json!({"x": -1}));
            }
            0 => {
                c.insert("tag".into(), json!(["legal"]));
            }
            1 => {
                c.insert("channel".into(), json!("fax-machine"));
            }
            2 => {
                c.insert("minutes".into(), json!(-1));
            }
            3 => {
                c.insert("minutes".into(), json!("5"));
            }
            4 => {
                c.insert("repeats".into(), json!(1.5));
            }
            5 => {
                c.insert("tags".into(), Value::Null);
            }
            6 => {
                c.remove("demand");
            }
            7 => {
                c.insert("events".into(), json!(["no-such-event"]));
            }
            8 => {
                c.insert("conduct_types".into(), json!([1, 2]));
            }
            _ => return "[\"not\", \"an object\"]".into(),
        }
    }
    Value::Object(c).to_string()
}

/// What `mamoru classify` writes for each line: `Some(output)` or `None` when it refuses it.
fn classify_lines(b: &Bundle, lines: &[String]) -> Vec<Option<Value>> {
    let engine = b.engine().expect("engine");
    let input = lines.join("\n");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    mamoru::bundle::stream::classify(&engine, input.as_bytes(), &mut out, &mut err).unwrap();
    let refused: BTreeSet<usize> = String::from_utf8(err)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("line ")?.split(':').next()?.parse().ok())
        .collect();
    let mut outs = out.split(|&c| c == b'\n').filter(|l| !l.is_empty());
    (1..=lines.len())
        .map(|n| {
            if refused.contains(&n) {
                None
            } else {
                Some(serde_json::from_slice(outs.next().expect("one output per line")).unwrap())
            }
        })
        .collect()
}

/// What the Rego decides: `Some(decision)`, or `None` when it refuses the input (and then
/// `errors` must say why).
fn rego_decide(e: &mut regorus::Engine, line: &str) -> Option<Value> {
    e.set_input_json(line).expect("json input");
    let d = e
        .eval_rule("data.mamoru.decision".into())
        .expect("evaluates");
    if d == regorus::Value::Undefined {
        let errors = e.eval_rule("data.mamoru.errors".into()).expect("errors");
        let n = errors.as_set().map(|s| s.len()).unwrap_or(0);
        assert!(n > 0, "no decision and no error for {line}");
        return None;
    }
    Some(serde_json::from_str(&d.to_json_str().unwrap()).unwrap())
}

/// Run `n` random contacts through both; returns (decided, refused) counts.
fn differential(name: &str, b: &Bundle, n: usize, rng: &mut Rng) -> (usize, usize) {
    let (mut e, _) = rego_engine(b);
    let lines: Vec<String> = (0..n).map(|i| contact(b, rng, i)).collect();
    let want = classify_lines(b, &lines);
    let (mut decided, mut refused) = (0, 0);
    let mut statuses = BTreeSet::new();
    for (line, want) in lines.iter().zip(&want) {
        let got = rego_decide(&mut e, line);
        assert_eq!(
            got, *want,
            "{name}: Rego and classify differ on\n{line}\n(Rego first)"
        );
        match got {
            Some(d) => {
                decided += 1;
                statuses.insert(d["route_status"].as_str().unwrap_or("").to_string());
            }
            None => refused += 1,
        }
    }
    eprintln!(
        "{name}: {decided} decided alike, {refused} refused alike; route statuses {statuses:?}"
    );
    (decided, refused)
}

fn contacts_for_example() -> usize {
    std::env::var("MAMORU_OPA_CONTACTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000)
}

#[test]
fn example_policy_agrees_on_random_contacts() {
    let b = bundle_of(&Input::Builtin);
    let mut rng = Rng(seed());
    let n = contacts_for_example();
    let t = std::time::Instant::now();
    let (decided, refused) = differential("example", &b, n, &mut rng);
    assert_eq!(decided + refused, n);
    assert!(decided > n * 9 / 10, "most contacts are valid");
    eprintln!(
        "example: {n} contacts in {:.1} s ({:.0} Rego decisions/s incl. classify; debug build)",
        t.elapsed().as_secs_f64(),
        n as f64 / t.elapsed().as_secs_f64()
    );
}

#[test]
fn mini_fixture_agrees_on_random_contacts() {
    let b = bundle_of(&Input::Dir(common::fixture("mini")));
    let mut rng = Rng(seed() ^ 1);
    differential("mini", &b, 2_000, &mut rng);
}

#[test]
fn every_case_of_the_example_agrees_and_its_rego_test_passes() {
    let b = bundle_of(&Input::Builtin);
    let engine = b.engine().unwrap();
    let (mut e, _) = rego_engine(&b);
    for case in &b.cases {
        let line = serde_json::to_string(&case.contact).unwrap();
        let want = serde_json::to_value(engine.classify(&case.contact).unwrap()).unwrap();
        assert_eq!(
            rego_decide(&mut e, &line),
            Some(want.clone()),
            "case {}",
            case.id
        );
        assert_eq!(
            want["verdict"],
            json!(case.expect.verdict),
            "case {}",
            case.id
        );
        let test = format!("data.mamoru.test.test_{}", case.id.replace('-', "_"));
        let r = e.eval_rule(test.clone()).expect("test evaluates");
        assert_eq!(r, regorus::Value::from(true), "{test}");
    }
    assert!(b.cases.len() >= 30);
}

#[test]
fn a_failing_case_fails_its_rego_test() {
    let mut b = bundle_of(&Input::Builtin);
    // Expect another verdict for the first case: its generated test must fail.
    let other = b
        .verdicts
        .iter()
        .map(|v| v.id.clone())
        .find(|v| *v != b.cases[0].expect.verdict)
        .unwrap();
    b.cases[0].expect.verdict = other;
    let (mut e, _) = rego_engine(&b);
    let test = format!("data.mamoru.test.test_{}", b.cases[0].id.replace('-', "_"));
    let r = e.eval_rule(test).unwrap();
    assert_ne!(r, regorus::Value::from(true));
}

// ---- Mutated policies -----------------------------------------------------------------------

fn random_condition(b: &Bundle, rng: &mut Rng, depth: usize, facts_only: bool) -> Condition {
    let mut c = Condition::default();
    let ids_of = |v: Vec<String>, rng: &mut Rng| -> Vec<String> {
        let mut s = rng.subset(&v, 40);
        if s.is_empty() && !v.is_empty() {
            s.push(rng.pick(&v).clone());
        }
        s
    };
    let (secs, reps) = thresholds(b);
    let keys = 1 + rng.below(3);
    for _ in 0..keys {
        // 0-5 and 12-15 are facts; 6-11 need the types or the profile.
        let k = rng.below(if facts_only { 10 } else { 16 });
        let k = match k {
            0..=5 => k,
            6..=9 => k + 6,
            _ => k - 4,
        };
        match k {
            0 => {
                c.channel = Some(ids_of(
                    ids(&b.channels.iter().map(|x| &x.id).collect::<Vec<_>>()),
                    rng,
                ))
            }
            1 => {
                c.tags = Some(ids_of(
                    ids(&b.tags.iter().map(|x| &x.id).collect::<Vec<_>>()),
                    rng,
                ))
            }
            2 => {
                c.seconds_at_least = Some(if secs.is_empty() || rng.chance(50) {
                    60 * rng.below(120) as u64
                } else {
                    *rng.pick(&secs)
                })
            }
            3 => {
                c.repeats_at_least = Some(if reps.is_empty() || rng.chance(50) {
                    rng.below(5) as u64
                } else {
                    *rng.pick(&reps)
                })
            }
            4 => {
                c.event = Some(ids_of(
                    ids(&b.events.iter().map(|x| &x.id).collect::<Vec<_>>()),
                    rng,
                ))
            }
            5 if depth < 2 => {
                c.not = Some(Box::new(random_condition(b, rng, depth + 1, facts_only)))
            }
            6 => {
                c.verdict = Some(ids_of(
                    ids(&b.verdicts.iter().map(|x| &x.id).collect::<Vec<_>>()),
                    rng,
                ))
            }
            7 => c.conduct_at_least = Some(rng.pick(&b.axes.conduct.levels).id.clone()),
            8 => c.demand_at_least = Some(rng.pick(&b.axes.demand.levels).id.clone()),
            9 => {
                c.conduct_types = Some(ids_of(
                    ids(&b.conduct_types.iter().map(|x| &x.id).collect::<Vec<_>>()),
                    rng,
                ))
            }
            10 => {
                c.demand_types = Some(ids_of(
                    ids(&b.demand_types.iter().map(|x| &x.id).collect::<Vec<_>>()),
                    rng,
                ))
            }
            12 if !b.parties.is_empty() => {
                c.party = Some(ids_of(
                    ids(&b.parties.iter().map(|x| &x.id).collect::<Vec<_>>()),
                    rng,
                ))
            }
            13 => c.targeted = Some(rng.chance(50)),
            14 if !b.counters.is_empty() => {
                let mut m = std::collections::BTreeMap::new();
                for _ in 0..1 + rng.below(2) {
                    m.insert(rng.pick(&b.counters).id.clone(), rng.below(6) as u64);
                }
                c.counts_at_least = Some(m);
            }
            15 if depth < 2 => {
                c.any = Some(
                    (0..rng.below(4))
                        .map(|_| random_condition(b, rng, depth + 1, facts_only))
                        .collect(),
                )
            }
            _ => c.not = Some(Box::new(random_condition(b, rng, 2, facts_only))),
        }
    }
    c
}

/// A random variation of a bundle: grid, types, conditions, loops through repeat steps.
fn mutate(base: &Bundle, rng: &mut Rng) -> Bundle {
    let mut b = base.clone();
    // Format 1.1: parties, counters and protective caps, when the base has none.
    if b.parties.is_empty() {
        for id in ["customer", "family", "business"] {
            b.parties.push(mamoru::bundle::Labelled {
                id: id.into(),
                label: id.into(),
            });
        }
    }
    if b.counters.is_empty() {
        for id in ["calls-day", "calls-week"] {
            b.counters.push(mamoru::bundle::Counter {
                id: id.into(),
                label: id.into(),
                window_seconds: Some(86_400),
            });
        }
    }
    let verdicts: Vec<String> = b.verdicts.iter().map(|v| v.id.clone()).collect();
    for row in b.grid.values_mut() {
        for cell in row.iter_mut() {
            if rng.chance(30) {
                *cell = rng.pick(&verdicts).clone();
            }
        }
    }
    let clevels: Vec<String> = b.axes.conduct.levels.iter().map(|l| l.id.clone()).collect();
    let dlevels: Vec<String> = b.axes.demand.levels.iter().map(|l| l.id.clone()).collect();
    let snapshot = b.clone();
    for t in &mut b.conduct_types {
        if rng.chance(30) {
            t.min_level = rng.pick(&clevels).clone();
        }
        if rng.chance(20) {
            t.verdict = if rng.chance(50) {
                None
            } else {
                Some(rng.pick(&verdicts).clone())
            };
        }
        if rng.chance(20) {
            // Mostly facts; sometimes a key the facts-only probe cannot answer.
            let facts_only = rng.chance(80);
            t.when = Some(random_condition(&snapshot, rng, 0, facts_only));
        }
    }
    for t in &mut b.demand_types {
        if rng.chance(30) {
            t.min_level = rng.pick(&dlevels).clone();
        }
        if rng.chance(20) {
            t.when = Some(random_condition(&snapshot, rng, 0, true));
        }
    }
    for f in &mut b.flows {
        if rng.chance(20) {
            f.applies_to = random_condition(&snapshot, rng, 0, false);
        }
        let n = f.steps.len();
        let step_ids: Vec<String> = f.steps.iter().map(|s| s.id.clone()).collect();
        // Some steps become repeat steps, with loops onto themselves or back from later steps.
        #[allow(clippy::needless_range_loop)] // steps are edited by index while read
        for i in 0..n {
            if f.steps[i].end.is_some() {
                continue;
            }
            if rng.chance(25) {
                f.steps[i].repeat = Some(match rng.below(4) {
                    0 => 1,
                    1 => 2 + rng.below(3) as u64,
                    2 => 500 + rng.below(3_000) as u64, // long routes through a self-loop
                    _ => 3,
                });
                let when = Some(random_condition(&snapshot, rng, 0, false));
                let at = rng.below(f.steps[i].next.len() + 1);
                f.steps[i].next.insert(
                    at,
                    mamoru::bundle::Edge {
                        when,
                        to: step_ids[i].clone(),
                    },
                );
            }
            for e in &mut f.steps[i].next {
                // Conditions change; an `otherwise` may become a condition (routes get stuck).
                if rng.chance(if e.when.is_some() { 30 } else { 10 }) {
                    e.when = Some(random_condition(&snapshot, rng, 0, false));
                }
            }
        }
        // A back edge into an earlier repeat step (a cycle through it).
        if rng.chance(40) {
            let repeats: Vec<usize> = (0..n).filter(|&i| f.steps[i].repeat.is_some()).collect();
            if !repeats.is_empty() {
                let to = *rng.pick(&repeats);
                let from = rng.below(n);
                if f.steps[from].end.is_none() && f.steps[to].repeat.unwrap_or(0) < 50 {
                    let when = Some(random_condition(&snapshot, rng, 0, false));
                    f.steps[from].next.insert(
                        0,
                        mamoru::bundle::Edge {
                            when,
                            to: step_ids[to].clone(),
                        },
                    );
                }
            }
        }
    }
    for inv in &mut b.invariants {
        if rng.chance(30) {
            inv.when = Some(random_condition(&snapshot, rng, 0, false));
        }
    }
    // Protective caps: their `when` sees facts and types (and may ask for more).
    for i in 0..rng.below(3) {
        let ctypes: Vec<String> = b.conduct_types.iter().map(|t| t.id.clone()).collect();
        let dtypes: Vec<String> = b.demand_types.iter().map(|t| t.id.clone()).collect();
        let facts_only = rng.chance(70);
        let mut when = random_condition(&snapshot, rng, 0, facts_only);
        if rng.chance(40) {
            when.conduct_types = Some(rng.subset(&ctypes, 20));
        }
        b.caps.push(mamoru::bundle::Cap {
            id: format!("cap-{i}"),
            label: format!("cap {i}"),
            when,
            conduct_types: rng.subset(&ctypes, 40),
            max_conduct: rng.chance(60).then(|| rng.pick(&clevels).clone()),
            demand_types: rng.subset(&dtypes, 40),
            max_demand: rng.chance(60).then(|| rng.pick(&dlevels).clone()),
            manual: format!("criteria.html#cap-{i}"),
        });
    }
    b
}

#[test]
fn mutated_policies_agree_on_random_contacts() {
    let mut rng = Rng(seed() ^ 2);
    let bases = [
        bundle_of(&Input::Builtin),
        bundle_of(&Input::Dir(common::fixture("mini"))),
    ];
    let policies: usize = std::env::var("MAMORU_OPA_POLICIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let (mut exported, mut refused_export) = (0, 0);
    let mut statuses = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    for i in 0..policies {
        let b = mutate(&bases[i % 2], &mut rng);
        match opa::files(
            &b,
            &opa::Options {
                key: None,
                manual_base: "",
            },
        ) {
            Err(e) => {
                // Only loops that cannot be unrolled are refused, with a clear message.
                let msg = e.to_string();
                assert!(msg.contains("cannot export flow"), "{msg}");
                refused_export += 1;
                continue;
            }
            Ok(_) => exported += 1,
        }
        let (mut e, _) = rego_engine(&b);
        let lines: Vec<String> = (0..300).map(|k| contact(&b, &mut rng, k)).collect();
        let want = classify_lines(&b, &lines);
        for (line, want) in lines.iter().zip(&want) {
            let got = rego_decide(&mut e, line);
            assert_eq!(
                got, *want,
                "mutated policy {i}: differ on\n{line}\n(Rego first)"
            );
            if let Some(d) = got {
                statuses.insert(d["route_status"].as_str().unwrap_or("").to_string());
                for r in d["reasons"].as_array().into_iter().flatten() {
                    kinds.insert(r["kind"].as_str().unwrap_or("").to_string());
                }
            }
        }
    }
    eprintln!(
        "mutated: {exported} policies exported and agreed on 300 contacts each; {refused_export} refused; statuses {statuses:?}"
    );
    assert!(exported >= policies / 2);
    for s in ["end", "stuck", "no-flow"] {
        assert!(
            statuses.contains(s),
            "no mutated contact ended `{s}`: {statuses:?}"
        );
    }
    assert!(statuses.iter().any(|s| s.starts_with("event:")));
    // Every kind of reason, protective caps (format 1.1) included.
    for k in ["raised", "capped", "cell", "override"] {
        assert!(
            kinds.contains(k),
            "no mutated contact had a `{k}` reason: {kinds:?}"
        );
    }
}

// ---- The archive -------------------------------------------------------------------------------

#[test]
fn the_archive_is_deterministic_and_lists_the_files() {
    let b = bundle_of(&Input::Builtin);
    let o = opa::Options {
        key: None,
        manual_base: "",
    };
    let a1 = opa::build(&b, &o).unwrap();
    let a2 = opa::build(&b, &o).unwrap();
    assert_eq!(a1, a2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.tar.gz");
    std::fs::write(&path, &a1).unwrap();
    let out = std::process::Command::new("tar")
        .arg("-tvzf")
        .arg(&path)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert_eq!(
        names,
        [
            "/.manifest",
            "/mamoru/policy.rego",
            "/mamoru/policy/data.json",
            "/mamoru/test/cases_test.rego"
        ]
    );
    assert!(
        listing.lines().all(|l| l.starts_with("-rw-r--r-- 0/0")),
        "{listing}"
    );
    let manifest: Value = serde_json::from_slice(&opa::files(&b, &o).unwrap()[0].1).unwrap();
    assert_eq!(manifest["roots"], json!(["mamoru"]));
    assert_eq!(manifest["revision"], json!(b.manifest.digest));
}

#[test]
fn every_rule_has_metadata_with_title_and_manual() {
    let b = bundle_of(&Input::Builtin);
    let (_, files) = rego_engine(&b);
    let rego = String::from_utf8(
        files
            .iter()
            .find(|(p, _)| p == "mamoru/policy.rego")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    let mut generated = 0;
    for (i, line) in rego.lines().enumerate() {
        if ["_implied_", "_applies[", "_branches[", "_inv_applies["]
            .iter()
            .any(|p| line.starts_with(p))
            && !line.contains("[\"-\"]")
        {
            generated += 1;
            let before: Vec<&str> = rego.lines().take(i).collect();
            let meta = before
                .iter()
                .rposition(|l| *l == "# METADATA")
                .expect("METADATA");
            let block = before[meta..].join("\n");
            assert!(block.contains("# title: "), "{line}");
            assert!(block.contains("#   - ref: "), "{line}");
        }
    }
    let steps_with_branches: usize = b
        .flows
        .iter()
        .map(|f| f.steps.iter().filter(|s| !s.next.is_empty()).count())
        .sum();
    assert!(generated >= b.flows.len() + steps_with_branches);
    // A step's rule links to its section of the manual.
    assert!(rego.contains("\"flows/phone.html#step-warn\""));
}

#[test]
fn a_loop_without_repeat_or_too_many_walking_steps_is_refused() {
    let mut b = bundle_of(&Input::Dir(common::fixture("mini")));
    let phone = b.flows.iter_mut().find(|f| f.id == "phone").unwrap();
    let listen = phone.steps.iter_mut().find(|s| s.id == "listen").unwrap();
    listen.next.insert(
        0,
        mamoru::bundle::Edge {
            when: Some(Condition {
                event: Some(vec!["continues".into()]),
                ..Default::default()
            }),
            to: "listen".into(),
        },
    );
    let err = opa::files(
        &b,
        &opa::Options {
            key: None,
            manual_base: "",
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("flow `phone`") && err.contains("`listen`") && err.contains("repeat"),
        "{err}"
    );

    // A loop through two steps with a large repeat: walking it needs too many steps.
    let mut b = bundle_of(&Input::Dir(common::fixture("mini")));
    let phone = b.flows.iter_mut().find(|f| f.id == "phone").unwrap();
    let warn = phone.steps.iter_mut().find(|s| s.id == "warn").unwrap();
    warn.repeat = Some(5_000);
    warn.next.insert(
        0,
        mamoru::bundle::Edge {
            when: None,
            to: "listen".into(),
        },
    );
    let err = opa::files(
        &b,
        &opa::Options {
            key: None,
            manual_base: "",
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("flow `phone`") && err.contains("limit is 2000"),
        "{err}"
    );

    // A large repeat on a loop onto itself costs one walking step: exported, and it agrees.
    let with_repeat = |n: u64| {
        let mut b = bundle_of(&Input::Dir(common::fixture("mini")));
        let phone = b.flows.iter_mut().find(|f| f.id == "phone").unwrap();
        let warn = phone.steps.iter_mut().find(|s| s.id == "warn").unwrap();
        warn.repeat = Some(n);
        warn.next.insert(
            0,
            mamoru::bundle::Edge {
                when: Some(Condition {
                    event: Some(vec!["continues".into()]),
                    ..Default::default()
                }),
                to: "warn".into(),
            },
        );
        b
    };
    let b = with_repeat(5_000);
    let (mut e, _) = rego_engine(&b);
    let line = r#"{"channel": "phone", "conduct": "c1", "demand": "d1", "events": ["continues"]}"#;
    let want = classify_lines(&b, &[line.to_string()]);
    let got = rego_decide(&mut e, line);
    assert_eq!(got, want[0]);
    let got = got.unwrap();
    assert_eq!(got["route_status"], json!("end"));
    assert_eq!(got["route"].as_array().unwrap().len(), 5_002);
    // Routes that could be longer than OPA should build: refused with the limit named.
    let err = opa::files(
        &with_repeat(1_000_000),
        &opa::Options {
            key: None,
            manual_base: "",
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("flow `phone`") && err.contains("100000"),
        "{err}"
    );
}

// ---- Open Policy Agent itself ------------------------------------------------------------------

/// OPA's Go engine as a shared library (PyPI `opa-golib-python-bindings`, installed by .ci/run
/// into target/opa-go), or `MAMORU_OPA_GO`.
fn opa_go_bridge() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("MAMORU_OPA_GO")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/opa-go"));
    dir.join("opa_bindings/libopabridge.so")
        .is_file()
        .then_some(dir)
}

/// Decisions of OPA's own engine for the bundle, plus its test results and signature check.
fn opa_go_decide(
    bridge: &std::path::Path,
    archive: &[u8],
    lines: &[String],
    public: Option<&std::path::Path>,
) -> (Vec<Option<Value>>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.tar.gz");
    std::fs::write(&bundle, archive).unwrap();
    let contacts = dir.path().join("contacts.jsonl");
    std::fs::write(&contacts, lines.join("\n")).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/opa_go.py");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(script).arg(bridge).arg(&bundle).arg(&contacts);
    if let Some(p) = public {
        cmd.arg(p);
    }
    let out = cmd.output().expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut results: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = results.pop().expect("summary line");
    (
        results
            .into_iter()
            .map(|v| (!v.is_null()).then_some(v))
            .collect(),
        summary,
    )
}

#[test]
fn open_policy_agent_itself_agrees_runs_the_tests_and_verifies_the_signature() {
    let Some(bridge) = opa_go_bridge() else {
        eprintln!(
            "SKIPPED: OPA's Go engine is not installed (bash .ci/run installs it into target/opa-go)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("opa");
    let g = mamoru::sign::keygen(&name, mamoru::sign::KeyKind::P256).unwrap();
    let key = mamoru::sign::read_secret(&g.private).unwrap();
    let mut rng = Rng(seed() ^ 3);
    let mut policies = vec![
        bundle_of(&Input::Builtin),
        bundle_of(&Input::Dir(common::fixture("mini"))),
    ];
    let base = policies[0].clone();
    while policies.len() < 8 {
        let b = mutate(&base, &mut rng);
        if opa::files(
            &b,
            &opa::Options {
                key: None,
                manual_base: "",
            },
        )
        .is_ok()
        {
            policies.push(b);
        }
    }
    for (i, b) in policies.iter().enumerate() {
        let archive = opa::build(
            b,
            &opa::Options {
                key: Some(&key),
                manual_base: "",
            },
        )
        .unwrap();
        let n = if i == 0 { 600 } else { 100 };
        let lines: Vec<String> = (0..n).map(|k| contact(b, &mut rng, k)).collect();
        let want = classify_lines(b, &lines);
        let (got, summary) = opa_go_decide(&bridge, &archive, &lines, Some(&g.public));
        assert_eq!(got.len(), lines.len());
        for ((line, got), want) in lines.iter().zip(&got).zip(&want) {
            assert_eq!(
                got, want,
                "policy {i}: OPA and classify differ on\n{line}\n(OPA first)"
            );
        }
        let sig = &summary["signature"];
        assert_eq!(sig["hashes_match"], json!(true), "{sig}");
        assert_eq!(sig["verified"], json!(true), "{sig}");
        assert_eq!(sig["header"]["alg"], json!("ES256"));
        if i == 0 {
            // Every case's generated test passes in OPA (a failing test is undefined).
            let tests = summary["tests"].as_object().unwrap();
            assert_eq!(tests.len(), b.cases.len(), "{summary}");
            assert!(tests.values().all(|v| v == &json!(true)), "{summary}");
        }
    }
    // Another key: OPA's verification refuses the signature.
    let other =
        mamoru::sign::keygen(&dir.path().join("other"), mamoru::sign::KeyKind::P256).unwrap();
    let archive = opa::build(
        &policies[1],
        &opa::Options {
            key: Some(&key),
            manual_base: "",
        },
    )
    .unwrap();
    let (_, summary) = opa_go_decide(&bridge, &archive, &[], Some(&other.public));
    assert_eq!(summary["signature"]["verified"], json!(false));
    eprintln!(
        "OPA's Go engine agreed with classify on {} policies",
        policies.len()
    );
}

#[test]
fn the_opa_binary_agrees_when_it_is_installed() {
    let Ok(out) = std::process::Command::new("opa").arg("version").output() else {
        eprintln!(
            "SKIPPED: no `opa` binary on the PATH (the Go engine test above runs OPA's evaluator)"
        );
        return;
    };
    eprintln!(
        "{}",
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
    let b = bundle_of(&Input::Builtin);
    let dir = tempfile::tempdir().unwrap();
    let g = mamoru::sign::keygen(&dir.path().join("opa"), mamoru::sign::KeyKind::P256).unwrap();
    let key = mamoru::sign::read_secret(&g.private).unwrap();
    let archive = opa::build(
        &b,
        &opa::Options {
            key: Some(&key),
            manual_base: "",
        },
    )
    .unwrap();
    let bundle = dir.path().join("bundle.tar.gz");
    std::fs::write(&bundle, &archive).unwrap();
    let mut rng = Rng(seed() ^ 4);
    let lines: Vec<String> = (0..2_000).map(|k| contact(&b, &mut rng, k)).collect();
    let want = classify_lines(&b, &lines);
    let inputs: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let input = dir.path().join("input.json");
    std::fs::write(&input, serde_json::to_string(&inputs).unwrap()).unwrap();
    let out = std::process::Command::new("opa")
        .args(["eval", "--format", "json", "--bundle"])
        .arg(&bundle)
        .args(["--verification-key"])
        .arg(&g.public)
        .args([
            "--verification-key-id",
            &g.kid,
            "--signing-alg",
            "ES256",
            "--input",
        ])
        .arg(&input)
        .arg("[x | some c in input; x := [d | d := data.mamoru.decision with input as c]]")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = v["result"][0]["expressions"][0]["value"]
        .as_array()
        .unwrap()
        .clone();
    for ((line, got), want) in lines.iter().zip(&got).zip(&want) {
        let got = got.as_array().and_then(|a| a.first()).cloned();
        assert_eq!(&got, want, "opa and classify differ on\n{line}");
    }
    let test = std::process::Command::new("opa")
        .args(["test", "--bundle"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stdout)
    );
}

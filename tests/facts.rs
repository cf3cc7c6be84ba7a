//! Format 1.1: facts over time, parties, targeting, `any`/`not` in types, protective caps.
//! Their semantics, their explanation in the three renderers, their round trip through the
//! bundle and the streaming classifier, and the exhaustiveness of the symbolic exploration.

mod common;
use common::*;
use mamoru::bundle::{Bundle, Contact};
use mamoru::compile::explore::{Partial, Space};
use mamoru::eval::{self, Outcome, Probe, Reason};
use mamoru::ops::{self, Input};
use mamoru::policy::{Facts, Policy};
use proptest::prelude::*;
use std::sync::LazyLock;

fn compiled(dir: std::path::PathBuf) -> Policy {
    let checked = ops::check(&Input::Dir(dir)).unwrap();
    assert_eq!(checked.errors(), 0);
    checked.policy.unwrap()
}

static FACTS: LazyLock<Policy> = LazyLock::new(|| compiled(fixture("facts")));
static EXAMPLE: LazyLock<Policy> =
    LazyLock::new(|| ops::check(&Input::Builtin).unwrap().policy.unwrap());

fn case<'a>(p: &'a Policy, id: &str) -> &'a mamoru::policy::Case {
    p.cases.iter().find(|c| c.id == id).unwrap()
}

#[test]
fn the_facts_fixture_is_clean() {
    let d = check(&fixture("facts"));
    assert!(d.is_empty(), "{}", show(&d));
}

#[test]
fn a_cap_limits_the_raise_and_says_so() {
    let p = &*FACTS;
    // g: four calls this week imply `persistent`, which raises conduct to c1: gray.
    let g = eval::assess(p, &case(p, "g").facts);
    assert_eq!(p.verdicts[g.verdict].id, "gray");
    assert!(matches!(g.why[0], Reason::Raised { implied: true, .. }));
    // h: the same for an elderly customer: the cap keeps conduct at c0, and the reasons say why.
    let h = eval::assess(p, &case(p, "h").facts);
    assert_eq!(p.verdicts[h.verdict].id, "complaint");
    let persistent = p
        .conduct_types
        .iter()
        .position(|t| t.id == "persistent")
        .unwrap();
    assert_eq!(
        h.why[0],
        Reason::Capped {
            cap: 0,
            axis: mamoru::policy::AxisKind::Conduct,
            ty: persistent,
            from: 1,
            to: 0
        }
    );
    // The type is still present: flows can still see it.
    assert!(h.conduct_types.contains(&persistent));
    // The three renderers show the cap.
    let english = mamoru::compile::cases::explain(p, &h).render(mamoru::i18n::Lang::En);
    assert!(
        english.contains(
            "cap `elderly` lets type `persistent` raise conduct only to c0 instead of c1"
        ),
        "{english}"
    );
    let engine = bundle_of(p).engine().unwrap();
    let r = engine.classify_facts(None, &case(p, "h").facts);
    let json = serde_json::to_value(&r.reasons).unwrap();
    assert_eq!(
        json[0],
        serde_json::json!({"kind": "capped", "cap": "elderly", "type": "persistent", "axis": "conduct", "from": "c1", "to": "c0"})
    );
}

#[test]
fn the_manual_explains_a_capped_verdict_in_japanese() {
    let out = tempfile::tempdir().unwrap();
    let opts = ops::BuildOptions {
        out: out.path().join("site"),
        bundle_only: false,
        force: false,
        load: Default::default(),
    };
    let (checked, files) = ops::build(&Input::Dir(fixture("facts")), &opts).unwrap();
    assert_eq!(checked.errors(), 0);
    assert!(files.is_some());
    let page = std::fs::read_to_string(out.path().join("site/cases/h.html")).unwrap();
    assert!(
        page.contains("「高齢のお客さまへの配慮」に当たるため、類型「執拗な連絡」による行為の引き上げをc1（威圧）ではなくc0（通常）までにとどめる"),
        "{page}"
    );
    let criteria = std::fs::read_to_string(out.path().join("site/criteria.html")).unwrap();
    assert!(criteria.contains("id=\"cap-elderly\""));
    assert!(criteria.contains("「執拗な連絡」による行為の引き上げを行わない"));
    let targeted = std::fs::read_to_string(out.path().join("site/cases/j.html")).unwrap();
    assert!(targeted.contains("<dt>担当者個人</dt>"));
}

#[test]
fn several_caps_take_the_lowest_limit_and_never_lower_the_given_level() {
    let dir = copy_of(&fixture("facts"));
    edit(
        dir.path(),
        "criteria.yaml",
        "  - {id: prolonged, label: 長時間の拘束, min_level: c1,",
        "  - {id: heavy, label: 重い負担, min_level: c2, when: {minutes_at_least: 120}}\n  - {id: prolonged, label: 長時間の拘束, min_level: c1,",
    );
    edit(
        dir.path(),
        "criteria.yaml",
        "caps:\n",
        "caps:\n  - {id: relay, label: 電話リレーサービス, when: {party: family}, conduct_types: [heavy], max_conduct: c1}\n  - {id: relay-elderly, label: 高齢かつリレー, when: {party: family, tags: elderly}, conduct_types: [heavy]}\n",
    );
    let checked = ops::check(&Input::Dir(dir.path().to_path_buf())).unwrap();
    let p = checked.policy.unwrap();
    let heavy = p
        .conduct_types
        .iter()
        .position(|t| t.id == "heavy")
        .unwrap();
    let facts = |conduct: usize, elderly: bool| Facts {
        channel: 0,
        conduct,
        demand: 0,
        minutes: 130,
        events: Some(vec![]),
        party: Some(1),
        tags: if elderly { vec![1] } else { vec![] },
        ..Facts::default()
    };
    // One cap: heavy raises only to c1 (and long_call's `prolonged` raises to c1 too).
    let a = eval::assess(&p, &facts(0, false));
    assert_eq!(a.conduct, 1);
    assert!(
        a.why
            .iter()
            .any(|r| matches!(r, Reason::Capped { ty, from: 2, to: 1, .. } if *ty == heavy))
    );
    // Two caps: the lower limit (no raise) wins; `prolonged` still raises to c1.
    let b = eval::assess(&p, &facts(0, true));
    assert_eq!(b.conduct, 1);
    assert!(b.why.iter().any(|r| matches!(r, Reason::Capped { cap, ty, from: 2, to: 0, .. } if *ty == heavy && p.caps[*cap].id == "relay-elderly")));
    // A level given above the cap stays: a cap never lowers what the operator observed.
    let c = eval::assess(&p, &facts(2, true));
    assert_eq!(c.conduct, 2);
    assert!(!c.why.iter().any(|r| matches!(r, Reason::Capped { .. })));
}

fn bundle_of(p: &Policy) -> Bundle {
    mamoru::emit::bundle::build(p, None)
}

#[test]
fn the_bundle_round_trips_and_classifies_every_case_as_the_checker_does() {
    for p in [&*FACTS, &*EXAMPLE] {
        let b = bundle_of(p);
        let text = mamoru::emit::bundle::render(&b);
        let read = Bundle::from_json(&text).unwrap();
        assert_eq!(read, b);
        assert_eq!(read.manifest.format, "mamoru-bundle/1.1");
        let engine = read.engine().unwrap();
        let mut lines = Vec::new();
        for (c, bc) in p.cases.iter().zip(&read.cases) {
            // The case's facts survive the trip: the engine reads back the same facts.
            let facts = engine.facts(&bc.contact).unwrap();
            assert_eq!(
                eval::assess(p, &c.facts),
                eval::assess(engine.policy(), &facts),
                "{}",
                c.id
            );
            let r = engine.classify(&bc.contact).unwrap();
            assert_eq!(r.verdict, bc.expect.verdict, "{}", c.id);
            if let Some(route) = &bc.expect.route {
                assert_eq!(&r.route, route, "{}", c.id);
            }
            let mut contact = bc.contact.clone();
            contact.id = Some(c.id.clone());
            lines.push(serde_json::to_string(&contact).unwrap());
        }
        // The streaming writer gives byte for byte what serde gives for the owned result.
        let mut out = Vec::new();
        let stats = mamoru::bundle::stream::classify(
            &engine,
            lines.join("\n").as_bytes(),
            &mut out,
            Vec::new(),
        )
        .unwrap();
        assert_eq!(stats.rejected, 0);
        for (line, got) in lines.iter().zip(String::from_utf8(out).unwrap().lines()) {
            let c: Contact = serde_json::from_str(line).unwrap();
            assert_eq!(
                got,
                serde_json::to_string(&engine.classify(&c).unwrap()).unwrap()
            );
        }
        // And the bundle validates against its schema.
        let schema = mamoru::bundle::schema();
        let v = jsonschema::validator_for(&schema).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}

#[test]
fn a_bundle_of_format_1_0_still_reads() {
    let b = bundle_of(&compiled(fixture("mini")));
    let mut v = serde_json::to_value(&b).unwrap();
    // A policy without the 1.1 features writes none of their fields.
    for key in ["parties", "counters", "caps"] {
        assert!(v.get(key).is_none(), "{key}");
    }
    v["manifest"]["format"] = "mamoru-bundle/1.0".into();
    let read = Bundle::from_json(&v.to_string()).unwrap();
    read.engine().unwrap();
}

#[test]
fn classify_names_an_unknown_party_or_counter() {
    let engine = bundle_of(&FACTS).engine().unwrap();
    let c = |json: &str| {
        let c: Contact = serde_json::from_str(json).unwrap();
        engine
            .classify(&c)
            .map(|r| r.verdict)
            .map_err(|e| e.0.to_string())
    };
    assert_eq!(
        c(r#"{"channel":"phone","conduct":"c0","demand":"d0","party":"famly"}"#).unwrap_err(),
        "unknown party `famly` (did you mean `family`?)"
    );
    assert!(
        c(r#"{"channel":"phone","conduct":"c0","demand":"d0","counts":{"calls-8d":1}}"#)
            .unwrap_err()
            .starts_with("unknown counter `calls-8d`")
    );
    assert_eq!(
        c(r#"{"channel":"phone","conduct":"c0","demand":"d1","targeted":true}"#).unwrap(),
        "harassment"
    );
}

/// What the checker decides about one contact: profile, flows, route.
type Outcome3 = (
    (usize, usize, usize),
    Vec<usize>,
    Option<(Vec<usize>, Outcome)>,
);

fn question(p: &Policy, v: &dyn Probe) -> Result<Outcome3, eval::Need> {
    let profile = (v.conduct()?, v.demand()?, v.verdict()?);
    let flows = eval::flows_for(p, v)?;
    let route = match flows.as_slice() {
        [f] => {
            let r = eval::route(&p.flows[*f], v);
            if let Outcome::Needs(n) = r.outcome {
                return Err(n);
            }
            Some((r.steps, r.outcome))
        }
        _ => None,
    };
    Ok((profile, flows, route))
}

fn leaves(p: &Policy) -> Vec<(Partial, Outcome3)> {
    let space = Space::new(p);
    let mut out = Vec::new();
    let complete = space.explore(
        space.all(),
        |v| question(p, v),
        |part, o| {
            out.push((part.clone(), o));
            true
        },
    );
    assert!(complete);
    out
}

static FACT_LEAVES: LazyLock<Vec<(Partial, Outcome3)>> = LazyLock::new(|| leaves(&FACTS));

/// What the checker asks about one flow: does it admit the contact, and its route.
type FlowOutcome = Option<(Vec<usize>, Outcome)>;

fn flow_question(p: &Policy, fi: usize, v: &dyn Probe) -> Result<FlowOutcome, eval::Need> {
    let flow = &p.flows[fi];
    if !eval::holds(&flow.applies_to, v)? {
        return Ok(None);
    }
    let r = eval::route(flow, v);
    if let Outcome::Needs(n) = r.outcome {
        return Err(n);
    }
    Ok(Some((r.steps, r.outcome)))
}

/// The conditions a flow reads, as the checker focuses its analysis on them.
fn flow_conds(flow: &mamoru::policy::Flow) -> Vec<&mamoru::policy::Cond> {
    let mut out = vec![&flow.applies_to];
    for s in &flow.steps {
        out.extend(s.next.iter().filter_map(|b| b.when.as_ref()));
    }
    out
}

/// Per flow of the example: the leaves of the focused exploration the checker runs.
static EXAMPLE_FLOW_LEAVES: LazyLock<Vec<Vec<(Partial, FlowOutcome)>>> = LazyLock::new(|| {
    let p = &*EXAMPLE;
    let global = Space::new(p);
    (0..p.flows.len())
        .map(|fi| {
            let space = global.focus(&flow_conds(&p.flows[fi]));
            let mut out = Vec::new();
            let complete = space.explore(
                space.all(),
                |v| flow_question(p, fi, v),
                |part, o| {
                    out.push((part.clone(), o));
                    true
                },
            );
            assert!(complete, "flow {}", p.flows[fi].id);
            out
        })
        .collect()
});

fn facts_of(p: &'static Policy) -> impl Strategy<Value = Facts> {
    let n = |k: usize| 0..k.max(1);
    (
        (
            n(p.channels.len()),
            n(p.conduct.levels.len()),
            n(p.demand.levels.len()),
            proptest::sample::subsequence((0..p.conduct_types.len()).collect::<Vec<_>>(), 0..2),
            proptest::sample::subsequence((0..p.demand_types.len()).collect::<Vec<_>>(), 0..2),
            proptest::sample::subsequence(
                (0..p.tags.len()).collect::<Vec<_>>(),
                0..p.tags.len().min(3),
            ),
        ),
        (
            // Near the thresholds as often as anywhere else.
            prop_oneof![0u64..5, 28u64..33, 58u64..63, 118u64..123, 0u64..200],
            0u64..8,
            proptest::sample::subsequence(
                (0..p.events.len()).collect::<Vec<_>>(),
                0..p.events.len().min(3),
            ),
            proptest::option::of(n(p.parties.len())),
            proptest::bool::weighted(0.25),
            proptest::collection::vec(0u64..8, p.counters.len()),
        ),
    )
        .prop_map(
            move |(
                (channel, conduct, demand, ct, dt, tags),
                (minutes, repeats, events, party, targeted, counts),
            )| Facts {
                channel,
                conduct,
                demand,
                conduct_types: ct,
                demand_types: dt,
                tags,
                minutes,
                repeats,
                events: Some(events),
                party: party.filter(|_| !p.parties.is_empty()),
                targeted,
                counts,
            },
        )
}

/// Every contact lies in a leaf of the exploration, and every leaf that contains it decides as
/// the concrete evaluation does: the checker's exhaustive analysis covers the new facts too.
fn exhaustive(p: &Policy, leaves: &[(Partial, Outcome3)], f: &Facts) -> Result<(), TestCaseError> {
    let space = Space::new(p);
    let contact = eval::Contact::new(p, f);
    let concrete = question(p, &contact).expect("a concrete contact with events knows every fact");
    let mut found = 0;
    for (part, o) in leaves {
        if space.admits(part, f, &contact.assessment) {
            found += 1;
            prop_assert_eq!(o, &concrete, "leaf {}", space.describe(part));
        }
    }
    prop_assert!(found > 0, "no leaf contains {:?}", f);
    Ok(())
}

/// The same on the focused spaces the checker uses per flow: every contact lies in a leaf of
/// each flow's exploration, and every leaf that holds it decides as the concrete evaluation.
fn exhaustive_per_flow(p: &Policy, f: &Facts) -> Result<(), TestCaseError> {
    let global = Space::new(p);
    let contact = eval::Contact::new(p, f);
    for (fi, leaves) in EXAMPLE_FLOW_LEAVES.iter().enumerate() {
        let space = global.focus(&flow_conds(&p.flows[fi]));
        let concrete = flow_question(p, fi, &contact).expect("concrete");
        let mut found = 0;
        for (part, o) in leaves {
            if space.admits(part, f, &contact.assessment) {
                found += 1;
                prop_assert_eq!(
                    o,
                    &concrete,
                    "flow {} leaf {}",
                    p.flows[fi].id,
                    space.describe(part)
                );
            }
        }
        prop_assert!(
            found > 0,
            "no leaf of flow {} contains {:?}",
            p.flows[fi].id,
            f
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, .. ProptestConfig::default() })]

    #[test]
    fn exploration_is_exhaustive_on_the_new_facts(f in facts_of(&FACTS)) {
        exhaustive(&FACTS, &FACT_LEAVES, &f)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn focused_exploration_is_exhaustive_on_the_example(f in facts_of(&EXAMPLE)) {
        exhaustive_per_flow(&EXAMPLE, &f)?;
    }
}

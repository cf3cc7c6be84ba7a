//! `mamoru diff`: the semantic difference of two bundles, on real pairs built from edited copies
//! of the example policy.

mod common;
use common::*;
use mamoru::bundle::{Bundle, Edge, Reason};
use mamoru::diff::{ContactFrom, Diff, Quantity, Severity, diff};
use mamoru::ops::{self, Input};
use std::path::Path;
use std::sync::LazyLock;

fn bundle_of(input: &Input) -> Bundle {
    let checked = ops::check(input).unwrap();
    let policy = checked.policy.as_ref().unwrap_or_else(|| {
        panic!(
            "the edit stopped compilation:\n{}",
            show(&mamoru::report::resolve(
                &checked.sources,
                &checked.diagnostics,
                mamoru::i18n::Lang::En
            ))
        )
    });
    mamoru::emit::bundle::build(policy, None)
}

static EXAMPLE: LazyLock<Bundle> = LazyLock::new(|| bundle_of(&Input::Builtin));

/// The bundle of a copy of the example after `change` edited it.
fn edited(change: impl FnOnce(&Path)) -> Bundle {
    let dir = copy_of(&example());
    change(dir.path());
    bundle_of(&Input::Dir(dir.path().to_path_buf()))
}

fn diff_after(change: impl FnOnce(&Path)) -> Diff {
    diff(&EXAMPLE, &edited(change))
}

fn ids(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn to(e: &Option<Edge>) -> Option<&str> {
    e.as_ref().map(|e| e.to.as_str())
}

fn case_ids(d: &Diff) -> Vec<&str> {
    d.cases.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn identical_bundles_give_an_empty_diff() {
    let d = diff(&EXAMPLE, &EXAMPLE);
    assert!(d.is_empty());
    assert_eq!(d.summary(), ["no semantic change"]);
    assert!(d.text().contains("no semantic change"), "{}", d.text());
    assert!(d.markdown().contains("- no semantic change"));
    let json: serde_json::Value = serde_json::from_str(&d.json()).unwrap();
    assert_eq!(json["cells"], serde_json::json!([]));
    assert_eq!(
        json["manifest"]["digest"]["old"],
        json["manifest"]["digest"]["new"]
    );

    // An unchanged copy on disk compiles to the same digest.
    let copy = edited(|_| {});
    assert_eq!(copy.manifest.digest, EXAMPLE.manifest.digest);
    assert!(diff(&EXAMPLE, &copy).is_empty());
}

#[test]
fn another_source_revision_alone_is_no_semantic_change() {
    let policy = ops::check(&Input::Builtin).unwrap().policy.unwrap();
    let at = mamoru::emit::bundle::build(&policy, Some("0123abc".into()));
    assert_ne!(at.manifest.digest, EXAMPLE.manifest.digest);
    let d = diff(&EXAMPLE, &at);
    assert!(d.is_empty(), "{}", d.text());
    assert_eq!(d.summary(), ["no semantic change"]);
    assert_eq!(d.manifest.revision.new.as_deref(), Some("0123abc"));
}

#[test]
fn grid_cells_that_move_and_the_cases_they_carry() {
    let d = diff_after(|dir| {
        edit(
            dir,
            "criteria.yaml",
            "c3: [gray, gray, harassment]",
            "c3: [harassment, gray, harassment]",
        );
        edit(
            dir,
            "criteria.yaml",
            "c2: [complaint, gray, gray]",
            "c2: [complaint, complaint, gray]",
        );
    });
    let cells: Vec<(&str, &str, &str, Severity)> = d
        .cells
        .iter()
        .map(|c| (c.cell.as_str(), c.old.as_str(), c.new.as_str(), c.severity))
        .collect();
    assert_eq!(
        cells,
        [
            ("c2×d1", "gray", "complaint", Severity::Less),
            ("c3×d0", "gray", "harassment", Severity::More),
        ]
    );
    assert!(d.items.is_empty(), "{:?}", d.items);
    assert!(d.thresholds.is_empty() && d.flows.is_empty());

    // The cases that change are exactly those whose verdict came from a moved cell (no type's
    // override above it), by the old engine's own reasons.
    let engine = EXAMPLE.engine().unwrap();
    let expected: Vec<&str> = EXAMPLE
        .cases
        .iter()
        .filter(|c| {
            let r = engine.classify(&c.contact).unwrap();
            ["c2×d1", "c3×d0"].contains(&r.cell.as_str())
                && !r
                    .reasons
                    .iter()
                    .any(|x| matches!(x, Reason::Override { .. }))
        })
        .map(|c| c.id.as_str())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(case_ids(&d), expected);
    for c in &d.cases {
        assert_eq!(c.contact_from, ContactFrom::Both);
        assert_eq!(c.old.cell, c.new.cell);
        let moved = d
            .cells
            .iter()
            .find(|x| Some(&x.cell) == c.old.cell.as_ref())
            .unwrap();
        assert_eq!(c.old.verdict.as_deref(), Some(moved.old.as_str()));
        assert_eq!(c.new.verdict.as_deref(), Some(moved.new.as_str()));
    }

    let summary = d.summary();
    assert_eq!(
        summary[0],
        "1 cell now counts as harassment: c3×d0 (was gray)"
    );
    assert_eq!(
        summary[1],
        "1 cell is less severe now: c2×d1 (gray → complaint)"
    );
    assert!(
        summary[2].starts_with(&format!("{} cases change outcome: ", expected.len())),
        "{summary:#?}"
    );
    assert_eq!(summary.len(), 3, "{summary:#?}");

    let md = d.markdown();
    assert!(
        md.contains("| Cell | Old | New | Severity |\n| --- | --- | --- | --- |\n"),
        "{md}"
    );
    assert!(
        md.contains("| `c3×d0` | gray | harassment | more severe |"),
        "{md}"
    );
    assert!(
        md.contains("| `c2×d1` | gray | complaint | less severe |"),
        "{md}"
    );
    assert!(md.contains("| Case | Old | New |"), "{md}");
    let text = d.text();
    assert!(text.find("1 cell now counts").unwrap() < text.find("Grid cells:").unwrap());
}

#[test]
fn several_cells_to_the_same_verdict_share_a_line() {
    let d = diff_after(|dir| {
        edit(
            dir,
            "criteria.yaml",
            "c2: [complaint, gray, gray]",
            "c2: [complaint, harassment, harassment]",
        )
    });
    assert_eq!(
        d.summary()[0],
        "2 cells now count as harassment: c2×d1, c2×d2 (were gray)"
    );
}

#[test]
fn a_changed_duration_threshold() {
    let d = diff_after(|dir| edit(dir, "policy.yaml", "hold: 3m", "hold: 2m"));
    assert_eq!(d.thresholds.len(), 1);
    let t = &d.thresholds[0];
    assert_eq!(
        (t.name.as_str(), t.old, t.new),
        (
            "hold",
            Some(Quantity::Seconds(180)),
            Some(Quantity::Seconds(120))
        )
    );
    assert!(
        d.summary().contains(&"threshold hold: 3m → 2m".to_string()),
        "{:#?}",
        d.summary()
    );
    // Holds are resolved into the steps: the flows show where the new value applies.
    let steps: Vec<(&str, &str)> = d
        .flows
        .iter()
        .flat_map(|f| {
            f.steps_changed
                .iter()
                .map(move |s| (f.id.as_str(), s.id.as_str()))
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("phone", "listen"),
            ("phone", "recording-refusal"),
            ("phone", "resolve"),
            ("phone", "sv-consult"),
            ("specific", "receive"),
        ]
    );
    for f in &d.flows {
        assert!(f.branches.is_empty() && f.fields.is_empty());
        assert!(f.steps_added.is_empty() && f.steps_removed.is_empty());
        for s in &f.steps_changed {
            assert_eq!(s.fields.len(), 1);
            assert_eq!(s.fields[0].field, "hold_seconds");
            assert_eq!(
                (s.fields[0].old.as_u64(), s.fields[0].new.as_u64()),
                (Some(180), Some(120))
            );
        }
    }
    // A hold is not a fact of classification: no cell and no case moves.
    assert!(d.cells.is_empty() && d.cases.is_empty());
    assert!(
        d.text().contains("step listen: hold_seconds 3m → 2m"),
        "{}",
        d.text()
    );
    assert!(d.markdown().contains("| `hold` | 3m | 2m |"));
}

#[test]
fn a_changed_count_threshold_moves_the_cases_it_decides() {
    let d = diff_after(|dir| edit(dir, "policy.yaml", "repeats: 3\n", "repeats: 7\n"));
    let t: Vec<_> = d
        .thresholds
        .iter()
        .map(|t| (t.name.as_str(), t.old, t.new))
        .collect();
    assert_eq!(
        t,
        [(
            "repeats",
            Some(Quantity::Count(3)),
            Some(Quantity::Count(7))
        )]
    );
    assert!(
        d.summary()
            .contains(&"threshold repeats: 3 → 7".to_string())
    );
    let types = d.items.iter().find(|k| k.kind == "conduct_types").unwrap();
    let changed: Vec<&str> = types.changed.iter().map(|c| c.id.as_str()).collect();
    assert!(changed.contains(&"repeated-claim") && changed.contains(&"repeated-writing"));
    // The cases that change are the ones a repeat type was implied for (not listed), with
    // fewer than 7 repeats: `repeated-writing` raised their conduct, or `repeated-claim` (a
    // trigger that raises nothing) brought in the SV. By the old policy's own assessment.
    let engine = EXAMPLE.engine().unwrap();
    let p = engine.policy();
    let implied: Vec<&str> = EXAMPLE
        .cases
        .iter()
        .filter(|c| c.contact.repeats < 7)
        .filter(|c| {
            let facts = engine.facts(&c.contact).unwrap();
            let a = mamoru::eval::assess(p, &facts);
            a.conduct_types.iter().any(|&t| {
                p.conduct_types[t].id.starts_with("repeated-") && !facts.conduct_types.contains(&t)
            })
        })
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        implied,
        [
            "c19-same-claim-accepts",
            "c20-same-claim-loop",
            "c25-elderly-letters",
            "g10-email-persistent-discount",
            "h09-email-repeated"
        ]
    );
    assert_eq!(case_ids(&d), implied);
    let summary = d.summary();
    assert!(
        summary
            .iter()
            .any(|l| l.starts_with("5 cases change outcome: ")
                && l.contains("g10-email-persistent-discount (gray → complaint)")
                && l.contains("h09-email-repeated (harassment → gray)")),
        "{summary:#?}"
    );
}

#[test]
fn a_removed_case() {
    let d = diff_after(|dir| {
        std::fs::remove_file(dir.join("cases/h02-confinement.md")).unwrap();
    });
    assert_eq!(d.items.len(), 1);
    assert_eq!(d.items[0].kind, "cases");
    assert_eq!(ids(&d.items[0].removed), ["h02-confinement"]);
    assert!(d.items[0].added.is_empty() && d.items[0].changed.is_empty());
    // Its contact gives the same outcome with both engines.
    assert!(d.cases.is_empty() && d.cells.is_empty() && d.flows.is_empty());
    assert_eq!(d.summary(), ["cases: 1 removed (h02-confinement)"]);
    assert!(
        d.markdown().contains("| cases |  | `h02-confinement` |  |"),
        "{}",
        d.markdown()
    );
}

#[test]
fn a_removed_case_still_shows_what_the_new_policy_gives_it() {
    // g02 is c1×d1 raised to c3×d1 by its `pressure` type.
    let d = diff_after(|dir| {
        std::fs::remove_file(dir.join("cases/g02-superior-demand.md")).unwrap();
        edit(
            dir,
            "criteria.yaml",
            "c3: [gray, gray, harassment]",
            "c3: [gray, harassment, harassment]",
        );
    });
    let g02 = d
        .cases
        .iter()
        .find(|c| c.id == "g02-superior-demand")
        .unwrap();
    assert_eq!(g02.contact_from, ContactFrom::Old);
    assert_eq!(g02.old.verdict.as_deref(), Some("gray"));
    assert_eq!(g02.new.verdict.as_deref(), Some("harassment"));
    assert!(
        d.summary()
            .iter()
            .any(|l| l.contains("g02-superior-demand (gray → harassment, old facts)"))
    );
}

#[test]
fn a_changed_and_an_added_branch() {
    let d = diff_after(|dir| {
        edit(
            dir,
            "flows/phone.yaml",
            "      - when: {verdict: [complaint, gray]}\n        to: sv-consult",
            "      - when: {verdict: [complaint, gray]}\n        to: caution",
        );
        edit(
            dir,
            "flows/phone.yaml",
            "      - when: {event: customer-continues}\n        to: warn\n      - otherwise: sv-consult",
            "      - when: {event: danger}\n        to: emergency\n      - when: {event: customer-continues}\n        to: warn\n      - otherwise: sv-consult",
        );
    });
    assert_eq!(d.flows.len(), 1);
    let f = &d.flows[0];
    assert_eq!(f.id, "phone");
    assert!(f.steps_added.is_empty() && f.steps_removed.is_empty() && f.steps_changed.is_empty());
    let branches: Vec<(&str, usize, Option<&str>, Option<&str>)> = f
        .branches
        .iter()
        .map(|b| (b.step.as_str(), b.position, to(&b.old), to(&b.new)))
        .collect();
    assert_eq!(
        branches,
        [
            ("listen", 8, Some("sv-consult"), Some("caution")),
            ("caution", 1, None, Some("emergency")),
        ]
    );
    assert!(
        d.summary()
            .contains(&"flow phone changed: 1 branch added, 1 branch changed".to_string()),
        "{:#?}",
        d.summary()
    );
    // Complaints with a trigger and gray phone contacts (branch 8) now go through a caution
    // first; nothing else moves. By the old engine: the cases routed listen → sv-consult that
    // branch 5 (staff-conduct) did not take.
    let engine = EXAMPLE.engine().unwrap();
    let expected: Vec<&str> = EXAMPLE
        .cases
        .iter()
        .filter(|c| {
            let r = engine.classify(&c.contact).unwrap();
            r.route.get(..2) == Some(&["listen".to_string(), "sv-consult".to_string()][..])
                && ["complaint", "gray"].contains(&r.verdict.as_str())
                && !c.contact.tags.iter().any(|t| t == "staff-conduct")
        })
        .map(|c| c.id.as_str())
        .collect();
    assert!(expected.len() >= 4, "{expected:?}");
    assert_eq!(case_ids(&d), expected);
    for c in &d.cases {
        assert_eq!(c.old.verdict, c.new.verdict);
        assert_eq!(c.new.route[..2], ["listen", "caution"]);
        assert_eq!(c.old.route[1], "sv-consult");
    }
    let md = d.markdown();
    assert!(md.contains("| branch changed | step `listen`, branch 8 | when {verdict: [complaint, gray]} → sv-consult | when {verdict: [complaint, gray]} → caution |"), "{md}");
    assert!(
        md.contains(
            "| branch added | step `caution`, branch 1 | - | when {event: [danger]} → emergency |"
        ),
        "{md}"
    );
}

#[test]
fn items_added_removed_and_changed_by_id() {
    let d = diff_after(|dir| {
        edit(
            dir,
            "vocabulary.yaml",
            "  - {id: elderly, label: 高齢のお客さま}",
            "  - {id: elderly, label: 高齢のお客さま}\n  - {id: minor, label: 未成年のお客さま}",
        );
        edit(dir, "criteria.yaml", "label: グレーゾーン", "label: 要相談");
    });
    let kinds: Vec<&str> = d.items.iter().map(|k| k.kind.as_str()).collect();
    assert_eq!(kinds, ["verdicts", "tags"]);
    assert_eq!(d.items[0].changed.len(), 1);
    assert_eq!(d.items[0].changed[0].id, "gray");
    assert_eq!(ids(&d.items[0].changed[0].fields), ["label"]);
    assert!(!d.items[0].reordered);
    assert_eq!(ids(&d.items[1].added), ["minor"]);
    assert!(d.cells.is_empty() && d.cases.is_empty());
    assert_eq!(
        d.summary(),
        ["verdicts: 1 changed (gray)", "tags: 1 added (minor)"]
    );
}

#[test]
fn a_version_bump_alone_is_reported_but_changes_no_rule() {
    let d = diff_after(|dir| edit(dir, "policy.yaml", "version: 2.0.0", "version: 2.1.0"));
    assert!(!d.is_empty());
    assert_eq!(ids(&d.manifest.changed), ["version"]);
    assert_eq!(
        d.summary(),
        ["version 2.0.0 → 2.1.0", "no change to the rules"]
    );
    assert!(
        d.text()
            .starts_with("mamoru diff: sample-support 2.0.0 → 2.1.0\n")
    );
}

#[test]
fn a_verdict_that_is_gone_has_no_severity() {
    // The same policy with `gray` renamed `grey` everywhere (and a fresh digest).
    let text = serde_json::to_string(&*EXAMPLE)
        .unwrap()
        .replace("\"gray\"", "\"grey\"");
    let mut renamed: Bundle = serde_json::from_str(&text).unwrap();
    renamed.manifest.digest = renamed.compute_digest();
    let d = diff(&EXAMPLE, &renamed);
    assert_eq!(ids(&d.items[0].added), ["grey"]);
    assert_eq!(ids(&d.items[0].removed), ["gray"]);
    let gray_cells: usize = EXAMPLE
        .grid
        .values()
        .flatten()
        .filter(|v| *v == "gray")
        .count();
    assert_eq!(d.cells.len(), gray_cells);
    assert!(
        d.cells
            .iter()
            .all(|c| c.severity == Severity::Unknown && c.new == "grey")
    );
    assert!(d.summary()[0].starts_with(&format!(
        "{gray_cells} cells change verdict: c1×d2 (gray → grey)"
    )));
    assert!(
        d.cases
            .iter()
            .all(|c| c.old.verdict.as_deref() == Some("gray"))
    );
}

#[test]
fn json_is_the_diff_pretty_printed() {
    let d = diff_after(|dir| edit(dir, "policy.yaml", "hold: 3m", "hold: 2m"));
    let text = d.json();
    assert!(text.ends_with("}\n"));
    assert!(text.contains("\n  \"thresholds\": [\n"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["thresholds"][0],
        serde_json::json!({"name": "hold", "old": {"seconds": 180}, "new": {"seconds": 120}})
    );
    assert_eq!(
        v["flows"][0]["steps_changed"][0]["fields"][0],
        serde_json::json!({"field": "hold_seconds", "old": 180, "new": 120})
    );
    assert_eq!(
        v["manifest"]["policy"],
        serde_json::json!({"old": "sample-support", "new": "sample-support"})
    );
}

#[test]
fn reordered_verdicts_change_severity() {
    let d = diff_after(|dir| {
        let path = dir.join("criteria.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, rest) = text.split_once("  - id: complaint\n").unwrap();
        let (complaint, rest) = rest.split_once("  - id: gray\n").unwrap();
        std::fs::write(
            &path,
            format!(
                "{head}  - id: gray\n{}",
                rest.replacen(
                    "  - id: harassment\n",
                    &format!("  - id: complaint\n{complaint}  - id: harassment\n"),
                    1
                )
            ),
        )
        .unwrap();
    });
    let verdicts = d.items.iter().find(|k| k.kind == "verdicts").unwrap();
    assert!(verdicts.reordered);
    assert!(
        d.summary().contains(
            &"verdicts reordered: severity is now gray < complaint < harassment".to_string()
        ),
        "{:#?}",
        d.summary()
    );
}

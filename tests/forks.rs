//! Forks: merge rules, locks, bounds, records, provenance, drift, `mamoru fork` and `mamoru diff`.

mod common;
use assert_cmd::Command;
use common::*;
use mamoru::ops::{self, Input};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// An upstream (the mini fixture with fork rules) and a fresh fork of it, side by side.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let up = root.path().join("support");
    copy_tree(&fixture("mini"), &up);
    std::fs::write(
        up.join("policy.yaml"),
        std::fs::read_to_string(up.join("policy.yaml")).unwrap()
            + "fork:\n  locked: [criteria, invariants]\n  bounds: {hold: {max: 3m}, limit: {max: 15m}}\n",
    )
    .unwrap();
    let fork = root.path().join("home");
    ops::fork(&up, &fork).unwrap();
    (root, up, fork)
}

fn codes(dir: &Path) -> Vec<(String, String, u32)> {
    check(dir)
        .into_iter()
        .map(|d| (d.code, d.file.unwrap_or_default(), d.line.unwrap_or(0)))
        .collect()
}

fn has(dir: &Path, code: &str, file: &str) -> bool {
    let d = check(dir);
    let ok = d
        .iter()
        .any(|x| x.code == code && x.file.as_deref() == Some(file));
    if !ok {
        eprintln!("{}", show(&d));
    }
    ok
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn flow_override(up: &Path, record: &str) -> String {
    let text = std::fs::read_to_string(up.join("flows/phone.yaml")).unwrap();
    text.replacen("id: phone\n", &format!("id: phone\n{record}"), 1)
}

#[test]
fn a_new_fork_checks_clean_at_once() {
    let (_r, _up, fork) = setup();
    assert!(check(&fork).is_empty(), "{}", show(&check(&fork)));
    let text = std::fs::read_to_string(fork.join("policy.yaml")).unwrap();
    assert!(text.contains("path: \"../support\""), "{text}");
    let p = ops::check(&Input::Dir(fork.clone()))
        .unwrap()
        .policy
        .unwrap();
    assert_eq!(p.cases.len(), 6, "cases are inherited");
    assert_eq!(p.lineage[0].0, "mini");
}

#[test]
fn a_replaced_flow_needs_a_record_and_is_marked_overridden() {
    let (_r, up, fork) = setup();
    write(&fork, "flows/phone.yaml", &flow_override(&up, ""));
    assert!(has(&fork, "E312", "flows/phone.yaml"));
    write(
        &fork,
        "flows/phone.yaml",
        &flow_override(
            &up,
            "override: {why: 当部の運用, owner: 窓口課, review_by: 2999-01-01}\n",
        ),
    );
    assert!(check(&fork).is_empty(), "{}", show(&check(&fork)));
    let p = ops::check(&Input::Dir(fork.clone()))
        .unwrap()
        .policy
        .unwrap();
    let bundle = mamoru::emit::bundle::build(&p, None);
    let v = serde_json::to_value(&bundle).unwrap();
    assert_eq!(v["provenance"]["flows/phone"]["status"], "overridden");
    assert_eq!(
        v["provenance"]["flows/phone"]["record"]["why"],
        "当部の運用"
    );
    assert_eq!(v["provenance"]["flows/other"]["status"], "inherited");
    assert_eq!(v["manifest"]["lineage"][0]["policy"], "mini");
}

#[test]
fn locked_parts_are_refused() {
    let (_r, up, fork) = setup();
    std::fs::copy(up.join("criteria.yaml"), fork.join("criteria.yaml")).unwrap();
    assert!(has(&fork, "E310", "criteria.yaml"));
    let (_r2, up2, fork2) = setup();
    let inv = std::fs::read_to_string(up2.join("invariants.yaml")).unwrap();
    write(&fork2, "invariants.yaml", &inv);
    assert!(has(&fork2, "E310", "invariants.yaml"));
}

#[test]
fn bounds_cap_the_timings_of_changed_flows() {
    let (_r, up, fork) = setup();
    let text = flow_override(&up, "override: {why: x, owner: y, review_by: 2999-01-01}\n")
        .replace("hold: hold", "hold: 4m");
    write(&fork, "flows/phone.yaml", &text);
    let d = codes(&fork);
    let line = line_of(&fork, "flows/phone.yaml", "hold: 4m");
    assert!(
        d.contains(&("E311".into(), "flows/phone.yaml".into(), line)),
        "{d:?}"
    );
}

#[test]
fn removals_drop_items_and_unknown_ones_are_errors() {
    let (_r, _up, fork) = setup();
    let manifest = std::fs::read_to_string(fork.join("policy.yaml")).unwrap();
    write(
        &fork,
        "policy.yaml",
        &(manifest.clone()
            + "remove:\n  cases:\n    - {id: f, why: 扱わない, owner: 窓口課, review_by: 2999-01-01}\n    - {id: zz, why: x, owner: y, review_by: 2999-01-01}\n"),
    );
    let d = check(&fork);
    assert!(
        d.iter()
            .any(|x| x.code == "E313" && x.message.contains("`zz`")),
        "{}",
        show(&d)
    );
    let p = ops::check(&Input::Dir(fork.clone()))
        .unwrap()
        .policy
        .unwrap();
    assert!(!p.cases.iter().any(|c| c.id == "f"));
    assert!(matches!(
        p.provenance.get("cases/f"),
        Some(mamoru::resolve::Provenance::Removed { .. })
    ));
}

#[test]
fn past_review_dates_are_warned_about() {
    let (_r, up, fork) = setup();
    write(
        &fork,
        "flows/phone.yaml",
        &flow_override(&up, "override: {why: x, owner: y, review_by: 2001-01-01}\n"),
    );
    assert!(has(&fork, "W300", "flows/phone.yaml"));
}

#[test]
fn vendors_may_rename_but_not_retime() {
    let (_r, up, fork) = setup();
    let manifest = std::fs::read_to_string(fork.join("policy.yaml"))
        .unwrap()
        .replace("extends:\n", "extends:\n  kind: vendor\n");
    write(&fork, "policy.yaml", &manifest);
    write(
        &fork,
        "roles.yaml",
        "- {id: operator, label: 応対スタッフ, org: vendor, override: {why: 社内の呼び名, owner: 委託先A, review_by: 2999-01-01}}\n",
    );
    assert!(check(&fork).is_empty(), "{}", show(&check(&fork)));
    write(
        &fork,
        "flows/phone.yaml",
        &flow_override(&up, "override: {why: x, owner: y, review_by: 2999-01-01}\n"),
    );
    assert!(has(&fork, "E314", "flows/phone.yaml"));
    write(
        &fork,
        "policy.yaml",
        &(manifest + "thresholds: {hold: 5m}\n"),
    );
    assert!(has(&fork, "E314", "policy.yaml"));
}

#[test]
fn broken_chains_are_named() {
    let (_r, up, fork) = setup();
    let manifest = std::fs::read_to_string(fork.join("policy.yaml")).unwrap();
    write(
        &fork,
        "policy.yaml",
        &manifest.replace("../support", "../nowhere"),
    );
    assert!(has(&fork, "E300", "policy.yaml"));
    write(&fork, "policy.yaml", &manifest.replace("^1.0", "^2.0"));
    assert!(has(&fork, "E302", "policy.yaml"));
    // The upstream extends its own fork: a cycle.
    write(&fork, "policy.yaml", &manifest);
    let up_manifest = std::fs::read_to_string(up.join("policy.yaml")).unwrap();
    write(
        &up,
        "policy.yaml",
        &(up_manifest + "extends: {path: ../home, version: \"*\"}\n"),
    );
    let d = check(&fork);
    assert!(d.iter().any(|x| x.code == "E301"), "{}", show(&d));
}

#[test]
fn drift_lists_what_moved_upstream() {
    let (_r, up, fork) = setup();
    write(
        &fork,
        "flows/phone.yaml",
        &flow_override(
            &up,
            "override: {why: x, owner: y, review_by: 2999-01-01, upstream_digest: \"sha256:0000\"}\n",
        ),
    );
    let d = check(&fork);
    assert!(
        d.iter()
            .any(|x| x.code == "W301" && x.file.as_deref() == Some("flows/phone.yaml")),
        "{}",
        show(&d)
    );
    // The upstream moves: the fork's review of it is out of date.
    edit(&up, "cases/a.md", "title: 事例 a", "title: 事例 a（改訂）");
    let d = check(&fork);
    assert!(
        d.iter()
            .any(|x| x.code == "W301" && x.file.as_deref() == Some("policy.yaml")),
        "{}",
        show(&d)
    );
}

#[test]
fn fork_and_diff_on_the_command_line() {
    let (_r, up, fork) = setup();
    write(
        &fork,
        "flows/phone.yaml",
        &flow_override(&up, "override: {why: x, owner: y, review_by: 2999-01-01}\n")
            .replace("title: 傾聴", "title: 傾聴と確認"),
    );
    let out = Command::cargo_bin("mamoru")
        .unwrap()
        .args(["diff", "--format", "markdown"])
        .arg(&up)
        .arg(&fork)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("phone"), "{text}");
    Command::cargo_bin("mamoru")
        .unwrap()
        .arg("fork")
        .arg(&up)
        .arg(&fork)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not empty"));
    let site = tempfile::tempdir().unwrap();
    let (_, files) = ops::build(
        &Input::Dir(fork.clone()),
        &ops::BuildOptions {
            out: site.path().join("s"),
            bundle_only: false,
            force: false,
            load: Default::default(),
        },
    )
    .unwrap();
    // The build streams to disk and returns the paths it wrote.
    let written = files.unwrap();
    assert!(written.iter().any(|f| f == "deviations.html"));
    let read = |rel: &str| std::fs::read_to_string(site.path().join("s").join(rel)).unwrap();
    let page = read("deviations.html");
    assert!(
        page.contains("flows/phone") && page.contains("変更"),
        "{page}"
    );
    let flow = read("flows/phone.html");
    assert!(flow.contains("prov-overridden"));
}

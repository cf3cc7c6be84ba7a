//! The binary end to end: exit codes, output formats, `init` and `schema`.

mod common;
use assert_cmd::Command;
use common::*;
use predicates::prelude::*;

fn mamoru() -> Command {
    Command::cargo_bin("mamoru").unwrap()
}

#[test]
fn the_builtin_example_is_clean() {
    mamoru()
        .args(["check", "--builtin", "--deny-warnings"])
        .assert()
        .success()
        .stderr(predicate::str::contains("0 errors, 0 warnings"));
}

#[test]
fn policy_errors_exit_1_with_file_line_and_hint() {
    let dir = copy_of(&fixture("mini"));
    edit(
        dir.path(),
        "flows/phone.yaml",
        "role: sv",
        "role: supervisor",
    );
    mamoru()
        .args(["check", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error[E201]: unknown role `supervisor`",
        ))
        .stderr(predicate::str::contains("flows/phone.yaml:23:11"))
        .stderr(predicate::str::contains(
            "known roles: `operator`, `sv` or `staff`",
        ));
}

#[test]
fn usage_and_io_errors_exit_2() {
    mamoru()
        .args(["check", "/nonexistent/policy"])
        .assert()
        .code(2);
    mamoru()
        .args(["check", "--format", "yaml"])
        .assert()
        .code(2);
    mamoru().args(["schema", "--kind", "nope"]).assert().code(2);
}

#[test]
fn json_output_has_one_object_per_diagnostic() {
    let dir = copy_of(&fixture("mini"));
    edit(dir.path(), "roles.yaml", "org: inhouse", "org: inhose");
    edit(
        dir.path(),
        "cases/a.md",
        "顧客Aからのお申し出。",
        "連絡先 090-1234-5678。",
    );
    let out = mamoru()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2, "{v:#}");
    let e = items.iter().find(|d| d["code"] == "E103").unwrap();
    assert_eq!(e["severity"], "error");
    assert_eq!(
        (e["file"].as_str(), e["line"].as_u64(), e["column"].as_u64()),
        (Some("roles.yaml"), Some(3), Some(31))
    );
    assert_eq!(e["hint"], "did you mean `inhouse`?");
    let w = items.iter().find(|d| d["code"] == "W010").unwrap();
    assert_eq!(w["severity"], "warning");
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = copy_of(&fixture("mini"));
    edit(
        dir.path(),
        "cases/a.md",
        "顧客Aからのお申し出。",
        "連絡先 090-1234-5678。",
    );
    mamoru().arg("check").arg(dir.path()).assert().success();
    mamoru()
        .args(["check", "--deny-warnings"])
        .arg(dir.path())
        .assert()
        .code(1);
}

#[test]
fn init_writes_a_policy_that_checks_clean_and_refuses_a_non_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("my-policy");
    mamoru().arg("init").arg(&target).assert().success();
    assert!(target.join("policy.yaml").exists());
    assert!(target.join("schema/flow.schema.json").exists());
    mamoru()
        .args(["check", "--deny-warnings"])
        .arg(&target)
        .assert()
        .success();
    mamoru()
        .arg("init")
        .arg(&target)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not empty"));
}

#[test]
fn schema_prints_draft_2020_12() {
    let out = mamoru().arg("schema").output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(
        v["anyOf"].as_array().unwrap().len(),
        mamoru::model::Kind::ALL.len()
    );
}

#[test]
fn check_defaults_to_the_policy_folder_of_the_working_directory() {
    let dir = copy_of(&fixture("mini"));
    mamoru()
        .arg("check")
        .current_dir(dir.path())
        .assert()
        .success();
}

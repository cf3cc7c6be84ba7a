//! Trust: mamoru never deletes or leaks a file, never panics, bounds every resource, and speaks
//! Japanese to Japanese authors. Each test is a reproducer of something a user could hit.

mod common;
use assert_cmd::Command;
use common::*;
use predicates::prelude::*;
use std::path::Path;

fn mamoru() -> Command {
    let mut c = Command::cargo_bin("mamoru").unwrap();
    c.env("LANG", "C.UTF-8").env_remove("LC_ALL");
    c
}

fn build(policy: &Path, out: &Path) -> Command {
    let mut c = mamoru();
    c.args(["build", "--color", "never"])
        .arg(policy)
        .arg("--out")
        .arg(out);
    c
}

#[test]
fn a_folder_mamoru_did_not_write_is_never_replaced() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("x");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep"), "mine").unwrap();
    build(&fixture("mini"), &out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(out.join("keep")).unwrap(), "mine");
    // An empty folder, or one mamoru wrote, is fine; --force replaces a foreign one.
    let empty = t.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    build(&fixture("mini"), &empty).assert().success();
    build(&fixture("mini"), &empty).assert().success();
    build(&fixture("mini"), &out)
        .arg("--force")
        .assert()
        .success();
    assert!(!out.join("keep").exists());
    assert!(out.join("index.html").is_file());
}

#[test]
fn outputs_inside_the_policy_sources_are_refused() {
    let pol = copy_of(&fixture("mini"));
    for bad in ["cases", "site", "templates", "flows/x", "."] {
        build(pol.path(), &pol.path().join(bad))
            .arg("--force")
            .assert()
            .code(2);
    }
    build(pol.path(), pol.path().parent().unwrap())
        .arg("--force")
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read_dir(pol.path().join("cases")).unwrap().count(),
        6
    );
    // `public/` inside the policy folder is the usual place, and is not read back as a source.
    build(pol.path(), &pol.path().join("public"))
        .assert()
        .success();
    build(pol.path(), &pol.path().join("public"))
        .assert()
        .success();
    mamoru().arg("check").arg(pol.path()).assert().success();
}

#[cfg(unix)]
#[test]
fn links_out_of_the_policy_are_refused_and_loops_detected() {
    let pol = copy_of(&fixture("mini"));
    let site = pol.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "password").unwrap();
    std::os::unix::fs::symlink(&secret, site.join("secret.txt")).unwrap();
    std::os::unix::fs::symlink(".", site.join("a")).unwrap();
    std::os::unix::fs::symlink("..", site.join("b")).unwrap();
    std::os::unix::fs::symlink("/", site.join("root")).unwrap();
    std::os::unix::fs::symlink(&secret, pol.path().join("pages/x.md")).unwrap();
    let out = mamoru()
        .args(["check", "--format", "json"])
        .arg(pol.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("\"E012\"").count(), 3, "{text}");
    assert_eq!(text.matches("\"E013\"").count(), 2, "{text}");
    // Nothing from outside ends up in a build, even once the errors are fixed by --force.
    let public = tempfile::tempdir().unwrap();
    build(pol.path(), &public.path().join("out"))
        .assert()
        .code(1);
    assert!(!public.path().join("out").exists());
}

#[test]
fn closed_and_full_outputs_do_not_panic() {
    // `| head` closes the pipe: mamoru stops quietly.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mamoru"))
        .args(["schema"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_ne!(out.status.code(), Some(101), "panicked");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    // A full disk is an I/O error (exit 2), not a panic.
    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mamoru"))
            .env("LANG", "C.UTF-8")
            .args(["check", "--format", "json"])
            .arg(fixture("mini"))
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

#[test]
fn unbounded_inputs_are_bounded() {
    if Path::new("/dev/zero").exists() {
        mamoru()
            .args(["classify", "--bundle", "/dev/zero"])
            .write_stdin("")
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(2);
    }
    // One long anchored string aliased again and again.
    let pol = copy_of(&fixture("mini"));
    let mut y = format!(
        "- {{id: x, label: &a \"{}\", org: vendor}}\n",
        "x".repeat(1 << 20)
    );
    y += "- &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
    y += "- &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
    y += "- [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
    std::fs::write(pol.path().join("roles.yaml"), y).unwrap();
    mamoru()
        .arg("check")
        .arg(pol.path())
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E006"));
    // A template override that loops for ever.
    let pol = copy_of(&fixture("mini"));
    std::fs::create_dir_all(pol.path().join("templates")).unwrap();
    std::fs::write(
        pol.path().join("templates/search.html"),
        "{% extends \"base.html\" %}{% block content %}{% for i in range(end=100000) %}\
         {% for j in range(end=100000) %}{% endfor %}{% endfor %}{% endblock content %}",
    )
    .unwrap();
    let t = tempfile::tempdir().unwrap();
    build(pol.path(), &t.path().join("out"))
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("range"));
}

#[test]
fn a_large_repeat_is_followed_exactly() {
    let pol = copy_of(&fixture("mini"));
    edit(pol.path(), "policy.yaml", "warnings: 2", "warnings: 10000");
    let out = mamoru()
        .args(["check", "--format", "json"])
        .arg(pol.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("E222"), "{text}");
}

#[test]
fn japanese_authors_read_japanese() {
    let pol = copy_of(&fixture("mini"));
    edit(pol.path(), "policy.yaml", "hold: 3m", "hold: 3分");
    edit(pol.path(), "policy.yaml", "title: ミニ", "title：ミニ");
    let ja = Command::cargo_bin("mamoru")
        .unwrap()
        .env("LANG", "ja_JP.UTF-8")
        .env_remove("LC_ALL")
        .args(["check", "--color", "never"])
        .arg(pol.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&ja.stderr);
    assert!(
        text.contains("全角のコロン `：` が使われています。半角の `:` にしてください"),
        "{text}"
    );
    assert!(text.contains("policy.yaml:2:6"), "{text}");
    assert!(text.contains("エラー 1 件"), "{text}");
    // --lang wins over the locale.
    let en = Command::cargo_bin("mamoru")
        .unwrap()
        .env("LANG", "ja_JP.UTF-8")
        .args(["check", "--lang", "en", "--color", "never"])
        .arg(pol.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&en.stderr).contains("full-width colon"));
}

#[test]
fn a_broken_policy_yaml_is_one_error_not_a_panic_or_a_cascade() {
    // The example: a YAML error inside `thresholds` leaves every threshold unknown, so types,
    // aftercare items and compliance references built on them fail too. Only the root is shown.
    let dir = tempfile::tempdir().unwrap();
    let pol = dir.path().join("p");
    mamoru().arg("init").arg(&pol).assert().success();
    edit(
        &pol,
        "policy.yaml",
        "thresholds:\n",
        "thresholds:\n  bad: [\n",
    );
    let out = mamoru()
        .args(["check", "--format", "json"])
        .arg(&pol)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let errors: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|d: &serde_json::Value| d["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert_eq!(errors[0]["code"], "E005");
    assert_eq!(errors[0]["file"], "policy.yaml");
}

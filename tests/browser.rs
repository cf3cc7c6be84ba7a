//! End-to-end: build the example manual with the library, then open it in a real headless
//! Chromium (Debian's `chromium`) driven by playwright-core — see `tests/e2e/site.test.mjs` for
//! what a reader does there. Screenshots land in `target/e2e-artefacts/`.
//!
//! Needs Node.js (20+), npm and `/usr/bin/chromium` with Japanese fonts
//! (`apt-get install -y chromium fonts-noto-cjk`). A missing browser fails the test: it is never
//! skipped silently.
#![cfg(feature = "site")]

use mamoru::ops::{self, BuildOptions, Input};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL: &str = "apt-get install -y chromium fonts-noto-cjk";
/// The node test takes one to three minutes (more on a loaded machine); this only stops a hung
/// browser.
const NODE_DEADLINE: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run a command to completion (or until `deadline`), returning its status and merged output.
fn run(cmd: &mut Command, deadline: Duration) -> (Option<std::process::ExitStatus>, String) {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break Some(status),
            None if start.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let text = format!(
        "{}{}",
        out_reader.join().unwrap_or_default(),
        err_reader.join().unwrap_or_default()
    );
    (status, text)
}

fn require_tool(name: &str) {
    let ok = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "`{name}` is missing: the browser test needs Node.js 20+ and npm on PATH"
    );
}

/// `npm ci` in tests/e2e when playwright-core is not installed there yet.
fn install_playwright(e2e: &Path) {
    if e2e
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return;
    }
    require_tool("npm");
    let (status, output) = run(
        Command::new("npm")
            .args(["ci", "--silent", "--no-audit", "--no-fund"])
            .current_dir(e2e),
        Duration::from_secs(300),
    );
    assert!(
        status.is_some_and(|s| s.success()),
        "`npm ci` in tests/e2e failed ({status:?}):\n{output}"
    );
}

/// What `classify` gives for every cell of a built site (no types, tags or events), with the
/// flow per channel, as the browser test expects the decision aid to show it.
fn navi_expectations(name: &str, site: &Path) -> serde_json::Value {
    use mamoru::bundle::{Bundle, Contact, Engine};
    let text = std::fs::read_to_string(site.join("bundle.json")).expect("bundle.json");
    let bundle = Bundle::from_json(&text).expect("a bundle");
    let engine = Engine::new(&bundle).expect("an engine");
    let p = engine.policy();
    let label = |id: &str| {
        p.verdicts
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.label.clone())
            .unwrap_or_default()
    };
    let mut cells = Vec::new();
    for c in &p.conduct.levels {
        for d in &p.demand.levels {
            let mut verdict = String::new();
            let mut flows = serde_json::Map::new();
            for ch in &p.channels {
                let contact = Contact {
                    channel: ch.id.clone(),
                    conduct: c.id.clone(),
                    demand: d.id.clone(),
                    ..Contact::default()
                };
                let out = engine.classify(&contact).expect("classified");
                verdict = label(&out.verdict);
                let flow = out
                    .flow
                    .as_ref()
                    .and_then(|f| p.flows.iter().find(|x| &x.id == f));
                flows.insert(
                    ch.label.clone(),
                    serde_json::json!(flow.map(|f| f.title.clone())),
                );
            }
            cells.push(serde_json::json!({"conduct": c.id, "demand": d.id, "verdict": verdict, "flows": flows}));
        }
    }
    serde_json::json!({"name": name, "dir": site, "cells": cells})
}

#[test]
fn manual_works_in_headless_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the browser test needs Debian's Chromium and Japanese fonts; \
         run `{INSTALL}` (CI installs them)"
    );
    require_tool("node");
    let root = root();
    let e2e = root.join("tests/e2e");
    install_playwright(&e2e);

    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    let (checked, files) = ops::build(
        &Input::Builtin,
        &BuildOptions {
            out: site.clone(),
            bundle_only: false,
            force: false,
            load: Default::default(),
        },
    )
    .expect("the example policy builds");
    assert_eq!(checked.errors(), 0, "the example policy has errors");
    assert!(files.is_some(), "the build wrote no site");
    assert!(site.join("index.html").exists());

    // A second policy with another grid (5×4, four verdicts, an override below the top row,
    // a back edge), for the decision aid.
    let wide = tmp.path().join("wide");
    let (checked, _) = ops::build(
        &Input::Dir(root.join("tests/fixtures/wide")),
        &BuildOptions {
            out: wide.clone(),
            bundle_only: false,
            force: false,
            load: Default::default(),
        },
    )
    .expect("the wide fixture builds");
    assert_eq!(checked.errors(), 0, "the wide fixture has errors");
    let navi = tmp.path().join("navi.json");
    let sites = serde_json::json!({"sites": [
        navi_expectations("the example", &site),
        navi_expectations("the wide fixture (5×4)", &wide),
    ]});
    std::fs::write(&navi, serde_json::to_vec(&sites).expect("json")).expect("write navi.json");

    let artefacts = root.join("target/e2e-artefacts");
    let _ = std::fs::remove_dir_all(&artefacts);
    std::fs::create_dir_all(&artefacts).expect("create target/e2e-artefacts");

    let started = Instant::now();
    let (status, output) = run(
        Command::new("node")
            .args(["--test", "tests/e2e/site.test.mjs"])
            .current_dir(&root)
            .env("MAMORU_SITE", &site)
            .env("MAMORU_NAVI", &navi)
            .env("MAMORU_ARTEFACTS", &artefacts),
        NODE_DEADLINE,
    );
    println!("{output}");
    println!(
        "browser test took {:.1}s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        artefacts.display()
    );
    match status {
        None => panic!(
            "the browser test did not finish within {}s:\n{output}",
            NODE_DEADLINE.as_secs()
        ),
        Some(s) => assert!(s.success(), "the browser test failed ({s}):\n{output}"),
    }
}

/// The weekly review's report (`mamoru review`) beside the manual it links to: see
/// `tests/e2e/review.test.mjs`.
#[test]
fn review_report_works_in_headless_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run `{INSTALL}` (CI installs them)"
    );
    require_tool("node");
    let root = root();
    let e2e = root.join("tests/e2e");
    install_playwright(&e2e);
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("public");
    ops::build(
        &Input::Builtin,
        &BuildOptions {
            out: site.clone(),
            bundle_only: false,
            force: false,
            load: Default::default(),
        },
    )
    .expect("the example policy builds");
    let bundle = ops::read_bundle(&site.join("bundle.json")).expect("bundle");
    let opts = ops::ReviewOptions {
        exports: [
            "sample-teleservice.csv",
            "example-contact.jsonl",
            "mock-bpo.csv",
        ]
        .iter()
        .map(|f| root.join("tests/fixtures/review").join(f))
        .collect(),
        out: tmp.path().join("reviews/2026-W48"),
        encoding: None,
        history: None,
        propose_cases: None,
        max_listed: 500,
        manual: None,
        bundle_path: Some(site.join("bundle.json")),
        theme: None,
        force: false,
    };
    mamoru::review::run(&opts, &bundle).expect("the review runs");
    let artefacts = root.join("target/e2e-artefacts/review");
    let _ = std::fs::remove_dir_all(&artefacts);
    std::fs::create_dir_all(&artefacts).expect("artefacts folder");
    let (status, output) = run(
        Command::new("node")
            .args(["--test", "tests/e2e/review.test.mjs"])
            .current_dir(&root)
            .env("MAMORU_REVIEW_ROOT", tmp.path())
            .env("MAMORU_ARTEFACTS", &artefacts),
        NODE_DEADLINE,
    );
    println!("{output}");
    match status {
        None => panic!("the review browser test did not finish:\n{output}"),
        Some(s) => assert!(
            s.success(),
            "the review browser test failed ({s}):\n{output}"
        ),
    }
}

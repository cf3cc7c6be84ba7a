//! The rule bundle, `mamoru test` and `mamoru classify`.

mod common;
use assert_cmd::Command;
use common::*;
use mamoru::bundle::{Bundle, Contact};
use mamoru::ops::{self, BuildOptions, Input};
use predicates::prelude::*;
use proptest::prelude::*;
use std::sync::LazyLock;

fn mamoru() -> Command {
    Command::cargo_bin("mamoru").unwrap()
}

static EXAMPLE: LazyLock<Bundle> = LazyLock::new(|| {
    let checked = ops::check(&Input::Builtin).unwrap();
    mamoru::emit::bundle::build(checked.policy.as_ref().unwrap(), None)
});

#[test]
fn golden_bundle_of_the_example() {
    // Regenerate with: UPDATE_GOLDEN=1 cargo test --test bundle
    let text = mamoru::emit::bundle::render(&EXAMPLE);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/bundle.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        golden == text,
        "the example's bundle changed: review and run UPDATE_GOLDEN=1 cargo test --test bundle"
    );
}

#[test]
fn the_digest_is_reproducible_from_the_content() {
    let text = mamoru::emit::bundle::render(&EXAMPLE);
    let read = Bundle::from_json(&text).unwrap();
    assert_eq!(read, *EXAMPLE);
    assert_eq!(read.compute_digest(), read.manifest.digest);
    assert!(read.manifest.digest.starts_with("sha256:"));
    // The documented rule, spelled out: sha256 of the compact, key-sorted JSON without the digest.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["manifest"].as_object_mut().unwrap().remove("digest");
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(serde_json::to_string(&v).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(format!("sha256:{hex}"), read.manifest.digest);
}

#[test]
fn the_bundle_validates_against_its_schema() {
    let schema = mamoru::bundle::schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let value = serde_json::to_value(&*EXAMPLE).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And an independent validator (Python jsonschema) agrees.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.json"), schema.to_string()).unwrap();
    std::fs::write(dir.path().join("b.json"), value.to_string()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", "import json,sys,jsonschema; jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))"])
        .arg(dir.path().join("s.json"))
        .arg(dir.path().join("b.json"))
        .output()
        .expect("python3 with jsonschema");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn two_builds_are_byte_identical_and_a_failed_build_keeps_the_old_output() {
    let policy = copy_of(&example());
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    for out in [&a, &b] {
        let opts = BuildOptions {
            out: out.clone(),
            bundle_only: true,
            force: false,
            load: Default::default(),
        };
        let (checked, files) = ops::build(&Input::Dir(policy.path().to_path_buf()), &opts).unwrap();
        assert_eq!(checked.errors(), 0);
        assert!(files.is_some());
    }
    for f in ["bundle.json", "bundle.schema.json"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // Break the policy: the build fails and the previous output stays as it was.
    let before = std::fs::read(a.join("bundle.json")).unwrap();
    edit(policy.path(), "roles.yaml", "org: vendor", "org: vendr");
    mamoru()
        .args(["build", "--bundle-only", "--out"])
        .arg(&a)
        .arg(policy.path())
        .assert()
        .code(1);
    assert_eq!(std::fs::read(a.join("bundle.json")).unwrap(), before);
}

#[test]
fn build_refuses_an_output_that_is_or_contains_the_policy() {
    let policy = copy_of(&fixture("mini"));
    mamoru()
        .args(["build", "--out"])
        .arg(policy.path())
        .arg(policy.path())
        .assert()
        .code(2);
    mamoru()
        .args(["build", "--out"])
        .arg(policy.path().parent().unwrap())
        .arg(policy.path())
        .assert()
        .code(2);
    assert!(policy.path().join("policy.yaml").exists());
}

fn contact() -> impl Strategy<Value = Contact> {
    let b = &*EXAMPLE;
    let pick = |v: Vec<String>| proptest::sample::select(v);
    let ids = |v: &[mamoru::bundle::Labelled]| v.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    (
        pick(ids(&b.channels)),
        0..b.axes.conduct.levels.len(),
        0..b.axes.demand.levels.len(),
        proptest::sample::subsequence(
            b.conduct_types
                .iter()
                .map(|t| t.id.clone())
                .collect::<Vec<_>>(),
            0..3,
        ),
        proptest::sample::subsequence(
            b.demand_types
                .iter()
                .map(|t| t.id.clone())
                .collect::<Vec<_>>(),
            0..2,
        ),
        proptest::sample::subsequence(ids(&b.tags), 0..2),
        0u64..200,
        0u64..6,
        proptest::option::of(proptest::sample::subsequence(ids(&b.events), 0..3)),
        (
            proptest::option::of(proptest::sample::select(
                ids(&b.parties)
                    .into_iter()
                    .chain([String::new()])
                    .collect::<Vec<_>>(),
            )),
            any::<bool>(),
            proptest::collection::vec(0u64..12, b.counters.len()),
        ),
    )
        .prop_map(
            move |(
                channel,
                c,
                d,
                ct,
                dt,
                tags,
                minutes,
                repeats,
                events,
                (party, targeted, counts),
            )| {
                Contact {
                    id: None,
                    channel,
                    conduct: EXAMPLE.axes.conduct.levels[c].id.clone(),
                    demand: EXAMPLE.axes.demand.levels[d].id.clone(),
                    conduct_types: ct,
                    demand_types: dt,
                    tags,
                    minutes,
                    repeats,
                    events,
                    party: party.filter(|p| !p.is_empty()),
                    targeted,
                    counts: EXAMPLE
                        .counters
                        .iter()
                        .zip(counts)
                        .map(|(c, n)| (c.id.clone(), n))
                        .collect(),
                }
            },
        )
}

fn severity(verdict: &str) -> usize {
    EXAMPLE
        .verdicts
        .iter()
        .position(|v| v.id == verdict)
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    /// On a monotone grid, raising conduct or demand never lowers the verdict's severity.
    #[test]
    fn classification_is_monotone(c in contact(), up_conduct in any::<bool>()) {
        let engine = EXAMPLE.engine().unwrap();
        let levels = if up_conduct { &EXAMPLE.axes.conduct.levels } else { &EXAMPLE.axes.demand.levels };
        let current = if up_conduct { &c.conduct } else { &c.demand };
        let i = levels.iter().position(|l| &l.id == current).unwrap();
        prop_assume!(i + 1 < levels.len());
        let mut raised = c.clone();
        let next = levels[i + 1].id.clone();
        if up_conduct { raised.conduct = next } else { raised.demand = next }
        let before = severity(&engine.classify(&c).unwrap().verdict);
        let after = severity(&engine.classify(&raised).unwrap().verdict);
        prop_assert!(after >= before, "{c:?}: {before} then {after}");
    }

    /// Every route the evaluator returns starts at the flow's start and follows its branches.
    #[test]
    fn every_route_is_a_path_of_its_flow(c in contact()) {
        let engine = EXAMPLE.engine().unwrap();
        let r = engine.classify(&c).unwrap();
        let Some(flow) = r.flow else { return Ok(()) };
        let flow = EXAMPLE.flows.iter().find(|f| f.id == flow).unwrap();
        prop_assert_eq!(r.route.first(), Some(&flow.start));
        for pair in r.route.windows(2) {
            let step = flow.steps.iter().find(|s| s.id == pair[0]).unwrap();
            prop_assert!(step.next.iter().any(|e| e.to == pair[1]), "{} → {} is not a branch", pair[0], pair[1]);
        }
        if r.route_status == "end" {
            let last = flow.steps.iter().find(|s| Some(&s.id) == r.route.last()).unwrap();
            prop_assert!(last.end.is_some());
        }
    }
}

#[test]
fn the_grid_of_the_example_is_monotone() {
    let sev: Vec<Vec<usize>> = EXAMPLE
        .axes
        .conduct
        .levels
        .iter()
        .map(|l| EXAMPLE.grid[&l.id].iter().map(|v| severity(v)).collect())
        .collect();
    for (c, row) in sev.iter().enumerate() {
        for (d, v) in row.iter().enumerate() {
            assert!(d == 0 || row[d - 1] <= *v);
            assert!(c == 0 || sev[c - 1][d] <= *v);
        }
    }
}

fn bundle_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, mamoru::emit::bundle::render(&EXAMPLE)).unwrap();
    (dir, path)
}

#[test]
fn classify_reports_malformed_lines_and_counts_everything() {
    let (_d, bundle) = bundle_file();
    let input = "{\"id\":\"a\",\"channel\":\"phone\",\"conduct\":\"c4\",\"demand\":\"d1\"}\n{\"id\":\"b\",\"channel\":\"phone\",\"conduct\":\"c9\",\"demand\":\"d1\"}\n{oops\n";
    mamoru()
        .args(["classify", "--bundle"])
        .arg(&bundle)
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "\"id\":\"a\",\"verdict\":\"harassment\"",
        ))
        .stderr(predicate::str::contains(
            "line 2: unknown conduct level `c9`",
        ))
        .stderr(predicate::str::contains("line 3:"))
        .stderr(predicate::str::contains(
            "read 3 = classified 1 + rejected 2",
        ));
    mamoru()
        .args(["classify", "--keep-going", "--bundle"])
        .arg(&bundle)
        .write_stdin(input)
        .assert()
        .success();
}

#[test]
fn classify_refuses_a_file_that_is_not_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.json");
    std::fs::write(&p, "{\"manifest\": 1}").unwrap();
    mamoru()
        .args(["classify", "--bundle"])
        .arg(&p)
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a mamoru bundle"));
}

#[test]
fn test_reports_like_cargo_test_with_coverage() {
    mamoru()
        .args(["test", "--builtin"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "test h01-abusive-valid-demand ... ok",
        ))
        .stdout(predicate::str::contains("coverage:"))
        .stdout(predicate::str::contains("test result: ok."));
    mamoru()
        .args(["test", "--builtin", "--min-coverage", "100"])
        .assert()
        .success();
}

#[test]
fn a_failing_case_fails_the_run_and_shows_why() {
    let dir = copy_of(&fixture("mini"));
    edit(
        dir.path(),
        "cases/a.md",
        "verdict: complaint",
        "verdict: gray",
    );
    mamoru()
        .arg("test")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("test a ... FAILED"))
        .stdout(predicate::str::contains(
            "verdict: expected `gray`, got `complaint`",
        ))
        .stdout(predicate::str::contains(
            "because: cell c0×d0 gives `complaint`",
        ));
    let junit = mamoru()
        .args(["test", "--format", "junit"])
        .arg(dir.path())
        .output()
        .unwrap();
    let xml = String::from_utf8(junit.stdout).unwrap();
    assert!(
        xml.contains("<testsuite name=\"mini 1.0.0\" tests=\"6\" failures=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"verdict: expected `gray`, got `complaint`\">"),
        "{xml}"
    );
    let json = mamoru()
        .args(["test", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["failed"], 1);
    assert_eq!(v["coverage"]["cells"]["total"], 6);
}

#[test]
fn min_coverage_fails_below_the_threshold() {
    let dir = copy_of(&fixture("mini"));
    std::fs::remove_file(dir.path().join("cases/f.md")).unwrap();
    mamoru()
        .args(["test", "--min-coverage", "90"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("below --min-coverage"));
}

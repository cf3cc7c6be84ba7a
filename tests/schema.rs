//! The published JSON Schema: generated from the types, shipped with the example policy for
//! editors, and accepted by an independent validator.

mod common;
use common::*;
use mamoru::model::Kind;
use std::process::Command;

#[test]
fn schema_files_of_the_example_match_the_types() {
    // Regenerate with: UPDATE_GOLDEN=1 cargo test --test schema
    for (rel, bytes) in mamoru::ops::schema_files() {
        let path = example().join(&rel);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &bytes).unwrap();
        }
        let on_disk = std::fs::read(&path).unwrap_or_default();
        assert!(
            on_disk == bytes,
            "{rel} is stale: run UPDATE_GOLDEN=1 cargo test --test schema"
        );
    }
}

#[test]
fn every_example_yaml_names_its_schema() {
    for kind in Kind::ALL.iter().filter(|k| !k.is_markdown()) {
        let files: Vec<std::path::PathBuf> = match kind.file_name() {
            Some(f) => vec![example().join(f)],
            None => std::fs::read_dir(example().join("flows"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect(),
        };
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let first = text.lines().next().unwrap_or_default();
            let prefix = if kind.file_name().is_some() {
                ""
            } else {
                "../"
            };
            let want = format!(
                "# yaml-language-server: $schema={prefix}schema/{}.schema.json",
                kind.name()
            );
            assert_eq!(first, want, "{}", f.display());
        }
    }
}

#[test]
fn kind_schemas_are_draft_2020_12_and_closed() {
    for kind in Kind::ALL {
        let s = mamoru::schema::kind_schema(kind);
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        // Unknown keys are refused: every object schema is closed.
        let text = s.to_string();
        assert!(
            !text.contains("\"additionalProperties\":true"),
            "{}",
            kind.name()
        );
    }
}

/// `mamoru schema` validates the example policy with Python's `jsonschema` (installed by
/// `.ci/run`), which shares no code with mamoru; YAML is read by PyYAML.
#[test]
fn an_independent_validator_accepts_the_example_and_rejects_a_typo() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.json");
    std::fs::write(
        &schema,
        serde_json::to_string(&mamoru::ops::schema(None).unwrap()).unwrap(),
    )
    .unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tools/validate_with_jsonschema.py");
    let run = |policy: &std::path::Path| {
        Command::new("python3")
            .arg(&script)
            .arg(&schema)
            .arg(policy)
            .output()
            .expect("python3 with jsonschema and PyYAML (pip install jsonschema pyyaml)")
    };
    let ok = run(&example());
    assert!(
        ok.status.success(),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    let broken = copy_of(&fixture("mini"));
    edit(
        broken.path(),
        "flows/phone.yaml",
        "    hold: hold",
        "    hodl: hold",
    );
    let out = run(broken.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL flows/phone.yaml"));
}

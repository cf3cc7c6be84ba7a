//! The example policy against its calibration set (`tests/calibration/scenarios.yaml`):
//! scenarios judged as an expert would, mapped onto the example's vocabulary and classified
//! through `mamoru classify`. Agreement must stay at 90% or more, and no scenario an expert calls
//! a complaint may come out as harassment (the error a manual must never make).

use assert_cmd::Command;
use mamoru::ops::{self, Input};
use serde_json::Value;

struct Scenario {
    id: String,
    expert: String,
    contact: Value,
}

fn scenarios() -> Vec<Scenario> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/calibration/scenarios.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let doc = mamoru::load::yaml::parse(&text, 0).unwrap().value;
    doc.as_array()
        .unwrap()
        .iter()
        .map(|s| Scenario {
            id: s["id"].as_str().unwrap().to_string(),
            expert: s["expert"].as_str().unwrap().to_string(),
            contact: s["contact"].clone(),
        })
        .collect()
}

#[test]
fn the_example_agrees_with_its_calibration_set() {
    let set = scenarios();
    assert!(set.len() >= 30, "the set needs 30 scenarios or more");
    let checked = ops::check(&Input::Builtin).unwrap();
    let bundle = mamoru::emit::bundle::build(checked.policy.as_ref().unwrap(), None);
    let dir = tempfile::tempdir().unwrap();
    let bundle_path = dir.path().join("bundle.json");
    std::fs::write(&bundle_path, mamoru::emit::bundle::render(&bundle)).unwrap();
    let input: String = set
        .iter()
        .map(|s| {
            let mut c = s.contact.clone();
            c["id"] = Value::String(s.id.clone());
            format!("{c}\n")
        })
        .collect();
    let out = Command::cargo_bin("mamoru")
        .unwrap()
        .args(["classify", "--bundle"])
        .arg(&bundle_path)
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), set.len());
    let mut agree = 0;
    let mut report = Vec::new();
    let mut complaints_called_harassment = Vec::new();
    for (s, r) in set.iter().zip(&lines) {
        assert_eq!(r["id"].as_str(), Some(s.id.as_str()));
        let got = r["verdict"].as_str().unwrap();
        if got == s.expert {
            agree += 1;
        } else {
            report.push(format!(
                "{}: expert {}, policy {} ({})",
                s.id, s.expert, got, r["cell"]
            ));
        }
        if s.expert == "complaint" && got == "harassment" {
            complaints_called_harassment.push(s.id.clone());
        }
    }
    eprintln!("calibration: {agree} of {} agree", set.len());
    for line in &report {
        eprintln!("  {line}");
    }
    assert!(
        complaints_called_harassment.is_empty(),
        "complaints called harassment: {complaints_called_harassment:?}"
    );
    assert!(
        agree * 10 >= set.len() * 9,
        "{agree} of {} agree:\n{}",
        set.len(),
        report.join("\n")
    );
}

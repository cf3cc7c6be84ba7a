//! Property tests: a valid policy mutated in a known way gives the matching diagnostic, and the
//! loader turns any bytes into diagnostics, never a panic.

mod common;
use common::*;
use mamoru::load::{load_files, yaml};
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

/// Read a YAML file of a policy folder as JSON.
fn read(dir: &Path, file: &str) -> Value {
    yaml::parse(&std::fs::read_to_string(dir.join(file)).unwrap(), 0)
        .unwrap()
        .value
}

/// Write a JSON value back (JSON is YAML).
fn write(dir: &Path, file: &str, v: &Value) {
    std::fs::write(dir.join(file), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn has(diags: &[mamoru::report::Resolved], code: &str, file: &str, needle: &str) -> bool {
    diags
        .iter()
        .any(|d| d.code == code && d.file.as_deref() == Some(file) && d.message.contains(needle))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Renaming a role leaves every step that used it with a dangling reference.
    #[test]
    fn renaming_a_role_is_reported_where_it_is_used(role in 0usize..3, name in "[a-z]{3,8}") {
        let dir = copy_of(&fixture("mini"));
        let mut roles = read(dir.path(), "roles.yaml");
        let old = roles[role]["id"].as_str().unwrap().to_string();
        prop_assume!(!["operator", "sv", "staff"].contains(&name.as_str()));
        roles[role]["id"] = Value::String(name);
        write(dir.path(), "roles.yaml", &roles);
        let d = check(dir.path());
        let flow = if old == "staff" { "flows/other.yaml" } else { "flows/phone.yaml" };
        prop_assert!(has(&d, "E201", flow, &format!("unknown role `{old}`")), "{}", show(&d));
    }

    /// Changing a grid cell's verdict fails the case that sits in that cell.
    #[test]
    fn changing_a_cell_fails_its_case(c in 0usize..3, dm in 0usize..2, v in 0usize..3) {
        let dir = copy_of(&fixture("mini"));
        let mut criteria = read(dir.path(), "criteria.yaml");
        let verdicts = ["complaint", "gray", "harassment"];
        let row = format!("c{c}");
        let old = criteria["grid"][&row][dm].as_str().unwrap().to_string();
        prop_assume!(old != verdicts[v]);
        criteria["grid"][&row][dm] = Value::String(verdicts[v].into());
        write(dir.path(), "criteria.yaml", &criteria);
        let d = check(dir.path());
        // Cases a..f sit in cells c0×d0, c0×d1, c1×d0, c1×d1, c2×d0, c2×d1; `violence` makes
        // c2×* harassment whatever the grid says, but its row must then stay uniform.
        let case = ["a", "b", "c", "d", "e", "f"][c * 2 + dm];
        if c == 2 {
            prop_assert!(has(&d, "E211", "criteria.yaml", "violence"), "{}", show(&d));
        } else {
            prop_assert!(has(&d, "E240", &format!("cases/{case}.md"), "expects verdict"), "{}", show(&d));
        }
    }

    /// Dropping a step leaves the branches into it dangling.
    #[test]
    fn dropping_a_step_is_reported(step in 1usize..5) {
        let dir = copy_of(&fixture("mini"));
        let mut flow = read(dir.path(), "flows/phone.yaml");
        let steps = flow["steps"].as_array_mut().unwrap();
        let removed = steps.remove(step);
        let id = removed["id"].as_str().unwrap().to_string();
        write(dir.path(), "flows/phone.yaml", &flow);
        let d = check(dir.path());
        prop_assert!(has(&d, "E201", "flows/phone.yaml", &format!("unknown step `{id}`")), "{}", show(&d));
    }

    /// Any bytes, under any file name, give diagnostics, never a panic.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), kind in 0usize..6) {
        let name = ["policy.yaml", "criteria.yaml", "flows/x.yaml", "cases/x.md", "roles.yaml", "stance.md"][kind];
        let (sources, diags) = load_files("p".into(), vec![(name.into(), bytes)]);
        let (validated, _) = mamoru::validate::validate(&sources);
        let compiled = mamoru::compile::compile(&validated, &[]);
        let _ = mamoru::report::resolve(&sources, &diags, mamoru::i18n::Lang::En);
        let _ = mamoru::report::human(&sources, &compiled.diagnostics, false, mamoru::i18n::Lang::En);
    }

    /// YAML-looking noise (anchors, aliases, tags, flow collections) never panics either.
    #[test]
    fn random_yaml_never_panics(text in "([a-z]{1,6}|: |- |\\[|\\]|\\{|\\}|, |&a |\\*a|!!str |!x |\\| |> |\"|'|#|\n  |\n|---\n|~|[0-9]{1,3}|\t){0,80}") {
        for name in ["criteria.yaml", "cases/x.md", "flows/x.yaml"] {
            let body = if name.ends_with(".md") { format!("---\n{text}\n---\nbody") } else { text.clone() };
            let (sources, _) = load_files("p".into(), vec![(name.into(), body.into_bytes())]);
            let (validated, d) = mamoru::validate::validate(&sources);
            let _ = mamoru::compile::compile(&validated, &[]);
            let _ = mamoru::report::human(&sources, &d, true, mamoru::i18n::Lang::Ja);
        }
    }
}

/// The whole mini policy, fed through the loader with random single-byte corruptions.
#[test]
fn corrupting_any_byte_of_a_real_policy_never_panics() {
    let root = fixture("mini");
    let mut files = Vec::new();
    for rel in [
        "policy.yaml",
        "criteria.yaml",
        "flows/phone.yaml",
        "cases/d.md",
        "roles.yaml",
        "invariants.yaml",
    ] {
        files.push((rel.to_string(), std::fs::read(root.join(rel)).unwrap()));
    }
    let mut rng = 0x2545F4914F6CDD1Du64;
    for _ in 0..300 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut fs = files.clone();
        let f = (rng % fs.len() as u64) as usize;
        let len = fs[f].1.len() as u64;
        let at = ((rng >> 16) % len) as usize;
        fs[f].1[at] = (rng >> 40) as u8;
        let (sources, mut diags) = load_files("p".into(), fs);
        let (validated, d) = mamoru::validate::validate(&sources);
        diags.extend(d);
        diags.extend(mamoru::compile::compile(&validated, &[]).diagnostics);
        let _ = mamoru::report::human(&sources, &diags, false, mamoru::i18n::Lang::Ja);
    }
}

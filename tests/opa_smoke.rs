use mamoru::bundle::Bundle;
use mamoru::ops::{self, Input};

#[test]
fn smoke() {
    let checked = ops::check(&Input::Builtin).unwrap();
    let policy = checked.policy.unwrap();
    let bundle: Bundle = mamoru::emit::bundle::build(&policy, None, vec![]);
    let files = mamoru::emit::opa::files(&bundle, &mamoru::emit::opa::Options { key: None, manual_base: "" }).unwrap();
    let mut e = regorus::Engine::new();
    for (p, b) in &files {
        if p.ends_with(".rego") {
            std::fs::write(format!("/tmp/opa-{}", p.replace('/', "_")), b).unwrap();
            e.add_policy(p.clone(), String::from_utf8(b.clone()).unwrap()).unwrap();
        }
    }
    let data = serde_json::json!({"mamoru": {"policy": bundle}});
    e.add_data_json(&data.to_string()).unwrap();
    let engine = bundle.engine().unwrap();
    for line in [
        r#"{"id": "A-1", "channel": "phone", "conduct": "c1", "demand": "d0", "minutes": 75}"#,
        r#"{"id": "A-2", "channel": "phone", "conduct": "c2", "demand": "d1", "events": ["customer-continues"]}"#,
        r#"{"channel": "email", "conduct": "c0", "demand": "d0", "conduct_types": ["threat"], "tags": ["legal"]}"#,
    ] {
        e.set_input_json(line).unwrap();
        let got = e.eval_rule("data.mamoru.decision".into()).unwrap();
        let got: serde_json::Value = serde_json::from_str(&got.to_json_str().unwrap()).unwrap();
        let c: mamoru::bundle::Contact = serde_json::from_str(line).unwrap();
        let want = serde_json::to_value(engine.classify(&c).unwrap()).unwrap();
        eprintln!("{got}");
        assert_eq!(got, want, "{line}");
    }
}

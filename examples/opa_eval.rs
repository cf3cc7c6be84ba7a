//! Benchmark and check the exported Rego with the regorus interpreter (bench/opa.sh).
//!
//! usage: opa_eval BUNDLE.json CONTACTS.jsonl [THREADS]
//!
//! Exports the bundle to Rego (`emit::opa`, timed), evaluates `data.mamoru.decision` for every
//! contact with regorus on THREADS threads (default 1), compares each with the line `mamoru
//! classify` writes (the streaming classifier), and prints one JSON object with the counts and
//! rates. Exits 1 when any decision differs.

use serde_json::Value;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: opa_eval BUNDLE.json CONTACTS.jsonl [THREADS]");
        std::process::exit(2);
    }
    let threads: usize = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(1).max(1);
    let text = std::fs::read_to_string(&args[1]).expect("bundle");
    let bundle = mamoru::bundle::Bundle::from_json(&text).expect("a mamoru bundle");
    let lines: Vec<String> = std::fs::read_to_string(&args[2])
        .expect("contacts")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();

    // Export, timed (best of 20).
    let opts = mamoru::emit::opa::Options {
        key: None,
        manual_base: "",
    };
    let mut export = f64::MAX;
    let mut archive = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        archive = mamoru::emit::opa::build(&bundle, &opts).expect("exportable");
        export = export.min(t.elapsed().as_secs_f64());
    }
    let files = mamoru::emit::opa::files(&bundle, &opts).expect("exportable");

    // What classify writes.
    let engine = bundle.engine().expect("engine");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let t = Instant::now();
    mamoru::bundle::stream::classify(&engine, lines.join("\n").as_bytes(), &mut out, &mut err)
        .expect("classify");
    let classify_secs = t.elapsed().as_secs_f64();
    let refused: std::collections::BTreeSet<usize> = String::from_utf8_lossy(&err)
        .lines()
        .filter_map(|l| l.strip_prefix("line ")?.split(':').next()?.parse().ok())
        .collect();
    let mut outs = out.split(|&c| c == b'\n').filter(|l| !l.is_empty());
    let want: Vec<Option<Value>> = (1..=lines.len())
        .map(|n| {
            if refused.contains(&n) {
                None
            } else {
                outs.next()
                    .map(|l| serde_json::from_slice(l).expect("json"))
            }
        })
        .collect();

    // Rego with regorus, split across threads.
    let mut base = regorus::Engine::new();
    for (path, bytes) in &files {
        if path.ends_with(".rego") {
            base.add_policy(path.clone(), String::from_utf8_lossy(bytes).into_owned())
                .expect("Rego compiles");
        }
    }
    let data = serde_json::json!({"mamoru": {"policy": bundle}});
    base.add_data_json(&data.to_string()).expect("data");
    let t = Instant::now();
    let chunk = lines.len().div_ceil(threads);
    let differ: usize = std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .chunks(chunk.max(1))
            .zip(want.chunks(chunk.max(1)))
            .map(|(ls, ws)| {
                let mut e = base.clone();
                s.spawn(move || {
                    let mut differ = 0;
                    for (line, want) in ls.iter().zip(ws) {
                        e.set_input_json(line).expect("json");
                        let d = e.eval_rule("data.mamoru.decision".into()).expect("eval");
                        let got = (d != regorus::Value::Undefined).then(|| {
                            serde_json::from_str::<Value>(&d.to_json_str().expect("json"))
                                .expect("json")
                        });
                        if &got != want {
                            if differ == 0 {
                                eprintln!("differ: {line}");
                            }
                            differ += 1;
                        }
                    }
                    differ
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    let rego_secs = t.elapsed().as_secs_f64();
    let rego_bytes: usize = files
        .iter()
        .filter(|(p, _)| p.ends_with(".rego"))
        .map(|(_, b)| b.len())
        .sum();
    println!(
        "{}",
        serde_json::json!({
            "contacts": lines.len(),
            "agree": lines.len() - differ,
            "differ": differ,
            "export_ms": export * 1000.0,
            "archive_bytes": archive.len(),
            "rego_bytes": rego_bytes,
            "regorus_threads": threads,
            "regorus_decisions_per_s": lines.len() as f64 / rego_secs,
            "classify_in_process_per_s": lines.len() as f64 / classify_secs,
        })
    );
    if differ > 0 {
        std::process::exit(1);
    }
}

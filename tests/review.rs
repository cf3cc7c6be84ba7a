//! `mamoru review`: the weekly review of flagged contacts.
//!
//! The figures are checked against statsmodels and scikit-learn (Python, installed by
//! `.ci/run`); the inputs in every encoding and format the contract names; personal data never
//! reaches an output; rows are accounted for; the report is golden.
#![cfg(feature = "review")]

mod common;
use assert_cmd::Command;
use common::*;
use mamoru::bundle::{Bundle, Contact, Engine};
use mamoru::ops::{self, Input};
use mamoru::review::{self, Options, report::Review};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// The binary, speaking English whatever the machine's locale.
fn mamoru() -> Command {
    let mut c = Command::cargo_bin("mamoru").unwrap();
    c.args(["--lang", "en"]);
    c
}

static BUNDLE: LazyLock<Bundle> = LazyLock::new(|| {
    let checked = ops::check(&Input::Builtin).unwrap();
    mamoru::emit::bundle::build(checked.policy.as_ref().unwrap(), None)
});
static ENGINE: LazyLock<Engine> = LazyLock::new(|| BUNDLE.engine().unwrap());

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example bundle written into a folder (no manual beside it).
fn bundle_file(dir: &Path) -> PathBuf {
    let p = dir.join("bundle.json");
    std::fs::write(&p, mamoru::emit::bundle::render(&BUNDLE)).unwrap();
    p
}

fn options(exports: Vec<PathBuf>, out: PathBuf) -> Options {
    Options {
        exports,
        out,
        encoding: None,
        history: None,
        propose_cases: None,
        max_listed: 500,
        manual: None,
        bundle_path: None,
        theme: None,
        force: false,
    }
}

fn compute(exports: &[PathBuf]) -> Review {
    review::compute(
        &options(exports.to_vec(), PathBuf::from("/nonexistent")),
        &BUNDLE,
    )
    .unwrap()
    .review
}

// ---------------------------------------------------------------------------------------------
// Rows for tests: random contacts of the example policy, and how exports write them.

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &'a [String]) -> &'a String {
        &v[self.below(v.len())]
    }
    fn some(&mut self, v: &[String], p: u64) -> Vec<String> {
        v.iter()
            .filter(|_| self.next() % 100 < p)
            .cloned()
            .collect()
    }
}

#[derive(Clone, Debug)]
struct Row {
    id: String,
    date: String,
    vendor: String,
    contact: Contact,
    field: String,
    hold: Option<u64>,
    reached: Option<Vec<String>>,
}

fn ids<T>(v: &[T], f: impl Fn(&T) -> &String) -> Vec<String> {
    v.iter().map(|x| f(x).clone()).collect()
}

/// `n` random rows. `agree`: the vendor records the policy's verdict.
fn rows(seed: u64, n: usize, agree: bool) -> Vec<Row> {
    let b = &*BUNDLE;
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let vendors = ids(&b.vendors, |x| &x.id);
    let channels = ids(&b.channels, |x| &x.id);
    let conduct = ids(&b.axes.conduct.levels, |x| &x.id);
    let demand = ids(&b.axes.demand.levels, |x| &x.id);
    let ctypes = ids(&b.conduct_types, |x| &x.id);
    let dtypes = ids(&b.demand_types, |x| &x.id);
    let tags = ids(&b.tags, |x| &x.id);
    let events = ids(&b.events, |x| &x.id);
    let verdicts = ids(&b.verdicts, |x| &x.id);
    let roles = ids(&b.roles, |x| &x.id);
    (0..n)
        .map(|i| {
            let contact = Contact {
                id: None,
                channel: r.pick(&channels).clone(),
                conduct: r.pick(&conduct).clone(),
                demand: r.pick(&demand).clone(),
                conduct_types: r.some(&ctypes, 4),
                demand_types: r.some(&dtypes, 5),
                tags: r.some(&tags, 5),
                minutes: r.next() % 120,
                repeats: r.next() % 5,
                events: if r.next().is_multiple_of(3) {
                    None
                } else {
                    Some(r.some(&events, 20))
                },
                party: None,
                targeted: false,
                counts: Default::default(),
            };
            let field = if agree || r.next() % 100 < 70 {
                ENGINE.classify(&contact).unwrap().verdict
            } else {
                r.pick(&verdicts).clone()
            };
            Row {
                id: format!("T-{seed}-{i:05}"),
                date: format!("2026-11-{:02}", 23 + r.below(7)),
                vendor: r.pick(&vendors).clone(),
                contact,
                field,
                hold: (!r.next().is_multiple_of(4)).then(|| r.next() % 400),
                reached: (!r.next().is_multiple_of(4)).then(|| r.some(&roles, 30)),
            }
        })
        .collect()
}

const HEADER: &str = "id,date,vendor,channel,conduct,demand,conduct_types,demand_types,tags,minutes,repeats,events,field_verdict,hold_seconds,reached,memo";

fn csv_fields(x: &Row) -> Vec<String> {
    let c = &x.contact;
    vec![
        x.id.clone(),
        x.date.clone(),
        x.vendor.clone(),
        c.channel.clone(),
        c.conduct.clone(),
        c.demand.clone(),
        c.conduct_types.join(";"),
        c.demand_types.join(";"),
        c.tags.join(";"),
        c.minutes.to_string(),
        c.repeats.to_string(),
        c.events.as_ref().map_or(String::new(), |e| e.join(";")),
        x.field.clone(),
        x.hold.map_or(String::new(), |h| h.to_string()),
        x.reached.as_ref().map_or(String::new(), |r| r.join(";")),
        "\"メモ, 改行も\n含む\"".into(),
    ]
}

fn csv_line(x: &Row) -> String {
    csv_fields(x).join(",")
}

/// A CSV export (without `events` values, an absent `events` column would mean "not known";
/// here the column is present, so rows without events get an empty list — as the contract says).
fn csv(rows: &[Row]) -> String {
    let mut s = format!("{HEADER}\n");
    for x in rows {
        s.push_str(&csv_line(x));
        s.push('\n');
    }
    s
}

fn jsonl(rows: &[Row]) -> String {
    rows.iter()
        .map(|x| {
            let c = &x.contact;
            let mut o = serde_json::json!({
                "id": x.id, "date": x.date, "vendor": x.vendor, "channel": c.channel,
                "conduct": c.conduct, "demand": c.demand, "conduct_types": c.conduct_types,
                "demand_types": c.demand_types, "tags": c.tags, "minutes": c.minutes,
                "repeats": c.repeats, "field_verdict": x.field, "memo": "自由記述",
                "events": c.events.clone().unwrap_or_default(),
            });
            if let Some(h) = x.hold {
                o["hold_seconds"] = h.into();
            }
            // An empty CSV cell is an empty list: say the same in JSON.
            o["reached"] = serde_json::json!(x.reached.clone().unwrap_or_default());
            o.to_string() + "\n"
        })
        .collect()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The figures of a review, without where the rows came from.
fn figures(r: &Review) -> serde_json::Value {
    serde_json::json!({
        "read": r.read, "reviewed": r.reviewed, "overall": r.overall, "vendors": r.vendors,
        "cells": r.cells, "disagreements": r.disagreements, "unlisted": r.unlisted, "period": r.period,
        "rejected": r.rejected.len(),
    })
}

// ---------------------------------------------------------------------------------------------
// The arithmetic against statsmodels and scikit-learn.

fn python(script: &str, input: &serde_json::Value) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let inp = write(dir.path(), "in.json", input.to_string());
    let out = std::process::Command::new("python3")
        .args(["-W", "ignore", "-c", script])
        .arg(&inp)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python failed (install: python3 -m pip install statsmodels scikit-learn):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Figures of confusion tables (`t[field][policy]`) by statsmodels and scikit-learn; NaN → null.
const REFERENCE: &str = r#"
import json, sys, math
import numpy as np
from statsmodels.stats.inter_rater import cohens_kappa
from sklearn.metrics import cohen_kappa_score
def clean(x):
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x
out = []
for t in json.load(open(sys.argv[1])):
    t = np.array(t, dtype=float)
    k = t.shape[0]
    n = t.sum()
    if n == 0:
        out.append(None); continue
    r = cohens_kappa(t)
    # The FCE (1969) variance in exact arithmetic: statsmodels' floats give NaN where it is
    # exactly 0 but rounds below (perfect agreement, one side using one verdict).
    from fractions import Fraction as F
    p = [[F(int(t[i, j]), int(n)) for j in range(k)] for i in range(k)]
    rows = [sum(p[i]) for i in range(k)]; cols = [sum(p[i][j] for i in range(k)) for j in range(k)]
    pe = sum(rows[i] * cols[i] for i in range(k)); po = sum(p[i][i] for i in range(k))
    exact = None
    if pe != 1:
        kap = (po - pe) / (1 - pe)
        a = sum(p[i][i] * (1 - (rows[i] + cols[i]) * (1 - kap)) ** 2 for i in range(k))
        b = (1 - kap) ** 2 * sum(p[i][j] * (cols[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j)
        c = (kap - pe * (1 - kap)) ** 2
        exact = math.sqrt(float((a + b - c) / (1 - pe) ** 2 / int(n)))
    # scikit-learn works on label vectors: expand the table, verdicts in their order.
    y1, y2 = [], []
    for i in range(k):
        for j in range(k):
            y1 += [i] * int(t[i, j]); y2 += [j] * int(t[i, j])
    w = cohen_kappa_score(y1, y2, weights="quadratic", labels=list(range(k)))
    u = cohen_kappa_score(y1, y2, labels=list(range(k)))
    out.append({"kappa": clean(r.kappa), "se": clean(r.std_kappa), "exact_se": exact, "low": clean(r.kappa_low),
                "high": clean(r.kappa_upp), "weighted": clean(w), "sklearn_kappa": clean(u),
                "agreement": float(np.trace(t) / n)})
print(json.dumps(out))
"#;

fn close(a: Option<f64>, b: &serde_json::Value, what: &str) {
    close_to(a, b, 1e-9, what)
}

fn close_to(a: Option<f64>, b: &serde_json::Value, tolerance: f64, what: &str) {
    match (a, b.as_f64()) {
        (None, None) => {}
        (Some(a), Some(b)) => {
            assert!(
                (a - b).abs() < tolerance,
                "{what}: mamoru {a}, reference {b}"
            )
        }
        (a, _) => panic!("{what}: mamoru {a:?}, reference {b}"),
    }
}

#[test]
fn kappa_interval_and_weighted_kappa_match_statsmodels_and_sklearn() {
    use mamoru::review::figures::Confusion;
    let mut rng = Rng(7);
    let mut tables: Vec<Vec<Vec<u64>>> = Vec::new();
    for case in 0..300 {
        let k = 2 + case % 4;
        let sparse = case % 5 == 0;
        let t = (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| {
                        let base = if i == j { 30 } else { 6 };
                        if sparse && rng.next().is_multiple_of(2) {
                            0
                        } else {
                            rng.next() % base
                        }
                    })
                    .collect()
            })
            .collect();
        tables.push(t);
    }
    // Degenerate tables: one verdict everywhere, perfect agreement, empty rows and columns.
    tables.push(vec![vec![0, 0, 0], vec![0, 9, 0], vec![0, 0, 0]]);
    tables.push(vec![vec![4, 0, 0], vec![0, 3, 0], vec![0, 0, 5]]);
    tables.push(vec![vec![0, 5, 0], vec![0, 0, 0], vec![0, 0, 0]]);
    tables.push(vec![vec![3, 0, 2], vec![0, 0, 0], vec![1, 0, 4]]);
    let reference = python(REFERENCE, &serde_json::json!(tables));
    for (t, want) in tables.iter().zip(reference.as_array().unwrap()) {
        let mut c = Confusion::new(t.len());
        for (i, row) in t.iter().enumerate() {
            for (j, n) in row.iter().enumerate() {
                c.add_n(i, j, *n);
            }
        }
        if want.is_null() {
            assert_eq!(c.n(), 0);
            continue;
        }
        let k = c.kappa();
        let what = format!("{t:?}");
        close(c.agreement(), &want["agreement"], &what);
        close(k.map(|k| k.kappa), &want["kappa"], &what);
        close(k.map(|k| k.kappa), &want["sklearn_kappa"], &what);
        close(k.map(|k| k.se), &want["exact_se"], &what);
        if want["se"].is_null() && !want["kappa"].is_null() {
            // statsmodels' variance rounded below an exact 0: the interval is the point.
            let k = k.unwrap();
            assert!(
                k.se == 0.0 && k.low == k.kappa && k.high == k.kappa,
                "{what}: {k:?}"
            );
        } else {
            // statsmodels' floats leave up to ~1e-7 of noise where the variance is 0.
            close_to(k.map(|k| k.se), &want["se"], 1e-6, &what);
            close_to(k.map(|k| k.low), &want["low"], 1e-6, &what);
            close_to(k.map(|k| k.high), &want["high"], 1e-6, &what);
        }
        close(c.weighted_kappa(), &want["weighted"], &what);
    }
}

/// Per vendor and overall, from (vendor, field, policy) triples and the cells, independently.
const FIGURES: &str = r#"
import json, sys, math
import numpy as np
from statsmodels.stats.inter_rater import cohens_kappa
from sklearn.metrics import cohen_kappa_score
d = json.load(open(sys.argv[1]))
V = d["verdicts"]; k = len(V)
def clean(x):
    return None if x is None or math.isnan(x) or math.isinf(x) else float(x)
def figures(rows):
    n = len(rows)
    t = np.zeros((k, k))
    for f, p in rows: t[V.index(f), V.index(p)] += 1
    out = {"n": n, "confusion": {V[i]: {V[j]: int(t[i, j]) for j in range(k)} for i in range(k)}}
    if n == 0:
        out.update(agreement=None, kappa=None, kappa_low=None, kappa_high=None, weighted_kappa=None)
        return out
    r = cohens_kappa(t)
    w = cohen_kappa_score([V.index(f) for f, _ in rows], [V.index(p) for _, p in rows],
                          weights="quadratic", labels=list(range(k)))
    out.update(agreement=float(np.trace(t) / n), kappa=clean(r.kappa), kappa_low=clean(r.kappa_low),
               kappa_high=clean(r.kappa_upp), weighted_kappa=clean(w))
    return out
res = {"overall": figures([(f, p) for _, f, p, _ in d["rows"]]),
       "vendors": {v: figures([(f, p) for vv, f, p, _ in d["rows"] if vv == v]) for v in d["vendors"]},
       "cells": {}}
for _, f, p, c in d["rows"]:
    n, a = res["cells"].get(c, (0, 0))
    res["cells"][c] = (n + 1, a + (f == p))
print(json.dumps(res))
"#;

fn same_figures(mine: &serde_json::Value, theirs: &serde_json::Value, what: &str) {
    assert_eq!(mine["n"], theirs["n"], "{what} n");
    assert_eq!(mine["confusion"], theirs["confusion"], "{what} confusion");
    for key in [
        "agreement",
        "kappa",
        "kappa_low",
        "kappa_high",
        "weighted_kappa",
    ] {
        let tolerance = if key.starts_with("kappa_") {
            1e-6
        } else {
            1e-9
        };
        close_to(
            mine[key].as_f64(),
            &theirs[key],
            tolerance,
            &format!("{what} {key}"),
        );
    }
}

#[test]
fn every_figure_matches_an_independent_computation() {
    let dir = tempfile::tempdir().unwrap();
    let mut all = rows(11, 900, false);
    // A vendor whose every row agrees and one with a single verdict on both sides.
    for x in all.iter_mut().take(40) {
        x.vendor = BUNDLE.vendors[2].id.clone();
        x.contact.conduct = "c0".into();
        x.contact.demand = "d0".into();
        x.contact.conduct_types.clear();
        x.contact.demand_types.clear();
        x.contact.minutes = 3;
        x.contact.repeats = 0;
        x.field = "complaint".into();
    }
    for x in all.iter_mut().skip(40) {
        if x.vendor == BUNDLE.vendors[2].id {
            x.vendor = BUNDLE.vendors[0].id.clone();
        }
    }
    let r = compute(&[write(dir.path(), "a.csv", csv(&all))]);
    assert_eq!((r.read, r.reviewed), (900, 900), "{:?}", r.rejected);
    let triples: Vec<serde_json::Value> = all
        .iter()
        .map(|x| {
            let c = ENGINE.classify(&x.contact).unwrap();
            serde_json::json!([x.vendor, x.field, c.verdict, c.cell])
        })
        .collect();
    let verdicts: Vec<&str> = BUNDLE.verdicts.iter().map(|v| v.id.as_str()).collect();
    let vendors: Vec<&str> = BUNDLE.vendors.iter().map(|v| v.id.as_str()).collect();
    let want = python(
        FIGURES,
        &serde_json::json!({"verdicts": verdicts, "vendors": vendors, "rows": triples}),
    );
    let mine = serde_json::to_value(&r).unwrap();
    same_figures(&mine["overall"], &want["overall"], "overall");
    for v in mine["vendors"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        same_figures(v, &want["vendors"][id], id);
    }
    // The vendor with one verdict on both sides: agreement 1, kappa undefined.
    let third = &mine["vendors"][2];
    assert_eq!(third["agreement"], 1.0);
    assert!(third["kappa"].is_null() && third["weighted_kappa"].is_null());
    for c in mine["cells"].as_array().unwrap() {
        let name = c["cell"].as_str().unwrap();
        match want["cells"].get(name) {
            Some(nv) => {
                assert_eq!(c["n"], nv[0], "{name}");
                close(
                    c["agreement"].as_f64(),
                    &serde_json::json!(nv[1].as_f64().unwrap() / nv[0].as_f64().unwrap()),
                    name,
                );
            }
            None => assert!(c["n"] == 0 && c["agreement"].is_null(), "{name}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// When every vendor records the policy's verdict, agreement is 1 and kappa is 1 wherever
    /// it is defined.
    #[test]
    fn full_agreement_gives_kappa_one(seed in 1u64..1_000_000, n in 1usize..120) {
        let dir = tempfile::tempdir().unwrap();
        let r = compute(&[write(dir.path(), "a.csv", csv(&rows(seed, n, true)))]);
        prop_assert_eq!(r.reviewed, n as u64);
        for f in std::iter::once(&r.overall).chain(r.vendors.iter().map(|v| &v.figures)) {
            if f.n > 0 {
                prop_assert_eq!(f.agreement, Some(1.0));
                prop_assert!(f.kappa.is_none_or(|k| (k - 1.0).abs() < 1e-12), "{:?}", f.kappa);
                prop_assert!(f.weighted_kappa.is_none_or(|k| (k - 1.0).abs() < 1e-12));
            } else {
                prop_assert!(f.agreement.is_none() && f.kappa.is_none());
            }
        }
        prop_assert!(r.disagreements.is_empty());
    }

    /// The order of the rows never changes a figure (nor which disagreements are listed).
    #[test]
    fn shuffling_rows_changes_no_figure(seed in 1u64..1_000_000, n in 1usize..150, listed in 0usize..20) {
        let dir = tempfile::tempdir().unwrap();
        let mut all = rows(seed, n, false);
        let a = write(dir.path(), "a.csv", csv(&all));
        let mut rng = Rng(seed | 1);
        for i in (1..all.len()).rev() {
            all.swap(i, rng.below(i + 1));
        }
        let b = write(dir.path(), "b.csv", csv(&all));
        let run = |p: PathBuf| {
            let mut o = options(vec![p], PathBuf::from("/nonexistent"));
            o.max_listed = listed;
            review::compute(&o, &BUNDLE).unwrap().review
        };
        prop_assert_eq!(figures(&run(a)), figures(&run(b)));
    }

    /// Splitting an export into several files (of either format) never changes a figure.
    #[test]
    fn splitting_an_export_changes_no_figure(seed in 1u64..1_000_000, n in 1usize..150, cuts in proptest::collection::vec(0usize..150, 0..4)) {
        let dir = tempfile::tempdir().unwrap();
        let all = rows(seed, n, false);
        let whole = compute(&[write(dir.path(), "whole.csv", csv(&all))]);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (n + 1)).collect();
        cuts.push(0);
        cuts.push(n);
        cuts.sort_unstable();
        let mut parts = Vec::new();
        for (i, w) in cuts.windows(2).enumerate() {
            let part = &all[w[0]..w[1]];
            parts.push(if i % 2 == 0 {
                write(dir.path(), &format!("p{i}.csv"), csv(part))
            } else {
                write(dir.path(), &format!("p{i}.jsonl"), jsonl(part))
            });
        }
        prop_assert_eq!(figures(&whole), figures(&compute(&parts)));
    }
}

// ---------------------------------------------------------------------------------------------
// Encodings, formats and the mapping.

/// The rows written the way a Japanese CRM exports them: its own headers and labels (mapped by
/// the example's review.yaml), Excel's date format, CRLF, in Shift_JIS.
fn crm_csv(rows: &[Row]) -> String {
    let m = BUNDLE.review.as_ref().expect("the example has review.yaml");
    let cols = [
        "id",
        "date",
        "vendor",
        "channel",
        "conduct",
        "demand",
        "conduct_types",
        "demand_types",
        "tags",
        "minutes",
        "repeats",
        "events",
        "field_verdict",
        "hold_seconds",
        "reached",
    ];
    let header: Vec<String> = cols
        .iter()
        .map(|c| {
            m.columns
                .get(*c)
                .and_then(|h| h.first())
                .cloned()
                .unwrap_or(c.to_string())
        })
        .collect();
    let label = |col: &str, id: &str| {
        m.values
            .get(col)
            .and_then(|v| v.iter().find(|(_, x)| x.as_str() == id))
            .map_or(id.to_string(), |(l, _)| l.clone())
    };
    let mut s = format!("お客さま氏名,{},電話番号\r\n", header.join(","));
    for x in rows {
        let c = &x.contact;
        let channel = BUNDLE.channels.iter().find(|y| y.id == c.channel).unwrap();
        s.push_str(&format!(
            "山田 太郎,{},{} 9:05,{},{},{},{},{},{},{},{},{},{},{},{},{},03-1234-5678\r\n",
            x.id,
            x.date.replace('-', "/"),
            label("vendor", &x.vendor),
            channel.label,
            label("conduct", &c.conduct),
            label("demand", &c.demand),
            c.conduct_types.join(";"),
            c.demand_types.join(";"),
            c.tags.join(";"),
            c.minutes,
            c.repeats,
            c.events.as_ref().map_or(String::new(), |e| e.join(";")),
            label("field_verdict", &x.field),
            x.hold
                .map_or(String::new(), |h| format!("{}:{:02}", h / 60, h % 60)),
            x.reached.as_ref().map_or(String::new(), |r| r
                .iter()
                .map(|y| label("reached", y))
                .collect::<Vec<_>>()
                .join(";")),
        ));
    }
    s
}

#[test]
fn every_encoding_and_format_gives_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let all = rows(5, 300, false);
    let plain = compute(&[write(dir.path(), "plain.csv", csv(&all))]);
    assert_eq!(plain.reviewed, 300, "{:?}", plain.rejected.first());
    let bom = compute(&[write(
        dir.path(),
        "bom.csv",
        [
            b"\xef\xbb\xbf".as_slice(),
            csv(&all).replace('\n', "\r\n").as_bytes(),
        ]
        .concat(),
    )]);
    let crm = crm_csv(&all);
    let (sjis, _, lossy) = encoding_rs::SHIFT_JIS.encode(&crm);
    assert!(!lossy);
    assert!(
        std::str::from_utf8(&sjis).is_err(),
        "the CRM file is not UTF-8"
    );
    let cp932 = compute(&[write(dir.path(), "crm.csv", &sjis)]);
    let jl = compute(&[write(dir.path(), "rows.jsonl", jsonl(&all))]);
    // UTF-16 with BOM (encoding_rs only decodes UTF-16: written by hand).
    let mut le = vec![0xff, 0xfe];
    for u in csv(&all).encode_utf16() {
        le.extend(u.to_le_bytes());
    }
    let utf16 = compute(&[write(dir.path(), "utf16.csv", le)]);
    for (name, r) in [
        ("bom", &bom),
        ("cp932", &cp932),
        ("jsonl", &jl),
        ("utf16", &utf16),
    ] {
        assert_eq!(r.rejected.len(), 0, "{name}: {:?}", r.rejected.first());
        assert_eq!(figures(r), figures(&plain), "{name}");
    }
    // --encoding overrides the detection: the CRM file read as UTF-8 has no text to offer.
    let mut o = options(
        vec![dir.path().join("crm.csv")],
        PathBuf::from("/nonexistent"),
    );
    o.encoding = Some("utf-8".into());
    let forced = review::compute(&o, &BUNDLE).unwrap().review;
    assert_eq!(forced.reviewed, 0);
    o.encoding = Some("cp932".into());
    assert_eq!(
        figures(&review::compute(&o, &BUNDLE).unwrap().review),
        figures(&plain)
    );
}

/// CSV records are checked in parallel batches (`input::BATCH`): beyond one batch, figures and
/// line numbers are those of the sequential JSON Lines path.
#[test]
fn large_exports_count_the_same_across_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut all = rows(17, 20_000, false);
    all[15_000].id = all[3].id.clone(); // a duplicate in the second batch
    all[19_999].contact.channel = "fax".into();
    let r_csv = compute(&[write(dir.path(), "big.csv", csv(&all))]);
    let r_jl = compute(&[write(dir.path(), "big.jsonl", jsonl(&all))]);
    assert_eq!(figures(&r_csv), figures(&r_jl));
    // Each CSV row spans two lines (its memo has a line break) after the header.
    let lines: Vec<(u64, &str)> = r_csv
        .rejected
        .iter()
        .map(|x| (x.line, x.code.as_str()))
        .collect();
    assert_eq!(lines, [(30_002, "duplicate-id"), (40_000, "unknown-value")]);
    assert!(
        r_csv.rejected[0].reason.ends_with("big.csv:8"),
        "{}",
        r_csv.rejected[0].reason
    );
}

#[test]
fn rejected_rows_are_counted_with_file_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let good = rows(3, 4, false);
    let mut text = format!("{HEADER}\r\n");
    for x in &good {
        text.push_str(&csv_line(x).replace('\n', "\r\n"));
        text.push_str("\r\n");
    }
    text.push_str("\r\n"); // a blank line is not a row
    let mut bad = |edit: &dyn Fn(&mut Row), field: Option<(usize, &str)>| {
        let mut x = good[0].clone();
        x.id = format!("B-{}", text.len());
        edit(&mut x);
        let mut f = csv_fields(&x);
        if let Some((i, v)) = field {
            f[i] = v.to_string();
        }
        text.push_str(&f.join(",").replace('\n', "\r\n"));
        text.push_str("\r\n");
    };
    bad(&|x| x.vendor = "no-such-vendor".into(), None); // line 11: rows span two lines
    bad(&|x| x.date = "2026-02-30".into(), None);
    bad(&|x| x.id = good[1].id.clone(), None);
    bad(&|x| x.contact.conduct = "c9".into(), None);
    bad(&|x| x.contact.conduct_types = vec!["violense".into()], None);
    bad(&|x| x.field = "たぶんカスハラ".into(), None);
    bad(&|_| {}, Some((9, "abc")));
    text.push_str("X-1,2026-11-30,too,few\r\n");
    let file = write(dir.path(), "export.csv", &text);
    let r = compute(std::slice::from_ref(&file));
    let got: Vec<(u64, &str, Option<&str>)> = r
        .rejected
        .iter()
        .map(|x| (x.line, x.code.as_str(), x.column.as_deref()))
        .collect();
    assert_eq!(r.read, r.reviewed + r.rejected.len() as u64);
    assert_eq!(r.reviewed, 4, "{:#?}", r.rejected);
    let want = [
        (11, "unknown-value", Some("vendor")),
        (13, "bad-date", Some("date")),
        (15, "duplicate-id", None),
        (17, "unknown-value", Some("conduct")),
        (19, "unknown-value", Some("conduct_types")),
        (21, "unknown-value", Some("field_verdict")),
        (23, "not-a-number", Some("minutes")),
        (25, "field-count", None),
    ];
    assert_eq!(got, want, "{:#?}", r.rejected);
    let dup = &r.rejected[2];
    assert!(dup.reason.contains("export.csv:4"), "{}", dup.reason);
    assert!(
        r.rejected
            .iter()
            .all(|x| x.file == file.display().to_string())
    );
    // A missing required column rejects every row of its file, saying which column.
    let no_vendor = write(
        dir.path(),
        "no-vendor.csv",
        "id,channel,conduct,demand,field_verdict\nA-1,phone,c0,d0,complaint\nA-2,phone,c0,d0,complaint\n",
    );
    let r = compute(&[no_vendor]);
    assert_eq!((r.read, r.reviewed), (2, 0));
    assert!(
        r.rejected
            .iter()
            .all(|x| x.code == "missing-column" && x.column.as_deref() == Some("vendor"))
    );
    // JSON Lines: malformed JSON, not an object, a key twice (the review's names and the CRM's).
    let jl = write(
        dir.path(),
        "x.jsonl",
        "{\"id\": \"J-1\", \"vendor\": \"mock-bpo\"\n[1, 2]\n{\"id\": \"J-2\", \"vendor\": \"mock-bpo\", \"委託先\": \"mock-bpo\", \"channel\": \"phone\", \"conduct\": \"c0\", \"demand\": \"d0\", \"field_verdict\": \"gray\"}\n\n{\"id\": \"J-3\", \"vendor\": \"mock-bpo\", \"channel\": \"phone\", \"conduct\": \"c0\", \"demand\": \"d0\"}\n",
    );
    let r = compute(&[jl]);
    let got: Vec<(u64, &str)> = r
        .rejected
        .iter()
        .map(|x| (x.line, x.code.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (1, "malformed-json"),
            (2, "not-an-object"),
            (3, "repeated-column"),
            (5, "missing-column")
        ]
    );
}

/// Regression (found by review_export, `src/fuzz.rs`): a hold of more hours or minutes than a
/// count of seconds holds panicked in debug builds and wrapped around in release builds.
#[test]
fn a_hold_too_long_to_count_rejects_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEADER}\n");
    for (i, hold) in [
        "18446744073709551615:00:00",
        "307445734561825861:00",
        "1:00:00",
    ]
    .iter()
    .enumerate()
    {
        let mut x = rows(11, 1, true).remove(0);
        x.id = format!("H-{i}");
        let mut f = csv_fields(&x);
        f[13] = hold.to_string();
        text.push_str(&f.join(","));
        text.push('\n');
    }
    let r = compute(&[write(dir.path(), "hold.csv", &text)]);
    let got: Vec<(&str, Option<&str>)> = r
        .rejected
        .iter()
        .map(|x| (x.code.as_str(), x.column.as_deref()))
        .collect();
    let nan = ("not-a-number", Some("hold_seconds"));
    assert_eq!(got, [nan, nan]);
    assert_eq!(r.reviewed, 1);
    let rows_with_hold: u64 = r.vendors.iter().map(|v| v.hold_rows).sum();
    assert_eq!(rows_with_hold, 1);
}

#[test]
fn hold_and_roles_follow_the_invariants() {
    // The example: every contact has max_hold 3m; gray contacts must reach `sv`; contacts
    // tagged legal/media/police must reach `staff`.
    let dir = tempfile::tempdir().unwrap();
    let v = &BUNDLE.vendors[0].id;
    let text = format!(
        "id,vendor,channel,conduct,demand,tags,field_verdict,hold_seconds,reached\n\
         H-1,{v},phone,c0,d0,,complaint,180,operator\n\
         H-2,{v},phone,c0,d0,,complaint,181,operator\n\
         H-3,{v},phone,c1,d2,,gray,,operator\n\
         H-4,{v},phone,c1,d2,,gray,,operator;sv\n\
         H-5,{v},phone,c0,d0,legal,complaint,3:01,operator;sv\n\
         H-6,{v},phone,c0,d0,legal,complaint,,\n\
         H-7,{v},phone,c0,d0,,complaint,,\n"
    );
    let r = compute(&[write(dir.path(), "h.csv", text)]);
    let x = &r.vendors[0];
    assert_eq!((x.hold_rows, x.hold_over), (3, Some(2)));
    // H-3 lacks sv, H-5 and H-6 lack staff; H-7's empty `reached` lacks nothing required.
    assert_eq!((x.reached_rows, x.missed_roles), (7, Some(3)));
    // Vendors without such columns: null, not 0.
    assert_eq!(
        (r.vendors[1].hold_over, r.vendors[1].missed_roles),
        (None, None)
    );
}

// ---------------------------------------------------------------------------------------------
// Personal data.

/// Realistic personal data, in the shapes exports carry it.
const PERSONAL: &[&str] = &[
    "山田 太郎",
    "やまだ たろう",
    "090-1234-5678",
    "09012345678",
    "03-5555-0199",
    "+81-90-8765-4321",
    "taro.yamada@example.co.jp",
    "〒100-0005",
    "東京都千代田区丸の内1-1-1",
    "佐藤 花子様",
];

#[test]
fn personal_data_in_unread_and_read_columns_reaches_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let v = &BUNDLE.vendors[0].id;
    let mut text = String::from(
        "氏名,id,vendor,channel,conduct,demand,field_verdict,minutes,date,reached,電話,メール,住所,memo\n",
    );
    // Valid rows full of personal data in columns the review must not read…
    for i in 0..30 {
        let p = |k: usize| PERSONAL[(i + k) % PERSONAL.len()];
        text.push_str(&format!(
            "{},P-{i},{v},phone,c{},d{},{},10,2026-11-24,operator,{},{},{},\"{}様より、{}へ折り返し。{}\"\n",
            p(0),
            i % 4,
            i % 3,
            ["complaint", "gray", "harassment"][i % 3],
            p(2),
            p(6),
            p(8),
            p(0),
            p(3),
            p(6)
        ));
    }
    // …and rows with personal data in columns it reads.
    let read_columns: Vec<String> = PERSONAL
        .iter()
        .enumerate()
        .flat_map(|(i, pd)| {
            [
                format!("x,{pd},{v},phone,c1,d1,gray,10,2026-11-24,operator,x,x,x,x\n"),
                format!("x,Q-{i}a,{pd},phone,c1,d1,gray,10,2026-11-24,operator,x,x,x,x\n"),
                format!("x,Q-{i}b,{v},{pd},c1,d1,gray,10,2026-11-24,operator,x,x,x,x\n"),
                format!("x,Q-{i}c,{v},phone,c1,d1,{pd},10,2026-11-24,operator,x,x,x,x\n"),
                format!("x,Q-{i}d,{v},phone,c1,d1,gray,{pd},2026-11-24,operator,x,x,x,x\n"),
                format!("x,Q-{i}e,{v},phone,c1,d1,gray,10,{pd},operator,x,x,x,x\n"),
                format!("x,Q-{i}f,{v},phone,c1,d1,gray,10,2026-11-24,\"operator;{pd}\",x,x,x,x\n"),
            ]
        })
        .collect();
    for l in &read_columns {
        text.push_str(l);
    }
    let export = write(dir.path(), "export.csv", &text);
    let jl: String = (0..10)
        .map(|i| {
            serde_json::json!({
                "id": format!("J-{i}"), "vendor": v, "channel": "phone", "conduct": "c2",
                "demand": "d2", "field_verdict": "complaint", "name": PERSONAL[i],
                "phone": PERSONAL[(i + 2) % PERSONAL.len()], "nested": {"memo": PERSONAL[i]},
            })
            .to_string()
                + "\n"
        })
        .collect();
    let jsonl = write(dir.path(), "export.jsonl", jl);
    let bundle = bundle_file(dir.path());
    let out = dir.path().join("out");
    let drafts = dir.path().join("drafts");
    let assert = mamoru()
        .arg("review")
        .arg(&export)
        .arg(&jsonl)
        .arg("--bundle")
        .arg(&bundle)
        .arg("--out")
        .arg(&out)
        .arg("--propose-cases")
        .arg(&drafts)
        .assert()
        .code(1);
    let output = assert.get_output();
    let mut texts = vec![
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ];
    for root in [&out, &drafts] {
        for f in walk(root) {
            texts.push(String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned());
        }
    }
    let r: Review =
        serde_json::from_str(&std::fs::read_to_string(out.join("review.json")).unwrap()).unwrap();
    assert_eq!(r.reviewed, 40, "{:#?}", r.rejected);
    assert_eq!(r.rejected.len(), read_columns.len());
    assert!(!r.disagreements.is_empty());
    assert!(walk(&drafts).len() > 3, "drafts were written");
    for pd in PERSONAL {
        let digits: String = pd.chars().filter(char::is_ascii_digit).collect();
        for t in &texts {
            assert!(!t.contains(pd), "an output holds `{pd}`");
            if digits.len() >= 7 {
                assert!(!t.contains(&digits), "an output holds the digits of `{pd}`");
            }
        }
    }
    // The rows with personal data in read columns say so, naming the column only.
    let codes: Vec<&str> = r.rejected.iter().map(|x| x.code.as_str()).collect();
    assert!(codes.iter().filter(|c| **c == "personal-data").count() >= PERSONAL.len() * 2);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// The report, the command and its options.

fn fixtures() -> Vec<&'static str> {
    vec![
        "tests/fixtures/review/sample-teleservice.csv",
        "tests/fixtures/review/example-contact.jsonl",
        "tests/fixtures/review/mock-bpo.csv",
    ]
}

#[test]
fn golden_report_of_the_fixture_exports() {
    // Regenerate with: UPDATE_GOLDEN=1 cargo test --test review
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(dir.path());
    let out = dir.path().join("out");
    mamoru()
        .current_dir(root())
        .arg("review")
        .args(fixtures())
        .arg("--bundle")
        .arg(&bundle)
        .arg("--out")
        .arg(&out)
        .arg("--keep-going")
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "read 53 = reviewed 48 + rejected 5",
        ));
    let golden = root().join("tests/golden/review");
    let mut stale = Vec::new();
    for name in ["review.json", "review.md"] {
        let got = std::fs::read_to_string(out.join(name)).unwrap();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(golden.join(name), &got).unwrap();
        }
        if std::fs::read_to_string(golden.join(name)).unwrap_or_default() != got {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} changed: review and run UPDATE_GOLDEN=1 cargo test --test review"
    );
    // The same inputs give the same bytes.
    let again = dir.path().join("again");
    mamoru()
        .current_dir(root())
        .arg("review")
        .args(fixtures())
        .arg("--bundle")
        .arg(&bundle)
        .arg("--out")
        .arg(&again)
        .assert()
        .code(1);
    for f in walk(&out) {
        let rel = f.strip_prefix(&out).unwrap();
        assert_eq!(
            std::fs::read(&f).unwrap(),
            std::fs::read(again.join(rel)).unwrap(),
            "{}",
            rel.display()
        );
    }
}

#[test]
fn review_json_validates_against_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(dir.path());
    let out = dir.path().join("out");
    mamoru()
        .current_dir(root())
        .arg("review")
        .args(fixtures())
        .args(["--keep-going", "--bundle"])
        .arg(&bundle)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let schema = mamoru().args(["schema", "--review"]).output().unwrap();
    assert!(schema.status.success());
    let s = write(dir.path(), "schema.json", &schema.stdout);
    let v: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let out = std::process::Command::new("python3")
        .args(["-c", "import json,sys,jsonschema; jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))"])
        .arg(&s)
        .arg(out.join("review.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_command_reports_usage_and_io_problems_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(dir.path());
    let export = write(dir.path(), "e.csv", csv(&rows(1, 5, true)));
    let run = |args: &[&std::ffi::OsStr]| mamoru().arg("review").args(args).assert();
    let o = |s: &str| std::ffi::OsString::from(s);
    // No such export.
    run(&[
        o("missing.csv").as_os_str(),
        o("--bundle").as_os_str(),
        bundle.as_os_str(),
        o("--out").as_os_str(),
        dir.path().join("o1").as_os_str(),
    ])
    .code(2)
    .stderr(predicates::str::contains("missing.csv"));
    // Not a bundle.
    run(&[
        export.as_os_str(),
        o("--bundle").as_os_str(),
        export.as_os_str(),
        o("--out").as_os_str(),
        dir.path().join("o2").as_os_str(),
    ])
    .code(2);
    // An unknown encoding.
    run(&[
        export.as_os_str(),
        o("--bundle").as_os_str(),
        bundle.as_os_str(),
        o("--out").as_os_str(),
        dir.path().join("o3").as_os_str(),
        o("--encoding").as_os_str(),
        o("klingon").as_os_str(),
    ])
    .code(2)
    .stderr(predicates::str::contains("klingon"));
    // An output folder that holds the export would be replaced: refused, export kept.
    run(&[
        export.as_os_str(),
        o("--bundle").as_os_str(),
        bundle.as_os_str(),
        o("--out").as_os_str(),
        dir.path().as_os_str(),
    ])
    .code(2);
    assert!(export.exists());
    // All good: exit 0, three outputs.
    run(&[
        export.as_os_str(),
        o("--bundle").as_os_str(),
        bundle.as_os_str(),
        o("--out").as_os_str(),
        dir.path().join("ok").as_os_str(),
    ])
    .success()
    .stderr(predicates::str::contains(
        "read 5 = reviewed 5 + rejected 0",
    ));
    for f in [
        "review.json",
        "review.md",
        "index.html",
        "assets/style.css",
        "assets/review.css",
    ] {
        assert!(dir.path().join("ok").join(f).is_file(), "{f}");
    }
}

#[test]
fn reasons_speak_the_language_of_the_run_and_codes_stay() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(dir.path());
    let export = write(
        dir.path(),
        "e.csv",
        "id,vendor,channel,conduct,demand,field_verdict\nA-1,nobody,phone,c0,d0,complaint\n",
    );
    let out = dir.path().join("ja");
    Command::cargo_bin("mamoru")
        .unwrap()
        .args(["--lang", "ja", "review"])
        .arg(&export)
        .arg("--bundle")
        .arg(&bundle)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "読み込み 1 行 = レビュー 0 行 + 除外 1 行",
        ));
    let r: Review =
        serde_json::from_str(&std::fs::read_to_string(out.join("review.json")).unwrap()).unwrap();
    assert_eq!(r.rejected[0].code, "unknown-value");
    assert!(
        r.rejected[0].reason.contains("委託先"),
        "{}",
        r.rejected[0].reason
    );
}

#[test]
fn an_output_folder_mamoru_did_not_write_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(dir.path());
    let export = write(dir.path(), "e.csv", csv(&rows(2, 5, true)));
    let out = dir.path().join("notes");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("minutes.txt"), "mine").unwrap();
    let run = |force: bool| {
        let mut c = mamoru();
        c.arg("review")
            .arg(&export)
            .arg("--bundle")
            .arg(&bundle)
            .arg("--out")
            .arg(&out);
        if force {
            c.arg("--force");
        }
        c.assert()
    };
    run(false).code(2);
    assert_eq!(
        std::fs::read_to_string(out.join("minutes.txt")).unwrap(),
        "mine"
    );
    run(true).success();
    assert!(out.join("review.json").is_file() && !out.join("minutes.txt").exists());
    // Now it is mamoru's: the next week replaces it without --force.
    run(false).success();
}

#[test]
fn max_listed_caps_the_list_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let all = rows(9, 300, false);
    let file = write(dir.path(), "a.csv", csv(&all));
    let full = compute(std::slice::from_ref(&file));
    let total = full.disagreements.len() as u64 + full.unlisted;
    assert!(total > 20);
    let mut o = options(vec![file], PathBuf::from("/nonexistent"));
    o.max_listed = 7;
    let capped = review::compute(&o, &BUNDLE).unwrap().review;
    assert_eq!(capped.disagreements.len(), 7);
    assert_eq!(capped.unlisted, total - 7);
    // The kept ones are the first by cell, vendor and id.
    assert_eq!(capped.disagreements[..], full.disagreements[..7]);
}

#[test]
fn proposed_cases_pass_mamoru_check_and_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy");
    copy_tree(&example(), &policy);
    let bundle = bundle_file(dir.path());
    let drafts = dir.path().join("drafts");
    let args = |out: &str| {
        let mut c = mamoru();
        c.current_dir(root())
            .arg("review")
            .args(fixtures())
            .arg("--bundle")
            .arg(&bundle)
            .arg("--out")
            .arg(dir.path().join(out))
            .arg("--keep-going")
            .arg("--propose-cases")
            .arg(&drafts);
        c
    };
    args("o1").assert().success();
    let written = walk(&drafts.join("cases"));
    let r: Review =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("o1/review.json")).unwrap())
            .unwrap();
    assert_eq!(written.len(), r.disagreements.len());
    let first = std::fs::read_to_string(&written[0]).unwrap();
    assert!(first.contains("TODO(週次レビュー)"), "{first}");
    assert!(first.contains("expect:\n  verdict: "), "{first}");
    // Copied into the policy, the drafts are cases that pass.
    for f in &written {
        std::fs::copy(f, policy.join("cases").join(f.file_name().unwrap())).unwrap();
    }
    mamoru().arg("check").arg(&policy).assert().success();
    let t = mamoru().arg("test").arg(&policy).output().unwrap();
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stdout));
    // A second run leaves existing drafts alone, even edited ones.
    std::fs::write(&written[0], "edited by a reviewer").unwrap();
    args("o2")
        .assert()
        .success()
        .stderr(predicates::str::contains("existed already"));
    assert_eq!(
        std::fs::read_to_string(&written[0]).unwrap(),
        "edited by a reviewer"
    );
}

#[test]
fn history_gives_the_trend_and_who_improved_or_slipped() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history");
    std::fs::create_dir_all(&hist).unwrap();
    // Week 47: vendor 0 agrees little, vendor 1 fully; week 48: the other way round.
    let week = |day: &str, good: usize| {
        let mut all = rows(21, 400, false);
        for (i, x) in all.iter_mut().enumerate() {
            x.date = day.into();
            x.vendor = BUNDLE.vendors[i % 2].id.clone();
            if i % 2 == good {
                x.field = ENGINE.classify(&x.contact).unwrap().verdict;
            } else {
                // Mostly wrong: the next verdict in the order.
                let p = ENGINE.classify(&x.contact).unwrap().verdict;
                let vs: Vec<&str> = BUNDLE.verdicts.iter().map(|v| v.id.as_str()).collect();
                let at = vs.iter().position(|v| *v == p).unwrap();
                x.field = vs[(at + 1) % vs.len()].to_string();
            }
        }
        all
    };
    let w47 = write(dir.path(), "w47.csv", csv(&week("2026-11-18", 1)));
    let mut o = options(vec![w47], hist.join("2026-W47"));
    review::run(&o, &BUNDLE).unwrap();
    write(&hist, "junk.json", "{}");
    let w48 = write(dir.path(), "w48.csv", csv(&week("2026-11-25", 0)));
    o.exports = vec![w48];
    o.out = dir.path().join("now");
    o.history = Some(hist.clone());
    let done = review::run(&o, &BUNDLE).unwrap();
    let t = done.review.trend.as_ref().unwrap();
    assert_eq!(
        t[0].weeks
            .iter()
            .map(|p| p.week.as_str())
            .collect::<Vec<_>>(),
        ["2026-W47", "2026-W48"]
    );
    assert_eq!(t[0].change.as_deref(), Some("improved"));
    assert_eq!(t[1].change.as_deref(), Some("slipped"));
    assert_eq!(t[2].change, None, "the third vendor has no rows");
    assert!(
        done.notes
            .iter()
            .any(|n| n.to_string().contains("junk.json")),
        "{:?}",
        done.notes
    );
    let html = std::fs::read_to_string(dir.path().join("now/index.html")).unwrap();
    assert!(html.contains("class=\"trend\"") && html.contains("改善") && html.contains("悪化"));
}

#[test]
fn the_report_links_into_the_manual_beside_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("public");
    ops::build(
        &Input::Builtin,
        &ops::BuildOptions {
            out: site.clone(),
            bundle_only: false,
            force: false,
            load: Default::default(),
        },
    )
    .unwrap();
    let out = dir.path().join("reviews/2026-W48");
    mamoru()
        .current_dir(root())
        .arg("review")
        .args(fixtures())
        .arg("--bundle")
        .arg(site.join("bundle.json"))
        .arg("--out")
        .arg(&out)
        .arg("--keep-going")
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let links: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(
        links
            .iter()
            .any(|l| l.starts_with("../../public/criteria.html#cell-"))
    );
    for l in links {
        if l.starts_with("http") {
            continue;
        }
        let (path, frag) = l.split_once('#').unwrap_or((l, ""));
        let target = if path.is_empty() {
            out.join("index.html")
        } else {
            out.join(path)
        };
        assert!(target.is_file(), "broken link {l}");
        if !frag.is_empty() {
            let page = std::fs::read_to_string(&target).unwrap();
            assert!(
                page.contains(&format!("id=\"{frag}\"")),
                "no anchor for {l}"
            );
        }
    }
}

//! `--propose-cases DIR`: a draft case study (`DIR/cases/<id>.md`) for each listed
//! disagreement — the contact's facts, the policy's verdict as `expect`, and a marked TODO for
//! the reviewers' reasoning — so the review grows the casebook, which then runs as tests.
//!
//! Architecture invariant: never overwrites a file; writes nothing but facts the review read
//! (ids and numbers), never a free-text column.

use super::report::Review;
use crate::bundle::Bundle;
use crate::ops::Fatal;
use crate::policy::Facts;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `--propose-cases` wrote.
#[derive(Clone, Debug, Default)]
pub struct Proposed {
    pub dir: PathBuf,
    /// Case files written, relative to `dir`.
    pub written: Vec<String>,
    /// Case files that existed already and were left as they were.
    pub skipped: Vec<String>,
}

/// A slug of the CRM's id for a case id.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn list(ids: &[usize], names: impl Fn(usize) -> String) -> String {
    let items: Vec<String> = ids.iter().map(|&i| names(i)).collect();
    format!("[{}]", items.join(", "))
}

/// Write the drafts.
pub fn propose(
    dir: &Path,
    b: &Bundle,
    review: &Review,
    facts: &[Facts],
) -> Result<Proposed, Fatal> {
    let cases = dir.join("cases");
    std::fs::create_dir_all(&cases).map_err(Fatal::io("io-create", &cases))?;
    let mut out = Proposed {
        dir: dir.to_path_buf(),
        ..Proposed::default()
    };
    let week = review.period.week.as_deref();
    let prefix = match week {
        Some(w) => format!("review-{}", slug(w)),
        None => "review".to_string(),
    };
    let mut taken: Vec<String> = Vec::new();
    let label = |v: &str| {
        b.verdicts
            .iter()
            .find(|x| x.id == v)
            .map_or(v.to_string(), |x| x.label.clone())
    };
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    for (i, (d, f)) in review.disagreements.iter().zip(facts).enumerate() {
        let base = match slug(&d.id) {
            s if s.is_empty() => format!("{prefix}-row-{}", i + 1),
            s => format!("{prefix}-{s}"),
        };
        let mut id = base.clone();
        let mut n = 2;
        while taken.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        taken.push(id.clone());
        let name = format!("{id}.md");
        let vendor = b
            .vendors
            .iter()
            .find(|v| v.id == d.vendor)
            .map_or(d.vendor.clone(), |v| v.name.clone());
        let title = format!(
            "週次レビュー{}: {}（{}）現場「{}」・基準「{}」",
            week.map(|w| format!(" {w}")).unwrap_or_default(),
            d.id,
            vendor,
            label(&d.field),
            label(&d.policy)
        );
        let id_of = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
        let channels: Vec<String> = b.channels.iter().map(|x| x.id.clone()).collect();
        let conduct: Vec<String> = b.axes.conduct.levels.iter().map(|x| x.id.clone()).collect();
        let demand: Vec<String> = b.axes.demand.levels.iter().map(|x| x.id.clone()).collect();
        let ctypes: Vec<String> = b.conduct_types.iter().map(|x| x.id.clone()).collect();
        let dtypes: Vec<String> = b.demand_types.iter().map(|x| x.id.clone()).collect();
        let tags: Vec<String> = b.tags.iter().map(|x| x.id.clone()).collect();
        let events: Vec<String> = b.events.iter().map(|x| x.id.clone()).collect();
        let mut text = format!(
            "---\nid: {id}\ntitle: {}\nchannel: {}\nconduct: {}\ndemand: {}\nconduct_types: {}\ndemand_types: {}\ntags: {}\nminutes: {}\nrepeats: {}\n",
            q(&title),
            id_of(&channels, f.channel),
            id_of(&conduct, f.conduct),
            id_of(&demand, f.demand),
            list(&f.conduct_types, |i| id_of(&ctypes, i)),
            list(&f.demand_types, |i| id_of(&dtypes, i)),
            list(&f.tags, |i| id_of(&tags, i)),
            f.minutes,
            f.repeats,
        );
        if let Some(e) = &f.events {
            text.push_str(&format!("events: {}\n", list(e, |i| id_of(&events, i))));
        }
        text.push_str(&format!(
            "expect:\n  verdict: {}\n---\n<!-- mamoru review: a draft from the weekly review{}. The facts and the verdict are the policy's; the reasoning is the reviewers'. -->\n\nTODO(週次レビュー): 現場は「{}」、判断基準は「{}」（{}）と判定しました。レビューで確認した経緯、判断のポイント、望ましい対応を書き、この TODO の段落を消してください。\n",
            d.policy,
            week.map(|w| format!(" of {w}")).unwrap_or_default(),
            label(&d.field),
            label(&d.policy),
            d.cell,
        ));
        let path = cases.join(&name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .map_err(Fatal::io("io-write", &path))?;
                out.written.push(format!("cases/{name}"));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                out.skipped.push(format!("cases/{name}"));
            }
            Err(e) => return Err(Fatal::io("io-write", &path)(e)),
        }
    }
    Ok(out)
}

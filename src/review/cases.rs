//! `--propose-cases DIR`: a draft case study (`DIR/cases/<id>.md`) for each listed
//! disagreement — the contact's facts, the policy's verdict as `expect`, and a marked TODO for
//! the reviewers' reasoning — so the review grows the casebook, which then runs as tests.
//!
//! Architecture invariant: never overwrites a file; writes nothing but facts the review read
//! (ids and numbers), never a free-text column.

use super::report::{Disagreement, Review};
use super::shown::{vendor_name, verdict_label};
use crate::bundle::Bundle;
use crate::ops::Fatal;
use crate::policy::Facts;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `--propose-cases` wrote.
#[derive(Clone, Debug, Default)]
pub struct Proposed {
    /// The folder given to `--propose-cases` (the drafts are in its `cases/`).
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

/// The id of the `i`th item of a set of the bundle (empty when there is none).
fn id_at<T>(items: &[T], i: usize, id: impl Fn(&T) -> &String) -> String {
    items.get(i).map_or_else(String::new, |x| id(x).clone())
}

/// A YAML flow list of the ids of a set's items.
fn list(ids: &[usize], names: impl Fn(usize) -> String) -> String {
    let items: Vec<String> = ids.iter().map(|&i| names(i)).collect();
    format!("[{}]", items.join(", "))
}

/// Write the drafts: one file per listed disagreement (`facts` in the same order), each under a
/// case id of its own; a file that exists is left alone and reported as skipped.
pub(crate) fn propose(
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
        let name = format!("cases/{id}.md");
        let path = cases.join(format!("{id}.md"));
        if write_new(&path, &draft(b, &id, week, d, f))? {
            out.written.push(name);
        } else {
            out.skipped.push(name);
        }
    }
    Ok(out)
}

/// The draft case of one disagreement: its facts by the bundle's ids, the policy's verdict as
/// `expect`, and the TODO for the reviewers.
fn draft(b: &Bundle, id: &str, week: Option<&str>, d: &Disagreement, f: &Facts) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let field = verdict_label(b, &d.field);
    let policy = verdict_label(b, &d.policy);
    let title = format!(
        "週次レビュー{}: {}（{}）現場「{field}」・基準「{policy}」",
        week.map(|w| format!(" {w}")).unwrap_or_default(),
        d.id,
        vendor_name(b, &d.vendor),
    );
    let mut text = format!(
        "---\nid: {id}\ntitle: {}\nchannel: {}\nconduct: {}\ndemand: {}\nconduct_types: {}\ndemand_types: {}\ntags: {}\nminutes: {}\nrepeats: {}\n",
        q(&title),
        id_at(&b.channels, f.channel, |x| &x.id),
        id_at(&b.axes.conduct.levels, f.conduct, |x| &x.id),
        id_at(&b.axes.demand.levels, f.demand, |x| &x.id),
        list(&f.conduct_types, |i| id_at(&b.conduct_types, i, |x| &x.id)),
        list(&f.demand_types, |i| id_at(&b.demand_types, i, |x| &x.id)),
        list(&f.tags, |i| id_at(&b.tags, i, |x| &x.id)),
        f.minutes,
        f.repeats,
    );
    if let Some(e) = &f.events {
        text.push_str(&format!(
            "events: {}\n",
            list(e, |i| id_at(&b.events, i, |x| &x.id))
        ));
    }
    text.push_str(&format!(
        "expect:\n  verdict: {}\n---\n<!-- mamoru review: a draft from the weekly review{}. The facts and the verdict are the policy's; the reasoning is the reviewers'. -->\n\nTODO(週次レビュー): 現場は「{field}」、判断基準は「{policy}」（{}）と判定しました。レビューで確認した経緯、判断のポイント、望ましい対応を書き、この TODO の段落を消してください。\n",
        d.policy,
        week.map(|w| format!(" of {w}")).unwrap_or_default(),
        d.cell,
    ));
    text
}

/// Write a file that does not exist yet: `false` when it exists (it is left as it is).
fn write_new(path: &Path, text: &str) -> Result<bool, Fatal> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(text.as_bytes())
                .map_err(Fatal::io("io-write", path))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(Fatal::io("io-write", path)(e)),
    }
}

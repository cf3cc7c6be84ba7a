//! `--history DIR`: earlier `review.json` files, read back into kappa per vendor by ISO week.
//!
//! Architecture invariant: reads only the figures of earlier reviews (never their rows, which
//! they do not hold); a file it cannot use is skipped with a note, never fatal.

use super::figures::{Change, change};
use super::report::{Review, Trend, TrendPoint};
use crate::i18n::Msg;
use crate::msg;
use crate::ops::Fatal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Past {
    format: String,
    policy: PastPolicy,
    #[serde(default)]
    period: PastPeriod,
    #[serde(default)]
    vendors: Vec<PastVendor>,
}

#[derive(Deserialize)]
struct PastPolicy {
    id: String,
}

#[derive(Deserialize, Default)]
struct PastPeriod {
    to: Option<String>,
    week: Option<String>,
}

#[derive(Deserialize, Clone)]
struct PastVendor {
    id: String,
    #[serde(default)]
    n: u64,
    kappa: Option<f64>,
    kappa_low: Option<f64>,
    kappa_high: Option<f64>,
}

/// `DIR/*.json` and `DIR/*/review.json`, sorted by path.
fn files(dir: &Path) -> Result<Vec<PathBuf>, Fatal> {
    let entries = std::fs::read_dir(dir).map_err(Fatal::io("io-read", dir))?;
    let mut out = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            let r = p.join("review.json");
            if r.is_file() {
                out.push(r);
            }
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

fn week_of(p: &PastPeriod) -> Option<String> {
    p.week.clone().or_else(|| {
        let d: jiff::civil::Date = p.to.as_deref()?.parse().ok()?;
        Some(super::iso_week(d))
    })
}

/// Kappa per vendor of the current review's vendors, week by week (earlier reviews, then this
/// one, which replaces an earlier review of the same week), and whether each vendor improved
/// or slipped since the latest earlier week. Returns notes on skipped files.
pub fn trend(dir: &Path, current: &Review) -> Result<(Vec<Trend>, Vec<Msg>), Fatal> {
    let mut notes = Vec::new();
    let mut weeks: BTreeMap<String, Vec<PastVendor>> = BTreeMap::new();
    for path in files(dir)? {
        let shown = path.display().to_string();
        let skipped = |why: Msg| msg!("review-history-skipped", path = &shown, why = why);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                notes.push(skipped(e.to_string().into()));
                continue;
            }
        };
        let past: Past = match serde_json::from_str(&text) {
            Ok(p) => p,
            Err(_) => {
                notes.push(skipped(msg!("review-history-not-review")));
                continue;
            }
        };
        if !past.format.starts_with("mamoru-review/1.") {
            notes.push(skipped(msg!(
                "review-history-format",
                format = &past.format
            )));
            continue;
        }
        if past.policy.id != current.policy.id {
            notes.push(skipped(msg!(
                "review-history-policy",
                theirs = &past.policy.id,
                ours = &current.policy.id
            )));
            continue;
        }
        let Some(week) = week_of(&past.period) else {
            notes.push(skipped(msg!("review-history-undated")));
            continue;
        };
        if weeks.insert(week.clone(), past.vendors).is_some() {
            notes.push(msg!("review-history-twice", week = &week, path = &shown));
        }
    }
    let this_week = current.period.week.clone();
    if let Some(w) = &this_week {
        weeks.insert(
            w.clone(),
            current
                .vendors
                .iter()
                .map(|v| PastVendor {
                    id: v.id.clone(),
                    n: v.figures.n,
                    kappa: v.figures.kappa,
                    kappa_low: v.figures.kappa_low,
                    kappa_high: v.figures.kappa_high,
                })
                .collect(),
        );
    } else {
        notes.push(msg!("review-history-this-undated"));
    }
    let trend = current
        .vendors
        .iter()
        .map(|v| {
            let points: Vec<TrendPoint> = weeks
                .iter()
                .filter_map(|(week, vendors)| {
                    let x = vendors.iter().find(|x| x.id == v.id)?;
                    Some(TrendPoint {
                        week: week.clone(),
                        n: x.n,
                        kappa: x.kappa,
                        kappa_low: x.kappa_low,
                        kappa_high: x.kappa_high,
                    })
                })
                .collect();
            let with_kappa = |p: &TrendPoint| Some((p.kappa?, p.kappa_low?, p.kappa_high?));
            let now = this_week
                .as_ref()
                .and_then(|w| points.iter().find(|p| &p.week == w))
                .and_then(with_kappa);
            let before = this_week.as_ref().and_then(|w| {
                points
                    .iter()
                    .filter(|p| &p.week < w)
                    .filter_map(with_kappa)
                    .next_back()
            });
            let change = match (before, now) {
                (Some(b), Some(n)) => Some(
                    match change(b, n) {
                        Change::Improved => "improved",
                        Change::Slipped => "slipped",
                        Change::Steady => "steady",
                    }
                    .to_string(),
                ),
                _ => None,
            };
            Trend {
                vendor: v.id.clone(),
                weeks: points,
                change,
            }
        })
        .collect();
    Ok((trend, notes))
}

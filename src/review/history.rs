//! `--history DIR`: earlier `review.json` files, read back into kappa per vendor by ISO week.
//!
//! Architecture invariant: reads only the figures of earlier reviews (never their rows, which
//! they do not hold); a file it cannot use is skipped with a note, never fatal.

use super::figures::change;
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

/// Earlier reviews by ISO week: each usable file's vendors, with a note for each file skipped.
fn past_weeks(dir: &Path, current: &Review) -> Result<(Weeks, Vec<Msg>), Fatal> {
    let mut notes = Vec::new();
    let mut weeks = Weeks::new();
    for path in files(dir)? {
        let shown = path.display().to_string();
        match read_past(&path, current) {
            Ok((week, vendors)) => {
                if weeks.insert(week.clone(), vendors).is_some() {
                    notes.push(msg!("review-history-twice", week = &week, path = &shown));
                }
            }
            Err(why) => notes.push(msg!("review-history-skipped", path = &shown, why = why)),
        }
    }
    Ok((weeks, notes))
}

/// The week and vendors of an earlier review of the same policy, or why it cannot be used.
fn read_past(path: &Path, current: &Review) -> Result<(String, Vec<PastVendor>), Msg> {
    let text = std::fs::read_to_string(path).map_err(|e| Msg::from(e.to_string()))?;
    let past: Past = serde_json::from_str(&text).map_err(|_| msg!("review-history-not-review"))?;
    if !past.format.starts_with("mamoru-review/1.") {
        return Err(msg!("review-history-format", format = &past.format));
    }
    if past.policy.id != current.policy.id {
        return Err(msg!(
            "review-history-policy",
            theirs = &past.policy.id,
            ours = &current.policy.id
        ));
    }
    let week = week_of(&past.period).ok_or_else(|| msg!("review-history-undated"))?;
    Ok((week, past.vendors))
}

/// Earlier reviews' vendors by ISO week.
type Weeks = BTreeMap<String, Vec<PastVendor>>;

/// Kappa per vendor of the current review's vendors, week by week (earlier reviews, then this
/// one, which replaces an earlier review of the same week), and whether each vendor improved
/// or slipped since the latest earlier week. Returns notes on skipped files.
pub(crate) fn trend(dir: &Path, current: &Review) -> Result<(Vec<Trend>, Vec<Msg>), Fatal> {
    let (mut weeks, mut notes) = past_weeks(dir, current)?;
    let this_week = current.period.week.as_deref();
    match this_week {
        Some(w) => {
            let vendors = current
                .vendors
                .iter()
                .map(|v| PastVendor {
                    id: v.id.clone(),
                    n: v.figures.n,
                    kappa: v.figures.kappa,
                    kappa_low: v.figures.kappa_low,
                    kappa_high: v.figures.kappa_high,
                })
                .collect();
            weeks.insert(w.to_string(), vendors);
        }
        None => notes.push(msg!("review-history-this-undated")),
    }
    let trend = current
        .vendors
        .iter()
        .map(|v| vendor_trend(&v.id, &weeks, this_week))
        .collect();
    Ok((trend, notes))
}

/// One vendor's kappa by week, and its change from the latest earlier week with a kappa to
/// this week.
fn vendor_trend(vendor: &str, weeks: &Weeks, this_week: Option<&str>) -> Trend {
    let points: Vec<TrendPoint> = weeks
        .iter()
        .filter_map(|(week, vendors)| {
            let x = vendors.iter().find(|x| x.id == vendor)?;
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
        .and_then(|w| points.iter().find(|p| p.week == w))
        .and_then(with_kappa);
    let before = this_week.and_then(|w| {
        points
            .iter()
            .filter(|p| p.week.as_str() < w)
            .filter_map(with_kappa)
            .next_back()
    });
    let change = match (before, now) {
        (Some(b), Some(n)) => Some(change(b, n).code().to_string()),
        _ => None,
    };
    Trend {
        vendor: vendor.to_string(),
        weeks: points,
        change,
    }
}

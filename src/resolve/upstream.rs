//! The upstream a fork found, judged against what the fork accepts (`extends.version`) and what
//! it was reviewed against (`extends.reviewed`); and today's date for `review_by`.

use crate::diag::{Code, Diagnostic, Origin};
use crate::model::*;
use crate::msg;

/// A fork against the upstream it found: the version it accepts, and the upstream it was
/// reviewed against (`extends.reviewed`, by bundle digest).
pub fn check_upstream(
    ext: &Extends,
    at: &Origin,
    up_id: &str,
    up_version: &str,
    digest: &str,
) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    match (
        semver::VersionReq::parse(&ext.version),
        semver::Version::parse(up_version),
    ) {
        (Err(e), _) => d.push(
            Diagnostic::new(
                Code::InvalidValue,
                msg!(
                    "bad-version-requirement",
                    requirement = &ext.version,
                    detail = e.to_string()
                ),
            )
            .at(at.child("version"))
            .hint(msg!("bad-version-requirement-hint")),
        ),
        (Ok(req), Ok(v)) if !req.matches(&v) => d.push(
            Diagnostic::new(
                Code::ExtendsVersion,
                msg!(
                    "extends-version",
                    upstream = up_id,
                    version = v.to_string(),
                    requirement = &ext.version
                ),
            )
            .at(at.child("version"))
            .hint(msg!("extends-version-hint")),
        ),
        _ => {}
    }
    let reviewed_hint = || msg!("reviewed-hint", version = up_version, digest = digest);
    match &ext.reviewed {
        Some(r) if r.digest != digest => d.push(
            Diagnostic::new(
                Code::Drift,
                msg!(
                    "upstream-drift",
                    upstream = up_id,
                    reviewed = &r.version,
                    now = up_version
                ),
            )
            .at(at.child("reviewed"))
            .note(msg!("upstream-drift-note"))
            .hint(reviewed_hint()),
        ),
        None => d.push(
            Diagnostic::new(Code::Drift, msg!("upstream-not-reviewed"))
                .at(at.child("path"))
                .hint(reviewed_hint()),
        ),
        _ => {}
    }
    d
}

/// Today's date, for review dates: `MAMORU_TODAY` (YYYY-MM-DD), else the reproducible-builds
/// `SOURCE_DATE_EPOCH` (seconds), else the clock. No output of mamoru carries a timestamp; this
/// date only decides which `review_by` dates have passed.
pub fn today() -> String {
    if let Ok(d) = std::env::var("MAMORU_TODAY") {
        return d;
    }
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = (secs / 86400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

//! Override records: every replaced upstream item says why, who owns the deviation and when it
//! is reviewed again; a record names the upstream digest it was reviewed against, so a later
//! upstream change shows as drift.

use super::Merger;
use crate::diag::{Code, Diagnostic, Origin};
use crate::i18n::Msg;
use crate::model::*;
use crate::msg;
use serde::Serialize;

/// The digest of an upstream item as a fork reviews it: sha256 of its canonical JSON, without
/// its own override record.
pub(super) fn item_digest<T: Serialize>(value: &T) -> String {
    use sha2::{Digest, Sha256};
    // Model types always serialise (string keys only).
    let mut v = serde_json::to_value(value).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("override");
    }
    let hash = Sha256::digest(v.to_string().as_bytes());
    format!(
        "sha256:{}",
        hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

impl Merger<'_> {
    /// A replacement needs a record (E312); its review date must not have passed (W300) and
    /// the upstream must not have changed since it was reviewed (W301).
    pub(super) fn check_record(
        &mut self,
        record: Option<&OverrideRecord>,
        origin: &Origin,
        what: &Msg,
        upstream_digest: Option<String>,
    ) {
        let Some(r) = record else {
            let digest = upstream_digest
                .map(|d| format!(", upstream_digest: \"{d}\""))
                .unwrap_or_default();
            self.d.push(
                Diagnostic::new(
                    Code::MissingRecord,
                    msg!("missing-record", what = what.clone()),
                )
                .at(origin.clone())
                .hint(msg!("missing-record-hint", digest = digest)),
            );
            return;
        };
        self.check_review(
            &r.review_by,
            &origin.child("override").child("review_by"),
            what,
        );
        if let (Some(reviewed), Some(current)) = (&r.upstream_digest, &upstream_digest)
            && reviewed != current
        {
            self.d.push(
                Diagnostic::new(Code::Drift, msg!("override-drift", what = what.clone()))
                    .at(origin.child("override").child("upstream_digest"))
                    .hint(msg!("override-drift-hint", digest = current)),
            );
        }
    }

    /// A `review_by` date before today (W300).
    pub(super) fn check_review(&mut self, date: &Date, origin: &Origin, what: &Msg) {
        if date.as_str() < self.today.as_str() {
            self.d.push(
                Diagnostic::new(
                    Code::ReviewDue,
                    msg!("review-due", what = what.clone(), date = date.as_str()),
                )
                .at(origin.clone())
                .hint(msg!("review-due-hint")),
            );
        }
    }
}

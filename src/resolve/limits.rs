//! What a fork may not do: change a part its upstreams locked (`fork.locked`, E310), change
//! more than display names and contact points as a vendor (E314), or give a step of a flow it
//! changed a longer `hold` or `limit` than the upstreams' `fork.bounds` (E311).

use super::rules::seconds_of;
use super::{Merger, Provenance};
use crate::diag::{Code, Diagnostic, Origin};
use crate::duration::format_duration;
use crate::i18n::Msg;
use crate::model::*;
use crate::msg;
use crate::validate::Item;
use std::collections::BTreeMap;

/// The parts a vendor fork may change: roles (display names only, see
/// [`Merger::vendor_roles`]) and pages.
const VENDOR_MAY_CHANGE: &[&str] = &["roles", "pages"];

impl Merger<'_> {
    /// Whether changing `part` (`what`, at `origin`) is forbidden to this fork; reports why.
    pub(super) fn locked(&mut self, part: &'static str, origin: &Origin, what: &Msg) -> bool {
        if self.vendor && !VENDOR_MAY_CHANGE.contains(&part) {
            self.d.push(
                Diagnostic::new(
                    Code::VendorLimit,
                    msg!("vendor-may-not", what = what.clone()),
                )
                .at(origin.clone())
                .hint(msg!("vendor-may-not-hint")),
            );
            return true;
        }
        if self.up.rules.locked.contains(part) {
            self.d.push(
                Diagnostic::new(
                    Code::Locked,
                    msg!(
                        "locked",
                        part = part,
                        upstream = &self.up.id,
                        what = what.clone()
                    ),
                )
                .at(origin.clone())
                .hint(msg!("locked-hint", part = part, upstream = &self.up.id)),
            );
            return true;
        }
        false
    }

    /// A vendor may relabel the upstream's roles, but not add one or change whom it belongs
    /// to (`org`).
    pub(super) fn vendor_roles(&mut self, up: &[Item<Role>], own: &[Item<Role>]) {
        if !self.vendor {
            return;
        }
        for r in own {
            match up.iter().find(|u| u.value.id == r.value.id) {
                Some(u) if u.value.org != r.value.org => self.d.push(
                    Diagnostic::new(Code::VendorLimit, msg!("vendor-role-org")).at(r.at("org")),
                ),
                Some(_) => {}
                None => self.d.push(
                    Diagnostic::new(
                        Code::VendorLimit,
                        msg!("vendor-add-role", id = r.value.id.as_str()),
                    )
                    .at(r.at("id")),
                ),
            }
        }
    }

    /// `fork.bounds`: the `hold` and `limit` of every step of the flows the fork changed or
    /// added, against the upstreams' maxima (inclusive).
    pub(super) fn bounds(
        &mut self,
        flows: &[Item<Flow>],
        thresholds: &BTreeMap<String, ThresholdValue>,
    ) {
        let rules = &self.up.rules;
        let caps = [("hold", rules.hold_max), ("limit", rules.limit_max)];
        for f in flows {
            if let Some(Provenance::Inherited { .. }) =
                self.provenance.get(&format!("flows/{}", f.value.id))
            {
                continue;
            }
            for (i, s) in f.value.steps.iter().enumerate() {
                for ((key, max), value) in caps.into_iter().zip([&s.hold, &s.limit]) {
                    let v = value.as_ref().and_then(|r| seconds_of(r, thresholds));
                    if let (Some(v), Some(max)) = (v, max)
                        && v > max
                    {
                        self.d.push(
                            Diagnostic::new(
                                Code::Bound,
                                msg!(
                                    "bound-exceeded",
                                    step = s.id.as_str(),
                                    key = key,
                                    value = format_duration(v),
                                    max = format_duration(max),
                                    upstream = &self.up.id
                                ),
                            )
                            .at(f.at("steps").child(i).child(key))
                            .hint(msg!("bound-exceeded-hint", max = format_duration(max))),
                        );
                    }
                }
            }
        }
    }
}

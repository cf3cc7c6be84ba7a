//! `policy.yaml` of a fork over its upstream's: the fork's fields where it gives them, the
//! upstream's otherwise; thresholds merged by name (locked by `fork.locked: [thresholds]`).

use super::{Merger, part};
use crate::model::*;
use crate::msg;
use crate::validate::Item;
use std::collections::BTreeMap;

impl Merger<'_> {
    /// The merged manifest: the fork's own (id, title, version, `extends` …) completed from the
    /// upstream's.
    pub(super) fn manifest(
        &mut self,
        own: &Item<Manifest>,
        up: Option<&Item<Manifest>>,
    ) -> Item<Manifest> {
        let mut merged = own.clone();
        let Some(up) = up else { return merged };
        let (u, mm) = (&up.value, &mut merged.value);
        mm.lang = mm.lang.clone().or(u.lang.clone());
        mm.slogan = mm.slogan.clone().or(u.slogan.clone());
        mm.effective_from = mm.effective_from.clone().or(u.effective_from.clone());
        mm.timezone = mm.timezone.clone().or(u.timezone.clone());
        mm.organization = mm.organization.clone().or(u.organization.clone());
        if mm.owners.is_empty() {
            mm.owners = u.owners.clone();
        }
        if mm.legal_refs.is_empty() {
            mm.legal_refs = u.legal_refs.clone();
        }
        if mm.vendors.is_empty() {
            mm.vendors = u.vendors.clone();
        }
        mm.fork = mm.fork.clone().or(u.fork.clone());
        mm.thresholds = self.thresholds(own, &u.thresholds);
        merged
    }

    /// The upstream's thresholds with the fork's values: a changed value overrides (recorded as
    /// overridden, without a record of its own), a new name adds.
    fn thresholds(
        &mut self,
        own: &Item<Manifest>,
        up: &BTreeMap<String, ThresholdValue>,
    ) -> BTreeMap<String, ThresholdValue> {
        let mut out = up.clone();
        for (name, value) in &own.value.thresholds {
            let origin = own.at("thresholds").child(crate::diag::escape(name));
            let what = match up.get(name) {
                Some(old) if old == value => continue,
                Some(_) => msg!("what-item", kind = part("thresholds"), id = name),
                None => msg!("what-adds", kind = part("thresholds"), id = name),
            };
            if self.locked("thresholds", &origin, &what) {
                continue;
            }
            if up.contains_key(name) {
                self.set_provenance(format!("thresholds/{name}"), self.overridden(None));
            }
            out.insert(name.clone(), value.clone());
        }
        out
    }
}

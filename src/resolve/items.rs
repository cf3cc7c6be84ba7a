//! Merging by id: an upstream item is inherited, replaced by the fork's item with its id (with
//! an override record), or dropped by `remove:`; a new id adds an item. Whole files (stance,
//! criteria, review, compliance) are replaced whole; `vocabulary.yaml` merges list by list and
//! pages by their file name.

use super::records::item_digest;
use super::{Merger, Provenance, Removed, part};
use crate::diag::{Code, Diagnostic, Origin};
use crate::model::*;
use crate::msg;
use crate::validate::Item;
use serde::Serialize;

/// A part a fork can replace: its override record.
pub(super) trait Recorded {
    fn record(&self) -> Option<&OverrideRecord>;
}

/// An item a fork can replace by id.
pub(super) trait Keyed: Recorded {
    fn key(&self) -> &str;
}

/// Types with an `override_record` field; `keyed` ones also with an `id`.
macro_rules! recorded {
    (keyed: $($t:ty),*) => {$(
        recorded!($t);
        impl Keyed for $t {
            fn key(&self) -> &str {
                self.id.as_str()
            }
        }
    )*};
    ($($t:ty),*) => {$(
        impl Recorded for $t {
            fn record(&self) -> Option<&OverrideRecord> {
                self.override_record.as_ref()
            }
        }
    )*};
}
recorded!(StanceMatter, Criteria, ReviewMapping, Compliance);
recorded!(keyed: DefinitionMatter, Role, Script, Flow, AftercareItem, Invariant, CaseMatter, Labelled, Counter);

/// A page: its id is its file name.
impl Recorded for (String, PageMatter) {
    fn record(&self) -> Option<&OverrideRecord> {
        self.1.override_record.as_ref()
    }
}

impl Keyed for (String, PageMatter) {
    fn key(&self) -> &str {
        &self.0
    }
}

impl Merger<'_> {
    /// Merge items by id: the upstream's, less those removed, with the fork's replacing or
    /// adding, in that order.
    pub(super) fn items<T: Clone + Serialize + Keyed>(
        &mut self,
        kind: &'static str,
        up: &[Item<T>],
        own: &[Item<T>],
        removed: Removed,
    ) -> Vec<Item<T>> {
        let mut out: Vec<Item<T>> = up.to_vec();
        for u in up {
            self.set_provenance(format!("{kind}/{}", u.value.key()), self.inherited());
        }
        if let Some((list, at)) = removed {
            for (i, r) in list.iter().enumerate() {
                self.remove(kind, &mut out, up, r, at.child(i).child("id"));
            }
        }
        for item in own {
            match out.iter().position(|u| u.value.key() == item.value.key()) {
                Some(pos) => {
                    if let Some(slot) = out.get_mut(pos) {
                        self.replace(kind, slot, up, item);
                    }
                }
                None => self.add(kind, &mut out, item),
            }
        }
        out
    }

    /// `remove:` drops an upstream item (E313 when there is none of that id), with its record.
    fn remove<T: Keyed>(
        &mut self,
        kind: &'static str,
        out: &mut Vec<Item<T>>,
        up: &[Item<T>],
        r: &Removal,
        at: Origin,
    ) {
        let what = msg!("what-removes", kind = part(kind), id = r.id.as_str());
        if self.locked(kind, &at, &what) {
            return;
        }
        let Some(pos) = out.iter().position(|u| u.value.key() == r.id.as_str()) else {
            self.d.push(
                Diagnostic::new(
                    Code::RemoveUnknown,
                    msg!(
                        "remove-unknown",
                        kind = part(kind),
                        id = r.id.as_str(),
                        upstream = &self.up.id
                    ),
                )
                .at(at)
                .maybe_hint(crate::diag::did_you_mean(
                    r.id.as_str(),
                    up.iter().map(|u| u.value.key()),
                )),
            );
            return;
        };
        out.remove(pos);
        let what = msg!("what-removal", kind = part(kind), id = r.id.as_str());
        self.check_review(&r.review_by, &at.key(), &what);
        let record = OverrideRecord {
            why: r.why.clone(),
            owner: r.owner.clone(),
            review_by: r.review_by.clone(),
            upstream_digest: None,
        };
        self.set_provenance(format!("{kind}/{}", r.id), self.removed(record));
    }

    /// The fork's item in place of the upstream's (or of an earlier one of its own) with the
    /// same id, unless locked; its record is checked against the upstream item's digest.
    fn replace<T: Clone + Serialize + Keyed>(
        &mut self,
        kind: &'static str,
        slot: &mut Item<T>,
        up: &[Item<T>],
        item: &Item<T>,
    ) {
        let key = item.value.key();
        let what = msg!("what-item", kind = part(kind), id = key);
        let at = item.origin.child("id");
        if self.locked(kind, &at, &what) {
            return;
        }
        let digest = up
            .iter()
            .find(|u| u.value.key() == key)
            .map(|u| item_digest(&u.value));
        let rec = item.value.record();
        self.check_record(rec, &at, &what, digest);
        self.set_provenance(format!("{kind}/{key}"), self.overridden(rec.cloned()));
        *slot = item.clone();
    }

    /// A new id: the fork's own item, unless the part is locked; a record on it replaces
    /// nothing (W302).
    fn add<T: Clone + Keyed>(
        &mut self,
        kind: &'static str,
        out: &mut Vec<Item<T>>,
        item: &Item<T>,
    ) {
        let key = item.value.key();
        let what = msg!("what-adds", kind = part(kind), id = key);
        if self.locked(kind, &item.origin.child("id"), &what) {
            return;
        }
        if item.value.record().is_some() {
            self.d.push(
                Diagnostic::new(
                    Code::RecordWithoutUpstream,
                    msg!("record-without-upstream", kind = part(kind), id = key),
                )
                .at(item.origin.child("override").key())
                .hint(msg!(
                    "record-without-upstream-hint",
                    upstream = &self.up.id,
                    kind = part(kind),
                    id = key
                )),
            );
        }
        self.set_provenance(format!("{kind}/{key}"), Provenance::Own);
        out.push(item.clone());
    }

    /// A single-file kind (stance, criteria): replaced whole when the fork has it.
    pub(super) fn single<T: Clone + Serialize + Recorded>(
        &mut self,
        kind: &'static str,
        up: &Option<Item<T>>,
        own: &Option<Item<T>>,
    ) -> Option<Item<T>> {
        match (up, own) {
            (_, None) => {
                self.set_provenance(kind.to_string(), self.inherited());
                up.clone()
            }
            (Some(u), Some(o)) => {
                let what = msg!("what-part", kind = part(kind));
                if self.locked(kind, &o.origin, &what) {
                    return up.clone();
                }
                let record = o.value.record();
                self.check_record(record, &o.origin, &what, Some(item_digest(&u.value)));
                self.set_provenance(kind.to_string(), self.overridden(record.cloned()));
                own.clone()
            }
            (None, Some(_)) => {
                self.set_provenance(kind.to_string(), Provenance::Own);
                own.clone()
            }
        }
    }

    /// `vocabulary.yaml`: channels, tags, parties and counters merged by id (no `remove:`);
    /// a fork's synonyms for a term replace the upstream's for it.
    pub(super) fn vocabulary(
        &mut self,
        up: Option<&Item<Vocabulary>>,
        own: Option<&Item<Vocabulary>>,
    ) -> Option<Item<Vocabulary>> {
        let (u, o) = match (up, own) {
            (Some(u), Some(o)) => (u, o),
            (u, None) => return u.cloned(),
            (None, o) => return o.cloned(),
        };
        let (uv, ov) = (&u.value, &o.value);
        let mut merged = u.clone();
        let v = &mut merged.value;
        v.channels = self.list("channels", (u, &uv.channels), (o, &ov.channels));
        v.tags = self.list("tags", (u, &uv.tags), (o, &ov.tags));
        v.parties = self.list("parties", (u, &uv.parties), (o, &ov.parties));
        v.counters = self.list("counters", (u, &uv.counters), (o, &ov.counters));
        // Synonyms only help search: a fork's entry replaces the upstream's for its term.
        for s in &ov.synonyms {
            v.synonyms.retain(|x| x.term != s.term);
            v.synonyms.push(s.clone());
        }
        Some(merged)
    }

    /// One list of `vocabulary.yaml` (`kind` is also its key there), merged by id.
    fn list<T: Clone + Serialize + Keyed>(
        &mut self,
        kind: &'static str,
        (up_file, up): (&Item<Vocabulary>, &[T]),
        (own_file, own): (&Item<Vocabulary>, &[T]),
    ) -> Vec<T> {
        let listed = |file: &Item<Vocabulary>, list: &[T]| -> Vec<Item<T>> {
            list.iter()
                .enumerate()
                .map(|(i, x)| Item {
                    value: x.clone(),
                    origin: file.at(kind).child(i),
                    body: None,
                })
                .collect()
        };
        self.items(kind, &listed(up_file, up), &listed(own_file, own), None)
            .into_iter()
            .map(|i| i.value)
            .collect()
    }

    /// Pages merged by id, their file name.
    pub(super) fn pages(
        &mut self,
        up: &[(String, Item<PageMatter>)],
        own: &[(String, Item<PageMatter>)],
        removed: Removed,
    ) -> Vec<(String, Item<PageMatter>)> {
        let keyed = |pages: &[(String, Item<PageMatter>)]| -> Vec<Item<(String, PageMatter)>> {
            pages
                .iter()
                .map(|(id, it)| Item {
                    value: (id.clone(), it.value.clone()),
                    origin: it.origin.clone(),
                    body: it.body.clone(),
                })
                .collect()
        };
        self.items("pages", &keyed(up), &keyed(own), removed)
            .into_iter()
            .map(|it| {
                let (id, value) = it.value;
                let page = Item {
                    value,
                    origin: it.origin,
                    body: it.body,
                };
                (id, page)
            })
            .collect()
    }
}

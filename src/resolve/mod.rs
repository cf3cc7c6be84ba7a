//! Stage 3, `resolve`: a fork's own files merged over its upstream, by id.
//!
//! A file with the id of an upstream item replaces it (with an `override` record: why, owner,
//! review_by), a new id adds an item, `remove:` in policy.yaml drops one. The upstream's
//! `fork.locked` parts may not change, its `fork.bounds` cap the timings of changed flows, and a
//! vendor fork may only set display names and contact points.
//!
//! One [`merge`] walks the parts of a policy in a fixed order; each rule has its module:
//! `items` (replace, add, remove by id; whole files; vocabulary lists; pages), `manifest`
//! (manifest fields, thresholds by name), `limits` (locks, vendor limits, bounds), `records`
//! (override records, review dates, item digests), `rules` (what a fork's own forks inherit) and
//! `upstream` (the upstream's version and drift, today's date).
//!
//! Architecture invariant: `resolve` works on validated layers only (no files, no YAML); it
//! records the provenance of every item for the emitters.

mod items;
mod limits;
mod manifest;
mod records;
mod rules;
mod upstream;

use crate::diag::{Diagnostic, Origin};
use crate::i18n::Msg;
use crate::model::*;
use crate::validate::Validated;
use std::collections::BTreeMap;

pub use crate::provenance::Provenance;
pub use rules::{Rules, root_rules};
pub use upstream::{check_upstream, today};

/// An upstream, merged with its own upstreams.
pub struct Upstream<'a> {
    /// The upstream's sources, already merged over its own upstreams.
    pub validated: &'a Validated,
    /// The upstream policy's id (`policy.yaml` `id`), named in provenance and messages.
    pub id: String,
    /// The upstream policy's version, recorded in provenance.
    pub version: String,
    /// What the upstream and its own upstreams demand of forks.
    pub rules: Rules,
}

/// Merge a fork's own (validated) layer over its upstream. Returns the merged sources, the
/// provenance of every item, the rules the fork's own forks inherit, and diagnostics.
///
/// `own` must have a manifest: only a `policy.yaml` with `extends` makes a layer a fork.
pub fn merge(
    own: &Validated,
    up: &Upstream,
    today: String,
) -> (
    Validated,
    BTreeMap<String, Provenance>,
    Rules,
    Vec<Diagnostic>,
) {
    let uv = up.validated;
    // The pipeline merges only a layer whose manifest names an upstream.
    let manifest = own.manifest.as_ref().expect("a fork has a manifest");
    let fm = &manifest.value;
    let vendor = fm
        .extends
        .as_ref()
        .is_some_and(|e| e.kind == ForkKind::Vendor);
    let mut m = Merger {
        up,
        vendor,
        today,
        d: Vec::new(),
        provenance: BTreeMap::new(),
    };
    let empty = Removals::default();
    let removals = fm.remove.as_ref().unwrap_or(&empty);
    let rm = manifest.at("remove");

    let merged_manifest = m.manifest(manifest, uv.manifest.as_ref());
    let thresholds = merged_manifest.value.thresholds.clone();
    let mut out = Validated {
        manifest: Some(merged_manifest),
        ..Validated::default()
    };
    out.stance = m.single("stance", &uv.stance, &own.stance);
    out.criteria = m.single("criteria", &uv.criteria, &own.criteria);
    // review.yaml is optional: provenance only when either side has one.
    if uv.review.is_some() || own.review.is_some() {
        out.review = m.single("review", &uv.review, &own.review);
    }
    out.compliance = m.single("compliance", &uv.compliance, &own.compliance);
    out.vocabulary = m.vocabulary(uv.vocabulary.as_ref(), own.vocabulary.as_ref());
    m.vendor_roles(&uv.roles, &own.roles);
    // A list merged by id, with the `remove:` list of the same name.
    macro_rules! by_id {
        ($($kind:ident),*) => {$(
            out.$kind = m.items(
                stringify!($kind),
                &uv.$kind,
                &own.$kind,
                removed(&rm, stringify!($kind), &removals.$kind),
            );
        )*};
    }
    by_id!(roles);
    out.pages = m.pages(
        &uv.pages,
        &own.pages,
        removed(&rm, "pages", &removals.pages),
    );
    by_id!(definitions, scripts, flows, aftercare, invariants, cases);
    out.incomplete = own
        .incomplete
        .iter()
        .chain(&uv.incomplete)
        .copied()
        .collect();
    out.incomplete.sort();
    out.incomplete.dedup();
    m.bounds(&out.flows, &thresholds);

    // Rules for this fork's own forks: the upstream's, plus this fork's.
    let rules = up.rules.tightened(fm.fork.as_ref(), &thresholds);
    (out, m.provenance, rules, m.d)
}

/// The state of one merge: the upstream, what the fork may do, and what the merge found.
struct Merger<'a> {
    up: &'a Upstream<'a>,
    /// A vendor fork (`extends.kind: vendor`): display names and contact points only.
    vendor: bool,
    /// Today's date, `YYYY-MM-DD`, for `review_by`.
    today: String,
    d: Vec<Diagnostic>,
    /// By `kind/id` (or `kind` for a whole file).
    provenance: BTreeMap<String, Provenance>,
}

impl Merger<'_> {
    fn inherited(&self) -> Provenance {
        Provenance::Inherited {
            upstream: self.up.id.clone(),
            version: self.up.version.clone(),
        }
    }

    fn overridden(&self, record: Option<OverrideRecord>) -> Provenance {
        Provenance::Overridden {
            upstream: self.up.id.clone(),
            version: self.up.version.clone(),
            record,
        }
    }

    fn removed(&self, record: OverrideRecord) -> Provenance {
        Provenance::Removed {
            upstream: self.up.id.clone(),
            version: self.up.version.clone(),
            record,
        }
    }

    /// Record where an item (`kind/id`) or a whole file (`kind`) comes from.
    fn set_provenance(&mut self, key: String, p: Provenance) {
        self.provenance.insert(key, p);
    }
}

/// A part of a policy (`flows`, `criteria` …) named in a message.
fn part(kind: &'static str) -> Msg {
    Msg::new(match kind {
        "definitions" => "part-definitions",
        "roles" => "part-roles",
        "scripts" => "part-scripts",
        "flows" => "part-flows",
        "aftercare" => "part-aftercare",
        "invariants" => "part-invariants",
        "cases" => "part-cases",
        "pages" => "part-pages",
        "criteria" => "part-criteria",
        "stance" => "part-stance",
        "vocabulary" => "part-vocabulary",
        "thresholds" => "part-thresholds",
        _ => "part-other",
    })
}

/// Removals of one kind, with the origin of their list in `policy.yaml` (`/remove/flows`).
type Removed<'a> = Option<(&'a [Removal], Origin)>;

/// The removals of `kind`, listed under `remove` (at `rm`) in the fork's `policy.yaml`.
fn removed<'a>(rm: &Origin, kind: &str, list: &'a [Removal]) -> Removed<'a> {
    Some((list, rm.child(kind)))
}

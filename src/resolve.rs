//! Stage 3, `resolve`: a fork's own files merged over its upstream, by id.
//!
//! A file with the id of an upstream item replaces it (with an `override` record: why, owner,
//! review_by), a new id adds an item, `remove:` in policy.yaml drops one. The upstream's
//! `fork.locked` parts may not change, its `fork.bounds` cap the timings of changed flows, and a
//! vendor fork may only set display names and contact points.
//!
//! Architecture invariant: `resolve` works on validated layers only (no files, no YAML); it
//! records the provenance of every item for the emitters.

use crate::diag::{Code, Diagnostic, Origin};
use crate::duration::{format_duration, parse_duration};
use crate::i18n::Msg;
use crate::model::*;
use crate::msg;
use crate::validate::{Item, Validated};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use crate::provenance::Provenance;

/// What a fork must respect, gathered from all its upstreams.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    pub locked: BTreeSet<&'static str>,
    pub hold_max: Option<u64>,
    pub limit_max: Option<u64>,
}

/// An upstream, merged with its own upstreams.
pub struct Upstream<'a> {
    pub validated: &'a Validated,
    pub id: String,
    pub version: String,
    pub rules: Rules,
}

fn part_name(p: LockablePart) -> &'static str {
    match p {
        LockablePart::Definitions => "definitions",
        LockablePart::Stance => "stance",
        LockablePart::Criteria => "criteria",
        LockablePart::Invariants => "invariants",
        LockablePart::Roles => "roles",
        LockablePart::Scripts => "scripts",
        LockablePart::Flows => "flows",
        LockablePart::Aftercare => "aftercare",
        LockablePart::Cases => "cases",
        LockablePart::Pages => "pages",
        LockablePart::Thresholds => "thresholds",
        LockablePart::Compliance => "compliance",
    }
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

/// The digest of an upstream item as a fork reviews it: sha256 of its canonical JSON, without
/// its own override record.
pub fn item_digest<T: Serialize>(value: &T) -> String {
    use sha2::{Digest, Sha256};
    let mut v = serde_json::to_value(value).expect("serialisable");
    if let Some(o) = v.as_object_mut() {
        o.remove("override");
    }
    let hash = Sha256::digest(serde_json::to_string(&v).expect("serialisable").as_bytes());
    format!(
        "sha256:{}",
        hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// An item a fork can replace: its id and its override record.
trait Keyed {
    fn key(&self) -> &str;
    fn record(&self) -> Option<&OverrideRecord>;
}

macro_rules! keyed {
    ($($t:ty),*) => {$(
        impl Keyed for $t {
            fn key(&self) -> &str {
                self.id.as_str()
            }
            fn record(&self) -> Option<&OverrideRecord> {
                self.override_record.as_ref()
            }
        }
    )*};
}
keyed!(
    DefinitionMatter,
    Role,
    Script,
    Flow,
    AftercareItem,
    Invariant,
    CaseMatter,
    Labelled,
    Counter
);

impl Keyed for (String, PageMatter) {
    fn key(&self) -> &str {
        &self.0
    }
    fn record(&self) -> Option<&OverrideRecord> {
        self.1.override_record.as_ref()
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

struct Merger<'a> {
    up: &'a Upstream<'a>,
    vendor: bool,
    today: String,
    d: Vec<Diagnostic>,
    provenance: BTreeMap<String, Provenance>,
}

impl Merger<'_> {
    fn inherited(&self) -> Provenance {
        Provenance::Inherited {
            upstream: self.up.id.clone(),
            version: self.up.version.clone(),
        }
    }

    fn locked(&mut self, part: &'static str, origin: &Origin, what: &Msg) -> bool {
        if self.vendor {
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

    fn check_record(
        &mut self,
        record: Option<&OverrideRecord>,
        origin: &Origin,
        what: &Msg,
        upstream_digest: Option<String>,
    ) {
        match record {
            None => self.d.push(
                Diagnostic::new(
                    Code::MissingRecord,
                    msg!("missing-record", what = what.clone()),
                )
                .at(origin.clone())
                .hint(msg!(
                    "missing-record-hint",
                    digest = upstream_digest
                        .map(|d| format!(", upstream_digest: \"{d}\""))
                        .unwrap_or_default()
                )),
            ),
            Some(r) => {
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
        }
    }

    fn check_review(&mut self, date: &Date, origin: &Origin, what: &Msg) {
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

    /// Merge items by id: replace, add, remove.
    fn items<T: Clone + Serialize + Keyed>(
        &mut self,
        kind: &'static str,
        up: &[Item<T>],
        own: &[Item<T>],
        removals: &[Removal],
        removals_origin: Option<Origin>,
    ) -> Vec<Item<T>> {
        let id = |t: &T| t.key().to_string();
        let mut out: Vec<Item<T>> = Vec::new();
        for u in up {
            self.provenance
                .insert(format!("{kind}/{}", id(&u.value)), self.inherited());
            out.push(u.clone());
        }
        for (i, r) in removals.iter().enumerate() {
            let o = removals_origin
                .clone()
                .map(|o| o.child(i).child("id"))
                .expect("removals have an origin");
            if self.locked(
                kind,
                &o,
                &msg!("what-removes", kind = part(kind), id = r.id.as_str()),
            ) {
                continue;
            }
            match out.iter().position(|u| id(&u.value) == r.id.as_str()) {
                Some(pos) => {
                    out.remove(pos);
                    let what = msg!("what-removal", kind = part(kind), id = r.id.as_str());
                    self.check_review(&r.review_by, &o.key(), &what);
                    let record = OverrideRecord {
                        why: r.why.clone(),
                        owner: r.owner.clone(),
                        review_by: r.review_by.clone(),
                        upstream_digest: None,
                    };
                    self.provenance.insert(
                        format!("{kind}/{}", r.id),
                        Provenance::Removed {
                            upstream: self.up.id.clone(),
                            version: self.up.version.clone(),
                            record,
                        },
                    );
                }
                None => self.d.push(
                    Diagnostic::new(
                        Code::RemoveUnknown,
                        msg!(
                            "remove-unknown",
                            kind = part(kind),
                            id = r.id.as_str(),
                            upstream = &self.up.id
                        ),
                    )
                    .at(o)
                    .maybe_hint(crate::diag::did_you_mean(
                        r.id.as_str(),
                        up.iter().map(|u| u.value.key()),
                    )),
                ),
            }
        }
        for item in own {
            let key = id(&item.value);
            let rec = item.value.record();
            match out.iter().position(|u| id(&u.value) == key) {
                Some(pos) => {
                    let what = msg!("what-item", kind = part(kind), id = &key);
                    if self.locked(kind, &item.origin.child("id"), &what) {
                        continue;
                    }
                    let digest = up
                        .iter()
                        .find(|u| id(&u.value) == key)
                        .map(|u| item_digest(&u.value));
                    self.check_record(rec, &item.origin.child("id"), &what, digest);
                    self.provenance.insert(
                        format!("{kind}/{key}"),
                        Provenance::Overridden {
                            upstream: self.up.id.clone(),
                            version: self.up.version.clone(),
                            record: rec.cloned(),
                        },
                    );
                    out[pos] = item.clone();
                }
                None => {
                    if self.locked(
                        kind,
                        &item.origin.child("id"),
                        &msg!("what-adds", kind = part(kind), id = &key),
                    ) {
                        continue;
                    }
                    if rec.is_some() {
                        self.d.push(
                            Diagnostic::new(
                                Code::RecordWithoutUpstream,
                                msg!("record-without-upstream", kind = part(kind), id = &key),
                            )
                            .at(item.origin.child("override").key())
                            .hint(msg!(
                                "record-without-upstream-hint",
                                upstream = &self.up.id,
                                kind = part(kind),
                                id = &key
                            )),
                        );
                    }
                    self.provenance
                        .insert(format!("{kind}/{key}"), Provenance::Own);
                    out.push(item.clone());
                }
            }
        }
        out
    }

    /// A single-file kind (stance, criteria): replaced whole when the fork has it.
    fn single<T: Clone + Serialize>(
        &mut self,
        kind: &'static str,
        up: &Option<Item<T>>,
        own: &Option<Item<T>>,
        record: fn(&T) -> Option<&OverrideRecord>,
    ) -> Option<Item<T>> {
        match (up, own) {
            (_, None) => {
                self.provenance.insert(kind.to_string(), self.inherited());
                up.clone()
            }
            (Some(u), Some(o)) => {
                if self.locked(kind, &o.origin, &msg!("what-part", kind = part(kind))) {
                    return up.clone();
                }
                self.check_record(
                    record(&o.value),
                    &o.origin,
                    &msg!("what-part", kind = part(kind)),
                    Some(item_digest(&u.value)),
                );
                self.provenance.insert(
                    kind.to_string(),
                    Provenance::Overridden {
                        upstream: self.up.id.clone(),
                        version: self.up.version.clone(),
                        record: record(&o.value).cloned(),
                    },
                );
                own.clone()
            }
            (None, Some(_)) => {
                self.provenance.insert(kind.to_string(), Provenance::Own);
                own.clone()
            }
        }
    }
}

/// Merge a fork's own (validated) layer over its upstream. Returns the merged sources, the
/// provenance of every item, the rules the fork's own forks inherit, and diagnostics.
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
    let rm_origin = |kind: &str| Some(manifest.at("remove").child(kind));

    // Manifest: the fork's fields where given, the upstream's otherwise; thresholds by name.
    let mut merged_manifest = manifest.clone();
    if let Some(um) = &uv.manifest {
        let u = &um.value;
        let mm = &mut merged_manifest.value;
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
        let mut thresholds = u.thresholds.clone();
        for (name, value) in &fm.thresholds {
            let origin = manifest.at("thresholds").child(crate::diag::escape(name));
            match u.thresholds.get(name) {
                Some(old) if old == value => {}
                Some(_) => {
                    if !m.locked(
                        "thresholds",
                        &origin,
                        &msg!("what-item", kind = part("thresholds"), id = name),
                    ) {
                        m.provenance.insert(
                            format!("thresholds/{name}"),
                            Provenance::Overridden {
                                upstream: up.id.clone(),
                                version: up.version.clone(),
                                record: None,
                            },
                        );
                        thresholds.insert(name.clone(), value.clone());
                    }
                }
                None => {
                    if !m.locked(
                        "thresholds",
                        &origin,
                        &msg!("what-adds", kind = part("thresholds"), id = name),
                    ) {
                        thresholds.insert(name.clone(), value.clone());
                    }
                }
            }
        }
        mm.thresholds = thresholds;
    }

    // A vendor fork: display names and contact points only.
    let mut out = Validated {
        manifest: Some(merged_manifest),
        ..Validated::default()
    };
    out.stance = m.single("stance", &uv.stance, &own.stance, |x| {
        x.override_record.as_ref()
    });
    out.criteria = m.single("criteria", &uv.criteria, &own.criteria, |x| {
        x.override_record.as_ref()
    });
    // review.yaml is optional: provenance only when either side has one.
    if uv.review.is_some() || own.review.is_some() {
        out.review = m.single("review", &uv.review, &own.review, |x| {
            x.override_record.as_ref()
        });
    }
    out.compliance = m.single("compliance", &uv.compliance, &own.compliance, |x| {
        x.override_record.as_ref()
    });
    out.vocabulary = match (&uv.vocabulary, &own.vocabulary) {
        (Some(u), Some(o)) => {
            let wrap =
                |it: &Item<Vocabulary>, list: &[Labelled], key: &str| -> Vec<Item<Labelled>> {
                    list.iter()
                        .enumerate()
                        .map(|(i, x)| Item {
                            value: x.clone(),
                            origin: it.at(key).child(i),
                            body: None,
                        })
                        .collect()
                };
            let vendor_before = m.vendor;
            let ch = m.items(
                "channels",
                &wrap(u, &u.value.channels, "channels"),
                &wrap(o, &o.value.channels, "channels"),
                &[],
                None,
            );
            let tg = m.items(
                "tags",
                &wrap(u, &u.value.tags, "tags"),
                &wrap(o, &o.value.tags, "tags"),
                &[],
                None,
            );
            let pa = m.items(
                "parties",
                &wrap(u, &u.value.parties, "parties"),
                &wrap(o, &o.value.parties, "parties"),
                &[],
                None,
            );
            let wrap_counters = |it: &Item<Vocabulary>| -> Vec<Item<Counter>> {
                it.value
                    .counters
                    .iter()
                    .enumerate()
                    .map(|(i, x)| Item {
                        value: x.clone(),
                        origin: it.at("counters").child(i),
                        body: None,
                    })
                    .collect()
            };
            let co = m.items("counters", &wrap_counters(u), &wrap_counters(o), &[], None);
            m.vendor = vendor_before;
            let mut v = u.clone();
            v.value.channels = ch.into_iter().map(|i| i.value).collect();
            v.value.tags = tg.into_iter().map(|i| i.value).collect();
            v.value.parties = pa.into_iter().map(|i| i.value).collect();
            v.value.counters = co.into_iter().map(|i| i.value).collect();
            // Synonyms only help search: a fork's entry replaces the upstream's for its term.
            for s in &o.value.synonyms {
                v.value.synonyms.retain(|x| x.term != s.term);
                v.value.synonyms.push(s.clone());
            }
            Some(v)
        }
        (u, None) => u.clone(),
        (None, o) => o.clone(),
    };
    // Vendors may relabel roles (display names) but not change what a role is.
    let vendor = m.vendor;
    m.vendor = false;
    if vendor {
        for r in &own.roles {
            if let Some(u) = uv.roles.iter().find(|u| u.value.id == r.value.id) {
                if u.value.org != r.value.org {
                    m.d.push(
                        Diagnostic::new(Code::VendorLimit, msg!("vendor-role-org")).at(r.at("org")),
                    );
                }
            } else {
                m.d.push(
                    Diagnostic::new(
                        Code::VendorLimit,
                        msg!("vendor-add-role", id = r.value.id.as_str()),
                    )
                    .at(r.at("id")),
                );
            }
        }
    }
    out.roles = m.items(
        "roles",
        &uv.roles,
        &own.roles,
        &removals.roles,
        rm_origin("roles"),
    );
    out.pages = {
        let up_pages: Vec<Item<(String, PageMatter)>> = uv
            .pages
            .iter()
            .map(|(id, it)| Item {
                value: (id.clone(), it.value.clone()),
                origin: it.origin.clone(),
                body: it.body.clone(),
            })
            .collect();
        let own_pages: Vec<Item<(String, PageMatter)>> = own
            .pages
            .iter()
            .map(|(id, it)| Item {
                value: (id.clone(), it.value.clone()),
                origin: it.origin.clone(),
                body: it.body.clone(),
            })
            .collect();
        m.items(
            "pages",
            &up_pages,
            &own_pages,
            &removals.pages,
            rm_origin("pages"),
        )
        .into_iter()
        .map(|it| {
            (
                it.value.0.clone(),
                Item {
                    value: it.value.1,
                    origin: it.origin,
                    body: it.body,
                },
            )
        })
        .collect()
    };
    m.vendor = vendor;
    out.definitions = m.items(
        "definitions",
        &uv.definitions,
        &own.definitions,
        &removals.definitions,
        rm_origin("definitions"),
    );
    out.scripts = m.items(
        "scripts",
        &uv.scripts,
        &own.scripts,
        &removals.scripts,
        rm_origin("scripts"),
    );
    out.flows = m.items(
        "flows",
        &uv.flows,
        &own.flows,
        &removals.flows,
        rm_origin("flows"),
    );
    out.aftercare = m.items(
        "aftercare",
        &uv.aftercare,
        &own.aftercare,
        &removals.aftercare,
        rm_origin("aftercare"),
    );
    out.invariants = m.items(
        "invariants",
        &uv.invariants,
        &own.invariants,
        &removals.invariants,
        rm_origin("invariants"),
    );
    out.cases = m.items(
        "cases",
        &uv.cases,
        &own.cases,
        &removals.cases,
        rm_origin("cases"),
    );
    out.incomplete = own
        .incomplete
        .iter()
        .chain(&uv.incomplete)
        .copied()
        .collect();
    out.incomplete.sort();
    out.incomplete.dedup();

    // Bounds: the timings of every flow the fork changed or added.
    let thresholds = &out.manifest.as_ref().expect("manifest").value.thresholds;
    let seconds = |r: &DurationRef| seconds_of(r, thresholds);
    for f in &out.flows {
        let changed = !matches!(
            m.provenance.get(&format!("flows/{}", f.value.id)),
            Some(Provenance::Inherited { .. })
        );
        if !changed {
            continue;
        }
        for (i, s) in f.value.steps.iter().enumerate() {
            for (key, value, max) in [
                ("hold", &s.hold, up.rules.hold_max),
                ("limit", &s.limit, up.rules.limit_max),
            ] {
                if let (Some(v), Some(max)) = (value.as_ref().and_then(seconds), max)
                    && v > max
                {
                    m.d.push(
                        Diagnostic::new(
                            Code::Bound,
                            msg!(
                                "bound-exceeded",
                                step = s.id.as_str(),
                                key = key,
                                value = format_duration(v),
                                max = format_duration(max),
                                upstream = &up.id
                            ),
                        )
                        .at(f.at("steps").child(i).child(key))
                        .hint(msg!("bound-exceeded-hint", max = format_duration(max))),
                    );
                }
            }
        }
    }

    // Rules for this fork's own forks: the upstream's, plus this fork's.
    let mut rules = up.rules.clone();
    tighten(&mut rules, fm.fork.as_ref(), thresholds);
    (out, m.provenance, rules, m.d)
}

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

/// A duration literal or threshold name in seconds, with the given thresholds.
fn seconds_of(r: &DurationRef, thresholds: &BTreeMap<String, ThresholdValue>) -> Option<u64> {
    parse_duration(r.as_str()).or_else(|| match thresholds.get(r.as_str()) {
        Some(ThresholdValue::Duration(s)) => parse_duration(s),
        _ => None,
    })
}

/// Add a policy's own fork rules to those it inherited: more locks, tighter bounds.
fn tighten(
    rules: &mut Rules,
    fork: Option<&ForkRules>,
    thresholds: &BTreeMap<String, ThresholdValue>,
) {
    let Some(fr) = fork else { return };
    rules.locked.extend(fr.locked.iter().map(|p| part_name(*p)));
    if let Some(b) = &fr.bounds {
        let min = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let max = |x: &Option<Bound>| x.as_ref().and_then(|x| seconds_of(&x.max, thresholds));
        rules.hold_max = min(rules.hold_max, max(&b.hold));
        rules.limit_max = min(rules.limit_max, max(&b.limit));
    }
}

/// The rules a policy with no upstream sets for its forks.
pub fn root_rules(v: &Validated) -> Rules {
    let mut rules = Rules::default();
    if let Some(m) = &v.manifest {
        tighten(&mut rules, m.value.fork.as_ref(), &m.value.thresholds);
    }
    rules
}

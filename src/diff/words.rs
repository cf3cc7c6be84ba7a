//! What the human-readable reports say, decided once: every phrase of the text and Markdown
//! renderers comes from here, from the message catalogues in the reader's language. The
//! renderers only lay these phrases out (lines and indents, or tables).

use super::model::*;
use crate::bundle::Edge;
use crate::duration::format_duration;
use crate::i18n::{Arg, Lang, Msg};
use crate::msg;
use serde_json::Value;
use std::collections::BTreeSet;

/// Most ids or cells named on one summary line before "… and N more".
const MAX_LISTED: usize = 6;

/// A section of the detailed report.
#[derive(Clone, Copy)]
pub(super) enum Section {
    Cells,
    Thresholds,
    Flows,
    Cases,
    Items,
    Manifests,
}

/// How an id or a branch changed.
#[derive(Clone, Copy)]
pub(super) enum Edit {
    Added,
    Removed,
    Changed,
}

impl Edit {
    fn key(self) -> &'static str {
        match self {
            Edit::Added => "added",
            Edit::Removed => "removed",
            Edit::Changed => "changed",
        }
    }

    /// A branch with no old edge was added, one with no new edge removed.
    pub(super) fn of_branch(b: &BranchChange) -> Edit {
        match (&b.old, &b.new) {
            (None, _) => Edit::Added,
            (_, None) => Edit::Removed,
            _ => Edit::Changed,
        }
    }
}

/// The phrases of a report in one language.
#[derive(Clone, Copy)]
pub(super) struct Words {
    lang: Lang,
}

impl Words {
    pub(super) fn new(lang: Lang) -> Words {
        Words { lang }
    }

    fn say(&self, m: Msg) -> String {
        m.render(self.lang)
    }

    /// Items joined as the language lists them (`a, b` / `a、b`).
    pub(super) fn list<S: AsRef<str>>(&self, items: impl IntoIterator<Item = S>) -> String {
        self.say(msg!("plain", text = Arg::list(items)))
    }

    /// At most [`MAX_LISTED`] items, then `… and N more`.
    fn few(&self, items: &[String]) -> String {
        match items.get(..MAX_LISTED) {
            Some(first) if items.len() > MAX_LISTED => self.say(msg!(
                "diff-and-more",
                list = Arg::list(first),
                count = items.len() - MAX_LISTED
            )),
            _ => self.list(items),
        }
    }

    /// `mamoru diff: sample-support 2.0.0 → 2.1.0`.
    pub(super) fn title(&self, d: &Diff) -> String {
        let m = &d.manifest;
        let change = if m.policy.old == m.policy.new {
            format!("{} {} → {}", m.policy.new, m.version.old, m.version.new)
        } else {
            format!(
                "{} {} → {} {}",
                m.policy.old, m.version.old, m.policy.new, m.version.new
            )
        };
        self.say(msg!("diff-title", change = change))
    }

    /// `digest sha256:38dd7a4e8b1c… → sha256:dbfb0cb484ab…`.
    pub(super) fn digests(&self, d: &Diff) -> String {
        let short = |d: &str| match d.strip_prefix("sha256:").and_then(|h| h.get(..12)) {
            Some(hex) if d.len() > "sha256:".len() + 12 => format!("sha256:{hex}…"),
            _ => d.to_string(),
        };
        let digest = &d.manifest.digest;
        self.say(msg!(
            "diff-digest",
            old = short(&digest.old),
            new = short(&digest.new)
        ))
    }

    /// A note on what could not be compared.
    pub(super) fn note(&self, note: &Msg) -> String {
        self.say(note.clone())
    }

    pub(super) fn section(&self, s: Section) -> String {
        let key = match s {
            Section::Cells => "cells",
            Section::Thresholds => "thresholds",
            Section::Flows => "flows",
            Section::Cases => "cases",
            Section::Items => "items",
            Section::Manifests => "manifests",
        };
        self.say(msg!("diff-section", section = key))
    }

    /// A table column's heading: `cell`, `old`, `new`, `severity`, `threshold`, `case`,
    /// `change`, `where`, `kind`, `added`, `removed`, `changed`.
    pub(super) fn column(&self, key: &str) -> String {
        self.say(msg!("diff-column", column = key))
    }

    /// A row of the manifest table: `policy`, `version`, `revision`, `digest`.
    pub(super) fn manifest_field(&self, key: &str) -> String {
        self.say(msg!("diff-manifest-field", field = key))
    }

    /// A kind of item (`conduct_types` → `conduct types`).
    pub(super) fn kind(&self, kind: &str) -> String {
        self.say(msg!(
            "diff-kind",
            kind = kind,
            label = kind.replace('_', " ")
        ))
    }

    pub(super) fn severity(&self, s: Severity) -> String {
        let key = match s {
            Severity::More => "more",
            Severity::Less => "less",
            Severity::Unknown => "unknown",
        };
        self.say(msg!("diff-severity", severity = key))
    }

    /// `old`, `new`: whose outcome a line shows.
    pub(super) fn side(&self, old: bool) -> String {
        self.say(msg!("diff-side", side = if old { "old" } else { "new" }))
    }

    /// `old facts`, `new facts`: which bundle's contact was classified, unless both agree.
    pub(super) fn facts(&self, from: ContactFrom) -> Option<String> {
        let side = match from {
            ContactFrom::Both => return None,
            ContactFrom::Old => "old",
            ContactFrom::New => "new",
        };
        Some(self.say(msg!("diff-facts", side = side)))
    }

    /// `gray, flow phone, route listen → resolve`, `gray, no flow` or `error: …`.
    pub(super) fn outcome(&self, o: &Outcome) -> String {
        if let Some(e) = &o.error {
            return self.say(msg!("diff-outcome-error", error = e.clone()));
        }
        let verdict = o.verdict.clone().unwrap_or_default();
        self.say(match (&o.flow, o.route.is_empty()) {
            (None, _) => msg!("diff-outcome-no-flow", verdict = verdict),
            (Some(f), true) => msg!("diff-outcome-flow", verdict = verdict, flow = f),
            (Some(f), false) => msg!(
                "diff-outcome-route",
                verdict = verdict,
                flow = f,
                route = o.route.join(" → ")
            ),
        })
    }

    /// A branch: `when {verdict: [gray]} → sv-consult`, `otherwise → close`, or `-`.
    pub(super) fn edge(&self, e: &Option<Edge>) -> String {
        match e {
            None => "-".into(),
            Some(Edge { when: None, to }) => self.say(msg!("diff-edge-otherwise", to = to)),
            Some(Edge { when: Some(w), to }) => {
                let condition = compact(&serde_json::to_value(w).unwrap_or_default());
                self.say(msg!("diff-edge-when", condition = condition, to = to))
            }
        }
    }

    /// `added`, `removed`, `changed`.
    pub(super) fn edit(&self, e: Edit) -> String {
        self.say(msg!("diff-edit", edit = e.key()))
    }

    /// `reordered` (a line of the text report).
    pub(super) fn reordered(&self) -> String {
        self.say(msg!("diff-reordered"))
    }

    /// `order` (a cell of the Markdown item table).
    pub(super) fn order(&self) -> String {
        self.say(msg!("diff-order"))
    }

    /// `hold_seconds changed`.
    pub(super) fn field_changed(&self, field: &str) -> String {
        self.say(msg!("diff-field-changed", field = field))
    }

    /// `steps added: a, b`.
    pub(super) fn steps_listed(&self, e: Edit, ids: &[String]) -> String {
        self.say(msg!(
            "diff-steps-listed",
            edit = e.key(),
            ids = self.list(ids)
        ))
    }

    /// `step listen: hold_seconds 3m → 2m; …`.
    pub(super) fn step_fields(&self, s: &StepChange) -> String {
        let fields: Vec<String> = s.fields.iter().map(field_change).collect();
        self.say(msg!(
            "diff-step-fields",
            id = &s.id,
            fields = fields.join("; ")
        ))
    }

    /// `branch listen #8 changed: when … → a ⇒ when … → b`.
    pub(super) fn branch_line(&self, b: &BranchChange) -> String {
        self.say(msg!(
            "diff-branch-line",
            step = &b.step,
            position = b.position,
            edit = Edit::of_branch(b).key(),
            old = self.edge(&b.old),
            new = self.edge(&b.new)
        ))
    }

    /// `step added`, `step removed`.
    pub(super) fn step_edit(&self, e: Edit) -> String {
        self.say(msg!("diff-step-edit", edit = e.key()))
    }

    /// `branch added`, `branch removed`, `branch changed`.
    pub(super) fn branch_edit(&self, b: &BranchChange) -> String {
        self.say(msg!("diff-branch-edit", edit = Edit::of_branch(b).key()))
    }

    /// Where in a flow a change is: `flow`.
    pub(super) fn where_flow(&self) -> String {
        self.say(msg!("diff-where-flow"))
    }

    /// Where in a flow a change is: ``step `listen` ``.
    pub(super) fn where_step(&self, id: &str) -> String {
        self.say(msg!("diff-where-step", id = id))
    }

    /// Where in a flow a change is: ``step `listen`, branch 8``.
    pub(super) fn where_branch(&self, b: &BranchChange) -> String {
        self.say(msg!(
            "diff-where-branch",
            step = &b.step,
            position = b.position
        ))
    }

    /// `2 steps added, 1 branch changed, title changed`.
    pub(super) fn flow_parts(&self, f: &FlowChange) -> Vec<String> {
        let count = |b: fn(&BranchChange) -> bool| f.branches.iter().filter(|x| b(x)).count();
        let steps = [
            (f.steps_added.len(), Edit::Added),
            (f.steps_removed.len(), Edit::Removed),
            (f.steps_changed.len(), Edit::Changed),
        ];
        let branches = [
            (count(|x| x.old.is_none()), Edit::Added),
            (count(|x| x.new.is_none()), Edit::Removed),
            (count(|x| x.old.is_some() && x.new.is_some()), Edit::Changed),
        ];
        let mut p = Vec::new();
        for (n, e) in steps {
            if n > 0 {
                p.push(self.say(msg!("diff-steps", count = n, edit = e.key())));
            }
        }
        for (n, e) in branches {
            if n > 0 {
                p.push(self.say(msg!("diff-branches", count = n, edit = e.key())));
            }
        }
        p.extend(f.fields.iter().map(|x| self.field_changed(&x.field)));
        p
    }

    /// Plain-language lines, most important first; `no semantic change` when empty.
    pub(super) fn summary(&self, d: &Diff) -> Vec<String> {
        if d.is_empty() {
            return vec![self.say(msg!("diff-no-change"))];
        }
        let mut out = self.more_severe(d);
        out.extend(self.other_cells(d));
        out.extend(self.reorders(d));
        if !d.cases.is_empty() {
            let each: Vec<String> = d.cases.iter().map(|c| self.case_short(c)).collect();
            out.push(self.say(msg!(
                "diff-cases-changed",
                count = d.cases.len(),
                cases = self.few(&each)
            )));
        }
        out.extend(d.thresholds.iter().map(|t| self.threshold(t)));
        for f in &d.flows {
            out.push(self.say(msg!(
                "diff-flow-changed",
                id = &f.id,
                parts = self.list(self.flow_parts(f))
            )));
        }
        out.extend(d.items.iter().filter_map(|k| self.kind_line(k)));
        out.extend(self.manifest_lines(d));
        if d.rules_unchanged() {
            out.push(self.say(msg!("diff-no-rule-change")));
        }
        out
    }

    /// Cells that became more severe, grouped by their new verdict, most severe first.
    fn more_severe(&self, d: &Diff) -> Vec<String> {
        let mut out = Vec::new();
        for v in d.verdicts_by_severity() {
            let moved: Vec<&CellChange> = d
                .cells
                .iter()
                .filter(|c| c.severity == Severity::More && c.new == v)
                .collect();
            let Some(first) = moved.first() else {
                continue;
            };
            let olds: BTreeSet<&str> = moved.iter().map(|c| c.old.as_str()).collect();
            out.push(self.say(if olds.len() == 1 {
                let names: Vec<String> = moved.iter().map(|c| c.cell.clone()).collect();
                msg!(
                    "diff-cells-more",
                    count = moved.len(),
                    verdict = &v,
                    cells = self.few(&names),
                    old = &first.old
                )
            } else {
                let each: Vec<String> = moved
                    .iter()
                    .map(|c| self.say(msg!("diff-cell-was", cell = &c.cell, old = &c.old)))
                    .collect();
                msg!(
                    "diff-cells-more-mixed",
                    count = moved.len(),
                    verdict = &v,
                    cells = self.few(&each)
                )
            }));
        }
        out
    }

    /// Cells less severe now, then cells whose old verdict the new bundle lacks.
    fn other_cells(&self, d: &Diff) -> Vec<String> {
        let mut out = Vec::new();
        for severity in [Severity::Less, Severity::Unknown] {
            let each: Vec<String> = d
                .cells
                .iter()
                .filter(|c| c.severity == severity)
                .map(|c| {
                    self.say(msg!(
                        "diff-cell-moved",
                        cell = &c.cell,
                        old = &c.old,
                        new = &c.new
                    ))
                })
                .collect();
            let (count, cells) = (each.len(), self.few(&each));
            out.extend((count > 0).then(|| {
                self.say(match severity {
                    Severity::Less => msg!("diff-cells-less", count = count, cells = cells),
                    _ => msg!("diff-cells-unknown", count = count, cells = cells),
                })
            }));
        }
        out
    }

    /// Kinds whose order changed: verdicts (severity) and levels (rank).
    fn reorders(&self, d: &Diff) -> Vec<String> {
        d.items
            .iter()
            .filter(|k| k.reordered)
            .map(|k| {
                self.say(if k.kind == "verdicts" {
                    msg!("diff-verdicts-reordered", order = d.severity.join(" < "))
                } else {
                    msg!("diff-levels-reordered", kind = self.kind(&k.kind))
                })
            })
            .collect()
    }

    /// `g02 (gray → harassment, old facts)`, `c07 (route changed)`.
    fn case_short(&self, c: &CaseChange) -> String {
        let (o, n) = (&c.old, &c.new);
        let verdict = |x: &Outcome| match (&x.error, &x.verdict) {
            (Some(_), _) => self.say(msg!("diff-error")),
            (None, Some(v)) => v.clone(),
            (None, None) => "-".into(),
        };
        let flow = |f: &Option<String>| f.clone().unwrap_or_else(|| self.say(msg!("diff-no-flow")));
        let what = if o.error.is_some() || n.error.is_some() || o.verdict != n.verdict {
            msg!("diff-verdict-moved", old = verdict(o), new = verdict(n))
        } else if o.flow != n.flow {
            msg!("diff-flow-moved", old = flow(&o.flow), new = flow(&n.flow))
        } else {
            msg!("diff-route-changed")
        };
        self.say(match self.facts(c.contact_from) {
            None => msg!("diff-case", id = &c.id, what = what),
            Some(facts) => msg!("diff-case-facts", id = &c.id, what = what, facts = facts),
        })
    }

    fn threshold(&self, t: &ThresholdChange) -> String {
        self.say(match (t.old, t.new) {
            (Some(o), Some(n)) => msg!(
                "diff-threshold-changed",
                name = &t.name,
                old = o.to_string(),
                new = n.to_string()
            ),
            (None, Some(n)) => msg!("diff-threshold-added", name = &t.name, new = n.to_string()),
            (Some(o), None) => msg!(
                "diff-threshold-removed",
                name = &t.name,
                old = o.to_string()
            ),
            (None, None) => msg!("diff-threshold-touched", name = &t.name),
        })
    }

    /// `cases: 1 added (a), 2 changed (b, c)`; changed flows are left to the flow section and
    /// a new order to [`Words::reorders`].
    fn kind_line(&self, k: &KindDiff) -> Option<String> {
        let changed: Vec<String> = k.changed_outside_flows().map(|c| c.id.clone()).collect();
        let parts: Vec<String> = [
            (Edit::Added, &k.added),
            (Edit::Removed, &k.removed),
            (Edit::Changed, &changed),
        ]
        .into_iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(e, ids)| {
            self.say(msg!(
                "diff-ids",
                count = ids.len(),
                edit = e.key(),
                ids = self.few(ids)
            ))
        })
        .collect();
        (!parts.is_empty()).then(|| {
            self.say(msg!(
                "diff-kind-changed",
                kind = self.kind(&k.kind),
                parts = self.list(parts)
            ))
        })
    }

    /// Manifest fields that differ: the policy id, the version, any other by name.
    fn manifest_lines(&self, d: &Diff) -> Vec<String> {
        let m = &d.manifest;
        m.changed
            .iter()
            .map(|f| {
                self.say(match f.as_str() {
                    "policy" => msg!(
                        "diff-policy-changed",
                        old = &m.policy.old,
                        new = &m.policy.new
                    ),
                    "version" => msg!(
                        "diff-version-changed",
                        old = &m.version.old,
                        new = &m.version.new
                    ),
                    other => msg!("diff-manifest-changed", field = other),
                })
            })
            .collect()
    }
}

/// A threshold's value, or `-`.
pub(super) fn quantity(q: Option<Quantity>) -> String {
    q.map_or_else(|| "-".into(), |q| q.to_string())
}

/// A value of a flow or step field, compactly; durations as `3m`.
pub(super) fn field_value(field: &str, v: &Value) -> String {
    match (field.ends_with("_seconds"), v.as_u64()) {
        (true, Some(s)) => format_duration(s),
        _ => compact(v),
    }
}

/// `hold_seconds 3m → 2m`.
pub(super) fn field_change(c: &FieldChange) -> String {
    format!(
        "{} {} → {}",
        c.field,
        field_value(&c.field, &c.old),
        field_value(&c.field, &c.new)
    )
}

/// A condition or any bundle value, compactly: `{verdict: [gray], not: {tags: [legal]}}`.
fn compact(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(compact).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| match (k.as_str(), v.as_u64()) {
                    ("seconds_at_least", Some(s)) =>
                        format!("minutes_at_least: {}", format_duration(s)),
                    _ => format!("{k}: {}", compact(v)),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

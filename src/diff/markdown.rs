//! The report for a pull-request comment: the summary as a list, then a table per kind of
//! change and the manifests folded away. Words come from [`Words`]; this module only lays them
//! out.

use super::model::*;
use super::words::{Edit, Section, Words, field_value, quantity};
use crate::i18n::Lang;
use std::fmt::Write as _;

/// The diff as GitHub-flavoured Markdown, in a language.
pub(super) fn render(d: &Diff, lang: Lang) -> String {
    let w = Words::new(lang);
    let mut s = String::new();
    let _ = writeln!(s, "### {}\n", escape(&w.title(d)));
    for line in w.summary(d) {
        let _ = writeln!(s, "- {}", escape(&line));
    }
    for n in &d.notes {
        let _ = writeln!(s, "- ⚠️ {}", escape(&w.note(n)));
    }
    cells(&mut s, w, &d.cells);
    thresholds(&mut s, w, &d.thresholds);
    cases(&mut s, w, &d.cases);
    flows(&mut s, w, &d.flows);
    items(&mut s, w, &d.items);
    manifests(&mut s, w, &d.manifest);
    s
}

/// A table cell's text on one line, its `|` escaped.
fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn code(id: &str) -> String {
    format!("`{id}`")
}

fn heading(s: &mut String, w: Words, section: Section) {
    let _ = writeln!(s, "\n#### {}", w.section(section));
}

/// A table's head: the columns' headings by key.
fn head(s: &mut String, w: Words, columns: &[&str]) {
    let names: Vec<String> = columns.iter().map(|c| w.column(c)).collect();
    let _ = writeln!(s, "\n| {} |", names.join(" | "));
    let _ = writeln!(s, "|{}", " --- |".repeat(columns.len()));
}

fn row(s: &mut String, cells: &[String]) {
    let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
    let _ = writeln!(s, "| {} |", cells.join(" | "));
}

fn cells(s: &mut String, w: Words, cells: &[CellChange]) {
    if cells.is_empty() {
        return;
    }
    heading(s, w, Section::Cells);
    head(s, w, &["cell", "old", "new", "severity"]);
    for c in cells {
        let cell = [
            code(&c.cell),
            c.old.clone(),
            c.new.clone(),
            w.severity(c.severity),
        ];
        row(s, &cell);
    }
}

fn thresholds(s: &mut String, w: Words, thresholds: &[ThresholdChange]) {
    if thresholds.is_empty() {
        return;
    }
    heading(s, w, Section::Thresholds);
    head(s, w, &["threshold", "old", "new"]);
    for t in thresholds {
        row(s, &[code(&t.name), quantity(t.old), quantity(t.new)]);
    }
}

fn cases(s: &mut String, w: Words, cases: &[CaseChange]) {
    if cases.is_empty() {
        return;
    }
    heading(s, w, Section::Cases);
    head(s, w, &["case", "old", "new"]);
    for c in cases {
        let from = w
            .facts(c.contact_from)
            .map_or_else(String::new, |f| format!(" ({f})"));
        let case = format!("{} {}{from}", code(&c.id), c.title);
        row(s, &[case, w.outcome(&c.old), w.outcome(&c.new)]);
    }
}

fn flows(s: &mut String, w: Words, flows: &[FlowChange]) {
    if flows.is_empty() {
        return;
    }
    heading(s, w, Section::Flows);
    for f in flows {
        let parts = w.list(w.flow_parts(f));
        let _ = writeln!(s, "\n**{}**: {}", code(&f.id), escape(&parts));
        head(s, w, &["change", "where", "old", "new"]);
        let field = |x: &FieldChange, place: String| {
            [
                w.field_changed(&x.field),
                place,
                field_value(&x.field, &x.old),
                field_value(&x.field, &x.new),
            ]
        };
        for x in &f.fields {
            row(s, &field(x, w.where_flow()));
        }
        for (edit, ids) in [
            (Edit::Added, &f.steps_added),
            (Edit::Removed, &f.steps_removed),
        ] {
            for id in ids {
                row(
                    s,
                    &[w.step_edit(edit), code(id), String::new(), String::new()],
                );
            }
        }
        for c in &f.steps_changed {
            for x in &c.fields {
                row(s, &field(x, w.where_step(&c.id)));
            }
        }
        for b in &f.branches {
            let branch = [
                w.branch_edit(b),
                w.where_branch(b),
                w.edge(&b.old),
                w.edge(&b.new),
            ];
            row(s, &branch);
        }
    }
}

fn items(s: &mut String, w: Words, items: &[KindDiff]) {
    if !items.iter().any(KindDiff::has_details) {
        return;
    }
    heading(s, w, Section::Items);
    head(s, w, &["kind", "added", "removed", "changed"]);
    let ids = |v: &[String]| w.list(v.iter().map(|x| code(x)));
    for k in items.iter().filter(|k| k.has_details()) {
        let mut changed: Vec<String> = k
            .changed_outside_flows()
            .map(|c| format!("{} ({})", code(&c.id), w.list(&c.fields)))
            .collect();
        if k.reordered {
            changed.push(w.order());
        }
        let kind = [
            w.kind(&k.kind),
            ids(&k.added),
            ids(&k.removed),
            w.list(changed),
        ];
        row(s, &kind);
    }
}

fn manifests(s: &mut String, w: Words, m: &Manifests) {
    let _ = writeln!(
        s,
        "\n<details><summary>{}</summary>",
        w.section(Section::Manifests)
    );
    let _ = writeln!(s, "\n|  | {} | {} |", w.column("old"), w.column("new"));
    let _ = writeln!(s, "|{}", " --- |".repeat(3));
    let revision = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    for (field, old, new) in [
        ("policy", m.policy.old.clone(), m.policy.new.clone()),
        ("version", m.version.old.clone(), m.version.new.clone()),
        (
            "revision",
            revision(&m.revision.old),
            revision(&m.revision.new),
        ),
        ("digest", code(&m.digest.old), code(&m.digest.new)),
    ] {
        row(s, &[w.manifest_field(field), old, new]);
    }
    s.push_str("\n</details>\n");
}

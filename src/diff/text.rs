//! The report for terminals: the title and digests, the summary, then one indented section per
//! kind of change. Words come from [`Words`]; this module only lays them out.

use super::model::*;
use super::words::{Edit, Section, Words, field_change, quantity};
use crate::i18n::Lang;
use std::fmt::Write as _;

/// The diff for a terminal, in a language: the summary first, then the details.
pub(super) fn render(d: &Diff, lang: Lang) -> String {
    let w = Words::new(lang);
    let mut s = String::new();
    let _ = writeln!(s, "{}", w.title(d));
    let _ = writeln!(s, "{}", w.digests(d));
    s.push('\n');
    for line in w.summary(d) {
        let _ = writeln!(s, "  - {line}");
    }
    for n in &d.notes {
        let _ = writeln!(s, "  ! {}", w.note(n));
    }
    cells(&mut s, w, &d.cells);
    thresholds(&mut s, w, &d.thresholds);
    flows(&mut s, w, &d.flows);
    cases(&mut s, w, &d.cases);
    items(&mut s, w, &d.items);
    s
}

fn heading(s: &mut String, w: Words, section: Section) {
    let _ = writeln!(s, "\n{}:", w.section(section));
}

fn cells(s: &mut String, w: Words, cells: &[CellChange]) {
    if cells.is_empty() {
        return;
    }
    heading(s, w, Section::Cells);
    let width = cells.iter().map(|c| c.cell.chars().count()).max();
    for c in cells {
        let _ = writeln!(
            s,
            "  {:width$}  {} → {}  ({})",
            c.cell,
            c.old,
            c.new,
            w.severity(c.severity),
            width = width.unwrap_or(0)
        );
    }
}

fn thresholds(s: &mut String, w: Words, thresholds: &[ThresholdChange]) {
    if thresholds.is_empty() {
        return;
    }
    heading(s, w, Section::Thresholds);
    let width = thresholds.iter().map(|t| t.name.len()).max();
    for t in thresholds {
        let _ = writeln!(
            s,
            "  {:width$}  {} → {}",
            t.name,
            quantity(t.old),
            quantity(t.new),
            width = width.unwrap_or(0)
        );
    }
}

fn flows(s: &mut String, w: Words, flows: &[FlowChange]) {
    if flows.is_empty() {
        return;
    }
    heading(s, w, Section::Flows);
    for f in flows {
        let _ = writeln!(s, "  {}", f.id);
        for c in &f.fields {
            let _ = writeln!(s, "    {}", field_change(c));
        }
        for (edit, ids) in [
            (Edit::Added, &f.steps_added),
            (Edit::Removed, &f.steps_removed),
        ] {
            if !ids.is_empty() {
                let _ = writeln!(s, "    {}", w.steps_listed(edit, ids));
            }
        }
        for c in &f.steps_changed {
            let _ = writeln!(s, "    {}", w.step_fields(c));
        }
        for b in &f.branches {
            let _ = writeln!(s, "    {}", w.branch_line(b));
        }
    }
}

fn cases(s: &mut String, w: Words, cases: &[CaseChange]) {
    if cases.is_empty() {
        return;
    }
    heading(s, w, Section::Cases);
    for c in cases {
        let from = w
            .facts(c.contact_from)
            .map_or_else(String::new, |f| format!(" [{f}]"));
        let _ = writeln!(s, "  {} {}{from}", c.id, c.title);
        for (old, o) in [(true, &c.old), (false, &c.new)] {
            let _ = writeln!(s, "    {}: {}", w.side(old), w.outcome(o));
        }
    }
}

fn items(s: &mut String, w: Words, items: &[KindDiff]) {
    if !items.iter().any(KindDiff::has_details) {
        return;
    }
    heading(s, w, Section::Items);
    for k in items.iter().filter(|k| k.has_details()) {
        let _ = writeln!(s, "  {}", w.kind(&k.kind));
        for (edit, ids) in [(Edit::Added, &k.added), (Edit::Removed, &k.removed)] {
            if !ids.is_empty() {
                let _ = writeln!(s, "    {}: {}", w.edit(edit), w.list(ids));
            }
        }
        for c in k.changed_outside_flows() {
            let _ = writeln!(
                s,
                "    {}: {} ({})",
                w.edit(Edit::Changed),
                c.id,
                w.list(&c.fields)
            );
        }
        if k.reordered {
            let _ = writeln!(s, "    {}", w.reordered());
        }
    }
}

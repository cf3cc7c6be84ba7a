//! `review.md`: the review for the minutes of the meeting or a pull request (Japanese, the
//! manual's language), with links into the manual.
//!
//! Architecture invariant: lays out a [`Shown`] as Markdown, section by section; decides no
//! label, no figure and no link of its own.

use super::shown::{Shown, ShownFigures};
use std::fmt::Write;

/// Escape a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The whole document.
pub(crate) fn render(r: &Shown) -> String {
    let mut s = String::new();
    summary(&mut s, r);
    vendors(&mut s, r);
    trend(&mut s, r);
    confusion(&mut s, r);
    cells(&mut s, r);
    disagreements(&mut s, r);
    rejected(&mut s, r);
    s
}

/// The title, the policy and period, the overall figures in a sentence.
fn summary(s: &mut String, r: &Shown) {
    let _ = writeln!(s, "# {}\n", r.title);
    let period = match (&r.from, &r.to) {
        (Some(a), Some(z)) => format!(
            "・期間 {a} 〜 {z}（{}）",
            r.timezone.as_deref().unwrap_or("")
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        s,
        "方針 `{}` 版 {}（`{}`）{period}\n",
        r.policy, r.version, r.digest
    );
    let o = &r.overall;
    let _ = writeln!(
        s,
        "読み込んだ {} 行 = レビューした {} 行 + 除外した {} 行。一致率 {}、κ係数 {}（95%信頼区間 {} 〜 {}）、重み付きκ {}。\n",
        r.read, r.reviewed, r.rejected_count, o.agreement, o.kappa, o.low, o.high, o.weighted
    );
}

/// The figures of one row of the vendors' table: count, agreement, kappa, interval, weighted.
fn figure_cells(f: &ShownFigures) -> String {
    format!(
        "{} | {} | {} | {} 〜 {} | {}",
        f.n, f.agreement, f.kappa, f.low, f.high, f.weighted
    )
}

/// Agreement and deviations per vendor, overall first.
fn vendors(s: &mut String, r: &Shown) {
    let _ = writeln!(s, "## 委託先ごとの一致\n");
    let _ = writeln!(
        s,
        "| 委託先 | 件数 | 一致率 | κ係数 | 95%信頼区間 | 重み付きκ | 保留超過 | 必要な役割への未到達 |\n|---|---:|---:|---:|---|---:|---:|---:|"
    );
    let _ = writeln!(s, "| 全体 | {} | | |", figure_cells(&r.overall));
    for x in &r.vendors {
        let _ = writeln!(
            s,
            "| {} | {} | {} / {} | {} / {} |",
            cell(&x.name),
            figure_cells(&x.figures),
            x.hold_over,
            x.hold_rows,
            x.missed_roles,
            x.reached_rows
        );
    }
    let _ = writeln!(s, "\n保留超過・未到達は「該当行数 / 記録のある行数」。\n");
}

/// Each vendor's change and kappa by week, with `--history`.
fn trend(s: &mut String, r: &Shown) {
    let Some(t) = &r.trend else {
        return;
    };
    let _ = writeln!(s, "## 推移\n");
    for x in &t.vendors {
        let _ = writeln!(s, "- {}: {}（{}）", x.name, x.change, x.points.join("、"));
    }
    s.push('\n');
}

/// The overall confusion matrix.
fn confusion(s: &mut String, r: &Shown) {
    let _ = writeln!(s, "## 判定の突き合わせ（行: 現場、列: 基準）\n");
    let _ = writeln!(
        s,
        "| 現場＼基準 | {} |\n|---|{}",
        r.verdicts.join(" | "),
        "---:|".repeat(r.verdicts.len())
    );
    for row in &r.overall.confusion {
        let counts: Vec<String> = row.counts.iter().map(|c| c.n.to_string()).collect();
        let _ = writeln!(s, "| {} | {} |", row.label, counts.join(" | "));
    }
}

/// Agreement in each cell with rows.
fn cells(s: &mut String, r: &Shown) {
    let _ = writeln!(s, "\n## マスごとの一致率\n");
    let _ = writeln!(s, "| マス | 件数 | 一致率 |\n|---|---:|---:|");
    for c in &r.cells {
        let _ = writeln!(s, "| {} | {} | {} |", c.cell, c.n, c.agreement);
    }
}

/// The listed disagreements, the policy's verdict linked to the manual.
fn disagreements(s: &mut String, r: &Shown) {
    let _ = writeln!(s, "\n## 不一致の一覧\n");
    if r.groups.is_empty() {
        let _ = writeln!(s, "不一致はありません。");
        return;
    }
    let _ = writeln!(
        s,
        "| マス | 応対 | 委託先 | 現場 | 基準 | 理由 |\n|---|---|---|---|---|---|"
    );
    for g in &r.groups {
        for d in &g.rows {
            let policy = match &d.manual {
                Some(url) => format!("[{}]({})", cell(&d.policy), url),
                None => cell(&d.policy),
            };
            let reasons: Vec<&str> = d.reasons.iter().map(|x| x.text.as_str()).collect();
            let _ = writeln!(
                s,
                "| {} | `{}` | {} | {} | {} | {} |",
                g.cell,
                cell(&d.id),
                cell(&d.vendor),
                cell(&d.field),
                policy,
                cell(&reasons.join("。"))
            );
        }
    }
    if r.unlisted > 0 {
        let _ = writeln!(
            s,
            "\nほかに {} 件の不一致があります（`--max-listed` を超えた分）。",
            r.unlisted
        );
    }
}

/// The first rejected rows and why.
fn rejected(s: &mut String, r: &Shown) {
    if r.rejected_count == 0 {
        return;
    }
    let _ = writeln!(s, "\n## 除外した行（{} 行）\n", r.rejected_count);
    for x in &r.rejected {
        let _ = writeln!(s, "- `{}:{}` {}", x.file, x.line, x.reason);
    }
    if r.more_rejected {
        let _ = writeln!(s, "- …（すべて review.json にあります）");
    }
}

//! `review.md`: the review for the minutes of the meeting or a pull request (Japanese, the
//! manual's language), with links into the manual.
//!
//! Architecture invariant: renders a [`super::report::Review`]; computes no figure.

use super::html::{View, link, num, pct, reason_ja, vendor_name, verdict_label};
use std::fmt::Write;

/// Escape a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render(v: &View) -> String {
    let r = v.review;
    let b = v.bundle;
    let mut s = String::new();
    let title = match &r.period.week {
        Some(w) => format!("{} {w}", super::messages::ja::TITLE),
        None => super::messages::ja::TITLE.to_string(),
    };
    let _ = writeln!(s, "# {title}\n");
    let _ = writeln!(
        s,
        "方針 `{}` 版 {}（`{}`）{}\n",
        r.policy.id,
        r.policy.version,
        r.policy.digest,
        match (&r.period.from, &r.period.to) {
            (Some(a), Some(z)) => format!(
                "・期間 {a} 〜 {z}（{}）",
                r.period.timezone.as_deref().unwrap_or("")
            ),
            _ => String::new(),
        }
    );
    let _ = writeln!(
        s,
        "読み込んだ {} 行 = レビューした {} 行 + 除外した {} 行。一致率 {}、κ係数 {}（95%信頼区間 {} 〜 {}）、重み付きκ {}。\n",
        r.read,
        r.reviewed,
        r.rejected.len(),
        pct(r.overall.agreement),
        num(r.overall.kappa),
        num(r.overall.kappa_low),
        num(r.overall.kappa_high),
        num(r.overall.weighted_kappa)
    );
    let _ = writeln!(s, "## 委託先ごとの一致\n");
    let _ = writeln!(
        s,
        "| 委託先 | 件数 | 一致率 | κ係数 | 95%信頼区間 | 重み付きκ | 保留超過 | 必要な役割への未到達 |\n|---|---:|---:|---:|---|---:|---:|---:|"
    );
    let opt = |x: Option<u64>| x.map_or_else(|| "—".to_string(), |n| n.to_string());
    let _ = writeln!(
        s,
        "| 全体 | {} | {} | {} | {} 〜 {} | {} | | |",
        r.overall.n,
        pct(r.overall.agreement),
        num(r.overall.kappa),
        num(r.overall.kappa_low),
        num(r.overall.kappa_high),
        num(r.overall.weighted_kappa)
    );
    for x in &r.vendors {
        let f = &x.figures;
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} 〜 {} | {} | {} / {} | {} / {} |",
            cell(&x.name),
            f.n,
            pct(f.agreement),
            num(f.kappa),
            num(f.kappa_low),
            num(f.kappa_high),
            num(f.weighted_kappa),
            opt(x.hold_over),
            x.hold_rows,
            opt(x.missed_roles),
            x.reached_rows
        );
    }
    let _ = writeln!(s, "\n保留超過・未到達は「該当行数 / 記録のある行数」。\n");
    if let Some(t) = &r.trend {
        let _ = writeln!(s, "## 推移\n");
        for x in t {
            let points: Vec<String> = x
                .weeks
                .iter()
                .map(|p| format!("{} {}", p.week, num(p.kappa)))
                .collect();
            let change = match x.change.as_deref() {
                Some("improved") => super::messages::ja::IMPROVED,
                Some("slipped") => super::messages::ja::SLIPPED,
                Some("steady") => super::messages::ja::STEADY,
                _ => "比較できません",
            };
            let _ = writeln!(
                s,
                "- {}: {}（{}）",
                vendor_name(b, &x.vendor),
                change,
                points.join("、")
            );
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## 判定の突き合わせ（行: 現場、列: 基準）\n");
    let labels: Vec<&str> = b.verdicts.iter().map(|x| x.label.as_str()).collect();
    let _ = writeln!(
        s,
        "| 現場＼基準 | {} |\n|---|{}",
        labels.join(" | "),
        "---:|".repeat(labels.len())
    );
    for f in &b.verdicts {
        let counts: Vec<String> = b
            .verdicts
            .iter()
            .map(|p| {
                r.overall
                    .confusion
                    .get(&f.id)
                    .and_then(|m| m.get(&p.id))
                    .copied()
                    .unwrap_or(0)
                    .to_string()
            })
            .collect();
        let _ = writeln!(s, "| {} | {} |", f.label, counts.join(" | "));
    }
    let _ = writeln!(s, "\n## マスごとの一致率\n");
    let _ = writeln!(s, "| マス | 件数 | 一致率 |\n|---|---:|---:|");
    for c in r.cells.iter().filter(|c| c.n > 0) {
        let _ = writeln!(s, "| {} | {} | {} |", c.cell, c.n, pct(c.agreement));
    }
    let _ = writeln!(s, "\n## 不一致の一覧\n");
    if r.disagreements.is_empty() {
        let _ = writeln!(s, "不一致はありません。");
    } else {
        let _ = writeln!(
            s,
            "| マス | 応対 | 委託先 | 現場 | 基準 | 理由 |\n|---|---|---|---|---|---|"
        );
        for d in &r.disagreements {
            let policy = verdict_label(b, &d.policy);
            let policy = match link(v, &d.manual) {
                Some(url) => format!("[{}]({})", cell(policy), url),
                None => cell(policy),
            };
            let reasons: Vec<String> = d.reasons.iter().map(|x| reason_ja(b, x).0).collect();
            let _ = writeln!(
                s,
                "| {} | `{}` | {} | {} | {} | {} |",
                d.cell,
                cell(&d.id),
                cell(vendor_name(b, &d.vendor)),
                cell(verdict_label(b, &d.field)),
                policy,
                cell(&reasons.join("。"))
            );
        }
        if r.unlisted > 0 {
            let _ = writeln!(
                s,
                "\nほかに {} 件の不一致があります（`--max-listed` を超えた分）。",
                r.unlisted
            );
        }
    }
    if !r.rejected.is_empty() {
        let _ = writeln!(s, "\n## 除外した行（{} 行）\n", r.rejected.len());
        for (x, ja) in r.rejected.iter().zip(v.rejected_ja).take(v.max_listed) {
            let _ = writeln!(s, "- `{}:{}` {}", x.file, x.line, ja);
        }
        if r.rejected.len() > v.max_listed.min(v.rejected_ja.len()) {
            let _ = writeln!(s, "- …（すべて review.json にあります）");
        }
    }
    s
}

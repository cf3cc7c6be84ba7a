//! Lints (warnings) and text checks: threshold placeholders, personal data, spelling variants of
//! defined terms, unused terms, vague wording in obligations, and what no case covers.

use super::cases::CaseRun;
use crate::diag::{Code, Diagnostic, Origin, did_you_mean};
use crate::policy::{Policy, Text};
use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// `{{name}}`: a threshold's value in text.
pub static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([^{}\s]*)\s*\}\}").expect("regex"));

/// Every prose text of the policy, with whether it states an obligation (flow steps, aftercare).
pub fn texts(p: &Policy) -> Vec<(&Text, bool)> {
    let mut out: Vec<(&Text, bool)> = Vec::new();
    if let Some(s) = &p.stance {
        out.push((&s.body, false));
        out.extend(s.principles.iter().map(|t| (t, false)));
        if let Some(pb) = &s.public {
            out.push((&pb.text, false));
            out.extend(pb.closing.iter().map(|t| (t, false)));
        }
    }
    out.extend(p.manifest.slogan.iter().map(|t| (t, false)));
    for l in p.conduct.levels.iter().chain(&p.demand.levels) {
        out.extend(l.describe.iter().map(|t| (t, false)));
    }
    for v in &p.verdicts {
        out.extend(v.describe.iter().map(|t| (t, false)));
    }
    for t in p.conduct_types.iter().chain(&p.demand_types) {
        out.extend(t.describe.iter().map(|t| (t, false)));
    }
    for c in &p.caps {
        out.extend(c.describe.iter().map(|t| (t, false)));
    }
    for f in p.compliance.iter().flat_map(|c| &c.frameworks) {
        out.extend(f.describe.iter().map(|t| (t, false)));
        for m in &f.measures {
            out.extend(m.describe.iter().map(|t| (t, false)));
        }
    }
    for r in &p.roles {
        out.extend(r.describe.iter().map(|t| (t, false)));
    }
    out.extend(p.scripts.iter().map(|s| (&s.text, false)));
    for f in &p.flows {
        out.extend(f.describe.iter().map(|t| (t, false)));
        for s in &f.steps {
            out.extend(s.action.iter().map(|t| (t, true)));
        }
    }
    out.extend(p.aftercare.iter().map(|a| (&a.action, true)));
    out.extend(p.definitions.iter().map(|d| (&d.body, false)));
    out.extend(p.cases.iter().map(|c| (&c.body, false)));
    out.extend(p.pages.iter().map(|c| (&c.body, false)));
    out
}

pub fn placeholders(p: &Policy, d: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = p.thresholds.iter().map(|t| t.name.as_str()).collect();
    // Prose, and the short strings that are shown in the manual too.
    let mut all: Vec<(&str, Origin)> = texts(p)
        .into_iter()
        .map(|(t, _)| (t.src.as_str(), t.origin.clone()))
        .collect();
    for i in &p.invariants {
        all.push((&i.text, i.origin.child("text")));
    }
    for f in &p.flows {
        all.push((&f.title, f.origin.child("title")));
        for s in &f.steps {
            all.push((&s.title, s.origin.child("title")));
            all.extend(s.end.as_deref().map(|e| (e, s.origin.child("end"))));
        }
    }
    for a in &p.aftercare {
        all.push((&a.title, a.origin.child("title")));
    }
    for c in &p.cases {
        all.push((&c.title, c.origin.child("title")));
    }
    for x in &p.definitions {
        all.extend(x.summary.as_deref().map(|s| (s, x.origin.child("summary"))));
    }
    for (src, origin) in all {
        let t = Text {
            src: src.to_string(),
            origin,
        };
        for m in PLACEHOLDER.captures_iter(&t.src) {
            let name = m.get(1).expect("group").as_str();
            if !names.contains(&name) {
                let at = m.get(0).expect("match").start();
                d.push(
                    Diagnostic::new(
                        Code::UnknownReference,
                        format!("unknown threshold `{{{{{name}}}}}` in text"),
                    )
                    .at(t.origin.offset(at))
                    .hint(
                        did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
                            format!(
                                "`{{{{name}}}}` shows a threshold of policy.yaml; known: {}",
                                names.join(", ")
                            )
                        }),
                    ),
                );
            }
        }
    }
}

static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+81[-\s]?|0)\d{1,4}[-‐－ー(（)）\s]?\d{1,4}[-‐－ー)）\s]?\d{3,4}")
        .expect("regex")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}").expect("regex")
});
static POSTAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:〒\s*)?\d{3}[-－]\d{4}").expect("regex"));
static FULL_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\p{Han}{1,3}[ 　]\p{Han}{1,3}(?:様|さん|氏|くん|ちゃん)").expect("regex")
});

/// Personal data in a text: (byte offset, what it looks like).
pub fn personal_data(text: &str) -> Vec<(usize, usize, &'static str)> {
    let mut out = Vec::new();
    let digit_boundary = |s: usize, e: usize| {
        let before = text[..s].chars().next_back();
        let after = text[e..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '-')
            && !after.is_some_and(|c| c.is_ascii_digit() || c == '-')
    };
    for m in PHONE.find_iter(text) {
        let digits = m.as_str().chars().filter(char::is_ascii_digit).count()
            + m.as_str()
                .chars()
                .filter(|c| ('０'..='９').contains(c))
                .count();
        if (10..=13).contains(&digits) && digit_boundary(m.start(), m.end()) {
            out.push((m.start(), m.end(), "a phone number"));
        }
    }
    for m in EMAIL.find_iter(text) {
        out.push((m.start(), m.end(), "an e-mail address"));
    }
    for m in POSTAL.find_iter(text) {
        if (m.as_str().starts_with('〒') || digit_boundary(m.start(), m.end()))
            && !out
                .iter()
                .any(|(s, e, _)| *s <= m.start() && m.start() < *e)
        {
            out.push((m.start(), m.end(), "a postal code"));
        }
    }
    for m in FULL_NAME.find_iter(text) {
        out.push((m.start(), m.end(), "a person's full name"));
    }
    out.sort();
    out
}

pub fn personal(p: &Policy, d: &mut Vec<Diagnostic>) {
    let texts: Vec<&Text> = p
        .cases
        .iter()
        .map(|c| &c.body)
        .chain(p.scripts.iter().map(|s| &s.text))
        .collect();
    let found: Vec<_> = texts.par_iter().map(|t| personal_data(&t.src)).collect();
    for (t, found) in texts.into_iter().zip(found) {
        for (at, end, what) in found {
            let snippet = &t.src[at..end];
            d.push(
                Diagnostic::new(
                    Code::PersonalData,
                    format!("this looks like {what} (`{}`): case studies and scripts must not hold personal data", snippet.trim()),
                )
                .at(t.origin.offset(at))
                .hint("replace it with a placeholder such as 顧客A, 0X0-XXXX-XXXX or ○○"),
            );
        }
    }
}

/// Characters ignored when comparing spellings: middle dots, spaces, hyphens, long vowel marks.
fn ignorable(c: char) -> bool {
    matches!(
        c,
        '・' | '･' | ' ' | '　' | '-' | '‐' | 'ー' | 'ｰ' | '－' | '_'
    )
}

/// A text in comparison form (NFKC, lowercase, ignorable characters dropped), and for each of
/// its bytes the byte range of the original character it came from.
fn fold(s: &str) -> (String, Vec<(usize, usize)>) {
    let mut out = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        if ignorable(c) {
            continue;
        }
        // Fast path: ASCII, kana and common kanji are left alone by NFKC.
        if c.is_ascii()
            || ('\u{3041}'..='\u{309A}').contains(&c)
            || ('\u{30A1}'..='\u{30FA}').contains(&c)
            || ('\u{4E00}'..='\u{9FFF}').contains(&c)
        {
            let n = c.to_ascii_lowercase();
            out.push(n);
            map.extend(std::iter::repeat_n((i, i + c.len_utf8()), n.len_utf8()));
            continue;
        }
        let mut buf = [0u8; 4];
        for n in c.encode_utf8(&mut buf).nfkc().flat_map(char::to_lowercase) {
            if ignorable(n) {
                continue;
            }
            out.push(n);
            map.extend(std::iter::repeat_n((i, i + c.len_utf8()), n.len_utf8()));
        }
    }
    (out, map)
}

/// Terms: spelling variants that the manual would not link, and terms nothing uses.
pub fn terms(p: &Policy, d: &mut Vec<Diagnostic>) {
    // Every spelling (term or alias) with its definition.
    let forms: Vec<(usize, &str)> = p
        .definitions
        .iter()
        .enumerate()
        .flat_map(|(i, x)| {
            std::iter::once(x.term.as_str())
                .chain(x.aliases.iter().map(String::as_str))
                .map(move |f| (i, f))
        })
        .filter(|(_, f)| !f.is_empty())
        .collect();
    if forms.is_empty() {
        return;
    }
    let spellings: BTreeSet<&str> = forms.iter().map(|(_, f)| *f).collect();
    let folded: Vec<(usize, &str, String)> = forms
        .iter()
        .map(|(i, f)| (*i, *f, fold(f).0))
        .filter(|(_, _, f)| f.chars().count() >= 2)
        .collect();
    let variants = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(folded.iter().map(|(_, _, f)| f.as_str()))
        .expect("automaton");
    let exact = AhoCorasick::new(forms.iter().map(|(_, f)| *f)).expect("automaton");
    let texts = texts(p);
    let mut reported = BTreeSet::new();
    let mut used = vec![false; p.definitions.len()];
    // Each text is scanned on its own (in parallel); findings are merged in text order.
    type Found<'t> = (Vec<usize>, Vec<(usize, &'t str, usize, usize)>);
    let found: Vec<Found> = texts
        .par_iter()
        .map(|(t, _)| {
            let uses = exact
                .find_overlapping_iter(&t.src)
                .map(|m| forms[m.pattern().as_usize()].0)
                .filter(|def| p.definitions[*def].origin.file != t.origin.file)
                .collect();
            let (hay, map) = fold(&t.src);
            let variants = variants
                .find_iter(&hay)
                .filter_map(|m| {
                    let (s, e) = (map[m.start()].0, map[m.end() - 1].1);
                    let written = &t.src[s..e];
                    // An exact spelling of some term, or part of a longer exact spelling.
                    let exact_spelling = spellings.contains(written)
                        || spellings
                            .iter()
                            .any(|sp| sp.contains(written) && t.src.contains(sp));
                    (!exact_spelling).then_some((s, written, m.pattern().as_usize(), 0))
                })
                .collect();
            (uses, variants)
        })
        .collect();
    for ((t, _), (uses, variants)) in texts.iter().zip(found) {
        for def in uses {
            used[def] = true;
        }
        for (s, written, pattern, _) in variants {
            if !reported.insert((written.to_string(), t.origin.file)) {
                continue;
            }
            let (def, form, _) = &folded[pattern];
            d.push(
                Diagnostic::new(
                    Code::TermVariant,
                    format!("`{written}` looks like the defined term `{form}` but is spelled differently, so the manual will not link it"),
                )
                .at(t.origin.offset(s))
                .hint(format!("write `{form}`, or add `{written}` to the aliases of definition `{}`", p.definitions[*def].id)),
            );
        }
    }
    // Titles and labels count as uses too.
    let mut labels: Vec<&str> = vec![
        p.manifest.title.as_str(),
        p.conduct.label.as_str(),
        p.demand.label.as_str(),
    ];
    labels.extend(p.flows.iter().flat_map(|f| {
        std::iter::once(f.title.as_str()).chain(
            f.steps
                .iter()
                .flat_map(|s| std::iter::once(s.title.as_str()).chain(s.end.as_deref())),
        )
    }));
    labels.extend(p.cases.iter().map(|c| c.title.as_str()));
    labels.extend(p.aftercare.iter().map(|a| a.title.as_str()));
    labels.extend(p.scripts.iter().map(|s| s.purpose.as_str()));
    labels.extend(p.pages.iter().map(|s| s.title.as_str()));
    labels.extend(p.invariants.iter().map(|s| s.text.as_str()));
    labels.extend(p.verdicts.iter().map(|s| s.label.as_str()));
    labels.extend(
        p.conduct_types
            .iter()
            .chain(&p.demand_types)
            .map(|s| s.label.as_str()),
    );
    labels.extend(
        p.conduct
            .levels
            .iter()
            .chain(&p.demand.levels)
            .map(|s| s.label.as_str()),
    );
    labels.extend(p.roles.iter().map(|s| s.label.as_str()));
    labels.extend(
        p.events
            .iter()
            .chain(&p.tags)
            .chain(&p.channels)
            .map(|s| s.label.as_str()),
    );
    labels.extend(p.stance.iter().map(|s| s.title.as_str()));
    for l in labels {
        for m in exact.find_overlapping_iter(l) {
            used[forms[m.pattern().as_usize()].0] = true;
        }
    }
    for (def, _) in used.iter().enumerate().filter(|(_, u)| !**u) {
        let def = &p.definitions[def];
        d.push(
            Diagnostic::new(
                Code::TermUnused,
                format!("the defined term `{}` is used nowhere else in the manual", def.term),
            )
            .at(def.origin.child("term"))
            .hint("use the term where it applies, add the spelling used instead as an alias, or remove the definition"),
        );
    }
}

const VAGUE: &[&str] = &["適切に", "必要に応じて", "速やかに", "適宜"];

static MEASURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{[^{}]+\}\}|[0-9０-９]+\s*(?:秒|分|時間|日|営業日|回|件|度|s|m|h|d)")
        .expect("regex")
});

/// Vague wording in obligations: a vague word in a sentence that names no threshold or number.
pub fn vague(p: &Policy, d: &mut Vec<Diagnostic>) {
    let titles = p
        .aftercare
        .iter()
        .map(|a| (a.title.as_str(), a.origin.child("title")));
    let mut items: Vec<(&str, Origin)> = texts(p)
        .into_iter()
        .filter(|(_, obligation)| *obligation)
        .map(|(t, _)| (t.src.as_str(), t.origin.clone()))
        .collect();
    items.extend(titles);
    for (src, origin) in items {
        let mut start = 0;
        for (i, c) in src.char_indices().chain(std::iter::once((src.len(), '。'))) {
            if !matches!(c, '。' | '\n' | '！' | '？') {
                continue;
            }
            let sentence = &src[start..i];
            if !MEASURE.is_match(sentence)
                && let Some((w, at)) = VAGUE
                    .iter()
                    .find_map(|w| sentence.find(w).map(|at| (*w, at)))
            {
                d.push(
                    Diagnostic::new(
                        Code::VagueWording,
                        format!(
                            "vague wording `{w}` in an obligation, with no threshold or number"
                        ),
                    )
                    .at(origin.offset(start + at))
                    .hint("say how or by when, e.g. `{{hold}}以内に` or a concrete action"),
                );
            }
            start = i + c.len_utf8();
        }
    }
}

/// Steps no case's route visits and grid cells no case falls in.
pub fn coverage(p: &Policy, runs: &[CaseRun], d: &mut Vec<Diagnostic>) {
    let mut cells = BTreeSet::new();
    let mut steps = BTreeSet::new();
    for r in runs {
        cells.insert((r.assessment.conduct, r.assessment.demand));
        if let (Some(route), [f]) = (&r.route, r.flows.as_slice()) {
            steps.extend(route.steps.iter().map(|s| (*f, *s)));
        }
    }
    for (c, row) in p.grid.iter().enumerate() {
        for (dm, verdict) in row.iter().enumerate() {
            if !cells.contains(&(c, dm)) {
                d.push(
                    Diagnostic::new(
                        Code::CellUncovered,
                        format!(
                            "no case falls in grid cell {} ({})",
                            p.cell_name(c, dm),
                            p.verdicts[*verdict].id
                        ),
                    )
                    .at(p.grid_origin.child(&p.conduct.levels[c].id).child(dm))
                    .hint("add a case study for this cell: it is what trains the judgment"),
                );
            }
        }
    }
    for (fi, f) in p.flows.iter().enumerate() {
        for (si, s) in f.steps.iter().enumerate() {
            if !steps.contains(&(fi, si)) {
                d.push(
                    Diagnostic::new(
                        Code::StepUncovered,
                        format!("no case exercises step `{}` of flow `{}`", s.id, f.id),
                    )
                    .at(s.origin.child("id"))
                    .hint("add a case whose route passes this step"),
                );
            }
        }
    }
}

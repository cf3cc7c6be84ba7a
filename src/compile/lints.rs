//! Lints (warnings) and text checks: threshold placeholders, personal data, spelling variants of
//! defined terms, unused terms, vague wording in obligations, and what no case covers.

use super::cases::Coverage;
use crate::diag::{Code, Diagnostic, Origin, closest, did_you_mean};
use crate::i18n::{Arg, Msg};
use crate::msg;
use crate::policy::{Policy, Text};
use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

pub use crate::text::PLACEHOLDER;

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

/// `{{name}}` placeholders must name a threshold. `thresholds_known` is false when the
/// manifest or one of its thresholds could not be read: unknown names are then not reported
/// (the root error is).
pub fn placeholders(p: &Policy, thresholds_known: bool, d: &mut Vec<Diagnostic>) {
    if !thresholds_known {
        return;
    }
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
                        msg!("unknown-placeholder", name = name),
                    )
                    .at(t.origin.offset(at))
                    .hint(
                        did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
                            msg!("placeholder-hint", names = Arg::any_of(&names))
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

/// Personal data in a text: (byte offset, end, what it looks like as a catalogue id:
/// `pii-phone`, `pii-email`, `pii-postal`, `pii-name`).
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
            out.push((m.start(), m.end(), "pii-phone"));
        }
    }
    for m in EMAIL.find_iter(text) {
        out.push((m.start(), m.end(), "pii-email"));
    }
    for m in POSTAL.find_iter(text) {
        if (m.as_str().starts_with('〒') || digit_boundary(m.start(), m.end()))
            && !out
                .iter()
                .any(|(s, e, _)| *s <= m.start() && m.start() < *e)
        {
            out.push((m.start(), m.end(), "pii-postal"));
        }
    }
    for m in FULL_NAME.find_iter(text) {
        out.push((m.start(), m.end(), "pii-name"));
    }
    out.sort();
    out
}

/// `W010`: personal data (phone numbers, e-mail and postal addresses, names) in case bodies and
/// scripts, which are published in the manual.
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
                    msg!(
                        "personal-data",
                        what = crate::i18n::Msg::new(what),
                        text = snippet.trim()
                    ),
                )
                .at(t.origin.offset(at))
                .hint(msg!("personal-data-hint")),
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

/// Every spelling (term or alias) of the defined terms, and the automata that find them.
struct Spellings<'p> {
    /// Each spelling with its definition's index.
    forms: Vec<(usize, &'p str)>,
    /// The spellings as written.
    written: BTreeSet<&'p str>,
    /// The spellings of two or more characters in comparison form ([`fold`]), with their
    /// definition and spelling as written.
    folded: Vec<(usize, &'p str, String)>,
    /// Finds the folded spellings in folded text.
    variants: AhoCorasick,
    /// Finds the spellings as written.
    exact: AhoCorasick,
}

/// What scanning one text found: the definitions it uses, and the spelling variants in it as
/// (byte offset, text as written, index into [`Spellings::folded`]).
type Found<'t> = (Vec<usize>, Vec<(usize, &'t str, usize)>);

impl<'p> Spellings<'p> {
    /// `None` when the policy defines no term.
    fn new(p: &'p Policy) -> Option<Self> {
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
            return None;
        }
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
        Some(Spellings {
            written: forms.iter().map(|(_, f)| *f).collect(),
            forms,
            folded,
            variants,
            exact,
        })
    }

    /// The definitions whose spellings occur in a text.
    fn uses<'a>(&'a self, text: &'a str) -> impl Iterator<Item = usize> + 'a {
        (self.exact.find_overlapping_iter(text)).map(|m| self.forms[m.pattern().as_usize()].0)
    }

    /// Scan one text of the policy: the definitions it uses (outside their own file), and the
    /// spellings that fold to a term's without being one as written.
    fn scan<'t>(&self, p: &Policy, t: &'t Text) -> Found<'t> {
        let uses = (self.uses(&t.src))
            .filter(|def| p.definitions[*def].origin.file != t.origin.file)
            .collect();
        let (hay, map) = fold(&t.src);
        let variants = (self.variants.find_iter(&hay))
            .filter_map(|m| {
                let (s, e) = (map[m.start()].0, map[m.end() - 1].1);
                let written = &t.src[s..e];
                // An exact spelling of some term, or part of a longer exact spelling.
                let exact_spelling = self.written.contains(written)
                    || (self.written.iter()).any(|sp| sp.contains(written) && t.src.contains(sp));
                (!exact_spelling).then_some((s, written, m.pattern().as_usize()))
            })
            .collect();
        (uses, variants)
    }
}

/// Terms: spelling variants that the manual would not link, and terms nothing uses.
pub fn terms(p: &Policy, d: &mut Vec<Diagnostic>) {
    let Some(spellings) = Spellings::new(p) else {
        return;
    };
    let texts = texts(p);
    let mut reported = BTreeSet::new();
    let mut used = vec![false; p.definitions.len()];
    // Each text is scanned on its own (in parallel); findings are merged in text order.
    let found: Vec<Found> = (texts.par_iter())
        .map(|(t, _)| spellings.scan(p, t))
        .collect();
    for ((t, _), (uses, variants)) in texts.iter().zip(found) {
        for def in uses {
            used[def] = true;
        }
        for (s, written, pattern) in variants {
            if !reported.insert((written.to_string(), t.origin.file)) {
                continue;
            }
            let (def, form, _) = &spellings.folded[pattern];
            d.push(
                Diagnostic::new(
                    Code::TermVariant,
                    msg!("term-variant", written = written, term = *form),
                )
                .at(t.origin.offset(s))
                .hint(msg!(
                    "term-variant-hint",
                    term = *form,
                    written = written,
                    def = &p.definitions[*def].id
                )),
            );
        }
    }
    // Titles and labels count as uses too.
    for l in labels(p) {
        for def in spellings.uses(l) {
            used[def] = true;
        }
    }
    for (def, _) in used.iter().enumerate().filter(|(_, u)| !**u) {
        let def = &p.definitions[def];
        d.push(
            Diagnostic::new(Code::TermUnused, msg!("term-unused", term = &def.term))
                .at(def.origin.child("term"))
                .hint(msg!("term-unused-hint")),
        );
    }
}

/// Every title and label of the policy: short texts shown as they are (not prose).
fn labels(p: &Policy) -> Vec<&str> {
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
    labels
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
                    Diagnostic::new(Code::VagueWording, msg!("vague-wording", word = w))
                        .at(origin.offset(start + at))
                        .hint(msg!("vague-wording-hint")),
                );
            }
            start = i + c.len_utf8();
        }
    }
}

/// `W014`/`W015`: steps no case's route visits and grid cells no case falls in (warnings: the
/// casebook is what trains the judgment).
pub fn coverage(p: &Policy, cov: &Coverage, d: &mut Vec<Diagnostic>) {
    for &(c, dm) in &cov.uncovered_cells {
        d.push(
            Diagnostic::new(
                Code::CellUncovered,
                msg!(
                    "cell-uncovered",
                    cell = p.cell_name(c, dm),
                    verdict = &p.verdicts[p.grid[c][dm]].id
                ),
            )
            .at(p.grid_origin.child(&p.conduct.levels[c].id).child(dm))
            .hint(msg!("cell-uncovered-hint")),
        );
    }
    for &(fi, si) in &cov.uncovered_steps {
        let (f, s) = (&p.flows[fi], &p.flows[fi].steps[si]);
        d.push(
            Diagnostic::new(
                Code::StepUncovered,
                msg!("step-uncovered", step = &s.id, flow = &f.id),
            )
            .at(s.origin.child("id"))
            .hint(msg!("step-uncovered-hint")),
        );
    }
}

/// Where a relative link in policy Markdown may lead: the manual's pages and the anchors it
/// renders on them.
struct Targets {
    pages: BTreeSet<String>,
    /// `page.html#anchor` for every anchor the manual generates.
    anchors: BTreeSet<String>,
}

/// Anchor prefixes the manual generates: a fragment with one of them must exist.
const GENERATED: &[&str] = &[
    "level-",
    "verdict-",
    "cell-",
    "ctype-",
    "dtype-",
    "def-",
    "role-",
    "script-",
    "invariant-",
    "item-",
    "step-",
];

impl Targets {
    fn new(p: &Policy) -> Self {
        use crate::urls;
        let mut pages: BTreeSet<String> = urls::FIXED_PAGES.iter().map(|s| s.to_string()).collect();
        pages.extend(p.flows.iter().map(|f| urls::flow(&f.id)));
        pages.extend(p.cases.iter().map(|c| urls::case(&c.id)));
        pages.extend(p.pages.iter().map(|x| urls::page(&x.id)));
        if !p.lineage.is_empty() {
            pages.insert("deviations.html".into());
        }
        let mut anchors: BTreeSet<String> = BTreeSet::new();
        let levels = p.conduct.levels.iter().chain(&p.demand.levels);
        anchors.extend(levels.map(|l| urls::level(&l.id)));
        for c in &p.conduct.levels {
            anchors.extend(p.demand.levels.iter().map(|dm| urls::cell(&c.id, &dm.id)));
        }
        anchors.extend(p.verdicts.iter().map(|v| urls::verdict(&v.id)));
        anchors.extend(p.conduct_types.iter().map(|t| urls::conduct_type(&t.id)));
        anchors.extend(p.demand_types.iter().map(|t| urls::demand_type(&t.id)));
        anchors.extend(p.definitions.iter().map(|x| urls::definition(&x.id)));
        anchors.extend(p.roles.iter().map(|x| urls::role(&x.id)));
        anchors.extend(p.scripts.iter().map(|x| urls::script(&x.id)));
        anchors.extend(p.invariants.iter().map(|x| urls::invariant(&x.id)));
        anchors.extend(p.aftercare.iter().map(|x| urls::aftercare(&x.id)));
        for f in &p.flows {
            anchors.extend(f.steps.iter().map(|s| urls::step(&f.id, &s.id)));
        }
        Targets { pages, anchors }
    }

    /// What is wrong with a link (`image`: an image) to `dest`, if anything. `path` is `dest`
    /// without fragment, query and leading `./`.
    fn problem(
        &self,
        dest: &str,
        path: &str,
        fragment: Option<&str>,
        image: bool,
        assets: &[String],
    ) -> Option<Msg> {
        if path.starts_with('/') {
            Some(msg!("link-absolute", dest = dest))
        } else if let Some(asset) = path.strip_prefix("assets/") {
            (!assets.iter().any(|a| a == asset)).then(|| msg!("link-no-asset", dest = dest))
        } else if image {
            Some(msg!("image-not-asset", dest = dest))
        } else if !self.pages.contains(path) {
            Some(msg!("link-no-page", dest = dest))
        } else if let Some(f) = fragment
            && GENERATED.iter().any(|g| f.starts_with(g))
            && !self.anchors.contains(&format!("{path}#{f}"))
        {
            Some(msg!("link-no-anchor", dest = dest))
        } else {
            None
        }
    }
}

/// Links in policy Markdown must lead somewhere: to a page of the manual or an anchor on it
/// (links are written from the manual's root: `flows/phone.html#step-warn`), or to one of the
/// policy's `assets` (`assets/logo.png`); external links (`https:`, `mailto:`) are not checked.
pub fn links(p: &Policy, assets: &[String], d: &mut Vec<Diagnostic>) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let targets = Targets::new(p);
    let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES;
    for (text, _) in texts(p) {
        for (ev, range) in Parser::new_ext(&text.src, options).into_offset_iter() {
            let (dest, image) = match &ev {
                Event::Start(Tag::Link { dest_url, .. }) => (dest_url.to_string(), false),
                Event::Start(Tag::Image { dest_url, .. }) => (dest_url.to_string(), true),
                _ => continue,
            };
            if crate::urls::is_external(&dest) || dest.starts_with('#') || dest.is_empty() {
                continue;
            }
            let (path, fragment) = match dest.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (dest.as_str(), None),
            };
            let path = path.split('?').next().unwrap_or("");
            let path = path.strip_prefix("./").unwrap_or(path);
            let Some(message) = targets.problem(&dest, path, fragment, image, assets) else {
                continue;
            };
            let near = closest(path, targets.pages.iter().map(String::as_str));
            d.push(
                Diagnostic::new(Code::LinkTarget, message)
                    .at(text.origin.offset(range.start))
                    .hint(match near {
                        Some(n) if !image => msg!("did-you-mean", name = n),
                        _ => msg!("link-hint"),
                    }),
            );
        }
    }
}

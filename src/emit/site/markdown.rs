//! Markdown to safe HTML: CommonMark with tables and footnotes (pulldown-cmark), heading ids
//! that keep Japanese, defined terms linked to the glossary, thresholds shown as values, and the
//! result sanitised with ammonia (no script, no event handlers, no `javascript:` links).

use super::svg::esc;
use crate::emit::text::expand;
use crate::emit::urls;
use crate::policy::Policy;
use aho_corasick::{AhoCorasick, MatchKind};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use std::collections::{BTreeSet, HashMap};

/// Links defined terms: every spelling (term or alias) to its definition.
pub struct Terms {
    automaton: Option<AhoCorasick>,
    /// Per pattern: definition id, summary (for the link's title).
    targets: Vec<(String, String)>,
}

impl Terms {
    /// Every term and alias of the policy's definitions (empty spellings skipped), the
    /// longest match winning where spellings overlap.
    pub fn new(p: &Policy) -> Terms {
        let mut patterns = Vec::new();
        let mut targets = Vec::new();
        for d in &p.definitions {
            let summary = d
                .summary
                .clone()
                .unwrap_or_else(|| crate::emit::bundle::summary(&d.body.src));
            for form in std::iter::once(&d.term).chain(&d.aliases) {
                if !form.is_empty() {
                    patterns.push(form.clone());
                    targets.push((d.id.clone(), expand(p, &summary)));
                }
            }
        }
        // Building fails only past aho-corasick's size limits: the terms are then not linked.
        let automaton = (!patterns.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        Terms { automaton, targets }
    }
}

/// Where a piece of Markdown is rendered.
pub struct Place<'a> {
    /// Prefix from the page to the site root (`""` or `"../"`).
    pub root: &'a str,
    /// The definition rendered on this spot, which must not link to itself.
    pub skip_term: Option<&'a str>,
    /// Link each term once per text (true), or never (false, e.g. inside the glossary list).
    pub link_terms: bool,
    /// Put into heading and footnote ids (`h-PREFIX-…`), for pages that hold many texts.
    pub id_prefix: &'a str,
}

/// An id for a heading that keeps Japanese: `h-` and the text with spaces as hyphens.
pub fn heading_id(text: &str) -> String {
    let mut id = String::from("h-");
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            id.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c.is_ascii_punctuation()) && !id.ends_with('-') {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_string()
}

fn footnote_id(label: &str, prefix: &str) -> String {
    let base = heading_id(label);
    if prefix.is_empty() {
        base.replacen("h-", "fn-", 1)
    } else {
        format!("fn-{prefix}-{}", base.get(2..).unwrap_or(""))
    }
}

/// The CommonMark extensions policy Markdown may use.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// Heading ids in the order headings come: [`heading_id`], and from the second heading with
/// the same id on, `-2`, `-3`… ([`render`] and [`sections`] must give the same ids).
#[derive(Default)]
struct HeadingIds(HashMap<String, usize>);

impl HeadingIds {
    fn next(&mut self, text: &str) -> String {
        let id = heading_id(text);
        let n = self.0.entry(id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 { format!("{id}-{n}") } else { id }
    }
}

/// Render Markdown to sanitised HTML.
pub fn render(p: &Policy, terms: &Terms, markdown: &str, place: &Place) -> String {
    let source = expand(p, markdown);
    let mut r = Renderer {
        terms,
        place,
        events: Vec::new(),
        heading: None,
        link_depth: 0,
        code_depth: 0,
        linked: BTreeSet::new(),
        ids: HeadingIds::default(),
        footnotes: HashMap::new(),
    };
    for ev in Parser::new_ext(&source, options()) {
        r.take(ev);
    }
    let mut out = String::new();
    html::push_html(&mut out, r.events.into_iter());
    sanitize(&out)
}

/// One Markdown text being rendered: the events kept so far and what the rewriting of the
/// next ones depends on.
struct Renderer<'a, 'e> {
    terms: &'a Terms,
    place: &'a Place<'a>,
    events: Vec<Event<'e>>,
    /// Inside a heading: its level and its events so far (written out at its end, with its id).
    heading: Option<(HeadingLevel, Vec<Event<'e>>)>,
    /// Inside a link or a code block, terms are not linked.
    link_depth: usize,
    code_depth: usize,
    /// Definitions already linked in this text (each is linked once).
    linked: BTreeSet<String>,
    ids: HeadingIds,
    /// Footnote numbers by label, in order of first reference.
    footnotes: HashMap<String, usize>,
}

impl<'e> Renderer<'_, 'e> {
    /// Take the parser's next event: a heading is gathered and written with its id, any other
    /// event rewritten ([`Renderer::rewrite`]) and kept.
    fn take(&mut self, ev: Event<'e>) {
        match &ev {
            Event::Start(Tag::Heading { level, .. }) => {
                self.heading = Some((*level, Vec::new()));
                return;
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, inner)) = self.heading.take() {
                    let html = self.heading_html(level, inner);
                    self.events.push(html);
                }
                return;
            }
            Event::Start(Tag::Link { .. }) => self.link_depth += 1,
            Event::End(TagEnd::Link) => self.link_depth = self.link_depth.saturating_sub(1),
            Event::Start(Tag::CodeBlock(_)) => self.code_depth += 1,
            Event::End(TagEnd::CodeBlock) => self.code_depth = self.code_depth.saturating_sub(1),
            _ => {}
        }
        let ev = self.rewrite(ev);
        match &mut self.heading {
            Some((_, inner)) => inner.push(ev),
            None => self.events.push(ev),
        }
    }

    /// A heading with its id (prefixed on pages that hold many texts).
    fn heading_html(&mut self, level: HeadingLevel, inner: Vec<Event<'e>>) -> Event<'e> {
        let text: String = inner
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let mut id = self.ids.next(&text);
        if !self.place.id_prefix.is_empty() {
            id = format!("h-{}-{}", self.place.id_prefix, id.get(2..).unwrap_or(""));
        }
        let mut inner_html = String::new();
        html::push_html(&mut inner_html, inner.into_iter());
        let lvl = level as usize;
        Event::Html(CowStr::from(format!(
            "<h{lvl} id=\"{id}\">{inner_html}</h{lvl}>\n"
        )))
    }

    /// Links and images made relative to the page, footnotes numbered with ids of their own,
    /// defined terms linked in plain text.
    fn rewrite(&mut self, ev: Event<'e>) -> Event<'e> {
        let place = self.place;
        match ev {
            // Links in policy Markdown are written from the manual's root (`check` verifies
            // them); on a page below the root they need its relative prefix.
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: from_root(dest_url, place.root),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: from_root(dest_url, place.root),
                title,
                id,
            }),
            Event::FootnoteReference(label) => {
                let next = self.footnotes.len() + 1;
                let n = *self.footnotes.entry(label.to_string()).or_insert(next);
                let id = footnote_id(&label, place.id_prefix);
                Event::Html(CowStr::from(format!(
                    "<sup class=\"fnref\"><a href=\"#{id}\">{n}</a></sup>"
                )))
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let id = footnote_id(&label, place.id_prefix);
                Event::Html(CowStr::from(format!(
                    "<div class=\"footnote\" id=\"{id}\">"
                )))
            }
            Event::End(TagEnd::FootnoteDefinition) => Event::Html(CowStr::from("</div>\n")),
            Event::Text(t) if self.link_depth == 0 && self.code_depth == 0 && place.link_terms => {
                link_terms(self.terms, &t, place, &mut self.linked)
            }
            other => other,
        }
    }
}

/// A Markdown text as plain text, cut at its headings: (heading id, heading, text) with the ids
/// [`render`] gives the headings (the part before the first heading has none). For search.
pub fn sections(p: &Policy, markdown: &str) -> Vec<(Option<String>, String, String)> {
    let source = expand(p, markdown);
    let mut out: Vec<(Option<String>, String, String)> = vec![(None, String::new(), String::new())];
    let mut ids = HeadingIds::default();
    let mut heading: Option<String> = None;
    for ev in Parser::new_ext(&source, options()) {
        match ev {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                let text = heading.take().unwrap_or_default();
                out.push((Some(ids.next(&text)), text, String::new()));
            }
            Event::Text(t) | Event::Code(t) => match &mut heading {
                Some(h) => h.push_str(&t),
                None => {
                    if let Some(last) = out.last_mut() {
                        last.2.push_str(&t);
                    }
                }
            },
            Event::SoftBreak | Event::HardBreak | Event::End(_) => {
                if heading.is_none()
                    && let Some(last) = out.last_mut()
                    && !last.2.ends_with(' ')
                    && !last.2.is_empty()
                {
                    last.2.push(' ');
                }
            }
            _ => {}
        }
    }
    out.retain(|s| s.0.is_some() || !s.2.trim().is_empty());
    for s in &mut out {
        s.2 = s.2.trim().to_string();
    }
    out
}

/// A Markdown text as one line of plain text (thresholds expanded).
pub fn plain(p: &Policy, markdown: &str) -> String {
    sections(p, markdown)
        .into_iter()
        .map(|(_, h, t)| if h.is_empty() { t } else { format!("{h} {t}") })
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

/// A link destination written from the manual's root, made relative to a page at `root`
/// (`../`); external links, fragments and absolute paths are kept.
fn from_root<'a>(dest: CowStr<'a>, root: &str) -> CowStr<'a> {
    if root.is_empty()
        || urls::is_external(&dest)
        || dest.starts_with(['#', '/'])
        || dest.is_empty()
    {
        return dest;
    }
    CowStr::from(format!(
        "{root}{}",
        dest.strip_prefix("./").unwrap_or(&dest)
    ))
}

/// Replace the first occurrence of each defined term in a text by a link to its definition.
fn link_terms<'a>(
    terms: &Terms,
    text: &str,
    place: &Place,
    linked: &mut BTreeSet<String>,
) -> Event<'a> {
    let Some(ac) = &terms.automaton else {
        return Event::Text(CowStr::from(text.to_string()));
    };
    let mut out = String::new();
    let mut last = 0;
    let mut any = false;
    for m in ac.find_iter(text) {
        let (def, summary) = &terms.targets[m.pattern().as_usize()];
        if place.skip_term == Some(def.as_str()) || linked.contains(def) {
            continue;
        }
        linked.insert(def.clone());
        any = true;
        out.push_str(&esc(&text[last..m.start()]));
        out.push_str(&format!(
            "<a class=\"term\" href=\"{}{}\" title=\"{}\">{}</a>",
            place.root,
            urls::definition(def),
            esc(summary),
            esc(&text[m.start()..m.end()])
        ));
        last = m.end();
    }
    if !any {
        return Event::Text(CowStr::from(text.to_string()));
    }
    out.push_str(&esc(&text[last..]));
    Event::InlineHtml(CowStr::from(out))
}

/// Keep only safe HTML: ammonia's defaults (which drop scripts, event handlers, styles and
/// `javascript:` URLs), plus the ids and classes the manual itself generates.
pub fn sanitize(html: &str) -> String {
    let generated = ["h-", "fn-"];
    ammonia::Builder::default()
        .add_generic_attributes(["id", "class"])
        .add_tag_attributes("a", ["title", "aria-label"])
        .attribute_filter(move |element, attribute, value| match attribute {
            // Images load only from the site itself: no tracking pixels, no request leaving it.
            "src" if element == "img" && (value.contains(':') || value.starts_with("//")) => None,
            "id" if generated.iter().any(|p| value.starts_with(p)) => Some(value.into()),
            "id" => None,
            "class" if ["term", "fnref", "footnote", "anchor"].contains(&value) => {
                Some(value.into())
            }
            "class" => None,
            _ => Some(value.into()),
        })
        .link_rel(Some("noopener noreferrer"))
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_ids_keep_japanese() {
        assert_eq!(heading_id("判断のポイント"), "h-判断のポイント");
        assert_eq!(heading_id("Step 1: 傾聴"), "h-step-1-傾聴");
    }

    #[test]
    fn hostile_html_comes_out_inert() {
        let dirty = r#"<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a><iframe src="https://evil"></iframe><div style="position:fixed" onclick="steal()" id="pagefind">y</div><svg><script>alert(4)</script></svg><form action="https://evil"><input name=p></form>"#;
        let clean = sanitize(dirty);
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "<iframe",
            "onclick",
            "style=",
            "id=\"pagefind\"",
            "<form",
            "<input",
            "alert(4)",
        ] {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(clean.contains(">y</div>"));
    }
}

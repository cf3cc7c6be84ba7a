//! Markdown to safe HTML: CommonMark with tables and footnotes (pulldown-cmark), heading ids
//! that keep Japanese, defined terms linked to the glossary, thresholds shown as values, and the
//! result sanitised with ammonia (no script, no event handlers, no `javascript:` links).

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
        let automaton = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("automaton")
        });
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
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

/// Render Markdown to sanitised HTML.
pub fn render(p: &Policy, terms: &Terms, markdown: &str, place: &Place) -> String {
    let source = expand(p, markdown);
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let mut events: Vec<Event> = Vec::new();
    let mut in_heading: Option<(HeadingLevel, Vec<Event>)> = None;
    let mut link_depth = 0usize;
    let mut code_depth = 0usize;
    let mut linked: BTreeSet<String> = BTreeSet::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut footnotes: HashMap<String, usize> = HashMap::new();
    for ev in Parser::new_ext(&source, options) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                in_heading = Some((level, Vec::new()));
                continue;
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, inner)) = in_heading.take() {
                    let text: String = inner
                        .iter()
                        .filter_map(|e| match e {
                            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                            _ => None,
                        })
                        .collect();
                    let mut id = heading_id(&text);
                    let n = ids.entry(id.clone()).or_insert(0);
                    *n += 1;
                    if *n > 1 {
                        id = format!("{id}-{n}");
                    }
                    let mut inner_html = String::new();
                    html::push_html(&mut inner_html, inner.into_iter());
                    let lvl = level as usize;
                    events.push(Event::Html(CowStr::from(format!(
                        "<h{lvl} id=\"{id}\">{inner_html}</h{lvl}>\n"
                    ))));
                }
                continue;
            }
            Event::Start(Tag::Link { .. }) => link_depth += 1,
            Event::End(TagEnd::Link) => link_depth = link_depth.saturating_sub(1),
            Event::Start(Tag::CodeBlock(_)) => code_depth += 1,
            Event::End(TagEnd::CodeBlock) => code_depth = code_depth.saturating_sub(1),
            _ => {}
        }
        let ev = match ev {
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
                let next = footnotes.len() + 1;
                let n = *footnotes.entry(label.to_string()).or_insert(next);
                let id = heading_id(&label).replacen("h-", "fn-", 1);
                Event::Html(CowStr::from(format!(
                    "<sup class=\"fnref\"><a href=\"#{id}\">{n}</a></sup>"
                )))
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let id = heading_id(&label).replacen("h-", "fn-", 1);
                Event::Html(CowStr::from(format!(
                    "<div class=\"footnote\" id=\"{id}\">"
                )))
            }
            Event::End(TagEnd::FootnoteDefinition) => Event::Html(CowStr::from("</div>\n")),
            Event::Text(t) if link_depth == 0 && code_depth == 0 && place.link_terms => {
                link_terms(terms, &t, place, &mut linked)
            }
            other => other,
        };
        match &mut in_heading {
            Some((_, inner)) => inner.push(ev),
            None => events.push(ev),
        }
    }
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    sanitize(&out)
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
        out.push_str(&escape(&text[last..m.start()]));
        out.push_str(&format!(
            "<a class=\"term\" href=\"{}{}\" title=\"{}\">{}</a>",
            place.root,
            urls::definition(def),
            escape(summary),
            escape(&text[m.start()..m.end()])
        ));
        last = m.end();
    }
    if !any {
        return Event::Text(CowStr::from(text.to_string()));
    }
    out.push_str(&escape(&text[last..]));
    Event::InlineHtml(CowStr::from(out))
}

/// Keep only safe HTML: ammonia's defaults (which drop scripts, event handlers, styles and
/// `javascript:` URLs), plus the ids and classes the manual itself generates.
pub fn sanitize(html: &str) -> String {
    let generated = ["h-", "fn-"];
    ammonia::Builder::default()
        .add_generic_attributes(["id", "class"])
        .add_tag_attributes("a", ["title"])
        .attribute_filter(move |element, attribute, value| match attribute {
            // Images load only from the site itself: no tracking pixels, no request leaving it.
            "src" if element == "img" && (value.contains(':') || value.starts_with("//")) => None,
            "id" if generated.iter().any(|p| value.starts_with(p)) => Some(value.into()),
            "id" => None,
            "class" if ["term", "fnref", "footnote"].contains(&value) => Some(value.into()),
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

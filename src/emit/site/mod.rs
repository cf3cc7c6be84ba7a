//! The online manual: static HTML pages rendered with tera templates, inline SVG diagrams, the
//! decision aid (判定ナビ) and a static search index. All links are relative, so the folder works
//! under any sub-path of an intranet server and straight from disk.
//!
//! [`Site`] holds what pages share (templates, the flow diagrams laid out once, the case runs,
//! the decision aid's data); [`Site::render_page`] renders one page on its own, so pages render
//! in parallel and a caller (a build, a live preview) can render just the page it needs.

mod breaks;
pub mod layout;
mod markdown;
pub mod navi;
pub mod search;
pub mod svg;
mod words;

pub use markdown::{heading_id, sanitize};

use crate::compile::cases::CaseRun;
use crate::emit::BuildContext;
use crate::emit::text::expand;
use crate::emit::urls;
use crate::policy::{AxisKind, Policy, format_duration_ja};
use include_dir::Dir;
use markdown::{Place, Terms};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

pub use crate::embedded::{ASSETS, TEMPLATES};

pub use crate::emit::SiteError;

pub type Files = Vec<(String, Vec<u8>)>;

/// Built-in files (paths relative to their folder) overridden file by file by the policy's
/// own under `folder/` (`templates/base.html`, `site/style.css`).
pub(crate) fn merged(
    overrides: &[(String, Vec<u8>)],
    dir: &Dir<'static>,
    folder: &str,
) -> Vec<(String, Vec<u8>)> {
    let mut files = crate::embedded::embedded_files(dir);
    let prefix = format!("{folder}/");
    for (path, bytes) in overrides {
        let Some(name) = path.strip_prefix(&prefix) else {
            continue;
        };
        match files.iter_mut().find(|(p, _)| p == name) {
            Some(slot) => slot.1 = bytes.clone(),
            None => files.push((name.to_string(), bytes.clone())),
        }
    }
    files.sort();
    files
}

/// One page of the manual.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Home,
    Criteria,
    Definitions,
    Roles,
    Aftercare,
    Cases,
    Search,
    Print,
    Deviations,
    /// How the policy meets laws and guidelines (`compliance.yaml`).
    Compliance,
    /// The customer-facing basic policy (the stance's `public` text).
    Public,
    Flow(usize),
    Case(usize),
    Free(usize),
}

/// What every page of one manual shares.
pub struct Site<'a> {
    p: &'a Policy,
    terms: Terms,
    tera: tera::Tera,
    site: Value,
    nav: Vec<(String, String)>,
    /// The policy's cases as compile ran them, in case order.
    runs: Vec<&'a CaseRun>,
    diagrams: Vec<svg::FlowDiagram>,
    /// Cases in the order of the case list (by verdict), for previous/next.
    case_order: Vec<usize>,
    /// The decision aid's data, as JSON for the page.
    navi: String,
    /// Per flow and step: what the decision aid sends there ("now"), for search and the page.
    reached: Vec<Vec<BTreeSet<String>>>,
    overrides: Vec<(String, Vec<u8>)>,
}

impl<'a> Site<'a> {
    /// Prepare a manual: templates (with the policy's overrides) and diagrams. The context's
    /// `runs` are the policy's cases as the compile stage ran them: the site never re-runs them.
    pub fn new(ctx: &BuildContext<'a>) -> Result<Site<'a>, SiteError> {
        let (p, overrides) = (ctx.policy, ctx.overrides);
        let runs = ctx.runs.clone();
        let mut tera = tera::Tera::new();
        tera.autoescape_on([".html"]);
        tera.register_function("range", bounded_range);
        let all: Vec<(String, String)> = merged(overrides, &TEMPLATES, "templates")
            .into_iter()
            .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
            .collect();
        tera.add_raw_templates(all.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| SiteError(format!("templates: {e}")))?;
        let m = &p.manifest;
        let site = json!({
            "title": m.title,
            "lang": m.lang,
            "slogan": m.slogan.as_ref().map(|s| expand(p, &s.src)),
            "version": m.version,
            "revision": ctx.revision,
            "effective_from": m.effective_from,
            "organization": m.organization,
            "created": m.created,
            "revised": m.revised,
            "owners": m.owners,
        });
        let mut nav = vec![
            ("ホーム".to_string(), "index.html".to_string()),
            ("判断基準".into(), "criteria.html".into()),
        ];
        for f in &p.flows {
            nav.push((f.title.clone(), urls::flow(&f.id)));
        }
        nav.extend([
            ("事後対応".into(), "aftercare.html".into()),
            ("事例".into(), "cases.html".into()),
            ("用語".into(), "definitions.html".into()),
            ("体制・文例".into(), "roles.html".into()),
        ]);
        for pg in &p.pages {
            nav.push((pg.title.clone(), urls::page(&pg.id)));
        }
        if !p.lineage.is_empty() {
            nav.push(("上位版との差分".into(), "deviations.html".into()));
        }
        if p.compliance.is_some() {
            nav.push(("法令・指針との対応".into(), urls::compliance()));
        }
        if p.stance.as_ref().is_some_and(|s| s.public.is_some()) {
            nav.push(("公開用 基本方針".into(), urls::public_policy()));
        }
        nav.push(("印刷用".into(), "print.html".into()));
        nav.push(("検索".into(), "search.html".into()));
        if runs.len() != p.cases.len() {
            return Err(SiteError(format!(
                "{} case runs for {} cases",
                runs.len(),
                p.cases.len()
            )));
        }
        let diagrams = p
            .flows
            .par_iter()
            .map(|f| svg::flow_diagram(p, f))
            .collect();
        let mut case_order = Vec::with_capacity(p.cases.len());
        for vi in 0..p.verdicts.len() {
            case_order.extend((0..p.cases.len()).filter(|&i| runs[i].assessment.verdict == vi));
        }
        let (navi, reached) = navi_data(p);
        Ok(Site {
            p,
            terms: Terms::new(p),
            tera,
            site,
            nav,
            runs,
            diagrams,
            case_order,
            navi,
            reached,
            overrides: overrides.to_vec(),
        })
    }

    /// Every page, in a stable order.
    pub fn pages(&self) -> Vec<Page> {
        let p = self.p;
        let mut out = vec![
            Page::Home,
            Page::Criteria,
            Page::Definitions,
            Page::Roles,
            Page::Aftercare,
            Page::Cases,
            Page::Search,
            Page::Print,
        ];
        if !p.lineage.is_empty() {
            out.push(Page::Deviations);
        }
        if p.compliance.is_some() {
            out.push(Page::Compliance);
        }
        if p.stance.as_ref().is_some_and(|s| s.public.is_some()) {
            out.push(Page::Public);
        }
        out.extend((0..p.flows.len()).map(Page::Flow));
        out.extend((0..p.pages.len()).map(Page::Free));
        out.extend((0..p.cases.len()).map(Page::Case));
        out
    }

    /// The page's path in the site.
    pub fn path(&self, page: Page) -> String {
        let p = self.p;
        match page {
            Page::Home => "index.html".into(),
            Page::Criteria => "criteria.html".into(),
            Page::Definitions => "definitions.html".into(),
            Page::Roles => "roles.html".into(),
            Page::Aftercare => "aftercare.html".into(),
            Page::Cases => "cases.html".into(),
            Page::Search => "search.html".into(),
            Page::Print => "print.html".into(),
            Page::Deviations => "deviations.html".into(),
            Page::Compliance => urls::compliance(),
            Page::Public => urls::public_policy(),
            Page::Flow(i) => urls::flow(&p.flows[i].id),
            Page::Case(i) => urls::case(&p.cases[i].id),
            Page::Free(i) => urls::page(&p.pages[i].id),
        }
    }

    /// The static assets (`assets/…`), the policy's own over the built-in ones.
    pub fn assets(&self) -> Files {
        merged(&self.overrides, &ASSETS, "site")
            .into_iter()
            .map(|(p, b)| (format!("assets/{p}"), b))
            .collect()
    }

    /// The search index files (`search/…`).
    pub fn search_index(&self) -> Files {
        search::index(&self.search_docs(), &self.p.synonyms)
    }

    fn md(&self, text: &str, root: &str, skip: Option<&str>) -> String {
        self.md_in(text, root, skip, "")
    }

    fn md_in(&self, text: &str, root: &str, skip: Option<&str>, id_prefix: &str) -> String {
        markdown::render(
            self.p,
            &self.terms,
            text,
            &Place {
                root,
                skip_term: skip,
                link_terms: true,
                id_prefix,
            },
        )
    }

    /// A badge for an item of a fork: inherited, changed or added (null outside forks).
    fn prov(&self, key: &str) -> Value {
        use crate::provenance::Provenance::*;
        if self.p.lineage.is_empty() {
            return Value::Null;
        }
        match self.p.provenance.get(key) {
            Some(Inherited { upstream, version }) => {
                json!({"class": "inherited", "label": format!("{upstream} {version} から継承")})
            }
            Some(Overridden {
                upstream,
                version,
                record,
            }) => {
                json!({"class": "overridden", "label": format!("{upstream} {version} から変更"), "why": record.as_ref().map(|r| r.why.clone())})
            }
            Some(Own) => json!({"class": "added", "label": "この版で追加"}),
            Some(Removed { .. }) | None => Value::Null,
        }
    }

    /// Render one page.
    pub fn render_page(&self, page: Page) -> Result<(String, Vec<u8>), SiteError> {
        let p = self.p;
        let path = self.path(page);
        let depth = path.matches('/').count();
        let root = "../".repeat(depth);
        let d = Data {
            s: self,
            root: &root,
            print: page == Page::Print,
            texts: std::cell::Cell::new(0),
        };
        let (template, title, data) = match page {
            Page::Home => ("index.html", p.manifest.title.clone(), d.home()),
            Page::Criteria => ("criteria.html", "判断基準".into(), d.criteria()),
            Page::Definitions => ("definitions.html", "用語".into(), d.definitions()),
            Page::Roles => ("roles.html", "体制・文例".into(), d.roles()),
            Page::Aftercare => ("aftercare.html", "事後対応".into(), d.aftercare()),
            Page::Cases => ("cases.html", "事例".into(), d.case_index()),
            Page::Search => ("search.html", "検索".into(), json!({})),
            Page::Print => (
                "print.html",
                format!("{}（印刷用）", p.manifest.title),
                d.print(),
            ),
            Page::Deviations => ("deviations.html", "上位版との差分".into(), d.deviations()),
            Page::Compliance => (
                "compliance.html",
                "法令・指針との対応".into(),
                d.compliance(),
            ),
            Page::Public => {
                let public = p.stance.as_ref().and_then(|s| s.public.as_ref());
                (
                    "public.html",
                    public.map_or_else(String::new, |x| x.title.clone()),
                    public.map_or(Value::Null, |x| d.public_policy(x)),
                )
            }
            Page::Flow(i) => (
                "flow.html",
                p.flows[i].title.clone(),
                json!({"flow": d.flow(i, true)}),
            ),
            Page::Case(i) => (
                "case.html",
                p.cases[i].title.clone(),
                json!({"case": d.case(i, true)}),
            ),
            Page::Free(i) => (
                "page.html",
                p.pages[i].title.clone(),
                json!({"body": self.md(&p.pages[i].body.src, &root, None)}),
            ),
        };
        let (crumbs, section) = self.crumbs(page, &title);
        let (prev, next) = self.neighbours(page);
        let mut ctx = json!({
            "site": self.site,
            "nav": self.nav.iter().map(|(t, u)| json!({"title": t, "url": u})).collect::<Vec<_>>(),
            "root": root,
            "path": path,
            "section": section,
            "title": title,
            "crumbs": crumbs,
            "prev": prev,
            "next": next,
        });
        if let (Value::Object(c), Value::Object(d)) = (&mut ctx, data) {
            c.extend(d);
        }
        let ctx = tera::Context::from_serialize(&ctx)
            .map_err(|e| SiteError(format!("{template}: {e}")))?;
        RANGE_LEFT.with(|r| r.set(MAX_RANGE_ITEMS));
        let mut out = Limited(Vec::new());
        self.tera
            .render_to(template, &ctx, &mut out)
            .map_err(|e| SiteError(format!("template `{template}`: {e}")))?;
        let html = String::from_utf8(out.0)
            .map_err(|e| SiteError(format!("template `{template}`: {e}")))?;
        let html = if page == Page::Print {
            html
        } else {
            finish(&html)
        };
        Ok((path, html.into_bytes()))
    }

    /// Breadcrumbs (ancestors of the page) and the menu entry the page belongs to.
    fn crumbs(&self, page: Page, title: &str) -> (Vec<Value>, String) {
        let home = json!({"title": "ホーム", "url": "index.html"});
        match page {
            Page::Home => (Vec::new(), "index.html".into()),
            Page::Case(_) => (
                vec![home, json!({"title": "事例", "url": "cases.html"})],
                "cases.html".into(),
            ),
            other => {
                let path = self.path(other);
                let _ = title;
                (vec![home], path)
            }
        }
    }

    /// Previous and next pages in reading order: the menu for top pages, the case list for cases.
    fn neighbours(&self, page: Page) -> (Value, Value) {
        let link = |t: &str, u: &str| json!({"title": t, "url": u});
        if let Page::Case(i) = page {
            let k = self.case_order.iter().position(|&c| c == i).unwrap_or(0);
            let at = |j: usize| {
                let c = &self.p.cases[j];
                link(&c.title, &urls::case(&c.id))
            };
            let prev = if k == 0 {
                link("事例", "cases.html")
            } else {
                at(self.case_order[k - 1])
            };
            let next = self.case_order.get(k + 1).map_or(Value::Null, |&j| at(j));
            return (prev, next);
        }
        let order: Vec<&(String, String)> = self
            .nav
            .iter()
            .filter(|(_, u)| u != "print.html" && u != "search.html")
            .collect();
        let path = self.path(page);
        let Some(k) = order.iter().position(|(_, u)| *u == path) else {
            return (Value::Null, Value::Null);
        };
        let prev = k
            .checked_sub(1)
            .and_then(|j| order.get(j))
            .map_or(Value::Null, |(t, u)| link(t, u));
        let next = order.get(k + 1).map_or(Value::Null, |(t, u)| link(t, u));
        (prev, next)
    }

    /// The sections search finds, each with its anchor.
    pub fn search_docs(&self) -> Vec<search::Doc> {
        let p = self.p;
        let mut docs = Vec::new();
        let plain = |t: &crate::policy::Text| markdown::plain(p, &t.src);
        let doc = |url: String, title: &str, page: &str, text: String, keys: String| search::Doc {
            url,
            title: title.to_string(),
            page: page.to_string(),
            text,
            keys,
            handles: String::new(),
        };
        if let Some(st) = &p.stance {
            let mut text: Vec<String> = st.principles.iter().map(|t| expand(p, &t.src)).collect();
            text.push(plain(&st.body));
            docs.push(doc(
                "index.html#stance".into(),
                &st.title,
                "ホーム",
                text.join(" "),
                String::new(),
            ));
        }
        for v in &p.verdicts {
            docs.push(doc(
                urls::verdict(&v.id),
                &v.label,
                "判断基準",
                v.describe.as_ref().map(plain).unwrap_or_default(),
                String::new(),
            ));
        }
        for (axis, name) in [(&p.conduct, "行為"), (&p.demand, "要求")] {
            for l in &axis.levels {
                docs.push(doc(
                    urls::level(&l.id),
                    &format!("{name}: {} {}", l.id, l.label),
                    "判断基準",
                    l.describe.as_ref().map(plain).unwrap_or_default(),
                    String::new(),
                ));
            }
        }
        for axis in [AxisKind::Conduct, AxisKind::Demand] {
            for t in p.types(axis) {
                let url = match axis {
                    AxisKind::Conduct => urls::conduct_type(&t.id),
                    AxisKind::Demand => urls::demand_type(&t.id),
                };
                docs.push(doc(
                    url,
                    &t.label,
                    "判断基準",
                    t.describe.as_ref().map(plain).unwrap_or_default(),
                    String::new(),
                ));
            }
        }
        for d in &p.definitions {
            docs.push(doc(
                urls::definition(&d.id),
                &d.term,
                "用語",
                plain(&d.body),
                d.aliases
                    .iter()
                    .chain(d.reading.iter())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            ));
        }
        for r in &p.roles {
            docs.push(doc(
                urls::role(&r.id),
                &r.label,
                "体制・文例",
                r.describe.as_ref().map(plain).unwrap_or_default(),
                String::new(),
            ));
        }
        for s in &p.scripts {
            docs.push(doc(
                urls::script(&s.id),
                &s.purpose,
                "体制・文例",
                plain(&s.text),
                String::new(),
            ));
        }
        for i in &p.invariants {
            docs.push(doc(
                urls::invariant(&i.id),
                &expand(p, &i.text),
                "体制・文例",
                String::new(),
                String::new(),
            ));
        }
        for a in &p.aftercare {
            docs.push(doc(
                urls::aftercare(&a.id),
                &expand(p, &a.title),
                "事後対応",
                plain(&a.action),
                p.roles[a.role].label.clone(),
            ));
        }
        for (fi, f) in p.flows.iter().enumerate() {
            docs.push(doc(
                urls::flow(&f.id),
                &f.title,
                &f.title,
                f.describe.as_ref().map(plain).unwrap_or_default(),
                expand(p, &words::condition(p, &f.applies_to)),
            ));
            for (si, s) in f.steps.iter().enumerate() {
                let mut text = vec![s.action.as_ref().map(plain).unwrap_or_default()];
                if let Some(x) = s.script {
                    text.push(format!(
                        "{}: {}",
                        p.scripts[x].purpose,
                        plain(&p.scripts[x].text)
                    ));
                }
                if let Some(e) = &s.end {
                    text.push(expand(p, e));
                }
                let mut keys: Vec<String> = vec![p.roles[s.role].label.clone()];
                for (from, st) in f.steps.iter().enumerate() {
                    for (bi, b) in st.next.iter().enumerate() {
                        if b.to == si {
                            keys.push(expand(p, &words::branch(p, f, from, bi)));
                        }
                    }
                }
                let mut d = doc(
                    urls::step(&f.id, &s.id),
                    &s.title,
                    &f.title,
                    text.join(" "),
                    keys.join(" "),
                );
                d.handles = self.reached[fi][si]
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ");
                docs.push(d);
            }
        }
        for pg in &p.pages {
            for (id, heading, text) in markdown::sections(p, &pg.body.src) {
                let url = match &id {
                    Some(id) => format!("{}#{id}", urls::page(&pg.id)),
                    None => urls::page(&pg.id),
                };
                let title = if heading.is_empty() {
                    &pg.title
                } else {
                    &heading
                };
                docs.push(doc(url, title, &pg.title, text, String::new()));
            }
        }
        for (ci, c) in p.cases.iter().enumerate() {
            let a = &self.runs[ci].assessment;
            let f = &c.facts;
            let mut keys = vec![
                p.verdicts[a.verdict].label.clone(),
                p.channels[f.channel].label.clone(),
            ];
            keys.extend(
                a.conduct_types
                    .iter()
                    .map(|&t| p.conduct_types[t].label.clone()),
            );
            keys.extend(
                a.demand_types
                    .iter()
                    .map(|&t| p.demand_types[t].label.clone()),
            );
            keys.extend(f.tags.iter().map(|&t| p.tags[t].label.clone()));
            docs.push(doc(
                urls::case(&c.id),
                &c.title,
                "事例",
                plain(&c.body),
                keys.join(" "),
            ));
        }
        docs
    }
}

/// Most cases on the print page (a training booklet, not the whole case base).
pub const PRINT_CASES: usize = 120;

/// Heading anchors and the page's own table of contents: every `<h2 id>`/`<h3 id>` gets a link
/// to itself, and after the `<h1>` of `<main>` comes a list of the page's sections (its h2s, or
/// its h3s when it has fewer than three h2s) when there are at least three.
fn finish(html: &str) -> String {
    static HEADING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"<h([23]) id="([^"]+)"([^>]*)>(.*?)</h[23]>"#).expect("regex")
    });
    static TAG: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"<[^>]*>").expect("regex"));
    let mut found: Vec<(String, String, String)> = Vec::new();
    let body = HEADING
        .replace_all(html, |c: &regex::Captures| {
            let (lvl, id, attrs, inner) = (&c[1], &c[2], &c[3], &c[4]);
            found.push((lvl.to_string(), id.to_string(), TAG.replace_all(inner, "").trim().to_string()));
            format!(
                "<h{lvl} id=\"{id}\"{attrs}>{inner}<a class=\"anchor\" href=\"#{id}\" aria-label=\"この見出しへのリンク\">#</a></h{lvl}>"
            )
        })
        .into_owned();
    let h2: Vec<&(String, String, String)> = found.iter().filter(|h| h.0 == "2").collect();
    let h3: Vec<&(String, String, String)> = found.iter().filter(|h| h.0 == "3").collect();
    let list = if h2.len() >= 3 { h2 } else { h3 };
    let toc = if list.len() >= 3 {
        let items: String = list
            .iter()
            .map(|(_, id, text)| format!("<li><a href=\"#{id}\">{text}</a></li>"))
            .collect();
        format!(
            "<nav class=\"toc\" aria-label=\"このページの目次\"><p class=\"toc-title\">このページの内容</p><ul>{items}</ul></nav>"
        )
    } else {
        String::new()
    };
    let main = body.find("<main").unwrap_or(body.len());
    match body.get(main..).and_then(|m| m.find("</h1>")) {
        Some(at) if !toc.is_empty() => {
            let at = main + at + "</h1>".len();
            format!("{}{toc}{}", &body[..at], &body[at..])
        }
        _ => body,
    }
}

/// Largest page a template may produce: a runaway loop in a template override stops here.
pub const MAX_PAGE_SIZE: usize = 64 * 1024 * 1024;
/// Most items `range()` may produce while one page is rendered (all calls together), so that
/// nested loops in a template override cannot run for hours without output.
pub const MAX_RANGE_ITEMS: i64 = 1_000_000;

thread_local! {
    static RANGE_LEFT: std::cell::Cell<i64> = const { std::cell::Cell::new(MAX_RANGE_ITEMS) };
}

/// Page output that refuses to grow past [`MAX_PAGE_SIZE`].
struct Limited(Vec<u8>);

impl std::io::Write for Limited {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_PAGE_SIZE {
            return Err(std::io::Error::other(format!(
                "the page grows past {} MiB: a loop in a template?",
                MAX_PAGE_SIZE >> 20
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// tera's `range`, charged against the page's [`MAX_RANGE_ITEMS`].
fn bounded_range(kwargs: tera::Kwargs, _: &tera::State) -> tera::TeraResult<Vec<i64>> {
    let start = kwargs.get::<i64>("start")?.unwrap_or_default();
    let end = kwargs.must_get::<i64>("end")?;
    let step = kwargs.get::<i64>("step_by")?.unwrap_or(1);
    if step == 0 {
        return Err(tera::Error::message(
            "`range` needs a `step_by` other than 0",
        ));
    }
    let len = (end as i128 - start as i128 + step as i128 - step.signum() as i128) / step as i128;
    let len = len.max(0);
    let left = RANGE_LEFT.with(|r| r.get());
    if len > left as i128 {
        return Err(tera::Error::message(format!(
            "`range` calls on this page would produce more than {MAX_RANGE_ITEMS} items: a loop in a template?"
        )));
    }
    RANGE_LEFT.with(|r| r.set(left - len as i64));
    Ok((0..len as i64).map(|i| start + i * step).collect())
}

/// Render the whole manual in memory (sorted by path).
pub fn render(ctx: &BuildContext) -> Result<Files, SiteError> {
    let out = Mutex::new(Vec::new());
    render_each(ctx, &|path: String, bytes: Vec<u8>| {
        out.lock()
            .map_err(|_| SiteError("a page failed".into()))?
            .push((path, bytes));
        Ok(())
    })?;
    let mut out = out
        .into_inner()
        .map_err(|_| SiteError("a page failed".into()))?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Render every file of the manual in parallel and hand each to `sink` as soon as it is ready
/// (in no particular order), so a build can stream the site to disk instead of holding it.
pub fn render_each(
    ctx: &BuildContext,
    sink: &(dyn Fn(String, Vec<u8>) -> Result<(), SiteError> + Sync),
) -> Result<(), SiteError> {
    let p = ctx.policy;
    let site = Site::new(ctx)?;
    site.pages().into_par_iter().try_for_each(|page| {
        let (path, bytes) = site.render_page(page)?;
        sink(path, bytes)
    })?;
    search::index_each(&site.search_docs(), &p.synonyms, &mut |path, bytes| {
        sink(path, bytes)
    })?;
    for (path, bytes) in site.assets() {
        sink(path, bytes)?;
    }
    Ok(())
}

/// The decision aid's data (see [`navi`]) as JSON, and per flow and step the words for what
/// it sends there (verdicts and the types of the levels concerned), for search.
fn navi_data(p: &Policy) -> (String, Vec<Vec<BTreeSet<String>>>) {
    let factors = navi::factors(p);
    let mut outcomes: Vec<navi::Outcome> = Vec::new();
    let mut index = |o: navi::Outcome| -> usize {
        match outcomes.iter().position(|x| *x == o) {
            Some(i) => i,
            None => {
                outcomes.push(o);
                outcomes.len() - 1
            }
        }
    };
    let mut reached: Vec<Vec<BTreeSet<String>>> = p
        .flows
        .iter()
        .map(|f| vec![BTreeSet::new(); f.steps.len()])
        .collect();
    let nch = p.channels.len();
    let mut cells = Vec::new();
    for c in 0..p.conduct.levels.len() {
        let mut row = Vec::new();
        for d in 0..p.demand.levels.len() {
            let answers: Vec<(usize, navi::Outcome)> = (0..nch)
                .map(|ch| navi::answer(p, &navi::cell_facts(ch, c, d)))
                .collect();
            let verdict = answers.first().map_or(p.grid[c][d], |a| a.0);
            for (v, o) in &answers {
                if let navi::Outcome::Flow { flow, now, .. } = o {
                    let set = &mut reached[*flow][*now];
                    set.insert(p.verdicts[*v].label.clone());
                    for t in p.conduct_types.iter().filter(|t| t.min_level == c) {
                        set.insert(t.label.clone());
                    }
                    for t in p.demand_types.iter().filter(|t| t.min_level == d) {
                        set.insert(t.label.clone());
                    }
                }
            }
            let base: Vec<usize> = answers.iter().map(|a| index(a.1.clone())).collect();
            let mut extra = Vec::new();
            for (fi, factor) in factors.iter().enumerate() {
                if !factor.fits(p, c, d) {
                    continue;
                }
                let with: Vec<(usize, navi::Outcome)> = (0..nch)
                    .map(|ch| navi::answer(p, &factor.apply(&navi::cell_facts(ch, c, d))))
                    .collect();
                if with == answers {
                    continue;
                }
                let v = with.first().map_or(verdict, |a| a.0);
                let os: Vec<usize> = with.into_iter().map(|a| index(a.1)).collect();
                extra.push(json!([fi, v, os]));
            }
            row.push(json!({"v": verdict, "o": base, "x": extra}));
        }
        cells.push(row);
    }
    let level = |axis: &crate::policy::Axis, kind: AxisKind| -> Vec<Value> {
        axis.levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": l.id,
                    "label": l.label,
                    "describe": l.describe.as_ref().map(|t| markdown::plain(p, &t.src)),
                    "examples": p.types(kind).iter().filter(|t| t.min_level == i).map(|t| t.label.clone()).collect::<Vec<_>>(),
                })
            })
            .collect()
    };
    let step_json = |f: &crate::policy::Flow, si: usize| {
        let s = &f.steps[si];
        json!({
            "title": s.title,
            "url": urls::step(&f.id, &s.id),
            "role": p.roles[s.role].label,
            "script": s.script.map(|x| json!({"purpose": p.scripts[x].purpose, "text": plain_lines(p, &p.scripts[x].text.src)})),
            "end": s.end.as_ref().map(|e| expand(p, e)),
            "limit": s.limit.map(format_duration_ja),
            "hold": s.hold.map(format_duration_ja),
        })
    };
    let outcomes_json: Vec<Value> = outcomes
        .iter()
        .map(|o| match o {
            navi::Outcome::Flow {
                flow,
                passed,
                now,
                waits,
            } => {
                let f = &p.flows[*flow];
                json!({
                    "flow": f.title,
                    "url": urls::flow(&f.id),
                    "passed": passed.iter().map(|&s| json!({"title": f.steps[s].title, "url": urls::step(&f.id, &f.steps[s].id)})).collect::<Vec<_>>(),
                    "now": step_json(f, *now),
                    "waits": waits.iter().map(|&(s, b)| {
                        let to = f.steps[s].next[b].to;
                        json!({"when": expand(p, &words::branch(p, f, s, b)), "title": f.steps[to].title, "url": urls::step(&f.id, &f.steps[to].id)})
                    }).collect::<Vec<_>>(),
                })
            }
            navi::Outcome::NoFlow => json!({"none": "この組み合わせに当てはまるフローはありません。スーパーバイザーに相談してください。"}),
            navi::Outcome::Ambiguous(_) => json!({"none": "複数のフローが当てはまります。スーパーバイザーに相談してください。"}),
            navi::Outcome::Unknown => json!({"none": "ほかの事実によって対応が変わります。フローの図で確かめてください。"}),
        })
        .collect();
    let data = json!({
        "conduct": {"label": p.conduct.label, "levels": level(&p.conduct, AxisKind::Conduct)},
        "demand": {"label": p.demand.label, "levels": level(&p.demand, AxisKind::Demand)},
        "verdicts": p.verdicts.iter().map(|v| json!({
            "id": v.id, "label": v.label, "color": v.color, "ink": svg::ink(&v.color),
            "describe": v.describe.as_ref().map(|t| markdown::plain(p, &t.src)),
            "url": urls::verdict(&v.id),
        })).collect::<Vec<_>>(),
        "channels": p.channels.iter().map(|c| json!({"id": c.id, "label": c.label})).collect::<Vec<_>>(),
        "factors": factors.iter().map(|f| f.label(p)).collect::<Vec<_>>(),
        "outcomes": outcomes_json,
        "cells": cells,
    });
    let text = serde_json::to_string(&data)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    (text, reached)
}

/// A script's Markdown as plain lines (for the decision aid, which shows text, not HTML).
fn plain_lines(p: &Policy, md: &str) -> String {
    expand(p, md)
        .lines()
        .map(|l| markdown::plain(p, l))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Page data, with links relative to the page (`root` is `""` or `"../"`).
struct Data<'s, 'a> {
    s: &'s Site<'a>,
    root: &'s str,
    /// The print page holds every text: their heading ids get a prefix each (`h-p7-…`).
    print: bool,
    texts: std::cell::Cell<usize>,
}

impl Data<'_, '_> {
    fn md(&self, text: &str) -> String {
        self.md_skip(text, None)
    }

    /// An item a compliance measure names: its label and link.
    fn item(&self, link: crate::policy::ItemLink) -> Value {
        use crate::policy::{AxisKind, ItemLink::*};
        let (p, root) = (self.s.p, self.root);
        let (label, url) = match link {
            Stance => (
                p.stance
                    .as_ref()
                    .map_or("基本姿勢".into(), |s| s.title.clone()),
                "index.html#stance".to_string(),
            ),
            PublicPolicy => (
                p.stance
                    .as_ref()
                    .and_then(|s| s.public.as_ref())
                    .map_or("公開用 基本方針".into(), |s| {
                        format!("公開用「{}」", s.title)
                    }),
                urls::public_policy(),
            ),
            Criteria => ("判断基準".into(), "criteria.html".into()),
            Compliance => ("法令・指針との対応".into(), urls::compliance()),
            Definition(i) => (
                format!("用語「{}」", p.definitions[i].term),
                urls::definition(&p.definitions[i].id),
            ),
            Flow(i) => (p.flows[i].title.clone(), urls::flow(&p.flows[i].id)),
            Step(f, s) => (
                format!("{}：{}", p.flows[f].title, p.flows[f].steps[s].title),
                urls::step(&p.flows[f].id, &p.flows[f].steps[s].id),
            ),
            Script(i) => (
                format!("文例「{}」", p.scripts[i].purpose),
                urls::script(&p.scripts[i].id),
            ),
            Aftercare(i) => (
                format!("事後対応「{}」", expand(p, &p.aftercare[i].title)),
                urls::aftercare(&p.aftercare[i].id),
            ),
            Invariant(i) => (
                format!("必ず守ること: {}", expand(p, &p.invariants[i].text)),
                urls::invariant(&p.invariants[i].id),
            ),
            Role(i) => (
                format!("体制「{}」", p.roles[i].label),
                urls::role(&p.roles[i].id),
            ),
            Case(i) => (
                format!("事例「{}」", p.cases[i].title),
                urls::case(&p.cases[i].id),
            ),
            Page(i) => (p.pages[i].title.clone(), urls::page(&p.pages[i].id)),
            Cap(i) => (
                format!("保護のための上限「{}」", p.caps[i].label),
                urls::cap(&p.caps[i].id),
            ),
            Type(AxisKind::Conduct, i) => (
                format!("行為の類型「{}」", p.conduct_types[i].label),
                urls::conduct_type(&p.conduct_types[i].id),
            ),
            Type(AxisKind::Demand, i) => (
                format!("要求の類型「{}」", p.demand_types[i].label),
                urls::demand_type(&p.demand_types[i].id),
            ),
        };
        json!({"label": label, "url": format!("{root}{url}")})
    }

    fn compliance(&self) -> Value {
        let p = self.s.p;
        let Some(c) = &p.compliance else {
            return json!({"frameworks": [], "announcements": []});
        };
        json!({
            "frameworks": c.frameworks.iter().map(|f| json!({
                "id": f.id, "title": f.title, "source": f.source,
                "describe": f.describe.as_ref().map(|t| self.md(&t.src)),
                "measures": f.measures.iter().map(|m| json!({
                    "id": m.id, "title": m.title, "required": m.required,
                    "describe": m.describe.as_ref().map(|t| self.md(&t.src)),
                    "items": m.items.iter().map(|&i| self.item(i)).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "announcements": c.announcements.iter().map(|a| json!({"date": a.date.0, "audience": a.audience, "method": a.method})).collect::<Vec<_>>(),
        })
    }

    /// The customer-facing basic policy: the stance's public text, the conduct the criteria
    /// hold unacceptable whatever the demand, and the organisation and dates (from the site).
    fn public_policy(&self, public: &crate::policy::PublicStance) -> Value {
        let p = self.s.p;
        let md = |t: &crate::policy::Text| {
            markdown::render(
                p,
                &self.s.terms,
                &t.src,
                &Place {
                    root: self.root,
                    skip_term: None,
                    link_terms: false,
                    id_prefix: "",
                },
            )
        };
        json!({
            "public": {
                "title": public.title,
                "text": md(&public.text),
                "closing": public.closing.as_ref().map(md),
            },
            "unacceptable": p.conduct_types.iter().filter(|t| t.independent_of_demand).map(|t| t.label.clone()).collect::<Vec<_>>(),
        })
    }

    fn md_skip(&self, text: &str, skip: Option<&str>) -> String {
        if self.print {
            let n = self.texts.get() + 1;
            self.texts.set(n);
            self.s.md_in(text, self.root, skip, &format!("p{n}"))
        } else {
            self.s.md(text, self.root, skip)
        }
    }

    fn flow(&self, fi: usize, here: bool) -> Value {
        let (p, root) = (self.s.p, self.root);
        let f = &p.flows[fi];
        // On the flow's page steps are `#step-…`; on the print page `#p-FLOW-STEP`.
        let link = |step: &str| {
            if here {
                format!("#step-{step}")
            } else {
                format!("#p-{}-{step}", f.id)
            }
        };
        let incoming = |si: usize| -> Vec<Value> {
            let mut v = Vec::new();
            for (from, st) in f.steps.iter().enumerate() {
                for (bi, b) in st.next.iter().enumerate() {
                    if b.to == si && from != si {
                        v.push(json!({
                            "from": st.id, "from_title": st.title,
                            "when": expand(p, &words::branch(p, f, from, bi)),
                        }));
                    }
                }
            }
            v
        };
        let steps: Vec<Value> = f
            .steps
            .iter()
            .enumerate()
            .map(|(si, s)| {
                let role = &p.roles[s.role];
                json!({
                    "id": s.id,
                    "title": s.title,
                    "role": role.label,
                    "role_id": role.id,
                    "org": words::org(role.org),
                    "limit": s.limit.map(format_duration_ja),
                    "hold": s.hold.map(format_duration_ja),
                    "repeat": s.repeat,
                    "do": s.action.as_ref().map(|t| self.md(&t.src)),
                    "end": s.end.as_ref().map(|e| expand(p, e)),
                    "script": s.script.map(|x| {
                        let sc = &p.scripts[x];
                        json!({"id": sc.id, "purpose": sc.purpose, "text": self.md(&sc.text.src)})
                    }),
                    "incoming": incoming(si),
                    "start": si == f.start,
                    "next": s.next.iter().enumerate().map(|(bi, b)| json!({
                        "when": expand(p, &words::branch(p, f, si, bi)),
                        "to": f.steps[b.to].id,
                        "to_title": f.steps[b.to].title,
                        "again": b.to == si,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "id": f.id,
            "title": f.title,
            "provenance": self.s.prov(&format!("flows/{}", f.id)),
            "url": format!("{root}{}", urls::flow(&f.id)),
            "describe": f.describe.as_ref().map(|t| self.md(&t.src)),
            "applies_to": expand(p, &words::condition(p, &f.applies_to)),
            "start": f.steps[f.start].title,
            "svg": self.s.diagrams[fi].svg(p, f, &link, None),
            "steps": steps,
        })
    }

    fn verdicts(&self) -> Vec<Value> {
        let p = self.s.p;
        p.verdicts
            .iter()
            .map(|v| {
                json!({
                    "id": v.id, "label": v.label, "color": v.color, "ink": svg::ink(&v.color),
                    "describe": v.describe.as_ref().map(|t| self.md(&t.src)),
                })
            })
            .collect()
    }

    fn home(&self) -> Value {
        let p = self.s.p;
        let stance = p.stance.as_ref().map(|s| {
            json!({
                "title": s.title,
                "principles": s.principles.iter().map(|t| expand(p, &t.src)).collect::<Vec<_>>(),
                "body": self.md(&s.body.src),
            })
        });
        json!({
            "stance": stance,
            "verdicts": self.verdicts(),
            "flows": p.flows.iter().map(|f| json!({
                "id": f.id, "title": f.title, "url": format!("{}{}", self.root, urls::flow(&f.id)),
                "applies_to": expand(p, &words::condition(p, &f.applies_to)),
                "start": f.steps[f.start].title,
            })).collect::<Vec<_>>(),
            "navi_json": self.s.navi,
        })
    }

    fn criteria(&self) -> Value {
        let p = self.s.p;
        let level = |l: &crate::policy::Named| json!({"id": l.id, "label": l.label, "describe": l.describe.as_ref().map(|t| self.md(&t.src))});
        let types = |ts: &[crate::policy::Type],
                     levels: &crate::policy::Axis,
                     prefix: &str|
         -> Vec<Value> {
            ts.iter()
                .map(|t| {
                    json!({
                        "id": t.id, "anchor": format!("{prefix}-{}", t.id), "label": t.label,
                        "min_level": format!("{} {}", levels.levels[t.min_level].id, levels.levels[t.min_level].label),
                        "verdict": t.verdict.map(|v| p.verdicts[v].label.clone()),
                        "independent": t.independent_of_demand,
                        "when": t.when.as_ref().map(|w| expand(p, &words::condition(p, w))),
                        "describe": t.describe.as_ref().map(|d| self.md(&d.src)),
                    })
                })
                .collect()
        };
        let dots: Vec<svg::Dot> = p
            .cases
            .iter()
            .zip(&self.s.runs)
            .map(|(c, r)| svg::Dot {
                id: &c.id,
                title: &c.title,
                conduct: r.assessment.conduct,
                demand: r.assessment.demand,
            })
            .collect();
        let mut by_cell: BTreeMap<(usize, usize), Vec<Value>> = BTreeMap::new();
        for d in &dots {
            let list = by_cell.entry((d.conduct, d.demand)).or_default();
            if list.len() < 12 {
                list.push(json!({"id": d.id, "title": d.title, "url": format!("{}{}", self.root, urls::case(d.id))}));
            }
        }
        let count = |c: usize, d: usize| {
            dots.iter()
                .filter(|x| x.conduct == c && x.demand == d)
                .count()
        };
        let rows: Vec<Value> = (0..p.conduct.levels.len())
            .rev()
            .map(|c| {
                json!({
                    "level": format!("{} {}", p.conduct.levels[c].id, p.conduct.levels[c].label),
                    "cells": (0..p.demand.levels.len()).map(|d| {
                        let v = &p.verdicts[p.grid[c][d]];
                        let n = count(c, d);
                        json!({
                            "name": p.cell_name(c, d),
                            "verdict": v.label, "color": v.color, "ink": svg::ink(&v.color),
                            "cases": by_cell.get(&(c, d)).cloned().unwrap_or_default(),
                            "more": n.saturating_sub(12),
                        })
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "conduct": {"label": p.conduct.label, "levels": p.conduct.levels.iter().map(level).collect::<Vec<_>>()},
            "demand": {"label": p.demand.label, "levels": p.demand.levels.iter().map(level).collect::<Vec<_>>()},
            "demand_levels": p.demand.levels.iter().map(|l| format!("{} {}", l.id, l.label)).collect::<Vec<_>>(),
            "verdicts": self.verdicts(),
            "grid_svg": svg::grid(p, &dots, self.root, None, false),
            "grid_rows": rows,
            "conduct_types": types(&p.conduct_types, &p.conduct, "ctype"),
            "demand_types": types(&p.demand_types, &p.demand, "dtype"),
            "caps": p.caps.iter().map(|c| {
                let limits: Vec<String> = [(0, &p.conduct, "行為"), (1, &p.demand, "要求")]
                    .into_iter()
                    .filter(|(a, _, _)| !c.types[*a].is_empty())
                    .map(|(a, levels, name)| {
                        let axis = if a == 0 { crate::policy::AxisKind::Conduct } else { crate::policy::AxisKind::Demand };
                        let types: Vec<String> = c.types[a].iter().map(|&t| format!("「{}」", p.types(axis)[t].label)).collect();
                        match c.max[a] {
                            Some(m) => format!("{}による{name}の引き上げは {} {} まで", types.join(""), levels.levels[m].id, levels.levels[m].label),
                            None => format!("{}による{name}の引き上げを行わない", types.join("")),
                        }
                    })
                    .collect();
                json!({
                    "id": c.id, "anchor": format!("cap-{}", c.id), "label": c.label,
                    "when": expand(p, &words::condition(p, &c.when)),
                    "limits": limits,
                    "describe": c.describe.as_ref().map(|d| self.md(&d.src)),
                })
            }).collect::<Vec<_>>(),
            "navi_json": self.s.navi,
        })
    }

    fn definitions(&self) -> Value {
        let p = self.s.p;
        json!({"definitions": p.definitions.iter().map(|d| json!({
            "id": d.id, "term": d.term, "reading": d.reading, "aliases": d.aliases,
            "provenance": self.s.prov(&format!("definitions/{}", d.id)),
            "see_also": d.see_also.iter().map(|&s| json!({"id": p.definitions[s].id, "term": p.definitions[s].term})).collect::<Vec<_>>(),
            "body": self.md_skip(&d.body.src, Some(&d.id)),
        })).collect::<Vec<_>>()})
    }

    fn roles(&self) -> Value {
        let p = self.s.p;
        json!({
            "roles": p.roles.iter().map(|x| json!({"id": x.id, "provenance": self.s.prov(&format!("roles/{}", x.id)), "label": x.label, "org": words::org(x.org), "describe": x.describe.as_ref().map(|t| self.md(&t.src))})).collect::<Vec<_>>(),
            "scripts": p.scripts.iter().map(|s| json!({"id": s.id, "provenance": self.s.prov(&format!("scripts/{}", s.id)), "purpose": s.purpose, "channels": s.channels.iter().map(|&c| p.channels[c].label.clone()).collect::<Vec<_>>(), "text": self.md(&s.text.src)})).collect::<Vec<_>>(),
            "invariants": p.invariants.iter().map(|i| json!({"id": i.id, "provenance": self.s.prov(&format!("invariants/{}", i.id)), "text": expand(p, &i.text)})).collect::<Vec<_>>(),
            "thresholds": p.thresholds.iter().map(|t| json!({"name": t.name, "value": match t.value { crate::policy::Quantity::Duration(s) => format_duration_ja(s), crate::policy::Quantity::Count(n) => format!("{n}回") }})).collect::<Vec<_>>(),
            "vendors": p.manifest.vendors.iter().map(|v| json!({"name": v.name, "contact": v.contact})).collect::<Vec<_>>(),
            "legal_refs": p.manifest.legal_refs.iter().map(|l| json!({"title": l.title, "url": l.url.as_ref().filter(|u| u.starts_with("https://") || u.starts_with("http://")), "note": l.note})).collect::<Vec<_>>(),
        })
    }

    fn aftercare(&self) -> Value {
        let p = self.s.p;
        json!({"aftercare": p.aftercare.iter().map(|a| json!({
            "id": a.id, "title": expand(p, &a.title), "provenance": self.s.prov(&format!("aftercare/{}", a.id)), "role": p.roles[a.role].label, "org": words::org(p.roles[a.role].org),
            "within": format_duration_ja(a.within), "do": self.md(&a.action.src),
        })).collect::<Vec<_>>()})
    }

    fn case_index(&self) -> Value {
        let p = self.s.p;
        json!({"groups": p.verdicts.iter().enumerate().map(|(vi, v)| json!({
            "id": v.id, "label": v.label, "color": v.color, "ink": svg::ink(&v.color),
            "cases": self.s.case_order.iter().filter(|&&i| self.s.runs[i].assessment.verdict == vi).map(|&i| {
                let (c, r) = (&p.cases[i], &self.s.runs[i]);
                json!({"id": c.id, "title": c.title, "url": format!("{}{}", self.root, urls::case(&c.id)), "cell": p.cell_name(r.assessment.conduct, r.assessment.demand)})
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()})
    }

    fn case(&self, ci: usize, with_svg: bool) -> Value {
        let p = self.s.p;
        let c = &p.cases[ci];
        let r = &self.s.runs[ci];
        let a = &r.assessment;
        let f = &c.facts;
        let names = |ids: &[usize], label: &dyn Fn(usize) -> String| {
            ids.iter().map(|&i| label(i)).collect::<Vec<_>>()
        };
        let root = self.root;
        let flow = match (r.flows.as_slice(), &r.route) {
            ([fi], Some(route)) => {
                let fl = &p.flows[*fi];
                let link = |step: &str| format!("{root}{}", urls::step(&fl.id, step));
                Some(json!({
                    "title": fl.title,
                    "url": format!("{root}{}", urls::flow(&fl.id)),
                    "svg": if with_svg { self.s.diagrams[*fi].svg(p, fl, &link, Some(&route.steps)) } else { String::new() },
                    "route": route.steps.iter().map(|&s| json!({"id": fl.steps[s].id, "title": fl.steps[s].title, "url": format!("{root}{}", urls::step(&fl.id, &fl.steps[s].id))})).collect::<Vec<_>>(),
                }))
            }
            _ => None,
        };
        let v = &p.verdicts[a.verdict];
        json!({
            "id": c.id,
            "title": c.title,
            "provenance": self.s.prov(&format!("cases/{}", c.id)),
            "url": format!("{root}{}", urls::case(&c.id)),
            "verdict": v.label, "color": v.color, "ink": svg::ink(&v.color),
            "cell": p.cell_name(a.conduct, a.demand),
            "cell_url": format!("{root}{}", urls::cell(&p.conduct.levels[a.conduct].id, &p.demand.levels[a.demand].id)),
            "explanation": words::explain(p, a),
            "facts": {
                "channel": p.channels[f.channel].label,
                "conduct": format!("{} {}", p.conduct.levels[f.conduct].id, p.conduct.levels[f.conduct].label),
                "demand": format!("{} {}", p.demand.levels[f.demand].id, p.demand.levels[f.demand].label),
                "conduct_types": names(&a.conduct_types, &|i| p.conduct_types[i].label.clone()),
                "demand_types": names(&a.demand_types, &|i| p.demand_types[i].label.clone()),
                "tags": names(&f.tags, &|i| p.tags[i].label.clone()),
                "minutes": f.minutes,
                "repeats": f.repeats,
                "events": names(f.events.as_deref().unwrap_or_default(), &|i| p.events[i].label.clone()),
                "party": f.party.map(|i| p.parties[i].label.clone()),
                "targeted": f.targeted,
                "counts": f.counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(i, n)| format!("{} {n}回", p.counters[i].label)).collect::<Vec<_>>(),
            },
            "small_grid": svg::grid(p, &[], root, Some((a.conduct, a.demand)), true),
            "flow": flow,
            "body": self.md(&c.body.src),
        })
    }

    fn print(&self) -> Value {
        let p = self.s.p;
        let mut print = self.home();
        for part in [
            self.criteria(),
            self.definitions(),
            self.roles(),
            self.aftercare(),
        ] {
            if let (Value::Object(a), Value::Object(b)) = (&mut print, part) {
                a.extend(b);
            }
        }
        print["flows"] = json!(
            (0..p.flows.len())
                .map(|i| self.flow(i, false))
                .collect::<Vec<_>>()
        );
        // Paper holds a selection: up to PRINT_CASES cases, shared among the verdicts.
        let per = PRINT_CASES.div_ceil(p.verdicts.len().max(1));
        let mut taken = vec![0usize; p.verdicts.len()];
        let chosen: Vec<usize> = self
            .s
            .case_order
            .iter()
            .copied()
            .filter(|&i| {
                let v = self.s.runs[i].assessment.verdict;
                taken[v] += 1;
                taken[v] <= per
            })
            .collect();
        print["cases"] = json!(
            chosen
                .iter()
                .map(|&i| self.case(i, false))
                .collect::<Vec<_>>()
        );
        print["cases_total"] = json!(p.cases.len());
        print["pages"] = json!(
            p.pages
                .iter()
                .map(|pg| json!({"id": pg.id, "title": pg.title, "body": self.md(&pg.body.src)}))
                .collect::<Vec<_>>()
        );
        print
    }

    fn deviations(&self) -> Value {
        use crate::provenance::Provenance::*;
        let p = self.s.p;
        let rows: Vec<Value> = p
            .provenance
            .iter()
            .filter_map(|(key, pv)| {
                let (status, record) = match pv {
                    Inherited { .. } => return None,
                    Overridden { record, .. } => ("変更", record.clone()),
                    Removed { record, .. } => ("削除", Some(record.clone())),
                    Own => ("追加", None),
                };
                Some(json!({"item": key, "status": status, "record": record.map(|r| json!({"why": r.why, "owner": r.owner, "review_by": r.review_by.0}))}))
            })
            .collect();
        let lineage: Vec<Value> = p
            .lineage
            .iter()
            .map(|(id, v, d)| json!({"id": id, "version": v, "digest": d}))
            .collect();
        json!({"deviations": rows, "lineage": lineage})
    }
}

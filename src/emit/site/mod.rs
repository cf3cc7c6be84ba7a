//! The online manual: static HTML pages rendered with tera templates, inline SVG diagrams, and a
//! Japanese full-text search index (Pagefind). All links are relative, so the folder works
//! under any sub-path of an intranet server and straight from disk.

mod markdown;
mod search;
pub mod svg;
mod words;

pub use markdown::{heading_id, sanitize};

use crate::compile::cases::run;
use crate::emit::text::expand;
use crate::emit::urls;
use crate::policy::{Policy, format_duration_ja};
use include_dir::{Dir, include_dir};
use markdown::{Place, Terms};
use serde_json::{Value, json};

/// Built-in templates (tera 2) and static assets; a policy's `templates/` and `site/` folders
/// override them file by file.
pub static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");
pub static ASSETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/site");

/// Where the manual came from, for its footer.
pub struct Meta {
    pub revision: Option<String>,
}

/// Why the site could not be rendered (a broken template override, the search indexer).
#[derive(Debug)]
pub struct SiteError(pub String);

pub type Files = Vec<(String, Vec<u8>)>;

/// Built-in files (paths relative to their folder) overridden file by file by the policy's
/// own under `folder/` (`templates/base.html`, `site/style.css`).
fn merged(
    overrides: &[(String, Vec<u8>)],
    dir: &Dir<'static>,
    folder: &str,
) -> Vec<(String, Vec<u8>)> {
    let mut files = crate::load::embedded_files(dir);
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

struct Renderer<'a> {
    p: &'a Policy,
    terms: Terms,
    tera: tera::Tera,
    site: Value,
    nav: Value,
}

impl Renderer<'_> {
    /// A badge for an item of a fork: inherited, changed or added (null outside forks).
    fn prov(&self, key: &str) -> Value {
        use crate::resolve::Provenance::*;
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

    fn md(&self, text: &str, root: &str, skip: Option<&str>) -> String {
        markdown::render(
            self.p,
            &self.terms,
            text,
            &Place {
                root,
                skip_term: skip,
                link_terms: true,
            },
        )
    }

    fn page(
        &self,
        template: &str,
        path: &str,
        title: &str,
        data: Value,
    ) -> Result<(String, Vec<u8>), SiteError> {
        let depth = path.matches('/').count();
        let root = "../".repeat(depth);
        let mut ctx = json!({
            "site": self.site,
            "nav": self.nav,
            "root": root,
            "path": path,
            "title": title,
        });
        if let (Value::Object(c), Value::Object(d)) = (&mut ctx, data) {
            c.extend(d);
        }
        let ctx = tera::Context::from_serialize(&ctx)
            .map_err(|e| SiteError(format!("{template}: {e}")))?;
        RANGE_LEFT.with(|r| r.set(MAX_RANGE_ITEMS));
        let mut html = Limited(Vec::new());
        self.tera
            .render_to(template, &ctx, &mut html)
            .map_err(|e| SiteError(format!("template `{template}`: {e}")))?;
        Ok((path.to_string(), html.0))
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

/// Render the whole manual in memory.
pub fn render(
    p: &Policy,
    overrides: &[(String, Vec<u8>)],
    meta: &Meta,
) -> Result<Files, SiteError> {
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
        "revision": meta.revision,
        "effective_from": m.effective_from,
        "organization": m.organization,
        "created": m.created,
        "revised": m.revised,
        "owners": m.owners,
    });
    let mut nav = vec![
        json!({"title": "ホーム", "url": "index.html"}),
        json!({"title": "判断基準", "url": "criteria.html"}),
    ];
    for f in &p.flows {
        nav.push(json!({"title": f.title, "url": urls::flow(&f.id)}));
    }
    nav.extend([
        json!({"title": "事後対応", "url": "aftercare.html"}),
        json!({"title": "事例", "url": "cases.html"}),
        json!({"title": "用語", "url": "definitions.html"}),
        json!({"title": "体制・文例", "url": "roles.html"}),
    ]);
    for pg in &p.pages {
        nav.push(json!({"title": pg.title, "url": urls::page(&pg.id)}));
    }
    if !p.lineage.is_empty() {
        nav.push(json!({"title": "上位版との差分", "url": "deviations.html"}));
    }
    if p.compliance.is_some() {
        nav.push(json!({"title": "法令・指針との対応", "url": urls::compliance()}));
    }
    if p.stance.as_ref().is_some_and(|s| s.public.is_some()) {
        nav.push(json!({"title": "公開用 基本方針", "url": urls::public_policy()}));
    }
    nav.push(json!({"title": "印刷用", "url": "print.html"}));
    nav.push(json!({"title": "検索", "url": "search.html"}));
    let r = Renderer {
        p,
        terms: Terms::new(p),
        tera,
        site,
        nav: Value::Array(nav),
    };

    let runs: Vec<_> = p.cases.iter().map(|c| run(p, c)).collect();
    let dots: Vec<svg::Dot> = p
        .cases
        .iter()
        .zip(&runs)
        .map(|(c, r)| svg::Dot {
            id: &c.id,
            title: &c.title,
            conduct: r.assessment.conduct,
            demand: r.assessment.demand,
        })
        .collect();

    let mut out: Files = Vec::new();
    // Data shared by several pages, built once per root depth.
    let top = Data::new(&r, "", &runs, &dots);
    let sub = Data::new(&r, "../", &runs, &dots);

    out.push(r.page("index.html", "index.html", &m.title, top.home())?);
    out.push(r.page("criteria.html", "criteria.html", "判断基準", top.criteria())?);
    out.push(r.page(
        "definitions.html",
        "definitions.html",
        "用語",
        top.definitions(),
    )?);
    out.push(r.page("roles.html", "roles.html", "体制・文例", top.roles())?);
    out.push(r.page(
        "aftercare.html",
        "aftercare.html",
        "事後対応",
        top.aftercare(),
    )?);
    out.push(r.page("cases.html", "cases.html", "事例", top.case_index())?);
    out.push(r.page("search.html", "search.html", "検索", json!({}))?);
    for (fi, f) in p.flows.iter().enumerate() {
        out.push(r.page(
            "flow.html",
            &urls::flow(&f.id),
            &f.title,
            json!({"flow": sub.flows[fi]}),
        )?);
    }
    for (ci, c) in p.cases.iter().enumerate() {
        out.push(r.page(
            "case.html",
            &urls::case(&c.id),
            &c.title,
            json!({"case": sub.case(ci, true)}),
        )?);
    }
    for pg in &p.pages {
        out.push(r.page(
            "page.html",
            &urls::page(&pg.id),
            &pg.title,
            json!({"body": r.md(&pg.body.src, "../", None)}),
        )?);
    }
    let mut print = top.home();
    for part in [
        top.criteria(),
        top.definitions(),
        top.roles(),
        top.aftercare(),
    ] {
        if let (Value::Object(a), Value::Object(b)) = (&mut print, part) {
            a.extend(b);
        }
    }
    print["flows"] = json!(top.flows);
    print["cases"] = json!(
        (0..p.cases.len())
            .map(|i| top.case(i, false))
            .collect::<Vec<_>>()
    );
    print["pages"] = json!(
        p.pages
            .iter()
            .map(|pg| json!({"id": pg.id, "title": pg.title, "body": r.md(&pg.body.src, "", None)}))
            .collect::<Vec<_>>()
    );
    out.push(r.page(
        "print.html",
        "print.html",
        &format!("{}（印刷用）", m.title),
        print,
    )?);

    if p.compliance.is_some() {
        out.push(r.page(
            "compliance.html",
            &urls::compliance(),
            "法令・指針との対応",
            top.compliance(),
        )?);
    }
    if let Some(public) = p.stance.as_ref().and_then(|s| s.public.as_ref()) {
        out.push(r.page(
            "public.html",
            &urls::public_policy(),
            &public.title,
            top.public_policy(public),
        )?);
    }
    if !p.lineage.is_empty() {
        use crate::resolve::Provenance::*;
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
        out.push(r.page(
            "deviations.html",
            "deviations.html",
            "上位版との差分",
            json!({"deviations": rows, "lineage": lineage}),
        )?);
    }
    let index = search::index(&out).map_err(SiteError)?;
    out.extend(index);
    out.extend(
        merged(overrides, &ASSETS, "site")
            .into_iter()
            .map(|(p, b)| (format!("assets/{p}"), b)),
    );
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Page data at one depth (links are relative to the page).
struct Data<'a> {
    r: &'a Renderer<'a>,
    root: &'a str,
    runs: &'a [crate::compile::cases::CaseRun],
    dots: &'a [svg::Dot<'a>],
    flows: Vec<Value>,
}

impl<'a> Data<'a> {
    fn new(
        r: &'a Renderer<'a>,
        root: &'a str,
        runs: &'a [crate::compile::cases::CaseRun],
        dots: &'a [svg::Dot<'a>],
    ) -> Self {
        let mut d = Data {
            r,
            root,
            runs,
            dots,
            flows: Vec::new(),
        };
        d.flows = (0..r.p.flows.len()).map(|i| d.flow(i, None)).collect();
        d
    }

    fn flow(&self, fi: usize, route: Option<&[usize]>) -> Value {
        let (p, root) = (self.r.p, self.root);
        let f = &p.flows[fi];
        let here = route.is_none();
        let link = |step: &str| {
            if here {
                format!("#step-{step}")
            } else {
                format!("{root}{}", urls::step(&f.id, step))
            }
        };
        let steps: Vec<Value> = f
            .steps
            .iter()
            .map(|s| {
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
                    "do": s.action.as_ref().map(|t| self.r.md(&t.src, root, None)),
                    "end": s.end.as_ref().map(|e| expand(p, e)),
                    "script": s.script.map(|x| {
                        let sc = &p.scripts[x];
                        json!({"id": sc.id, "purpose": sc.purpose, "text": self.r.md(&sc.text.src, root, None)})
                    }),
                    "next": s.next.iter().map(|b| json!({
                        "when": b.when.as_ref().map_or_else(|| "それ以外".to_string(), |c| expand(p, &words::condition(p, c))),
                        "to": f.steps[b.to].id,
                        "to_title": f.steps[b.to].title,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "id": f.id,
            "title": f.title,
            "provenance": self.r.prov(&format!("flows/{}", f.id)),
            "url": format!("{root}{}", urls::flow(&f.id)),
            "describe": f.describe.as_ref().map(|t| self.r.md(&t.src, root, None)),
            "applies_to": expand(p, &words::condition(p, &f.applies_to)),
            "start": f.steps[f.start].title,
            "svg": svg::flow(p, f, &link, route),
            "steps": steps,
        })
    }

    fn verdicts(&self) -> Vec<Value> {
        let p = self.r.p;
        p.verdicts
            .iter()
            .map(|v| {
                json!({
                    "id": v.id, "label": v.label, "color": v.color, "ink": svg::ink(&v.color),
                    "describe": v.describe.as_ref().map(|t| self.r.md(&t.src, self.root, None)),
                })
            })
            .collect()
    }

    fn home(&self) -> Value {
        let p = self.r.p;
        let stance = p.stance.as_ref().map(|s| {
            json!({
                "title": s.title,
                "principles": s.principles.iter().map(|t| expand(p, &t.src)).collect::<Vec<_>>(),
                "body": self.r.md(&s.body.src, self.root, None),
            })
        });
        json!({
            "stance": stance,
            "verdicts": self.verdicts(),
            "flows": self.flows.iter().map(|f| json!({"id": f["id"], "title": f["title"], "url": f["url"], "applies_to": f["applies_to"], "start": f["start"], "describe": f["describe"]})).collect::<Vec<_>>(),
            "small_grid": svg::grid(p, &[], self.root, None, true),
        })
    }

    fn criteria(&self) -> Value {
        let p = self.r.p;
        let level = |l: &crate::policy::Named| json!({"id": l.id, "label": l.label, "describe": l.describe.as_ref().map(|t| self.r.md(&t.src, self.root, None))});
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
                        "describe": t.describe.as_ref().map(|d| self.r.md(&d.src, self.root, None)),
                    })
                })
                .collect()
        };
        let rows: Vec<Value> = (0..p.conduct.levels.len())
            .rev()
            .map(|c| {
                json!({
                    "level": format!("{} {}", p.conduct.levels[c].id, p.conduct.levels[c].label),
                    "cells": (0..p.demand.levels.len()).map(|d| {
                        let v = &p.verdicts[p.grid[c][d]];
                        json!({
                            "name": p.cell_name(c, d),
                            "verdict": v.label, "color": v.color, "ink": svg::ink(&v.color),
                            "cases": self.dots.iter().filter(|x| x.conduct == c && x.demand == d).map(|x| json!({"id": x.id, "title": x.title, "url": format!("{}{}", self.root, urls::case(x.id))})).collect::<Vec<_>>(),
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
            "grid_svg": svg::grid(p, self.dots, self.root, None, false),
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
                    "describe": c.describe.as_ref().map(|d| self.r.md(&d.src, self.root, None)),
                })
            }).collect::<Vec<_>>(),
        })
    }

    /// An item a compliance measure names: its label and link.
    fn item(&self, link: crate::policy::ItemLink) -> Value {
        use crate::policy::{AxisKind, ItemLink::*};
        let (p, root) = (self.r.p, self.root);
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
        let p = self.r.p;
        let Some(c) = &p.compliance else {
            return json!({"frameworks": [], "announcements": []});
        };
        json!({
            "frameworks": c.frameworks.iter().map(|f| json!({
                "id": f.id, "title": f.title, "source": f.source,
                "describe": f.describe.as_ref().map(|t| self.r.md(&t.src, self.root, None)),
                "measures": f.measures.iter().map(|m| json!({
                    "id": m.id, "title": m.title, "required": m.required,
                    "describe": m.describe.as_ref().map(|t| self.r.md(&t.src, self.root, None)),
                    "items": m.items.iter().map(|&i| self.item(i)).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "announcements": c.announcements.iter().map(|a| json!({"date": a.date.0, "audience": a.audience, "method": a.method})).collect::<Vec<_>>(),
        })
    }

    /// The customer-facing basic policy: the stance's public text, the conduct the criteria
    /// hold unacceptable whatever the demand, and the organisation and dates (from the site).
    fn public_policy(&self, public: &crate::policy::PublicStance) -> Value {
        let p = self.r.p;
        let md = |t: &crate::policy::Text| {
            markdown::render(
                p,
                &self.r.terms,
                &t.src,
                &Place {
                    root: self.root,
                    skip_term: None,
                    link_terms: false,
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

    fn definitions(&self) -> Value {
        let p = self.r.p;
        json!({"definitions": p.definitions.iter().map(|d| json!({
            "id": d.id, "term": d.term, "reading": d.reading, "aliases": d.aliases,
            "provenance": self.r.prov(&format!("definitions/{}", d.id)),
            "see_also": d.see_also.iter().map(|&s| json!({"id": p.definitions[s].id, "term": p.definitions[s].term})).collect::<Vec<_>>(),
            "body": self.r.md(&d.body.src, self.root, Some(&d.id)),
        })).collect::<Vec<_>>()})
    }

    fn roles(&self) -> Value {
        let p = self.r.p;
        json!({
            "roles": p.roles.iter().map(|x| json!({"id": x.id, "provenance": self.r.prov(&format!("roles/{}", x.id)), "label": x.label, "org": words::org(x.org), "describe": x.describe.as_ref().map(|t| self.r.md(&t.src, self.root, None))})).collect::<Vec<_>>(),
            "scripts": p.scripts.iter().map(|s| json!({"id": s.id, "provenance": self.r.prov(&format!("scripts/{}", s.id)), "purpose": s.purpose, "channels": s.channels.iter().map(|&c| p.channels[c].label.clone()).collect::<Vec<_>>(), "text": self.r.md(&s.text.src, self.root, None)})).collect::<Vec<_>>(),
            "invariants": p.invariants.iter().map(|i| json!({"id": i.id, "provenance": self.r.prov(&format!("invariants/{}", i.id)), "text": expand(p, &i.text)})).collect::<Vec<_>>(),
            "thresholds": p.thresholds.iter().map(|t| json!({"name": t.name, "value": match t.value { crate::policy::Quantity::Duration(s) => format_duration_ja(s), crate::policy::Quantity::Count(n) => format!("{n}回") }})).collect::<Vec<_>>(),
            "vendors": p.manifest.vendors.iter().map(|v| json!({"name": v.name, "contact": v.contact})).collect::<Vec<_>>(),
            "legal_refs": p.manifest.legal_refs.iter().map(|l| json!({"title": l.title, "url": l.url.as_ref().filter(|u| u.starts_with("https://") || u.starts_with("http://")), "note": l.note})).collect::<Vec<_>>(),
        })
    }

    fn aftercare(&self) -> Value {
        let p = self.r.p;
        json!({"aftercare": p.aftercare.iter().map(|a| json!({
            "id": a.id, "title": expand(p, &a.title), "provenance": self.r.prov(&format!("aftercare/{}", a.id)), "role": p.roles[a.role].label, "org": words::org(p.roles[a.role].org),
            "within": format_duration_ja(a.within), "do": self.r.md(&a.action.src, self.root, None),
        })).collect::<Vec<_>>()})
    }

    fn case_index(&self) -> Value {
        let p = self.r.p;
        json!({"groups": p.verdicts.iter().enumerate().map(|(vi, v)| json!({
            "label": v.label, "color": v.color, "ink": svg::ink(&v.color),
            "cases": p.cases.iter().zip(self.runs).filter(|(_, r)| r.assessment.verdict == vi).map(|(c, r)| json!({
                "id": c.id, "title": c.title, "url": format!("{}{}", self.root, urls::case(&c.id)), "cell": p.cell_name(r.assessment.conduct, r.assessment.demand),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()})
    }

    fn case(&self, ci: usize, with_svg: bool) -> Value {
        let p = self.r.p;
        let c = &p.cases[ci];
        let r = &self.runs[ci];
        let a = &r.assessment;
        let f = &c.facts;
        let names = |ids: &[usize], label: &dyn Fn(usize) -> String| {
            ids.iter().map(|&i| label(i)).collect::<Vec<_>>()
        };
        let flow = match (r.flows.as_slice(), &r.route) {
            ([fi], Some(route)) => {
                // Only what a case shows of its flow: title, link, route, and the diagram.
                let fl = &p.flows[*fi];
                let root = self.root;
                let link = |step: &str| format!("{root}{}", urls::step(&fl.id, step));
                let mut v = json!({
                    "title": fl.title,
                    "url": format!("{root}{}", urls::flow(&fl.id)),
                    "svg": if with_svg { svg::flow(p, fl, &link, Some(&route.steps)) } else { String::new() },
                });
                v["route"] = json!(route.steps.iter().map(|&s| json!({"id": p.flows[*fi].steps[s].id, "title": p.flows[*fi].steps[s].title, "url": format!("{}{}", self.root, urls::step(&p.flows[*fi].id, &p.flows[*fi].steps[s].id))})).collect::<Vec<_>>());
                Some(v)
            }
            _ => None,
        };
        let v = &p.verdicts[a.verdict];
        json!({
            "id": c.id,
            "title": c.title,
            "provenance": self.r.prov(&format!("cases/{}", c.id)),
            "url": format!("{}{}", self.root, urls::case(&c.id)),
            "verdict": v.label, "color": v.color, "ink": svg::ink(&v.color),
            "cell": p.cell_name(a.conduct, a.demand),
            "cell_url": format!("{}{}", self.root, urls::cell(&p.conduct.levels[a.conduct].id, &p.demand.levels[a.demand].id)),
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
            "small_grid": svg::grid(p, &[], self.root, Some((a.conduct, a.demand)), true),
            "flow": flow,
            "body": self.r.md(&c.body.src, self.root, None),
        })
    }
}

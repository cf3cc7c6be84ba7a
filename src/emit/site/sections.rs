//! The sections search finds (see [`search`](super::search)): one function per kind of section,
//! in the order of the manual. Everything here is read from the policy, the case runs compile
//! made and what the decision aid sends to each step; nothing is judged again.

use super::search::Doc;
use super::{Site, branches_into, markdown, words};
use crate::emit::text::expand;
use crate::emit::urls;
use crate::policy::{AxisKind, Policy, Text};

impl Site<'_> {
    /// The sections search finds, each with its anchor, in the order of the manual.
    pub(super) fn search_docs(&self) -> Vec<Doc> {
        let mut s = Sections {
            p: self.p,
            docs: Vec::new(),
        };
        s.stance();
        s.criteria();
        s.glossary();
        s.roles();
        s.aftercare();
        s.flows(&self.reached);
        s.pages();
        s.cases(self);
        s.docs
    }
}

/// The sections gathered so far.
struct Sections<'p> {
    p: &'p Policy,
    docs: Vec<Doc>,
}

impl Sections<'_> {
    /// Add a section; `keys` are words it is about but may not show.
    fn add(&mut self, url: String, title: &str, page: &str, text: String, keys: String) {
        self.docs.push(Doc {
            url,
            title: title.to_string(),
            page: page.to_string(),
            text,
            keys,
            handles: String::new(),
        });
    }

    fn plain(&self, t: &Text) -> String {
        markdown::plain(self.p, &t.src)
    }

    /// An optional description as plain text (empty without one).
    fn described(&self, t: &Option<Text>) -> String {
        t.as_ref().map(|t| self.plain(t)).unwrap_or_default()
    }

    /// The stance on the home page: its principles and its text.
    fn stance(&mut self) {
        let p = self.p;
        let Some(st) = &p.stance else { return };
        let mut text: Vec<String> = st.principles.iter().map(|t| expand(p, &t.src)).collect();
        text.push(self.plain(&st.body));
        self.add(
            "index.html#stance".into(),
            &st.title,
            "ホーム",
            text.join(" "),
            String::new(),
        );
    }

    /// The criteria page: verdicts, the levels of both axes, the types of both axes.
    fn criteria(&mut self) {
        let p = self.p;
        for v in &p.verdicts {
            let text = self.described(&v.describe);
            self.add(
                urls::verdict(&v.id),
                &v.label,
                "判断基準",
                text,
                String::new(),
            );
        }
        for (axis, levels) in [
            (AxisKind::Conduct, &p.conduct),
            (AxisKind::Demand, &p.demand),
        ] {
            for (i, l) in levels.levels.iter().enumerate() {
                let text = self.described(&l.describe);
                let title = format!("{}: {}", words::axis_name(axis), words::level(p, axis, i));
                self.add(urls::level(&l.id), &title, "判断基準", text, String::new());
            }
        }
        for axis in [AxisKind::Conduct, AxisKind::Demand] {
            for t in p.types(axis) {
                let url = match axis {
                    AxisKind::Conduct => urls::conduct_type(&t.id),
                    AxisKind::Demand => urls::demand_type(&t.id),
                };
                let text = self.described(&t.describe);
                self.add(url, &t.label, "判断基準", text, String::new());
            }
        }
    }

    /// The definitions, found also by their aliases and readings.
    fn glossary(&mut self) {
        for d in &self.p.definitions {
            let keys: Vec<String> = d.aliases.iter().chain(d.reading.iter()).cloned().collect();
            let text = self.plain(&d.body);
            self.add(
                urls::definition(&d.id),
                &d.term,
                "用語",
                text,
                keys.join(" "),
            );
        }
    }

    /// The roles page: roles, scripts, invariants.
    fn roles(&mut self) {
        let p = self.p;
        let page = "体制・文例";
        for r in &p.roles {
            let text = self.described(&r.describe);
            self.add(urls::role(&r.id), &r.label, page, text, String::new());
        }
        for s in &p.scripts {
            let text = self.plain(&s.text);
            self.add(urls::script(&s.id), &s.purpose, page, text, String::new());
        }
        for i in &p.invariants {
            let title = expand(p, &i.text);
            self.add(
                urls::invariant(&i.id),
                &title,
                page,
                String::new(),
                String::new(),
            );
        }
    }

    /// The aftercare, found also by the role that does it.
    fn aftercare(&mut self) {
        let p = self.p;
        for a in &p.aftercare {
            let text = self.plain(&a.action);
            self.add(
                urls::aftercare(&a.id),
                &expand(p, &a.title),
                "事後対応",
                text,
                p.roles[a.role].label.clone(),
            );
        }
    }

    /// Each flow (found by what it applies to) and its steps: a step is found by its role and
    /// the branches into it, and by what the decision aid sends to it (`reached`, per flow and
    /// step).
    fn flows(&mut self, reached: &[Vec<std::collections::BTreeSet<String>>]) {
        let p = self.p;
        for (fi, f) in p.flows.iter().enumerate() {
            let text = self.described(&f.describe);
            let applies = expand(p, &words::condition(p, &f.applies_to));
            self.add(urls::flow(&f.id), &f.title, &f.title, text, applies);
            for (si, s) in f.steps.iter().enumerate() {
                let mut text = vec![self.described(&s.action)];
                if let Some(x) = s.script {
                    let sc = &p.scripts[x];
                    text.push(format!("{}: {}", sc.purpose, self.plain(&sc.text)));
                }
                if let Some(e) = &s.end {
                    text.push(expand(p, e));
                }
                let mut keys: Vec<String> = vec![p.roles[s.role].label.clone()];
                keys.extend(
                    branches_into(f, si)
                        .map(|(from, bi)| expand(p, &words::branch(p, f, from, bi))),
                );
                let url = urls::step(&f.id, &s.id);
                self.add(url, &s.title, &f.title, text.join(" "), keys.join(" "));
                if let (Some(doc), Some(handles)) = (
                    self.docs.last_mut(),
                    reached.get(fi).and_then(|r| r.get(si)),
                ) {
                    doc.handles = handles.iter().cloned().collect::<Vec<_>>().join(" ");
                }
            }
        }
    }

    /// The free pages, one section per heading.
    fn pages(&mut self) {
        let p = self.p;
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
                self.add(url, title, &pg.title, text, String::new());
            }
        }
    }

    /// The cases, found by their verdict, channel, types and tags as compile ran them.
    fn cases(&mut self, site: &Site) {
        let p = self.p;
        for (c, run) in p.cases.iter().zip(&site.runs) {
            let a = &run.assessment;
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
            let text = self.plain(&c.body);
            self.add(urls::case(&c.id), &c.title, "事例", text, keys.join(" "));
        }
    }
}

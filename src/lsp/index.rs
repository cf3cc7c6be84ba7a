//! Where every id of a policy is defined and referred to, from the loaded documents (JSON values
//! and the position of every node, `load::yaml::Spans`). It knows which keys of which kind of
//! file hold which kind of id — the same table the checker resolves references with — so it works
//! on a policy with errors: a broken file is left out, the others are indexed.

use crate::compile::lints::PLACEHOLDER;
use crate::diag::{At, FileId, Origin};
use crate::load::yaml::{Pos, Style, escape};
use crate::load::{Document, Sources};
use crate::model::Kind;
use crate::policy::Policy;
use serde_json::Value;

/// The kinds of ids a policy defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKind {
    /// A role (`roles.yaml`): who acts in a step (operator, SV, …).
    Role,
    /// A step of a flow (scoped by the flow's id).
    Step,
    /// A level of the conduct axis (行為) of `criteria.yaml`.
    ConductLevel,
    /// A level of the demand axis (要求) of `criteria.yaml`.
    DemandLevel,
    /// A verdict of the grid (`criteria.yaml`).
    Verdict,
    /// A type of conduct (暴言, 長時間拘束, …) of `criteria.yaml`.
    ConductType,
    /// A type of demand of `criteria.yaml`.
    DemandType,
    /// A named threshold (`{{threshold}}` placeholders, durations and counts).
    Threshold,
    /// A defined term (`definitions/`).
    Term,
    /// A script (トーク例) an operator says.
    Script,
    /// An event a flow waits for or branches on.
    Event,
    /// A contact channel (phone, chat, mail …) of `vocabulary.yaml`.
    Channel,
    /// A tag of `vocabulary.yaml`, set on a contact.
    Tag,
    /// An escalation flow (`flows/`).
    Flow,
    /// A case study (`cases/`).
    Case,
    /// An invariant a flow must keep (`policy.yaml`).
    Invariant,
    /// A follow-up measure (事後対応).
    Aftercare,
    /// A vendor (委託先) named in `policy.yaml`.
    Vendor,
    /// A free page of the manual (`pages/`).
    Page,
    /// A party a contact comes from (`vocabulary.yaml` `parties`).
    Party,
    /// A counter of `vocabulary.yaml` (a count a contact carries).
    Counter,
    /// A protective cap on a raised level (`criteria.yaml` `caps`).
    Cap,
}

impl IdKind {
    /// The catalogue id of the kind's name (`what-role`: "role" / 「役割」).
    pub fn what(self) -> &'static str {
        use IdKind::*;
        match self {
            Role => "what-role",
            Step => "what-step",
            ConductLevel => "what-conduct-level",
            DemandLevel => "what-demand-level",
            Verdict => "what-verdict",
            ConductType => "what-conduct-type",
            DemandType => "what-demand-type",
            Threshold => "what-threshold",
            Term => "what-definition",
            Script => "what-script",
            Event => "what-event",
            Channel => "what-channel",
            Tag => "what-tag",
            Flow => "what-flow",
            Case => "what-case",
            Invariant => "what-invariant",
            Aftercare => "what-aftercare",
            Vendor => "what-vendor",
            Page => "what-page",
            Party => "what-party",
            Counter => "what-counter",
            Cap => "what-cap",
        }
    }

    /// The key of an item in the compiled policy's provenance map (`roles/operator`).
    pub fn provenance_kind(self) -> Option<&'static str> {
        Some(match self {
            IdKind::Role => "roles",
            IdKind::Script => "scripts",
            IdKind::Flow => "flows",
            IdKind::Case => "cases",
            IdKind::Term => "definitions",
            IdKind::Invariant => "invariants",
            IdKind::Aftercare => "aftercare",
            IdKind::Page => "pages",
            IdKind::Threshold => "thresholds",
            _ => return None,
        })
    }
}

/// An id of a kind; steps are scoped by their flow's id (empty when the flow is unknown).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// What kind of item the id names.
    pub kind: IdKind,
    /// For a step, its flow's id; empty otherwise.
    pub scope: String,
    /// The id as written.
    pub id: String,
}

impl Key {
    /// Same id, or a step of an unknown flow that may be it.
    pub fn matches(&self, other: &Key) -> bool {
        self.kind == other.kind
            && self.id == other.id
            && (self.scope == other.scope || self.scope.is_empty() || other.scope.is_empty())
    }
}

/// A stretch of a file: 1-based lines, 1-based character columns, end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Range {
    /// First character.
    pub start: Pos,
    /// Just past the last character.
    pub end: Pos,
}

impl Range {
    /// Whether `p` lies in the range or at either end (a cursor right after an id is on it).
    pub fn contains(&self, p: Pos) -> bool {
        self.start <= p && p <= self.end
    }
}

/// One place an id is written.
#[derive(Clone, Debug)]
pub struct Occurrence {
    /// The id written there.
    pub key: Key,
    /// The file it is written in.
    pub file: FileId,
    /// Where in the file.
    pub range: Range,
    /// The definition (the `id:` of the item) rather than a reference.
    pub def: bool,
    /// For a definition: the item's node, for its hover text and its symbol's extent.
    pub item: String,
    /// The layer of the file (0: the policy, 1: its upstream…).
    pub layer: usize,
}

/// Every occurrence of every id in a policy's files, sorted by file and position.
#[derive(Default)]
pub struct Index {
    /// Definitions and references, sorted by file and position.
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    /// Index the documents; the compiled policy, when there is one, tells which flow a case
    /// without `expect.flow` takes (its route's steps belong to that flow).
    pub fn build(sources: &Sources, policy: Option<&Policy>) -> Index {
        let mut occurrences = Vec::new();
        for doc in &sources.docs {
            let mut w = Walker {
                sources,
                policy,
                doc,
                out: &mut occurrences,
            };
            w.document();
        }
        occurrences.sort_by_key(|o| (o.file, o.range));
        Index { occurrences }
    }

    /// The occurrence under a position of a file.
    pub fn at(&self, file: FileId, pos: Pos) -> Option<&Occurrence> {
        let from = self.occurrences.partition_point(|o| o.file < file);
        self.occurrences[from..]
            .iter()
            .take_while(|o| o.file == file)
            .find(|o| o.range.contains(pos))
    }

    /// Definitions of a key, the nearest layer (the one that takes effect) first.
    pub fn definitions(&self, key: &Key) -> Vec<&Occurrence> {
        let mut v: Vec<&Occurrence> = self
            .occurrences
            .iter()
            .filter(|o| o.def && o.key.matches(key))
            .collect();
        v.sort_by_key(|o| o.layer);
        v
    }

    /// Every occurrence of a key.
    pub fn references(&self, key: &Key) -> impl Iterator<Item = &Occurrence> {
        self.occurrences.iter().filter(move |o| o.key.matches(key))
    }

    /// The effective definition of every id of a kind (nearest layer wins), sorted by id.
    pub fn defined(&self, kind: IdKind, scope: Option<&str>) -> Vec<&Occurrence> {
        let mut v: Vec<&Occurrence> = self
            .occurrences
            .iter()
            .filter(|o| o.def && o.key.kind == kind && scope.is_none_or(|s| o.key.scope == s))
            .collect();
        v.sort_by(|a, b| (&a.key, a.layer).cmp(&(&b.key, b.layer)));
        v.dedup_by(|b, a| a.key == b.key);
        v
    }

    /// Definitions in one file, in file order.
    pub fn defined_in(&self, file: FileId) -> impl Iterator<Item = &Occurrence> {
        self.occurrences
            .iter()
            .filter(move |o| o.def && o.file == file)
    }
}

struct Walker<'a> {
    sources: &'a Sources,
    policy: Option<&'a Policy>,
    doc: &'a Document,
    out: &'a mut Vec<Occurrence>,
}

impl Walker<'_> {
    fn value(&self, ptr: &str) -> Option<&Value> {
        self.doc.value.pointer(ptr)
    }

    fn push(&mut self, kind: IdKind, scope: &str, id: &str, range: Range, def: bool, item: &str) {
        self.out.push(Occurrence {
            key: Key {
                kind,
                scope: scope.to_string(),
                id: id.to_string(),
            },
            file: self.doc.file,
            range,
            def,
            item: item.to_string(),
            layer: self.doc.layer,
        });
    }

    /// The range of the scalar at `ptr`.
    fn scalar_range(&self, ptr: &str, text: &str) -> Option<Range> {
        let span = self.doc.spans.get(ptr)?;
        let start = span.value;
        let end = if span.end.line == start.line && span.end.col > start.col {
            span.end
        } else {
            let quotes = u32::from(span.style == Style::Quoted) * 2;
            Pos {
                line: start.line,
                col: start.col + text.chars().count() as u32 + quotes,
            }
        };
        Some(Range { start, end })
    }

    /// An id written as a string value.
    fn id(&mut self, ptr: &str, kind: IdKind, scope: &str, def: bool, item: &str) {
        let Some(Value::String(id)) = self.value(ptr) else {
            return;
        };
        let id = id.clone();
        if let Some(range) = self.scalar_range(ptr, &id) {
            self.push(kind, scope, &id, range, def, item);
        }
    }

    /// An id or a list of ids.
    fn ids(&mut self, ptr: &str, kind: IdKind, scope: &str) {
        match self.value(ptr) {
            Some(Value::String(_)) => self.id(ptr, kind, scope, false, ""),
            Some(Value::Array(a)) => {
                for i in 0..a.len() {
                    self.id(&format!("{ptr}/{i}"), kind, scope, false, "");
                }
            }
            _ => {}
        }
    }

    /// A duration or count that may name a threshold.
    fn threshold_ref(&mut self, ptr: &str) {
        if let Some(Value::String(s)) = self.value(ptr)
            && s.starts_with(|c: char| c.is_ascii_lowercase())
        {
            self.id(ptr, IdKind::Threshold, "", false, "");
        }
    }

    /// A mapping key that is an id (`grid: {c0: …}`, `thresholds: {long_call: …}`).
    fn key(&mut self, ptr: &str, name: &str, kind: IdKind, def: bool) {
        let Some(span) = self.doc.spans.get(ptr) else {
            return;
        };
        let Some(start) = span.key else {
            return;
        };
        let end = span
            .key_end
            .filter(|e| e.line == start.line)
            .unwrap_or(Pos {
                line: start.line,
                col: start.col + name.chars().count() as u32,
            });
        self.push(kind, "", name, Range { start, end }, def, ptr);
    }

    fn len(&self, ptr: &str) -> usize {
        self.value(ptr)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    }

    fn keys(&self, ptr: &str) -> Vec<String> {
        self.value(ptr)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// A list of items with an `id` each.
    fn items(&mut self, ptr: &str, kind: IdKind) {
        for i in 0..self.len(ptr) {
            let item = format!("{ptr}/{i}");
            self.id(&format!("{item}/id"), kind, "", true, &item);
        }
    }

    /// A condition (`when`, `applies_to`): every key that names ids.
    fn condition(&mut self, ptr: &str) {
        if self.value(ptr).and_then(Value::as_object).is_none() {
            return;
        }
        for (key, kind) in [
            ("verdict", IdKind::Verdict),
            ("conduct_at_least", IdKind::ConductLevel),
            ("demand_at_least", IdKind::DemandLevel),
            ("conduct_types", IdKind::ConductType),
            ("demand_types", IdKind::DemandType),
            ("tags", IdKind::Tag),
            ("channel", IdKind::Channel),
            ("event", IdKind::Event),
            ("party", IdKind::Party),
        ] {
            self.ids(&format!("{ptr}/{key}"), kind, "");
        }
        for counter in self.keys(&format!("{ptr}/counts_at_least")) {
            let at = format!("{ptr}/counts_at_least/{}", escape(&counter));
            self.key(&at, &counter, IdKind::Counter, false);
        }
        for i in 0..self.len(&format!("{ptr}/any")) {
            self.condition(&format!("{ptr}/any/{i}"));
        }
        self.threshold_ref(&format!("{ptr}/minutes_at_least"));
        self.threshold_ref(&format!("{ptr}/repeats_at_least"));
        self.condition(&format!("{ptr}/not"));
    }

    fn document(&mut self) {
        match self.doc.kind {
            Kind::Manifest => self.manifest(),
            Kind::Criteria => self.criteria(),
            Kind::Vocabulary => {
                self.items("/channels", IdKind::Channel);
                self.items("/tags", IdKind::Tag);
                self.items("/parties", IdKind::Party);
                self.items("/counters", IdKind::Counter);
            }
            Kind::Roles => self.items("", IdKind::Role),
            Kind::Scripts => {
                self.items("", IdKind::Script);
                for i in 0..self.len("") {
                    self.ids(&format!("/{i}/channel"), IdKind::Channel, "");
                }
            }
            Kind::Aftercare => {
                self.items("", IdKind::Aftercare);
                for i in 0..self.len("") {
                    self.id(&format!("/{i}/role"), IdKind::Role, "", false, "");
                    self.threshold_ref(&format!("/{i}/within"));
                }
            }
            Kind::Invariants => {
                self.items("", IdKind::Invariant);
                for i in 0..self.len("") {
                    self.condition(&format!("/{i}/when"));
                    self.ids(&format!("/{i}/reach_role"), IdKind::Role, "");
                    self.threshold_ref(&format!("/{i}/max_hold"));
                    self.threshold_ref(&format!("/{i}/max_limit"));
                }
            }
            Kind::Flow => self.flow(),
            Kind::Case => self.case(),
            Kind::Definition => {
                self.id("/id", IdKind::Term, "", true, "");
                self.ids("/see_also", IdKind::Term, "");
            }
            Kind::Page => {
                // A page's id is its file name; its title stands for it.
                let stem = self.stem();
                if let Some(Value::String(title)) = self.value("/title")
                    && let Some(range) = self.scalar_range("/title", &title.clone())
                {
                    self.push(IdKind::Page, "", &stem, range, true, "");
                }
            }
            Kind::Stance | Kind::Review | Kind::Compliance => {}
        }
        self.placeholders();
    }

    fn stem(&self) -> String {
        let path = &self.sources.file(self.doc.file).path;
        let name = path.rsplit('/').next().unwrap_or(path);
        name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
    }

    fn manifest(&mut self) {
        for name in self.keys("/thresholds") {
            self.key(
                &format!("/thresholds/{}", escape(&name)),
                &name,
                IdKind::Threshold,
                true,
            );
        }
        self.items("/vendors", IdKind::Vendor);
        self.threshold_ref("/fork/bounds/hold/max");
        self.threshold_ref("/fork/bounds/limit/max");
        for (part, kind) in [
            ("definitions", IdKind::Term),
            ("roles", IdKind::Role),
            ("scripts", IdKind::Script),
            ("flows", IdKind::Flow),
            ("aftercare", IdKind::Aftercare),
            ("invariants", IdKind::Invariant),
            ("cases", IdKind::Case),
            ("pages", IdKind::Page),
        ] {
            let ptr = format!("/remove/{part}");
            for i in 0..self.len(&ptr) {
                self.id(&format!("{ptr}/{i}/id"), kind, "", false, "");
            }
        }
    }

    fn criteria(&mut self) {
        self.items("/axes/conduct/levels", IdKind::ConductLevel);
        self.items("/axes/demand/levels", IdKind::DemandLevel);
        self.items("/verdicts", IdKind::Verdict);
        self.items("/events", IdKind::Event);
        for row in self.keys("/grid") {
            let ptr = format!("/grid/{}", escape(&row));
            self.key(&ptr, &row, IdKind::ConductLevel, false);
            self.ids(&ptr, IdKind::Verdict, "");
        }
        for (list, kind, levels) in [
            ("conduct_types", IdKind::ConductType, IdKind::ConductLevel),
            ("demand_types", IdKind::DemandType, IdKind::DemandLevel),
        ] {
            let ptr = format!("/{list}");
            self.items(&ptr, kind);
            for i in 0..self.len(&ptr) {
                self.id(&format!("{ptr}/{i}/min_level"), levels, "", false, "");
                self.id(
                    &format!("{ptr}/{i}/verdict"),
                    IdKind::Verdict,
                    "",
                    false,
                    "",
                );
                self.condition(&format!("{ptr}/{i}/when"));
            }
        }
        self.items("/caps", IdKind::Cap);
        for i in 0..self.len("/caps") {
            let cap = format!("/caps/{i}");
            self.condition(&format!("{cap}/when"));
            self.ids(&format!("{cap}/conduct_types"), IdKind::ConductType, "");
            self.ids(&format!("{cap}/demand_types"), IdKind::DemandType, "");
            self.id(
                &format!("{cap}/max_conduct"),
                IdKind::ConductLevel,
                "",
                false,
                "",
            );
            self.id(
                &format!("{cap}/max_demand"),
                IdKind::DemandLevel,
                "",
                false,
                "",
            );
        }
    }

    fn flow(&mut self) {
        let flow = match self.value("/id") {
            Some(Value::String(s)) => s.clone(),
            _ => self.stem(),
        };
        self.id("/id", IdKind::Flow, "", true, "");
        self.condition("/applies_to");
        self.id("/start", IdKind::Step, &flow, false, "");
        for i in 0..self.len("/steps") {
            let s = format!("/steps/{i}");
            self.id(&format!("{s}/id"), IdKind::Step, &flow, true, &s);
            self.id(&format!("{s}/role"), IdKind::Role, "", false, "");
            self.id(&format!("{s}/script"), IdKind::Script, "", false, "");
            self.threshold_ref(&format!("{s}/limit"));
            self.threshold_ref(&format!("{s}/hold"));
            self.threshold_ref(&format!("{s}/repeat"));
            for b in 0..self.len(&format!("{s}/next")) {
                let b = format!("{s}/next/{b}");
                self.condition(&format!("{b}/when"));
                self.id(&format!("{b}/to"), IdKind::Step, &flow, false, "");
                self.id(&format!("{b}/otherwise"), IdKind::Step, &flow, false, "");
            }
        }
    }

    fn case(&mut self) {
        self.id("/id", IdKind::Case, "", true, "");
        self.ids("/channel", IdKind::Channel, "");
        self.id("/conduct", IdKind::ConductLevel, "", false, "");
        self.id("/demand", IdKind::DemandLevel, "", false, "");
        self.ids("/conduct_types", IdKind::ConductType, "");
        self.ids("/demand_types", IdKind::DemandType, "");
        self.ids("/tags", IdKind::Tag, "");
        self.ids("/events", IdKind::Event, "");
        self.id("/party", IdKind::Party, "", false, "");
        for counter in self.keys("/counts") {
            let at = format!("/counts/{}", escape(&counter));
            self.key(&at, &counter, IdKind::Counter, false);
        }
        self.id("/expect/verdict", IdKind::Verdict, "", false, "");
        self.id("/expect/flow", IdKind::Flow, "", false, "");
        // The route's steps belong to the expected flow; without one, to whichever flow has them.
        let flow = match self.value("/expect/flow").and_then(Value::as_str) {
            Some(f) => f.to_string(),
            None => self.taken_flow().unwrap_or_default(),
        };
        self.ids("/expect/route", IdKind::Step, &flow);
    }

    /// The flow the compiled policy sends this case to, when it is exactly one.
    fn taken_flow(&self) -> Option<String> {
        let (p, id) = (self.policy?, self.value("/id")?.as_str()?);
        let case = p.cases.iter().find(|c| c.id == id)?;
        match crate::compile::cases::run(p, case).flows.as_slice() {
            [f] => Some(p.flows.get(*f)?.id.clone()),
            _ => None,
        }
    }

    /// `{{threshold}}` placeholders in every string value and in the Markdown body.
    fn placeholders(&mut self) {
        let mut strings = Vec::new();
        collect_strings(&self.doc.value, &mut String::new(), &mut strings);
        let file = self.doc.file;
        let mut found = Vec::new();
        for (ptr, text) in strings {
            for m in PLACEHOLDER.captures_iter(text) {
                let (Some(all), Some(name)) = (m.get(0), m.get(1)) else {
                    continue;
                };
                found.push((
                    name.as_str().to_string(),
                    Origin::new(file, At::InValue(ptr.clone(), all.start())),
                    Origin::new(file, At::InValue(ptr.clone(), all.end())),
                ));
            }
        }
        if let Some(body) = &self.doc.body {
            for m in PLACEHOLDER.captures_iter(&body.text) {
                let (Some(all), Some(name)) = (m.get(0), m.get(1)) else {
                    continue;
                };
                found.push((
                    name.as_str().to_string(),
                    Origin::new(file, At::Body(all.start())),
                    Origin::new(file, At::Body(all.end())),
                ));
            }
        }
        for (name, from, to) in found {
            let (Some(a), Some(b)) = (self.sources.locate(&from), self.sources.locate(&to)) else {
                continue;
            };
            if a.line != b.line || name.is_empty() {
                continue;
            }
            let range = Range {
                start: Pos {
                    line: a.line,
                    col: a.col,
                },
                end: Pos {
                    line: b.line,
                    col: b.col,
                },
            };
            self.push(IdKind::Threshold, "", &name, range, false, "");
        }
    }
}

/// Every string leaf of a value with its JSON pointer.
fn collect_strings<'v>(v: &'v Value, ptr: &mut String, out: &mut Vec<(String, &'v str)>) {
    match v {
        Value::String(s) if s.contains("{{") => out.push((ptr.clone(), s)),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let len = ptr.len();
                ptr.push_str(&format!("/{i}"));
                collect_strings(x, ptr, out);
                ptr.truncate(len);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&escape(k));
                collect_strings(x, ptr, out);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_files;

    fn index(files: &[(&str, &str)]) -> (Sources, Index) {
        let (s, d) = load_files(
            "p".into(),
            files
                .iter()
                .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
                .collect(),
        );
        assert!(d.is_empty(), "{d:?}");
        let i = Index::build(&s, None);
        (s, i)
    }

    #[test]
    fn steps_roles_and_placeholders() {
        let (_, i) = index(&[
            (
                "roles.yaml",
                "- id: operator\n  label: オペレーター\n  org: vendor\n",
            ),
            (
                "flows/phone.yaml",
                "id: phone\ntitle: 電話\napplies_to: {channel: [phone]}\nstart: listen\nsteps:\n  - id: listen\n    role: operator\n    title: 傾聴（{{hold}}）\n    next:\n      - otherwise: end\n  - id: end\n    role: \"operator\"\n    title: x\n    end: 終了\n",
            ),
        ]);
        let role = Key {
            kind: IdKind::Role,
            scope: String::new(),
            id: "operator".into(),
        };
        assert_eq!(i.references(&role).count(), 3);
        let def = i.definitions(&role);
        assert_eq!(def.len(), 1);
        assert_eq!(def[0].item, "/0");
        assert_eq!(
            def[0].range,
            Range {
                start: Pos { line: 1, col: 7 },
                end: Pos { line: 1, col: 15 }
            }
        );
        // The quoted reference spans its quotes.
        let quoted = i
            .references(&role)
            .find(|o| o.range.start.line == 12)
            .unwrap();
        assert_eq!((quoted.range.start.col, quoted.range.end.col), (11, 21));
        let end = Key {
            kind: IdKind::Step,
            scope: "phone".into(),
            id: "end".into(),
        };
        assert_eq!(i.references(&end).count(), 2);
        // `{{hold}}` after full-width text: columns count characters.
        let hold = i
            .occurrences
            .iter()
            .find(|o| o.key.kind == IdKind::Threshold)
            .unwrap();
        assert_eq!(
            (hold.range.start, hold.range.end),
            (Pos { line: 8, col: 15 }, Pos { line: 8, col: 23 })
        );
    }
}

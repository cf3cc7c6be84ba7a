//! Id tables: the ids of one kind, each with its index and the place that declared it. One table
//! type serves every kind of id; [`IdKind`] says what a kind is called and whether it is
//! vocabulary.

use crate::diag::{Code, Diagnostic, Origin, did_you_mean};
use crate::i18n::{Arg, Msg};
use crate::model::{self, Kind, OneOrMany};
use crate::msg;
use crate::validate::{Item, Validated};
use std::collections::HashMap;

/// The kinds of id a policy declares and references.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IdKind {
    ConductLevel,
    DemandLevel,
    Verdict,
    ConductType,
    DemandType,
    Event,
    Channel,
    Tag,
    Party,
    Counter,
    Role,
    Script,
    Flow,
    Definition,
    Vendor,
    Aftercare,
    Invariant,
    Case,
    Cap,
    /// A step, unique within its flow.
    Step,
}

impl IdKind {
    /// What the kind is called in messages (a catalogue id).
    fn what(self) -> &'static str {
        match self {
            IdKind::ConductLevel => "what-conduct-level",
            IdKind::DemandLevel => "what-demand-level",
            IdKind::Verdict => "what-verdict",
            IdKind::ConductType => "what-conduct-type",
            IdKind::DemandType => "what-demand-type",
            IdKind::Event => "what-event",
            IdKind::Channel => "what-channel",
            IdKind::Tag => "what-tag",
            IdKind::Party => "what-party",
            IdKind::Counter => "what-counter",
            IdKind::Role => "what-role",
            IdKind::Script => "what-script",
            IdKind::Flow => "what-flow",
            IdKind::Definition => "what-definition",
            IdKind::Vendor => "what-vendor",
            IdKind::Aftercare => "what-aftercare",
            IdKind::Invariant => "what-invariant",
            IdKind::Case => "what-case",
            IdKind::Cap => "what-cap",
            IdKind::Step => "what-step",
        }
    }

    /// The kind of file whose unreadable items make the table of this kind incomplete (unknown
    /// ids are then not reported); `None`: the table is complete whenever linking runs.
    fn declared_in(self) -> Option<Kind> {
        match self {
            IdKind::Channel | IdKind::Tag | IdKind::Party | IdKind::Counter => {
                Some(Kind::Vocabulary)
            }
            IdKind::Role => Some(Kind::Roles),
            IdKind::Script => Some(Kind::Scripts),
            IdKind::Flow => Some(Kind::Flow),
            IdKind::Definition => Some(Kind::Definition),
            _ => None,
        }
    }

    /// Declared in `vocabulary.yaml`: an undeclared one is its own error (`E202`), since a typo
    /// there would silently bypass conditions and invariants.
    fn vocabulary(self) -> bool {
        matches!(
            self,
            IdKind::Channel | IdKind::Tag | IdKind::Party | IdKind::Counter
        )
    }
}

/// One item that got an index: its id, where the id is declared, and the source item.
pub(super) struct Entry<'v, T> {
    /// The id.
    pub id: &'v str,
    /// Where the id is declared (the item, or its `id` key).
    pub origin: Origin,
    /// The source item.
    pub item: &'v T,
}

impl<T> Clone for Entry<'_, T> {
    fn clone(&self) -> Self {
        Entry {
            id: self.id,
            origin: self.origin.clone(),
            item: self.item,
        }
    }
}

/// The ids of one kind. An item's index is its position among the entries (the items whose id
/// was not a duplicate), in declaration order.
pub(super) struct Table<'v, T> {
    kind: IdKind,
    index: HashMap<&'v str, usize>,
    entries: Vec<Entry<'v, T>>,
    /// False when some items of this kind could not be read: unknown ids are not reported.
    complete: bool,
}

impl<'v, T> Table<'v, T> {
    /// An empty table.
    pub fn new(kind: IdKind, complete: bool) -> Self {
        Table {
            kind,
            index: HashMap::new(),
            entries: Vec::new(),
            complete,
        }
    }

    /// A table of these items, in order, duplicates reported.
    pub fn fill(
        kind: IdKind,
        complete: bool,
        items: impl IntoIterator<Item = (&'v str, Origin, &'v T)>,
        d: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut t = Table::new(kind, complete);
        for (id, origin, item) in items {
            t.add(id, origin, item, d);
        }
        t
    }

    fn what(&self) -> Msg {
        Msg::new(self.kind.what())
    }

    /// Add an item; a duplicate id is reported (pointing at the first) and gets no index.
    pub fn add(
        &mut self,
        id: &'v str,
        origin: Origin,
        item: &'v T,
        d: &mut Vec<Diagnostic>,
    ) -> bool {
        if let Some(&i) = self.index.get(id) {
            let mut diag = Diagnostic::new(
                Code::DuplicateId,
                msg!("duplicate-id", what = self.what(), id = id),
            )
            .at(origin)
            .hint(msg!("duplicate-id-hint", what = self.what()));
            if let Some(first) = self.entries.get(i) {
                diag = diag.related(first.origin.clone(), msg!("first-used-here"));
            }
            d.push(diag);
            return false;
        }
        self.index.insert(id, self.entries.len());
        self.entries.push(Entry { id, origin, item });
        true
    }

    /// How many ids have an index.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The ids, by index.
    pub fn ids(&self) -> impl Iterator<Item = &'v str> + '_ {
        self.entries.iter().map(|e| e.id)
    }

    /// The items that got an index, in order (a copy, so the caller may link them while it
    /// holds the table).
    pub fn entries(&self) -> Vec<Entry<'v, T>> {
        self.entries.clone()
    }

    /// The index of an id.
    pub fn get(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Resolve a reference, reporting it when unknown (with "did you mean", or the known ids).
    pub fn resolve(&self, id: &str, at: Origin, d: &mut Vec<Diagnostic>) -> Option<usize> {
        if let Some(i) = self.get(id) {
            return Some(i);
        }
        if self.complete {
            d.push(self.unknown(id, at));
        }
        None
    }

    fn unknown(&self, id: &str, at: Origin) -> Diagnostic {
        let hint = did_you_mean(id, self.ids()).unwrap_or_else(|| match self.len() {
            0 => msg!("none-declared", what = self.what()),
            n if n <= 12 => msg!(
                "known-ids",
                what = self.what(),
                ids = Arg::any_of(self.ids())
            ),
            n => msg!("many-known-ids", count = n),
        });
        if self.kind.vocabulary() {
            Diagnostic::new(
                Code::Undeclared,
                msg!("undeclared-reference", what = self.what(), id = id),
            )
            .at(at)
            .hint(msg!("undeclared-hint", hint = hint))
        } else {
            Diagnostic::new(
                Code::UnknownReference,
                msg!("unknown-reference", what = self.what(), id = id),
            )
            .at(at)
            .hint(hint)
        }
    }

    /// Resolve a list of references (each at `at/i`); `None` when one fails.
    pub fn resolve_all(
        &self,
        ids: &[model::Id],
        at: Origin,
        d: &mut Vec<Diagnostic>,
    ) -> Option<Vec<usize>> {
        let mut out = Vec::with_capacity(ids.len());
        let mut ok = true;
        for (i, id) in ids.iter().enumerate() {
            match self.resolve(id.as_str(), at.child(i), d) {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Resolve one reference or a list of them.
    pub fn resolve_list(
        &self,
        v: &OneOrMany,
        at: Origin,
        d: &mut Vec<Diagnostic>,
    ) -> Option<Vec<usize>> {
        match v {
            OneOrMany::One(id) => self.resolve(id.as_str(), at, d).map(|i| vec![i]),
            OneOrMany::Many(ids) => self.resolve_all(ids, at, d),
        }
    }
}

/// A source item with an id of its own.
pub(super) trait Declared {
    /// The item's id.
    fn id(&self) -> &model::Id;
}

macro_rules! declared {
    ($($t:ty),*) => {
        $(impl Declared for $t {
            fn id(&self) -> &model::Id {
                &self.id
            }
        })*
    };
}

declared!(
    model::Level,
    model::VerdictDef,
    model::ConductType,
    model::DemandType,
    model::Labelled,
    model::Counter,
    model::Vendor,
    model::Cap,
    model::Step,
    model::Role,
    model::Script,
    model::Flow,
    model::DefinitionMatter,
    model::AftercareItem,
    model::Invariant,
    model::CaseMatter
);

/// The items of a list, each declared at `at/i`.
pub(super) fn listed<T: Declared>(
    items: &[T],
    at: Origin,
) -> impl Iterator<Item = (&str, Origin, &T)> {
    (items.iter().enumerate()).map(move |(i, x)| (x.id().as_str(), at.child(i), x))
}

/// The items of a list, each declared at `at/i/id`.
pub(super) fn listed_by_id<T: Declared>(
    items: &[T],
    at: Origin,
) -> impl Iterator<Item = (&str, Origin, &T)> {
    listed(items, at).map(|(id, at, x)| (id, at.child("id"), x))
}

/// Items of their own files, each declared at its `id` key.
pub(super) fn filed<T: Declared>(
    items: &[Item<T>],
) -> impl Iterator<Item = (&str, Origin, &Item<T>)> {
    items.iter().map(|x| (x.value.id().as_str(), x.at("id"), x))
}

/// The items of a list of `vocabulary.yaml` (none without the file), each declared at
/// `key/i`.
pub(super) fn vocabulary<'v, T: Declared + 'v>(
    v: &'v Validated,
    key: &'static str,
    list: impl Fn(&'v model::Vocabulary) -> &'v Vec<T>,
) -> impl Iterator<Item = (&'v str, Origin, &'v T)> {
    (v.vocabulary.iter()).flat_map(move |voc| listed(list(&voc.value), voc.at(key)))
}

/// Fills the id tables of one policy, reporting duplicates into one collector.
pub(super) struct Declare<'a> {
    /// The kinds of file some of which could not be read.
    pub incomplete: &'a [Kind],
    pub d: &'a mut Vec<Diagnostic>,
}

impl Declare<'_> {
    /// The table of one kind of id from its items, in order.
    pub fn table<'v, T>(
        &mut self,
        kind: IdKind,
        items: impl IntoIterator<Item = (&'v str, Origin, &'v T)>,
    ) -> Table<'v, T> {
        let complete = kind
            .declared_in()
            .is_none_or(|k| !self.incomplete.contains(&k));
        Table::fill(kind, complete, items, self.d)
    }
}

/// The references of one item being linked: whether all of them resolved, and their
/// diagnostics, held back until the item is done (they follow those of the conditions and
/// thresholds nested in it).
pub(super) struct Refs {
    /// The diagnostics held back.
    pub d: Vec<Diagnostic>,
    /// False once a reference failed or an error was found.
    pub ok: bool,
}

impl Refs {
    /// No reference yet.
    pub fn new() -> Self {
        Refs {
            d: Vec::new(),
            ok: true,
        }
    }

    /// Resolve one reference.
    pub fn id<T>(&mut self, t: &Table<T>, id: &str, at: Origin) -> Option<usize> {
        let r = t.resolve(id, at, &mut self.d);
        self.part(r)
    }

    /// Resolve the references of an optional key (`None`, and no failure, when it is absent).
    pub fn list<T>(
        &mut self,
        t: &Table<T>,
        v: Option<&OneOrMany>,
        at: Origin,
    ) -> Option<Vec<usize>> {
        let v = v?;
        let r = t.resolve_list(v, at, &mut self.d);
        self.part(r)
    }

    /// A part linked elsewhere: its failure is the item's.
    pub fn part<X>(&mut self, r: Option<X>) -> Option<X> {
        self.ok &= r.is_some();
        r
    }

    /// An error in the item itself.
    pub fn error(&mut self, diag: Diagnostic) {
        self.d.push(diag);
        self.ok = false;
    }
}

//! Stage 2, `validate`: every document against the JSON Schema of its kind, then into the typed
//! source model.
//!
//! Architecture invariant: `validate` never touches the file system and knows nothing of other
//! files: it judges each document alone. Schema errors are mapped from their JSON pointer to an
//! origin, with the allowed keys or values as a hint. A document (or list item) that fails is left
//! out and its kind marked incomplete, so later stages do not report follow-on errors.

use crate::diag::{At, Code, Diagnostic, FileId, Origin, did_you_mean};
use crate::i18n::{Arg, Msg};
use crate::load::{Document, Sources};
use crate::model::*;
use crate::msg;
use jsonschema::error::ValidationErrorKind;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A typed item with the place it came from.
#[derive(Clone, Debug)]
pub struct Item<T> {
    /// The item as the model types it.
    pub value: T,
    /// The item's own node (the document, or `/3` for the fourth item of a list file).
    pub origin: Origin,
    /// Markdown body, for files with front matter.
    pub body: Option<String>,
}

impl<T> Item<T> {
    /// The file the item was read from.
    pub fn file(&self) -> FileId {
        self.origin.file
    }
    /// Origin of a member of this item.
    pub fn at(&self, member: &str) -> Origin {
        self.origin.child(member)
    }
    /// Origin of a byte offset in the body.
    pub fn body_at(&self, offset: usize) -> Origin {
        Origin::new(self.origin.file, At::Body(offset))
    }
}

/// The typed sources of one policy folder, references still unchecked.
#[derive(Default)]
pub struct Validated {
    /// `policy.yaml`: id, version, dates, thresholds, vendors, a fork's `extends`.
    pub manifest: Option<Item<Manifest>>,
    /// `stance.md`: the organisation's stance, front matter and text.
    pub stance: Option<Item<StanceMatter>>,
    /// `criteria.yaml`: the axes, verdicts and grid, the types, events and caps.
    pub criteria: Option<Item<Criteria>>,
    /// `vocabulary.yaml`: channels, tags, parties, counters, synonyms.
    pub vocabulary: Option<Item<Vocabulary>>,
    /// `definitions/*.md`, one term each.
    pub definitions: Vec<Item<DefinitionMatter>>,
    /// `roles.yaml`, item by item (the good items of a file with bad ones).
    pub roles: Vec<Item<Role>>,
    /// `scripts.yaml`, item by item.
    pub scripts: Vec<Item<Script>>,
    /// `flows/*.yaml`, one flow each.
    pub flows: Vec<Item<Flow>>,
    /// `aftercare.yaml`, item by item.
    pub aftercare: Vec<Item<AftercareItem>>,
    /// `invariants.yaml`, item by item.
    pub invariants: Vec<Item<Invariant>>,
    /// `cases/*.md`, one case study each.
    pub cases: Vec<Item<CaseMatter>>,
    /// `pages/*.md` by their file name (an id: it becomes the page's URL).
    pub pages: Vec<(String, Item<PageMatter>)>,
    /// `review.yaml`: how the CRM's exports name the review's columns and values.
    pub review: Option<Item<ReviewMapping>>,
    /// `compliance.yaml`: the measures a law or guideline requires, and what meets them.
    pub compliance: Option<Item<Compliance>>,
    /// Kinds with a file or item that failed: references into them are not checked.
    pub incomplete: Vec<Kind>,
}

/// Files every policy needs.
const REQUIRED: &[Kind] = &[
    Kind::Manifest,
    Kind::Stance,
    Kind::Criteria,
    Kind::Vocabulary,
    Kind::Roles,
];

/// Validate the documents of a policy that is not a fork's upstream (layer 0).
pub fn validate(sources: &Sources) -> (Validated, Vec<Diagnostic>) {
    validate_layer(sources, 0, "")
}

/// Validate the documents of one layer (0: the policy, 1: its upstream…), whose paths start
/// with `prefix`. A fork (a manifest with `extends`) needs only its manifest; the rest is
/// inherited.
pub fn validate_layer(
    sources: &Sources,
    layer: usize,
    prefix: &str,
) -> (Validated, Vec<Diagnostic>) {
    let docs: Vec<&Document> = sources.docs.iter().filter(|d| d.layer == layer).collect();
    let mut out = Validated {
        incomplete: sources
            .unreadable
            .iter()
            .filter(|(l, _)| *l == layer)
            .map(|(_, k)| *k)
            .collect(),
        ..Validated::default()
    };
    let mut diags = out.missing_files(&docs, prefix);
    let schema_results: Vec<Vec<Diagnostic>> = docs.par_iter().map(|d| schema_errors(d)).collect();
    for (doc, errors) in docs.iter().copied().zip(schema_results) {
        let ok = errors.is_empty();
        let bad_items = failing_items(&errors);
        diags.extend(errors);
        let path = &sources.file(doc.file).path;
        let stem = path
            .rsplit('/')
            .next()
            .and_then(|n| n.rsplit_once('.'))
            .map_or("", |(s, _)| s);
        out.add(doc, ok, &bad_items, stem, &mut diags);
        diags.extend(id_mismatch(doc, path, stem));
    }
    diags.extend(page_names(sources, &docs));
    out.pages.retain(|(id, _)| is_id(id));
    out.incomplete.sort();
    out.incomplete.dedup();
    (out, diags)
}

impl Validated {
    /// The files a policy needs that the layer lacks (a fork needs only its manifest); their
    /// kinds are marked incomplete.
    fn missing_files(&mut self, docs: &[&Document], prefix: &str) -> Vec<Diagnostic> {
        let fork = docs
            .iter()
            .any(|d| d.kind == Kind::Manifest && d.value.get("extends").is_some());
        let required: &[Kind] = if fork { &[Kind::Manifest] } else { REQUIRED };
        let mut diags = Vec::new();
        for kind in required {
            let present = docs.iter().any(|d| d.kind == *kind);
            let Some(file_name) = kind.file_name() else {
                continue;
            };
            if !present && !self.incomplete.contains(kind) {
                let name = format!("{prefix}{file_name}");
                diags.push(
                    Diagnostic::new(Code::MissingFile, msg!("missing-file", path = &name))
                        .path(name.clone())
                        .hint(msg!("missing-file-hint", path = &name)),
                );
                self.incomplete.push(*kind);
            }
        }
        diags
    }

    /// A document into its typed slot (`ok`: it passed its schema); a list file item by item,
    /// leaving out the `bad` items. What cannot be typed marks its kind incomplete.
    fn add(
        &mut self,
        doc: &Document,
        ok: bool,
        bad: &Option<std::collections::BTreeSet<usize>>,
        stem: &str,
        diags: &mut Vec<Diagnostic>,
    ) {
        let body = doc.body.as_ref().map(|b| b.text.clone());
        macro_rules! single {
            ($slot:expr) => {{
                match typed(doc, ok, diags) {
                    Some(v) => $slot = Some(item(doc, "", v, body)),
                    None => self.incomplete.push(doc.kind),
                }
            }};
        }
        macro_rules! many {
            ($slot:expr) => {{
                match typed(doc, ok, diags) {
                    Some(v) => $slot.push(item(doc, "", v, body)),
                    None => self.incomplete.push(doc.kind),
                }
            }};
        }
        match doc.kind {
            Kind::Manifest => single!(self.manifest),
            Kind::Stance => single!(self.stance),
            Kind::Criteria => single!(self.criteria),
            Kind::Vocabulary => single!(self.vocabulary),
            Kind::Review => single!(self.review),
            Kind::Compliance => single!(self.compliance),
            Kind::Definition => many!(self.definitions),
            Kind::Flow => many!(self.flows),
            Kind::Case => many!(self.cases),
            Kind::Page => match typed(doc, ok, diags) {
                Some(v) => self.pages.push((stem.to_string(), item(doc, "", v, body))),
                None => self.incomplete.push(doc.kind),
            },
            Kind::Roles => list(doc, bad, &mut self.roles, &mut self.incomplete),
            Kind::Scripts => list(doc, bad, &mut self.scripts, &mut self.incomplete),
            Kind::Aftercare => list(doc, bad, &mut self.aftercare, &mut self.incomplete),
            Kind::Invariants => list(doc, bad, &mut self.invariants, &mut self.incomplete),
        }
    }
}

/// Files named after their item (definitions, flows, cases) must carry that id.
fn id_mismatch(doc: &Document, path: &str, stem: &str) -> Option<Diagnostic> {
    if !matches!(doc.kind, Kind::Definition | Kind::Flow | Kind::Case) || stem.is_empty() {
        return None;
    }
    let id = doc.value.get("id").and_then(Value::as_str)?;
    (id != stem).then(|| {
        Diagnostic::new(Code::IdMismatch, msg!("id-mismatch", id = id, path = path))
            .at(Origin::value(doc.file, "/id"))
            .hint(msg!("id-mismatch-hint", stem = stem))
    })
}

/// A free page's file name becomes its URL: it must be an id like every other.
fn page_names(sources: &Sources, docs: &[&Document]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for doc in docs.iter().filter(|d| d.kind == Kind::Page) {
        let path = &sources.file(doc.file).path;
        let stem = path
            .rsplit('/')
            .next()
            .and_then(|n| n.strip_suffix(".md"))
            .unwrap_or_default();
        if !is_id(stem) {
            diags.push(
                Diagnostic::new(Code::InvalidValue, msg!("page-name", path = path))
                    .at(Origin::new(doc.file, At::File))
                    .hint(msg!("hint-slug", slug = slug_of(stem))),
            );
        }
    }
    diags
}

fn item<T>(doc: &Document, pointer: &str, value: T, body: Option<String>) -> Item<T> {
    Item {
        value,
        origin: Origin::value(doc.file, pointer),
        body,
    }
}

/// Deserialise a document that passed its schema.
fn typed<T: DeserializeOwned>(doc: &Document, ok: bool, diags: &mut Vec<Diagnostic>) -> Option<T> {
    if !ok {
        return None;
    }
    match serde_json::from_value(doc.value.clone()) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    msg!("cannot-deserialize", detail = e.to_string()),
                )
                .at(Origin::value(doc.file, "")),
            );
            None
        }
    }
}

/// The list items (first pointer segment) that schema errors point into; `None` when an error
/// is about the document as a whole.
fn failing_items(errors: &[Diagnostic]) -> Option<std::collections::BTreeSet<usize>> {
    let mut out = std::collections::BTreeSet::new();
    for d in errors {
        let pointer = match d.origin.as_ref().map(|o| &o.at) {
            Some(At::Value(p) | At::Key(p) | At::InValue(p, _)) => p.as_str(),
            _ => "",
        };
        out.insert(pointer.split('/').nth(1)?.parse().ok()?);
    }
    Some(out)
}

/// Deserialise a list file item by item, keeping the good items of a file with bad ones (items
/// with schema errors are left out: their errors are reported, not follow-on ones).
fn list<T: DeserializeOwned>(
    doc: &Document,
    bad: &Option<std::collections::BTreeSet<usize>>,
    out: &mut Vec<Item<T>>,
    incomplete: &mut Vec<Kind>,
) {
    let (Some(items), Some(bad)) = (doc.value.as_array(), bad) else {
        incomplete.push(doc.kind);
        return;
    };
    for (i, v) in items.iter().enumerate() {
        if bad.contains(&i) {
            incomplete.push(doc.kind);
            continue;
        }
        match serde_json::from_value(v.clone()) {
            Ok(value) => out.push(item(doc, &format!("/{i}"), value, None)),
            Err(_) => incomplete.push(doc.kind),
        }
    }
}

/// An id: `[a-z0-9][a-z0-9-]*` (see [`ID_PATTERN`]).
fn is_id(s: &str) -> bool {
    s.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A text made into an id-like slug, for hints (`Old FAQ#2` → `old-faq-2`).
fn slug_of(s: &str) -> String {
    crate::duration::half_width(s)
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// What a value is, for "found …" in messages.
fn found(v: &Value) -> Msg {
    match v {
        Value::Null => msg!("found-null"),
        Value::Bool(_) => msg!("found-bool"),
        Value::Number(n) if n.is_i64() || n.is_u64() => msg!("found-integer"),
        Value::Number(_) => msg!("found-decimal"),
        Value::String(s) => msg!("found-string", value = s),
        Value::Array(_) => msg!("found-list"),
        Value::Object(_) => msg!("found-mapping"),
    }
}

/// The schema node at a JSON pointer of a root schema, following a final `$ref`.
fn schema_node<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    let node = root.pointer(pointer)?;
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => root.pointer(r.trim_start_matches('#')),
        None => Some(node),
    }
}

/// Walk the schema along an instance path to the schema of that value (through `properties`,
/// `items`, `additionalProperties`, `$ref` and the object branch of `anyOf`).
fn schema_for_instance<'a>(root: &'a Value, instance_path: &str) -> Option<&'a Value> {
    let mut node = root;
    let deref = |mut n: &'a Value| -> &'a Value {
        for _ in 0..8 {
            if let Some(r) = n.get("$ref").and_then(Value::as_str) {
                match root.pointer(r.trim_start_matches('#')) {
                    Some(t) => n = t,
                    None => break,
                }
            } else if let Some(any) = n.get("anyOf").and_then(Value::as_array)
                && any
                    .iter()
                    .any(|b| b.get("type").and_then(Value::as_str) == Some("null"))
            {
                // Option<T> (documented or not): the branch that is not null. A union without
                // a null branch (`MinutesRef`, `CountRef` …) is the value's own schema.
                match any
                    .iter()
                    .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                {
                    Some(b) => n = b,
                    None => break,
                }
            } else {
                break;
            }
        }
        n
    };
    node = deref(node);
    for seg in instance_path.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let next = if let Some(p) = node.get("properties").and_then(|p| p.get(&seg)) {
            p
        } else if let Some(items) = node.get("items") {
            items
        } else {
            node.get("additionalProperties").filter(|a| a.is_object())?
        };
        node = deref(next);
    }
    Some(node)
}

/// The kinds of values the format's types describe, by the start of their schema description
/// (written in `model.rs` as "a duration such as …").
const EXPECTED: &[(&str, &str)] = &[
    ("an id, or a list", "expect-ids"),
    ("an id", "expect-id"),
    ("a date", "expect-date"),
    ("a semantic version", "expect-version"),
    (
        "a duration such as 60m, or a whole number",
        "expect-threshold-value",
    ),
    ("a duration", "expect-duration"),
    ("a number of minutes", "expect-minutes"),
    ("a whole number, or the name", "expect-count"),
];

/// What the schema expects of a value, as a message.
fn expected(node: &Value) -> Msg {
    if let Some(d) = node.get("description").and_then(Value::as_str)
        && let Some((_, id)) = EXPECTED.iter().find(|(prefix, _)| d.starts_with(prefix))
    {
        return Msg::new(id);
    }
    if node.get("pattern").and_then(Value::as_str) == Some("^#[0-9a-fA-F]{6}$") {
        return msg!("expect-colour");
    }
    let one = |t: &str| {
        Msg::new(match t {
            "string" => "expect-string",
            "integer" => "expect-integer",
            "number" => "expect-number",
            "boolean" => "expect-boolean",
            "array" => "expect-list",
            "object" => "expect-mapping",
            _ => "expect-value",
        })
    };
    match node.get("type") {
        Some(Value::String(t)) => one(t),
        Some(Value::Array(ts)) => {
            let names: Vec<Msg> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .map(one)
                .collect();
            match names.as_slice() {
                [a] => a.clone(),
                [a, b, ..] => msg!("expect-either", a = a.clone(), b = b.clone()),
                [] => msg!("expect-value"),
            }
        }
        _ => msg!("expect-value"),
    }
}

/// The field a message is about: `` `limit` `` or "this value" (list items).
fn field_name(ip: &str) -> Msg {
    match ip
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
    {
        Some(s) => msg!("field", name = s.replace("~1", "/").replace("~0", "~")),
        None => msg!("field-this"),
    }
}

/// What a Japanese input method typed instead of a value: full-width digits for a number, or a
/// duration with a Japanese unit. The diagnostic names what was typed and what to write.
fn input_method_slip(doc: &Document, ip: &str, instance: &Value, want: &str) -> Option<Diagnostic> {
    let s = instance.as_str()?;
    let here = Origin::value(doc.file, ip);
    let half = crate::duration::half_width(s);
    match want {
        "expect-integer" | "expect-count" | "expect-minutes" | "expect-threshold-value"
            if half != s && half.parse::<u64>().is_ok() =>
        {
            Some(
                Diagnostic::new(Code::FullWidthDigits, msg!("slip-digits", typed = s))
                    .at(here)
                    .hint(msg!("slip-write-instead", write = half)),
            )
        }
        "expect-duration" | "expect-minutes" | "expect-threshold-value" if !s.is_ascii() => {
            let fix = crate::duration::suggest_duration(s)?;
            Some(
                Diagnostic::new(Code::JapaneseUnit, msg!("slip-duration", typed = s))
                    .at(here)
                    .hint(msg!("slip-duration-hint", write = fix)),
            )
        }
        "expect-date" => {
            let digits: Vec<String> = half
                .split(|c: char| !c.is_ascii_digit())
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect();
            let [y, m, d] = digits.as_slice() else {
                return None;
            };
            let fix = format!("{y:0>4}-{m:0>2}-{d:0>2}");
            Some(
                Diagnostic::new(Code::InvalidValue, msg!("slip-date", typed = s))
                    .at(here)
                    .hint(msg!("slip-write-instead", write = fix)),
            )
        }
        _ => None,
    }
}

/// All schema errors of a document, each mapped back to its place.
fn schema_errors(doc: &Document) -> Vec<Diagnostic> {
    let root = crate::schema::schema_of(doc.kind);
    let mut out: Vec<Diagnostic> = Vec::new();
    for err in crate::schema::validator(doc.kind).iter_errors(&doc.value) {
        map_error(doc, root, &err, &mut out);
    }
    out
}

/// One schema error as diagnostics (an error inside an optional record becomes the errors of
/// the record's own fields). The kinds of errors and what each becomes.
fn map_error(
    doc: &Document,
    root: &Value,
    err: &jsonschema::ValidationError<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let e = SchemaError::new(doc, root, err);
    let schema_path = err.schema_path().as_str();
    let choices = match err.kind() {
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
            constants(root, schema_path)
        }
        _ => Vec::new(),
    };
    let d = match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed: Vec<String> = schema_node(root, parent(schema_path))
                .and_then(|n| n.get("properties"))
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            out.extend(e.unknown_keys(unexpected, &allowed));
            return;
        }
        ValidationErrorKind::Required { property } => {
            e.missing_key(property.as_str().unwrap_or_default())
        }
        ValidationErrorKind::Type { .. } => e.wrong_type(),
        ValidationErrorKind::Enum { options } => e.one_of(
            options
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. }
            if !choices.is_empty() =>
        {
            e.one_of(choices)
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context }
            if e.instance().is_object() || e.instance().is_array() =>
        {
            match e.fitting_branch(context) {
                Some(branch) => {
                    for x in branch {
                        map_error(doc, root, x, out);
                    }
                    return;
                }
                None => e.invalid(msg!(
                    "wrong-value",
                    field = e.field.clone(),
                    expected = e.expected(),
                    found = found(e.instance())
                )),
            }
        }
        ValidationErrorKind::Pattern { .. }
        | ValidationErrorKind::AnyOf { .. }
        | ValidationErrorKind::OneOfNotValid { .. } => e.wrong_value(),
        ValidationErrorKind::Format { format } if format == "date" => e
            .invalid(msg!(
                "not-a-calendar-date",
                value = e.instance().as_str().unwrap_or_default()
            ))
            .hint(msg!("not-a-calendar-date-hint")),
        ValidationErrorKind::MinItems { limit } => {
            e.invalid(msg!("min-items", field = e.field.clone(), min = *limit))
        }
        ValidationErrorKind::Minimum { limit } => e.invalid(msg!(
            "minimum",
            field = e.field.clone(),
            min = limit.to_string()
        )),
        _ => e.invalid(msg!(
            "schema-other",
            field = e.field.clone(),
            detail = err.to_string()
        )),
    };
    out.push(d);
}

/// A schema error with what every diagnostic made of it needs.
struct SchemaError<'a, 'e> {
    doc: &'a Document,
    root: &'a Value,
    err: &'a jsonschema::ValidationError<'e>,
    /// The instance path: a JSON pointer into the document.
    ip: String,
    /// The field the message is about.
    field: Msg,
}

impl<'a, 'e> SchemaError<'a, 'e> {
    fn new(
        doc: &'a Document,
        root: &'a Value,
        err: &'a jsonschema::ValidationError<'e>,
    ) -> SchemaError<'a, 'e> {
        let ip = err.instance_path().as_str().to_string();
        SchemaError {
            doc,
            root,
            err,
            field: field_name(&ip),
            ip,
        }
    }

    /// The value the error is about.
    fn instance(&self) -> &Value {
        self.err.instance().as_ref()
    }

    /// The value's own place.
    fn here(&self) -> Origin {
        Origin::value(self.doc.file, self.ip.clone())
    }

    /// What the schema expects of the value at `ip`.
    fn expected_at(&self, ip: &str) -> Msg {
        schema_for_instance(self.root, ip).map_or_else(|| msg!("expect-value"), expected)
    }

    /// What the schema expects of the value.
    fn expected(&self) -> Msg {
        self.expected_at(&self.ip)
    }

    /// An invalid value, said with `message`.
    fn invalid(&self, message: Msg) -> Diagnostic {
        Diagnostic::new(Code::InvalidValue, message).at(self.here())
    }

    /// Keys the mapping does not allow, each with the key meant or the keys allowed.
    fn unknown_keys(&self, unexpected: &[String], allowed: &[String]) -> Vec<Diagnostic> {
        unexpected
            .iter()
            .map(|key| {
                let origin = Origin::new(
                    self.doc.file,
                    At::Key(format!("{}/{}", self.ip, crate::load::yaml::escape(key))),
                );
                let hint = did_you_mean(key, allowed.iter().map(String::as_str))
                    .unwrap_or_else(|| msg!("keys-allowed", keys = Arg::any_of(allowed)));
                Diagnostic::new(Code::UnknownKey, msg!("unknown-key", key = key))
                    .at(origin)
                    .hint(hint)
            })
            .collect()
    }

    /// A required key missing, with what its value should be.
    fn missing_key(&self, name: &str) -> Diagnostic {
        let want = self.expected_at(&format!("{}/{name}", self.ip));
        Diagnostic::new(Code::MissingKey, msg!("missing-key", key = name))
            .at(self.here())
            .hint(msg!("missing-key-hint", key = name, expected = want))
    }

    /// A value of the wrong type (or the input-method slip that typed it), with a hint for
    /// a number that should be quoted, an empty value, a single id where a list is expected.
    fn wrong_type(&self) -> Diagnostic {
        let want = self.expected();
        let instance = self.instance();
        if let Some(slip) = input_method_slip(self.doc, &self.ip, instance, want.id()) {
            return slip;
        }
        let d = Diagnostic::new(
            Code::WrongType,
            msg!(
                "wrong-type",
                field = self.field.clone(),
                expected = want.clone(),
                found = found(instance)
            ),
        )
        .at(self.here());
        if instance.is_number() && matches!(want.id(), "expect-string" | "expect-version") {
            d.hint(msg!("hint-quote-number"))
        } else if instance.is_null() {
            d.hint(msg!("hint-empty-value"))
        } else if matches!(want.id(), "expect-list" | "expect-ids") && !instance.is_array() {
            d.hint(msg!("hint-write-list"))
        } else {
            d
        }
    }

    /// A value that is not one of `options`, with the option meant.
    fn one_of(&self, options: Vec<String>) -> Diagnostic {
        let got = self.instance().as_str().unwrap_or_default();
        self.invalid(msg!(
            "must-be-one-of",
            field = self.field.clone(),
            options = Arg::any_of(&options),
            found = found(self.instance())
        ))
        .maybe_hint(did_you_mean(got, options.iter().map(String::as_str)))
    }

    /// Of an optional record or a list given with the right shape but wrong contents: the
    /// errors of the branch of that shape (not "must be a mapping, found a mapping").
    fn fitting_branch<'c>(
        &self,
        context: &'c [Vec<jsonschema::ValidationError<'e>>],
    ) -> Option<&'c Vec<jsonschema::ValidationError<'e>>> {
        context
            .iter()
            .find(|branch| {
                !branch.iter().any(|e| {
                    e.instance_path().as_str() == self.ip
                        && matches!(e.kind(), ValidationErrorKind::Type { .. })
                })
            })
            .filter(|branch| !branch.is_empty())
    }

    /// A value the schema does not accept (or the input-method slip that typed it), with the
    /// id or the duration meant.
    fn wrong_value(&self) -> Diagnostic {
        let want = self.expected();
        let instance = self.instance();
        if let Some(slip) = input_method_slip(self.doc, &self.ip, instance, want.id()) {
            return slip;
        }
        let d = self.invalid(msg!(
            "wrong-value",
            field = self.field.clone(),
            expected = want.clone(),
            found = found(instance)
        ));
        let Some(s) = instance.as_str() else {
            return d;
        };
        let slug = slug_of(s);
        if want.id().starts_with("expect-id") && !slug.is_empty() && slug != s {
            d.hint(msg!("hint-slug", slug = slug))
        } else if let Some(fix) = crate::duration::suggest_duration(s)
            && matches!(want.id(), "expect-duration" | "expect-minutes")
        {
            d.hint(msg!("slip-duration-hint", write = fix))
        } else {
            d
        }
    }
}

fn parent(pointer: &str) -> &str {
    pointer.rsplit_once('/').map_or("", |(p, _)| p)
}

/// The constant values a `oneOf`/`anyOf` keyword chooses between (enums with documented variants).
fn constants(root: &Value, schema_path: &str) -> Vec<String> {
    root.pointer(schema_path)
        .and_then(Value::as_array)
        .map(|alts| {
            alts.iter()
                .flat_map(|a| {
                    let a = match a.get("$ref").and_then(Value::as_str) {
                        Some(r) => root.pointer(r.trim_start_matches('#')).unwrap_or(a),
                        None => a,
                    };
                    a.get("const")
                        .into_iter()
                        .chain(
                            a.get("enum")
                                .and_then(Value::as_array)
                                .into_iter()
                                .flatten(),
                        )
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .unwrap_or_default()
}

//! Stage 2, `validate`: every document against the JSON Schema of its kind, then into the typed
//! source model.
//!
//! Architecture invariant: `validate` never touches the file system and knows nothing of other
//! files: it judges each document alone. Schema errors are mapped from their JSON pointer to an
//! origin, with the allowed keys or values as a hint. A document (or list item) that fails is left
//! out and its kind marked incomplete, so later stages do not report follow-on errors.

use crate::diag::{At, Code, Diagnostic, FileId, Origin, did_you_mean, one_of};
use crate::load::{Document, Sources};
use crate::model::*;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A typed item with the place it came from.
#[derive(Clone, Debug)]
pub struct Item<T> {
    pub value: T,
    /// The item's own node (the document, or `/3` for the fourth item of a list file).
    pub origin: Origin,
    /// Markdown body, for files with front matter.
    pub body: Option<String>,
}

impl<T> Item<T> {
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
    pub manifest: Option<Item<Manifest>>,
    pub stance: Option<Item<StanceMatter>>,
    pub criteria: Option<Item<Criteria>>,
    pub vocabulary: Option<Item<Vocabulary>>,
    pub definitions: Vec<Item<DefinitionMatter>>,
    pub roles: Vec<Item<Role>>,
    pub scripts: Vec<Item<Script>>,
    pub flows: Vec<Item<Flow>>,
    pub aftercare: Vec<Item<AftercareItem>>,
    pub invariants: Vec<Item<Invariant>>,
    pub cases: Vec<Item<CaseMatter>>,
    pub pages: Vec<(String, Item<PageMatter>)>,
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
    let fork = sources
        .docs
        .iter()
        .any(|d| d.layer == layer && d.kind == Kind::Manifest && d.value.get("extends").is_some());
    let required: &[Kind] = if fork { &[Kind::Manifest] } else { REQUIRED };
    let mut out = Validated {
        incomplete: sources
            .unreadable
            .iter()
            .filter(|(l, _)| *l == layer)
            .map(|(_, k)| *k)
            .collect(),
        ..Validated::default()
    };
    let mut diags = Vec::new();
    let docs: Vec<&Document> = sources.docs.iter().filter(|d| d.layer == layer).collect();
    for kind in required {
        let present = docs.iter().any(|d| d.kind == *kind);
        if !present && !out.incomplete.contains(kind) {
            let name = format!("{prefix}{}", kind.file_name().expect("single-file kind"));
            diags.push(
                Diagnostic::new(Code::MissingFile, format!("the policy has no `{name}`"))
                    .path(name.clone())
                    .hint(format!(
                        "create `{name}`; `mamoru init DIR` writes a complete example to start from"
                    )),
            );
            out.incomplete.push(*kind);
        }
    }
    let schema_results: Vec<Vec<Diagnostic>> = docs.par_iter().map(|d| schema_errors(d)).collect();
    for (doc, errors) in docs.iter().copied().zip(schema_results) {
        let ok = errors.is_empty();
        diags.extend(errors);
        let path = &sources.file(doc.file).path;
        let stem = path
            .rsplit('/')
            .next()
            .and_then(|n| n.rsplit_once('.'))
            .map_or("", |(s, _)| s)
            .to_string();
        let body = doc.body.as_ref().map(|b| b.text.clone());
        macro_rules! single {
            ($slot:expr) => {{
                match typed(doc, ok, &mut diags) {
                    Some(v) => $slot = Some(item(doc, "", v, body)),
                    None => out.incomplete.push(doc.kind),
                }
            }};
        }
        macro_rules! many {
            ($slot:expr) => {{
                match typed(doc, ok, &mut diags) {
                    Some(v) => $slot.push(item(doc, "", v, body)),
                    None => out.incomplete.push(doc.kind),
                }
            }};
        }
        match doc.kind {
            Kind::Manifest => single!(out.manifest),
            Kind::Stance => single!(out.stance),
            Kind::Criteria => single!(out.criteria),
            Kind::Vocabulary => single!(out.vocabulary),
            Kind::Compliance => single!(out.compliance),
            Kind::Definition => many!(out.definitions),
            Kind::Flow => many!(out.flows),
            Kind::Case => many!(out.cases),
            Kind::Page => match typed(doc, ok, &mut diags) {
                Some(v) => out.pages.push((stem.clone(), item(doc, "", v, body))),
                None => out.incomplete.push(doc.kind),
            },
            Kind::Roles => list(doc, &mut out.roles, &mut out.incomplete),
            Kind::Scripts => list(doc, &mut out.scripts, &mut out.incomplete),
            Kind::Aftercare => list(doc, &mut out.aftercare, &mut out.incomplete),
            Kind::Invariants => list(doc, &mut out.invariants, &mut out.incomplete),
        }
        // Files named after their item must carry that id.
        if matches!(doc.kind, Kind::Definition | Kind::Flow | Kind::Case)
            && let Some(id) = doc.value.get("id").and_then(Value::as_str)
            && id != stem
            && !stem.is_empty()
        {
            diags.push(
                Diagnostic::new(
                    Code::IdMismatch,
                    format!("id `{id}` differs from the file name `{path}`"),
                )
                .at(Origin::value(doc.file, "/id"))
                .hint(format!(
                    "an item's id is its file name: rename the file or set `id: {stem}`"
                )),
            );
        }
    }
    out.incomplete.sort();
    out.incomplete.dedup();
    (out, diags)
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
                    format!("cannot read this document: {e}"),
                )
                .at(Origin::value(doc.file, "")),
            );
            None
        }
    }
}

/// Deserialise a list file item by item, keeping the good items of a file with bad ones.
fn list<T: DeserializeOwned>(doc: &Document, out: &mut Vec<Item<T>>, incomplete: &mut Vec<Kind>) {
    let Some(items) = doc.value.as_array() else {
        incomplete.push(doc.kind);
        return;
    };
    for (i, v) in items.iter().enumerate() {
        match serde_json::from_value(v.clone()) {
            Ok(value) => out.push(item(doc, &format!("/{i}"), value, None)),
            Err(_) => incomplete.push(doc.kind),
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "a number",
        Value::Number(_) => "a decimal number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
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
            } else if let Some(any) = n.get("anyOf").and_then(Value::as_array) {
                // Option<T> and OneOrMany: prefer the branch that is an object or array.
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

fn describe_schema(node: &Value) -> Option<String> {
    // Descriptions written as an expected value ("a duration such as …") read well in a
    // message; other doc comments do not.
    if let Some(d) = node.get("description").and_then(Value::as_str)
        && (d.starts_with("a ") || d.starts_with("an "))
    {
        return Some(d.to_string());
    }
    let t = node.get("type")?;
    let one = |t: &str| match t {
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "a mapping",
        "null" => "nothing",
        _ => "a value",
    };
    match t {
        Value::String(s) => Some(one(s).to_string()),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .filter(|s| *s != "null")
                .map(one)
                .collect::<Vec<_>>()
                .join(" or "),
        ),
        _ => None,
    }
}

/// All schema errors of a document, each mapped back to its place.
fn schema_errors(doc: &Document) -> Vec<Diagnostic> {
    let root = crate::schema::schema_of(doc.kind);
    let mut out: Vec<Diagnostic> = Vec::new();
    for err in crate::schema::validator(doc.kind).iter_errors(&doc.value) {
        let ip = err.instance_path().as_str().to_string();
        let here = Origin::value(doc.file, ip.clone());
        let field = ip
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
            .map(|s| format!("`{s}`"))
            .unwrap_or_else(|| "this value".into());
        let instance = err.instance();
        let d = match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed: Vec<String> = schema_node(root, parent(err.schema_path().as_str()))
                    .and_then(|n| n.get("properties"))
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                for key in unexpected {
                    let origin = Origin::new(
                        doc.file,
                        At::Key(format!("{ip}/{}", crate::load::yaml::escape(key))),
                    );
                    let known: Vec<&str> = allowed.iter().map(String::as_str).collect();
                    let hint = did_you_mean(key, known.iter().copied())
                        .unwrap_or_else(|| format!("the keys allowed here are {}", one_of(&known)));
                    out.push(
                        Diagnostic::new(Code::UnknownKey, format!("unknown key `{key}`"))
                            .at(origin)
                            .hint(hint),
                    );
                }
                continue;
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let expected = schema_for_instance(root, &format!("{ip}/{name}"))
                    .and_then(describe_schema)
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default();
                Diagnostic::new(Code::MissingKey, format!("missing key `{name}`"))
                    .at(here)
                    .hint(format!("add `{name}:` to this mapping{expected}"))
            }
            ValidationErrorKind::Type { kind } => {
                let expected = schema_for_instance(root, &ip)
                    .and_then(describe_schema)
                    .unwrap_or_else(|| match kind {
                        TypeKind::Single(t) => format!("{t}"),
                        TypeKind::Multiple(ts) => format!("{ts:?}"),
                    });
                let mut d = Diagnostic::new(
                    Code::WrongType,
                    format!(
                        "{field} must be {expected}, found {}",
                        json_type(instance.as_ref())
                    ),
                )
                .at(here);
                if instance.is_number()
                    && (expected.contains("string") || expected.contains("version"))
                {
                    d = d.hint("quote the value so YAML reads it as text, e.g. \"1.0\"");
                } else if instance.is_null() {
                    d = d.hint("the value is empty: write it after the colon");
                } else if expected.contains("list") && !instance.is_array() {
                    d = d.hint("write a list, e.g. `[a, b]`");
                }
                d
            }
            ValidationErrorKind::Enum { options } => {
                let opts: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let got = instance.as_str().unwrap_or_default();
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("{field} must be one of {}, found `{}`", one_of(&opts), got),
                )
                .at(here)
                .maybe_hint(did_you_mean(got, opts.iter().map(String::as_str)))
            }
            ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. }
                if !constants(root, err.schema_path().as_str()).is_empty() =>
            {
                let opts = constants(root, err.schema_path().as_str());
                let got = instance.as_str().unwrap_or_default();
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("{field} must be one of {}, found `{got}`", one_of(&opts)),
                )
                .at(here)
                .maybe_hint(did_you_mean(got, opts.iter().map(String::as_str)))
            }
            ValidationErrorKind::Pattern { .. }
            | ValidationErrorKind::AnyOf { .. }
            | ValidationErrorKind::OneOfNotValid { .. } => {
                let expected = schema_for_instance(root, &ip)
                    .and_then(describe_schema)
                    .unwrap_or_else(|| "a different value".into());
                let shown = match instance.as_ref() {
                    Value::String(s) => format!("`{s}`"),
                    v => json_type(v).to_string(),
                };
                let mut d = Diagnostic::new(
                    Code::InvalidValue,
                    format!("{field} must be {expected}, found {shown}"),
                )
                .at(here);
                if let Some(s) = instance.as_str() {
                    let slug: String = s
                        .to_lowercase()
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                        .collect::<String>()
                        .split('-')
                        .filter(|p| !p.is_empty())
                        .collect::<Vec<_>>()
                        .join("-");
                    if expected.starts_with("an id") && !slug.is_empty() && slug != s {
                        d = d.hint(format!("ids are slugs, e.g. `{slug}`"));
                    }
                }
                d
            }
            ValidationErrorKind::MinItems { limit } => Diagnostic::new(
                Code::InvalidValue,
                format!("{field} needs at least {limit} item(s)"),
            )
            .at(here),
            ValidationErrorKind::Minimum { limit } => Diagnostic::new(
                Code::InvalidValue,
                format!("{field} must be at least {limit}"),
            )
            .at(here),
            _ => Diagnostic::new(Code::InvalidValue, format!("{field}: {err}")).at(here),
        };
        out.push(d);
    }
    out
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

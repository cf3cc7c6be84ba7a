//! JSON Schemas derived from the source model (`model`): the types are the single source of truth.
//! Pinned to draft 2020-12.

use crate::model::Kind;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};
use std::sync::LazyLock;

/// The JSON Schema dialect of every schema mamoru publishes (`$schema`): draft 2020-12.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

fn generator() -> schemars::SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| s.meta_schema = None)
        .for_deserialize()
        .into_generator()
}

/// The schema of one kind of file, as a root schema.
pub fn kind_schema(kind: Kind) -> Value {
    let mut g = generator();
    let sub = kind.schema(&mut g).to_value();
    let defs = g.take_definitions(true);
    let mut root = json!({
        "$schema": DRAFT,
        "title": format!("mamoru {} source", kind.name()),
    });
    let obj = root.as_object_mut().expect("object");
    if let Value::Object(sub) = sub {
        obj.extend(sub);
    }
    if !defs.is_empty() {
        obj.insert("$defs".into(), Value::Object(defs));
    }
    unwrap_descriptions(&mut root);
    root
}

/// One schema for every policy source: a document is valid when it is valid as one of the kinds.
/// Markdown files are validated on their front matter.
pub fn source_schema() -> Value {
    let mut g = generator();
    let kinds: Vec<Value> = Kind::ALL
        .iter()
        .map(|k| {
            let mut s = k.schema(&mut g).to_value();
            if let Value::Object(o) = &mut s {
                o.insert(
                    "title".into(),
                    json!(k.file_name().map_or_else(
                        || match k {
                            Kind::Flow => "flows/*.yaml".to_string(),
                            Kind::Definition => "definitions/*.md front matter".to_string(),
                            Kind::Case => "cases/*.md front matter".to_string(),
                            _ => "pages/*.md front matter".to_string(),
                        },
                        |f| f.to_string()
                    )),
                );
            }
            s
        })
        .collect();
    let defs = g.take_definitions(true);
    let mut root = json!({
        "$schema": DRAFT,
        "$id": "https://mamoru.invalid/schema/source/v1",
        "title": "mamoru policy sources",
        "description": "Any file of a mamoru policy folder (the front matter of Markdown files).",
        "anyOf": kinds,
        "$defs": defs,
    });
    unwrap_descriptions(&mut root);
    root
}

/// Join the wrapped lines of every `description` (the doc comments of `model`, wrapped at 100
/// columns) into one line per paragraph, as Markdown reads them: editors show a description's
/// line breaks as they are, in the middle of a sentence.
fn unwrap_descriptions(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (key, x) in o.iter_mut() {
                match x {
                    Value::String(s) if key == "description" => {
                        *s = s
                            .split("\n\n")
                            .map(|para| para.lines().map(str::trim).collect::<Vec<_>>().join(" "))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    _ => unwrap_descriptions(x),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

struct Compiled {
    schemas: Vec<Value>,
    validators: Vec<jsonschema::Validator>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let schemas: Vec<Value> = Kind::ALL.iter().map(|k| kind_schema(*k)).collect();
    let validators = schemas
        .iter()
        .map(|s| {
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(s)
                .expect("the derived schema is a valid JSON Schema")
        })
        .collect();
    Compiled {
        schemas,
        validators,
    }
});

fn index(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).expect("kind")
}

/// The compiled validator of one kind.
pub fn validator(kind: Kind) -> &'static jsonschema::Validator {
    &COMPILED.validators[index(kind)]
}

/// The root schema of one kind (for looking up property names and descriptions).
pub fn schema_of(kind: Kind) -> &'static Value {
    &COMPILED.schemas[index(kind)]
}

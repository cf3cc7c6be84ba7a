//! What the editor asks about a position or a file: hover, definition, references, completion
//! and symbols, answered from an [`Analysis`].

use super::analysis::Analysis;
use super::index::{IdKind, Occurrence, Range};
use super::text::{self, Context, Encoding};
use crate::diag::FileId;
use crate::i18n::{Lang, Msg};
use crate::load::yaml::{NodeSpan, Pos};
use crate::model::Kind;
use crate::msg;
use lsp_types as lsp;
use serde_json::Value;

/// Most lines of a definition a hover quotes.
const SNIPPET_LINES: usize = 14;

fn value_at<'a>(a: &'a Analysis, o: &Occurrence) -> Option<&'a Value> {
    a.sources().doc(o.file)?.value.pointer(&o.item)
}

/// A definition's one-line label (`label`, `title`, `term`…), or a threshold's value.
fn label(a: &Analysis, o: &Occurrence) -> Option<String> {
    let v = value_at(a, o)?;
    let text = match v {
        Value::Object(m) => ["label", "title", "term", "purpose", "name", "text"]
            .iter()
            .find_map(|k| m.get(*k).and_then(Value::as_str))?
            .to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let one_line = text.lines().next().unwrap_or("").trim().to_string();
    Some(if one_line.chars().count() > 80 {
        one_line.chars().take(79).collect::<String>() + "…"
    } else {
        one_line
    })
}

/// The lines `first..=last` of a file, dedented, without trailing blank or comment lines, cut
/// at [`SNIPPET_LINES`].
fn lines(a: &Analysis, file: FileId, first: u32, last: u32) -> String {
    let mut v: Vec<&str> = (first..=last.max(first)).map(|l| a.line(file, l)).collect();
    while v
        .last()
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        v.pop();
    }
    let cut = v.len() > SNIPPET_LINES;
    v.truncate(SNIPPET_LINES);
    let indent = v
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<&str> = v.iter().map(|l| l.get(indent..).unwrap_or("")).collect();
    if cut {
        out.push("…");
    }
    out.join("\n")
}

/// The last line of a node: the line before the next token, unless the node ends inside a line.
fn last_line(a: &Analysis, file: FileId, s: NodeSpan) -> u32 {
    let end = s.end;
    let indent = a
        .line(file, end.line)
        .chars()
        .take_while(|c| *c == ' ')
        .count() as u32;
    if end.col <= indent + 1 && end.line > s.value.line {
        end.line - 1
    } else {
        end.line
    }
}

/// The source of a definition as a hover quotes it.
fn snippet(a: &Analysis, o: &Occurrence, lang: Lang) -> Option<String> {
    let doc = a.sources().doc(o.file)?;
    if !o.item.is_empty() {
        let s = doc.spans.get(&o.item)?;
        let first = s.key.map_or(s.value.line, |k| k.line);
        return Some(lines(a, o.file, first, last_line(a, o.file, s)));
    }
    let v = &doc.value;
    match doc.kind {
        Kind::Flow => {
            // The flow's header (up to its steps), then its steps in order.
            let steps_line = doc.spans.get("/steps").and_then(|s| s.key)?.line;
            let first = (1..steps_line)
                .find(|l| {
                    let t = a.line(o.file, *l).trim();
                    !t.is_empty() && !t.starts_with('#')
                })
                .unwrap_or(1);
            let ids: Vec<&str> = v["steps"]
                .as_array()
                .map(|s| s.iter().filter_map(|x| x["id"].as_str()).collect())
                .unwrap_or_default();
            Some(format!(
                "{}\n# {}",
                lines(a, o.file, first, steps_line.saturating_sub(1)),
                msg!("lsp-steps", list = ids.join(" → ")).render(lang)
            ))
        }
        Kind::Case => {
            let body_line = doc
                .body
                .as_ref()
                .map(|b| a.sources().file(o.file).position(b.offset).0)?;
            Some(lines(a, o.file, 2, body_line.saturating_sub(2)))
        }
        Kind::Definition => {
            let mut s = format!("term: {}", v["term"].as_str().unwrap_or(""));
            if let Some(r) = v["reading"].as_str() {
                s += &format!("\nreading: {r}");
            }
            let summary = v["summary"].as_str().map(str::to_string).or_else(|| {
                doc.body.as_ref().and_then(|b| {
                    b.text
                        .split("\n\n")
                        .map(str::trim)
                        .find(|p| !p.is_empty() && !p.starts_with('#'))
                        .map(str::to_string)
                })
            });
            if let Some(t) = summary {
                let t: String = t.chars().take(300).collect();
                s += &format!("\n# {}", t.replace('\n', "\n# "));
            }
            Some(s)
        }
        _ => None,
    }
}

/// The text shown when hovering an id.
pub fn hover(
    a: &Analysis,
    file: FileId,
    pos: Pos,
    enc: Encoding,
    lang: Lang,
) -> Option<lsp::Hover> {
    let o = a.index.at(file, pos)?;
    let kind = Msg::new(o.key.kind.what()).render(lang);
    let defs = a.index.definitions(&o.key);
    let mut md = String::new();
    match defs.first() {
        None => md.push_str(
            &msg!(
                "lsp-undefined",
                what = kind.as_str(),
                id = o.key.id.as_str()
            )
            .render(lang),
        ),
        Some(def) => {
            md.push_str(&format!("**{kind}** `{}`", o.key.id));
            if let Some(l) = label(a, def) {
                md.push_str(&format!(" — {l}"));
            }
            if o.key.kind == IdKind::Step && !def.key.scope.is_empty() {
                md.push_str(&format!(
                    "  \n{}",
                    msg!("lsp-in-flow", flow = def.key.scope.as_str()).render(lang)
                ));
            }
            if let Some(s) = snippet(a, def, lang) {
                md.push_str(&format!("\n\n```yaml\n{s}\n```"));
            }
            let path = &a.sources().file(def.file).path;
            let mut foot = vec![
                msg!(
                    "lsp-defined-at",
                    place = format!("{path}:{}", def.range.start.line)
                )
                .render(lang),
                msg!(
                    "lsp-references",
                    count = a.index.references(&def.key).filter(|r| !r.def).count()
                )
                .render(lang),
            ];
            if let (Some(p), Some(k)) = (&a.checked.policy, def.key.kind.provenance_kind())
                && !p.lineage.is_empty()
                && let Some(pv) = p.provenance.get(&format!("{k}/{}", def.key.id))
            {
                foot.extend(provenance(pv).map(|m| m.render(lang)));
            }
            md.push_str(&format!("\n\n{}", foot.join(" · ")));
        }
    }
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: md,
        }),
        range: Some(a.range(file, o.range, enc)),
    })
}

/// Where a fork's item comes from.
fn provenance(p: &crate::resolve::Provenance) -> Option<Msg> {
    use crate::resolve::Provenance::*;
    Some(match p {
        Inherited { upstream, version } => msg!(
            "lsp-inherited",
            upstream = upstream.as_str(),
            version = version.as_str()
        ),
        Overridden {
            upstream, version, ..
        } => msg!(
            "lsp-overridden",
            upstream = upstream.as_str(),
            version = version.as_str()
        ),
        Own => msg!("lsp-added"),
        Removed { .. } => return None,
    })
}

/// What a key of a condition tests, for its completion.
fn condition_key(key: &str) -> Msg {
    Msg::new(match key {
        "verdict" => "lsp-cond-verdict",
        "conduct_at_least" => "lsp-cond-conduct-at-least",
        "demand_at_least" => "lsp-cond-demand-at-least",
        "conduct_types" => "lsp-cond-conduct-types",
        "demand_types" => "lsp-cond-demand-types",
        "tags" => "lsp-cond-tags",
        "channel" => "lsp-cond-channel",
        "event" => "lsp-cond-event",
        "minutes_at_least" => "lsp-cond-minutes-at-least",
        "repeats_at_least" => "lsp-cond-repeats-at-least",
        _ => "lsp-cond-not",
    })
}

/// Where the id under the cursor is defined: the definition that takes effect first, then the
/// ones it replaces (a fork's override, then its upstream's original).
pub fn definition(a: &Analysis, file: FileId, pos: Pos, enc: Encoding) -> Vec<lsp::Location> {
    let Some(o) = a.index.at(file, pos) else {
        return Vec::new();
    };
    a.index
        .definitions(&o.key)
        .iter()
        .filter_map(|d| a.location(d.file, d.range, enc))
        .collect()
}

/// Every place the id under the cursor is written.
pub fn references(
    a: &Analysis,
    file: FileId,
    pos: Pos,
    declaration: bool,
    enc: Encoding,
) -> Vec<lsp::Location> {
    let Some(o) = a.index.at(file, pos) else {
        return Vec::new();
    };
    a.index
        .references(&o.key)
        .filter(|r| declaration || !r.def)
        .filter_map(|r| a.location(r.file, r.range, enc))
        .collect()
}

/// What a completion should offer.
#[derive(Debug, PartialEq, Eq)]
enum Want {
    Ids(IdKind, Option<String>),
    /// Thresholds that are durations (`true`) or counts (`false`).
    Thresholds(bool),
    /// The keys of a condition; only the plain facts for a type's `when`.
    ConditionKeys {
        facts_only: bool,
    },
}

/// The kind of a policy file from its path relative to the policy folder.
pub fn kind_of_path(rel: &str) -> Option<Kind> {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    match dir {
        "" => Kind::ALL.into_iter().find(|k| k.file_name() == Some(name)),
        "flows" => Some(Kind::Flow),
        "cases" => Some(Kind::Case),
        "definitions" => Some(Kind::Definition),
        "pages" => Some(Kind::Page),
        _ => None,
    }
}

fn want(ctx: &Context, kind: Kind, text: &str) -> Option<Want> {
    let ids = |k| Some(Want::Ids(k, None));
    if ctx.at_key {
        let parent = ctx.key()?;
        return match parent {
            "when" | "applies_to" | "not" => Some(Want::ConditionKeys {
                facts_only: kind == Kind::Criteria,
            }),
            "grid" if kind == Kind::Criteria && ctx.path.len() == 1 => ids(IdKind::ConductLevel),
            _ => None,
        };
    }
    if kind == Kind::Criteria && ctx.path.first().is_some_and(|k| k == "grid") {
        return match ctx.path.len() {
            1 => ids(IdKind::ConductLevel),
            _ => ids(IdKind::Verdict),
        };
    }
    if ctx.path.first().is_some_and(|k| k == "remove") && ctx.key() == Some("id") {
        let part = ctx.path.get(1)?;
        return ids(match part.as_str() {
            "definitions" => IdKind::Term,
            "roles" => IdKind::Role,
            "scripts" => IdKind::Script,
            "flows" => IdKind::Flow,
            "aftercare" => IdKind::Aftercare,
            "invariants" => IdKind::Invariant,
            "cases" => IdKind::Case,
            "pages" => IdKind::Page,
            _ => return None,
        });
    }
    match ctx.key()? {
        "role" | "reach_role" => ids(IdKind::Role),
        "script" => ids(IdKind::Script),
        "start" | "to" | "otherwise" if kind == Kind::Flow => {
            Some(Want::Ids(IdKind::Step, Some(current_flow(text))))
        }
        "route" if kind == Kind::Case => Some(Want::Ids(IdKind::Step, expected_flow(text))),
        "verdict" => ids(IdKind::Verdict),
        "conduct_at_least" => ids(IdKind::ConductLevel),
        "demand_at_least" => ids(IdKind::DemandLevel),
        "conduct" if kind == Kind::Case => ids(IdKind::ConductLevel),
        "demand" if kind == Kind::Case => ids(IdKind::DemandLevel),
        "min_level" if ctx.under("conduct_types") => ids(IdKind::ConductLevel),
        "min_level" => ids(IdKind::DemandLevel),
        "conduct_types" => ids(IdKind::ConductType),
        "demand_types" => ids(IdKind::DemandType),
        "tags" => ids(IdKind::Tag),
        "channel" => ids(IdKind::Channel),
        "event" | "events" => ids(IdKind::Event),
        "flow" if kind == Kind::Case => ids(IdKind::Flow),
        "see_also" => ids(IdKind::Term),
        "limit" | "hold" | "max_hold" | "max_limit" | "within" | "max" | "minutes_at_least" => {
            Some(Want::Thresholds(true))
        }
        "repeat" | "repeats_at_least" => Some(Want::Thresholds(false)),
        _ => None,
    }
}

/// The id of the flow being edited, from its text (which may not parse right now).
fn current_flow(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|s| s.trim().trim_matches(['"', '\'']).to_string())
        .unwrap_or_default()
}

/// A case's `expect.flow`, from its text.
fn expected_flow(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim_start)
        .find_map(|l| l.strip_prefix("flow:"))
        .map(|s| s.trim().trim_matches(['"', '\'']).to_string())
        .filter(|s| !s.is_empty())
}

/// Step ids written in a flow's text (`- id: x`), for a flow that does not parse right now.
fn step_ids_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("- id:"))
        .map(|s| s.trim().trim_matches(['"', '\'']).to_string())
        .filter(|s| !s.is_empty() && s.chars().all(text::is_id_char))
        .collect()
}

const CONDITION_KEYS: &[&str] = &[
    "verdict",
    "conduct_at_least",
    "demand_at_least",
    "conduct_types",
    "demand_types",
    "tags",
    "channel",
    "event",
    "minutes_at_least",
    "repeats_at_least",
    "not",
];
const FACT_KEYS: &[&str] = &["channel", "tags", "minutes_at_least", "repeats_at_least"];

/// Completion at a position of a document, from its current `text`.
pub fn completion(
    a: &Analysis,
    kind: Kind,
    text: &str,
    at: lsp::Position,
    enc: Encoding,
    lang: Lang,
) -> Vec<lsp::CompletionItem> {
    let line = text::line(text, at.line);
    let col = text::chars(line, at.character, enc);
    let ctx = text::context(text, at.line, col);
    let Some(want) = want(&ctx, kind, text) else {
        return Vec::new();
    };
    let range = lsp::Range {
        start: lsp::Position {
            line: at.line,
            character: text::units(line, ctx.prefix_start, enc),
        },
        end: lsp::Position {
            line: at.line,
            character: text::units(line, col, enc),
        },
    };
    let item = |label: String, detail: Option<String>, insert: String, k| lsp::CompletionItem {
        label: label.clone(),
        kind: Some(k),
        detail,
        filter_text: Some(label.clone()),
        sort_text: Some(label),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
            range,
            new_text: insert,
        })),
        ..lsp::CompletionItem::default()
    };
    match want {
        Want::ConditionKeys { facts_only } => {
            let keys = if facts_only {
                FACT_KEYS
            } else {
                CONDITION_KEYS
            };
            keys.iter()
                .map(|k| {
                    item(
                        k.to_string(),
                        Some(condition_key(k).render(lang)),
                        format!("{k}: "),
                        lsp::CompletionItemKind::PROPERTY,
                    )
                })
                .collect()
        }
        Want::Thresholds(duration) => a
            .index
            .defined(IdKind::Threshold, None)
            .into_iter()
            .filter(|o| value_at(a, o).is_some_and(|v| v.is_string() == duration))
            .map(|o| {
                item(
                    o.key.id.clone(),
                    label(a, o),
                    o.key.id.clone(),
                    lsp::CompletionItemKind::CONSTANT,
                )
            })
            .collect(),
        Want::Ids(k, scope) => {
            let mut items: Vec<lsp::CompletionItem> = a
                .index
                .defined(k, scope.as_deref())
                .into_iter()
                .map(|o| {
                    let what = Msg::new(k.what()).render(lang);
                    let detail = match label(a, o) {
                        Some(l) => format!("{what} — {l}"),
                        None => what,
                    };
                    item(
                        o.key.id.clone(),
                        Some(detail),
                        o.key.id.clone(),
                        lsp::CompletionItemKind::ENUM_MEMBER,
                    )
                })
                .collect();
            if k == IdKind::Step && kind == Kind::Flow {
                for id in step_ids_in(text) {
                    if !items.iter().any(|i| i.label == id) {
                        items.push(item(
                            id.clone(),
                            Some(Msg::new(k.what()).render(lang)),
                            id,
                            lsp::CompletionItemKind::ENUM_MEMBER,
                        ));
                    }
                }
            }
            items.sort_by(|a, b| a.label.cmp(&b.label));
            items.dedup_by(|a, b| a.label == b.label);
            items
        }
    }
}

fn symbol_kind(k: IdKind) -> lsp::SymbolKind {
    use IdKind::*;
    match k {
        Flow => lsp::SymbolKind::NAMESPACE,
        Step => lsp::SymbolKind::FUNCTION,
        Case => lsp::SymbolKind::OBJECT,
        Role => lsp::SymbolKind::CLASS,
        Script => lsp::SymbolKind::STRING,
        Term => lsp::SymbolKind::KEY,
        Threshold => lsp::SymbolKind::CONSTANT,
        ConductLevel | DemandLevel | Verdict => lsp::SymbolKind::ENUM_MEMBER,
        ConductType | DemandType => lsp::SymbolKind::ENUM,
        Event => lsp::SymbolKind::EVENT,
        Channel | Tag | Party | Counter => lsp::SymbolKind::PROPERTY,
        Cap => lsp::SymbolKind::OPERATOR,
        Invariant => lsp::SymbolKind::INTERFACE,
        Aftercare => lsp::SymbolKind::METHOD,
        Vendor => lsp::SymbolKind::STRUCT,
        Page => lsp::SymbolKind::FILE,
    }
}

/// The extent of a definition's item (the whole file for one-item files).
fn extent(a: &Analysis, o: &Occurrence) -> Range {
    let whole = || {
        let n = a.sources().file(o.file).text.lines().count().max(1) as u32;
        Range {
            start: Pos { line: 1, col: 1 },
            end: Pos {
                line: n,
                col: a.line(o.file, n).chars().count() as u32 + 1,
            },
        }
    };
    let span = (!o.item.is_empty())
        .then(|| a.sources().doc(o.file)?.spans.get(&o.item))
        .flatten();
    let mut r = match span {
        None => whole(),
        Some(s) => {
            let last = last_line(a, o.file, s);
            let end = if last == s.end.line {
                s.end
            } else {
                Pos {
                    line: last,
                    col: a.line(o.file, last).chars().count() as u32 + 1,
                }
            };
            Range {
                start: s.key.unwrap_or(s.value),
                end,
            }
        }
    };
    // The id itself must lie inside the symbol's range.
    r.start = r.start.min(o.range.start);
    r.end = r.end.max(o.range.end);
    r
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be given, as `None`.
fn document_symbol(
    a: &Analysis,
    o: &Occurrence,
    enc: Encoding,
    children: Option<Vec<lsp::DocumentSymbol>>,
) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: o.key.id.clone(),
        detail: label(a, o),
        kind: symbol_kind(o.key.kind),
        tags: None,
        deprecated: None,
        range: a.range(o.file, extent(a, o), enc),
        selection_range: a.range(o.file, o.range, enc),
        children,
    }
}

/// The outline of a file: a flow with its steps, a case, the items of a list file.
pub fn symbols(a: &Analysis, file: FileId, enc: Encoding) -> Vec<lsp::DocumentSymbol> {
    let defs: Vec<&Occurrence> = a.index.defined_in(file).collect();
    if let Some(flow) = defs.iter().find(|o| o.key.kind == IdKind::Flow) {
        let steps = defs
            .iter()
            .filter(|o| o.key.kind == IdKind::Step)
            .map(|o| document_symbol(a, o, enc, None))
            .collect();
        return vec![document_symbol(a, flow, enc, Some(steps))];
    }
    defs.iter()
        .map(|o| document_symbol(a, o, enc, None))
        .collect()
}

/// Definitions whose id or label contains `query` (any case), across a policy.
#[allow(deprecated)] // `SymbolInformation::deprecated` must be given, as `None`.
pub fn workspace_symbols(a: &Analysis, query: &str, enc: Encoding) -> Vec<lsp::SymbolInformation> {
    let q = query.to_lowercase();
    a.index
        .occurrences
        .iter()
        .filter(|o| o.def)
        .filter_map(|o| {
            let l = label(a, o);
            let hit = o.key.id.to_lowercase().contains(&q)
                || l.as_ref().is_some_and(|l| l.to_lowercase().contains(&q));
            if !hit {
                return None;
            }
            Some(lsp::SymbolInformation {
                name: match &l {
                    Some(l) => format!("{} — {l}", o.key.id),
                    None => o.key.id.clone(),
                },
                kind: symbol_kind(o.key.kind),
                tags: None,
                deprecated: None,
                location: a.location(o.file, o.range, enc)?,
                container_name: (!o.key.scope.is_empty()).then(|| o.key.scope.clone()),
            })
        })
        .collect()
}

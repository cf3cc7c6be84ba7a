//! The catalogues are complete and consistent with the code: every `msg!` id exists in English
//! and Japanese, every variable a message uses is given by every call, no message is unused,
//! and Japanese messages are written in Japanese.

use super::*;
use std::collections::{BTreeMap, BTreeSet};

/// Message id → variables it references, per catalogue.
fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let var = regex::Regex::new(r"\{\s*\$([A-Za-z0-9_-]+)").unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        if line.starts_with('#') || line.trim().is_empty() && current.is_none() {
            continue;
        }
        if !line.starts_with([' ', '\t', '[', '*', '}']) && line.contains(" =") {
            let id = line.split(" =").next().unwrap().trim().to_string();
            current = Some(id.clone());
            out.entry(id).or_default();
        }
        if let Some(id) = &current {
            for c in var.captures_iter(line) {
                out.get_mut(id).unwrap().insert(c[1].to_string());
            }
        }
    }
    out
}

/// Every `msg!(` call in the sources: (file, id, argument names).
fn calls() -> Vec<(String, String, BTreeSet<String>)> {
    let mut out = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs")
                && !p.parent().is_some_and(|d| d.ends_with("i18n"))
            {
                let text = std::fs::read_to_string(&p).unwrap();
                for (at, _) in text.match_indices("msg!(") {
                    if let Some((id, args)) = parse_call(&text[at + 5..]) {
                        out.push((p.display().to_string(), id, args));
                    }
                }
            }
        }
    }
    out
}

/// The text of every source file.
fn all_sources() -> String {
    let mut out = String::new();
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// `"id", a = x, b = f(y, z))` → the id and `{a, b}`.
fn parse_call(s: &str) -> Option<(String, BTreeSet<String>)> {
    let s = s.trim_start();
    let rest = s.strip_prefix('"')?;
    let end = rest.find('"')?;
    let id = rest[..end].to_string();
    let mut args = BTreeSet::new();
    let (mut depth, mut in_str, mut escaped) = (0i32, false, false);
    let mut part = String::new();
    for c in rest[end + 1..].chars() {
        if in_str {
            in_str = c != '"' || escaped;
            escaped = c == '\\' && !escaped;
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => break,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                if let Some((name, _)) = part.split_once('=') {
                    args.insert(name.trim().to_string());
                }
                part.clear();
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            part.push(c);
        }
    }
    if let Some((name, _)) = part.split_once('=') {
        args.insert(name.trim().to_string());
    }
    args.remove("");
    Some((id, args))
}

#[test]
fn catalogues_parse_without_errors() {
    for (lang, source) in CATALOGUES {
        if let Err((_, errors)) = FluentResource::try_new(source.to_string()) {
            panic!("{}.ftl: {errors:?}", lang.code());
        }
    }
}

#[test]
fn both_languages_have_the_same_messages() {
    let en = messages(CATALOGUES[0].1);
    let ja = messages(CATALOGUES[1].1);
    let en_ids: BTreeSet<_> = en.keys().collect();
    let ja_ids: BTreeSet<_> = ja.keys().collect();
    assert_eq!(
        en_ids.difference(&ja_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "missing in ja.ftl"
    );
    assert_eq!(
        ja_ids.difference(&en_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "missing in en.ftl"
    );
}

#[test]
fn every_call_names_a_message_and_gives_its_variables() {
    let cats: Vec<_> = CATALOGUES.iter().map(|(l, s)| (*l, messages(s))).collect();
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for (file, id, args) in calls() {
        used.insert(id.clone());
        for (lang, cat) in &cats {
            match cat.get(&id) {
                None => problems.push(format!("{file}: `{id}` is not in {}.ftl", lang.code())),
                Some(vars) => {
                    for v in vars.difference(&args) {
                        problems.push(format!(
                            "{file}: `{id}` uses ${v} in {}.ftl but the call does not give it",
                            lang.code()
                        ));
                    }
                }
            }
        }
    }
    // Ids also count as used when they appear as a string literal (`Msg::new(self.what)`).
    let sources = all_sources();
    for id in cats[0].1.keys() {
        if !used.contains(id) && !sources.contains(&format!("\"{id}\"")) {
            problems.push(format!("`{id}` is in the catalogues but never used"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn japanese_messages_are_japanese() {
    let source = CATALOGUES[1].1;
    let mut current = String::new();
    let mut text: BTreeMap<String, String> = BTreeMap::new();
    for line in source.lines() {
        if line.starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t', '[', '*', '}']) && line.contains(" =") {
            current = line.split(" =").next().unwrap().trim().to_string();
        }
        text.entry(current.clone()).or_default().push_str(line);
    }
    // Messages made only of ids, numbers and punctuation need no Japanese.
    let neutral = [
        "plain",
        "check-summary",
        "field",
        "found-string",
        "schema-other",
        "what-item",
        "what-part",
        "describe",
        "why",
        "note-code-message",
    ];
    let bad: Vec<_> = text
        .iter()
        .filter(|(id, t)| {
            !neutral.contains(&id.as_str())
                && !id.is_empty()
                && !t
                    .chars()
                    .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
        })
        .map(|(id, _)| id.clone())
        .collect();
    assert!(bad.is_empty(), "not in Japanese: {bad:?}");
}

#[test]
fn renders_arguments_in_each_language() {
    let m = crate::msg!("plain", text = "x");
    assert_eq!(m.render(Lang::En), "x");
    assert_eq!(Lang::parse("ja_JP.UTF-8"), Some(Lang::Ja));
    assert_eq!(Lang::parse("C.UTF-8"), Some(Lang::En));
    assert_eq!(Lang::parse("fr_FR"), None);
    let list = Arg::any_of(["a", "b", "c"]);
    assert_eq!(
        list.render(Lang::En),
        FluentValue::from("`a`, `b` or `c`".to_string())
    );
    assert_eq!(
        list.render(Lang::Ja),
        FluentValue::from("`a`、`b`、`c` のいずれか".to_string())
    );
}

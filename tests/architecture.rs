//! The import rules of ARCHITECTURE.md, checked: every `crate::MODULE` a stage's code names
//! (test modules aside) must be one the map allows, so the map cannot rot unnoticed.

use std::collections::BTreeSet;
use std::path::Path;

/// Per stage: the crate modules it may name. Shared vocabulary (`diag`, `i18n`, `model`,
/// `duration`, `urls`, `text`, `provenance`, `embedded`) is allowed to every stage but `diag`
/// and `i18n` themselves. `compile::cases` is the one part of compile the emitters may read (the
/// case runs compile made).
const RULES: &[(&str, &[&str])] = &[
    ("diag", &["i18n"]),
    ("i18n", &[]),
    // The loader ignores the signature file of a signed folder by name.
    ("load", &["schema", "sign"]),
    ("validate", &["load", "schema"]),
    ("resolve", &["validate"]),
    ("compile", &["validate", "policy", "eval"]),
    ("policy", &[]),
    ("eval", &["policy"]),
    (
        "emit",
        &["policy", "eval", "bundle", "compile::cases", "sign"],
    ),
    ("bundle", &["policy", "eval"]),
    ("sign", &[]),
    ("publish", &[]),
];

const SHARED: &[&str] = &[
    "diag",
    "i18n",
    "msg",
    "model",
    "duration",
    "urls",
    "text",
    "provenance",
    "embedded",
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `crate::a::b…` paths named in a file's code before its first `#[cfg(test)]`, as `a` and `a::b`.
fn imports(text: &str) -> BTreeSet<(String, String)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let mut parts = path.split("::").filter(|s| !s.is_empty());
        let Some(first) = parts.next() else { continue };
        let second = parts
            .next()
            .map_or(String::new(), |s| format!("{first}::{s}"));
        out.insert((first.to_string(), second));
    }
    out
}

#[test]
fn stages_import_only_what_the_architecture_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut bad = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&root).unwrap();
        let stage = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some((_, allowed)) = RULES.iter().find(|(s, _)| *s == stage) else {
            continue;
        };
        checked += 1;
        let text = std::fs::read_to_string(file).unwrap();
        for (first, second) in imports(&text) {
            let ok = first == stage
                || (SHARED.contains(&first.as_str()) && stage != "diag" && stage != "i18n")
                || (stage == "diag" && first == "msg")
                || (stage == "i18n" && first == "msg")
                || allowed.contains(&first.as_str())
                || allowed.contains(&second.as_str());
            if !ok {
                bad.push(format!("{}: crate::{}", rel.display(), second.max(first)));
            }
        }
    }
    assert!(checked > 20, "the stages' files were found ({checked})");
    assert_eq!(
        bad,
        Vec::<String>::new(),
        "imports ARCHITECTURE.md does not allow"
    );
}

#[test]
fn the_rule_reader_sees_paths_and_skips_tests() {
    let i = imports(
        "use crate::policy::Policy;\nfn f() { crate::emit::urls::cell(); }\n#[cfg(test)]\nmod t { use crate::ops; }",
    );
    assert!(i.contains(&("policy".into(), "policy::Policy".into())));
    assert!(i.contains(&("emit".into(), "emit::urls".into())));
    assert!(!i.iter().any(|(a, _)| a == "ops"));
}

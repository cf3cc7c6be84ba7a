//! `{{name}}` placeholders: a threshold's value written once in `policy.yaml` and shown in text
//! (`60分`, `3回`).
//!
//! Shared vocabulary: every stage may use this module; it knows nothing else.

use crate::duration::format_duration_ja;
use crate::policy::{Policy, Quantity};
use regex::Regex;
use std::sync::LazyLock;

/// `{{name}}`: a threshold's value in text.
pub static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([^{}\s]*)\s*\}\}").expect("a valid regex"));

/// The text with every known `{{name}}` replaced by the threshold's value (`60分`, `3回`).
pub fn expand(p: &Policy, text: &str) -> String {
    if !text.contains("{{") {
        return text.to_string();
    }
    PLACEHOLDER
        .replace_all(text, |c: &regex::Captures| {
            let name = &c[1];
            match p.threshold(name).map(|t| t.value) {
                Some(Quantity::Duration(s)) => format_duration_ja(s),
                Some(Quantity::Count(n)) => format!("{n}回"),
                None => c[0].to_string(),
            }
        })
        .into_owned()
}

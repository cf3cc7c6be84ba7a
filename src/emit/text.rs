//! Text shared by the outputs: `{{threshold}}` placeholders expanded to their values.

use crate::compile::lints::PLACEHOLDER;
use crate::policy::{Policy, Quantity, format_duration_ja};

/// The text with every known `{{name}}` replaced by the threshold's value (`60分`, `3回`).
pub fn expand(p: &Policy, text: &str) -> String {
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

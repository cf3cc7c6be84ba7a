//! `mamoru diff OLD NEW`: the semantic difference of two compiled policies (two bundles).
//!
//! Items are compared by id, as data: two items are equal when their JSON is equal, ignoring the
//! `manual` links. On top of the per-kind lists of added, removed and changed ids, the diff
//! reports what a reviewer of a policy change needs first: grid cells whose verdict moved (and
//! whether they became more or less severe), thresholds, the structure of flows (steps and
//! branches), and cases whose outcome changed when every case contact of both policies is
//! classified with both engines.
//!
//! Three parts: [`model`] (the diff as data), `compute` (two bundles → [`Diff`], [`diff`]) and the
//! renderers, which read only the model: `text` and `markdown` lay out the phrases of `words`
//! (every word from the message catalogues, in the reader's language), [`Diff::json`] serialises
//! the model. A new output format is one more renderer.
//!
//! ```
//! # let policy = mamoru::ops::check(&mamoru::ops::Input::Builtin).unwrap().policy.unwrap();
//! # let bundle = mamoru::emit::bundle::build(&policy, None);
//! use mamoru::i18n::Lang;
//! let d = mamoru::diff::diff(&bundle, &bundle);
//! assert!(d.is_empty());
//! assert_eq!(d.summary(Lang::En), ["no semantic change"]);
//! assert_eq!(d.summary(Lang::Ja), ["意味のある変更はありません"]);
//! ```

mod compute;
mod markdown;
pub mod model;
mod text;
mod words;

pub use compute::diff;
pub use model::*;

use crate::i18n::Lang;

impl Diff {
    /// Plain-language lines in a language, most important first; `no semantic change` when
    /// empty.
    pub fn summary(&self, lang: Lang) -> Vec<String> {
        words::Words::new(lang).summary(self)
    }

    /// For terminals, in a language: the summary first, then the details.
    pub fn text(&self, lang: Lang) -> String {
        text::render(self, lang)
    }

    /// For a pull-request comment, in a language: the summary, then sections with tables.
    pub fn markdown(&self, lang: Lang) -> String {
        markdown::render(self, lang)
    }

    /// The diff as pretty JSON, with a trailing newline; notes and errors in English.
    pub fn json(&self) -> String {
        // The model always serialises (string keys only).
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

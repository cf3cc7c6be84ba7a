//! Stage 5, `emit`: outputs made from a compiled [`crate::policy::Policy`].
//!
//! Architecture invariant: emitters read only the [`BuildContext`] — the compiled policy and
//! what the earlier stages already computed — never the sources; each output is its own module,
//! and they share only the manual's URL scheme ([`urls`]).

pub mod bundle;
pub mod opa;
#[cfg(feature = "site")]
pub mod site;
/// Placeholders in text (shared vocabulary, see [`crate::text`]).
pub use crate::text;
/// The manual's URL scheme (shared vocabulary, see [`crate::urls`]).
pub use crate::urls;

use crate::compile::cases::CaseRun;
use crate::policy::Policy;

/// Why an output could not be rendered (a broken template override, a file not written).
#[derive(Debug)]
pub struct SiteError(pub String);

/// Everything an emitter reads: the compiled policy and what compile and the driver already
/// computed, so no emitter computes it again.
pub struct BuildContext<'a> {
    /// The compiled policy (every index valid).
    pub policy: &'a Policy,
    /// The policy's cases as the compile stage ran them, in case order: the site shows their
    /// outcomes and never re-runs a case.
    pub runs: Vec<&'a CaseRun>,
    /// The source revision (the git commit of the policy folder) when known; the manual's
    /// footer and the bundle's manifest name it.
    pub revision: Option<String>,
    /// The policy folder's `templates/` and `site/` files, which override the built-in ones
    /// file by file (paths relative to the policy folder).
    pub overrides: &'a [(String, Vec<u8>)],
}

impl<'a> BuildContext<'a> {
    /// A context for `policy` and its case runs, without revision or overrides.
    pub fn new(policy: &'a Policy, runs: Vec<&'a CaseRun>) -> Self {
        BuildContext {
            policy,
            runs,
            revision: None,
            overrides: &[],
        }
    }

    /// The rule bundle of this build.
    pub fn bundle(&self) -> crate::bundle::Bundle {
        bundle::build(self.policy, self.revision.clone())
    }
}

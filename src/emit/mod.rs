//! Stage 5, `emit`: outputs made from a compiled [`crate::policy::Policy`].
//!
//! Architecture invariant: emitters read only the compiled policy, never the sources; each
//! output is its own module, and they share only the manual's URL scheme ([`urls`]).

pub mod bundle;
pub mod site;
/// Placeholders in text (shared vocabulary, see [`crate::text`]).
pub use crate::text;
/// The manual's URL scheme (shared vocabulary, see [`crate::urls`]).
pub use crate::urls;

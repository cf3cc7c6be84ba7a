//! mamoru (守る): a policy-as-code compiler for customer-harassment (カスタマーハラスメント)
//! response manuals of contact centres.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! [`load`] (files → documents with positions) → [`validate`] (JSON Schema → typed [`model`]) →
//! [`compile`] (references → [`policy::Policy`], semantic checks, lints).
//! [`eval`] computes verdicts and routes for the checks and for consumers.
//! [`ops`] holds one function per command; `main.rs` only parses arguments and reports.
#![warn(missing_docs)]

pub mod bundle;
pub mod compile;
pub mod diag;
pub mod diff;
pub mod duration;
pub mod embedded;
pub mod emit;
pub mod error;
pub mod eval;
#[doc(hidden)]
pub mod fuzz;
pub mod i18n;
pub mod load;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod model;
pub mod ops;
pub mod pipeline;
pub mod policy;
pub mod provenance;
pub mod publish;
pub mod report;
pub mod resolve;
#[cfg(feature = "review")]
pub mod review;
pub mod schema;
#[cfg(feature = "serve")]
pub mod serve;
pub mod sign;
pub mod testing;
pub mod text;
pub mod urls;
pub mod validate;

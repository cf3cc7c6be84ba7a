//! The manual's URL scheme, relative to its root. The bundle links every item to the section
//! the site renders for it, so both must use these functions; `check` verifies the links authors
//! write in Markdown against it.
//!
//! Shared vocabulary: every stage may use this module; it knows nothing else.

/// The manual's pages that exist for every policy (besides one page per flow, case and free
/// page, and `deviations.html` for a fork).
pub const FIXED_PAGES: &[&str] = &[
    "index.html",
    "criteria.html",
    "definitions.html",
    "roles.html",
    "aftercare.html",
    "cases.html",
    "search.html",
    "print.html",
];

pub fn definition(id: &str) -> String {
    format!("definitions.html#def-{id}")
}
pub fn level(id: &str) -> String {
    format!("criteria.html#level-{id}")
}
pub fn verdict(id: &str) -> String {
    format!("criteria.html#verdict-{id}")
}
pub fn cell(conduct: &str, demand: &str) -> String {
    format!("criteria.html#cell-{conduct}-{demand}")
}
pub fn conduct_type(id: &str) -> String {
    format!("criteria.html#ctype-{id}")
}
pub fn demand_type(id: &str) -> String {
    format!("criteria.html#dtype-{id}")
}
pub fn flow(id: &str) -> String {
    format!("flows/{id}.html")
}
pub fn step(flow: &str, step: &str) -> String {
    format!("flows/{flow}.html#step-{step}")
}
pub fn role(id: &str) -> String {
    format!("roles.html#role-{id}")
}
pub fn script(id: &str) -> String {
    format!("roles.html#script-{id}")
}
pub fn invariant(id: &str) -> String {
    format!("roles.html#invariant-{id}")
}
pub fn aftercare(id: &str) -> String {
    format!("aftercare.html#item-{id}")
}
pub fn case(id: &str) -> String {
    format!("cases/{id}.html")
}
pub fn page(id: &str) -> String {
    format!("pages/{id}.html")
}

/// A link destination that leaves the manual (`https://…`, `//host`, `mailto:`, `tel:`).
pub fn is_external(dest: &str) -> bool {
    dest.contains("://")
        || dest.starts_with("//")
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        })
}
pub fn cap(id: &str) -> String {
    format!("criteria.html#cap-{id}")
}
pub fn compliance() -> String {
    "compliance.html".into()
}
pub fn measure(framework: &str, measure: &str) -> String {
    format!("compliance.html#measure-{framework}-{measure}")
}
pub fn public_policy() -> String {
    "kasuhara-policy.html".into()
}

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

/// The entry of a defined term in the list of terms.
pub fn definition(id: &str) -> String {
    format!("definitions.html#def-{id}")
}
/// A level of an axis, with the criteria.
pub fn level(id: &str) -> String {
    format!("criteria.html#level-{id}")
}
/// A verdict, with the criteria.
pub fn verdict(id: &str) -> String {
    format!("criteria.html#verdict-{id}")
}
/// A cell of the grid (conduct level × demand level).
pub fn cell(conduct: &str, demand: &str) -> String {
    format!("criteria.html#cell-{conduct}-{demand}")
}
/// A conduct type (行為の類型), with the criteria.
pub fn conduct_type(id: &str) -> String {
    format!("criteria.html#ctype-{id}")
}
/// A demand type (要求の類型), with the criteria.
pub fn demand_type(id: &str) -> String {
    format!("criteria.html#dtype-{id}")
}
/// A flow's own page.
pub fn flow(id: &str) -> String {
    format!("flows/{id}.html")
}
/// A step on its flow's page.
pub fn step(flow: &str, step: &str) -> String {
    format!("flows/{flow}.html#step-{step}")
}
/// A role, on the page of roles and scripts (体制・文例).
pub fn role(id: &str) -> String {
    format!("roles.html#role-{id}")
}
/// A script, on the page of roles and scripts.
pub fn script(id: &str) -> String {
    format!("roles.html#script-{id}")
}
/// An invariant, on the page of roles and scripts.
pub fn invariant(id: &str) -> String {
    format!("roles.html#invariant-{id}")
}
/// A follow-up step (事後対応).
pub fn aftercare(id: &str) -> String {
    format!("aftercare.html#item-{id}")
}
/// A case's own page.
pub fn case(id: &str) -> String {
    format!("cases/{id}.html")
}
/// A free page.
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
/// A protective cap, with the criteria.
pub fn cap(id: &str) -> String {
    format!("criteria.html#cap-{id}")
}
/// The page of how the policy meets laws and guidelines (法令・指針との対応).
pub fn compliance() -> String {
    "compliance.html".into()
}
/// A measure of a framework, on the compliance page.
pub fn measure(framework: &str, measure: &str) -> String {
    format!("compliance.html#measure-{framework}-{measure}")
}
/// The basic policy published to customers (カスハラ基本方針).
pub fn public_policy() -> String {
    "kasuhara-policy.html".into()
}

//! The manual's URL scheme, relative to its root. The bundle links every item to the section
//! the site renders for it, so both must use these functions.

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

//! The seam between the development server and the emitters: the files a build would write,
//! in memory, whole or in part.
//!
//! `emit::site` renders the whole manual in one call today. Its pages fall in three groups by
//! what they read, and the rebuild keys each group by those inputs:
//! - a case's page reads that case and the rest of the policy, never the other cases;
//! - every other page but three reads the policy without its cases;
//! - the case list, the criteria page (every case on the grid), the print page and the search
//!   index read everything: they are the "whole" group.
//!
//! So a page of the first two groups can be rendered by rendering a copy of the policy that
//! holds only the cases wanted: [`render_part`]. A test below checks that those pages are byte
//! for byte the pages of a full render; when `emit::site` renders page by page (issue 9),
//! `render_part` becomes a loop over the pages wanted, and that test names the pages that moved
//! between groups.

use crate::emit::site::Meta;
use crate::policy::Policy;
use std::hash::{Hash, Hasher};

pub type Files = Vec<(String, Vec<u8>)>;

/// Pages rendered only with every case.
const WHOLE: &[&str] = &["cases.html", "criteria.html", "print.html"];

/// A file of the "whole" group (reads every case).
pub fn needs_all_cases(path: &str) -> bool {
    WHOLE.contains(&path) || path.starts_with("pagefind/") || path.starts_with("bundle")
}

/// The page of a case.
pub fn case_page(id: &str) -> String {
    crate::urls::case(id)
}

fn hash_debug(v: &impl std::fmt::Debug) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // The compiled policy has no Hash; its Debug form names every field and value.
    format!("{v:?}").hash(&mut h);
    h.finish()
}

/// The inputs of every page but the cases': the policy without its cases, templates, assets
/// and the footer's meta data.
pub fn rest_key(p: &Policy, assets: &[(String, Vec<u8>)], meta: &Meta) -> u64 {
    let mut without = p.clone();
    without.cases.clear();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    hash_debug(&without).hash(&mut h);
    assets.hash(&mut h);
    meta.revision.hash(&mut h);
    h.finish()
}

/// The inputs of each case's page beyond the rest: the compiled case, by id.
pub fn case_keys(p: &Policy) -> Vec<(String, u64)> {
    p.cases
        .iter()
        .map(|c| (c.id.clone(), hash_debug(c)))
        .collect()
}

/// Every file of a build: the manual, `bundle.json` and `bundle.schema.json`.
pub fn render(p: &Policy, assets: &[(String, Vec<u8>)], meta: &Meta) -> Result<Files, String> {
    let mut files = crate::emit::site::render(p, assets, meta).map_err(|e| e.0)?;
    let bundle =
        crate::emit::bundle::build(p, meta.revision.clone(), crate::ops::lineage_of(&p.lineage));
    files.push((
        "bundle.json".into(),
        crate::emit::bundle::render(&bundle).into_bytes(),
    ));
    let mut schema = serde_json::to_string_pretty(&crate::bundle::schema()).unwrap_or_default();
    schema.push('\n');
    files.push(("bundle.schema.json".into(), schema.into_bytes()));
    Ok(files)
}

/// The pages that do not read every case — all but the "whole" group — with the pages of the
/// cases `wanted` (indices into `p.cases`) and no other case page.
pub fn render_part(
    p: &Policy,
    wanted: &[usize],
    assets: &[(String, Vec<u8>)],
    meta: &Meta,
) -> Result<Files, String> {
    let mut part = p.clone();
    part.cases = wanted
        .iter()
        .filter_map(|&i| p.cases.get(i).cloned())
        .collect();
    let pages: Vec<String> = part.cases.iter().map(|c| case_page(&c.id)).collect();
    let files = crate::emit::site::render(&part, assets, meta).map_err(|e| e.0)?;
    Ok(files
        .into_iter()
        .filter(|(path, _)| {
            !needs_all_cases(path) && (!path.starts_with("cases/") || pages.contains(path))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The grouping above holds for `emit::site` as it is: a page rendered from a copy of the
    /// policy with fewer cases is the page of the full render, byte for byte.
    #[test]
    fn partial_renders_give_the_pages_of_a_full_render() {
        let checked = crate::ops::check(&crate::ops::Input::Builtin).unwrap();
        let p = checked.policy.unwrap();
        let meta = Meta { revision: None };
        let full: BTreeMap<String, Vec<u8>> = render(&p, &[], &meta).unwrap().into_iter().collect();
        let n = p.cases.len();
        for wanted in [vec![], vec![0], vec![n / 2, n - 1]] {
            let part = render_part(&p, &wanted, &[], &meta).unwrap();
            let paths: Vec<&str> = part.iter().map(|(f, _)| f.as_str()).collect();
            for i in &wanted {
                assert!(paths.contains(&case_page(&p.cases[*i].id).as_str()));
            }
            assert_eq!(
                paths.iter().filter(|f| f.starts_with("cases/")).count(),
                wanted.len()
            );
            for (path, bytes) in &part {
                assert!(
                    full.get(path) == Some(bytes),
                    "{path} differs from the full render's: it reads cases other than its own"
                );
            }
            // Every page of the full render is in a partial render, or needs every case.
            for path in full.keys() {
                assert!(
                    needs_all_cases(path)
                        || path.starts_with("cases/")
                        || paths.contains(&path.as_str()),
                    "{path} is in no group"
                );
            }
        }
    }
}

//! The seam between the development server and the emitters: the files a build would write,
//! in memory, whole or in part.
//!
//! `emit::site` renders page by page ([`crate::emit::site::Site`]). Its pages fall in three
//! groups by what they read, and the rebuild keys each group by those inputs:
//! - a case's page reads that case, its neighbours in the case list (previous/next) and the rest
//!   of the policy, never the other cases;
//! - every other page but a few reads the policy without its cases;
//! - the case list, the criteria page (every case on the grid), the print page, the search
//!   index and the bundle read everything: they are the "whole" group.
//!
//! [`render_part`] renders the pages of the first two groups that are wanted; a test below checks
//! that they are byte for byte the pages of a full render, and names a page that moved between
//! groups.

use crate::compile::cases::CaseRun;
use crate::emit::BuildContext;
use crate::emit::site::{Page, Site};
use crate::policy::Policy;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};

pub type Files = Vec<(String, Vec<u8>)>;

/// Where the manual came from, for its footer.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// The source revision (git commit) when known.
    pub revision: Option<String>,
}

/// The emitters' context for one render.
fn context<'a>(
    p: &'a Policy,
    runs: &'a [CaseRun],
    assets: &'a [(String, Vec<u8>)],
    meta: &Meta,
) -> BuildContext<'a> {
    BuildContext {
        policy: p,
        runs: runs.iter().collect(),
        revision: meta.revision.clone(),
        overrides: assets,
    }
}

/// Pages rendered only with every case.
const WHOLE: &[&str] = &["cases.html", "criteria.html", "print.html"];

/// A file of the "whole" group (reads every case).
pub fn needs_all_cases(path: &str) -> bool {
    WHOLE.contains(&path) || path.starts_with("search/") || path.starts_with("bundle")
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

/// The inputs of each case's page beyond the rest, by case id: the compiled case, its verdict
/// and its neighbours in the case list (the list is ordered by verdict, then as written).
pub fn case_keys(p: &Policy, runs: &[CaseRun]) -> Vec<(String, u64)> {
    let verdict = |i: usize| runs.get(i).map(|r| r.assessment.verdict);
    let mut order: Vec<usize> = (0..p.cases.len()).collect();
    order.sort_by_key(|&i| (verdict(i), i));
    let mut keys = vec![0u64; p.cases.len()];
    for (k, &i) in order.iter().enumerate() {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        hash_debug(&p.cases[i]).hash(&mut h);
        verdict(i).hash(&mut h);
        for j in [k.checked_sub(1), Some(k + 1)] {
            let c = j.and_then(|j| order.get(j)).map(|&n| &p.cases[n]);
            c.map(|c| (&c.id, &c.title)).hash(&mut h);
        }
        keys[i] = h.finish();
    }
    p.cases
        .iter()
        .zip(keys)
        .map(|(c, k)| (c.id.clone(), k))
        .collect()
}

/// Every file of a build: the manual, `bundle.json` and `bundle.schema.json`. `runs` are the
/// policy's cases as the check ran them, in case order.
pub fn render(
    p: &Policy,
    runs: &[CaseRun],
    assets: &[(String, Vec<u8>)],
    meta: &Meta,
) -> Result<Files, String> {
    let ctx = context(p, runs, assets, meta);
    let mut files = crate::emit::site::render(&ctx).map_err(|e| e.0)?;
    let bundle = ctx.bundle();
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
/// cases `wanted` (indices into `p.cases`) and no other case page, and the assets.
pub fn render_part(
    p: &Policy,
    runs: &[CaseRun],
    wanted: &[usize],
    assets: &[(String, Vec<u8>)],
    meta: &Meta,
) -> Result<Files, String> {
    let site = Site::new(&context(p, runs, assets, meta)).map_err(|e| e.0)?;
    let pages: Vec<Page> = site
        .pages()
        .into_iter()
        .filter(|&page| match page {
            Page::Case(i) => wanted.contains(&i),
            _ => !needs_all_cases(&site.path(page)),
        })
        .collect();
    let mut files = pages
        .into_par_iter()
        .map(|page| site.render_page(page))
        .collect::<Result<Files, _>>()
        .map_err(|e| e.0)?;
    files.extend(site.assets());
    Ok(files)
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
        let runs: Vec<CaseRun> = checked.judged.into_iter().map(|j| j.run).collect();
        let full: BTreeMap<String, Vec<u8>> =
            render(&p, &runs, &[], &meta).unwrap().into_iter().collect();
        let n = p.cases.len();
        for wanted in [vec![], vec![0], vec![n / 2, n - 1]] {
            let part = render_part(&p, &runs, &wanted, &[], &meta).unwrap();
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

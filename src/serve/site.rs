//! The seam between the development server and the emitters: the files a build would write,
//! in memory.
//!
//! Today the site is rendered whole through `emit::site::render` (every page and the search
//! index), so a change costs a full render; the rebuild around it (`build.rs`) already skips
//! what did not change before and after this call. When `emit::site` renders page by page
//! (issue 9), this is the one place to change: render the pages whose inputs changed (and the
//! page asked for), and the search index once the edits pause.

use crate::emit::site::Meta;
use crate::policy::Policy;
use std::hash::{Hash, Hasher};

/// A fingerprint of everything the manual is rendered from: the compiled policy, the policy's
/// templates and assets, and the meta data of the footer.
pub fn fingerprint(p: &Policy, assets: &[(String, Vec<u8>)], meta: &Meta) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // The compiled policy has no Hash; its Debug form names every field and value.
    format!("{p:?}").hash(&mut h);
    assets.hash(&mut h);
    meta.revision.hash(&mut h);
    h.finish()
}

/// Every file of a build: the manual, `bundle.json` and `bundle.schema.json`.
pub fn render(
    p: &Policy,
    assets: &[(String, Vec<u8>)],
    meta: &Meta,
) -> Result<Vec<(String, Vec<u8>)>, String> {
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

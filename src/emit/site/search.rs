//! The search index: Pagefind, run as a library over the rendered pages. It segments Japanese
//! into words (its `extended` build), writes a static index and a WebAssembly search runtime, and
//! needs no server beyond static files.

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

/// Pages not worth a search hit: the search page itself and the print page (a copy of all).
const SKIP: &[&str] = &["search.html", "print.html"];

/// Index the rendered pages; returns the index files under `pagefind/`.
pub fn index(pages: &[(String, Vec<u8>)]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("search index: {e}"))?;
    runtime.block_on(async {
        let config = PagefindServiceConfig::builder()
            .force_language("ja".to_string())
            .keep_index_url(true)
            .build();
        let mut index =
            PagefindIndex::new(Some(config)).map_err(|e| format!("search index: {e}"))?;
        for (path, html) in pages
            .iter()
            .filter(|(p, _)| p.ends_with(".html") && !SKIP.contains(&p.as_str()))
        {
            index
                .add_html_file(
                    None,
                    Some(format!("/{path}")),
                    String::from_utf8_lossy(html).into_owned(),
                )
                .await
                .map_err(|e| format!("search index of {path}: {e}"))?;
        }
        let files = index
            .get_files()
            .await
            .map_err(|e| format!("search index: {e}"))?;
        Ok(files
            .into_iter()
            .map(|f| {
                let name = f.filename.to_string_lossy().replace('\\', "/");
                (
                    format!("pagefind/{}", name.trim_start_matches('/')),
                    f.contents,
                )
            })
            .collect())
    })
}

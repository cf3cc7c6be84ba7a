//! Files compiled into the binary (the example policy, templates, assets): shared by the loader,
//! the emitters and the driver, none of which owns them.

use include_dir::{Dir, include_dir};

/// Built-in templates (tera 2) of the manual and the review report; a policy's `templates/`
/// folder overrides them file by file.
pub static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");
/// Built-in static assets of the manual (style sheet, scripts, fonts); a policy's `site/` folder
/// overrides them file by file.
pub static ASSETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/site");

/// The files of a folder embedded in the binary (`include_dir`), by relative path, sorted.
pub fn embedded_files(dir: &include_dir::Dir<'static>) -> Vec<(String, Vec<u8>)> {
    fn walk(d: &include_dir::Dir<'static>, out: &mut Vec<(String, Vec<u8>)>) {
        for f in d.files() {
            out.push((
                f.path().to_string_lossy().replace('\\', "/"),
                f.contents().to_vec(),
            ));
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

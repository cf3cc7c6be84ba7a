//! Files compiled into the binary (the example policy, templates, assets): shared by the loader,
//! the emitters and the driver, none of which owns them.

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

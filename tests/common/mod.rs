//! Helpers shared by the integration tests: copy a fixture policy, edit it, check it.
#![allow(dead_code)]

use mamoru::ops::{self, Input};
use mamoru::report::{Resolved, resolve};
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policy")
}

/// Copy a folder tree into a fresh temporary folder.
pub fn copy_of(src: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(src, dir.path());
    dir
}

pub fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// Replace the first occurrence of `find` in a file (it must be there).
pub fn edit(dir: &Path, file: &str, find: &str, replace: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("read {file}"));
    assert!(text.contains(find), "{file} does not contain {find:?}");
    std::fs::write(&path, text.replacen(find, replace, 1)).unwrap();
}

/// 1-based line of the first occurrence of `marker` in a file.
pub fn line_of(dir: &Path, file: &str, marker: &str) -> u32 {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{file} has no {marker:?}"));
    text[..at].matches('\n').count() as u32 + 1
}

/// Check a folder and resolve every diagnostic.
pub fn check(dir: &Path) -> Vec<Resolved> {
    let checked = ops::check(&Input::Dir(dir.to_path_buf())).expect("readable folder");
    resolve(
        &checked.sources,
        &checked.diagnostics,
        mamoru::i18n::Lang::En,
    )
}

pub fn show(diags: &[Resolved]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "{} {}:{}:{} {}",
                d.code,
                d.file.as_deref().unwrap_or("-"),
                d.line.unwrap_or(0),
                d.column.unwrap_or(0),
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

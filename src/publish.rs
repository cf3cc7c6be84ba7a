//! Publishing an output folder (`build --out`, `review --out`) so that it can never destroy or
//! half-write anything.
//!
//! - **Refusals.** An output folder must not be a policy folder, lie inside one where the policy
//!   reads its sources (`cases/`, `site/`, `templates/` …), or contain one — checked on the paths
//!   with links resolved. An existing, non-empty folder is replaced only when it carries the marker
//!   file [`MARKER`] that mamoru writes into every output (or with `--force`, which still never
//!   replaces the file-system root, the home folder or a folder holding the current directory).
//! - **Staging.** Files are written into a fresh hidden sibling folder, [`Staging`], which may be
//!   filled from several threads. Its name does not depend on the output's name (so any legal name
//!   works) and a build killed half-way leaves a folder that the next build removes.
//! - **Swap.** On Linux the staged folder and the old output are exchanged with one
//!   `renameat2(RENAME_EXCHANGE)`: a reader polling `out/index.html` sees the old file or the new
//!   one, never none. Elsewhere (or on file systems without the call) two renames are used, with a
//!   window of a few microseconds where the folder is missing.
//!
//! Architecture invariant: knows paths and files, nothing about policies; the policy folders to
//! protect are given by the caller.

use crate::i18n::Msg;
use crate::msg;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The file mamoru writes into every output folder; its presence allows replacing the folder.
pub const MARKER: &str = ".mamoru-output";

const MARKER_TEXT: &str = "This folder was written by mamoru and is replaced by the next build.\n\
Files you add here will be lost: keep your own files elsewhere.\n";

/// Prefix of staging and leftover folders in the output's parent.
const STAGING_PREFIX: &str = ".mamoru-staging-";

/// Folders and files at the top of a policy folder that the loader reads: an output may not be
/// (or be inside) one of them.
const POLICY_READS: &[&str] = &[
    "definitions",
    "flows",
    "cases",
    "pages",
    "templates",
    "site",
    "schema",
];

/// Why an output folder was refused or could not be written.
#[derive(Debug)]
pub enum PublishError {
    /// The output is a policy folder, contains one, or is a folder the policy reads.
    Overlap {
        /// The output folder asked for.
        out: PathBuf,
        /// The policy folder it overlaps.
        policy: PathBuf,
        /// `true`: the output lies inside the policy folder; `false`: it is or contains it.
        inside: bool,
    },
    /// The output exists, is not empty and was not written by mamoru.
    NotOurs {
        /// The output folder asked for.
        out: PathBuf,
        /// How many entries it holds.
        entries: usize,
    },
    /// `--force` was given for a folder that is never replaced (`why` is a catalogue id).
    Precious {
        /// The output folder asked for.
        out: PathBuf,
        /// Why it is never replaced (a catalogue id: the home folder, the root …).
        why: &'static str,
    },
    /// The output exists and is a file (or a link).
    NotAFolder {
        /// The output path asked for.
        out: PathBuf,
    },
    /// A relative path that would leave the output folder.
    BadPath {
        /// The path an emitter gave.
        rel: String,
    },
    /// An I/O error, with what was being done (a catalogue id: `io-read`, `io-write` …).
    Io {
        /// What was being done (a catalogue id).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
}

impl PublishError {
    /// The message, in any language.
    pub fn message(&self) -> Msg {
        let shown = |p: &Path| p.display().to_string();
        match self {
            PublishError::Overlap {
                out,
                policy,
                inside: true,
            } => msg!(
                "out-inside-policy",
                out = shown(out),
                policy = shown(policy)
            ),
            PublishError::Overlap { out, policy, .. } => {
                msg!(
                    "out-contains-policy",
                    out = shown(out),
                    policy = shown(policy)
                )
            }
            PublishError::NotOurs { out, entries } => msg!(
                "out-not-ours",
                out = shown(out),
                entries = *entries,
                marker = MARKER
            ),
            PublishError::Precious { out, why } => {
                msg!("out-precious", out = shown(out), why = Msg::new(why))
            }
            PublishError::NotAFolder { out } => msg!("out-not-folder", out = shown(out)),
            PublishError::BadPath { rel } => msg!("out-bad-path", path = rel),
            PublishError::Io {
                action,
                path,
                source,
            } => msg!(
                "cannot-io",
                action = Msg::new(action),
                path = shown(path),
                error = source.to_string()
            ),
        }
    }
}

/// Rendered in the process language.
impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().to_string())
    }
}

impl std::error::Error for PublishError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PublishError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> PublishError + 'a {
    move |source| PublishError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// `path` made absolute and normalised lexically, then with the longest existing prefix resolved
/// through links (the rest appended), so that overlaps are found through links too.
fn resolved(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut norm = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                norm.pop();
            }
            Component::CurDir => {}
            c => norm.push(c),
        }
    }
    let mut existing = norm.clone();
    let mut rest = Vec::new();
    loop {
        if let Ok(canon) = std::fs::canonicalize(&existing) {
            let mut out = canon;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return norm,
        }
    }
}

/// Refuse an output folder that could destroy sources or someone's files.
///
/// `policies` are the folders the build reads (the policy and its upstreams). `force` allows
/// replacing a non-empty folder that mamoru did not write, except precious ones.
pub fn check_target(out: &Path, policies: &[PathBuf], force: bool) -> Result<(), PublishError> {
    let target = resolved(out);
    for policy in policies {
        let p = resolved(policy);
        if p.starts_with(&target) {
            return Err(PublishError::Overlap {
                out: out.to_path_buf(),
                policy: policy.clone(),
                inside: false,
            });
        }
        if let Ok(rel) = target.strip_prefix(&p) {
            let first = rel
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            let is_source_file = crate::model::Kind::ALL
                .iter()
                .any(|k| k.file_name() == Some(first.as_str()));
            if POLICY_READS.contains(&first.as_str()) || is_source_file {
                return Err(PublishError::Overlap {
                    out: out.to_path_buf(),
                    policy: policy.clone(),
                    inside: true,
                });
            }
        }
    }
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err("io-read", out)(e)),
    };
    if !meta.is_dir() {
        return Err(PublishError::NotAFolder {
            out: out.to_path_buf(),
        });
    }
    let entries: Vec<_> = std::fs::read_dir(out)
        .map_err(io_err("io-read", out))?
        .filter_map(Result::ok)
        .collect();
    if entries.is_empty() || out.join(MARKER).is_file() {
        return Ok(());
    }
    if !force {
        return Err(PublishError::NotOurs {
            out: out.to_path_buf(),
            entries: entries.len(),
        });
    }
    let precious = |why| {
        Err(PublishError::Precious {
            out: out.to_path_buf(),
            why,
        })
    };
    if target.parent().is_none() {
        return precious("precious-root");
    }
    if let Some(home) = std::env::var_os("HOME").map(|h| resolved(Path::new(&h)))
        && home.starts_with(&target)
    {
        return precious("precious-home");
    }
    if let Ok(cwd) = std::env::current_dir()
        && resolved(&cwd).starts_with(&target)
    {
        return precious("precious-cwd");
    }
    Ok(())
}

/// A fresh hidden folder next to the output, filled with the output's files and then swapped in
/// by [`Staging::commit`]. Dropped without committing, it removes itself.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    committed: bool,
}

/// Is the process with this id still running? Unknown (not Linux): assume it is.
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Remove staging folders that builds killed half-way left in `parent`: folders named like ours,
/// carrying the marker, whose process is gone.
fn clean_leftovers(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(STAGING_PREFIX) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let ours = e.path().join(MARKER).is_file()
            && e.file_type().is_ok_and(|t| t.is_dir() && !t.is_symlink());
        if ours && pid.is_some_and(|p| p != std::process::id() && !alive(p)) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

impl Staging {
    /// Create the staging folder for `out` (whose target must have passed [`check_target`]).
    pub fn new(out: &Path) -> Result<Staging, PublishError> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        std::fs::create_dir_all(&parent).map_err(io_err("io-create", &parent))?;
        clean_leftovers(&parent);
        let dir = parent.join(format!(
            "{STAGING_PREFIX}{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io_err("io-remove", &dir))?;
        }
        std::fs::create_dir(&dir).map_err(io_err("io-create", &dir))?;
        let staging = Staging {
            dir,
            out: out.to_path_buf(),
            committed: false,
        };
        staging.write(MARKER, MARKER_TEXT.as_bytes())?;
        Ok(staging)
    }

    /// Write one file (path relative to the output, `/`-separated). Safe from several threads.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), PublishError> {
        let rel_path = Path::new(rel);
        if rel.is_empty()
            || !rel_path
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(PublishError::BadPath { rel: rel.into() });
        }
        let path = self.dir.join(rel_path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err("io-create", parent))?;
        }
        std::fs::write(&path, bytes).map_err(io_err("io-write", &path))
    }

    /// Swap the staged folder in place of the output.
    pub fn commit(mut self) -> Result<(), PublishError> {
        let out = self.out.clone();
        match std::fs::symlink_metadata(&out) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                std::fs::rename(&self.dir, &out).map_err(io_err("io-write", &out))?;
            }
            Err(e) => return Err(io_err("io-read", &out)(e)),
            Ok(m) if !m.is_dir() => return Err(PublishError::NotAFolder { out }),
            Ok(_) => {
                if !exchange(&self.dir, &out) {
                    // Two renames: the old output moves into the staging name, then the new one
                    // into place.
                    let old = self.dir.with_extension("old");
                    std::fs::rename(&out, &old).map_err(io_err("io-replace", &out))?;
                    if let Err(e) = std::fs::rename(&self.dir, &out) {
                        let _ = std::fs::rename(&old, &out);
                        return Err(io_err("io-write", &out)(e));
                    }
                    let _ = std::fs::rename(&old, &self.dir);
                }
                // The staging name now holds the old output.
                let _ = std::fs::remove_dir_all(&self.dir);
            }
        }
        self.committed = true;
        Ok(())
    }

    /// The staging folder (for tools that write into it directly).
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Atomically exchange two folders (Linux `renameat2(RENAME_EXCHANGE)`); false when the system or
/// the file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(ca), Ok(cb)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call;
    // renameat2 reads them and touches no Rust memory.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    r == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Write a whole output folder atomically: refuse dangerous targets, stage, swap.
pub fn publish(
    out: &Path,
    policies: &[PathBuf],
    force: bool,
    files: &[(String, Vec<u8>)],
) -> Result<(), PublishError> {
    check_target(out, policies, force)?;
    let staging = Staging::new(out)?;
    for (rel, bytes) in files {
        staging.write(rel, bytes)?;
    }
    staging.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_its_own_folders() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("x");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("keep"), "mine").unwrap();
        let files = vec![("index.html".to_string(), b"new".to_vec())];
        let e = publish(&out, &[], false, &files).unwrap_err();
        assert!(matches!(e, PublishError::NotOurs { .. }), "{e}");
        assert_eq!(std::fs::read_to_string(out.join("keep")).unwrap(), "mine");
        publish(&out, &[], true, &files).unwrap();
        assert!(out.join(MARKER).is_file());
        assert!(!out.join("keep").exists());
        // Now it is ours: replaced without --force, and nothing is left beside it.
        publish(&out, &[], false, &files).unwrap();
        let names: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x")]);
    }

    #[test]
    fn refuses_policy_overlaps() {
        let t = tempfile::tempdir().unwrap();
        let pol = t.path().join("pol");
        std::fs::create_dir_all(pol.join("cases")).unwrap();
        let policies = [pol.clone()];
        for bad in [
            pol.clone(),
            pol.join("cases"),
            pol.join("site/x"),
            t.path().to_path_buf(),
        ] {
            let e = check_target(&bad, &policies, true).unwrap_err();
            assert!(matches!(e, PublishError::Overlap { .. }), "{e}");
        }
        check_target(&pol.join("public"), &policies, false).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn overlaps_are_found_through_links() {
        let t = tempfile::tempdir().unwrap();
        let pol = t.path().join("pol");
        std::fs::create_dir_all(pol.join("cases")).unwrap();
        std::os::unix::fs::symlink(pol.join("cases"), t.path().join("link")).unwrap();
        let e = check_target(&t.path().join("link"), &[pol], true).unwrap_err();
        assert!(matches!(
            e,
            PublishError::NotAFolder { .. } | PublishError::Overlap { .. }
        ));
    }

    #[test]
    fn leftovers_of_dead_builds_are_removed() {
        let t = tempfile::tempdir().unwrap();
        let dead = t.path().join(format!("{STAGING_PREFIX}999999999-0"));
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join(MARKER), "").unwrap();
        let foreign = t.path().join(format!("{STAGING_PREFIX}999999998-0"));
        std::fs::create_dir(&foreign).unwrap();
        publish(&t.path().join("out"), &[], false, &[]).unwrap();
        assert!(!dead.exists());
        assert!(foreign.exists(), "a folder without the marker is not ours");
    }

    #[test]
    fn paths_cannot_leave_the_output() {
        let t = tempfile::tempdir().unwrap();
        let s = Staging::new(&t.path().join("out")).unwrap();
        for bad in ["../x", "/etc/x", "a/../../x", ""] {
            assert!(matches!(
                s.write(bad, b""),
                Err(PublishError::BadPath { .. })
            ));
        }
    }
}

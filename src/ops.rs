//! The commands as library operations: each returns data and diagnostics, never prints.

use crate::compile::{Compiled, compile};
use crate::diag::{Code, Diagnostic};
use crate::load::{Sources, load_dir, load_files};
use crate::model::Kind;
use crate::policy::Policy;
use include_dir::{Dir, include_dir};
use std::path::{Path, PathBuf};

/// The example policy, embedded in the binary.
pub static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/policy");

/// Where a policy comes from.
#[derive(Clone, Debug)]
pub enum Input {
    Dir(PathBuf),
    Builtin,
}

impl Input {
    /// DIR as given, else the current folder when it holds `policy.yaml`, else `./policy`.
    pub fn from_arg(dir: Option<PathBuf>, builtin: bool) -> Input {
        if builtin {
            return Input::Builtin;
        }
        match dir {
            Some(d) => Input::Dir(d),
            None if Path::new("policy.yaml").exists() => Input::Dir(PathBuf::from(".")),
            None => Input::Dir(PathBuf::from("policy")),
        }
    }
}

/// A usage or I/O problem that stops a command before it can judge the policy (exit code 2).
#[derive(Debug)]
pub struct Fatal(pub String);

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The files of the built-in policy, by relative path.
pub fn builtin_files() -> Vec<(String, Vec<u8>)> {
    fn walk(d: &Dir<'static>, out: &mut Vec<(String, Vec<u8>)>) {
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
    walk(&BUILTIN, &mut out);
    out.sort();
    out
}

/// The result of `mamoru check`.
pub struct Checked {
    pub sources: Sources,
    pub policy: Option<Policy>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
    /// An I/O error while reading makes the run a usage/I-O failure (exit 2).
    pub fn io_failed(&self) -> bool {
        self.diagnostics.iter().any(|d| d.code == Code::Io)
    }
}

/// Read a policy and run every check.
pub fn check(input: &Input) -> Result<Checked, Fatal> {
    let (sources, mut diagnostics) = match input {
        Input::Builtin => load_files("(built-in policy)".into(), builtin_files()),
        Input::Dir(dir) => {
            if !dir.is_dir() {
                return Err(Fatal(format!(
                    "`{}` is not a folder{}",
                    dir.display(),
                    if dir.exists() {
                        ""
                    } else {
                        " (it does not exist)"
                    }
                )));
            }
            load_dir(dir)
        }
    };
    Ok(check_sources(sources, &mut diagnostics))
}

fn check_sources(sources: Sources, diagnostics: &mut Vec<Diagnostic>) -> Checked {
    let (validated, more) = crate::validate::validate(&sources);
    diagnostics.extend(more);
    let Compiled {
        policy,
        diagnostics: more,
    } = compile(&validated);
    diagnostics.extend(more);
    Checked {
        sources,
        policy,
        diagnostics: std::mem::take(diagnostics),
    }
}

/// `mamoru schema`: the JSON Schema of all sources, or of one kind.
pub fn schema(kind: Option<&str>) -> Result<serde_json::Value, Fatal> {
    match kind {
        None => Ok(crate::schema::source_schema()),
        Some(name) => Kind::ALL
            .iter()
            .find(|k| k.name() == name)
            .map(|k| crate::schema::kind_schema(*k))
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                Fatal(format!(
                    "unknown kind `{name}`; kinds: {}",
                    names.join(", ")
                ))
            }),
    }
}

/// The schema files a policy folder carries for editors (`schema/<kind>.schema.json`).
pub fn schema_files() -> Vec<(String, Vec<u8>)> {
    Kind::ALL
        .iter()
        .map(|k| {
            let mut text = serde_json::to_string_pretty(&crate::schema::kind_schema(*k))
                .expect("serialisable");
            text.push('\n');
            (
                format!("schema/{}.schema.json", k.name()),
                text.into_bytes(),
            )
        })
        .collect()
}

/// `mamoru init DIR`: write the built-in policy (with fresh schema files) to an empty folder.
pub fn init(dir: &Path) -> Result<usize, Fatal> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .map_err(|e| Fatal(format!("cannot read `{}`: {e}", dir.display())))?;
        if entries.next().is_some() {
            return Err(Fatal(format!(
                "`{}` is not empty; choose a new or empty folder",
                dir.display()
            )));
        }
    }
    let mut files: Vec<(String, Vec<u8>)> = builtin_files()
        .into_iter()
        .filter(|(p, _)| !p.starts_with("schema/"))
        .collect();
    files.extend(schema_files());
    write_tree(dir, &files)?;
    Ok(files.len())
}

/// Write files under a folder, creating parents.
pub fn write_tree(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Fatal> {
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Fatal(format!("cannot create `{}`: {e}", parent.display())))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| Fatal(format!("cannot write `{}`: {e}", path.display())))?;
    }
    Ok(())
}

/// Where `build` writes, and what.
pub struct BuildOptions {
    pub out: PathBuf,
    pub bundle_only: bool,
}

/// The files of a build, by path relative to the output folder.
pub type Files = Vec<(String, Vec<u8>)>;

/// `mamoru build`: check, then render every output in memory; write only when all succeeded.
/// Returns the check (whose errors stop the build) and the files written.
pub fn build(input: &Input, opts: &BuildOptions) -> Result<(Checked, Option<Files>), Fatal> {
    if let Input::Dir(dir) = input {
        refuse_overlap(dir, &opts.out)?;
    }
    let checked = check(input)?;
    if checked.errors() > 0 || checked.io_failed() {
        return Ok((checked, None));
    }
    let policy = checked
        .policy
        .as_ref()
        .expect("a policy without errors is compiled");
    let revision = match input {
        Input::Dir(dir) => crate::load::revision(dir),
        Input::Builtin => None,
    };
    let bundle = crate::emit::bundle::build(policy, revision.clone(), Vec::new());
    let mut files: Files = vec![
        (
            "bundle.json".into(),
            crate::emit::bundle::render(&bundle).into_bytes(),
        ),
        (
            "bundle.schema.json".into(),
            pretty(&crate::bundle::schema()),
        ),
    ];
    if !opts.bundle_only {
        files.extend(site_files(&checked, policy, revision)?);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    write_atomically(&opts.out, &files)?;
    Ok((checked, Some(files)))
}

fn site_files(
    checked: &Checked,
    policy: &Policy,
    revision: Option<String>,
) -> Result<Files, Fatal> {
    let meta = crate::emit::site::Meta { revision };
    crate::emit::site::render(policy, &checked.sources.assets, &meta)
        .map_err(|e| Fatal(format!("cannot render the manual: {}", e.0)))
}

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).expect("serialisable");
    s.push('\n');
    s.into_bytes()
}

/// Refuse an output folder that is the policy folder or contains it.
fn refuse_overlap(policy: &Path, out: &Path) -> Result<(), Fatal> {
    let abs = |p: &Path| {
        std::path::absolute(p)
            .map(|a| a.components().collect::<PathBuf>())
            .map_err(|e| Fatal(format!("cannot resolve `{}`: {e}", p.display())))
    };
    let (policy_abs, out_abs) = (abs(policy)?, abs(out)?);
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (pc, oc) = (canon(&policy_abs), canon(&out_abs));
    if pc.starts_with(&oc) {
        return Err(Fatal(format!(
            "--out `{}` is the policy folder or contains it; choose another folder (e.g. `public`)",
            out.display()
        )));
    }
    Ok(())
}

/// Write a whole output folder: into a fresh sibling folder first, then swap it in, so a failed
/// build leaves the previous output untouched and readers never see half a site.
pub fn write_atomically(out: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Fatal> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| Fatal(format!("cannot create `{}`: {e}", parent.display())))?;
    let name = out
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{name}.mamoru-new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.mamoru-old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = write_tree(&tmp, files).and_then(|()| {
        if out.exists() {
            if !out.is_dir() {
                return Err(Fatal(format!(
                    "`{}` exists and is not a folder",
                    out.display()
                )));
            }
            std::fs::rename(out, &old)
                .map_err(|e| Fatal(format!("cannot replace `{}`: {e}", out.display())))?;
        }
        std::fs::rename(&tmp, out).map_err(|e| {
            let _ = std::fs::rename(&old, out);
            Fatal(format!("cannot write `{}`: {e}", out.display()))
        })
    });
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_dir_all(&old);
    result
}

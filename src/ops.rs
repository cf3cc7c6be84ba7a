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

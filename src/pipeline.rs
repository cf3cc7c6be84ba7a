//! The driver: runs the stages for a policy — load → validate → resolve (a fork's upstream
//! chain, each upstream checked on its own) → compile — and returns everything they found.
//!
//! Architecture invariant: the only module that sequences the stages; it holds no stage's logic
//! (loading, merging, checking), only the order and what is passed between them. Commands
//! (`ops`), the language server and `serve` call it.

use crate::compile::{Compiled, compile};
use crate::diag::{Code, Diagnostic};
use crate::error::Fatal;
use crate::load::{LoadOptions, Sources, load_files};
use crate::msg;
use crate::policy::Policy;
use crate::resolve;
use include_dir::{Dir, include_dir};
use std::path::{Path, PathBuf};

/// The example policy, embedded in the binary.
pub static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/policy");

/// Where a policy comes from.
#[derive(Clone, Debug)]
pub enum Input {
    /// A policy folder on disk (a fork's upstreams are read relative to it).
    Dir(PathBuf),
    /// The example policy embedded in the binary (`--builtin`).
    Builtin,
    /// Files in memory (relative path, bytes), named `name` in messages: an editor's unsaved
    /// buffers, a test. A fork's upstream cannot be read this way.
    Memory {
        /// How messages name the policy.
        name: String,
        /// The files, by path relative to the policy folder.
        files: Vec<(String, Vec<u8>)>,
    },
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

/// The files of the built-in policy, by relative path.
pub fn builtin_files() -> Vec<(String, Vec<u8>)> {
    crate::load::embedded_files(&BUILTIN)
}

/// The result of `mamoru check`.
pub struct Checked {
    /// Every file read, of every layer (for diagnostics' snippets and the emitters' assets).
    pub sources: Sources,
    /// The compiled policy, absent when an error left it incomplete.
    pub policy: Option<Policy>,
    /// Every error and warning, in the order the stages found them.
    pub diagnostics: Vec<Diagnostic>,
    /// The policy's cases, judged once by the check.
    pub judged: Vec<crate::compile::cases::Judgement>,
}

impl Checked {
    /// How many diagnostics are errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    /// How many diagnostics are warnings (lints).
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
    /// An I/O error while reading makes the run a usage/I-O failure (exit 2).
    pub fn io_failed(&self) -> bool {
        self.diagnostics.iter().any(|d| d.code == Code::Io)
    }
}

/// Read a policy (and, for a fork, its upstreams) and run every check.
pub fn check(input: &Input) -> Result<Checked, Fatal> {
    check_with(input, &LoadOptions::default())
}

/// [`check`] with options for reading the folders.
pub fn check_with(input: &Input, opts: &LoadOptions) -> Result<Checked, Fatal> {
    check_signed(input, opts, None)
}

/// [`check_with`]; with `upstream_keys` (`--verify-with`), every upstream folder must carry a
/// signature by one of the keys and be exactly as signed before it is read (docs/signing.md).
pub fn check_signed(
    input: &Input,
    opts: &LoadOptions,
    upstream_keys: Option<&[crate::sign::PublicKey]>,
) -> Result<Checked, Fatal> {
    check_all(input, opts, upstream_keys, None)
}

/// [`check_with`] for a long-running reader (language server, development server): the
/// session's open documents are read from memory instead of the disk, and files unchanged since
/// its last read are not parsed again.
pub fn check_in_session(
    input: &Input,
    opts: &LoadOptions,
    session: Option<&crate::load::Session>,
) -> Result<Checked, Fatal> {
    check_all(input, opts, None, session)
}

fn check_all(
    input: &Input,
    opts: &LoadOptions,
    upstream_keys: Option<&[crate::sign::PublicKey]>,
    session: Option<&crate::load::Session>,
) -> Result<Checked, Fatal> {
    if let Some(s) = session {
        s.next_read();
    }
    let (sources, mut diagnostics, layer) = match input {
        Input::Builtin | Input::Memory { .. } => {
            let (sources, mut d) = match input {
                Input::Memory { name, files } => load_files(name.clone(), files.clone()),
                _ => load_files("(built-in policy)".into(), builtin_files()),
            };
            let (validated, more) = crate::validate::validate(&sources);
            d.extend(more);
            (sources, d, Layer::alone(validated))
        }
        Input::Dir(dir) => {
            if !dir.is_dir() {
                return Err(Fatal::Usage(if dir.exists() {
                    msg!("not-a-folder", path = dir.display().to_string())
                } else {
                    msg!("no-such-folder", path = dir.display().to_string())
                }));
            }
            let mut sources = Sources {
                root: dir.display().to_string(),
                ..Sources::default()
            };
            let mut d = Vec::new();
            let layer = Chain {
                sources: &mut sources,
                visited: Vec::new(),
                opts,
                upstream_keys,
                session,
            }
            .layer(dir, "", 0, &mut d);
            (sources, d, layer)
        }
    };
    let Compiled {
        policy,
        diagnostics: more,
        judged,
    } = compile(&layer.validated, &asset_names(&sources));
    diagnostics.extend(more);
    let policy = policy.map(|mut p| {
        p.provenance = layer.provenance;
        p.lineage = layer.lineage;
        p
    });
    Ok(Checked {
        sources,
        policy,
        diagnostics,
        judged,
    })
}

/// The files the manual publishes under `assets/`: the built-in ones and the policy's `site/`.
fn asset_names(sources: &Sources) -> Vec<String> {
    let mut names: Vec<String> = crate::load::embedded_files(&crate::embedded::ASSETS)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    names.extend(
        sources
            .assets
            .iter()
            .filter_map(|(p, _)| p.strip_prefix("site/").map(str::to_string)),
    );
    names
}

/// Most upstreams a fork may stand on.
pub const MAX_UPSTREAMS: usize = 8;

/// One policy folder merged over its upstreams.
struct Layer {
    validated: crate::validate::Validated,
    provenance: std::collections::BTreeMap<String, resolve::Provenance>,
    rules: resolve::Rules,
    lineage: Vec<(String, String, String)>,
}

impl Layer {
    /// A folder that extends nothing (or whose upstream could not be used): its own items.
    fn alone(own: crate::validate::Validated) -> Layer {
        Layer {
            rules: resolve::root_rules(&own),
            validated: own,
            provenance: Default::default(),
            lineage: Vec::new(),
        }
    }
}

/// The walk along a fork's `extends` chain: what every layer's load shares.
struct Chain<'a> {
    sources: &'a mut Sources,
    /// Folders already on the chain (canonical paths), to refuse cycles.
    visited: Vec<PathBuf>,
    opts: &'a LoadOptions,
    /// `--verify-with`: an upstream is read only when signed by one of these keys.
    upstream_keys: Option<&'a [crate::sign::PublicKey]>,
    session: Option<&'a crate::load::Session>,
}

impl Chain<'_> {
    /// Load and validate one folder as `layer`; for a fork, load its upstream chain and merge.
    fn layer(
        &mut self,
        dir: &Path,
        prefix: &str,
        layer: usize,
        diags: &mut Vec<Diagnostic>,
    ) -> Layer {
        diags.extend(crate::load::load_dir_session_into(
            self.sources,
            dir,
            prefix,
            layer,
            self.opts,
            self.session,
        ));
        let (own, d) = crate::validate::validate_layer(self.sources, layer, prefix);
        diags.extend(d);
        let Some((ext, manifest_origin)) = own
            .manifest
            .as_ref()
            .and_then(|m| m.value.extends.clone().map(|e| (e, m.origin.clone())))
        else {
            return Layer::alone(own);
        };
        let at = manifest_origin.child("extends");
        let up_dir = match self.upstream_dir(dir, layer, &ext.path) {
            Ok(up_dir) => up_dir,
            Err(d) => {
                diags.push(d.at(at.child("path")));
                return Layer::alone(own);
            }
        };
        let up_prefix = format!("{prefix}{}/", ext.path.trim_end_matches('/'));
        let mut up_diags = Vec::new();
        let up = self.layer(&up_dir, &up_prefix, layer + 1, &mut up_diags);
        // The upstream on its own: its errors, its version and its digest.
        let up_compiled = compile(&up.validated, &asset_names(self.sources));
        if let Some(d) = upstream_errors(&up_diags, &up_compiled, &ext.path, &up_dir) {
            diags.push(d.at(at.child("path")));
        }
        // Keep the upstream's own structural findings (missing upstream, cycles) visible.
        diags.extend(up_diags.into_iter().filter(|d| {
            matches!(
                d.code,
                Code::ExtendsMissing | Code::ExtendsCycle | Code::ExtendsDepth | Code::Io
            )
        }));
        let Some(mut up_policy) = up_compiled.policy else {
            return Layer::alone(own);
        };
        up_policy.lineage = up.lineage.clone();
        let digest = crate::emit::bundle::build(&up_policy, None).manifest.digest;
        let (id, version) = (
            up_policy.manifest.id.clone(),
            up_policy.manifest.version.clone(),
        );
        diags.extend(resolve::check_upstream(&ext, &at, &id, &version, &digest));
        let upstream = resolve::Upstream {
            validated: &up.validated,
            id: id.clone(),
            version: version.clone(),
            rules: up.rules.clone(),
        };
        let (merged, provenance, rules, d) = resolve::merge(&own, &upstream, resolve::today());
        diags.extend(d);
        let mut lineage = vec![(id, version, digest)];
        lineage.extend(up.lineage);
        Layer {
            validated: merged,
            provenance,
            rules,
            lineage,
        }
    }

    /// The folder `dir` (layer `layer`) extends, once it is known to be usable: within the
    /// depth limit, a policy folder, not already on the chain, and signed when keys are given.
    /// Otherwise the diagnostic to report at `extends.path`.
    fn upstream_dir(
        &mut self,
        dir: &Path,
        layer: usize,
        path: &str,
    ) -> Result<PathBuf, Box<Diagnostic>> {
        let up_dir = dir.join(path);
        let here = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        self.visited.push(here);
        if layer + 1 > MAX_UPSTREAMS {
            return Err(Box::new(
                Diagnostic::new(
                    Code::ExtendsDepth,
                    msg!("extends-depth", max = MAX_UPSTREAMS),
                )
                .hint(msg!("extends-depth-hint")),
            ));
        }
        if !up_dir.join("policy.yaml").is_file() {
            return Err(Box::new(
                Diagnostic::new(
                    Code::ExtendsMissing,
                    msg!(
                        "extends-missing",
                        path = path,
                        resolved = up_dir.display().to_string()
                    ),
                )
                .hint(msg!("extends-missing-hint")),
            ));
        }
        let up_canon = std::fs::canonicalize(&up_dir).unwrap_or_else(|_| up_dir.clone());
        if self.visited.contains(&up_canon) {
            return Err(Box::new(
                Diagnostic::new(Code::ExtendsCycle, msg!("extends-cycle", path = path))
                    .hint(msg!("extends-cycle-hint")),
            ));
        }
        // With --verify-with, an upstream is read only when it is exactly as its publisher
        // signed it.
        if let Some(keys) = self.upstream_keys
            && let Some(d) = crate::sign::check_upstream(&up_dir, path, keys)
        {
            return Err(Box::new(d));
        }
        Ok(up_dir)
    }
}

/// E-diagnostic summarising an upstream's own errors (the first five as notes), if it has any.
fn upstream_errors(
    up_diags: &[Diagnostic],
    up_compiled: &Compiled,
    path: &str,
    up_dir: &Path,
) -> Option<Diagnostic> {
    let errors: Vec<&Diagnostic> = up_diags
        .iter()
        .chain(&up_compiled.diagnostics)
        .filter(|d| d.is_error())
        .collect();
    if errors.is_empty() {
        return None;
    }
    let d = Diagnostic::new(
        Code::UpstreamErrors,
        msg!("upstream-errors", path = path, errors = errors.len()),
    )
    .hint(msg!(
        "upstream-errors-hint",
        path = up_dir.display().to_string()
    ));
    Some(errors.iter().take(5).fold(d, |d, e| {
        d.note(msg!(
            "note-code-message",
            code = e.code.as_str(),
            message = e.message.clone()
        ))
    }))
}

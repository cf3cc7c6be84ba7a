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
    Dir(PathBuf),
    Builtin,
    /// Files in memory (relative path, bytes), named `name` in messages: an editor's unsaved
    /// buffers, a test. A fork's upstream cannot be read this way.
    Memory {
        name: String,
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
    pub sources: Sources,
    pub policy: Option<Policy>,
    pub diagnostics: Vec<Diagnostic>,
    /// The policy's cases, judged once by the check.
    pub judged: Vec<crate::compile::cases::Judgement>,
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
            let layer = Layer {
                rules: resolve::root_rules(&validated),
                validated,
                provenance: Default::default(),
                lineage: Vec::new(),
            };
            (sources, d, layer)
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
            let layer = check_layer(
                &mut sources,
                dir,
                "",
                0,
                &mut Vec::new(),
                &mut d,
                (opts, upstream_keys, session),
            );
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
    let mut names: Vec<String> = crate::load::embedded_files(&crate::emit::site::ASSETS)
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

/// Load and validate one folder as `layer`; for a fork, load its upstream chain and merge.
fn check_layer(
    sources: &mut Sources,
    dir: &Path,
    prefix: &str,
    layer: usize,
    visited: &mut Vec<PathBuf>,
    diags: &mut Vec<Diagnostic>,
    (opts, upstream_keys, session): (
        &LoadOptions,
        Option<&[crate::sign::PublicKey]>,
        Option<&crate::load::Session>,
    ),
) -> Layer {
    diags.extend(crate::load::load_dir_session_into(
        sources, dir, prefix, layer, opts, session,
    ));
    let (own, d) = crate::validate::validate_layer(sources, layer, prefix);
    diags.extend(d);
    let alone = |own: crate::validate::Validated| Layer {
        rules: resolve::root_rules(&own),
        validated: own,
        provenance: Default::default(),
        lineage: Vec::new(),
    };
    let Some((ext, manifest_origin)) = own
        .manifest
        .as_ref()
        .and_then(|m| m.value.extends.clone().map(|e| (e, m.origin.clone())))
    else {
        return alone(own);
    };
    let at = manifest_origin.child("extends");
    let up_dir = dir.join(&ext.path);
    let here = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    visited.push(here);
    if layer + 1 > MAX_UPSTREAMS {
        diags.push(
            Diagnostic::new(
                Code::ExtendsDepth,
                msg!("extends-depth", max = MAX_UPSTREAMS),
            )
            .at(at.child("path"))
            .hint(msg!("extends-depth-hint")),
        );
        return alone(own);
    }
    if !up_dir.join("policy.yaml").is_file() {
        diags.push(
            Diagnostic::new(
                Code::ExtendsMissing,
                msg!(
                    "extends-missing",
                    path = &ext.path,
                    resolved = up_dir.display().to_string()
                ),
            )
            .at(at.child("path"))
            .hint(msg!("extends-missing-hint")),
        );
        return alone(own);
    }
    let up_canon = std::fs::canonicalize(&up_dir).unwrap_or_else(|_| up_dir.clone());
    if visited.contains(&up_canon) {
        diags.push(
            Diagnostic::new(Code::ExtendsCycle, msg!("extends-cycle", path = &ext.path))
                .at(at.child("path"))
                .hint(msg!("extends-cycle-hint")),
        );
        return alone(own);
    }
    // With --verify-with, an upstream is read only when it is exactly as its publisher signed it.
    if let Some(keys) = upstream_keys
        && let Some(d) = crate::sign::check_upstream(&up_dir, &ext.path, keys)
    {
        diags.push(d.at(at.child("path")));
        return alone(own);
    }
    let up_prefix = format!("{prefix}{}/", ext.path.trim_end_matches('/'));
    let mut up_diags = Vec::new();
    let up = check_layer(
        sources,
        &up_dir,
        &up_prefix,
        layer + 1,
        visited,
        &mut up_diags,
        (opts, upstream_keys, session),
    );
    // The upstream on its own: its errors, its version and its digest.
    let up_compiled = compile(&up.validated, &asset_names(sources));
    let errors: Vec<&Diagnostic> = up_diags
        .iter()
        .chain(&up_compiled.diagnostics)
        .filter(|d| d.is_error())
        .collect();
    if !errors.is_empty() {
        let mut d = Diagnostic::new(
            Code::UpstreamErrors,
            msg!("upstream-errors", path = &ext.path, errors = errors.len()),
        )
        .at(at.child("path"))
        .hint(msg!(
            "upstream-errors-hint",
            path = up_dir.display().to_string()
        ));
        for e in errors.iter().take(5) {
            d = d.note(msg!(
                "note-code-message",
                code = e.code.as_str(),
                message = e.message.clone()
            ));
        }
        diags.push(d);
    }
    // Keep the upstream's own structural findings (missing upstream, cycles) visible.
    diags.extend(up_diags.into_iter().filter(|d| {
        matches!(
            d.code,
            Code::ExtendsMissing | Code::ExtendsCycle | Code::ExtendsDepth | Code::Io
        )
    }));
    let Some(mut up_policy) = up_compiled.policy else {
        return alone(own);
    };
    up_policy.lineage = up.lineage.clone();
    let digest = crate::emit::bundle::build(&up_policy, None).manifest.digest;
    diags.extend(resolve::check_upstream(
        &ext,
        &at,
        &up_policy.manifest.id,
        &up_policy.manifest.version,
        &digest,
    ));
    let upstream = resolve::Upstream {
        validated: &up.validated,
        id: up_policy.manifest.id.clone(),
        version: up_policy.manifest.version.clone(),
        rules: up.rules.clone(),
    };
    let (merged, provenance, rules, d) = resolve::merge(&own, &upstream, resolve::today());
    diags.extend(d);
    let mut lineage = vec![(
        up_policy.manifest.id.clone(),
        up_policy.manifest.version.clone(),
        digest,
    )];
    lineage.extend(up.lineage);
    Layer {
        validated: merged,
        provenance,
        rules,
        lineage,
    }
}

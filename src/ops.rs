//! The commands as library operations: each returns data and diagnostics, never prints.

use crate::compile::{Compiled, compile};
use crate::diag::{Code, Diagnostic};
use crate::i18n::{Arg, Msg};
use crate::load::{LoadOptions, Sources, load_files};
use crate::model::Kind;
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

/// A usage or I/O problem that stops a command before it can judge the policy (exit code 2).
/// Its text is rendered in the process language ([`crate::i18n::lang`]).
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    /// A usage error.
    #[error("{0}")]
    Usage(Msg),
    /// A file that could not be read or written.
    #[error("{}", msg!("cannot-io", action = Msg::new(.action), path = .path.display().to_string(), error = .source.to_string()))]
    Io {
        /// A catalogue id: `io-read`, `io-write`, `io-create`.
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An output folder refused or not written.
    #[error(transparent)]
    Publish(#[from] crate::publish::PublishError),
    /// A bundle that cannot be used.
    #[error("{}: {source}", .path.display())]
    Bundle {
        path: PathBuf,
        #[source]
        source: crate::bundle::BundleError,
    },
    /// The reader of standard output went away (`| head`): stop quietly.
    #[error("{}", msg!("output-closed"))]
    OutputClosed,
}

impl Fatal {
    /// An I/O error as a `Fatal`, with what was being done (`io-read`, `io-write`, `io-create`).
    pub fn io<'a>(
        action: &'static str,
        path: &'a Path,
    ) -> impl FnOnce(std::io::Error) -> Fatal + 'a {
        move |source| Fatal::Io {
            action,
            path: path.to_path_buf(),
            source,
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
    check_in_session(input, opts, None)
}

/// [`check_with`] for a long-running reader (language server, development server): the
/// session's open documents are read from memory instead of the disk, and files unchanged since
/// its last read are not parsed again.
pub fn check_in_session(
    input: &Input,
    opts: &LoadOptions,
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
                opts,
                session,
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

/// The result of `mamoru test`.
pub struct Tested {
    pub checked: Checked,
    /// The cases run as tests (absent when the policy could not be compiled).
    pub report: Option<crate::testing::TestReport>,
    /// Errors other than the cases' own: they make the results unreliable. They are also in
    /// the report's `errors`, so JUnit and JSON consumers see them.
    pub blocking: Vec<Diagnostic>,
}

/// `mamoru test`: check, then run every case and measure coverage.
pub fn test(input: &Input, load: &LoadOptions) -> Result<Tested, Fatal> {
    let checked = check_with(input, load)?;
    let blocking: Vec<Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|d| {
            d.is_error() && !matches!(d.code, Code::CaseVerdict | Code::CaseFlow | Code::CaseRoute)
        })
        .cloned()
        .collect();
    let report = checked.policy.as_ref().map(|p| {
        let mut r = crate::testing::report(p, &checked.judged);
        r.errors = crate::report::resolve(&checked.sources, &blocking, crate::i18n::lang())
            .into_iter()
            .map(|d| {
                let at = match (&d.file, d.line, d.column) {
                    (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
                    (Some(f), _, _) => format!("{f}: "),
                    _ => String::new(),
                };
                format!("{}[{}] {at}{}", "error", d.code, d.message)
            })
            .collect();
        r
    });
    Ok(Tested {
        checked,
        report,
        blocking,
    })
}

/// JSON as `mamoru` prints it: pretty, keys in order.
pub fn pretty_json(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
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
#[allow(clippy::too_many_arguments)]
fn check_layer(
    sources: &mut Sources,
    dir: &Path,
    prefix: &str,
    layer: usize,
    visited: &mut Vec<PathBuf>,
    diags: &mut Vec<Diagnostic>,
    opts: &LoadOptions,
    session: Option<&crate::load::Session>,
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
                format!("more than {MAX_UPSTREAMS} upstreams in a row"),
            )
            .at(at.child("path"))
            .hint("extend the upstream's own upstream directly, or merge intermediate forks"),
        );
        return alone(own);
    }
    if !up_dir.join("policy.yaml").is_file() {
        diags.push(
            Diagnostic::new(
                Code::ExtendsMissing,
                format!(
                    "no policy at `{}` (resolved to `{}`)",
                    ext.path,
                    up_dir.display()
                ),
            )
            .at(at.child("path"))
            .hint("`extends.path` is the upstream's folder, relative to this policy.yaml"),
        );
        return alone(own);
    }
    let up_canon = std::fs::canonicalize(&up_dir).unwrap_or_else(|_| up_dir.clone());
    if visited.contains(&up_canon) {
        diags.push(
            Diagnostic::new(
                Code::ExtendsCycle,
                format!("`{}` extends itself through its upstreams", ext.path),
            )
            .at(at.child("path"))
            .hint("a policy cannot be its own upstream: break the cycle"),
        );
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
        opts,
        session,
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
            format!("upstream `{}` has {} error(s)", ext.path, errors.len()),
        )
        .at(at.child("path"))
        .hint(format!(
            "run `mamoru check {}` and fix the upstream first",
            up_dir.display()
        ));
        for e in errors.iter().take(5) {
            d = d.note(format!("{}: {}", e.code, e.message));
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
    match (
        semver::VersionReq::parse(&ext.version),
        semver::Version::parse(&up_policy.manifest.version),
    ) {
        (Err(e), _) => diags.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{}` is not a version requirement: {e}", ext.version),
            )
            .at(at.child("version"))
            .hint("write e.g. `^1.2` (any 1.x from 1.2), `~1.2` (1.2.x) or `=1.2.0`"),
        ),
        (Ok(req), Ok(v)) if !req.matches(&v) => diags.push(
            Diagnostic::new(
                Code::ExtendsVersion,
                format!(
                    "upstream `{}` is version {v}, which `{}` does not accept",
                    up_policy.manifest.id, ext.version
                ),
            )
            .at(at.child("version"))
            .hint("review the upstream's changes (`mamoru diff`), then update `extends.version`"),
        ),
        _ => {}
    }
    let lineage: Vec<crate::bundle::Lineage> = lineage_of(&up.lineage);
    let digest = crate::emit::bundle::build(&up_policy, None, lineage)
        .manifest
        .digest;
    match &ext.reviewed {
        Some(r) if r.digest != digest => diags.push(
            Diagnostic::new(
                Code::Drift,
                format!(
                    "upstream `{}` changed since this fork was reviewed (reviewed {}, now {})",
                    up_policy.manifest.id, r.version, up_policy.manifest.version
                ),
            )
            .at(at.child("reviewed"))
            .note("overridden items whose upstream changed are listed as separate warnings")
            .hint(format!(
                "review the changes (`mamoru diff`), then set `reviewed: {{version: \"{}\", digest: \"{digest}\"}}`",
                up_policy.manifest.version
            )),
        ),
        None => diags.push(
            Diagnostic::new(Code::Drift, "this fork does not record the upstream it was reviewed against")
                .at(at.child("path"))
                .hint(format!("add `reviewed: {{version: \"{}\", digest: \"{digest}\"}}` under `extends`", up_policy.manifest.version)),
        ),
        _ => {}
    }
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

/// Lineage as the bundle lists it.
pub fn lineage_of(l: &[(String, String, String)]) -> Vec<crate::bundle::Lineage> {
    l.iter()
        .map(|(policy, version, digest)| crate::bundle::Lineage {
            policy: policy.clone(),
            version: version.clone(),
            digest: Some(digest.clone()),
        })
        .collect()
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
                Fatal::Usage(msg!(
                    "unknown-kind",
                    kind = name,
                    kinds = Arg::any_of(&names)
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
        let mut entries = std::fs::read_dir(dir).map_err(Fatal::io("io-read", dir))?;
        if entries.next().is_some() {
            return Err(Fatal::Usage(msg!(
                "folder-not-empty",
                path = dir.display().to_string()
            )));
        }
    }
    let mut files: Vec<(String, Vec<u8>)> = builtin_files()
        .into_iter()
        .filter(|(p, _)| !p.starts_with("schema/"))
        .collect();
    files.extend(schema_files());
    files.push(gitignore());
    write_tree(dir, &files)?;
    Ok(files.len())
}

/// `.gitignore` of a new policy folder: the build's output and its staging folders.
fn gitignore() -> (String, Vec<u8>) {
    (
        ".gitignore".into(),
        b"# Written by mamoru: the manual built from this policy, and folders a build was writing\n\
          # when it stopped. Neither is a source of the policy.\n/public/\n/.mamoru-staging-*\n"
            .to_vec(),
    )
}

/// Write files under a folder, creating parents.
pub fn write_tree(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Fatal> {
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(Fatal::io("io-create", parent))?;
        }
        std::fs::write(&path, bytes).map_err(Fatal::io("io-write", &path))?;
    }
    Ok(())
}

/// Where `build` writes, and what.
pub struct BuildOptions {
    pub out: PathBuf,
    pub bundle_only: bool,
    /// Replace a non-empty output folder that mamoru did not write.
    pub force: bool,
    /// How the policy folders are read.
    pub load: LoadOptions,
}

/// The files of a build, by path relative to the output folder.
pub type Files = Vec<(String, Vec<u8>)>;

/// `mamoru build`: check, then render every output in memory; write only when all succeeded.
/// Returns the check (whose errors stop the build) and the files written.
pub fn build(input: &Input, opts: &BuildOptions) -> Result<(Checked, Option<Files>), Fatal> {
    let checked = check_with(input, &opts.load)?;
    crate::publish::check_target(&opts.out, &checked.sources.dirs, opts.force)?;
    if checked.errors() > 0 || checked.io_failed() {
        return Ok((checked, None));
    }
    let policy = checked
        .policy
        .as_ref()
        .expect("a policy without errors is compiled");
    let revision = match input {
        Input::Dir(dir) => crate::load::revision(dir),
        Input::Builtin | Input::Memory { .. } => None,
    };
    let bundle = crate::emit::bundle::build(policy, revision.clone(), lineage_of(&policy.lineage));
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
    crate::publish::publish(&opts.out, &checked.sources.dirs, opts.force, &files)?;
    Ok((checked, Some(files)))
}

fn site_files(
    checked: &Checked,
    policy: &Policy,
    revision: Option<String>,
) -> Result<Files, Fatal> {
    let meta = crate::emit::site::Meta { revision };
    crate::emit::site::render(policy, &checked.sources.assets, &meta)
        .map_err(|e| Fatal::Usage(msg!("cannot-render", detail = e.0)))
}

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).expect("serialisable");
    s.push('\n');
    s.into_bytes()
}

/// A path from `from` (a folder) to `to`, as relative as possible.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (Ok(from), Ok(to)) = (std::path::absolute(from), std::path::absolute(to)) else {
        return to.to_path_buf();
    };
    let (f, t): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

/// `mamoru fork UPSTREAM DIR`: a new fork that extends UPSTREAM and changes nothing yet.
pub fn fork(upstream: &Path, dir: &Path) -> Result<PathBuf, Fatal> {
    let checked = check(&Input::Dir(upstream.to_path_buf()))?;
    if checked.errors() > 0 {
        return Err(Fatal::Usage(msg!(
            "upstream-has-errors",
            path = upstream.display().to_string(),
            errors = checked.errors()
        )));
    }
    let p = checked.policy.as_ref().expect("checked");
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut e| e.next().is_some())
            .unwrap_or(true)
    {
        return Err(Fatal::Usage(msg!(
            "folder-not-empty",
            path = dir.display().to_string()
        )));
    }
    let digest = crate::emit::bundle::build(p, None, lineage_of(&p.lineage))
        .manifest
        .digest;
    let v = semver::Version::parse(&p.manifest.version)
        .map_err(|e| Fatal::Usage(msg!("bad-upstream-version", detail = e.to_string())))?;
    std::fs::create_dir_all(dir).map_err(Fatal::io("io-create", dir))?;
    let rel = relative(dir, upstream).to_string_lossy().replace('\\', "/");
    let q = |s: &str| serde_json::to_string(s).expect("string");
    let manifest = format!(
        "# yaml-language-server: $schema=schema/policy.schema.json\n\
         # A fork of {up}: it inherits everything. Add files with the same id as an upstream item to\n\
         # replace it (with `override: {{why, owner, review_by}}`), new ids to add items, and\n\
         # `remove:` entries to drop upstream items. `mamoru diff {rel} .` shows the deviations.\n\
         id: {id}\n\
         title: {title}\n\
         version: 0.1.0\n\
         extends:\n  path: {path}\n  version: {req}\n  reviewed:\n    version: {ver}\n    digest: {digest}\n",
        up = p.manifest.id,
        id = p.manifest.id.clone() + "-fork",
        title = q(&format!("{}（部門版）", p.manifest.title)),
        path = q(&rel),
        req = q(&format!("^{}.{}", v.major, v.minor)),
        ver = q(&p.manifest.version),
        digest = q(&digest),
    );
    let mut files = vec![
        ("policy.yaml".to_string(), manifest.into_bytes()),
        gitignore(),
    ];
    files.extend(schema_files());
    write_tree(dir, &files)?;
    Ok(PathBuf::from(rel))
}

/// A bundle from a policy folder (compiled, errors or not) or from a `bundle.json` file.
pub fn bundle_of(path: &Path) -> Result<crate::bundle::Bundle, Fatal> {
    if path.is_dir() {
        let checked = check(&Input::Dir(path.to_path_buf()))?;
        let p = checked.policy.as_ref().ok_or_else(|| {
            Fatal::Usage(msg!("cannot-compile", path = path.display().to_string()))
        })?;
        return Ok(crate::emit::bundle::build(
            p,
            crate::load::revision(path),
            lineage_of(&p.lineage),
        ));
    }
    read_bundle(path)
}

/// Largest `bundle.json` read.
pub const MAX_BUNDLE_SIZE: u64 = 512 * 1024 * 1024;

/// Read a `bundle.json` (at most [`MAX_BUNDLE_SIZE`] bytes, so `/dev/zero` cannot exhaust
/// memory), refusing another major format version.
pub fn read_bundle(path: &Path) -> Result<crate::bundle::Bundle, Fatal> {
    let bytes =
        crate::load::read_bounded(path, MAX_BUNDLE_SIZE).map_err(Fatal::io("io-read", path))?;
    let text = String::from_utf8(bytes).map_err(|e| Fatal::Bundle {
        path: path.to_path_buf(),
        source: crate::bundle::BundleError(format!("not UTF-8 text: {e}")),
    })?;
    crate::bundle::Bundle::from_json(&text).map_err(|source| Fatal::Bundle {
        path: path.to_path_buf(),
        source,
    })
}

/// `mamoru classify`: contacts (JSON Lines) from `input` (a file, or standard input when `None`)
/// to `out`, one line each; rejected lines to `err`. Returns the counts.
pub fn classify(
    bundle: &Path,
    input: Option<&Path>,
    out: impl std::io::Write,
    err: impl std::io::Write,
) -> Result<crate::bundle::stream::Stats, Fatal> {
    let engine = read_bundle(bundle)?
        .engine()
        .map_err(|source| Fatal::Bundle {
            path: bundle.to_path_buf(),
            source,
        })?;
    let stats = match input {
        Some(path) => {
            let f = std::fs::File::open(path).map_err(Fatal::io("io-read", path))?;
            crate::bundle::stream::classify(
                &engine,
                std::io::BufReader::with_capacity(1 << 16, f),
                out,
                err,
            )
        }
        None => crate::bundle::stream::classify(&engine, std::io::stdin().lock(), out, err),
    };
    stats.map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Fatal::OutputClosed,
        _ => Fatal::Io {
            action: "io-write",
            path: PathBuf::from("-"),
            source: e,
        },
    })
}

/// `mamoru diff OLD NEW`: the semantic difference of two policies or bundles.
pub fn diff(old: &Path, new: &Path) -> Result<crate::diff::Diff, Fatal> {
    Ok(crate::diff::diff(&bundle_of(old)?, &bundle_of(new)?))
}

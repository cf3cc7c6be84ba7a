//! The commands as library operations: each returns data and diagnostics, never prints.

pub use crate::error::Fatal;
pub use crate::pipeline::{
    BUILTIN, Checked, Input, MAX_UPSTREAMS, builtin_files, check, check_with, lineage_of,
};

use crate::diag::{Code, Diagnostic};
use crate::i18n::Arg;
use crate::load::LoadOptions;
use crate::model::Kind;
use crate::msg;
use crate::policy::Policy;
use std::path::{Path, PathBuf};

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

//! The commands as library operations: each returns data and diagnostics, never prints.

pub use crate::error::Fatal;
pub use crate::pipeline::{
    BUILTIN, Checked, Input, MAX_UPSTREAMS, builtin_files, check, check_in_session, check_signed,
    check_with,
};

use crate::diag::{Code, Diagnostic};
use crate::i18n::Arg;
use crate::load::LoadOptions;
use crate::model::Kind;
use crate::msg;
use std::path::{Path, PathBuf};

/// The result of `mamoru test`.
pub struct Tested {
    /// The check the tests ran on (its diagnostics are reported when the cases cannot run).
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
    /// The output folder (`--out`), replaced as a whole only when the build succeeded.
    pub out: PathBuf,
    /// Write only `bundle.json` and `bundle.schema.json`, not the manual.
    pub bundle_only: bool,
    /// Replace a non-empty output folder that mamoru did not write.
    pub force: bool,
    /// How the policy folders are read.
    pub load: LoadOptions,
}

/// The files of a build, by path relative to the output folder.
pub type Files = Vec<(String, Vec<u8>)>;

/// `mamoru build`: check, then render every output and stream it into a staging folder (pages
/// render in parallel and go to disk as they are ready, so memory does not grow with the size of
/// the manual); the staging folder replaces the output only when everything succeeded.
/// Returns the check (whose errors stop the build) and the paths written, sorted.
pub fn build(input: &Input, opts: &BuildOptions) -> Result<(Checked, Option<Vec<String>>), Fatal> {
    build_with(input, opts, &BuildExtras::default())
}

/// What `build` may do besides the manual and the rule bundle.
#[derive(Default)]
pub struct BuildExtras {
    /// `--verify-with`: upstream folders must be signed by one of these keys.
    pub upstream_keys: Option<Vec<crate::sign::PublicKey>>,
    /// `--opa FILE.tar.gz`: also write an Open Policy Agent bundle.
    pub opa: Option<OpaExport>,
}

/// `build --opa FILE [--opa-key KEY] [--manual-url URL]`.
pub struct OpaExport {
    /// Where the `.tar.gz` goes (inside `--out` it is published with the folder).
    pub file: PathBuf,
    /// An ECDSA P-256 private key: the bundle gets `.signatures.json` (JWT, ES256).
    pub key: Option<crate::sign::SecretKey>,
    /// Prefix of manual links in the Rego's METADATA.
    pub manual_url: String,
}

/// [`build`] with upstream verification and the OPA bundle. The OPA bundle is made before
/// anything is written, so a policy that cannot be exported writes nothing; inside `--out` it
/// is part of the published folder, elsewhere it is written atomically on its own.
pub fn build_with(
    input: &Input,
    opts: &BuildOptions,
    extras: &BuildExtras,
) -> Result<(Checked, Option<Vec<String>>), Fatal> {
    if !opts.bundle_only && !cfg!(feature = "site") {
        return Err(Fatal::Usage(msg!("build-without-site")));
    }
    let checked = check_signed(input, &opts.load, extras.upstream_keys.as_deref())?;
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
    let ctx = crate::emit::BuildContext {
        policy,
        runs: checked.judged.iter().map(|j| &j.run).collect(),
        revision,
        overrides: &checked.sources.assets,
    };
    let bundle = ctx.bundle();
    // The OPA bundle is made before anything is written: a policy that cannot be exported
    // writes nothing. Inside `--out` it is published with the folder, elsewhere on its own.
    let mut opa_bytes = match &extras.opa {
        Some(x) => Some(crate::emit::opa::build(
            &bundle,
            &crate::emit::opa::Options {
                key: x.key.as_ref(),
                manual_base: &x.manual_url,
            },
        )?),
        None => None,
    };
    let opa_inside = extras.opa.as_ref().and_then(|x| inside(&opts.out, &x.file));
    let staging = crate::publish::Staging::new(&opts.out)?;
    let written = std::sync::Mutex::new(Vec::new());
    let failed: std::sync::Mutex<Option<crate::publish::PublishError>> =
        std::sync::Mutex::new(None);
    let put = |path: String, bytes: Vec<u8>| -> Result<(), crate::emit::SiteError> {
        match staging.write(&path, &bytes) {
            Ok(()) => {
                if let Ok(mut w) = written.lock() {
                    w.push(path);
                }
                Ok(())
            }
            Err(e) => {
                let text = e.to_string();
                if let Ok(mut f) = failed.lock() {
                    f.get_or_insert(e);
                }
                Err(crate::emit::SiteError(text))
            }
        }
    };
    let mut result = put(
        "bundle.json".into(),
        crate::emit::bundle::render(&bundle).into_bytes(),
    )
    .and_then(|()| {
        put(
            "bundle.schema.json".into(),
            pretty(&crate::bundle::schema()),
        )
    });
    if result.is_ok() && !opts.bundle_only {
        result = render_site(&ctx, &put);
    }
    if let Some(rel) = opa_inside {
        result = result.and_then(|()| put(rel, opa_bytes.take().unwrap_or_default()));
    }
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(e.into());
    }
    if let Err(e) = result {
        return Err(Fatal::Usage(msg!("cannot-render", detail = e.0)));
    }
    staging.commit()?;
    if let (Some(x), Some(bytes)) = (&extras.opa, opa_bytes) {
        write_file_atomically(&x.file, &bytes)?;
    }
    let mut written = written.into_inner().unwrap_or_default();
    written.sort();
    Ok((checked, Some(written)))
}

/// The manual, file by file into `put`.
#[cfg(feature = "site")]
fn render_site(
    ctx: &crate::emit::BuildContext,
    put: &(dyn Fn(String, Vec<u8>) -> Result<(), crate::emit::SiteError> + Sync),
) -> Result<(), crate::emit::SiteError> {
    crate::emit::site::render_each(ctx, put)
}

/// Without the `site` feature there is no manual to render: `build` needs `--bundle-only`.
#[cfg(not(feature = "site"))]
fn render_site(
    _: &crate::emit::BuildContext,
    _: &(dyn Fn(String, Vec<u8>) -> Result<(), crate::emit::SiteError> + Sync),
) -> Result<(), crate::emit::SiteError> {
    Err(crate::emit::SiteError(
        msg!("build-without-site").render(crate::i18n::lang()),
    ))
}

/// `file`'s path relative to the folder `dir` when it lies inside it.
fn inside(dir: &Path, file: &Path) -> Option<String> {
    let abs = |p: &Path| {
        std::path::absolute(p)
            .ok()
            .map(|a| a.components().collect::<PathBuf>())
    };
    let (d, f) = (abs(dir)?, abs(file)?);
    f.strip_prefix(&d)
        .ok()
        .filter(|r| !r.as_os_str().is_empty())
        .map(|r| r.to_string_lossy().replace('\\', "/"))
}

/// Write one file through a temporary sibling and a rename: readers see the old file or the
/// new one, never half of it.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), Fatal> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(Fatal::io("io-create", parent))?;
    let name = path
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{name}.mamoru-new-{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(Fatal::io("io-write", path));
    let _ = std::fs::remove_file(&tmp);
    result
}

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).expect("serialisable");
    s.push('\n');
    s.into_bytes()
}

/// A path from `from` (a folder) to `to`, as relative as possible.
pub fn relative(from: &Path, to: &Path) -> PathBuf {
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
    let digest = crate::emit::bundle::build(p, None).manifest.digest;
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

#[cfg(feature = "review")]
pub use crate::review::{Options as ReviewOptions, Outcome as ReviewOutcome};

/// `mamoru review EXPORT... --bundle FILE --out DIR`: the weekly review of flagged contacts.
#[cfg(feature = "review")]
pub fn review(bundle: &Path, opts: &ReviewOptions) -> Result<ReviewOutcome, Fatal> {
    let b = read_bundle(bundle)?;
    crate::review::run(opts, &b)
}

/// A bundle from a policy folder (compiled, errors or not) or from a `bundle.json` file.
pub fn bundle_of(path: &Path) -> Result<crate::bundle::Bundle, Fatal> {
    if path.is_dir() {
        let checked = check(&Input::Dir(path.to_path_buf()))?;
        let p = checked.policy.as_ref().ok_or_else(|| {
            Fatal::Usage(msg!("cannot-compile", path = path.display().to_string()))
        })?;
        return Ok(crate::emit::bundle::build(p, crate::load::revision(path)));
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
        source: crate::bundle::BundleError(msg!("not-a-bundle", detail = e.to_string())),
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
    classify_bundle(bundle, read_bundle(bundle)?, input, out, err)
}

/// `classify --verify-with KEY`: the bundle is used only when its folder's signature file is
/// signed by one of `keys` and lists `bundle.json` unchanged (the bytes verified are the bytes
/// parsed). `Ok(Err(problem))`: refused, nothing classified.
pub fn classify_verified(
    bundle: &Path,
    keys: &[crate::sign::PublicKey],
    input: Option<&Path>,
    out: impl std::io::Write,
    err: impl std::io::Write,
) -> Result<Result<crate::bundle::stream::Stats, crate::sign::Problem>, Fatal> {
    let bytes = match crate::sign::read_verified(bundle, keys, MAX_BUNDLE_SIZE)? {
        Ok(b) => b,
        Err(p) => return Ok(Err(p)),
    };
    let text = String::from_utf8(bytes).map_err(|e| Fatal::Bundle {
        path: bundle.to_path_buf(),
        source: crate::bundle::BundleError(msg!("not-a-bundle", detail = e.to_string())),
    })?;
    let b = crate::bundle::Bundle::from_json(&text).map_err(|source| Fatal::Bundle {
        path: bundle.to_path_buf(),
        source,
    })?;
    classify_bundle(bundle, b, input, out, err).map(Ok)
}

fn classify_bundle(
    path: &Path,
    b: crate::bundle::Bundle,
    input: Option<&Path>,
    out: impl std::io::Write,
    err: impl std::io::Write,
) -> Result<crate::bundle::stream::Stats, Fatal> {
    let bundle = path;
    let engine = b.engine().map_err(|source| Fatal::Bundle {
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

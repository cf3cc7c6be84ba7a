//! The `mamoru` command: parses arguments, calls one library operation, prints, picks the exit code
//! (0 ok, 1 policy errors, failed tests or rejected lines, 2 usage or I/O errors).

use clap::{Args, Parser, Subcommand, ValueEnum};
use mamoru::i18n::{self, Lang, Msg};
use mamoru::load::LoadOptions;
use mamoru::msg;
use mamoru::ops::{self, BuildExtras, BuildOptions, Checked, Fatal, Input};
use mamoru::report;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mamoru",
    version,
    about = "Policy-as-code compiler for customer-harassment response manuals"
)]
struct Cli {
    /// Language of messages: `ja` or `en` (default: from LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, global = true, value_enum)]
    lang: Option<LangArg>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LangArg {
    Ja,
    En,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TestFormat {
    Human,
    Json,
    Junit,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DiffFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Which policy, and how to report its diagnostics.
#[derive(Args)]
struct Source {
    /// Policy folder (default: `.` when it holds policy.yaml, else `./policy`).
    dir: Option<PathBuf>,
    /// Use the example policy built into mamoru instead of a folder.
    #[arg(long, conflicts_with = "dir")]
    builtin: bool,
    /// Treat warnings (lints) as errors.
    #[arg(long)]
    deny_warnings: bool,
    /// Colour the human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Read files that symbolic links in the policy folder point to outside it (refused by
    /// default, so a link cannot publish files from elsewhere).
    #[arg(long)]
    follow_links: bool,
}

impl Source {
    fn input(&self) -> Input {
        Input::from_arg(self.dir.clone(), self.builtin)
    }
    fn load(&self) -> LoadOptions {
        LoadOptions {
            follow_links: self.follow_links,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Validate a policy: every error and warning, with file:line:column.
    Check(CheckArgs),
    /// Check, then write the rule bundle (and the manual) into the output folder.
    Build(BuildArgs),
    /// Run the case studies as tests and report coverage of cells, steps and branches.
    Test(TestArgs),
    /// Classify JSON Lines of contacts with a bundle: one JSON line out per contact.
    Classify(ClassifyArgs),
    /// Make a signing key pair: NAME.key (private, mode 0600) and NAME.pub. Never overwrites.
    Keygen(KeygenArgs),
    /// Sign a build's output folder: signatures.json lists every file's SHA-256, signed.
    Sign(SignArgs),
    /// Check that every file of a signed folder is as signed: exit 0, else 1 naming each difference.
    Verify(VerifyArgs),
    /// The weekly review: the vendors' verdicts on flagged contacts compared with the policy's.
    #[cfg(feature = "review")]
    Review(ReviewArgs),
    /// Print the JSON Schema (draft 2020-12) of policy sources, of bundles or of review.json.
    Schema(SchemaArgs),
    /// Write the built-in example policy into a new or empty folder.
    Init(InitArgs),
    /// The semantic difference of two policy folders or two bundle.json files.
    Diff(DiffArgs),
    /// Start a department's fork of a policy: a policy.yaml that extends UPSTREAM.
    Fork(ForkArgs),
    /// Language server for editors (LSP on standard input and output): check's diagnostics as
    /// you type, hover, go to definition, references, completion of ids, outline.
    #[cfg(feature = "lsp")]
    Lsp(LspArgs),
    /// Serve the manual and the bundle from memory on a local web server; every saved edit
    /// shows in the open pages, and policy errors show over the last good manual.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
}

/// Arguments of `mamoru check`.
#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    source: Source,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// A fork's upstream folders must be signed by this key (NAME.pub) and unchanged.
    #[arg(long, value_name = "KEY")]
    verify_with: Vec<PathBuf>,
}

/// Arguments of `mamoru build`.
#[derive(Args)]
struct BuildArgs {
    #[command(flatten)]
    source: Source,
    /// Output folder; replaced only when the whole build succeeded, and only if it is empty
    /// or was written by mamoru.
    #[arg(long, default_value = "public")]
    out: PathBuf,
    /// Write only bundle.json and bundle.schema.json.
    #[arg(long)]
    bundle_only: bool,
    /// Replace the output folder even if it is not empty and mamoru did not write it
    /// (never the file-system root, the home folder or a policy folder).
    #[arg(long)]
    force: bool,
    /// Also write an Open Policy Agent bundle (a .tar.gz) deciding as `classify` does.
    #[arg(long, value_name = "FILE.tar.gz")]
    opa: Option<PathBuf>,
    /// Sign the OPA bundle (.signatures.json, ES256) with this key (`keygen NAME --opa`).
    #[arg(long, value_name = "KEY", requires = "opa")]
    opa_key: Option<PathBuf>,
    /// Prefix of the manual links in the OPA bundle's annotations (default: relative).
    #[arg(long, value_name = "URL", requires = "opa", default_value = "")]
    manual_url: String,
    /// A fork's upstream folders must be signed by this key (NAME.pub) and unchanged.
    #[arg(long, value_name = "KEY")]
    verify_with: Vec<PathBuf>,
}

/// Arguments of `mamoru test`.
#[derive(Args)]
struct TestArgs {
    #[command(flatten)]
    source: Source,
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    /// Fail when any coverage (cells, steps, branches) is below this percentage.
    #[arg(long, value_name = "PERCENT")]
    min_coverage: Option<f64>,
}

/// Arguments of `mamoru classify`.
#[derive(Args)]
struct ClassifyArgs {
    /// A bundle.json written by `mamoru build`.
    #[arg(long)]
    bundle: PathBuf,
    /// JSON Lines input; `-` or absent for standard input.
    input: Option<PathBuf>,
    /// Exit 0 even when some lines were rejected.
    #[arg(long)]
    keep_going: bool,
    /// Refuse the bundle unless its folder's signatures.json is signed by this key
    /// (NAME.pub) and lists bundle.json unchanged.
    #[arg(long, value_name = "KEY")]
    verify_with: Vec<PathBuf>,
}

/// Arguments of `mamoru keygen`.
#[derive(Args)]
struct KeygenArgs {
    name: PathBuf,
    /// An ECDSA P-256 pair for signing OPA bundles (`build --opa-key`); default Ed25519.
    #[arg(long)]
    opa: bool,
}

/// Arguments of `mamoru sign`.
#[derive(Args)]
struct SignArgs {
    dir: PathBuf,
    /// Private key(s) (NAME.key); several sign with each (key rotation).
    #[arg(long, value_name = "KEY", required = true)]
    key: Vec<PathBuf>,
    /// Keep the signatures already there (the files must be unchanged) and add these.
    #[arg(long)]
    add: bool,
}

/// Arguments of `mamoru verify`.
#[derive(Args)]
struct VerifyArgs {
    dir: PathBuf,
    /// Public key(s) (NAME.pub); a signature by any of them is accepted.
    #[arg(long, value_name = "KEY", required = true)]
    key: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// Arguments of `mamoru review`.
#[cfg(feature = "review")]
#[derive(Args)]
struct ReviewArgs {
    /// Exports of flagged contacts: CSV (UTF-8, UTF-8 with BOM or Shift_JIS/CP932) or JSON
    /// Lines (`.jsonl`).
    #[arg(required = true, value_name = "EXPORT")]
    exports: Vec<PathBuf>,
    /// A bundle.json written by `mamoru build`.
    #[arg(long)]
    bundle: PathBuf,
    /// Output folder (review.json, index.html, review.md); replaced only when all succeeded.
    #[arg(long)]
    out: PathBuf,
    /// Read every export in this encoding (utf-8, cp932, …) instead of detecting it.
    #[arg(long)]
    encoding: Option<String>,
    /// Exit 0 even when some rows were rejected.
    #[arg(long)]
    keep_going: bool,
    /// A folder of earlier review.json files (or review folders): adds the trend per vendor.
    #[arg(long, value_name = "DIR")]
    history: Option<PathBuf>,
    /// Write a draft case study per listed disagreement into DIR/cases/ (never overwriting).
    #[arg(long, value_name = "DIR")]
    propose_cases: Option<PathBuf>,
    /// Most disagreements listed (the rest are counted).
    #[arg(long, value_name = "N", default_value_t = 500)]
    max_listed: usize,
    /// The manual the report links to (a URL or a folder); default: the bundle's folder
    /// when it holds the built manual.
    #[arg(long, value_name = "URL-OR-PATH")]
    manual: Option<String>,
    /// A policy folder whose templates/ and site/ override the report's look.
    #[arg(long, value_name = "POLICY-DIR")]
    theme: Option<PathBuf>,
    /// Replace --out even when it is a non-empty folder mamoru did not write.
    #[arg(long)]
    force: bool,
}

/// Arguments of `mamoru schema`.
#[derive(Args)]
struct SchemaArgs {
    /// Only the schema of one kind of file (policy, criteria, flow, case, …).
    #[arg(long, conflicts_with_all = ["bundle", "review"])]
    kind: Option<String>,
    /// The schema of bundle.json.
    #[arg(long, conflicts_with = "review")]
    bundle: bool,
    /// The schema of review.json (`mamoru review`).
    #[arg(long)]
    review: bool,
}

/// The schema of review.json.
#[cfg(feature = "review")]
fn review_schema() -> Result<serde_json::Value, Fatal> {
    Ok(mamoru::review::report::schema())
}

/// Without the `review` feature there is no review.json.
#[cfg(not(feature = "review"))]
fn review_schema() -> Result<serde_json::Value, Fatal> {
    Err(Fatal::Usage(msg!("feature-missing", feature = "review")))
}

/// Arguments of `mamoru init`.
#[derive(Args)]
struct InitArgs {
    dir: PathBuf,
}

/// Arguments of `mamoru diff`.
#[derive(Args)]
struct DiffArgs {
    old: PathBuf,
    new: PathBuf,
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
}

/// Arguments of `mamoru fork`.
#[derive(Args)]
struct ForkArgs {
    upstream: PathBuf,
    dir: PathBuf,
}

/// Arguments of `mamoru lsp`.
#[cfg(feature = "lsp")]
#[derive(Args)]
struct LspArgs {
    /// Accepted for editors that pass it; standard I/O is the only transport.
    #[arg(long)]
    stdio: bool,
}

/// Arguments of `mamoru serve`.
#[cfg(feature = "serve")]
#[derive(Args)]
struct ServeArgs {
    /// Policy folder (default: `.` when it holds policy.yaml, else `./policy`).
    dir: Option<PathBuf>,
    /// Port to listen on (default: 3737, or a free one when it is taken).
    #[arg(long)]
    port: Option<u16>,
    /// Address to listen on; anything but loopback makes the draft manual visible to
    /// the network.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Poll the folders for changes instead of waiting for the system's notifications
    /// (chosen by itself on network drives, WSL's Windows drives and Docker shared folders).
    #[arg(long)]
    poll: bool,
    /// Polling interval in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 250)]
    poll_interval: u64,
    /// Read files that symbolic links in the policy folder point to outside it.
    #[arg(long)]
    follow_links: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    i18n::set_lang(match cli.lang {
        Some(LangArg::Ja) => Lang::Ja,
        Some(LangArg::En) => Lang::En,
        None => Lang::from_env(),
    });
    match run(cli) {
        Ok(code) => code,
        // The reader of our output went away (`| head`): stop quietly, like other tools.
        Err(Fatal::OutputClosed) => ExitCode::SUCCESS,
        Err(e) => {
            say(&msg!("cli-error", error = e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// Write to standard output; a closed pipe or a full disk is a [`Fatal`], never a panic.
fn out(text: &str) -> Result<(), Fatal> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Fatal::OutputClosed,
            _ => Fatal::Io {
                action: "io-write",
                path: PathBuf::from("-"),
                source: e,
            },
        })
}

/// A line for people on standard error (errors writing it are ignored: there is nowhere left).
fn say(m: &Msg) {
    let _ = writeln!(std::io::stderr().lock(), "{m}");
}

fn say_text(text: &str) {
    let _ = write!(std::io::stderr().lock(), "{text}");
}

/// Print diagnostics; returns the exit code they call for (0, 1, or 2 for I/O errors).
fn report_check(checked: &Checked, source: &Source, format: Format) -> Result<u8, Fatal> {
    let mut diags = checked.diagnostics.clone();
    if source.deny_warnings {
        for d in &mut diags {
            d.severity = mamoru::diag::Severity::Error;
        }
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let lang = i18n::lang();
    match format {
        Format::Json => out(&report::json(&checked.sources, &diags, lang))?,
        Format::Human => {
            let color = match source.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            say_text(&report::human(&checked.sources, &diags, color, lang));
            let summary = report::summary(&diags);
            say(&match checked.policy.as_ref() {
                Some(p) => msg!(
                    "check-summary-policy",
                    root = &checked.sources.root,
                    summary = summary,
                    id = &p.manifest.id,
                    version = &p.manifest.version,
                    cases = p.cases.len(),
                    flows = p.flows.len()
                ),
                None => msg!(
                    "check-summary",
                    root = &checked.sources.root,
                    summary = summary
                ),
            });
        }
    }
    Ok(if checked.io_failed() {
        2
    } else if errors > 0 {
        1
    } else {
        0
    })
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    match cli.command {
        Command::Check(a) => check(a),
        Command::Build(a) => build(a),
        Command::Test(a) => test(a),
        Command::Classify(a) => classify(a),
        Command::Schema(a) => schema(a),
        #[cfg(feature = "review")]
        Command::Review(a) => review(a),
        Command::Diff(a) => diff(a),
        Command::Fork(a) => fork(a),
        Command::Keygen(a) => keygen(a),
        Command::Sign(a) => sign(a),
        Command::Verify(a) => verify(a),
        #[cfg(feature = "lsp")]
        Command::Lsp(a) => lsp(a),
        #[cfg(feature = "serve")]
        Command::Serve(a) => serve(a),
        Command::Init(a) => init(a),
    }
}

/// `mamoru check`.
fn check(args: CheckArgs) -> Result<ExitCode, Fatal> {
    let CheckArgs {
        source,
        format,
        verify_with,
    } = args;
    let keys = upstream_keys(&verify_with)?;
    let checked = ops::check_signed(&source.input(), &source.load(), keys.as_deref())?;
    Ok(ExitCode::from(report_check(&checked, &source, format)?))
}

/// `mamoru build`.
fn build(args: BuildArgs) -> Result<ExitCode, Fatal> {
    let BuildArgs {
        source,
        out: dir,
        bundle_only,
        force,
        opa,
        opa_key,
        manual_url,
        verify_with,
    } = args;
    let opts = BuildOptions {
        out: dir.clone(),
        bundle_only,
        force,
        load: source.load(),
    };
    let key = opa_key
        .as_deref()
        .map(mamoru::sign::read_secret)
        .transpose()?;
    let extras = BuildExtras {
        upstream_keys: upstream_keys(&verify_with)?,
        opa: opa.clone().map(|file| ops::OpaExport {
            file,
            key,
            manual_url,
        }),
    };
    let (checked, written) = ops::build_with(&source.input(), &opts, &extras)?;
    let code = report_check(&checked, &source, Format::Human)?;
    if code != 0 {
        say(&msg!("build-nothing-written"));
        return Ok(ExitCode::from(code));
    }
    if let Some(files) = written {
        say(&msg!(
            "build-wrote",
            count = files.len(),
            path = dir.display().to_string()
        ));
    }
    if let Some(file) = opa {
        say(&msg!("build-wrote-opa", path = file.display().to_string()));
    }
    Ok(ExitCode::SUCCESS)
}

/// `mamoru test`.
fn test(args: TestArgs) -> Result<ExitCode, Fatal> {
    let TestArgs {
        source,
        format,
        min_coverage,
    } = args;
    let tested = ops::test(&source.input(), &source.load())?;
    let Some(r) = &tested.report else {
        report_check(&tested.checked, &source, Format::Human)?;
        return Ok(ExitCode::from(1));
    };
    if !tested.blocking.is_empty() && format != TestFormat::Junit {
        report_check(&tested.checked, &source, Format::Human)?;
        say(&msg!("test-blocked"));
        return Ok(ExitCode::from(1));
    }
    out(&match format {
        TestFormat::Human => r.human(),
        TestFormat::Json => r.json(),
        TestFormat::Junit => r.junit(),
    })?;
    let mut ok = r.failed == 0 && r.errors.is_empty();
    if let Some(min) = min_coverage
        && r.min_coverage() < min
    {
        say(&msg!(
            "test-coverage-low",
            coverage = format!("{:.1}", r.min_coverage()),
            min = min.to_string()
        ));
        ok = false;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `mamoru classify`.
fn classify(args: ClassifyArgs) -> Result<ExitCode, Fatal> {
    let ClassifyArgs {
        bundle,
        input,
        keep_going,
        verify_with,
    } = args;
    let input = input.filter(|p| p.as_os_str() != "-");
    let stats = match upstream_keys(&verify_with)? {
        None => ops::classify(
            &bundle,
            input.as_deref(),
            std::io::stdout().lock(),
            std::io::stderr().lock(),
        )?,
        Some(keys) => match ops::classify_verified(
            &bundle,
            &keys,
            input.as_deref(),
            std::io::stdout().lock(),
            std::io::stderr().lock(),
        )? {
            Ok(stats) => stats,
            Err(problem) => {
                say(&msg!(
                    "classify-refused",
                    path = bundle.display().to_string(),
                    problem = problem.message()
                ));
                return Ok(ExitCode::from(1));
            }
        },
    };
    say(&msg!(
        "classify-summary",
        read = stats.read,
        classified = stats.classified,
        rejected = stats.rejected
    ));
    Ok(if stats.rejected > 0 && !keep_going {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `mamoru schema`.
fn schema(args: SchemaArgs) -> Result<ExitCode, Fatal> {
    let SchemaArgs {
        kind,
        bundle,
        review,
    } = args;
    let s = if bundle {
        mamoru::bundle::schema()
    } else if review {
        review_schema()?
    } else {
        ops::schema(kind.as_deref())?
    };
    out(&format!("{}\n", ops::pretty_json(&s)))?;
    Ok(ExitCode::SUCCESS)
}

/// `mamoru review`.
#[cfg(feature = "review")]
fn review(args: ReviewArgs) -> Result<ExitCode, Fatal> {
    let ReviewArgs {
        exports,
        bundle,
        out,
        encoding,
        keep_going,
        history,
        propose_cases,
        max_listed,
        manual,
        theme,
        force,
    } = args;
    let opts = ops::ReviewOptions {
        exports,
        out: out.clone(),
        encoding,
        history,
        propose_cases,
        max_listed,
        manual,
        bundle_path: Some(bundle.clone()),
        theme,
        force,
    };
    let done = ops::review(&bundle, &opts)?;
    let r = &done.review;
    const SHOWN: usize = 20;
    for x in r.rejected.iter().take(SHOWN) {
        say_text(&format!("{}:{}: {}\n", x.file, x.line, x.reason));
    }
    if r.rejected.len() > SHOWN {
        say(&msg!(
            "review-more-rejected",
            more = r.rejected.len() - SHOWN,
            path = out.join("review.json").display().to_string()
        ));
    }
    for n in &done.notes {
        say(&msg!("review-note", text = n.clone()));
    }
    say(&msg!(
        "review-summary",
        read = r.read,
        reviewed = r.reviewed,
        rejected = r.rejected.len()
    ));
    say(&msg!(
        "review-wrote",
        files = done.files.len(),
        out = out.display().to_string()
    ));
    if let Some(p) = &done.proposed {
        let dir = p.dir.join("cases").display().to_string();
        say(&if p.skipped.is_empty() {
            msg!("review-proposed", written = p.written.len(), dir = dir)
        } else {
            msg!(
                "review-proposed-skipped",
                written = p.written.len(),
                dir = dir,
                skipped = p.skipped.len()
            )
        });
    }
    Ok(if !r.rejected.is_empty() && !keep_going {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `mamoru diff`.
fn diff(args: DiffArgs) -> Result<ExitCode, Fatal> {
    let DiffArgs { old, new, format } = args;
    let d = ops::diff(&old, &new)?;
    out(&match format {
        DiffFormat::Text => d.text(),
        DiffFormat::Markdown => d.markdown(),
        DiffFormat::Json => d.json(),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `mamoru fork`.
fn fork(args: ForkArgs) -> Result<ExitCode, Fatal> {
    let ForkArgs { upstream, dir } = args;
    let rel = ops::fork(&upstream, &dir)?;
    say(&msg!(
        "fork-wrote",
        path = dir.join("policy.yaml").display().to_string(),
        upstream = rel.display().to_string()
    ));
    say(&msg!("next-check", path = dir.display().to_string()));
    Ok(ExitCode::SUCCESS)
}

/// `mamoru keygen`.
fn keygen(args: KeygenArgs) -> Result<ExitCode, Fatal> {
    let KeygenArgs { name, opa } = args;
    let kind = if opa {
        mamoru::sign::KeyKind::P256
    } else {
        mamoru::sign::KeyKind::Ed25519
    };
    let g = mamoru::sign::keygen(&name, kind)?;
    say(&msg!(
        "keygen-wrote",
        private = g.private.display().to_string(),
        public = g.public.display().to_string(),
        kid = g.kid
    ));
    Ok(ExitCode::SUCCESS)
}

/// `mamoru sign`.
fn sign(args: SignArgs) -> Result<ExitCode, Fatal> {
    let SignArgs { dir, key, add } = args;
    let keys = key
        .iter()
        .map(|k| mamoru::sign::read_signing_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    let s = mamoru::sign::sign(&dir, &keys, add)?;
    say(&msg!(
        "sign-wrote",
        count = s.files,
        path = dir.display().to_string(),
        file = mamoru::sign::SIGNATURE_FILE,
        kids = s.kids.join(", ")
    ));
    Ok(ExitCode::SUCCESS)
}

/// `mamoru verify`.
fn verify(args: VerifyArgs) -> Result<ExitCode, Fatal> {
    let VerifyArgs { dir, key, format } = args;
    let keys = key
        .iter()
        .map(|k| mamoru::sign::read_ed25519_public(k))
        .collect::<Result<Vec<_>, _>>()?;
    let v = mamoru::sign::verify(&dir, &keys)?;
    match format {
        Format::Json => out(&format!(
            "{}\n",
            serde_json::json!({
                "ok": v.ok(),
                "kid": v.kid,
                "files": v.files,
                "problems": v.problems,
                "messages": v.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            })
        ))?,
        Format::Human => {
            for p in &v.problems {
                say(&p.message());
            }
            let path = dir.display().to_string();
            say(&if v.ok() {
                msg!(
                    "verify-ok",
                    count = v.files,
                    path = path,
                    kid = v.kid.clone().unwrap_or_default()
                )
            } else {
                msg!("verify-failed", path = path)
            });
        }
    }
    Ok(if v.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `mamoru lsp`.
#[cfg(feature = "lsp")]
fn lsp(args: LspArgs) -> Result<ExitCode, Fatal> {
    let LspArgs { stdio: _ } = args;
    mamoru::lsp::run_stdio()?;
    Ok(ExitCode::SUCCESS)
}

/// `mamoru serve`.
#[cfg(feature = "serve")]
fn serve(args: ServeArgs) -> Result<ExitCode, Fatal> {
    let ServeArgs {
        dir,
        port,
        bind,
        poll,
        poll_interval,
        follow_links,
    } = args;
    let dir = match Input::from_arg(dir, false) {
        Input::Dir(d) => d,
        _ => PathBuf::from("policy"),
    };
    let mut opts = mamoru::serve::Options::new(dir);
    opts.port = port;
    opts.bind = bind;
    if poll {
        opts.watching =
            mamoru::serve::Watching::Poll(std::time::Duration::from_millis(poll_interval.max(10)));
    }
    opts.load = LoadOptions { follow_links };
    mamoru::serve::run(
        opts,
        std::sync::Arc::new(|line: &str| say_text(&format!("{line}\n"))),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `mamoru init`.
fn init(args: InitArgs) -> Result<ExitCode, Fatal> {
    let InitArgs { dir } = args;
    let n = ops::init(&dir)?;
    say(&msg!(
        "init-wrote",
        count = n,
        path = dir.display().to_string()
    ));
    say(&msg!("next-check", path = dir.display().to_string()));
    Ok(ExitCode::SUCCESS)
}

/// `--verify-with KEY...`: the Ed25519 public keys, or `None` when none was given.
fn upstream_keys(paths: &[PathBuf]) -> Result<Option<Vec<mamoru::sign::PublicKey>>, Fatal> {
    if paths.is_empty() {
        return Ok(None);
    }
    let keys = paths
        .iter()
        .map(|p| mamoru::sign::read_ed25519_public(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(keys))
}

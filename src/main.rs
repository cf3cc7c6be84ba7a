//! The `mamoru` command: parses arguments, calls one library operation, prints, picks the exit code
//! (0 ok, 1 policy errors or failed tests, 2 usage or I/O errors).

use clap::{Args, Parser, Subcommand, ValueEnum};
use mamoru::ops::{self, BuildExtras, BuildOptions, CheckOptions, Checked, Fatal, Input};
use mamoru::report;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mamoru",
    version,
    about = "Policy-as-code compiler for customer-harassment response manuals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
}

impl Source {
    fn input(&self) -> Input {
        Input::from_arg(self.dir.clone(), self.builtin)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Validate a policy: every error and warning, with file:line:column.
    Check {
        #[command(flatten)]
        source: Source,
        /// Output format of the diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// A fork's upstream folders must be signed by this key (NAME.pub) and unchanged.
        #[arg(long, value_name = "KEY")]
        verify_with: Vec<PathBuf>,
    },
    /// Check, then write the rule bundle (and the manual) into the output folder.
    Build {
        #[command(flatten)]
        source: Source,
        /// Output folder; replaced only when the whole build succeeded.
        #[arg(long, default_value = "public")]
        out: PathBuf,
        /// Write only bundle.json and bundle.schema.json.
        #[arg(long)]
        bundle_only: bool,
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
    },
    /// Run the case studies as tests and report coverage of cells, steps and branches.
    Test {
        #[command(flatten)]
        source: Source,
        #[arg(long, value_enum, default_value_t = TestFormat::Human)]
        format: TestFormat,
        /// Fail when any coverage (cells, steps, branches) is below this percentage.
        #[arg(long, value_name = "PERCENT")]
        min_coverage: Option<f64>,
    },
    /// Classify JSON Lines of contacts with a bundle: one JSON line out per contact.
    Classify {
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
    },
    /// Make a signing key pair: NAME.key (private, mode 0600) and NAME.pub. Never overwrites.
    Keygen {
        name: PathBuf,
        /// An ECDSA P-256 pair for signing OPA bundles (`build --opa-key`); default Ed25519.
        #[arg(long)]
        opa: bool,
    },
    /// Sign a build's output folder: signatures.json lists every file's SHA-256, signed.
    Sign {
        dir: PathBuf,
        /// Private key(s) (NAME.key); several sign with each (key rotation).
        #[arg(long, value_name = "KEY", required = true)]
        key: Vec<PathBuf>,
        /// Keep the signatures already there (the files must be unchanged) and add these.
        #[arg(long)]
        add: bool,
    },
    /// Check that every file of a signed folder is as signed: exit 0, else 1 naming each difference.
    Verify {
        dir: PathBuf,
        /// Public key(s) (NAME.pub); a signature by any of them is accepted.
        #[arg(long, value_name = "KEY", required = true)]
        key: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Print the JSON Schema (draft 2020-12) of policy sources, or of bundles.
    Schema {
        /// Only the schema of one kind of file (policy, criteria, flow, case, …).
        #[arg(long, conflicts_with = "bundle")]
        kind: Option<String>,
        /// The schema of bundle.json.
        #[arg(long)]
        bundle: bool,
    },
    /// Write the built-in example policy into a new or empty folder.
    Init { dir: PathBuf },
    /// The semantic difference of two policy folders or two bundle.json files.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Start a department's fork of a policy: a policy.yaml that extends UPSTREAM.
    Fork { upstream: PathBuf, dir: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Fatal(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Print diagnostics; returns the exit code they call for (0, 1, or 2 for I/O errors).
fn report_check(checked: &Checked, source: &Source, format: Format) -> u8 {
    let mut diags = checked.diagnostics.clone();
    if source.deny_warnings {
        for d in &mut diags {
            d.severity = mamoru::diag::Severity::Error;
        }
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    match format {
        Format::Json => print!("{}", report::json(&checked.sources, &diags)),
        Format::Human => {
            let color = match source.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            eprint!("{}", report::human(&checked.sources, &diags, color));
            let what = checked.policy.as_ref().map_or_else(String::new, |p| {
                format!(
                    " ({} {}: {} cases, {} flows)",
                    p.manifest.id,
                    p.manifest.version,
                    p.cases.len(),
                    p.flows.len()
                )
            });
            eprintln!(
                "{}: {}{what}",
                checked.sources.root,
                report::summary(&diags)
            );
        }
    }
    if checked.io_failed() {
        2
    } else if errors > 0 {
        1
    } else {
        0
    }
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    match cli.command {
        Command::Check {
            source,
            format,
            verify_with,
        } => {
            let check = check_options(&verify_with)?;
            let checked = ops::check_with(&source.input(), &check)?;
            Ok(ExitCode::from(report_check(&checked, &source, format)))
        }
        Command::Build {
            source,
            out,
            bundle_only,
            opa,
            opa_key,
            manual_url,
            verify_with,
        } => {
            let opts = BuildOptions {
                out: out.clone(),
                bundle_only,
            };
            let key = opa_key
                .as_deref()
                .map(mamoru::sign::read_secret)
                .transpose()
                .map_err(|e| Fatal(e.to_string()))?;
            let extras = BuildExtras {
                check: check_options(&verify_with)?,
                opa: opa.clone().map(|file| ops::OpaExport {
                    file,
                    key,
                    manual_url,
                }),
            };
            let (checked, written) = ops::build_with(&source.input(), &opts, &extras)?;
            let code = report_check(&checked, &source, Format::Human);
            if code != 0 {
                eprintln!("nothing written: fix the errors above first");
                return Ok(ExitCode::from(code));
            }
            if let Some(files) = written {
                eprintln!("wrote {} files to {}", files.len(), out.display());
            }
            if let Some(file) = opa {
                eprintln!("wrote the OPA bundle {}", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Test {
            source,
            format,
            min_coverage,
        } => {
            let checked = ops::check(&source.input())?;
            let Some(policy) = &checked.policy else {
                return Ok(ExitCode::from(
                    report_check(&checked, &source, Format::Human).max(1),
                ));
            };
            // Errors other than the cases' own would make the results meaningless.
            let others: Vec<_> = checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error() && !matches!(d.code.as_str(), "E240" | "E241" | "E242"))
                .collect();
            if !others.is_empty() {
                report_check(&checked, &source, Format::Human);
                eprintln!(
                    "the policy has errors besides its cases: fix them first (`mamoru check`)"
                );
                return Ok(ExitCode::from(1));
            }
            let r = mamoru::testing::run_all(policy);
            match format {
                TestFormat::Human => print!("{}", r.human()),
                TestFormat::Json => print!("{}", r.json()),
                TestFormat::Junit => print!("{}", r.junit()),
            }
            let mut ok = r.failed == 0;
            if let Some(min) = min_coverage
                && r.min_coverage() < min
            {
                eprintln!(
                    "coverage {:.1}% is below --min-coverage {min}%",
                    r.min_coverage()
                );
                ok = false;
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Classify {
            bundle,
            input,
            keep_going,
            verify_with,
        } => {
            let bytes = if verify_with.is_empty() {
                std::fs::read(&bundle)
                    .map_err(|e| Fatal(format!("cannot read `{}`: {e}", bundle.display())))?
            } else {
                let keys = public_keys(&verify_with)?;
                match mamoru::sign::read_verified(&bundle, &keys)
                    .map_err(|e| Fatal(e.to_string()))?
                {
                    Ok(bytes) => bytes,
                    Err(problem) => {
                        eprintln!("error: {}: refused: {problem}", bundle.display());
                        return Ok(ExitCode::from(1));
                    }
                }
            };
            let text = String::from_utf8(bytes)
                .map_err(|e| Fatal(format!("`{}` is not UTF-8: {e}", bundle.display())))?;
            let b = mamoru::bundle::Bundle::from_json(&text)
                .map_err(|e| Fatal(format!("{}: {e}", bundle.display())))?;
            let engine = b
                .engine()
                .map_err(|e| Fatal(format!("{}: {e}", bundle.display())))?;
            let stdout = std::io::stdout().lock();
            let stderr = std::io::stderr();
            let stats = match input.filter(|p| p.as_os_str() != "-") {
                Some(path) => {
                    let f = std::fs::File::open(&path)
                        .map_err(|e| Fatal(format!("cannot read `{}`: {e}", path.display())))?;
                    mamoru::bundle::stream::classify(
                        &engine,
                        std::io::BufReader::with_capacity(1 << 16, f),
                        stdout,
                        stderr.lock(),
                    )
                }
                None => mamoru::bundle::stream::classify(
                    &engine,
                    std::io::stdin().lock(),
                    stdout,
                    stderr.lock(),
                ),
            }
            .map_err(|e| Fatal(format!("classify: {e}")))?;
            eprintln!(
                "read {} = classified {} + rejected {}",
                stats.read, stats.classified, stats.rejected
            );
            Ok(if stats.rejected > 0 && !keep_going {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Schema { kind, bundle } => {
            let s = if bundle {
                mamoru::bundle::schema()
            } else {
                ops::schema(kind.as_deref())?
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&s).expect("serialisable")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { old, new, format } => {
            let d = ops::diff(&old, &new)?;
            print!(
                "{}",
                match format {
                    DiffFormat::Text => d.text(),
                    DiffFormat::Markdown => d.markdown(),
                    DiffFormat::Json => d.json(),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Fork { upstream, dir } => {
            let rel = ops::fork(&upstream, &dir)?;
            eprintln!(
                "wrote {} (extends {})",
                dir.join("policy.yaml").display(),
                rel.display()
            );
            eprintln!("next: mamoru check {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Keygen { name, opa } => {
            let kind = if opa {
                mamoru::sign::KeyKind::P256
            } else {
                mamoru::sign::KeyKind::Ed25519
            };
            let g = mamoru::sign::keygen(&name, kind).map_err(|e| Fatal(e.to_string()))?;
            eprintln!(
                "wrote {} (private: keep it secret) and {} (public: give it to verifiers); key id {}",
                g.private.display(),
                g.public.display(),
                g.kid
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sign { dir, key, add } => {
            let keys = key
                .iter()
                .map(|k| {
                    let s = mamoru::sign::read_secret(k)?;
                    match s.kind() {
                        mamoru::sign::KeyKind::Ed25519 => Ok(s),
                        have => Err(mamoru::sign::Error::WrongKeyKind {
                            path: k.clone(),
                            want: mamoru::sign::KeyKind::Ed25519,
                            have,
                        }),
                    }
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Fatal(e.to_string()))?;
            let s = mamoru::sign::sign(&dir, &keys, add).map_err(|e| Fatal(e.to_string()))?;
            eprintln!(
                "signed {} files in {} ({}), key id {}",
                s.files,
                dir.display(),
                mamoru::sign::SIGNATURE_FILE,
                s.kids.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { dir, key, format } => {
            let keys = public_keys(&key)?;
            let v = mamoru::sign::verify(&dir, &keys).map_err(|e| Fatal(e.to_string()))?;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string(&serde_json::json!({
                        "ok": v.ok(),
                        "kid": v.kid,
                        "files": v.files,
                        "problems": v.problems,
                        "messages": v.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                    }))
                    .expect("serialisable")
                ),
                Format::Human => {
                    for p in &v.problems {
                        eprintln!("{p}");
                    }
                    if v.ok() {
                        eprintln!(
                            "verified: {} files in {} as signed by key id {}",
                            v.files,
                            dir.display(),
                            v.kid.as_deref().unwrap_or("?")
                        );
                    } else {
                        eprintln!("{}: NOT as signed", dir.display());
                    }
                }
            }
            Ok(if v.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Init { dir } => {
            let n = ops::init(&dir)?;
            eprintln!("wrote the example policy ({n} files) to {}", dir.display());
            eprintln!("next: mamoru check {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Ed25519 public keys for `--verify-with` / `--key`.
fn public_keys(paths: &[PathBuf]) -> Result<Vec<mamoru::sign::PublicKey>, Fatal> {
    paths
        .iter()
        .map(|p| mamoru::sign::read_ed25519_public(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Fatal(e.to_string()))
}

/// `--verify-with KEY...` on check and build: upstream folders must be signed.
fn check_options(verify_with: &[PathBuf]) -> Result<CheckOptions, Fatal> {
    Ok(CheckOptions {
        upstream_keys: if verify_with.is_empty() {
            None
        } else {
            Some(public_keys(verify_with)?)
        },
    })
}

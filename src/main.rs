//! The `mamoru` command: parses arguments, calls one library operation, prints, picks the exit code
//! (0 ok, 1 policy errors or failed tests, 2 usage or I/O errors).

use clap::{Args, Parser, Subcommand, ValueEnum};
use mamoru::load::LoadOptions;
use mamoru::ops::{self, BuildOptions, Checked, Fatal, Input};
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
    Check {
        #[command(flatten)]
        source: Source,
        /// Output format of the diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
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
        /// Replace the output folder even if it is not empty and mamoru did not write it
        /// (never the file-system root, the home folder or a policy folder).
        #[arg(long)]
        force: bool,
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
    /// Language server for editors (LSP on standard input and output): check's diagnostics as
    /// you type, hover, go to definition, references, completion of ids, outline.
    Lsp {
        /// Accepted for editors that pass it; standard I/O is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Serve the manual and the bundle from memory on a local web server; every saved edit
    /// shows in the open pages, and policy errors show over the last good manual.
    Serve {
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
        /// Language of the server's messages and error overlay (default: from LANG).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        /// Read files that symbolic links in the policy folder point to outside it.
        #[arg(long)]
        follow_links: bool,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Lang {
    Ja,
    En,
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
        Command::Check { source, format } => {
            let checked = ops::check_with(&source.input(), &source.load())?;
            Ok(ExitCode::from(report_check(&checked, &source, format)))
        }
        Command::Build {
            source,
            out,
            bundle_only,
            force,
        } => {
            let opts = BuildOptions {
                out: out.clone(),
                bundle_only,
                force,
                load: source.load(),
            };
            let (checked, written) = ops::build(&source.input(), &opts)?;
            let code = report_check(&checked, &source, Format::Human);
            if code != 0 {
                eprintln!("nothing written: fix the errors above first");
                return Ok(ExitCode::from(code));
            }
            if let Some(files) = written {
                eprintln!("wrote {} files to {}", files.len(), out.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Test {
            source,
            format,
            min_coverage,
        } => {
            let checked = ops::check_with(&source.input(), &source.load())?;
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
        } => {
            let text = std::fs::read_to_string(&bundle)
                .map_err(|e| Fatal(format!("cannot read `{}`: {e}", bundle.display())))?;
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
        Command::Lsp { stdio: _ } => {
            mamoru::lsp::run_stdio()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            dir,
            port,
            bind,
            poll,
            poll_interval,
            lang,
            follow_links,
        } => {
            let Input::Dir(dir) = Input::from_arg(dir, false) else {
                unreachable!("a folder was asked for");
            };
            let mut opts = mamoru::serve::Options::new(dir);
            opts.port = port;
            opts.bind = bind;
            if poll {
                opts.watching = mamoru::serve::Watching::Poll(std::time::Duration::from_millis(
                    poll_interval.max(10),
                ));
            }
            if let Some(l) = lang {
                opts.lang = match l {
                    Lang::Ja => mamoru::serve::Lang::Ja,
                    Lang::En => mamoru::serve::Lang::En,
                };
            }
            opts.load = LoadOptions { follow_links };
            mamoru::serve::run(opts, &mut |line| eprintln!("{line}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir } => {
            let n = ops::init(&dir)?;
            eprintln!("wrote the example policy ({n} files) to {}", dir.display());
            eprintln!("next: mamoru check {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

//! The `mamoru` command: parses arguments, calls one library operation, prints, picks the exit code
//! (0 ok, 1 policy errors, failed tests or rejected lines, 2 usage or I/O errors).

use clap::{Args, Parser, Subcommand, ValueEnum};
use mamoru::i18n::{self, Lang, Msg};
use mamoru::load::LoadOptions;
use mamoru::msg;
use mamoru::ops::{self, BuildOptions, Checked, Fatal, Input};
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
        Command::Check { source, format } => {
            let checked = ops::check_with(&source.input(), &source.load())?;
            Ok(ExitCode::from(report_check(&checked, &source, format)?))
        }
        Command::Build {
            source,
            out: dir,
            bundle_only,
            force,
        } => {
            let opts = BuildOptions {
                out: dir.clone(),
                bundle_only,
                force,
                load: source.load(),
            };
            let (checked, written) = ops::build(&source.input(), &opts)?;
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Test {
            source,
            format,
            min_coverage,
        } => {
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
        Command::Classify {
            bundle,
            input,
            keep_going,
        } => {
            let input = input.filter(|p| p.as_os_str() != "-");
            let stats = ops::classify(
                &bundle,
                input.as_deref(),
                std::io::stdout().lock(),
                std::io::stderr().lock(),
            )?;
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
        Command::Schema { kind, bundle } => {
            let s = if bundle {
                mamoru::bundle::schema()
            } else {
                ops::schema(kind.as_deref())?
            };
            out(&format!("{}\n", ops::pretty_json(&s)))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { old, new, format } => {
            let d = ops::diff(&old, &new)?;
            out(&match format {
                DiffFormat::Text => d.text(),
                DiffFormat::Markdown => d.markdown(),
                DiffFormat::Json => d.json(),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fork { upstream, dir } => {
            let rel = ops::fork(&upstream, &dir)?;
            say(&msg!(
                "fork-wrote",
                path = dir.join("policy.yaml").display().to_string(),
                upstream = rel.display().to_string()
            ));
            say(&msg!("next-check", path = dir.display().to_string()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir } => {
            let n = ops::init(&dir)?;
            say(&msg!(
                "init-wrote",
                count = n,
                path = dir.display().to_string()
            ));
            say(&msg!("next-check", path = dir.display().to_string()));
            Ok(ExitCode::SUCCESS)
        }
    }
}

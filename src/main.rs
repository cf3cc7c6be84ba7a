//! The `mamoru` command: parses arguments, calls one library operation, prints, picks the exit code
//! (0 ok, 1 policy errors, 2 usage or I/O errors).

use clap::{Parser, Subcommand, ValueEnum};
use mamoru::ops::{self, Fatal, Input};
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
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a policy: every error and warning, with file:line:column.
    Check {
        /// Policy folder (default: `.` when it holds policy.yaml, else `./policy`).
        dir: Option<PathBuf>,
        /// Check the example policy built into mamoru instead of a folder.
        #[arg(long, conflicts_with = "dir")]
        builtin: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings (lints) as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// Colour the human output.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Print the JSON Schema (draft 2020-12) of policy sources.
    Schema {
        /// Only the schema of one kind of file (policy, criteria, flow, case, …).
        #[arg(long)]
        kind: Option<String>,
    },
    /// Write the built-in example policy into a new or empty folder.
    Init { dir: PathBuf },
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

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    match cli.command {
        Command::Check {
            dir,
            builtin,
            format,
            deny_warnings,
            color,
        } => {
            let checked = ops::check(&Input::from_arg(dir, builtin))?;
            let mut diags = checked.diagnostics.clone();
            if deny_warnings {
                for d in &mut diags {
                    d.severity = mamoru::diag::Severity::Error;
                }
            }
            let errors = diags.iter().filter(|d| d.is_error()).count();
            match format {
                Format::Json => print!("{}", report::json(&checked.sources, &diags)),
                Format::Human => {
                    let color = match color {
                        Color::Always => true,
                        Color::Never => false,
                        Color::Auto => {
                            std::io::stderr().is_terminal()
                                && std::env::var_os("NO_COLOR").is_none()
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
            Ok(if checked.io_failed() {
                ExitCode::from(2)
            } else if errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Schema { kind } => {
            let s = ops::schema(kind.as_deref())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&s).expect("serialisable")
            );
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

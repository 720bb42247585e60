//! `engage`: staff engagement survey analytics from the command line.
//!
//! Only this crate knows clap and anyhow; each subcommand lives in `cmd/` with its own `Args`
//! and `run`, and resolves its flags into a plan before doing any work.

mod allocator;
mod cmd;
mod exit;
mod inputs;
mod ui;

use clap::{CommandFactory, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "engage", version, about = "Staff engagement survey analytics", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Only warnings and errors on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// More detail on stderr (every data problem, not the first few).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Messages as plain lines or as JSON lines (for schedulers).
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: ui::LogFormat,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a survey: writes report.json, report.xlsx and CSV tables.
    Report(cmd::report::Args),
    /// Compare two waves: changes with Welch / two-proportion tests and adjusted p-values.
    Compare(cmd::compare::Args),
    /// Check the response files against the definition: problems and row accounting only.
    Validate(cmd::validate::Args),
    /// Aggregate one shard of the data into a partials file (unsuppressed: keep it private).
    Aggregate(cmd::aggregate::Args),
    /// Combine partials files into the report of all their rows.
    Merge(cmd::merge::Args),
    /// Run many reports, comparisons and bureau packs from a jobs file, inputs read once.
    Batch(cmd::batch::Args),
    /// Check a report directory: can any group below the minimum be recovered from it?
    Audit(cmd::audit::Args),
    /// Draft a survey definition from a raw export: items, scale, segments, multi-select.
    Init(cmd::init::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout.
    #[command(
        after_help = "Example:\n  engage completions bash > ~/.local/share/bash-completion/completions/engage"
    )]
    Completions { shell: clap_complete::Shell },
    /// Write man pages (engage.1 and one per subcommand) into a folder.
    #[command(after_help = "Example:\n  engage man --out ~/.local/share/man/man1")]
    Man {
        #[arg(long, default_value = "man")]
        out: std::path::PathBuf,
    },
    /// Write a synthetic, calibrated survey (the bundled fixtures, or benchmark data).
    Generate(cmd::generate::Args),
}

fn main() {
    allocator::keep_batch_buffers();
    // A panic is a bug in engage: say so in one line unless RUST_BACKTRACE asks for more.
    if std::env::var_os("RUST_BACKTRACE").is_none() {
        std::panic::set_hook(Box::new(|info| {
            eprintln!(
                "error: internal error (a bug in engage, please report it with the command you ran): {info}"
            );
        }));
    }
    let cli = Cli::parse();
    ui::init(cli.quiet, cli.verbose, cli.log_format);
    let outcome = match cli.command {
        Command::Report(args) => cmd::report::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Aggregate(args) => cmd::aggregate::run(args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Generate(args) => cmd::generate::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Batch(args) => cmd::batch::run(args),
        Command::Init(args) => cmd::init::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "engage", &mut std::io::stdout());
            Ok(exit::OK)
        }
        Command::Man { out } => write_man_pages(&out),
    };
    std::process::exit(exit::code(outcome));
}

/// engage.1 and engage-SUBCOMMAND.1 from the clap definitions, so they never drift from --help.
fn write_man_pages(out: &std::path::Path) -> exit::Outcome {
    use anyhow::Context;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let command = Cli::command();
    let write = |name: &str, cmd: clap::Command| -> anyhow::Result<()> {
        let path = out.join(format!("{name}.1"));
        let mut bytes = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut bytes)?;
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    };
    write("engage", command.clone())?;
    for sub in command.get_subcommands() {
        let name = format!("engage-{}", sub.get_name());
        write(&name, sub.clone().name(name.clone()))?;
    }
    ui::say!("wrote man pages to {}", out.display());
    Ok(exit::OK)
}

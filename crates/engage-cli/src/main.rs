//! `engage`: staff engagement survey analytics from the command line.
//!
//! Only this crate knows clap and anyhow; each subcommand lives in `cmd/` with its own `Args`
//! and `run`, and resolves its flags into a plan before doing any work.

mod cmd;
mod exit;
mod inputs;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "engage", version, about = "Staff engagement survey analytics", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    /// Write a synthetic, calibrated survey (the bundled fixtures, or benchmark data).
    Generate(cmd::generate::Args),
}

fn main() {
    let cli = Cli::parse();
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
    };
    std::process::exit(exit::code(outcome));
}

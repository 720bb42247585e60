//! `engage aggregate`: one shard of the data -> a partials file, to be combined by `engage merge`.

use std::path::PathBuf;

use crate::exit::Outcome;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  engage aggregate survey.toml --data bureaus/a.csv --partial private/a.arrow\n  engage merge survey.toml private/*.arrow --out out/2023\n\nThe partials file holds unsuppressed counts of raw answers: keep it, like the rejects file,\nout of any folder meant for publishing.\n\nExit codes: 0 done, 1 cannot go on, 2 usage error, 3 --strict and problems were found."
)]
pub struct Args {
    /// The survey definition (TOML).
    survey: PathBuf,
    /// Response file(s) or patterns of this shard; default: the definition's file.
    #[arg(long)]
    data: Vec<PathBuf>,
    /// The partials file to write (Arrow IPC).
    #[arg(long)]
    partial: PathBuf,
    /// Every problem rejects its row, and any problem makes the run fail (exit code 3).
    #[arg(long)]
    strict: bool,
    /// Where rejected rows go. Default: beside the partials file, `NAME.rejects.csv`.
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Worker threads for reading and aggregation (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(args: Args) -> Outcome {
    let survey = engage::load_survey(&args.survey, args.strict)?;
    let data = engage::data_paths(&survey, args.data);
    let status = engage::aggregate_shard(
        &survey,
        &data,
        &args.partial,
        args.rejects,
        args.threads,
        &crate::ui::Shown::new(),
    )?;
    Ok(crate::exit::of(status))
}

//! `engage aggregate`: one shard of the data -> a partials file, to be combined by `engage merge`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;

use crate::exit::{Outcome, OK, PROBLEMS};
use crate::inputs::{
    aggregate_on_threads, data_paths, load_survey, on_threads, print_accounting, provenance,
};

/// Metadata key of the shard's provenance (JSON) inside a partials file.
pub const PROVENANCE_KEY: &str = "engage.provenance";

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
    let survey = load_survey(&args.survey, args.strict)?;
    let data = data_paths(&survey, args.data);
    let rejects = args
        .rejects
        .unwrap_or_else(|| args.partial.with_extension("rejects.csv"));
    let ingested = on_threads(args.threads, || {
        engage_ingest::read_responses(&survey, &data)
    })??;
    print_accounting(&ingested, 10);
    if !ingested.rejected.is_empty() {
        engage_export::write_rejects(&ingested.rejected, &rejects)?;
        crate::ui::say!("rejected rows written to {}", rejects.display());
    }
    let partials = aggregate_on_threads(&survey, &ingested, args.threads)?;
    let provenance = provenance(&survey, &ingested)?;
    let metadata = BTreeMap::from([(
        PROVENANCE_KEY.to_string(),
        serde_json::to_string(&provenance).context("cannot describe the inputs")?,
    )]);
    engage_aggregate::write_partials(&args.partial, &survey, &partials, &metadata)?;
    crate::ui::say!(
        "wrote partials of {} respondents to {} (unsuppressed: do not publish)",
        ingested.rows_accepted(),
        args.partial.display()
    );
    if args.strict && !ingested.problems.is_empty() {
        return Ok(PROBLEMS);
    }
    Ok(OK)
}

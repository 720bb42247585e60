//! `engage init DATA_FILE`: a draft survey definition from a raw export.

use std::path::PathBuf;

use crate::exit::{Outcome, OK};

#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  engage init exports/2024.csv --out exports/survey.toml\n\nThe draft says why it guessed each column's role; review it (dimensions, KPIs, reverse-keyed\nitems, favourable points), then run `engage validate` and `engage report`.\nExit codes: 0 draft written, 1 cannot read the file or the draft exists, 2 usage error."
)]
pub struct Args {
    /// The raw export (CSV, TSV, XLSX, XLS, ODS, Parquet, Arrow).
    data: PathBuf,
    /// Where to write the draft; default: survey.toml next to the data file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Outcome {
    let out = args
        .out
        .unwrap_or_else(|| args.data.with_file_name("survey.toml"));
    if out.exists() && !args.force {
        anyhow::bail!(
            "{} exists; give --out another path or --force to replace it",
            out.display()
        );
    }
    engage::guard_output(&out, false, std::slice::from_ref(&args.data))?;
    engage::draft_definition(&args.data, &out, args.force)?;
    crate::ui::say!(
        "wrote a draft definition to {}: review it, then `engage validate {}`",
        out.display(),
        out.display()
    );
    Ok(OK)
}

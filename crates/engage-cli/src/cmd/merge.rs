//! `engage merge`: partials files from `engage aggregate` -> the report of all their rows.

use std::path::PathBuf;

use crate::cmd::args::{CsvEncodingArg, LangArg};
use crate::exit::{Outcome, OK};

#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  engage merge survey.toml private/a.arrow private/b.arrow --out out/2023\n\nThe report equals one `engage report` over all the shards' rows. Every shard must come from\nthe same definition file (checked by its SHA-256)."
)]
pub struct Args {
    /// The survey definition (TOML) the shards were aggregated with.
    survey: PathBuf,
    /// Partials files written by `engage aggregate`.
    #[arg(required = true)]
    partials: Vec<PathBuf>,
    /// Folder for the publishable outputs.
    #[arg(long)]
    out: PathBuf,
    /// Language of labels and sheet names.
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
    /// Text encoding of the CSV tables.
    #[arg(long, value_enum, default_value = "utf8")]
    csv_encoding: CsvEncodingArg,
}

pub fn run(args: Args) -> Outcome {
    let survey = engage::load_survey(&args.survey, false)?;
    let mut output = crate::inputs::output_options(args.lang.lang())?;
    output.csv_encoding = args.csv_encoding.encoding();
    let shown = crate::ui::Shown::new();
    let report = engage::merge_shards(&survey, &args.partials, &args.out, &shown)?;
    engage::write_release(&report, &args.out, &output, &shown)?;
    Ok(OK)
}

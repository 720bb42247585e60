//! `engage report`: definition + responses -> report.json, report.xlsx and CSV tables.

use std::path::PathBuf;

use clap::ValueEnum;
use engage::{ReportJob, SuppressionMode};

use crate::cmd::args::{CsvEncodingArg, LangArg};

use crate::exit::Outcome;

/// `--suppression`: only `full` is for publication.
#[derive(Clone, Copy, ValueEnum)]
pub enum SuppressionArg {
    Full,
    /// Small cells only, no complementary cells: subtraction can recover them.
    PrimaryOnly,
    /// Nothing withheld.
    Off,
}

impl SuppressionArg {
    fn mode(self) -> SuppressionMode {
        match self {
            SuppressionArg::Full => SuppressionMode::Full,
            SuppressionArg::PrimaryOnly => SuppressionMode::PrimaryOnly,
            SuppressionArg::Off => SuppressionMode::Off,
        }
    }
}

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  engage report fixtures/kumamoto-2023/survey.toml --out out/kumamoto-2023\n  engage report survey.toml --data bureau-a.csv --data bureau-b.csv --out out/2023 --lang en\n\nExit codes: 0 done (problems are warnings), 1 cannot go on, 2 usage error,\n3 done, but --strict was given and problems were found (their rows were rejected)."
)]
pub struct Args {
    /// The survey definition (TOML).
    survey: PathBuf,
    /// Response file(s) or patterns such as 'bureaus/*.csv'; default: the definition's file.
    /// Repeat for several files.
    #[arg(long)]
    data: Vec<PathBuf>,
    /// Folder for the publishable outputs.
    #[arg(long)]
    out: PathBuf,
    /// Language of labels and sheet names.
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
    /// Text encoding of the CSV tables.
    #[arg(long, value_enum, default_value = "utf8")]
    csv_encoding: CsvEncodingArg,
    /// Every problem rejects its row, and any problem makes the run fail (exit code 3).
    #[arg(long)]
    strict: bool,
    /// Where rejected rows go (raw answers: never inside --out). Default: OUT-private/rejects.csv.
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Worker threads for reading and aggregation (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Anonymity protection. Anything but `full` exposes small groups: for internal checks
    /// (and for showing what `engage audit` catches), never for publication.
    #[arg(long, value_enum, default_value = "full")]
    suppression: SuppressionArg,
    /// Definition of an earlier wave (read with the data file it names). Repeat for several.
    /// KPI tracking then tests against the baseline wave's respondents (two-sample) and, with
    /// three or more years, fits the trend.
    #[arg(long)]
    earlier: Vec<PathBuf>,
    /// Also export the masked comment text of groups with at least `min_comment_group_size`
    /// comments (as `[text] export_comments = true`). Needs the IPADIC dictionary, which finds
    /// the names to mask.
    #[arg(long)]
    export_comments: bool,
    /// Which files to write, comma-separated: json, csv, parquet (Parquet and Arrow tables),
    /// xlsx, html, charts, or all. report.json is always written (`engage audit` and
    /// `engage compare` read it).
    #[arg(long, default_value = "all", value_parser = engage::Formats::parse)]
    formats: engage::Formats,
}

pub fn run(args: Args) -> Outcome {
    let survey = engage::load_survey(&args.survey, args.strict)?;
    let mut output = crate::inputs::output_options(args.lang.lang())?;
    output.csv_encoding = args.csv_encoding.encoding();
    output.formats = args.formats;
    let mut job = ReportJob::new(survey, args.data, args.out, output);
    if let Some(rejects) = args.rejects {
        job.rejects = rejects;
    }
    job.analysis.threads = args.threads;
    job.analysis.suppression = args.suppression.mode();
    job.analysis.earlier = args.earlier;
    job.analysis.export_comments = args.export_comments;
    job.check()?;
    let status = job.run(&crate::ui::Shown::new())?;
    Ok(crate::exit::of(status))
}

//! `engage compare`: two waves -> compare.json, compare.xlsx and one CSV per table.

use std::path::PathBuf;

use crate::cmd::args::LangArg;
use crate::exit::{Outcome, OK};

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  engage compare fixtures/kumamoto-2023/survey.toml fixtures/kumamoto-2024/survey.toml --out out/2023-vs-2024\n  engage compare survey.toml --a-data r5.csv --b-data r6.csv --out out/r5-vs-r6\n\nA is the earlier wave; every difference is B minus A. Rows with problems are dropped as in\n`engage report` (see its rejects); run `engage validate` on each wave to see them.\nExit codes: 0 done, 1 cannot go on, 2 usage error."
)]
pub struct Args {
    /// Definition of wave A, then of wave B (omit B when one definition fits both waves'
    /// files, given with --a-data and --b-data).
    #[arg(num_args = 1..=2, required = true)]
    surveys: Vec<PathBuf>,
    /// Response file(s) of wave A; default: its definition's file.
    #[arg(long)]
    a_data: Vec<PathBuf>,
    /// Response file(s) of wave B; default: its definition's file.
    #[arg(long)]
    b_data: Vec<PathBuf>,
    /// Folder for the publishable outputs.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
    /// Worker threads for reading and aggregation (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Also compare the same respondents, linked by the definitions' respondent_id column:
    /// paired t test with d_z, Wilcoxon signed-rank, McNemar for shares.
    #[arg(long)]
    paired: bool,
    /// CSV `segment,a_key,b_key` mapping wave A's groups to wave B's after a reorganisation
    /// (renames, merges, splits); keys as in report.json's groups[].key.
    #[arg(long)]
    crosswalk: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    let (path_a, path_b) = match args.surveys.as_slice() {
        [a] => {
            if args.a_data.is_empty() || args.b_data.is_empty() {
                anyhow::bail!(
                    "with one definition, give each wave's files with --a-data and --b-data"
                );
            }
            (a.clone(), a.clone())
        }
        [a, b] => (a.clone(), b.clone()),
        _ => unreachable!("clap takes one or two definitions"),
    };
    let output = crate::inputs::output_options(args.lang.lang())?;
    let crosswalk = match &args.crosswalk {
        None => Vec::new(),
        Some(path) => engage::read_crosswalk(path)?,
    };
    let shown = crate::ui::Shown::new();
    let a = engage::read_wave(&path_a, args.a_data, args.threads, args.paired, &shown)?;
    let b = engage::read_wave(&path_b, args.b_data, args.threads, args.paired, &shown)?;
    engage::compare_and_write(
        &a,
        &b,
        &crosswalk,
        args.crosswalk.as_deref(),
        &args.out,
        &output,
        &shown,
    )?;
    Ok(OK)
}

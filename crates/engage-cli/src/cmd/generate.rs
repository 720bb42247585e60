//! `engage generate`: the seeded synthetic survey behind the fixtures and the benchmarks.

use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;

use crate::exit::{Outcome, OK};

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// UTF-8 with BOM, CRLF (as survey tools export for Excel).
    Csv,
    /// CP932 (Windows-31J), CRLF, no BOM (as Excel on Japanese Windows saves CSV).
    CsvCp932,
    /// Excel workbook: answers on sheet 回答, notes on a second sheet.
    Xlsx,
    Parquet,
    /// Arrow IPC file (Feather v2).
    Arrow,
}

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  engage generate --wave kumamoto-2023 --out fixtures/kumamoto-2023\n  engage generate --rows 1000000 --format parquet --out /tmp/bench-1m"
)]
pub struct Args {
    /// Which calibrated wave to draw: kumamoto-2023 or kumamoto-2024.
    #[arg(long, default_value = "kumamoto-2023")]
    wave: String,
    /// Folder to write survey.toml and the responses into.
    #[arg(long)]
    out: PathBuf,
    /// Number of respondents; default the wave's own size (3,690 for 2023), which reproduces
    /// the published figures exactly. Other sizes reuse that calibration.
    #[arg(long)]
    rows: Option<usize>,
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let spec = engage_synth::wave_by_name(&args.wave)?;
    let sample = engage_synth::generate(&spec, args.rows);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let data_file = match args.format {
        Format::Csv | Format::CsvCp932 => "responses.csv",
        Format::Xlsx => "responses.xlsx",
        Format::Parquet => "responses.parquet",
        Format::Arrow => "responses.arrow",
    };
    let data_path = args.out.join(data_file);
    match args.format {
        Format::Csv => engage_synth::write_csv(&sample, &data_path)?,
        Format::CsvCp932 => {
            engage_synth::write_csv_encoded(&sample, &data_path, engage_synth::CsvEncoding::Cp932)?
        }
        Format::Xlsx => engage_synth::write_xlsx(&sample, &data_path)?,
        Format::Parquet => engage_synth::write_parquet(&sample, &data_path)?,
        Format::Arrow => engage_synth::write_arrow_ipc(&sample, &data_path)?,
    }
    let headcounts = args.out.join("headcounts.csv");
    std::fs::write(&headcounts, engage_synth::headcounts_csv(&sample))
        .with_context(|| format!("cannot write {}", headcounts.display()))?;
    let definition = args.out.join("survey.toml");
    std::fs::write(
        &definition,
        engage_synth::definition_toml(&spec, data_file, sample.comments.is_some()),
    )
    .with_context(|| format!("cannot write {}", definition.display()))?;
    crate::ui::say!(
        "wrote {} respondents to {}, the definition to {} and illustrative headcounts to headcounts.csv",
        sample.n,
        data_path.display(),
        definition.display()
    );
    Ok(OK)
}

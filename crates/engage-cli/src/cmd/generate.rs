//! `engage generate`: the seeded synthetic survey behind the fixtures and the benchmarks.

use std::path::PathBuf;

use clap::ValueEnum;
use engage::DataFormat;

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

impl Format {
    fn format(self) -> DataFormat {
        match self {
            Format::Csv => DataFormat::Csv,
            Format::CsvCp932 => DataFormat::CsvCp932,
            Format::Xlsx => DataFormat::Xlsx,
            Format::Parquet => DataFormat::Parquet,
            Format::Arrow => DataFormat::Arrow,
        }
    }
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
    let generated = engage::generate(&args.wave, args.rows, args.format.format(), &args.out)?;
    crate::ui::say!(
        "wrote {} respondents to {}, the definition to {} and illustrative headcounts to headcounts.csv",
        generated.respondents,
        generated.data.display(),
        generated.definition.display()
    );
    Ok(OK)
}

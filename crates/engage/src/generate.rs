//! The seeded synthetic survey behind the fixtures and the benchmarks, and the draft
//! definition `init` makes from a raw export.

use std::path::{Path, PathBuf};

use crate::outputs::create_dir;
use crate::{Error, Result};

/// The response file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
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

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    pub respondents: usize,
    pub data: PathBuf,
    pub definition: PathBuf,
}

/// Draws `rows` respondents (default: the wave's own size, which reproduces its published
/// figures) of the calibrated wave `wave` into `out`: the responses, the matching definition
/// and illustrative headcounts.
pub fn generate(
    wave: &str,
    rows: Option<usize>,
    format: DataFormat,
    out: &Path,
) -> Result<Generated> {
    let spec = engage_synth::wave_by_name(wave)?;
    let sample = engage_synth::generate(&spec, rows);
    create_dir(out)?;
    let data_file = match format {
        DataFormat::Csv | DataFormat::CsvCp932 => "responses.csv",
        DataFormat::Xlsx => "responses.xlsx",
        DataFormat::Parquet => "responses.parquet",
        DataFormat::Arrow => "responses.arrow",
    };
    let data = out.join(data_file);
    match format {
        DataFormat::Csv => engage_synth::write_csv(&sample, &data)?,
        DataFormat::CsvCp932 => {
            engage_synth::write_csv_encoded(&sample, &data, engage_synth::CsvEncoding::Cp932)?
        }
        DataFormat::Xlsx => engage_synth::write_xlsx(&sample, &data)?,
        DataFormat::Parquet => engage_synth::write_parquet(&sample, &data)?,
        DataFormat::Arrow => engage_synth::write_arrow_ipc(&sample, &data)?,
    }
    write_file(
        &out.join("headcounts.csv"),
        engage_synth::headcounts_csv(&sample).as_bytes(),
    )?;
    let definition = out.join("survey.toml");
    write_file(
        &definition,
        engage_synth::definition_toml(&spec, data_file, sample.comments.is_some()).as_bytes(),
    )?;
    Ok(Generated {
        respondents: sample.n,
        data,
        definition,
    })
}

/// A draft definition of `data` written to `out`, which must not exist unless `replace`.
pub fn draft_definition(data: &Path, out: &Path, replace: bool) -> Result<()> {
    if out.exists() && !replace {
        return Err(Error::Exists {
            path: out.to_path_buf(),
        });
    }
    let draft = engage_ingest::draft_definition(data)?;
    write_file(out, draft.as_bytes())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::WriteFile {
        path: path.to_path_buf(),
        source,
    })
}

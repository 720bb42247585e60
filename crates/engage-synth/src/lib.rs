//! A seeded, deterministic generator of survey responses from a latent-factor model, calibrated
//! so that the Kumamoto fixture reproduces the figures published in the City Hall Reform Plan
//! 2027. Used for the committed fixtures and for benchmark data of any size.

mod comments;
mod content;
mod model;
mod wave;
mod write;

use std::path::PathBuf;

pub use model::{
    calibrate, draw_calibrated, item_count, Calibration, Sample, MISSING, NOT_APPLICABLE,
};
pub use wave::{kumamoto_2023, kumamoto_2024, WaveSpec};
pub use write::{
    definition_toml, headcounts_csv, header, write_arrow_ipc, write_csv, write_csv_encoded,
    write_parquet, write_xlsx, CsvEncoding,
};

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("parquet: {0}")]
    Parquet(#[source] parquet::errors::ParquetError),
    #[error("arrow: {0}")]
    Arrow(String),
    #[error("xlsx: {0}")]
    Xlsx(String),
    #[error("text cannot be written in CP932: {0}")]
    Unencodable(String),
    #[error("unknown wave `{0}` (known: kumamoto-2023, kumamoto-2024)")]
    UnknownWave(String),
}

/// The wave named on the command line.
pub fn wave_by_name(name: &str) -> Result<WaveSpec, SynthError> {
    match name {
        "kumamoto-2023" => Ok(kumamoto_2023()),
        "kumamoto-2024" => Ok(kumamoto_2024()),
        other => Err(SynthError::UnknownWave(other.to_string())),
    }
}

/// Draws a wave: at its own size the calibrated sample itself; at another size, rows drawn
/// with the same calibration (and a seed derived from the wave's) for benchmarks.
pub fn generate(spec: &WaveSpec, rows: Option<usize>) -> Sample {
    let (sample, calibration) = calibrate(spec);
    match rows {
        Some(n) if n != spec.respondents => {
            draw_calibrated(spec, &calibration, n, spec.seed.wrapping_add(n as u64))
        }
        _ => sample,
    }
}

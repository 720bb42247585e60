//! Errors that stop ingest altogether; problems in single rows are [`crate::Problem`]s instead.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not UTF-8 text (byte {offset}); save it as UTF-8 CSV, or as CP932 once that reader lands")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{path}, row {row}: the file is not valid CSV: {message}")]
    Csv {
        path: PathBuf,
        row: usize,
        message: String,
    },
    #[error(
        "{path}: column `{column}` ({wanted_by}) is missing; closest headers found: {closest}"
    )]
    MissingColumn {
        path: PathBuf,
        column: String,
        wanted_by: String,
        closest: String,
    },
    #[error("{path}: header `{column}` appears more than once (columns {first} and {second})")]
    DuplicateHeader {
        path: PathBuf,
        column: String,
        first: usize,
        second: usize,
    },
    #[error("{path}: the file has no header row")]
    Empty { path: PathBuf },
}

//! Errors that stop ingest altogether; problems in single rows are [`crate::Problem`]s instead.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the text is neither UTF-8 nor CP932 (Shift_JIS); save it as UTF-8, or set `encoding` in [data]")]
    UnknownEncoding { path: PathBuf },
    #[error("{path}, row {row}: {message}")]
    Encoding {
        path: PathBuf,
        row: usize,
        message: String,
    },
    #[error("{path}: cannot tell the format from the extension `{extension}`; set `format` in [data] (csv, tsv, xlsx, xls, ods, parquet, arrow)")]
    UnknownFormat { path: PathBuf, extension: String },
    #[error("{path}: `header_row` is 1-based; row 0 does not exist")]
    HeaderRowZero { path: PathBuf },
    #[error("{path}: {message}")]
    Spreadsheet { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Columnar { path: PathBuf, message: String },
    #[error("{path}: column `{column}` has type {data_type}, which engage cannot read as answers (use integers, floats, booleans or strings)")]
    UnsupportedColumn {
        path: PathBuf,
        column: String,
        data_type: String,
    },
    #[error("no file matches `{pattern}`")]
    NoMatch { pattern: String },
    #[error("`{pattern}` is not a valid file pattern: {message}")]
    BadPattern { pattern: String, message: String },
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
    #[error("{path}: segment `{segment}` (column `{column}`) has {groups} distinct values, over the limit of {limit}, from the value `{value}` on; is it an id or a free-text column? Group it (e.g. by section) or drop the segment")]
    TooManyGroups {
        path: PathBuf,
        segment: String,
        column: String,
        groups: usize,
        limit: usize,
        value: String,
    },
    #[error("{path}: the file has no header row")]
    Empty { path: PathBuf },
}

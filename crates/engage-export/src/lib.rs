//! Writes a [`engage_report::Report`] to files: `report.json`, `report.xlsx` (one sheet per
//! table) and one UTF-8-with-BOM CSV per table. The tables are built once ([`tables`]) and
//! rendered by each writer, so the workbook and the CSVs can never disagree.
//!
//! Architecture invariant: this crate writes only what the report holds; withheld figures are
//! already absent from it, so no writer can leak them.

mod columnar;
mod comment_tables;
mod compare_tables;
mod created;
mod csv_out;
mod html;
mod json;
mod method;
mod population_tables;
mod rejects;
mod tables;
mod workbook;
mod xlsx;

use std::path::PathBuf;

pub use columnar::write_columnar_tables;
pub use compare_tables::comparison_tables;
pub use created::Created;
pub use csv_out::{write_csv_tables, write_csv_tables_encoded, CsvEncoding};
pub use html::write_html_report;
pub use json::{write_json, write_json_value};
pub use rejects::{write_accounting, write_rejects};
pub use tables::{tables, Cell, Column, Kind, Lang, Table};
pub use workbook::write_report_workbook;
pub use xlsx::write_workbook;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the workbook {path}: {message}")]
    Xlsx { path: PathBuf, message: String },
    #[error("cannot serialise the report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}, line {row}: `{character}` has no CP932 code; write the CSV tables as UTF-8 (the default) or change the label")]
    Unencodable {
        path: PathBuf,
        row: usize,
        character: char,
    },
    #[error("cannot write {path}: {message}")]
    Columnar { path: PathBuf, message: String },
    #[error(
        "creation time {0} (seconds since 1970) is outside the years 1900-9999 a workbook can hold"
    )]
    CreationTime(i64),
}

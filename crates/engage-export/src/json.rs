//! `report.json`: the report as documented in docs/report-json.md.

use std::path::Path;

use engage_report::Report;

use crate::ExportError;

pub fn write_json(report: &Report, path: &Path) -> Result<(), ExportError> {
    write_json_value(report, path)
}

/// Any serialisable output (e.g. `compare.json`), pretty-printed with a final newline.
pub fn write_json_value<T: serde::Serialize>(value: &T, path: &Path) -> Result<(), ExportError> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text + "\n").map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

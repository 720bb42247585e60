//! One CSV per table, UTF-8 with a byte-order mark so that Excel on Japanese Windows opens
//! it as UTF-8 rather than CP932. Headers are the stable snake_case column keys (documented in
//! docs/report-json.md); labels inside follow `--lang`. Withheld figures are empty cells,
//! flagged in the `withheld` column.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::tables::{Cell, Table};
use crate::ExportError;

/// Writes each table as `<dir>/<table name>.csv`; returns the paths written.
pub fn write_csv_tables(tables: &[Table], dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let mut written = Vec::new();
    for table in tables {
        let path = dir.join(format!("{}.csv", table.name));
        let io = |source: std::io::Error| ExportError::Io {
            path: path.clone(),
            source,
        };
        let mut bytes: Vec<u8> = b"\xEF\xBB\xBF".to_vec();
        {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(&mut bytes);
            let header: Vec<&str> = table.columns.iter().map(|c| c.key).collect();
            w.write_record(&header).map_err(|e| io(e.into()))?;
            for row in &table.rows {
                w.write_record(row.iter().map(cell_text))
                    .map_err(|e| io(e.into()))?;
            }
            w.flush().map_err(io)?;
        }
        let mut file = std::fs::File::create(&path).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}

/// Full precision for numbers (machines read these); rounding is for the workbook's display.
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(v) => v.to_string(),
        Cell::Number(v, _) => v.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Empty | Cell::Withheld => String::new(),
    }
}

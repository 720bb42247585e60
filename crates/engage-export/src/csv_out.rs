//! One CSV per table, UTF-8 with a byte-order mark so that Excel on Japanese Windows opens
//! it as UTF-8 rather than CP932. Headers are the stable snake_case column keys (documented in
//! docs/report-json.md); labels inside follow `--lang`. Withheld figures are empty cells,
//! flagged in the `withheld` column.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::tables::{Cell, Table};
use crate::ExportError;

/// The text encoding of the CSV tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark: Excel on Japanese Windows opens it correctly.
    #[default]
    Utf8Bom,
    /// CP932 (Windows-31J) for older Excel; a character it cannot hold is an error naming the
    /// cell, never a silent substitute.
    Cp932,
}

/// Writes each table as `<dir>/<table name>.csv` in UTF-8 with BOM; returns the paths written.
pub fn write_csv_tables(tables: &[Table], dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    write_csv_tables_encoded(tables, dir, CsvEncoding::Utf8Bom)
}

pub fn write_csv_tables_encoded(
    tables: &[Table],
    dir: &Path,
    encoding: CsvEncoding,
) -> Result<Vec<PathBuf>, ExportError> {
    let mut written = Vec::new();
    for table in tables {
        let path = dir.join(format!("{}.csv", table.name));
        let io = |source: std::io::Error| ExportError::Io {
            path: path.clone(),
            source,
        };
        let mut bytes: Vec<u8> = Vec::new();
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
        let text = String::from_utf8(bytes).expect("the csv writer writes UTF-8");
        let bytes = match encoding {
            CsvEncoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            CsvEncoding::Cp932 => cp932(&text, &path)?,
        };
        let mut file = std::fs::File::create(&path).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}

/// Full precision for numbers (machines read these); rounding is for the workbook's display.
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => spreadsheet_text(s),
        Cell::Int(v) => v.to_string(),
        Cell::Number(v, _) => v.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Empty | Cell::Withheld => String::new(),
    }
}

/// Text as a spreadsheet must show it: a cell starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be taken for a formula (OWASP "CSV injection": =HYPERLINK(...) in a
/// group name or a comment runs on the analyst's PC), so it gets a leading `'`, which Excel and
/// LibreOffice read as "text". Numbers are never text cells, so a negative number stays as
/// written; Parquet, Arrow and JSON keep the text unchanged.
pub fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// CP932 bytes of `text`, or an error naming the line and the character CP932 lacks.
fn cp932(text: &str, path: &Path) -> Result<Vec<u8>, ExportError> {
    for (line, l) in text.lines().enumerate() {
        for ch in l.chars() {
            let mut buf = [0u8; 4];
            let (_, _, bad) = encoding_rs::SHIFT_JIS.encode(ch.encode_utf8(&mut buf));
            if bad {
                return Err(ExportError::Unencodable {
                    path: path.to_path_buf(),
                    row: line + 1,
                    character: ch,
                });
            }
        }
    }
    Ok(encoding_rs::SHIFT_JIS.encode(text).0.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{col, Table};
    use engage_model::Label;

    /// OWASP's list of formula triggers, each written as text; other text and numbers as they
    /// are.
    #[test]
    fn text_that_a_spreadsheet_would_run_is_written_as_text() {
        let table = Table {
            name: "t",
            title: Label::new("表", "Table"),
            columns: vec![col("label", "ラベル", "Label"), col("x", "x", "x")],
            rows: vec![
                vec![
                    Cell::Text("=HYPERLINK(\"http://x\",\"y\")".into()),
                    Cell::Number(-0.5, crate::Kind::Mean),
                ],
                vec![Cell::Text("+1".into()), Cell::Int(3)],
                vec![Cell::Text("-総務課".into()), Cell::Empty],
                vec![Cell::Text("@SUM(A1)".into()), Cell::Empty],
                vec![Cell::Text("\tx".into()), Cell::Empty],
                vec![Cell::Text("政策局".into()), Cell::Empty],
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        write_csv_tables_encoded(&[table], dir.path(), CsvEncoding::Utf8Bom).unwrap();
        let text = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            [
                "label,x",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-0.5",
                "'+1,3",
                "'-総務課,",
                "'@SUM(A1),",
                "'\tx,",
                "政策局,",
            ]
        );
    }

    #[test]
    fn cp932_refuses_a_character_it_lacks_and_names_the_line() {
        let table = Table {
            name: "t",
            title: Label::new("表", "Table"),
            columns: vec![col("label", "ラベル", "Label")],
            rows: vec![
                vec![Cell::Text("同僚 × 上司 − 成長".into())],
                vec![Cell::Text("絵文字🙂".into())],
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        let e =
            write_csv_tables_encoded(std::slice::from_ref(&table), dir.path(), CsvEncoding::Cp932)
                .unwrap_err()
                .to_string();
        assert!(e.ends_with("t.csv, line 3: `🙂` has no CP932 code; write the CSV tables as UTF-8 (the default) or change the label"), "{e}");
        let mut ok = table;
        ok.rows.pop();
        write_csv_tables_encoded(&[ok], dir.path(), CsvEncoding::Cp932).unwrap();
        let bytes = std::fs::read(dir.path().join("t.csv")).unwrap();
        // 同 is 0x93AF in CP932 (JIS X 0208 row 38).
        assert!(bytes.windows(2).any(|w| w == [0x93, 0xAF]));
    }
}

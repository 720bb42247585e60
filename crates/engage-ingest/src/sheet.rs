//! XLSX, XLS and ODS through calamine: one worksheet (by name or index), headers on a
//! configurable row, row numbers exactly as the spreadsheet shows them.

use std::fmt::Write as _;
use std::path::Path;

use calamine::{open_workbook, open_workbook_auto, Data, Ods, Range, Reader, Sheets, Xls, Xlsx};
use engage_model::{DataFormat, SheetRef};

use crate::source::{Record, RecordSource};
use crate::IngestError;

pub struct SheetSource {
    range: Range<Data>,
    /// Absolute 0-based row of the range's first row.
    first_row: usize,
    header: Vec<String>,
    header_row: usize,
    /// Index into the range's rows of the next record.
    next: usize,
    description: String,
}

fn open_book(
    path: &Path,
    format: DataFormat,
) -> Result<Sheets<std::io::BufReader<std::fs::File>>, String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods") {
        return open_workbook_auto(path).map_err(|e| e.to_string());
    }
    // The definition forced the format of a file with another extension.
    match format {
        DataFormat::Xls => open_workbook::<Xls<_>, _>(path)
            .map(Sheets::Xls)
            .map_err(|e| e.to_string()),
        DataFormat::Ods => open_workbook::<Ods<_>, _>(path)
            .map(Sheets::Ods)
            .map_err(|e| e.to_string()),
        _ => open_workbook::<Xlsx<_>, _>(path)
            .map(Sheets::Xlsx)
            .map_err(|e| e.to_string()),
    }
}

impl SheetSource {
    pub fn open(
        path: &Path,
        format: DataFormat,
        sheet: Option<&SheetRef>,
        header_row: Option<usize>,
    ) -> Result<SheetSource, IngestError> {
        let fail = |message: String| IngestError::Spreadsheet {
            path: path.to_path_buf(),
            message,
        };
        let mut book = open_book(path, format).map_err(&fail)?;
        let names = book.sheet_names();
        let name = match sheet {
            None => names
                .first()
                .cloned()
                .ok_or_else(|| fail("the workbook has no sheets".into()))?,
            Some(SheetRef::Index(i)) => names.get(*i).cloned().ok_or_else(|| {
                fail(format!(
                    "sheet index {i} does not exist (0-based; the workbook has {} sheet(s): {})",
                    names.len(),
                    names.join(", ")
                ))
            })?,
            Some(SheetRef::Name(n)) => {
                names.iter().find(|s| *s == n).cloned().ok_or_else(|| {
                    fail(format!(
                        "no sheet named `{n}`; the workbook has: {}",
                        names.join(", ")
                    ))
                })?
            }
        };
        // calamine overflows on some damaged cell references (found by `tests/fuzz.rs`).
        let range = crate::fault::catch_fault(|| book.worksheet_range(&name))
            .map_err(|detail| {
                fail(format!(
                    "sheet `{name}`: the workbook is damaged ({detail})"
                ))
            })?
            .map_err(|e| fail(format!("sheet `{name}`: {e}")))?;
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        let mut source = SheetSource {
            range,
            first_row,
            header: Vec::new(),
            header_row: 0,
            next: 0,
            description: format!("{}, sheet `{name}`", format_name(format)),
        };
        // The header is the first non-blank row at or below `header_row` (default: the first
        // non-blank row), so a title line or notes above the table are skipped.
        let wanted = header_row.unwrap_or(1);
        let mut record = Record::default();
        loop {
            match source.next_record(&mut record)? {
                None => {
                    return Err(IngestError::Empty {
                        path: path.to_path_buf(),
                    })
                }
                Some(row) if row >= wanted => {
                    source.header_row = row;
                    source.header = record.iter().map(str::to_string).collect();
                    return Ok(source);
                }
                Some(_) => {}
            }
        }
    }
}

fn format_name(format: DataFormat) -> &'static str {
    match format {
        DataFormat::Xls => "xls",
        DataFormat::Ods => "ods",
        _ => "xlsx",
    }
}

/// A cell as the text a person sees: whole numbers without ".0", booleans as TRUE/FALSE,
/// error cells as Excel writes them (#N/A), so they are reported rather than guessed at.
pub fn write_cell(cell: &Data, out: &mut String) {
    match cell {
        Data::Empty => {}
        Data::String(s) => out.push_str(s),
        Data::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                let _ = write!(out, "{}", *f as i64);
            } else {
                let _ = write!(out, "{f}");
            }
        }
        Data::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(d) => {
            let _ = write!(out, "{d}");
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => out.push_str(s),
        Data::Error(e) => {
            let _ = write!(out, "{e}");
        }
    }
}

impl RecordSource for SheetSource {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn header_row(&self) -> usize {
        self.header_row
    }

    fn next_record(&mut self, record: &mut Record) -> Result<Option<usize>, IngestError> {
        let (height, width) = self.range.get_size();
        while self.next < height {
            let row = self.first_row + self.next + 1;
            record.clear();
            for column in 0..width {
                if let Some(cell) = self.range.get((self.next, column)) {
                    write_cell(cell, record.field_buffer());
                }
                record.end_field();
            }
            self.next += 1;
            if !record.is_blank() {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }

    fn rows_hint(&self) -> Option<usize> {
        Some(self.range.get_size().0.saturating_sub(self.next))
    }

    fn description(&self) -> String {
        self.description.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_as_shown() {
        let text = |d: Data| {
            let mut s = String::new();
            write_cell(&d, &mut s);
            s
        };
        assert_eq!(text(Data::Float(4.0)), "4");
        assert_eq!(text(Data::Float(3.5)), "3.5");
        assert_eq!(text(Data::Int(5)), "5");
        assert_eq!(text(Data::Bool(true)), "TRUE");
        assert_eq!(text(Data::Error(calamine::CellErrorType::NA)), "#N/A");
        assert_eq!(text(Data::Empty), "");
    }
}

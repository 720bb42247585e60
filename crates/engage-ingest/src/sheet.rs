//! XLSX, XLS and ODS through calamine: one worksheet (by name or index), headers on a
//! configurable row, row numbers exactly as the spreadsheet shows them.

use std::fmt::Write as _;
use std::path::Path;

use calamine::{
    open_workbook, open_workbook_auto, Cell, Data, DataRef, Ods, Range, Reader, Sheets, Xls, Xlsx,
};
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
        let range = crate::fault::catch_fault(|| match &mut book {
            Sheets::Xlsx(xlsx) => bounded_xlsx_range(xlsx, &name),
            other => other.worksheet_range(&name).map_err(|e| e.to_string()),
        })
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

/// Most cells the used range of an XLSX sheet may span (rows × columns from its first to its
/// last non-empty cell): the sheet is held as a dense grid of about 32 bytes a cell (about
/// 1 GiB here, with the cells' list up to twice that while the grid is built). A survey of
/// 100,000 staff with 300 columns is 30 million.
pub const MAX_SHEET_CELLS: u64 = 32_000_000;

/// An XLSX sheet's cells, read one by one and refused when their used range is over
/// [`MAX_SHEET_CELLS`] before the grid is allocated: a 5 KB file with values in A1 and
/// XFD1048576 would otherwise ask for 17 billion cells and abort the process.
fn bounded_xlsx_range<R: std::io::Read + std::io::Seek>(
    book: &mut Xlsx<R>,
    name: &str,
) -> Result<Range<Data>, String> {
    let mut reader = book
        .worksheet_cells_reader(name)
        .map_err(|e| e.to_string())?;
    let mut cells: Vec<Cell<Data>> = Vec::new();
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0u32, u32::MAX, 0u32);
    let span = |top: u32, bottom: u32, left: u32, right: u32| {
        (u64::from(bottom - top) + 1) * (u64::from(right - left) + 1)
    };
    while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, column) = cell.get_position();
        (top, bottom) = (top.min(row), bottom.max(row));
        (left, right) = (left.min(column), right.max(column));
        // Checked as the cells arrive: a small zip of millions of cells must not be held
        // before it is refused.
        if span(top, bottom, left, right) > MAX_SHEET_CELLS {
            return Err(format!(
                "its non-empty cells span {}:{} ({} rows × {} columns = {} cells) or more, \
                 over the limit of {MAX_SHEET_CELLS}; delete stray cells far from the table \
                 (Ctrl+End in Excel shows the last one) or save the table as CSV",
                cell_name(top, left),
                cell_name(bottom, right),
                bottom - top + 1,
                right - left + 1,
                span(top, bottom, left, right),
            ));
        }
        cells.push(Cell::new(
            (row, column),
            Data::from(cell.get_value().clone()),
        ));
    }
    Ok(Range::from_sparse(cells))
}

/// A 0-based (row, column) as Excel names the cell: (0, 0) is A1, (1048575, 16383) XFD1048576.
fn cell_name(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let digit = (n - 1) % 26;
        letters.push(b'A' + digit as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8(letters).expect("ASCII"), row + 1)
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

    /// Cell names as Excel shows them (its column letters are bijective base 26).
    #[test]
    fn cell_names_are_excel_s() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(9, 25), "Z10");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(0, 701), "ZZ1");
        assert_eq!(cell_name(0, 702), "AAA1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }
}

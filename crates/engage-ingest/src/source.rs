//! One interface over every file format: a header, then records numbered as a spreadsheet
//! numbers its rows. The row loop in [`crate::read`] never knows which format it reads.

use std::path::Path;

use engage_model::{DataFormat, DataSource};

use crate::IngestError;

/// One record's fields in one reused buffer, so reading a row allocates nothing.
#[derive(Debug, Default, Clone)]
pub struct Record {
    text: String,
    ends: Vec<usize>,
}

impl Record {
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    pub fn push_field(&mut self, field: &str) {
        self.text.push_str(field);
        self.end_field();
    }

    /// The buffer the next field is written into; close it with [`Record::end_field`].
    pub fn field_buffer(&mut self) -> &mut String {
        &mut self.text
    }

    pub fn end_field(&mut self) {
        self.ends.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    /// True when every field is blank (such rows are skipped, as spreadsheets show them empty).
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A file opened for reading records.
pub trait RecordSource {
    /// The header row's cells.
    fn header(&self) -> &[String];

    /// Spreadsheet row number of the header (1 unless `header_row` moved it).
    fn header_row(&self) -> usize;

    /// Reads the next non-blank record into `record`; returns its spreadsheet row number, or
    /// `None` at the end of the file.
    fn next_record(&mut self, record: &mut Record) -> Result<Option<usize>, IngestError>;

    /// Fails if a column the definition uses has a type this reader cannot turn into text.
    fn check_used_columns(&self, _used: &[usize]) -> Result<(), IngestError> {
        Ok(())
    }

    /// How the file was read, for messages and report provenance (e.g. "csv, cp932, ','").
    fn description(&self) -> String;

    /// Records the file holds, when its format says so up front (Parquet metadata, a sheet's
    /// used range), so the table and the id set can be sized once instead of regrown.
    fn rows_hint(&self) -> Option<usize> {
        None
    }
}

/// The format of a file: forced by the definition, else from its extension.
pub fn format_of(path: &Path, data: &DataSource) -> Result<DataFormat, IngestError> {
    if let Some(f) = data.format {
        return Ok(f);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "csv" | "txt" => DataFormat::Csv,
        "tsv" | "tab" => DataFormat::Tsv,
        "xlsx" | "xlsm" | "xlsb" => DataFormat::Xlsx,
        "xls" => DataFormat::Xls,
        "ods" => DataFormat::Ods,
        "parquet" | "pq" => DataFormat::Parquet,
        "arrow" | "feather" | "ipc" | "arrows" => DataFormat::Arrow,
        _ => {
            return Err(IngestError::UnknownFormat {
                path: path.to_path_buf(),
                extension: ext,
            })
        }
    })
}

/// Opens a file with the reader its format needs.
pub fn open(path: &Path, data: &DataSource) -> Result<Box<dyn RecordSource>, IngestError> {
    let header_row = data.header_row.unwrap_or(1);
    if header_row == 0 {
        return Err(IngestError::HeaderRowZero {
            path: path.to_path_buf(),
        });
    }
    Ok(match format_of(path, data)? {
        DataFormat::Csv => Box::new(crate::text::TextSource::open(
            path,
            data.encoding,
            None,
            header_row,
        )?),
        DataFormat::Tsv => Box::new(crate::text::TextSource::open(
            path,
            data.encoding,
            Some(b'\t'),
            header_row,
        )?),
        f @ (DataFormat::Xlsx | DataFormat::Xls | DataFormat::Ods) => Box::new(
            crate::sheet::SheetSource::open(path, f, data.sheet.as_ref(), data.header_row)?,
        ),
        DataFormat::Parquet => Box::new(crate::columnar::ColumnarSource::parquet(path)?),
        DataFormat::Arrow => Box::new(crate::columnar::ColumnarSource::arrow_ipc(path)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_fields_round_trip() {
        let mut r = Record::default();
        r.push_field("a");
        r.push_field("");
        r.push_field("髙橋");
        assert_eq!(r.len(), 3);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec!["a", "", "髙橋"]);
        assert_eq!(r.get(3), None);
        r.clear();
        assert!(r.is_empty() && r.is_blank());
    }
}

//! Parquet and Arrow IPC (Feather v2) through arrow-rs, read one record batch at a time so
//! memory holds one batch, not the file. Row numbers follow the CSV convention: the header is
//! row 1, the first record row 2.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::source::{Record, RecordSource};
use crate::IngestError;

/// Rows per batch: large enough to amortise decoding, small enough to keep memory flat.
const BATCH_ROWS: usize = 64 * 1024;

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>>;

/// Runs a call into parquet/arrow-ipc, turning a panic into an error. Both crates assert on
/// some corrupt inputs (found by `tests/fuzz.rs`); a damaged file must be reported, not crash
/// the run.
fn guarded<T>(
    path: &Path,
    call: impl FnOnce() -> Result<T, IngestError>,
) -> Result<T, IngestError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("unknown fault");
        Err(IngestError::Columnar {
            path: path.to_path_buf(),
            message: format!("the file is damaged ({detail})"),
        })
    })
}

pub struct ColumnarSource {
    path: PathBuf,
    schema: SchemaRef,
    header: Vec<String>,
    batches: Batches,
    batch: Option<RecordBatch>,
    /// Next row within `batch`.
    offset: usize,
    /// Spreadsheet-style number of the next row.
    next_row: usize,
    /// Row count from the file's metadata, when the format has one.
    rows: Option<usize>,
    description: String,
}

impl ColumnarSource {
    pub fn parquet(path: &Path) -> Result<ColumnarSource, IngestError> {
        guarded(path, || Self::open_parquet(path))
    }

    fn open_parquet(path: &Path) -> Result<ColumnarSource, IngestError> {
        let fail = |e: &dyn std::fmt::Display| IngestError::Columnar {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let file = File::open(path).map_err(|source| IngestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fail(&e))?;
        let rows = usize::try_from(builder.metadata().file_metadata().num_rows()).ok();
        let reader = builder
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| fail(&e))?;
        use arrow_array::RecordBatchReader;
        let schema = reader.schema();
        let mut source = Self::new(path, schema, Box::new(reader), "parquet");
        source.rows = rows;
        Ok(source)
    }

    /// An Arrow IPC file (Feather v2), or an Arrow IPC stream.
    pub fn arrow_ipc(path: &Path) -> Result<ColumnarSource, IngestError> {
        guarded(path, || Self::open_arrow_ipc(path))
    }

    fn open_arrow_ipc(path: &Path) -> Result<ColumnarSource, IngestError> {
        let open = || {
            File::open(path).map_err(|source| IngestError::Read {
                path: path.to_path_buf(),
                source,
            })
        };
        match arrow_ipc::reader::FileReader::try_new(open()?, None) {
            Ok(reader) => {
                let schema = reader.schema();
                Ok(Self::new(path, schema, Box::new(reader), "arrow ipc file"))
            }
            Err(file_error) => {
                let stream = std::io::BufReader::new(open()?);
                match arrow_ipc::reader::StreamReader::try_new(stream, None) {
                    Ok(reader) => {
                        let schema = reader.schema();
                        Ok(Self::new(path, schema, Box::new(reader), "arrow ipc stream"))
                    }
                    Err(_) => Err(IngestError::Columnar {
                        path: path.to_path_buf(),
                        message: format!(
                            "not an Arrow IPC file or stream (Feather v1 is not supported): {file_error}"
                        ),
                    }),
                }
            }
        }
    }

    fn new(path: &Path, schema: SchemaRef, batches: Batches, kind: &str) -> ColumnarSource {
        ColumnarSource {
            path: path.to_path_buf(),
            header: schema.fields().iter().map(|f| f.name().clone()).collect(),
            schema,
            batches,
            batch: None,
            offset: 0,
            next_row: 2,
            rows: None,
            description: kind.to_string(),
        }
    }
}

fn supported(data_type: &DataType) -> bool {
    match data_type {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View => true,
        DataType::Dictionary(key, value) => {
            matches!(
                key.as_ref(),
                DataType::Int8
                    | DataType::Int16
                    | DataType::Int32
                    | DataType::Int64
                    | DataType::UInt8
                    | DataType::UInt16
                    | DataType::UInt32
                    | DataType::UInt64
            ) && supported(value)
        }
        _ => false,
    }
}

fn write_float(value: f64, out: &mut String) {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let _ = write!(out, "{}", value as i64);
    } else {
        let _ = write!(out, "{value}");
    }
}

/// Writes one cell as text; nulls are blank. Only types passing [`supported`] reach here.
fn write_cell(array: &dyn Array, row: usize, out: &mut String) {
    if array.is_null(row) {
        return;
    }
    macro_rules! int {
        ($t:ty) => {{
            let _ = write!(out, "{}", array.as_primitive::<$t>().value(row));
        }};
    }
    macro_rules! dict {
        ($t:ty) => {{
            let d = array.as_dictionary::<$t>();
            if let Some(k) = d.key(row) {
                write_cell(d.values().as_ref(), k, out);
            }
        }};
    }
    match array.data_type() {
        DataType::Boolean => out.push_str(if array.as_boolean().value(row) {
            "TRUE"
        } else {
            "FALSE"
        }),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float32 => write_float(
            f64::from(array.as_primitive::<Float32Type>().value(row)),
            out,
        ),
        DataType::Float64 => write_float(array.as_primitive::<Float64Type>().value(row), out),
        DataType::Utf8 => out.push_str(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => out.push_str(array.as_string::<i64>().value(row)),
        DataType::Utf8View => out.push_str(array.as_string_view().value(row)),
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::Int8 => dict!(Int8Type),
            DataType::Int16 => dict!(Int16Type),
            DataType::Int32 => dict!(Int32Type),
            DataType::Int64 => dict!(Int64Type),
            DataType::UInt8 => dict!(UInt8Type),
            DataType::UInt16 => dict!(UInt16Type),
            DataType::UInt32 => dict!(UInt32Type),
            _ => dict!(UInt64Type),
        },
        _ => {}
    }
}

impl RecordSource for ColumnarSource {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn header_row(&self) -> usize {
        1
    }

    fn next_record(&mut self, record: &mut Record) -> Result<Option<usize>, IngestError> {
        loop {
            if let Some(batch) = &self.batch {
                if self.offset < batch.num_rows() {
                    record.clear();
                    for column in batch.columns() {
                        let field = record.field_buffer();
                        if supported(column.data_type()) {
                            write_cell(column.as_ref(), self.offset, field);
                        }
                        record.end_field();
                    }
                    self.offset += 1;
                    let row = self.next_row;
                    self.next_row += 1;
                    return Ok(Some(row));
                }
            }
            let path = self.path.clone();
            let next = guarded(&path, || Ok(self.batches.next()))?;
            match next {
                None => return Ok(None),
                Some(Ok(batch)) => {
                    self.batch = Some(batch);
                    self.offset = 0;
                }
                Some(Err(e)) => {
                    return Err(IngestError::Columnar {
                        path: self.path.clone(),
                        message: format!("reading from row {}: {e}", self.next_row),
                    })
                }
            }
        }
    }

    fn check_used_columns(&self, used: &[usize]) -> Result<(), IngestError> {
        for &c in used {
            let field = self.schema.field(c);
            if !supported(field.data_type()) {
                return Err(IngestError::UnsupportedColumn {
                    path: self.path.clone(),
                    column: field.name().clone(),
                    data_type: field.data_type().to_string(),
                });
            }
        }
        Ok(())
    }

    fn rows_hint(&self) -> Option<usize> {
        self.rows
    }

    fn description(&self) -> String {
        self.description.clone()
    }
}

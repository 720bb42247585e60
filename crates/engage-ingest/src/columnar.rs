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
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

use crate::source::{Record, RecordSource};
use crate::IngestError;

/// Rows per batch: large enough to amortise decoding, small enough to keep memory flat.
const BATCH_ROWS: usize = 64 * 1024;

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// Runs a call into parquet/arrow-ipc, turning a panic into an error. Both crates assert on
/// some corrupt inputs (found by `tests/fuzz.rs`); a damaged file must be reported, not crash
/// the run.
pub(crate) fn guarded<T>(
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

/// One cell as text, exactly as the row-by-row reader sees it (nulls blank).
pub(crate) fn cell_text(array: &dyn Array, row: usize) -> String {
    let mut out = String::new();
    if supported(array.data_type()) {
        write_cell(array, row, &mut out);
    }
    out
}

/// One column of a batch as keys into its distinct cell texts, so that a decision about a
/// cell (answer code, segment value, pick mark) is made once per distinct text, not per row.
/// Key 0 is the blank cell; `texts` may hold texts no row uses.
pub(crate) struct Keyed {
    pub keys: Vec<u32>,
    pub texts: Vec<String>,
}

impl Keyed {
    /// Every row the same text (a file's name as a segment value).
    pub fn constant(rows: usize, text: &str) -> Keyed {
        Keyed {
            keys: vec![1; rows],
            texts: vec![String::new(), text.to_string()],
        }
    }

    /// Decides every distinct text once with `decide`, then gives each row its text's result.
    pub fn decide<T: Clone>(&self, mut decide: impl FnMut(&str) -> T) -> Vec<T> {
        self.texts.iter().map(|t| decide(t)).collect()
    }
}

/// Keys an Arrow column: byte-sized integers and dictionary arrays by table, strings and
/// everything else by hashing the text.
pub(crate) fn keyed(array: &dyn Array) -> Keyed {
    let rows = array.len();
    // The validity bitmap read directly: `Array::is_null` per row is a virtual call.
    let nulls = array.logical_nulls();
    let null_key = |row: usize| nulls.as_ref().is_some_and(|n| n.is_null(row));
    match array.data_type() {
        DataType::UInt8 => {
            let values = array.as_primitive::<UInt8Type>().values();
            let keys = (0..rows)
                .map(|r| {
                    if null_key(r) {
                        0
                    } else {
                        u32::from(values[r]) + 1
                    }
                })
                .collect();
            let texts = std::iter::once(String::new())
                .chain((0..=255u8).map(|v| v.to_string()))
                .collect();
            Keyed { keys, texts }
        }
        DataType::Int8 => {
            let values = array.as_primitive::<Int8Type>().values();
            let keys = (0..rows)
                .map(|r| {
                    if null_key(r) {
                        0
                    } else {
                        u32::from(values[r] as u8) + 1
                    }
                })
                .collect();
            let texts = std::iter::once(String::new())
                .chain((0..=255u8).map(|v| (v as i8).to_string()))
                .collect();
            Keyed { keys, texts }
        }
        DataType::Dictionary(_, _) => {
            let dictionary = array.as_any_dictionary();
            let values = dictionary.values();
            let texts: Vec<String> = std::iter::once(String::new())
                .chain((0..values.len()).map(|v| cell_text(values.as_ref(), v)))
                .collect();
            if values.is_empty() {
                return Keyed {
                    keys: vec![0; rows],
                    texts,
                };
            }
            let keys = dictionary
                .normalized_keys()
                .into_iter()
                .enumerate()
                .map(|(r, k)| if null_key(r) { 0 } else { k as u32 + 1 })
                .collect();
            Keyed { keys, texts }
        }
        DataType::Utf8 => by_text(rows, |r| {
            (!null_key(r)).then(|| array.as_string::<i32>().value(r))
        }),
        DataType::LargeUtf8 => by_text(rows, |r| {
            (!null_key(r)).then(|| array.as_string::<i64>().value(r))
        }),
        DataType::Utf8View => by_text(rows, |r| {
            (!null_key(r)).then(|| array.as_string_view().value(r))
        }),
        _ => {
            let texts: Vec<String> = (0..rows).map(|r| cell_text(array, r)).collect();
            by_text(rows, |r| Some(texts[r].as_str()))
        }
    }
}

/// A column's rows decided: each row's result, and the rows whose cell was refused, with the
/// cell's text and why.
pub(crate) struct DecidedRows<T, E> {
    pub values: Vec<T>,
    pub errors: Vec<(usize, String, E)>,
}

/// Decides every distinct cell of a column once with `decide` and gives each row its result;
/// a refused cell's row gets `refused`. A `UInt8` column (how most Parquet writers store
/// answer codes) is decided by value, 256 texts and the blank, without per-row keys; any
/// other column goes through [`keyed`].
pub(crate) fn decide_rows<T: Copy, E: Clone>(
    array: &dyn Array,
    refused: T,
    mut decide: impl FnMut(&str) -> Result<T, E>,
) -> DecidedRows<T, E> {
    let nulls = array.logical_nulls();
    if let DataType::UInt8 = array.data_type() {
        let values = array.as_primitive::<UInt8Type>().values();
        let by_value: Vec<Result<T, E>> = (0..=255u8).map(|v| decide(&v.to_string())).collect();
        let table: Vec<T> = by_value
            .iter()
            .map(|d| *d.as_ref().unwrap_or(&refused))
            .collect();
        let mut out: Vec<T> = values.iter().map(|&v| table[usize::from(v)]).collect();
        let mut errors = Vec::new();
        if by_value.iter().any(Result::is_err) {
            for (row, &v) in values.iter().enumerate() {
                if let Err(e) = &by_value[usize::from(v)] {
                    if !nulls.as_ref().is_some_and(|n| n.is_null(row)) {
                        errors.push((row, v.to_string(), e.clone()));
                    }
                }
            }
        }
        if let Some(nulls) = nulls.filter(|n| n.null_count() > 0) {
            let blank = decide("");
            let value = *blank.as_ref().unwrap_or(&refused);
            for row in (!nulls.inner()).set_indices() {
                out[row] = value;
                if let Err(e) = &blank {
                    errors.push((row, String::new(), e.clone()));
                }
            }
            if blank.is_err() {
                errors.sort_by_key(|&(row, _, _)| row);
            }
        }
        return DecidedRows {
            values: out,
            errors,
        };
    }
    let cells = keyed(array);
    let decided = cells.decide(decide);
    let table: Vec<T> = decided
        .iter()
        .map(|d| *d.as_ref().unwrap_or(&refused))
        .collect();
    let values = cells.keys.iter().map(|&k| table[k as usize]).collect();
    let mut errors = Vec::new();
    if decided.iter().any(Result::is_err) {
        for (row, &k) in cells.keys.iter().enumerate() {
            if let Err(e) = &decided[k as usize] {
                errors.push((row, cells.texts[k as usize].clone(), e.clone()));
            }
        }
    }
    DecidedRows { values, errors }
}

/// Calls `f` with one cell's text as the row-by-row reader sees it, borrowing it from a
/// string column instead of allocating.
pub(crate) fn with_cell_text<R>(array: &dyn Array, row: usize, f: impl FnOnce(&str) -> R) -> R {
    if array.is_null(row) {
        return f("");
    }
    match array.data_type() {
        DataType::Utf8 => f(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => f(array.as_string::<i64>().value(row)),
        DataType::Utf8View => f(array.as_string_view().value(row)),
        _ => f(&cell_text(array, row)),
    }
}

fn by_text<'a>(rows: usize, text: impl Fn(usize) -> Option<&'a str>) -> Keyed {
    let mut lookup: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let mut texts = vec![String::new()];
    let keys = (0..rows)
        .map(|r| match text(r) {
            None | Some("") => 0,
            Some(t) => *lookup.entry(t).or_insert_with(|| {
                texts.push(t.to_string());
                texts.len() as u32 - 1
            }),
        })
        .collect();
    Keyed { keys, texts }
}

/// A columnar file as windows of record batches in file order, for the column-wise loop.
/// Parquet row groups of a window are decoded in parallel, reading only the columns the
/// definition uses, text columns as dictionaries (their distinct values decided once).
pub(crate) struct ColumnarBatches {
    path: PathBuf,
    kind: BatchKind,
    /// Header position → column of the batches, for the columns read.
    pub column_of: Vec<Option<usize>>,
    /// Spreadsheet number of the next batch's first row.
    next_row: usize,
}

enum BatchKind {
    Parquet {
        metadata: ArrowReaderMetadata,
        mask: ProjectionMask,
        /// Row groups not yet read, with their row counts.
        pending: std::collections::VecDeque<(usize, usize)>,
    },
    Ipc(Batches),
}

impl ColumnarBatches {
    /// Opens `path` to read the header positions `used`; those in `as_dictionary` are read
    /// as dictionaries when Parquet stores them as strings.
    pub fn open(
        path: &Path,
        format: engage_model::DataFormat,
        used: &[usize],
        as_dictionary: &[usize],
    ) -> Result<ColumnarBatches, IngestError> {
        guarded(path, || match format {
            engage_model::DataFormat::Parquet => Self::open_parquet(path, used, as_dictionary),
            _ => {
                let source = ColumnarSource::open_arrow_ipc(path)?;
                let columns = source.header.len();
                Ok(ColumnarBatches {
                    path: path.to_path_buf(),
                    kind: BatchKind::Ipc(source.batches),
                    column_of: (0..columns).map(Some).collect(),
                    next_row: 2,
                })
            }
        })
    }

    fn open_parquet(
        path: &Path,
        used: &[usize],
        as_dictionary: &[usize],
    ) -> Result<ColumnarBatches, IngestError> {
        let fail = |e: &dyn std::fmt::Display| IngestError::Columnar {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let file = File::open(path).map_err(|source| IngestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let plain =
            ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| fail(&e))?;
        let fields: Vec<Field> = plain
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(c, f)| {
                let dictionary = as_dictionary.contains(&c)
                    && matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8);
                if dictionary {
                    f.as_ref().clone().with_data_type(DataType::Dictionary(
                        Box::new(DataType::Int32),
                        Box::new(f.data_type().clone()),
                    ))
                } else {
                    f.as_ref().clone()
                }
            })
            .collect();
        let schema = std::sync::Arc::new(Schema::new(fields));
        let metadata = ArrowReaderMetadata::try_new(
            plain.metadata().clone(),
            ArrowReaderOptions::new().with_schema(schema),
        )
        .map_err(|e| fail(&e))?;
        // Only top-level columns: every supported type is a leaf, so roots are leaves.
        let mask = ProjectionMask::roots(metadata.parquet_schema(), used.iter().copied());
        let mut column_of = vec![None; metadata.schema().fields().len()];
        for (position, &c) in used.iter().enumerate() {
            column_of[c] = Some(position);
        }
        let pending = metadata
            .metadata()
            .row_groups()
            .iter()
            .enumerate()
            .map(|(g, rg)| (g, usize::try_from(rg.num_rows()).unwrap_or(0)))
            .collect();
        Ok(ColumnarBatches {
            path: path.to_path_buf(),
            kind: BatchKind::Parquet {
                metadata,
                mask,
                pending,
            },
            column_of,
            next_row: 2,
        })
    }

    /// Up to `count` more batches (Parquet: row groups, decoded in parallel), each with the
    /// spreadsheet number of its first row; empty at the end of the file.
    pub fn next_window(&mut self, count: usize) -> Result<Vec<(usize, RecordBatch)>, IngestError> {
        let path = self.path.clone();
        let fail = |row: usize, e: &dyn std::fmt::Display| IngestError::Columnar {
            path: path.clone(),
            message: format!("reading from row {row}: {e}"),
        };
        let mut window = Vec::new();
        match &mut self.kind {
            BatchKind::Ipc(batches) => {
                while window.len() < count {
                    match guarded(&path, || Ok(batches.next()))? {
                        None => break,
                        Some(Ok(batch)) => {
                            window.push((self.next_row, batch.clone()));
                            self.next_row += batch.num_rows();
                        }
                        Some(Err(e)) => return Err(fail(self.next_row, &e)),
                    }
                }
            }
            BatchKind::Parquet {
                metadata,
                mask,
                pending,
            } => {
                let mut groups = Vec::new();
                while groups.len() < count {
                    let Some((g, rows)) = pending.pop_front() else {
                        break;
                    };
                    groups.push((g, self.next_row));
                    self.next_row += rows;
                }
                let read: Vec<Result<Vec<(usize, RecordBatch)>, IngestError>> = groups
                    .into_par_iter()
                    .map(|(g, first_row)| {
                        guarded(&path, || {
                            // A file of its own: clones of one handle share the offset
                            // that parquet's reads seek.
                            let input = File::open(&path).map_err(|source| IngestError::Read {
                                path: path.clone(),
                                source,
                            })?;
                            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
                                input,
                                metadata.clone(),
                            )
                            .with_row_groups(vec![g])
                            .with_projection(mask.clone())
                            .with_batch_size(GROUP_BATCH_ROWS)
                            .build()
                            .map_err(|e| fail(first_row, &e))?;
                            let mut row = first_row;
                            let mut out = Vec::new();
                            for batch in reader {
                                let batch = batch.map_err(|e| fail(row, &e))?;
                                out.push((row, batch.clone()));
                                row += batch.num_rows();
                            }
                            Ok(out)
                        })
                    })
                    .collect();
                for group in read {
                    window.extend(group?);
                }
            }
        }
        Ok(window)
    }
}

/// Rows per batch within one Parquet row group (writers' row groups range from thousands of
/// rows to millions).
const GROUP_BATCH_ROWS: usize = 128 * 1024;

impl ColumnarSource {
    /// The cells of the given rows (spreadsheet numbers, ascending), every column as text:
    /// what the rejects file keeps of a row the column-wise loop rejected.
    pub fn rows_at(&mut self, wanted: &[usize]) -> Result<Vec<Vec<String>>, IngestError> {
        let mut out = Vec::with_capacity(wanted.len());
        let mut next = wanted.iter().peekable();
        let mut first = self.next_row;
        while let Some(&&row) = next.peek() {
            let path = self.path.clone();
            let batch = match guarded(&path, || Ok(self.batches.next()))? {
                None => break,
                Some(Ok(batch)) => batch,
                Some(Err(e)) => {
                    return Err(IngestError::Columnar {
                        path,
                        message: format!("reading from row {first}: {e}"),
                    })
                }
            };
            let end = first + batch.num_rows();
            if row < end {
                while let Some(&&row) = next.peek().filter(|&&&r| r < end) {
                    out.push(
                        batch
                            .columns()
                            .iter()
                            .map(|c| cell_text(c.as_ref(), row - first))
                            .collect(),
                    );
                    next.next();
                }
            }
            first = end;
        }
        self.next_row = first;
        Ok(out)
    }
}

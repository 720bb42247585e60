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

use crate::page_keys::PageKeys;
use crate::source::{Record, RecordSource};
use crate::IngestError;

/// Rows per batch: large enough to amortise decoding, small enough to keep memory flat.
const BATCH_ROWS: usize = 64 * 1024;

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// Runs a call into parquet/arrow-ipc, turning a panic into an error (see `fault.rs`).
pub(crate) fn guarded<T>(
    path: &Path,
    call: impl FnOnce() -> Result<T, IngestError>,
) -> Result<T, IngestError> {
    crate::fault::catch_fault(call).unwrap_or_else(|detail| {
        Err(IngestError::Columnar {
            path: path.to_path_buf(),
            message: format!("the file is damaged ({detail})"),
        })
    })
}

/// Responses already in memory as Arrow record batches (a DataFrame handed over through the
/// Arrow C data interface), read like an Arrow IPC file named `name`: the name stands for the
/// file in accounting, problems and `@file` segments.
///
/// Rows are numbered as in a file whose first line is the header: the first record is row 2.
#[derive(Debug, Clone)]
pub struct MemoryBatches {
    name: PathBuf,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl MemoryBatches {
    /// Batches that all have `schema`'s columns, else an error naming the first that does not.
    pub fn new(
        name: impl Into<PathBuf>,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Result<Self, IngestError> {
        let name = name.into();
        for (i, batch) in batches.iter().enumerate() {
            if batch.schema().fields() != schema.fields() {
                return Err(IngestError::Columnar {
                    path: name,
                    message: format!(
                        "record batch {} has other columns than the schema given ({})",
                        i + 1,
                        batch.schema()
                    ),
                });
            }
        }
        Ok(MemoryBatches {
            name,
            schema,
            batches,
        })
    }

    /// The name that stands for the file.
    pub fn name(&self) -> &Path {
        &self.name
    }

    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The batches again, without copying their columns.
    fn iter(&self) -> Batches {
        Box::new(self.batches.clone().into_iter().map(Ok))
    }

    /// SHA-256 of the batches written as an Arrow IPC stream: what the provenance records for
    /// them, equal to the hash of that stream saved as a file. It identifies these batches as
    /// cut and encoded now: the same rows cut into other batches, or written by another
    /// version of arrow-ipc, can hash differently.
    pub fn sha256(&self) -> Result<String, IngestError> {
        use sha2::{Digest, Sha256};
        let fail = |e: ArrowError| IngestError::Columnar {
            path: self.name.clone(),
            message: e.to_string(),
        };
        let mut writer =
            arrow_ipc::writer::StreamWriter::try_new(Sha256::new(), &self.schema).map_err(fail)?;
        for batch in &self.batches {
            writer.write(batch).map_err(fail)?;
        }
        writer.finish().map_err(fail)?;
        let hasher = writer.into_inner().map_err(fail)?;
        Ok(format!("{:x}", hasher.finalize()))
    }
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

    /// Record batches in memory.
    pub fn memory(batches: &MemoryBatches) -> ColumnarSource {
        let mut source = Self::new(
            &batches.name,
            batches.schema.clone(),
            batches.iter(),
            "arrow record batches in memory",
        );
        source.rows = Some(batches.rows());
        source
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
        DataType::Boolean => {
            // pandas and polars write multi-select answers as `bool`: keyed from the bitmap,
            // no text per cell.
            let values = array.as_boolean().values();
            let keys = (0..rows)
                .map(|r| match (null_key(r), values.value(r)) {
                    (true, _) => 0,
                    (false, false) => 1,
                    (false, true) => 2,
                })
                .collect();
            Keyed {
                keys,
                texts: vec![String::new(), "FALSE".into(), "TRUE".into()],
            }
        }
        DataType::Int16 => by_value(array, |r| array.as_primitive::<Int16Type>().value(r) as u64),
        DataType::Int32 => by_value(array, |r| array.as_primitive::<Int32Type>().value(r) as u64),
        DataType::Int64 => by_value(array, |r| array.as_primitive::<Int64Type>().value(r) as u64),
        DataType::UInt16 => by_value(array, |r| {
            u64::from(array.as_primitive::<UInt16Type>().value(r))
        }),
        DataType::UInt32 => by_value(array, |r| {
            u64::from(array.as_primitive::<UInt32Type>().value(r))
        }),
        DataType::UInt64 => by_value(array, |r| array.as_primitive::<UInt64Type>().value(r)),
        DataType::Float32 => by_value(array, |r| {
            u64::from(array.as_primitive::<Float32Type>().value(r).to_bits())
        }),
        DataType::Float64 => by_value(array, |r| {
            array.as_primitive::<Float64Type>().value(r).to_bits()
        }),
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

/// [`decide_rows`] for an [`IntColumn`]: the same decisions of the same texts (a value's
/// decimal digits, a null blank), read from the stored values without spreading them out
/// first. Keyed columns (page keys) decide each value of their table once; otherwise, when
/// every value is 0..=255 (answer codes, pick marks), the 256 texts are decided once and the
/// rows mapped by table, and each distinct value is decided once beyond that.
pub(crate) fn decide_ints<T: Copy, E: Clone>(
    column: &IntColumn,
    rows: usize,
    refused: T,
    mut decide: impl FnMut(&str) -> Result<T, E>,
) -> DecidedRows<T, E> {
    let present = &column.present;
    let blank = present.contains(&false).then(|| decide(""));
    let blank_code = match &blank {
        Some(Ok(x)) => *x,
        _ => refused,
    };
    let code_of = |d: &Result<T, E>| *d.as_ref().unwrap_or(&refused);
    let decided = match &column.values {
        // `compact` keeps a column as bytes exactly when every value is 0..=255.
        IntValues::U8(values) => {
            let table: Vec<Result<T, E>> = (0..=255u8).map(|v| decide(&v.to_string())).collect();
            let codes: Vec<(T, bool)> = table.iter().map(|d| (code_of(d), d.is_err())).collect();
            let (out, refusing) = spread(values, present, blank_code, |v| codes[usize::from(v)]);
            let errors = refused_rows(values, present, &blank, refusing, |v| &table[v as usize]);
            DecidedRows {
                values: out,
                errors,
            }
        }
        IntValues::Keyed { keys, table } => decide_keys(keys, table, refused, decide),
        IntValues::I32(values) => {
            decide_distinct(values, present, &blank, blank_code, code_of, decide)
        }
        IntValues::I64(values) => {
            decide_distinct(values, present, &blank, blank_code, code_of, decide)
        }
    };
    debug_assert_eq!(decided.values.len(), rows);
    decided
}

/// The keyed half of [`decide_ints`]: each value of the table (and the null, as the blank)
/// decided once, and each row its key's result.
fn decide_keys<T: Copy, E: Clone>(
    keys: &[u8],
    table: &[Option<i64>],
    refused: T,
    mut decide: impl FnMut(&str) -> Result<T, E>,
) -> DecidedRows<T, E> {
    let text = |value: &Option<i64>| value.map_or_else(String::new, |v| v.to_string());
    let decided: Vec<Result<T, E>> = table.iter().map(|v| decide(&text(v))).collect();
    let mut codes = [refused; 256];
    for (code, d) in codes.iter_mut().zip(&decided) {
        *code = *d.as_ref().unwrap_or(&refused);
    }
    let values = keys.iter().map(|&k| codes[usize::from(k)]).collect();
    let mut errors = Vec::new();
    if decided.iter().any(Result::is_err) {
        for (row, &k) in keys.iter().enumerate() {
            if let Err(e) = &decided[usize::from(k)] {
                errors.push((row, text(&table[usize::from(k)]), e.clone()));
            }
        }
    }
    DecidedRows { values, errors }
}

/// The wide columns' half of [`decide_ints`]: some value is beyond a byte, so each distinct
/// value is decided once.
fn decide_distinct<V, T, E>(
    values: &[V],
    present: &[bool],
    blank: &Option<Result<T, E>>,
    blank_code: T,
    code_of: impl Fn(&Result<T, E>) -> T,
    mut decide: impl FnMut(&str) -> Result<T, E>,
) -> DecidedRows<T, E>
where
    V: Copy + Into<i64>,
    T: Copy,
    E: Clone,
{
    let mut distinct: std::collections::HashMap<i64, Result<T, E>> = Default::default();
    for &v in values {
        distinct
            .entry(v.into())
            .or_insert_with(|| decide(&v.into().to_string()));
    }
    let (out, refusing) = spread(values, present, blank_code, |v| {
        let d = &distinct[&v.into()];
        (code_of(d), d.is_err())
    });
    let errors = refused_rows(values, present, blank, refusing, |v| &distinct[&v]);
    DecidedRows {
        values: out,
        errors,
    }
}

/// Each row's code: its value's, or `blank` where the row is null; and whether any value's
/// was refused (`code` gives the code and that). The values are coded where they lie, then
/// spread out to their rows.
fn spread<V: Copy, T: Copy>(
    values: &[V],
    present: &[bool],
    blank: T,
    code: impl Fn(V) -> (T, bool),
) -> (Vec<T>, bool) {
    let mut refused = false;
    let mut coded: Vec<T> = Vec::with_capacity(values.len() + 1);
    coded.extend(values.iter().map(|&v| {
        let (x, bad) = code(v);
        refused |= bad;
        x
    }));
    if present.is_empty() {
        return (coded, refused);
    }
    // One more, so that a null row after the last value reads in bounds (and takes `blank`).
    coded.push(blank);
    let mut next = 0;
    let out = present
        .iter()
        .map(|&present| {
            let x = if present { coded[next] } else { blank };
            next += usize::from(present);
            x
        })
        .collect();
    (out, refused)
}

/// The rows whose cell was refused, with the cell's text and why; looked for only when a
/// row's value (`refusing`) or the blank was refused.
fn refused_rows<'a, V, T, E>(
    values: &[V],
    present: &[bool],
    blank: &Option<Result<T, E>>,
    refusing: bool,
    decided: impl Fn(i64) -> &'a Result<T, E>,
) -> Vec<(usize, String, E)>
where
    V: Copy + Into<i64>,
    T: 'a,
    E: Clone + 'a,
{
    // `blank` is there only when a row is null.
    let blank_refused = matches!(blank, Some(Err(_)));
    if !refusing && !blank_refused {
        return Vec::new();
    }
    let mut errors = Vec::new();
    for (row, value) in row_values(values, present).enumerate() {
        match value {
            None => {
                if let Some(Err(e)) = blank {
                    errors.push((row, String::new(), e.clone()));
                }
            }
            Some(v) => {
                let v = v.into();
                if let Err(e) = decided(v) {
                    errors.push((row, v.to_string(), e.clone()));
                }
            }
        }
    }
    errors
}

/// Each row's stored value, or `None` where it is null (`present` is empty when no row is).
fn row_values<'a, V: Copy>(
    values: &'a [V],
    present: &'a [bool],
) -> impl Iterator<Item = Option<V>> + 'a {
    let mut next = values.iter();
    let rows = if present.is_empty() {
        values.len()
    } else {
        present.len()
    };
    (0..rows).map(move |row| {
        (present.get(row) != Some(&false))
            .then(|| *next.next().expect("a value for every defined row"))
    })
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

/// Keys a primitive column by its values' bits (`bits(row)`), writing a value's text only
/// the first time it is met: integers of any width and floats holding integers, without a
/// string per cell.
fn by_value(array: &dyn Array, bits: impl Fn(usize) -> u64) -> Keyed {
    let nulls = array.logical_nulls();
    let mut lookup: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    let mut texts = vec![String::new()];
    let keys = (0..array.len())
        .map(|r| {
            if nulls.as_ref().is_some_and(|n| n.is_null(r)) {
                return 0;
            }
            *lookup.entry(bits(r)).or_insert_with(|| {
                texts.push(cell_text(array, r));
                texts.len() as u32 - 1
            })
        })
        .collect();
    Keyed { keys, texts }
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

/// A columnar file as record batches in file order, for the column-wise loop. Parquet row
/// groups are decoded in parallel, reading only the columns the definition uses, text
/// columns as dictionaries (their distinct values decided once).
pub(crate) struct ColumnarBatches {
    path: PathBuf,
    kind: BatchKind,
    /// Header position → column of the batches, for the columns read through Arrow.
    pub column_of: Vec<Option<usize>>,
    /// Header position → integer column of the batches ([`IntColumn`]), for the Parquet
    /// integer columns read without Arrow.
    pub int_of: Vec<Option<usize>>,
    /// Spreadsheet number of the next batch's first row.
    next_row: usize,
}

enum BatchKind {
    Parquet {
        metadata: ArrowReaderMetadata,
        mask: ProjectionMask,
        /// The Parquet leaf of each integer column read without Arrow, in `int_of` order.
        int_leaves: Vec<usize>,
        /// Row groups not yet read, with their row counts.
        pending: std::collections::VecDeque<(usize, usize)>,
    },
    Ipc(Batches),
}

impl ColumnarBatches {
    /// Opens `path` to read the header positions `used`; those in `as_dictionary` are read
    /// as dictionaries when Parquet stores them as strings, and those in `as_integers` as
    /// [`IntColumn`]s when Parquet stores them as integers.
    pub fn open(
        path: &Path,
        format: engage_model::DataFormat,
        used: &[usize],
        as_dictionary: &[usize],
        as_integers: &[usize],
    ) -> Result<ColumnarBatches, IngestError> {
        guarded(path, || match format {
            engage_model::DataFormat::Parquet => {
                Self::open_parquet(path, used, as_dictionary, as_integers)
            }
            _ => {
                let source = ColumnarSource::open_arrow_ipc(path)?;
                let columns = source.header.len();
                Ok(ColumnarBatches {
                    path: path.to_path_buf(),
                    kind: BatchKind::Ipc(source.batches),
                    column_of: (0..columns).map(Some).collect(),
                    int_of: vec![None; columns],
                    next_row: 2,
                })
            }
        })
    }

    /// Record batches in memory, every column through Arrow.
    pub fn memory(batches: &MemoryBatches) -> ColumnarBatches {
        let columns = batches.schema.fields().len();
        ColumnarBatches {
            path: batches.name.clone(),
            kind: BatchKind::Ipc(batches.iter()),
            column_of: (0..columns).map(Some).collect(),
            int_of: vec![None; columns],
            next_row: 2,
        }
    }

    fn open_parquet(
        path: &Path,
        used: &[usize],
        as_dictionary: &[usize],
        as_integers: &[usize],
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
        let (int_columns, int_leaves) = integer_leaves(&metadata, used, as_integers);
        let through_arrow: Vec<usize> = used
            .iter()
            .copied()
            .filter(|c| !int_columns.contains(c))
            .collect();
        // Only top-level columns: every supported type is a leaf, so roots are leaves.
        let mask = ProjectionMask::roots(metadata.parquet_schema(), through_arrow.iter().copied());
        let columns = metadata.schema().fields().len();
        let mut column_of = vec![None; columns];
        for (position, &c) in through_arrow.iter().enumerate() {
            column_of[c] = Some(position);
        }
        let mut int_of = vec![None; columns];
        for (position, &c) in int_columns.iter().enumerate() {
            int_of[c] = Some(position);
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
                int_leaves,
                pending,
            },
            column_of,
            int_of,
            next_row: 2,
        })
    }

    /// Every batch in file order: `each` runs on any thread as soon as the batch is read
    /// (for a Parquet row group, in the task that decoded it), and `accept` gets each batch
    /// with what `each` made of it, one call at a time, in file order (see
    /// [`crate::in_order`]). At most `ahead` row groups (Arrow IPC: batches) are held
    /// between reading and accepting.
    pub fn for_each_in_order<R: Send>(
        self,
        ahead: usize,
        each: &(dyn Fn(usize, &ReadBatch) -> R + Sync),
        accept: &mut (dyn FnMut(ReadBatch, R) + Send),
    ) -> Result<(), IngestError> {
        let path = &self.path;
        let fail = |row: usize, e: &dyn std::fmt::Display| IngestError::Columnar {
            path: path.clone(),
            message: format!("reading from row {row}: {e}"),
        };
        let accept_all = |made: Vec<(ReadBatch, R)>| {
            for (batch, r) in made {
                accept(batch, r);
            }
        };
        let mut next_row = self.next_row;
        match self.kind {
            BatchKind::Ipc(mut batches) => crate::in_order::decode_in_order(
                ahead,
                || match guarded(path, || Ok(batches.next()))? {
                    None => Ok(None),
                    Some(Ok(batch)) => {
                        let row = next_row;
                        next_row += batch.num_rows();
                        Ok(Some((row, ReadBatch::arrow(batch))))
                    }
                    Some(Err(e)) => Err(fail(next_row, &e)),
                },
                |(row, batch)| {
                    let made = guarded(path, || Ok(each(row, &batch)))?;
                    Ok(vec![(batch, made)])
                },
                accept_all,
            ),
            BatchKind::Parquet {
                metadata,
                mask,
                int_leaves,
                mut pending,
            } => crate::in_order::decode_in_order(
                ahead,
                || {
                    Ok(pending.pop_front().map(|(g, rows)| {
                        let first_row = next_row;
                        next_row += rows;
                        (g, first_row)
                    }))
                },
                |(g, first_row)| {
                    guarded(path, || {
                        // A file of its own: clones of one handle share the offset that
                        // parquet's reads seek.
                        let input = File::open(path).map_err(|source| IngestError::Read {
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
                        let mut ints = IntReaders::open(path, &metadata, g, &int_leaves)
                            .map_err(|e| fail(first_row, &e))?;
                        let mut row = first_row;
                        let mut out = Vec::new();
                        for batch in reader {
                            let batch = batch.map_err(|e| fail(row, &e))?;
                            let rows = batch.num_rows();
                            let ints = ints.read(rows).map_err(|e| fail(row, &e))?;
                            let batch = ReadBatch { batch, ints };
                            let made = each(row, &batch);
                            out.push((batch, made));
                            row += rows;
                        }
                        Ok(out)
                    })
                },
                accept_all,
            ),
        }
    }
}

/// One batch of rows: the columns read through Arrow, and the integer columns read without it.
pub(crate) struct ReadBatch {
    pub batch: RecordBatch,
    pub ints: Vec<IntColumn>,
}

impl ReadBatch {
    fn arrow(batch: RecordBatch) -> Self {
        ReadBatch {
            batch,
            ints: Vec::new(),
        }
    }
}

/// A Parquet integer column of one batch, as the file stores it: the values of the rows that
/// have one, and whether each row has one (empty when every row has). Answer codes and pick
/// marks are stored this way by most writers, and Arrow's reader would spread the values out
/// to their rows and cast them, a pass over every value that deciding them does not need
/// (`decide_ints`). Values that all fit a byte are kept as bytes: a batch's columns are held
/// until it is accepted, and at four or eight bytes a value they took most of its memory.
/// Dictionary-encoded columns of few values come as keys instead (`Keyed`, see
/// [`crate::page_keys`]).
pub(crate) struct IntColumn {
    pub values: IntValues,
    pub present: Vec<bool>,
}

pub(crate) enum IntValues {
    U8(Vec<u8>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    /// One key a row into `table` (key 0, `None`, is the null); `present` is then empty.
    Keyed {
        keys: Vec<u8>,
        table: Vec<Option<i64>>,
    },
}

/// The used columns, among `candidates`, that Parquet stores as plain integers Arrow would
/// read as such (signed, or unsigned of at most 16 bits, so the stored value is the value),
/// with their leaves. One used column always stays with Arrow, which gives the batches'
/// row counts.
fn integer_leaves(
    metadata: &ArrowReaderMetadata,
    used: &[usize],
    candidates: &[usize],
) -> (Vec<usize>, Vec<usize>) {
    use parquet::basic::Type as Physical;
    let schema = metadata.parquet_schema();
    let fields = metadata.schema().fields();
    let mut columns = Vec::new();
    let mut leaves = Vec::new();
    for leaf in 0..schema.num_columns() {
        let root = schema.get_column_root_idx(leaf);
        let descr = schema.column(leaf);
        let arrow = fields.get(root).map(|f| f.data_type());
        let integer = matches!(
            (descr.physical_type(), arrow),
            (
                Physical::INT32,
                Some(
                    DataType::Int8
                        | DataType::Int16
                        | DataType::Int32
                        | DataType::UInt8
                        | DataType::UInt16
                )
            ) | (Physical::INT64, Some(DataType::Int64))
        );
        // A root that is its own only leaf: a plain column.
        let plain = schema.root_schema().get_fields()[root].is_primitive();
        if integer
            && plain
            && descr.max_rep_level() == 0
            && descr.max_def_level() <= 1
            && used.contains(&root)
            && candidates.contains(&root)
        {
            columns.push(root);
            leaves.push(leaf);
        }
    }
    if columns.len() == used.len() {
        columns.remove(0);
        leaves.remove(0);
    }
    (columns, leaves)
}

/// The integer columns of one row group, read a batch at a time in step with Arrow's reader:
/// as page keys ([`PageKeys`]) while the pages allow it, else by parquet's column reader.
struct IntReaders<'a> {
    row_group: parquet::file::serialized_reader::SerializedRowGroupReader<'a, File>,
    readers: Vec<IntColumnReader>,
    /// Reused for every column: what the column reader gives, before it is kept compact.
    levels: Vec<i16>,
    values32: Vec<i32>,
    values64: Vec<i64>,
}

struct IntColumnReader {
    leaf: usize,
    nullable: bool,
    /// Rows handed out so far: where parquet's reader starts if the page keys give up.
    delivered: usize,
    source: IntSource,
}

enum IntSource {
    Keys(PageKeys),
    I32(parquet::column::reader::ColumnReaderImpl<parquet::data_type::Int32Type>),
    I64(parquet::column::reader::ColumnReaderImpl<parquet::data_type::Int64Type>),
}

impl<'a> IntReaders<'a> {
    fn open(
        path: &Path,
        metadata: &'a ArrowReaderMetadata,
        group: usize,
        leaves: &[usize],
    ) -> Result<IntReaders<'a>, parquet::errors::ParquetError> {
        use parquet::file::reader::RowGroupReader;
        let file = File::open(path)?;
        let row_group = parquet::file::serialized_reader::SerializedRowGroupReader::new(
            std::sync::Arc::new(file),
            metadata.metadata().row_group(group),
            parquet::file::metadata::page_index::RowGroupPageIndex::new(group, None),
            std::sync::Arc::new(parquet::file::properties::ReaderProperties::builder().build()),
        )?;
        let schema = metadata.parquet_schema();
        let readers = leaves
            .iter()
            .map(|&leaf| {
                let column = schema.column(leaf);
                let nullable = column.max_def_level() > 0;
                let pages = row_group.get_column_page_reader(leaf)?;
                let keys = PageKeys::new(pages, column.physical_type(), nullable);
                Ok(IntColumnReader {
                    leaf,
                    nullable,
                    delivered: 0,
                    source: IntSource::Keys(keys),
                })
            })
            .collect::<Result<_, parquet::errors::ParquetError>>()?;
        Ok(IntReaders {
            row_group,
            readers,
            levels: Vec::new(),
            values32: Vec::new(),
            values64: Vec::new(),
        })
    }

    /// The next `rows` rows of every integer column.
    fn read(&mut self, rows: usize) -> Result<Vec<IntColumn>, parquet::errors::ParquetError> {
        let IntReaders {
            row_group,
            readers,
            levels,
            values32,
            values64,
        } = self;
        readers
            .iter_mut()
            .map(|reader| {
                if let IntSource::Keys(keys) = &mut reader.source {
                    if let Ok(Some(read)) = keys.read(rows) {
                        reader.delivered += rows;
                        return Ok(IntColumn {
                            values: IntValues::Keyed {
                                keys: read,
                                table: keys.table().to_vec(),
                            },
                            present: Vec::new(),
                        });
                    }
                    // The pages are not what the keys expect: parquet's reader takes the
                    // chunk over from the first row not handed out.
                    reader.source = column_reader(row_group, reader.leaf, reader.delivered)?;
                }
                levels.clear();
                let nullable = reader.nullable;
                let values = match &mut reader.source {
                    IntSource::I32(r) => {
                        read_records(r, rows, nullable.then_some(&mut *levels), values32)?;
                        compact(values32, IntValues::I32)
                    }
                    IntSource::I64(r) => {
                        read_records(r, rows, nullable.then_some(&mut *levels), values64)?;
                        compact(values64, IntValues::I64)
                    }
                    IntSource::Keys(_) => unreachable!("replaced by a column reader above"),
                };
                reader.delivered += rows;
                let present = if levels.contains(&0) {
                    levels.iter().map(|&level| level != 0).collect()
                } else {
                    Vec::new()
                };
                Ok(IntColumn { values, present })
            })
            .collect()
    }
}

/// parquet's reader of one integer leaf of the row group, past its first `skip` rows.
fn column_reader(
    row_group: &parquet::file::serialized_reader::SerializedRowGroupReader<'_, File>,
    leaf: usize,
    skip: usize,
) -> Result<IntSource, parquet::errors::ParquetError> {
    use parquet::column::reader::{get_typed_column_reader, ColumnReader};
    use parquet::file::reader::RowGroupReader;
    let mut source = match row_group.get_column_reader(leaf)? {
        reader @ ColumnReader::Int32ColumnReader(_) => {
            IntSource::I32(get_typed_column_reader(reader))
        }
        reader => IntSource::I64(get_typed_column_reader(reader)),
    };
    let skipped = match &mut source {
        IntSource::I32(r) => r.skip_records(skip)?,
        IntSource::I64(r) => r.skip_records(skip)?,
        IntSource::Keys(_) => unreachable!("a column reader"),
    };
    if skipped != skip {
        return Err(parquet::errors::ParquetError::General(format!(
            "a column ends after {skipped} of its row group's rows"
        )));
    }
    Ok(source)
}

/// The values read, as bytes when they all fit one, else copied as they are.
fn compact<V: Copy + Into<i64>>(values: &[V], wide: fn(Vec<V>) -> IntValues) -> IntValues {
    if values.iter().all(|&v| (0..=255).contains(&v.into())) {
        IntValues::U8(values.iter().map(|&v| v.into() as u8).collect())
    } else {
        wide(values.to_vec())
    }
}

/// Exactly `rows` records of one column into `values` (and `levels`), replacing what they
/// held; fewer only if the row group ends early, which its metadata forbids: then an error.
fn read_records<T: parquet::data_type::DataType>(
    reader: &mut parquet::column::reader::ColumnReaderImpl<T>,
    rows: usize,
    mut levels: Option<&mut Vec<i16>>,
    values: &mut Vec<T::T>,
) -> Result<(), parquet::errors::ParquetError> {
    values.clear();
    let mut read = 0;
    while read < rows {
        let (records, _, _) =
            reader.read_records(rows - read, levels.as_deref_mut(), None, values)?;
        if records == 0 {
            return Err(parquet::errors::ParquetError::General(format!(
                "a column ends after {read} of its row group's {rows} rows"
            )));
        }
        read += records;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every physical type keyed without a text per cell gives each row the text a person
    /// sees in that cell (`cell_text`, "" for null), as the per-cell path did: `bool` as
    /// TRUE/FALSE, integers of every width, floats holding integers (pandas' items with NaN).
    #[test]
    fn keyed_columns_give_each_row_its_cell_text() {
        use std::sync::Arc;

        use arrow_array::{
            ArrayRef, BooleanArray, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
            UInt16Array, UInt32Array, UInt64Array,
        };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(BooleanArray::from(vec![
                Some(true),
                None,
                Some(false),
                Some(true),
            ])),
            Arc::new(Int16Array::from(vec![Some(-3), Some(5), None, Some(5)])),
            Arc::new(Int32Array::from(vec![Some(1), None, Some(99), Some(1)])),
            Arc::new(Int64Array::from(vec![
                Some(i64::MAX),
                Some(-1),
                Some(-1),
                None,
            ])),
            Arc::new(UInt16Array::from(vec![Some(0), Some(65535), None, Some(0)])),
            Arc::new(UInt32Array::from(vec![None, Some(4), Some(4), Some(3)])),
            Arc::new(UInt64Array::from(vec![
                Some(u64::MAX),
                Some(2),
                None,
                Some(2),
            ])),
            Arc::new(Float32Array::from(vec![
                Some(4.0),
                Some(2.5),
                None,
                Some(4.0),
            ])),
            Arc::new(Float64Array::from(vec![
                Some(3.0),
                Some(f64::NAN),
                None,
                Some(3.0),
            ])),
        ];
        for column in &columns {
            let keyed = keyed(column.as_ref());
            for row in 0..column.len() {
                let want = if column.is_null(row) {
                    String::new()
                } else {
                    cell_text(column.as_ref(), row)
                };
                assert_eq!(
                    keyed.texts[keyed.keys[row] as usize],
                    want,
                    "{} row {row}",
                    column.data_type()
                );
            }
            // Equal cells share a key: each distinct value is decided once.
            let distinct: std::collections::HashSet<u32> = keyed.keys.iter().copied().collect();
            assert_eq!(
                distinct.len(),
                keyed.texts.len() - usize::from(!keyed.keys.contains(&0))
            );
        }
        // The texts are the ones a person sees (written by hand, not by `cell_text`).
        let booleans = keyed(columns[0].as_ref());
        assert_eq!(booleans.texts, ["", "FALSE", "TRUE"]);
        assert_eq!(booleans.keys, [2, 0, 1, 2]);
    }

    /// A decision that accepts "1".."5" as themselves and refuses anything else, the blank
    /// included, so every path that reports a refused cell is taken.
    fn one_to_five(text: &str) -> Result<u8, String> {
        match text.parse::<u8>() {
            Ok(v @ 1..=5) => Ok(v),
            _ => Err(format!("refused {text:?}")),
        }
    }

    /// Worked by hand: rows 0..5 hold 1, null, 7, 5, null; `present` says which rows have a
    /// value, and the values are stored without the nulls.
    #[test]
    fn byte_columns_report_refused_values_and_blanks_at_their_rows() {
        let column = IntColumn {
            values: IntValues::U8(vec![1, 7, 5]),
            present: vec![true, false, true, true, false],
        };
        let decided = decide_ints(&column, 5, 0, one_to_five);
        assert_eq!(decided.values, [1, 0, 0, 5, 0]);
        let rows: Vec<(usize, &str)> = decided
            .errors
            .iter()
            .map(|(row, text, _)| (*row, text.as_str()))
            .collect();
        assert_eq!(rows, [(1, ""), (2, "7"), (4, "")]);
    }

    /// Each row of an integer column as a number, `None` where null.
    fn column_values(column: &IntColumn) -> Vec<Option<i64>> {
        let dense: Vec<i64> = match &column.values {
            IntValues::Keyed { keys, table } => {
                return keys.iter().map(|&k| table[usize::from(k)]).collect();
            }
            IntValues::U8(v) => v.iter().map(|&x| i64::from(x)).collect(),
            IntValues::I32(v) => v.iter().map(|&x| i64::from(x)).collect(),
            IntValues::I64(v) => v.clone(),
        };
        row_values(&dense, &column.present).collect()
    }

    /// Writes `columns` (name, values) as one row group of Parquet with `props`, then reads
    /// every column back with [`IntReaders`] in batches of `batch` rows. Gives each column's
    /// rows, and whether every batch came as page keys.
    fn read_back(
        columns: &[(&str, arrow_array::ArrayRef)],
        props: parquet::file::properties::WriterProperties,
        batch: usize,
    ) -> Vec<(Vec<Option<i64>>, bool)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ints.parquet");
        let batch_in =
            RecordBatch::try_from_iter(columns.iter().map(|(name, array)| (*name, array.clone())))
                .unwrap();
        let rows = batch_in.num_rows();
        let mut writer = parquet::arrow::ArrowWriter::try_new(
            File::create(&path).unwrap(),
            batch_in.schema(),
            Some(props),
        )
        .unwrap();
        writer.write(&batch_in).unwrap();
        writer.close().unwrap();
        let metadata =
            ArrowReaderMetadata::load(&File::open(&path).unwrap(), ArrowReaderOptions::new())
                .unwrap();
        assert_eq!(metadata.metadata().num_row_groups(), 1);
        let leaves: Vec<usize> = (0..columns.len()).collect();
        let mut readers = IntReaders::open(&path, &metadata, 0, &leaves).unwrap();
        let mut out = vec![(Vec::new(), true); columns.len()];
        let mut at = 0;
        while at < rows {
            let n = batch.min(rows - at);
            for (column, (values, keyed)) in readers.read(n).unwrap().iter().zip(&mut out) {
                *keyed &= matches!(column.values, IntValues::Keyed { .. });
                values.extend(column_values(column));
            }
            at += n;
        }
        out
    }

    /// A column's rows as parquet's own Arrow reader would give them, from the same array.
    fn expected(array: &dyn Array) -> Vec<Option<i64>> {
        (0..array.len())
            .map(|r| {
                (!array.is_null(r)).then(|| match array.data_type() {
                    DataType::UInt8 => i64::from(array.as_primitive::<UInt8Type>().value(r)),
                    DataType::Int32 => i64::from(array.as_primitive::<Int32Type>().value(r)),
                    DataType::Int64 => array.as_primitive::<Int64Type>().value(r),
                    other => panic!("not a test type: {other}"),
                })
            })
            .collect()
    }

    /// A reproducible stream of numbers (a 64-bit LCG, Knuth's MMIX constants).
    fn numbers(seed: u64) -> impl FnMut() -> u64 {
        let mut state = seed;
        move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        }
    }

    /// Page keys give every row that parquet wrote, whatever the pages look like: data
    /// pages v1 and v2, dictionary and plain encodings, small pages, nulls scattered and in
    /// long runs, required columns, one value only, all nulls; and where the keys cannot
    /// follow (more than 255 values, delta encoding) parquet's reader takes over mid-chunk
    /// and still gives every row.
    #[test]
    fn page_keys_give_the_rows_parquet_wrote() {
        use arrow_array::{Int32Array, Int64Array, UInt8Array};
        use parquet::file::properties::{WriterProperties, WriterVersion};
        let rows = 20_000;
        let mut next = numbers(7);
        let answers: UInt8Array = (0..rows)
            .map(|_| (!next().is_multiple_of(50)).then(|| 1 + (next() % 5) as u8))
            .collect();
        // Nulls in long runs (a skipped block of questions) and a 99 "not applicable" code.
        let blocks: UInt8Array = (0..rows)
            .map(|r| ((r / 700) % 3 != 0).then_some(if r % 97 == 0 { 99 } else { (r % 3) as u8 }))
            .collect();
        let required: Int64Array = (0..rows).map(|_| Some((next() % 4) as i64 - 1)).collect();
        let single: Int32Array = (0..rows).map(|r| (r % 11 != 0).then_some(4)).collect();
        let none: Int32Array = (0..rows).map(|_| None::<i32>).collect();
        // 400 distinct values: more than a byte of keys, so parquet's reader takes over.
        let wide: Int32Array = (0..rows).map(|r| Some((r % 400) as i32)).collect();
        // Five values, then 400 from row 10,000: parquet's reader takes over mid-chunk, past
        // the rows the keys already gave.
        let late_wide: Int32Array = (0..rows)
            .map(|r| (r % 13 != 0).then_some(if r < 10_000 { r % 5 } else { r % 400 } as i32))
            .collect();
        let columns: Vec<(&str, arrow_array::ArrayRef)> = vec![
            ("answers", std::sync::Arc::new(answers)),
            ("blocks", std::sync::Arc::new(blocks)),
            ("required", std::sync::Arc::new(required)),
            ("single", std::sync::Arc::new(single)),
            ("none", std::sync::Arc::new(none)),
            ("wide", std::sync::Arc::new(wide)),
            ("late_wide", std::sync::Arc::new(late_wide)),
        ];
        let settings = [
            (WriterVersion::PARQUET_1_0, true, 1_000),
            (WriterVersion::PARQUET_2_0, true, 1_000),
            (WriterVersion::PARQUET_1_0, false, 3_000),
            (WriterVersion::PARQUET_2_0, false, 20_000),
        ];
        for (version, dictionary, page_rows) in settings {
            let props = WriterProperties::builder()
                .set_writer_version(version)
                .set_dictionary_enabled(dictionary)
                .set_data_page_row_count_limit(page_rows)
                .set_write_batch_size(page_rows.min(1024))
                .set_dictionary_page_size_limit(1024)
                .build();
            for batch in [1_000, 4_096, rows] {
                let read = read_back(&columns, props.clone(), batch);
                for ((name, array), (values, keyed)) in columns.iter().zip(&read) {
                    let case =
                        format!("{name}, {version:?}, dictionary {dictionary}, batch {batch}");
                    let expected = expected(array.as_ref());
                    let first_wrong = (0..rows).find(|&r| values.get(r) != expected.get(r));
                    assert_eq!(first_wrong, None, "{case}: first row that differs");
                    assert_eq!(values.len(), rows, "{case}");
                    // The answer columns are what the keys are for: they must take them.
                    if dictionary && matches!(*name, "answers" | "blocks" | "required") {
                        assert!(keyed, "{case}: read as keys");
                    }
                    if matches!(*name, "wide" | "late_wide") && dictionary {
                        assert!(!keyed, "{case}: beyond the keys");
                    }
                }
            }
        }
    }

    /// Rows 0..4 hold 300, 2, -1, 2 with no nulls (`present` empty); 300 makes the column
    /// wide, so each distinct value is decided once.
    #[test]
    fn wide_columns_report_refused_values_at_their_rows() {
        let column = IntColumn {
            values: IntValues::I32(vec![300, 2, -1, 2]),
            present: Vec::new(),
        };
        let decided = decide_ints(&column, 4, 0, one_to_five);
        assert_eq!(decided.values, [0, 2, 0, 2]);
        let rows: Vec<(usize, &str)> = decided
            .errors
            .iter()
            .map(|(row, text, _)| (*row, text.as_str()))
            .collect();
        assert_eq!(rows, [(0, "300"), (2, "-1")]);
    }
}

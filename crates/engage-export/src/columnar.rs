//! Every table also as Parquet (zstd) and Arrow IPC, for machines: `parquet/<table>.parquet`
//! and `arrow/<table>.arrow` in the output folder, the same tidy rows and stable column keys as
//! the CSVs. Each column's type follows its cells: text, boolean, float (any number with a
//! fraction or a mixed column) or 64-bit integer; empty and withheld cells are nulls.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

use crate::tables::{Cell, Table};
use crate::ExportError;

fn column_type(table: &Table, c: usize) -> DataType {
    let cells = table.rows.iter().map(|r| &r[c]);
    let (mut text, mut boolean, mut float, mut int) = (false, false, false, false);
    for cell in cells {
        match cell {
            Cell::Text(_) => text = true,
            Cell::Bool(_) => boolean = true,
            Cell::Number(..) => float = true,
            Cell::Int(_) => int = true,
            Cell::Empty | Cell::Withheld => {}
        }
    }
    if text || (boolean && (float || int)) {
        DataType::Utf8
    } else if boolean {
        DataType::Boolean
    } else if float {
        DataType::Float64
    } else if int {
        DataType::Int64
    } else {
        DataType::Utf8
    }
}

fn batch(table: &Table) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (c, column) in table.columns.iter().enumerate() {
        let ty = column_type(table, c);
        let cells = table.rows.iter().map(|r| &r[c]);
        let array: ArrayRef = match ty {
            DataType::Boolean => Arc::new(BooleanArray::from_iter(cells.map(|x| match x {
                Cell::Bool(b) => Some(*b),
                _ => None,
            }))),
            DataType::Float64 => Arc::new(Float64Array::from_iter(cells.map(|x| match x {
                Cell::Number(v, _) => Some(*v),
                Cell::Int(v) => Some(*v as f64),
                _ => None,
            }))),
            DataType::Int64 => Arc::new(Int64Array::from_iter(cells.map(|x| match x {
                Cell::Int(v) => i64::try_from(*v).ok(),
                _ => None,
            }))),
            _ => Arc::new(StringArray::from_iter(cells.map(|x| match x {
                Cell::Text(s) => Some(s.clone()),
                Cell::Int(v) => Some(v.to_string()),
                Cell::Number(v, _) => Some(v.to_string()),
                Cell::Bool(b) => Some(b.to_string()),
                Cell::Empty | Cell::Withheld => None,
            }))),
        };
        fields.push(Field::new(column.key, ty, true));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
}

/// Writes `dir/parquet/<name>.parquet` and `dir/arrow/<name>.arrow` for every table.
pub fn write_columnar_tables(tables: &[Table], dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let mut written = Vec::new();
    for sub in ["parquet", "arrow"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).map_err(|source| ExportError::Io {
            path: d.clone(),
            source,
        })?;
    }
    for table in tables {
        let parquet_path = dir.join("parquet").join(format!("{}.parquet", table.name));
        let arrow_path = dir.join("arrow").join(format!("{}.arrow", table.name));
        let fail = |path: &Path, e: String| ExportError::Columnar {
            path: path.to_path_buf(),
            message: e,
        };
        let batch = batch(table).map_err(|e| fail(&parquet_path, e.to_string()))?;
        let file = std::fs::File::create(&parquet_path).map_err(|source| ExportError::Io {
            path: parquet_path.clone(),
            source,
        })?;
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::ZSTD(
                parquet::basic::ZstdLevel::default(),
            ))
            .build();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props))
            .map_err(|e| fail(&parquet_path, e.to_string()))?;
        w.write(&batch)
            .map_err(|e| fail(&parquet_path, e.to_string()))?;
        w.close().map_err(|e| fail(&parquet_path, e.to_string()))?;
        let file = std::fs::File::create(&arrow_path).map_err(|source| ExportError::Io {
            path: arrow_path.clone(),
            source,
        })?;
        let mut w = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema())
            .map_err(|e| fail(&arrow_path, e.to_string()))?;
        w.write(&batch)
            .map_err(|e| fail(&arrow_path, e.to_string()))?;
        w.finish().map_err(|e| fail(&arrow_path, e.to_string()))?;
        written.push(parquet_path);
        written.push(arrow_path);
    }
    Ok(written)
}

//! Small side tables an analyst keeps next to the data: the crosswalk of groups renamed,
//! merged or split between waves, and headcounts per group. CSV in UTF-8 or CP932 (as Excel
//! saves it), one header row; errors name the file, the spreadsheet row and the column.

use std::path::{Path, PathBuf};

use crate::text::detect;

#[derive(Debug, thiserror::Error)]
pub enum SideFileError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the text is neither UTF-8 nor CP932 (Shift_JIS); save it as UTF-8")]
    Encoding { path: PathBuf },
    #[error("{path}: the header must have the columns {expected} (found: {found})")]
    Header {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("{path}, row {row}, column `{column}`: {message}")]
    Cell {
        path: PathBuf,
        row: usize,
        column: String,
        message: String,
    },
    #[error("{path}, row {row}: {message}")]
    Row {
        path: PathBuf,
        row: usize,
        message: String,
    },
}

/// One row of a crosswalk: group `a_key` of wave A became (part of) group `b_key` of wave B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrosswalkRow {
    pub segment: String,
    pub a_key: String,
    pub b_key: String,
    /// Spreadsheet row number, for messages.
    pub row: usize,
}

/// The headcount of one group (staff on the payroll when the survey ran).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadcountRow {
    pub segment: String,
    pub group: String,
    pub headcount: u64,
    pub row: usize,
}

/// Reads `segment,a_key,b_key`.
pub fn read_crosswalk(path: &Path) -> Result<Vec<CrosswalkRow>, SideFileError> {
    let rows = read_table(path, &["segment", "a_key", "b_key"])?;
    Ok(rows
        .into_iter()
        .map(|(row, cells)| {
            let [segment, a_key, b_key] = cells;
            CrosswalkRow {
                segment,
                a_key,
                b_key,
                row,
            }
        })
        .collect())
}

/// Reads `segment,group,headcount`; the whole organisation is segment `total` (group empty).
pub fn read_headcounts(path: &Path) -> Result<Vec<HeadcountRow>, SideFileError> {
    let rows = read_table(path, &["segment", "group", "headcount"])?;
    rows.into_iter()
        .map(|(row, [segment, group, count])| {
            let headcount = count.parse::<u64>().map_err(|_| SideFileError::Cell {
                path: path.to_path_buf(),
                row,
                column: "headcount".into(),
                message: format!("`{count}` is not a whole number of staff"),
            })?;
            Ok(HeadcountRow {
                segment,
                group,
                headcount,
                row,
            })
        })
        .collect()
}

/// The rows of a small CSV whose header is exactly `columns` (in any order), cells trimmed and
/// NFKC-normalised like segment values, with their spreadsheet row numbers (header = row 1).
fn read_table<const N: usize>(
    path: &Path,
    columns: &[&str; N],
) -> Result<Vec<(usize, [String; N])>, SideFileError> {
    let bytes = std::fs::read(path).map_err(|source| SideFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let detected = detect(&bytes, None).ok_or_else(|| SideFileError::Encoding {
        path: path.to_path_buf(),
    })?;
    let (text, _, bad) = detected.encoding.decode(&bytes[detected.bom_len..]);
    if bad {
        return Err(SideFileError::Encoding {
            path: path.to_path_buf(),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| SideFileError::Row {
            path: path.to_path_buf(),
            row: 1,
            message: e.to_string(),
        })?
        .iter()
        .map(engage_model::normalize_text)
        .collect();
    let positions: Vec<Option<usize>> = columns
        .iter()
        .map(|c| header.iter().position(|h| h == c))
        .collect();
    if positions.iter().any(Option::is_none) {
        return Err(SideFileError::Header {
            path: path.to_path_buf(),
            expected: columns.join(","),
            found: header.join(","),
        });
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| SideFileError::Row {
            path: path.to_path_buf(),
            row,
            message: e.to_string(),
        })?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells: [String; N] = std::array::from_fn(|c| {
            let at = positions[c].expect("checked");
            engage_model::normalize_text(record.get(at).unwrap_or(""))
        });
        for (c, cell) in cells.iter().enumerate() {
            // The whole organisation's headcount row leaves `group` empty.
            if cell.is_empty() && !(columns[c] == "group" && cells[0] == "total") {
                return Err(SideFileError::Cell {
                    path: path.to_path_buf(),
                    row,
                    column: columns[c].to_string(),
                    message: "is empty".into(),
                });
            }
        }
        out.push((row, cells));
    }
    Ok(out)
}

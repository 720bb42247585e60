//! The other published formats must withhold what `report.json` withholds: the CSV tables with
//! group rows are read back and every number in a cell the report withholds is a finding.

use std::path::Path;

use crate::release::{Place, Release, Shown};
use crate::{AuditError, Exposure, Finding};

/// Which count table a `segments.csv` row's `measure_type` belongs to (labels in either language).
fn measure_kind(measure_type: &str) -> Option<&'static str> {
    match measure_type {
        "検証指標" | "kpi" => Some("kpi"),
        "領域" | "dimension" => Some("dimension"),
        "設問" | "item" => Some("item"),
        _ => None,
    }
}

struct Csv {
    headers: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

/// `'=x` -> `=x`: the text an engage CSV protected from being read as a formula.
fn unescape_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

impl Csv {
    fn read(path: &Path) -> Result<Option<Csv>, AuditError> {
        if !path.exists() {
            return Ok(None);
        }
        let bytes =
            std::fs::read(path).map_err(|e| AuditError::Read(path.to_path_buf(), e.to_string()))?;
        // `--csv-encoding cp932` writes CP932 for older Excel: read it as such when the bytes
        // are not UTF-8.
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t.to_string(),
            Err(_) => {
                let (t, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
                if bad {
                    return Err(AuditError::Read(
                        path.to_path_buf(),
                        "neither UTF-8 nor CP932".into(),
                    ));
                }
                t.into_owned()
            }
        };
        let mut reader = csv::ReaderBuilder::new().from_reader(std::io::Cursor::new(text));
        let headers = reader
            .headers()
            .map_err(|e| AuditError::Read(path.to_path_buf(), e.to_string()))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| AuditError::Read(path.to_path_buf(), e.to_string()))?;
            // Text that a spreadsheet would take for a formula is written with a leading `'`
            // (docs/report-json.md): read it as the text it stands for.
            let record: csv::StringRecord = record.iter().map(unescape_formula).collect();
            // Spreadsheet row numbers: the header is row 1.
            rows.push((i + 2, record));
        }
        Ok(Some(Csv { headers, rows }))
    }

    fn column(&self, path: &Path, key: &str) -> Result<usize, AuditError> {
        self.headers
            .iter()
            .position(|h| h == key)
            .ok_or_else(|| AuditError::Read(path.to_path_buf(), format!("no column `{key}`")))
    }
}

/// Findings for numbers in `segments.csv` and `multi_select_by_segment.csv` that the report
/// withholds.
pub fn check_csv_tables(dir: &Path, release: &Release) -> Result<Vec<Finding>, AuditError> {
    let mut findings = Vec::new();
    let path = dir.join("segments.csv");
    if let Some(csv) = Csv::read(&path)? {
        let [seg, key, respondents, kind, id, n] = [
            "segment_id",
            "group_key",
            "respondents",
            "measure_type",
            "measure_id",
            "n",
        ]
        .map(|k| csv.column(&path, k));
        let (seg, key, respondents, kind, id, n) = (seg?, key?, respondents?, kind?, id?, n?);
        for (row, r) in &csv.rows {
            let Some(place) = release.find_group(&r[seg], &r[key]) else {
                continue;
            };
            let mut check = |table: &str, column: &str, value: &str| {
                let Some(t) = release.tables.iter().find(|t| t.name == table) else {
                    return;
                };
                if t.at(place) == Shown::Withheld && !value.is_empty() {
                    findings.push(Finding {
                        table: table.to_string(),
                        place,
                        exposure: Exposure::PublishedElsewhere {
                            file: format!("segments.csv row {row}, column {column}"),
                        },
                    });
                }
            };
            check("respondents", "respondents", &r[respondents]);
            if let Some(k) = measure_kind(&r[kind]) {
                check(&format!("{k} {}", &r[id]), "n", &r[n]);
            }
        }
    }
    let path = dir.join("multi_select_by_segment.csv");
    if let Some(csv) = Csv::read(&path)? {
        let (q, seg, group, base) = (
            csv.column(&path, "question_id")?,
            csv.column(&path, "segment_id")?,
            csv.column(&path, "group")?,
            csv.column(&path, "base")?,
        );
        for (row, r) in &csv.rows {
            let Some(place) = release.find_group(&r[seg], &r[group]) else {
                continue;
            };
            let name = format!("multi_select {}", &r[q]);
            let Some(t) = release.tables.iter().find(|t| t.name == name) else {
                continue;
            };
            if t.at(place) == Shown::Withheld && !r[base].is_empty() {
                findings.push(Finding {
                    table: name,
                    place,
                    exposure: Exposure::PublishedElsewhere {
                        file: format!("multi_select_by_segment.csv row {row}, column base"),
                    },
                });
            }
        }
    }
    // A group of the whole organisation is never in these files.
    findings.retain(|f| f.place != Place::Whole);
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::unescape_formula;

    /// The export writes `'` before text starting with =, +, -, @, tab or CR (OWASP); the
    /// audit reads the text back. Other leading quotes are the text's own.
    #[test]
    fn text_protected_from_spreadsheets_reads_as_itself() {
        assert_eq!(unescape_formula("'-総務課"), "-総務課");
        assert_eq!(unescape_formula("'=1+1"), "=1+1");
        assert_eq!(unescape_formula("'@x"), "@x");
        assert_eq!(unescape_formula("'quoted"), "'quoted");
        assert_eq!(unescape_formula("政策局"), "政策局");
    }
}

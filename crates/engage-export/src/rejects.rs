//! The rejects file: every rejected row exactly as read, with the file, the spreadsheet row
//! number and the reasons in front. It holds raw answers, so it is written outside the
//! publishable output folder (the CLI enforces that).

use std::path::Path;

use engage_ingest::RejectedRow;

use crate::csv_out::spreadsheet_text;
use crate::ExportError;

pub fn write_rejects(rejected: &[RejectedRow], path: &Path) -> Result<(), ExportError> {
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut last_header: Option<&Vec<String>> = None;
    for r in rejected {
        // A header line before the first row and whenever the source file's header changes.
        if last_header != Some(&r.header) {
            let mut h = vec!["source_file".to_string(), "row".into(), "reasons".into()];
            h.extend(r.header.iter().map(|v| spreadsheet_text(v)));
            records.push(h);
            last_header = Some(&r.header);
        }
        // Raw answers as text a spreadsheet will not run (a leading `'` before =, +, -, @).
        let mut record = vec![
            spreadsheet_text(&r.file),
            r.row.to_string(),
            spreadsheet_text(&r.reasons.join(" | ")),
        ];
        record.extend(r.raw.iter().map(|v| spreadsheet_text(v)));
        records.push(record);
    }
    write_private_csv(&records, path)
}

/// The full row accounting per file, for the private folder when a release withholds some
/// files' rows (they count withheld groups): the same columns as `data_quality.csv`.
pub fn write_accounting(
    files: &[engage_ingest::FileAccount],
    path: &Path,
) -> Result<(), ExportError> {
    let header = [
        "file",
        "sha256",
        "format",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
    ];
    let records = std::iter::once(header.map(str::to_string).to_vec())
        .chain(files.iter().map(|f| {
            vec![
                spreadsheet_text(&f.path),
                f.sha256.clone(),
                spreadsheet_text(&f.format),
                f.rows_read.to_string(),
                f.rows_accepted.to_string(),
                f.rows_rejected.to_string(),
            ]
        }))
        .collect::<Vec<_>>();
    write_private_csv(&records, path)
}

/// Records as a UTF-8 CSV with a byte-order mark and CRLF line ends (rows may differ in
/// length), its folder created first.
fn write_private_csv(records: &[Vec<String>], path: &Path) -> Result<(), ExportError> {
    let io = |source: std::io::Error| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut bytes: Vec<u8> = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut bytes);
        for record in records {
            w.write_record(record).map_err(|e| io(e.into()))?;
        }
        w.flush().map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

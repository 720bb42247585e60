//! Each file format and encoding HR staff send, read as the analyst sees it: CP932 with vendor
//! characters, UTF-16 "Unicode text", semicolons, title rows above the header, workbooks with
//! a notes sheet, Parquet and Arrow IPC, one file per bureau. Row numbers in messages are the
//! ones the spreadsheet shows.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use engage_ingest::{read_responses, IngestError, Ingested};
use engage_model::{ProblemKind, Survey};

/// Two items, a bureau and a section segment; `data` is appended to `[data]`.
fn definition(data: &str, segment_column: &str) -> String {
    format!(
        r#"
[survey]
id = "t"
ja = "t"
en = "t"
[wave]
year = 2023
label = "R5"
[data]
file = "responses.csv"
{data}
[[items]]
id = "q1"
column = "Q1"
ja = "q1"
en = "q1"
[[items]]
id = "q2"
column = "Q2"
ja = "q2"
en = "q2"
[[segments]]
id = "bureau"
column = "{segment_column}"
ja = "局区"
en = "Bureau"
"#
    )
}

struct Case {
    dir: tempfile::TempDir,
    survey: Survey,
}

impl Case {
    fn new(data: &str) -> Case {
        Case::with_segment(data, "局区")
    }

    fn with_segment(data: &str, column: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let def = dir.path().join("survey.toml");
        std::fs::write(&def, definition(data, column)).unwrap();
        let survey = Survey::load(&def).unwrap();
        Case { dir, survey }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn read(&self, paths: &[PathBuf]) -> Result<Ingested, IngestError> {
        let ing = read_responses(&self.survey, paths)?;
        assert_eq!(ing.rows_read(), ing.rows_accepted() + ing.rows_rejected());
        for a in &ing.accounts {
            assert_eq!(a.rows_read, a.rows_accepted + a.rows_rejected, "{}", a.path);
        }
        Ok(ing)
    }
}

fn values(ing: &Ingested, segment: usize) -> Vec<String> {
    let s = &ing.table.segments[segment];
    s.codes
        .iter()
        .map(|&c| s.levels[c as usize].value.clone())
        .collect()
}

fn only_problem(ing: &Ingested) -> &engage_ingest::Problem {
    assert_eq!(ing.problems.len(), 1, "{:?}", ing.problems);
    &ing.problems[0]
}

#[test]
fn cp932_csv_with_vendor_characters_crlf_no_bom() {
    let case = Case::new("");
    let text = "Q1,Q2,局区\r\n4,5,髙森出張所①\r\n3,2,ﾁｭｳｵｳｸ\r\n9,1,東区\r\n";
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable, "髙 and ① are in CP932");
    let p = case.write("responses.csv", &bytes);
    let ing = case.read(&[p]).unwrap();
    assert_eq!(ing.accounts[0].format, "csv, cp932, delimiter ','");
    // NFKC: ① becomes 1 and half-width katakana full-width; 髙 is its own character.
    assert_eq!(values(&ing, 0), vec!["髙森出張所1", "チュウオウク"]);
    let p = only_problem(&ing);
    assert_eq!(
        (p.row, p.column.as_deref(), p.kind),
        (4, Some("Q1"), ProblemKind::OutOfRange)
    );
}

#[test]
fn utf16_tab_separated_unicode_text() {
    let case = Case::new("");
    let text = "Q1\tQ2\t局区\r\n4\t5\t中央区\r\n2\t3\t東区\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let p = case.write("responses.txt", &bytes);
    let ing = case.read(&[p]).unwrap();
    assert_eq!(ing.accounts[0].format, "tsv, utf-16le, delimiter tab");
    assert_eq!(ing.table.items[0], vec![4, 2]);
    assert_eq!(values(&ing, 0), vec!["中央区", "東区"]);
}

#[test]
fn semicolons_and_a_title_above_the_header() {
    let case = Case::new("header_row = 3");
    let text = "職員満足度調査 2023;;\n\nQ1;Q2;局区\n4;5;中央区\n4;6;東区\n";
    let p = case.write("responses.csv", text.as_bytes());
    let ing = case.read(&[p]).unwrap();
    assert_eq!(ing.accounts[0].format, "csv, utf-8, delimiter ';'");
    let p = only_problem(&ing);
    assert_eq!((p.row, p.column.as_deref()), (5, Some("Q2")));
}

#[test]
fn forced_encoding_and_format() {
    let case = Case::new("format = \"tsv\"\nencoding = \"cp932\"");
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("Q1\tQ2\t局区\n4\t5\t中央区\n");
    let p = case.write("export.dat", &bytes);
    let ing = case.read(&[p]).unwrap();
    assert_eq!(values(&ing, 0), vec!["中央区"]);
}

#[test]
fn a_file_that_switches_encoding_names_the_row() {
    let case = Case::new("");
    let mut bytes = "Q1,Q2,局区\n4,5,中央区\n3,3,東区\n".as_bytes().to_vec();
    bytes.extend(encoding_rs::SHIFT_JIS.encode("2,2,西区\n").0.iter());
    let p = case.write("responses.csv", &bytes);
    let err = case.read(&[p]).unwrap_err().to_string();
    assert!(
        err.contains("row 4") && err.contains("not valid utf-8"),
        "{err}"
    );
}

/// A CP932 file (as Excel saves it) that someone appended UTF-8 rows to, 70 KB in: read as
/// CP932, which decodes further, and stopped at the first UTF-8 row, by its spreadsheet
/// number (header row 1). ("あ" in UTF-8, E3 81 82, leaves 82 as a CP932 lead byte before
/// the line break: not CP932. Much UTF-8 Japanese is also valid CP932 and cannot be told
/// apart by its bytes.)
#[test]
fn a_cp932_file_that_turns_into_utf8_names_the_row() {
    let case = Case::new("");
    let mut bytes = encoding_rs::SHIFT_JIS.encode("Q1,Q2,局区\r\n").0.to_vec();
    let mut rows = 0;
    while bytes.len() < 70_000 {
        bytes.extend(encoding_rs::SHIFT_JIS.encode("4,5,中央区\r\n").0.iter());
        rows += 1;
    }
    bytes.extend("3,3,あ\r\n".as_bytes());
    let p = case.write("responses.csv", &bytes);
    let err = case.read(&[p]).unwrap_err().to_string();
    let row = format!("row {}", rows + 2);
    assert!(
        err.contains(&row) && err.contains("not valid cp932"),
        "{err} (expected {row})"
    );
}

/// A respondent id picked as a segment by mistake: the 10,001st distinct value ends the read
/// with an error naming the file, segment, column and that value (checked once all files are
/// read, whichever way they were read); 10,000 are fine.
#[test]
fn a_segment_with_over_ten_thousand_groups_is_refused() {
    let case = Case::new("");
    let mut text = String::from("Q1,Q2,局区\n");
    for i in 0..10_001 {
        text.push_str(&format!("4,5,職員{i:05}\n"));
    }
    let p = case.write("responses.csv", text.as_bytes());
    let err = case.read(&[p]).unwrap_err().to_string();
    assert!(
        err.contains("responses.csv")
            && err.contains("segment `bureau` (column `局区`) has 10001 distinct values")
            && err.contains("`職員10000`"),
        "{err}"
    );
    let mut text = String::from("Q1,Q2,局区\n");
    for i in 0..10_000 {
        text.push_str(&format!("4,5,職員{i:05}\n"));
    }
    let p = case.write("responses.csv", text.as_bytes());
    assert_eq!(
        case.read(&[p]).unwrap().table.segments[0].levels.len(),
        10_001
    );
}

/// A cross counts too: 2,001 sections (under the limit) × 5 age bands met in the data make
/// 10,005 cross cells, refused under the cross's id with both columns named.
#[test]
fn a_cross_with_over_ten_thousand_cells_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let def = definition("", "局区")
        + "[[segments]]\nid = \"age\"\ncolumn = \"年齢\"\nja = \"年齢\"\nen = \"Age\"\n"
        + "[[crosses]]\nid = \"bureau_x_age\"\nsegments = [\"bureau\", \"age\"]\n";
    std::fs::write(dir.path().join("survey.toml"), def).unwrap();
    let survey = Survey::load(&dir.path().join("survey.toml")).unwrap();
    let mut text = String::from("Q1,Q2,局区,年齢\n");
    for i in 0..2_001 {
        for age in 0..5 {
            text.push_str(&format!("4,5,課{i},{age}0代\n"));
        }
    }
    let p = dir.path().join("responses.csv");
    std::fs::write(&p, text).unwrap();
    let err = read_responses(&survey, &[p]).unwrap_err().to_string();
    assert!(
        err.contains("segment `bureau_x_age` (column `局区 × 年齢`) has 10005 distinct values"),
        "{err}"
    );
}

#[test]
fn unknown_extension_asks_for_a_format() {
    let case = Case::new("");
    let p = case.write("responses.sav", b"x");
    let err = case.read(&[p]).unwrap_err().to_string();
    assert!(err.contains("set `format` in [data]"), "{err}");
}

fn workbook(path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let notes = book.add_worksheet().set_name("注記").unwrap();
    notes.write_string(0, 0, "この表は集計に使わない").unwrap();
    let sheet = book.add_worksheet().set_name("回答").unwrap();
    sheet
        .write_string(0, 0, "職員満足度調査（2023年7月）")
        .unwrap();
    for (c, h) in ["Q1", "Q2", "局区"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    sheet.write_number(2, 0, 4.0).unwrap();
    sheet.write_number(2, 1, 5.0).unwrap();
    sheet.write_string(2, 2, "中央区").unwrap();
    // Spreadsheet row 4 is empty; row 5 has an out-of-range 6 in Q2 (column B).
    sheet.write_number(4, 0, 3.0).unwrap();
    sheet.write_number(4, 1, 6.0).unwrap();
    sheet.write_string(4, 2, "東区").unwrap();
    sheet.write_string(5, 0, "そう思う").unwrap();
    sheet.write_boolean(5, 1, true).unwrap();
    sheet.write_string(5, 2, "東区").unwrap();
    book.save(path).unwrap();
}

#[test]
fn xlsx_sheet_by_name_with_a_title_row() {
    let case = Case::new("sheet = \"回答\"\nheader_row = 2");
    let p = case.path("responses.xlsx");
    workbook(&p);
    let ing = case.read(&[p]).unwrap();
    assert_eq!(ing.accounts[0].format, "xlsx, sheet `回答`");
    assert_eq!(ing.rows_read(), 3);
    let bad: Vec<_> = ing
        .problems
        .iter()
        .map(|p| (p.row, p.column.clone().unwrap(), p.value.clone()))
        .collect();
    assert_eq!(
        bad,
        vec![
            (5, "Q2".to_string(), "6".to_string()),
            (6, "Q2".to_string(), "TRUE".to_string())
        ]
    );
    assert_eq!(ing.table.items[0], vec![4]);
}

#[test]
fn xlsx_sheet_by_index_and_missing_sheet() {
    let case = Case::new("sheet = 1\nheader_row = 2");
    let p = case.path("responses.xlsx");
    workbook(&p);
    assert_eq!(case.read(std::slice::from_ref(&p)).unwrap().rows_read(), 3);
    let case = Case::new("sheet = \"Answers\"");
    let p2 = case.path("responses.xlsx");
    workbook(&p2);
    let err = case.read(&[p2]).unwrap_err().to_string();
    assert!(
        err.contains("no sheet named `Answers`") && err.contains("注記, 回答"),
        "{err}"
    );
}

/// A 5 KB workbook with values in A1 and XFD1048576 spans 17 billion cells: refused with the
/// file, the sheet and the span before any grid is allocated (calamine would abort on it).
#[test]
fn xlsx_with_a_stray_far_cell_is_refused_before_allocating() {
    let case = Case::new("");
    let p = case.path("responses.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Q1", "Q2", "局区"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_number(1_048_575, 16_383, 1.0).unwrap();
    book.save(&p).unwrap();
    let err = case.read(std::slice::from_ref(&p)).unwrap_err().to_string();
    assert!(
        err.contains("responses.xlsx")
            && err.contains("A1:XFD1048576")
            && err.contains("1048576 rows × 16384 columns"),
        "{err}"
    );
}

/// A minimal OpenDocument spreadsheet: manifest, mimetype and content.
fn ods(path: &Path) {
    use std::io::Write;
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#).unwrap();
    zip.start_file("content.xml", stored).unwrap();
    let cell = |v: &str| {
        if v.parse::<f64>().is_ok() {
            format!(
                r#"<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>"#
            )
        } else {
            format!(
                r#"<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>"#
            )
        }
    };
    let row = |cells: &[&str]| {
        format!(
            "<table:table-row>{}</table:table-row>",
            cells.iter().map(|c| cell(c)).collect::<String>()
        )
    };
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="回答">{}{}{}</table:table></office:spreadsheet></office:body></office:document-content>"#,
        row(&["Q1", "Q2", "局区"]),
        row(&["4", "5", "中央区"]),
        row(&["2", "0", "東区"]),
    );
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap();
}

#[test]
fn ods_through_calamine() {
    let case = Case::new("");
    let p = case.path("responses.ods");
    ods(&p);
    let ing = case.read(&[p]).unwrap();
    assert_eq!(ing.accounts[0].format, "ods, sheet `回答`");
    assert_eq!(ing.table.items[0], vec![4]);
    let p = only_problem(&ing);
    assert_eq!(
        (p.row, p.column.as_deref(), p.value.as_str()),
        (3, Some("Q2"), "0")
    );
}

fn batch(extra: Option<(&str, ArrayRef)>) -> RecordBatch {
    let mut fields = vec![
        Field::new("Q1", DataType::Int64, true),
        Field::new("Q2", DataType::Utf8, true),
        Field::new("局区", DataType::Utf8, true),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![Some(4), None, Some(5)])),
        Arc::new(StringArray::from(vec![Some("5"), Some("3"), Some("8")])),
        Arc::new(StringArray::from(vec!["中央区", "東区", "東区"])),
    ];
    if let Some((name, array)) = extra {
        fields.push(Field::new(name, array.data_type().clone(), true));
        columns.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

#[test]
fn parquet_rows_are_numbered_from_two() {
    let case = Case::new("");
    let p = case.path("responses.parquet");
    let b = batch(None);
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&p).unwrap(), b.schema(), None)
            .unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
    let ing = case.read(&[p]).unwrap();
    assert_eq!(ing.table.items[0], vec![4, 0]);
    let p = only_problem(&ing);
    assert_eq!(
        (p.row, p.column.as_deref(), p.value.as_str()),
        (4, Some("Q2"), "8")
    );
}

#[test]
fn arrow_stream_and_unsupported_column_types() {
    let case = Case::new("");
    let p = case.path("responses.arrows");
    let b = batch(None);
    let mut w =
        arrow_ipc::writer::StreamWriter::try_new(std::fs::File::create(&p).unwrap(), &b.schema())
            .unwrap();
    w.write(&b).unwrap();
    w.finish().unwrap();
    let ing = case.read(&[p]).unwrap();
    assert_eq!(ing.accounts[0].format, "arrow ipc stream");
    assert_eq!(ing.rows_read(), 3);

    // A date column is fine while unused, an error once the definition reads it.
    let dates: ArrayRef = Arc::new(Date32Array::from(vec![1, 2, 3]));
    let b = batch(Some(("回答日", dates)));
    let p = case.path("dated.arrow");
    let mut w =
        arrow_ipc::writer::FileWriter::try_new(std::fs::File::create(&p).unwrap(), &b.schema())
            .unwrap();
    w.write(&b).unwrap();
    w.finish().unwrap();
    let ing = case.read(std::slice::from_ref(&p)).unwrap();
    assert_eq!(ing.unused_columns, vec!["回答日".to_string()]);
    let dated = Case::with_segment("", "回答日");
    let err = dated.read(&[p]).unwrap_err().to_string();
    assert!(err.contains("column `回答日` has type Date32"), "{err}");
}

#[test]
fn one_file_per_bureau_by_pattern_with_the_file_as_segment() {
    let case = Case::with_segment("", "@file");
    let dir = case.path("bureaus");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("中央区.csv"), "Q1,Q2\n4,5\n3,3\n").unwrap();
    std::fs::write(dir.join("東区.csv"), "\u{feff}Q1,Q2\n5,5\n9,1\n").unwrap();
    std::fs::write(dir.join("readme.txt"), "not data").unwrap();
    let ing = case.read(&[dir.join("*.csv")]).unwrap();
    let names: Vec<String> = ing
        .accounts
        .iter()
        .map(|a| {
            format!(
                "{} {}={}+{}",
                Path::new(&a.path).file_name().unwrap().to_string_lossy(),
                a.rows_read,
                a.rows_accepted,
                a.rows_rejected
            )
        })
        .collect();
    assert_eq!(names, vec!["中央区.csv 2=2+0", "東区.csv 2=1+1"]);
    assert_eq!(values(&ing, 0), vec!["中央区", "中央区", "東区"]);
    let p = only_problem(&ing);
    assert!(p.file.ends_with("東区.csv") && p.row == 3, "{p}");
}

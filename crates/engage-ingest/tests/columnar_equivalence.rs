//! Parquet and Arrow IPC are read column by column (`read/batch.rs`), CSV row by row
//! (`read.rs`). Both must decide every cell and row alike: random files full of problems, written
//! as CSV and as Parquet (small row groups, so that rows meet across batches) and Arrow IPC,
//! must give the same table, problems, rejected rows and accounts; so must the same batches
//! handed over in memory (`read_record_batches`).

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray, UInt8Array};
use arrow_schema::{DataType, Field, Schema};
use engage_ingest::{read_record_batches, read_responses, Ingested, MemoryBatches};
use engage_model::Survey;
use proptest::prelude::*;

const DEFINITION: &str = r#"
[survey]
id = "t"
ja = "t"
en = "t"
[wave]
year = 2023
label = "R5"
[data]
file = "responses.csv"
respondent_id = "ID"
[missing]
codes = ["無回答", "9"]
not_applicable = ["わからない"]
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
[[items]]
id = "q3"
column = "Q3"
ja = "q3"
en = "q3"
reverse = true
[[segments]]
id = "bureau"
column = "局区"
ja = "局区"
en = "Bureau"
values = ["中央区", "東区"]
[[segments]]
id = "section"
column = "所属"
ja = "所属"
en = "Section"
parent = "bureau"
[[segments]]
id = "file"
column = "@file"
ja = "ファイル"
en = "File"
[[crosses]]
segments = ["bureau", "file"]
[[multi_select]]
id = "m"
ja = "課題"
en = "Issues"
storage = "delimited"
column = "M"
max_picks = 2
none_option = "none"
options = [
  { id = "a", ja = "業務量が多い", en = "Workload", code = "1" },
  { id = "b", ja = "会議が多い", en = "Meetings", code = "2" },
  { id = "c", ja = "残業が多い", en = "Overtime", code = "3" },
  { id = "none", ja = "特になし", en = "Nothing", code = "9" },
]
[[multi_select]]
id = "o"
ja = "選択"
en = "Picks"
options = [
  { id = "x", ja = "X", en = "X", column = "O1" },
  { id = "y", ja = "Y", en = "Y", column = "O2" },
]
[[free_text]]
id = "c"
column = "C"
ja = "自由記述"
en = "Comment"
"#;

const POLICIES: [&str; 3] = [
    "[validation]\nstraight_lining_min_items = 2\n",
    r#"[validation]
straight_lining = "reject"
straight_lining_min_items = 3
out_of_range = "blank"
undeclared_segment = "blank"
none_with_others = "blank"
too_many_picks = "warn"
duplicate_id = "warn"
"#,
    r#"[validation]
undeclared_segment = "warn"
unmappable = "blank"
bad_pick_mark = "reject"
unknown_option = "blank"
blank_id = "warn"
no_answers = "warn"
"#,
];

const HEADER: [&str; 10] = ["ID", "局区", "所属", "Q1", "Q2", "Q3", "M", "O1", "O2", "C"];

/// Cell texts each column draws from: good values, blanks, missing codes and every kind of bad
/// value, in full-width and half-width forms.
fn vocabulary(column: usize) -> &'static [&'static str] {
    match column {
        0 => &["R1", "R2", " R3", "R3", "R4", "", "Ｒ５", "R6", "R7"],
        1 => &["中央区", "東区", "西区", "", "無回答", "東区 "],
        2 => &["総務課", "企画課", "", "9", "ＩＴ推進課"],
        3..=5 => &[
            "1",
            "2",
            "3",
            "4",
            "5",
            "9",
            "わからない",
            "6",
            "abc",
            "",
            "そう思う",
            "4.0",
            "３",
            "300",
        ],
        6 => &[
            "1;2",
            "9",
            "1;9",
            "1;2;3",
            "",
            "x",
            "業務量が多い、会議が多い",
            "2",
        ],
        7 | 8 => &["1", "0", "", "○", "2"],
        _ => &["", "特になし", "残業が多い。", "無回答", "ｶﾞｲﾄﾞ"],
    }
}

fn rows() -> impl Strategy<Value = Vec<Vec<usize>>> {
    let row = proptest::collection::vec(0usize..64, HEADER.len());
    proptest::collection::vec(row, 1..80)
}

fn cell(column: usize, pick: usize) -> &'static str {
    let words = vocabulary(column);
    words[pick % words.len()]
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', ';', '\n']) || text != text.trim() {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// How the batch stores item and multi-select pick columns: as text, or as integers (texts
/// that are not such integers become nulls there, so the CSV twin gets blanks for them).
#[derive(Debug, Clone, Copy)]
enum Storage {
    Text,
    /// UInt8, as most writers store answer codes.
    Bytes,
    /// Int64 items and Int32 pick marks, as pandas and others store integers.
    Wide,
}

/// The batch of `rows`, item and pick columns stored as `storage` says.
fn batch(rows: &[Vec<usize>], storage: Storage) -> RecordBatch {
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (c, name) in HEADER.iter().enumerate() {
        let texts: Vec<Option<&str>> = rows
            .iter()
            .map(|r| Some(cell(c, r[c])).filter(|t| !t.is_empty()))
            .collect();
        let integers = (3..=8).contains(&c);
        let (data_type, values): (DataType, ArrayRef) = match storage {
            Storage::Bytes if integers => (
                DataType::UInt8,
                Arc::new(
                    texts
                        .iter()
                        .map(|t| t.and_then(|t| t.parse::<u8>().ok()))
                        .collect::<UInt8Array>(),
                ),
            ),
            Storage::Wide if (3..=5).contains(&c) => (
                DataType::Int64,
                Arc::new(
                    texts
                        .iter()
                        .map(|t| t.and_then(|t| t.parse::<i64>().ok()))
                        .collect::<Int64Array>(),
                ),
            ),
            Storage::Wide if integers => (
                DataType::Int32,
                Arc::new(
                    texts
                        .iter()
                        .map(|t| t.and_then(|t| t.parse::<i32>().ok()))
                        .collect::<Int32Array>(),
                ),
            ),
            _ => (DataType::Utf8, Arc::new(StringArray::from(texts))),
        };
        // A column without blanks is declared required, as writers do for complete columns
        // (Parquet then stores no definition levels for it).
        fields.push(Field::new(*name, data_type, values.null_count() > 0));
        columns.push(values);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// The CSV twin of `batch`, written from the batch's own cells.
fn write_csv(path: &Path, batch: &RecordBatch) {
    let mut text = HEADER.join(",") + "\n";
    for r in 0..batch.num_rows() {
        let cells: Vec<String> = batch
            .columns()
            .iter()
            .map(|a| {
                if a.is_null(r) {
                    String::new()
                } else if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
                    csv_field(s.value(r))
                } else if let Some(v) = a.as_any().downcast_ref::<Int64Array>() {
                    v.value(r).to_string()
                } else if let Some(v) = a.as_any().downcast_ref::<Int32Array>() {
                    v.value(r).to_string()
                } else {
                    let v = a.as_any().downcast_ref::<UInt8Array>().unwrap();
                    v.value(r).to_string()
                }
            })
            .collect();
        text += &(cells.join(",") + "\n");
    }
    std::fs::write(path, text).unwrap();
}

fn write_parquet(path: &Path, batch: &RecordBatch, group_rows: usize) {
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group_rows))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// `batch` cut into batches of `batch_rows`, as a reader or a DataFrame hands them over.
fn slices(batch: &RecordBatch, batch_rows: usize) -> Vec<RecordBatch> {
    (0..batch.num_rows())
        .step_by(batch_rows)
        .map(|start| batch.slice(start, batch_rows.min(batch.num_rows() - start)))
        .collect()
}

fn write_ipc(path: &Path, batch: &RecordBatch, batch_rows: usize) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
    for slice in slices(batch, batch_rows) {
        writer.write(&slice).unwrap();
    }
    writer.finish().unwrap();
}

/// Everything ingest produced, with the file's name replaced so that twins compare equal.
fn comparable(mut ing: Ingested, file: &Path) -> String {
    let name = file.display().to_string();
    for p in &mut ing.problems {
        assert_eq!(p.file, name);
        p.file.clear();
    }
    for r in &mut ing.rejected {
        r.file.clear();
        for reason in &mut r.reasons {
            *reason = reason.replace(&name, "");
        }
    }
    let accounts: Vec<_> = ing
        .accounts
        .iter()
        .map(|a| (a.rows_read, a.rows_accepted, a.rows_rejected))
        .collect();
    let t = &ing.table;
    format!(
        "rows {}\nitems {:?}\nsegments {:?}\nmulti {:?}\nids {:?}\ncomments {:?}\n\
         problems {:#?}\nrejected {:#?}\naccounts {accounts:?}\nunused {:?}",
        t.n_rows,
        t.items,
        t.segments
            .iter()
            .map(|s| (&s.codes, &s.levels))
            .collect::<Vec<_>>(),
        t.multi
            .iter()
            .map(|m| (&m.picks, &m.answered))
            .collect::<Vec<_>>(),
        t.respondent_ids,
        t.comments,
        ing.problems,
        ing.rejected,
        ing.unused_columns,
    )
}

/// Fails with the first lines that differ, not two pages of output.
fn same(by_row: &str, by_column: &str, format: &str) {
    if by_row == by_column {
        return;
    }
    let first = by_row
        .lines()
        .zip(by_column.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    let around = |text: &str| {
        text.lines()
            .skip(first.saturating_sub(3))
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "{format} differs from CSV at line {first}:\nCSV:\n{}\n{format}:\n{}",
        around(by_row),
        around(by_column)
    );
}

/// `rows` without those whose every cell is blank in `storage`. A CSV line of empty cells
/// (`,,,,`) is skipped, as Excel saves trailing blank rows that way, while a Parquet or Arrow
/// row is a record and is read (`a_row_of_blank_cells_is_read_from_columnar_files_only`);
/// the twins must agree on every other row.
fn without_blank_rows(rows: &[Vec<usize>], storage: Storage) -> Vec<Vec<usize>> {
    let b = batch(rows, storage);
    rows.iter()
        .enumerate()
        .filter(|&(r, _)| b.columns().iter().any(|a| !a.is_null(r)))
        .map(|(_, row)| row.clone())
        .collect()
}

fn check(rows: &[Vec<usize>], policy: usize, storage: Storage, group_rows: usize) {
    let rows = &without_blank_rows(rows, storage);
    let dir = tempfile::tempdir().unwrap();
    let definition = dir.path().join("survey.toml");
    std::fs::write(&definition, format!("{DEFINITION}\n{}", POLICIES[policy])).unwrap();
    let survey = Survey::load(&definition).unwrap();
    let batch = batch(rows, storage);
    // One folder per format, files of the same name: `@file` gives the same segment value.
    let path = |folder: &str, ext: &str| {
        let sub = dir.path().join(folder);
        std::fs::create_dir_all(&sub).unwrap();
        sub.join(format!("bureau-file.{ext}"))
    };
    let (csv, parquet, ipc) = (
        path("csv", "csv"),
        path("pq", "parquet"),
        path("ipc", "arrow"),
    );
    write_csv(&csv, &batch);
    write_parquet(&parquet, &batch, group_rows);
    write_ipc(&ipc, &batch, group_rows);
    let read = |p: &Path| comparable(read_responses(&survey, &[p.to_path_buf()]).unwrap(), p);
    let by_row = read(&csv);
    same(&by_row, &read(&parquet), "Parquet");
    same(&by_row, &read(&ipc), "Arrow IPC");
    // In memory, under a name of its own that no file has: the batches are never reread.
    let memory = path("memory", "arrow");
    let batches = MemoryBatches::new(&memory, batch.schema(), slices(&batch, group_rows)).unwrap();
    let in_memory = read_record_batches(&survey, &batches).unwrap();
    assert!(!memory.exists());
    same(
        &by_row,
        &comparable(in_memory, &memory),
        "Arrow batches in memory",
    );
}

/// Batches in memory record the SHA-256 of the Arrow IPC stream they make, the same as the
/// hash of that stream written to a file and read back by `sha256sum`'s algorithm.
#[test]
fn batches_in_memory_record_the_hash_of_their_ipc_stream() {
    let rows: Vec<Vec<usize>> = (0..25).map(|r| vec![r; HEADER.len()]).collect();
    let batch = batch(&rows, Storage::Text);
    let dir = tempfile::tempdir().unwrap();
    let definition = dir.path().join("survey.toml");
    std::fs::write(&definition, format!("{DEFINITION}\n{}", POLICIES[0])).unwrap();
    let survey = Survey::load(&definition).unwrap();
    let stream = dir.path().join("responses.arrows");
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(
        std::fs::File::create(&stream).unwrap(),
        &batch.schema(),
    )
    .unwrap();
    for slice in slices(&batch, 10) {
        writer.write(&slice).unwrap();
    }
    writer.finish().unwrap();
    drop(writer);
    let batches = MemoryBatches::new("responses", batch.schema(), slices(&batch, 10)).unwrap();
    let read = read_record_batches(&survey, &batches).unwrap();
    assert_eq!(read.accounts[0].path, "responses");
    assert_eq!(read.accounts[0].format, "arrow record batches in memory");
    assert_eq!(
        read.accounts[0].sha256,
        engage_ingest::file_sha256(&stream).unwrap()
    );
    assert_eq!(read.accounts[0].rows_read, 25);
}

/// Batches whose columns differ from the schema given are refused, naming the batch.
#[test]
fn batches_in_memory_must_share_the_schema() {
    let rows: Vec<Vec<usize>> = (0..4).map(|r| vec![r; HEADER.len()]).collect();
    let text = batch(&rows, Storage::Text);
    let bytes = batch(&rows, Storage::Bytes);
    let error = MemoryBatches::new("df", text.schema(), vec![text.clone(), bytes]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("record batch 2 has other columns"),
        "{error}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn columnar_and_row_loops_agree(
        rows in rows(),
        policy in 0usize..POLICIES.len(),
        storage in prop_oneof![Just(Storage::Text), Just(Storage::Bytes), Just(Storage::Wide)],
        group_rows in 1usize..20,
    ) {
        check(&rows, policy, storage, group_rows);
    }
}

/// A fixed case with every policy, so that a failure is easy to reproduce by hand.
#[test]
fn every_policy_on_a_fixed_file() {
    let rows: Vec<Vec<usize>> = (0..60)
        .map(|r| {
            (0..HEADER.len())
                .map(|c| (r * 7 + c * 3 + r / 5) % 64)
                .collect()
        })
        .collect();
    for policy in 0..POLICIES.len() {
        for storage in [Storage::Text, Storage::Bytes, Storage::Wide] {
            check(&rows, policy, storage, 7);
        }
    }
}

/// Item and pick columns without a blank, so that they are declared required and Parquet
/// stores no definition levels (the integer reader's other path); some values are out of
/// range or not marks, so refused cells of required columns are reported too.
#[test]
fn complete_integer_columns() {
    // Indexes into the vocabularies: items 1-5, 9 and 6; multi-select "9" and "2";
    // marks "1", "0" and "2".
    let items = [0, 1, 2, 3, 4, 5, 7];
    let multi = [1, 7];
    let marks = [0, 1, 4];
    let rows: Vec<Vec<usize>> = (0..90)
        .map(|r| {
            (0..HEADER.len())
                .map(|c| match c {
                    3..=5 => items[(r * 5 + c) % items.len()],
                    6 => multi[(r + c) % multi.len()],
                    7 | 8 => marks[(r * 2 + c) % marks.len()],
                    _ => (r * 7 + c * 3 + r / 5) % 64,
                })
                .collect()
        })
        .collect();
    for policy in 0..POLICIES.len() {
        for storage in [Storage::Bytes, Storage::Wide] {
            check(&rows, policy, storage, 11);
        }
    }
}

/// A row whose every cell is empty: skipped in CSV (documented in docs/data-formats.md: Excel
/// saves trailing blank rows as `,,,,`), read from Parquet and Arrow, where a row is a record,
/// so that rows read equals the file's row count; here it is rejected for its blank id.
#[test]
fn a_row_of_blank_cells_is_read_from_columnar_files_only() {
    // Picks of blank cells in every column (ID 5, 局区 3, 所属 2, items 9, M 4, O1/O2 2, C 0),
    // between two rows with answers.
    let blank = vec![5, 3, 2, 9, 9, 9, 4, 2, 2, 0];
    let answered = |id: usize| vec![id, 0, 0, 1, 2, 3, 0, 0, 1, 1];
    let rows = vec![answered(0), blank, answered(1)];
    let dir = tempfile::tempdir().unwrap();
    let definition = dir.path().join("survey.toml");
    std::fs::write(&definition, format!("{DEFINITION}\n{}", POLICIES[0])).unwrap();
    let survey = Survey::load(&definition).unwrap();
    let b = batch(&rows, Storage::Text);
    assert!(
        b.columns().iter().all(|a| a.is_null(1)),
        "the middle row is blank"
    );
    let (csv, parquet, ipc) = (
        dir.path().join("r.csv"),
        dir.path().join("r.parquet"),
        dir.path().join("r.arrow"),
    );
    write_csv(&csv, &b);
    write_parquet(&parquet, &b, 2);
    write_ipc(&ipc, &b, 2);
    let read = |p: &Path| read_responses(&survey, &[p.to_path_buf()]).unwrap();
    let by_row = read(&csv);
    let a = &by_row.accounts[0];
    assert_eq!((a.rows_read, a.rows_accepted, a.rows_rejected), (2, 2, 0));
    for path in [&parquet, &ipc] {
        let ing = read(path);
        let a = &ing.accounts[0];
        assert_eq!(
            (a.rows_read, a.rows_accepted, a.rows_rejected),
            (3, 2, 1),
            "{path:?}"
        );
        assert_eq!(ing.rejected.len(), 1);
        // Spreadsheet numbering: the header is row 1, so the middle record is row 3.
        assert_eq!(ing.rejected[0].row, 3);
        assert!(ing
            .problems
            .iter()
            .any(|p| p.row == 3 && p.kind == engage_model::ProblemKind::BlankId));
    }
}

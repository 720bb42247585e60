//! Fuzzing with proptest (cargo-fuzz needs a nightly toolchain; these run on stable in CI):
//! arbitrary and mutated bytes through every reader, arbitrary cells through the value
//! mapping. Nothing may panic, and whatever is read must account for every row.
//! `ENGAGE_FUZZ_CASES` raises the number of cases for a longer local run; failures are saved
//! under `tests/fuzz.proptest-regressions` and replayed first on every run.

use std::path::Path;

use engage_ingest::{option_cell, read_responses, AnswerMap, OptionMap};
use engage_model::{Survey, CODE_MISSING, CODE_NOT_APPLICABLE};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

const DEFINITION: &str = r#"
[survey]
id = "fuzz"
ja = "f"
en = "f"
[wave]
year = 2023
label = "R5"
[data]
file = "x.csv"
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
reverse = true
[[segments]]
id = "bureau"
column = "局区"
ja = "局区"
en = "Bureau"
[[segments]]
id = "section"
column = "所属"
ja = "所属"
en = "Section"
parent = "bureau"
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
  { id = "none", ja = "特になし", en = "Nothing", code = "3" },
]
[validation]
straight_lining_min_items = 2
"#;

fn cases() -> u32 {
    std::env::var("ENGAGE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn survey() -> Survey {
    Survey::from_toml(DEFINITION, Path::new("fuzz.toml")).unwrap()
}

/// Reads `bytes` as a file called `name`; checks the accounting when it reads at all.
fn read_bytes(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    if let Ok(ing) = read_responses(&survey(), &[path]) {
        assert_eq!(ing.rows_read(), ing.rows_accepted() + ing.rows_rejected());
        assert_eq!(ing.table.n_rows, ing.rows_accepted());
        assert_eq!(ing.rejected.len(), ing.rows_rejected());
        for column in &ing.table.items {
            assert_eq!(column.len(), ing.table.n_rows);
        }
        for s in &ing.table.segments {
            assert_eq!(s.codes.len(), ing.table.n_rows);
            assert!(s.codes.iter().all(|&c| (c as usize) < s.levels.len()));
        }
    }
}

/// Cells that stress the CSV grammar and the value mapping.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[1-5]",
        "[0-9]{1,3}",
        Just("\"".to_string()),
        Just("\"\"".to_string()),
        Just("a,b".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("\0".to_string()),
        Just("中央区".to_string()),
        Just("わからない".to_string()),
        Just("そう思う".to_string()),
        Just("1;3".to_string()),
        Just("１".to_string()),
        ".{0,6}",
    ]
}

fn csv_text() -> impl Strategy<Value = String> {
    let row = prop::collection::vec(cell(), 0..8);
    (
        prop::collection::vec(row, 0..10),
        prop_oneof![Just(","), Just("\t"), Just(";")],
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        any::<bool>(),
    )
        .prop_map(|(rows, delimiter, newline, quote)| {
            let mut text = ["ID", "Q1", "Q2", "局区", "所属", "M"].join(delimiter) + newline;
            for row in rows {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| {
                        if quote {
                            format!("\"{}\"", c.replace('"', "\"\""))
                        } else {
                            c.clone()
                        }
                    })
                    .collect();
                text += &cells.join(delimiter);
                text += newline;
            }
            text
        })
}

/// Random edits of a valid file: cut it, overwrite bytes, insert bytes.
fn mutate(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = valid.len();
    prop::collection::vec((0..len.max(1), any::<u8>(), 0u8..3), 1..8).prop_map(move |edits| {
        let mut bytes = valid.clone();
        for (at, byte, op) in edits {
            let at = at.min(bytes.len().saturating_sub(1));
            match op {
                0 => bytes.truncate(at),
                1 if !bytes.is_empty() => bytes[at] = byte,
                _ => bytes.insert(at, byte),
            }
        }
        bytes
    })
}

fn valid_csv() -> Vec<u8> {
    "\u{feff}ID,Q1,Q2,局区,所属,M\r\n1,4,2,中央区,総務課,1;2\r\n2,わからない,5,東区,\"市民課\",3\r\n3,1,1,中央区,総務課,\r\n"
        .as_bytes()
        .to_vec()
}

fn valid_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["ID", "Q1", "Q2", "局区", "所属", "M"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_number(1, 0, 1.0).unwrap();
    sheet.write_number(1, 1, 4.0).unwrap();
    sheet.write_string(1, 3, "中央区").unwrap();
    book.save_to_buffer().unwrap()
}

fn valid_parquet_and_arrow() -> (Vec<u8>, Vec<u8>) {
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let text = |v: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
    let batch = RecordBatch::try_from_iter(vec![
        ("ID", text(vec![Some("1"), Some("2")])),
        (
            "Q1",
            Arc::new(Int64Array::from(vec![Some(4), None])) as ArrayRef,
        ),
        ("Q2", text(vec![Some("5"), Some("わからない")])),
        ("局区", text(vec![Some("中央区"), Some("東区")])),
        ("所属", text(vec![Some("総務課"), None])),
        ("M", text(vec![Some("1;2"), Some("3")])),
    ])
    .unwrap();
    let mut parquet = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut parquet, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let mut arrow = Vec::new();
    let mut w = arrow_ipc::writer::FileWriter::try_new(&mut arrow, &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    drop(w);
    (parquet, arrow)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/fuzz.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_as_csv(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        read_bytes("x.csv", &bytes);
    }

    #[test]
    fn csv_shaped_text(text in csv_text()) {
        read_bytes("x.csv", text.as_bytes());
    }

    #[test]
    fn mutated_csv(bytes in mutate(valid_csv())) {
        read_bytes("x.csv", &bytes);
    }

    #[test]
    fn mutated_xlsx(bytes in mutate(valid_xlsx())) {
        read_bytes("x.xlsx", &bytes);
    }

    #[test]
    fn mutated_parquet(bytes in mutate(valid_parquet_and_arrow().0)) {
        read_bytes("x.parquet", &bytes);
    }

    #[test]
    fn mutated_arrow_ipc(bytes in mutate(valid_parquet_and_arrow().1)) {
        read_bytes("x.arrow", &bytes);
    }

    #[test]
    fn any_cell_maps_to_a_valid_code_or_explains(text in ".{0,12}", picks in "[0-9;、,a-z ]{0,10}") {
        let s = survey();
        let map = AnswerMap::new(&s);
        match map.code(&text) {
            Ok(code) => prop_assert!(code == CODE_MISSING || code == CODE_NOT_APPLICABLE || (1..=5).contains(&code)),
            Err((_, reason)) => prop_assert!(!reason.is_empty()),
        }
        let _ = option_cell(&text);
        let options = OptionMap::new(&s.definition.multi_select[0]);
        if let Ok(bits) = options.picks(&picks) {
            prop_assert!(bits < 1 << 3);
        }
    }
}

/// A workbook `mutated_xlsx` found (shrunk by proptest, kept in `tests/fuzz_finds/`): a cell
/// reference whose row overflows calamine's arithmetic. Where overflow is checked (the test
/// profile), calamine panics; the read must end in an error naming the file instead.
#[cfg(debug_assertions)]
#[test]
fn a_cell_reference_that_overflows_calamine_is_a_damaged_workbook() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_finds/overflowing_cell_reference.xlsx");
    match read_responses(&survey(), std::slice::from_ref(&path)) {
        Ok(_) => panic!("the damaged workbook was read"),
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains("the workbook is damaged"), "{message}");
            assert!(message.contains(&path.display().to_string()), "{message}");
        }
    }
}

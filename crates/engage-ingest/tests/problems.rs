//! Deliberately broken response files: every problem names the file, the spreadsheet row and
//! the column, the row goes to the rejects list, and read = accepted + rejected.

use std::path::PathBuf;

use engage_ingest::{read_responses, Ingested};
use engage_model::Survey;

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
[[segments]]
id = "bureau"
column = "局区"
ja = "局区"
en = "Bureau"
values = ["中央区", "東区"]
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
"#;

fn run(csv: &str) -> (Ingested, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("survey.toml");
    std::fs::write(&def, DEFINITION).unwrap();
    let data = dir.path().join("responses.csv");
    std::fs::write(&data, csv).unwrap();
    let survey = Survey::load(&def).unwrap();
    let ingested = read_responses(&survey, std::slice::from_ref(&data)).unwrap();
    assert_eq!(
        ingested.rows_read(),
        ingested.rows_accepted() + ingested.rows_rejected()
    );
    (ingested, data, dir)
}

fn problem_at(ingested: &Ingested, row: usize, column: Option<&str>) -> String {
    let p = ingested
        .problems
        .iter()
        .find(|p| p.row == row && p.column.as_deref() == column)
        .unwrap_or_else(|| {
            panic!(
                "no problem at row {row} column {column:?}: {:?}",
                ingested.problems
            )
        });
    p.to_string()
}

const HEADER: &str = "ID,局区,Q1,Q2,M\n";

#[test]
fn clean_file_with_bom_full_width_digits_and_labels() {
    let csv = format!(
        "\u{feff}{HEADER}1,中央区,５,そう思う,1;2\n2,東区 ,わからない,9,特になし\n3,中央区,3,,\n"
    );
    let (ing, _, _) = run(&csv);
    assert_eq!(
        (ing.rows_read(), ing.rows_accepted()),
        (3, 3),
        "{:?}",
        ing.problems
    );
    // Row 1: ５ -> 5 (code 5); そう思う -> 5. Row 2: n/a and missing. Row 3: 3, blank.
    assert_eq!(ing.table.items[0], vec![5, u8::MAX, 3]);
    assert_eq!(ing.table.items[1], vec![5, 0, 0]);
    // "東区 " is normalised to 東区; levels follow the declared order.
    let bureau = &ing.table.segments[0];
    assert_eq!(bureau.levels[1].value, "中央区");
    assert_eq!(bureau.levels[2].value, "東区");
    assert_eq!(bureau.codes, vec![1, 2, 1]);
    // Multi-select: row 3 skipped (blank), row 2 picked the none option.
    assert_eq!(ing.table.multi[0].answered, vec![true, true, false]);
    assert_eq!(ing.table.multi[0].picks, vec![0b0011, 0b1000, 0]);
}

#[test]
fn out_of_range_answer_names_row_and_column() {
    let (ing, data, _) = run(&format!("{HEADER}1,中央区,4,4,1\n2,中央区,4,7,1\n"));
    assert_eq!((ing.rows_accepted(), ing.rows_rejected()), (1, 1));
    let msg = problem_at(&ing, 3, Some("Q2"));
    assert!(
        msg.contains(&data.display().to_string())
            && msg.contains("row 3")
            && msg.contains("`7`")
            && msg.contains("outside the scale"),
        "{msg}"
    );
    assert_eq!(ing.rejected[0].raw, vec!["2", "中央区", "4", "7", "1"]);
}

#[test]
fn unmappable_text_answer() {
    let (ing, _, _) = run(&format!("{HEADER}1,中央区,とても,4,1\n"));
    assert!(problem_at(&ing, 2, Some("Q1")).contains("not a scale value"));
}

#[test]
fn ragged_row_is_rejected_not_dropped() {
    let (ing, _, _) = run(&format!("{HEADER}1,中央区,4,4\n2,中央区,4,4,1\n"));
    assert_eq!((ing.rows_read(), ing.rows_rejected()), (2, 1));
    assert!(problem_at(&ing, 2, None).contains("4 fields, the header has 5"));
}

#[test]
fn duplicate_respondent_id() {
    let (ing, _, _) = run(&format!("{HEADER}7,中央区,4,4,1\n7,東区,3,3,2\n"));
    assert!(problem_at(&ing, 3, Some("ID")).contains("duplicate respondent id"));
    assert_eq!(ing.rows_accepted(), 1);
}

#[test]
fn none_option_with_others_and_too_many_picks() {
    let (ing, _, _) = run(&format!(
        "{HEADER}1,中央区,4,4,1;9\n2,中央区,4,4,1;2;3\n3,中央区,4,4,4\n"
    ));
    assert!(problem_at(&ing, 2, Some("M")).contains("exclusive"));
    assert!(problem_at(&ing, 3, Some("M")).contains("3 picks"));
    assert!(problem_at(&ing, 4, Some("M")).contains("`4` is not an option"));
    assert_eq!(ing.rows_rejected(), 3);
}

#[test]
fn row_without_any_answer() {
    let (ing, _, _) = run(&format!("{HEADER}1,中央区,,,\n"));
    assert!(problem_at(&ing, 2, None).contains("no answers at all"));
}

#[test]
fn segment_value_outside_declared_list() {
    let (ing, _, _) = run(&format!("{HEADER}1,西区,4,4,1\n"));
    assert!(problem_at(&ing, 2, Some("局区")).contains("declared values"));
}

#[test]
fn quoted_newlines_keep_spreadsheet_row_numbers() {
    // The first record spans two lines; the bad value is in the second record: spreadsheet row 3.
    let (ing, _, _) = run(&format!(
        "{HEADER}1,\"中央区\",4,4,\"1;\n2\"\n2,中央区,4,8,1\n"
    ));
    assert!(problem_at(&ing, 3, Some("Q2")).contains("`8`"));
}

#[test]
fn missing_column_lists_the_closest_headers() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("survey.toml");
    std::fs::write(&def, DEFINITION).unwrap();
    let data = dir.path().join("responses.csv");
    std::fs::write(&data, "ID,局区,Q1,Q02,M\n1,中央区,4,4,1\n").unwrap();
    let survey = Survey::load(&def).unwrap();
    let err = read_responses(&survey, &[data]).unwrap_err().to_string();
    assert!(
        err.contains("column `Q2` (item `q2`) is missing") && err.contains("`Q02`"),
        "{err}"
    );
}

#[test]
fn non_utf8_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("survey.toml");
    std::fs::write(&def, DEFINITION).unwrap();
    let data = dir.path().join("responses.csv");
    // 中央区 in CP932.
    std::fs::write(&data, b"ID,\x8b\xc7\x8b\xe6,Q1,Q2,M\n").unwrap();
    let survey = Survey::load(&def).unwrap();
    let err = read_responses(&survey, &[data]).unwrap_err().to_string();
    assert!(err.contains("not UTF-8"), "{err}");
}

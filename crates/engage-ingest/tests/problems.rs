//! Deliberately broken response files, one per kind of problem: every problem names the file,
//! the spreadsheet row and the column; the policy decides the row's fate; and always
//! read = accepted + rejected.

use std::path::PathBuf;

use engage_ingest::{read_responses, Ingested};
use engage_model::{Action, ProblemKind, Survey};

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
    run_with("", csv)
}

/// Runs with extra definition text (e.g. a `[validation]` table) appended.
fn run_with(extra: &str, csv: &str) -> (Ingested, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("survey.toml");
    std::fs::write(&def, format!("{DEFINITION}\n{extra}")).unwrap();
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
    problem_of(ingested, row, column).to_string()
}

fn problem_of<'a>(
    ingested: &'a Ingested,
    row: usize,
    column: Option<&str>,
) -> &'a engage_ingest::Problem {
    ingested
        .problems
        .iter()
        .find(|p| p.row == row && p.column.as_deref() == column)
        .unwrap_or_else(|| {
            panic!(
                "no problem at row {row} column {column:?}: {:?}",
                ingested.problems
            )
        })
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
    assert!(problem_at(&ing, 4, Some("M")).contains("`4` is not one of the question's options"));
    assert_eq!(
        problem_of(&ing, 2, Some("M")).kind,
        ProblemKind::NoneWithOthers
    );
    assert_eq!(
        problem_of(&ing, 3, Some("M")).kind,
        ProblemKind::TooManyPicks
    );
    assert_eq!(
        problem_of(&ing, 4, Some("M")).kind,
        ProblemKind::UnknownOption
    );
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

/// A segment value no group can be named by (over 200 characters, or with a control character
/// such as NUL) rejects its row, naming row and column, in the row loop and the column-wise one
/// alike; the problem shows the start of a long value, not all of it.
#[test]
fn segment_values_too_long_or_with_control_characters_are_rejected() {
    let long = "中央区".repeat(100);
    let csv = format!("{HEADER}1,{long},4,4,1\n2,\"中央\u{0}区\",4,4,1\n3,中央区,4,4,1\n");
    let (ing, _, dir) = run(&csv);
    for row in [2, 3] {
        let p = problem_of(&ing, row, Some("局区"));
        assert_eq!(p.kind, ProblemKind::BadSegmentValue, "{p}");
        assert_eq!(p.action, Action::Reject);
    }
    assert!(problem_of(&ing, 2, Some("局区")).value.chars().count() < 130);
    assert_eq!((ing.rows_accepted(), ing.rows_rejected()), (1, 2));
    // The same rows through Arrow IPC take the column-wise loop.
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(
        ["ID", "局区", "Q1", "Q2", "M"]
            .map(|h| arrow_schema::Field::new(h, arrow_schema::DataType::Utf8, true))
            .to_vec(),
    ));
    let column = |cells: [&str; 3]| -> arrow_array::ArrayRef {
        std::sync::Arc::new(arrow_array::StringArray::from(cells.to_vec()))
    };
    let batch = arrow_array::RecordBatch::try_new(
        schema.clone(),
        vec![
            column(["1", "2", "3"]),
            column([long.as_str(), "中央\u{0}区", "中央区"]),
            column(["4", "4", "4"]),
            column(["4", "4", "4"]),
            column(["1", "1", "1"]),
        ],
    )
    .unwrap();
    let ipc = dir.path().join("responses.arrow");
    let mut writer =
        arrow_ipc::writer::FileWriter::try_new(std::fs::File::create(&ipc).unwrap(), &schema)
            .unwrap();
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
    let survey = Survey::load(&dir.path().join("survey.toml")).unwrap();
    let columnar = read_responses(&survey, std::slice::from_ref(&ipc)).unwrap();
    let kinds = |i: &Ingested| -> Vec<(usize, ProblemKind)> {
        i.problems.iter().map(|p| (p.row, p.kind)).collect()
    };
    assert_eq!(kinds(&columnar), kinds(&ing));
    assert_eq!(columnar.rows_rejected(), 2);
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
fn blank_respondent_id() {
    let (ing, _, _) = run(&format!("{HEADER},中央区,4,3,1\n"));
    let p = problem_of(&ing, 2, Some("ID"));
    assert_eq!((p.kind, p.action), (ProblemKind::BlankId, Action::Reject));
    assert_eq!(ing.rows_rejected(), 1);
}

#[test]
fn bad_pick_mark_in_option_columns() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("survey.toml");
    std::fs::write(
        &def,
        r#"
[survey]
id = "t"
ja = "t"
en = "t"
[wave]
year = 2023
label = "R5"
[data]
file = "r.csv"
[[items]]
id = "q1"
column = "Q1"
ja = "q1"
en = "q1"
[[multi_select]]
id = "k"
ja = "課題"
en = "Issues"
options = [
  { id = "a", ja = "業務量が多い", en = "Workload", column = "K1" },
  { id = "b", ja = "会議が多い", en = "Meetings", column = "K2" },
]
"#,
    )
    .unwrap();
    let data = dir.path().join("r.csv");
    std::fs::write(&data, "Q1,K1,K2\n4,○,\n4,TRUE,FALSE\n3,2,1\n").unwrap();
    let survey = Survey::load(&def).unwrap();
    let ing = read_responses(&survey, &[data]).unwrap();
    let p = problem_of(&ing, 4, Some("K1"));
    assert_eq!(p.kind, ProblemKind::BadPickMark);
    assert_eq!(p.value, "2");
    assert_eq!((ing.rows_read(), ing.rows_accepted()), (3, 2));
    assert_eq!(ing.table.multi[0].picks, vec![0b01, 0b01]);
}

#[test]
fn straight_lining_is_flagged_and_kept_by_default() {
    let extra = "[validation]\nstraight_lining_min_items = 2\n";
    let (ing, _, _) = run_with(extra, &format!("{HEADER}1,中央区,4,4,1\n2,中央区,4,3,1\n"));
    let p = problem_of(&ing, 2, None);
    assert_eq!(
        (p.kind, p.action),
        (ProblemKind::StraightLining, Action::Warn)
    );
    assert!(
        p.reason
            .contains("all 2 answered items have the same answer (4)"),
        "{p}"
    );
    assert_eq!((ing.rows_accepted(), ing.rows_rejected()), (2, 0));
    assert_eq!(ing.problems.len(), 1);
    // The default minimum is 10 items, so this 2-item survey is not checked without the key.
    let (ing, _, _) = run(&format!("{HEADER}1,中央区,4,4,1\n"));
    assert!(ing.problems.is_empty(), "{:?}", ing.problems);
}

#[test]
fn policy_blank_warn_and_reject() {
    let extra = r#"[validation]
straight_lining = "reject"
straight_lining_min_items = 2
out_of_range = "blank"
undeclared_segment = "warn"
none_with_others = "blank"
"#;
    let csv = format!("{HEADER}1,中央区,4,7,1\n2,西区,4,3,1\n3,東区,4,3,1;9\n4,東区,5,5,2\n");
    let (ing, _, _) = run_with(extra, &csv);
    // Row 2: the 7 is blanked, the row kept with Q2 missing.
    assert_eq!(problem_of(&ing, 2, Some("Q2")).action, Action::Blank);
    // Row 3: 西区 kept as its own group, with a warning.
    assert_eq!(problem_of(&ing, 3, Some("局区")).action, Action::Warn);
    // Row 4: the question is treated as not answered.
    assert_eq!(problem_of(&ing, 4, Some("M")).action, Action::Blank);
    // Row 5: straight-lining set to reject.
    assert_eq!(problem_of(&ing, 5, None).action, Action::Reject);
    assert_eq!((ing.rows_accepted(), ing.rows_rejected()), (3, 1));
    assert_eq!(ing.table.items[1], vec![0, 3, 3]);
    let bureau = &ing.table.segments[0];
    let values: Vec<&str> = bureau
        .codes
        .iter()
        .map(|&c| bureau.levels[c as usize].value.as_str())
        .collect();
    assert_eq!(values, vec!["中央区", "西区", "東区"]);
    assert_eq!(ing.table.multi[0].answered, vec![true, true, false]);
    let counts = ing.problem_counts();
    assert_eq!(counts.len(), 4);
    assert!(counts.iter().all(|c| c.count == 1));
}

#[test]
fn strict_turns_every_problem_into_a_rejection() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("survey.toml");
    std::fs::write(
        &def,
        format!("{DEFINITION}\n[validation]\nstraight_lining_min_items = 2\n"),
    )
    .unwrap();
    let data = dir.path().join("responses.csv");
    std::fs::write(&data, format!("{HEADER}1,中央区,4,4,1\n2,中央区,4,3,1\n")).unwrap();
    let mut survey = Survey::load(&def).unwrap();
    survey.policy.strict = true;
    let ing = read_responses(&survey, &[data]).unwrap();
    assert_eq!(problem_of(&ing, 2, None).action, Action::Reject);
    assert_eq!((ing.rows_accepted(), ing.rows_rejected()), (1, 1));
}

#[test]
fn impossible_policy_is_a_definition_error_with_its_line() {
    let text = format!("{DEFINITION}\n[validation]\nout_of_range = \"warn\"\n");
    let err = Survey::from_toml(&text, std::path::Path::new("s.toml"))
        .unwrap_err()
        .to_string();
    let line = text
        .lines()
        .position(|l| l.starts_with("out_of_range"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("line {line}")) && err.contains("choose reject or blank"),
        "{err}"
    );
}

#[test]
fn blank_lines_keep_spreadsheet_row_numbers() {
    // Row 3 is an empty line; the bad value is on spreadsheet row 4.
    let (ing, _, _) = run(&format!("{HEADER}1,中央区,4,3,1\n\n2,中央区,4,8,1\n,,,,\n"));
    assert!(problem_at(&ing, 4, Some("Q2")).contains("`8`"));
    assert_eq!(ing.rows_read(), 2, "blank rows are not records");
    // The same with CRLF line ends, blank lines before a last line without a newline.
    let (ing, _, _) = run(&format!(
        "{}1,中央区,4,3,1\r\n\r\n\r\n2,中央区,4,8,1",
        HEADER.replace('\n', "\r\n")
    ));
    assert!(problem_at(&ing, 5, Some("Q2")).contains("`8`"));
    assert_eq!(ing.rejected[0].raw, vec!["2", "中央区", "4", "8", "1"]);
    // LF blank lines before a last line without a newline.
    let (ing, _, _) = run(&format!("{HEADER}1,中央区,4,3,1\n\n\n2,中央区,4,8,1"));
    assert!(problem_at(&ing, 5, Some("Q2")).contains("`8`"));
}

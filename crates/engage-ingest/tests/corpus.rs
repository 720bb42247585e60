//! The committed corpus of nasty files (see `corpus/make_corpus.py`): truncated files, ragged
//! rows, quotes and newlines in fields, NUL bytes, mixed encodings, lone CRs, binary noise.
//! None may panic; each must end exactly as pinned here, with accounting that adds up or an
//! error that names the file.

use std::path::{Path, PathBuf};

use engage_ingest::read_responses;
use engage_model::Survey;

const DEFINITION: &str = r#"
[survey]
id = "corpus"
ja = "c"
en = "c"
[wave]
year = 2023
label = "R5"
[data]
file = "x.csv"
respondent_id = "ID"
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
[[multi_select]]
id = "m"
ja = "課題"
en = "Issues"
storage = "delimited"
column = "M"
max_picks = 2
options = [
  { id = "a", ja = "業務量が多い", en = "Workload", code = "1" },
  { id = "b", ja = "会議が多い", en = "Meetings", code = "2" },
]
"#;

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// `Ok((read, accepted, rejected))` or `Err(part of the message)`.
type Outcome = Result<(usize, usize, usize), &'static str>;

fn outcome(survey: &Survey, path: &Path) -> Result<(usize, usize, usize), String> {
    match read_responses(survey, &[path.to_path_buf()]) {
        Ok(ing) => {
            assert_eq!(ing.rows_read(), ing.rows_accepted() + ing.rows_rejected());
            assert_eq!(ing.rejected.len(), ing.rows_rejected());
            for r in &ing.rejected {
                assert!(
                    !r.reasons.is_empty(),
                    "row {} rejected without reason",
                    r.row
                );
            }
            Ok((ing.rows_read(), ing.rows_accepted(), ing.rows_rejected()))
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains(&path.display().to_string()) || message.contains("no file"),
                "{message}"
            );
            Err(message)
        }
    }
}

#[test]
fn every_corpus_file_ends_as_pinned() {
    let survey = Survey::from_toml(DEFINITION, Path::new("corpus.toml")).unwrap();
    let pinned: &[(&str, Outcome)] = &[
        ("binary.csv", Err("neither UTF-8 nor CP932")),
        ("bom_only.csv", Err("no header row")),
        ("cp932_vendor.csv", Ok((2, 2, 0))),
        ("empty.csv", Err("no header row")),
        ("garbage.arrow", Err("not an Arrow IPC file or stream")),
        (
            "header_duplicates.csv",
            Err("header `Q1` appears more than once (columns 2 and 3)"),
        ),
        ("header_only.csv", Ok((0, 0, 0))),
        // Classic Mac line ends (CR only).
        ("lone_cr.csv", Ok((2, 2, 0))),
        (
            "mixed_encodings.csv",
            Err("row 3: bytes near offset 43 are not valid utf-8"),
        ),
        ("not_a_zip.xlsx", Err("invalid Zip archive")),
        // Row 3 `4\0` is no answer; row 4's NUL segment value can name no group (it broke
        // the charts when kept): both rejected.
        ("nul_bytes.csv", Ok((3, 1, 2))),
        ("only_blank_rows.csv", Ok((0, 0, 0))),
        ("quotes_and_newlines.csv", Ok((3, 3, 0))),
        // Row 3 too short, row 4 too long.
        ("ragged.csv", Ok((4, 2, 2))),
        ("truncated.parquet", Err("Parquet file too small")),
        ("truncated.xlsx", Err("invalid Zip archive")),
        (
            "truncated_utf8.csv",
            Err("row 3: bytes near offset 43 are not valid utf-8"),
        ),
        // The open quote swallows the rest of the file into one ragged record.
        ("unterminated_quote.csv", Ok((2, 1, 1))),
        ("utf16_no_bom.csv", Ok((1, 1, 0))),
        // Full-width digits and a zero-width space pass; an Arabic-Indic digit does not.
        ("wide_unicode.csv", Ok((3, 2, 1))),
    ];
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".py"))
        .collect();
    names.sort();
    for name in &names {
        let got = outcome(&survey, &corpus_dir().join(name));
        let (_, want) = pinned
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} is in the corpus but not pinned: {got:?}"));
        match (want, &got) {
            (Ok(w), Ok(g)) => assert_eq!(w, g, "{name}"),
            (Err(w), Err(g)) => assert!(g.contains(w), "{name}: {g}"),
            _ => panic!("{name}: wanted {want:?}, got {got:?}"),
        }
    }
    assert_eq!(
        names.len(),
        pinned.len(),
        "a pinned file is missing from the corpus"
    );
}

#[test]
fn a_huge_field_is_one_bad_cell_not_a_crash() {
    let survey = Survey::from_toml(DEFINITION, Path::new("corpus.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let huge = "あ".repeat(4_000_000);
    std::fs::write(
        &path,
        format!("ID,Q1,Q2,局区,M\n1,{huge},3,中央区,1\n2,4,3,中央区,1\n"),
    )
    .unwrap();
    let ing = read_responses(&survey, &[path]).unwrap();
    assert_eq!((ing.rows_read(), ing.rows_accepted()), (2, 1));
    assert_eq!(ing.problems[0].column.as_deref(), Some("Q1"));
}

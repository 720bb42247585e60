//! The audit against whole releases made by the real pipeline (ingest → aggregate → report):
//! random organisation trees with nested sections and a bureau × age cross must pass after full
//! suppression; with suppression weakened on purpose the audit must find the leaks, including
//! a planted one that only three relations together uncover.

use engage_audit::release::Shown;
use engage_audit::{audit_report, Audit, Exposure};
use engage_model::Survey;
use engage_report::{build_report_with, Provenance, SuppressionMode};
use proptest::prelude::*;

const DEFINITION: &str = r#"
[survey]
id = "audit"
ja = "監査"
en = "Audit"
[wave]
year = 2023
label = "R5"
[data]
file = "responses.csv"
respondent_id = "id"
[privacy]
min_group_size = 5
[[dimensions]]
id = "d"
ja = "領域"
en = "Dimension"
[[items]]
id = "q1"
column = "Q1"
ja = "設問1"
en = "Item 1"
dimension = "d"
[[items]]
id = "q2"
column = "Q2"
ja = "設問2"
en = "Item 2"
dimension = "d"
[[kpis]]
id = "q1_share"
ja = "設問1の肯定率"
en = "Item 1 favourable"
kind = "share"
item = "q1"
points = [4, 5]
[[segments]]
id = "bureau"
column = "B"
ja = "局"
en = "Bureau"
[[segments]]
id = "section"
column = "S"
ja = "課"
en = "Section"
parent = "bureau"
[[segments]]
id = "age"
column = "A"
ja = "年齢"
en = "Age"
[[multi_select]]
id = "issues"
ja = "課題"
en = "Issues"
storage = "delimited"
column = "M"
options = [
  { id = "a", ja = "業務量", en = "Workload", code = "1" },
  { id = "b", ja = "会議", en = "Meetings", code = "2" },
]
"#;

const CROSS: &str = "\n[[crosses]]\nsegments = [\"bureau\", \"age\"]\n";

/// One respondent: bureau, section, age band, the two items (blank = skipped) and the picks.
struct Row {
    bureau: String,
    section: String,
    age: String,
    q1: Option<u8>,
    q2: u8,
    picks: &'static str,
}

/// The accounting matters here: the whole organisation's count is the accepted rows.
fn provenance(rows: usize) -> Provenance {
    Provenance {
        definition: engage_report::InputFile {
            path: "survey.toml".into(),
            sha256: String::new(),
        },
        data: vec![engage_report::DataFile {
            path: "responses.csv".into(),
            sha256: String::new(),
            format: "csv".into(),
            rows_read: rows,
            rows_accepted: rows,
            rows_rejected: 0,
        }],
        problems: 0,
        problem_counts: vec![],
        unused_columns: vec![],
    }
}

/// The report.json of `rows` under the definition (with the cross when `crossed`).
fn release(rows: &[Row], crossed: bool, mode: SuppressionMode) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,B,S,A,Q1,Q2,M\n");
    for (i, r) in rows.iter().enumerate() {
        let q1 = r.q1.map(|v| v.to_string()).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{q1},{},{}\n",
            i + 1,
            r.bureau,
            r.section,
            r.age,
            r.q2,
            r.picks
        ));
    }
    std::fs::write(dir.path().join("responses.csv"), csv).unwrap();
    let text = format!("{DEFINITION}{}", if crossed { CROSS } else { "" });
    let toml = dir.path().join("survey.toml");
    std::fs::write(&toml, text).unwrap();
    let survey = Survey::load(&toml).unwrap();
    let ingested = engage_ingest::read_responses(&survey, &[survey.data_path()]).unwrap();
    assert_eq!(ingested.rows_rejected(), 0, "{:?}", ingested.problems);
    let partials = engage_aggregate::aggregate(&survey, &ingested.table);
    serde_json::to_value(build_report_with(
        &survey,
        &partials,
        provenance(rows.len()),
        mode,
    ))
    .unwrap()
}

fn audit(report: &serde_json::Value) -> Audit {
    audit_report(report, None).unwrap()
}

fn exposed(audit: &Audit, segment: &str, key: &str, table: &str) -> Option<Exposure> {
    let place = audit.release.find_group(segment, key)?;
    audit
        .findings
        .iter()
        .find(|f| f.place == place && f.table == table)
        .map(|f| f.exposure.clone())
}

/// A small deterministic generator, so one proptest seed gives one organisation.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Respondents of random sections (`sizes[b][s]`), spread over `ages` bands; about one in eight
/// skips item 1 and one in six the multi-select question.
fn organisation(sizes: &[Vec<u8>], ages: u64, seed: u64) -> Vec<Row> {
    let mut rng = Lcg(seed);
    let mut rows = Vec::new();
    for (b, sections) in sizes.iter().enumerate() {
        for (s, &n) in sections.iter().enumerate() {
            for _ in 0..n {
                rows.push(Row {
                    bureau: format!("局{b}"),
                    section: format!("課{s}"),
                    age: format!("{}0代", 2 + rng.next(ages)),
                    q1: (rng.next(8) != 0).then(|| 1 + rng.next(5) as u8),
                    q2: 1 + rng.next(5) as u8,
                    picks: ["", "1", "2", "1;2", "1", "2"][rng.next(6) as usize],
                });
            }
        }
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn fully_suppressed_releases_expose_nobody(
        sizes in prop::collection::vec(prop::collection::vec(0u8..16, 1..5), 1..6),
        ages in 1u64..5,
        seed in any::<u64>(),
    ) {
        let rows = organisation(&sizes, ages, seed);
        prop_assume!(rows.len() >= 5);
        let report = release(&rows, true, SuppressionMode::Full);
        let audit = audit(&report);
        prop_assert!(audit.passed(), "{audit}");
    }

    #[test]
    fn weakened_suppression_is_caught(
        sizes in prop::collection::vec(prop::collection::vec(0u8..16, 1..5), 1..6),
        ages in 1u64..5,
        seed in any::<u64>(),
    ) {
        let rows = organisation(&sizes, ages, seed);
        prop_assume!(rows.len() >= 5);
        // Off: every published group under the minimum is found, read straight off the data.
        let audit_off = audit(&release(&rows, true, SuppressionMode::Off));
        for (b, sections) in sizes.iter().enumerate() {
            for (s, &n) in sections.iter().enumerate() {
                if n > 0 && n < 5 {
                    prop_assert_eq!(
                        exposed(&audit_off, "section", &format!("局{b} / 課{s}"), "respondents"),
                        Some(Exposure::PublishedBelowMinimum { count: u64::from(n) })
                    );
                }
            }
        }
        // Primary only: a bureau with exactly one small section next to published ones gives
        // that section away as the bureau less its siblings (one subtraction, done by hand here).
        let audit_primary = audit(&release(&rows, true, SuppressionMode::PrimaryOnly));
        for (b, sections) in sizes.iter().enumerate() {
            let small: Vec<usize> = (0..sections.len())
                .filter(|&s| sections[s] > 0 && sections[s] < 5)
                .collect();
            let bureau: u32 = sections.iter().map(|&n| u32::from(n)).sum();
            if small.len() == 1 && bureau >= 5 {
                let s = small[0];
                prop_assert_eq!(
                    exposed(&audit_primary, "section", &format!("局{b} / 課{s}"), "respondents"),
                    Some(Exposure::Pinned { count: u64::from(sections[s]) })
                );
            }
        }
    }
}

/// Bureau X (4 people, all in their 20s: sections of 1 and 3) and bureau Y (3 people, in their
/// 30s) next to two large bureaus. With primary suppression only, no single relation exposes
/// X's section of 3: the bureaus give X + Y = 7, and X's sections give s1 + s2 = X. But the
/// cross adds two more: column "20代" gives X × 20代 = 4 (the only withheld cell there), and row
/// X gives X = X × 20代; with the sections, s2 ≤ 4 < 5. Worked by hand.
fn planted() -> Vec<Row> {
    let mut rows = Vec::new();
    let mut add = |bureau: &str, section: &str, age: &str, n: usize| {
        for i in 0..n {
            rows.push(Row {
                bureau: bureau.into(),
                section: section.into(),
                age: age.into(),
                q1: Some(1 + (i % 5) as u8),
                q2: 1 + ((i + 2) % 5) as u8,
                picks: "1",
            });
        }
    };
    for age in ["20代", "30代", "40代"] {
        add("P", "p1", age, 8);
        add("P", "p2", age, 7);
        add("Q", "q1", age, 10);
    }
    add("X", "s1", "20代", 1);
    add("X", "s2", "20代", 3);
    add("Y", "y1", "30代", 3);
    rows
}

#[test]
fn a_leak_that_needs_three_relations_is_found() {
    let rows = planted();
    let primary_only = audit(&release(&rows, true, SuppressionMode::PrimaryOnly));
    let found = exposed(&primary_only, "section", "X / s2", "respondents");
    assert_eq!(
        found,
        Some(Exposure::NarrowedBelowMinimum { lower: 0, upper: 4 }),
        "{primary_only}"
    );
    // Without the cross the same section is safe: only 0..=7 can be said of it.
    let uncrossed = audit(&release(&rows, false, SuppressionMode::PrimaryOnly));
    assert_eq!(
        exposed(&uncrossed, "section", "X / s2", "respondents"),
        None
    );
    // Full suppression protects it, and everything else.
    let full = audit(&release(&rows, true, SuppressionMode::Full));
    assert!(full.passed(), "{full}");
    let s2 = full.release.find_group("section", "X / s2").unwrap();
    assert_eq!(full.release.tables[0].at(s2), Shown::Withheld);
}

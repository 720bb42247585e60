//! The library's API end to end, as a program embedding engage would call it: the published
//! figures of Kumamoto's plan reproduced, record batches in memory read like their file,
//! events delivered to the caller, and errors that name the file, row and column.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use engage::{AnalysisOptions, Error, Event, Silent};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture_2023() -> PathBuf {
    root().join("fixtures/kumamoto-2023/survey.toml")
}

/// The report as JSON, as a caller reading the outputs sees it.
fn json(report: &engage::Report) -> serde_json::Value {
    serde_json::to_value(report).unwrap()
}

/// The plan's figures (fixtures/kumamoto-2023/published-figures.toml, copied from Kumamoto
/// City's 市役所改革プラン2027, February 2024), as printed: means to two decimals, tallies
/// exactly.
#[test]
fn the_published_figures_through_the_library() {
    let published: toml::Value = toml::from_str(
        &std::fs::read_to_string(root().join("fixtures/kumamoto-2023/published-figures.toml"))
            .unwrap(),
    )
    .unwrap();
    let survey = engage::load_survey(&fixture_2023(), false).unwrap();
    let data = engage::data_paths(&survey, Vec::new());
    let ingested = engage::read_responses(&survey, &data, None, 10, &Silent).unwrap();
    let report = engage::analyse(&survey, &ingested, &AnalysisOptions::default(), &Silent).unwrap();
    let report = json(&report);

    let survey_figures = &published["staff_satisfaction_survey"];
    assert_eq!(
        report["responses"]["accepted"].as_i64(),
        survey_figures["respondents"].as_integer(),
        "{}",
        report["responses"]
    );
    for dimension in survey_figures["dimensions"].as_array().unwrap() {
        let id = dimension["id"].as_str().unwrap();
        let ours = report["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .unwrap();
        let printed = format!("{:.2}", ours["mean"].as_f64().unwrap());
        assert_eq!(
            printed,
            format!("{:.2}", dimension["mean"].as_float().unwrap()),
            "{id}"
        );
    }
    let kpi = report["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == "work_satisfaction")
        .unwrap();
    assert_eq!(format!("{:.2}", kpi["value"].as_f64().unwrap()), "3.56");
    let issues = &published["reform_questionnaire"]["work_issues"][0]["options"];
    let ours = &report["multi_select"][0]["options"];
    for (rank, option) in issues.as_array().unwrap().iter().enumerate() {
        assert_eq!(
            ours[rank]["count"].as_i64(),
            option["count"].as_integer(),
            "{option}"
        );
    }
}

/// The same rows as Arrow record batches in memory and as the Arrow IPC file they came from
/// give the same report; only the provenance's name and format of the input differ.
#[test]
fn record_batches_in_memory_give_the_report_of_their_file() {
    let dir = tempfile::tempdir().unwrap();
    let generated = engage::generate(
        "kumamoto-2023",
        Some(1200),
        engage::DataFormat::Arrow,
        dir.path(),
    )
    .unwrap();
    let survey = engage::load_survey(&generated.definition, false).unwrap();
    let reader =
        arrow_ipc::reader::FileReader::try_new(std::fs::File::open(&generated.data).unwrap(), None)
            .unwrap();
    let schema = reader.schema();
    let batches: Vec<engage::RecordBatch> = reader.map(Result::unwrap).collect();
    let batches = engage::MemoryBatches::new("dataframe", schema, batches).unwrap();

    let options = AnalysisOptions::default();
    let from_file = {
        let ingested = engage::read_responses(
            &survey,
            std::slice::from_ref(&generated.data),
            None,
            0,
            &Silent,
        )
        .unwrap();
        json(&engage::analyse(&survey, &ingested, &options, &Silent).unwrap())
    };
    let in_memory = {
        let ingested = engage::read_record_batches(&survey, &batches, None, 0, &Silent).unwrap();
        json(&engage::analyse(&survey, &ingested, &options, &Silent).unwrap())
    };
    let input = |r: &serde_json::Value| r["inputs"]["data"][0].clone();
    assert_eq!(input(&in_memory)["path"], "dataframe");
    assert_eq!(
        input(&in_memory)["format"],
        "arrow record batches in memory"
    );
    assert_eq!(input(&in_memory)["rows_read"], 1200);
    let without_inputs = |mut r: serde_json::Value| {
        r["inputs"]["data"] = serde_json::Value::Null;
        r
    };
    assert_eq!(without_inputs(in_memory), without_inputs(from_file));
}

/// Progress and messages reach the caller's callback, in order: the steps, the accounting of
/// what was read, what was written.
#[test]
fn events_reach_the_callers_callback() {
    let seen = Mutex::new(Vec::<String>::new());
    let progress = |event: Event<'_>| {
        let line = match event {
            Event::StepStarted { what } => format!("started {what}"),
            Event::StepFinished { what, part, .. } => format!("finished {what} {part}"),
            Event::Read { ingested, examples } => {
                format!("read {} rows, {examples} examples", ingested.rows_read())
            }
            Event::Message { level, text } => format!("{level:?}: {text}"),
            _ => "other".to_string(),
        };
        seen.lock().unwrap().push(line);
    };
    let dir = tempfile::tempdir().unwrap();
    let survey = engage::load_survey(&fixture_2023(), false).unwrap();
    let output = engage::OutputOptions::new(
        engage::Lang::En,
        engage::Created::from_unix_seconds(1_706_745_600).unwrap(),
    );
    let job = engage::ReportJob::new(survey, Vec::new(), dir.path().join("out"), output);
    assert_eq!(job.run(&progress).unwrap(), engage::Status::Done);
    let seen = seen.into_inner().unwrap();
    let position = |prefix: &str| {
        seen.iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in {seen:#?}"))
    };
    let started = position("started reading the responses");
    let read = position("read 3690 rows, 10 examples");
    let aggregating = position("started aggregating and computing the statistics");
    let pass = position("finished the aggregation pass true");
    let wrote = position("Info: wrote report.json, report.xlsx, report.html");
    assert!(started < read && read < aggregating && aggregating < pass && pass < wrote);
    assert!(dir.path().join("out/report.json").exists());
}

/// A data file without a column the definition names fails with the file and the column; a
/// definition error names its line and key.
#[test]
fn errors_name_the_file_and_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let survey = engage::load_survey(&fixture_2023(), false).unwrap();
    let csv = dir.path().join("short.csv");
    std::fs::write(&csv, "回答者ID,局区\nR1,政策局\n").unwrap();
    let error =
        engage::read_responses(&survey, std::slice::from_ref(&csv), None, 0, &Silent).unwrap_err();
    assert!(matches!(error, Error::Ingest(_)), "{error:?}");
    let text = engage::error_chain(&error);
    assert!(
        text.contains("short.csv") && text.contains("column `Q01` (item `col_1`) is missing"),
        "{text}"
    );

    let definition = dir.path().join("survey.toml");
    let broken = std::fs::read_to_string(fixture_2023()).unwrap().replacen(
        "min_group_size = 5",
        "min_group_size = \"five\"",
        1,
    );
    std::fs::write(&definition, broken).unwrap();
    let error = engage::load_survey(&definition, false).unwrap_err();
    assert!(matches!(error, Error::Definition(_)), "{error:?}");
    let text = engage::error_chain(&error);
    assert!(
        text.contains("survey.toml") && text.contains("min_group_size"),
        "{text}"
    );
}

/// Raking's rows without weight are the respondents who left a margin blank: published only
/// when they are a blank group the report publishes too. The 2023 fixture's ten blank ages
/// are a published group; in a 1,000-row draw of the same survey the blank ages are too few to
/// publish, so the rows without weight are withheld with them.
#[test]
fn rows_without_weight_are_published_only_as_a_published_blank_group() {
    let weighting = |definition: &Path| {
        let survey = engage::load_survey(definition, false).unwrap();
        let data = engage::data_paths(&survey, Vec::new());
        let ingested = engage::read_responses(&survey, &data, None, 0, &Silent).unwrap();
        let report = json(
            &engage::analyse(&survey, &ingested, &AnalysisOptions::default(), &Silent).unwrap(),
        );
        let blank_age = report["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "age")
            .and_then(|s| {
                s["groups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|g| g["value"] == "")
            })
            .cloned();
        (report["population"]["weighting"].clone(), blank_age)
    };
    let (fixture, blank) = weighting(&fixture_2023());
    assert_eq!(fixture["margins"], serde_json::json!(["bureau", "age"]));
    assert_eq!(blank.as_ref().unwrap()["respondents"], 10);
    assert_eq!(fixture["rows_without_weight"], 10);
    assert_eq!(fixture["rows_weighted"], 3680);

    let dir = tempfile::tempdir().unwrap();
    let small = engage::generate(
        "kumamoto-2023",
        Some(1000),
        engage::DataFormat::Csv,
        dir.path(),
    )
    .unwrap();
    let (small, blank) = weighting(&small.definition);
    let blank = blank.expect("some of 1,000 leave their age blank");
    assert_eq!(blank["suppressed"], true, "{blank}");
    assert!(small["rows_without_weight"].is_null(), "{small}");
    assert!(small["rows_weighted"].is_null(), "{small}");
}

/// With a segment taken from the file name, a file's accepted rows are its group's size: the
/// release withholds the rows of files whose group it withholds, in report.json and
/// data_quality.csv, and keeps the full accounting in the private folder. The fixture's rows
/// are split into one file per bureau, one bureau's nine rows into files of three and six.
#[test]
fn file_accounting_is_withheld_with_the_groups_it_counts() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = root().join("fixtures/kumamoto-2023");
    let definition = std::fs::read_to_string(fixture.join("survey.toml")).unwrap()
        + "\n[[segments]]\nid = \"file\"\ncolumn = \"@file\"\nja = \"ファイル\"\nen = \"File\"\n";
    std::fs::write(dir.path().join("survey.toml"), definition).unwrap();
    std::fs::copy(
        fixture.join("headcounts.csv"),
        dir.path().join("headcounts.csv"),
    )
    .unwrap();
    let text = std::fs::read_to_string(fixture.join("responses.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut files: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    let mut small = 0;
    for line in lines {
        let bureau = line.split(',').nth(1).unwrap();
        let name = if bureau == "選挙管理委員会事務局" {
            small += 1;
            if small <= 3 { "small-a" } else { "small-b" }.to_string()
        } else {
            format!("bureau-{bureau}")
        };
        files.entry(name).or_default().push(line);
    }
    assert_eq!(small, 9);
    let data: Vec<PathBuf> = files
        .iter()
        .map(|(name, rows)| {
            let path = dir.path().join(format!("{name}.csv"));
            std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
            path
        })
        .collect();
    let survey = engage::load_survey(&dir.path().join("survey.toml"), false).unwrap();
    let out = dir.path().join("out");
    let output = engage::OutputOptions::new(
        engage::Lang::En,
        engage::Created::from_unix_seconds(1_706_745_600).unwrap(),
    );
    let job = engage::ReportJob::new(survey, data, out.clone(), output);
    job.run(&Silent).unwrap();

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let by_file = |name: &str| {
        report["inputs"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| {
                d["path"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("{name}.csv"))
            })
            .unwrap()
            .clone()
    };
    let group = |key: &str| {
        report["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "file")
            .unwrap()["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .unwrap()
            .clone()
    };
    // The file of three is withheld as a group and so are its rows; whatever else the
    // segment withholds, its files' rows go with it, and published groups keep theirs.
    assert_eq!(group("small-a")["suppressed"], true);
    for (name, rows) in &files {
        let file = by_file(name);
        if group(name)["suppressed"] == true {
            assert!(
                file["rows_accepted"].is_null() && file["rows_read"].is_null(),
                "{file}"
            );
        } else {
            assert_eq!(file["rows_accepted"], rows.len(), "{file}");
        }
    }
    let quality = std::fs::read_to_string(out.join("data_quality.csv")).unwrap();
    let small_a = quality.lines().find(|l| l.contains("small-a.csv")).unwrap();
    assert!(!small_a.contains(",3,"), "{small_a}");
    let accounting =
        std::fs::read_to_string(dir.path().join("out-private/accounting.csv")).unwrap();
    let small_a = accounting
        .lines()
        .find(|l| l.contains("small-a.csv"))
        .unwrap();
    assert!(small_a.ends_with(",3,3,0"), "{small_a}");
}

/// The hard cases of comment masking (crates/engage-text/tests/masking/hard-cases.tsv) as a
/// survey's comment column, exported: no planted name or identifier reaches comments.csv,
/// report.json, the workbook or the HTML report, and the known compounds do.
#[test]
fn exported_comments_carry_no_planted_name_in_any_output() {
    if !engage_text_ipadic_installed() {
        return;
    }
    let cases =
        std::fs::read_to_string(root().join("crates/engage-text/tests/masking/hard-cases.tsv"))
            .unwrap();
    let rows: Vec<Vec<&str>> = cases
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let units = ["総務課", "人事課", "企画課", "政策局"];
    let mut csv = String::from("id,局,課,Q1,意見\n");
    for (r, row) in rows.iter().enumerate() {
        let comment = row[0].replace('"', "\"\"");
        csv += &format!("{r},本庁,{},4,\"{comment}\"\n", units[r % units.len()]);
    }
    std::fs::write(dir.path().join("responses.csv"), csv).unwrap();
    let definition = r#"
[survey]
id = "masking"
ja = "マスキング"
en = "Masking"
[wave]
year = 2024
label = "R6"
[data]
file = "responses.csv"
respondent_id = "id"
[[dimensions]]
id = "d"
ja = "領域"
en = "Dimension"
[[items]]
id = "q1"
column = "Q1"
ja = "設問"
en = "Item"
dimension = "d"
[[segments]]
id = "bureau"
column = "局"
ja = "局"
en = "Bureau"
[[segments]]
id = "section"
column = "課"
ja = "課"
en = "Section"
parent = "bureau"
[[free_text]]
id = "comment"
column = "意見"
ja = "意見"
en = "Comment"
[text]
segments = ["bureau"]
export_comments = true
mask_names = ["森"]
"#;
    std::fs::write(dir.path().join("survey.toml"), definition).unwrap();
    let survey = engage::load_survey(&dir.path().join("survey.toml"), false).unwrap();
    let out = dir.path().join("out");
    let output = engage::OutputOptions::new(
        engage::Lang::Ja,
        engage::Created::from_unix_seconds(1_706_745_600).unwrap(),
    );
    engage::ReportJob::new(survey, Vec::new(), out.clone(), output)
        .run(&Silent)
        .unwrap();
    let nfkc = |s: &str| engage_text::normalize::normalize_comment(s);
    let workbook = {
        let file = std::fs::File::open(out.join("report.xlsx")).unwrap();
        let mut zip = zip::ZipArchive::new(file).unwrap();
        let mut text = String::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            if entry.name().unwrap().ends_with(".xml") {
                std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            }
        }
        text
    };
    let outputs = [
        (
            "comments.csv",
            std::fs::read_to_string(out.join("comments.csv")).unwrap(),
        ),
        (
            "report.json",
            std::fs::read_to_string(out.join("report.json")).unwrap(),
        ),
        (
            "report.html",
            std::fs::read_to_string(out.join("report.html")).unwrap(),
        ),
        ("report.xlsx", workbook),
    ];
    let exported = &outputs[0].1;
    let expected_names: usize = rows.iter().map(|r| r[1].matches("［人名］").count()).sum();
    assert_eq!(
        exported.matches("［人名］").count(),
        expected_names,
        "{exported}"
    );
    // A planted name inside a kept word (森 in 森林) is checked by the masking's own test.
    let kept: Vec<&str> = rows.iter().flat_map(|r| r[3].split('|')).collect();
    for row in &rows {
        for planted in row[2]
            .split('|')
            .filter(|p| !p.is_empty() && !kept.iter().any(|k| k.contains(*p)))
        {
            for (name, text) in &outputs {
                assert!(!text.contains(&nfkc(planted)), "`{planted}` is in {name}");
            }
        }
        for kept in row[3].split('|').filter(|k| !k.is_empty()) {
            assert!(
                exported.contains(&nfkc(kept)),
                "`{kept}` was masked in comments.csv"
            );
        }
    }
}

fn engage_text_ipadic_installed() -> bool {
    let installed = engage_text::default_ipadic_dir()
        .join("matrix.def")
        .exists();
    assert!(
        installed || std::env::var_os("ENGAGE_REQUIRE_IPADIC").is_none(),
        "ENGAGE_REQUIRE_IPADIC is set but IPADIC is missing"
    );
    installed
}

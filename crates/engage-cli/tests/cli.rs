//! The real `engage` binary on the bundled fixture and on broken inputs: outputs, exit codes,
//! messages, where raw answers go, and the workbook read back with calamine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{open_workbook, Data, Reader, Xlsx};

fn engage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(args)
        .output()
        .unwrap()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture_2023() -> String {
    root()
        .join("fixtures/kumamoto-2023/survey.toml")
        .display()
        .to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn report_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn report_on_the_fixture_writes_json_workbook_and_csvs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = engage(&["report", &fixture_2023(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("3690 rows read = 3690 accepted + 0 rejected"),
        "{}",
        stderr(&o)
    );
    let json = report_json(&out);
    assert_eq!(json["responses"]["read"], 3690);
    assert_eq!(
        json["inputs"]["data"][0]["sha256"].as_str().unwrap().len(),
        64
    );
    assert_eq!(json["engine"]["version"], env!("CARGO_PKG_VERSION"));
    for name in [
        "kpis",
        "dimensions",
        "reliability",
        "items",
        "segments",
        "multi_select",
        "drivers",
        "data_quality",
        "problems",
    ] {
        let bytes = std::fs::read(out.join(format!("{name}.csv"))).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{name}.csv has no BOM");
    }
    // No rejects: no private folder appears.
    assert!(!tmp.path().join("out-private").exists());

    // The workbook read back equals report.json.
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert_eq!(
        names,
        vec![
            "概要",
            "検証指標",
            "領域別",
            "信頼性",
            "設問別",
            "区分別",
            "複数選択",
            "選択肢別の指標差",
            "選択肢×区分",
            "同時選択",
            "主要因",
            "データ品質",
            "データの問題",
            "回答率",
            "有限母集団修正",
            "重み付け集計",
            "自由記述 概要",
            "自由記述 頻出語",
            "自由記述 評価語",
            "自由記述 分類別割合",
            "自由記述 特徴語",
            "自由記述 共起ネットワーク",
            "ヒートマップ",
            "グラフ",
            "集計方法"
        ]
    );
    // Print set-up: every sheet but the charts and method has a print area; tables repeat their
    // header row on each printed page.
    let names: Vec<(String, String)> = wb.defined_names().to_vec();
    let areas = names
        .iter()
        .filter(|(n, _)| n == "_xlnm.Print_Area")
        .count();
    assert_eq!(areas, 23, "{names:?}");
    assert!(
        names.iter().any(|(n, v)| n == "_xlnm.Print_Titles"
            && v.contains("検証指標")
            && v.contains("$1:$1")),
        "{names:?}"
    );
    // Native charts: the dimension bars with the average line, the two ranked multi-select
    // questions, the two KPI trajectories and the two importance × performance scatters. Zip
    // stores entry names uncompressed, so the file's bytes name each chart part.
    let bytes = std::fs::read(out.join("report.xlsx")).unwrap();
    let charts = (1..=20)
        .filter(|i| {
            let name = format!("xl/charts/chart{i}.xml");
            bytes.windows(name.len()).any(|w| w == name.as_bytes())
        })
        .count();
    assert_eq!(charts, 7);
    // The cells the dimension chart reads are report.json's means, in order, and the average
    // line is their unweighted mean.
    let chart_cells = wb.worksheet_range("グラフ").unwrap();
    let means: Vec<f64> = json["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["mean"].as_f64().unwrap())
        .collect();
    for (i, m) in means.iter().enumerate() {
        let Data::Float(v) = chart_cells.get((i + 1, 1)).unwrap() else {
            panic!("chart cell {i} is not a number")
        };
        assert_eq!(v, m);
    }
    let Data::Float(avg) = chart_cells.get((1, 2)).unwrap() else {
        panic!("average is not a number")
    };
    assert!((avg - means.iter().sum::<f64>() / means.len() as f64).abs() < 1e-12);
    let summary = wb.worksheet_range("概要").unwrap();
    assert!(summary.rows().any(|r| r.iter().any(|c| *c == "低い3領域")));
    // The fixture's headcounts: every published bureau and age band has a response rate, and
    // the workbook's weighted sheet holds the report's weighted KPI.
    let population = &json["population"];
    assert_eq!(population["respondents"], 3690);
    assert!(population["weighting"]["converged"].as_bool().unwrap());
    let weighted = wb.worksheet_range("重み付け集計").unwrap();
    let Data::Float(v) = weighted.rows().nth(1).unwrap()[5] else {
        panic!("weighted KPI is not a number")
    };
    let expected = population["weighting"]["kpis"][0]["value"]
        .as_f64()
        .unwrap();
    assert!((v - expected).abs() < 1e-12, "{v} vs {expected}");
    let dims = wb.worksheet_range("領域別").unwrap();
    let header: Vec<String> = dims
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mean_col = header.iter().position(|h| h == "平均").unwrap();
    for (r, row) in dims.rows().skip(1).enumerate() {
        let Data::Float(mean) = row[mean_col] else {
            panic!("mean is not a number: {:?}", row[mean_col])
        };
        assert_eq!(mean, json["dimensions"][r]["mean"].as_f64().unwrap());
    }
    // Withheld groups show a dash and no numbers in the segment sheet.
    let seg = wb.worksheet_range("区分別").unwrap();
    let header: Vec<String> = seg
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let (resp, n, mean) = (
        header.iter().position(|h| h == "回答者数").unwrap(),
        header.iter().position(|h| h == "回答数").unwrap(),
        header.iter().position(|h| h == "平均").unwrap(),
    );
    let reason = header.iter().position(|h| h == "非公表の理由").unwrap();
    let mut withheld_rows = 0;
    for row in seg.rows().skip(1) {
        if !row[reason].to_string().is_empty() {
            withheld_rows += 1;
            for c in [resp, n, mean] {
                assert_eq!(row[c], Data::String("—".into()), "{row:?}");
            }
        }
    }
    assert!(withheld_rows > 0);
    charts_and_html_follow_the_report(&out, &json, &stderr(&o));
}

/// The charts in charts/ are the ones report.json supports, the PNGs match the SVGs (or the
/// run said why there are none), the dimension chart shows report.json's means, and the HTML
/// report inlines every chart and loads nothing from elsewhere.
fn charts_and_html_follow_the_report(out: &Path, json: &serde_json::Value, log: &str) {
    let ids = |key: &str, field: &str, keep: &dyn Fn(&serde_json::Value) -> bool| {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| keep(x))
            .map(|x| x[field].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let mut expected = vec!["dimensions".to_string()];
    let planned = |k: &serde_json::Value| !k["baseline"].is_null() && !k["target"].is_null();
    expected.extend(
        ids("kpis", "id", &planned)
            .iter()
            .map(|i| format!("kpi-{i}")),
    );
    let shown = |q: &serde_json::Value| !q["withheld"].as_bool().unwrap();
    expected.extend(
        ids("multi_select", "id", &shown)
            .iter()
            .map(|i| format!("multi-{i}")),
    );
    expected.extend(
        ids("drivers", "kpi", &shown)
            .iter()
            .map(|i| format!("drivers-{i}")),
    );
    let plain = |s: &serde_json::Value| s["across"].is_null();
    expected.extend(
        ids("segments", "id", &plain)
            .iter()
            .map(|i| format!("heatmap-{i}")),
    );
    // Each published free-text question: its categories and its network.
    for q in json["free_text"]["questions"].as_array().unwrap() {
        if !q["withheld"].as_bool().unwrap() {
            let id = q["id"].as_str().unwrap();
            expected.push(format!("comment-categories-{id}"));
            expected.push(format!("comment-network-{id}"));
        }
    }
    expected.sort();
    let listed = |ext: &str| {
        let mut v: Vec<String> = std::fs::read_dir(out.join("charts"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(listed("svg"), expected);
    if log.contains("PNG charts not written") {
        assert!(listed("png").is_empty());
    } else {
        assert_eq!(listed("png"), expected);
    }
    let svg = std::fs::read_to_string(out.join("charts/dimensions.svg")).unwrap();
    for d in json["dimensions"].as_array().unwrap() {
        let mean = format!("{:.2}", d["mean"].as_f64().unwrap());
        assert!(svg.contains(&format!("\n{mean}\n")), "{mean} not drawn");
        assert!(svg.contains(d["label"]["ja"].as_str().unwrap()));
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(
        html.matches("<figure class=\"chart\"").count(),
        expected.len()
    );
    assert!(!html.contains("<script"));
    for attr in ["src=", "href=\"http", "url("] {
        assert!(
            !html.contains(attr),
            "report.html refers outside itself: {attr}"
        );
    }
}

#[test]
fn no_withheld_group_has_figures_in_any_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = engage(&[
        "report",
        &fixture_2023(),
        "--out",
        out.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json = report_json(&out);
    let min = json["survey"]["min_group_size"].as_u64().unwrap();
    let mut withheld_keys = Vec::new();
    for seg in json["segments"].as_array().unwrap() {
        for g in seg["groups"].as_array().unwrap() {
            if g["suppressed"].as_bool().unwrap() {
                assert!(g["respondents"].is_null());
                withheld_keys.push(g["key"].as_str().unwrap().to_string());
                for list in ["kpis", "dimensions", "items"] {
                    for f in g[list].as_array().unwrap() {
                        assert!(
                            f.get("n").is_none()
                                && f.get("mean").is_none()
                                && f.get("value").is_none(),
                            "{f}"
                        );
                    }
                }
            } else {
                assert!(g["respondents"].as_u64().unwrap() >= min);
                for list in ["dimensions", "items"] {
                    for f in g[list].as_array().unwrap() {
                        if let Some(n) = f.get("n") {
                            assert!(n.as_u64().unwrap() >= min, "{f}");
                        }
                    }
                }
            }
        }
    }
    assert!(!withheld_keys.is_empty());
    // Each heatmap draws exactly its withheld cells as "—" (and so no number for them).
    for seg in json["segments"].as_array().unwrap() {
        if !seg["across"].is_null() {
            continue;
        }
        let withheld = seg["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["dimensions"].as_array().unwrap())
            .filter(|d| d["withheld"].as_bool().unwrap())
            .count();
        let id = seg["id"].as_str().unwrap();
        let svg = std::fs::read_to_string(out.join(format!("charts/heatmap-{id}.svg"))).unwrap();
        assert_eq!(svg.matches("\n—\n").count(), withheld, "heatmap-{id}");
    }
    let mut rdr = csv::Reader::from_path(out.join("segments.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap()
    };
    let (key, n, mean, respondents) = (col("group_key"), col("n"), col("mean"), col("respondents"));
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if withheld_keys.iter().any(|k| k == &rec[key]) {
            assert!(
                rec[n].is_empty() && rec[mean].is_empty() && rec[respondents].is_empty(),
                "{rec:?}"
            );
        }
    }
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    assert_eq!(wb.sheet_names()[0], "Summary");
    assert_eq!(wb.sheet_names()[2], "Dimensions");
    assert!(wb.worksheet_range("Segments").is_ok());
    // The heatmap shows a withheld group's row as dashes only: as many withheld rows as
    // withheld groups of the plain segments, and not one number among them.
    let withheld_plain: usize = json["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["across"].is_null())
        .flat_map(|s| s["groups"].as_array().unwrap())
        .filter(|g| g["suppressed"].as_bool().unwrap())
        .count();
    let heat = wb.worksheet_range("Heatmap").unwrap();
    let dims = json["dimensions"].as_array().unwrap().len();
    // Rows whose every dimension is a dash are the withheld groups: no difference shown either.
    let dashed = heat
        .rows()
        .filter(|r| r.len() > dims && r[1..=dims].iter().all(|c| *c == "—"))
        .inspect(|r| assert!(r[1..].iter().all(|c| !matches!(c, Data::Float(_))), "{r:?}"))
        .count();
    assert!(dashed >= withheld_plain, "{dashed} < {withheld_plain}");
}

fn broken_copy(tmp: &Path) -> PathBuf {
    let src = root().join("crates/engage-report/tests/data");
    std::fs::copy(src.join("tiny.toml"), tmp.join("tiny.toml")).unwrap();
    let csv = std::fs::read_to_string(src.join("tiny.csv"))
        .unwrap()
        .replace("3,A,5,5,1,5,5,5,4", "3,A,5,6,1,5,5,5,4");
    std::fs::write(tmp.join("tiny.csv"), csv).unwrap();
    tmp.join("tiny.toml")
}

#[test]
fn rejected_rows_are_warnings_go_to_a_private_rejects_file_and_fail_under_strict() {
    let tmp = tempfile::tempdir().unwrap();
    let def = broken_copy(tmp.path());
    let out = tmp.path().join("pub");
    let o = engage(&[
        "report",
        def.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("14 rows read = 13 accepted + 1 rejected"),
        "{err}"
    );
    assert!(err.contains("row 4, column `Q2`, value `6`"), "{err}");
    let rejects = tmp.path().join("pub-private/rejects.csv");
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert!(
        text.contains("3,A,5,6,1,5,5,5,4") && text.contains("outside the scale"),
        "{text}"
    );
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(!name.contains("reject"), "{name} in the publishable folder");
    }
    assert_eq!(report_json(&out)["responses"]["rejected"], 1);

    let o = engage(&[
        "report",
        def.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));

    let inside = out.join("rejects.csv");
    let o = engage(&[
        "report",
        def.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--rejects",
        inside.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("inside the publishable folder"),
        "{}",
        stderr(&o)
    );
}

/// No output ever lands on an input: a rejects file, partials or a draft named after the data
/// or the definition, an output folder holding the data, a rejects path reaching the published
/// folder through a symlink, and two batch jobs sharing a folder are all refused with exit 1,
/// and every input keeps its bytes.
#[test]
fn outputs_never_overwrite_inputs_or_reach_the_published_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let def = broken_copy(tmp.path());
    let data = tmp.path().join("tiny.csv");
    let (d, c) = (def.to_str().unwrap(), data.to_str().unwrap());
    let out = tmp.path().join("pub");
    let o = out.to_str().unwrap();
    let before = [std::fs::read(&def).unwrap(), std::fs::read(&data).unwrap()];
    let refused = |args: &[&str], says: &str| {
        let run = engage(args);
        assert_eq!(run.status.code(), Some(1), "{args:?}: {}", stderr(&run));
        assert!(stderr(&run).contains(says), "{args:?}: {}", stderr(&run));
    };
    let overwrite = "inputs are never written to";
    refused(&["validate", d, "--rejects", c], overwrite);
    refused(&["report", d, "--out", o, "--rejects", d], overwrite);
    refused(&["aggregate", d, "--partial", c], overwrite);
    refused(
        &["report", d, "--out", tmp.path().to_str().unwrap()],
        overwrite,
    );
    refused(&["init", c, "--out", c, "--force"], overwrite);
    // A private folder that is a symlink to the published one.
    std::fs::create_dir_all(&out).unwrap();
    let link = tmp.path().join("looks-private");
    std::os::unix::fs::symlink(&out, &link).unwrap();
    let through = link.join("rejects.csv");
    refused(
        &[
            "report",
            d,
            "--out",
            o,
            "--rejects",
            through.to_str().unwrap(),
        ],
        "inside the publishable folder",
    );
    let jobs = tmp.path().join("jobs.toml");
    std::fs::write(
        &jobs,
        "[[job]]\nname = \"a\"\nreport = \"tiny.toml\"\nout = \"pub\"\n\n[[job]]\nname = \"b\"\nreport = \"tiny.toml\"\nout = \"pub/b\"\n",
    )
    .unwrap();
    refused(&["batch", jobs.to_str().unwrap()], "overlapping folders");
    let after = [std::fs::read(&def).unwrap(), std::fs::read(&data).unwrap()];
    assert!(before == after, "an input changed");
}

#[test]
fn bad_definition_names_line_and_key_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let def = broken_copy(tmp.path());
    let text = std::fs::read_to_string(&def)
        .unwrap()
        .replace("dimension = \"d2\"", "dimension = \"d9\"");
    std::fs::write(&def, text).unwrap();
    let o = engage(&[
        "report",
        def.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("line 56, key `items.dimension`: unknown dimension `d9`"),
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn usage_errors_are_clap_exit_2() {
    let o = engage(&["report"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn generate_writes_parquet_for_benchmarks() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bench");
    let o = engage(&[
        "generate",
        "--rows",
        "5000",
        "--format",
        "parquet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bytes = std::fs::read(out.join("responses.parquet")).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    let def = std::fs::read_to_string(out.join("survey.toml")).unwrap();
    assert!(def.contains("file = \"responses.parquet\""));
}

#[test]
fn validate_exit_codes_clean_problems_unusable() {
    let tmp = tempfile::tempdir().unwrap();
    // Clean: the bundled fixture.
    let o = engage(&["validate", &fixture_2023()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("no problems found"), "{}", stderr(&o));

    // Problems: one out-of-range answer, counted by kind with an example naming the cell.
    let def = broken_copy(tmp.path());
    let o = engage(&["validate", def.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("範囲外の回答 / Answer outside the scale (out_of_range): 1"),
        "{err}"
    );
    assert!(err.contains("row 4, column `Q2`, value `6`"), "{err}");
    assert!(
        err.contains("14 rows read = 13 accepted + 1 rejected"),
        "{err}"
    );

    // Unusable: a data file that does not exist.
    let o = engage(&[
        "validate",
        def.to_str().unwrap(),
        "--data",
        tmp.path().join("nothing-*.csv").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("no file matches"), "{}", stderr(&o));
}

#[test]
fn report_accepts_a_pattern_and_stores_problem_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let def = broken_copy(tmp.path());
    let out = tmp.path().join("pub");
    let pattern = tmp.path().join("tiny*.csv");
    let o = engage(&[
        "report",
        def.to_str().unwrap(),
        "--data",
        pattern.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json = report_json(&out);
    assert_eq!(
        json["responses"]["problem_counts"][0],
        serde_json::json!({
            "kind": "out_of_range",
            "label": {"ja": "範囲外の回答", "en": "Answer outside the scale"},
            "action": "reject",
            "count": 1
        })
    );
    assert_eq!(
        json["inputs"]["data"][0]["format"],
        "csv, utf-8, delimiter ','"
    );
}

#[test]
fn compare_two_fixture_waves_writes_the_change_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let b = root().join("fixtures/kumamoto-2024/survey.toml");
    let o = engage(&[
        "compare",
        &fixture_2023(),
        b.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["a"]["respondents"], 3690);
    assert_eq!(json["b"]["respondents"], 3724);
    // The KPI moved from the published 3.56 to the 2024 wave's value; every mean row has a
    // Welch test and an adjusted p-value.
    let kpi = &json["kpis"][0];
    assert_eq!(kpi["id"], "work_satisfaction");
    assert!((kpi["a"]["value"].as_f64().unwrap() - 3.56).abs() < 0.005);
    for row in json["dimensions"].as_array().unwrap() {
        assert_eq!(row["test"], "welch_t");
        assert!(row["p_adjusted"].as_f64().unwrap() >= row["p_value"].as_f64().unwrap());
    }
    for name in [
        "compare_kpis",
        "compare_dimensions",
        "compare_items",
        "compare_item_favourable",
        "compare_segments",
    ] {
        assert!(out.join(format!("{name}.csv")).exists(), "{name}.csv");
    }
    assert!(out.join("compare.xlsx").exists());
    // The comparison's tables for machines: the KPI change as compare.json has it.
    let file = std::fs::File::open(out.join("parquet/compare_kpis.parquet")).unwrap();
    let batch = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(batch.num_rows(), json["kpis"].as_array().unwrap().len());
    let file = std::fs::File::open(out.join("arrow/compare_dimensions.arrow")).unwrap();
    let batch = arrow_ipc::reader::FileReader::try_new(file, None)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(
        batch.num_rows(),
        json["dimensions"].as_array().unwrap().len()
    );

    // One definition needs both waves' files.
    let o = engage(&["compare", &fixture_2023(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--a-data and --b-data"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn audit_passes_the_fixture_report_and_names_what_a_weakened_one_exposes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = engage(&["report", &fixture_2023(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let audit = engage(&["audit", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&audit.stdout).into_owned();
    assert_eq!(audit.status.code(), Some(0), "{text}{}", stderr(&audit));
    assert!(text.contains("0 exposed counts"), "{text}");

    // A CSV that publishes a count report.json withholds is caught, with file, row and column.
    let csv_path = out.join("segments.csv");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let row = lines
        .iter()
        .position(|l| l.contains(",匿名性保護のため非公表,"))
        .expect("a withheld group row");
    let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
    cells[4] = "3".into();
    lines[row] = cells.join(",");
    std::fs::write(&csv_path, lines.join("\r\n")).unwrap();
    let audit = engage(&["audit", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&audit.stdout).into_owned();
    assert_eq!(audit.status.code(), Some(1), "{text}");
    let at = format!(
        "published in segments.csv row {}, column respondents",
        row + 1
    );
    assert!(text.contains(&at), "{at} missing from\n{text}");

    // Small sections withheld, but nothing withheld next to them: each is its bureau less the
    // published sections, and the audit must say which.
    let weak = tmp.path().join("weak");
    let o = engage(&[
        "report",
        &fixture_2023(),
        "--out",
        weak.to_str().unwrap(),
        "--suppression",
        "primary-only",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("do not publish it"), "{}", stderr(&o));
    let json = report_json(&weak);
    assert_eq!(json["suppression"]["mode"], "primary_only");
    let audit = engage(&["audit", weak.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&audit.stdout).into_owned();
    assert_eq!(audit.status.code(), Some(1), "{text}");
    // Every primary section that is the only withheld one in its bureau is named as pinned.
    let groups = |id: &str| {
        json["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()["groups"]
            .as_array()
            .unwrap()
            .clone()
    };
    let sections = groups("section");
    let mut lone = 0;
    for bureau in groups("bureau") {
        let withheld: Vec<_> = sections
            .iter()
            .filter(|s| s["parent_key"] == bureau["key"] && s["suppressed"] == true)
            .collect();
        if bureau["suppressed"] == false && withheld.len() == 1 {
            lone += 1;
            let key = withheld[0]["key"].as_str().unwrap();
            let line =
                format!("EXPOSED section `{key}`: respondents withheld but derivable exactly");
            assert!(text.contains(&line), "{line} missing from\n{text}");
        }
    }
    assert!(lone > 0, "the fixture has no bureau with one small section");

    // Suppression off: the small sections are simply published, and found as such.
    let off = tmp.path().join("off");
    let o = engage(&[
        "report",
        &fixture_2023(),
        "--out",
        off.to_str().unwrap(),
        "--suppression",
        "off",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let audit = engage(&["audit", off.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&audit.stdout).into_owned();
    assert_eq!(audit.status.code(), Some(1), "{text}");
    assert!(text.contains("respondents published as"), "{text}");
}

fn tiny(file: &str) -> String {
    root()
        .join("crates/engage-report/tests/data")
        .join(file)
        .display()
        .to_string()
}

#[test]
fn compare_paired_and_with_a_crosswalk_on_the_tiny_waves() {
    // The figures themselves are checked against SciPy in engage-report's pipeline tests; here
    // the binary wires them into compare.json and the CSVs, and names a bad crosswalk's row.
    let tmp = tempfile::tempdir().unwrap();
    let crosswalk = tmp.path().join("crosswalk.csv");
    std::fs::write(&crosswalk, "segment,a_key,b_key\ndept,A,A\ndept,C,A\n").unwrap();
    let out = tmp.path().join("cmp");
    let o = engage(&[
        "compare",
        &tiny("tiny.toml"),
        "--a-data",
        &tiny("tiny.csv"),
        "--b-data",
        &tiny("tiny-b.csv"),
        "--paired",
        "--crosswalk",
        crosswalk.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("paired: 14 respondents in both waves (0 only in A, 1 only in B)"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["paired"]["dimensions"][0]["pairs"], 13);
    assert_eq!(json["paired"]["dimensions"][0]["test"], "paired_t");
    assert_eq!(json["paired"]["kpis"][1]["test"], "mcnemar");
    // Department A in B is A and C of wave A; with the default minimum, wave A withholds C to
    // protect B, so the unit is withheld.
    let unit = json["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["group"] == "A")
        .unwrap();
    assert_eq!(unit["a_groups"], serde_json::json!(["A", "C"]));
    assert_eq!(unit["withheld"], true);
    for table in [
        "compare_paired_kpis",
        "compare_paired_dimensions",
        "compare_paired_items",
    ] {
        assert!(out.join(format!("{table}.csv")).exists(), "{table}.csv");
    }

    std::fs::write(&crosswalk, "segment,a_key,b_key\ndept,A,A\ndept,Z,A\n").unwrap();
    let o = engage(&[
        "compare",
        &tiny("tiny.toml"),
        "--a-data",
        &tiny("tiny.csv"),
        "--b-data",
        &tiny("tiny-b.csv"),
        "--crosswalk",
        crosswalk.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("crosswalk row 3, column `a_key`: segment `dept` has no group `Z` in wave A"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn report_with_an_earlier_wave_tests_against_its_respondents() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r6");
    let b = root().join("fixtures/kumamoto-2024/survey.toml");
    let o = engage(&[
        "report",
        b.to_str().unwrap(),
        "--earlier",
        &fixture_2023(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json = report_json(&out);
    // Satisfaction's baseline is FY2023, the earlier wave: a two-sample test. The mindset
    // share's baseline year (2022) has no data here: one-sample against the published value.
    let sat = &json["kpis"][0]["tracking"]["baseline_test"];
    assert_eq!(sat["against"], "baseline_wave");
    assert!(
        sat["df"].as_f64().unwrap() > 7000.0,
        "Welch df over both waves"
    );
    assert_eq!(
        json["kpis"][1]["tracking"]["baseline_test"]["against"],
        "published_value"
    );

    // The previous wave: the same comparison `engage compare` writes, in report.json, as
    // tables, in the Summary (largest changes) and in the heatmap (change per group).
    let cmp = tmp.path().join("cmp");
    let o = engage(&[
        "compare",
        &fixture_2023(),
        b.to_str().unwrap(),
        "--out",
        cmp.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let compared: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cmp.join("compare.json")).unwrap()).unwrap();
    let previous = &json["previous_wave"];
    for table in ["kpis", "dimensions", "items", "segments"] {
        assert_eq!(previous[table], compared[table], "{table}");
    }
    for name in [
        "compare_dimensions.csv",
        "parquet/compare_segments.parquet",
        "charts/changes-dimensions.svg",
    ] {
        assert!(out.join(name).exists(), "{name}");
    }
    // Largest |difference| among dimensions and items, found here by a plain scan.
    let mut rows: Vec<(String, f64)> = ["dimensions", "items"]
        .iter()
        .flat_map(|t| compared[*t].as_array().unwrap())
        .filter(|x| !x["withheld"].as_bool().unwrap() && x["difference"].is_f64())
        .map(|x| {
            (
                x["label"]["ja"].as_str().unwrap().to_string(),
                x["difference"].as_f64().unwrap(),
            )
        })
        .collect();
    rows.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let summary = wb.worksheet_range("概要").unwrap();
    let at = summary
        .rows()
        .position(|r| r[0].to_string().starts_with("前回調査からの大きな変化"))
        .expect("a largest-changes section");
    for (i, (label, difference)) in rows.iter().take(5).enumerate() {
        let row = summary.rows().nth(at + 2 + i).unwrap();
        assert_eq!(row[0].to_string(), *label);
        let Data::Float(shown) = row[3] else {
            panic!("{row:?}")
        };
        // serde_json's default float parsing may differ from the written value by an ulp.
        assert!(
            (shown - difference).abs() < 1e-12,
            "{shown} vs {difference}"
        );
    }
    // The heatmap's change of the first bureau in the first dimension.
    let first = compared["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["segment"] == "bureau" && !x["withheld"].as_bool().unwrap())
        .unwrap();
    let heat = wb.worksheet_range("ヒートマップ").unwrap();
    let header: Vec<String> = heat
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let dim = json["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == first["id"])
        .unwrap();
    let col = header
        .iter()
        .position(|h| *h == format!("{} (前回との差)", dim["label"]["ja"].as_str().unwrap()))
        .unwrap();
    let group_row = heat
        .rows()
        .find(|r| r[0] == first["group"].as_str().unwrap())
        .unwrap();
    let Data::Float(shown) = group_row[col] else {
        panic!("{group_row:?}")
    };
    assert!((shown - first["difference"].as_f64().unwrap()).abs() < 1e-12);
}

#[test]
fn a_headcount_file_with_too_few_staff_names_its_row() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for f in ["tiny.toml", "tiny.csv"] {
        std::fs::copy(tiny(f), dir.join(f)).unwrap();
    }
    let mut definition = std::fs::read_to_string(dir.join("tiny.toml")).unwrap();
    definition.push_str("\n[population]\nheadcounts = \"headcounts.csv\"\n");
    std::fs::write(dir.join("tiny.toml"), definition).unwrap();
    std::fs::write(
        dir.join("headcounts.csv"),
        "segment,group,headcount\ntotal,,30\ndept,A,10\ndept,B,2\n",
    )
    .unwrap();
    let o = engage(&[
        "report",
        dir.join("tiny.toml").to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(
            "headcounts.csv, row 4, column `headcount`: 3 respondents in `B` but a headcount of 2"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn batch_runs_the_fixture_jobs_and_a_failing_job_does_not_sink_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let fixtures = root().join("fixtures");
    let jobs = format!(
        r#"
[[job]]
name = "r6"
report = "{f}/kumamoto-2024/survey.toml"
packs = "bureau"
out = "r6"

[[job]]
name = "cmp"
compare = ["{f}/kumamoto-2023/survey.toml", "{f}/kumamoto-2024/survey.toml"]
out = "cmp"

[[job]]
name = "broken"
report = "no-such-survey.toml"
out = "broken"
"#,
        f = fixtures.display()
    );
    std::fs::write(dir.join("jobs.toml"), jobs).unwrap();
    let jobs = dir.join("jobs.toml");

    let dry = engage(&["batch", jobs.to_str().unwrap(), "--dry-run"]);
    assert_eq!(dry.status.code(), Some(1), "the broken job cannot run");
    assert!(
        stderr(&dry).contains("3 jobs, 2 distinct inputs read once each"),
        "{}",
        stderr(&dry)
    );
    assert!(!dir.join("r6").exists(), "a dry run writes nothing");

    let o = engage(&["batch", jobs.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("job broken (report): FAILED"), "{err}");
    assert!(
        err.contains("3 jobs: 2 ok, 0 with problems, 1 failed"),
        "{err}"
    );
    assert!(dir.join("cmp/compare.json").exists());
    // A pack is the full report cut to one bureau: each of its groups is the full report's.
    let full = report_json(&dir.join("r6"));
    let pack = report_json(&dir.join("r6/packs/政策局"));
    let groups = |r: &serde_json::Value, seg: &str| -> Vec<serde_json::Value> {
        r["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == seg)
            .map(|s| s["groups"].as_array().unwrap().clone())
            .unwrap_or_default()
    };
    let sections = groups(&pack, "section");
    assert!(!sections.is_empty());
    for g in &sections {
        assert!(g["key"].as_str().unwrap().starts_with("政策局 / "));
        assert!(groups(&full, "section").contains(g), "{}", g["key"]);
    }
    assert_eq!(groups(&pack, "bureau").len(), 1);
    assert!(
        groups(&pack, "age").is_empty(),
        "organisation-wide segments are not the bureau's"
    );
    assert_eq!(pack["kpis"], full["kpis"]);
}

/// `[[section]]` blocks of a TOML text, each from its header to the next blank-line-separated
/// header (the fixture's definition is written one block per header).
fn blocks<'t>(text: &'t str, header: &str) -> Vec<&'t str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|b| b.starts_with(header))
        .collect()
}

fn field<'t>(block: &'t str, key: &str) -> Option<&'t str> {
    block.lines().find_map(|l| {
        l.strip_prefix(&format!("{key} = \""))
            .and_then(|v| v.split('"').next())
    })
}

#[test]
fn init_drafts_a_definition_that_once_reviewed_reproduces_the_fixture_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::copy(
        root().join("fixtures/kumamoto-2023/responses.csv"),
        dir.join("responses.csv"),
    )
    .unwrap();
    let o = engage(&["init", dir.join("responses.csv").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let draft = std::fs::read_to_string(dir.join("survey.toml")).unwrap();
    // What the draft found on its own.
    assert!(draft.contains("respondent_id = \"回答者ID\""));
    assert!(draft.contains("min = 1\nmax = 5\nfavourable = [4, 5]"));
    assert!(draft.contains("not_applicable = [\"わからない\"]"));
    assert_eq!(blocks(&draft, "[[items]]").len(), 28);
    assert_eq!(blocks(&draft, "[[segments]]").len(), 7);
    assert!(
        draft.contains("column = \"所属\"\nja = \"所属\"\nen = \"所属\"\nparent = \"segment_1\"")
    );
    assert!(draft.contains("storage = \"columns\""));
    assert!(draft.contains("storage = \"delimited\"\ncolumn = \"Q30\"\nseparator = \";\""));
    let again = engage(&["init", dir.join("responses.csv").to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "an existing draft is not overwritten"
    );

    // The analyst's review: the wave's year, each item's dimension and keying, the dimensions
    // and KPIs, all taken from the fixture's definition.
    let fixture =
        std::fs::read_to_string(root().join("fixtures/kumamoto-2023/survey.toml")).unwrap();
    let mut reviewed = draft.replace("year = 2024  # the wave's year: edit", "year = 2023");
    let mut draft_id = std::collections::HashMap::new();
    for item in blocks(&fixture, "[[items]]") {
        let column = field(item, "column").unwrap();
        let id = column.to_lowercase();
        draft_id.insert(field(item, "id").unwrap().to_string(), id.clone());
        let anchor = format!("column = \"{column}\"");
        let at = reviewed.find(&anchor).unwrap();
        let end = at + reviewed[at..].find("\n\n").unwrap();
        let mut block = reviewed[at..end].to_string();
        if let Some(d) = field(item, "dimension") {
            block = block.replace("# dimension = \"\"", &format!("dimension = \"{d}\""));
        }
        if item.contains("reverse = true") {
            block = block.replace(
                "# reverse = true  # if agreeing is unfavourable",
                "reverse = true",
            );
        }
        reviewed.replace_range(at..end, &block);
    }
    for d in blocks(&fixture, "[[dimensions]]") {
        reviewed.push_str(&format!("\n{d}\n"));
    }
    for k in blocks(&fixture, "[[kpis]]") {
        let item = field(k, "item").unwrap();
        let k = k.replace(
            &format!("item = \"{item}\""),
            &format!("item = \"{}\"", draft_id[item]),
        );
        reviewed.push_str(&format!("\n{k}\n"));
    }
    std::fs::write(dir.join("survey.toml"), &reviewed).unwrap();
    let out = dir.join("out");
    let o = engage(&[
        "report",
        dir.join("survey.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}\n{reviewed}", stderr(&o));
    let ours = report_json(&out);
    let theirs = {
        let o = engage(&[
            "report",
            &fixture_2023(),
            "--out",
            dir.join("fixture").to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0));
        report_json(&dir.join("fixture"))
    };
    for key in ["n", "value", "ci"] {
        for k in 0..2 {
            assert_eq!(
                ours["kpis"][k][key], theirs["kpis"][k][key],
                "kpi {k} {key}"
            );
        }
    }
    for (a, b) in ours["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .zip(theirs["dimensions"].as_array().unwrap())
    {
        for key in ["n", "mean", "sd", "favourable"] {
            assert_eq!(a[key], b[key], "dimension {} {key}", b["id"]);
        }
        assert_eq!(a["reliability"]["alpha"], b["reliability"]["alpha"]);
    }
    for (a, b) in ours["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(theirs["items"].as_array().unwrap())
    {
        assert_eq!(a["counts"], b["counts"], "item {}", b["id"]);
        assert_eq!(a["mean"], b["mean"], "item {}", b["id"]);
    }
    // Segments by column: the same groups with the same respondents and the same withheld.
    let by_column = |r: &serde_json::Value, i: usize| -> Vec<(String, serde_json::Value, bool)> {
        let mut g: Vec<_> = r["segments"][i]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["key"].as_str().unwrap().to_string(),
                    g["respondents"].clone(),
                    g["suppressed"].as_bool().unwrap(),
                )
            })
            .collect();
        g.sort_by(|a, b| a.0.cmp(&b.0));
        g
    };
    for i in 0..7 {
        assert_eq!(by_column(&ours, i), by_column(&theirs, i), "segment {i}");
    }
    for q in 0..2 {
        let counts = |r: &serde_json::Value| -> Vec<serde_json::Value> {
            r["multi_select"][q]["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["count"].clone())
                .collect()
        };
        assert_eq!(counts(&ours), counts(&theirs), "multi-select {q}");
        assert_eq!(
            ours["multi_select"][q]["base"],
            theirs["multi_select"][q]["base"]
        );
    }
}

#[test]
fn quiet_json_logs_completions_and_man_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // JSON lines for schedulers: every stderr line parses, errors too.
    let o = engage(&[
        "--log-format",
        "json",
        "report",
        &fixture_2023(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = stderr(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert!(lines.iter().any(|l| l["level"] == "info"
        && l["message"]
            .as_str()
            .unwrap()
            .contains("3690 rows read = 3690 accepted + 0 rejected")));
    let bad = engage(&[
        "--log-format",
        "json",
        "report",
        "missing.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_str(stderr(&bad).trim()).unwrap();
    assert_eq!(line["level"], "error");
    assert!(line["message"].as_str().unwrap().contains("missing.toml"));
    // --quiet: nothing on stderr when all is well.
    let o = engage(&[
        "-q",
        "report",
        &fixture_2023(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "");
    // Completions and man pages come from the same clap definitions as --help.
    let o = engage(&["completions", "bash"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("engage__subcmd__batch"));
    let man = tmp.path().join("man");
    let o = engage(&["man", "--out", man.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(man.join("engage-report.1")).unwrap();
    assert!(page.contains("suppression"));
}

#[test]
fn tables_for_machines_parquet_arrow_and_cp932_csv() {
    use arrow_array::{Array, Float64Array};
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = engage(&[
        "report",
        &fixture_2023(),
        "--out",
        out.to_str().unwrap(),
        "--csv-encoding",
        "cp932",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json = report_json(&out);
    let means: Vec<f64> = json["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["mean"].as_f64().unwrap())
        .collect();
    let column = |batch: &arrow_array::RecordBatch| -> Vec<f64> {
        let c = batch
            .column_by_name("mean")
            .unwrap()
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap()
            .clone();
        (0..c.len()).map(|i| c.value(i)).collect()
    };
    let file = std::fs::File::open(out.join("parquet/dimensions.parquet")).unwrap();
    let mut reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(column(&reader.next().unwrap().unwrap()), means);
    let file = std::fs::File::open(out.join("arrow/dimensions.arrow")).unwrap();
    let mut reader = arrow_ipc::reader::FileReader::try_new(file, None).unwrap();
    assert_eq!(column(&reader.next().unwrap().unwrap()), means);
    // CP932 CSV: no BOM, Japanese labels decodable as CP932, and the audit still reads it.
    let bytes = std::fs::read(out.join("dimensions.csv")).unwrap();
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF") && std::str::from_utf8(&bytes).is_err());
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad && text.contains("同僚"), "{text}");
    let audit = engage(&["audit", out.to_str().unwrap()]);
    assert_eq!(audit.status.code(), Some(0), "{}", stderr(&audit));
}

/// The fixture's comments: terms, keyness by bureau, categories and the network, small
/// bureaus withheld, and with --export-comments only published bureaus' comments, masked.
/// Needs IPADIC (Debian's mecab-ipadic); skipped without it unless ENGAGE_REQUIRE_IPADIC is set
/// (as in CI).
#[test]
fn fixture_comments_are_counted_withheld_and_masked() {
    if !engage_text_dictionary_installed() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = engage(&[
        "report",
        &fixture_2023(),
        "--out",
        out.to_str().unwrap(),
        "--export-comments",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json = report_json(&out);
    let f = &json["free_text"];
    assert_eq!(f["dictionary"], true);
    let q = &f["questions"][0];
    assert!(q["comments"].as_u64().unwrap() > 300);
    assert!(q["non_answers"].as_u64().unwrap() > 0);
    assert!(!q["terms"].as_array().unwrap().is_empty());
    assert!(q["network"]["edges"].as_array().unwrap().len() > 10);
    let bureaus = q["segments"][0]["groups"].as_array().unwrap();
    let withheld: Vec<&str> = bureaus
        .iter()
        .filter(|g| g["withheld"] == true)
        .map(|g| g["label"]["ja"].as_str().unwrap())
        .collect();
    // 議会局 has fewer than 10 comments in the fixture.
    assert!(withheld.contains(&"議会局"), "{withheld:?}");
    let fire = bureaus
        .iter()
        .find(|g| g["label"]["ja"] == "消防局")
        .unwrap();
    let key: Vec<&str> = fire["keyness"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["term"].as_str().unwrap())
        .collect();
    // The generator gives the fire bureau its own topics (当直, 出動, 訓練).
    assert!(key.contains(&"出動") && key.contains(&"訓練"), "{key:?}");
    // Low-welfare staff write about overtime: 残業 is the overtime category's main term and
    // the category is among the shares.
    let categories = q["categories"].as_array().unwrap();
    assert!(categories
        .iter()
        .any(|c| c["id"] == "overtime" && c["comments"].as_u64().unwrap() > 20));
    let csv = std::fs::read_to_string(out.join("comments.csv")).unwrap();
    assert!(csv.contains("［人名］"));
    for planted in [
        "山田",
        "佐藤",
        "鈴木",
        "田中",
        "高橋",
        "096-328-2111",
        "@city.example.jp",
    ] {
        assert!(!csv.contains(planted), "{planted} left in comments.csv");
    }
    for group in &withheld {
        assert!(
            !csv.lines().any(|l| l.split(',').nth(1) == Some(group)),
            "a comment of withheld {group} was exported"
        );
    }
    // Without --export-comments no comment text leaves engage.
    let plain = tmp.path().join("plain");
    let o = engage(&["report", &fixture_2023(), "--out", plain.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!plain.join("comments.csv").exists());
    assert!(report_json(&plain)["free_text"]["questions"][0]["exported"]
        .as_array()
        .unwrap()
        .is_empty());
}

fn engage_text_dictionary_installed() -> bool {
    let dir = std::env::var_os("ENGAGE_IPADIC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/mecab/dic/ipadic"));
    let installed = dir.join("matrix.def").exists();
    if !installed && std::env::var_os("ENGAGE_REQUIRE_IPADIC").is_some() {
        panic!(
            "ENGAGE_REQUIRE_IPADIC is set but there is no IPADIC at {}",
            dir.display()
        );
    }
    if !installed {
        eprintln!("skipped: no IPADIC at {}", dir.display());
    }
    installed
}

/// The comments' dictionary loads on its own thread beside the aggregation, or in turn with
/// `--threads 1`: the same comment figures either way, and the same handling when IPADIC is
/// missing (the fallback with a warning; an error, exit 1, when comments are to be exported).
#[test]
fn the_dictionary_loaded_beside_the_aggregation_or_in_turn_gives_the_same_report() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str], ipadic: Option<&str>| {
        let out = tmp.path().join(name);
        let mut command = Command::new(env!("CARGO_BIN_EXE_engage"));
        command
            .args(["report", &fixture_2023(), "--out", out.to_str().unwrap()])
            .args(extra);
        if let Some(dir) = ipadic {
            command.env("ENGAGE_IPADIC_DIR", dir);
        }
        (command.output().unwrap(), out)
    };
    let missing = tmp.path().join("no-ipadic");
    let missing = missing.to_str().unwrap();
    let installed = engage_text_dictionary_installed().then_some((None, "installed"));
    for (ipadic, label) in installed.into_iter().chain([(Some(missing), "missing")]) {
        let (beside, beside_out) = run(&format!("{label}-beside"), &[], ipadic);
        let (in_turn, in_turn_out) = run(&format!("{label}-in-turn"), &["--threads", "1"], ipadic);
        assert_eq!(beside.status.code(), Some(0), "{}", stderr(&beside));
        assert_eq!(in_turn.status.code(), Some(0), "{}", stderr(&in_turn));
        let (mut a, mut b) = (report_json(&beside_out), report_json(&in_turn_out));
        assert!(a["free_text"]["questions"][0]["comments"].as_u64() > Some(0));
        // The analyser's description says whether the dictionary came from its cache, which
        // the first run may have written.
        for json in [&mut a, &mut b] {
            json["free_text"]["analyser"] = serde_json::Value::Null;
        }
        assert_eq!(a["free_text"], b["free_text"], "{label}");
        let fallback = "words are cut where the script changes instead";
        assert_eq!(stderr(&beside).contains(fallback), ipadic.is_some());
        assert_eq!(stderr(&in_turn).contains(fallback), ipadic.is_some());
    }
    // Exporting comments needs the dictionary's names: the loading thread's answer still
    // stops the run.
    for extra in [
        &["--export-comments"][..],
        &["--export-comments", "--threads", "1"],
    ] {
        let (o, _) = run("export", extra, Some(missing));
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stderr(&o).contains("exporting comments needs the IPADIC dictionary"),
            "{}",
            stderr(&o)
        );
    }
}

/// `validate` stops on what would stop `report` after reading, not only on bad rows: 80 rows
/// meet only a few bureaus, so raking to the bureau headcounts cannot work. Both exit 1 with
/// the same message, and `validate` writes nothing.
#[test]
fn validate_fails_where_report_would() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = root().join("fixtures/kumamoto-2023");
    for f in ["survey.toml", "headcounts.csv"] {
        std::fs::copy(fixture.join(f), tmp.path().join(f)).unwrap();
    }
    let text = std::fs::read_to_string(fixture.join("responses.csv")).unwrap();
    let head: Vec<&str> = text.lines().take(81).collect();
    std::fs::write(tmp.path().join("responses.csv"), head.join("\n") + "\n").unwrap();
    let def = tmp.path().join("survey.toml");
    let out = tmp.path().join("out");
    let validate = engage(&["validate", def.to_str().unwrap()]);
    let report = engage(&[
        "-q",
        "report",
        def.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    for o in [&validate, &report] {
        assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
        assert!(
            stderr(o).contains("cannot rake to `bureau`"),
            "{}",
            stderr(o)
        );
    }
    // Only the three inputs (and the empty lock file `report` keeps beside its folder).
    let files: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".out.engage-lock")
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
}

/// `--formats json,csv` writes report.json and the CSV tables only (no workbook, HTML, charts,
/// Parquet or Arrow), report.json byte-identical to the full run's; an unknown name is a
/// usage error.
#[test]
fn formats_choose_the_files_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (all, some) = (tmp.path().join("all"), tmp.path().join("some"));
    for (out, formats) in [(&all, "all"), (&some, "json,csv")] {
        let o = engage(&[
            "-q",
            "report",
            &fixture_2023(),
            "--out",
            out.to_str().unwrap(),
            "--formats",
            formats,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let names = |dir: &Path| -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    let some_names = names(&some);
    assert!(some_names
        .iter()
        .all(|n| n.ends_with(".csv") || n == "report.json" || n == "engage-manifest.json"));
    let all_csv: Vec<String> = names(&all)
        .into_iter()
        .filter(|n| n.ends_with(".csv"))
        .collect();
    let some_csv: Vec<String> = some_names
        .iter()
        .filter(|n| n.ends_with(".csv"))
        .cloned()
        .collect();
    assert_eq!(all_csv, some_csv);
    for f in ["report.xlsx", "report.html", "charts", "parquet", "arrow"] {
        assert!(all.join(f).exists(), "{f} missing from the full run");
        assert!(
            !some.join(f).exists(),
            "{f} written under --formats json,csv"
        );
    }
    assert_eq!(
        std::fs::read(all.join("report.json")).unwrap(),
        std::fs::read(some.join("report.json")).unwrap()
    );
    // report.json comes with any choice: audit and compare read a release through it.
    let only_xlsx = tmp.path().join("xlsx");
    let o = engage(&[
        "-q",
        "report",
        &fixture_2023(),
        "--out",
        only_xlsx.to_str().unwrap(),
        "--formats",
        "xlsx",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(only_xlsx.join("report.json").exists() && only_xlsx.join("report.xlsx").exists());
    assert!(!only_xlsx.join("items.csv").exists());
    let o = engage(&["report", &fixture_2023(), "--out", "x", "--formats", "pdf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown format `pdf`"),
        "{}",
        stderr(&o)
    );
}

/// A survey of items and segments without dimensions or KPIs (a one-off pulse survey):
/// the report, its workbook (no heatmap sheet: there is nothing to map), charts and HTML are
/// written. The workbook writer failed on the empty heatmap range before.
#[test]
fn a_survey_without_dimensions_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = root().join("fixtures/kumamoto-2023");
    let text = std::fs::read_to_string(fixture.join("survey.toml")).unwrap();
    // The definition's tables, without dimensions, KPIs and drivers, nor keys naming them.
    let mut kept = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with('[') {
            skipping = ["[[dimensions]]", "[[kpis]]", "[drivers]"].contains(&line.trim());
        }
        let names_one = line.starts_with("dimension = ") || line.starts_with("kpi = ");
        if !skipping && !names_one {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    std::fs::write(tmp.path().join("survey.toml"), kept).unwrap();
    for f in ["responses.csv", "headcounts.csv"] {
        std::fs::copy(fixture.join(f), tmp.path().join(f)).unwrap();
    }
    let out = tmp.path().join("out");
    let o = engage(&[
        "-q",
        "report",
        tmp.path().join("survey.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json = report_json(&out);
    assert_eq!(json["dimensions"].as_array().unwrap().len(), 0);
    assert!(!json["items"].as_array().unwrap().is_empty());
    for f in ["report.xlsx", "report.html", "items.csv", "segments.csv"] {
        assert!(out.join(f).exists(), "{f}");
    }
}

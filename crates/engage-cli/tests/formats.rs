//! The Kumamoto 2023 fixture saved the ways HR staff really receive it gives the same report:
//! UTF-8-BOM CSV, CP932 CSV (Excel on Japanese Windows), XLSX with a notes sheet, Parquet and
//! Arrow IPC. The variants are written by the generator here, never edited by hand; every
//! statistic must match, only provenance (`inputs`: file names, hashes, reader) may differ.

use std::path::Path;
use std::process::Command;

use engage_synth::CsvEncoding;

fn report(definition: &Path, out: &Path) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(["report", definition.to_str().unwrap(), "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn every_format_gives_the_same_statistics() {
    let spec = engage_synth::kumamoto_2023();
    let sample = engage_synth::generate(&spec, None);
    let tmp = tempfile::tempdir().unwrap();
    type Writer<'a> = Box<dyn Fn(&Path) + 'a>;
    let variants: Vec<(&str, &str, Writer)> = vec![
        (
            "responses.csv",
            "csv, utf-8",
            Box::new(|p: &Path| engage_synth::write_csv(&sample, p).unwrap()),
        ),
        (
            "responses-cp932.csv",
            "csv, cp932",
            Box::new(|p: &Path| {
                engage_synth::write_csv_encoded(&sample, p, CsvEncoding::Cp932).unwrap()
            }),
        ),
        (
            "responses.xlsx",
            "xlsx, sheet `回答`",
            Box::new(|p: &Path| engage_synth::write_xlsx(&sample, p).unwrap()),
        ),
        (
            "responses.parquet",
            "parquet",
            Box::new(|p: &Path| engage_synth::write_parquet(&sample, p).unwrap()),
        ),
        (
            "responses.arrow",
            "arrow ipc file",
            Box::new(|p: &Path| engage_synth::write_arrow_ipc(&sample, p).unwrap()),
        ),
    ];

    let mut reference: Option<serde_json::Value> = None;
    for (file, reader, write) in &variants {
        let dir = tmp.path().join(file.replace('.', "-"));
        std::fs::create_dir_all(&dir).unwrap();
        write(&dir.join(file));
        std::fs::write(
            dir.join("headcounts.csv"),
            engage_synth::headcounts_csv(&sample),
        )
        .unwrap();
        let definition = dir.join("survey.toml");
        std::fs::write(
            &definition,
            engage_synth::definition_toml(&spec, file, sample.comments.is_some()),
        )
        .unwrap();
        let mut json = report(&definition, &dir.join("out"));

        let inputs = json.as_object_mut().unwrap().remove("inputs").unwrap();
        let format = inputs["data"][0]["format"].as_str().unwrap();
        assert!(format.starts_with(reader), "{file} read as `{format}`");
        assert_eq!(json["responses"]["read"], 3690, "{file}");
        assert_eq!(json["responses"]["accepted"], 3690, "{file}");

        match &reference {
            None => reference = Some(json),
            Some(r) => {
                for key in r.as_object().unwrap().keys() {
                    assert_eq!(
                        r[key], json[key],
                        "{file}: `{key}` differs from the UTF-8 CSV"
                    );
                }
                assert_eq!(r, &json, "{file}");
            }
        }
    }
    // The reference itself reproduces the published satisfaction KPI (3.56).
    let kpi = &reference.unwrap()["kpis"][0]["value"];
    assert!((kpi.as_f64().unwrap() - 3.56).abs() < 0.005, "{kpi}");
}

//! `engage aggregate` per shard + `engage merge` gives the report of one run over all rows.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn engage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/kumamoto-2023")
}

fn ok(o: Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `engage aggregate DEF --data DATA --partial PARTIAL`, which must succeed.
fn aggregate_into(def: &str, data: &str, partial: &Path) {
    ok(engage(&[
        "aggregate",
        def,
        "--data",
        data,
        "--partial",
        partial.to_str().unwrap(),
    ]));
}

/// `engage merge DEF PARTIALS... --out OUT`, which must be refused (exit 1) without writing
/// a release; its stderr.
fn refused_merge(def: &str, partials: &[String], out: &Path) -> String {
    let mut args = vec!["merge", def];
    args.extend(partials.iter().map(String::as_str));
    args.extend(["--out", out.to_str().unwrap()]);
    let o = engage(&args);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists(), "a release was written");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The fixture's rows cut into shards of unequal size; each shard sees a different subset
/// of sections, so the shards' group dictionaries differ in content and order.
fn shards(dir: &Path, sizes: &[usize]) -> Vec<String> {
    let text = std::fs::read_to_string(fixture().join("responses.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let mut start: usize = 0;
    let mut paths = Vec::new();
    for (n, &size) in sizes.iter().chain([&usize::MAX]).enumerate() {
        let end = start.saturating_add(size).min(body.len());
        let path = dir.join(format!("shard{n}.csv"));
        let mut content = header.to_string() + "\n";
        for line in &body[start..end] {
            content += line;
            content += "\n";
        }
        std::fs::write(&path, content).unwrap();
        paths.push(path.display().to_string());
        start = end;
    }
    paths
}

#[test]
fn merged_shards_equal_one_run_over_all_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let def = fixture().join("survey.toml").display().to_string();
    // A shard with a single row exercises groups far below the anonymity minimum.
    let data = shards(tmp.path(), &[1, 1500, 700]);
    let mut partials = Vec::new();
    for (n, shard) in data.iter().enumerate() {
        let partial = tmp.path().join(format!("private/p{n}.arrow"));
        ok(engage(&[
            "aggregate",
            &def,
            "--data",
            shard,
            "--partial",
            partial.to_str().unwrap(),
            "--threads",
            "2",
        ]));
        partials.push(partial.display().to_string());
    }
    // Merged in another order than the rows were read: the result must not care.
    partials.reverse();
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge", &def];
    args.extend(partials.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    ok(engage(&args));

    let single = tmp.path().join("single");
    let mut args = vec!["report", &def];
    for shard in &data {
        args.extend(["--data", shard]);
    }
    args.extend(["--out", single.to_str().unwrap()]);
    ok(engage(&args));

    let read = |dir: &Path| {
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap())
                .unwrap();
        // Shard files are listed in merge order, not read order; everything else is equal.
        let data = json["inputs"]["data"].as_array_mut().unwrap();
        data.sort_by_key(|d| d["path"].as_str().unwrap().to_string());
        json
    };
    let (mut m, mut s) = (read(&merged), read(&single));
    assert_eq!(m["responses"]["accepted"], 3690);
    // The one documented difference: bootstrap intervals resample rows, which partials do
    // not carry. The merged report says so; the single run has them.
    for drivers in s["drivers"].as_array_mut().unwrap() {
        assert!(drivers["intervals"].is_object());
        drivers["intervals"] = serde_json::Value::Null;
        drivers["intervals_note"] = m["drivers"][0]["intervals_note"].clone();
        for d in drivers["dimensions"].as_array_mut().unwrap() {
            assert!(d["share_ci"].is_object());
            d["share_ci"] = serde_json::Value::Null;
        }
    }
    assert!(m["drivers"][0]["intervals_note"]
        .as_str()
        .unwrap()
        .contains("partials"));
    m["drivers"][1]["intervals_note"] = m["drivers"][0]["intervals_note"].clone();
    // The raked weights merge too: the fixture rakes on bureau × age, a cross whose groups
    // are the raking cells, so `assert_eq!(m, s)` below covers them.
    assert!(s["population"]["weighting"]["kpis"].is_array());
    // And the comments: partials carry no text.
    assert!(s["free_text"].is_object());
    assert!(m["free_text"].is_null());
    s["free_text"] = serde_json::Value::Null;
    assert_eq!(m, s);
    for table in ["segments.csv", "items.csv", "multi_select.csv"] {
        assert_eq!(
            std::fs::read(merged.join(table)).unwrap(),
            std::fs::read(single.join(table)).unwrap(),
            "{table}"
        );
    }
}

/// Raking on margins whose cells the partials do not hold (bureau and age without their
/// cross) leaves the merged report without weights, and merge says so on stderr.
#[test]
fn merge_says_when_it_cannot_weight() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture().join("survey.toml")).unwrap();
    let without_cross = text.replace("[[crosses]]\nsegments = [\"bureau\", \"age\"]\n", "");
    assert_ne!(without_cross, text);
    let def = tmp.path().join("survey.toml");
    std::fs::write(&def, without_cross).unwrap();
    std::fs::copy(
        fixture().join("headcounts.csv"),
        tmp.path().join("headcounts.csv"),
    )
    .unwrap();
    let def = def.to_str().unwrap();
    let mut partials = Vec::new();
    for (n, shard) in shards(tmp.path(), &[1000]).iter().enumerate() {
        let partial = tmp.path().join(format!("p{n}.arrow"));
        aggregate_into(def, shard, &partial);
        partials.push(partial.display().to_string());
    }
    let out = tmp.path().join("merged");
    let mut args = vec!["merge", def];
    args.extend(partials.iter().map(String::as_str));
    args.extend(["--out", out.to_str().unwrap()]);
    let o = engage(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no weights in this report: raking on bureau × age"),
        "{err}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert!(json["population"]["weighting"].is_null());
    assert!(json["population"].is_object());
}

#[test]
fn merge_refuses_partials_of_another_definition() {
    let tmp = tempfile::tempdir().unwrap();
    let def = fixture().join("survey.toml");
    let data = shards(tmp.path(), &[100]);
    let partial = tmp.path().join("p.arrow");
    aggregate_into(def.to_str().unwrap(), &data[0], &partial);
    // The same survey with one more comment line is another definition file.
    let edited = tmp.path().join("survey.toml");
    let text = std::fs::read_to_string(&def).unwrap();
    std::fs::write(&edited, format!("# edited\n{text}")).unwrap();
    let o = engage(&[
        "merge",
        edited.to_str().unwrap(),
        partial.to_str().unwrap(),
        "--out",
        tmp.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("different definition"), "{err}");

    // Partials inside the publishable folder are refused.
    let o = engage(&[
        "merge",
        def.to_str().unwrap(),
        partial.to_str().unwrap(),
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("publishable"));
}

/// The same shard given twice, or a copy of it under another name, would count its
/// respondents twice: both are refused, naming the two partials files.
#[test]
fn merge_refuses_a_shard_given_twice_or_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let def = fixture().join("survey.toml");
    let data = shards(tmp.path(), &[100, 120]);
    let mut partials = Vec::new();
    for (i, d) in data.iter().enumerate() {
        let partial = tmp.path().join(format!("p{i}.arrow"));
        aggregate_into(def.to_str().unwrap(), d, &partial);
        partials.push(partial);
    }
    let copy = tmp.path().join("copy-of-p0.arrow");
    std::fs::copy(&partials[0], &copy).unwrap();
    let out = tmp.path().join("merged");
    for twice in [&partials[0], &copy] {
        let o = engage(&[
            "merge",
            def.to_str().unwrap(),
            partials[0].to_str().unwrap(),
            partials[1].to_str().unwrap(),
            partials[2].to_str().unwrap(),
            twice.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("both counted the rows of") && err.contains("p0.arrow"),
            "{err}"
        );
        assert!(!out.exists(), "a release was written");
    }
    // Each shard once merges.
    ok(engage(&[
        "merge",
        def.to_str().unwrap(),
        partials[0].to_str().unwrap(),
        partials[1].to_str().unwrap(),
        partials[2].to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
}

/// The same people in two different files (an export run twice with overlapping filters):
/// the data files' SHA-256 differ, but the respondent-id fingerprints carried in the partials
/// meet, and merge names both partials files and how many respondents they share.
#[test]
fn merge_refuses_shards_that_share_respondents() {
    let tmp = tempfile::tempdir().unwrap();
    let def = fixture().join("survey.toml");
    let data = shards(tmp.path(), &[100]);
    // A third file: the last 30 rows of shard 0 and the first 20 of shard 1.
    let rows = |path: &str| -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        text.lines().map(str::to_string).collect()
    };
    let (first, second) = (rows(&data[0]), rows(&data[1]));
    let overlap = tmp.path().join("overlap.csv");
    let mut content = first[0].clone() + "\n";
    for line in first[first.len() - 30..].iter().chain(&second[1..21]) {
        content += line;
        content += "\n";
    }
    std::fs::write(&overlap, content).unwrap();
    let mut partials = Vec::new();
    for (i, d) in data
        .iter()
        .map(String::as_str)
        .chain([overlap.to_str().unwrap()])
        .enumerate()
    {
        let partial = tmp.path().join(format!("p{i}.arrow"));
        aggregate_into(def.to_str().unwrap(), d, &partial);
        partials.push(partial.to_str().unwrap().to_string());
    }
    let out = tmp.path().join("merged");
    let err = refused_merge(def.to_str().unwrap(), &partials, &out);
    assert!(
        err.contains("p0.arrow")
            && err.contains("p2.arrow")
            && err.contains("both counted 30 respondent(s) with the same id"),
        "{err}"
    );
}

/// Three shards of 3,690 respondents, each in sections of their own (every section name
/// unique): each shard is under the 10,000-group limit, their merge (11,070 sections) is not,
/// as one run over all rows would not be.
#[test]
fn merge_applies_the_group_limit_to_the_merged_groups() {
    let tmp = tempfile::tempdir().unwrap();
    let def = fixture().join("survey.toml");
    let text = std::fs::read_to_string(fixture().join("responses.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let section = header.split(',').position(|h| h == "所属").unwrap();
    let mut partials = Vec::new();
    for shard in 0..3 {
        let mut content = header.to_string() + "\n";
        for (i, line) in body.iter().enumerate() {
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            cells[section] = format!("課{shard}-{i}");
            // Distinct respondent ids across shards.
            cells[0] = format!("{}-{shard}", cells[0]);
            content += &cells.join(",");
            content += "\n";
        }
        let data = tmp.path().join(format!("s{shard}.csv"));
        std::fs::write(&data, content).unwrap();
        let partial = tmp.path().join(format!("p{shard}.arrow"));
        aggregate_into(def.to_str().unwrap(), data.to_str().unwrap(), &partial);
        partials.push(partial.to_str().unwrap().to_string());
    }
    let out = tmp.path().join("merged");
    let err = refused_merge(def.to_str().unwrap(), &partials, &out);
    assert!(
        err.contains("11070 groups of segment `section`") && err.contains("limit of 10000"),
        "{err}"
    );
}

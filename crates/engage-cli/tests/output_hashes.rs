//! Every file that the bundled fixtures' runs write, held to the SHA-256 recorded in
//! `output_hashes.sha256`: reports of both waves (with an earlier wave, exported comments and
//! English labels), the comparison (paired), the batch of `fixtures/batch.toml` with its bureau
//! packs, and a shard's partials merged back into a report. A refactor must leave every byte as
//! it was; a change that alters outputs on purpose records the new hashes with
//! `ENGAGE_RECORD_HASHES=1 cargo test -p engage-cli --test output_hashes` and says why in its
//! commit.
//!
//! The runs happen in a copy of `fixtures/` with relative paths, so the paths the outputs
//! record are the same on every machine, and with `SOURCE_DATE_EPOCH` fixed, so the workbooks'
//! creation time is too. The PNG charts need the Japanese font CI installs (fonts-noto-cjk) and
//! the comments need IPADIC: without them the test is skipped, unless `ENGAGE_REQUIRE_IPADIC`
//! is set (as in CI).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const RECORDED: &str = "tests/output_hashes.sha256";
/// 2024-02-01T00:00:00Z (`date -u -d 2024-02-01 +%s`), the month the plan was published.
const SOURCE_DATE_EPOCH: &str = "1706745600";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file below `dir`, by its path relative to `base` with `/` separators.
fn hash_files(base: &Path, dir: &Path, into: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            hash_files(base, &path, into);
        } else {
            let name = path.strip_prefix(base).unwrap().to_string_lossy();
            let digest = Sha256::digest(std::fs::read(&path).unwrap());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            into.insert(name.replace('\\', "/"), hex);
        }
    }
}

/// Whether the environment can reproduce the recorded bytes: IPADIC for the comments and a
/// Japanese font for the PNG charts.
fn environment_ready() -> bool {
    let ipadic = std::env::var_os("ENGAGE_IPADIC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/mecab/dic/ipadic"));
    let font = Command::new("fc-list")
        .args([":lang=ja", "family"])
        .output()
        .is_ok_and(|o| !o.stdout.is_empty());
    let ready = ipadic.join("matrix.def").exists() && font;
    if !ready {
        assert!(
            std::env::var_os("ENGAGE_REQUIRE_IPADIC").is_none(),
            "ENGAGE_REQUIRE_IPADIC is set but IPADIC or a Japanese font is missing"
        );
        eprintln!("skipped: the recorded hashes need IPADIC and a Japanese font");
    }
    ready
}

#[test]
fn fixture_outputs_are_byte_identical_to_the_recorded_hashes() {
    if !environment_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    copy_dir(&root().join("fixtures"), &work.join("fixtures"));
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_engage"))
            .args(args)
            .current_dir(work)
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            .env_remove("ENGAGE_CHART_FONT")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "engage {args:?}: {stderr}");
        assert!(
            !stderr.contains("PNG charts not written"),
            "engage {args:?}: {stderr}"
        );
    };
    let r5 = "fixtures/kumamoto-2023/survey.toml";
    let r6 = "fixtures/kumamoto-2024/survey.toml";
    run(&["report", r5, "--out", "out/r5"]);
    run(&[
        "report",
        r6,
        "--earlier",
        r5,
        "--export-comments",
        "--lang",
        "en",
        "--out",
        "out/r6-en",
    ]);
    run(&["compare", r5, r6, "--paired", "--out", "out/r5-vs-r6"]);
    run(&["batch", "fixtures/batch.toml"]);
    run(&["aggregate", r5, "--partial", "private/r5.arrow"]);
    run(&["merge", r5, "private/r5.arrow", "--out", "out/r5-merged"]);

    let mut hashes = BTreeMap::new();
    for dir in ["out", "private"] {
        hash_files(work, &work.join(dir), &mut hashes);
    }
    let text: String = hashes
        .iter()
        .map(|(path, hash)| format!("{hash}  {path}\n"))
        .collect();
    let recorded_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(RECORDED);
    if std::env::var_os("ENGAGE_RECORD_HASHES").is_some() {
        std::fs::write(&recorded_path, &text).unwrap();
        eprintln!("recorded {} hashes in {RECORDED}", hashes.len());
        return;
    }
    let recorded = std::fs::read_to_string(&recorded_path).unwrap();
    let recorded: BTreeMap<&str, &str> = recorded
        .lines()
        .map(|line| {
            let (hash, path) = line.split_once("  ").unwrap();
            (path, hash)
        })
        .collect();
    let mut differences = Vec::new();
    for (path, hash) in &hashes {
        match recorded.get(path.as_str()) {
            None => differences.push(format!("new file {path}")),
            Some(r) if r != hash => differences.push(format!("changed {path}")),
            Some(_) => {}
        }
    }
    for path in recorded.keys() {
        if !hashes.contains_key(*path) {
            differences.push(format!("missing {path}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} files differ from {RECORDED}:\n{}",
        differences.len(),
        recorded.len(),
        differences.join("\n")
    );
    // A folder that wrote nothing would pass the comparison above only if the record were
    // empty too.
    assert!(hashes.len() > 100, "only {} files written", hashes.len());
}

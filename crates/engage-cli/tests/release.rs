//! A release folder is written whole or not at all: killed at any moment, a run leaves the old
//! release or the new one, each file as its manifest says; a second run into a folder being
//! written fails at once; a folder that is not an engage release is refused; a rerun replaces
//! exactly the files of the earlier manifest (a stale comments.csv goes, the user's own notes
//! stay).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sha2::{Digest, Sha256};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture_2023() -> String {
    root()
        .join("fixtures/kumamoto-2023/survey.toml")
        .display()
        .to_string()
}

fn engage() -> Command {
    Command::new(env!("CARGO_BIN_EXE_engage"))
}

/// Every file in `dir` is listed in its manifest with the bytes' SHA-256, and every listed
/// file is there: the release is one run's, whole. Returns the listed files.
fn whole_release(dir: &Path) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("engage-manifest.json")).unwrap())
            .unwrap();
    let mut listed = Vec::new();
    for f in manifest["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            f["sha256"].as_str().unwrap(),
            "{path} is not the listed file"
        );
        listed.push(path.to_string());
    }
    let mut present = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                present.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    present.retain(|p| p != "engage-manifest.json");
    present.sort();
    listed.sort();
    assert_eq!(present, listed, "files not in the manifest, or missing");
    listed
}

#[test]
fn a_killed_run_leaves_the_old_release_or_the_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    let first = engage()
        .args(["-q", "report", &fixture_2023(), "--out", o])
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let old = std::fs::read(out.join("report.json")).unwrap();
    let mut saw_new = false;
    for delay_ms in [50, 200, 400, 700, 1000, 1500, 2500, 4000, 8000] {
        let mut child = engage()
            .args(["-q", "report", &fixture_2023(), "--out", o, "--lang", "en"])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        whole_release(&out);
        let now = std::fs::read(out.join("report.json")).unwrap();
        // The labels are English only in the new release.
        let english = String::from_utf8_lossy(&now).contains("\"en\"")
            && std::fs::read_to_string(out.join("kpis.csv"))
                .unwrap()
                .contains("Staff satisfaction");
        assert!(
            now == old || english,
            "after {delay_ms} ms: neither release"
        );
        saw_new |= english;
    }
    assert!(
        saw_new,
        "no run finished: the test never saw the new release"
    );
}

#[test]
fn a_folder_being_written_or_not_a_release_is_refused_and_a_rerun_replaces_its_own_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();

    // Not empty, no manifest: not ours.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("budget.xlsx"), "the analyst's own").unwrap();
    let refused = engage()
        .args(["report", &fixture_2023(), "--out", o])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("not an engage release"), "{err}");
    std::fs::remove_file(out.join("budget.xlsx")).unwrap();

    // A release with exported comments, then the analyst's note, then a rerun without them.
    let with = engage()
        .args([
            "-q",
            "report",
            &fixture_2023(),
            "--out",
            o,
            "--export-comments",
        ])
        .output()
        .unwrap();
    if !with.status.success() {
        // Exporting needs IPADIC: CI has it (ENGAGE_REQUIRE_IPADIC).
        assert!(std::env::var_os("ENGAGE_REQUIRE_IPADIC").is_none());
        return;
    }
    assert!(out.join("comments.csv").exists());
    std::fs::write(out.join("notes.txt"), "read me").unwrap();
    let again = engage()
        .args(["-q", "report", &fixture_2023(), "--out", o])
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        !out.join("comments.csv").exists(),
        "a stale comments.csv stayed"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "read me"
    );
    let listed = whole_release(&out);
    assert!(listed.contains(&"notes.txt".to_string()));

    // A second run while one is writing fails at once.
    let mut slow = engage()
        .args([
            "-q",
            "report",
            &fixture_2023(),
            "--out",
            o,
            "--threads",
            "1",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let second = engage()
        .args(["report", &fixture_2023(), "--out", o])
        .output()
        .unwrap();
    let first_done = slow.wait().unwrap();
    assert!(first_done.success());
    if second.status.success() {
        // The first had already finished: nothing to conclude from this run.
        eprintln!("the first run finished within 300 ms");
    } else {
        let err = String::from_utf8_lossy(&second.stderr);
        assert!(err.contains("another engage run is writing"), "{err}");
    }
    whole_release(&out);
}

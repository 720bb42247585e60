//! Fuzzing the survey definition parser with proptest: arbitrary text and random edits of the
//! bundled Kumamoto definition. It must never panic, and every problem it reports must point
//! at a line that exists. `ENGAGE_FUZZ_CASES` raises the number of cases.

use std::path::Path;

use engage_model::{DefinitionError, Survey};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn cases() -> u32 {
    std::env::var("ENGAGE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn kumamoto() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/kumamoto-2023/survey.toml");
    std::fs::read_to_string(path).unwrap()
}

fn check(text: &str) {
    match Survey::from_toml(text, Path::new("fuzz.toml")) {
        Ok(survey) => {
            assert!(survey.composites.len() >= survey.definition.dimensions.len());
            let segments = survey.definition.segments.len() + survey.definition.crosses.len();
            assert_eq!(survey.segment_parents.len(), segments);
            assert_eq!(survey.segment_across.len(), segments);
            assert_eq!(survey.crosses.len(), survey.definition.crosses.len());
        }
        Err(DefinitionError::Invalid { problems, .. }) => {
            let lines = text.lines().count().max(1);
            assert!(!problems.is_empty());
            for p in &problems {
                assert!(
                    p.line >= 1 && p.line <= lines + 1,
                    "line {} of {lines}: {p}",
                    p.line
                );
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// Line-level edits: drop a line, duplicate one, or replace a value after `=`.
fn edited() -> impl Strategy<Value = String> {
    let text = kumamoto();
    let n = text.lines().count();
    let values = prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("999".to_string()),
        Just("\"\"".to_string()),
        Just("[]".to_string()),
        Just("\"missing\"".to_string()),
        Just("true".to_string()),
        Just("\"warn\"".to_string()),
        "\"[a-z_]{1,8}\"",
    ];
    prop::collection::vec((0..n, 0u8..3, values), 1..6).prop_map(move |edits| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (at, op, value) in edits {
            if lines.is_empty() {
                break;
            }
            let at = at % lines.len();
            match op {
                0 => {
                    lines.remove(at);
                }
                1 => {
                    let copy = lines[at].clone();
                    lines.insert(at, copy);
                }
                _ => {
                    if let Some((key, _)) = lines[at].split_once('=') {
                        lines[at] = format!("{key}= {value}");
                    }
                }
            }
        }
        lines.join("\n")
    })
}

fn validation_value() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("\"reject\""),
        Just("\"blank\""),
        Just("\"warn\""),
        Just("1"),
        Just("\"x\"")
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/fuzz_definition.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_text(text in ".{0,400}") {
        check(&text);
    }

    #[test]
    fn edited_kumamoto_definition(text in edited()) {
        check(&text);
    }

    #[test]
    fn edited_validation_table(key in "[a-z_]{1,20}", value in validation_value()) {
        check(&format!("{}\n[validation]\n{key} = {value}\n", kumamoto()));
    }
}

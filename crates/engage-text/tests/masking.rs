//! The masking measured on a corpus of hard cases (`masking/hard-cases.tsv`): rare surnames,
//! hiragana and katakana names, names split by a space or a dot, names in quotes, titles
//! without names, known compounds, and numbers in every width. Each row's expected masked text
//! was written by hand; the test also checks that nothing planted survives, that what must be
//! kept is kept, and that no name becomes a counted term. It prints the share of planted names
//! and identifiers caught, the figure docs/free-text.md states.

use engage_text::normalize::normalize_comment;
use engage_text::{Analyser, Corpus, CorpusOptions, MaskRules};

struct Case {
    text: String,
    expected: String,
    planted: Vec<String>,
    kept: Vec<String>,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/masking/hard-cases.tsv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 4, "{line}");
            let list = |s: &str| {
                s.split('|')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            Case {
                text: cols[0].to_string(),
                expected: cols[1].to_string(),
                planted: list(cols[2]),
                kept: list(cols[3]),
            }
        })
        .collect()
}

fn ipadic() -> Option<Analyser> {
    match Analyser::ipadic(&engage_text::default_ipadic_dir(), &[]) {
        Ok(a) => Some(a),
        Err(e) if std::env::var_os("ENGAGE_REQUIRE_IPADIC").is_none() => {
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// The organisation's unit names (as a definition's segment values give them) and one staff
/// directory entry.
fn rules() -> MaskRules {
    let units: Vec<String> = ["総務課", "人事課", "企画課", "政策局"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    MaskRules::new(&[], &["森".to_string()], &units, &[]).unwrap()
}

#[test]
fn every_planted_name_and_identifier_is_masked_and_compounds_are_kept() {
    let Some(analyser) = ipadic() else { return };
    let cases = cases();
    let comments: Vec<String> = cases.iter().map(|c| c.text.clone()).collect();
    let options = CorpusOptions {
        mask: true,
        mask_rules: rules(),
        ..Default::default()
    };
    let corpus = Corpus::build(&comments, &analyser, &options);
    let (mut planted, mut caught) = (0, 0);
    let mut failures = Vec::new();
    for (case, doc) in cases.iter().zip(&corpus.docs) {
        let masked = doc.masked.as_deref().unwrap();
        if masked != case.expected {
            failures.push(format!(
                "{}\n  expected {}\n  got      {masked}",
                case.text, case.expected
            ));
        }
        for p in &case.planted {
            planted += 1;
            let gone = !masked.contains(p.as_str()) && !masked.contains(&normalize_comment(p));
            if gone {
                caught += 1;
            } else {
                failures.push(format!("{}: `{p}` survived in {masked}", case.text));
            }
        }
        for k in &case.kept {
            if !masked.contains(&normalize_comment(k)) {
                failures.push(format!("{}: `{k}` was masked: {masked}", case.text));
            }
        }
    }
    // A planted name is never a counted term, exported or not.
    for case in &cases {
        for p in &case.planted {
            if let Some(t) = corpus.terms.iter().find(|t| t.text == *p) {
                failures.push(format!("`{}` is counted as a term", t.text));
            }
        }
    }
    println!(
        "masking: {caught} of {planted} planted names and identifiers caught in {} comments",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(caught, planted);
    assert!(planted >= 40, "the corpus plants {planted}");
}

/// Without the user's list, a name with no suffix and no dictionary tag is not found: the
/// staff directory is what catches it.
#[test]
fn a_name_without_context_needs_the_directory() {
    let Some(analyser) = ipadic() else { return };
    let text = "昨日、森から連絡があった。";
    let without = engage_text::mask::mask_comment(text, &analyser, &MaskRules::default()).0;
    assert_eq!(without, text);
    let with = engage_text::mask::mask_comment(text, &analyser, &rules()).0;
    assert_eq!(with, "昨日、［人名］から連絡があった。");
}

/// The user's identifier patterns are regular expressions; a group marks the part masked.
#[test]
fn user_patterns_mask_their_group_and_bad_ones_are_refused() {
    let Some(analyser) = ipadic() else { return };
    let rules = MaskRules::new(&[], &[], &[], &[r"受付番号([A-Z]\d{4})".to_string()]).unwrap();
    let (out, m) = engage_text::mask::mask_comment("受付番号A1234の件", &analyser, &rules);
    assert_eq!(out, "受付番号［番号］の件");
    assert_eq!(m.identifiers, 1);
    let error = MaskRules::new(&[], &[], &[], &["(".to_string()]).unwrap_err();
    assert!(error.to_string().contains("mask pattern `(`"), "{error}");
}

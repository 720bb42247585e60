//! The free-text section against tests/reference/comments.py (SciPy's log-likelihood
//! chi2_contingency, statsmodels' BH and Wilson), on comments split by the dictionary-free
//! fallback, whose terms the script lists by hand. Also the withholding of small groups.

use std::path::Path;

use engage_report::{add_free_text, FreeTextInput, FreeTextQuestion, KeyTerm};
use engage_text::{Analyser, CategoryRule, Corpus, CorpusOptions};

fn question(export: bool) -> FreeTextQuestion {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let survey = engage_model::Survey::load(&dir.join("comments.toml")).unwrap();
    let ingested = engage_ingest::read_responses(&survey, &[dir.join("comments.csv")]).unwrap();
    let table = &ingested.table;
    let partials = engage_aggregate::aggregate(&survey, table);
    let provenance = engage_report::Provenance {
        definition: engage_report::InputFile {
            path: "comments.toml".into(),
            sha256: String::new(),
        },
        data: vec![],
        problems: 0,
        problem_counts: vec![],
        unused_columns: vec![],
    };
    let mut report = engage_report::build_report(&survey, &partials, provenance);
    let analyser = Analyser::scripts();
    let text = &survey.definition.text;
    let options = CorpusOptions {
        extra_stop_words: Vec::new(),
        categories: text
            .categories
            .iter()
            .map(|c| CategoryRule {
                terms: c.terms.clone(),
                patterns: c.patterns.clone(),
            })
            .collect(),
        mask: export,
        mask_rules: Default::default(),
    };
    let corpora: Vec<Corpus> = table
        .comments
        .iter()
        .map(|c| Corpus::build(c, &analyser, &options))
        .collect();
    let values = engage_aggregate::respondent_values(&survey, table);
    add_free_text(
        &mut report,
        &survey,
        table,
        &FreeTextInput {
            corpora: &corpora,
            analyser: analyser.description.clone(),
            dictionary: false,
            export_comments: export,
            kpi_values: &values.kpis,
        },
    );
    report.free_text.unwrap().questions.remove(0)
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
}

fn check(k: &KeyTerm, term: &str, counts: (u64, u64), g2: f64, p: f64, p_bh: f64) {
    assert_eq!(k.term, term);
    assert_eq!((k.in_group, k.in_rest), counts, "{term}");
    close(k.g2, g2);
    close(k.p_value, p);
    close(k.p_adjusted, p_bh);
}

#[test]
fn counts_non_answers_apart_from_comments() {
    let q = question(false);
    assert_eq!((q.rows, q.blank, q.non_answers, q.comments), (57, 5, 2, 50));
    assert!(!q.withheld);
}

#[test]
fn keyness_of_each_published_bureau_matches_scipy() {
    let q = question(false);
    let bureau = &q.segments[0];
    let group = |key: &str| bureau.groups.iter().find(|g| g.key == key).unwrap();
    // C has 3 comments (< 10): withheld, and A (12, the smallest other) with it, so that C's
    // counts are not the total minus the published groups.
    assert!(group("C").withheld && group("A").withheld);
    assert!(group("C").comments.is_none() && group("A").terms.is_empty());
    let b = group("B");
    assert_eq!(b.comments, Some(15));
    // Over-represented terms only, strongest first (ties by term).
    assert_eq!(b.keyness.len(), 2);
    check(
        &b.keyness[0],
        "増",
        (12, 4),
        22.798070313876,
        1.799462945196e-06,
        5.398388835587e-06,
    );
    check(
        &b.keyness[1],
        "研修",
        (12, 4),
        22.798070313876,
        1.799462945196e-06,
        5.398388835587e-06,
    );
    let d = group("D");
    assert_eq!(d.comments, Some(20));
    check(
        &d.keyness[0],
        "会議",
        (15, 3),
        23.343435291131,
        1.355051865091e-06,
        4.065155595273e-06,
    );
    check(
        &d.keyness[1],
        "長",
        (15, 3),
        23.343435291131,
        1.355051865091e-06,
        4.065155595273e-06,
    );
}

#[test]
fn low_kpi_terms_match_scipy() {
    let q = question(false);
    let low = q.low_kpi.unwrap();
    assert!(!low.withheld);
    assert_eq!((low.low_comments, low.other_comments), (Some(13), Some(37)));
    check(
        &low.terms[0],
        "多",
        (13, 3),
        41.863209627478,
        9.788722304939e-11,
        2.936616691482e-10,
    );
    check(
        &low.terms[1],
        "残業",
        (13, 3),
        41.863209627478,
        9.788722304939e-11,
        2.936616691482e-10,
    );
}

#[test]
fn category_shares_match_statsmodels_wilson() {
    let q = question(false);
    let overtime = &q.categories[0];
    assert_eq!(overtime.comments, 16);
    close(overtime.share, 0.32);
    close(overtime.ci.lower, 0.207582162607);
    close(overtime.ci.upper, 0.458102973081);
    // The pattern 研修を*増 matches the 16 training comments.
    assert_eq!(q.categories[1].comments, 16);
    assert_eq!(q.uncategorised.as_ref().unwrap().comments, 18);
    let b = q.segments[0].groups.iter().find(|g| g.key == "B").unwrap();
    close(b.categories[0].ci.lower, 0.070475493470);
    close(b.categories[0].ci.upper, 0.451854487152);
    let d = q.segments[0].groups.iter().find(|g| g.key == "D").unwrap();
    close(d.categories[0].ci.lower, 0.111861701408);
    close(d.categories[0].ci.upper, 0.468700877619);
}

#[test]
fn network_links_terms_used_together() {
    let q = question(false);
    let net = q.network.unwrap();
    let name = |i: usize| net.nodes[i].term.as_str();
    // 残業 and 多 always come together (16 comments): Jaccard 16 / 16 = 1; NPMI 1 by
    // definition when p(a,b) = p(a) = p(b) (here ln(50/16) / ln(50/16)).
    let e = net
        .edges
        .iter()
        .find(|e| [name(e.a), name(e.b)].contains(&"残業"))
        .unwrap();
    assert!([name(e.a), name(e.b)].contains(&"多"));
    assert_eq!(e.together, 16);
    close(e.jaccard, 1.0);
    close(e.npmi, 1.0);
    // Terms never used together are not linked.
    assert!(!net
        .edges
        .iter()
        .any(|e| [name(e.a), name(e.b)].contains(&"残業")
            && [name(e.a), name(e.b)].contains(&"会議")));
}

#[test]
fn exported_comments_come_only_from_published_groups() {
    let q = question(true);
    assert!(q.exported.iter().all(|c| {
        let g = &c.group.as_ref().unwrap().ja;
        g == "B" || g == "D"
    }));
    assert_eq!(q.exported.len(), 35);
    assert!(question(false).exported.is_empty());
}

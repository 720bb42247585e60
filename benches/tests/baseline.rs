//! The honesty check behind every benchmark ratio: idiomatic polars and the engine compute
//! the same figures on the same data. Counts must be equal; means, SDs, shares and alphas
//! agree to 1e-9 relative (polars sums floats, the engine integers).

use std::path::Path;

use engage_bench::{baseline, data, engine, figures};

fn check(shape: data::Shape) {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-data");
    let definition = data::dataset(&root, &shape).unwrap();
    let mut survey = engage_model::Survey::load(&definition).unwrap();
    // Suppression withholds figures the baseline does not know about; compare them all.
    survey.definition.privacy.min_group_size = 1;
    let data = survey.data_path();
    let (report, partials) = engine::full_report(&survey, &data).unwrap();
    let ours = figures::from_engine(&survey, &report, &partials);
    let theirs = baseline::figures(&survey, &data).unwrap();
    let diffs = figures::differences(&ours, &theirs, 1e-9);
    assert!(
        diffs.is_empty(),
        "{} of {} figures differ, e.g.:\n{}",
        diffs.len(),
        ours.len(),
        diffs[..diffs.len().min(20)].join("\n")
    );
    // Every cut is there: whole organisation, 7 segments (section nested) and bureau × age.
    let cuts: std::collections::BTreeSet<&str> =
        ours.keys().map(|k| k.split('|').next().unwrap()).collect();
    assert_eq!(cuts.len(), 1 + survey.segment_count(), "{cuts:?}");
    assert!(ours.len() > 10_000, "only {} figures", ours.len());
}

#[test]
fn baseline_equals_engine_on_the_kumamoto_sized_sample() {
    check(data::Shape::rows(3_690));
}

#[test]
fn baseline_equals_engine_with_more_blanks_and_finer_sections() {
    check(data::Shape {
        rows: 20_000,
        extra_missing_percent: 15,
        section_split: 2,
    });
}

//! The whole path (definition -> ingest -> aggregate -> report) on `data/tiny.csv`, against
//! figures computed independently by `reference/pipeline.py` (pandas + SciPy 1.14.1 +
//! statsmodels 0.14.4; output committed as `reference/pipeline-output.txt`).

use std::path::Path;

use engage_model::Survey;
use engage_report::{build_report, Provenance, Report, Suppression};

fn close(actual: f64, expected: f64, what: &str) {
    // Inverse-CDF values differ in the last digits between statrs and SciPy.
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: got {actual:.17}, expected {expected:.17}"
    );
}

fn tiny_report() -> Report {
    tiny_report_with(|_| {})
}

/// The tiny report after `edit` adjusts the loaded definition.
fn tiny_report_with(edit: impl FnOnce(&mut Survey)) -> Report {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut survey = Survey::load(&dir.join("tiny.toml")).unwrap();
    edit(&mut survey);
    let ingested = engage_ingest::read_responses(&survey, &[survey.data_path()]).unwrap();
    assert_eq!(ingested.rows_read(), 14);
    assert_eq!(ingested.rows_rejected(), 0, "{:?}", ingested.problems);
    let partials = engage_aggregate::aggregate(&survey, &ingested.table);
    build_report(&survey, &partials, tiny_provenance())
}

/// Provenance is not under test here: empty, with the definition's name.
fn tiny_provenance() -> Provenance {
    Provenance {
        definition: engage_report::InputFile {
            path: "tiny.toml".into(),
            sha256: String::new(),
        },
        data: vec![],
        problems: 0,
        problem_counts: vec![],
        unused_columns: vec![],
    }
}

#[test]
fn dimension_scores_use_min_answered_and_reverse_keying() {
    let r = tiny_report();
    // d1: n=13 mean=3.6410256410256414 sd=1.1663613764176437 ci=(2.9362005153212194, 4.345850766730063)
    let d1 = r.dimensions[0].figures.as_ref().unwrap();
    assert_eq!(d1.n, 13);
    close(d1.mean, 3.6410256410256414, "d1 mean");
    close(d1.sd.unwrap(), 1.1663613764176437, "d1 sd");
    close(d1.ci.unwrap().lower, 2.9362005153212194, "d1 ci lower");
    close(d1.ci.unwrap().upper, 4.345850766730063, "d1 ci upper");
    // pooled fav=0.6216216216216216 neutral=0.1891891891891892 unfav=0.1891891891891892 over 37
    close(d1.favourable.unwrap(), 0.6216216216216216, "d1 favourable");
    close(d1.neutral.unwrap(), 0.1891891891891892, "d1 neutral");
    close(
        d1.unfavourable.unwrap(),
        0.1891891891891892,
        "d1 unfavourable",
    );
    // d2: n=13 mean=3.6538461538461537 sd=1.0284416890093029 ci=(3.0323650611148283, 4.275327246577479)
    let d2 = r.dimensions[1].figures.as_ref().unwrap();
    assert_eq!(d2.n, 13);
    close(d2.mean, 3.6538461538461537, "d2 mean");
    close(d2.sd.unwrap(), 1.0284416890093029, "d2 sd");
    close(d2.ci.unwrap().upper, 4.275327246577479, "d2 ci upper");
    close(d2.favourable.unwrap(), 0.6, "d2 favourable");
}

#[test]
fn reverse_item_mean_is_flipped_but_counts_are_as_answered() {
    let r = tiny_report();
    let q3 = r.items[2].figures.as_ref().unwrap();
    // q3 (flipped): n=12 mean=3.5 sd=1.3142574813455419 ci=(2.6649606350088257, 4.335039364991174)
    assert_eq!(q3.n, 12);
    close(q3.mean, 3.5, "q3 mean");
    close(q3.sd.unwrap(), 1.3142574813455419, "q3 sd");
    close(q3.ci.unwrap().lower, 2.6649606350088257, "q3 ci lower");
    // q3 raw counts 1..5: [3, 4, 2, 2, 1]; one わからない, one blank.
    let counts: Vec<u64> = q3.counts.iter().map(|c| c.count).collect();
    assert_eq!(counts, vec![3, 4, 2, 2, 1]);
    assert_eq!((q3.missing, q3.not_applicable), (1, 1));
    let q2 = r.items[1].figures.as_ref().unwrap();
    // Q2 has "9", "無回答" and a blank: three missing.
    assert_eq!((q2.n, q2.missing), (11, 3));
}

#[test]
fn kpis_with_progress_and_wilson_share() {
    let r = tiny_report();
    let k = r.kpis[0].value.as_ref().unwrap();
    // kpi satisfaction: n=14 mean=3.5714285714285716 ci=(2.902895233731643, 4.2399619091255)
    assert_eq!(k.n, 14);
    close(k.value, 3.5714285714285716, "kpi mean");
    close(k.ci.unwrap().lower, 2.902895233731643, "kpi ci lower");
    // Worked by hand: gap = 4.0 - 3.5714285714 = 0.4285714286; progress = 0.5714285714 / 1.0.
    close(k.gap_to_target.unwrap(), 4.0 - 3.5714285714285716, "gap");
    close(k.progress.unwrap(), 3.5714285714285716 - 3.0, "progress");
    let s = r.kpis[1].value.as_ref().unwrap();
    // q4_share: 8/13 wilson=(0.3552289151266569, 0.8229029220223744)
    assert_eq!(s.n, 13);
    close(s.value, 8.0 / 13.0, "share");
    close(s.ci.unwrap().lower, 0.3552289151266569, "share ci lower");
    close(s.ci.unwrap().upper, 0.8229029220223744, "share ci upper");
    assert!(s.gap_to_target.is_none() && s.progress.is_none());
}

#[test]
fn multi_select_base_counts_and_tied_ranks() {
    let r = tiny_report();
    let q = &r.multi_select[0];
    // multi base 13 counts [6, 5, 5, 2] ranks [1, 2, 2, 4]
    assert_eq!((q.base, q.skipped), (Some(13), Some(1)));
    let counts: Vec<u64> = q.options.iter().map(|o| o.count).collect();
    let ranks: Vec<Option<u32>> = q.options.iter().map(|o| o.rank).collect();
    assert_eq!(counts, vec![6, 5, 5, 2]);
    // rankdata gives [1, 2, 2, 4] over all four; the exclusive "none" option is not ranked.
    assert_eq!(ranks, vec![Some(1), Some(2), Some(2), None]);
    // option 1: share=0.46153846153846156 wilson=(0.23206067809538303, 0.70856204285494)
    close(q.options[0].share, 0.46153846153846156, "share a");
    close(q.options[0].ci.lower, 0.23206067809538303, "ci a lower");
    close(q.options[0].ci.upper, 0.70856204285494, "ci a upper");
    // option 4: wilson=(0.04325817835808121, 0.42234631019482544)
    close(q.options[3].ci.lower, 0.04325817835808121, "ci n lower");
    assert!(q.options[3].exclusive);
}

#[test]
fn small_group_and_its_complement_are_withheld() {
    let r = tiny_report();
    let dept = &r.segments[0];
    let by_key = |k: &str| dept.groups.iter().find(|g| g.key == k).unwrap();
    let (a, b, c) = (by_key("A"), by_key("B"), by_key("C"));
    // B has 3 respondents (< 5): primary. C (5) is the smallest sibling left: withheld so that
    // B cannot be recovered as total - A - C.
    assert_eq!(b.suppression, Some(Suppression::Primary));
    assert_eq!(c.suppression, Some(Suppression::Complementary));
    assert_eq!(a.suppression, None);
    for g in [b, c] {
        assert!(g.respondents.is_none());
        assert!(g
            .dimensions
            .iter()
            .all(|d| d.withheld && d.figures.is_none()));
        assert!(g.items.iter().all(|i| i.withheld && i.figures.is_none()));
        assert!(g.kpis.iter().all(|k| k.withheld && k.value.is_none()));
    }
    // dept A d1: n=6 mean=3.6111111111111107 ci=(2.495728558407219, 4.726493663815003)
    let d1 = a.dimensions[0].figures.as_ref().unwrap();
    assert_eq!(d1.n, 6);
    close(d1.mean, 3.6111111111111107, "A d1 mean");
    close(d1.ci.unwrap().upper, 4.726493663815003, "A d1 ci upper");
    // dept A kpi: n=6 mean=3.5
    close(a.kpis[0].value.as_ref().unwrap().value, 3.5, "A kpi");
    // Within A, item q5 has 4 valid answers (< 5): that figure alone is withheld, while
    // q4 (5 valid answers) is published.
    assert!(a.items[4].withheld && a.items[4].figures.is_none());
    assert_eq!(a.items[3].figures.as_ref().unwrap().n, 5);
    assert_eq!(r.suppression.groups_withheld_primary, 1);
    assert_eq!(r.suppression.groups_withheld_complementary, 1);
}

/// A dimension's favourable / neutral / unfavourable shares pool its items' answers. In
/// department A item q5 is withheld (4 answers), so d2's pooled shares there would give q5's
/// answers away through q4's published counts: they are withheld with it, while d2's mean
/// stays. d1's items are all published in A, so its shares are too; worked by hand from
/// tests/data/tiny.csv (favourable 4-5, unfavourable 1-2, q3 reverse-keyed as 6 − x):
/// q1 (4,3,5,2,4,3) gives 3/2/1, q2 (5,4,5,4,3) 4/1/0, q3 (4,3,5,2,3 flipped) 2/2/1, so
/// 9/16, 5/16 and 2/16.
#[test]
fn pooled_shares_are_withheld_where_one_of_their_items_is() {
    let r = tiny_report();
    let a = r.segments[0].groups.iter().find(|g| g.key == "A").unwrap();
    let d1 = a.dimensions[0].figures.as_ref().unwrap();
    close(d1.favourable.unwrap(), 9.0 / 16.0, "A d1 favourable");
    close(d1.neutral.unwrap(), 5.0 / 16.0, "A d1 neutral");
    close(d1.unfavourable.unwrap(), 2.0 / 16.0, "A d1 unfavourable");
    assert!(a.items[4].withheld);
    let d2 = a.dimensions[1].figures.as_ref().unwrap();
    assert!(!a.dimensions[1].withheld);
    assert_eq!(
        (d2.favourable, d2.neutral, d2.unfavourable),
        (None, None, None)
    );
    assert!(d2.mean > 0.0);
    // The whole organisation publishes every item, so every pooled share.
    let whole_d2 = r.dimensions[1].figures.as_ref().unwrap();
    assert!(whole_d2.favourable.is_some() && whole_d2.unfavourable.is_some());
    assert_eq!(r.suppression.pooled_shares_withheld, 1);
}

#[test]
fn a_cross_has_one_group_per_pair_and_adds_up_to_both_segments() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/kumamoto-2023/survey.toml");
    let survey = Survey::load(&path).unwrap();
    let ingested = engage_ingest::read_responses(&survey, &[survey.data_path()]).unwrap();
    let partials = engage_aggregate::aggregate(&survey, &ingested.table);
    let cut = |id: &str| {
        partials
            .cuts
            .iter()
            .find(|c| c.segment.is_some_and(|s| survey.segment_id(s) == id))
            .unwrap()
    };
    let (bureau, age, cross) = (cut("bureau"), cut("age"), cut("bureau_x_age"));
    let count = |key: &str| {
        let g = cross.levels.iter().position(|l| l.key == key).unwrap();
        cross.groups[g].respondents
    };
    // pandas 2.2.3: pd.crosstab(d["局区"], d["年齢"]) on the fixture CSV read as text.
    for (cell, n) in [
        ("政策局 × 20代以下", 28),
        ("政策局 × 30代", 27),
        ("政策局 × 40代", 22),
        ("政策局 × 50代", 30),
        ("政策局 × 60代以上", 10),
        ("総務局 × 30代", 73),
        ("総務局 × 60代以上", 16),
    ] {
        assert_eq!(count(cell), n, "{cell}");
    }
    // Every group of either segment is the sum of its cross cells (10 respondents left age
    // blank: they sit in cells of their own, so the rows still add up).
    let mut by_bureau = vec![0; bureau.levels.len()];
    let mut by_age = vec![0; age.levels.len()];
    for (level, group) in cross.levels.iter().zip(&cross.groups) {
        by_bureau[level.parent.unwrap()] += group.respondents;
        by_age[level.across.unwrap()] += group.respondents;
    }
    let respondents = |c: &engage_aggregate::CutPartial| -> Vec<u64> {
        c.groups.iter().map(|g| g.respondents).collect()
    };
    assert_eq!(by_bureau, respondents(bureau));
    assert_eq!(by_age, respondents(age));
    assert_eq!(age.groups[0].respondents, 10);
}

#[test]
fn reliability_matches_pingouin_numpy_and_scipy() {
    // reference/pipeline.py, "Reliability": pingouin.cronbach_alpha (listwise and pairwise),
    // numpy.corrcoef for standardised alpha and item-rest r, scipy.stats.f.isf for Feldt.
    let r = tiny_report();
    let d1 = r.dimensions[0].reliability.as_ref().unwrap();
    assert_eq!(d1.method, "listwise");
    assert_eq!((d1.items, d1.complete_rows), (3, Some(10)));
    close(d1.alpha.unwrap(), 0.9580552907530984, "d1 alpha");
    close(
        d1.standardized_alpha.unwrap(),
        0.9607591586820297,
        "d1 std alpha",
    );
    close(d1.ci.unwrap().lower, 0.8771392281244775, "d1 feldt lower");
    close(d1.ci.unwrap().upper, 0.9886681276149265, "d1 feldt upper");
    assert_eq!(d1.below_threshold, Some(false));
    let expected = [
        (0.9679308061753517, 0.89622641509434),
        (0.8362663095962151, 1.0),
        (0.9679308061753517, 0.89622641509434),
    ];
    for (item, (rest, deleted)) in d1.item_stats.iter().zip(expected) {
        close(
            item.item_rest.unwrap(),
            rest,
            &format!("{} item-rest", item.id),
        );
        close(
            item.alpha_if_deleted.unwrap(),
            deleted,
            &format!("{} if deleted", item.id),
        );
    }
    let d2 = r.dimensions[1].reliability.as_ref().unwrap();
    assert_eq!(d2.complete_rows, Some(12));
    close(d2.alpha.unwrap(), 0.899488926746167, "d2 alpha");
    close(
        d2.standardized_alpha.unwrap(),
        0.9139885804327539,
        "d2 std alpha",
    );
    close(d2.ci.unwrap().lower, 0.650854780214544, "d2 feldt lower");
    close(d2.ci.unwrap().upper, 0.9710651176812755, "d2 feldt upper");
    close(
        d2.item_stats[0].item_rest.unwrap(),
        0.8416012612436066,
        "q4 item-rest",
    );
    assert_eq!(
        d2.item_stats[0].alpha_if_deleted, None,
        "one item left has no alpha"
    );

    let r = tiny_report_with(|s| {
        s.definition.reliability.alpha = engage_model::AlphaMethod::Pairwise;
    });
    let d1 = r.dimensions[0].reliability.as_ref().unwrap();
    assert_eq!(d1.method, "pairwise");
    close(d1.alpha.unwrap(), 0.9671516946937354, "d1 pairwise alpha");
    assert_eq!(d1.ci, None, "Feldt's interval is for listwise alpha");
    let d2 = r.dimensions[1].reliability.as_ref().unwrap();
    close(d2.alpha.unwrap(), 0.9185066238458452, "d2 pairwise alpha");
}

#[test]
fn reliability_is_withheld_below_the_minimum_and_flagged_below_the_threshold() {
    let r = tiny_report_with(|s| s.definition.privacy.min_group_size = 11);
    let d1 = r.dimensions[0].reliability.as_ref().unwrap();
    // 10 complete rows < 11: no numbers at all, not even the count.
    assert!(d1.withheld);
    assert_eq!((d1.complete_rows, d1.alpha, d1.ci), (None, None, None));
    assert!(d1.item_stats.iter().all(|i| i.item_rest.is_none()));
    let r = tiny_report_with(|s| s.definition.reliability.threshold = 0.96);
    assert_eq!(
        r.dimensions[0]
            .reliability
            .as_ref()
            .unwrap()
            .below_threshold,
        Some(true)
    );
}

#[test]
fn key_drivers_match_scipy_numpy_and_statsmodels() {
    // reference/pipeline.py, "Key drivers": scipy.stats.pearsonr with its Fisher-z interval on
    // pairwise rows; Johnson's weights via numpy.linalg.eigh and OLS R² from statsmodels on
    // listwise rows; quadrants by the documented cut-points.
    let r = tiny_report();
    let expected = [
        (
            "satisfaction",
            12,
            0.9629429657794677,
            [
                (
                    0.9705633942214832,
                    13,
                    0.901864955939625,
                    0.9913879593160594,
                ),
                (
                    0.9692268900524605,
                    13,
                    0.8975714793952846,
                    0.9909926267848785,
                ),
            ],
            [0.4823310395622445, 0.48061192621722293],
            [0.5008926350812636, 0.49910736491873636],
        ),
        (
            "q4_share",
            12,
            0.7883555133079848,
            [
                (0.887884109791264, 12, 0.6402032730791256, 0.968353388523372),
                (
                    0.8431767132084294,
                    13,
                    0.5457216888188654,
                    0.9519206475137998,
                ),
            ],
            [0.4301696808025763, 0.3581858325054088],
            [0.5456544332360403, 0.4543455667639596],
        ),
    ];
    for (drivers, (kpi, complete, r2, rs, raw, shares)) in r.drivers.iter().zip(expected) {
        assert_eq!(drivers.kpi, kpi);
        assert_eq!(drivers.complete_rows, Some(complete));
        close(drivers.r_squared.unwrap(), r2, &format!("{kpi} R²"));
        for (j, d) in drivers.dimensions.iter().enumerate() {
            let (rv, n, lo, hi) = rs[j];
            close(d.r.unwrap(), rv, &format!("{kpi} {} r", d.id));
            assert_eq!(d.r_n, Some(n));
            close(
                d.r_ci.unwrap().lower,
                lo,
                &format!("{kpi} {} r lower", d.id),
            );
            close(
                d.r_ci.unwrap().upper,
                hi,
                &format!("{kpi} {} r upper", d.id),
            );
            close(
                d.relative_weight.unwrap(),
                raw[j],
                &format!("{kpi} {} weight", d.id),
            );
            close(
                d.share.unwrap(),
                shares[j],
                &format!("{kpi} {} share", d.id),
            );
        }
        // favourable 0.62 vs 0.60 around their mean; shares around 1/2.
        let quadrants: Vec<_> = drivers.dimensions.iter().map(|d| d.quadrant).collect();
        assert_eq!(
            quadrants,
            vec![
                Some(engage_report::Quadrant::Strength),
                Some(engage_report::Quadrant::Monitor)
            ]
        );
        // build_report alone has no rows: it says why there are no intervals.
        assert!(drivers.intervals.is_none());
        assert!(drivers.intervals_note.as_deref().unwrap().contains("rows"));
    }
}

#[test]
fn bootstrap_intervals_come_from_the_listwise_rows_and_do_not_depend_on_threads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let survey = Survey::load(&dir.join("tiny.toml")).unwrap();
    let ingested = engage_ingest::read_responses(&survey, &[survey.data_path()]).unwrap();
    let rows_of = |requests: &[engage_aggregate::DriverRequest]| {
        engage_aggregate::driver_rows_of_kpis(&survey, &ingested.table, requests)
    };
    // The same 12 respondents as the listwise sums (pandas: 12 complete for both KPIs).
    let every_column: Vec<usize> = (0..=survey.definition.dimensions.len()).collect();
    assert_eq!(
        (0..2)
            .map(
                |k| engage_aggregate::driver_rows(&survey, &ingested.table, k, &every_column).len()
            )
            .collect::<Vec<_>>(),
        vec![12, 12]
    );
    let partials = engage_aggregate::aggregate(&survey, &ingested.table);
    let with = |threads: usize| {
        let mut report = tiny_report();
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                engage_report::add_bootstrap_intervals(
                    &mut report,
                    &survey,
                    partials.overall(),
                    &rows_of,
                )
            });
        report.drivers
    };
    let (one, two) = (with(1), with(2));
    assert_eq!(one, two);
    for drivers in &one {
        let info = drivers.intervals.as_ref().expect("intervals with rows");
        assert_eq!((info.resamples, info.seed), (1000, 2027));
        for d in &drivers.dimensions {
            let ci = d.share_ci.unwrap();
            assert!(
                ci.lower <= ci.upper && (0.0..=1.0).contains(&ci.lower),
                "{ci:?}"
            );
        }
    }
    // Partials of other rows than those given (here the first ten of fourteen) cannot
    // centre them: no intervals, and the note says why.
    let some = engage_aggregate::aggregate_rows(&survey, &ingested.table, 0..10);
    let mut report = tiny_report();
    engage_report::add_bootstrap_intervals(&mut report, &survey, some.overall(), &rows_of);
    for drivers in &report.drivers {
        assert!(drivers.intervals.is_none());
        let note = drivers.intervals_note.as_deref().unwrap();
        assert!(note.contains("12 rows given for"), "{note}");
    }
}

#[test]
fn target_tracking_matches_scipy_and_statsmodels() {
    // reference/pipeline.py, "Target tracking": wave 2023, baseline 3.0 (2021), target 4.0 (2027).
    let r = tiny_report();
    let t = r.kpis[0].tracking.as_ref().unwrap();
    assert_eq!(t.wave_year, 2023);
    close(t.trajectory.unwrap(), 3.3333333333333335, "trajectory");
    assert_eq!(t.status, Some(engage_report::TrackStatus::OnTrack));
    assert_eq!(t.years_to_target, Some(4));
    close(
        t.needed_per_year.unwrap(),
        0.1071428571428571,
        "needed per year",
    );
    let test = t.baseline_test.as_ref().unwrap();
    // scipy.stats.ttest_1samp(K, 3.0)
    close(test.statistic, 1.8465741429939317, "t");
    assert_eq!(test.df, Some(13.0));
    close(test.p_value, 0.08769325697737824, "t p");
    close(test.difference, 3.5714285714285716 - 3.0, "difference");
    // No baseline or target: no tracking.
    assert!(r.kpis[1].tracking.is_none());

    let r = tiny_report_with(|s| {
        let share = &mut s.definition.kpis[1];
        share.baseline = Some(engage_model::YearValue {
            year: 2022,
            value: 0.5,
        });
        share.target = Some(engage_model::YearValue {
            year: 2027,
            value: 0.8,
        });
    });
    let t = r.kpis[1].tracking.as_ref().unwrap();
    close(t.trajectory.unwrap(), 0.56, "share trajectory");
    assert_eq!(t.status, Some(engage_report::TrackStatus::OnTrack));
    close(
        t.needed_per_year.unwrap(),
        0.046153846153846156,
        "share needed",
    );
    // statsmodels proportions_ztest(8, 13, value=0.5, prop_var=0.5)
    let test = t.baseline_test.as_ref().unwrap();
    close(test.statistic, 0.8320502943378439, "z");
    close(test.p_value, 0.4053805564589422, "z p");
    assert!(test.method.contains("score test"));

    // Past the target, and behind the line, worked by hand from the same value 8/13 = 0.615.
    let status = |baseline: f64, target: f64| {
        let r = tiny_report_with(|s| {
            let share = &mut s.definition.kpis[1];
            share.baseline = Some(engage_model::YearValue {
                year: 2021,
                value: baseline,
            });
            share.target = Some(engage_model::YearValue {
                year: 2025,
                value: target,
            });
        });
        r.kpis[1].tracking.as_ref().unwrap().status
    };
    // Line at 2023: 0.5 + 0.1 * 2/4 = 0.55 -> target 0.6 met; 0.5 + 0.4 * 2/4 = 0.7 -> behind.
    assert_eq!(
        status(0.5, 0.6),
        Some(engage_report::TrackStatus::TargetMet)
    );
    assert_eq!(status(0.5, 0.9), Some(engage_report::TrackStatus::Behind));
    // A target below the baseline (fewer complaints): lower is better, 0.615 < 0.7 line.
    assert_eq!(status(0.8, 0.6), Some(engage_report::TrackStatus::OnTrack));
}

#[test]
fn wave_comparison_matches_scipy_pingouin_and_statsmodels() {
    // reference/pipeline.py, "Wave comparison": tiny.csv (A) against tiny-b.csv (B).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let survey = Survey::load(&dir.join("tiny.toml")).unwrap();
    let wave = |file: &str| {
        let ingested = engage_ingest::read_responses(&survey, &[dir.join(file)]).unwrap();
        let partials = engage_aggregate::aggregate(&survey, &ingested.table);
        let report = build_report(&survey, &partials, tiny_provenance());
        (partials, report)
    };
    let ((pa, ra), (pb, rb)) = (wave("tiny.csv"), wave("tiny-b.csv"));
    let input = |p, r| engage_report::WaveInput {
        survey: &survey,
        partials: p,
        report: r,
    };
    let c = engage_report::compare(input(&pa, &ra), input(&pb, &rb));
    // scipy.stats.ttest_ind(b, a, equal_var=False), pingouin.compute_effsize(b, a, ...)
    let expected = [
        (
            0.181196581196581,
            0.452159075368303,
            22.699305512941258,
            0.6554457291399248,
            (-0.6483978050059025, 1.0107909673990645),
            0.17437843159718677,
            0.16929944815260853,
        ),
        (
            0.24615384615384617,
            0.6970811835980195,
            22.673602105390138,
            0.4928380652884127,
            (-0.4849144419298125, 0.9772221342375048),
            0.26886959245695735,
            0.2610384392785994,
        ),
    ];
    for (d, (diff, t, df, p, (lo, hi), cd, g)) in c.dimensions.iter().zip(expected) {
        let what = |x: &str| format!("{} {x}", d.id);
        assert_eq!(d.test, Some("welch_t"));
        close(d.difference.unwrap(), diff, &what("difference"));
        close(d.statistic.unwrap(), t, &what("t"));
        close(d.df.unwrap(), df, &what("df"));
        close(d.p_value.unwrap(), p, &what("p"));
        close(d.ci.unwrap().lower, lo, &what("ci lower"));
        close(d.ci.unwrap().upper, hi, &what("ci upper"));
        close(d.cohen_d.unwrap(), cd, &what("d"));
        close(d.hedges_g.unwrap(), g, &what("g"));
        // multipletests([p1, p2], method="fdr_bh")
        close(d.p_adjusted.unwrap(), 0.6554457291399248, &what("bh"));
    }
    // proportions_ztest([10, 8], [14, 13]) for the share KPI.
    let share = &c.kpis[1];
    assert_eq!(share.test, Some("two_proportion_z"));
    assert_eq!(
        (share.a.unwrap().n, share.b.unwrap().n),
        (13, 14),
        "valid answers in each wave"
    );
    close(share.statistic.unwrap(), 0.5447047794019221, "z");
    close(share.p_value.unwrap(), 0.5859565771946526, "z p");
    // Department B has 3 respondents in wave A: withheld in every comparison row.
    let dept_b: Vec<_> = c
        .segments
        .iter()
        .filter(|s| s.group.as_deref() == Some("B"))
        .collect();
    assert!(!dept_b.is_empty() && dept_b.iter().all(|s| s.withheld && s.a.is_none()));
    assert!(c.only_in_a.is_empty() && c.only_in_b.is_empty());
}

#[test]
fn multi_select_depth_matches_scipy_and_statsmodels() {
    // reference/pipeline.py, "Multi-select depth", with min_group_size 3 so that departments
    // A, B and C are all published.
    let r = tiny_report_with(|s| s.definition.privacy.min_group_size = 3);
    let q = &r.multi_select[0];
    let tests: Vec<_> = q
        .by_segment
        .iter()
        .filter(|t| t.segment == "dept")
        .collect();
    assert_eq!(tests.len(), 4);
    // scipy.stats.chi2_contingency(correction=False)
    let chi = [
        (0.6603174603174605, 0.7188096276098608, 1.3846153846153846),
        (1.7333333333333336, 0.420350384508682, 1.1538461538461537),
        (1.7333333333333336, 0.420350384508682, 1.1538461538461537),
        (0.7090909090909091, 0.7014922308562801, 0.46153846153846156),
    ];
    for (t, (stat, p, min_e)) in tests.iter().zip(chi) {
        close(t.chi_square.unwrap(), stat, &format!("{} chi2", t.option));
        assert_eq!(t.df, Some(2.0));
        close(t.p_value.unwrap(), p, &format!("{} chi2 p", t.option));
        close(
            t.min_expected.unwrap(),
            min_e,
            &format!("{} min expected", t.option),
        );
        assert!(t.small_expected, "expected counts under 5 are flagged");
    }
    // statsmodels proportions_ztest([c, rest_c], [n, rest_n]) per group; BH over the 12.
    let a = &tests[0].groups[0];
    assert_eq!((a.group.as_str(), a.count, a.base), ("A", 3, 5));
    close(a.lift.unwrap(), 1.5999999999999999, "A lift");
    close(a.z.unwrap(), 0.7916979943676213, "A z");
    close(a.p_value.unwrap(), 0.4285367920617821, "A p");
    close(a.p_adjusted.unwrap(), 0.8570735841235642, "A bh");
    let b_none = &tests[3].groups[1];
    assert_eq!((b_none.count, b_none.lift), (0, Some(0.0)));
    close(b_none.z.unwrap(), -0.8420753583206845, "B none z");
    close(b_none.p_adjusted.unwrap(), 0.8570735841235642, "B none bh");
    // scipy.stats.ttest_ind(picked, not picked, equal_var=False) on the satisfaction KPI.
    let gap = |o: &str| {
        q.kpi_gaps
            .iter()
            .find(|g| g.option == o && g.kpi == "satisfaction")
            .unwrap()
    };
    let g = gap("a");
    close(g.picked.unwrap().value, 3.0, "picked mean");
    close(
        g.not_picked.unwrap().value,
        4.142857142857143,
        "not picked mean",
    );
    close(g.t.unwrap(), -1.8039504672067899, "gap t");
    close(g.df.unwrap(), 7.005903662954515, "gap df");
    close(g.p_value.unwrap(), 0.11418621891482801, "gap p");
    // Only 2 picked "nothing": withheld under the minimum of 3.
    let g = gap("n");
    assert!(g.withheld && g.picked.is_none() && g.t.is_none());
}

/// Both tiny waves with their rows, for the paired and crosswalk tests.
struct TinyWave {
    survey: Survey,
    table: engage_ingest::ResponseTable,
    partials: engage_aggregate::Partials,
    report: Report,
}

fn tiny_wave(file: &str, min_group_size: u32) -> TinyWave {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut survey = Survey::load(&dir.join("tiny.toml")).unwrap();
    survey.definition.privacy.min_group_size = min_group_size;
    let ingested = engage_ingest::read_responses(&survey, &[dir.join(file)]).unwrap();
    let partials = engage_aggregate::aggregate(&survey, &ingested.table);
    let report = build_report(&survey, &partials, tiny_provenance());
    TinyWave {
        survey,
        table: ingested.table,
        partials,
        report,
    }
}

#[test]
fn paired_comparison_matches_scipy_pingouin_and_statsmodels() {
    // reference/pipeline.py, "Paired comparison": ids 1..14 in both files, 15 only in B.
    let (a, b) = (tiny_wave("tiny.csv", 5), tiny_wave("tiny-b.csv", 5));
    let (va, vb) = (
        engage_aggregate::respondent_values(&a.survey, &a.table),
        engage_aggregate::respondent_values(&b.survey, &b.table),
    );
    fn wave<'w>(
        w: &'w TinyWave,
        v: &'w engage_aggregate::RespondentValues,
    ) -> engage_report::PairedWave<'w> {
        engage_report::PairedWave {
            survey: &w.survey,
            report: &w.report,
            ids: &w.table.respondent_ids,
            values: v,
        }
    }
    let p = engage_report::paired_comparison(wave(&a, &va), wave(&b, &vb), 5).unwrap();
    assert_eq!((p.linked, p.only_in_a, p.only_in_b), (14, 0, 1));
    // scipy.stats.ttest_rel(b, a), wilcoxon(b, a, zero_method="wilcox", correction=False,
    // method="approx") (ties), pingouin.wilcoxon(b, a)["RBC"]
    #[allow(clippy::type_complexity)]
    let expected: [(u64, f64, f64, f64, f64, (f64, f64), f64, f64, f64, f64); 2] = [
        (
            13,
            3.6410256410256414,
            4.0256410256410255,
            1.1404288819045585,
            0.27635806638862515,
            (-0.35020021658758627, 1.1194309858183558),
            0.3162980622866886,
            27.0,
            0.344285047862368,
            0.3076923076923077,
        ),
        (
            13,
            3.6538461538461537,
            4.115384615384615,
            1.7597653802562396,
            0.10389077123590375,
            (-0.10990471643603039, 1.0329816395129536),
            0.48807110086925054,
            11.5,
            0.09416784827730289,
            0.5818181818181818,
        ),
    ];
    for (d, (n, ma, mb, t, pv, (lo, hi), dz, w, wp, rbc)) in p.dimensions.iter().zip(expected) {
        let what = |x: &str| format!("paired {} {x}", d.id);
        assert!(!d.withheld);
        assert_eq!(d.pairs, n);
        close(d.mean_a.unwrap(), ma, &what("mean a"));
        close(d.mean_b.unwrap(), mb, &what("mean b"));
        close(d.statistic.unwrap(), t, &what("t"));
        assert_eq!(d.df, Some(12.0));
        close(d.p_value.unwrap(), pv, &what("p"));
        close(d.ci.unwrap().lower, lo, &what("ci lower"));
        close(d.ci.unwrap().upper, hi, &what("ci upper"));
        close(d.d_z.unwrap(), dz, &what("d_z"));
        let wx = d.wilcoxon.as_ref().unwrap();
        assert_eq!(wx.method, engage_report::WilcoxonMethod::Normal);
        close(wx.statistic, w, &what("W"));
        close(wx.p_value, wp, &what("wilcoxon p"));
        close(wx.rank_biserial, rbc, &what("rbc"));
    }
    // multipletests(..., method="fdr_bh") within the dimensions table
    close(
        p.dimensions[1].p_adjusted.unwrap(),
        0.2077815424718075,
        "bh t",
    );
    close(
        p.dimensions[1]
            .wilcoxon
            .as_ref()
            .unwrap()
            .p_adjusted
            .unwrap(),
        0.18833569655460577,
        "bh wilcoxon",
    );
    // statsmodels mcnemar([[7, 0], [3, 2]], exact=False, correction=False) for the share KPI
    let share = p.kpis.iter().find(|k| k.id == "q4_share").unwrap();
    assert_eq!((share.test, share.pairs), (Some("mcnemar"), 12));
    close(share.statistic.unwrap(), 3.0, "mcnemar chi2");
    close(share.p_value.unwrap(), 0.08326451666355042, "mcnemar p");
    // Under a minimum of 14, 13 pairs are too few: withheld, and their count with them.
    let strict = engage_report::paired_comparison(wave(&a, &va), wave(&b, &vb), 14).unwrap();
    assert!(strict
        .dimensions
        .iter()
        .all(|d| d.withheld && d.pairs == 0 && d.p_value.is_none()));
}

#[test]
fn a_crosswalk_merges_groups_and_withholds_units_with_a_withheld_part() {
    // reference/pipeline.py, "Crosswalk": wave A's departments A and C became B's A. With a
    // minimum of 3 every department is published in both waves.
    let (a, b) = (tiny_wave("tiny.csv", 3), tiny_wave("tiny-b.csv", 3));
    let link = |a_key: &str, b_key: &str, row| engage_report::GroupLink {
        segment: "dept".into(),
        a_key: a_key.into(),
        b_key: b_key.into(),
        row,
    };
    fn input(w: &TinyWave) -> engage_report::WaveInput<'_> {
        engage_report::WaveInput {
            survey: &w.survey,
            partials: &w.partials,
            report: &w.report,
        }
    }
    let c = engage_report::compare_with(
        input(&a),
        input(&b),
        &[link("A", "A", 2), link("C", "A", 3)],
    )
    .unwrap();
    let merged: Vec<_> = c
        .segments
        .iter()
        .filter(|s| s.group.as_deref() == Some("A"))
        .collect();
    // scipy.stats.ttest_ind(b, a, equal_var=False) on the merged rows
    let expected = [
        (
            10,
            5,
            0.36666666666666625,
            0.8111757160418889,
            10.884302304531618,
            0.43464465749567394,
        ),
        (
            10,
            5,
            0.34999999999999964,
            0.8294501308100316,
            8.95683777348793,
            0.4284009773312132,
        ),
    ];
    assert_eq!(merged.len(), 2);
    for (s, (na, nb, diff, t, df, p)) in merged.iter().zip(expected) {
        assert_eq!(
            s.a_groups.as_deref(),
            Some(&["A".to_string(), "C".to_string()][..])
        );
        assert_eq!((s.a.unwrap().n, s.b.unwrap().n), (na, nb));
        close(s.difference.unwrap(), diff, "crosswalk diff");
        close(s.statistic.unwrap(), t, "crosswalk t");
        close(s.df.unwrap(), df, "crosswalk df");
        close(s.p_value.unwrap(), p, "crosswalk p");
    }
    // B's C is no longer anyone's successor; B stays B.
    assert!(c.segments.iter().all(|s| s.group.as_deref() != Some("C")));
    assert!(c
        .segments
        .iter()
        .filter(|s| s.group.as_deref() == Some("B"))
        .all(|s| !s.withheld && s.a_groups.is_none()));
    // With the default minimum of 5, wave A withholds B (3 people) and, to protect it, C:
    // the unit A + C is withheld, since the total minus it would give B's figures.
    let (a5, b5) = (tiny_wave("tiny.csv", 5), tiny_wave("tiny-b.csv", 5));
    let small = engage_report::compare_with(
        input(&a5),
        input(&b5),
        &[link("A", "A", 2), link("C", "A", 3)],
    )
    .unwrap();
    let unit: Vec<_> = small
        .segments
        .iter()
        .filter(|s| s.group.as_deref() == Some("A"))
        .collect();
    assert!(!unit.is_empty() && unit.iter().all(|s| s.withheld && s.a.is_none()));
    let unknown = engage_report::compare_with(input(&a), input(&b), &[link("Z", "A", 7)]);
    assert_eq!(
        unknown.unwrap_err().to_string(),
        "crosswalk row 7, column `a_key`: segment `dept` has no group `Z` in wave A"
    );
}

#[test]
fn tracking_over_earlier_waves_matches_scipy_and_statsmodels() {
    // reference/pipeline.py, "Tracking over waves": tiny.csv as 2021, tiny-b.csv as 2022 and
    // tiny-c.csv as this wave (2023), all published with a minimum of 3.
    let with_year = |file: &str, year: i32| {
        let mut w = tiny_wave(file, 3);
        w.survey.definition.wave.year = year;
        w.survey.definition.wave.label = format!("FY{year}");
        w.survey.definition.kpis[1].baseline = Some(engage_model::YearValue {
            year: 2022,
            value: 0.5,
        });
        w.survey.definition.kpis[1].target = Some(engage_model::YearValue {
            year: 2027,
            value: 0.8,
        });
        w.report = build_report(&w.survey, &w.partials, tiny_provenance());
        w
    };
    let (w21, w22, mut now) = (
        with_year("tiny.csv", 2021),
        with_year("tiny-b.csv", 2022),
        with_year("tiny-c.csv", 2023),
    );
    let earlier: Vec<engage_report::EarlierWave> = [&w21, &w22]
        .iter()
        .map(|w| engage_report::EarlierWave {
            survey: &w.survey,
            partials: &w.partials,
            report: &w.report,
        })
        .collect();
    engage_report::add_wave_history(&mut now.report, &now.survey, &now.partials, &earlier);

    let sat = now.report.kpis[0].tracking.as_ref().unwrap();
    // scipy.stats.ttest_ind(2023, 2021, equal_var=False) on K
    let test = sat.baseline_test.as_ref().unwrap();
    assert_eq!(test.against, "baseline_wave");
    close(test.difference, 0.7857142857142851, "baseline difference");
    close(test.statistic, 2.2275872845772144, "baseline t");
    close(test.df.unwrap(), 20.139628459107374, "baseline df");
    close(test.p_value, 0.037467670935730946, "baseline p");
    // statsmodels OLS(K ~ year) over the three waves' respondents, prediction at 2027
    let trend = sat.trend.as_ref().unwrap();
    assert_eq!(trend.method, "ols_on_respondents");
    assert_eq!(
        trend.waves.iter().map(|w| w.year).collect::<Vec<_>>(),
        [2021, 2022, 2023]
    );
    close(trend.slope, 0.3928571428572471, "slope");
    close(
        trend.slope_ci.unwrap().lower,
        0.04197064785483523,
        "slope lower",
    );
    close(
        trend.slope_ci.unwrap().upper,
        0.7437436378596589,
        "slope upper",
    );
    close(trend.statistic, 2.261104678666238, "trend t");
    assert_eq!(trend.df, Some(41.0));
    close(trend.p_value, 0.029124209553254767, "trend p");
    assert_eq!(trend.projected_year, 2027);
    close(trend.projected, 5.941029900330903, "projected");
    close(
        trend.projected_ci.unwrap().lower,
        4.163895876069866,
        "projected lower",
    );
    close(
        trend.projected_ci.unwrap().upper,
        7.71816392459194,
        "projected upper",
    );
    assert_eq!(trend.reaches_target, Some(true));

    let share = now.report.kpis[1].tracking.as_ref().unwrap();
    // proportions_ztest([13, 10], [14, 14]) against the 2022 baseline wave
    let test = share.baseline_test.as_ref().unwrap();
    assert_eq!(test.against, "baseline_wave");
    close(test.statistic, 1.480305491385507, "share z");
    close(test.p_value, 0.1387917384236097, "share p");
    // Cochran–Armitage (statsmodels linear-by-linear z · √(N/(N−1)))
    let trend = share.trend.as_ref().unwrap();
    assert_eq!(trend.method, "cochran_armitage");
    close(trend.statistic, 1.9027545375736625, "ca z");
    close(trend.p_value, 0.05707258191598372, "ca p");
    close(trend.slope, 0.1573236889692841, "share slope");
    close(trend.projected, 1.5388788426764415, "share projection");

    // Two waves only: the baseline test but no trend.
    let mut two = with_year("tiny-c.csv", 2023);
    engage_report::add_wave_history(&mut two.report, &two.survey, &two.partials, &earlier[..1]);
    let t = two.report.kpis[0].tracking.as_ref().unwrap();
    assert!(t.trend.is_none() && t.baseline_test.as_ref().unwrap().against == "baseline_wave");
}

#[test]
fn population_rates_fpc_and_raked_weights_match_numpy_scipy_and_statsmodels() {
    // reference/pipeline.py, "Population": tiny-headcounts.csv against tiny.csv.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let run = |min: u32| {
        let mut w = tiny_wave("tiny.csv", min);
        w.survey.definition.population = Some(engage_model::Population {
            headcounts: "tiny-headcounts.csv".into(),
            rake: vec!["dept".into()],
            tolerance: 1e-12,
            max_iterations: 100,
        });
        let headcounts: Vec<engage_report::Headcount> =
            engage_ingest::read_headcounts(&dir.join("tiny-headcounts.csv"))
                .unwrap()
                .into_iter()
                .map(|h| engage_report::Headcount {
                    segment: h.segment,
                    group: h.group,
                    headcount: h.headcount,
                    row: h.row,
                })
                .collect();
        let cells = engage_aggregate::cell_moments(
            &w.survey,
            &w.table,
            &engage_report::rake_segments(&w.survey),
        )
        .unwrap();
        let mut report = w.report.clone();
        engage_report::add_population(
            &mut report,
            &w.survey,
            &w.partials,
            "tiny-headcounts.csv",
            &headcounts,
            Some(&cells),
        )
        .unwrap();
        report.population.unwrap()
    };
    let p = run(3);
    close(p.response_rate.unwrap(), 0.4666666666666667, "rate");
    close(p.fpc.unwrap(), 0.7427813527082074, "fpc");
    let rates: Vec<(String, f64, f64)> = p
        .groups
        .iter()
        .map(|g| (g.key.clone(), g.response_rate, g.fpc))
        .collect();
    assert_eq!(rates.len(), 3);
    for ((key, rate, fpc), (k, r, f)) in rates.iter().zip([
        ("A", 0.6, 0.6666666666666666),
        ("B", 0.375, 0.8451542547285166),
        ("C", 0.4166666666666667, 0.7977240352174656),
    ]) {
        assert_eq!(key, k);
        close(*rate, r, "group rate");
        close(*fpc, f, "group fpc");
    }
    let ci = |id: &str| {
        p.corrected_intervals
            .iter()
            .find(|c| c.id == id)
            .unwrap()
            .ci_fpc
    };
    // t interval's half-width × fpc; Wilson on n / fpc² (statsmodels proportion_confint)
    close(ci("satisfaction").lower, 3.074854474523514, "ci_fpc lower");
    close(ci("satisfaction").upper, 4.068002668333629, "ci_fpc upper");
    close(
        ci("q4_share").lower,
        0.4163438567853405,
        "share ci_fpc lower",
    );
    close(
        ci("q4_share").upper,
        0.7820763800708712,
        "share ci_fpc upper",
    );

    let w = p.weighting.as_ref().unwrap();
    assert!(w.converged && !w.withheld);
    assert_eq!(
        (w.rows_weighted, w.rows_without_weight),
        (Some(14), Some(0))
    );
    close(w.effective_n, 13.473053892215562, "kish n_eff");
    close(w.weight_min, 1.6666666666666667, "min weight");
    close(w.weight_max, 2.6666666666666665, "max weight");
    let sat = w.kpis.iter().find(|k| k.id == "satisfaction").unwrap();
    close(sat.value, 3.575555555555556, "weighted mean");
    close(sat.se, 0.3274769516223613, "weighted se");
    close(sat.ci.lower, 2.8650343276642807, "weighted ci lower");
    close(sat.ci.upper, 4.286076783446831, "weighted ci upper");
    let d1 = &w.dimensions[0];
    close(d1.value, 3.6400966183574885, "weighted d1");
    close(d1.effective_n, 12.479685452162512, "d1 n_eff");
    let share = w.kpis.iter().find(|k| k.id == "q4_share").unwrap();
    close(share.value, 0.618823529411765, "weighted share");
    close(share.ci.lower, 0.35411624213011705, "weighted wilson lower");
    close(share.ci.upper, 0.827799248197986, "weighted wilson upper");

    // With the default minimum, B (3 people) is withheld: no rate for it, and no weighted
    // figures, since weighted totals over the margin could be subtracted from published ones.
    let p5 = run(5);
    assert!(p5.groups.iter().all(|g| g.key != "B"));
    let w5 = p5.weighting.unwrap();
    assert!(w5.withheld && w5.kpis.is_empty() && w5.withheld_reason.unwrap().contains("`B`"));
}

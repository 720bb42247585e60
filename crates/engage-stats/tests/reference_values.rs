//! engage-stats against independent reference values. Every expected number below was printed by
//! `tests/reference/reference.py` (versions pinned in `tests/reference/requirements.txt`; its
//! output is committed as `tests/reference/reference-output.txt`), and each names its call.

use engage_stats::*;

/// Named tolerances: one place to see how close "equal" is.
mod tol {
    /// Closed-form values computed in double precision by both sides.
    pub const EXACT: f64 = 1e-12;
    /// Values through an inverse CDF, whose algorithms differ between statrs and SciPy.
    pub const QUANTILE: f64 = 1e-9;

    pub fn close(actual: f64, expected: f64, tolerance: f64, what: &str) {
        let scale = expected.abs().max(1.0);
        assert!(
            (actual - expected).abs() <= tolerance * scale,
            "{what}: got {actual:.17}, expected {expected:.17} (tolerance {tolerance:e})"
        );
    }
}

fn moments(values: &[i128], scale: i128) -> Moments {
    Moments {
        n: values.len() as u64,
        sum: values.iter().sum(),
        sum_sq: values.iter().map(|v| v * v).sum(),
        scale,
    }
}

#[test]
fn mean_sd_and_t_interval_of_likert_answers() {
    // x = [1,2,2,3,3,3,4,4,4,4,5,5]; x.mean(), x.std(ddof=1),
    // scipy.stats.t.interval(0.95, 11, loc=mean, scale=scipy.stats.sem(x)), SciPy 1.14.1
    let s = moments(&[1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5], 1)
        .summary(0.95)
        .unwrap();
    tol::close(s.mean, 3.3333333333333335, tol::EXACT, "mean");
    tol::close(s.sd.unwrap(), 1.2309149097933274, tol::EXACT, "sd");
    let ci = s.ci.unwrap();
    tol::close(ci.lower, 2.551247311970412, tol::QUANTILE, "ci lower");
    tol::close(ci.upper, 4.115419354696255, tol::QUANTILE, "ci upper");
}

#[test]
fn fractional_scores_scaled_by_lcm() {
    // Scores 5/2, 3, 11/3, 4, 13/4, 2, 7/3 kept as integers over lcm(1..4) = 12.
    // Expected: s.mean(), s.std(ddof=1), scipy.stats.t.interval(0.95, 6, ...), SciPy 1.14.1
    let scaled = [30, 36, 44, 48, 39, 24, 28];
    let s = moments(&scaled, 12).summary(0.95).unwrap();
    tol::close(s.mean, 2.964285714285714, tol::EXACT, "mean");
    tol::close(s.sd.unwrap(), 0.7294358913411921, tol::EXACT, "sd");
    let ci = s.ci.unwrap();
    tol::close(ci.lower, 2.2896700315082317, tol::QUANTILE, "ci lower");
    tol::close(ci.upper, 3.6389013970631963, tol::QUANTILE, "ci upper");
}

#[test]
fn one_value_has_a_mean_but_no_spread() {
    let s = moments(&[4], 1).summary(0.95).unwrap();
    assert_eq!(s.mean, 4.0);
    assert!(s.sd.is_none() && s.ci.is_none());
    assert!(moments(&[], 1).summary(0.95).is_err());
}

#[test]
fn critical_values() {
    // scipy.stats.t.ppf(0.975, 9), scipy.stats.t.ppf(0.975, 3689), scipy.stats.norm.ppf(0.975)
    tol::close(
        t_critical(0.95, 9.0).unwrap(),
        2.2621571628540993,
        tol::QUANTILE,
        "t 9",
    );
    tol::close(
        t_critical(0.95, 3689.0).unwrap(),
        1.9606072581996532,
        tol::QUANTILE,
        "t 3689",
    );
    tol::close(
        z_critical(0.95).unwrap(),
        1.959963984540054,
        tol::QUANTILE,
        "z",
    );
    assert!(t_critical(1.5, 3.0).is_err());
}

#[test]
fn wilson_intervals_match_statsmodels() {
    // statsmodels.stats.proportion.proportion_confint(c, n, alpha=0.05, method="wilson"), 0.14.4
    let cases = [
        (907, 3690, 0.23217639793263412, 0.2599512364247601),
        (0, 10, 0.0, 0.27753279986288926),
        (10, 10, 0.7224672001371106, 1.0),
        (1, 7, 0.02567962434474355, 0.5131278292743189),
        (2990, 3690, 0.797327789872431, 0.8226230189343745),
    ];
    for (c, n, lo, hi) in cases {
        let ci = wilson_ci(c, n, 0.95).unwrap();
        tol::close(
            ci.lower,
            lo,
            tol::QUANTILE,
            &format!("wilson({c},{n}) lower"),
        );
        tol::close(
            ci.upper,
            hi,
            tol::QUANTILE,
            &format!("wilson({c},{n}) upper"),
        );
    }
    assert!(wilson_ci(0, 0, 0.95).is_err());
}

#[test]
fn competition_ranks() {
    // scipy.stats.rankdata([-v for v in values], method="min")
    assert_eq!(
        rank_descending_min(&[907, 889, 889, 693, 162, 907]),
        vec![1, 3, 3, 5, 6, 1]
    );
}

#[test]
fn pearson_r() {
    // scipy.stats.pearsonr([1,2,3,4,5,3,2], [2,2,4,5,4,3,1]).statistic
    let r = pearson(&[1., 2., 3., 4., 5., 3., 2.], &[2., 2., 4., 5., 4., 3., 1.]).unwrap();
    tol::close(r, 0.7884862245567703, tol::EXACT, "r");
}

#[test]
fn cronbach_alpha_listwise_matches_pingouin() {
    // pingouin.cronbach_alpha(df, nan_policy="listwise"), pingouin 0.5.5; df in reference.py
    let q1 = [
        Some(4.),
        Some(5.),
        Some(3.),
        Some(2.),
        Some(4.),
        Some(5.),
        Some(3.),
        None,
        Some(4.),
        Some(2.),
    ];
    let q2 = [4., 4., 3., 2., 5., 5., 2., 3., 4., 1.];
    let q3 = [
        Some(3.),
        Some(5.),
        Some(2.),
        Some(1.),
        Some(4.),
        Some(4.),
        Some(3.),
        Some(3.),
        None,
        Some(2.),
    ];
    let q4 = [5., 4., 3., 2., 4., 5., 2., 4., 4., 2.];
    let rows: Vec<Vec<Option<f64>>> = (0..10)
        .map(|i| vec![q1[i], Some(q2[i]), q3[i], Some(q4[i])])
        .collect();
    let alpha = cronbach_alpha_listwise(&rows).unwrap();
    tol::close(alpha, 0.9480614484272128, tol::EXACT * 100.0, "alpha");
}

/// The covariance matrix of the complete rows of the `reference.py` items (pandas `.cov()`).
fn listwise_covariance() -> Vec<Vec<f64>> {
    let rows: [[f64; 4]; 10] = [
        [4., 4., 3., 5.],
        [5., 4., 5., 4.],
        [3., 3., 2., 3.],
        [2., 2., 1., 2.],
        [4., 5., 4., 4.],
        [5., 5., 4., 5.],
        [3., 2., 3., 2.],
        [f64::NAN, 3., 3., 4.],
        [4., 4., f64::NAN, 4.],
        [2., 1., 2., 2.],
    ];
    let complete: Vec<&[f64; 4]> = rows
        .iter()
        .filter(|r| r.iter().all(|v| !v.is_nan()))
        .collect();
    let n = complete.len() as f64;
    let mean: Vec<f64> = (0..4)
        .map(|j| complete.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    (0..4)
        .map(|a| {
            (0..4)
                .map(|b| {
                    complete
                        .iter()
                        .map(|r| (r[a] - mean[a]) * (r[b] - mean[b]))
                        .sum::<f64>()
                        / (n - 1.0)
                })
                .collect()
        })
        .collect()
}

#[test]
fn reliability_details_match_numpy_scipy_and_pingouin() {
    let cov = listwise_covariance();
    // standardized alpha from numpy.corrcoef: 0.950989354219273
    tol::close(
        standardized_alpha(&cov).unwrap(),
        0.950989354219273,
        tol::EXACT,
        "std alpha",
    );
    // Feldt with scipy.stats.f.isf on the 8 complete rows.
    let alpha = cronbach_alpha_from_covariance(&cov).unwrap();
    tol::close(alpha, 0.9480614484272128, tol::EXACT, "alpha");
    let ci = feldt_interval(alpha, 8, 4, 0.95).unwrap();
    tol::close(ci.lower, 0.8458136402445071, tol::QUANTILE, "feldt lower");
    tol::close(ci.upper, 0.988333769842031, tol::QUANTILE, "feldt upper");
    // numpy.corrcoef(item, sum of the other items)
    let expected = [
        0.9650980612532559,
        0.8958514349860334,
        0.7969158858506346,
        0.8654831569409229,
    ];
    for (got, want) in item_rest_correlations(&cov).iter().zip(expected) {
        tol::close(got.unwrap(), want, tol::EXACT, "item-rest");
    }
    // pingouin.cronbach_alpha(lw.drop(columns=c))
    let expected = [
        0.9086357947434295,
        0.9282700421940927,
        0.9550425273390037,
        0.9346733668341709,
    ];
    for (got, want) in alpha_if_deleted(&cov).iter().zip(expected) {
        tol::close(got.unwrap(), want, tol::EXACT, "alpha if deleted");
    }
}

#[test]
fn reliability_refuses_degenerate_input() {
    assert!(feldt_interval(0.8, 1, 4, 0.95).is_err());
    assert!(feldt_interval(0.8, 10, 1, 0.95).is_err());
    let flat = vec![vec![0.0, 0.0], vec![0.0, 1.0]];
    assert_eq!(standardized_alpha(&flat), Err(StatsError::NoVariance));
    assert_eq!(item_rest_correlations(&flat), vec![None, None]);
    // Two items: leaving one out leaves a single item, which has no alpha.
    assert_eq!(alpha_if_deleted(&flat), vec![None, None]);
}

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

/// Critical values are kept per (level, df) once computed: asked again, in any order and for
/// other levels of the same df, each is still its own scipy value.
#[test]
fn critical_values_asked_again_stay_their_own() {
    // scipy.stats.t.ppf(q, 9) for q = 0.995, 0.975, 0.95 (scipy 1.17.1)
    let expected = [
        (0.99, 3.249835541592126),
        (0.95, 2.262157162798205),
        (0.90, 1.833112932656237),
    ];
    for _ in 0..2 {
        for &(level, t) in expected.iter().chain(expected.iter().rev()) {
            tol::close(t_critical(level, 9.0).unwrap(), t, tol::QUANTILE, "t 9");
        }
    }
    // A df beside another's: scipy.stats.t.ppf(0.975, 10)
    tol::close(
        t_critical(0.95, 10.0).unwrap(),
        2.228138851986274,
        tol::QUANTILE,
        "t 10",
    );
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
    let complete: Vec<[f64; 4]> = rows
        .into_iter()
        .filter(|r| r.iter().all(|v| !v.is_nan()))
        .collect();
    covariance(&complete)
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

/// The 12 respondents of reference.py section 9: three dimension scores, then the KPI.
const DRIVER_ROWS: [[f64; 4]; 12] = [
    [3.5, 4.0, 2.5, 4.0],
    [4.0, 3.8, 3.0, 4.0],
    [2.0, 2.4, 2.0, 2.0],
    [4.5, 4.2, 4.0, 5.0],
    [3.0, 3.6, 2.5, 3.0],
    [5.0, 4.6, 4.5, 5.0],
    [2.5, 2.0, 3.0, 2.0],
    [3.8, 3.0, 3.5, 4.0],
    [4.2, 4.4, 2.0, 4.0],
    [1.5, 2.2, 1.5, 1.0],
    [3.2, 2.8, 4.0, 3.0],
    [4.8, 5.0, 3.5, 5.0],
];

fn covariance(rows: &[[f64; 4]]) -> Vec<Vec<f64>> {
    let n = rows.len() as f64;
    let mean: Vec<f64> = (0..4)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    (0..4)
        .map(|a| {
            (0..4)
                .map(|b| {
                    rows.iter()
                        .map(|r| (r[a] - mean[a]) * (r[b] - mean[b]))
                        .sum::<f64>()
                        / (n - 1.0)
                })
                .collect()
        })
        .collect()
}

#[test]
fn pearson_with_fisher_interval_matches_scipy() {
    // scipy.stats.pearsonr(x1, y) and .confidence_interval(0.95), SciPy 1.14.1
    let x: Vec<f64> = DRIVER_ROWS.iter().map(|r| r[0]).collect();
    let y: Vec<f64> = DRIVER_ROWS.iter().map(|r| r[3]).collect();
    let r = pearson(&x, &y).unwrap();
    tol::close(r, 0.979139494988368, tol::EXACT, "r");
    let ci = fisher_interval(r, 12, 0.95).unwrap();
    tol::close(ci.lower, 0.9250522449788867, tol::QUANTILE, "fisher lower");
    tol::close(ci.upper, 0.9943092014773374, tol::QUANTILE, "fisher upper");
    assert!(fisher_interval(r, 3, 0.95).is_err());
}

#[test]
fn relative_weights_match_numpy_and_add_up_to_the_ols_r_squared() {
    let corr = correlation_from_covariance(&covariance(&DRIVER_ROWS)).unwrap();
    let w = relative_weights(&corr).unwrap();
    // numpy.linalg.eigh implementation of Johnson (2000) in reference.py
    let expected = [0.394464775179275, 0.3767362653174143, 0.19167955542840362];
    for (got, want) in w.raw.iter().zip(expected) {
        tol::close(*got, want, 1e-10, "raw weight");
    }
    // statsmodels OLS(y, add_constant(X)).fit().rsquared
    tol::close(w.r_squared, 0.9628805959250931, 1e-10, "R²");
    tol::close(w.shares().iter().sum(), 1.0, tol::EXACT, "shares");
    // Two identical predictors cannot be told apart.
    let same = vec![
        vec![1.0, 1.0, 0.5],
        vec![1.0, 1.0, 0.5],
        vec![0.5, 0.5, 1.0],
    ];
    assert_eq!(relative_weights(&same), Err(StatsError::Collinear));
}

#[test]
fn quantiles_match_numpy_percentile() {
    // numpy.percentile(v, q), default method "linear"
    let mut v = vec![0.31, 0.12, 0.55, 0.40, 0.27, 0.33, 0.18];
    v.sort_by(f64::total_cmp);
    tol::close(quantile_sorted(&v, 0.025), 0.129, tol::EXACT, "2.5%");
    tol::close(quantile_sorted(&v, 0.975), 0.5275, tol::EXACT, "97.5%");
    tol::close(quantile_sorted(&v, 0.5), 0.31, tol::EXACT, "median");
}

/// Rows of (x1, x2, x3, y) with corr(x) = [[1, .3, .2], [.3, 1, .4], [.2, .4, 1]] (through its
/// Cholesky factor from numpy.linalg.cholesky) and y = 0.5 x1 + 0.3 x2 + 0.1 x3 + N(0, 0.8²).
fn simulated(n: usize, seed: u64) -> Vec<f64> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let l = [
        [1.0, 0.0, 0.0],
        [0.3, 0.953_939_201_416_945_7, 0.0],
        [0.2, 0.356_416_844_485_452_2, 0.912_670_276_149_625_1],
    ];
    let mut out = Vec::with_capacity(n * 4);
    for _ in 0..n {
        let z: [f64; 3] = std::array::from_fn(|_| StandardNormal.sample(&mut rng));
        let x: [f64; 3] = std::array::from_fn(|i| (0..3).map(|k| l[i][k] * z[k]).sum());
        let e: f64 = StandardNormal.sample(&mut rng);
        out.extend(x);
        out.push(0.5 * x[0] + 0.3 * x[1] + 0.1 * x[2] + 0.8 * e);
    }
    out
}

#[test]
fn bootstrap_intervals_are_reproducible_and_cover_the_population_weights() {
    // Population correlations of (x, y): Σx b and var(y) = bᵀΣx b + 0.64, by hand.
    let sx = [[1.0, 0.3, 0.2], [0.3, 1.0, 0.4], [0.2, 0.4, 1.0]];
    let b = [0.5, 0.3, 0.1];
    let sxy: Vec<f64> = (0..3)
        .map(|i| (0..3).map(|k| sx[i][k] * b[k]).sum())
        .collect();
    let var_y = (0..3).map(|i| b[i] * sxy[i]).sum::<f64>() + 0.64;
    let mut corr: Vec<Vec<f64>> = sx.iter().map(|r| r.to_vec()).collect();
    for (i, row) in corr.iter_mut().enumerate() {
        row.push(sxy[i] / var_y.sqrt());
    }
    corr.push(sxy.iter().map(|c| c / var_y.sqrt()).chain([1.0]).collect());
    let truth = relative_weights(&corr).unwrap().shares();

    let rows = simulated(200, 7);
    let a = bootstrap_relative_weights(rows.clone(), 4, 200, 42, 0.95, usize::MAX).unwrap();
    assert_eq!(
        a,
        bootstrap_relative_weights(rows.clone(), 4, 200, 42, 0.95, usize::MAX).unwrap()
    );
    assert_ne!(
        a,
        bootstrap_relative_weights(rows.clone(), 4, 200, 43, 0.95, usize::MAX).unwrap()
    );
    assert_eq!((a.resamples, a.skipped, a.rows_per_resample), (200, 0, 200));

    // Coverage over 100 simulated surveys: a 95% interval should miss about 5 times
    // (binomial sd 2.2); far more misses would mean a biased interval.
    let mut covered = [0; 3];
    for sim in 0..100 {
        let rows = simulated(200, 1_000 + sim);
        let ci = bootstrap_relative_weights(rows.clone(), 4, 200, sim, 0.95, usize::MAX).unwrap();
        for (j, i) in ci.intervals.iter().enumerate() {
            covered[j] += usize::from(i.lower <= truth[j] && truth[j] <= i.upper);
        }
    }
    for (j, c) in covered.iter().enumerate() {
        assert!((86..=100).contains(c), "predictor {j}: covered {c} of 100");
    }
}

#[test]
fn tests_against_a_published_baseline_match_scipy_and_statsmodels() {
    // scipy.stats.ttest_1samp(x, 3.56), x in reference.py section 10
    let x = [4., 3., 5., 4., 4., 2., 3., 4., 5., 3., 4., 4., 3., 5., 4.];
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = one_sample_t(mean, sd, 15, 3.56).unwrap();
    tol::close(t.statistic, 1.0784604411274994, tol::EXACT, "t");
    assert_eq!(t.df, Some(14.0));
    tol::close(t.p_value, 0.29905974181449374, tol::QUANTILE, "t p");
    // proportions_ztest(2990, 3690, value=0.81, prop_var=0.81), statsmodels 0.14.4
    let z = proportion_score_test(2990, 3690, 0.81).unwrap();
    tol::close(z.statistic, 0.04615940394612437, tol::EXACT, "z");
    tol::close(z.p_value, 0.963183198921379, tol::QUANTILE, "z p");
    assert!(one_sample_t(3.0, 0.0, 10, 3.0).is_err());
    assert!(proportion_score_test(5, 10, 1.0).is_err());
}

fn sample(x: &[f64]) -> Sample {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    Sample {
        n: x.len() as u64,
        mean,
        sd,
    }
}

#[test]
fn two_wave_tests_match_scipy_pingouin_and_statsmodels() {
    let a = sample(&[3., 4., 2., 5., 3., 3., 4., 2., 3., 4., 3., 2.]);
    let b = sample(&[4., 4., 3., 5., 4., 3., 5., 4., 3., 4., 5., 4., 3., 4.]);
    // scipy.stats.ttest_ind(b, a, equal_var=False) and .confidence_interval(0.95)
    let w = welch_t(a, b, 0.95).unwrap();
    tol::close(w.t, 2.283759569604988, tol::EXACT, "welch t");
    tol::close(w.df, 20.68030408178862, tol::EXACT, "welch df");
    tol::close(w.p_value, 0.03307151051108328, tol::QUANTILE, "welch p");
    tol::close(
        w.ci.lower,
        0.06745317116098304,
        tol::QUANTILE,
        "welch ci lower",
    );
    tol::close(
        w.ci.upper,
        1.4563563526485406,
        tol::QUANTILE,
        "welch ci upper",
    );
    // pingouin.compute_effsize(b, a, eftype="cohen" / "hedges")
    let (d, g) = cohen_d_hedges_g(a, b).unwrap();
    tol::close(d, 0.9162512179105723, tol::EXACT, "cohen d");
    tol::close(g, 0.8873169689239226, tol::EXACT, "hedges g");
    // statsmodels proportions_ztest([2990, 2901], [3690, 3724]): B first, so B − A.
    let z = two_proportion_z(2901, 3724, 2990, 3690).unwrap();
    tol::close(z.statistic, 3.3350546700426005, tol::EXACT, "z");
    tol::close(z.p_value, 0.0008528263095838286, tol::QUANTILE, "z p");
    // multipletests(p, method="fdr_bh")
    let adjusted = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.2, 0.001, 0.04]);
    let expected = [0.03, 0.048, 0.048, 0.2, 0.006, 0.048];
    for (got, want) in adjusted.iter().zip(expected) {
        tol::close(*got, want, tol::EXACT, "bh");
    }
}

#[test]
fn chi_square_independence_matches_scipy() {
    // scipy.stats.chi2_contingency([[12, 30], [25, 41], [8, 33]], correction=False); the
    // empty fourth row is dropped as engage does.
    let t = vec![vec![12, 30], vec![25, 41], vec![8, 33], vec![0, 0]];
    let c = chi_square_independence(&t).unwrap();
    tol::close(c.statistic, 4.120657312425605, tol::EXACT, "chi2");
    assert_eq!(c.df, 2.0);
    tol::close(c.p_value, 0.12741208823847872, tol::QUANTILE, "p");
    tol::close(
        c.min_expected,
        12.38255033557047,
        tol::EXACT,
        "min expected",
    );
    assert!(chi_square_independence(&[vec![1, 2]]).is_err());
}

#[test]
fn m_out_of_n_bootstrap_matches_the_full_bootstrap_on_a_large_sample() {
    // 20,000 respondents: the full bootstrap against m = 4,000 rows per resample, rescaled by
    // sqrt(m/n). Both estimate the same sampling spread; widths agree within 15% and the
    // centres within a fifth of a width (Monte Carlo error of 300 resamples included).
    let rows = simulated(20_000, 11);
    let full = bootstrap_relative_weights(rows.clone(), 4, 300, 5, 0.95, usize::MAX).unwrap();
    let sub = bootstrap_relative_weights(rows.clone(), 4, 300, 5, 0.95, 4_000).unwrap();
    assert_eq!(
        (full.rows_per_resample, sub.rows_per_resample),
        (20_000, 4_000)
    );
    for (f, s) in full.intervals.iter().zip(&sub.intervals) {
        let (wf, ws) = (f.upper - f.lower, s.upper - s.lower);
        assert!((ws / wf - 1.0).abs() < 0.15, "widths {wf} vs {ws}");
        let (cf, cs) = ((f.upper + f.lower) / 2.0, (s.upper + s.lower) / 2.0);
        assert!((cf - cs).abs() < 0.2 * wf, "centres {cf} vs {cs}");
    }
}

// reference.py section 20: the same 12 staff before and after a programme.
const BEFORE: [f64; 12] = [3., 2., 4., 3., 3., 2., 4., 5., 3., 2., 3., 4.];
const AFTER: [f64; 12] = [4., 3., 4., 4., 2., 3., 5., 5., 4., 3., 4., 5.];

fn differences() -> Vec<f64> {
    AFTER.iter().zip(BEFORE).map(|(a, b)| a - b).collect()
}

#[test]
fn paired_t_matches_scipy_ttest_rel() {
    // scipy.stats.ttest_rel(after, before) and .confidence_interval(0.95); d_z by hand
    let t = paired_t(&differences(), 0.95).unwrap();
    tol::close(t.t, 3.5456210417116742, tol::EXACT, "t");
    assert_eq!(t.df, 11.0);
    tol::close(t.p_value, 0.004587202646462875, tol::QUANTILE, "p");
    tol::close(t.ci.lower, 0.2528256433894192, tol::QUANTILE, "ci lower");
    tol::close(t.ci.upper, 1.080507689943914, tol::QUANTILE, "ci upper");
    tol::close(t.d_z, 1.0235326314383182, tol::EXACT, "d_z");
    assert!(paired_t(&[1.0, 1.0, 1.0], 0.95).is_err(), "no variance");
}

#[test]
fn wilcoxon_matches_scipy_both_ways_and_pingouin_rbc() {
    // scipy.stats.wilcoxon(after, before, zero_method="wilcox", correction=False,
    // method="approx"): ties and zeros, so the normal approximation.
    let w = wilcoxon_signed_rank(&differences()).unwrap();
    assert_eq!(w.method, WilcoxonMethod::Normal);
    assert_eq!((w.n_ranked, w.zeros_dropped), (10, 2));
    tol::close(w.statistic, 5.5, tol::EXACT, "W");
    tol::close(w.p_value, 0.011412036386001651, tol::QUANTILE, "p approx");
    // pingouin.wilcoxon(after, before)["RBC"]
    tol::close(w.rank_biserial, 0.8, tol::EXACT, "rank-biserial");
    // scipy.stats.wilcoxon(d2, method="exact"): distinct non-zero differences.
    let d2 = [0.5, -1.25, 2.0, 3.5, -0.25, 1.5, 4.0, 2.75, -3.0, 1.0];
    let e = wilcoxon_signed_rank(&d2).unwrap();
    assert_eq!(e.method, WilcoxonMethod::Exact);
    tol::close(e.statistic, 13.0, tol::EXACT, "W exact");
    tol::close(e.p_value, 0.16015625, tol::EXACT, "p exact");
    assert!(wilcoxon_signed_rank(&[0.0, 0.0]).is_err(), "only zeros");
}

#[test]
fn wave_trend_equals_statsmodels_ols_on_the_respondents() {
    // reference.py section 21: statsmodels OLS(value ~ year) on the 21 respondents' values,
    // from each wave's n, mean and SD alone.
    let waves = [
        (2021, [3., 4., 2., 5., 3., 3., 4.].as_slice()),
        (2022, [4., 3., 3., 4., 5., 2.].as_slice()),
        (2023, [4., 5., 3., 4., 4., 5., 3., 4.].as_slice()),
    ];
    let at: Vec<MeanAt> = waves
        .iter()
        .map(|(year, x)| MeanAt {
            year: *year,
            sample: sample(x),
        })
        .collect();
    let t = linear_trend(&at, 2027, 0.95).unwrap();
    tol::close(t.slope, 0.2898089171974598, 1e-10, "slope");
    tol::close(t.se, 0.2329061786531243, 1e-10, "se");
    tol::close(t.t, 1.244316139972752, 1e-10, "t");
    assert_eq!(t.df, 19.0);
    tol::close(t.p_value, 0.228515117482266, tol::QUANTILE, "p");
    tol::close(t.ci.lower, -0.19766931714383762, tol::QUANTILE, "ci lower");
    tol::close(t.ci.upper, 0.7772871515387573, tol::QUANTILE, "ci upper");
    // fit.get_prediction([1, 2027]).summary_frame(alpha=0.05)
    tol::close(t.projected, 5.101910828025793, 1e-10, "projection");
    tol::close(
        t.projected_ci.lower,
        2.6529405359784137,
        tol::QUANTILE,
        "projection lower",
    );
    tol::close(
        t.projected_ci.upper,
        7.550881120073172,
        tol::QUANTILE,
        "projection upper",
    );
    assert!(
        linear_trend(&at[..1], 2027, 0.95).is_err(),
        "one year is no trend"
    );
}

#[test]
fn share_trend_is_cochran_armitage() {
    // reference.py section 22: the formula of R's prop.trend.test written out, and statsmodels'
    // Table.test_ordinal_association z · √(N/(N−1)) = 3.8363559604536106, the same statistic.
    let at = [
        ShareAt {
            year: 2021,
            count: 2890,
            n: 3650,
        },
        ShareAt {
            year: 2022,
            count: 2950,
            n: 3700,
        },
        ShareAt {
            year: 2023,
            count: 3080,
            n: 3724,
        },
    ];
    let t = share_trend(&at, 2027).unwrap();
    tol::close(t.z, 3.836355960453159, 1e-10, "z");
    tol::close(t.p_value, 0.00012487337897403782, 1e-9, "p");
    tol::close(t.slope, 0.017684087285260285, 1e-10, "slope");
}

#[test]
fn raking_matches_ipfn_and_weighted_figures_use_kish_n() {
    // reference.py section 23: ipfn 1.4.4 (run to machine precision) on the 3 × 2 table of the 12 respondents' cells.
    let bureau = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0, 1, 2].map(Some);
    let age = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1].map(Some);
    let score = [3., 4., 2., 5., 3., 4., 4., 3., 2., 5., 4., 3.];
    let margins = |bureau, age| {
        [
            Margin {
                categories: bureau,
                targets: &[40.0, 25.0, 35.0],
            },
            Margin {
                categories: age,
                targets: &[45.0, 55.0],
            },
        ]
    };
    let raked = rake(&margins(&bureau, &age), &[1; 12], 100, 1e-12).unwrap();
    assert!(raked.converged);
    let expected = [
        11.565821095615467,
        9.478059634794842,
        9.478059634794842,
        8.866855910949175,
        7.266288178101658,
        7.850233541243094,
        7.850233541243094,
        6.433177639171272,
        6.433177639171272,
        9.478059634794842,
        8.866855910949175,
        6.433177639171272,
    ];
    let weights: Vec<f64> = raked.weights.iter().map(|w| w.unwrap()).collect();
    for (r, (w, e)) in weights.iter().zip(expected).enumerate() {
        tol::close(*w, e, 1e-9, &format!("weight of row {r}"));
    }
    let rows: Vec<WeightedGroup> = score
        .iter()
        .zip(&weights)
        .map(|(&x, &w)| WeightedGroup::one(w, x))
        .collect();
    tol::close(kish_effective_n(&rows), 11.618181083509285, 1e-9, "n_eff");
    let m = weighted_mean(&rows, 0.95).unwrap();
    tol::close(m.mean, 3.5482397644575214, 1e-9, "weighted mean");
    tol::close(m.sd, 1.0102697284454503, 1e-9, "weighted sd");
    tol::close(m.se, 0.29639322309047295, 1e-9, "se");
    tol::close(m.ci.lower, 2.893009196753972, 1e-9, "ci lower");
    tol::close(m.ci.upper, 4.2034703321610705, 1e-9, "ci upper");
    // statsmodels proportion_confint(p·n_eff, n_eff, method="wilson")
    let hits: Vec<WeightedGroup> = score
        .iter()
        .zip(&weights)
        .map(|(&x, &w)| WeightedGroup::one(w, f64::from(u8::from(x >= 4.0))))
        .collect();
    let s = weighted_share(&hits, 0.95).unwrap();
    tol::close(s.share, 0.5239029817397421, 1e-9, "weighted share");
    tol::close(s.ci.lower, 0.26893724346975023, 1e-9, "wilson lower");
    tol::close(s.ci.upper, 0.7669897473280926, 1e-9, "wilson upper");

    // The same respondents as the six cells of bureau × age, worked by hand from the rows
    // above: (0,0) {3}; (0,1) {4, 2, 5}; (1,0) {5, 4}; (1,1) {3}; (2,0) {4, 4}; (2,1) {3, 2, 3}.
    // Raking the cells with their respondent counts gives each cell its rows' ipfn weight,
    // and the figures from each cell's n, sum and squares about its mean are the same.
    let cell_bureau = [0, 0, 1, 1, 2, 2].map(Some);
    let cell_age = [0, 1, 0, 1, 0, 1].map(Some);
    let counts = [1, 3, 2, 1, 2, 3];
    let cells = rake(&margins(&cell_bureau, &cell_age), &counts, 100, 1e-12).unwrap();
    let cell_weights: Vec<f64> = cells.weights.iter().map(|w| w.unwrap()).collect();
    for (c, (w, row)) in cell_weights.iter().zip([0, 1, 3, 4, 5, 7]).enumerate() {
        tol::close(*w, expected[row], 1e-9, &format!("weight of cell {c}"));
    }
    let sums = [3.0, 11.0, 9.0, 3.0, 8.0, 8.0];
    let squares = [0.0, 14.0 / 3.0, 0.5, 0.0, 0.0, 2.0 / 3.0];
    let hit_counts = [0.0, 2.0, 2.0, 0.0, 2.0, 0.0];
    let group = |c: usize, sum: f64, squares_about_mean: f64| WeightedGroup {
        weight: cell_weights[c],
        n: counts[c],
        sum,
        squares_about_mean,
    };
    let by_cell: Vec<WeightedGroup> = (0..6).map(|c| group(c, sums[c], squares[c])).collect();
    tol::close(
        kish_effective_n(&by_cell),
        11.618181083509285,
        1e-9,
        "cells: n_eff",
    );
    let m = weighted_mean(&by_cell, 0.95).unwrap();
    tol::close(m.mean, 3.5482397644575214, 1e-9, "cells: weighted mean");
    tol::close(m.sd, 1.0102697284454503, 1e-9, "cells: weighted sd");
    tol::close(m.ci.lower, 2.893009196753972, 1e-9, "cells: ci lower");
    let hit_cells: Vec<WeightedGroup> = (0..6).map(|c| group(c, hit_counts[c], 0.0)).collect();
    let s = weighted_share(&hit_cells, 0.95).unwrap();
    tol::close(s.share, 0.5239029817397421, 1e-9, "cells: weighted share");
    tol::close(s.ci.upper, 0.7669897473280926, 1e-9, "cells: wilson upper");

    // Equal weights give the unweighted figures (t interval with n − 1 df).
    let equal: Vec<WeightedGroup> = score.iter().map(|&x| WeightedGroup::one(2.0, x)).collect();
    let plain = weighted_mean(&equal, 0.95).unwrap();
    let unweighted = sample(&score);
    tol::close(
        plain.mean,
        unweighted.mean,
        tol::EXACT,
        "equal weights mean",
    );
    tol::close(plain.sd, unweighted.sd, tol::EXACT, "equal weights sd");
}

#[test]
fn raking_refuses_a_category_without_respondents_and_leaves_incomplete_rows_out() {
    let cats = [Some(0), Some(0), None];
    let r = rake(
        &[Margin {
            categories: &cats,
            targets: &[10.0, 5.0],
        }],
        &[1; 3],
        10,
        1e-9,
    );
    assert!(matches!(
        r,
        Err(StatsError::EmptyCategory {
            margin: 0,
            category: 1
        })
    ));
    let ok = rake(
        &[Margin {
            categories: &cats,
            targets: &[10.0],
        }],
        &[1; 3],
        10,
        1e-9,
    )
    .unwrap();
    assert_eq!(ok.weights, vec![Some(5.0), Some(5.0), None]);
    // Units stand for their respondents: 10 / (3 + 1); a unit of none takes no part.
    let units = rake(
        &[Margin {
            categories: &[Some(0), Some(0), Some(0)],
            targets: &[10.0],
        }],
        &[3, 1, 0],
        10,
        1e-9,
    )
    .unwrap();
    assert_eq!(units.weights, vec![Some(2.5), Some(2.5), None]);
    assert!(matches!(
        rake(
            &[Margin {
                categories: &cats,
                targets: &[10.0],
            }],
            &[1; 2],
            10,
            1e-9
        ),
        Err(StatsError::MarginLength { .. })
    ));
}

#[test]
fn finite_population_correction_by_hand() {
    // √((6400 − 3690)/(6400 − 1)), reference.py section 23
    tol::close(
        finite_population_correction(3690, 6400).unwrap(),
        0.6507715977582459,
        tol::EXACT,
        "fpc",
    );
    assert_eq!(finite_population_correction(50, 50).unwrap(), 0.0);
    assert!(finite_population_correction(51, 50).is_err());
}

#[test]
fn mcnemar_matches_statsmodels() {
    // statsmodels mcnemar([[120, 14], [31, 35]], exact=False, correction=False): the
    // discordant cells are 14 (yes then no) and 31 (no then yes); reference.py section 24.
    let t = mcnemar(14, 31).unwrap();
    tol::close(t.statistic, 6.4222222222222225, tol::EXACT, "chi2");
    tol::close(t.p_value, 0.011270104849283227, tol::QUANTILE, "p");
    assert!(mcnemar(0, 0).is_err());
}

#[test]
fn keyness_matches_scipy_log_likelihood() {
    // reference.py section 25: scipy 1.14.1 chi2_contingency(table, correction=False,
    // lambda_="log-likelihood"); Hardie's log ratio by hand.
    let k = log_likelihood_keyness(40, 2000, 60, 18000).unwrap();
    assert!((k.g2 - 62.75251040233446).abs() < 1e-10, "{k:?}");
    assert!((k.p_value - 2.343826520208417e-15).abs() < 1e-24, "{k:?}");
    assert!((k.log_ratio.unwrap() - 2.584962500721156).abs() < 1e-12);
    assert!(k.over);
    // A term only the group uses: finite G², no log ratio.
    let k = log_likelihood_keyness(3, 500, 0, 9500).unwrap();
    assert!((k.g2 - 17.991529659699474).abs() < 1e-10, "{k:?}");
    assert!((k.p_value - 2.2189010431209943e-05).abs() < 1e-15);
    assert_eq!(k.log_ratio, None);
    // Under-use: log ratio −2 exactly (0.005 against 0.02).
    let k = log_likelihood_keyness(5, 1000, 200, 10000).unwrap();
    assert!((k.g2 - 15.297825968527448).abs() < 1e-10, "{k:?}");
    assert!((k.p_value - 9.182212707511553e-05).abs() < 1e-15);
    assert_eq!(k.log_ratio, Some(-2.0));
    assert!(!k.over);
    assert!(log_likelihood_keyness(0, 100, 0, 100).is_err());
    assert!(log_likelihood_keyness(5, 4, 0, 100).is_err());
}

/// Critical values of t at large degrees of freedom, where inverting the incomplete beta took
/// minutes: `scipy.stats.t.ppf(1 - (1 - level) / 2, df)`, SciPy 1.14.1 (reference.py section
/// 26), to 1e-12 relative, at 10^3 (still inverted) up to 10^9 degrees of freedom.
#[test]
fn t_critical_values_at_large_degrees_of_freedom() {
    let expected: [(f64, [f64; 6]); 4] = [
        (
            0.9,
            [
                1.6463788172854639,
                1.6450060180692423,
                1.6448688647849692,
                1.64485515072204,
                1.6448537793284013,
                1.6448536284752413,
            ],
        ),
        (
            0.95,
            [
                1.9623390808264074,
                1.960201239890626,
                1.9599877075346093,
                1.9599663568141066,
                1.959964221767205,
                1.959963986912325,
            ],
        ),
        (
            0.99,
            [
                2.580754698065942,
                2.576321046668529,
                2.5758784699083748,
                2.575834220105334,
                2.5758297952037488,
                2.575829308465448,
            ],
        ),
        (
            0.999,
            [
                3.300282648423858,
                3.2914999659416355,
                3.2906240314119133,
                3.290536461248722,
                3.290527704465253,
                3.2905267412216563,
            ],
        ),
    ];
    for (level, values) in expected {
        for (df, t) in [1e3, 1e4, 1e5, 1e6, 1e7, 1e9].into_iter().zip(values) {
            tol::close(
                t_critical(level, df).unwrap(),
                t,
                tol::EXACT,
                &format!("t {level} {df}"),
            );
        }
    }
}

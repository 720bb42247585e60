//! Hypothesis tests on aggregated figures.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::StatsError;

/// A test statistic with its degrees of freedom (t tests) and two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestResult {
    pub statistic: f64,
    pub df: Option<f64>,
    pub p_value: f64,
}

/// One-sample t test of a mean against `mu0`, two-sided: `scipy.stats.ttest_1samp`.
pub fn one_sample_t(mean: f64, sd: f64, n: u64, mu0: f64) -> Result<TestResult, StatsError> {
    if n < 2 {
        return Err(StatsError::TooFew { needed: 2, got: n });
    }
    if sd <= 0.0 {
        return Err(StatsError::NoVariance);
    }
    let df = (n - 1) as f64;
    let t = (mean - mu0) / (sd / (n as f64).sqrt());
    let dist = StudentsT::new(0.0, 1.0, df).expect("df > 0");
    Ok(TestResult {
        statistic: t,
        df: Some(df),
        p_value: 2.0 * dist.sf(t.abs()),
    })
}

/// Score test of a proportion `count / n` against `p0` (standard error under the null),
/// two-sided: `statsmodels.stats.proportion.proportions_ztest(count, n, p0, prop_var=p0)`.
pub fn proportion_score_test(count: u64, n: u64, p0: f64) -> Result<TestResult, StatsError> {
    if n == 0 {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    if !(p0 > 0.0 && p0 < 1.0) {
        return Err(StatsError::NoVariance);
    }
    let z = (count as f64 / n as f64 - p0) / (p0 * (1.0 - p0) / n as f64).sqrt();
    let normal = Normal::new(0.0, 1.0).expect("standard normal");
    Ok(TestResult {
        statistic: z,
        df: None,
        p_value: 2.0 * normal.sf(z.abs()),
    })
}

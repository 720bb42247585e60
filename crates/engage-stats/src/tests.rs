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

/// Summary of one sample: what two-wave comparisons need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub n: u64,
    pub mean: f64,
    pub sd: f64,
}

/// Welch's t test of B − A with the Welch–Satterthwaite df and the interval of the
/// difference: `scipy.stats.ttest_ind(b, a, equal_var=False)` and its `confidence_interval`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WelchResult {
    pub difference: f64,
    pub t: f64,
    pub df: f64,
    pub p_value: f64,
    pub ci: crate::Interval,
}

pub fn welch_t(a: Sample, b: Sample, level: f64) -> Result<WelchResult, StatsError> {
    if a.n < 2 || b.n < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: a.n.min(b.n),
        });
    }
    let (va, vb) = (a.sd * a.sd / a.n as f64, b.sd * b.sd / b.n as f64);
    let se = (va + vb).sqrt();
    if se <= 0.0 {
        return Err(StatsError::NoVariance);
    }
    let df = (va + vb).powi(2) / (va * va / (a.n - 1) as f64 + vb * vb / (b.n - 1) as f64);
    let difference = b.mean - a.mean;
    let t = difference / se;
    let dist = StudentsT::new(0.0, 1.0, df).expect("df > 0");
    let half = crate::t_critical(level, df)? * se;
    Ok(WelchResult {
        difference,
        t,
        df,
        p_value: 2.0 * dist.sf(t.abs()),
        ci: crate::Interval {
            lower: difference - half,
            upper: difference + half,
        },
    })
}

/// Cohen's d of B − A with the pooled SD, and Hedges' g = d · (1 − 3 / (4(n_a + n_b) − 9)),
/// the small-sample correction `pingouin.compute_effsize` applies.
pub fn cohen_d_hedges_g(a: Sample, b: Sample) -> Result<(f64, f64), StatsError> {
    if a.n + b.n < 3 {
        return Err(StatsError::TooFew {
            needed: 3,
            got: a.n + b.n,
        });
    }
    let pooled = (((a.n - 1) as f64 * a.sd * a.sd + (b.n - 1) as f64 * b.sd * b.sd)
        / (a.n + b.n - 2) as f64)
        .sqrt();
    if pooled <= 0.0 {
        return Err(StatsError::NoVariance);
    }
    let d = (b.mean - a.mean) / pooled;
    let g = d * (1.0 - 3.0 / (4.0 * (a.n + b.n) as f64 - 9.0));
    Ok((d, g))
}

/// Two-proportion z test of B − A with the pooled proportion under the null:
/// `statsmodels proportions_ztest([count_b, count_a], [n_b, n_a])`.
pub fn two_proportion_z(
    count_a: u64,
    n_a: u64,
    count_b: u64,
    n_b: u64,
) -> Result<TestResult, StatsError> {
    if n_a == 0 || n_b == 0 {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    let (pa, pb) = (count_a as f64 / n_a as f64, count_b as f64 / n_b as f64);
    let pooled = (count_a + count_b) as f64 / (n_a + n_b) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n_a as f64 + 1.0 / n_b as f64)).sqrt();
    if se <= 0.0 {
        return Err(StatsError::NoVariance);
    }
    let z = (pb - pa) / se;
    let normal = Normal::new(0.0, 1.0).expect("standard normal");
    Ok(TestResult {
        statistic: z,
        df: None,
        p_value: 2.0 * normal.sf(z.abs()),
    })
}

/// Benjamini–Hochberg adjusted p-values, in the input order:
/// `statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]`.
/// [`benjamini_hochberg`] over the p-values that exist; rows without a test stay without one
/// and do not count in the family.
pub fn benjamini_hochberg_present(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let present: Vec<f64> = p.iter().flatten().copied().collect();
    let mut adjusted = benjamini_hochberg(&present).into_iter();
    p.iter().map(|x| x.and_then(|_| adjusted.next())).collect()
}

pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        adjusted[i] = running;
    }
    adjusted
}

/// Pearson's chi-square test of independence of an r × c table of counts, without Yates'
/// correction: `scipy.stats.chi2_contingency(table, correction=False)`. Rows or columns that
/// are all zero are dropped first (they carry no information and would divide by zero).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquare {
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
    /// Smallest expected count: the usual approximation wants at least 5 in every cell.
    pub min_expected: f64,
}

pub fn chi_square_independence(table: &[Vec<u64>]) -> Result<ChiSquare, StatsError> {
    let cols = table.first().map_or(0, Vec::len);
    let rows: Vec<&Vec<u64>> = table.iter().filter(|r| r.iter().any(|&x| x > 0)).collect();
    let keep: Vec<usize> = (0..cols)
        .filter(|&j| rows.iter().any(|r| r[j] > 0))
        .collect();
    if rows.len() < 2 || keep.len() < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: rows.len().min(keep.len()) as u64,
        });
    }
    let row_sums: Vec<f64> = rows
        .iter()
        .map(|r| keep.iter().map(|&j| r[j] as f64).sum())
        .collect();
    let col_sums: Vec<f64> = keep
        .iter()
        .map(|&j| rows.iter().map(|r| r[j] as f64).sum())
        .collect();
    let total: f64 = row_sums.iter().sum();
    let (mut statistic, mut min_expected) = (0.0, f64::INFINITY);
    for (r, row) in rows.iter().enumerate() {
        for (c, &j) in keep.iter().enumerate() {
            let expected = row_sums[r] * col_sums[c] / total;
            min_expected = min_expected.min(expected);
            statistic += (row[j] as f64 - expected).powi(2) / expected;
        }
    }
    let df = ((rows.len() - 1) * (keep.len() - 1)) as f64;
    let dist = statrs::distribution::ChiSquared::new(df).expect("df > 0");
    Ok(ChiSquare {
        statistic,
        df,
        p_value: dist.sf(statistic),
        min_expected,
    })
}

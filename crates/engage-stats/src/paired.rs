//! Tests of change within the same people: the paired t test with d_z and the Wilcoxon
//! signed-rank test, both on the per-person differences (after − before).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::{Interval, StatsError};

/// Paired t test of the mean difference against 0, two-sided:
/// `scipy.stats.ttest_rel(after, before)` with its `confidence_interval`, and Cohen's d_z =
/// mean difference / SD of the differences (`pingouin.ttest(after, before, paired=True)` reports
/// a different d, on the average SD of the two waves; d_z is the one that matches the test).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedT {
    pub n: u64,
    pub mean_difference: f64,
    pub sd_difference: f64,
    pub t: f64,
    pub df: f64,
    pub p_value: f64,
    pub ci: Interval,
    pub d_z: f64,
}

pub fn paired_t(differences: &[f64], level: f64) -> Result<PairedT, StatsError> {
    let n = differences.len();
    if n < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: n as u64,
        });
    }
    let mean = differences.iter().sum::<f64>() / n as f64;
    let ss: f64 = differences.iter().map(|d| (d - mean).powi(2)).sum();
    let sd = (ss / (n - 1) as f64).sqrt();
    if sd <= 0.0 {
        return Err(StatsError::NoVariance);
    }
    let se = sd / (n as f64).sqrt();
    let df = (n - 1) as f64;
    let t = mean / se;
    let dist = StudentsT::new(0.0, 1.0, df).expect("df > 0");
    let half = crate::t_critical(level, df)? * se;
    Ok(PairedT {
        n: n as u64,
        mean_difference: mean,
        sd_difference: sd,
        t,
        df,
        p_value: 2.0 * dist.sf(t.abs()),
        ci: Interval {
            lower: mean - half,
            upper: mean + half,
        },
        d_z: mean / sd,
    })
}

/// How the Wilcoxon p-value was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WilcoxonMethod {
    /// The exact null distribution of W+ (no ties, at most [`WILCOXON_EXACT_MAX`] pairs).
    Exact,
    /// Normal approximation with the tie correction of the variance, no continuity correction.
    Normal,
}

/// Largest number of non-zero differences for the exact distribution (SciPy's limit too).
pub const WILCOXON_EXACT_MAX: usize = 50;

/// Wilcoxon signed-rank test, two-sided, zero differences dropped (`zero_method="wilcox"`):
/// `scipy.stats.wilcoxon(after, before, method=...)` with the method named in `method`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wilcoxon {
    /// Pairs with a non-zero difference, the ones ranked.
    pub n_ranked: u64,
    pub zeros_dropped: u64,
    /// Sum of the ranks of positive and negative differences (mid-ranks for ties).
    pub w_plus: f64,
    pub w_minus: f64,
    /// min(W+, W−), SciPy's `statistic`.
    pub statistic: f64,
    /// Standardised W+ (normal method only).
    pub z: Option<f64>,
    pub p_value: f64,
    pub method: WilcoxonMethod,
    /// Matched-pairs rank-biserial correlation (W+ − W−) / (W+ + W−), as pingouin's `RBC`.
    pub rank_biserial: f64,
}

pub fn wilcoxon_signed_rank(differences: &[f64]) -> Result<Wilcoxon, StatsError> {
    let nonzero: Vec<f64> = differences.iter().copied().filter(|d| *d != 0.0).collect();
    let zeros = (differences.len() - nonzero.len()) as u64;
    let n = nonzero.len();
    if n == 0 {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    // Mid-ranks of |d|, and the tie groups for the variance correction.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| nonzero[i].abs().total_cmp(&nonzero[j].abs()));
    let mut ranks = vec![0.0; n];
    let mut tie_term = 0.0;
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && nonzero[order[end]].abs() == nonzero[order[start]].abs() {
            end += 1;
        }
        let mid = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mid;
        }
        let t = (end - start) as f64;
        tie_term += t * t * t - t;
        start = end;
    }
    let w_plus: f64 = (0..n).filter(|&i| nonzero[i] > 0.0).map(|i| ranks[i]).sum();
    let total = (n * (n + 1)) as f64 / 2.0;
    let w_minus = total - w_plus;
    let nf = n as f64;
    let (z, p_value, method) = if tie_term == 0.0 && n <= WILCOXON_EXACT_MAX {
        (
            None,
            exact_two_sided(n, w_plus.round() as usize),
            WilcoxonMethod::Exact,
        )
    } else {
        let mean = nf * (nf + 1.0) / 4.0;
        let var = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_term / 48.0;
        if var <= 0.0 {
            return Err(StatsError::NoVariance);
        }
        let z = (w_plus - mean) / var.sqrt();
        let normal = Normal::new(0.0, 1.0).expect("standard normal");
        (
            Some(z),
            (2.0 * normal.sf(z.abs())).min(1.0),
            WilcoxonMethod::Normal,
        )
    };
    Ok(Wilcoxon {
        n_ranked: n as u64,
        zeros_dropped: zeros,
        w_plus,
        w_minus,
        statistic: w_plus.min(w_minus),
        z,
        p_value,
        method,
        rank_biserial: (w_plus - w_minus) / total,
    })
}

/// Two-sided exact p of W+ = `w` with ranks 1..=n: 2 · min(P(W+ ≤ w), P(W+ ≥ w)), capped at 1.
fn exact_two_sided(n: usize, w: usize) -> f64 {
    let max = n * (n + 1) / 2;
    // ways[s] = number of subsets of {1..n} with sum s.
    let mut ways = vec![0f64; max + 1];
    ways[0] = 1.0;
    for rank in 1..=n {
        for s in (rank..=max).rev() {
            ways[s] += ways[s - rank];
        }
    }
    let all = 2f64.powi(n as i32);
    let lower: f64 = ways[..=w].iter().sum::<f64>() / all;
    let upper: f64 = ways[w..].iter().sum::<f64>() / all;
    (2.0 * lower.min(upper)).min(1.0)
}

/// McNemar's test of a paired yes/no figure (a share KPI asked of the same people twice):
/// χ² = (b − c)² / (b + c) on the discordant pairs, 1 df, without continuity correction, as
/// `statsmodels.stats.contingency_tables.mcnemar(table, exact=False, correction=False)`.
/// `b` = yes before, no after; `c` = no before, yes after.
pub fn mcnemar(b: u64, c: u64) -> Result<crate::TestResult, StatsError> {
    if b + c == 0 {
        return Err(StatsError::NoVariance);
    }
    let chi2 = (b as f64 - c as f64).powi(2) / (b + c) as f64;
    let dist = statrs::distribution::ChiSquared::new(1.0).expect("1 df");
    Ok(crate::TestResult {
        statistic: chi2,
        df: Some(1.0),
        p_value: dist.sf(chi2),
    })
}

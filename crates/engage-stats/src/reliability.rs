//! Internal consistency of a set of items.

use statrs::distribution::{ContinuousCDF, FisherSnedecor};

use crate::{Interval, StatsError};

/// Cronbach's alpha from the k×k item covariance matrix:
/// α = k/(k−1) · (1 − Σ var_i / Σ all covariances).
pub fn cronbach_alpha_from_covariance(cov: &[Vec<f64>]) -> Result<f64, StatsError> {
    let k = cov.len();
    if k < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: k as u64,
        });
    }
    let total: f64 = cov.iter().map(|row| row.iter().sum::<f64>()).sum();
    if total <= 0.0 {
        return Err(StatsError::NoVariance);
    }
    let diag: f64 = (0..k).map(|i| cov[i][i]).sum();
    let k = k as f64;
    Ok(k / (k - 1.0) * (1.0 - diag / total))
}

/// Cronbach's alpha over rows with every item present (listwise deletion), as
/// `pingouin.cronbach_alpha(df, nan_policy="listwise")`. `rows` holds one `Option` per item.
pub fn cronbach_alpha_listwise(rows: &[Vec<Option<f64>>]) -> Result<f64, StatsError> {
    let complete: Vec<Vec<f64>> = rows
        .iter()
        .filter_map(|r| r.iter().copied().collect::<Option<Vec<f64>>>())
        .collect();
    let n = complete.len();
    if n < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: n as u64,
        });
    }
    let k = complete[0].len();
    let means: Vec<f64> = (0..k)
        .map(|j| complete.iter().map(|r| r[j]).sum::<f64>() / n as f64)
        .collect();
    let mut cov = vec![vec![0.0; k]; k];
    for r in &complete {
        for a in 0..k {
            for b in 0..k {
                cov[a][b] += (r[a] - means[a]) * (r[b] - means[b]);
            }
        }
    }
    for row in cov.iter_mut() {
        for v in row.iter_mut() {
            *v /= (n - 1) as f64;
        }
    }
    cronbach_alpha_from_covariance(&cov)
}

/// Standardised alpha (alpha of the correlation matrix): k·r̄ / (1 + (k−1)·r̄), r̄ the mean
/// inter-item correlation, as SPSS's "Cronbach's Alpha Based on Standardized Items".
pub fn standardized_alpha(cov: &[Vec<f64>]) -> Result<f64, StatsError> {
    let k = cov.len();
    if k < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: k as u64,
        });
    }
    if (0..k).any(|i| cov[i][i] <= 0.0) {
        return Err(StatsError::NoVariance);
    }
    let mut sum = 0.0;
    for i in 0..k {
        for j in (i + 1)..k {
            sum += cov[i][j] / (cov[i][i] * cov[j][j]).sqrt();
        }
    }
    let kf = k as f64;
    let r_bar = sum / (kf * (kf - 1.0) / 2.0);
    Ok(kf * r_bar / (1.0 + (kf - 1.0) * r_bar))
}

/// Feldt's (1965) interval for alpha from `n` complete rows of `k` items:
/// 1 − (1 − α)·F⁻¹(1 − a/2) to 1 − (1 − α)·F⁻¹(a/2), F with (n − 1, (n − 1)(k − 1)) degrees of
/// freedom and a = 1 − level; the interval `pingouin.cronbach_alpha` reports (unrounded).
pub fn feldt_interval(alpha: f64, n: u64, k: usize, level: f64) -> Result<Interval, StatsError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::BadLevel);
    }
    if n < 2 || k < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: n.min(k as u64),
        });
    }
    let df1 = (n - 1) as f64;
    let df2 = df1 * (k - 1) as f64;
    let f = FisherSnedecor::new(df1, df2).expect("positive degrees of freedom");
    let tail = (1.0 - level) / 2.0;
    Ok(Interval {
        lower: 1.0 - (1.0 - alpha) * f.inverse_cdf(1.0 - tail),
        upper: 1.0 - (1.0 - alpha) * f.inverse_cdf(tail),
    })
}

/// Corrected item-total correlation of each item: r(item, sum of the other items). `None`
/// for an item (or a rest) without variance.
pub fn item_rest_correlations(cov: &[Vec<f64>]) -> Vec<Option<f64>> {
    let total: f64 = cov.iter().map(|r| r.iter().sum::<f64>()).sum();
    cov.iter()
        .enumerate()
        .map(|(i, row)| {
            let row_sum: f64 = row.iter().sum();
            let var_i = row[i];
            let cov_rest = row_sum - var_i;
            let var_rest = total - 2.0 * row_sum + var_i;
            (var_i > 0.0 && var_rest > 0.0).then(|| cov_rest / (var_i * var_rest).sqrt())
        })
        .collect()
}

/// Alpha of the remaining items when each item is left out in turn; `None` when fewer than
/// two would remain or they have no variance.
pub fn alpha_if_deleted(cov: &[Vec<f64>]) -> Vec<Option<f64>> {
    (0..cov.len())
        .map(|drop| {
            let rest: Vec<Vec<f64>> = cov
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != drop)
                .map(|(_, row)| {
                    row.iter()
                        .enumerate()
                        .filter(|&(j, _)| j != drop)
                        .map(|(_, &v)| v)
                        .collect()
                })
                .collect();
            cronbach_alpha_from_covariance(&rest).ok()
        })
        .collect()
}

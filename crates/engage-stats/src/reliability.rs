//! Internal consistency of a set of items.

use crate::StatsError;

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

//! Means and spreads from sufficient statistics kept in integers.

use serde::Serialize;

use crate::{intervals::mean_ci, Interval, StatsError};

/// Count, sum and sum of squares of values that are all integers divided by `scale`
/// (scale 1 for raw answers; the LCM of possible answered counts for respondent scores).
/// Kept exact so that any split and merge order gives identical figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moments {
    pub n: u64,
    pub sum: i128,
    pub sum_sq: i128,
    pub scale: i128,
}

impl Moments {
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / (self.n as f64 * self.scale as f64))
    }

    /// Sample variance with n - 1, computed as (n·Σx² − (Σx)²) / (n(n−1)) in exact integers
    /// before the one division, so no cancellation creeps in.
    pub fn variance(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = self.n as i128;
        let numerator = n * self.sum_sq - self.sum * self.sum;
        let scale2 = (self.scale * self.scale) as f64;
        Some(numerator as f64 / ((n * (n - 1)) as f64 * scale2))
    }

    pub fn summary(&self, level: f64) -> Result<MeanSummary, StatsError> {
        let mean = self
            .mean()
            .ok_or(StatsError::TooFew { needed: 1, got: 0 })?;
        let sd = self.variance().map(f64::sqrt);
        let ci = match sd {
            Some(sd) => Some(mean_ci(mean, sd, self.n, level)?),
            None => None,
        };
        Ok(MeanSummary {
            n: self.n,
            mean,
            sd,
            ci,
        })
    }
}

/// A mean with its sample SD (n - 1) and Student's t interval; SD and interval need n ≥ 2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanSummary {
    pub n: u64,
    pub mean: f64,
    pub sd: Option<f64>,
    pub ci: Option<Interval>,
}

/// Pearson correlation of paired values, as `scipy.stats.pearsonr(x, y).statistic`.
pub fn pearson(x: &[f64], y: &[f64]) -> Result<f64, StatsError> {
    let n = x.len().min(y.len());
    if n < 3 {
        return Err(StatsError::TooFew {
            needed: 3,
            got: n as u64,
        });
    }
    let mx = x[..n].iter().sum::<f64>() / n as f64;
    let my = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return Err(StatsError::NoVariance);
    }
    Ok(sxy / (sxx * syy).sqrt())
}

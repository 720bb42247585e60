//! Confidence intervals: Student's t for means, Wilson (no continuity correction) for shares.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::StatsError;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

/// Two-sided critical value of Student's t: `scipy.stats.t.ppf(1 - (1 - level) / 2, df)`.
pub fn t_critical(level: f64, df: f64) -> Result<f64, StatsError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::BadLevel);
    }
    if df.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(StatsError::TooFew { needed: 2, got: 1 });
    }
    let key = (level.to_bits(), df.to_bits());
    if let Some(t) = T_CRITICAL.with(|known| known.borrow().get(&key).copied()) {
        return Ok(t);
    }
    let p = 1.0 - (1.0 - level) / 2.0;
    let t = if df >= LARGE_DF {
        t_quantile_large_df(p, df)
    } else {
        StudentsT::new(0.0, 1.0, df)
            .expect("df > 0 checked")
            .inverse_cdf(p)
    };
    T_CRITICAL.with(|known| {
        let mut known = known.borrow_mut();
        if known.len() >= T_CRITICAL_KEPT {
            known.clear();
        }
        known.insert(key, t);
    });
    Ok(t)
}

/// From here on the t quantile comes from its expansion around the normal one: statrs inverts
/// the incomplete beta function, which at tens of millions of degrees of freedom ran for
/// minutes without converging.
const LARGE_DF: f64 = 10_000.0;

/// The t quantile at probability `p` for large `df`: the Cornish–Fisher expansion in powers of
/// 1/df around the normal quantile z (Abramowitz & Stegun 26.7.5, terms to 1/df⁴). The first
/// term left out is of order z¹¹/df⁵, below 1e-15 for df ≥ 10,000 at any usual level.
fn t_quantile_large_df(p: f64, df: f64) -> f64 {
    let z = Normal::new(0.0, 1.0)
        .expect("standard normal")
        .inverse_cdf(p);
    let z2 = z * z;
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
}

thread_local! {
    /// Critical values of Student's t already computed on this thread, by (level, df) bits. A
    /// report asks for one per mean of every item, score and group, and their degrees of freedom
    /// repeat (counts minus one, within a narrow range per cut); each inversion iterates the
    /// incomplete beta function, which made it the costliest step of the figures with many
    /// groups. Values are the same bits as computed afresh.
    static T_CRITICAL: std::cell::RefCell<std::collections::HashMap<(u64, u64), f64>> =
        Default::default();
}

/// Entries kept before the cache is emptied, so that a long-running process stays bounded.
const T_CRITICAL_KEPT: usize = 1 << 16;

/// Two-sided standard normal critical value: `scipy.stats.norm.ppf(1 - (1 - level) / 2)`.
pub fn z_critical(level: f64) -> Result<f64, StatsError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::BadLevel);
    }
    let n = Normal::new(0.0, 1.0).expect("standard normal");
    Ok(n.inverse_cdf(1.0 - (1.0 - level) / 2.0))
}

/// Interval for a mean: mean ± t(level, n-1) · sd / √n.
pub fn mean_ci(mean: f64, sd: f64, n: u64, level: f64) -> Result<Interval, StatsError> {
    if n < 2 {
        return Err(StatsError::TooFew { needed: 2, got: n });
    }
    let half = t_critical(level, (n - 1) as f64)? * sd / (n as f64).sqrt();
    Ok(Interval {
        lower: mean - half,
        upper: mean + half,
    })
}

/// Wilson score interval without continuity correction, as
/// `statsmodels.stats.proportion.proportion_confint(count, n, method="wilson")`.
pub fn wilson_ci(count: u64, n: u64, level: f64) -> Result<Interval, StatsError> {
    if n == 0 {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    wilson_ci_effective(count as f64 / n as f64, n as f64, level)
}

/// Wilson interval of share `p` on a possibly fractional sample size (Kish's effective n
/// for weighted shares); equals [`wilson_ci`] when `n_f` is a whole number.
pub fn wilson_ci_effective(p: f64, n_f: f64, level: f64) -> Result<Interval, StatsError> {
    if n_f <= 0.0 {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    let z = z_critical(level)?;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    Ok(Interval {
        lower: (centre - half).max(0.0),
        upper: (centre + half).min(1.0),
    })
}

//! The trend of a figure across several waves: the straight line through the respondents'
//! values by year, its slope per year with a test, and where the line reaches in a later year.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::{Interval, Sample, StatsError};

/// A mean measured in one year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanAt {
    pub year: i32,
    pub sample: Sample,
}

/// Ordinary least squares of every respondent's value on the wave's year, pooled over the
/// waves. The waves' n, mean and SD are sufficient for it, so it equals
/// `statsmodels.OLS(value, add_constant(year)).fit()` on the respondents' rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearTrend {
    /// Change per year.
    pub slope: f64,
    pub se: f64,
    pub t: f64,
    pub df: f64,
    pub p_value: f64,
    pub ci: Interval,
    /// The fitted line read at `at_year`, with the interval of that mean.
    pub at_year: i32,
    pub projected: f64,
    pub projected_ci: Interval,
}

pub fn linear_trend(waves: &[MeanAt], at_year: i32, level: f64) -> Result<LinearTrend, StatsError> {
    let n: f64 = waves.iter().map(|w| w.sample.n as f64).sum();
    let years = distinct_years(waves.iter().map(|w| w.year));
    if years < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: years,
        });
    }
    if n < 3.0 {
        return Err(StatsError::TooFew {
            needed: 3,
            got: n as u64,
        });
    }
    let x_bar = waves
        .iter()
        .map(|w| w.sample.n as f64 * f64::from(w.year))
        .sum::<f64>()
        / n;
    let y_bar = waves
        .iter()
        .map(|w| w.sample.n as f64 * w.sample.mean)
        .sum::<f64>()
        / n;
    let sxx: f64 = waves
        .iter()
        .map(|w| w.sample.n as f64 * (f64::from(w.year) - x_bar).powi(2))
        .sum();
    let sxy: f64 = waves
        .iter()
        .map(|w| w.sample.n as f64 * (f64::from(w.year) - x_bar) * (w.sample.mean - y_bar))
        .sum();
    let sst: f64 = waves
        .iter()
        .map(|w| {
            let within = if w.sample.n > 1 {
                (w.sample.n - 1) as f64 * w.sample.sd * w.sample.sd
            } else {
                0.0
            };
            within + w.sample.n as f64 * (w.sample.mean - y_bar).powi(2)
        })
        .sum();
    let slope = sxy / sxx;
    let df = n - 2.0;
    let mse = (sst - slope * sxy).max(0.0) / df;
    if mse <= 0.0 {
        return Err(StatsError::NoVariance);
    }
    let se = (mse / sxx).sqrt();
    let t = slope / se;
    let crit = crate::t_critical(level, df)?;
    let dist = StudentsT::new(0.0, 1.0, df).expect("df > 0");
    let dx = f64::from(at_year) - x_bar;
    let projected = y_bar + slope * dx;
    let projected_se = (mse * (1.0 / n + dx * dx / sxx)).sqrt();
    Ok(LinearTrend {
        slope,
        se,
        t,
        df,
        p_value: 2.0 * dist.sf(t.abs()),
        ci: Interval {
            lower: slope - crit * se,
            upper: slope + crit * se,
        },
        at_year,
        projected,
        projected_ci: Interval {
            lower: projected - crit * projected_se,
            upper: projected + crit * projected_se,
        },
    })
}

/// A share measured in one year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareAt {
    pub year: i32,
    pub count: u64,
    pub n: u64,
}

/// Cochran–Armitage test for a linear trend of a share across years (scores = years), the
/// chi-square of R's `prop.trend.test` (z² = that statistic), with the least-squares slope of
/// the share per year and the fitted share read at `at_year`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareTrend {
    pub slope: f64,
    pub z: f64,
    pub p_value: f64,
    pub at_year: i32,
    pub projected: f64,
}

pub fn share_trend(waves: &[ShareAt], at_year: i32) -> Result<ShareTrend, StatsError> {
    let years = distinct_years(waves.iter().map(|w| w.year));
    if years < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: years,
        });
    }
    let n: f64 = waves.iter().map(|w| w.n as f64).sum();
    let x: f64 = waves.iter().map(|w| w.count as f64).sum();
    let p = x / n;
    let t_bar = waves
        .iter()
        .map(|w| w.n as f64 * f64::from(w.year))
        .sum::<f64>()
        / n;
    let stt: f64 = waves
        .iter()
        .map(|w| w.n as f64 * (f64::from(w.year) - t_bar).powi(2))
        .sum();
    let t_stat: f64 = waves
        .iter()
        .map(|w| w.count as f64 * (f64::from(w.year) - t_bar))
        .sum();
    let var = p * (1.0 - p) * stt;
    if var <= 0.0 {
        return Err(StatsError::NoVariance);
    }
    let z = t_stat / var.sqrt();
    let normal = Normal::new(0.0, 1.0).expect("standard normal");
    let slope = t_stat / stt;
    Ok(ShareTrend {
        slope,
        z,
        p_value: 2.0 * normal.sf(z.abs()),
        at_year,
        projected: p + slope * (f64::from(at_year) - t_bar),
    })
}

fn distinct_years(years: impl Iterator<Item = i32>) -> u64 {
    let mut v: Vec<i32> = years.collect();
    v.sort_unstable();
    v.dedup();
    v.len() as u64
}

//! Survey weights and near-census corrections: raking to known headcounts, weighted means and
//! shares with standard errors on Kish's effective sample size, and the finite-population
//! correction.

use crate::{t_critical, wilson_ci_effective, Interval, StatsError};

/// Finite-population correction of a standard error, √((N − n)/(N − 1)): the share of the
/// sampling error left when n of N staff answered. 0 for a full census.
pub fn finite_population_correction(n: u64, population: u64) -> Result<f64, StatsError> {
    if population < 2 || n > population {
        return Err(StatsError::BadPopulation { n, population });
    }
    Ok(((population - n) as f64 / (population - 1) as f64).sqrt())
}

/// One raking margin: each unit's category (None: the unit has no value for it) and the
/// population total of each category. A unit is a respondent, or a cell of respondents who
/// share their category in every margin (raking gives them one weight).
#[derive(Debug, Clone)]
pub struct Margin<'a> {
    pub categories: &'a [Option<usize>],
    pub targets: &'a [f64],
}

/// Result of raking: a weight per unit, for each of its respondents (None for units missing a
/// margin's category, which cannot be raked), the iterations used and whether every margin
/// was met within tolerance.
#[derive(Debug, Clone, PartialEq)]
pub struct Raking {
    pub weights: Vec<Option<f64>>,
    pub iterations: usize,
    pub converged: bool,
    /// Largest |weighted total − target| / target over all categories after the last sweep.
    pub max_relative_error: f64,
}

/// Iterative proportional fitting (raking, Deming & Stephan 1940) of unit start weights to the
/// margins' totals, as R's `survey::rake` and `anesrake` without trimming: each sweep scales
/// the weights of every category of each margin in turn so its weighted total equals its target.
/// `respondents[u]` is how many respondents unit `u` stands for (1 for each when units are
/// rows); units with none take no part.
pub fn rake(
    margins: &[Margin<'_>],
    respondents: &[u64],
    max_iterations: usize,
    tolerance: f64,
) -> Result<Raking, StatsError> {
    let rows = respondents.len();
    if let Some(m) = margins.iter().position(|m| m.categories.len() != rows) {
        return Err(StatsError::MarginLength {
            margin: m,
            categories: margins[m].categories.len(),
            units: rows,
        });
    }
    let usable: Vec<bool> = (0..rows)
        .map(|r| respondents[r] > 0 && margins.iter().all(|m| m.categories[r].is_some()))
        .collect();
    let counts: Vec<f64> = respondents.iter().map(|&n| n as f64).collect();
    let mut weights: Vec<f64> = usable.iter().map(|&u| if u { 1.0 } else { 0.0 }).collect();
    for (m, margin) in margins.iter().enumerate() {
        let mut seen = vec![false; margin.targets.len()];
        for r in (0..rows).filter(|&r| usable[r]) {
            let c = margin.categories[r].expect("usable row");
            if c >= margin.targets.len() {
                return Err(StatsError::BadMargin {
                    margin: m,
                    category: c,
                });
            }
            seen[c] = true;
        }
        if let Some(c) = (0..seen.len()).find(|&c| !seen[c] && margin.targets[c] > 0.0) {
            return Err(StatsError::EmptyCategory {
                margin: m,
                category: c,
            });
        }
    }
    let mut iterations = 0;
    let mut error = f64::INFINITY;
    while iterations < max_iterations {
        iterations += 1;
        for margin in margins {
            let totals = weighted_totals(margin, &weights, &counts, &usable);
            for r in (0..rows).filter(|&r| usable[r]) {
                let c = margin.categories[r].expect("usable row");
                if totals[c] > 0.0 {
                    weights[r] *= margin.targets[c] / totals[c];
                }
            }
        }
        error = margins
            .iter()
            .flat_map(|margin| {
                let totals = weighted_totals(margin, &weights, &counts, &usable);
                margin
                    .targets
                    .iter()
                    .zip(totals)
                    .filter(|(t, _)| **t > 0.0)
                    .map(|(t, w)| (w - t).abs() / t)
                    .collect::<Vec<_>>()
            })
            .fold(0.0, f64::max);
        if error <= tolerance {
            break;
        }
    }
    Ok(Raking {
        weights: (0..rows).map(|r| usable[r].then_some(weights[r])).collect(),
        iterations,
        converged: error <= tolerance,
        max_relative_error: error,
    })
}

fn weighted_totals(
    margin: &Margin<'_>,
    weights: &[f64],
    counts: &[f64],
    usable: &[bool],
) -> Vec<f64> {
    let mut totals = vec![0.0; margin.targets.len()];
    for (r, c) in margin.categories.iter().enumerate() {
        if let (true, Some(c)) = (usable[r], c) {
            totals[*c] += weights[r] * counts[r];
        }
    }
    totals
}

/// Respondents who share one weight, by one variable's values among them: how many, their
/// sum and their sum of squares about their own mean. A respondent alone is a group of one
/// with `squares_about_mean` 0; raking cells make larger groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedGroup {
    pub weight: f64,
    pub n: u64,
    pub sum: f64,
    pub squares_about_mean: f64,
}

impl WeightedGroup {
    /// One respondent's value.
    pub fn one(weight: f64, x: f64) -> Self {
        WeightedGroup {
            weight,
            n: 1,
            sum: x,
            squares_about_mean: 0.0,
        }
    }
}

/// Σw and Σw² over the respondents of the groups.
fn weight_sums(groups: &[WeightedGroup]) -> (f64, f64) {
    groups.iter().fold((0.0, 0.0), |(s, s2), g| {
        let n = g.n as f64;
        (s + g.weight * n, s2 + g.weight * g.weight * n)
    })
}

/// Kish's effective sample size (Σw)² / Σw² over the groups' respondents.
pub fn kish_effective_n(groups: &[WeightedGroup]) -> f64 {
    let (s, s2) = weight_sums(groups);
    if s2 > 0.0 {
        s * s / s2
    } else {
        0.0
    }
}

/// A weighted mean with its standard error and t interval on the effective sample size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedMean {
    pub mean: f64,
    pub sd: f64,
    pub effective_n: f64,
    pub se: f64,
    pub ci: Interval,
}

/// x̄_w = Σwx/Σw; s_w² = Σw(x − x̄_w)²/Σw · n_eff/(n_eff − 1); SE = s_w/√n_eff; interval
/// x̄_w ± t(n_eff − 1)·SE. With equal weights these are the unweighted mean, SD and t interval.
/// Over groups, Σw(x − x̄_w)² = Σ_g w_g (SS_g + n_g (x̄_g − x̄_w)²): within plus between.
pub fn weighted_mean(groups: &[WeightedGroup], level: f64) -> Result<WeightedMean, StatsError> {
    let (sw, _) = weight_sums(groups);
    let n_eff = kish_effective_n(groups);
    let respondents: u64 = groups.iter().map(|g| g.n).sum();
    if respondents < 2 || n_eff <= 1.0 || sw <= 0.0 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: respondents,
        });
    }
    let mean = groups.iter().map(|g| g.weight * g.sum).sum::<f64>() / sw;
    let spread = groups
        .iter()
        .filter(|g| g.n > 0)
        .map(|g| {
            let n = g.n as f64;
            g.weight * (g.squares_about_mean + n * (g.sum / n - mean).powi(2))
        })
        .sum::<f64>();
    let var = spread / sw * n_eff / (n_eff - 1.0);
    let sd = var.sqrt();
    let se = sd / n_eff.sqrt();
    let half = t_critical(level, n_eff - 1.0)? * se;
    let ci = Interval {
        lower: mean - half,
        upper: mean + half,
    };
    Ok(WeightedMean {
        mean,
        sd,
        effective_n: n_eff,
        se,
        ci,
    })
}

/// A weighted share with the Wilson interval on the effective sample size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedShare {
    pub share: f64,
    pub effective_n: f64,
    pub se: f64,
    pub ci: Interval,
}

/// The weighted share of a 0/1 variable: each group's `sum` is its count of 1s.
pub fn weighted_share(groups: &[WeightedGroup], level: f64) -> Result<WeightedShare, StatsError> {
    let (sw, _) = weight_sums(groups);
    if sw <= 0.0 {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    let share = groups.iter().map(|g| g.weight * g.sum).sum::<f64>() / sw;
    let n_eff = kish_effective_n(groups);
    Ok(WeightedShare {
        share,
        effective_n: n_eff,
        se: (share * (1.0 - share) / n_eff).sqrt(),
        ci: wilson_ci_effective(share, n_eff, level)?,
    })
}

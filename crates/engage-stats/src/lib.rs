//! Pure statistics over numbers already aggregated: no I/O, no polars, no survey types.
//! Every function here is checked against SciPy/statsmodels/pingouin values in `tests/`.
//!
//! # What each module does
//!
//! Pure functions over numbers: `Moments` → mean, SD (n−1), Student's t interval (critical values
//! kept per thread by level and degrees of freedom, which repeat across items and groups: each
//! inversion iterates the incomplete beta, and at 960 sections that was most of the figures);
//! Wilson interval; competition ranks; Pearson r; reliability (`reliability.rs`: alpha,
//! standardised alpha, Feldt, item-rest, alpha if deleted); drivers (`drivers.rs`: Fisher z,
//! Johnson's relative weights by eigen-decomposition with nalgebra, the seeded parallel
//! percentile bootstrap, whose resamples add their rows into fixed-width sums the compiler keeps
//! in registers, one type per width up to 16 columns); tests (`tests.rs`: one-sample t, score
//! test, Welch, Cohen's d / Hedges' g, two-proportion z, chi-square, Benjamini–Hochberg);
//! `paired.rs` (paired t with d_z, Wilcoxon signed-rank, McNemar); `trend.rs` (pooled OLS over
//! waves, Cochran–Armitage); `weights.rs` (raking, Kish n, weighted mean and share,
//! finite-population correction). Depends on statrs, nalgebra (already statrs's), rand_chacha,
//! rayon. *Invariants:* no I/O, no polars, no survey types; every function has tests against
//! SciPy, statsmodels or pingouin values produced by a committed script.

mod descriptive;
mod drivers;
mod error;
mod intervals;
mod keyness;
mod paired;
mod rank;
mod reliability;
mod tests;
mod trend;
mod weights;

pub use descriptive::{pearson, MeanSummary, Moments};
pub use drivers::{
    bootstrap_relative_weights, bootstrap_relative_weights_coded,
    bootstrap_relative_weights_scaled, correlation_from_covariance, fisher_interval,
    quantile_sorted, relative_weights, BootstrapIntervals, FullSample, RelativeWeights,
};
pub use error::StatsError;
pub use intervals::{mean_ci, t_critical, wilson_ci, wilson_ci_effective, z_critical, Interval};
pub use keyness::{log_likelihood_keyness, Keyness};
pub use paired::{
    mcnemar, paired_t, wilcoxon_signed_rank, PairedT, Wilcoxon, WilcoxonMethod, WILCOXON_EXACT_MAX,
};
pub use rank::rank_descending_min;
pub use reliability::{
    alpha_if_deleted, cronbach_alpha_from_covariance, cronbach_alpha_listwise, feldt_interval,
    item_rest_correlations, standardized_alpha,
};
pub use tests::{
    benjamini_hochberg, benjamini_hochberg_present, chi_square_independence, cohen_d_hedges_g,
    one_sample_t, proportion_score_test, two_proportion_z, welch_t, ChiSquare, Sample, TestResult,
    WelchResult,
};

pub use trend::{linear_trend, share_trend, LinearTrend, MeanAt, ShareAt, ShareTrend};
pub use weights::{
    finite_population_correction, kish_effective_n, rake, weighted_mean, weighted_share, Margin,
    Raking, WeightedGroup, WeightedMean, WeightedShare,
};

/// Confidence level used throughout reports.
pub const CONFIDENCE: f64 = 0.95;

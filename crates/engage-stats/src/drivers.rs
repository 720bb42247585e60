//! Key-driver statistics: correlations with Fisher-z intervals, Johnson's relative weights
//! and their percentile bootstrap intervals.

use nalgebra::{DMatrix, DVector, SymmetricEigen};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::{z_critical, Interval, StatsError};

/// Fisher-z interval of a Pearson r from n pairs: tanh(atanh r ± z / √(n − 3)), as
/// `scipy.stats.pearsonr(x, y).confidence_interval(0.95)`.
pub fn fisher_interval(r: f64, n: u64, level: f64) -> Result<Interval, StatsError> {
    if n < 4 {
        return Err(StatsError::TooFew { needed: 4, got: n });
    }
    let z = r.clamp(-1.0, 1.0).atanh();
    let half = z_critical(level)? / ((n - 3) as f64).sqrt();
    Ok(Interval {
        lower: (z - half).tanh(),
        upper: (z + half).tanh(),
    })
}

/// The correlation matrix of a covariance matrix; `NoVariance` if a variable is constant.
pub fn correlation_from_covariance(cov: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, StatsError> {
    let sd: Vec<f64> = (0..cov.len()).map(|i| cov[i][i].sqrt()).collect();
    if sd.iter().any(|&s| s <= 0.0 || !s.is_finite()) {
        return Err(StatsError::NoVariance);
    }
    Ok(cov
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .map(|(j, &c)| if i == j { 1.0 } else { c / (sd[i] * sd[j]) })
                .collect()
        })
        .collect())
}

/// Johnson's (2000) relative weights of the predictors: their shares of the OLS R².
#[derive(Debug, Clone, PartialEq)]
pub struct RelativeWeights {
    /// Raw weights ε_j; they add up to R².
    pub raw: Vec<f64>,
    pub r_squared: f64,
}

impl RelativeWeights {
    /// ε_j / R²: each predictor's share of the explained variance.
    pub fn shares(&self) -> Vec<f64> {
        self.raw.iter().map(|e| e / self.r_squared).collect()
    }
}

/// Relative weights from the correlation matrix of the predictors followed by the criterion
/// (last row and column): R_xx = V diag(λ) Vᵀ, Λ = V diag(√λ) Vᵀ, β = Λ⁻¹ r_xy,
/// ε_j = Σ_k Λ_jk² β_k². Refused when the predictors are collinear.
pub fn relative_weights(corr: &[Vec<f64>]) -> Result<RelativeWeights, StatsError> {
    let p = corr.len().saturating_sub(1);
    if p == 0 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: corr.len() as u64,
        });
    }
    let rxx = DMatrix::from_fn(p, p, |i, j| corr[i][j]);
    let rxy = DVector::from_fn(p, |i, _| corr[i][p]);
    let eigen = SymmetricEigen::new(rxx);
    if eigen.eigenvalues.iter().any(|&l| l <= 1e-12) {
        return Err(StatsError::Collinear);
    }
    let v = &eigen.eigenvectors;
    let root = DMatrix::from_diagonal(&eigen.eigenvalues.map(f64::sqrt));
    let inv_root = DMatrix::from_diagonal(&eigen.eigenvalues.map(|l| 1.0 / l.sqrt()));
    let lambda = v * root * v.transpose();
    let beta = v * inv_root * v.transpose() * rxy;
    let raw: Vec<f64> = (0..p)
        .map(|j| {
            (0..p)
                .map(|k| lambda[(j, k)].powi(2) * beta[k].powi(2))
                .sum()
        })
        .collect();
    let r_squared = raw.iter().sum();
    Ok(RelativeWeights { raw, r_squared })
}

/// The q-quantile (0..=1) of sorted values, interpolating linearly between order statistics:
/// `numpy.percentile(values, 100 q)` with its default method.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Percentile bootstrap intervals of the relative-weight shares. `rows` holds `width` values
/// per respondent (predictors, then the criterion). Resample `b` draws rows with replacement
/// from ChaCha8 seeded with `seed` on stream `b`, so the result does not depend on how the
/// resamples are scheduled. Resamples whose predictors are collinear are skipped and counted.
///
/// The cost is resamples × rows. Above `max_rows` respondents each resample draws `max_rows`
/// rows (the m-out-of-n bootstrap, Bickel & Sakov 2008) and the interval is rescaled around
/// the full-sample estimate by √(m/n): θ̂ + √(m/n)(q − θ̂) for each percentile q. The shares
/// are smooth functions of the covariance matrix, for which this matches the n-out-of-n
/// interval as both grow; it keeps a million-row report in seconds.
///
/// The rows are taken by value and centred in place: a centred copy would double the memory
/// of a ten-million-row bootstrap.
pub fn bootstrap_relative_weights(
    mut rows: Vec<f64>,
    width: usize,
    resamples: usize,
    seed: u64,
    level: f64,
    max_rows: usize,
) -> Result<BootstrapIntervals, StatsError> {
    let n = rows.len() / width;
    check_bootstrap(n, width, level)?;
    // Centred on the column means: the cross-products stay small, so no precision is lost.
    let means = column_means(n, width, &|r: usize, out: &mut [f64]| {
        out.copy_from_slice(&rows[r * width..(r + 1) * width]);
    });
    rows.par_chunks_mut(width * PREPARE_TASK_ROWS)
        .for_each(|chunk| {
            for row in chunk.chunks_mut(width) {
                for (x, mean) in row.iter_mut().zip(&means) {
                    *x -= mean;
                }
            }
        });
    let row = |r: usize, out: &mut [f64]| out.copy_from_slice(&rows[r * width..(r + 1) * width]);
    bootstrap_centred(n, width, &row, None, resamples, seed, level, max_rows)
}

/// [`bootstrap_relative_weights`] for rows kept as integers: value `j` of a row is
/// `rows[j] / scales[j]` (`width` = `scales.len()`). Half the memory of floats, and the same
/// floats, so the same intervals bit for bit: each value is divided and centred when read.
pub fn bootstrap_relative_weights_scaled(
    rows: &[i32],
    scales: &[f64],
    resamples: usize,
    seed: u64,
    level: f64,
    max_rows: usize,
) -> Result<BootstrapIntervals, StatsError> {
    let width = scales.len();
    let n = rows.len() / width;
    check_bootstrap(n, width, level)?;
    let (lo, hi) = column_ranges(rows, width, (i32::MAX, i32::MIN));
    // Each value's quotient by table when every column spans few integers (answer scores
    // do): a load instead of a division per value, and the same floats.
    let quotients: Option<Vec<Vec<f64>>> = (0..width)
        .all(|j| i64::from(hi[j]) - i64::from(lo[j]) < CENTRED_TABLE_LIMIT)
        .then(|| {
            (0..width)
                .map(|j| (lo[j]..=hi[j]).map(|v| f64::from(v) / scales[j]).collect())
                .collect()
        });
    if let Some(quotients) = &quotients {
        if quotients.iter().all(|q| q.len() <= 256) {
            // Each value as its offset in the column's table, one byte: a quarter of the
            // memory the resamples read at random (measured 1.2x faster at 1M rows).
            let mut codes = vec![0u8; rows.len()];
            codes
                .par_chunks_mut(width * PREPARE_TASK_ROWS)
                .zip(rows.par_chunks(width * PREPARE_TASK_ROWS))
                .for_each(|(codes, rows)| {
                    for (codes, row) in codes.chunks_mut(width).zip(rows.chunks(width)) {
                        for ((code, &v), &lo) in codes.iter_mut().zip(row).zip(&lo) {
                            *code = (v - lo) as u8;
                        }
                    }
                });
            return bootstrap_relative_weights_coded(
                &codes, quotients, None, resamples, seed, level, max_rows,
            );
        }
    }
    let means = match &quotients {
        Some(quotients) => column_means(n, width, &|r: usize, out: &mut [f64]| {
            let values = &rows[r * width..(r + 1) * width];
            for ((x, &v), (q, &lo)) in out.iter_mut().zip(values).zip(quotients.iter().zip(&lo)) {
                *x = q[(v - lo) as usize];
            }
        }),
        None => column_means(n, width, &|r: usize, out: &mut [f64]| {
            let values = &rows[r * width..(r + 1) * width];
            for ((x, &v), scale) in out.iter_mut().zip(values).zip(scales) {
                *x = f64::from(v) / scale;
            }
        }),
    };
    // The centred floats by the same tables: each quotient minus its column's mean.
    let tables: Option<Vec<(i32, Vec<f64>)>> = quotients.map(|quotients| {
        quotients
            .into_iter()
            .zip(lo.iter().zip(&means))
            .map(|(q, (&lo, mean))| (lo, q.into_iter().map(|q| q - mean).collect()))
            .collect()
    });
    if let Some(tables) = tables {
        let row = |r: usize, out: &mut [f64]| {
            let values = &rows[r * width..(r + 1) * width];
            for (x, (&v, (lo, centred))) in out.iter_mut().zip(values.iter().zip(&tables)) {
                *x = centred[(v - lo) as usize];
            }
        };
        return bootstrap_centred(n, width, &row, None, resamples, seed, level, max_rows);
    }
    let row = |r: usize, out: &mut [f64]| {
        let values = &rows[r * width..(r + 1) * width];
        for (j, (x, &v)) in out.iter_mut().zip(values).enumerate() {
            *x = f64::from(v) / scales[j] - means[j];
        }
    };
    bootstrap_centred(n, width, &row, None, resamples, seed, level, max_rows)
}

/// [`bootstrap_relative_weights`] for rows kept as one byte per value: value `j` of row `r`
/// is `tables[j][codes[r * width + j]]` (`width` = `tables.len()`). Answer scores take few
/// values, so the rows cost a byte a value (70 MB at ten million rows of seven variables,
/// against 280 MB as `i32`), and the floats are the tables' own: the same intervals, bit for
/// bit, as those floats given to [`bootstrap_relative_weights`].
///
/// `known`, when the caller has the full sample's figures exactly (from integer sums), spares
/// the two passes over every row that would compute them.
pub fn bootstrap_relative_weights_coded(
    codes: &[u8],
    tables: &[Vec<f64>],
    known: Option<&FullSample>,
    resamples: usize,
    seed: u64,
    level: f64,
    max_rows: usize,
) -> Result<BootstrapIntervals, StatsError> {
    let width = tables.len();
    let n = codes.len() / width.max(1);
    check_bootstrap(n, width, level)?;
    if let Some(known) = known {
        known.check(width)?;
    }
    // A code beyond its table is the caller's error.
    let largest = largest_codes(codes, width);
    if let Some(column) = (0..width).find(|&j| usize::from(largest[j]) >= tables[j].len()) {
        return Err(StatsError::CodeBeyondTable {
            column,
            code: largest[column],
            values: tables[column].len(),
        });
    }
    let means = match known {
        Some(known) => known.means.clone(),
        None => column_means(n, width, &|r: usize, out: &mut [f64]| {
            let row = &codes[r * width..(r + 1) * width];
            for ((x, &code), table) in out.iter_mut().zip(row).zip(tables) {
                *x = table[usize::from(code)];
            }
        }),
    };
    // The centred floats by the same tables: each value minus its column's mean.
    let centred = CodedRows {
        codes,
        width,
        centred: tables
            .iter()
            .zip(&means)
            .map(|(table, mean)| {
                let mut centred = [0.0; 256];
                for (c, x) in centred.iter_mut().zip(table) {
                    *c = x - mean;
                }
                centred
            })
            .collect(),
    };
    let shares = known.map(|k| k.shares.clone());
    bootstrap_centred(n, width, &centred, shares, resamples, seed, level, max_rows)
}

/// The full sample's figures, known exactly to the caller (from the integer sums of one
/// pass): the column means the rows are centred on, and the predictors' shares of R² the
/// m-out-of-n intervals are rescaled around. Given these, the bootstrap reads no row beyond
/// its resamples' picks (at ten million rows the two passes took 80 ms of a KPI's 360 ms).
#[derive(Debug, Clone, PartialEq)]
pub struct FullSample {
    /// One per column (predictors, then the criterion), in the rows' units.
    pub means: Vec<f64>,
    /// One per predictor.
    pub shares: Vec<f64>,
}

impl FullSample {
    fn check(&self, width: usize) -> Result<(), StatsError> {
        if self.means.len() != width || self.shares.len() + 1 != width {
            return Err(StatsError::FullSampleWidth {
                columns: width,
                means: self.means.len(),
                shares: self.shares.len(),
            });
        }
        Ok(())
    }
}

/// Each column's largest code, in parallel. A run of whole rows is taken a lane at a time
/// (`LANES` rows side by side), so the maxima vectorise over any width.
fn largest_codes(codes: &[u8], width: usize) -> Vec<u8> {
    const LANES: usize = 32;
    let stride = width * LANES;
    let lanes = codes
        .par_chunks(stride * (PREPARE_TASK_ROWS / LANES))
        .map(|task| {
            let mut largest = vec![0u8; stride];
            let mut runs = task.chunks_exact(stride);
            for run in &mut runs {
                for (hi, &code) in largest.iter_mut().zip(run) {
                    *hi = (*hi).max(code);
                }
            }
            for (hi, &code) in largest.iter_mut().zip(runs.remainder()) {
                *hi = (*hi).max(code);
            }
            largest
        })
        .reduce(
            || vec![0u8; stride],
            |a, b| a.iter().zip(&b).map(|(x, y)| *x.max(y)).collect(),
        );
    (0..width)
        .map(|j| {
            lanes
                .iter()
                .skip(j)
                .step_by(width)
                .copied()
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Each column's smallest and largest value, in parallel (exact in any order); `(above,
/// below)` start them, the type's largest and smallest values.
fn column_ranges<T: Copy + Ord + Send + Sync>(
    rows: &[T],
    width: usize,
    (above, below): (T, T),
) -> (Vec<T>, Vec<T>) {
    rows.par_chunks(width * PREPARE_TASK_ROWS)
        .map(|chunk| {
            let (mut lo, mut hi) = (vec![above; width], vec![below; width]);
            for row in chunk.chunks(width) {
                for ((&x, lo), hi) in row.iter().zip(&mut lo).zip(&mut hi) {
                    *lo = x.min(*lo);
                    *hi = x.max(*hi);
                }
            }
            (lo, hi)
        })
        .reduce(
            || (vec![above; width], vec![below; width]),
            |(a_lo, a_hi), (b_lo, b_hi)| {
                let lo = a_lo.iter().zip(&b_lo).map(|(a, b)| *a.min(b)).collect();
                let hi = a_hi.iter().zip(&b_hi).map(|(a, b)| *a.max(b)).collect();
                (lo, hi)
            },
        )
}

/// Rows of centred values, as the bootstrap reads them.
trait CentredRows: Sync {
    /// Writes row `r`'s values into `out`.
    fn write(&self, r: usize, out: &mut [f64]);

    /// Row `r` as exactly `W` values, for [`FixedSums`]. Rows given as a `write` into memory
    /// are read back from it; a source that can build the values in registers should, as
    /// [`CodedRows`] does.
    #[inline(always)]
    fn fixed<const W: usize>(&self, r: usize) -> [f64; W] {
        let mut out = [0.0; W];
        self.write(r, &mut out);
        out
    }
}

impl<F: Fn(usize, &mut [f64]) + Sync> CentredRows for F {
    #[inline(always)]
    fn write(&self, r: usize, out: &mut [f64]) {
        self(r, out)
    }
}

/// Byte-coded rows read through each column's table of centred floats. A column's table has
/// a slot for every byte, so a code needs no bounds check, and a row of a known width is
/// built in registers: written to memory a value at a time and read back two at a time, its
/// loads had to wait for the stores to complete (the resamples' costliest instruction).
struct CodedRows<'a> {
    codes: &'a [u8],
    width: usize,
    centred: Vec<[f64; 256]>,
}

impl CentredRows for CodedRows<'_> {
    #[inline(always)]
    fn write(&self, r: usize, out: &mut [f64]) {
        let row = &self.codes[r * self.width..][..self.width];
        for ((x, &code), centred) in out.iter_mut().zip(row).zip(&self.centred) {
            *x = centred[usize::from(code)];
        }
    }

    #[inline(always)]
    fn fixed<const W: usize>(&self, r: usize) -> [f64; W] {
        debug_assert_eq!(W, self.width);
        let row: &[u8; W] = self.codes[r * W..][..W].try_into().expect("W codes");
        let centred: &[[f64; 256]; W] = self.centred[..W].try_into().expect("W tables");
        std::array::from_fn(|j| centred[j][usize::from(row[j])])
    }
}

/// Each column's mean. The rows are added in order within tasks of [`PREPARE_TASK_ROWS`]
/// and the tasks' sums then in task order: the same floats on any number of threads, in
/// parallel (one running total took a fifth of a ten-million-row bootstrap), and closer to
/// the exact sum than one running total.
fn column_means<Row: CentredRows>(n: usize, width: usize, row: &Row) -> Vec<f64> {
    let tasks: Vec<Vec<f64>> = (0..n.div_ceil(PREPARE_TASK_ROWS))
        .into_par_iter()
        .map(|task| {
            let mut sums = vec![-0.0; width];
            let mut values = vec![0.0; width];
            let start = task * PREPARE_TASK_ROWS;
            for r in start..(start + PREPARE_TASK_ROWS).min(n) {
                row.write(r, &mut values);
                for (sum, x) in sums.iter_mut().zip(&values) {
                    *sum += x;
                }
            }
            sums
        })
        .collect();
    let mut sums = vec![-0.0; width];
    for task in tasks {
        for (sum, x) in sums.iter_mut().zip(task) {
            *sum += x;
        }
    }
    sums.into_iter().map(|s| s / n as f64).collect()
}

/// Rows per parallel task of the passes that prepare the rows (ranges, byte codes).
const PREPARE_TASK_ROWS: usize = 1 << 16;

/// Largest span of a column's integers that gets a table of centred floats (512 KB).
const CENTRED_TABLE_LIMIT: i64 = 1 << 16;

fn check_bootstrap(n: usize, width: usize, level: f64) -> Result<(), StatsError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::BadLevel);
    }
    if n < width + 2 {
        return Err(StatsError::TooFew {
            needed: (width + 2) as u64,
            got: n as u64,
        });
    }
    Ok(())
}

/// Runs `$body` with `$sums` the [`RowSums`] for `$width` columns: sums held in registers
/// for the widths of real driver analyses (up to 15 predictors), [`CrossSums`] beyond.
macro_rules! with_row_sums {
    ($width:expr, $sums:ident => $body:expr) => {
        with_row_sums!($width, $sums => $body; 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
    };
    ($width:expr, $sums:ident => $body:expr; $($fixed:literal)*) => {
        match $width {
            $($fixed => { type $sums = FixedSums<$fixed>; $body })*
            _ => { type $sums = CrossSums; $body }
        }
    };
}

/// The bootstrap over `n` rows that `row(r, out)` writes, centred on the column means.
/// The intervals are rescaled around `shares`, the full sample's, computed from the rows
/// when not given.
#[allow(clippy::too_many_arguments)]
fn bootstrap_centred<Row: CentredRows>(
    n: usize,
    width: usize,
    row: &Row,
    shares: Option<Vec<f64>>,
    resamples: usize,
    seed: u64,
    level: f64,
    max_rows: usize,
) -> Result<BootstrapIntervals, StatsError> {
    let m = n.min(max_rows.max(width + 2));
    let (full, outcomes) = with_row_sums!(width, Sums => {
        let full = match shares {
            Some(shares) => shares,
            None => full_sample_shares::<Sums, Row>(n, width, row)?,
        };
        (full, resample_shares::<Sums, Row>(resamples, n, m, width, row, seed))
    });
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(resamples); width - 1];
    let mut skipped = 0;
    for outcome in outcomes {
        match outcome {
            Some(shares) => {
                for (d, s) in draws.iter_mut().zip(shares) {
                    d.push(s);
                }
            }
            None => skipped += 1,
        }
    }
    if draws[0].len() < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: draws[0].len() as u64,
        });
    }
    let tail = (1.0 - level) / 2.0;
    let scale = (m as f64 / n as f64).sqrt();
    let intervals = draws
        .into_iter()
        .zip(&full)
        .map(|(mut d, &estimate)| {
            d.sort_by(f64::total_cmp);
            let at = |q: f64| estimate + scale * (quantile_sorted(&d, q) - estimate);
            Interval {
                lower: at(tail),
                upper: at(1.0 - tail),
            }
        })
        .collect();
    Ok(BootstrapIntervals {
        intervals,
        resamples,
        skipped,
        rows_per_resample: m,
    })
}

/// Rows a group of resamples reads together: a block stays in the core's cache while every
/// resample of the group takes its picks from it (at most 1 MB for 16 columns of `f64`).
const BLOCK_ROWS: usize = 8_192;

/// The full sample's shares of R², in parallel tasks of fixed rows added up in task order:
/// the same floats on any number of threads.
fn full_sample_shares<Sums: RowSums, Row: CentredRows>(
    n: usize,
    width: usize,
    row: &Row,
) -> Result<Vec<f64>, StatsError> {
    let parts: Vec<CrossSums> = (0..n.div_ceil(BLOCK_ROWS))
        .into_par_iter()
        .map(|task| {
            let mut sums = Sums::new(width);
            sums.add_rows(task * BLOCK_ROWS..((task + 1) * BLOCK_ROWS).min(n), row);
            sums.into_cross_sums()
        })
        .collect();
    let mut sums = CrossSums::new(width);
    for part in &parts {
        sums.merge(part);
    }
    sums.shares()
}

/// Every resample's shares of R², in parallel, one group per thread, so that each thread
/// reads the table once (smaller groups measured slower at 1M and 10M rows); each resample
/// has its own stream, so neither the grouping nor the order of work changes a draw.
fn resample_shares<Sums: RowSums, Row: CentredRows>(
    resamples: usize,
    n: usize,
    m: usize,
    width: usize,
    row: &Row,
    seed: u64,
) -> Vec<Option<Vec<f64>>> {
    let group = resamples.div_ceil(rayon::current_num_threads()).max(1);
    let starts: Vec<usize> = (0..resamples).step_by(group).collect();
    starts
        .into_par_iter()
        .flat_map_iter(|start| {
            resample_group::<Sums, Row>(
                start..(start + group).min(resamples),
                n,
                m,
                width,
                row,
                seed,
            )
        })
        .collect()
}

/// The shares of R² of resamples `group` (`None` where the predictors are collinear).
///
/// Each resample draws its `m` picks, then adds them in row order; the sums do not depend on
/// the order, and memory read in order is faster than random reads of a large table. The
/// group goes through the rows a block at a time, each resample taking its picks of the block:
/// a million-row table is then read from memory once per group instead of one cache miss per
/// pick. Each resample still adds its own rows in ascending order, so its floats are the same
/// as when it goes alone.
fn resample_group<Sums: RowSums, Row: CentredRows>(
    group: std::ops::Range<usize>,
    n: usize,
    m: usize,
    width: usize,
    row: &Row,
    seed: u64,
) -> Vec<Option<Vec<f64>>> {
    let picks: Vec<Vec<u32>> = group
        .map(|b| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(b as u64);
            let picks: Vec<u32> = (0..m).map(|_| rng.random_range(0..n as u32)).collect();
            radix_sorted(picks, n)
        })
        .collect();
    let mut sums: Vec<Sums> = picks.iter().map(|_| Sums::new(width)).collect();
    let mut next = vec![0; picks.len()];
    for block_end in (BLOCK_ROWS..n + BLOCK_ROWS).step_by(BLOCK_ROWS) {
        for ((picks, at), sums) in picks.iter().zip(&mut next).zip(&mut sums) {
            // Counted in order, not by binary search: the picks of a block are few and next
            // to each other, while a search would jump through the whole remaining list.
            let in_block = picks[*at..]
                .iter()
                .take_while(|&&r| (r as usize) < block_end)
                .count();
            let block_picks = &picks[*at..*at + in_block];
            sums.add_rows(block_picks.iter().map(|&r| r as usize), row);
            *at += in_block;
        }
    }
    sums.into_iter()
        .map(|sums| sums.into_cross_sums().shares().ok())
        .collect()
}

/// `values` (all below `bound`) in ascending order, by least-significant-digit radix sort on
/// 11-bit digits, or 12-bit ones where that saves a pass: two passes over the picks up to
/// 2^24 rows (three 11-bit passes measured 1.6x slower at 10M) instead of a comparison
/// sort's log m.
fn radix_sorted(mut values: Vec<u32>, bound: usize) -> Vec<u32> {
    let key_bits = usize::BITS - bound.saturating_sub(1).leading_zeros();
    let passes = key_bits.div_ceil(12);
    let bits = if passes * 11 >= key_bits { 11 } else { 12 };
    let mut spare = vec![0u32; values.len()];
    let mut starts = vec![0usize; 1 << bits];
    for pass in 0..passes {
        let shift = pass * bits;
        let digit = |v: u32| ((v >> shift) & ((1 << bits) - 1)) as usize;
        starts.fill(0);
        for &v in &values {
            starts[digit(v)] += 1;
        }
        let mut at = 0;
        for start in &mut starts {
            (*start, at) = (at, at + *start);
        }
        for &v in &values {
            let d = digit(v);
            spare[starts[d]] = v;
            starts[d] += 1;
        }
        std::mem::swap(&mut values, &mut spare);
    }
    values
}

#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapIntervals {
    /// One per predictor, for its share of R².
    pub intervals: Vec<Interval>,
    pub resamples: usize,
    /// Resamples left out because their predictors were collinear.
    pub skipped: usize,
    /// Rows drawn per resample: n, or m < n for the rescaled m-out-of-n bootstrap.
    pub rows_per_resample: usize,
}

/// What a resample (or a task of the full sample) adds its rows into.
trait RowSums: Send + Sized {
    fn new(width: usize) -> Self;
    /// Adds the rows `rows` (each written by `row`) one after another, in the order given.
    fn add_rows<Row: CentredRows>(&mut self, rows: impl Iterator<Item = usize>, row: &Row);
    fn into_cross_sums(self) -> CrossSums;
}

/// [`CrossSums`] for exactly `W` columns, in arrays the compiler keeps in registers while a
/// run of rows is added: 2-3 times faster than the packed vectors at 7 columns (1M rows,
/// 1,000 resamples of 10,000). Each cell gets the same operations in the same order as in
/// [`CrossSums::add`], so the same floats.
#[derive(Clone, Copy)]
struct FixedSums<const W: usize> {
    n: f64,
    sum: [f64; W],
    cross: [[f64; W]; W],
}

impl<const W: usize> RowSums for FixedSums<W> {
    fn new(width: usize) -> Self {
        debug_assert_eq!(width, W);
        FixedSums {
            n: 0.0,
            sum: [0.0; W],
            cross: [[0.0; W]; W],
        }
    }

    #[inline(always)]
    fn add_rows<Row: CentredRows>(&mut self, rows: impl Iterator<Item = usize>, row: &Row) {
        // A local copy, so that the sums stay in registers instead of memory between rows.
        let mut sums = *self;
        for r in rows {
            let values = row.fixed::<W>(r);
            sums.n += 1.0;
            for i in 0..W {
                sums.sum[i] += values[i];
                for j in i..W {
                    sums.cross[i][j] += values[i] * values[j];
                }
            }
        }
        *self = sums;
    }

    fn into_cross_sums(self) -> CrossSums {
        let mut packed = CrossSums::new(W);
        packed.n = self.n;
        packed.sum.copy_from_slice(&self.sum);
        let upper = (0..W).flat_map(|i| (i..W).map(move |j| (i, j)));
        for (cell, (i, j)) in packed.cross.iter_mut().zip(upper) {
            *cell = self.cross[i][j];
        }
        packed
    }
}

impl RowSums for CrossSums {
    fn new(width: usize) -> Self {
        CrossSums::new(width)
    }

    fn add_rows<Row: CentredRows>(&mut self, rows: impl Iterator<Item = usize>, row: &Row) {
        let mut values = vec![0.0; self.width];
        for r in rows {
            row.write(r, &mut values);
            self.add(&values);
        }
    }

    fn into_cross_sums(self) -> CrossSums {
        self
    }
}

/// Sums and cross-products (packed upper triangle) of a few variables. Callers centre the
/// data first, so that the sums stay small and the covariance keeps its precision.
struct CrossSums {
    n: f64,
    sum: Vec<f64>,
    cross: Vec<f64>,
    width: usize,
}

impl CrossSums {
    fn new(width: usize) -> Self {
        CrossSums {
            n: 0.0,
            sum: vec![0.0; width],
            cross: vec![0.0; width * (width + 1) / 2],
            width,
        }
    }

    #[inline]
    fn add(&mut self, row: &[f64]) {
        let w = self.width;
        let (sum, cross) = (&mut self.sum[..w], &mut self.cross[..]);
        let row = &row[..w];
        self.n += 1.0;
        let mut t = 0;
        for (i, &a) in row.iter().enumerate() {
            sum[i] += a;
            for &b in &row[i..] {
                cross[t] += a * b;
                t += 1;
            }
        }
    }

    fn merge(&mut self, other: &CrossSums) {
        self.n += other.n;
        for (a, b) in self.sum.iter_mut().zip(&other.sum) {
            *a += b;
        }
        for (a, b) in self.cross.iter_mut().zip(&other.cross) {
            *a += b;
        }
    }

    /// The predictors' shares of R² (the last variable is the criterion).
    fn shares(&self) -> Result<Vec<f64>, StatsError> {
        let covariance = self.covariance()?;
        Ok(relative_weights(&correlation_from_covariance(&covariance)?)?.shares())
    }

    fn covariance(&self) -> Result<Vec<Vec<f64>>, StatsError> {
        if self.n < 2.0 {
            return Err(StatsError::TooFew {
                needed: 2,
                got: self.n as u64,
            });
        }
        let w = self.width;
        let at = |a: usize, b: usize| a * w - a * a.saturating_sub(1) / 2 + (b - a);
        Ok((0..w)
            .map(|i| {
                (0..w)
                    .map(|j| {
                        let (a, b) = (i.min(j), i.max(j));
                        (self.cross[at(a, b)] - self.sum[a] * self.sum[b] / self.n) / (self.n - 1.0)
                    })
                    .collect()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows kept as integers with divisors must give the floats' intervals exactly: the
    /// floats path is the one held to references (`tests/reference_values.rs`).
    #[test]
    fn scaled_rows_give_the_same_intervals_as_their_floats() {
        // The first column's values times `widen`: 1 spans 241 integers (every value read as
        // a byte), 2 spans 481 (read through a table of centred floats), 1,000 spans more
        // than a table holds (divided as it is read).
        for widen in [1, 2, 1_000] {
            let scales = [60.0 * f64::from(widen), 12.0, 7.0, 1.0];
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            let rows: Vec<i32> = (0..3_000)
                .flat_map(|_| {
                    let x: Vec<i32> = (0..3).map(|_| rng.random_range(60..=300)).collect();
                    let y = (x[0] / 60 + x[1] / 12 + x[2] / 7) / 3 + rng.random_range(0..=2);
                    [x[0] * widen, x[1], x[2], y]
                })
                .collect();
            let floats: Vec<f64> = rows
                .chunks(4)
                .flat_map(|r| r.iter().zip(&scales).map(|(&x, s)| f64::from(x) / s))
                .collect();
            for max_rows in [usize::MAX, 500] {
                let scaled =
                    bootstrap_relative_weights_scaled(&rows, &scales, 100, 3, 0.95, max_rows)
                        .unwrap();
                let from_floats =
                    bootstrap_relative_weights(floats.clone(), 4, 100, 3, 0.95, max_rows).unwrap();
                assert_eq!(scaled, from_floats);
                assert_eq!(scaled.skipped, 0);
                if widen == 1 {
                    // As bytes into tables wider than the values seen (the predictors from
                    // 50, not 60; the outcome from 0): entries no row has change nothing.
                    let lo = [50, 50, 50, 0];
                    let codes: Vec<u8> = rows
                        .chunks(4)
                        .flat_map(|r| r.iter().zip(lo).map(|(&v, lo)| (v - lo) as u8))
                        .collect();
                    let tables: Vec<Vec<f64>> = scales
                        .iter()
                        .zip(lo)
                        .map(|(s, lo)| (lo..lo + 256).map(|v| f64::from(v) / s).collect())
                        .collect();
                    let coded = bootstrap_relative_weights_coded(
                        &codes, &tables, None, 100, 3, 0.95, max_rows,
                    )
                    .unwrap();
                    assert_eq!(coded, from_floats);
                }
            }
        }
    }

    /// Codes of four columns, values `code / 4` for the first three and their sum plus noise
    /// for the last, with the exact full-sample figures worked from integer sums.
    fn coded_rows_and_their_full_sample(n: usize) -> (Vec<u8>, Vec<Vec<f64>>, FullSample) {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let codes: Vec<u8> = (0..n)
            .flat_map(|_| {
                let x: Vec<u8> = (0..3).map(|_| rng.random_range(4..=20)).collect();
                let y = (x[0] / 2 + x[1] / 3 + x[2] / 4) + rng.random_range(0..=6);
                [x[0], x[1], x[2], y]
            })
            .collect();
        let tables: Vec<Vec<f64>> = (0..4)
            .map(|_| (0..=255).map(|c| f64::from(c) / 4.0).collect())
            .collect();
        // Means and covariances from integer sums: exact before the final divisions.
        let mut sum = [0i64; 4];
        let mut cross = [[0i64; 4]; 4];
        for row in codes.chunks(4) {
            for i in 0..4 {
                sum[i] += i64::from(row[i]);
                for j in 0..4 {
                    cross[i][j] += i64::from(row[i]) * i64::from(row[j]);
                }
            }
        }
        let nf = n as f64;
        let means = sum.iter().map(|&s| s as f64 / nf / 4.0).collect();
        let cov: Vec<Vec<f64>> = (0..4)
            .map(|i| {
                (0..4)
                    .map(|j| {
                        let c = n as i64 * cross[i][j] - sum[i] * sum[j];
                        c as f64 / (nf * (nf - 1.0)) / 16.0
                    })
                    .collect()
            })
            .collect();
        let shares = relative_weights(&correlation_from_covariance(&cov).unwrap())
            .unwrap()
            .shares();
        (codes, tables, FullSample { means, shares })
    }

    /// The full sample's figures given exactly are what the rows give (up to the rounding of
    /// float sums), so the intervals agree; and they are rescaled around the shares given:
    /// θ̂ + √(m/n)(q − θ̂) moves by (1 − √(m/n))·δ when θ̂ moves by δ.
    #[test]
    fn known_full_sample_figures_give_the_intervals_of_the_rows() {
        let n = 20_000;
        let (codes, tables, known) = coded_rows_and_their_full_sample(n);
        let m = 5_000;
        let from_rows =
            bootstrap_relative_weights_coded(&codes, &tables, None, 200, 3, 0.95, m).unwrap();
        let given =
            bootstrap_relative_weights_coded(&codes, &tables, Some(&known), 200, 3, 0.95, m)
                .unwrap();
        assert_eq!(given.rows_per_resample, m);
        for (a, b) in from_rows.intervals.iter().zip(&given.intervals) {
            assert!((a.lower - b.lower).abs() < 1e-12, "{a:?} {b:?}");
            assert!((a.upper - b.upper).abs() < 1e-12, "{a:?} {b:?}");
        }
        let delta = 0.01;
        let shifted = FullSample {
            means: known.means.clone(),
            shares: known.shares.iter().map(|s| s + delta).collect(),
        };
        let moved =
            bootstrap_relative_weights_coded(&codes, &tables, Some(&shifted), 200, 3, 0.95, m)
                .unwrap();
        let expected = (1.0 - (m as f64 / n as f64).sqrt()) * delta; // 0.005
        for (a, b) in given.intervals.iter().zip(&moved.intervals) {
            assert!((b.lower - a.lower - expected).abs() < 1e-12, "{a:?} {b:?}");
            assert!((b.upper - a.upper - expected).abs() < 1e-12, "{a:?} {b:?}");
        }
        let wrong = FullSample {
            means: vec![0.0; 3],
            shares: vec![0.0; 3],
        };
        assert_eq!(
            bootstrap_relative_weights_coded(&codes, &tables, Some(&wrong), 10, 3, 0.95, m),
            Err(StatsError::FullSampleWidth {
                columns: 4,
                means: 3,
                shares: 3
            })
        );
    }

    proptest::proptest! {
        /// Each column's largest code, over any width and any number of rows (whole runs of
        /// lanes and a remainder; more than one task of rows for the largest), is the plain
        /// maximum.
        #[test]
        fn largest_codes_are_each_columns_maximum(
            width in 1usize..9,
            rows in proptest::prop_oneof![0usize..3_000, proptest::strategy::Just(PREPARE_TASK_ROWS * 2 + 45)],
            seed in 0u64..1_000,
        ) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let codes: Vec<u8> = (0..rows * width).map(|_| rng.random_range(0..=200)).collect();
            let expected: Vec<u8> = (0..width)
                .map(|j| codes.iter().skip(j).step_by(width).copied().max().unwrap_or(0))
                .collect();
            proptest::prop_assert_eq!(largest_codes(&codes, width), expected);
        }
    }

    #[test]
    fn a_code_beyond_its_table_is_an_error() {
        let codes: Vec<u8> = (0..40u8).map(|i| i % 4).collect();
        let tables = vec![vec![0.0, 1.0, 2.0, 3.0], vec![0.0, 1.0, 2.0]];
        let got = bootstrap_relative_weights_coded(&codes, &tables, None, 10, 1, 0.95, usize::MAX);
        assert_eq!(
            got,
            Err(StatsError::CodeBeyondTable {
                column: 1,
                code: 3,
                values: 3
            })
        );
    }

    /// The group's pass over blocks of rows must give each resample exactly what it gets when
    /// it alone adds its picks in row order (the sums written out here), across several
    /// blocks, with picks landing on block edges and a group that does not fill a block; for
    /// a width held in registers (3) and one beyond them (17).
    #[test]
    fn a_group_of_resamples_read_by_blocks_sums_each_resample_alone() {
        for width in [3, 17] {
            let n = 2 * BLOCK_ROWS + 517;
            let mut rng = ChaCha8Rng::seed_from_u64(11);
            // Not integers, so that a different order of additions would show.
            let table: Vec<f64> = (0..n * width)
                .map(|_| f64::from(rng.random_range(1..=5)) / 7.0 - 0.4)
                .collect();
            let row = |r: usize, out: &mut [f64]| out.copy_from_slice(&table[r * width..][..width]);
            let (seed, m) = (4, 9_000);
            let grouped = with_row_sums!(width, Sums => {
                resample_group::<Sums, _>(3..10, n, m, width, &row, seed)
            });
            for (b, got) in (3..10).zip(grouped) {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(b as u64);
                let mut picks: Vec<u32> = (0..m).map(|_| rng.random_range(0..n as u32)).collect();
                picks.sort_unstable();
                let mut sums = CrossSums::new(width);
                for r in picks {
                    let x = &table[r as usize * width..][..width];
                    sums.n += 1.0;
                    let mut t = 0;
                    for i in 0..width {
                        sums.sum[i] += x[i];
                        for j in i..width {
                            sums.cross[t] += x[i] * x[j];
                            t += 1;
                        }
                    }
                }
                let alone = sums.shares().ok();
                assert!(alone.is_some());
                assert_eq!(got, alone, "width {width}, resample {b}");
            }
        }
    }

    #[test]
    fn radix_sorted_matches_a_comparison_sort() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for bound in [
            1usize,
            2,
            2_047,
            2_048,
            2_049,
            1 << 22,
            10_000_000,
            1 << 24,
            (1 << 24) + 1,
            u32::MAX as usize,
        ] {
            let values: Vec<u32> = (0..5_000)
                .map(|_| rng.random_range(0..bound as u32))
                .collect();
            let mut expected = values.clone();
            expected.sort_unstable();
            assert_eq!(radix_sorted(values, bound), expected, "below {bound}");
        }
    }

    /// The intervals must not depend on the number of threads (groups of resamples, tasks of
    /// the full-sample sums): a report is reproducible on any machine.
    #[test]
    fn the_same_intervals_on_one_thread_and_on_three() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let rows: Vec<f64> = (0..3 * BLOCK_ROWS + 99)
            .flat_map(|_| {
                let x: Vec<f64> = (0..3).map(|_| f64::from(rng.random_range(1..=5))).collect();
                let y = x.iter().sum::<f64>() + f64::from(rng.random_range(0..=3));
                x.into_iter().chain([y]).collect::<Vec<_>>()
            })
            .collect();
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| bootstrap_relative_weights(rows.clone(), 4, 50, 8, 0.95, 5_000))
                .unwrap()
        };
        assert_eq!(on(1), on(3));
    }
}

//! The latent-factor model behind the synthetic answers, and its calibration.
//!
//! Each respondent has a general factor `g` and one factor per dimension; both are shifted by
//! bureau, grade and employment type. An item's latent value is `0.55 g + 0.6 f_dim + 0.6 e`;
//! the KPI's is `0.5 g + Σ w_d f_d + 0.45 e` with different weights per dimension (the "drivers").
//! Answers are the latent value cut at thresholds `τ_k + c + δ_item`; calibration solves for
//! the shift `c` of each dimension (and of the KPI and mindset items) by bisection so that the
//! figures computed as `docs/statistics.md` defines them hit the published values. Answers are
//! never edited after they are drawn.
//!
//! Multi-select picks: each respondent who answers picks up to three options, the ones with the
//! highest utility `a_o + drivers · factors + bureau effect + Gumbel noise`; the intercepts `a_o`
//! are fitted so that counts approach their targets, then a final exact step removes or adds the
//! picks with the lowest or highest utility so that every count equals its target.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::content::{
    OptionText, AGE_BANDS, BUREAUS, DIMENSIONS, REFORM_PRIORITIES, SECTION_NAMES, WORK_ISSUES,
};
use crate::wave::WaveSpec;

/// Marks a missing cell in a positive-direction answer column.
pub const MISSING: u8 = 0;
/// Marks a "not applicable" (わからない) cell.
pub const NOT_APPLICABLE: u8 = u8::MAX;
/// Marks a missing segment value.
pub const NO_VALUE: u8 = u8::MAX;

const LOAD_G: f64 = 0.55;
const LOAD_DIM: f64 = 0.6;
const NOISE: f64 = 0.6;
/// Category cut points of the latent value before the calibrated shift.
const TAU: [f64; 4] = [-1.6, -0.55, 0.45, 1.5];
const MAX_PICKS: usize = 3;

/// The drawn survey: one row per respondent, columns in the definition's order.
#[derive(Debug, Clone)]
pub struct Sample {
    pub n: usize,
    /// Section names per bureau.
    pub sections: Vec<Vec<String>>,
    pub bureau: Vec<u8>,
    pub section: Vec<u8>,
    pub age: Vec<u8>,
    pub grade: Vec<u8>,
    pub employment: Vec<u8>,
    pub gender: Vec<u8>,
    pub service: Vec<u8>,
    /// Per item, answers in the positive direction (reverse-keyed items not yet flipped back):
    /// 1..=5, [`MISSING`] or [`NOT_APPLICABLE`]. Order: the dimensions' items, KPI, mindset.
    pub answers: Vec<Vec<u8>>,
    /// Per question: picked options as bits; `None` when the question was skipped.
    pub work_issues: Vec<Option<u32>>,
    pub priorities: Vec<Option<u32>>,
    /// Free-text comments (empty when none written); only the wave's own sample has them
    /// (benchmark samples leave the column out).
    pub comments: Option<Vec<String>>,
}

/// Everything calibration solves for; reused to draw samples of other sizes.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// Threshold shift per dimension, then the KPI's, then the mindset item's.
    pub shifts: Vec<f64>,
    pub work_intercepts: Vec<f64>,
    pub priority_intercepts: Vec<f64>,
}

/// Latent values kept while a sample is drawn (not part of the output).
struct Latent {
    /// Per item, the latent value of each respondent.
    items: Vec<Vec<f32>>,
    /// Per dimension, each respondent's factor (for multi-select utilities).
    factors: Vec<Vec<f32>>,
    /// Per item, whether the cell is missing (0), not applicable (2) or answered (1).
    presence: Vec<Vec<u8>>,
    /// Per item, its fixed threshold offset.
    offsets: Vec<f64>,
    /// Gumbel noise and bureau effects make the utilities; kept per question.
    work_utility_base: Vec<Vec<f32>>,
    priority_utility_base: Vec<Vec<f32>>,
    /// Per respondent, how many picks they make (0 = 特になし) and whether they skip.
    work_capacity: Vec<Option<u8>>,
    priority_capacity: Vec<Option<u8>>,
}

/// Number of items (dimension items, KPI, mindset).
pub fn item_count() -> usize {
    DIMENSIONS.iter().map(|d| d.items.len()).sum::<usize>() + 2
}

/// Largest-remainder apportionment of `n` over `weights`.
fn apportion(n: usize, weights: &[f64]) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / total * n as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut rest: Vec<usize> = (0..weights.len()).collect();
    rest.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let missing = n - counts.iter().sum::<usize>();
    for &i in rest.iter().take(missing) {
        counts[i] += 1;
    }
    counts
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

fn gumbel(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random_range(1e-12..1.0);
    -(-u.ln()).ln()
}

fn categorical(rng: &mut ChaCha8Rng, weights: &[f64]) -> u8 {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random_range(0.0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i as u8;
        }
        x -= w;
    }
    (weights.len() - 1) as u8
}

/// Draws a sample of `n` respondents and its latent values.
fn draw(spec: &WaveSpec, n: usize, seed: u64) -> (Sample, Latent) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_dims = DIMENSIONS.len();
    let n_items = item_count();

    // Organisation: bureau effects on g and on each dimension, sections with unequal sizes.
    let bureau_g: Vec<f64> = BUREAUS.iter().map(|_| 0.25 * normal(&mut rng)).collect();
    let bureau_f: Vec<Vec<f64>> = BUREAUS
        .iter()
        .map(|_| (0..n_dims).map(|_| 0.2 * normal(&mut rng)).collect())
        .collect();
    let sizes = apportion(n, &BUREAUS.iter().map(|b| b.1).collect::<Vec<_>>());
    let mut sections = Vec::new();
    let mut section_weights = Vec::new();
    for (b, &(_, weight)) in BUREAUS.iter().enumerate() {
        let k = ((weight / 25.0).round() as usize).clamp(2, SECTION_NAMES.len());
        let start = b % SECTION_NAMES.len();
        sections.push(
            (0..k)
                .map(|i| SECTION_NAMES[(start + i * 7) % SECTION_NAMES.len()].to_string())
                .collect::<Vec<_>>(),
        );
        // Unequal section sizes: squared normals give a few small sections per bureau.
        section_weights.push(
            (0..k)
                .map(|_| 0.25 + normal(&mut rng).powi(2))
                .collect::<Vec<f64>>(),
        );
    }
    let item_offsets: Vec<f64> = (0..n_items).map(|_| 0.15 * normal(&mut rng)).collect();
    let missing_rate: Vec<f64> = (0..n_items)
        .map(|_| 0.01 + 0.02 * rng.random::<f64>())
        .collect();
    let work_bureau: Vec<Vec<f64>> = BUREAUS
        .iter()
        .map(|_| {
            WORK_ISSUES
                .iter()
                .map(|_| 0.35 * normal(&mut rng))
                .collect()
        })
        .collect();
    let priority_bureau: Vec<Vec<f64>> = BUREAUS
        .iter()
        .map(|_| {
            REFORM_PRIORITIES
                .iter()
                .map(|_| 0.3 * normal(&mut rng))
                .collect()
        })
        .collect();

    let mut s = Sample {
        n,
        sections,
        bureau: Vec::with_capacity(n),
        section: Vec::with_capacity(n),
        age: Vec::with_capacity(n),
        grade: Vec::with_capacity(n),
        employment: Vec::with_capacity(n),
        gender: Vec::with_capacity(n),
        service: Vec::with_capacity(n),
        answers: vec![Vec::with_capacity(n); n_items],
        work_issues: Vec::with_capacity(n),
        priorities: Vec::with_capacity(n),
        comments: None,
    };
    let mut latent = Latent {
        items: vec![Vec::with_capacity(n); n_items],
        factors: vec![Vec::with_capacity(n); n_dims],
        presence: vec![Vec::with_capacity(n); n_items],
        offsets: item_offsets,
        work_utility_base: vec![Vec::with_capacity(n); WORK_ISSUES.len()],
        priority_utility_base: vec![Vec::with_capacity(n); REFORM_PRIORITIES.len()],
        work_capacity: Vec::with_capacity(n),
        priority_capacity: Vec::with_capacity(n),
    };

    for (b, &size) in sizes.iter().enumerate() {
        for _ in 0..size {
            s.bureau.push(b as u8);
            s.section.push(categorical(&mut rng, &section_weights[b]));
            let age = categorical(&mut rng, &[18.0, 24.0, 27.0, 25.0, 6.0]);
            let grade = match age {
                0 => categorical(&mut rng, &[90.0, 10.0, 0.0, 0.0, 0.0]),
                1 => categorical(&mut rng, &[45.0, 45.0, 10.0, 0.0, 0.0]),
                2 => categorical(&mut rng, &[10.0, 35.0, 45.0, 8.0, 2.0]),
                3 => categorical(&mut rng, &[5.0, 15.0, 40.0, 25.0, 15.0]),
                _ => categorical(&mut rng, &[30.0, 30.0, 30.0, 7.0, 3.0]),
            };
            let employment = if age == 4 {
                categorical(&mut rng, &[20.0, 20.0, 60.0])
            } else {
                categorical(&mut rng, &[83.0, 17.0, 0.0])
            };
            let gender = categorical(&mut rng, &[55.0, 40.0, 5.0]);
            let service = match age {
                0 => categorical(&mut rng, &[80.0, 20.0, 0.0, 0.0, 0.0]),
                1 => categorical(&mut rng, &[25.0, 40.0, 35.0, 0.0, 0.0]),
                2 => categorical(&mut rng, &[12.0, 10.0, 40.0, 38.0, 0.0]),
                3 => categorical(&mut rng, &[8.0, 5.0, 12.0, 35.0, 40.0]),
                _ => categorical(&mut rng, &[10.0, 5.0, 10.0, 15.0, 60.0]),
            };
            // A few staff leave their age band blank.
            let age_cell = if rng.random::<f64>() < 0.003 {
                NO_VALUE
            } else {
                age
            };
            s.age.push(age_cell);
            s.grade.push(grade);
            s.employment.push(employment);
            s.gender.push(gender);
            s.service.push(service);

            let grade_g = [0.0, -0.05, 0.0, 0.1, 0.25][grade as usize];
            let emp_g = [0.0, 0.15, 0.05][employment as usize];
            let g = bureau_g[b] + grade_g + emp_g + 0.9 * normal(&mut rng);
            let age_growth = [0.25, 0.1, -0.05, -0.2, -0.1][age as usize];
            let f: Vec<f64> = (0..n_dims)
                .map(|d| {
                    let extra = if d == 2 { age_growth } else { 0.0 };
                    bureau_f[b][d] + extra + 0.95 * normal(&mut rng)
                })
                .collect();
            for (factor, value) in latent.factors.iter_mut().zip(&f) {
                factor.push(*value as f32);
            }

            let mut item = 0;
            for (d, dim) in DIMENSIONS.iter().enumerate() {
                for _ in dim.items {
                    let y = LOAD_G * g + LOAD_DIM * f[d] + NOISE * normal(&mut rng);
                    latent.items[item].push(y as f32);
                    item += 1;
                }
            }
            let kpi: f64 = 0.5 * g
                + DIMENSIONS
                    .iter()
                    .enumerate()
                    .map(|(d, dim)| dim.kpi_weight * f[d])
                    .sum::<f64>()
                + 0.45 * normal(&mut rng);
            latent.items[item].push(kpi as f32);
            let mindset = 0.35 * g + 0.5 * f[3] + 0.7 * normal(&mut rng);
            latent.items[item + 1].push(mindset as f32);

            for (j, rate) in missing_rate.iter().enumerate() {
                let u: f64 = rng.random();
                // 休暇を取得しやすい (wel_1) has a わからない option, chosen by a few.
                let presence = if u < *rate {
                    0
                } else if j == welfare_leave_item() && u < rate + 0.006 {
                    2
                } else {
                    1
                };
                latent.presence[j].push(presence);
            }

            let utility = |options: &[OptionText],
                           bureau: &[f64],
                           out: &mut Vec<Vec<f32>>,
                           rng: &mut ChaCha8Rng| {
                for (o, option) in options.iter().enumerate() {
                    let drive: f64 = option.drivers.iter().map(|&(d, w)| w * f[d]).sum();
                    out[o].push((drive + bureau[o] + gumbel(rng)) as f32);
                }
            };
            utility(
                WORK_ISSUES,
                &work_bureau[b],
                &mut latent.work_utility_base,
                &mut rng,
            );
            utility(
                REFORM_PRIORITIES,
                &priority_bureau[b],
                &mut latent.priority_utility_base,
                &mut rng,
            );
            let capacity = |rng: &mut ChaCha8Rng, none_share: f64| {
                if rng.random::<f64>() < spec.multi_skip_share {
                    None
                } else if rng.random::<f64>() < none_share {
                    Some(0)
                } else {
                    Some(1 + categorical(rng, &[0.3, 0.35, 0.35]))
                }
            };
            let work = capacity(&mut rng, 0.05);
            let prio = capacity(&mut rng, 0.0);
            latent.work_capacity.push(work);
            latent.priority_capacity.push(prio);
        }
    }
    (s, latent)
}

/// Index of 休暇を取得しやすい among the items.
fn welfare_leave_item() -> usize {
    DIMENSIONS[..4].iter().map(|d| d.items.len()).sum()
}

/// Cuts a latent value into a 1..=5 answer with shift `c` and item offset.
fn cut(y: f32, shift: f64) -> u8 {
    let y = f64::from(y);
    1 + TAU.iter().filter(|&&t| y > t + shift).count() as u8
}

fn answer(latent: &Latent, item: usize, row: usize, shift: f64) -> u8 {
    match latent.presence[item][row] {
        0 => MISSING,
        2 => NOT_APPLICABLE,
        _ => cut(latent.items[item][row], shift + latent.offsets[item]),
    }
}

/// Mean of respondent scores over `items` (mean of answered items when at least half, rounded
/// up, are answered): the definition in docs/statistics.md.
fn composite_mean(latent: &Latent, items: &[usize], n: usize, shift: f64) -> f64 {
    let min_answered = items.len().div_ceil(2);
    let (mut total, mut scored) = (0.0, 0usize);
    for row in 0..n {
        let (mut sum, mut answered) = (0u32, 0usize);
        for &j in items {
            let a = answer(latent, j, row, shift);
            if a != MISSING && a != NOT_APPLICABLE {
                sum += u32::from(a);
                answered += 1;
            }
        }
        if answered >= min_answered && answered > 0 {
            total += f64::from(sum) / answered as f64;
            scored += 1;
        }
    }
    total / scored as f64
}

fn favourable_share(latent: &Latent, item: usize, n: usize, shift: f64) -> f64 {
    let (mut fav, mut valid) = (0usize, 0usize);
    for row in 0..n {
        let a = answer(latent, item, row, shift);
        if a != MISSING && a != NOT_APPLICABLE {
            valid += 1;
            fav += usize::from(a >= 4);
        }
    }
    fav as f64 / valid as f64
}

/// Solves `f(shift) = target` for a function that falls as the shift rises.
fn bisect(target: f64, f: impl Fn(f64) -> f64) -> f64 {
    let (mut lo, mut hi) = (-4.0, 4.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Item indices of each dimension, then the KPI and mindset items.
fn item_groups() -> Vec<Vec<usize>> {
    let mut groups = Vec::new();
    let mut next = 0;
    for dim in DIMENSIONS {
        groups.push((next..next + dim.items.len()).collect());
        next += dim.items.len();
    }
    groups.push(vec![next]);
    groups.push(vec![next + 1]);
    groups
}

/// Picks per respondent: the `capacity` options with the highest utility.
fn choose(utility: &[Vec<f32>], intercepts: &[f64], capacity: &[Option<u8>]) -> Vec<Option<u32>> {
    let k = utility.len();
    capacity
        .iter()
        .enumerate()
        .map(|(row, cap)| {
            cap.map(|cap| {
                let mut order: Vec<usize> = (0..k).collect();
                let u = |o: usize| f64::from(utility[o][row]) + intercepts[o];
                order.sort_by(|&a, &b| u(b).total_cmp(&u(a)));
                order
                    .iter()
                    .take(usize::from(cap))
                    .fold(0u32, |bits, &o| bits | (1 << o))
            })
        })
        .collect()
}

fn counts(picks: &[Option<u32>], k: usize) -> Vec<u64> {
    let mut c = vec![0u64; k];
    for bits in picks.iter().flatten() {
        for (o, count) in c.iter_mut().enumerate() {
            *count += u64::from(bits >> o & 1);
        }
    }
    c
}

/// Fits intercepts so that expected counts approach `targets` (iterative proportional fit).
fn fit_intercepts(utility: &[Vec<f32>], capacity: &[Option<u8>], targets: &[u64]) -> Vec<f64> {
    let mut a = vec![0.0; targets.len()];
    for _ in 0..60 {
        let c = counts(&choose(utility, &a, capacity), targets.len());
        for o in 0..a.len() {
            a[o] += 0.8 * ((targets[o] as f64 + 0.5) / (c[o] as f64 + 0.5)).ln();
        }
    }
    a
}

/// Makes every count equal its target: drops the lowest-utility picks of options over target,
/// then adds the highest-utility picks of options under target among respondents with room.
fn exact_counts(
    picks: &mut [Option<u32>],
    utility: &[Vec<f32>],
    intercepts: &[f64],
    targets: &[u64],
) {
    let u = |o: usize, row: usize| f64::from(utility[o][row]) + intercepts[o];
    let current = counts(picks, targets.len());
    for (o, &target) in targets.iter().enumerate() {
        if current[o] > target {
            let mut holders: Vec<usize> = (0..picks.len())
                .filter(|&r| picks[r].is_some_and(|b| b >> o & 1 == 1 && b.count_ones() > 1))
                .collect();
            holders.sort_by(|&a, &b| u(o, a).total_cmp(&u(o, b)).then(a.cmp(&b)));
            for &r in holders.iter().take((current[o] - target) as usize) {
                picks[r] = picks[r].map(|b| b & !(1 << o));
            }
        }
    }
    let current = counts(picks, targets.len());
    for (o, &target) in targets.iter().enumerate() {
        if current[o] < target {
            let mut takers: Vec<usize> = (0..picks.len())
                .filter(|&r| {
                    picks[r].is_some_and(|b| {
                        b >> o & 1 == 0 && (b.count_ones() as usize) < MAX_PICKS && b != 0
                    })
                })
                .collect();
            takers.sort_by(|&a, &b| u(o, b).total_cmp(&u(o, a)).then(a.cmp(&b)));
            for &r in takers.iter().take((target - current[o]) as usize) {
                picks[r] = picks[r].map(|b| b | (1 << o));
            }
        }
    }
}

/// Calibrates the model on a sample of the wave's own size and returns that sample.
pub fn calibrate(spec: &WaveSpec) -> (Sample, Calibration) {
    let (mut sample, latent) = draw(spec, spec.respondents, spec.seed);
    let n = sample.n;
    let groups = item_groups();
    let mut shifts = Vec::new();
    for (d, items) in groups.iter().take(DIMENSIONS.len()).enumerate() {
        shifts.push(bisect(spec.dimension_means[d], |c| {
            composite_mean(&latent, items, n, c)
        }));
    }
    let kpi = groups[DIMENSIONS.len()][0];
    shifts.push(bisect(spec.kpi_mean, |c| {
        composite_mean(&latent, &[kpi], n, c)
    }));
    let mindset = groups[DIMENSIONS.len() + 1][0];
    shifts.push(bisect(spec.mindset_share, |c| {
        favourable_share(&latent, mindset, n, c)
    }));
    let calibration = Calibration {
        work_intercepts: fit_intercepts(
            &latent.work_utility_base,
            &latent.work_capacity,
            &spec.work_issue_counts,
        ),
        priority_intercepts: fit_intercepts(
            &latent.priority_utility_base,
            &latent.priority_capacity,
            &spec.priority_counts,
        ),
        shifts,
    };
    finish(&mut sample, &latent, &calibration, spec, 1.0);
    let kpi = &sample.answers[item_count() - 2];
    sample.comments = Some(crate::comments::draw_comments(
        &latent.factors,
        &sample.bureau,
        kpi,
        spec.seed,
    ));
    (sample, calibration)
}

/// Draws `n` respondents with a calibration found on the wave's own sample (for benchmarks).
/// Multi-select targets scale with `n`; the other figures come out near the targets.
pub fn draw_calibrated(spec: &WaveSpec, calibration: &Calibration, n: usize, seed: u64) -> Sample {
    let (mut sample, latent) = draw(spec, n, seed);
    finish(
        &mut sample,
        &latent,
        calibration,
        spec,
        n as f64 / spec.respondents as f64,
    );
    sample
}

fn finish(
    sample: &mut Sample,
    latent: &Latent,
    calibration: &Calibration,
    spec: &WaveSpec,
    scale: f64,
) {
    let groups = item_groups();
    for (g, items) in groups.iter().enumerate() {
        for &j in items {
            sample.answers[j] = (0..sample.n)
                .map(|row| answer(latent, j, row, calibration.shifts[g]))
                .collect();
        }
    }
    let scaled = |c: &[u64]| {
        c.iter()
            .map(|&x| (x as f64 * scale).round() as u64)
            .collect::<Vec<_>>()
    };
    let mut work = choose(
        &latent.work_utility_base,
        &calibration.work_intercepts,
        &latent.work_capacity,
    );
    exact_counts(
        &mut work,
        &latent.work_utility_base,
        &calibration.work_intercepts,
        &scaled(&spec.work_issue_counts),
    );
    let mut prio = choose(
        &latent.priority_utility_base,
        &calibration.priority_intercepts,
        &latent.priority_capacity,
    );
    exact_counts(
        &mut prio,
        &latent.priority_utility_base,
        &calibration.priority_intercepts,
        &scaled(&spec.priority_counts),
    );
    sample.work_issues = work;
    sample.priorities = prio;
}

/// Age band label of a code, for writers.
pub fn age_label(code: u8) -> &'static str {
    if code == NO_VALUE {
        ""
    } else {
        AGE_BANDS[code as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_by_hand() {
        // 10 over 1:1:1 -> 3.33 each; the largest remainders tie, so the first gets the extra.
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[5.0, 2.0]), vec![5, 2]);
    }

    #[test]
    fn cut_points() {
        assert_eq!(cut(-3.0, 0.0), 1);
        assert_eq!(cut(0.0, 0.0), 3);
        assert_eq!(cut(3.0, 0.0), 5);
        assert_eq!(cut(0.0, -1.0), 4);
    }
}

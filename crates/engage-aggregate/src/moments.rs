//! Integer co-moments: what reliability, correlations, key drivers and multi-select depth need,
//! collected in the same pass so no statistic has to touch the rows again.
//!
//! Variables are kept as integers: item answers are flipped codes `1..=points`; a composite
//! score is multiplied by its [`composite_scale`](crate::composite_scale); a share KPI is a
//! 0/1 indicator. Sums are `i128`, so they cannot overflow for any realistic survey.

use serde::{Deserialize, Serialize};

/// Sums over the rows where both `a` and `b` are present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PairSums {
    pub n: u64,
    pub sum_a: i128,
    pub sum_b: i128,
    pub sum_aa: i128,
    pub sum_bb: i128,
    pub sum_ab: i128,
}

impl PairSums {
    #[inline]
    pub fn add(&mut self, a: i64, b: i64) {
        let (a, b) = (i128::from(a), i128::from(b));
        self.n += 1;
        self.sum_a += a;
        self.sum_b += b;
        self.sum_aa += a * a;
        self.sum_bb += b * b;
        self.sum_ab += a * b;
    }

    pub fn merge(&mut self, o: &PairSums) {
        self.n += o.n;
        self.sum_a += o.sum_a;
        self.sum_b += o.sum_b;
        self.sum_aa += o.sum_aa;
        self.sum_bb += o.sum_bb;
        self.sum_ab += o.sum_ab;
    }
}

/// Count, sum and sum of squares of one variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sums {
    pub n: u64,
    pub sum: i128,
    pub sum_sq: i128,
}

impl Sums {
    #[inline]
    pub fn add(&mut self, x: i64) {
        let x = i128::from(x);
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }

    pub fn merge(&mut self, o: &Sums) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
    }
}

/// Sums and the cross-product matrix of `k` variables over the rows where all are present
/// (listwise deletion). `cross` is the upper triangle with the diagonal, row by row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listwise {
    pub n: u64,
    pub sum: Vec<i128>,
    pub cross: Vec<i128>,
}

impl Listwise {
    pub fn new(k: usize) -> Self {
        Listwise {
            n: 0,
            sum: vec![0; k],
            cross: vec![0; k * (k + 1) / 2],
        }
    }

    pub fn k(&self) -> usize {
        self.sum.len()
    }

    #[inline]
    pub fn add(&mut self, values: &[i64]) {
        self.n += 1;
        let mut t = 0;
        for (i, &a) in values.iter().enumerate() {
            self.sum[i] += i128::from(a);
            for &b in &values[i..] {
                self.cross[t] += i128::from(a) * i128::from(b);
                t += 1;
            }
        }
    }

    /// Σ x_i x_j for any order of `i` and `j`.
    pub fn cross_at(&self, i: usize, j: usize) -> i128 {
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        self.cross[upper_index(i, j, self.k())]
    }

    /// Sample covariance matrix (denominator n − 1) of the variables, from the exact integer
    /// sums: cov_ij = (n Σx_i x_j − Σx_i Σx_j) / (n (n − 1)), the numerator exact in i128.
    /// `None` below two rows.
    pub fn covariance(&self) -> Option<Vec<Vec<f64>>> {
        if self.n < 2 {
            return None;
        }
        let n = i128::from(self.n);
        let k = self.k();
        let cov = (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| {
                        let numerator = n * self.cross_at(i, j) - self.sum[i] * self.sum[j];
                        numerator as f64 / (n * (n - 1)) as f64
                    })
                    .collect()
            })
            .collect();
        Some(cov)
    }

    pub fn merge(&mut self, o: &Listwise) {
        self.n += o.n;
        add_all(&mut self.sum, &o.sum);
        add_all(&mut self.cross, &o.cross);
    }
}

/// Position of `(i, j)`, `i <= j`, in a row-major upper triangle with diagonal of size `k`.
pub fn upper_index(i: usize, j: usize, k: usize) -> usize {
    debug_assert!(i <= j && j < k);
    // Rows before `i` hold k, k-1, ..., k-i+1 entries.
    i * k - i * i.saturating_sub(1) / 2 + (j - i)
}

/// Adds `count` to every pair of options in `picks` (with each option and itself) of a
/// question of `options` options: its co-picks, upper triangle with the diagonal.
#[inline(always)]
pub(crate) fn add_co_picks(co_picked: &mut [u64], picks: u64, options: usize, count: u64) {
    let mut bits = picks;
    while bits != 0 {
        let o = bits.trailing_zeros() as usize;
        let mut rest = bits;
        while rest != 0 {
            co_picked[upper_index(o, rest.trailing_zeros() as usize, options)] += count;
            rest &= rest - 1;
        }
        bits &= bits - 1;
    }
}

/// Position of `(i, j)`, `i < j`, among the strict pairs of `k` variables, row by row.
pub fn pair_index(i: usize, j: usize, k: usize) -> usize {
    debug_assert!(i < j && j < k);
    i * (2 * k - i - 1) / 2 + (j - i - 1)
}

fn add_all<T: Copy + std::ops::AddAssign>(a: &mut [T], b: &[T]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += *y;
    }
}

/// Co-moments of one dimension's items (flipped codes): listwise for Cronbach's alpha with
/// its Feldt interval, item-rest correlations and alpha-if-deleted; pairwise (rows where both
/// items are answered) for pairwise-deletion alpha.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMoments {
    pub listwise: Listwise,
    /// Per item pair `i < j` of the dimension, in [`pair_index`] order.
    pub pairs: Vec<PairSums>,
}

impl ItemMoments {
    pub fn new(k: usize) -> Self {
        ItemMoments {
            listwise: Listwise::new(k),
            pairs: vec![PairSums::default(); k * k.saturating_sub(1) / 2],
        }
    }

    pub fn merge(&mut self, o: &ItemMoments) {
        self.listwise.merge(&o.listwise);
        for (a, b) in self.pairs.iter_mut().zip(&o.pairs) {
            a.merge(b);
        }
    }
}

/// Multi-select depth: which options are picked together, and the KPI values of those who
/// picked each option (those who did not follow by subtraction from `kpi_answered`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiMoments {
    /// Respondents picking both options, upper triangle with the diagonal ([`upper_index`]).
    pub co_picked: Vec<u64>,
    /// Per KPI: respondents who answered the question and have a KPI value.
    pub kpi_answered: Vec<Sums>,
    /// Per option, then per KPI: those among them who picked the option.
    pub kpi_picked: Vec<Sums>,
}

impl MultiMoments {
    pub fn new(options: usize, kpis: usize) -> Self {
        MultiMoments {
            co_picked: vec![0; options * (options + 1) / 2],
            kpi_answered: vec![Sums::default(); kpis],
            kpi_picked: vec![Sums::default(); options * kpis],
        }
    }

    pub fn merge(&mut self, o: &MultiMoments) {
        add_all(&mut self.co_picked, &o.co_picked);
        for (a, b) in self.kpi_answered.iter_mut().zip(&o.kpi_answered) {
            a.merge(b);
        }
        for (a, b) in self.kpi_picked.iter_mut().zip(&o.kpi_picked) {
            a.merge(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triangle_indices_enumerate_in_order() {
        let k = 5;
        let mut t = 0;
        for i in 0..k {
            for j in i..k {
                assert_eq!(upper_index(i, j, k), t);
                t += 1;
            }
        }
        assert_eq!(t, k * (k + 1) / 2);
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                assert_eq!(pair_index(i, j, k), p);
                p += 1;
            }
        }
    }

    #[test]
    fn listwise_cross_products_by_hand() {
        // Rows (1,2,3) and (4,5,6): Σx0x1 = 2 + 20 = 22, Σx2² = 9 + 36 = 45.
        let mut l = Listwise::new(3);
        l.add(&[1, 2, 3]);
        l.add(&[4, 5, 6]);
        assert_eq!(l.n, 2);
        assert_eq!(l.sum, vec![5, 7, 9]);
        assert_eq!(l.cross_at(1, 0), 22);
        assert_eq!(l.cross_at(2, 2), 45);
        assert_eq!(l.cross_at(0, 2), 3 + 24);
    }
}

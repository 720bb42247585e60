//! The block kernels behind every co-moment: sums over a block's rows of products of two
//! columns, written as plain loops over `W::Value` columns so that they vectorise (`i16`
//! values multiply-add into `i32` lanes). A column holds a variable's values, 0 where absent,
//! beside its presence flags (1 present, 0 absent); both are [`BLOCK_ROWS`] apart in their
//! arrays.

use crate::counters::Width;
use crate::moments::{Listwise, PairSums};
use crate::plan::BLOCK_ROWS;

/// Variable `v`'s part of a block array: its first `n` rows.
#[inline]
pub(crate) fn column<T>(array: &[T], v: usize, n: usize) -> &[T] {
    &array[v * BLOCK_ROWS..][..n]
}

/// Sums over the rows where both `a` and `b` are present, added to `pair`. With `m_a` the
/// values of `a` where `b` is present, Σa² over those rows is Σ a·m_a, so every sum is of
/// values or of products of two values.
#[inline(always)]
pub(crate) fn add_pair<W: Width>(
    pair: &mut PairSums,
    (va, pa): (&[W::Value], &[W::Value]),
    (vb, pb): (&[W::Value], &[W::Value]),
) {
    let mut s = [W::Sum::default(); 6];
    for (((&va, &pa), &vb), &pb) in va.iter().zip(pa).zip(vb).zip(pb) {
        let (m_a, m_b) = (va * pb, vb * pa);
        s[0] += W::product(pa, pb);
        s[1] += W::Sum::from(m_a);
        s[2] += W::Sum::from(m_b);
        s[3] += W::product(va, m_a);
        s[4] += W::product(vb, m_b);
        s[5] += W::product(va, vb);
    }
    let n: i128 = s[0].into();
    pair.n += n as u64;
    pair.sum_a += s[1].into();
    pair.sum_b += s[2].into();
    pair.sum_aa += s[3].into();
    pair.sum_bb += s[4].into();
    pair.sum_ab += s[5].into();
}

/// Sums and cross-products of `variables` over the block's rows where all are present, added
/// to `listwise`. `mask` and `masked` are scratch (a row each, and a column per variable).
#[inline(always)]
pub(crate) fn add_listwise<W: Width>(
    listwise: &mut Listwise,
    variables: &[usize],
    (values, present): (&[W::Value], &[W::Value]),
    n: usize,
    mask: &mut [W::Value],
    masked: &mut [W::Value],
) {
    let mask = &mut mask[..n];
    mask.fill(W::value(1));
    for &v in variables {
        for (m, &p) in mask.iter_mut().zip(column(present, v, n)) {
            *m = *m * p;
        }
    }
    let mut rows_in = W::Sum::default();
    for &m in mask.iter() {
        rows_in += W::Sum::from(m);
    }
    let rows_in: i128 = rows_in.into();
    listwise.n += rows_in as u64;
    for (j, &v) in variables.iter().enumerate() {
        let out = &mut masked[j * BLOCK_ROWS..][..n];
        for ((x, &value), &m) in out.iter_mut().zip(column(values, v, n)).zip(&*mask) {
            *x = value * m;
        }
    }
    let mut t = 0;
    for i in 0..variables.len() {
        let xi = column(masked, i, n);
        let mut sum = W::Sum::default();
        for &x in xi {
            sum += W::Sum::from(x);
        }
        listwise.sum[i] += sum.into();
        for j in i..variables.len() {
            let mut cross = W::Sum::default();
            for (&x, &y) in xi.iter().zip(column(masked, j, n)) {
                cross += W::product(x, y);
            }
            listwise.cross[t] += cross.into();
            t += 1;
        }
    }
}

//! The whole organisation's multi-select depth, counted by pick set: a row of a question of
//! at most [`PICK_SET_OPTIONS`] options adds one to the counter of the set of options it
//! picked, and its KPI values to that set's sums. The co-picks and the KPI sums of those who
//! picked each option are expanded from the sets when the counters are flushed. Following a
//! row's picks bit by bit (a pair loop inside a pick loop) cost a mispredicted branch at the
//! end of every loop and was about a sixth of the pass; a set's counter is one increment.
//! Only the sets some row picked are touched (with at most three picks of 15 options, 576 of
//! 32,768), so the tables stay in cache and their untouched pages are never mapped.

use crate::counters::Width;
use crate::moments::{add_co_picks, MultiMoments, Sums};

/// Questions with at most this many options are counted by pick set (65,536 sets, each a
/// count and three sums per KPI: 3.5 MB of address space with two KPIs, of which only the
/// picked sets' lines are used). Larger questions follow each row's picks instead.
pub(crate) const PICK_SET_OPTIONS: usize = 16;

/// One question's counters by pick set, the last one for the rows that did not answer it
/// (counted so that no branch decides; never expanded).
pub(crate) struct PickSets<W: Width> {
    options: usize,
    kpis: usize,
    counts: Vec<u64>,
    /// The sets whose count is not zero, so that a flush visits only them.
    touched: Vec<u32>,
    /// `[set][kpi][n, sum, sum of squares]`, exact in the cells' type between flushes (each
    /// row adds at most what a composite cell does: `Plan::composite_flush_rows`).
    sums: Vec<W::Cell>,
}

impl<W: Width> PickSets<W> {
    /// Counters for a question of `options` options, if it is small enough.
    pub fn new(options: usize, kpis: usize) -> Option<Self> {
        (options <= PICK_SET_OPTIONS).then(|| {
            let sets = (1usize << options) + 1;
            PickSets {
                options,
                kpis,
                counts: vec![0; sets],
                touched: Vec::new(),
                sums: vec![W::Cell::default(); sets * kpis * 3],
            }
        })
    }

    /// Adds one row: the set it picked (`None` when it did not answer), and per KPI its
    /// presence (1 or 0) and scaled value (0 when absent).
    #[inline(always)]
    pub fn add(&mut self, picked: Option<u64>, kpi: impl Fn(usize) -> (W::Value, W::Value)) {
        let set = match picked {
            Some(picks) => picks as usize,
            None => 1usize << self.options,
        };
        if self.counts[set] == 0 {
            self.touched.push(set as u32);
        }
        self.counts[set] += 1;
        let sums = &mut self.sums[set * self.kpis * 3..][..self.kpis * 3];
        for (k, at) in sums.chunks_exact_mut(3).enumerate() {
            let (present, value) = kpi(k);
            let y = W::cell(value);
            at[0] += W::cell(present);
            at[1] += y;
            at[2] += y * y;
        }
    }

    /// Expands every set into `moments` (each pair of its options co-picked `count` times,
    /// its KPI sums added to the question's and to each of its options') and clears them.
    pub fn flush(&mut self, moments: &mut MultiMoments) {
        let (n, kpis) = (self.options, self.kpis);
        let per_set = kpis * 3;
        for set in self.touched.drain(..) {
            let set = set as usize;
            let count = std::mem::take(&mut self.counts[set]);
            let sums = &mut self.sums[set * per_set..][..per_set];
            if set == 1 << n {
                sums.fill(W::Cell::default());
                continue;
            }
            for (k, from) in sums.chunks_exact(3).enumerate() {
                add_sums(&mut moments.kpi_answered[k], from);
            }
            add_co_picks(&mut moments.co_picked, set as u64, n, count);
            let mut bits = set;
            while bits != 0 {
                let o = bits.trailing_zeros() as usize;
                for (k, from) in sums.chunks_exact(3).enumerate() {
                    add_sums(&mut moments.kpi_picked[o * kpis + k], from);
                }
                bits &= bits - 1;
            }
            sums.fill(W::Cell::default());
        }
    }
}

/// `[n, sum, sum of squares]` of a block or a set, added to the exact sums.
pub(crate) fn add_sums<C: Copy + Into<i128>>(to: &mut Sums, from: &[C]) {
    let n: i128 = from[0].into();
    to.n += n as u64;
    to.sum += from[1].into();
    to.sum_sq += from[2].into();
}

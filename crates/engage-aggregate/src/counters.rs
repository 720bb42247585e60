//! The counters one rayon split fills: per tally cell the answer counts, composite sums and
//! multi-select counts; for the whole organisation the co-moments. Rows are taken in blocks
//! of [`BLOCK_ROWS`], column by column: a block's flipped codes, scores and cells are derived
//! once into small columns that every kernel then streams. Score values and a block's sums of
//! products are held in the narrowest types the plan proves exact ([`Width`]), so that the
//! sums of products vectorise, before being added to the `i128` partials.

use std::ops::{AddAssign, Mul, Range};

use engage_ingest::ResponseTable;
use engage_model::Survey;

use crate::kernels::{add_listwise, add_pair, column};
use crate::moments::{add_co_picks, pair_index, ItemMoments, Listwise, MultiMoments, PairSums};
use crate::partials::{CompositeSums, GroupLevel, Partials};
use crate::pick_sets::{add_sums, PickSets};
use crate::plan::{Plan, BLOCK_ROWS};
use crate::values::{composite_answers, flip_rows};

/// How a block holds its score values and sums their products, exactly: [`Short`] when every
/// block sum of products fits `i32` (`i16` values: the products vectorise), [`Narrow`] when
/// they fit `i64`, [`Wide`] otherwise (`Plan::width` decides).
pub(crate) trait Width: Send + Sync + 'static {
    /// A row's scaled score (at most points × scale, never negative).
    type Value: Copy + Default + Send + Mul<Output = Self::Value> + Into<i128>;
    /// A block's sum of values or of products of two values.
    type Sum: Copy + Default + AddAssign + From<Self::Value> + Into<i128>;
    /// A tally cell's composite sums between flushes ([`Plan::composite_flush_rows`]).
    type Cell: Copy + Default + Send + AddAssign + Mul<Output = Self::Cell> + Into<i128>;
    /// `x`, which the plan's bound says fits.
    fn value(x: i64) -> Self::Value;
    fn product(a: Self::Value, b: Self::Value) -> Self::Sum;
    fn cell(a: Self::Value) -> Self::Cell;
}

pub(crate) struct Short;
pub(crate) struct Narrow;
pub(crate) struct Wide;

impl Width for Short {
    type Value = i16;
    type Sum = i32;
    type Cell = i64;
    #[inline(always)]
    fn value(x: i64) -> i16 {
        debug_assert!(i16::try_from(x).is_ok());
        x as i16
    }
    #[inline(always)]
    fn product(a: i16, b: i16) -> i32 {
        i32::from(a) * i32::from(b)
    }
    #[inline(always)]
    fn cell(a: i16) -> i64 {
        i64::from(a)
    }
}

impl Width for Narrow {
    type Value = i64;
    type Sum = i64;
    type Cell = i64;
    #[inline(always)]
    fn value(x: i64) -> i64 {
        x
    }
    #[inline(always)]
    fn product(a: i64, b: i64) -> i64 {
        a * b
    }
    #[inline(always)]
    fn cell(a: i64) -> i64 {
        a
    }
}

impl Width for Wide {
    type Value = i128;
    type Sum = i128;
    type Cell = i128;
    #[inline(always)]
    fn value(x: i64) -> i128 {
        i128::from(x)
    }
    #[inline(always)]
    fn product(a: i128, b: i128) -> i128 {
        a * b
    }
    #[inline(always)]
    fn cell(a: i128) -> i128 {
        a
    }
}

pub(crate) struct Counters<W: Width> {
    tallies: Vec<TallyCounts<W>>,
    /// Per dimension, the co-moments of its items.
    dimensions: Vec<ItemMoments>,
    score_pairs: Vec<PairSums>,
    drivers: Vec<Listwise>,
    /// Per KPI, its driver variables: every dimension score, then the KPI.
    driver_variables: Vec<Vec<usize>>,
    multi: Vec<MultiMoments>,
    /// Per multi-select question, its counters by pick set when it is small enough.
    pick_sets: Vec<Option<PickSets<W>>>,
    block: Block<W>,
    /// Rows in the tallies' composite block sums since they were last flushed.
    composite_rows: usize,
    /// Rows in the tallies' `u16` answer counts since they were last flushed.
    item_rows: usize,
}

/// Picks of a row counted without a branch (more take a loop): three, the most a question
/// usually allows (`max_picks`).
const DUMMY_PICKS: usize = 3;

/// A cell's multi-select counters of a question of `options` options.
fn multi_stride(options: usize) -> usize {
    options + DUMMY_PICKS + 1
}

/// A tally's counters, flat and indexed by cell.
struct TallyCounts<W: Width> {
    cells: usize,
    respondents: Vec<u64>,
    /// `[item][cell][slot]`: one item's counters are contiguous, so counting an item column
    /// touches only them. `u16`, flushed into `items` before they could overflow, so that
    /// every item's counters of the sections × age tally (720 cells) fit in L2 together.
    recent_items: Vec<u16>,
    items: Vec<u64>,
    /// `[cell][composite]`, and the block's `[cell][composite][n, sum, sum of squares]`.
    composites: Vec<CompositeSums>,
    block_composites: Vec<W::Cell>,
    /// Per multi-select question `[cell][option, then DUMMY_PICKS spare counters, then the
    /// base]`: a row adds one to its cell's base and, for each of its first `DUMMY_PICKS`
    /// picks, to the option, or to a spare where it has fewer picks; no branch follows the
    /// picks (a loop over them mispredicted its end on most rows).
    multi: Vec<Vec<u64>>,
}

impl<W: Width> TallyCounts<W> {
    /// Adds the composite block sums to the exact sums and clears them.
    fn flush_composites(&mut self) {
        for (sums, block) in self
            .composites
            .iter_mut()
            .zip(self.block_composites.chunks_exact_mut(3))
        {
            let n: i128 = block[0].into();
            sums.n += n as u64;
            sums.sum += block[1].into();
            sums.sum_sq += block[2].into();
            block.fill(W::Cell::default());
        }
    }

    /// Adds the recent answer counts to the exact ones and clears them.
    fn flush_items(&mut self) {
        for (total, recent) in self.items.iter_mut().zip(&mut self.recent_items) {
            *total += u64::from(*recent);
            *recent = 0;
        }
    }
}

/// One block's derived columns, `BLOCK_ROWS` apart.
struct Block<W: Width> {
    /// `[item]`: flipped codes, 0 for no answer; the same as `i16`, and whether answered.
    flipped: Vec<u8>,
    item_codes: Vec<i16>,
    item_present: Vec<i16>,
    /// `[item]`: each raw code's answer slot ([`Plan::slot_of`]), shared by every tally.
    item_slots: Vec<u8>,
    /// `[variable]`: the scaled score, 0 when absent, and 1 when present.
    values: Vec<W::Value>,
    present: Vec<W::Value>,
    /// `[tally]`: each row's cell.
    cells: Vec<u32>,
    /// Scratch: items answered and sums of a composite; a mask and masked values, for the
    /// drivers and for a dimension's items.
    answered: Vec<u32>,
    sums: Vec<u32>,
    mask: Vec<W::Value>,
    masked: Vec<W::Value>,
    item_mask: Vec<i16>,
    item_masked: Vec<i16>,
    /// A question's KPI sums in this block, `[option or the answered][kpi][n, sum, sum of
    /// squares]` (the answered last), exact in the cells' type as a composite block is.
    multi_sums: Vec<W::Cell>,
}

impl<W: Width> Counters<W> {
    pub fn new(plan: &Plan, survey: &Survey) -> Self {
        let def = &survey.definition;
        let items = def.items.len();
        let composites = plan.composites.len();
        let variables = plan.variables.len();
        let dims = plan.variables.dimensions;
        let kpis = survey.kpi_measures.len();
        let largest_dimension = plan.composites[..dims]
            .iter()
            .map(|c| c.items.len())
            .max()
            .unwrap_or(0);
        let tallies = plan
            .tallies
            .iter()
            .map(|t| TallyCounts {
                cells: t.cells,
                respondents: vec![0; t.cells],
                recent_items: vec![0; items * t.cells * plan.slots],
                items: vec![0; items * t.cells * plan.slots],
                composites: vec![CompositeSums::default(); t.cells * composites],
                block_composites: vec![W::Cell::default(); t.cells * composites * 3],
                multi: plan
                    .option_counts
                    .iter()
                    .map(|&options| vec![0; t.cells * multi_stride(options)])
                    .collect(),
            })
            .collect();
        Counters {
            tallies,
            dimensions: plan.composites[..dims]
                .iter()
                .map(|c| ItemMoments::new(c.items.len()))
                .collect(),
            score_pairs: vec![PairSums::default(); variables * variables.saturating_sub(1) / 2],
            drivers: vec![Listwise::new(dims + 1); kpis],
            driver_variables: plan
                .variables
                .kpi_variable
                .iter()
                .map(|&kpi| (0..dims).chain([kpi]).collect())
                .collect(),
            multi: def
                .multi_select
                .iter()
                .map(|q| MultiMoments::new(q.options.len(), kpis))
                .collect(),
            pick_sets: def
                .multi_select
                .iter()
                .map(|q| PickSets::new(q.options.len(), kpis))
                .collect(),
            composite_rows: 0,
            item_rows: 0,
            block: Block {
                flipped: vec![0; items * BLOCK_ROWS],
                item_codes: vec![0; items * BLOCK_ROWS],
                item_present: vec![0; items * BLOCK_ROWS],
                item_slots: vec![0; items * BLOCK_ROWS],
                values: vec![W::Value::default(); variables * BLOCK_ROWS],
                present: vec![W::Value::default(); variables * BLOCK_ROWS],
                cells: vec![0; plan.tallies.len() * BLOCK_ROWS],
                answered: vec![0; BLOCK_ROWS],
                sums: vec![0; BLOCK_ROWS],
                mask: vec![W::Value::default(); BLOCK_ROWS],
                masked: vec![W::Value::default(); (dims + 1) * BLOCK_ROWS],
                item_mask: vec![0; BLOCK_ROWS],
                item_masked: vec![0; largest_dimension * BLOCK_ROWS],
                multi_sums: vec![
                    W::Cell::default();
                    (plan.option_counts.iter().max().unwrap_or(&0) + 1) * kpis * 3
                ],
            },
        }
    }

    /// Counts `rows`. The block kernels are compiled twice: for the x86-64 baseline (SSE2)
    /// and with AVX2, taken when the CPU has it, so that the sums of products run in 256-bit
    /// lanes (the pass at 1M rows: 0.072 s, against 0.086 s with SSE2 alone); both sum the same
    /// integers, so the partials are identical.
    pub fn add_rows(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { self.add_rows_avx2(plan, table, rows) };
            return;
        }
        self.add_rows_inlined(plan, table, rows);
    }

    /// [`Self::add_rows`] with AVX2: everything it calls is inlined into it, so compiled
    /// with AVX2 too.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn add_rows_avx2(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        self.add_rows_inlined(plan, table, rows);
    }

    #[inline(always)]
    fn add_rows_inlined(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        let mut start = rows.start;
        while start < rows.end {
            let end = (start + BLOCK_ROWS).min(rows.end);
            let n = end - start;
            self.derive(plan, table, start..end);
            if self.composite_rows + n > plan.composite_flush_rows {
                self.tallies
                    .iter_mut()
                    .for_each(TallyCounts::flush_composites);
                self.flush_pick_sets();
                self.composite_rows = 0;
            }
            self.composite_rows += n;
            // A row adds at most one to a counter.
            if self.item_rows + n > usize::from(u16::MAX) {
                self.tallies.iter_mut().for_each(TallyCounts::flush_items);
                self.item_rows = 0;
            }
            self.item_rows += n;
            for tally in 0..self.tallies.len() {
                self.count_tally(plan, table, tally, start..end);
            }
            self.add_moments(plan, table, start..end);
            start = end;
        }
    }

    /// Flipped codes, scores and cells of the block's rows.
    #[inline(always)]
    fn derive(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        let n = rows.len();
        let b = &mut self.block;
        flip_rows(
            plan.points,
            &plan.reversed,
            table,
            rows.clone(),
            &mut b.flipped,
        );
        let item_columns = b
            .flipped
            .chunks_exact(BLOCK_ROWS)
            .zip(b.item_codes.chunks_exact_mut(BLOCK_ROWS))
            .zip(b.item_present.chunks_exact_mut(BLOCK_ROWS));
        for ((flipped, codes), present) in item_columns {
            for ((&x, code), present) in flipped[..n].iter().zip(codes).zip(present) {
                *code = i16::from(x);
                *present = i16::from(x != 0);
            }
        }
        for (column, slots) in table
            .items
            .iter()
            .zip(b.item_slots.chunks_exact_mut(BLOCK_ROWS))
        {
            for (slot, &code) in slots.iter_mut().zip(&column[rows.clone()]) {
                *slot = plan.slot_of(code);
            }
        }
        for (c, composite) in plan.composites.iter().enumerate() {
            let (answered, sums) = (&mut b.answered[..n], &mut b.sums[..n]);
            composite_answers(&composite.items, &b.flipped, answered, sums);
            let at = c * BLOCK_ROWS..c * BLOCK_ROWS + n;
            let (values, present) = (&mut b.values[at.clone()], &mut b.present[at]);
            for r in 0..n {
                let factor = composite.factor[answered[r] as usize];
                values[r] = W::value(i64::from(sums[r]) * factor);
                present[r] = W::value(i64::from(factor != 0));
            }
        }
        let first_share = plan.composites.len();
        for (s, share) in plan.shares.iter().enumerate() {
            let v = first_share + s;
            let codes = &b.flipped[share.item * BLOCK_ROWS..share.item * BLOCK_ROWS + n];
            let at = v * BLOCK_ROWS..v * BLOCK_ROWS + n;
            for ((value, present), &x) in b.values[at.clone()]
                .iter_mut()
                .zip(&mut b.present[at])
                .zip(codes)
            {
                *value = W::value(i64::from(share.chosen[usize::from(x)]));
                *present = W::value(i64::from(x != 0));
            }
        }
        for (t, tally) in plan.tallies.iter().enumerate() {
            let cells = &mut b.cells[t * BLOCK_ROWS..t * BLOCK_ROWS + n];
            cells.fill(0);
            for &(s, stride) in &tally.factors {
                for (cell, &code) in cells.iter_mut().zip(&table.segments[s].codes[rows.clone()]) {
                    *cell += code * stride;
                }
            }
        }
    }

    /// Every row into its cell of one tally: answer counts item by item, composite sums,
    /// multi-select counts.
    #[inline(always)]
    fn count_tally(&mut self, plan: &Plan, table: &ResponseTable, t: usize, rows: Range<usize>) {
        let n = rows.len();
        let b = &self.block;
        let counts = &mut self.tallies[t];
        let cells = &b.cells[t * BLOCK_ROWS..t * BLOCK_ROWS + n];
        let slots = plan.slots;
        for &cell in cells {
            counts.respondents[cell as usize] += 1;
        }
        let per_item = counts.cells * slots;
        // Two items at a time: their counters never alias, so the increments overlap.
        let mut hists = counts.recent_items.chunks_exact_mut(per_item);
        let mut item_slots = b.item_slots.chunks_exact(BLOCK_ROWS);
        while let (Some(h0), Some(s0)) = (hists.next(), item_slots.next()) {
            match (hists.next(), item_slots.next()) {
                (Some(h1), Some(s1)) => {
                    for ((&cell, &x0), &x1) in cells.iter().zip(&s0[..n]).zip(&s1[..n]) {
                        let at = cell as usize * slots;
                        h0[at + usize::from(x0)] += 1;
                        h1[at + usize::from(x1)] += 1;
                    }
                }
                _ => {
                    for (&cell, &x0) in cells.iter().zip(&s0[..n]) {
                        h0[cell as usize * slots + usize::from(x0)] += 1;
                    }
                }
            }
        }
        let composites = plan.composites.len();
        let block_composites = counts.block_composites.as_mut_slice();
        for c in 0..composites {
            let at = c * BLOCK_ROWS..c * BLOCK_ROWS + n;
            let rows_of = b.values[at.clone()].iter().zip(&b.present[at]);
            for (&cell, (&value, &present)) in cells.iter().zip(rows_of) {
                let at = (cell as usize * composites + c) * 3;
                // One bounds check for the three sums, not one each.
                let [n, sum, sum_sq] = &mut block_composites[at..at + 3] else {
                    unreachable!("a slice of three")
                };
                let value = W::cell(value);
                *n += W::cell(present);
                *sum += value;
                *sum_sq += value * value;
            }
        }
        for ((column, counters), &options) in table
            .multi
            .iter()
            .zip(&mut counts.multi)
            .zip(&plan.option_counts)
        {
            let stride = multi_stride(options);
            let answers = column.answered[rows.clone()]
                .iter()
                .zip(&column.picks[rows.clone()]);
            for (&cell, (&answered, &picks)) in cells.iter().zip(answers) {
                // The table holds no pick beyond the question's options (ingest).
                debug_assert!(options == 64 || picks >> options == 0);
                let row = &mut counters[cell as usize * stride..][..stride];
                row[stride - 1] += u64::from(answered);
                let mut bits = if answered { picks } else { 0 };
                for spare in options..options + DUMMY_PICKS {
                    let o = if bits != 0 {
                        bits.trailing_zeros() as usize
                    } else {
                        spare
                    };
                    row[o] += 1;
                    bits &= bits.wrapping_sub(1);
                }
                while bits != 0 {
                    row[bits.trailing_zeros() as usize] += 1;
                    bits &= bits - 1;
                }
            }
        }
    }

    /// The whole organisation's co-moments: item pairs and listwise sums per dimension,
    /// score pairs, driver sums per KPI, options picked together and the KPI sums of those
    /// who picked each option.
    #[inline(always)]
    fn add_moments(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        let n = rows.len();
        let b = &mut self.block;
        for (d, moments) in self.dimensions.iter_mut().enumerate() {
            // Flipped codes are at most the scale's points: their block sums of products
            // always fit `i32`.
            let items = &plan.composites[d].items;
            let item = |i: usize| (column(&b.item_codes, i, n), column(&b.item_present, i, n));
            let k = items.len();
            for (a, &ia) in items.iter().enumerate() {
                for (c, &ic) in items.iter().enumerate().skip(a + 1) {
                    add_pair::<Short>(&mut moments.pairs[pair_index(a, c, k)], item(ia), item(ic));
                }
            }
            add_listwise::<Short>(
                &mut moments.listwise,
                items,
                (&b.item_codes, &b.item_present),
                n,
                &mut b.item_mask,
                &mut b.item_masked,
            );
        }
        self.add_score_pairs(plan, n);
        self.add_drivers(n);
        self.add_multi_moments(plan, table, rows);
    }

    /// Per pair of score variables, the sums over rows where both are present.
    #[inline(always)]
    fn add_score_pairs(&mut self, plan: &Plan, n: usize) {
        let b = &self.block;
        let variables = plan.variables.len();
        let variable = |v: usize| (column(&b.values, v, n), column(&b.present, v, n));
        for a in 0..variables {
            for c in a + 1..variables {
                let pair = &mut self.score_pairs[pair_index(a, c, variables)];
                add_pair::<W>(pair, variable(a), variable(c));
            }
        }
    }

    /// Per KPI, the sums and cross-products of every dimension score and the KPI over rows
    /// where all are present.
    #[inline(always)]
    fn add_drivers(&mut self, n: usize) {
        let b = &mut self.block;
        for (listwise, variables) in self.drivers.iter_mut().zip(&self.driver_variables) {
            add_listwise::<W>(
                listwise,
                variables,
                (&b.values, &b.present),
                n,
                &mut b.mask,
                &mut b.masked,
            );
        }
    }

    /// Per multi-select question, options picked together and the KPI sums of those who
    /// answered and of those who picked each option: by pick set where the question is small
    /// enough ([`PickSets`]), else following each row's picks.
    #[inline(always)]
    fn add_multi_moments(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        let b = &self.block;
        let kpi_variable = &plan.variables.kpi_variable;
        let kpi = |r: usize| {
            move |k: usize| {
                let at = kpi_variable[k] * BLOCK_ROWS + r;
                (b.present[at], b.values[at])
            }
        };
        for (q, sets) in self.pick_sets.iter_mut().enumerate() {
            let Some(sets) = sets else { continue };
            let column_q = &table.multi[q];
            let answers = column_q.answered[rows.clone()]
                .iter()
                .zip(&column_q.picks[rows.clone()]);
            for (r, (&answered, &picks)) in answers.enumerate() {
                sets.add(answered.then_some(picks), kpi(r));
            }
        }
        for q in 0..self.multi.len() {
            if self.pick_sets[q].is_none() {
                self.follow_picks(plan, table, q, rows.clone());
            }
        }
    }

    /// One question's co-picks and KPI sums, row by row and pick by pick.
    fn follow_picks(&mut self, plan: &Plan, table: &ResponseTable, q: usize, rows: Range<usize>) {
        let b = &mut self.block;
        let kpis = self.drivers.len();
        let moments = &mut self.multi[q];
        let column_q = &table.multi[q];
        let n_options = plan.option_counts[q];
        let sums = &mut b.multi_sums[..(n_options + 1) * kpis * 3];
        sums.fill(W::Cell::default());
        for (r, row) in rows.enumerate() {
            if !column_q.answered[row] {
                continue;
            }
            let picks = column_q.picks[row];
            add_co_picks(&mut moments.co_picked, picks, n_options, 1);
            for k in 0..kpis {
                let v = plan.variables.kpi_variable[k];
                let present = W::cell(b.present[v * BLOCK_ROWS + r]);
                let y = W::cell(b.values[v * BLOCK_ROWS + r]);
                // A row without the KPI adds zeros (its value is 0).
                let add = |at: &mut [W::Cell]| {
                    at[0] += present;
                    at[1] += y;
                    at[2] += y * y;
                };
                add(&mut sums[(n_options * kpis + k) * 3..]);
                let mut bits = picks;
                while bits != 0 {
                    let o = bits.trailing_zeros() as usize;
                    add(&mut sums[(o * kpis + k) * 3..]);
                    bits &= bits - 1;
                }
            }
        }
        for (k, to) in moments.kpi_answered.iter_mut().enumerate() {
            add_sums(to, &sums[(n_options * kpis + k) * 3..]);
        }
        for (at, to) in moments.kpi_picked.iter_mut().enumerate() {
            add_sums(to, &sums[at * 3..]);
        }
    }

    /// Expands the pick-set counters into the questions' moments.
    fn flush_pick_sets(&mut self) {
        for (sets, moments) in self.pick_sets.iter_mut().zip(&mut self.multi) {
            if let Some(sets) = sets {
                sets.flush(moments);
            }
        }
    }

    /// The counts as partials: each cut's groups summed from its tally's cells.
    pub fn into_partials(
        mut self,
        plan: &Plan,
        survey: &Survey,
        levels: &[Vec<GroupLevel>],
    ) -> Partials {
        // The recent answer counts are added as the cells are read, not flushed first: a
        // flush goes through every cell's counters, the cells without rows too (about 1.5 ms
        // of the 3,690-row fixture's 8 ms pass).
        for tally in &mut self.tallies {
            tally.flush_composites();
        }
        self.flush_pick_sets();
        let mut out = Partials::empty(survey, levels);
        let slots = plan.slots;
        let composites = plan.composites.len();
        for (cut, (tally, group_of)) in out.cuts.iter_mut().zip(&plan.cut_sources) {
            let counts = &self.tallies[*tally];
            let cells = counts.cells;
            for (cell, &g) in group_of.iter().enumerate() {
                if counts.respondents[cell] == 0 {
                    // A cell no row fell in has every counter at zero.
                    continue;
                }
                let group = &mut cut.groups[g];
                group.respondents += counts.respondents[cell];
                for (i, item) in group.items.iter_mut().enumerate() {
                    let at = (i * cells + cell) * slots..(i * cells + cell + 1) * slots;
                    let from = counts.items[at.clone()]
                        .iter()
                        .zip(&counts.recent_items[at]);
                    for (to, (&total, &recent)) in item.by_code.iter_mut().zip(from) {
                        *to += total + u64::from(recent);
                    }
                }
                let sums = &counts.composites[cell * composites..(cell + 1) * composites];
                for (to, from) in group.composites.iter_mut().zip(sums) {
                    to.n += from.n;
                    to.sum += from.sum;
                    to.sum_sq += from.sum_sq;
                }
                for ((multi, counters), &options) in group
                    .multi
                    .iter_mut()
                    .zip(&counts.multi)
                    .zip(&plan.option_counts)
                {
                    let stride = multi_stride(options);
                    let row = &counters[cell * stride..][..stride];
                    multi.base += row[stride - 1];
                    for (count, &from) in multi.options.iter_mut().zip(row) {
                        *count += from;
                    }
                }
            }
        }
        let overall = &mut out.cuts[0].groups[0];
        overall.dimension_items = self.dimensions;
        overall.score_pairs = self.score_pairs;
        overall.drivers = self.drivers;
        for (counts, moments) in overall.multi.iter_mut().zip(self.multi) {
            counts.moments = moments;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The baseline build of the kernels against the one `add_rows` takes on this CPU (AVX2
    /// where it has it; `tests/moments_brute_force.rs` holds that one to a row-by-row
    /// reference), on the bundled 2023 fixture: every item, segment, cross and both
    /// multi-select questions (15 and 11 options), in chunks of 1,000 rows so that blocks
    /// end short. Integers both ways, so equal exactly.
    #[test]
    fn the_baseline_kernels_count_what_the_dispatched_ones_do() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/kumamoto-2023");
        let survey = Survey::load(&root.join("survey.toml")).unwrap();
        let table = engage_ingest::read_responses(&survey, &[root.join("responses.csv")])
            .unwrap()
            .table;
        assert_eq!(table.n_rows, 3690);
        let plan = Plan::new(&survey, &table);
        assert!(matches!(plan.width, crate::plan::BlockWidth::Short));
        let levels = crate::pass::levels(&table);
        let count = |dispatched: bool| {
            let mut counters = Counters::<Short>::new(&plan, &survey);
            for start in (0..table.n_rows).step_by(1000) {
                let rows = start..(start + 1000).min(table.n_rows);
                if dispatched {
                    counters.add_rows(&plan, &table, rows);
                } else {
                    counters.add_rows_inlined(&plan, &table, rows);
                }
            }
            counters.into_partials(&plan, &survey, &levels)
        };
        let baseline = count(false);
        assert_eq!(baseline.overall().respondents, 3690);
        assert_eq!(baseline, count(true));
    }
}

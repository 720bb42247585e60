//! The counters one rayon split fills: per tally cell the answer counts, composite sums and
//! multi-select counts; for the whole organisation the co-moments. Rows are taken in blocks
//! of [`BLOCK_ROWS`], column by column: a block's flipped codes, scores and cells are derived
//! once into small columns that every kernel then streams. Score values and a block's sums of
//! products are held in the narrowest types the plan proves exact ([`Width`]), so that the
//! sums of products vectorise, before being added to the `i128` partials.

use std::ops::{AddAssign, Mul, Range};

use engage_ingest::ResponseTable;
use engage_model::Survey;

use crate::moments::{pair_index, upper_index, ItemMoments, Listwise, MultiMoments, PairSums};
use crate::partials::{CompositeSums, GroupLevel, Partials};
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
    dimensions: Vec<DimensionTally>,
    score_pairs: Vec<PairSums>,
    drivers: Vec<Listwise>,
    multi: Vec<MultiMoments>,
    block: Block<W>,
    /// Rows in the tallies' composite block sums since they were last flushed.
    composite_rows: usize,
    /// Rows in the tallies' `u16` answer counts since they were last flushed.
    item_rows: usize,
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
    /// `[question][cell]` and `[option][cell]`.
    multi_base: Vec<u64>,
    multi_options: Vec<u64>,
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
    /// `[item]`: flipped codes, 0 for no answer.
    flipped: Vec<u8>,
    /// `[variable]`: the scaled score, 0 when absent, and 1 when present.
    values: Vec<W::Value>,
    present: Vec<W::Value>,
    /// `[tally]`: each row's cell.
    cells: Vec<u32>,
    /// Scratch: items answered and sums of a composite; a mask; masked driver values.
    answered: Vec<u32>,
    sums: Vec<u32>,
    mask: Vec<W::Value>,
    masked: Vec<W::Value>,
    complete: Vec<u8>,
}

impl<W: Width> Counters<W> {
    pub fn new(plan: &Plan, survey: &Survey) -> Self {
        let def = &survey.definition;
        let items = def.items.len();
        let composites = plan.composites.len();
        let questions = def.multi_select.len();
        let variables = plan.variables.len();
        let dims = plan.variables.dimensions;
        let kpis = survey.kpi_measures.len();
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
                multi_base: vec![0; questions * t.cells],
                multi_options: vec![0; plan.options * t.cells],
            })
            .collect();
        Counters {
            tallies,
            dimensions: plan.composites[..dims]
                .iter()
                .map(|c| DimensionTally::new(c.items.len(), plan.side))
                .collect(),
            score_pairs: vec![PairSums::default(); variables * variables.saturating_sub(1) / 2],
            drivers: vec![Listwise::new(dims + 1); kpis],
            multi: def
                .multi_select
                .iter()
                .map(|q| MultiMoments::new(q.options.len(), kpis))
                .collect(),
            composite_rows: 0,
            item_rows: 0,
            block: Block {
                flipped: vec![0; items * BLOCK_ROWS],
                values: vec![W::Value::default(); variables * BLOCK_ROWS],
                present: vec![W::Value::default(); variables * BLOCK_ROWS],
                cells: vec![0; plan.tallies.len() * BLOCK_ROWS],
                answered: vec![0; BLOCK_ROWS],
                sums: vec![0; BLOCK_ROWS],
                mask: vec![W::Value::default(); BLOCK_ROWS],
                masked: vec![W::Value::default(); (dims + 1) * BLOCK_ROWS],
                complete: vec![0; BLOCK_ROWS],
            },
        }
    }

    pub fn add_rows(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        let mut start = rows.start;
        while start < rows.end {
            let end = (start + BLOCK_ROWS).min(rows.end);
            let n = end - start;
            self.derive(plan, table, start..end);
            if self.composite_rows + n > plan.composite_flush_rows {
                self.tallies
                    .iter_mut()
                    .for_each(TallyCounts::flush_composites);
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
    fn derive(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        let n = rows.len();
        let b = &mut self.block;
        flip_rows(plan, table, rows.clone(), &mut b.flipped);
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
        for (i, column) in table.items.iter().enumerate() {
            let hist = &mut counts.recent_items[i * per_item..(i + 1) * per_item];
            for (&cell, &code) in cells.iter().zip(&column[rows.clone()]) {
                hist[cell as usize * slots + usize::from(plan.slot_of[usize::from(code)])] += 1;
            }
        }
        let composites = plan.composites.len();
        for c in 0..composites {
            let at = c * BLOCK_ROWS..c * BLOCK_ROWS + n;
            let rows_of = b.values[at.clone()].iter().zip(&b.present[at]);
            for (&cell, (&value, &present)) in cells.iter().zip(rows_of) {
                let sums = &mut counts.block_composites[(cell as usize * composites + c) * 3..];
                let value = W::cell(value);
                sums[0] += W::cell(present);
                sums[1] += value;
                sums[2] += value * value;
            }
        }
        for (q, column) in table.multi.iter().enumerate() {
            let base = &mut counts.multi_base[q * counts.cells..(q + 1) * counts.cells];
            let offset = plan.option_offsets[q];
            let answers = column.answered[rows.clone()]
                .iter()
                .zip(&column.picks[rows.clone()]);
            for (&cell, (&answered, &picks)) in cells.iter().zip(answers) {
                if answered {
                    let cell = cell as usize;
                    base[cell] += 1;
                    let mut bits = picks;
                    while bits != 0 {
                        let o = offset + bits.trailing_zeros() as usize;
                        counts.multi_options[o * counts.cells + cell] += 1;
                        bits &= bits - 1;
                    }
                }
            }
        }
    }

    /// The whole organisation's co-moments: item pairs and listwise sums per dimension,
    /// score pairs, driver sums per KPI, options picked together and the KPI sums of those
    /// who picked each option.
    fn add_moments(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        let n = rows.len();
        for (d, tally) in self.dimensions.iter_mut().enumerate() {
            let b = &mut self.block;
            tally.add(&plan.composites[d].items, &b.flipped, n, &mut b.complete);
        }
        self.add_score_pairs(plan, n);
        self.add_drivers(plan, n);
        self.add_multi_moments(plan, table, rows);
    }

    /// Per pair of score variables, the sums over rows where both are present. With `m_a`
    /// the values of `a` where `c` is present, Σa² over those rows is Σ a·m_a: every sum is
    /// then of values or of products of two values, in the block's [`Width`].
    fn add_score_pairs(&mut self, plan: &Plan, n: usize) {
        let b = &self.block;
        let column = |v: usize| v * BLOCK_ROWS..v * BLOCK_ROWS + n;
        let variables = plan.variables.len();
        for a in 0..variables {
            let (va, pa) = (&b.values[column(a)], &b.present[column(a)]);
            for c in a + 1..variables {
                let (vc, pc) = (&b.values[column(c)], &b.present[column(c)]);
                let mut s = [W::Sum::default(); 6];
                for r in 0..n {
                    let (m_a, m_c) = (va[r] * pc[r], vc[r] * pa[r]);
                    s[0] += W::product(pa[r], pc[r]);
                    s[1] += W::Sum::from(m_a);
                    s[2] += W::Sum::from(m_c);
                    s[3] += W::product(va[r], m_a);
                    s[4] += W::product(vc[r], m_c);
                    s[5] += W::product(va[r], vc[r]);
                }
                let pair = &mut self.score_pairs[pair_index(a, c, variables)];
                let n: i128 = s[0].into();
                pair.n += n as u64;
                pair.sum_a += s[1].into();
                pair.sum_b += s[2].into();
                pair.sum_aa += s[3].into();
                pair.sum_bb += s[4].into();
                pair.sum_ab += s[5].into();
            }
        }
    }

    /// Per KPI, the sums and cross-products of every dimension score and the KPI over rows
    /// where all are present.
    fn add_drivers(&mut self, plan: &Plan, n: usize) {
        let b = &mut self.block;
        let column = |v: usize| v * BLOCK_ROWS..v * BLOCK_ROWS + n;
        let dims = plan.variables.dimensions;
        for (k, listwise) in self.drivers.iter_mut().enumerate() {
            let kpi = plan.variables.kpi_variable[k];
            let mask = &mut b.mask[..n];
            mask.copy_from_slice(&b.present[column(kpi)]);
            for d in 0..dims {
                for (m, &p) in mask.iter_mut().zip(&b.present[column(d)]) {
                    *m = *m * p;
                }
            }
            let mut rows_in = W::Sum::default();
            for &m in mask.iter() {
                rows_in += W::Sum::from(m);
            }
            let rows_in: i128 = rows_in.into();
            listwise.n += rows_in as u64;
            let width = dims + 1;
            for (j, v) in (0..dims).chain([kpi]).enumerate() {
                let masked = &mut b.masked[column(j)];
                for ((x, &value), &m) in masked.iter_mut().zip(&b.values[column(v)]).zip(&*mask) {
                    *x = value * m;
                }
            }
            let mut t = 0;
            for i in 0..width {
                let xi = &b.masked[column(i)];
                let mut sum = W::Sum::default();
                for &x in xi {
                    sum += W::Sum::from(x);
                }
                listwise.sum[i] += sum.into();
                for j in i..width {
                    let xj = &b.masked[column(j)];
                    let mut cross = W::Sum::default();
                    for (&x, &y) in xi.iter().zip(xj) {
                        cross += W::product(x, y);
                    }
                    listwise.cross[t] += cross.into();
                    t += 1;
                }
            }
        }
    }

    /// Per multi-select question, options picked together and the KPI sums of those who
    /// answered and of those who picked each option.
    fn add_multi_moments(&mut self, plan: &Plan, table: &ResponseTable, rows: Range<usize>) {
        let b = &self.block;
        let kpis = self.drivers.len();
        for (q, moments) in self.multi.iter_mut().enumerate() {
            let column_q = &table.multi[q];
            let n_options = plan.option_counts[q];
            for (r, row) in rows.clone().enumerate() {
                if !column_q.answered[row] {
                    continue;
                }
                let picks = column_q.picks[row];
                let mut bits = picks;
                while bits != 0 {
                    let o = bits.trailing_zeros() as usize;
                    let mut rest = bits;
                    while rest != 0 {
                        let p = rest.trailing_zeros() as usize;
                        moments.co_picked[upper_index(o, p, n_options)] += 1;
                        rest &= rest - 1;
                    }
                    bits &= bits - 1;
                }
                for k in 0..kpis {
                    let v = plan.variables.kpi_variable[k];
                    let present: i128 = b.present[v * BLOCK_ROWS + r].into();
                    if present == 0 {
                        continue;
                    }
                    let y: i128 = b.values[v * BLOCK_ROWS + r].into();
                    let y = y as i64;
                    moments.kpi_answered[k].add(y);
                    let mut bits = picks;
                    while bits != 0 {
                        let o = bits.trailing_zeros() as usize;
                        moments.kpi_picked[o * kpis + k].add(y);
                        bits &= bits - 1;
                    }
                }
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
        for tally in &mut self.tallies {
            tally.flush_composites();
            tally.flush_items();
        }
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
                    let at = (i * cells + cell) * slots;
                    for (to, &from) in item.by_code.iter_mut().zip(&counts.items[at..at + slots]) {
                        *to += from;
                    }
                }
                let sums = &counts.composites[cell * composites..(cell + 1) * composites];
                for (to, from) in group.composites.iter_mut().zip(sums) {
                    to.n += from.n;
                    to.sum += from.sum;
                    to.sum_sq += from.sum_sq;
                }
                for (q, multi) in group.multi.iter_mut().enumerate() {
                    multi.base += counts.multi_base[q * cells + cell];
                    let offset = plan.option_offsets[q];
                    for (o, count) in multi.options.iter_mut().enumerate() {
                        *count += counts.multi_options[(offset + o) * cells + cell];
                    }
                }
            }
        }
        let overall = &mut out.cuts[0].groups[0];
        overall.dimension_items = self
            .dimensions
            .iter()
            .map(DimensionTally::moments)
            .collect();
        overall.score_pairs = self.score_pairs;
        overall.drivers = self.drivers;
        for (counts, moments) in overall.multi.iter_mut().zip(self.multi) {
            counts.moments = moments;
        }
        out
    }
}

/// One dimension's item co-moments in the cheapest exact form: per item pair, the count of
/// each pair of flipped codes (0 = missing), and the listwise sums in `i64` (codes are at most
/// the scale's points, so they cannot overflow). [`DimensionTally::moments`] turns them into
/// the same integers `ItemMoments` would have summed row by row.
struct DimensionTally {
    k: usize,
    /// Codes per item: 0 (missing) and `1..=points`.
    side: usize,
    /// `[pair][code a][code b]`, pairs in `pair_index` order.
    joint: Vec<u64>,
    n: u64,
    sum: Vec<i64>,
    cross: Vec<i64>,
}

impl DimensionTally {
    fn new(k: usize, side: usize) -> Self {
        DimensionTally {
            k,
            side,
            joint: vec![0; k * k.saturating_sub(1) / 2 * side * side],
            n: 0,
            sum: vec![0; k],
            cross: vec![0; k * (k + 1) / 2],
        }
    }

    /// Adds a block's rows from its flipped item columns (`BLOCK_ROWS` apart).
    fn add(&mut self, items: &[usize], flipped: &[u8], n: usize, complete: &mut [u8]) {
        let codes = |i: usize| &flipped[i * BLOCK_ROWS..i * BLOCK_ROWS + n];
        let cells = self.side * self.side;
        let mut pair = 0;
        for (a, &ia) in items.iter().enumerate() {
            for &ib in &items[a + 1..] {
                let joint = &mut self.joint[pair * cells..(pair + 1) * cells];
                for (&xa, &xb) in codes(ia).iter().zip(codes(ib)) {
                    joint[usize::from(xa) * self.side + usize::from(xb)] += 1;
                }
                pair += 1;
            }
        }
        let complete = &mut complete[..n];
        complete.fill(1);
        for &i in items {
            for (c, &x) in complete.iter_mut().zip(codes(i)) {
                *c &= u8::from(x != 0);
            }
        }
        self.n += complete.iter().map(|&c| u64::from(c)).sum::<u64>();
        let mut t = 0;
        for (a, &ia) in items.iter().enumerate() {
            let xa = codes(ia);
            self.sum[a] += xa
                .iter()
                .zip(&*complete)
                .map(|(&x, &c)| i64::from(x * c))
                .sum::<i64>();
            for &ib in &items[a..] {
                self.cross[t] += xa
                    .iter()
                    .zip(codes(ib))
                    .zip(&*complete)
                    .map(|((&x, &y), &c)| i64::from(u16::from(x * c) * u16::from(y)))
                    .sum::<i64>();
                t += 1;
            }
        }
    }

    fn moments(&self) -> ItemMoments {
        let mut out = ItemMoments::new(self.k);
        out.listwise.n = self.n;
        for (to, &from) in out.listwise.sum.iter_mut().zip(&self.sum) {
            *to = i128::from(from);
        }
        for (to, &from) in out.listwise.cross.iter_mut().zip(&self.cross) {
            *to = i128::from(from);
        }
        let cells = self.side * self.side;
        for (pair, sums) in out.pairs.iter_mut().enumerate() {
            let joint = &self.joint[pair * cells..(pair + 1) * cells];
            for a in 1..self.side {
                for b in 1..self.side {
                    let count = joint[a * self.side + b];
                    if count == 0 {
                        continue;
                    }
                    let (c, x, y) = (i128::from(count), a as i128, b as i128);
                    sums.n += count;
                    sums.sum_a += c * x;
                    sums.sum_b += c * y;
                    sums.sum_aa += c * x * x;
                    sums.sum_bb += c * y * y;
                    sums.sum_ab += c * x * y;
                }
            }
        }
        out
    }
}

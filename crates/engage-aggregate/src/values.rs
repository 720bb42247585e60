//! Respondents' score values a block of rows at a time, column by column, as the pass derives
//! them (`counters.rs`): what the row exports read (driver rows, respondent values, raking
//! cells). A column of a block is a short run that the loops stream, instead of every
//! variable worked out one row at a time.

use std::ops::Range;

use engage_ingest::ResponseTable;
use engage_model::Survey;

use crate::plan::{Plan, BLOCK_ROWS};

pub(crate) struct ValueBlock {
    pub(crate) plan: Plan,
    /// Rows in the current block.
    pub(crate) len: usize,
    /// `[item][row]`: flipped codes, 0 for no answer.
    flipped: Vec<u8>,
    /// `[variable][row]`: the scaled score (0 when absent) and whether the row has it.
    values: Vec<i64>,
    present: Vec<bool>,
    /// Scratch: a composite's items answered and sum.
    answered: Vec<u32>,
    sums: Vec<u32>,
}

impl ValueBlock {
    pub(crate) fn new(survey: &Survey, table: &ResponseTable) -> Self {
        let plan = Plan::new(survey, table);
        let variables = plan.variables.scales.len();
        ValueBlock {
            len: 0,
            flipped: vec![0; table.items.len() * BLOCK_ROWS],
            values: vec![0; variables * BLOCK_ROWS],
            present: vec![false; variables * BLOCK_ROWS],
            answered: vec![0; BLOCK_ROWS],
            sums: vec![0; BLOCK_ROWS],
            plan,
        }
    }

    /// Derives the rows `rows` (at most [`BLOCK_ROWS`]).
    pub(crate) fn derive(&mut self, table: &ResponseTable, rows: Range<usize>) {
        let n = rows.len();
        debug_assert!(n <= BLOCK_ROWS);
        self.len = n;
        let plan = &self.plan;
        flip_rows(plan.points, &plan.reversed, table, rows, &mut self.flipped);
        for (c, composite) in plan.composites.iter().enumerate() {
            let (answered, sums) = (&mut self.answered[..n], &mut self.sums[..n]);
            composite_answers(&composite.items, &self.flipped, answered, sums);
            let values = &mut self.values[c * BLOCK_ROWS..][..n];
            let present = &mut self.present[c * BLOCK_ROWS..][..n];
            for (((value, present), &a), &s) in
                values.iter_mut().zip(present).zip(&*answered).zip(&*sums)
            {
                let factor = composite.factor[a as usize];
                *value = i64::from(s) * factor;
                *present = factor != 0;
            }
        }
        let first_share = plan.composites.len();
        for (s, share) in plan.shares.iter().enumerate() {
            let v = first_share + s;
            let codes = &self.flipped[share.item * BLOCK_ROWS..][..n];
            let values = &mut self.values[v * BLOCK_ROWS..][..n];
            let present = &mut self.present[v * BLOCK_ROWS..][..n];
            for ((value, present), &x) in values.iter_mut().zip(present).zip(codes) {
                *value = i64::from(share.chosen[usize::from(x)]);
                *present = x != 0;
            }
        }
    }

    /// Item `i`'s flipped codes in the block (0: no answer).
    pub(crate) fn flipped(&self, item: usize) -> &[u8] {
        &self.flipped[item * BLOCK_ROWS..][..self.len]
    }

    /// Variable `v`'s scaled values in the block (0 where absent).
    pub(crate) fn values(&self, variable: usize) -> &[i64] {
        &self.values[variable * BLOCK_ROWS..][..self.len]
    }

    /// Whether each row of the block has variable `v`.
    pub(crate) fn present(&self, variable: usize) -> &[bool] {
        &self.present[variable * BLOCK_ROWS..][..self.len]
    }

    /// Derives each block of `rows` in turn and hands it to `each` with its first row.
    pub(crate) fn for_each_block(
        &mut self,
        table: &ResponseTable,
        rows: Range<usize>,
        mut each: impl FnMut(&ValueBlock, usize),
    ) {
        for start in rows.clone().step_by(BLOCK_ROWS) {
            self.derive(table, start..(start + BLOCK_ROWS).min(rows.end));
            each(self, start);
        }
    }
}

/// The rows' flipped codes, item by item, into `flipped` (`[item][row]`, [`BLOCK_ROWS`] apart).
/// Compares and a subtraction instead of a table lookup per code, so that the loops run on
/// whole vectors of codes.
#[inline(always)]
pub(crate) fn flip_rows(
    points: u8,
    reversed: &[bool],
    table: &ResponseTable,
    rows: Range<usize>,
    flipped: &mut [u8],
) {
    for (i, column) in table.items.iter().enumerate() {
        let out = &mut flipped[i * BLOCK_ROWS..][..rows.len()];
        let codes = &column[rows.clone()];
        if reversed[i] {
            for (x, &code) in out.iter_mut().zip(codes) {
                // 1..=points ↦ points..=1; 0 (wrapping to 255) and codes above points ↦ 0.
                let answered = code.wrapping_sub(1) < points;
                *x = if answered {
                    points.wrapping_add(1).wrapping_sub(code)
                } else {
                    0
                };
            }
        } else {
            for (x, &code) in out.iter_mut().zip(codes) {
                *x = if code <= points { code } else { 0 };
            }
        }
    }
}

/// Per row of a block (`answered.len()` rows), how many of a composite's `items` are answered
/// and the sum of their flipped codes.
#[inline(always)]
pub(crate) fn composite_answers(
    items: &[usize],
    flipped: &[u8],
    answered: &mut [u32],
    sums: &mut [u32],
) {
    let n = answered.len();
    answered.fill(0);
    sums.fill(0);
    for &i in items {
        let codes = &flipped[i * BLOCK_ROWS..][..n];
        for ((a, s), &x) in answered.iter_mut().zip(sums.iter_mut()).zip(codes) {
            *a += u32::from(x != 0);
            *s += u32::from(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte a column can hold, flipped as the definition says: an answer `1..=points`
    /// stays (or becomes `points + 1 - code` when reverse-keyed), anything else (0 for no
    /// answer, 255 for not applicable) is no answer.
    #[test]
    fn every_code_flips_by_the_rule() {
        for points in [2u8, 5, 7, 11] {
            let column: Vec<u8> = (0..=255).collect();
            let table = ResponseTable {
                n_rows: 256,
                items: vec![column.clone(), column],
                segments: Vec::new(),
                multi: Vec::new(),
                respondent_ids: Vec::new(),
                comments: Vec::new(),
            };
            let mut flipped = vec![0u8; 2 * BLOCK_ROWS];
            flip_rows(points, &[false, true], &table, 0..256, &mut flipped);
            for code in 0..=255u8 {
                let answer = (1..=points).contains(&code);
                let kept = if answer { code } else { 0 };
                let reversed = if answer { points + 1 - code } else { 0 };
                assert_eq!(
                    flipped[usize::from(code)],
                    kept,
                    "{points} points, code {code}"
                );
                assert_eq!(
                    flipped[BLOCK_ROWS + usize::from(code)],
                    reversed,
                    "{points} points, code {code} reversed"
                );
            }
        }
    }
}

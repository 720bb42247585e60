//! Moments of every variable per cell of some segments (every combination of their groups
//! that has respondents). Raking gives everyone in such a cell the same weight, so the
//! weighted figures need only these: a few hundred cells instead of a float per respondent
//! and variable (2.9 GB at ten million rows).

use std::collections::HashMap;

use engage_ingest::ResponseTable;
use engage_model::Survey;
use rayon::prelude::*;

use crate::partials::ScoreVariables;
use crate::values::ValueBlock;

/// One variable over the respondents of a cell who have it: count, sum and sum of squares of
/// its scaled integers (value = scaled / scale), exact in any order of addition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScaledMoments {
    pub n: u64,
    pub sum: i128,
    pub squares: i128,
}

impl ScaledMoments {
    fn add(&mut self, x: i128) {
        self.n += 1;
        self.sum += x;
        self.squares += x * x;
    }

    fn merge(&mut self, other: &ScaledMoments) {
        self.n += other.n;
        self.sum += other.sum;
        self.squares += other.squares;
    }

    /// n · Σ(x − x̄)², exact: the spread within the cell without the cancellation of
    /// Σx² − (Σx)²/n in floats.
    pub fn n_times_squares_about_mean(&self) -> i128 {
        i128::from(self.n) * self.squares - self.sum * self.sum
    }
}

/// Per cell, the moments of every KPI, dimension score and item (flipped where
/// reverse-keyed), in the order `kpis`, `dimensions`, `items`.
#[derive(Debug, Clone, PartialEq)]
pub struct CellMoments {
    /// The segments (indices into the table's segments) whose groups make the cells.
    pub segments: Vec<usize>,
    /// Per cell, its group (level code, 0 = missing) in each of `segments`; cells are in
    /// ascending order of these codes.
    pub levels: Vec<Vec<u32>>,
    /// Per cell, its respondents.
    pub respondents: Vec<u64>,
    /// Per cell, one entry per variable.
    pub moments: Vec<Vec<ScaledMoments>>,
    /// What each variable's scaled integers are divided by.
    pub scales: Vec<f64>,
    pub kpis: usize,
    pub dimensions: usize,
}

impl CellMoments {
    pub fn kpi(&self, cell: usize, k: usize) -> &ScaledMoments {
        &self.moments[cell][k]
    }

    pub fn kpi_scale(&self, k: usize) -> f64 {
        self.scales[k]
    }

    pub fn dimension(&self, cell: usize, d: usize) -> &ScaledMoments {
        &self.moments[cell][self.kpis + d]
    }

    pub fn dimension_scale(&self, d: usize) -> f64 {
        self.scales[self.kpis + d]
    }

    pub fn item(&self, cell: usize, i: usize) -> &ScaledMoments {
        &self.moments[cell][self.kpis + self.dimensions + i]
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CellError {
    #[error("the segments {0:?} have more combinations of groups than can be counted (over 2^64)")]
    TooManyCells(Vec<usize>),
}

/// Rows per task: enough to keep the per-task cell maps few.
const CHUNK_ROWS: usize = 1 << 18;

/// The cells of `segments` and every variable's moments in each, in one parallel pass over
/// the compact layout. Integer sums, so the split of the rows changes nothing.
pub fn cell_moments(
    survey: &Survey,
    table: &ResponseTable,
    segments: &[usize],
) -> Result<CellMoments, CellError> {
    let radix: Vec<u64> = segments
        .iter()
        .map(|&s| table.segments[s].levels.len() as u64)
        .collect();
    radix
        .iter()
        .try_fold(1u64, |p, &r| p.checked_mul(r.max(1)))
        .ok_or_else(|| CellError::TooManyCells(segments.to_vec()))?;
    let key_of = |row: usize| {
        segments.iter().zip(&radix).fold(0u64, |key, (&s, &r)| {
            key * r + u64::from(table.segments[s].codes[row])
        })
    };
    let v = &ScoreVariables::of(survey);
    let kpis = v.kpi_variable.len();
    // The variables in output order: KPIs, dimension scores (items follow).
    let scored: Vec<usize> = v
        .kpi_variable
        .iter()
        .copied()
        .chain(0..v.dimensions)
        .collect();
    let scales: Vec<f64> = scored
        .iter()
        .map(|&variable| v.scales[variable] as f64)
        .chain(table.items.iter().map(|_| 1.0))
        .collect();
    let width = scales.len();
    let starts: Vec<usize> = (0..table.n_rows).step_by(CHUNK_ROWS).collect();
    let mut tally = starts
        .into_par_iter()
        .map(|start| {
            let mut block = ValueBlock::new(survey, table);
            let mut tally = Tally::default();
            let mut slots = Vec::new();
            let rows = start..(start + CHUNK_ROWS).min(table.n_rows);
            block.for_each_block(table, rows, |block, first| {
                // Each row's cell; rows of one cell often come together.
                slots.clear();
                let mut last = None;
                for row in first..first + block.len {
                    let key = key_of(row);
                    let slot = match last {
                        Some((k, slot)) if k == key => slot,
                        _ => tally.slot(key, width),
                    };
                    last = Some((key, slot));
                    slots.push(slot);
                    tally.cells[slot].respondents += 1;
                }
                for (m, &variable) in scored.iter().enumerate() {
                    let values = block.values(variable).iter().zip(block.present(variable));
                    for ((&x, &present), &slot) in values.zip(&slots) {
                        if present {
                            tally.cells[slot].moments[m].add(i128::from(x));
                        }
                    }
                }
                for i in 0..table.items.len() {
                    let m = scored.len() + i;
                    for (&x, &slot) in block.flipped(i).iter().zip(&slots) {
                        if x != 0 {
                            tally.cells[slot].moments[m].add(i128::from(x));
                        }
                    }
                }
            });
            tally
        })
        .reduce(Tally::default, Tally::merge);
    let mut cells: Vec<(u64, Cell)> = tally
        .slots
        .into_iter()
        .map(|(key, slot)| (key, std::mem::take(&mut tally.cells[slot])))
        .collect();
    cells.sort_unstable_by_key(|(key, _)| *key);
    let levels = cells
        .iter()
        .map(|(key, _)| {
            let mut rest = *key;
            let mut codes: Vec<u32> = radix
                .iter()
                .rev()
                .map(|&r| {
                    let code = rest % r;
                    rest /= r;
                    code as u32
                })
                .collect();
            codes.reverse();
            codes
        })
        .collect();
    Ok(CellMoments {
        segments: segments.to_vec(),
        levels,
        respondents: cells.iter().map(|(_, c)| c.respondents).collect(),
        moments: cells.into_iter().map(|(_, c)| c.moments).collect(),
        scales,
        kpis,
        dimensions: v.dimensions,
    })
}

#[derive(Default)]
struct Cell {
    respondents: u64,
    moments: Vec<ScaledMoments>,
}

/// The cells one task has seen, and where each key's cell is.
#[derive(Default)]
struct Tally {
    slots: HashMap<u64, usize>,
    cells: Vec<Cell>,
}

impl Tally {
    fn slot(&mut self, key: u64, width: usize) -> usize {
        let cells = &mut self.cells;
        *self.slots.entry(key).or_insert_with(|| {
            cells.push(Cell {
                respondents: 0,
                moments: vec![ScaledMoments::default(); width],
            });
            cells.len() - 1
        })
    }

    fn merge(mut self, mut other: Tally) -> Tally {
        for (key, slot) in other.slots {
            let theirs = std::mem::take(&mut other.cells[slot]);
            let width = theirs.moments.len();
            let slot = self.slot(key, width);
            let ours = &mut self.cells[slot];
            ours.respondents += theirs.respondents;
            for (a, b) in ours.moments.iter_mut().zip(&theirs.moments) {
                a.merge(b);
            }
        }
        self
    }
}

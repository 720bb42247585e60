//! The aggregation pass: rows are split into chunks, each worker thread folds the chunks it
//! takes into its own counters (`counters.rs`, laid out by `plan.rs`), and their partials are merged.

use engage_ingest::ResponseTable;
use engage_model::Survey;
use rayon::prelude::*;

use crate::counters::{Counters, Narrow, Short, Wide, Width};
use crate::partials::{GroupLevel, Partials, ScoreVariables};
use crate::plan::{BlockWidth, Plan};
use crate::values::ValueBlock;

/// Rows per parallel task: large enough to amortise the partials, small enough to balance.
const CHUNK_ROWS: usize = 16 * 1024;

fn levels(table: &ResponseTable) -> Vec<Vec<GroupLevel>> {
    table
        .segments
        .iter()
        .map(|s| {
            s.levels
                .iter()
                .map(|l| GroupLevel {
                    key: l.key.clone(),
                    value: l.value.clone(),
                    parent: l.parent.map(|p| p as usize),
                    across: l.across.map(|b| b as usize),
                })
                .collect()
        })
        .collect()
}

/// Aggregates all rows in parallel on the current rayon pool.
pub fn aggregate(survey: &Survey, table: &ResponseTable) -> Partials {
    aggregate_chunked(survey, table, CHUNK_ROWS)
}

/// Aggregates in chunks of `chunk_rows` rows (tests use small chunks to exercise merging).
/// One worker per thread takes the next chunk until none is left and folds them all into
/// its one set of counters: chunks keep the load balanced on a noisy machine, while the
/// counters are allocated, turned into partials and merged once per worker, not once per
/// rayon split (which made about eight at 1M rows on two threads, each costing about as much
/// as counting 30,000 rows).
pub fn aggregate_chunked(survey: &Survey, table: &ResponseTable, chunk_rows: usize) -> Partials {
    let plan = Plan::new(survey, table);
    match plan.width {
        BlockWidth::Short => count_chunked::<Short>(&plan, survey, table, chunk_rows),
        BlockWidth::Narrow => count_chunked::<Narrow>(&plan, survey, table, chunk_rows),
        BlockWidth::Wide => count_chunked::<Wide>(&plan, survey, table, chunk_rows),
    }
}

fn count_chunked<W: Width>(
    plan: &Plan,
    survey: &Survey,
    table: &ResponseTable,
    chunk_rows: usize,
) -> Partials {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let levels = levels(table);
    let chunk_rows = chunk_rows.max(1);
    let chunks = table.n_rows.div_ceil(chunk_rows);
    let next_chunk = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, chunks.max(1));
    (0..workers)
        .into_par_iter()
        .filter_map(|worker| {
            // A worker that starts after the others took every chunk makes no partials; the
            // first always does, so an empty table gets the partials of no rows.
            let mut counters: Option<Counters<W>> =
                (worker == 0).then(|| Counters::new(plan, survey));
            loop {
                let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
                if chunk >= chunks {
                    break;
                }
                let start = chunk * chunk_rows;
                let end = (start + chunk_rows).min(table.n_rows);
                counters
                    .get_or_insert_with(|| Counters::new(plan, survey))
                    .add_rows(plan, table, start..end);
            }
            counters.map(|c| c.into_partials(plan, survey, &levels))
        })
        .reduce(
            || Partials::empty(survey, &levels),
            |mut a, b| {
                a.merge(&b);
                a
            },
        )
}

/// The same figures in one thread, for tests and as a reference.
pub fn aggregate_sequential(survey: &Survey, table: &ResponseTable) -> Partials {
    aggregate_rows(survey, table, 0..table.n_rows)
}

/// Aggregates a range of rows.
pub fn aggregate_rows(
    survey: &Survey,
    table: &ResponseTable,
    rows: std::ops::Range<usize>,
) -> Partials {
    fn count<W: Width>(
        plan: &Plan,
        survey: &Survey,
        table: &ResponseTable,
        rows: std::ops::Range<usize>,
    ) -> Partials {
        let mut counters = Counters::<W>::new(plan, survey);
        counters.add_rows(plan, table, rows);
        counters.into_partials(plan, survey, &levels(table))
    }
    let plan = Plan::new(survey, table);
    match plan.width {
        BlockWidth::Short => count::<Short>(&plan, survey, table, rows),
        BlockWidth::Narrow => count::<Narrow>(&plan, survey, table, rows),
        BlockWidth::Wide => count::<Wide>(&plan, survey, table, rows),
    }
}

/// The respondents behind one KPI's driver analysis, as they are summed into
/// `GroupPartial::drivers` (every dimension score and the KPI present), with the variables in
/// `columns` (`0..dimensions` for the dimension scores, `dimensions` for the KPI), in
/// answer-code units (a share KPI as 0/1). Partials cannot carry rows; this is what bootstrap
/// intervals resample, from the in-memory layout. One KPI at a time, only the columns used:
/// at ten million rows each column is 80 MB.
pub fn driver_rows(
    survey: &Survey,
    table: &ResponseTable,
    kpi: usize,
    columns: &[usize],
) -> DriverRows {
    let v = ScoreVariables::of(survey);
    let scales: Vec<f64> = (0..v.dimensions)
        .chain([v.kpi_variable[kpi]])
        .map(|i| v.scales[i] as f64)
        .collect();
    let mut out = DriverRows {
        width: columns.len(),
        scales: columns.iter().map(|&c| scales[c]).collect(),
        values: DriverValues::Scaled(Vec::new()),
    };
    match scaled_driver_rows(survey, table, kpi, columns) {
        Some(values) => out.values = DriverValues::Scaled(values),
        // A value beyond `i32`: the rows again, one at a time, turning into floats.
        None => {
            let mut block = ValueBlock::new(survey, table);
            let variables = driver_variables(&block, kpi, columns);
            let mut complete = Vec::new();
            block.for_each_block(table, 0..table.n_rows, |block, _| {
                complete_rows(block, kpi, &mut complete);
                for r in (0..block.len).filter(|&r| complete[r]) {
                    for (j, &v) in variables.iter().enumerate() {
                        out.push(j, block.values(v)[r]);
                    }
                }
            });
        }
    }
    out
}

/// The score variable of each driver column: a dimension, or (`dimensions`) the KPI.
fn driver_variables(block: &ValueBlock, kpi: usize, columns: &[usize]) -> Vec<usize> {
    let v = &block.plan.variables;
    columns
        .iter()
        .map(|&c| {
            if c < v.dimensions {
                c
            } else {
                v.kpi_variable[kpi]
            }
        })
        .collect()
}

/// Whether each row of the block is in KPI `kpi`'s driver analysis: every dimension score and
/// the KPI present (the rows `GroupPartial::drivers` sums).
fn complete_rows(block: &ValueBlock, kpi: usize, complete: &mut Vec<bool>) {
    let v = &block.plan.variables;
    complete.clear();
    complete.extend_from_slice(block.present(v.kpi_variable[kpi]));
    for d in 0..v.dimensions {
        for (c, &p) in complete.iter_mut().zip(block.present(d)) {
            *c &= p;
        }
    }
}

/// Rows per task of the row exports.
const EXPORT_ROWS: usize = 1 << 16;

/// The driver rows as `i32` in parallel, or `None` if a value is beyond `i32`. Each task fills
/// its own rows' part of a buffer sized for every row; the kept rows are then moved together
/// in table order, so the buffer is the only copy.
fn scaled_driver_rows(
    survey: &Survey,
    table: &ResponseTable,
    kpi: usize,
    columns: &[usize],
) -> Option<Vec<i32>> {
    let width = columns.len();
    let mut buffer = vec![0i32; table.n_rows * width];
    let kept: Vec<Option<usize>> = buffer
        .par_chunks_mut((EXPORT_ROWS * width).max(1))
        .enumerate()
        .map(|(task, out)| {
            let mut block = ValueBlock::new(survey, table);
            let variables = driver_variables(&block, kpi, columns);
            let mut complete = Vec::new();
            let (mut kept, mut fits) = (0, true);
            let start = task * EXPORT_ROWS;
            let rows = start..(start + EXPORT_ROWS).min(table.n_rows);
            block.for_each_block(table, rows, |block, _| {
                complete_rows(block, kpi, &mut complete);
                for r in (0..block.len).filter(|&r| complete[r]) {
                    for (slot, &v) in out[kept * width..][..width].iter_mut().zip(&variables) {
                        let x = i32::try_from(block.values(v)[r]);
                        fits &= x.is_ok();
                        *slot = x.unwrap_or_default();
                    }
                    kept += 1;
                }
            });
            fits.then_some(kept)
        })
        .collect();
    let mut end = 0;
    for (task, kept) in kept.into_iter().enumerate() {
        let start = task * EXPORT_ROWS * width;
        let len = kept? * width;
        // Until a task has left rows out, its rows are already in place: no 280 MB move onto
        // itself at ten million rows.
        if start != end {
            buffer.copy_within(start..start + len, end);
        }
        end += len;
    }
    buffer.truncate(end);
    Some(buffer)
}

/// Each respondent's value of every KPI, dimension score and item (flipped where
/// reverse-keyed), NaN where they have none: what the statistics that need rows (paired tests,
/// weighted figures) read. One column per variable, rows in table order.
pub fn respondent_values(survey: &Survey, table: &ResponseTable) -> RespondentValues {
    collect_values(survey, table, true)
}

/// Each respondent's value of every KPI (NaN where none), one column per KPI: what the
/// free-text analysis reads, without the item and dimension columns `respondent_values`
/// also holds (about 2.9 GB at ten million rows).
pub fn kpi_values(survey: &Survey, table: &ResponseTable) -> Vec<Vec<f64>> {
    collect_values(survey, table, false).kpis
}

fn collect_values(survey: &Survey, table: &ResponseTable, all: bool) -> RespondentValues {
    let mut block = ValueBlock::new(survey, table);
    let v = block.plan.variables.clone();
    let kpis = survey.kpi_measures.len();
    let (dims, items) = if all {
        (v.dimensions, survey.definition.items.len())
    } else {
        (0, 0)
    };
    let mut out = RespondentValues {
        kpis: vec![Vec::with_capacity(table.n_rows); kpis],
        dimensions: vec![Vec::with_capacity(table.n_rows); dims],
        items: vec![Vec::with_capacity(table.n_rows); items],
    };
    let push = |column: &mut Vec<f64>, block: &ValueBlock, variable: usize| {
        let scale = v.scales[variable] as f64;
        let values = block.values(variable).iter().zip(block.present(variable));
        column.extend(values.map(|(&x, &p)| if p { x as f64 / scale } else { f64::NAN }));
    };
    block.for_each_block(table, 0..table.n_rows, |block, _| {
        for (k, column) in out.kpis.iter_mut().enumerate() {
            push(column, block, v.kpi_variable[k]);
        }
        for (d, column) in out.dimensions.iter_mut().enumerate() {
            push(column, block, d);
        }
        for (i, column) in out.items.iter_mut().enumerate() {
            let codes = block.flipped(i).iter();
            column.extend(codes.map(|&x| if x == 0 { f64::NAN } else { f64::from(x) }));
        }
    });
    out
}

/// Per-respondent values by variable; NaN marks no value.
#[derive(Debug, Clone, PartialEq)]
pub struct RespondentValues {
    pub kpis: Vec<Vec<f64>>,
    pub dimensions: Vec<Vec<f64>>,
    pub items: Vec<Vec<f64>>,
}

/// Respondents' driver variables, `width` per respondent, flat: value `j` of a row is its
/// scaled integer divided by `scales[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverRows {
    pub width: usize,
    pub scales: Vec<f64>,
    pub values: DriverValues,
}

/// Driver values as the scaled integers the partials sum, divided when read: 4 bytes a value
/// instead of 8 (at ten million rows, 265 MB less). A composite of more than about 22 items
/// has scaled values beyond `i32`; such rows are kept as floats, already divided (the same
/// values).
#[derive(Debug, Clone, PartialEq)]
pub enum DriverValues {
    Scaled(Vec<i32>),
    Floats(Vec<f64>),
}

impl DriverRows {
    /// Appends the scaled value `x` of column `j`, turning the rows into floats if `x` is
    /// beyond `i32`.
    fn push(&mut self, j: usize, x: i64) {
        if let DriverValues::Scaled(values) = &mut self.values {
            if let Ok(x) = i32::try_from(x) {
                values.push(x);
                return;
            }
            let floats = values
                .iter()
                .enumerate()
                .map(|(i, &v)| f64::from(v) / self.scales[i % self.width])
                .collect();
            self.values = DriverValues::Floats(floats);
        }
        if let DriverValues::Floats(floats) = &mut self.values {
            floats.push(x as f64 / self.scales[j]);
        }
    }

    fn values_len(&self) -> usize {
        match &self.values {
            DriverValues::Scaled(values) => values.len(),
            DriverValues::Floats(floats) => floats.len(),
        }
    }

    pub fn len(&self) -> usize {
        self.values_len() / self.width
    }

    pub fn is_empty(&self) -> bool {
        self.values_len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_values_beyond_i32_turn_the_rows_into_the_same_floats() {
        let mut rows = DriverRows {
            width: 2,
            scales: vec![4.0, 1.0],
            values: DriverValues::Scaled(Vec::new()),
        };
        rows.push(0, 10);
        rows.push(1, 3);
        assert_eq!(rows.values, DriverValues::Scaled(vec![10, 3]));
        // A 23-item composite: lcm(1..=23) × 5 points is beyond i32.
        let big = 5_354_228_880_i64 * 5;
        rows.push(0, big);
        rows.push(1, -7);
        assert_eq!(
            rows.values,
            DriverValues::Floats(vec![2.5, 3.0, big as f64 / 4.0, -7.0])
        );
        assert_eq!(rows.len(), 2);
    }
}

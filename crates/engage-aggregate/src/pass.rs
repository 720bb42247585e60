//! The aggregation pass: rows are split into chunks, each rayon split folds its chunks into
//! its own counters (`counters.rs`, laid out by `plan.rs`), and their partials are merged.

use engage_ingest::ResponseTable;
use engage_model::Survey;
use rayon::prelude::*;

use crate::counters::{Acc, Counters};
use crate::partials::{GroupLevel, Partials, ScoreVariables};
use crate::plan::Plan;

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

/// Aggregates in parallel tasks of `chunk_rows` rows (tests use small chunks to exercise merging).
/// Each rayon split folds its chunks into one accumulator, so counters are allocated per
/// split, not per chunk.
pub fn aggregate_chunked(survey: &Survey, table: &ResponseTable, chunk_rows: usize) -> Partials {
    let plan = Plan::new(survey, table);
    if plan.narrow {
        count_chunked::<i64>(&plan, survey, table, chunk_rows)
    } else {
        count_chunked::<i128>(&plan, survey, table, chunk_rows)
    }
}

fn count_chunked<A: Acc>(
    plan: &Plan,
    survey: &Survey,
    table: &ResponseTable,
    chunk_rows: usize,
) -> Partials {
    let levels = levels(table);
    let chunk_rows = chunk_rows.max(1);
    let chunks: Vec<(usize, usize)> = (0..table.n_rows)
        .step_by(chunk_rows)
        .map(|s| (s, (s + chunk_rows).min(table.n_rows)))
        .collect();
    chunks
        .into_par_iter()
        .fold(
            || Counters::<A>::new(plan, survey),
            |mut acc, (start, end)| {
                acc.add_rows(plan, table, start..end);
                acc
            },
        )
        .map(|acc| acc.into_partials(plan, survey, &levels))
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
    fn count<A: Acc>(
        plan: &Plan,
        survey: &Survey,
        table: &ResponseTable,
        rows: std::ops::Range<usize>,
    ) -> Partials {
        let mut counters = Counters::<A>::new(plan, survey);
        counters.add_rows(plan, table, rows);
        counters.into_partials(plan, survey, &levels(table))
    }
    let plan = Plan::new(survey, table);
    if plan.narrow {
        count::<i64>(&plan, survey, table, rows)
    } else {
        count::<i128>(&plan, survey, table, rows)
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
            let mut values = RowValues::new(survey, table);
            for row in 0..table.n_rows {
                values.read(table, row);
                if values.drivers[kpi] {
                    let row_values = &values.driver_values[kpi];
                    for (j, &c) in columns.iter().enumerate() {
                        out.push(j, row_values[c]);
                    }
                }
            }
        }
    }
    out
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
            let mut values = RowValues::new(survey, table);
            let mut kept = 0;
            let start = task * EXPORT_ROWS;
            for row in start..(start + EXPORT_ROWS).min(table.n_rows) {
                values.read(table, row);
                if values.drivers[kpi] {
                    let row_values = &values.driver_values[kpi];
                    for (slot, &c) in out[kept * width..][..width].iter_mut().zip(columns) {
                        *slot = i32::try_from(row_values[c]).ok()?;
                    }
                    kept += 1;
                }
            }
            Some(kept)
        })
        .collect();
    let mut end = 0;
    for (task, kept) in kept.into_iter().enumerate() {
        let start = task * EXPORT_ROWS * width;
        let len = kept? * width;
        buffer.copy_within(start..start + len, end);
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
    let mut values = RowValues::new(survey, table);
    let v = values.plan.variables.clone();
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
    let value = |values: &RowValues, variable: usize| {
        values.values[variable].map_or(f64::NAN, |x| x as f64 / v.scales[variable] as f64)
    };
    for row in 0..table.n_rows {
        values.read(table, row);
        for (k, column) in out.kpis.iter_mut().enumerate() {
            column.push(value(&values, v.kpi_variable[k]));
        }
        for (d, column) in out.dimensions.iter_mut().enumerate() {
            column.push(value(&values, d));
        }
        for (i, column) in out.items.iter_mut().enumerate() {
            let x = values.flipped[i];
            column.push(if x == 0 { f64::NAN } else { f64::from(x) });
        }
    }
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

/// One row's score values, from the plan's tables: what the row exports read.
pub(crate) struct RowValues {
    pub(crate) plan: Plan,
    /// Flipped code per item, 0 when missing or not applicable.
    pub(crate) flipped: Vec<u8>,
    /// Per score variable, its scaled value when present.
    pub(crate) values: Vec<Option<i64>>,
    /// Per KPI, whether the dimension scores and the KPI are all present, and those values.
    drivers: Vec<bool>,
    driver_values: Vec<Vec<i64>>,
}

impl RowValues {
    pub(crate) fn new(survey: &Survey, table: &ResponseTable) -> Self {
        let plan = Plan::new(survey, table);
        let kpis = survey.kpi_measures.len();
        RowValues {
            flipped: vec![0; survey.definition.items.len()],
            values: vec![None; plan.variables.len()],
            drivers: vec![false; kpis],
            driver_values: vec![vec![0; plan.variables.dimensions + 1]; kpis],
            plan,
        }
    }

    pub(crate) fn read(&mut self, table: &ResponseTable, row: usize) {
        let plan = &self.plan;
        for (i, column) in table.items.iter().enumerate() {
            self.flipped[i] = plan.flip[i][usize::from(column[row])];
        }
        for (c, composite) in plan.composites.iter().enumerate() {
            let (mut answered, mut sum) = (0usize, 0i64);
            for &i in &composite.items {
                let x = self.flipped[i];
                answered += usize::from(x != 0);
                sum += i64::from(x);
            }
            let factor = composite.factor[answered];
            self.values[c] = (factor != 0).then_some(sum * factor);
        }
        let first_share = plan.composites.len();
        for (s, share) in plan.shares.iter().enumerate() {
            let x = self.flipped[share.item];
            self.values[first_share + s] =
                (x != 0).then_some(i64::from(share.chosen[usize::from(x)]));
        }
        let dims = plan.variables.dimensions;
        let all_dimensions = self.values[..dims].iter().all(Option::is_some);
        for (k, values) in self.driver_values.iter_mut().enumerate() {
            let kpi = self.values[plan.variables.kpi_variable[k]];
            self.drivers[k] = all_dimensions && kpi.is_some();
            if self.drivers[k] {
                for (x, v) in values
                    .iter_mut()
                    .zip(self.values[..dims].iter().chain([&kpi]))
                {
                    *x = v.unwrap_or_default();
                }
            }
        }
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

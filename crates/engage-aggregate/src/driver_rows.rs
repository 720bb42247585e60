//! The rows behind a KPI's driver analysis, taken from the compact layout for what partials
//! cannot carry: the bootstrap intervals, which resample respondents.

use engage_ingest::ResponseTable;
use engage_model::Survey;
use rayon::prelude::*;

use crate::partials::ScoreVariables;
use crate::plan::Plan;
use crate::value_codes::ValueCodes;
use crate::values::ValueBlock;

/// Respondents' driver variables, `width` per respondent, flat: value `j` of a row is its
/// scaled integer divided by `scales[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverRows {
    pub width: usize,
    pub scales: Vec<f64>,
    pub values: DriverValues,
}

/// Driver values in the narrowest exact form.
#[derive(Debug, Clone, PartialEq)]
pub enum DriverValues {
    /// One byte a value: value `j` of row `r` is the scaled integer `levels[j][codes[r *
    /// width + j]]`. Answer scores take few values (a dimension of up to ten five-point items
    /// has at most 256), so this is the usual form: 70 MB at ten million rows of seven
    /// variables, read once, instead of 280 MB as `i32` turned into bytes by the bootstrap.
    Coded {
        codes: Vec<u8>,
        levels: Vec<Vec<i64>>,
    },
    /// The scaled integers the partials sum, divided when read: 4 bytes a value instead of 8.
    Scaled(Vec<i32>),
    /// A composite of more than about 22 items has scaled values beyond `i32`; such rows are
    /// kept as floats, already divided (the same values).
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
            DriverValues::Coded { codes, .. } => codes.len(),
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

    /// The scaled integers, row by row, whatever the form (`None` for floats).
    pub fn scaled_integers(&self) -> Option<Vec<i64>> {
        match &self.values {
            DriverValues::Coded { codes, levels } => Some(
                codes
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| levels[i % self.width][usize::from(c)])
                    .collect(),
            ),
            DriverValues::Scaled(values) => Some(values.iter().map(|&v| i64::from(v)).collect()),
            DriverValues::Floats(_) => None,
        }
    }
}

/// The respondents behind one KPI's driver analysis, as they are summed into
/// `GroupPartial::drivers` (every dimension score and the KPI present), with the variables in
/// `columns` (`0..dimensions` for the dimension scores, `dimensions` for the KPI), in
/// answer-code units (a share KPI as 0/1). Partials cannot carry rows; this is what bootstrap
/// intervals resample, from the in-memory layout. One KPI at a time, only the columns used.
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
    if let Some(values) = coded_driver_rows(survey, table, kpi, columns) {
        out.values = values;
    } else if let Some(values) = gather(survey, table, kpi, columns, &|_, x| i32::try_from(x).ok())
    {
        out.values = DriverValues::Scaled(values);
    } else {
        // A value beyond `i32`: the rows again, one at a time, turning into floats.
        let mut block = ValueBlock::new(survey, table);
        let variables = driver_variables(&block.plan, kpi, columns);
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
    out
}

/// The score variable of each driver column: a dimension, or (`dimensions`) the KPI.
fn driver_variables(plan: &Plan, kpi: usize, columns: &[usize]) -> Vec<usize> {
    let v = &plan.variables;
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

/// The driver rows as byte codes, when every column has at most 256 possible values within a
/// span a lookup table covers; `None` otherwise (the rows are then kept as integers).
fn coded_driver_rows(
    survey: &Survey,
    table: &ResponseTable,
    kpi: usize,
    columns: &[usize],
) -> Option<DriverValues> {
    let plan = Plan::new(survey, table);
    let variables = driver_variables(&plan, kpi, columns);
    let value_codes: Vec<ValueCodes> = variables
        .iter()
        .map(|&v| ValueCodes::of(&plan, v))
        .collect::<Option<_>>()?;
    let code = |j: usize, x: i64| value_codes[j].code(x);
    let codes = gather(survey, table, kpi, columns, &code)?;
    let levels = value_codes.into_iter().map(|c| c.levels).collect();
    Some(DriverValues::Coded { codes, levels })
}

/// Rows per task of the row exports.
const EXPORT_ROWS: usize = 1 << 16;

/// The driver rows in parallel, each value turned by `convert(column, scaled)`, or `None` if
/// it turns one down. Each task fills its own rows' part of a buffer sized for every row; the
/// kept rows are then moved together in table order, so the buffer is the only copy.
fn gather<T: Copy + Default + Send + Sync>(
    survey: &Survey,
    table: &ResponseTable,
    kpi: usize,
    columns: &[usize],
    convert: &(impl Fn(usize, i64) -> Option<T> + Sync),
) -> Option<Vec<T>> {
    let width = columns.len();
    let mut buffer = vec![T::default(); table.n_rows * width];
    let kept: Vec<Option<usize>> = buffer
        .par_chunks_mut((EXPORT_ROWS * width).max(1))
        .enumerate()
        .map(|(task, out)| {
            let mut block = ValueBlock::new(survey, table);
            let variables = driver_variables(&block.plan, kpi, columns);
            let mut complete = Vec::new();
            let (mut kept, mut fits) = (0, true);
            let start = task * EXPORT_ROWS;
            let rows = start..(start + EXPORT_ROWS).min(table.n_rows);
            block.for_each_block(table, rows, |block, _| {
                complete_rows(block, kpi, &mut complete);
                for r in (0..block.len).filter(|&r| complete[r]) {
                    let slots = out[kept * width..][..width].iter_mut();
                    for (j, (slot, &v)) in slots.zip(&variables).enumerate() {
                        let x = convert(j, block.values(v)[r]);
                        fits &= x.is_some();
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
        // Until a task has left rows out, its rows are already in place: no move of the
        // whole buffer onto itself.
        if start != end {
            buffer.copy_within(start..start + len, end);
        }
        end += len;
    }
    buffer.truncate(end);
    Some(buffer)
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

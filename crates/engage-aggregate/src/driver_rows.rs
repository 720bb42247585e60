//! The rows behind a KPI's driver analysis, taken from the compact layout for what partials
//! cannot carry: the bootstrap intervals, which resample respondents.

use engage_ingest::ResponseTable;
use engage_model::Survey;
use rayon::prelude::*;

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

/// One KPI's driver rows to build: the KPI and the columns wanted (`0..dimensions` for the
/// dimension scores, `dimensions` for the KPI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverRequest {
    pub kpi: usize,
    pub columns: Vec<usize>,
}

/// The respondents behind one KPI's driver analysis, as they are summed into
/// `GroupPartial::drivers` (every dimension score and the KPI present), with the variables in
/// `columns` (`0..dimensions` for the dimension scores, `dimensions` for the KPI), in
/// answer-code units (a share KPI as 0/1). Partials cannot carry rows; this is what bootstrap
/// intervals resample, from the in-memory layout.
pub fn driver_rows(
    survey: &Survey,
    table: &ResponseTable,
    kpi: usize,
    columns: &[usize],
) -> DriverRows {
    let request = DriverRequest {
        kpi,
        columns: columns.to_vec(),
    };
    driver_rows_of_kpis(survey, table, std::slice::from_ref(&request))
        .pop()
        .expect("one request gives one set of rows")
}

/// [`driver_rows`] of several KPIs at once, in the order asked. The scores of a block of rows
/// are the same for every KPI, so they are worked out once for all of them (at ten million
/// rows the two KPIs' rows took 330 ms one KPI at a time, 230 ms together).
pub fn driver_rows_of_kpis(
    survey: &Survey,
    table: &ResponseTable,
    requests: &[DriverRequest],
) -> Vec<DriverRows> {
    let plan = Plan::new(survey, table);
    // Byte codes where every column has few enough possible values.
    let value_codes: Vec<Option<Vec<ValueCodes>>> = requests
        .iter()
        .map(|q| {
            driver_variables(&plan, q.kpi, &q.columns)
                .iter()
                .map(|&variable| ValueCodes::of(&plan, variable))
                .collect()
        })
        .collect();
    // The codable requests, gathered together; the others one by one below.
    let wanted: Vec<&DriverRequest> = requests
        .iter()
        .zip(&value_codes)
        .filter_map(|(q, codes)| codes.as_ref().map(|_| q))
        .collect();
    let converters: Vec<&[ValueCodes]> = value_codes.iter().flatten().map(Vec::as_slice).collect();
    let mut coded = gather(survey, table, &wanted, &converters).into_iter();
    let mut value_codes = value_codes.into_iter();
    requests
        .iter()
        .map(|q| {
            let scales: Vec<f64> = driver_variables(&plan, q.kpi, &q.columns)
                .iter()
                .map(|&variable| plan.variables.scales[variable] as f64)
                .collect();
            let mut out = DriverRows {
                width: q.columns.len(),
                scales,
                values: DriverValues::Scaled(Vec::new()),
            };
            let codes = value_codes.next().flatten();
            let gathered = codes.as_ref().and_then(|_| coded.next().flatten());
            if let (Some(codes), Some(gathered)) = (codes, gathered) {
                out.values = DriverValues::Coded {
                    codes: gathered,
                    levels: codes.into_iter().map(|c| c.levels).collect(),
                };
            } else if let Some(values) =
                gather(survey, table, &[q], &[&vec![ToI32; q.columns.len()]])
                    .pop()
                    .flatten()
            {
                out.values = DriverValues::Scaled(values);
            } else {
                // A value beyond `i32`: the rows again, one at a time, turning into floats.
                let mut block = ValueBlock::new(survey, table);
                let variables = driver_variables(&block.plan, q.kpi, &q.columns);
                let mut complete = Vec::new();
                block.for_each_block(table, 0..table.n_rows, |block, _| {
                    complete_rows(block, q.kpi, &mut complete);
                    for r in (0..block.len).filter(|&r| complete[r]) {
                        for (j, &v) in variables.iter().enumerate() {
                            out.push(j, block.values(v)[r]);
                        }
                    }
                });
            }
            out
        })
        .collect()
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

/// Rows per task of the row exports.
const EXPORT_ROWS: usize = 1 << 16;

/// How a scaled value is kept in the rows: `None` when it cannot be.
trait Keep<T>: Sync {
    fn keep(&self, scaled: i64) -> Option<T>;
}

/// As its byte code.
impl Keep<u8> for ValueCodes {
    #[inline]
    fn keep(&self, scaled: i64) -> Option<u8> {
        self.code(scaled)
    }
}

/// As itself, when it fits in an `i32`.
#[derive(Clone, Copy)]
struct ToI32;

impl Keep<i32> for ToI32 {
    #[inline]
    fn keep(&self, scaled: i64) -> Option<i32> {
        i32::try_from(scaled).ok()
    }
}

/// The driver rows of each request in parallel, value `j` of request `q` kept by
/// `converters[q][j]`; `None` for a request one of whose values cannot be kept. Each task
/// derives its blocks once for every request and fills its rows' part of a buffer per
/// request sized for every row; the kept rows are then moved together in table order, so the
/// buffer is the only copy.
fn gather<T: Copy + Default + Send + Sync, C: Keep<T>>(
    survey: &Survey,
    table: &ResponseTable,
    requests: &[&DriverRequest],
    converters: &[&[C]],
) -> Vec<Option<Vec<T>>> {
    let widths: Vec<usize> = requests.iter().map(|q| q.columns.len()).collect();
    let mut buffers: Vec<Vec<T>> = widths
        .iter()
        .map(|&width| vec![T::default(); table.n_rows * width])
        .collect();
    // Task `t` gets rows `t * EXPORT_ROWS..` of every buffer.
    let tasks = table.n_rows.div_ceil(EXPORT_ROWS);
    let mut parts: Vec<Vec<&mut [T]>> = (0..tasks).map(|_| Vec::new()).collect();
    for (buffer, &width) in buffers.iter_mut().zip(&widths) {
        let mut chunks = buffer.chunks_mut((EXPORT_ROWS * width).max(1));
        for part in &mut parts {
            part.push(chunks.next().unwrap_or_default());
        }
    }
    let kept: Vec<Vec<Option<usize>>> = parts
        .into_par_iter()
        .enumerate()
        .map(|(task, mut outs)| {
            let mut block = ValueBlock::new(survey, table);
            let variables: Vec<Vec<usize>> = requests
                .iter()
                .map(|q| driver_variables(&block.plan, q.kpi, &q.columns))
                .collect();
            let mut complete = Vec::new();
            let mut rows_kept = Vec::new();
            let mut kept = vec![0; requests.len()];
            let mut fits = vec![true; requests.len()];
            let start = task * EXPORT_ROWS;
            let rows = start..(start + EXPORT_ROWS).min(table.n_rows);
            block.for_each_block(table, rows, |block, _| {
                for (q, request) in requests.iter().enumerate() {
                    complete_rows(block, request.kpi, &mut complete);
                    rows_kept.clear();
                    rows_kept.extend((0..block.len).filter(|&r| complete[r]));
                    let width = widths[q];
                    let out = &mut outs[q][kept[q] * width..][..rows_kept.len() * width];
                    let columns: Vec<&[i64]> =
                        variables[q].iter().map(|&v| block.values(v)).collect();
                    let mut fit = true;
                    for (row, &r) in out.chunks_exact_mut(width.max(1)).zip(&rows_kept) {
                        for ((slot, column), keep) in
                            row.iter_mut().zip(&columns).zip(converters[q])
                        {
                            let x = keep.keep(column[r]);
                            fit &= x.is_some();
                            *slot = x.unwrap_or_default();
                        }
                    }
                    fits[q] &= fit;
                    kept[q] += rows_kept.len();
                }
            });
            kept.into_iter()
                .zip(fits)
                .map(|(kept, fits)| fits.then_some(kept))
                .collect()
        })
        .collect();
    buffers
        .into_iter()
        .enumerate()
        .map(|(q, mut buffer)| {
            let width = widths[q];
            let mut end = 0;
            for (task, kept) in kept.iter().enumerate() {
                let start = task * EXPORT_ROWS * width;
                let len = kept[q]? * width;
                // Until a task has left rows out, its rows are already in place: no move of
                // the whole buffer onto itself.
                if start != end {
                    buffer.copy_within(start..start + len, end);
                }
                end += len;
            }
            buffer.truncate(end);
            Some(buffer)
        })
        .collect()
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

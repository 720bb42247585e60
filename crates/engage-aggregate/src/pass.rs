//! The aggregation pass: rows are split into chunks, each chunk fills its own partials on a
//! rayon worker, and the partials are merged.

use engage_ingest::ResponseTable;
use engage_model::{KpiMeasure, Survey, CODE_MISSING, CODE_NOT_APPLICABLE};
use rayon::prelude::*;

use crate::moments::{pair_index, upper_index};
use crate::partials::{GroupLevel, GroupPartial, Partials, ScoreVariables};

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
/// Each rayon split folds its chunks into one accumulator, so partials are allocated per
/// split, not per chunk.
pub fn aggregate_chunked(survey: &Survey, table: &ResponseTable, chunk_rows: usize) -> Partials {
    let levels = levels(table);
    let chunk_rows = chunk_rows.max(1);
    let chunks: Vec<(usize, usize)> = (0..table.n_rows)
        .step_by(chunk_rows)
        .map(|s| (s, (s + chunk_rows).min(table.n_rows)))
        .collect();
    let rows = RowValues::new(survey);
    chunks
        .into_par_iter()
        .fold(
            || (Partials::empty(survey, &levels), rows.clone()),
            |(mut acc, mut buf), (start, end)| {
                add_rows(&mut acc, &mut buf, survey, table, start..end);
                (acc, buf)
            },
        )
        .map(|(acc, _)| acc)
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
    let mut out = Partials::empty(survey, &levels(table));
    add_rows(&mut out, &mut RowValues::new(survey), survey, table, rows);
    out
}

/// Per KPI, the respondents behind its driver analysis, as they are summed into
/// `GroupPartial::drivers`: every dimension score and then the KPI, in answer-code units (a
/// share KPI as 0/1), `width` values per respondent. Partials cannot carry rows; this is what
/// bootstrap intervals resample, from the in-memory layout.
pub fn driver_rows(survey: &Survey, table: &ResponseTable) -> Vec<DriverRows> {
    let mut values = RowValues::new(survey);
    let width = values.variables.dimensions + 1;
    let scales: Vec<Vec<f64>> = (0..survey.kpi_measures.len())
        .map(|k| {
            let v = &values.variables;
            (0..v.dimensions)
                .chain([v.kpi_variable[k]])
                .map(|i| v.scales[i] as f64)
                .collect()
        })
        .collect();
    let mut out: Vec<DriverRows> = scales
        .iter()
        .map(|_| DriverRows {
            width,
            values: Vec::new(),
        })
        .collect();
    for row in 0..table.n_rows {
        values.read(survey, table, row);
        for (k, rows) in out.iter_mut().enumerate() {
            if values.drivers[k] {
                rows.values.extend(
                    values.driver_values[k]
                        .iter()
                        .zip(&scales[k])
                        .map(|(&x, s)| x as f64 / s),
                );
            }
        }
    }
    out
}

/// Each respondent's value of every KPI, dimension score and item (flipped where
/// reverse-keyed), NaN where they have none: what the statistics that need rows (paired tests,
/// weighted figures) read. One column per variable, rows in table order.
pub fn respondent_values(survey: &Survey, table: &ResponseTable) -> RespondentValues {
    let mut values = RowValues::new(survey);
    let v = values.variables.clone();
    let kpis = survey.kpi_measures.len();
    let dims = v.dimensions;
    let items = survey.definition.items.len();
    let mut out = RespondentValues {
        kpis: vec![Vec::with_capacity(table.n_rows); kpis],
        dimensions: vec![Vec::with_capacity(table.n_rows); dims],
        items: vec![Vec::with_capacity(table.n_rows); items],
    };
    let value = |values: &RowValues, variable: usize| {
        values.values[variable].map_or(f64::NAN, |x| x as f64 / v.scales[variable] as f64)
    };
    for row in 0..table.n_rows {
        values.read(survey, table, row);
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

/// Respondents' driver variables, `width` per respondent, flat.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverRows {
    pub width: usize,
    pub values: Vec<f64>,
}

impl DriverRows {
    pub fn len(&self) -> usize {
        self.values.len() / self.width
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// One row's values in the integer forms the partials sum, computed once and added to the
/// row's group in every cut.
#[derive(Clone)]
struct RowValues {
    points: u8,
    reverse: Vec<bool>,
    variables: ScoreVariables,
    /// Per share KPI (in variable order): item and chosen flipped codes.
    shares: Vec<(usize, Vec<u8>)>,
    /// Flipped code per item, 0 when missing or not applicable.
    flipped: Vec<u8>,
    /// Per item, the `ItemCounts::by_code` slot of this row's answer.
    slots: Vec<usize>,
    /// Per score variable, its scaled value when present.
    values: Vec<Option<i64>>,
    /// Per dimension, whether all its items are answered, and their flipped codes.
    complete: Vec<bool>,
    complete_codes: Vec<Vec<i64>>,
    /// Per KPI, whether the dimension scores and the KPI are all present, and those values.
    drivers: Vec<bool>,
    driver_values: Vec<Vec<i64>>,
    /// Per multi-select question, the options picked (only for answered questions).
    picked: Vec<Vec<usize>>,
}

impl RowValues {
    fn new(survey: &Survey) -> Self {
        let variables = ScoreVariables::of(survey);
        let shares = survey
            .kpi_measures
            .iter()
            .filter_map(|m| match m {
                KpiMeasure::Share { item, codes } => Some((*item, codes.clone())),
                KpiMeasure::CompositeMean { .. } => None,
            })
            .collect();
        RowValues {
            points: survey.points(),
            reverse: survey.definition.items.iter().map(|i| i.reverse).collect(),
            shares,
            flipped: vec![0; survey.definition.items.len()],
            slots: vec![0; survey.definition.items.len()],
            values: vec![None; variables.len()],
            complete: vec![false; variables.dimensions],
            complete_codes: survey.composites[..variables.dimensions]
                .iter()
                .map(|c| vec![0; c.items.len()])
                .collect(),
            drivers: vec![false; survey.kpi_measures.len()],
            driver_values: vec![vec![0; variables.dimensions + 1]; survey.kpi_measures.len()],
            picked: vec![Vec::with_capacity(64); survey.definition.multi_select.len()],
            variables,
        }
    }

    fn read(&mut self, survey: &Survey, table: &ResponseTable, row: usize) {
        for (i, column) in table.items.iter().enumerate() {
            let code = column[row];
            self.flipped[i] = if code == CODE_MISSING || code == CODE_NOT_APPLICABLE {
                0
            } else if self.reverse[i] {
                self.points + 1 - code
            } else {
                code
            };
        }
        for (c, composite) in survey.composites.iter().enumerate() {
            let (mut answered, mut sum) = (0i64, 0i64);
            for &i in &composite.items {
                let x = self.flipped[i];
                if x != 0 {
                    answered += 1;
                    sum += i64::from(x);
                }
            }
            let scale = self.variables.scales[c] as i64;
            self.values[c] = (answered >= composite.min_answered as i64 && answered > 0)
                .then(|| sum * (scale / answered));
        }
        let first_share = survey.composites.len();
        for (s, (item, codes)) in self.shares.iter().enumerate() {
            let x = self.flipped[*item];
            self.values[first_share + s] = (x != 0).then(|| i64::from(codes.contains(&x)));
        }
        for (d, codes) in self.complete_codes.iter_mut().enumerate() {
            let items = &survey.composites[d].items;
            self.complete[d] = items.iter().all(|&i| self.flipped[i] != 0);
            for (x, &i) in codes.iter_mut().zip(items) {
                *x = i64::from(self.flipped[i]);
            }
        }
        let dims = self.variables.dimensions;
        let all_dimensions = self.values[..dims].iter().all(Option::is_some);
        for (k, values) in self.driver_values.iter_mut().enumerate() {
            let kpi = self.values[self.variables.kpi_variable[k]];
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
        for (q, picked) in self.picked.iter_mut().enumerate() {
            picked.clear();
            let column = &table.multi[q];
            if column.answered[row] {
                let mut bits = column.picks[row];
                while bits != 0 {
                    picked.push(bits.trailing_zeros() as usize);
                    bits &= bits - 1;
                }
            }
        }
    }
}

fn add_rows(
    out: &mut Partials,
    row_values: &mut RowValues,
    survey: &Survey,
    table: &ResponseTable,
    rows: std::ops::Range<usize>,
) {
    let na_slot = usize::from(survey.points()) + 1;
    let kpis = survey.kpi_measures.len();
    for row in rows {
        let rv = &mut *row_values;
        rv.read(survey, table, row);
        for (i, slot) in rv.slots.iter_mut().enumerate() {
            let code = table.items[i][row];
            *slot = if code == CODE_NOT_APPLICABLE {
                na_slot
            } else {
                usize::from(code)
            };
        }
        for (c, cut) in out.cuts.iter_mut().enumerate() {
            let g = match cut.segment {
                None => 0,
                Some(s) => table.segments[s].codes[row] as usize,
            };
            let group = &mut cut.groups[g];
            add_counts(group, rv, table, row);
            // Co-moments feed reliability, drivers and multi-select depth, which the report
            // gives for the whole organisation: collected there only (cut 0), they cost one
            // cut's work instead of one per cut (measured 9 cuts: see benches/README.md).
            if c == 0 {
                add_moments(group, rv, survey, table, row, kpis);
            }
        }
    }
}

/// Counts and sums every cut's groups carry: respondents, answer codes, composite scores,
/// multi-select base and picks.
#[inline]
fn add_counts(group: &mut GroupPartial, rv: &RowValues, table: &ResponseTable, row: usize) {
    group.respondents += 1;
    for (counts, &slot) in group.items.iter_mut().zip(&rv.slots) {
        counts.by_code[slot] += 1;
    }
    for (sums, value) in group.composites.iter_mut().zip(&rv.values) {
        if let Some(x) = *value {
            let x = i128::from(x);
            sums.n += 1;
            sums.sum += x;
            sums.sum_sq += x * x;
        }
    }
    for (q, counts) in group.multi.iter_mut().enumerate() {
        if table.multi[q].answered[row] {
            counts.base += 1;
            for &o in &rv.picked[q] {
                counts.options[o] += 1;
            }
        }
    }
}

/// Co-moments: item pairs and listwise sums per dimension, score pairs, driver sums per KPI,
/// options picked together and the KPI sums of those who picked each option.
fn add_moments(
    group: &mut GroupPartial,
    rv: &RowValues,
    survey: &Survey,
    table: &ResponseTable,
    row: usize,
    kpis: usize,
) {
    for (d, moments) in group.dimension_items.iter_mut().enumerate() {
        let items = &survey.composites[d].items;
        if rv.complete[d] {
            moments.listwise.add(&rv.complete_codes[d]);
        }
        let k = items.len();
        for (a, &ia) in items.iter().enumerate() {
            let xa = rv.flipped[ia];
            if xa == 0 {
                continue;
            }
            for (b, &ib) in items.iter().enumerate().skip(a + 1) {
                let xb = rv.flipped[ib];
                if xb != 0 {
                    moments.pairs[pair_index(a, b, k)].add(i64::from(xa), i64::from(xb));
                }
            }
        }
    }
    let v = rv.values.len();
    for a in 0..v {
        let Some(xa) = rv.values[a] else { continue };
        for b in a + 1..v {
            if let Some(xb) = rv.values[b] {
                group.score_pairs[pair_index(a, b, v)].add(xa, xb);
            }
        }
    }
    for (k, listwise) in group.drivers.iter_mut().enumerate() {
        if rv.drivers[k] {
            listwise.add(&rv.driver_values[k]);
        }
    }
    for (q, counts) in group.multi.iter_mut().enumerate() {
        if !table.multi[q].answered[row] {
            continue;
        }
        let picked = &rv.picked[q];
        let n_options = counts.options.len();
        let moments = &mut counts.moments;
        for (t, &o) in picked.iter().enumerate() {
            for &p in &picked[t..] {
                moments.co_picked[upper_index(o, p, n_options)] += 1;
            }
        }
        for k in 0..kpis {
            if let Some(y) = rv.values[rv.variables.kpi_variable[k]] {
                moments.kpi_answered[k].add(y);
                for &o in picked {
                    moments.kpi_picked[o * kpis + k].add(y);
                }
            }
        }
    }
}

//! The aggregation pass: rows are split into chunks, each chunk fills its own partials on a
//! rayon worker, and the partials are merged.

use engage_ingest::ResponseTable;
use engage_model::{KpiMeasure, Survey, CODE_MISSING, CODE_NOT_APPLICABLE};
use rayon::prelude::*;

use crate::moments::{pair_index, upper_index, ItemMoments};
use crate::partials::{CompositeSums, GroupLevel, GroupPartial, Partials, ScoreVariables};

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
            || (Counters::new(survey, table), rows.clone()),
            |(mut acc, mut buf), (start, end)| {
                acc.add_rows(&mut buf, survey, table, start..end);
                (acc, buf)
            },
        )
        .map(|(acc, _)| acc.into_partials(survey, &levels))
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
    let mut counters = Counters::new(survey, table);
    counters.add_rows(&mut RowValues::new(survey), survey, table, rows);
    counters.into_partials(survey, &levels(table))
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

/// The counts every cut's groups carry, in flat arrays indexed by group (one allocation per
/// cut, no pointer chasing in the hot loop), plus the whole organisation's co-moments. Folded
/// over a rayon split's chunks, then turned into [`Partials`].
struct Counters {
    cuts: Vec<FlatCut>,
    /// The whole organisation's group: co-moments are collected there only (see `add_moments`).
    overall: GroupPartial,
    /// Its dimensions' item co-moments, as tallies.
    dimensions: Vec<DimensionTally>,
    /// Answer slots per item (`ItemCounts::by_code`), items, composites, questions, options.
    slots: usize,
    items: usize,
    composites: usize,
    /// Where each question's options start in a group's option counts, and their total.
    option_offsets: Vec<usize>,
    options: usize,
    /// Row-major copies of a chunk's answer slots and composite scores, shared by every cut.
    chunk_slots: Vec<u8>,
    chunk_scores: Vec<Option<i64>>,
}

struct FlatCut {
    segment: Option<usize>,
    /// A cut whose groups another cut refines is not counted row by row: its groups are sums
    /// of that cut's groups (`(source cut, source group → group)`), e.g. bureaus from
    /// sections, age bands from bureau × age, the whole organisation from any segment.
    derived: Option<(usize, Vec<usize>)>,
    respondents: Vec<u64>,
    /// `[group][item][slot]`.
    items: Vec<u64>,
    /// `[group][composite]`.
    composites: Vec<CompositeSums>,
    /// `[group][question]` and `[group][option]`.
    multi_base: Vec<u64>,
    multi_options: Vec<u64>,
}

impl Counters {
    fn new(survey: &Survey, table: &ResponseTable) -> Self {
        let def = &survey.definition;
        let slots = usize::from(survey.points()) + 2;
        let items = def.items.len();
        let composites = survey.composites.len();
        let mut option_offsets = Vec::with_capacity(def.multi_select.len());
        let mut options = 0;
        for q in &def.multi_select {
            option_offsets.push(options);
            options += q.options.len();
        }
        let questions = def.multi_select.len();
        let derived = derived_cuts(survey, table);
        let cut = |segment: Option<usize>, groups: usize| FlatCut {
            segment,
            derived: derived[segment.map_or(0, |s| s + 1)].clone(),
            respondents: vec![0; groups],
            items: vec![0; groups * items * slots],
            composites: vec![CompositeSums::default(); groups * composites],
            multi_base: vec![0; groups * questions],
            multi_options: vec![0; groups * options],
        };
        let cuts = std::iter::once(cut(None, 1))
            .chain(
                table
                    .segments
                    .iter()
                    .enumerate()
                    .map(|(s, column)| cut(Some(s), column.levels.len())),
            )
            .collect();
        Counters {
            cuts,
            overall: GroupPartial::empty(survey),
            dimensions: survey.composites[..def.dimensions.len()]
                .iter()
                .map(|c| DimensionTally::new(c.items.len(), survey.points()))
                .collect(),
            slots,
            items,
            composites,
            option_offsets,
            options,
            chunk_slots: Vec::new(),
            chunk_scores: Vec::new(),
        }
    }

    fn add_rows(
        &mut self,
        rv: &mut RowValues,
        survey: &Survey,
        table: &ResponseTable,
        rows: std::ops::Range<usize>,
    ) {
        let na_slot = self.slots as u8 - 1;
        let kpis = survey.kpi_measures.len();
        let (m, c) = (self.items, self.composites);
        self.chunk_slots.clear();
        self.chunk_scores.clear();
        // One pass over the rows for what every cut shares, and the co-moments.
        for row in rows.clone() {
            rv.read(survey, table, row);
            self.chunk_slots.extend(table.items.iter().map(|column| {
                let code = column[row];
                if code == CODE_NOT_APPLICABLE {
                    na_slot
                } else {
                    code
                }
            }));
            self.chunk_scores.extend_from_slice(&rv.values[..c]);
            add_moments(
                &mut self.overall,
                &mut self.dimensions,
                rv,
                survey,
                table,
                row,
                kpis,
            );
        }
        // Then each cut adds every row to its group: contiguous counters, no row state.
        let slots = self.slots;
        for cut in self.cuts.iter_mut().filter(|c| c.derived.is_none()) {
            let codes = cut.segment.map(|s| &table.segments[s].codes[rows.clone()]);
            for (r, row) in rows.clone().enumerate() {
                let g = codes.map_or(0, |codes| codes[r] as usize);
                cut.respondents[g] += 1;
                let counts = &mut cut.items[g * m * slots..(g + 1) * m * slots];
                for (i, &slot) in self.chunk_slots[r * m..(r + 1) * m].iter().enumerate() {
                    counts[i * slots + usize::from(slot)] += 1;
                }
                let sums = &mut cut.composites[g * c..(g + 1) * c];
                for (sums, value) in sums.iter_mut().zip(&self.chunk_scores[r * c..(r + 1) * c]) {
                    if let Some(x) = *value {
                        let x = i128::from(x);
                        sums.n += 1;
                        sums.sum += x;
                        sums.sum_sq += x * x;
                    }
                }
                let questions = self.option_offsets.len();
                for (q, column) in table.multi.iter().enumerate() {
                    if column.answered[row] {
                        cut.multi_base[g * questions + q] += 1;
                        let options = &mut cut.multi_options[g * self.options..];
                        let offset = self.option_offsets[q];
                        let mut bits = column.picks[row];
                        while bits != 0 {
                            options[offset + bits.trailing_zeros() as usize] += 1;
                            bits &= bits - 1;
                        }
                    }
                }
            }
        }
    }

    fn into_partials(self, survey: &Survey, levels: &[Vec<GroupLevel>]) -> Partials {
        let mut out = Partials::empty(survey, levels);
        let (m, c, slots) = (self.items, self.composites, self.slots);
        let questions = self.option_offsets.len();
        for (cut, flat) in out.cuts.iter_mut().zip(&self.cuts) {
            if flat.derived.is_some() {
                continue;
            }
            for (g, group) in cut.groups.iter_mut().enumerate() {
                group.respondents = flat.respondents[g];
                for (i, counts) in group.items.iter_mut().enumerate() {
                    let at = (g * m + i) * slots;
                    counts.by_code.copy_from_slice(&flat.items[at..at + slots]);
                }
                group
                    .composites
                    .copy_from_slice(&flat.composites[g * c..(g + 1) * c]);
                for (q, counts) in group.multi.iter_mut().enumerate() {
                    counts.base = flat.multi_base[g * questions + q];
                    let at = g * self.options + self.option_offsets[q];
                    let n = counts.options.len();
                    counts
                        .options
                        .copy_from_slice(&flat.multi_options[at..at + n]);
                }
            }
        }
        for (c, flat) in self.cuts.iter().enumerate() {
            if let Some((source, map)) = &flat.derived {
                let (from, to) = two_cuts(&mut out.cuts, *source, c);
                for (group, &target) in from.groups.iter().zip(map) {
                    to.groups[target].merge(group);
                }
            }
        }
        let overall = &mut out.cuts[0].groups[0];
        overall.dimension_items = self
            .dimensions
            .iter()
            .map(DimensionTally::moments)
            .collect();
        overall.score_pairs = self.overall.score_pairs;
        overall.drivers = self.overall.drivers;
        for (counts, moments) in overall.multi.iter_mut().zip(self.overall.multi) {
            counts.moments = moments.moments;
        }
        out
    }
}

/// Co-moments: item pairs and listwise sums per dimension, score pairs, driver sums per KPI,
/// options picked together and the KPI sums of those who picked each option.
fn add_moments(
    group: &mut GroupPartial,
    dimensions: &mut [DimensionTally],
    rv: &RowValues,
    survey: &Survey,
    table: &ResponseTable,
    row: usize,
    kpis: usize,
) {
    for (d, tally) in dimensions.iter_mut().enumerate() {
        tally.add(&survey.composites[d].items, &rv.flipped, rv.complete[d]);
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
    fn new(k: usize, points: u8) -> Self {
        let side = usize::from(points) + 1;
        DimensionTally {
            k,
            side,
            joint: vec![0; k * k.saturating_sub(1) / 2 * side * side],
            n: 0,
            sum: vec![0; k],
            cross: vec![0; k * (k + 1) / 2],
        }
    }

    #[inline]
    fn add(&mut self, items: &[usize], flipped: &[u8], complete: bool) {
        let cells = self.side * self.side;
        let mut pair = 0;
        for (a, &ia) in items.iter().enumerate() {
            let xa = usize::from(flipped[ia]) * self.side;
            for &ib in &items[a + 1..] {
                self.joint[pair * cells + xa + usize::from(flipped[ib])] += 1;
                pair += 1;
            }
        }
        if complete {
            self.n += 1;
            let mut t = 0;
            for (a, &ia) in items.iter().enumerate() {
                let xa = i64::from(flipped[ia]);
                self.sum[a] += xa;
                for &ib in &items[a..] {
                    self.cross[t] += xa * i64::from(flipped[ib]);
                    t += 1;
                }
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

/// Per cut (the whole organisation first, then each segment), the cut it is summed from, if
/// any: a cut counted row by row that refines it. Only counted cuts are sources, so sums never
/// chain; the choice changes no figure, as counts are integers.
fn derived_cuts(survey: &Survey, table: &ResponseTable) -> Vec<Option<(usize, Vec<usize>)>> {
    let segments = table.segments.len();
    // Segment t refines s: t nested in s, or t a cross of s with another segment.
    let refines = |t: usize, s: usize| -> Option<Vec<usize>> {
        let levels = &table.segments[t].levels;
        let across = survey.segment_across[t];
        let parent = survey.segment_parents[t];
        if parent == Some(s) {
            Some(
                levels
                    .iter()
                    .map(|l| l.parent.unwrap_or(0) as usize)
                    .collect(),
            )
        } else if across == Some(s) {
            Some(
                levels
                    .iter()
                    .map(|l| l.across.unwrap_or(0) as usize)
                    .collect(),
            )
        } else {
            None
        }
    };
    // Counted: every segment that nothing counted refines, decided finest first.
    let mut out: Vec<Option<(usize, Vec<usize>)>> = vec![None; segments + 1];
    let mut counted = vec![false; segments];
    let mut order: Vec<usize> = survey.segments_parents_first();
    order.reverse();
    for s in order {
        let source = (0..segments)
            .filter(|&t| t != s && counted[t])
            .find_map(|t| refines(t, s).map(|map| (t + 1, map)));
        match source {
            Some(found) => out[s + 1] = Some(found),
            None => counted[s] = true,
        }
    }
    if let Some(t) = counted.iter().position(|&c| c) {
        out[0] = Some((t + 1, vec![0; table.segments[t].levels.len()]));
    }
    out
}

/// Two distinct cuts, the first shared and the second mutable.
fn two_cuts(
    cuts: &mut [crate::partials::CutPartial],
    from: usize,
    to: usize,
) -> (
    &crate::partials::CutPartial,
    &mut crate::partials::CutPartial,
) {
    assert_ne!(from, to, "a cut is not summed from itself");
    if from < to {
        let (left, right) = cuts.split_at_mut(to);
        (&left[from], &mut right[0])
    } else {
        let (left, right) = cuts.split_at_mut(from);
        (&right[0], &mut left[to])
    }
}

//! Moments of every variable per cell of some segments (every combination of their groups
//! that has respondents). Raking gives everyone in such a cell the same weight, so the
//! weighted figures need only these: a few hundred cells instead of a float per respondent
//! and variable (2.9 GB at ten million rows).

use std::collections::HashMap;

use engage_ingest::ResponseTable;
use engage_model::Survey;
use rayon::prelude::*;

use engage_model::KpiMeasure;

use crate::partials::{GroupPartial, Partials, ScoreVariables};
use crate::plan::Plan;
use crate::value_codes::ValueCodes;
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

    /// `times` values `x` at once: from a count per possible value.
    fn add_times(&mut self, x: i128, times: u64) {
        let c = i128::from(times);
        self.n += times;
        self.sum += c * x;
        self.squares += c * x * x;
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

/// Rows per task: enough to keep the per-task cell maps few (and below `u32::MAX`, so that
/// a task's counters cannot overflow).
const CHUNK_ROWS: usize = 1 << 18;

/// Up to this many combinations of groups, a task finds a row's cell in a table (256 KB)
/// instead of hashing its key.
const DENSE_CELLS: u64 = 1 << 16;

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
    let scored = scored_variables(v);
    let scales = cell_scales(v, table.items.len());
    let plan = Plan::new(survey, table);
    let layout = CounterLayout::new(&plan, &scored, table.items.len());
    // Cells found by a table when the combinations are few, else by hashing.
    let combinations = radix.iter().map(|&r| r.max(1)).product::<u64>();
    let dense = (combinations <= DENSE_CELLS).then_some(combinations as usize);
    let starts: Vec<usize> = (0..table.n_rows).step_by(CHUNK_ROWS).collect();
    let mut tally = starts
        .into_par_iter()
        .map(|start| {
            let mut block = ValueBlock::new(survey, table);
            let mut counts = TaskCounts::new(&layout, dense);
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
                        _ => counts.slot(key),
                    };
                    last = Some((key, slot));
                    slots.push(slot);
                    counts.respondents[slot] += 1;
                }
                counts.add_block(block, &scored, &slots);
            });
            counts.into_tally(&layout)
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

/// [`cell_moments`] without a pass over the rows, when the partials already hold the cells:
/// raking on one segment (its groups are the cells) or on the two segments of a cross the
/// definition has (its groups are their combinations that occur, those with one part missing
/// included, and its missing-value group is the cell of rows missing both). The moments
/// come from the groups' integer counts and sums, so they are the pass's exactly. `None` for
/// any other rake, which needs [`cell_moments`].
pub fn cells_from_partials(
    survey: &Survey,
    partials: &Partials,
    segments: &[usize],
) -> Option<CellMoments> {
    let cut_of = |s: usize| partials.cuts.iter().position(|c| c.segment == Some(s));
    // The cut whose groups are the cells, and each group's level in each of `segments`.
    let (cut, levels): (usize, Vec<Vec<u32>>) = match *segments {
        [s] => {
            let cut = cut_of(s)?;
            let n = partials.cuts[cut].groups.len();
            (cut, (0..n as u32).map(|g| vec![g]).collect())
        }
        [a, b] => {
            let linked = |x: usize| (survey.segment_parents[x], survey.segment_across[x]);
            let cross = (survey.definition.segments.len()..survey.segment_parents.len())
                .find(|&x| linked(x) == (Some(a), Some(b)) || linked(x) == (Some(b), Some(a)))?;
            let cut = cut_of(cross)?;
            let swapped = linked(cross).0 == Some(b);
            let levels = partials.cuts[cut]
                .levels
                .iter()
                .map(|level| {
                    let (first, second) = (level.parent?, level.across?);
                    let pair = [first as u32, second as u32];
                    Some(if swapped {
                        vec![pair[1], pair[0]]
                    } else {
                        pair.to_vec()
                    })
                })
                .collect::<Option<_>>()?;
            (cut, levels)
        }
        _ => return None,
    };
    let v = ScoreVariables::of(survey);
    let points = survey.points();
    let reversed: Vec<bool> = survey.definition.items.iter().map(|i| i.reverse).collect();
    let flip = |item: usize, code: u8| {
        if reversed[item] {
            points + 1 - code
        } else {
            code
        }
    };
    // An item's answered codes (slots 1..=points), flipped, turned into values.
    let from_items = |group: &GroupPartial, item: usize, value: &dyn Fn(u8) -> i128| {
        let mut m = ScaledMoments::default();
        for (code, &count) in (1..=points).zip(group.items[item].points()) {
            m.add_times(value(flip(item, code)), count);
        }
        m
    };
    let composite = |group: &GroupPartial, c: usize| {
        let sums = &group.composites[c];
        ScaledMoments {
            n: sums.n,
            sum: sums.sum,
            squares: sums.sum_sq,
        }
    };
    let kpi = |group: &GroupPartial, k: usize| match &survey.kpi_measures[k] {
        KpiMeasure::CompositeMean { composite: c } => composite(group, *c),
        KpiMeasure::Share { item, codes } => {
            from_items(group, *item, &|f| i128::from(codes.contains(&f)))
        }
    };
    let mut cells: Vec<(Vec<u32>, u64, Vec<ScaledMoments>)> = partials.cuts[cut]
        .groups
        .iter()
        .zip(levels)
        .filter(|(group, _)| group.respondents > 0)
        .map(|(group, levels)| {
            let moments = (0..v.kpi_variable.len())
                .map(|k| kpi(group, k))
                .chain((0..v.dimensions).map(|d| composite(group, d)))
                .chain((0..group.items.len()).map(|i| from_items(group, i, &|f| i128::from(f))))
                .collect();
            (levels, group.respondents, moments)
        })
        .collect();
    cells.sort_by(|a, b| a.0.cmp(&b.0));
    let scales = cell_scales(&v, survey.definition.items.len());
    Some(CellMoments {
        segments: segments.to_vec(),
        levels: cells.iter().map(|c| c.0.clone()).collect(),
        respondents: cells.iter().map(|c| c.1).collect(),
        moments: cells.into_iter().map(|c| c.2).collect(),
        scales,
        kpis: v.kpi_variable.len(),
        dimensions: v.dimensions,
    })
}

/// The scored variables of the cells, in output order: KPIs, then dimension scores (items
/// follow them in `CellMoments::moments`).
fn scored_variables(v: &ScoreVariables) -> Vec<usize> {
    v.kpi_variable
        .iter()
        .copied()
        .chain(0..v.dimensions)
        .collect()
}

/// What each of the cells' variables is divided by: the scored variables' scales, then 1 for
/// each of the `items` items.
fn cell_scales(v: &ScoreVariables, items: usize) -> Vec<f64> {
    scored_variables(v)
        .iter()
        .map(|&variable| v.scales[variable] as f64)
        .chain(std::iter::repeat_n(1.0, items))
        .collect()
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

/// How a cell's variables are counted. A variable with few possible values (every item, and
/// the scores of dimensions of up to ten five-point items) gets one counter per value, and
/// its moments are worked out from the counts at the end of a task: one `u32` increment a
/// row instead of a count, a sum and a sum of squares in `i128`. Other scores keep the sums.
struct CounterLayout {
    /// Per scored variable (KPIs, then dimensions): its codes and where its counters start
    /// (counter 0 of a variable: rows without it), or its index among the sums.
    scored: Vec<Counted>,
    /// Where each item's counters start: one per flipped code, 0 (no answer) included.
    items: Vec<usize>,
    item_codes: usize,
    /// Counters and sums per cell.
    counters: usize,
    sums: usize,
}

enum Counted {
    Codes { codes: ValueCodes, first: usize },
    Sums(usize),
}

impl CounterLayout {
    fn new(plan: &Plan, scored: &[usize], items: usize) -> CounterLayout {
        let (mut counters, mut sums) = (0, 0);
        let scored = scored
            .iter()
            .map(|&variable| match ValueCodes::of(plan, variable) {
                Some(codes) => {
                    let first = counters;
                    counters += codes.levels.len() + 1;
                    Counted::Codes { codes, first }
                }
                None => {
                    sums += 1;
                    Counted::Sums(sums - 1)
                }
            })
            .collect();
        let item_codes = usize::from(plan.points) + 1;
        let first_item = counters;
        counters += items * item_codes;
        let items = (0..items).map(|i| first_item + i * item_codes).collect();
        CounterLayout {
            scored,
            items,
            item_codes,
            counters,
            sums,
        }
    }
}

/// One task's cells: their respondents, counters and sums, by slot in order of first row.
struct TaskCounts<'a> {
    layout: &'a CounterLayout,
    /// Key → slot: a table over every combination (`u32::MAX`: not seen yet), or a map.
    dense: Option<Vec<u32>>,
    hashed: HashMap<u64, usize>,
    keys: Vec<u64>,
    respondents: Vec<u64>,
    counters: Vec<u32>,
    sums: Vec<ScaledMoments>,
}

impl<'a> TaskCounts<'a> {
    fn new(layout: &'a CounterLayout, dense: Option<usize>) -> Self {
        TaskCounts {
            layout,
            dense: dense.map(|cells| vec![u32::MAX; cells]),
            hashed: HashMap::new(),
            keys: Vec::new(),
            respondents: Vec::new(),
            counters: Vec::new(),
            sums: Vec::new(),
        }
    }

    /// The slot of the cell `key`, made when first seen.
    fn slot(&mut self, key: u64) -> usize {
        let next = self.keys.len();
        let slot = match &mut self.dense {
            Some(table) => {
                let at = &mut table[key as usize];
                if *at == u32::MAX {
                    *at = next as u32;
                }
                *at as usize
            }
            None => *self.hashed.entry(key).or_insert(next),
        };
        if slot == next {
            self.keys.push(key);
            self.respondents.push(0);
            let layout = self.layout;
            self.counters
                .resize(self.counters.len() + layout.counters, 0);
            self.sums
                .resize(self.sums.len() + layout.sums, ScaledMoments::default());
        }
        slot
    }

    /// Counts a block's rows, row `r` into cell `slots[r]`.
    fn add_block(&mut self, block: &ValueBlock, scored: &[usize], slots: &[usize]) {
        let layout = self.layout;
        let per_cell = layout.counters;
        for (counted, &variable) in layout.scored.iter().zip(scored) {
            let values = block.values(variable).iter().zip(block.present(variable));
            match counted {
                Counted::Codes { codes, first } => {
                    for ((&x, &present), &slot) in values.zip(slots) {
                        let bin = if present {
                            let code = codes
                                .code(x)
                                .expect("a derived score is one of the values its plan can give");
                            1 + usize::from(code)
                        } else {
                            0
                        };
                        self.counters[slot * per_cell + first + bin] += 1;
                    }
                }
                Counted::Sums(at) => {
                    for ((&x, &present), &slot) in values.zip(slots) {
                        if present {
                            self.sums[slot * layout.sums + at].add(i128::from(x));
                        }
                    }
                }
            }
        }
        for (i, &first) in layout.items.iter().enumerate() {
            for (&x, &slot) in block.flipped(i).iter().zip(slots) {
                self.counters[slot * per_cell + first + usize::from(x)] += 1;
            }
        }
    }

    /// The cells' moments: from the counters (count, sum and sum of squares of the values
    /// counted) or the sums, in output order.
    fn into_tally(self, layout: &CounterLayout) -> Tally {
        let mut tally = Tally::default();
        let from_counts = |counts: &[u32], value: &dyn Fn(usize) -> i128| {
            let mut m = ScaledMoments::default();
            for (b, &c) in counts.iter().enumerate().skip(1) {
                m.add_times(value(b), u64::from(c));
            }
            m
        };
        for (slot, &key) in self.keys.iter().enumerate() {
            let counters = &self.counters[slot * layout.counters..][..layout.counters];
            let sums = &self.sums[slot * layout.sums..][..layout.sums];
            let scored = layout.scored.iter().map(|counted| match counted {
                Counted::Codes { codes, first } => {
                    let counts = &counters[*first..][..codes.levels.len() + 1];
                    from_counts(counts, &|b| i128::from(codes.levels[b - 1]))
                }
                Counted::Sums(at) => sums[*at],
            });
            let items = layout
                .items
                .iter()
                .map(|&first| from_counts(&counters[first..][..layout.item_codes], &|b| b as i128));
            let moments = scored.chain(items).collect();
            tally.slots.insert(key, tally.cells.len());
            tally.cells.push(Cell {
                respondents: self.respondents[slot],
                moments,
            });
        }
        tally
    }
}

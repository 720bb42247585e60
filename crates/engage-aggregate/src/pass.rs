//! The aggregation pass: rows are split into chunks, each worker thread folds the chunks it
//! takes into its own counters (`counters.rs`, laid out by `plan.rs`), and their partials are merged.

use engage_ingest::ResponseTable;
use engage_model::Survey;
use rayon::prelude::*;

use crate::counters::{Counters, Narrow, Short, Wide, Width};
use crate::partials::{GroupLevel, Partials};
use crate::plan::{BlockWidth, Plan};
use crate::values::ValueBlock;

/// Rows per parallel task: large enough to amortise the partials, small enough to balance.
const CHUNK_ROWS: usize = 16 * 1024;

pub(crate) fn levels(table: &ResponseTable) -> Vec<Vec<GroupLevel>> {
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
        // Without an identity: `reduce` made and merged an empty partial per split (three
        // merges of about 1 ms each at 1M rows on two threads, for one that is needed).
        .reduce_with(|mut a, b| {
            a.merge(&b);
            a
        })
        .expect("the first worker always makes partials")
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

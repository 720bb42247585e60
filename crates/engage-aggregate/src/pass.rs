//! The aggregation pass: rows are split into chunks, each chunk fills its own partials on a
//! rayon worker, and the partials are merged.

use engage_ingest::ResponseTable;
use engage_model::{Survey, CODE_MISSING, CODE_NOT_APPLICABLE};
use rayon::prelude::*;

use crate::partials::{composite_scale, GroupLevel, Partials};

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
pub fn aggregate_chunked(survey: &Survey, table: &ResponseTable, chunk_rows: usize) -> Partials {
    let levels = levels(table);
    let chunk_rows = chunk_rows.max(1);
    let chunks: Vec<(usize, usize)> = (0..table.n_rows)
        .step_by(chunk_rows)
        .map(|s| (s, (s + chunk_rows).min(table.n_rows)))
        .collect();
    chunks
        .into_par_iter()
        .map(|(start, end)| aggregate_rows(survey, table, start..end))
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
    let points = survey.points();
    let na_slot = usize::from(points) + 1;
    let scales: Vec<i128> = survey
        .composites
        .iter()
        .map(|c| composite_scale(c.items.len()))
        .collect();
    let reverse: Vec<bool> = survey.definition.items.iter().map(|i| i.reverse).collect();
    // Per row, the scaled score of each composite (None when too few items are answered).
    let mut scores: Vec<Option<i128>> = vec![None; survey.composites.len()];

    for row in rows {
        for (c, composite) in survey.composites.iter().enumerate() {
            let (mut answered, mut sum) = (0i128, 0i128);
            for &i in &composite.items {
                let code = table.items[i][row];
                if code != CODE_MISSING && code != CODE_NOT_APPLICABLE {
                    answered += 1;
                    sum += i128::from(if reverse[i] { points + 1 - code } else { code });
                }
            }
            scores[c] = (answered >= composite.min_answered as i128 && answered > 0)
                .then(|| sum * (scales[c] / answered));
        }
        for cut in out.cuts.iter_mut() {
            let g = match cut.segment {
                None => 0,
                Some(s) => table.segments[s].codes[row] as usize,
            };
            let group = &mut cut.groups[g];
            group.respondents += 1;
            for (i, counts) in group.items.iter_mut().enumerate() {
                let code = table.items[i][row];
                let slot = if code == CODE_NOT_APPLICABLE {
                    na_slot
                } else {
                    usize::from(code)
                };
                counts.by_code[slot] += 1;
            }
            for (sums, score) in group.composites.iter_mut().zip(&scores) {
                if let Some(x) = score {
                    sums.n += 1;
                    sums.sum += x;
                    sums.sum_sq += x * x;
                }
            }
            for (q, counts) in group.multi.iter_mut().enumerate() {
                let column = &table.multi[q];
                if column.answered[row] {
                    counts.base += 1;
                    let mut bits = column.picks[row];
                    while bits != 0 {
                        let o = bits.trailing_zeros() as usize;
                        counts.options[o] += 1;
                        bits &= bits - 1;
                    }
                }
            }
        }
    }
    out
}

//! What one aggregation pass counts, decided once per survey and table before any row is
//! read: which cuts are counted row by row (fused into product tallies), how every cut's
//! groups are summed from a tally's cells, and the lookup tables the chunk kernels use.

use engage_ingest::ResponseTable;
use engage_model::{KpiMeasure, Survey, CODE_NOT_APPLICABLE};

use crate::partials::ScoreVariables;

/// Rows per block inside a chunk: a block's derived columns stay in the core's cache, and its
/// sums of products stay small enough to be exact in `i32` or `i64` for realistic scales
/// ([`Plan::width`]).
pub(crate) const BLOCK_ROWS: usize = 1024;

/// Counted cuts are fused into one tally while the product of their levels stays at most
/// this: the two items counted together then keep their `u16` counters (cells × answer
/// slots each, 14 KB on a 5-point scale) in L1, and every tally's in L2. Each tally counts
/// every item of a row again, so fewer, larger tallies are cheaper: on the benchmark survey
/// (grade 6 × employment 4 × gender 4 × years of service 6 levels, with missing) a limit of
/// 256 made two tallies of them and the pass took 0.102 s at 1M rows; one tally of 576 cells,
/// 0.086 s.
const MAX_TALLY_CELLS: usize = 1024;

/// Cuts counted together: a row's cell is `Σ code(segment) × stride`, so one counter set per
/// cell serves every fused cut (e.g. grade × employment × gender × years of service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tally {
    pub factors: Vec<(usize, u32)>,
    pub cells: usize,
}

/// A composite's score from a row's flipped codes.
pub(crate) struct CompositePlan {
    pub items: Vec<usize>,
    /// By number of items answered: `scale / answered` when the row has a score, 0 when it has
    /// too few answers. The scaled score is then (sum of flipped codes) × factor.
    pub factor: Vec<i64>,
}

/// A share KPI: present when its item is answered, 1 when the flipped code is a chosen one.
pub(crate) struct SharePlan {
    pub item: usize,
    pub chosen: [u8; 256],
}

/// Which types a block's score values and sums of products take. Every value is at most
/// `points × scale`, so `BLOCK_ROWS × (points × scale)²` bounds every block sum:
/// - `Short`: the bound fits `i32` (values in `i16`; for five points, dimensions of up to six
///   items): the sums of products vectorise;
/// - `Narrow`: it fits `i64` (dimensions of up to about 19 items);
/// - `Wide`: `i128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockWidth {
    Short,
    Narrow,
    Wide,
}

pub(crate) struct Plan {
    pub tallies: Vec<Tally>,
    /// Per cut (the whole organisation, then each segment): the tally it is summed from and
    /// the cut's group of each of that tally's cells.
    pub cut_sources: Vec<(usize, Vec<usize>)>,
    /// Answer slots per item (`ItemCounts::by_code`); [`Plan::slot_of`] gives a code's.
    pub slots: usize,
    /// Points of the scale, and per item whether it is reverse-keyed: a raw code's flipped
    /// code is `code` or `points + 1 - code` within `1..=points`, else 0 (no answer).
    pub points: u8,
    pub reversed: Vec<bool>,
    /// Composites (dimensions first), then share KPIs: the score variables, in order.
    pub composites: Vec<CompositePlan>,
    pub shares: Vec<SharePlan>,
    pub variables: ScoreVariables,
    /// Per multi-select question, its options.
    pub option_counts: Vec<usize>,
    /// The narrowest exact types for a block's score values and sums of products.
    pub width: BlockWidth,
    /// Rows after which the tallies' composite block sums are added to their `i128` sums:
    /// as many as the cells' accumulator holds exactly (each row adds at most
    /// `(points × scale)²`), so that a
    /// tally of many cells is not flushed after every block.
    pub composite_flush_rows: usize,
}

impl Plan {
    /// A raw code's answer slot: itself for no answer (0) and the scale's points,
    /// `points + 1` for not applicable, 0 for anything else (ingest stores nothing else).
    /// Compares, not a table, so that a block's codes are mapped in vector lanes (a table
    /// lookup per code was about a tenth of deriving a block).
    #[inline(always)]
    pub fn slot_of(&self, code: u8) -> u8 {
        let scale = if code <= self.points { code } else { 0 };
        scale | (u8::from(code == CODE_NOT_APPLICABLE) * (self.points + 1))
    }

    pub fn new(survey: &Survey, table: &ResponseTable) -> Self {
        let def = &survey.definition;
        let points = survey.points();
        let slots = usize::from(points) + 2;
        let reversed = def.items.iter().map(|item| item.reverse).collect();
        let variables = ScoreVariables::of(survey);
        let composites: Vec<CompositePlan> = survey
            .composites
            .iter()
            .zip(&variables.scales)
            .map(|(c, &scale)| CompositePlan {
                items: c.items.clone(),
                factor: (0..=c.items.len())
                    .map(|answered| {
                        if answered > 0 && answered >= c.min_answered {
                            (scale / answered as i128) as i64
                        } else {
                            0
                        }
                    })
                    .collect(),
            })
            .collect();
        let shares = survey
            .kpi_measures
            .iter()
            .filter_map(|m| match m {
                KpiMeasure::Share { item, codes } => {
                    let mut chosen = [0u8; 256];
                    for &code in codes {
                        chosen[usize::from(code)] = 1;
                    }
                    Some(SharePlan {
                        item: *item,
                        chosen,
                    })
                }
                KpiMeasure::CompositeMean { .. } => None,
            })
            .collect();
        let largest = variables
            .scales
            .iter()
            .map(|&s| s.saturating_mul(i128::from(points)))
            .max()
            .unwrap_or(1);
        let bound = largest
            .checked_mul(largest)
            .and_then(|sq| sq.checked_mul(BLOCK_ROWS as i128));
        let width = match bound {
            Some(b) if b <= i128::from(i32::MAX) => BlockWidth::Short,
            Some(b) if b <= i128::from(i64::MAX) => BlockWidth::Narrow,
            _ => BlockWidth::Wide,
        };
        // Rows whose composite sums of squares fit the cells' accumulator (`i64` but for
        // `Wide`): whole blocks, at least one. For the 5-point fixture (values up to 300)
        // about 10^14 rows.
        let composite_flush_rows = if width == BlockWidth::Wide {
            BLOCK_ROWS
        } else {
            let rows = i128::from(i64::MAX) / largest.saturating_mul(largest).max(1);
            let blocks = usize::try_from(rows / BLOCK_ROWS as i128).unwrap_or(usize::MAX);
            blocks.max(1).saturating_mul(BLOCK_ROWS)
        };
        let (tallies, cut_sources) = tallies(survey, table);
        Plan {
            tallies,
            cut_sources,
            slots,
            points,
            reversed,
            composites,
            shares,
            variables,
            option_counts: def.multi_select.iter().map(|q| q.options.len()).collect(),
            width,
            composite_flush_rows,
        }
    }
}

/// The tallies, and per cut its tally and the group of each cell. Cuts that a counted cut
/// refines are summed from it instead of counted (bureaus from sections, age bands from
/// bureau × age, the whole organisation from any segment). A counted nested segment and a
/// counted cross of its parent with another segment are fused into one tally of the nested
/// segment × the other segment (sections × age bands gives both sections and bureau × age)
/// when that has at most [`MAX_TALLY_CELLS`] cells; the other counted cuts are then fused,
/// smallest first, while the product of their levels
/// stays at most [`MAX_TALLY_CELLS`]. The choice changes no figure: counts are integers.
#[allow(clippy::type_complexity)]
fn tallies(survey: &Survey, table: &ResponseTable) -> (Vec<Tally>, Vec<(usize, Vec<usize>)>) {
    let derived = derived_cuts(survey, table);
    let levels = |s: usize| table.segments[s].levels.len();
    let mut counted: Vec<usize> = (0..table.segments.len())
        .filter(|&s| derived[s + 1].is_none())
        .collect();
    let mut tallies: Vec<Tally> = Vec::new();
    // Per counted segment: its tally and its group of each of the tally's cells.
    let mut placed: Vec<Option<(usize, Vec<usize>)>> = vec![None; table.segments.len()];
    for (nested, cross, other) in nested_crosses(survey, &counted) {
        let (n, o) = (levels(nested), levels(other));
        if n.saturating_mul(o) > MAX_TALLY_CELLS {
            continue;
        }
        let t = tallies.len();
        tallies.push(Tally {
            factors: vec![(nested, 1), (other, n as u32)],
            cells: n * o,
        });
        // The cross's level of each (its first segment's level, its second's).
        let cross_column = &table.segments[cross];
        let width = levels(survey.segment_across[cross].expect("a cross"));
        let mut cross_level =
            vec![0usize; levels(survey.segment_parents[cross].expect("a cross")) * width];
        for (code, level) in cross_column.levels.iter().enumerate().skip(1) {
            let (a, b) = (level.parent.unwrap_or(0), level.across.unwrap_or(0));
            cross_level[a as usize * width + b as usize] = code;
        }
        let nested_levels = &table.segments[nested].levels;
        let parent_first = survey.segment_parents[cross] == survey.segment_parents[nested];
        let cross_groups = (0..n * o)
            .map(|cell| {
                let parent = nested_levels[cell % n].parent.unwrap_or(0) as usize;
                let other = cell / n;
                let (a, b) = if parent_first {
                    (parent, other)
                } else {
                    (other, parent)
                };
                cross_level[a * width + b]
            })
            .collect();
        placed[nested] = Some((t, (0..n * o).map(|cell| cell % n).collect()));
        placed[cross] = Some((t, cross_groups));
        counted.retain(|&s| s != nested && s != cross);
    }
    counted.sort_by_key(|&s| (levels(s), s));
    // The remaining counted cuts, by (tally, stride, levels) until the groups are known.
    let mut strides: Vec<(usize, usize, usize, usize)> = Vec::new();
    let first_plain = tallies.len();
    for s in counted {
        let n = levels(s);
        let fits = tallies.len() > first_plain
            && tallies
                .last()
                .is_some_and(|t| t.cells.saturating_mul(n) <= MAX_TALLY_CELLS);
        if !fits {
            tallies.push(Tally {
                factors: Vec::new(),
                cells: 1,
            });
        }
        let t = tallies.len() - 1;
        let tally = &mut tallies[t];
        strides.push((s, t, tally.cells, n));
        tally.factors.push((s, tally.cells as u32));
        tally.cells *= n;
    }
    for (s, t, stride, n) in strides {
        let cells = tallies[t].cells;
        placed[s] = Some((t, (0..cells).map(|cell| cell / stride % n).collect()));
    }
    if tallies.is_empty() {
        // No segments: the whole organisation is the one counted cut.
        tallies.push(Tally {
            factors: Vec::new(),
            cells: 1,
        });
    }
    let group_of_counted = |s: usize, map: &dyn Fn(usize) -> usize| {
        let (t, groups) = placed[s].as_ref().expect("a source is a counted cut");
        (*t, groups.iter().map(|&g| map(g)).collect())
    };
    let sources = (0..=table.segments.len())
        .map(|cut| match (&derived[cut], cut) {
            (None, 0) => (0, vec![0; tallies[0].cells]),
            (None, cut) => group_of_counted(cut - 1, &|g| g),
            (Some((source, map)), _) => group_of_counted(source - 1, &|g| map[g]),
        })
        .collect();
    (tallies, sources)
}

/// Counted (nested segment, cross, the cross's other segment) triples: the nested segment's
/// parent is one of the cross's two segments. Each nested segment is in at most one triple
/// (each cross is visited once).
fn nested_crosses(survey: &Survey, counted: &[usize]) -> Vec<(usize, usize, usize)> {
    let mut used = vec![false; survey.segment_count()];
    let mut out = Vec::new();
    for &cross in counted {
        let (Some(first), Some(second)) =
            (survey.segment_parents[cross], survey.segment_across[cross])
        else {
            continue;
        };
        let nested = counted.iter().copied().find(|&n| {
            !used[n]
                && n != cross
                && survey.segment_across[n].is_none()
                && matches!(survey.segment_parents[n], Some(p) if p == first || p == second)
        });
        if let Some(n) = nested {
            let other = if survey.segment_parents[n] == Some(first) {
                second
            } else {
                first
            };
            used[n] = true;
            out.push((n, cross, other));
        }
    }
    out
}

/// Per cut (the whole organisation first, then each segment), the cut it is summed from, if
/// any: a cut counted row by row that refines it. Only counted cuts are sources, so sums never
/// chain.
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

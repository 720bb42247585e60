//! The compact column layout: answers as `u8` codes, segments as dictionary codes, multi-select
//! picks as bitsets. Built once by ingest; aggregation only reads it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use engage_model::Survey;
use rayon::prelude::*;

/// Rows per parallel task when a whole column is rewritten after reading: large enough that
/// the tasks cost nothing, small enough to spread over every core.
const PARALLEL_ROWS: usize = 64 * 1024;

/// Dictionary code of a missing segment value (未回答): a group of its own in every cut.
pub const MISSING_SEGMENT: u32 = 0;

#[derive(Debug, Clone, Default)]
pub struct ResponseTable {
    pub n_rows: usize,
    /// One column per item, codes as in [`engage_model::CODE_MISSING`] and friends.
    pub items: Vec<Vec<u8>>,
    pub segments: Vec<SegmentColumn>,
    pub multi: Vec<MultiColumn>,
    /// Per row, the fingerprint of its respondent id (see `ids`) when the definition names an
    /// id column, empty otherwise. `None` for a row kept without a usable id (a blank or
    /// duplicate id under a `warn` policy): such a row is never linked. Links waves for paired
    /// comparisons without keeping the ids themselves.
    pub respondent_ids: Vec<Option<crate::ids::Fingerprint>>,
    /// One column per free-text question: each row's comment, NFKC-normalised and trimmed
    /// (empty when blank). Only the comment analysis reads these.
    pub comments: Vec<Vec<String>>,
}

/// One level of a segment. `key` is unique within the segment: for a nested segment it is the
/// parent's key and the value joined by " / ", since section names repeat across bureaus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentLevel {
    pub key: String,
    pub value: String,
    /// Code of the parent segment's level, for nested segments; for a cross, the first
    /// segment's level.
    pub parent: Option<u32>,
    /// For a cross: the second segment's level.
    pub across: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct SegmentColumn {
    /// Per row: index into `levels`; `levels[0]` is the missing value.
    pub codes: Vec<u32>,
    pub levels: Vec<SegmentLevel>,
}

impl SegmentColumn {
    pub fn new() -> Self {
        SegmentColumn {
            codes: Vec::new(),
            levels: vec![SegmentLevel {
                key: String::new(),
                value: String::new(),
                parent: None,
                across: None,
            }],
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct MultiColumn {
    /// Per row: bit `o` set when option `o` was picked (at most 64 options).
    pub picks: Vec<u64>,
    /// Per row: whether the question was answered (the base of every share).
    pub answered: Vec<bool>,
}

/// Builds a segment dictionary while rows arrive; levels are put in display order at the end.
#[derive(Debug, Default)]
pub(crate) struct SegmentBuilder {
    pub column: SegmentColumn,
    lookup: HashMap<String, u32>,
    scratch: String,
}

impl SegmentBuilder {
    pub fn new() -> Self {
        SegmentBuilder {
            column: SegmentColumn::new(),
            lookup: HashMap::new(),
            scratch: String::new(),
        }
    }

    pub fn code(&mut self, value: &str, parent: Option<(u32, &str)>) -> u32 {
        // A missing value is one group, except under a known parent: sections left blank in
        // two bureaus are two groups, so that each bureau's sections still add up to it.
        // The key is built in a reused buffer: only a new group allocates.
        self.scratch.clear();
        match parent {
            Some((_, parent_key)) if !parent_key.is_empty() => {
                self.scratch.push_str(parent_key);
                self.scratch.push_str(" / ");
                self.scratch.push_str(value);
            }
            _ if value.is_empty() => return MISSING_SEGMENT,
            _ => self.scratch.push_str(value),
        }
        if let Some(&c) = self.lookup.get(self.scratch.as_str()) {
            return c;
        }
        let key = self.scratch.clone();
        let c = self.column.levels.len() as u32;
        self.column.levels.push(SegmentLevel {
            key: key.clone(),
            value: value.to_string(),
            parent: parent.map(|(p, _)| p),
            across: None,
        });
        self.lookup.insert(key, c);
        c
    }

    pub fn key(&self, code: u32) -> &str {
        &self.column.levels[code as usize].key
    }

    /// Puts levels in display order ([`Survey::compare_groups`]) so that output does not
    /// depend on row order; returns the old-to-new code map for children to follow.
    pub fn finish(
        &mut self,
        survey: &Survey,
        segment: usize,
        parent_map: Option<&[u32]>,
    ) -> Vec<u32> {
        let levels = std::mem::take(&mut self.column.levels);
        let sort_keys: Vec<(Option<usize>, &str, &str)> = levels
            .iter()
            .map(|l| {
                let parent = l
                    .parent
                    .map(|p| parent_map.map_or(p, |m| m[p as usize]) as usize);
                (parent, l.value.as_str(), l.key.as_str())
            })
            .collect();
        let mut order: Vec<usize> = (1..levels.len()).collect();
        order.sort_by(|&a, &b| survey.compare_groups(segment, sort_keys[a], sort_keys[b]));
        let mut remap = vec![0u32; levels.len()];
        let mut new_levels = vec![levels[0].clone()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u32 + 1;
            let mut level = levels[old].clone();
            level.parent = level
                .parent
                .map(|p| parent_map.map_or(p, |m| m[p as usize]));
            new_levels.push(level);
        }
        // In parallel: ten million rows of every segment, between reading and the pass.
        self.column
            .codes
            .par_chunks_mut(PARALLEL_ROWS)
            .for_each(|codes| codes.iter_mut().for_each(|c| *c = remap[*c as usize]));
        self.column.levels = new_levels;
        self.lookup.clear();
        remap
    }
}

/// Above this many possible pairs a cross looks its pairs up in a hash map instead of a
/// dense table (16 MiB of codes).
const DENSE_CROSS_LIMIT: u64 = 1 << 22;

/// The cross of two finished segment columns: one level per pair of levels that occurs, in
/// the first segment's order and then the second's (both already in display order). Level 0
/// is the pair of two missing values; a pair with one missing value is a group of its own,
/// so that the cross's groups add up to every group of either segment.
pub fn cross_column(a: &SegmentColumn, b: &SegmentColumn) -> SegmentColumn {
    let width = b.levels.len() as u64;
    let possible = a.levels.len() as u64 * width;
    let pair_of = |(&ca, &cb): (&u32, &u32)| u64::from(ca) * width + u64::from(cb);
    let rows = || a.codes.iter().zip(&b.codes).map(pair_of);
    let pairs: Vec<u64> = if possible <= DENSE_CROSS_LIMIT {
        // Marked from every thread; a pair already marked is only read, so the few cache
        // lines of a small cross are not written back and forth between cores.
        let seen: Vec<AtomicBool> = (0..possible).map(|_| AtomicBool::new(false)).collect();
        a.codes
            .par_chunks(PARALLEL_ROWS)
            .zip(b.codes.par_chunks(PARALLEL_ROWS))
            .for_each(|(a, b)| {
                for p in a.iter().zip(b).map(pair_of) {
                    let mark = &seen[p as usize];
                    if !mark.load(Ordering::Relaxed) {
                        mark.store(true, Ordering::Relaxed);
                    }
                }
            });
        (0..possible)
            .filter(|&p| seen[p as usize].load(Ordering::Relaxed))
            .collect()
    } else {
        let mut distinct: Vec<u64> = rows()
            .collect::<std::collections::HashSet<u64>>()
            .into_iter()
            .collect();
        distinct.sort_unstable();
        distinct
    };
    let mut column = SegmentColumn::new();
    column.levels[0].parent = Some(MISSING_SEGMENT);
    column.levels[0].across = Some(MISSING_SEGMENT);
    let mut codes: Vec<(u64, u32)> = vec![(0, 0)];
    for pair in pairs.into_iter().filter(|&p| p != 0) {
        let (ca, cb) = ((pair / width) as u32, (pair % width) as u32);
        let (la, lb) = (&a.levels[ca as usize], &b.levels[cb as usize]);
        codes.push((pair, column.levels.len() as u32));
        column.levels.push(SegmentLevel {
            key: format!("{} × {}", la.key, lb.key),
            value: lb.value.clone(),
            parent: Some(ca),
            across: Some(cb),
        });
    }
    column.codes = if possible <= DENSE_CROSS_LIMIT {
        let mut dense = vec![0u32; possible as usize];
        for &(pair, code) in &codes {
            dense[pair as usize] = code;
        }
        a.codes
            .par_iter()
            .zip(&b.codes)
            .with_min_len(PARALLEL_ROWS)
            .map(|pair| dense[pair_of(pair) as usize])
            .collect()
    } else {
        let lookup: HashMap<u64, u32> = codes.into_iter().collect();
        rows().map(|p| lookup[&p]).collect()
    };
    column
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(levels: usize, codes: Vec<u32>) -> SegmentColumn {
        let mut column = SegmentColumn::new();
        for l in 1..levels {
            column.levels.push(SegmentLevel {
                key: format!("k{l}"),
                value: format!("v{l}"),
                parent: None,
                across: None,
            });
        }
        column.codes = codes;
        column
    }

    /// Codes drawn from a small linear congruential generator, some of them missing (0), and
    /// some levels never used, so that the cross has pairs that do not occur.
    fn codes(rows: usize, levels: u32, seed: u64) -> Vec<u32> {
        let mut x = seed;
        (0..rows)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let c = ((x >> 33) % u64::from(levels + 2)) as u32;
                if c >= levels {
                    0
                } else {
                    c / 2 * 2
                }
            })
            .collect()
    }

    /// The cross worked row by row: the distinct pairs in the first segment's order, then
    /// the second's, numbered from 1 (the pair of two missing values is 0).
    fn cross_by_rows(a: &SegmentColumn, b: &SegmentColumn) -> (Vec<(u32, u32)>, Vec<u32>) {
        let mut pairs: Vec<(u32, u32)> = a
            .codes
            .iter()
            .copied()
            .zip(b.codes.iter().copied())
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs.retain(|&p| p != (0, 0));
        let code = |p: (u32, u32)| {
            if p == (0, 0) {
                0
            } else {
                pairs.binary_search(&p).unwrap() as u32 + 1
            }
        };
        let codes = a
            .codes
            .iter()
            .zip(&b.codes)
            .map(|(&x, &y)| code((x, y)))
            .collect();
        (pairs, codes)
    }

    #[test]
    fn a_cross_numbers_the_pairs_that_occur_in_order_on_every_path() {
        // Rows over several parallel tasks; a dense table of pairs, then one too large for it
        // (3,000 × 2,000 possible pairs) that looks them up in a map.
        for (rows, la, lb) in [(10, 4, 3), (200_003, 27, 6), (150_000, 3_000, 2_000)] {
            let a = column(la, codes(rows, la as u32, 1));
            let b = column(lb, codes(rows, lb as u32, 2));
            let cross = cross_column(&a, &b);
            let (pairs, expected) = cross_by_rows(&a, &b);
            assert_eq!(cross.codes, expected, "{rows} rows, {la} × {lb}");
            assert_eq!(cross.levels.len(), pairs.len() + 1);
            for (level, &(x, y)) in cross.levels[1..].iter().zip(&pairs) {
                assert_eq!((level.parent, level.across), (Some(x), Some(y)));
                assert_eq!(
                    level.key,
                    format!(
                        "{} × {}",
                        a.levels[x as usize].key, b.levels[y as usize].key
                    )
                );
            }
        }
    }
}

//! The compact column layout: answers as `u8` codes, segments as dictionary codes, multi-select
//! picks as bitsets. Built once by ingest; aggregation only reads it.

use std::collections::HashMap;

use engage_model::Survey;

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
        for c in self.column.codes.iter_mut() {
            *c = remap[*c as usize];
        }
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
        let mut seen = vec![false; possible as usize];
        rows().for_each(|p| seen[p as usize] = true);
        (0..possible).filter(|&p| seen[p as usize]).collect()
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
        rows().map(|p| dense[p as usize]).collect()
    } else {
        let lookup: HashMap<u64, u32> = codes.into_iter().collect();
        rows().map(|p| lookup[&p]).collect()
    };
    column
}

//! Competition ranking for tallies.

/// Ranks by value, largest first, ties sharing the smallest rank ("1, 2, 2, 4"), as
/// `scipy.stats.rankdata([-v for v in values], method="min")`.
pub fn rank_descending_min(values: &[u64]) -> Vec<u32> {
    values
        .iter()
        .map(|v| 1 + values.iter().filter(|w| *w > v).count() as u32)
        .collect()
}

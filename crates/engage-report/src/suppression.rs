//! Which groups are withheld. Primary: fewer than `min_group_size` respondents. Complementary:
//! within every partition (a segment's groups add up to the whole organisation; a nested
//! segment's groups add up to their parent group; a cross's groups add up to each group of
//! either of its two segments), more groups are withheld until
//! subtraction from the published total cannot single out a withheld group or a set of them
//! smaller than the minimum:
//! - parent published: withheld children are none, or at least two adding up to ≥ minimum;
//! - parent withheld: at least one child is withheld, so the parent is not their sum.
//!
//! The heuristic withholds the smallest published sibling each time (ties by key), and runs
//! to a fixed point because a withheld parent constrains its children in turn. It is decided
//! once per report, so every output withholds the same cells.

use engage_aggregate::{GroupLevel, Partials};

use crate::model::Suppression;

/// Per cut, per group: why it is withheld, if it is.
pub type Decisions = Vec<Vec<Option<Suppression>>>;

struct Partition {
    /// (cut, group) of the total this partition adds up to.
    anchor: (usize, usize),
    cut: usize,
    groups: Vec<usize>,
}

/// What a segment's groups add up to; the cut index of the enclosing segment.
#[derive(Clone, Copy)]
enum Anchoring {
    Whole,
    Parent(usize),
    Across(usize),
}

impl Anchoring {
    /// (cut, group) of the total that `level` is part of.
    fn anchor(self, level: &GroupLevel) -> (usize, usize) {
        // Level 0 (missing) of a nested segment sits under the parent's missing group.
        match self {
            Anchoring::Whole => (0, 0),
            Anchoring::Parent(cut) => (cut, level.parent.unwrap_or(0)),
            Anchoring::Across(cut) => (cut, level.across.unwrap_or(0)),
        }
    }
}

fn partitions(
    partials: &Partials,
    segment_parents: &[Option<usize>],
    segment_across: &[Option<usize>],
) -> Vec<Partition> {
    let cut_of_segment = |s: usize| {
        partials
            .cuts
            .iter()
            .position(|c| c.segment == Some(s))
            .expect("every segment has a cut")
    };
    let mut out = Vec::new();
    for (c, cut) in partials.cuts.iter().enumerate() {
        let Some(segment) = cut.segment else { continue };
        // A plain segment adds up to the whole, a nested one to its parent's groups; a cross
        // both to its first segment's groups (rows) and to its second's (columns).
        let mut anchorings = Vec::new();
        match (segment_parents[segment], segment_across[segment]) {
            (None, _) => anchorings.push(Anchoring::Whole),
            (Some(p), across) => {
                anchorings.push(Anchoring::Parent(cut_of_segment(p)));
                if let Some(b) = across {
                    anchorings.push(Anchoring::Across(cut_of_segment(b)));
                }
            }
        }
        for anchoring in anchorings {
            let mut by_anchor: std::collections::BTreeMap<(usize, usize), Vec<usize>> =
                Default::default();
            for (g, level) in cut.levels.iter().enumerate() {
                if cut.groups[g].respondents == 0 {
                    continue;
                }
                by_anchor
                    .entry(anchoring.anchor(level))
                    .or_default()
                    .push(g);
            }
            for (anchor, groups) in by_anchor {
                out.push(Partition {
                    anchor,
                    cut: c,
                    groups,
                });
            }
        }
    }
    out
}

/// Decides suppression for every group of every cut. `segment_parents[s]` is the parent
/// segment of segment `s` (for a cross, its first segment) and `segment_across[s]` a cross's
/// second segment, as in [`engage_model::Survey`].
pub fn decide(
    partials: &Partials,
    segment_parents: &[Option<usize>],
    segment_across: &[Option<usize>],
    min_group_size: u32,
) -> Decisions {
    let min = u64::from(min_group_size);
    let mut status: Decisions = partials
        .cuts
        .iter()
        .map(|cut| {
            cut.groups
                .iter()
                .map(|g| (g.respondents > 0 && g.respondents < min).then_some(Suppression::Primary))
                .collect()
        })
        .collect();
    let parts = partitions(partials, segment_parents, segment_across);
    loop {
        let mut changed = false;
        for part in &parts {
            let size = |g: usize| partials.cuts[part.cut].groups[g].respondents;
            let withheld: Vec<usize> = part
                .groups
                .iter()
                .copied()
                .filter(|&g| status[part.cut][g].is_some())
                .collect();
            let mut published: Vec<usize> = part
                .groups
                .iter()
                .copied()
                .filter(|&g| status[part.cut][g].is_none())
                .collect();
            let anchor_withheld = status[part.anchor.0][part.anchor.1].is_some();
            let withheld_total: u64 = withheld.iter().map(|&g| size(g)).sum();
            let exposed = if anchor_withheld {
                withheld.is_empty()
            } else {
                !withheld.is_empty() && (withheld.len() < 2 || withheld_total < min)
            };
            if exposed && !published.is_empty() {
                let levels = &partials.cuts[part.cut].levels;
                published.sort_by(|&a, &b| {
                    size(a)
                        .cmp(&size(b))
                        .then(levels[a].key.cmp(&levels[b].key))
                });
                status[part.cut][published[0]] = Some(Suppression::Complementary);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // The whole organisation below the minimum: nothing at all is published.
    if partials.overall().respondents < min {
        for cut in status.iter_mut() {
            for s in cut.iter_mut() {
                *s = Some(Suppression::Primary);
            }
        }
    }
    status
}

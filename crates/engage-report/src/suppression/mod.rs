//! Which cells are withheld (docs/anonymity.md). A cell is one count of one group: its
//! respondents, or the respondents who contributed to one figure (a KPI, a dimension, an item,
//! a multi-select question). Every count is decided in its own table, one per figure, with the
//! same rules:
//!
//! - Primary: between 1 and `min_group_size − 1` contributors.
//! - Complementary: within every partition (a segment's groups add up to the whole
//!   organisation; a nested segment's groups add up to their parent group; a cross's groups add
//!   up to each group of either of its two segments), more cells are withheld until, counting
//!   only withheld cells with contributors:
//!   - parent published: the withheld children are none, or at least two adding up to ≥ minimum
//!     (so none can be pinned, and each can be as large as their total);
//!   - parent withheld: the withheld children add up to ≥ minimum (so the parent is not their
//!     published sum, and a small child is not the parent less a published remainder).
//!
//! The heuristic withholds the smallest published sibling each time (ties by key), and runs to
//! a fixed point because a withheld parent constrains its children in turn. A figure's table
//! starts from the groups' decisions: a withheld group withholds all its figures. Decided once
//! per report, so every output withholds the same cells. `engage audit` checks the outcome
//! independently.

use engage_aggregate::{GroupLevel, GroupPartial, Partials};
use engage_model::{KpiMeasure, Survey};
use rayon::prelude::*;

use crate::model::Suppression;

mod repair;

/// Per cut, per group: why it is withheld, if it is.
pub type Decisions = Vec<Vec<Option<Suppression>>>;

/// How much protection a report gets. Only `Full` is meant for publication; the others exist
/// to show (and test) what the audit catches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SuppressionMode {
    #[default]
    Full,
    /// Small cells only: subtraction can recover them.
    PrimaryOnly,
    /// Nothing withheld.
    Off,
}

impl SuppressionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionMode::Full => "full",
            SuppressionMode::PrimaryOnly => "primary_only",
            SuppressionMode::Off => "off",
        }
    }
}

/// A figure whose contributors are counted per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Kpi(usize),
    Dimension(usize),
    Item(usize),
    MultiSelect(usize),
}

impl Measure {
    /// Every figure of the survey, in report order.
    pub fn all(survey: &Survey) -> Vec<Measure> {
        let def = &survey.definition;
        (0..def.kpis.len())
            .map(Measure::Kpi)
            .chain((0..def.dimensions.len()).map(Measure::Dimension))
            .chain((0..def.items.len()).map(Measure::Item))
            .chain((0..def.multi_select.len()).map(Measure::MultiSelect))
            .collect()
    }

    /// Respondents of `group` who contributed to the figure.
    pub fn contributors(self, survey: &Survey, group: &GroupPartial) -> u64 {
        match self {
            Measure::Kpi(k) => match &survey.kpi_measures[k] {
                KpiMeasure::CompositeMean { composite } => group.composites[*composite].n,
                KpiMeasure::Share { item, .. } => group.items[*item].valid(),
            },
            Measure::Dimension(d) => group.composites[d].n,
            Measure::Item(i) => group.items[i].valid(),
            Measure::MultiSelect(q) => group.multi[q].base,
        }
    }
}

/// The decisions of a whole report: groups, then every figure's cells.
#[derive(Debug, Clone)]
pub struct ReleaseDecisions {
    pub mode: SuppressionMode,
    pub groups: Decisions,
    pub measures: Vec<Measure>,
    /// `figures[m][cut][group]`, for `measures[m]`; includes the groups withheld whole.
    pub figures: Vec<Decisions>,
}

impl ReleaseDecisions {
    pub fn figure(&self, measure: Measure, cut: usize, group: usize) -> Option<Suppression> {
        let m = self
            .measures
            .iter()
            .position(|&x| x == measure)
            .expect("every measure is decided");
        self.figures[m][cut][group]
    }
}

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

/// Withholds cells of one count table: `size(cut, group)` is the count, `cap` what is
/// published about its largest value, `status` the cells already withheld (updated in place).
fn withhold(
    partials: &Partials,
    parts: &[Partition],
    size: &dyn Fn(usize, usize) -> u64,
    cap: &dyn Fn(usize, usize) -> Option<u64>,
    status: &mut Decisions,
    min: u64,
    mode: SuppressionMode,
) {
    if mode == SuppressionMode::Off {
        return;
    }
    for (c, cut) in status.iter_mut().enumerate() {
        for (g, s) in cut.iter_mut().enumerate() {
            let n = size(c, g);
            if s.is_none() && n > 0 && n < min {
                *s = Some(Suppression::Primary);
            }
        }
    }
    if mode == SuppressionMode::PrimaryOnly {
        return;
    }
    loop {
        partition_rules(partials, parts, size, status, min);
        let exposed = repair::exposed_cells(parts, size, cap, status, min);
        let mut changed = false;
        for exposed in exposed {
            if let Some((c, g)) = cover(partials, parts, size, status, &exposed) {
                status[c][g] = Some(Suppression::Complementary);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// The smallest published cell with contributors next to an exposed one: a sibling in one of
/// its partitions, else one of its children, else the total it is part of, else any published
/// cell of the equations that expose it.
fn cover(
    partials: &Partials,
    parts: &[Partition],
    size: &dyn Fn(usize, usize) -> u64,
    status: &Decisions,
    exposed: &repair::Exposed,
) -> Option<(usize, usize)> {
    let (cut, group) = exposed.cell;
    let open = |c: usize, g: usize| status[c][g].is_none() && size(c, g) > 0;
    let smallest = |cells: Vec<(usize, usize)>| {
        cells.into_iter().min_by(|&(ca, ga), &(cb, gb)| {
            size(ca, ga).cmp(&size(cb, gb)).then(
                partials.cuts[ca].levels[ga]
                    .key
                    .cmp(&partials.cuts[cb].levels[gb].key),
            )
        })
    };
    let siblings: Vec<(usize, usize)> = parts
        .iter()
        .filter(|p| p.cut == cut && p.groups.contains(&group))
        .flat_map(|p| p.groups.iter().map(move |&g| (p.cut, g)))
        .filter(|&(c, g)| open(c, g))
        .collect();
    let children: Vec<(usize, usize)> = parts
        .iter()
        .filter(|p| p.anchor == (cut, group))
        .flat_map(|p| p.groups.iter().map(move |&g| (p.cut, g)))
        .filter(|&(c, g)| open(c, g))
        .collect();
    let totals: Vec<(usize, usize)> = parts
        .iter()
        .filter(|p| p.cut == cut && p.groups.contains(&group))
        .map(|p| p.anchor)
        .filter(|&(c, g)| open(c, g))
        .collect();
    let nearby: Vec<(usize, usize)> = exposed
        .published_nearby
        .iter()
        .copied()
        .filter(|&(c, g)| open(c, g))
        .collect();
    smallest(siblings)
        .or_else(|| smallest(children))
        .or_else(|| smallest(totals))
        .or_else(|| smallest(nearby))
}

/// The partition rules of the module documentation, to a fixed point.
fn partition_rules(
    partials: &Partials,
    parts: &[Partition],
    size: &dyn Fn(usize, usize) -> u64,
    status: &mut Decisions,
    min: u64,
) {
    loop {
        let mut changed = false;
        for part in parts {
            let at = |g: usize| size(part.cut, g);
            // Only cells with contributors count: an empty cell hides nobody.
            let withheld: Vec<usize> = part
                .groups
                .iter()
                .copied()
                .filter(|&g| status[part.cut][g].is_some() && at(g) > 0)
                .collect();
            let mut published: Vec<usize> = part
                .groups
                .iter()
                .copied()
                .filter(|&g| status[part.cut][g].is_none() && at(g) > 0)
                .collect();
            let withheld_total: u64 = withheld.iter().map(|&g| at(g)).sum();
            let exposed = if status[part.anchor.0][part.anchor.1].is_some() {
                size(part.anchor.0, part.anchor.1) > 0 && withheld_total < min
            } else {
                !withheld.is_empty() && (withheld.len() < 2 || withheld_total < min)
            };
            if exposed && !published.is_empty() {
                let levels = &partials.cuts[part.cut].levels;
                published
                    .sort_by(|&a, &b| at(a).cmp(&at(b)).then(levels[a].key.cmp(&levels[b].key)));
                status[part.cut][published[0]] = Some(Suppression::Complementary);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Decides suppression for every group of every cut, on respondent counts. `segment_parents[s]`
/// is the parent segment of segment `s` (for a cross, its first segment) and
/// `segment_across[s]` a cross's second segment, as in [`engage_model::Survey`].
pub fn decide(
    partials: &Partials,
    segment_parents: &[Option<usize>],
    segment_across: &[Option<usize>],
    min_group_size: u32,
) -> Decisions {
    let parts = partitions(partials, segment_parents, segment_across);
    decide_groups(
        partials,
        &parts,
        u64::from(min_group_size),
        SuppressionMode::Full,
    )
}

fn decide_groups(
    partials: &Partials,
    parts: &[Partition],
    min: u64,
    mode: SuppressionMode,
) -> Decisions {
    let mut status: Decisions = partials
        .cuts
        .iter()
        .map(|cut| vec![None; cut.groups.len()])
        .collect();
    let size = |c: usize, g: usize| partials.cuts[c].groups[g].respondents;
    withhold(partials, parts, &size, &|_, _| None, &mut status, min, mode);
    // The whole organisation below the minimum: nothing at all is published.
    if mode != SuppressionMode::Off && partials.overall().respondents < min {
        for cut in status.iter_mut() {
            for s in cut.iter_mut() {
                *s = Some(Suppression::Primary);
            }
        }
    }
    status
}

/// Decides every group and every figure of a report.
pub fn decide_release(
    survey: &Survey,
    partials: &Partials,
    mode: SuppressionMode,
) -> ReleaseDecisions {
    let min = u64::from(survey.min_group_size());
    let parts = partitions(partials, &survey.segment_parents, &survey.segment_across);
    let groups = decide_groups(partials, &parts, min, mode);
    let measures = Measure::all(survey);
    // Each measure's cells are decided apart from the others' (most of the time is the
    // integer programs of `repair.rs`), so side by side; collected in order.
    let figures = measures
        .par_iter()
        .map(|&measure| {
            let mut status = groups.clone();
            let size =
                |c: usize, g: usize| measure.contributors(survey, &partials.cuts[c].groups[g]);
            // A published group's size caps how many contributed to its figures.
            let cap = |c: usize, g: usize| {
                groups[c][g]
                    .is_none()
                    .then(|| partials.cuts[c].groups[g].respondents)
            };
            withhold(partials, &parts, &size, &cap, &mut status, min, mode);
            status
        })
        .collect();
    ReleaseDecisions {
        mode,
        groups,
        measures,
        figures,
    }
}

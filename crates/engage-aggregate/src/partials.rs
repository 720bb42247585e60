//! Integer partial aggregates and their merge.

use engage_model::{KpiMeasure, Survey};
use serde::{Deserialize, Serialize};

use crate::moments::{ItemMoments, Listwise, MultiMoments, PairSums};

/// Counts of each answer code of one item: index 0 missing, `1..=points` the scale points,
/// `points + 1` not applicable. Raw codes: reverse keying is applied when figures are derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCounts {
    pub by_code: Vec<u64>,
}

impl ItemCounts {
    pub fn missing(&self) -> u64 {
        self.by_code[0]
    }
    pub fn not_applicable(&self) -> u64 {
        *self.by_code.last().expect("at least missing and n/a slots")
    }
    /// Counts of the scale points, code 1 first.
    pub fn points(&self) -> &[u64] {
        &self.by_code[1..self.by_code.len() - 1]
    }
    pub fn valid(&self) -> u64 {
        self.points().iter().sum()
    }
}

/// Respondent scores of a composite, each score being (sum of flipped codes) / (items answered),
/// stored multiplied by `scale` (the LCM of 1..=items) so that they are integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompositeSums {
    pub n: u64,
    pub sum: i128,
    pub sum_sq: i128,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiCounts {
    /// Respondents who answered the question: the base of every share.
    pub base: u64,
    pub options: Vec<u64>,
    pub moments: MultiMoments,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPartial {
    pub respondents: u64,
    pub items: Vec<ItemCounts>,
    pub composites: Vec<CompositeSums>,
    pub multi: Vec<MultiCounts>,
    /// Per dimension: co-moments of its items.
    pub dimension_items: Vec<ItemMoments>,
    /// Per pair of score variables ([`ScoreVariables`]), in `pair_index` order.
    pub score_pairs: Vec<PairSums>,
    /// Per KPI: the dimension scores and the KPI on rows where all are present, the input of
    /// regression-based driver analysis (relative weights, R²).
    pub drivers: Vec<Listwise>,
}

/// The per-respondent scores that correlations and drivers work on: every composite
/// (dimensions first, then multi-item KPIs), then every share KPI as a 0/1 indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreVariables {
    /// What each variable is multiplied by to be an integer (1 for indicators).
    pub scales: Vec<i128>,
    /// The variable of each KPI.
    pub kpi_variable: Vec<usize>,
    pub dimensions: usize,
}

impl ScoreVariables {
    pub fn of(survey: &Survey) -> Self {
        let mut scales: Vec<i128> = survey
            .composites
            .iter()
            .map(|c| composite_scale(c.items.len()))
            .collect();
        let kpi_variable = survey
            .kpi_measures
            .iter()
            .map(|m| match m {
                KpiMeasure::CompositeMean { composite } => *composite,
                KpiMeasure::Share { .. } => {
                    scales.push(1);
                    scales.len() - 1
                }
            })
            .collect();
        ScoreVariables {
            scales,
            kpi_variable,
            dimensions: survey.definition.dimensions.len(),
        }
    }

    pub fn len(&self) -> usize {
        self.scales.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }
}

impl GroupPartial {
    pub fn empty(survey: &Survey) -> Self {
        let points = usize::from(survey.points());
        let variables = ScoreVariables::of(survey);
        let kpis = survey.kpi_measures.len();
        GroupPartial {
            respondents: 0,
            items: survey
                .definition
                .items
                .iter()
                .map(|_| ItemCounts {
                    by_code: vec![0; points + 2],
                })
                .collect(),
            composites: vec![CompositeSums::default(); survey.composites.len()],
            multi: survey
                .definition
                .multi_select
                .iter()
                .map(|q| MultiCounts {
                    base: 0,
                    options: vec![0; q.options.len()],
                    moments: MultiMoments::new(q.options.len(), kpis),
                })
                .collect(),
            dimension_items: (0..variables.dimensions)
                .map(|d| ItemMoments::new(survey.composites[d].items.len()))
                .collect(),
            score_pairs: vec![
                PairSums::default();
                variables.len() * variables.len().saturating_sub(1) / 2
            ],
            drivers: vec![Listwise::new(variables.dimensions + 1); kpis],
        }
    }

    pub fn merge(&mut self, other: &GroupPartial) {
        self.respondents += other.respondents;
        for (a, b) in self.items.iter_mut().zip(&other.items) {
            for (x, y) in a.by_code.iter_mut().zip(&b.by_code) {
                *x += y;
            }
        }
        for (a, b) in self.composites.iter_mut().zip(&other.composites) {
            a.n += b.n;
            a.sum += b.sum;
            a.sum_sq += b.sum_sq;
        }
        for (a, b) in self.multi.iter_mut().zip(&other.multi) {
            a.base += b.base;
            for (x, y) in a.options.iter_mut().zip(&b.options) {
                *x += y;
            }
            a.moments.merge(&b.moments);
        }
        for (a, b) in self.dimension_items.iter_mut().zip(&other.dimension_items) {
            a.merge(b);
        }
        for (a, b) in self.score_pairs.iter_mut().zip(&other.score_pairs) {
            a.merge(b);
        }
        for (a, b) in self.drivers.iter_mut().zip(&other.drivers) {
            a.merge(b);
        }
    }
}

/// Names one group of a cut. `key` is unique in the cut (nested segments prefix the parent's
/// key); `value` is what the respondent wrote, empty for the missing-value group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLevel {
    pub key: String,
    pub value: String,
    /// Index of the parent segment's group, for nested segments; for a cross, of the first
    /// segment's group.
    pub parent: Option<usize>,
    /// For a cross: index of the second segment's group.
    pub across: Option<usize>,
}

/// The groups of one cut: the whole organisation (`segment: None`, one group) or one segment
/// (one group per level code, level 0 being the missing value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CutPartial {
    pub segment: Option<usize>,
    pub levels: Vec<GroupLevel>,
    pub groups: Vec<GroupPartial>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partials {
    pub cuts: Vec<CutPartial>,
}

impl Partials {
    /// Empty partials shaped for `survey`, with the groups `levels[s]` for segment `s`.
    pub fn empty(survey: &Survey, levels: &[Vec<GroupLevel>]) -> Self {
        let overall = GroupLevel {
            key: String::new(),
            value: String::new(),
            parent: None,
            across: None,
        };
        let mut cuts = vec![CutPartial {
            segment: None,
            levels: vec![overall],
            groups: vec![GroupPartial::empty(survey)],
        }];
        for (s, l) in levels.iter().enumerate() {
            cuts.push(CutPartial {
                segment: Some(s),
                levels: l.clone(),
                groups: vec![GroupPartial::empty(survey); l.len()],
            });
        }
        Partials { cuts }
    }

    /// Adds `other`'s counts. Both must come from the same survey and the same group levels.
    pub fn merge(&mut self, other: &Partials) {
        for (a, b) in self.cuts.iter_mut().zip(&other.cuts) {
            debug_assert_eq!(a.levels, b.levels, "partials over different groups");
            for (x, y) in a.groups.iter_mut().zip(&b.groups) {
                x.merge(y);
            }
        }
    }

    pub fn overall(&self) -> &GroupPartial {
        &self.cuts[0].groups[0]
    }
}

/// LCM of 1..=items: multiplying a mean of up to `items` integers by it gives an integer.
pub fn composite_scale(items: usize) -> i128 {
    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    (1..=items.max(1) as i128).fold(1, |l, k| l / gcd(l, k) * k)
}

#[cfg(test)]
mod tests {
    use super::composite_scale;

    #[test]
    fn lcm_by_hand() {
        assert_eq!(composite_scale(1), 1);
        assert_eq!(composite_scale(4), 12);
        assert_eq!(composite_scale(6), 60);
    }
}

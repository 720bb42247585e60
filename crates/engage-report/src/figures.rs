//! Figures derived from integer partials: item, score (dimension or KPI) and KPI figures.
//! Definitions are in docs/statistics.md; this is their one implementation.

use engage_aggregate::{composite_scale, GroupPartial, ItemCounts};
use engage_model::{KpiMeasure, Survey, YearValue};
use engage_stats::{wilson_ci, Moments, CONFIDENCE};

use crate::model::{ItemFigures, KpiValue, PointCount, ScoreFigures};

/// Favourable, neutral and unfavourable counts of (flipped) answers.
fn favourability(survey: &Survey, item: usize, counts: &ItemCounts) -> [u64; 3] {
    let mut out = [0u64; 3];
    for (i, &k) in counts.points().iter().enumerate() {
        let code = survey.flipped(item, i as u8 + 1);
        let slot = if survey.is_favourable(code) {
            0
        } else if survey.is_unfavourable(code) {
            2
        } else {
            1
        };
        out[slot] += k;
    }
    out
}

fn shares(counts: [u64; 3]) -> (f64, f64, f64) {
    let n = (counts[0] + counts[1] + counts[2]) as f64;
    (
        counts[0] as f64 / n,
        counts[1] as f64 / n,
        counts[2] as f64 / n,
    )
}

/// Figures of one item over its valid answers; `None` when nobody answered.
pub fn item_figures(survey: &Survey, item: usize, counts: &ItemCounts) -> Option<ItemFigures> {
    let n = counts.valid();
    if n == 0 {
        return None;
    }
    let mut m = Moments {
        n,
        scale: 1,
        ..Moments::default()
    };
    for (i, &k) in counts.points().iter().enumerate() {
        let v = i128::from(survey.value_of(survey.flipped(item, i as u8 + 1)));
        m.sum += i128::from(k) * v;
        m.sum_sq += i128::from(k) * v * v;
    }
    let s = m.summary(CONFIDENCE).expect("n > 0");
    let (favourable, neutral, unfavourable) = shares(favourability(survey, item, counts));
    Some(ItemFigures {
        n,
        mean: s.mean,
        sd: s.sd,
        ci: s.ci,
        favourable,
        neutral,
        unfavourable,
        counts: counts
            .points()
            .iter()
            .enumerate()
            .map(|(i, &count)| PointCount {
                value: survey.value_of(i as u8 + 1),
                count,
            })
            .collect(),
        missing: counts.missing(),
        not_applicable: counts.not_applicable(),
    })
}

/// Figures of a composite (dimension or multi-item KPI) in a group; `None` when nobody scored.
pub fn score_figures(
    survey: &Survey,
    composite: usize,
    group: &GroupPartial,
) -> Option<ScoreFigures> {
    let sums = group.composites[composite];
    if sums.n == 0 {
        return None;
    }
    let items = &survey.composites[composite].items;
    let m = Moments {
        n: sums.n,
        sum: sums.sum,
        sum_sq: sums.sum_sq,
        scale: composite_scale(items.len()),
    };
    let s = m.summary(CONFIDENCE).expect("n > 0");
    // Scores are kept in answer codes (1..=points); shift to scale values.
    let offset = f64::from(survey.definition.scale.min) - 1.0;
    let mut pooled = [0u64; 3];
    for &i in items {
        let f = favourability(survey, i, &group.items[i]);
        for k in 0..3 {
            pooled[k] += f[k];
        }
    }
    let (favourable, neutral, unfavourable) = if pooled.iter().sum::<u64>() == 0 {
        (0.0, 0.0, 0.0)
    } else {
        shares(pooled)
    };
    let (favourable, neutral, unfavourable) = (Some(favourable), Some(neutral), Some(unfavourable));
    Some(ScoreFigures {
        n: s.n,
        mean: s.mean + offset,
        sd: s.sd,
        ci: s.ci.map(|ci| engage_stats::Interval {
            lower: ci.lower + offset,
            upper: ci.upper + offset,
        }),
        favourable,
        neutral,
        unfavourable,
    })
}

/// A KPI's value in a group, with its interval and progress; `None` when nobody contributed.
pub fn kpi_value(
    survey: &Survey,
    kpi: usize,
    group: &GroupPartial,
    baseline: Option<YearValue>,
    target: Option<YearValue>,
) -> Option<KpiValue> {
    let (n, value, ci) = match &survey.kpi_measures[kpi] {
        KpiMeasure::CompositeMean { composite } => {
            let s = score_figures(survey, *composite, group)?;
            (s.n, s.mean, s.ci)
        }
        KpiMeasure::Share { item, codes } => {
            let counts = &group.items[*item];
            let n = counts.valid();
            if n == 0 {
                return None;
            }
            let chosen: u64 = counts
                .points()
                .iter()
                .enumerate()
                .filter(|(i, _)| codes.contains(&survey.flipped(*item, *i as u8 + 1)))
                .map(|(_, &k)| k)
                .sum();
            let ci = wilson_ci(chosen, n, CONFIDENCE).expect("n > 0");
            (n, chosen as f64 / n as f64, Some(ci))
        }
    };
    Some(KpiValue {
        n,
        value,
        ci,
        gap_to_target: target.map(|t| t.value - value),
        progress: match (baseline, target) {
            (Some(b), Some(t)) if t.value != b.value => {
                Some((value - b.value) / (t.value - b.value))
            }
            _ => None,
        },
    })
}

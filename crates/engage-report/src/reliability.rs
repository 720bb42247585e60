//! Reliability of each dimension, derived from the one-pass co-moments without touching rows:
//! Cronbach's alpha (listwise by default, pairwise on request), standardised alpha, Feldt's
//! interval on the complete rows, item-rest correlations and alpha if an item is deleted.

use engage_aggregate::GroupPartial;
use engage_model::{AlphaMethod, Survey};
use engage_stats::{
    alpha_if_deleted, cronbach_alpha_from_covariance, feldt_interval, item_rest_correlations,
    standardized_alpha, CONFIDENCE,
};

use crate::model::{ItemReliability, ReliabilityFigure};

/// Reliability of dimension `d` in `group`; `None` for a dimension of one item. Withheld
/// (no numbers) when fewer than `min` respondents contributed to the covariances.
pub fn dimension_reliability(
    survey: &Survey,
    d: usize,
    group: &GroupPartial,
    min: u64,
) -> Option<ReliabilityFigure> {
    let items = &survey.composites[d].items;
    let k = items.len();
    if k < 2 {
        return None;
    }
    let settings = &survey.definition.reliability;
    let moments = &group.dimension_items[d];
    let complete = moments.listwise.n;
    let (cov, contributors) = match settings.alpha {
        AlphaMethod::Listwise => (moments.listwise.covariance(), complete),
        AlphaMethod::Pairwise => {
            let smallest = moments.pairs.iter().map(|p| p.n).min().unwrap_or(0);
            (pairwise_covariance(survey, d, group), smallest)
        }
    };
    let ids: Vec<String> = items
        .iter()
        .map(|&i| survey.definition.items[i].id.get_ref().clone())
        .collect();
    let withheld = contributors < min;
    let cov = cov.filter(|_| !withheld);
    let alpha = cov
        .as_ref()
        .and_then(|c| cronbach_alpha_from_covariance(c).ok());
    let item_rest = cov.as_ref().map(|c| item_rest_correlations(c));
    let if_deleted = cov.as_ref().map(|c| alpha_if_deleted(c));
    Some(ReliabilityFigure {
        method: settings.alpha.as_str(),
        items: k,
        complete_rows: (!withheld).then_some(complete),
        alpha,
        standardized_alpha: cov.as_ref().and_then(|c| standardized_alpha(c).ok()),
        ci: match settings.alpha {
            AlphaMethod::Listwise => {
                alpha.and_then(|a| feldt_interval(a, complete, k, CONFIDENCE).ok())
            }
            AlphaMethod::Pairwise => None,
        },
        threshold: settings.threshold,
        below_threshold: alpha.map(|a| a < settings.threshold),
        withheld,
        item_stats: ids
            .into_iter()
            .enumerate()
            .map(|(j, id)| ItemReliability {
                id,
                item_rest: item_rest.as_ref().and_then(|r| r[j]),
                alpha_if_deleted: if_deleted.as_ref().and_then(|r| r[j]),
            })
            .collect(),
    })
}

/// Covariances on pairwise-complete rows (each item's variance on its own valid answers), as
/// pandas' `DataFrame.cov()` which pingouin's pairwise alpha uses. `None` if any has n < 2.
fn pairwise_covariance(survey: &Survey, d: usize, group: &GroupPartial) -> Option<Vec<Vec<f64>>> {
    let items = &survey.composites[d].items;
    let k = items.len();
    let moments = &group.dimension_items[d];
    let cov_of = |n: u64, sum_a: i128, sum_b: i128, sum_ab: i128| {
        (n >= 2).then(|| {
            let n = i128::from(n);
            (n * sum_ab - sum_a * sum_b) as f64 / (n * (n - 1)) as f64
        })
    };
    let mut cov = vec![vec![0.0; k]; k];
    for (a, &i) in items.iter().enumerate() {
        // Flipping (reverse keying) does not change a variance: raw codes will do.
        let counts = group.items[i].points();
        let (mut n, mut s, mut ss) = (0u64, 0i128, 0i128);
        for (c, &count) in counts.iter().enumerate() {
            let x = c as i128 + 1;
            n += count;
            s += x * i128::from(count);
            ss += x * x * i128::from(count);
        }
        cov[a][a] = cov_of(n, s, s, ss)?;
    }
    for (a, b) in (0..k).flat_map(|a| ((a + 1)..k).map(move |b| (a, b))) {
        let p = &moments.pairs[engage_aggregate::pair_index(a, b, k)];
        let v = cov_of(p.n, p.sum_a, p.sum_b, p.sum_ab)?;
        cov[a][b] = v;
        cov[b][a] = v;
    }
    Some(cov)
}

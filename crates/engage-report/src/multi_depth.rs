//! Multi-select depth: which options are picked together, how the KPI differs between those
//! who picked an option and those who did not, and how each option's share differs between
//! segment groups (chi-square) and in each group against the rest of the organisation (lift).

use engage_aggregate::{upper_index, GroupPartial, Partials, ScoreVariables, Sums};
use engage_model::Survey;
use engage_stats::{
    benjamini_hochberg, chi_square_independence, two_proportion_z, welch_t, Moments, Sample,
    CONFIDENCE,
};

use crate::model::{CoPick, KpiGap, OptionLift, OptionSegmentTest, Side};

/// Pairs of options picked together by the same respondent (a < b); withheld below `min`.
pub fn co_picks(survey: &Survey, q: usize, overall: &GroupPartial, min: u64) -> Vec<CoPick> {
    let question = &survey.definition.multi_select[q];
    let k = question.options.len();
    let m = &overall.multi[q].moments;
    let mut out = Vec::new();
    for a in 0..k {
        for b in (a + 1)..k {
            let count = m.co_picked[upper_index(a, b, k)];
            out.push(CoPick {
                a: question.options[a].id.get_ref().clone(),
                b: question.options[b].id.get_ref().clone(),
                count: (count >= min || count == 0).then_some(count),
            });
        }
    }
    out
}

/// A KPI's values as a sample in the KPI's own units (scale values, or 0/1 for a share).
fn sample(s: &Sums, scale: i128, offset: f64) -> Option<Sample> {
    let m = Moments {
        n: s.n,
        sum: s.sum,
        sum_sq: s.sum_sq,
        scale,
    };
    let summary = m.summary(CONFIDENCE).ok()?;
    Some(Sample {
        n: s.n,
        mean: summary.mean + offset,
        sd: summary.sd?,
    })
}

/// Per option and KPI: the KPI of those who picked the option against those who answered
/// the question but did not (Welch), BH-adjusted within the question. Withheld when either
/// side has fewer than `min` respondents.
pub fn kpi_gaps(survey: &Survey, q: usize, overall: &GroupPartial, min: u64) -> Vec<KpiGap> {
    let question = &survey.definition.multi_select[q];
    let vars = ScoreVariables::of(survey);
    let m = &overall.multi[q].moments;
    let kpis = survey.definition.kpis.len();
    let offset = f64::from(survey.definition.scale.min) - 1.0;
    let mut out = Vec::new();
    for (o, option) in question.options.iter().enumerate() {
        for (k, kpi) in survey.definition.kpis.iter().enumerate() {
            let v = vars.kpi_variable[k];
            let scale = vars.scales[v];
            // Composite KPIs are stored in answer codes; shares as 0/1.
            let shift = if v < survey.composites.len() {
                offset
            } else {
                0.0
            };
            let picked = m.kpi_picked[o * kpis + k];
            let all = m.kpi_answered[k];
            let rest = Sums {
                n: all.n - picked.n,
                sum: all.sum - picked.sum,
                sum_sq: all.sum_sq - picked.sum_sq,
            };
            let withheld = picked.n < min || rest.n < min;
            let (a, b) = (sample(&rest, scale, shift), sample(&picked, scale, shift));
            let welch = match (a, b) {
                (Some(a), Some(b)) if !withheld => welch_t(a, b, CONFIDENCE).ok(),
                _ => None,
            };
            let side = |s: Option<Sample>| {
                s.filter(|_| !withheld).map(|s| Side {
                    n: s.n,
                    value: s.mean,
                })
            };
            out.push(KpiGap {
                option: option.id.get_ref().clone(),
                kpi: kpi.id.get_ref().clone(),
                withheld,
                picked: side(b),
                not_picked: side(a),
                difference: welch.map(|w| w.difference),
                t: welch.map(|w| w.t),
                df: welch.map(|w| w.df),
                p_value: welch.map(|w| w.p_value),
                p_adjusted: None,
            });
        }
    }
    let at: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].p_value.is_some())
        .collect();
    let p: Vec<f64> = at.iter().map(|&i| out[i].p_value.unwrap()).collect();
    for (&i, adj) in at.iter().zip(benjamini_hochberg(&p)) {
        out[i].p_adjusted = Some(adj);
    }
    out
}

/// Per segment and option: chi-square over the published groups, and each published group's
/// share against the rest of the organisation (lift, two-proportion z, BH within the
/// segment's table for the question).
pub fn by_segment(
    survey: &Survey,
    q: usize,
    partials: &Partials,
    decisions: &crate::suppression::ReleaseDecisions,
) -> Vec<OptionSegmentTest> {
    let question = &survey.definition.multi_select[q];
    let total = &partials.overall().multi[q];
    let measure = crate::suppression::Measure::MultiSelect(q);
    let mut out = Vec::new();
    for (c, cut) in partials.cuts.iter().enumerate() {
        let Some(s) = cut.segment else { continue };
        // Groups whose base for this question is published (not only the group's size).
        let published: Vec<(&str, &GroupPartial)> = cut
            .levels
            .iter()
            .zip(&cut.groups)
            .enumerate()
            .filter(|(g, (_, group))| {
                group.respondents > 0 && decisions.figure(measure, c, *g).is_none()
            })
            .map(|(_, (level, group))| (level.key.as_str(), group))
            .collect();
        let seg_id = survey.segment_id(s).to_string();
        let first = out.len();
        for (o, option) in question.options.iter().enumerate() {
            let table: Vec<Vec<u64>> = published
                .iter()
                .map(|(_, g)| {
                    let m = &g.multi[q];
                    vec![m.options[o], m.base - m.options[o]]
                })
                .collect();
            let chi = chi_square_independence(&table).ok();
            let groups = published
                .iter()
                .map(|(key, g)| {
                    let m = &g.multi[q];
                    let (count, base) = (m.options[o], m.base);
                    let (rest_count, rest_base) = (total.options[o] - count, total.base - base);
                    let share = (base > 0).then(|| count as f64 / base as f64);
                    let rest_share = (rest_base > 0).then(|| rest_count as f64 / rest_base as f64);
                    let z = two_proportion_z(rest_count, rest_base, count, base).ok();
                    OptionLift {
                        group: key.to_string(),
                        base,
                        count,
                        share,
                        rest_share,
                        lift: share
                            .zip(rest_share)
                            .filter(|(_, r)| *r > 0.0)
                            .map(|(s, r)| s / r),
                        z: z.map(|z| z.statistic),
                        p_value: z.map(|z| z.p_value),
                        p_adjusted: None,
                    }
                })
                .collect();
            out.push(OptionSegmentTest {
                segment: seg_id.clone(),
                option: option.id.get_ref().clone(),
                chi_square: chi.map(|c| c.statistic),
                df: chi.map(|c| c.df),
                p_value: chi.map(|c| c.p_value),
                min_expected: chi.map(|c| c.min_expected),
                small_expected: chi.is_some_and(|c| c.min_expected < 5.0),
                groups,
            });
        }
        // One family per segment and question: every group's lift test over every option.
        let mut at = Vec::new();
        for (t, test) in out[first..].iter().enumerate() {
            for (g, lift) in test.groups.iter().enumerate() {
                if let Some(p) = lift.p_value {
                    at.push((first + t, g, p));
                }
            }
        }
        let p: Vec<f64> = at.iter().map(|x| x.2).collect();
        for (&(t, g, _), adj) in at.iter().zip(benjamini_hochberg(&p)) {
            out[t].groups[g].p_adjusted = Some(adj);
        }
    }
    out
}

//! Earlier waves in target tracking: a two-sample test against the baseline wave's own
//! respondents when its data are given, and the trend across all waves when there are three or
//! more years.

use engage_aggregate::Partials;
use engage_model::Survey;
use engage_stats::{
    linear_trend, share_trend, two_proportion_z, welch_t, MeanAt, ShareAt, CONFIDENCE,
};

use crate::compare::{kpi_of, Value};
use crate::model::{BaselineTest, KpiTrend, Report, TrendPoint};

/// An earlier wave as tracking reads it.
pub struct EarlierWave<'a> {
    pub survey: &'a Survey,
    pub partials: &'a Partials,
    pub report: &'a Report,
}

/// Adds the earlier waves to every KPI's tracking, matching KPIs by id. A KPI withheld in a
/// wave's report contributes nothing from that wave.
pub fn add_wave_history(
    report: &mut Report,
    survey: &Survey,
    partials: &Partials,
    earlier: &[EarlierWave<'_>],
) {
    let year = survey.definition.wave.year;
    for (k, kpi) in report.kpis.iter_mut().enumerate() {
        let (Some(tracking), false) = (kpi.tracking.as_mut(), kpi.withheld) else {
            continue;
        };
        let Some(now) = kpi_of(survey, k, partials.overall()) else {
            continue;
        };
        let mut points: Vec<(i32, String, Value)> = earlier
            .iter()
            .filter_map(|w| {
                let j = w.report.kpis.iter().position(|x| x.id == kpi.id)?;
                if w.report.kpis[j].withheld {
                    return None;
                }
                let v = kpi_of(w.survey, j, w.partials.overall())?;
                let wave = &w.survey.definition.wave;
                Some((wave.year, wave.label.clone(), v))
            })
            .collect();
        if let Some(baseline) = kpi.baseline.filter(|b| b.year != year) {
            if let Some((_, label, then)) = points.iter().find(|p| p.0 == baseline.year) {
                if let Some(test) = two_sample(then, &now) {
                    tracking.baseline_test = Some(test);
                    tracking.baseline_test_note = Some(format!(
                        "two-sample test against the respondents of the baseline wave {label} ({}); its published value is {}",
                        baseline.year, baseline.value
                    ));
                }
            }
        }
        points.push((year, survey.definition.wave.label.clone(), now));
        points.sort_by_key(|p| p.0);
        let mut years: Vec<i32> = points.iter().map(|p| p.0).collect();
        years.dedup();
        if years.len() < 3 {
            continue;
        }
        let at = kpi.target.map_or(year, |t| t.year);
        let up = match (kpi.baseline, kpi.target) {
            (Some(b), Some(t)) => t.value >= b.value,
            _ => true,
        };
        let waves: Vec<TrendPoint> = points
            .iter()
            .map(|(y, label, v)| {
                let (n, value) = v.n_and_value();
                TrendPoint {
                    year: *y,
                    label: label.clone(),
                    n,
                    value,
                }
            })
            .collect();
        let reaches = |projected: f64| {
            kpi.target.map(|t| {
                if up {
                    projected >= t.value
                } else {
                    projected <= t.value
                }
            })
        };
        tracking.trend = match now {
            Value::Mean(_) => {
                let at_points: Vec<MeanAt> = points
                    .iter()
                    .filter_map(|(y, _, v)| match v {
                        Value::Mean(s) => Some(MeanAt {
                            year: *y,
                            sample: *s,
                        }),
                        Value::Share { .. } => None,
                    })
                    .collect();
                linear_trend(&at_points, at, CONFIDENCE)
                    .ok()
                    .map(|t| KpiTrend {
                        waves,
                        method: "ols_on_respondents",
                        slope: t.slope,
                        slope_ci: Some(t.ci),
                        statistic: t.t,
                        df: Some(t.df),
                        p_value: t.p_value,
                        projected_year: at,
                        projected: t.projected,
                        projected_ci: Some(t.projected_ci),
                        reaches_target: reaches(t.projected),
                    })
            }
            Value::Share { .. } => {
                let at_points: Vec<ShareAt> = points
                    .iter()
                    .filter_map(|(y, _, v)| match v {
                        Value::Share { count, n } => Some(ShareAt {
                            year: *y,
                            count: *count,
                            n: *n,
                        }),
                        Value::Mean(_) => None,
                    })
                    .collect();
                share_trend(&at_points, at).ok().map(|t| KpiTrend {
                    waves,
                    method: "cochran_armitage",
                    slope: t.slope,
                    slope_ci: None,
                    statistic: t.z,
                    df: None,
                    p_value: t.p_value,
                    projected_year: at,
                    projected: t.projected,
                    projected_ci: None,
                    reaches_target: reaches(t.projected),
                })
            }
        };
    }
}

/// This wave against the baseline wave's respondents: Welch for means, the pooled
/// two-proportion z test for shares (as `engage compare`).
fn two_sample(then: &Value, now: &Value) -> Option<BaselineTest> {
    match (then, now) {
        (Value::Mean(a), Value::Mean(b)) => {
            welch_t(*a, *b, CONFIDENCE).ok().map(|w| BaselineTest {
                method: "Welch t test against the baseline wave",
                against: "baseline_wave",
                difference: w.difference,
                statistic: w.t,
                df: Some(w.df),
                p_value: w.p_value,
            })
        }
        (Value::Share { count: ca, n: na }, Value::Share { count: cb, n: nb }) => {
            two_proportion_z(*ca, *na, *cb, *nb)
                .ok()
                .map(|z| BaselineTest {
                    method: "two-proportion z test against the baseline wave",
                    against: "baseline_wave",
                    difference: *cb as f64 / *nb as f64 - *ca as f64 / *na as f64,
                    statistic: z.statistic,
                    df: None,
                    p_value: z.p_value,
                })
        }
        _ => None,
    }
}

/// Sets `report.previous_wave`: this wave against the latest earlier wave before it (by year;
/// the last given on a tie), exactly as `engage compare` would make it. Nothing when no
/// earlier wave precedes this one.
pub fn add_previous_wave(
    report: &mut Report,
    survey: &Survey,
    partials: &Partials,
    earlier: &[EarlierWave<'_>],
) {
    let year = survey.definition.wave.year;
    let Some(previous) = earlier
        .iter()
        .filter(|w| w.survey.definition.wave.year < year)
        .max_by_key(|w| w.survey.definition.wave.year)
    else {
        return;
    };
    let comparison = crate::compare::compare(
        crate::compare::WaveInput {
            survey: previous.survey,
            partials: previous.partials,
            report: previous.report,
        },
        crate::compare::WaveInput {
            survey,
            partials,
            report,
        },
    );
    report.previous_wave = Some(comparison);
}

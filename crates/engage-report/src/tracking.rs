//! Where each KPI stands on its way from baseline to target: the straight-line trajectory at
//! this wave's year, on track or behind, the change still needed per year, and a test of the
//! change against the published baseline.

use engage_aggregate::GroupPartial;
use engage_model::{KpiMeasure, Survey};
use engage_stats::{one_sample_t, proportion_score_test};

use crate::figures::score_figures;
use crate::model::{BaselineTest, KpiTracking, KpiValue, TrackStatus};

pub fn kpi_tracking(
    survey: &Survey,
    k: usize,
    overall: &GroupPartial,
    value: &KpiValue,
) -> Option<KpiTracking> {
    let kpi = &survey.definition.kpis[k];
    let year = survey.definition.wave.year;
    if kpi.baseline.is_none() && kpi.target.is_none() {
        return None;
    }
    let trajectory = match (kpi.baseline, kpi.target) {
        (Some(b), Some(t)) if t.year != b.year => {
            // Read the line at this year, held at its ends outside the plan's years.
            let at = year.clamp(b.year.min(t.year), b.year.max(t.year));
            Some(
                b.value + (t.value - b.value) * f64::from(at - b.year) / f64::from(t.year - b.year),
            )
        }
        _ => None,
    };
    // Which way is better: towards the target from the baseline (up when unknown).
    let up = match (kpi.baseline, kpi.target) {
        (Some(b), Some(t)) => t.value >= b.value,
        _ => true,
    };
    let ahead = |of: f64| {
        if up {
            value.value >= of
        } else {
            value.value <= of
        }
    };
    let status = match (kpi.target, trajectory) {
        (Some(t), _) if ahead(t.value) => Some(TrackStatus::TargetMet),
        (_, Some(line)) if ahead(line) => Some(TrackStatus::OnTrack),
        (_, Some(_)) => Some(TrackStatus::Behind),
        _ => None,
    };
    let years_to_target = kpi.target.map(|t| t.year - year);
    let needed_per_year = kpi
        .target
        .filter(|t| t.year > year)
        .map(|t| (t.value - value.value) / f64::from(t.year - year));
    let (baseline_test, baseline_test_note) = match kpi.baseline {
        None => (None, None),
        Some(b) if b.year == year => (
            None,
            Some("the baseline is this wave's own published figure".to_string()),
        ),
        Some(b) => match baseline_test(survey, k, overall, value, b.value) {
            Ok(test) => (Some(test), None),
            Err(e) => (None, Some(format!("no test: {e}"))),
        },
    };
    Some(KpiTracking {
        wave_year: year,
        trajectory,
        status,
        years_to_target,
        needed_per_year,
        baseline_test,
        baseline_test_note,
        trend: None,
    })
}

/// One-sample test against the published baseline value (its wave's data are not at hand).
fn baseline_test(
    survey: &Survey,
    k: usize,
    overall: &GroupPartial,
    value: &KpiValue,
    baseline: f64,
) -> Result<BaselineTest, engage_stats::StatsError> {
    let (method, result) = match &survey.kpi_measures[k] {
        KpiMeasure::CompositeMean { composite } => {
            let sd = score_figures(survey, *composite, overall)
                .and_then(|f| f.sd)
                .ok_or(engage_stats::StatsError::TooFew {
                    needed: 2,
                    got: value.n,
                })?;
            (
                "one-sample t test against the published baseline",
                one_sample_t(value.value, sd, value.n, baseline)?,
            )
        }
        KpiMeasure::Share { .. } => {
            let count = (value.value * value.n as f64).round() as u64;
            (
                "one-sample score test against the published baseline",
                proportion_score_test(count, value.n, baseline)?,
            )
        }
    };
    Ok(BaselineTest {
        method,
        against: "published_value",
        difference: value.value - baseline,
        statistic: result.statistic,
        df: result.df,
        p_value: result.p_value,
    })
}

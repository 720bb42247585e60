//! Key drivers of each KPI among the dimensions, from the one-pass co-moments: Pearson r with
//! Fisher-z intervals (pairwise rows), Johnson's relative weights and R² (listwise rows), and
//! the importance × performance quadrants. Bootstrap intervals need the respondents' rows,
//! which partials do not carry: [`add_bootstrap_intervals`] adds them when the caller has rows.

use engage_aggregate::{
    pair_index, DriverRequest, DriverRows, DriverValues, GroupPartial, ScoreVariables,
};
use engage_model::Survey;
use engage_stats::{
    bootstrap_relative_weights, bootstrap_relative_weights_coded,
    bootstrap_relative_weights_scaled, correlation_from_covariance, fisher_interval,
    relative_weights, FullSample, CONFIDENCE,
};

use crate::model::{BootstrapInfo, DimensionFigure, DriverFigure, KpiDrivers, Quadrant, Report};

/// The dimensions that predict KPI `k`: all, except the one the KPI is the mean of.
fn predictors(survey: &Survey, vars: &ScoreVariables, k: usize) -> Vec<usize> {
    (0..survey.definition.dimensions.len())
        .filter(|&d| d != vars.kpi_variable[k])
        .collect()
}

pub fn kpi_drivers(
    survey: &Survey,
    overall: &GroupPartial,
    dimensions: &[DimensionFigure],
    min: u64,
) -> Vec<KpiDrivers> {
    let vars = ScoreVariables::of(survey);
    let settings = &survey.definition.drivers;
    let n_dims = survey.definition.dimensions.len();
    survey
        .definition
        .kpis
        .iter()
        .enumerate()
        .map(|(k, kpi)| {
            let kv = vars.kpi_variable[k];
            let preds = predictors(survey, &vars, k);
            let listwise = &overall.drivers[k];
            let withheld = listwise.n < min;
            // Predictors then the KPI (the last variable of the listwise sums).
            let keep: Vec<usize> = preds.iter().copied().chain([n_dims]).collect();
            let weights = (!withheld)
                .then(|| listwise.covariance())
                .flatten()
                .map(|c| {
                    keep.iter()
                        .map(|&i| keep.iter().map(|&j| c[i][j]).collect())
                        .collect::<Vec<Vec<f64>>>()
                })
                .and_then(|c| correlation_from_covariance(&c).ok())
                .and_then(|c| relative_weights(&c).ok());
            let shares = weights.as_ref().map(|w| w.shares());
            let mut figures: Vec<DriverFigure> = preds
                .iter()
                .enumerate()
                .map(|(j, &d)| {
                    let (a, b) = (d.min(kv), d.max(kv));
                    let p = &overall.score_pairs[pair_index(a, b, vars.len())];
                    let r = (p.n >= min).then(|| pearson_from_sums(p)).flatten();
                    DriverFigure {
                        id: survey.definition.dimensions[d].id.get_ref().clone(),
                        r,
                        r_ci: r.and_then(|r| fisher_interval(r, p.n, CONFIDENCE).ok()),
                        r_n: (p.n >= min).then_some(p.n),
                        relative_weight: weights.as_ref().map(|w| w.raw[j]),
                        share: shares.as_ref().map(|s| s[j]),
                        share_ci: None,
                        favourable: dimensions[d]
                            .figures
                            .as_ref()
                            .filter(|_| !dimensions[d].withheld)
                            .and_then(|f| f.favourable),
                        quadrant: None,
                    }
                })
                .collect();
            assign_quadrants(&mut figures);
            KpiDrivers {
                kpi: kpi.id.get_ref().clone(),
                complete_rows: (!withheld).then_some(listwise.n),
                r_squared: weights.as_ref().map(|w| w.r_squared),
                withheld,
                intervals: None,
                intervals_note: Some(if settings.resamples == 0 {
                    "no bootstrap: [drivers] resamples = 0".into()
                } else {
                    "bootstrap intervals need the respondents' rows; partials (engage merge) carry none".into()
                }),
                dimensions: figures,
            }
        })
        .collect()
}

/// r from the sums of a pair, exact up to the final division; `None` without variance.
fn pearson_from_sums(p: &engage_aggregate::PairSums) -> Option<f64> {
    let n = i128::from(p.n);
    let sab = n * p.sum_ab - p.sum_a * p.sum_b;
    let saa = n * p.sum_aa - p.sum_a * p.sum_a;
    let sbb = n * p.sum_bb - p.sum_b * p.sum_b;
    (saa > 0 && sbb > 0).then(|| sab as f64 / ((saa as f64) * (sbb as f64)).sqrt())
}

/// Importance high when the share of R² is at least 1/p (an even split); performance high when
/// the favourable share is at least the mean over the dimensions with both figures.
fn assign_quadrants(figures: &mut [DriverFigure]) {
    let both: Vec<(f64, f64)> = figures
        .iter()
        .filter_map(|f| Some((f.share?, f.favourable?)))
        .collect();
    if both.len() < 2 {
        return;
    }
    let even = 1.0 / figures.len() as f64;
    let mean_fav = both.iter().map(|b| b.1).sum::<f64>() / both.len() as f64;
    for f in figures.iter_mut() {
        if let (Some(s), Some(fav)) = (f.share, f.favourable) {
            f.quadrant = Some(match (s >= even, fav >= mean_fav) {
                (true, false) => Quadrant::Priority,
                (true, true) => Quadrant::Strength,
                (false, true) => Quadrant::Maintain,
                (false, false) => Quadrant::Monitor,
            });
        }
    }
}

/// Percentile bootstrap intervals of the relative-weight shares, resampling the rows that
/// `rows_of(requests)` gives (`engage_aggregate::driver_rows_of_kpis` over the data the report
/// was built from): every KPI's rows are asked for at once, so the scores are worked out
/// once for all of them (a byte a value each: 70 MB per KPI at ten million rows of seven
/// variables), and each KPI's rows are dropped once resampled.
/// `overall` is the whole organisation's partial of the same rows: its exact listwise sums
/// give the column means and the shares are the report's own, so the bootstrap reads no
/// more rows than its resamples pick, and its intervals are rescaled around the very
/// estimate the report shows.
pub fn add_bootstrap_intervals(
    report: &mut Report,
    survey: &Survey,
    overall: &GroupPartial,
    rows_of: &dyn Fn(&[DriverRequest]) -> Vec<DriverRows>,
) {
    let settings = &survey.definition.drivers;
    if settings.resamples == 0 {
        return;
    }
    let vars = ScoreVariables::of(survey);
    let n_dims = survey.definition.dimensions.len();
    let requests: Vec<DriverRequest> = report
        .drivers
        .iter()
        .enumerate()
        .filter(|(_, drivers)| !drivers.withheld && drivers.r_squared.is_some())
        .map(|(kpi, _)| DriverRequest {
            kpi,
            columns: predictors(survey, &vars, kpi)
                .into_iter()
                .chain([n_dims])
                .collect(),
        })
        .collect();
    let sources = rows_of(&requests);
    assert_eq!(
        sources.len(),
        requests.len(),
        "one set of rows per KPI asked"
    );
    for (request, source) in requests.into_iter().zip(sources) {
        let (k, keep) = (request.kpi, request.columns);
        let drivers = &mut report.drivers[k];
        let respondents = source.len();
        let listwise = &overall.drivers[k];
        if listwise.n != respondents as u64 {
            drivers.intervals_note = Some(format!(
                "no bootstrap intervals: {respondents} rows given for {} respondents in the partials",
                listwise.n
            ));
            continue;
        }
        let shares: Option<Vec<f64>> = drivers.dimensions.iter().map(|f| f.share).collect();
        let known = shares.map(|shares| FullSample {
            means: keep
                .iter()
                .zip(&source.scales)
                .map(|(&c, scale)| listwise.sum[c] as f64 / listwise.n as f64 / scale)
                .collect(),
            shares,
        });
        let boot = match source.values {
            DriverValues::Coded { codes, levels } => {
                let tables: Vec<Vec<f64>> = levels
                    .iter()
                    .zip(&source.scales)
                    .map(|(levels, scale)| levels.iter().map(|&v| v as f64 / scale).collect())
                    .collect();
                bootstrap_relative_weights_coded(
                    &codes,
                    &tables,
                    known.as_ref(),
                    settings.resamples,
                    settings.seed,
                    CONFIDENCE,
                    settings.bootstrap_rows,
                )
            }
            DriverValues::Scaled(values) => bootstrap_relative_weights_scaled(
                &values,
                &source.scales,
                settings.resamples,
                settings.seed,
                CONFIDENCE,
                settings.bootstrap_rows,
            ),
            DriverValues::Floats(values) => bootstrap_relative_weights(
                values,
                source.width,
                settings.resamples,
                settings.seed,
                CONFIDENCE,
                settings.bootstrap_rows,
            ),
        };
        match boot {
            Ok(boot) => {
                for (f, ci) in drivers.dimensions.iter_mut().zip(boot.intervals) {
                    f.share_ci = Some(ci);
                }
                let subsampled = boot.rows_per_resample < respondents;
                drivers.intervals = Some(BootstrapInfo {
                    method: if subsampled {
                        "m-out-of-n percentile bootstrap, rescaled by sqrt(m/n)"
                    } else {
                        "percentile bootstrap"
                    },
                    resamples: boot.resamples,
                    seed: settings.seed,
                    skipped: boot.skipped,
                    rows_per_resample: boot.rows_per_resample,
                });
                drivers.intervals_note = None;
            }
            Err(e) => drivers.intervals_note = Some(format!("no bootstrap intervals: {e}")),
        }
    }
}

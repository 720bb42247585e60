//! The staff behind the answers: response rates from headcounts, the finite-population
//! correction of the whole organisation's intervals, and raking weights with weighted
//! whole-organisation figures (docs/statistics.md#response-rates-and-weights).

use engage_aggregate::{CellMoments, Partials, ScaledMoments};
use engage_model::{KpiMeasure, Label, Survey};
use engage_stats::{
    finite_population_correction, kish_effective_n, rake, weighted_mean, weighted_share,
    wilson_ci_effective, Interval, Margin, WeightedGroup, CONFIDENCE,
};
use serde::Serialize;

use crate::model::Report;

/// One headcount row as read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headcount {
    pub segment: String,
    pub group: String,
    pub headcount: u64,
    /// Spreadsheet row, for messages.
    pub row: usize,
}

/// The segments the definition rakes on (indices into the definition's segments), in the
/// order of `[population] rake`; empty when it does not rake.
pub fn rake_segments(survey: &Survey) -> Vec<usize> {
    let rake = survey
        .definition
        .population
        .as_ref()
        .map_or(&[][..], |p| &p.rake[..]);
    rake.iter()
        .map(|id| {
            (0..survey.definition.segments.len())
                .find(|&s| survey.segment_id(s) == id)
                .expect("rake segments are checked when the definition loads")
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PopulationError {
    #[error("{file}, row {row}, column `segment`: `{segment}` is neither `total` nor a segment id of the definition")]
    UnknownSegment {
        file: String,
        row: usize,
        segment: String,
    },
    #[error("{file}, row {row}, column `headcount`: {respondents} respondents in `{group}` but a headcount of {headcount}")]
    MoreRespondents {
        file: String,
        row: usize,
        group: String,
        respondents: u64,
        headcount: u64,
    },
    #[error("{file}, row {row}: `{segment}` / `{group}` appears twice")]
    Duplicate {
        file: String,
        row: usize,
        segment: String,
        group: String,
    },
    #[error("{file}: cannot rake to `{segment}`: group `{group}` {problem}")]
    Raking {
        file: String,
        segment: String,
        group: String,
        problem: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct PopulationReport {
    pub headcounts_file: String,
    /// The `total` row's headcount, else the sum over the first segment in the file.
    pub headcount: Option<u64>,
    pub respondents: u64,
    pub response_rate: Option<f64>,
    /// √((N − n)/(N − 1)) for the whole organisation.
    pub fpc: Option<f64>,
    /// Response rate of each published group with a headcount.
    pub groups: Vec<GroupRate>,
    /// Groups of the file with no respondents at all (their rate is 0).
    pub groups_without_respondents: Vec<String>,
    /// The whole organisation's intervals with and without the correction.
    pub corrected_intervals: Vec<CorrectedInterval>,
    pub weighting: Option<Weighting>,
    pub notes: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupRate {
    pub segment: String,
    pub key: String,
    pub headcount: u64,
    pub respondents: u64,
    pub response_rate: f64,
    pub fpc: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CorrectedInterval {
    /// "kpi" or "dimension".
    pub of: &'static str,
    pub id: String,
    /// "mean" or "share".
    pub measure: &'static str,
    pub value: f64,
    pub ci: Interval,
    pub ci_fpc: Interval,
}

#[derive(Debug, Clone, Serialize)]
pub struct Weighting {
    /// Segment ids raked to.
    pub margins: Vec<String>,
    pub iterations: usize,
    pub converged: bool,
    pub max_relative_error: f64,
    /// Respondents with a group in every margin; the others (a margin left blank) carry no
    /// weight and are not in the weighted figures. Both are null unless nobody left a margin
    /// blank or the blanks are those of one margin whose blank group is published: otherwise
    /// they would count a group the report withholds, or a new one (the blanks of several
    /// margins together).
    pub rows_weighted: Option<u64>,
    pub rows_without_weight: Option<u64>,
    /// Kish's (Σw)²/Σw² over the weighted rows, and n / that.
    pub effective_n: f64,
    pub design_effect: f64,
    pub weight_min: f64,
    pub weight_max: f64,
    /// Weighted figures are withheld when a margin's group is withheld in the report.
    pub withheld: bool,
    pub withheld_reason: Option<String>,
    pub kpis: Vec<WeightedFigure>,
    pub dimensions: Vec<WeightedFigure>,
    pub items: Vec<WeightedFigure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeightedFigure {
    pub id: String,
    pub label: Label,
    /// "mean" or "share".
    pub measure: &'static str,
    pub unweighted: f64,
    pub value: f64,
    pub se: f64,
    pub ci: Interval,
    pub effective_n: f64,
}

/// Adds `population` to the report: rates from `headcounts` (file name `file` for messages),
/// corrected intervals, and weights when the definition rakes and `cells` are given.
///
/// Weighting needs only `cells`: the cells of the raking margins (every combination of their
/// groups) with every variable's moments in each, from
/// `engage_aggregate::cell_moments(survey, table, &rake_segments(survey))`. Raking gives
/// everyone in a cell the same weight, so no figure needs the rows themselves.
pub fn add_population(
    report: &mut Report,
    survey: &Survey,
    partials: &Partials,
    file: &str,
    headcounts: &[Headcount],
    cells: Option<&CellMoments>,
) -> Result<(), PopulationError> {
    let n_segments = survey.definition.segments.len();
    for (i, h) in headcounts.iter().enumerate() {
        if h.segment != "total" && !(0..n_segments).any(|s| survey.segment_id(s) == h.segment) {
            return Err(PopulationError::UnknownSegment {
                file: file.into(),
                row: h.row,
                segment: h.segment.clone(),
            });
        }
        if headcounts[..i]
            .iter()
            .any(|o| o.segment == h.segment && o.group == h.group)
        {
            return Err(PopulationError::Duplicate {
                file: file.into(),
                row: h.row,
                segment: h.segment.clone(),
                group: h.group.clone(),
            });
        }
    }
    let respondents = partials.overall().respondents;
    let headcount = headcounts
        .iter()
        .find(|h| h.segment == "total")
        .map(|h| h.headcount)
        .or_else(|| {
            let first = &headcounts.first()?.segment;
            Some(
                headcounts
                    .iter()
                    .filter(|h| &h.segment == first)
                    .map(|h| h.headcount)
                    .sum(),
            )
        });
    if let Some(total) = headcount.filter(|&t| t < respondents) {
        let row = headcounts
            .iter()
            .find(|h| h.segment == "total")
            .map_or(0, |h| h.row);
        return Err(PopulationError::MoreRespondents {
            file: file.into(),
            row,
            group: "total".into(),
            respondents,
            headcount: total,
        });
    }
    let fpc = headcount.and_then(|n| finite_population_correction(respondents, n).ok());

    let mut groups = Vec::new();
    let mut groups_without_respondents = Vec::new();
    for h in headcounts.iter().filter(|h| h.segment != "total") {
        let Some(cut) = partials
            .cuts
            .iter()
            .find(|c| c.segment.is_some_and(|s| survey.segment_id(s) == h.segment))
        else {
            continue;
        };
        let Some(g) = cut.levels.iter().position(|l| l.key == h.group) else {
            groups_without_respondents.push(format!("{} / {}", h.segment, h.group));
            continue;
        };
        let n = cut.groups[g].respondents;
        if n > h.headcount {
            return Err(PopulationError::MoreRespondents {
                file: file.into(),
                row: h.row,
                group: h.group.clone(),
                respondents: n,
                headcount: h.headcount,
            });
        }
        let published = report
            .segments
            .iter()
            .find(|s| s.id == h.segment)
            .and_then(|s| s.groups.iter().find(|x| x.key == h.group))
            .is_some_and(|x| !x.suppressed);
        if !published {
            continue;
        }
        if let Ok(f) = finite_population_correction(n, h.headcount) {
            groups.push(GroupRate {
                segment: h.segment.clone(),
                key: h.group.clone(),
                headcount: h.headcount,
                respondents: n,
                response_rate: n as f64 / h.headcount as f64,
                fpc: f,
            });
        }
    }

    let corrected_intervals = fpc.map_or_else(Vec::new, |f| corrected(report, survey, f));
    let weighting = match (&survey.definition.population, cells) {
        (Some(p), Some(cells)) if !p.rake.is_empty() => {
            Some(weigh(report, survey, partials, file, headcounts, cells, p)?)
        }
        _ => None,
    };
    report.population = Some(PopulationReport {
        headcounts_file: file.into(),
        headcount,
        respondents,
        response_rate: headcount.map(|n| respondents as f64 / n as f64),
        fpc,
        groups,
        groups_without_respondents,
        corrected_intervals,
        weighting,
        notes: vec![
            "response rates are published only for published groups",
            "fpc = sqrt((N - n) / (N - 1)); ci_fpc multiplies the t interval's half-width by it, and for shares uses the Wilson interval on n / fpc^2",
            "weights: raking (iterative proportional fitting) of unit weights to the headcounts of each margin; weighted figures are for the whole organisation only, with standard errors on Kish's effective sample size",
        ],
    });
    Ok(())
}

/// The whole organisation's KPI and dimension intervals with the correction.
fn corrected(report: &Report, survey: &Survey, fpc: f64) -> Vec<CorrectedInterval> {
    let mut out = Vec::new();
    for (k, kpi) in report.kpis.iter().enumerate() {
        let (false, Some(v)) = (kpi.withheld, &kpi.value) else {
            continue;
        };
        let Some(ci) = v.ci else { continue };
        let share = matches!(survey.kpi_measures[k], KpiMeasure::Share { .. });
        let ci_fpc = match survey.kpi_measures[k] {
            KpiMeasure::Share { .. } => {
                if fpc > 0.0 {
                    wilson_ci_effective(v.value, v.n as f64 / (fpc * fpc), CONFIDENCE).ok()
                } else {
                    Some(Interval {
                        lower: v.value,
                        upper: v.value,
                    })
                }
            }
            KpiMeasure::CompositeMean { .. } => Some(shrink(v.value, ci, fpc)),
        };
        if let Some(ci_fpc) = ci_fpc {
            out.push(CorrectedInterval {
                of: "kpi",
                id: kpi.id.clone(),
                measure: if share { "share" } else { "mean" },
                value: v.value,
                ci,
                ci_fpc,
            });
        }
    }
    for d in &report.dimensions {
        if let (false, Some(f)) = (d.withheld, &d.figures) {
            if let Some(ci) = f.ci {
                out.push(CorrectedInterval {
                    of: "dimension",
                    id: d.id.clone(),
                    measure: "mean",
                    value: f.mean,
                    ci,
                    ci_fpc: shrink(f.mean, ci, fpc),
                });
            }
        }
    }
    out
}

fn shrink(centre: f64, ci: Interval, fpc: f64) -> Interval {
    Interval {
        lower: centre - (centre - ci.lower) * fpc,
        upper: centre + (ci.upper - centre) * fpc,
    }
}

fn weigh(
    report: &Report,
    survey: &Survey,
    partials: &Partials,
    file: &str,
    headcounts: &[Headcount],
    cells: &CellMoments,
    population: &engage_model::Population,
) -> Result<Weighting, PopulationError> {
    // Per margin: each cell's category (its group among those with a headcount) and targets.
    assert_eq!(
        cells.segments,
        rake_segments(survey),
        "weighting cells must be those of the rake segments"
    );
    let mut categories: Vec<Vec<Option<usize>>> = Vec::new();
    let mut targets: Vec<Vec<f64>> = Vec::new();
    let mut withheld_reason = None;
    for (margin, id) in population.rake.iter().enumerate() {
        let s = cells.segments[margin];
        let cut = partials
            .cuts
            .iter()
            .find(|c| c.segment == Some(s))
            .expect("every segment has a cut");
        // Level → category: every non-missing level needs a headcount.
        let mut level_category = vec![None; cut.levels.len()];
        let mut t = Vec::new();
        for (level, l) in cut.levels.iter().enumerate() {
            if l.key.is_empty() {
                continue;
            }
            let h = headcounts
                .iter()
                .find(|h| &h.segment == id && h.group == l.key)
                .ok_or_else(|| PopulationError::Raking {
                    file: file.into(),
                    segment: id.clone(),
                    group: l.key.clone(),
                    problem: "has respondents but no headcount".into(),
                })?;
            level_category[level] = Some(t.len());
            t.push(h.headcount as f64);
        }
        if let Some(h) = headcounts
            .iter()
            .filter(|h| &h.segment == id && h.headcount > 0)
            .find(|h| !cut.levels.iter().any(|l| l.key == h.group))
        {
            return Err(PopulationError::Raking {
                file: file.into(),
                segment: id.clone(),
                group: h.group.clone(),
                problem: format!(
                    "has a headcount of {} but no respondents: merge it with a neighbour in the file or rake without `{id}`",
                    h.headcount
                ),
            });
        }
        if withheld_reason.is_none() {
            if let Some(g) = report
                .segments
                .iter()
                .find(|x| &x.id == id)
                .and_then(|x| x.groups.iter().find(|g| g.suppressed))
            {
                withheld_reason = Some(format!(
                    "group `{}` of the margin `{id}` is withheld in this report: weighted totals over it could be subtracted from the published ones",
                    if g.key.is_empty() { "(missing)" } else { &g.key }
                ));
            }
        }
        categories.push(
            cells
                .levels
                .iter()
                .map(|codes| level_category[codes[margin] as usize])
                .collect(),
        );
        targets.push(t);
    }
    let margins: Vec<Margin<'_>> = categories
        .iter()
        .zip(&targets)
        .map(|(c, t)| Margin {
            categories: c,
            targets: t,
        })
        .collect();
    let raked = rake(
        &margins,
        &cells.respondents,
        population.max_iterations,
        population.tolerance,
    )
    .map_err(|e| PopulationError::Raking {
        file: file.into(),
        segment: population.rake.join(", "),
        group: String::new(),
        problem: e.to_string(),
    })?;
    let weighted: Vec<(usize, f64)> = raked
        .weights
        .iter()
        .enumerate()
        .filter_map(|(c, w)| w.map(|w| (c, w)))
        .collect();
    let everyone: Vec<WeightedGroup> = weighted
        .iter()
        .map(|&(c, weight)| WeightedGroup {
            weight,
            n: cells.respondents[c],
            sum: 0.0,
            squares_about_mean: 0.0,
        })
        .collect();
    let effective_n = kish_effective_n(&everyone);
    let withheld = withheld_reason.is_some();
    // One variable's groups: the weighted cells, by its moments there (scaled integers / scale).
    let groups = |moments: &dyn Fn(usize) -> ScaledMoments, scale: f64| -> Vec<WeightedGroup> {
        weighted
            .iter()
            .map(|&(c, weight)| (moments(c), weight))
            .filter(|(m, _)| m.n > 0)
            .map(|(m, weight)| WeightedGroup {
                weight,
                n: m.n,
                sum: m.sum as f64 / scale,
                squares_about_mean: m.n_times_squares_about_mean() as f64
                    / (m.n as f64 * scale * scale),
            })
            .collect()
    };
    let figure =
        |id: &str, label: &Label, groups: Vec<WeightedGroup>, share: bool, unweighted: f64| {
            if share {
                weighted_share(&groups, CONFIDENCE)
                    .ok()
                    .map(|s| WeightedFigure {
                        id: id.into(),
                        label: label.clone(),
                        measure: "share",
                        unweighted,
                        value: s.share,
                        se: s.se,
                        ci: s.ci,
                        effective_n: s.effective_n,
                    })
            } else {
                weighted_mean(&groups, CONFIDENCE)
                    .ok()
                    .map(|m| WeightedFigure {
                        id: id.into(),
                        label: label.clone(),
                        measure: "mean",
                        unweighted,
                        value: m.mean,
                        se: m.se,
                        ci: m.ci,
                        effective_n: m.effective_n,
                    })
            }
        };
    let (mut kpis, mut dimensions, mut items) = (Vec::new(), Vec::new(), Vec::new());
    if !withheld {
        for (k, kpi) in report.kpis.iter().enumerate() {
            if let (false, Some(v)) = (kpi.withheld, &kpi.value) {
                let share = matches!(survey.kpi_measures[k], KpiMeasure::Share { .. });
                let groups = groups(&|c| *cells.kpi(c, k), cells.kpi_scale(k));
                kpis.extend(figure(&kpi.id, &kpi.label, groups, share, v.value));
            }
        }
        for (d, dim) in report.dimensions.iter().enumerate() {
            if let (false, Some(f)) = (dim.withheld, &dim.figures) {
                let groups = groups(&|c| *cells.dimension(c, d), cells.dimension_scale(d));
                dimensions.extend(figure(&dim.id, &dim.label, groups, false, f.mean));
            }
        }
        for (i, item) in report.items.iter().enumerate() {
            if let (false, Some(f)) = (item.withheld, &item.figures) {
                let groups = groups(&|c| *cells.item(c, i), 1.0);
                items.extend(figure(&item.id, &item.label, groups, false, f.mean));
            }
        }
    }
    let n_weighted: u64 = everyone.iter().map(|g| g.n).sum();
    let all_respondents: u64 = cells.respondents.iter().sum();
    let without_weight = all_respondents - n_weighted;
    // Each margin's blank group, where someone left it blank: whether the report publishes it.
    let blank_groups: Vec<bool> = population
        .rake
        .iter()
        .filter_map(|id| {
            report
                .segments
                .iter()
                .find(|s| &s.id == id)
                .and_then(|s| s.groups.iter().find(|g| g.value.is_empty()))
                .map(|g| !g.suppressed)
        })
        .collect();
    // The rows without weight are the blanks of every margin together: a published count only
    // when there are none, or they are one margin's blank group and the report publishes it.
    let rows_published = without_weight == 0 || blank_groups == [true];
    Ok(Weighting {
        margins: population.rake.clone(),
        iterations: raked.iterations,
        converged: raked.converged,
        max_relative_error: raked.max_relative_error,
        rows_weighted: rows_published.then_some(n_weighted),
        rows_without_weight: rows_published.then_some(without_weight),
        effective_n,
        design_effect: if effective_n > 0.0 {
            n_weighted as f64 / effective_n
        } else {
            f64::NAN
        },
        weight_min: weighted
            .iter()
            .map(|&(_, w)| w)
            .fold(f64::INFINITY, f64::min),
        weight_max: weighted.iter().map(|&(_, w)| w).fold(0.0, f64::max),
        withheld,
        withheld_reason,
        kpis,
        dimensions,
        items,
    })
}

//! Assembles the [`Report`] from a survey, its partials and the ingest accounting.

use engage_aggregate::{GroupPartial, Partials};
use engage_model::{Label, Survey};
use engage_stats::{rank_descending_min, wilson_ci, CONFIDENCE};

use crate::figures::{item_figures, kpi_value, score_figures};
use crate::model::*;
use crate::suppression::{decide_release, Measure, ReleaseDecisions, SuppressionMode};

/// What the report says about its inputs; filled in by the caller that read them.
/// Where the figures come from; also carried inside partial files so a merged report keeps
/// every shard's accounting.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    pub definition: InputFile,
    pub data: Vec<DataFile>,
    pub problems: usize,
    pub problem_counts: Vec<ProblemTally>,
    pub unused_columns: Vec<String>,
}

/// Counts figures withheld inside published groups (and in the whole organisation).
#[derive(Default)]
struct Withholding {
    primary: usize,
    complementary: usize,
    /// Pooled dimension shares withheld in a published dimension of a published group.
    pooled_shares: usize,
}

impl Withholding {
    /// `figures` unless the decision withholds them; counts the withholding unless the whole
    /// group is withheld (counted as a group).
    fn apply<T>(
        &mut self,
        figures: Option<T>,
        decision: Option<Suppression>,
        group_withheld: bool,
    ) -> (bool, Option<T>) {
        match decision {
            None => (false, figures),
            Some(why) => {
                if !group_withheld {
                    match why {
                        Suppression::Primary => self.primary += 1,
                        Suppression::Complementary => self.complementary += 1,
                    }
                }
                (true, None)
            }
        }
    }
}

/// The report with full suppression: the only kind meant for publication.
pub fn build_report(survey: &Survey, partials: &Partials, provenance: Provenance) -> Report {
    build_report_with(survey, partials, provenance, SuppressionMode::Full)
}

pub fn build_report_with(
    survey: &Survey,
    partials: &Partials,
    provenance: Provenance,
    mode: SuppressionMode,
) -> Report {
    let def = &survey.definition;
    let min = survey.min_group_size();
    let decisions = decide_release(survey, partials, mode);
    let mut w = Withholding::default();
    let overall = partials.overall();
    let overall_withheld = decisions.groups[0][0].is_some();

    // The whole organisation's figures go through the same withholding as any group's.
    let whole = group_figures(survey, overall, (0, 0), &decisions, &mut w);
    let kpis = def
        .kpis
        .iter()
        .zip(whole.kpis)
        .enumerate()
        .map(|(k, (kpi, figure))| KpiFigure {
            id: figure.id,
            label: Label::new(&kpi.ja, &kpi.en),
            kind: kpi.kind,
            interval_method: match kpi.kind {
                engage_model::KpiKind::Mean => "t",
                engage_model::KpiKind::Share => "wilson",
            },
            baseline: kpi.baseline,
            target: kpi.target,
            withheld: figure.withheld,
            tracking: figure
                .value
                .as_ref()
                .and_then(|v| crate::tracking::kpi_tracking(survey, k, overall, v)),
            value: figure.value,
        })
        .collect();
    let dimensions: Vec<DimensionFigure> = def
        .dimensions
        .iter()
        .zip(whole.dimensions)
        .enumerate()
        .map(|(d, (dim, figure))| DimensionFigure {
            id: figure.id,
            label: Label::new(&dim.ja, &dim.en),
            items: survey.composites[d]
                .items
                .iter()
                .map(|&i| def.items[i].id.get_ref().clone())
                .collect(),
            min_answered: survey.composites[d].min_answered,
            withheld: figure.withheld,
            figures: figure.figures,
            reliability: crate::reliability::dimension_reliability(
                survey,
                d,
                overall,
                if overall_withheld {
                    u64::MAX
                } else {
                    u64::from(min)
                },
            ),
        })
        .collect();
    let items = def
        .items
        .iter()
        .zip(whole.items)
        .map(|(item, figure)| ItemFigure {
            id: figure.id,
            label: Label::new(&item.ja, &item.en),
            dimension: item.dimension.as_ref().map(|d| d.get_ref().clone()),
            reverse: item.reverse,
            withheld: figure.withheld,
            figures: figure.figures,
        })
        .collect();

    let mut primary = 0;
    let mut complementary = 0;
    let mut segments = Vec::new();
    for (c, cut) in partials.cuts.iter().enumerate() {
        let Some(s) = cut.segment else { continue };
        let cut_of = |link: Option<usize>| {
            link.and_then(|p| partials.cuts.iter().find(|pc| pc.segment == Some(p)))
        };
        let parent_cut = cut_of(survey.segment_parents[s]);
        let across_cut = cut_of(survey.segment_across[s]);
        let mut groups = Vec::new();
        for (g, level) in cut.levels.iter().enumerate() {
            let group = &cut.groups[g];
            if group.respondents == 0 {
                continue;
            }
            let suppression = decisions.groups[c][g];
            match suppression {
                Some(Suppression::Primary) => primary += 1,
                Some(Suppression::Complementary) => complementary += 1,
                None => {}
            }
            let mut report = group_report(
                survey,
                level,
                (
                    parent_cut.map(|pc| &pc.levels),
                    across_cut.map(|bc| &bc.levels),
                ),
                group,
                (c, g),
                &decisions,
                &mut w,
            );
            if let (Some(pc), Some(bc)) = (parent_cut, across_cut) {
                // A cross's group is named by both values: "政策局 × 30代".
                let (a, b) = (
                    value_label(&pc.levels[level.parent.unwrap_or(0)].value),
                    value_label(&bc.levels[level.across.unwrap_or(0)].value),
                );
                report.label = Label {
                    ja: format!("{} × {}", a.ja, b.ja),
                    en: format!("{} × {}", a.en, b.en),
                };
            }
            groups.push(report);
        }
        segments.push(SegmentReport {
            id: survey.segment_id(s).to_string(),
            label: survey.segment_label(s),
            parent: survey.segment_parents[s].map(|p| survey.segment_id(p).to_string()),
            across: survey.segment_across[s].map(|b| survey.segment_id(b).to_string()),
            groups,
        });
    }

    let multi_select = def
        .multi_select
        .iter()
        .enumerate()
        .map(|(q, question)| {
            let counts = &overall.multi[q];
            let decision = decisions.figure(Measure::MultiSelect(q), 0, 0);
            let (withheld, _) = w.apply(Some(()), decision, overall_withheld);
            // The exclusive "none" option is shown but not ranked among the real choices.
            let none = survey.none_options[q];
            let ranked: Vec<usize> = (0..question.options.len())
                .filter(|&o| Some(o) != none)
                .collect();
            let ranked_counts: Vec<u64> = ranked.iter().map(|&o| counts.options[o]).collect();
            let mut ranks = vec![None; question.options.len()];
            for (&o, r) in ranked.iter().zip(rank_descending_min(&ranked_counts)) {
                ranks[o] = Some(r);
            }
            let options = if withheld || counts.base == 0 {
                Vec::new()
            } else {
                question
                    .options
                    .iter()
                    .enumerate()
                    .map(|(o, option)| OptionFigure {
                        id: option.id.get_ref().clone(),
                        label: Label::new(&option.ja, &option.en),
                        exclusive: none == Some(o),
                        count: counts.options[o],
                        share: counts.options[o] as f64 / counts.base as f64,
                        ci: wilson_ci(counts.options[o], counts.base, CONFIDENCE)
                            .expect("base > 0"),
                        rank: ranks[o],
                    })
                    .collect()
            };
            let min_n = if withheld { u64::MAX } else { u64::from(min) };
            MultiSelectFigure {
                id: question.id.get_ref().clone(),
                label: Label::new(&question.ja, &question.en),
                max_picks: question.max_picks,
                base: (!withheld).then_some(counts.base),
                skipped: (!withheld).then_some(overall.respondents - counts.base),
                withheld,
                options,
                co_picked: if withheld {
                    Vec::new()
                } else {
                    crate::multi_depth::co_picks(survey, q, overall, min_n)
                },
                kpi_gaps: crate::multi_depth::kpi_gaps(survey, q, overall, min_n),
                by_segment: if withheld {
                    Vec::new()
                } else {
                    crate::multi_depth::by_segment(survey, q, partials, &decisions)
                },
            }
        })
        .collect();

    let drivers = crate::drivers::kpi_drivers(
        survey,
        overall,
        &dimensions,
        if overall_withheld {
            u64::MAX
        } else {
            u64::from(min)
        },
    );

    let read: usize = provenance.data.iter().map(|d| d.rows_read).sum();
    let accepted: usize = provenance.data.iter().map(|d| d.rows_accepted).sum();
    let rejected: usize = provenance.data.iter().map(|d| d.rows_rejected).sum();
    Report {
        schema_version: SCHEMA_VERSION,
        engine: Engine {
            name: "engage".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        survey: SurveyInfo {
            id: def.survey.id.clone(),
            title: survey.survey_label(),
            wave: def.wave.clone(),
            scale: ScaleInfo {
                min: def.scale.min,
                max: def.scale.max,
                favourable: def.scale.favourable.clone(),
                unfavourable: def.scale.unfavourable.clone(),
                labels: def
                    .scale
                    .labels
                    .iter()
                    .map(|l| PointInfo {
                        value: l.value,
                        label: Label::new(&l.ja, &l.en),
                    })
                    .collect(),
            },
            min_group_size: min,
            confidence_level: CONFIDENCE,
        },
        inputs: Inputs {
            definition: provenance.definition,
            data: published_files(survey, provenance.data, &segments),
        },
        responses: Responses {
            read,
            accepted,
            rejected,
            problems: provenance.problems,
            problem_counts: provenance.problem_counts,
            unused_columns: provenance.unused_columns,
        },
        kpis,
        dimensions,
        items,
        segments,
        multi_select,
        drivers,
        suppression: SuppressionSummary {
            mode: mode.as_str(),
            min_group_size: min,
            groups_withheld_primary: primary,
            groups_withheld_complementary: complementary,
            figures_withheld_primary: w.primary,
            figures_withheld_complementary: w.complementary,
            pooled_shares_withheld: w.pooled_shares,
        },
        population: None,
        previous_wave: None,
        free_text: None,
    }
}

/// KPI, dimension and item figures of one group, each withheld as decided for its own count
/// (which includes the group being withheld whole).
struct GroupFigures {
    kpis: Vec<GroupKpi>,
    dimensions: Vec<GroupScore>,
    items: Vec<GroupItem>,
}

fn group_figures(
    survey: &Survey,
    group: &GroupPartial,
    (cut, g): (usize, usize),
    decisions: &ReleaseDecisions,
    w: &mut Withholding,
) -> GroupFigures {
    let def = &survey.definition;
    let group_withheld = decisions.groups[cut][g].is_some();
    let decision = |m: Measure| decisions.figure(m, cut, g);
    let kpis = def
        .kpis
        .iter()
        .enumerate()
        .map(|(k, kpi)| {
            let value = kpi_value(survey, k, group, kpi.baseline, kpi.target);
            let (withheld, value) = w.apply(value, decision(Measure::Kpi(k)), group_withheld);
            GroupKpi {
                id: kpi.id.get_ref().clone(),
                withheld,
                value,
            }
        })
        .collect();
    let dimensions = def
        .dimensions
        .iter()
        .enumerate()
        .map(|(d, dim)| {
            let figures = score_figures(survey, d, group);
            let (withheld, mut figures) =
                w.apply(figures, decision(Measure::Dimension(d)), group_withheld);
            // The pooled shares add up the items' answers: with one item withheld here and
            // the others published, they would pin its answers. They go with it.
            let item_withheld = survey.composites[d]
                .items
                .iter()
                .any(|&i| decision(Measure::Item(i)).is_some());
            if let (Some(f), true) = (figures.as_mut(), item_withheld) {
                (f.favourable, f.neutral, f.unfavourable) = (None, None, None);
                w.pooled_shares += 1;
            }
            GroupScore {
                id: dim.id.get_ref().clone(),
                withheld,
                figures,
            }
        })
        .collect();
    let items = def
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let figures = item_figures(survey, i, &group.items[i]);
            let (withheld, figures) = w.apply(figures, decision(Measure::Item(i)), group_withheld);
            GroupItem {
                id: item.id.get_ref().clone(),
                withheld,
                figures,
            }
        })
        .collect();
    GroupFigures {
        kpis,
        dimensions,
        items,
    }
}

/// A group's label: its value as written, or 未回答 for the missing-value group.
fn value_label(value: &str) -> Label {
    if value.is_empty() {
        Label::new("未回答", "No answer")
    } else {
        Label::new(value, value)
    }
}

type Levels = Vec<engage_aggregate::GroupLevel>;

/// One group of a segment; `parent_levels` and `across_levels` are the groups of the segments
/// it is nested in or crossed with.
fn group_report(
    survey: &Survey,
    level: &engage_aggregate::GroupLevel,
    (parent_levels, across_levels): (Option<&Levels>, Option<&Levels>),
    group: &GroupPartial,
    at: (usize, usize),
    decisions: &ReleaseDecisions,
    w: &mut Withholding,
) -> GroupReport {
    let suppression = decisions.groups[at.0][at.1];
    let label = value_label(&level.value);
    // A nested segment's missing value sits under the parent's missing group (level 0).
    let parent_key = parent_levels.map(|l| l[level.parent.unwrap_or(0)].key.clone());
    let across_key = across_levels.map(|l| l[level.across.unwrap_or(0)].key.clone());
    let suppressed = suppression.is_some();
    let figures = group_figures(survey, group, at, decisions, w);
    GroupReport {
        key: level.key.clone(),
        value: level.value.clone(),
        label,
        parent_key,
        across_key,
        suppressed,
        suppression,
        respondents: (!suppressed).then_some(group.respondents),
        kpis: figures.kpis,
        dimensions: figures.dimensions,
        items: figures.items,
    }
}

/// The files' accounting as published: a file whose name gives a withheld group of an `@file`
/// segment has its rows withheld (they are that group's size).
fn published_files(
    survey: &Survey,
    files: Vec<crate::DataFile>,
    segments: &[SegmentReport],
) -> Vec<crate::PublishedFile> {
    let from_file_names: Vec<&SegmentReport> = survey
        .definition
        .segments
        .iter()
        .filter(|s| s.column == engage_model::FILE_SEGMENT_COLUMN)
        .filter_map(|s| segments.iter().find(|r| &r.id == s.id.get_ref()))
        .collect();
    files
        .into_iter()
        .map(|d| {
            let stem = std::path::Path::new(&d.path)
                .file_stem()
                .map(|s| engage_model::normalize_text(&s.to_string_lossy()))
                .unwrap_or_default();
            let withheld = from_file_names
                .iter()
                .any(|s| s.groups.iter().any(|g| g.value == stem && g.suppressed));
            let shown = |rows: usize| (!withheld).then_some(rows);
            crate::PublishedFile {
                rows_read: shown(d.rows_read),
                rows_accepted: shown(d.rows_accepted),
                rows_rejected: shown(d.rows_rejected),
                path: d.path,
                sha256: d.sha256,
                format: d.format,
            }
        })
        .collect()
}

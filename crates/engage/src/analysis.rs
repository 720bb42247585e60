//! The analysis of one wave: one aggregation pass, the figures and their suppression, the key
//! drivers' bootstrap intervals, headcounts and weights, the free-text comments and the
//! earlier waves' tracking, in that order.

use std::path::PathBuf;

use engage_ingest::Ingested;
use engage_model::Survey;
use engage_report::{Report, SuppressionMode};

use crate::events::{part, say, Level, Progress};
use crate::inputs::{on_threads, provenance};
use crate::{Error, Result};

/// How to analyse a wave.
#[derive(Debug, Clone)]
pub struct AnalysisOptions {
    /// Worker threads for the passes (default: all cores); `Some(1)` keeps one thread at work.
    pub threads: Option<usize>,
    /// Only [`SuppressionMode::Full`] is for publication.
    pub suppression: SuppressionMode,
    /// Definitions of earlier waves (read with the data files they name) for KPI tracking.
    pub earlier: Vec<PathBuf>,
    /// Export the masked comment text of published groups (the definition's
    /// `[text] export_comments` also turns it on).
    pub export_comments: bool,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            threads: None,
            suppression: SuppressionMode::Full,
            earlier: Vec::new(),
            export_comments: false,
        }
    }
}

/// Everything a report computes from these rows, computed and dropped: whatever would stop
/// `report` after reading (raking to a group without respondents, an unreadable headcounts
/// file, the comments' masking names file...) stops `validate` too, and nothing is written.
pub fn check_analysis(survey: &Survey, ingested: &Ingested, progress: &dyn Progress) -> Result<()> {
    analyse(survey, ingested, &AnalysisOptions::default(), progress).map(drop)
}

/// What [`engage_text::Analyser::find`] gives: the analyser, and why IPADIC is missing if it is.
type FoundAnalyser = std::result::Result<
    (engage_text::Analyser, Option<engage_text::TextError>),
    engage_text::TextError,
>;

/// The report of one wave's rows. The comments' dictionary loads on a thread of its own while
/// the rows are aggregated: from its cache it takes about 0.1 s and needs nothing the
/// aggregation makes. With one thread it loads when needed, so one thread works at a time.
pub fn analyse(
    survey: &Survey,
    ingested: &Ingested,
    options: &AnalysisOptions,
    progress: &dyn Progress,
) -> Result<Report> {
    let user_terms = &survey.definition.text.user_terms;
    let find = || engage_text::Analyser::find(user_terms);
    let beside = !survey.definition.free_text.is_empty() && options.threads != Some(1);
    std::thread::scope(|scope| {
        let loading = beside.then(|| scope.spawn(find));
        let analyser = move || match loading {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => find(),
        };
        analyse_with(survey, ingested, options, analyser, progress)
    })
}

/// One aggregation pass, the figures, then the bootstrap intervals of the key drivers, which
/// resample the respondents' rows (so only a run over the data, not a merge, has them).
fn analyse_with(
    survey: &Survey,
    ingested: &Ingested,
    options: &AnalysisOptions,
    analyser: impl FnOnce() -> FoundAnalyser,
    progress: &dyn Progress,
) -> Result<Report> {
    let provenance = {
        let _part = part(progress, "provenance");
        provenance(survey, ingested)?
    };
    let (mut report, partials) = on_threads(options.threads, || {
        let partials = {
            let _part = part(progress, "the aggregation pass");
            engage_aggregate::aggregate(survey, &ingested.table)
        };
        let mut report = {
            let _part = part(progress, "the figures and suppression");
            engage_report::build_report_with(survey, &partials, provenance, options.suppression)
        };
        let rows_of = |requests: &[engage_aggregate::DriverRequest]| {
            engage_aggregate::driver_rows_of_kpis(survey, &ingested.table, requests)
        };
        let _part = part(progress, "the driver bootstrap");
        engage_report::add_bootstrap_intervals(&mut report, survey, partials.overall(), &rows_of);
        (report, partials)
    })?;
    {
        let _part = part(progress, "headcounts and weights");
        // Raking needs every variable's moments per cell of its margins: the partials' groups
        // when the margins are one segment or a cross's two, else one more pass.
        let rake_segments = engage_report::rake_segments(survey);
        let cells = match rake_segments.as_slice() {
            [] => None,
            rake => match engage_aggregate::cells_from_partials(survey, &partials, rake) {
                Some(cells) => Some(cells),
                None => Some(on_threads(options.threads, || {
                    engage_aggregate::cell_moments(survey, &ingested.table, rake)
                })??),
            },
        };
        add_headcounts(&mut report, survey, &partials, cells.as_ref())?;
    }
    {
        let _part = part(progress, "the free-text analysis");
        add_comments(&mut report, survey, ingested, options, analyser, progress)?;
    }
    if !options.earlier.is_empty() {
        let earlier = options
            .earlier
            .iter()
            .map(|path| {
                crate::compare::read_wave(path, Vec::new(), options.threads, false, progress)
            })
            .collect::<Result<Vec<_>>>()?;
        let waves: Vec<engage_report::EarlierWave<'_>> = earlier
            .iter()
            .map(|w| engage_report::EarlierWave {
                survey: &w.survey,
                partials: &w.partials,
                report: &w.report,
            })
            .collect();
        engage_report::add_wave_history(&mut report, survey, &partials, &waves);
        engage_report::add_previous_wave(&mut report, survey, &partials, &waves);
    }
    Ok(report)
}

/// The free-text analysis, when the definition has `[[free_text]]` columns: IPADIC when
/// installed (else the script-run fallback, said in a warning and in the report), one corpus
/// per column, then the report's section.
fn add_comments(
    report: &mut Report,
    survey: &Survey,
    ingested: &Ingested,
    options: &AnalysisOptions,
    analyser: impl FnOnce() -> FoundAnalyser,
    progress: &dyn Progress,
) -> Result<()> {
    let def = &survey.definition;
    if def.free_text.is_empty() {
        return Ok(());
    }
    let export = options.export_comments || def.text.export_comments;
    let (analyser, missing) = analyser().map_err(Error::Dictionary)?;
    let missing = match missing {
        Some(why) if export => return Err(Error::NoDictionaryToMask(why)),
        missing => missing,
    };
    if let Some(why) = &missing {
        say(
            progress,
            Level::Warning,
            format!("comments: {why}; words are cut where the script changes instead (no dictionary forms, no names found); see docs/free-text.md"),
        );
    }
    say(
        progress,
        Level::Info,
        format!("comments: {}", analyser.description),
    );
    let options_text = engage_text::CorpusOptions {
        extra_stop_words: def.text.stop_words.clone(),
        categories: def
            .text
            .categories
            .iter()
            .map(|c| engage_text::CategoryRule {
                terms: c.terms.clone(),
                patterns: c.patterns.clone(),
            })
            .collect(),
        mask: export,
        mask_rules: mask_rules(survey, ingested)?,
    };
    let table = &ingested.table;
    let corpora: Vec<engage_text::Corpus> = on_threads(options.threads, || {
        use rayon::prelude::*;
        table
            .comments
            .par_iter()
            .map(|column| engage_text::Corpus::build(column, &analyser, &options_text))
            .collect()
    })?;
    let kpi_values = engage_aggregate::kpi_values(survey, table);
    engage_report::add_free_text(
        report,
        survey,
        table,
        &engage_report::FreeTextInput {
            corpora: &corpora,
            analyser: analyser.description.clone(),
            dictionary: missing.is_none(),
            export_comments: export,
            kpi_values: &kpi_values,
        },
    );
    Ok(())
}

/// `[population]`'s figures when the definition names a headcount file: response rates and
/// corrected intervals from counts, weights only when `cells` (the raking cells' moments:
/// from the partials for one segment or a cross's two, else from the respondents' rows) are
/// given. Shared by the analysis of rows and the merge of partials.
pub(crate) fn add_headcounts(
    report: &mut Report,
    survey: &Survey,
    partials: &engage_aggregate::Partials,
    cells: Option<&engage_aggregate::CellMoments>,
) -> Result<()> {
    let (Some(path), Some(population)) = (
        survey.headcounts_path(),
        survey.definition.population.as_ref(),
    ) else {
        return Ok(());
    };
    let headcounts: Vec<engage_report::Headcount> = engage_ingest::read_headcounts(&path)?
        .into_iter()
        .map(|h| engage_report::Headcount {
            segment: h.segment,
            group: h.group,
            headcount: h.headcount,
            row: h.row,
        })
        .collect();
    engage_report::add_population(
        report,
        survey,
        partials,
        &population.headcounts,
        &headcounts,
        cells,
    )?;
    Ok(())
}

/// What the comments' masking takes for names and identifiers: the definition's suffixes,
/// names (and its private names file), patterns, and words that are never names, to which
/// every segment value is added (a unit name such as 総務課 is not a surname before 課長).
fn mask_rules(survey: &Survey, ingested: &Ingested) -> Result<engage_text::MaskRules> {
    let text = &survey.definition.text;
    let mut names = text.mask_names.clone();
    if let Some(path) = survey.mask_names_path() {
        let list = std::fs::read_to_string(&path).map_err(|source| Error::ReadFile {
            path: path.clone(),
            source,
        })?;
        names.extend(
            list.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    let mut not_names = text.not_names.clone();
    for segment in &ingested.table.segments {
        not_names.extend(
            segment
                .levels
                .iter()
                .map(|l| l.value.clone())
                .filter(|v| !v.is_empty()),
        );
    }
    engage_text::MaskRules::new(&text.name_suffixes, &names, &not_names, &text.mask_patterns)
        .map_err(Error::MaskRules)
}

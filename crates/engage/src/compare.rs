//! Two waves side by side: each read and reported with full suppression, then the changes of
//! every KPI, dimension, item and group, and the paired tests when both kept their rows.

use std::path::{Path, PathBuf};

use engage_report::Comparison;

use crate::events::{say, Level, Progress};
use crate::inputs::{on_threads, provenance};
use crate::outputs::create_dir;
use crate::{Error, OutputOptions, Result};

/// One wave read and reported, with its rows' ids and values when a paired comparison needs
/// them.
pub struct Wave {
    pub survey: engage_model::Survey,
    pub partials: engage_aggregate::Partials,
    pub report: engage_report::Report,
    /// The files read for this wave: a comparison is never written over them.
    pub inputs: Vec<PathBuf>,
    /// Respondent id fingerprints and values, for a paired comparison.
    pub rows: Option<(
        Vec<Option<std::num::NonZeroU128>>,
        engage_aggregate::RespondentValues,
    )>,
}

/// Reads, aggregates and reports one wave with full suppression (a comparison's waves and a
/// report's earlier waves); `keep_rows` keeps what a paired comparison needs.
pub fn read_wave(
    definition: &Path,
    data: Vec<PathBuf>,
    threads: Option<usize>,
    keep_rows: bool,
    progress: &dyn Progress,
) -> Result<Wave> {
    let survey = crate::load_survey(definition, false)?;
    let data = crate::data_paths(&survey, data);
    let ingested = crate::read_responses(&survey, &data, threads, 3, progress)?;
    let mut wave = wave_from(survey, &ingested, threads, keep_rows)?;
    wave.inputs = crate::input_files(&wave.survey, &data);
    Ok(wave)
}

/// [`read_wave`] on data already read (a batch reads each input once).
pub fn wave_from(
    survey: engage_model::Survey,
    ingested: &engage_ingest::Ingested,
    threads: Option<usize>,
    keep_rows: bool,
) -> Result<Wave> {
    let provenance = provenance(&survey, ingested)?;
    let (partials, report) = on_threads(threads, || {
        let partials = engage_aggregate::aggregate(&survey, &ingested.table);
        let report = engage_report::build_report(&survey, &partials, provenance);
        (partials, report)
    })?;
    let rows = keep_rows.then(|| {
        let values = engage_aggregate::respondent_values(&survey, &ingested.table);
        (ingested.table.respondent_ids.clone(), values)
    });
    Ok(Wave {
        inputs: vec![survey.path.clone()],
        survey,
        partials,
        report,
        rows,
    })
}

/// A crosswalk file (`segment,a_key,b_key`) as the comparison reads it.
pub fn read_crosswalk(path: &Path) -> Result<Vec<engage_report::GroupLink>> {
    Ok(engage_ingest::read_crosswalk(path)?
        .into_iter()
        .map(|r| engage_report::GroupLink {
            segment: r.segment,
            a_key: r.a_key,
            b_key: r.b_key,
            row: r.row,
        })
        .collect())
}

/// Wave B against wave A (every difference is B minus A), with groups linked by `crosswalk`
/// (read from `crosswalk_path`, named in its errors), and the paired comparison when both
/// waves kept their rows.
pub fn compare_waves(
    a: &Wave,
    b: &Wave,
    crosswalk: &[engage_report::GroupLink],
    crosswalk_path: Option<&Path>,
    progress: &dyn Progress,
) -> Result<Comparison> {
    let in_crosswalk = |error: engage_report::CrosswalkError| Error::Crosswalk {
        path: crosswalk_path
            .unwrap_or(Path::new("crosswalk"))
            .to_path_buf(),
        error,
    };
    engage_report::check_crosswalk_segments(&a.report, &b.report, crosswalk)
        .map_err(in_crosswalk)?;
    let mut comparison = engage_report::compare_with(
        engage_report::WaveInput {
            survey: &a.survey,
            partials: &a.partials,
            report: &a.report,
        },
        engage_report::WaveInput {
            survey: &b.survey,
            partials: &b.partials,
            report: &b.report,
        },
        crosswalk,
    )
    .map_err(in_crosswalk)?;
    if let (Some((ids_a, values_a)), Some((ids_b, values_b))) = (&a.rows, &b.rows) {
        let paired = engage_report::paired_comparison(
            engage_report::PairedWave {
                survey: &a.survey,
                report: &a.report,
                ids: ids_a,
                values: values_a,
            },
            engage_report::PairedWave {
                survey: &b.survey,
                report: &b.report,
                ids: ids_b,
                values: values_b,
            },
            a.survey.min_group_size().max(b.survey.min_group_size()),
        )?;
        say(
            progress,
            Level::Info,
            format!(
                "paired: {} respondents in both waves ({} only in A, {} only in B)",
                paired.linked, paired.only_in_a, paired.only_in_b
            ),
        );
        comparison.paired = Some(paired);
    }
    Ok(comparison)
}

/// compare.json, compare.xlsx and the comparison's tables as CSV, Parquet and Arrow in `out`.
pub fn write_comparison(
    comparison: &Comparison,
    out: &Path,
    options: &OutputOptions,
    progress: &dyn Progress,
) -> Result<()> {
    create_dir(out)?;
    engage_export::write_json_value(comparison, &out.join("compare.json"))?;
    let tables = engage_export::comparison_tables(comparison, options.lang);
    engage_export::write_workbook(
        &tables,
        &out.join("compare.xlsx"),
        options.lang,
        options.created,
    )?;
    let csvs = engage_export::write_csv_tables_encoded(&tables, out, options.csv_encoding)?;
    engage_export::write_columnar_tables(&tables, out)?;
    say(
        progress,
        Level::Info,
        format!(
            "wrote compare.json, compare.xlsx and {} tables as CSV, parquet/ and arrow/",
            csvs.len(),
        ),
    );
    Ok(())
}

/// [`compare_waves`] then [`write_comparison`] into `out`, refused when `out` would hold either
/// wave's input files.
pub fn compare_and_write(
    a: &Wave,
    b: &Wave,
    crosswalk: &[engage_report::GroupLink],
    crosswalk_path: Option<&Path>,
    out: &Path,
    options: &OutputOptions,
    progress: &dyn Progress,
) -> Result<Comparison> {
    let mut inputs: Vec<PathBuf> = a.inputs.iter().chain(&b.inputs).cloned().collect();
    inputs.extend(crosswalk_path.map(Path::to_path_buf));
    crate::guard_output(out, true, &inputs)?;
    let release = crate::StagedRelease::begin(out)?;
    let comparison = compare_waves(a, b, crosswalk, crosswalk_path, progress)?;
    write_comparison(&comparison, release.dir(), options, progress)?;
    let files = release.commit()?;
    crate::outputs::say_released(out, files, progress);
    Ok(comparison)
}

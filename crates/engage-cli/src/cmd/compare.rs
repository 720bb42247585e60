//! `engage compare`: two waves -> compare.json, compare.xlsx and one CSV per table.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::cmd::report::LangArg;
use crate::exit::{Outcome, OK};
use crate::inputs::{data_paths, load_survey, on_threads, print_accounting, provenance};

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  engage compare fixtures/kumamoto-2023/survey.toml fixtures/kumamoto-2024/survey.toml --out out/2023-vs-2024\n  engage compare survey.toml --a-data r5.csv --b-data r6.csv --out out/r5-vs-r6\n\nA is the earlier wave; every difference is B minus A. Rows with problems are dropped as in\n`engage report` (see its rejects); run `engage validate` on each wave to see them.\nExit codes: 0 done, 1 cannot go on, 2 usage error."
)]
pub struct Args {
    /// Definition of wave A, then of wave B (omit B when one definition fits both waves'
    /// files, given with --a-data and --b-data).
    #[arg(num_args = 1..=2, required = true)]
    surveys: Vec<PathBuf>,
    /// Response file(s) of wave A; default: its definition's file.
    #[arg(long)]
    a_data: Vec<PathBuf>,
    /// Response file(s) of wave B; default: its definition's file.
    #[arg(long)]
    b_data: Vec<PathBuf>,
    /// Folder for the publishable outputs.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
    /// Worker threads for reading and aggregation (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Also compare the same respondents, linked by the definitions' respondent_id column:
    /// paired t test with d_z, Wilcoxon signed-rank, McNemar for shares.
    #[arg(long)]
    paired: bool,
    /// CSV `segment,a_key,b_key` mapping wave A's groups to wave B's after a reorganisation
    /// (renames, merges, splits); keys as in report.json's groups[].key.
    #[arg(long)]
    crosswalk: Option<PathBuf>,
}

/// One wave read and reported, with its rows' ids and values when a paired comparison needs
/// them.
pub struct Wave {
    pub survey: engage_model::Survey,
    pub partials: engage_aggregate::Partials,
    pub report: engage_report::Report,
    /// Respondent id fingerprints and values, for a paired comparison.
    pub rows: Option<(
        Vec<Option<std::num::NonZeroU128>>,
        engage_aggregate::RespondentValues,
    )>,
}

/// Reads, aggregates and reports one wave with full suppression (`engage compare`'s waves and
/// `engage report --earlier`).
pub fn wave(
    path: &Path,
    data: Vec<PathBuf>,
    threads: Option<usize>,
    keep_rows: bool,
) -> anyhow::Result<Wave> {
    let survey = load_survey(path, false)?;
    let data = data_paths(&survey, data);
    let ingested = on_threads(threads, || engage_ingest::read_responses(&survey, &data))??;
    print_accounting(&ingested, 3);
    wave_from(survey, &ingested, threads, keep_rows)
}

/// [`wave`] on data already read (`engage batch` reads each input once).
pub fn wave_from(
    survey: engage_model::Survey,
    ingested: &engage_ingest::Ingested,
    threads: Option<usize>,
    keep_rows: bool,
) -> anyhow::Result<Wave> {
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
        survey,
        partials,
        report,
        rows,
    })
}

pub fn run(args: Args) -> Outcome {
    let (path_a, path_b) = match args.surveys.as_slice() {
        [a] => {
            if args.a_data.is_empty() || args.b_data.is_empty() {
                bail!("with one definition, give each wave's files with --a-data and --b-data");
            }
            (a.clone(), a.clone())
        }
        [a, b] => (a.clone(), b.clone()),
        _ => unreachable!("clap takes one or two definitions"),
    };
    let crosswalk = match &args.crosswalk {
        None => Vec::new(),
        Some(path) => read_crosswalk(path)?,
    };
    let a = wave(&path_a, args.a_data, args.threads, args.paired)?;
    let b = wave(&path_b, args.b_data, args.threads, args.paired)?;
    compare_and_write(
        &a,
        &b,
        &crosswalk,
        args.crosswalk.as_deref(),
        &args.out,
        args.lang.lang(),
    )?;
    Ok(OK)
}

/// Compares two waves read and reported, adds the paired comparison when both kept their
/// rows, and writes compare.json, compare.xlsx and the CSV tables to `out`.
pub fn compare_and_write(
    a: &Wave,
    b: &Wave,
    crosswalk: &[engage_report::GroupLink],
    crosswalk_path: Option<&Path>,
    out: &Path,
    lang: engage_export::Lang,
) -> anyhow::Result<()> {
    let in_crosswalk = |e: engage_report::CrosswalkError| {
        let path = crosswalk_path.unwrap_or(Path::new("crosswalk"));
        anyhow::anyhow!("{}: {e}", path.display())
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
        crate::ui::say!(
            "paired: {} respondents in both waves ({} only in A, {} only in B)",
            paired.linked,
            paired.only_in_a,
            paired.only_in_b
        );
        comparison.paired = Some(paired);
    }

    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    engage_export::write_json_value(&comparison, &out.join("compare.json"))?;

    let tables = engage_export::comparison_tables(&comparison, lang);
    engage_export::write_workbook(
        &tables,
        &out.join("compare.xlsx"),
        lang,
        crate::inputs::created()?,
    )?;
    let csvs = engage_export::write_csv_tables(&tables, out)?;
    engage_export::write_columnar_tables(&tables, out)?;
    crate::ui::say!(
        "wrote compare.json, compare.xlsx and {} tables as CSV, parquet/ and arrow/ to {}",
        csvs.len(),
        out.display()
    );
    Ok(())
}

/// A crosswalk file as the comparison reads it.
pub fn read_crosswalk(path: &Path) -> anyhow::Result<Vec<engage_report::GroupLink>> {
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

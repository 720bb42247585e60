//! `engage report`: definition + responses -> report.json, report.xlsx and CSV tables.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::ValueEnum;
use engage_export::Lang;
use engage_ingest::Ingested;
use engage_model::Survey;
use engage_report::{Report, SuppressionMode};

use crate::exit::{Outcome, OK, PROBLEMS};
use crate::inputs::{data_paths, load_survey, on_threads, print_accounting, provenance};

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Ja,
    En,
}

impl LangArg {
    pub fn lang(self) -> Lang {
        match self {
            LangArg::Ja => Lang::Ja,
            LangArg::En => Lang::En,
        }
    }
}

/// `--suppression`: only `full` is for publication.
#[derive(Clone, Copy, ValueEnum)]
pub enum SuppressionArg {
    Full,
    /// Small cells only, no complementary cells: subtraction can recover them.
    PrimaryOnly,
    /// Nothing withheld.
    Off,
}

impl SuppressionArg {
    fn mode(self) -> SuppressionMode {
        match self {
            SuppressionArg::Full => SuppressionMode::Full,
            SuppressionArg::PrimaryOnly => SuppressionMode::PrimaryOnly,
            SuppressionArg::Off => SuppressionMode::Off,
        }
    }
}

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  engage report fixtures/kumamoto-2023/survey.toml --out out/kumamoto-2023\n  engage report survey.toml --data bureau-a.csv --data bureau-b.csv --out out/2023 --lang en\n\nExit codes: 0 done (problems are warnings), 1 cannot go on, 2 usage error,\n3 done, but --strict was given and problems were found (their rows were rejected)."
)]
pub struct Args {
    /// The survey definition (TOML).
    survey: PathBuf,
    /// Response file(s) or patterns such as 'bureaus/*.csv'; default: the definition's file.
    /// Repeat for several files.
    #[arg(long)]
    data: Vec<PathBuf>,
    /// Folder for the publishable outputs.
    #[arg(long)]
    out: PathBuf,
    /// Language of labels and sheet names.
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
    /// Text encoding of the CSV tables.
    #[arg(long, value_enum, default_value = "utf8")]
    csv_encoding: CsvEncodingArg,
    /// Every problem rejects its row, and any problem makes the run fail (exit code 3).
    #[arg(long)]
    strict: bool,
    /// Where rejected rows go (raw answers: never inside --out). Default: OUT-private/rejects.csv.
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Worker threads for reading and aggregation (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Anonymity protection. Anything but `full` exposes small groups: for internal checks
    /// (and for showing what `engage audit` catches), never for publication.
    #[arg(long, value_enum, default_value = "full")]
    suppression: SuppressionArg,
    /// Definition of an earlier wave (read with the data file it names). Repeat for several.
    /// KPI tracking then tests against the baseline wave's respondents (two-sample) and, with
    /// three or more years, fits the trend.
    #[arg(long)]
    earlier: Vec<PathBuf>,
    /// Also export the masked comment text of groups with at least `min_comment_group_size`
    /// comments (as `[text] export_comments = true`). Needs the IPADIC dictionary, which finds
    /// the names to mask.
    #[arg(long)]
    export_comments: bool,
}

/// Everything resolved before any work starts.
pub struct Plan {
    pub survey: Survey,
    pub data: Vec<PathBuf>,
    pub out: PathBuf,
    pub rejects: PathBuf,
    pub lang: Lang,
    pub csv_encoding: engage_export::CsvEncoding,
    pub strict: bool,
    pub threads: Option<usize>,
    pub suppression: SuppressionMode,
    pub earlier: Vec<PathBuf>,
    /// Also write one pack per published group of this segment (`engage batch`).
    pub packs: Option<String>,
    /// `--export-comments` (the definition's `[text] export_comments` also turns it on).
    pub export_comments: bool,
}

fn plan(args: Args) -> anyhow::Result<Plan> {
    let survey = load_survey(&args.survey, args.strict)?;
    let data = data_paths(&survey, args.data);
    let rejects = args.rejects.unwrap_or_else(|| default_rejects(&args.out));
    if is_inside(&rejects, &args.out) {
        bail!(
            "the rejects file {} would be inside the publishable folder {}; it holds raw answers, so give --rejects a path outside it",
            rejects.display(),
            args.out.display()
        );
    }
    Ok(Plan {
        survey,
        data,
        out: args.out,
        rejects,
        lang: args.lang.lang(),
        csv_encoding: args.csv_encoding.encoding(),
        strict: args.strict,
        threads: args.threads,
        suppression: args.suppression.mode(),
        earlier: args.earlier,
        packs: None,
        export_comments: args.export_comments,
    })
}

/// `out/kumamoto-2023` -> `out/kumamoto-2023-private/rejects.csv`.
pub fn default_rejects(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    out.with_file_name(format!("{name}-private"))
        .join("rejects.csv")
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

pub fn is_inside(path: &Path, dir: &Path) -> bool {
    absolute(path).starts_with(absolute(dir))
}

pub fn run(args: Args) -> Outcome {
    let plan = plan(args)?;
    let mut ingested = {
        let _step = crate::ui::step("reading the responses");
        on_threads(plan.threads, || {
            engage_ingest::read_responses(&plan.survey, &plan.data)
        })??
    };
    // A report links no respondents across waves (`compare --paired` does), so the id
    // fingerprints (16 bytes a row, 160 MB at ten million) are freed before the analysis.
    ingested.table.respondent_ids = Vec::new();
    print_accounting(&ingested, 10);
    execute(&plan, &ingested)
}

/// Everything after reading: rejects, the analysis, the outputs (and packs), warnings.
pub fn execute(plan: &Plan, ingested: &Ingested) -> Outcome {
    if is_inside(&plan.rejects, &plan.out) {
        bail!(
            "the rejects file {} would be inside the publishable folder {}; it holds raw answers, so give it a path outside it",
            plan.rejects.display(),
            plan.out.display()
        );
    }
    if !ingested.rejected.is_empty() {
        engage_export::write_rejects(&ingested.rejected, &plan.rejects)?;
        crate::ui::say!(
            "rejected rows written to {} (raw answers: keep it out of published folders)",
            plan.rejects.display()
        );
    }
    let report = {
        let _step = crate::ui::step("aggregating and computing the statistics");
        analyse(plan, ingested)?
    };
    {
        let _step = crate::ui::step("writing report.json, the workbook and the CSV tables");
        write_outputs(&report, &plan.out, plan.lang, plan.csv_encoding)?;
    }
    if let Some(segment) = &plan.packs {
        write_packs(&report, segment, &plan.out.join("packs"), plan.lang)?;
    }
    if plan.suppression != SuppressionMode::Full {
        crate::ui::warning!("WARNING: --suppression {}: {} exposes groups under the minimum of {}; do not publish it",
            plan.suppression.as_str(),
            plan.out.display(),
            plan.survey.min_group_size()
        );
    }
    if plan.strict && !ingested.problems.is_empty() {
        crate::ui::say!(
            "--strict: {} problem(s); {} row(s) rejected",
            ingested.problems.len(),
            ingested.rows_rejected()
        );
        return Ok(PROBLEMS);
    }
    Ok(OK)
}

/// What [`engage_text::Analyser::find`] gives: the analyser, and why IPADIC is missing if it is.
type FoundAnalyser =
    Result<(engage_text::Analyser, Option<engage_text::TextError>), engage_text::TextError>;

/// The analysis, with the comments' dictionary loaded on a thread of its own while the rows
/// are aggregated: from its cache it takes about 0.1 s, a fifth of the bundled survey's report,
/// and needs nothing the aggregation makes. With `--threads 1` it loads when needed, so that
/// one thread works at a time.
fn analyse(plan: &Plan, ingested: &Ingested) -> anyhow::Result<Report> {
    let user_terms = &plan.survey.definition.text.user_terms;
    let find = || engage_text::Analyser::find(user_terms);
    let beside = !plan.survey.definition.free_text.is_empty() && plan.threads != Some(1);
    std::thread::scope(|scope| {
        let loading = beside.then(|| scope.spawn(find));
        let analyser = move || match loading {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => find(),
        };
        analyse_with(plan, ingested, analyser)
    })
}

/// One aggregation pass, the figures, then the bootstrap intervals of the key drivers, which
/// resample the respondents' rows (so only a run over the data, not a merge, has them).
fn analyse_with(
    plan: &Plan,
    ingested: &Ingested,
    analyser: impl FnOnce() -> FoundAnalyser,
) -> anyhow::Result<Report> {
    let provenance = {
        let _part = crate::ui::part("  provenance");
        provenance(&plan.survey, ingested)?
    };
    let survey = &plan.survey;
    let (mut report, partials) = on_threads(plan.threads, || {
        let partials = {
            let _part = crate::ui::part("  the aggregation pass");
            engage_aggregate::aggregate(survey, &ingested.table)
        };
        let mut report = {
            let _part = crate::ui::part("  the figures and suppression");
            engage_report::build_report_with(survey, &partials, provenance, plan.suppression)
        };
        let rows_of = |requests: &[engage_aggregate::DriverRequest]| {
            engage_aggregate::driver_rows_of_kpis(survey, &ingested.table, requests)
        };
        let _part = crate::ui::part("  the driver bootstrap");
        engage_report::add_bootstrap_intervals(&mut report, survey, partials.overall(), &rows_of);
        (report, partials)
    })?;
    {
        let _part = crate::ui::part("  headcounts and weights");
        // Raking needs every variable's moments per cell of its margins: the partials' groups
        // when the margins are one segment or a cross's two, else one more pass.
        let rake_segments = engage_report::rake_segments(survey);
        let cells = match rake_segments.as_slice() {
            [] => None,
            rake => match engage_aggregate::cells_from_partials(survey, &partials, rake) {
                Some(cells) => Some(cells),
                None => Some(on_threads(plan.threads, || {
                    engage_aggregate::cell_moments(survey, &ingested.table, rake)
                })??),
            },
        };
        add_headcounts(&mut report, survey, &partials, cells.as_ref())?;
    }
    {
        let _part = crate::ui::part("  the free-text analysis");
        add_comments(&mut report, plan, ingested, analyser)?;
    }
    if !plan.earlier.is_empty() {
        let earlier = plan
            .earlier
            .iter()
            .map(|path| crate::cmd::compare::wave(path, Vec::new(), plan.threads, false))
            .collect::<anyhow::Result<Vec<_>>>()?;
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
    plan: &Plan,
    ingested: &Ingested,
    analyser: impl FnOnce() -> FoundAnalyser,
) -> anyhow::Result<()> {
    let survey = &plan.survey;
    let def = &survey.definition;
    if def.free_text.is_empty() {
        return Ok(());
    }
    let export = plan.export_comments || def.text.export_comments;
    let (analyser, missing) =
        analyser().context("cannot load the Japanese dictionary for the comments")?;
    if let Some(why) = &missing {
        if export {
            bail!(
                "exporting comments needs the IPADIC dictionary to find the names to mask: {why}"
            );
        }
        crate::ui::warning!(
            "comments: {why}; words are cut where the script changes instead (no dictionary forms, no names found); see docs/free-text.md"
        );
    }
    crate::ui::say!("comments: {}", analyser.description);
    let options = engage_text::CorpusOptions {
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
    };
    let table = &ingested.table;
    let corpora: Vec<engage_text::Corpus> = on_threads(plan.threads, || {
        use rayon::prelude::*;
        table
            .comments
            .par_iter()
            .map(|column| engage_text::Corpus::build(column, &analyser, &options))
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
/// given. Shared by `report` and `merge`.
pub fn add_headcounts(
    report: &mut Report,
    survey: &Survey,
    partials: &engage_aggregate::Partials,
    cells: Option<&engage_aggregate::CellMoments>,
) -> anyhow::Result<()> {
    let (Some(path), Some(population)) = (
        survey.headcounts_path(),
        survey.definition.population.as_ref(),
    ) else {
        return Ok(());
    };
    let headcounts = read_headcounts(&path)?;
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

/// The headcount file named in `[population]`, as the report reads it.
pub fn read_headcounts(path: &Path) -> anyhow::Result<Vec<engage_report::Headcount>> {
    Ok(engage_ingest::read_headcounts(path)?
        .into_iter()
        .map(|h| engage_report::Headcount {
            segment: h.segment,
            group: h.group,
            headcount: h.headcount,
            row: h.row,
        })
        .collect())
}

/// One folder per published group of `segment` (a bureau pack): its report.json and workbook
/// with only its own groups and the whole organisation's figures.
pub fn write_packs(report: &Report, segment: &str, dir: &Path, lang: Lang) -> anyhow::Result<()> {
    let Some(seg) = report.segments.iter().find(|s| s.id == segment) else {
        bail!("packs: `{segment}` is not a segment of the report");
    };
    let (mut written, mut withheld) = (0, 0);
    for g in &seg.groups {
        let Some(pack) = engage_report::pack(report, segment, &g.key) else {
            withheld += 1;
            continue;
        };
        let name: String = g
            .key
            .chars()
            .map(|c| {
                if matches!(c, '/' | '\\' | ':') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let name = if name.is_empty() {
            "_missing".to_string()
        } else {
            name
        };
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        engage_export::write_json(&pack, &folder.join("report.json"))?;
        let tables = engage_export::tables(&pack, lang);
        engage_export::write_report_workbook(
            &pack,
            &tables,
            &folder.join("report.xlsx"),
            lang,
            crate::inputs::created()?,
        )?;
        written += 1;
    }
    crate::ui::say!(
        "wrote {written} packs of `{segment}` to {} ({withheld} withheld groups have none)",
        dir.display()
    );
    Ok(())
}

/// `--csv-encoding`.
#[derive(Clone, Copy, Default, ValueEnum)]
pub enum CsvEncodingArg {
    /// UTF-8 with a byte-order mark (Excel on Japanese Windows opens it).
    #[default]
    Utf8,
    /// CP932 for older Excel.
    Cp932,
}

impl CsvEncodingArg {
    pub fn encoding(self) -> engage_export::CsvEncoding {
        match self {
            CsvEncodingArg::Utf8 => engage_export::CsvEncoding::Utf8Bom,
            CsvEncodingArg::Cp932 => engage_export::CsvEncoding::Cp932,
        }
    }
}

/// The publishable outputs: report.json, the workbook, the CSV tables and the same tables as
/// Parquet and Arrow IPC, the charts (SVG, and PNG when a Japanese font is installed) and the
/// one-file HTML report.
pub fn write_outputs(
    report: &Report,
    out: &Path,
    lang: Lang,
    csv: engage_export::CsvEncoding,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let created = crate::inputs::created()?;
    let tables = engage_export::tables(report, lang);
    // The files need nothing from each other but the tables and the charts: the workbook,
    // the other files and the charts (then the HTML, which inlines them) side by side.
    let ((workbook, files), charts) = rayon::join(
        || {
            rayon::join(
                || {
                    engage_export::write_report_workbook(
                        report,
                        &tables,
                        &out.join("report.xlsx"),
                        lang,
                        created,
                    )
                },
                || -> anyhow::Result<Vec<PathBuf>> {
                    engage_export::write_json(report, &out.join("report.json"))?;
                    let csvs = engage_export::write_csv_tables_encoded(&tables, out, csv)?;
                    engage_export::write_columnar_tables(&tables, out)?;
                    Ok(csvs)
                },
            )
        },
        || -> anyhow::Result<_> {
            let charts = engage_charts::report_charts(report, lang.code())
                .into_iter()
                .map(|spec| {
                    let svg = engage_charts::render_svg(&spec)?;
                    Ok((spec, svg))
                })
                .collect::<Result<Vec<_>, engage_charts::ChartError>>()?;
            let rasteriser = chart_rasteriser()?;
            let written =
                engage_charts::write_charts(&charts, &out.join("charts"), rasteriser.as_ref())?;
            engage_export::write_html_report(
                report,
                &tables,
                &charts,
                &out.join("report.html"),
                lang,
            )?;
            Ok(written)
        },
    );
    workbook?;
    let csvs = files?;
    let written = charts?;
    crate::ui::say!(
        "wrote report.json, report.xlsx, report.html, {} tables as CSV, parquet/ and arrow/, and {} charts as SVG and {} as PNG in charts/ to {}",
        csvs.len(),
        written.svg.len(),
        written.png.len(),
        out.display()
    );
    Ok(())
}

/// The PNG renderer with a Japanese font: `ENGAGE_CHART_FONT` when set (an error if it cannot
/// be used), else the system's fonts. With none that draws Japanese the PNGs are skipped with
/// a warning (the SVGs and the HTML report are still written): docs/charts.md.
fn chart_rasteriser() -> anyhow::Result<Option<engage_charts::Rasteriser>> {
    let extra = std::env::var_os("ENGAGE_CHART_FONT").map(PathBuf::from);
    match engage_charts::Rasteriser::new(extra.as_deref()) {
        Ok(r) => {
            let f = &r.font;
            crate::ui::emit(
                crate::ui::Level::Detail,
                &format!(
                    "PNG charts use the font {} ({})",
                    f.family,
                    f.path
                        .as_ref()
                        .map_or("given as bytes".into(), |p| p.display().to_string())
                ),
            );
            Ok(Some(r))
        }
        Err(e @ engage_charts::ChartError::NoJapaneseFont) => {
            crate::ui::warning!("PNG charts not written: {e}");
            Ok(None)
        }
        Err(e) => Err(e).context("ENGAGE_CHART_FONT"),
    }
}

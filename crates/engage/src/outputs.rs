//! Writing a finished report: every output kind into one folder, and bureau packs.

use std::path::{Path, PathBuf};

use engage_export::{Created, CsvEncoding, Lang};
use engage_report::Report;

use crate::events::{say, Level, Progress};
use crate::{Error, Result};

/// How the outputs are written.
#[derive(Debug, Clone)]
pub struct OutputOptions {
    /// Language of labels and sheet names.
    pub lang: Lang,
    /// Text encoding of the CSV tables.
    pub csv_encoding: CsvEncoding,
    /// The creation time the workbooks record ([`crate::creation_time`]).
    pub created: Created,
    /// A font file for the PNG charts (`ENGAGE_CHART_FONT`); else the system's fonts.
    pub chart_font: Option<PathBuf>,
}

impl OutputOptions {
    /// Labels in `lang`, CSV as UTF-8 with a byte-order mark, the system's fonts.
    pub fn new(lang: Lang, created: Created) -> Self {
        OutputOptions {
            lang,
            csv_encoding: CsvEncoding::Utf8Bom,
            created,
            chart_font: None,
        }
    }
}

/// What [`write_report`] wrote besides report.json, the workbook and the HTML report.
#[derive(Debug, Clone)]
pub struct Written {
    pub csv_tables: Vec<PathBuf>,
    pub svg_charts: Vec<PathBuf>,
    pub png_charts: Vec<PathBuf>,
}

/// The publishable outputs: report.json, the workbook, the CSV tables and the same tables as
/// Parquet and Arrow IPC, the charts (SVG, and PNG when a Japanese font is installed) and the
/// one-file HTML report.
pub fn write_report(
    report: &Report,
    out: &Path,
    options: &OutputOptions,
    progress: &dyn Progress,
) -> Result<Written> {
    create_dir(out)?;
    let lang = options.lang;
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
                        options.created,
                    )
                },
                || -> Result<Vec<PathBuf>> {
                    engage_export::write_json(report, &out.join("report.json"))?;
                    let csvs = engage_export::write_csv_tables_encoded(
                        &tables,
                        out,
                        options.csv_encoding,
                    )?;
                    engage_export::write_columnar_tables(&tables, out)?;
                    Ok(csvs)
                },
            )
        },
        || -> Result<_> {
            let charts = engage_charts::report_charts(report, lang.code())
                .into_iter()
                .map(|spec| {
                    let svg = engage_charts::render_svg(&spec)?;
                    Ok((spec, svg))
                })
                .collect::<std::result::Result<Vec<_>, engage_charts::ChartError>>()?;
            let rasteriser = chart_rasteriser(options.chart_font.as_deref(), progress)?;
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
    let csv_tables = files?;
    let charts = charts?;
    say(
        progress,
        Level::Info,
        format!(
            "wrote report.json, report.xlsx, report.html, {} tables as CSV, parquet/ and arrow/, and {} charts as SVG and {} as PNG in charts/ to {}",
            csv_tables.len(),
            charts.svg.len(),
            charts.png.len(),
            out.display()
        ),
    );
    Ok(Written {
        csv_tables,
        svg_charts: charts.svg,
        png_charts: charts.png,
    })
}

/// The PNG renderer with a Japanese font: `font` when given (an error if it cannot be used),
/// else the system's fonts. With none that draws Japanese the PNGs are skipped with a warning
/// (the SVGs and the HTML report are still written): docs/charts.md.
fn chart_rasteriser(
    font: Option<&Path>,
    progress: &dyn Progress,
) -> Result<Option<engage_charts::Rasteriser>> {
    match engage_charts::Rasteriser::new(font) {
        Ok(r) => {
            let f = &r.font;
            say(
                progress,
                Level::Detail,
                format!(
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
            say(
                progress,
                Level::Warning,
                format!("PNG charts not written: {e}"),
            );
            Ok(None)
        }
        Err(source) => Err(Error::ChartFont {
            path: font.map(Path::to_path_buf).unwrap_or_default(),
            source,
        }),
    }
}

/// One folder per published group of `segment` (a bureau pack) under `dir`: its report.json
/// and workbook with only its own groups and the whole organisation's figures. Returns how
/// many packs were written and how many groups were withheld (and so have none).
pub fn write_packs(
    report: &Report,
    segment: &str,
    dir: &Path,
    options: &OutputOptions,
    progress: &dyn Progress,
) -> Result<(usize, usize)> {
    let Some(seg) = report.segments.iter().find(|s| s.id == segment) else {
        return Err(Error::NoSuchSegment(segment.to_string()));
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
        create_dir(&folder)?;
        engage_export::write_json(&pack, &folder.join("report.json"))?;
        let tables = engage_export::tables(&pack, options.lang);
        engage_export::write_report_workbook(
            &pack,
            &tables,
            &folder.join("report.xlsx"),
            options.lang,
            options.created,
        )?;
        written += 1;
    }
    say(
        progress,
        Level::Info,
        format!(
            "wrote {written} packs of `{segment}` to {} ({withheld} withheld groups have none)",
            dir.display()
        ),
    );
    Ok((written, withheld))
}

/// Creates `dir` and its parents.
pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
        path: dir.to_path_buf(),
        source,
    })
}

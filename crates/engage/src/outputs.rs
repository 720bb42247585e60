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
    /// Which files to write (default: all).
    pub formats: Formats,
}

/// The kinds of files a report writes; [`Formats::ALL`] by default. Fewer formats, less
/// fixed cost: JSON and CSV alone skip the workbook, the charts and the HTML (about 0.4 s of
/// a report at any size on two cores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    /// report.json: every figure (`engage compare` and `engage audit` read it).
    pub json: bool,
    /// The tables as CSV.
    pub csv: bool,
    /// The tables as Parquet and Arrow IPC (parquet/, arrow/).
    pub columnar: bool,
    /// report.xlsx.
    pub xlsx: bool,
    /// report.html (with its charts inlined).
    pub html: bool,
    /// The charts as SVG and PNG files (charts/).
    pub charts: bool,
}

impl Formats {
    pub const ALL: Formats = Formats {
        json: true,
        csv: true,
        columnar: true,
        xlsx: true,
        html: true,
        charts: true,
    };
    pub const NONE: Formats = Formats {
        json: false,
        csv: false,
        columnar: false,
        xlsx: false,
        html: false,
        charts: false,
    };

    /// From names as `--formats` takes them: json, csv, parquet (Parquet and Arrow tables),
    /// xlsx, html, charts; `all` for every one. report.json is always written: `engage
    /// audit` and `engage compare` read a release through it.
    pub fn parse(names: &str) -> std::result::Result<Formats, String> {
        let mut formats = Formats {
            json: true,
            ..Formats::NONE
        };
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "all" => formats = Formats::ALL,
                "json" => formats.json = true,
                "csv" => formats.csv = true,
                "parquet" | "arrow" => formats.columnar = true,
                "xlsx" => formats.xlsx = true,
                "html" => formats.html = true,
                "charts" => formats.charts = true,
                other => {
                    return Err(format!(
                    "unknown format `{other}`: give json, csv, parquet, xlsx, html, charts or all"
                ))
                }
            }
        }
        Ok(formats)
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats::ALL
    }
}

impl OutputOptions {
    /// Labels in `lang`, CSV as UTF-8 with a byte-order mark, the system's fonts.
    pub fn new(lang: Lang, created: Created) -> Self {
        OutputOptions {
            lang,
            csv_encoding: CsvEncoding::Utf8Bom,
            created,
            chart_font: None,
            formats: Formats::ALL,
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

/// [`write_report`] as a release: written whole into `out` or not at all
/// ([`StagedRelease`](crate::StagedRelease)), with its manifest.
pub fn write_release(
    report: &Report,
    out: &Path,
    options: &OutputOptions,
    progress: &dyn Progress,
) -> Result<Written> {
    let release = crate::StagedRelease::begin(out)?;
    let written = write_report(report, release.dir(), options, progress)?;
    let files = release.commit()?;
    say_released(out, files, progress);
    Ok(written)
}

/// "release written to OUT: N files, each with its SHA-256 in engage-manifest.json".
pub(crate) fn say_released(out: &Path, files: usize, progress: &dyn Progress) {
    say(
        progress,
        Level::Info,
        format!(
            "release written to {}: {files} files, each with its SHA-256 in {}",
            out.display(),
            crate::MANIFEST
        ),
    );
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
    let formats = options.formats;
    let tables = engage_export::tables(report, lang);
    // The files need nothing from each other but the tables and the charts: the workbook,
    // the other files and the charts (then the HTML, which inlines them) side by side.
    let ((workbook, files), charts) = rayon::join(
        || {
            rayon::join(
                || {
                    if !formats.xlsx {
                        return Ok(());
                    }
                    engage_export::write_report_workbook(
                        report,
                        &tables,
                        &out.join("report.xlsx"),
                        lang,
                        options.created,
                    )
                },
                || -> Result<Vec<PathBuf>> {
                    if formats.json {
                        engage_export::write_json(report, &out.join("report.json"))?;
                    }
                    let csvs = if formats.csv {
                        engage_export::write_csv_tables_encoded(&tables, out, options.csv_encoding)?
                    } else {
                        Vec::new()
                    };
                    if formats.columnar {
                        engage_export::write_columnar_tables(&tables, out)?;
                    }
                    Ok(csvs)
                },
            )
        },
        || -> Result<_> {
            let none = engage_charts::WrittenCharts {
                svg: Vec::new(),
                png: Vec::new(),
            };
            if !(formats.charts || formats.html) {
                return Ok(none);
            }
            let charts = engage_charts::report_charts(report, lang.code())
                .into_iter()
                .map(|spec| {
                    let svg = engage_charts::render_svg(&spec)?;
                    Ok((spec, svg))
                })
                .collect::<std::result::Result<Vec<_>, engage_charts::ChartError>>()?;
            let written = if formats.charts {
                let rasteriser = chart_rasteriser(options.chart_font.as_deref(), progress)?;
                engage_charts::write_charts(&charts, &out.join("charts"), rasteriser.as_ref())?
            } else {
                none
            };
            if formats.html {
                engage_export::write_html_report(
                    report,
                    &tables,
                    &charts,
                    &out.join("report.html"),
                    lang,
                )?;
            }
            Ok(written)
        },
    );
    workbook?;
    let csv_tables = files?;
    let charts = charts?;
    let mut wrote: Vec<String> = [
        (formats.json, "report.json"),
        (formats.xlsx, "report.xlsx"),
        (formats.html, "report.html"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect();
    if formats.csv {
        wrote.push(format!("{} tables as CSV", csv_tables.len()));
    }
    if formats.columnar {
        wrote.push("parquet/ and arrow/".into());
    }
    if formats.charts {
        wrote.push(format!(
            "{} charts as SVG and {} as PNG in charts/",
            charts.svg.len(),
            charts.png.len()
        ));
    }
    say(progress, Level::Info, format!("wrote {}", wrote.join(", ")));
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
    let mut taken = std::collections::HashSet::new();
    for g in &seg.groups {
        let Some(pack) = engage_report::pack(report, segment, &g.key) else {
            withheld += 1;
            continue;
        };
        let folder = dir.join(unique_name(&folder_name(&g.key), &mut taken));
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
            "wrote {written} packs of `{segment}` in packs/ ({withheld} withheld groups have none)"
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

/// Longest folder name made from data, in bytes (file systems allow 255).
const MAX_NAME_BYTES: usize = 120;

/// A folder name for a value from the data, safe on every file system: no separators, no `..`,
/// no control or NUL characters, none of the characters or device names Windows refuses, no
/// trailing dot or space, and at most [`MAX_NAME_BYTES`] bytes. A name that had to change keeps
/// what it could and ends in a short hash of the original, so two values never share a folder.
pub fn folder_name(value: &str) -> String {
    if value.is_empty() {
        return "_missing".to_string();
    }
    let mut name: String = value
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    while name.ends_with(['.', ' ']) {
        name.pop();
    }
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved || name.is_empty() {
        name.insert(0, '_');
    }
    if name.len() > MAX_NAME_BYTES {
        let mut end = MAX_NAME_BYTES;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    if name == value {
        return name;
    }
    // FNV-1a of the original value: the same on every run and platform.
    let hash = value.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{name}~{:08x}", hash as u32)
}

/// `name`, or `name-2`, `name-3`... when an earlier group took it; compared without case, as
/// Windows and macOS file systems do.
fn unique_name(name: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 1;
    while !taken.insert(candidate.to_lowercase()) {
        n += 1;
        candidate = format!("{name}-{n}");
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_data_never_leave_their_folder_and_stay_apart() {
        assert_eq!(folder_name("政策局"), "政策局");
        assert_eq!(folder_name(""), "_missing");
        for hostile in [
            "..",
            ".",
            "../..",
            "a/b",
            "a\\b",
            "x\0y",
            "CON",
            "com1.txt",
            "a. ",
            "tab\there",
        ] {
            let name = folder_name(hostile);
            assert!(
                !name.is_empty() && name != "." && name != "..",
                "{hostile:?} -> {name:?}"
            );
            assert!(
                !name.contains(['/', '\\', '\0', '\t']),
                "{hostile:?} -> {name:?}"
            );
            assert!(!name.ends_with(['.', ' ']), "{hostile:?} -> {name:?}");
            assert_ne!(name.to_ascii_uppercase(), "CON");
            let path = std::path::Path::new("packs").join(&name);
            let normal = path
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            assert!(
                normal && path.components().count() == 2,
                "{hostile:?} -> {name:?}"
            );
        }
        assert_ne!(folder_name("a/b"), folder_name("a:b"));
        let long = "課".repeat(300);
        assert!(folder_name(&long).len() <= MAX_NAME_BYTES + 9);
        let mut taken = std::collections::HashSet::new();
        assert_eq!(unique_name("Ab", &mut taken), "Ab");
        assert_eq!(unique_name("aB", &mut taken), "aB-2");
    }
}

//! The report's charts: what each shows ([`spec`], read from a [`engage_report::Report`]), drawn
//! as SVG by plotters ([`render_svg`]) and rasterised to PNG by resvg ([`Rasteriser`]). The
//! HTML report inlines the same SVG. Pure drawing: no polars, no file layout decisions beyond
//! [`write_charts`].

mod layout;
mod png;
pub mod spec;
mod svg;

use std::path::{Path, PathBuf};

pub use png::{ChosenFont, Rasteriser};
pub use spec::{report_charts, Chart, ChartSpec};
pub use svg::{render_svg, text_width, FONT_FAMILY};

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("cannot rasterise the chart: {0}")]
    Raster(String),
    #[error("cannot read the chart font {path}")]
    FontFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the chart font {0} has no Japanese glyphs")]
    NotJapanese(PathBuf),
    #[error("no installed font draws Japanese; install one (Debian: apt install fonts-noto-cjk) or set ENGAGE_CHART_FONT to a .ttf/.otf/.ttc file")]
    NoJapaneseFont,
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What [`write_charts`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenCharts {
    pub svg: Vec<PathBuf>,
    pub png: Vec<PathBuf>,
}

/// Writes `<dir>/<stem>.svg` for every chart and, with a rasteriser, `<dir>/<stem>.png`
/// at twice the pixel size.
pub fn write_charts(
    charts: &[(ChartSpec, String)],
    dir: &Path,
    rasteriser: Option<&Rasteriser>,
) -> Result<WrittenCharts, ChartError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ChartError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    // Rasterising is most of the time (tens of milliseconds a chart with a CJK font), and
    // the charts are independent: one task each.
    use rayon::prelude::*;
    let files: Vec<(PathBuf, Option<PathBuf>)> = charts
        .par_iter()
        .map(|(spec, svg)| {
            let path = dir.join(format!("{}.svg", spec.stem));
            std::fs::write(&path, svg).map_err(io(&path))?;
            let png = match rasteriser {
                Some(r) => {
                    let png = dir.join(format!("{}.png", spec.stem));
                    std::fs::write(&png, r.png(svg, 2.0)?).map_err(io(&png))?;
                    Some(png)
                }
                None => None,
            };
            Ok((path, png))
        })
        .collect::<Result<_, ChartError>>()?;
    let (svg, png): (Vec<PathBuf>, Vec<Option<PathBuf>>) = files.into_iter().unzip();
    Ok(WrittenCharts {
        svg,
        png: png.into_iter().flatten().collect(),
    })
}

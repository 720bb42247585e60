//! PNG charts: the SVG from `svg.rs` rasterised by resvg, so the two formats show the same
//! picture. Text needs a font with Japanese glyphs; how one is found is in docs/charts.md.

use std::path::{Path, PathBuf};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};
use skrifa::{FontRef, MetadataProvider};

use crate::svg::FONT_FAMILY;
use crate::ChartError;

/// The font the PNG charts are drawn with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenFont {
    pub family: String,
    /// The file it was read from (none for fonts given as bytes).
    pub path: Option<PathBuf>,
}

/// Rasterises chart SVGs with one font database, loaded once.
pub struct Rasteriser {
    options: usvg::Options<'static>,
    pub font: ChosenFont,
}

/// Characters a face must draw to be used for Japanese labels: hiragana, katakana, kanji and
/// the long-vowel mark.
const PROBE: [char; 5] = ['あ', 'ア', '職', '員', 'ー'];

fn covers_japanese(data: &[u8], index: u32) -> bool {
    FontRef::from_index(data, index)
        .map(|f| {
            let map = f.charmap();
            PROBE.iter().all(|c| map.map(*c).is_some())
        })
        .unwrap_or(false)
}

impl Rasteriser {
    /// Loads `extra_font` (when given; an error names it if it cannot be read) and the
    /// system's fonts, then picks a face that draws Japanese: the first family of
    /// [`FONT_FAMILY`] that has one, else any such face, the extra font first.
    pub fn new(extra_font: Option<&Path>) -> Result<Self, ChartError> {
        let mut db = fontdb::Database::new();
        if let Some(path) = extra_font {
            db.load_font_file(path)
                .map_err(|source| ChartError::FontFile {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
        let extra: Vec<fontdb::ID> = db.faces().map(|f| f.id).collect();
        db.load_system_fonts();
        // Regular upright faces first, so the reported file is the one text is drawn with.
        let mut faces: Vec<&fontdb::FaceInfo> = db.faces().collect();
        faces.sort_by_key(|f| {
            (
                f.weight != fontdb::Weight::NORMAL,
                f.style != fontdb::Style::Normal,
            )
        });
        let japanese: Vec<(fontdb::ID, String, Option<PathBuf>)> = faces
            .into_iter()
            .filter(|f| db.with_face_data(f.id, covers_japanese).unwrap_or(false))
            .map(|f| {
                let family = f.families.first().map(|x| x.0.clone()).unwrap_or_default();
                let path = match &f.source {
                    fontdb::Source::File(p) => Some(p.clone()),
                    fontdb::Source::SharedFile(p, _) => Some(p.clone()),
                    fontdb::Source::Binary(_) => None,
                };
                (f.id, family, path)
            })
            .collect();
        if extra_font.is_some() && !japanese.iter().any(|f| extra.contains(&f.0)) {
            return Err(ChartError::NotJapanese(
                extra_font.unwrap_or(Path::new("")).into(),
            ));
        }
        let preferred = FONT_FAMILY.split(',').map(str::trim);
        let chosen = japanese
            .iter()
            .find(|f| extra.contains(&f.0))
            .or_else(|| {
                preferred
                    .into_iter()
                    .find_map(|name| japanese.iter().find(|f| f.1 == name))
            })
            .or_else(|| japanese.first())
            .ok_or(ChartError::NoJapaneseFont)?;
        let font = ChosenFont {
            family: chosen.1.clone(),
            path: chosen.2.clone(),
        };
        if let Some(path) = &font.path {
            keep_in_memory(&mut db, path)?;
        }
        db.set_sans_serif_family(font.family.clone());
        let mut options = usvg::Options {
            font_family: font.family.clone(),
            languages: vec!["ja".into(), "en".into()],
            ..usvg::Options::default()
        };
        *options.fontdb_mut() = db;
        Ok(Rasteriser { options, font })
    }

    /// The SVG as PNG bytes at `scale` × its pixel size (2 for sharp print).
    pub fn png(&self, svg: &str, scale: f32) -> Result<Vec<u8>, ChartError> {
        let raster = |m: String| ChartError::Raster(m);
        let tree = usvg::Tree::from_str(svg, &self.options).map_err(|e| raster(e.to_string()))?;
        let size = tree
            .size()
            .to_int_size()
            .scale_by(scale)
            .ok_or_else(|| raster("the chart has no size".into()))?;
        let mut pixmap = Pixmap::new(size.width(), size.height())
            .ok_or_else(|| raster("cannot allocate the image".into()))?;
        resvg::render(
            &tree,
            Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        encode_png(pixmap).map_err(|e| raster(e.to_string()))
    }
}

/// Reads the faces of the font file at `path` into memory once. File-backed faces are mapped
/// again each time a text element is laid out (and unmapped after): with a 20 MB CJK font
/// collection that was half the time of a chart with a thousand labels.
fn keep_in_memory(db: &mut fontdb::Database, path: &Path) -> Result<(), ChartError> {
    let data = std::fs::read(path).map_err(|source| ChartError::FontFile {
        path: path.to_path_buf(),
        source,
    })?;
    let from_file: Vec<fontdb::ID> = db
        .faces()
        .filter(|f| match &f.source {
            fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => p == path,
            fontdb::Source::Binary(_) => false,
        })
        .map(|f| f.id)
        .collect();
    for id in from_file {
        db.remove_face(id);
    }
    db.load_font_data(data);
    Ok(())
}

/// The pixels as PNG with the encoder's fast DEFLATE (fdeflate): three to four times faster
/// than tiny-skia's default level on the charts' flat colours, for somewhat larger files.
fn encode_png(pixmap: Pixmap) -> Result<Vec<u8>, png::EncodingError> {
    let (width, height) = (pixmap.width(), pixmap.height());
    let rgba = pixmap.take_demultiplied();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.write_header()?.write_image_data(&rgba)?;
    Ok(out)
}

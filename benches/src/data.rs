//! Seeded benchmark datasets: `engage generate`'s calibrated Kumamoto model at any size, with
//! optional extra blanks and finer sections, written as Parquet (zstd, 131,072-row groups)
//! with its definition. Cached on disk: a 10-million-row file takes a while to draw.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// What varies between benchmark datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub rows: usize,
    /// Percent of answers blanked on top of the model's own missingness (about 2%).
    pub extra_missing_percent: u32,
    /// Each section split into this many (1 = as generated, about 120 sections).
    pub section_split: usize,
}

impl Shape {
    pub fn rows(rows: usize) -> Self {
        Shape {
            rows,
            extra_missing_percent: 0,
            section_split: 1,
        }
    }

    pub fn name(&self) -> String {
        format!(
            "rows{}-missing{}-split{}",
            self.rows, self.extra_missing_percent, self.section_split
        )
    }
}

/// The definition (`survey.toml`) of a dataset of `shape` under `root`, generating the data
/// on first use. A `complete` marker makes an interrupted generation start over.
pub fn dataset(root: &Path, shape: &Shape) -> anyhow::Result<PathBuf> {
    let dir = root.join(shape.name());
    let definition = dir.join("survey.toml");
    let marker = dir.join("complete");
    if marker.exists() {
        return Ok(definition);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let spec = engage_synth::wave_by_name("kumamoto-2023")?;
    let mut sample = engage_synth::generate(&spec, Some(shape.rows));
    // The benchmarks time the answers, not the comment analysis.
    sample.comments = None;
    blank_answers(&mut sample, shape.extra_missing_percent);
    split_sections(&mut sample, shape.section_split)?;
    engage_synth::write_parquet(&sample, &dir.join("responses.parquet"))?;
    std::fs::write(
        &definition,
        engage_synth::definition_toml(&spec, "responses.parquet", false),
    )?;
    std::fs::write(&marker, "")?;
    Ok(definition)
}

/// Blanks about `percent`% of the answers, chosen by a fixed hash of (row, item).
fn blank_answers(sample: &mut engage_synth::Sample, percent: u32) {
    if percent == 0 {
        return;
    }
    for (j, column) in sample.answers.iter_mut().enumerate() {
        for (r, a) in column.iter_mut().enumerate() {
            let h = splitmix((r as u64) << 8 | j as u64);
            if h % 100 < u64::from(percent) {
                *a = engage_synth::MISSING;
            }
        }
    }
}

/// Splits every section into `k` ("企画課" -> "企画課1", "企画課2", ...) by row number.
fn split_sections(sample: &mut engage_synth::Sample, k: usize) -> anyhow::Result<()> {
    if k <= 1 {
        return Ok(());
    }
    let most = sample.sections.iter().map(Vec::len).max().unwrap_or(0);
    anyhow::ensure!(most * k < 255, "{most} sections × {k} do not fit a u8 code");
    for names in sample.sections.iter_mut() {
        *names = names
            .iter()
            .flat_map(|n| (1..=k).map(move |i| format!("{n}{i}")))
            .collect();
    }
    for (r, s) in sample.section.iter_mut().enumerate() {
        *s = (*s as usize * k + r % k) as u8;
    }
    Ok(())
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

//! Draws a [`ChartSpec`] as SVG with plotters. Text stays text (`<text>` with a CJK-first
//! font-family list), so a browser or Excel renders it with the reader's fonts and it can be
//! searched and copied; the PNG is this SVG rasterised (see `png.rs`).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::spec::{Changes, Chart, ChartSpec, Columns, Heatmap, KpiPath, Network, Ranked, Scatter};
use crate::ChartError;

/// Japanese-capable families first (Debian's fonts-noto-cjk, IPA fonts, macOS, Windows), then
/// the generic family. docs/charts.md explains the choice.
pub const FONT_FAMILY: &str =
    "Noto Sans CJK JP, Noto Sans JP, IPAexGothic, IPAGothic, Hiragino Sans, Yu Gothic, Meiryo, sans-serif";

const BAR: RGBColor = RGBColor(0x4E, 0x79, 0xA7);
const ACCENT: RGBColor = RGBColor(0xE1, 0x57, 0x59);
const GREY: RGBColor = RGBColor(0x88, 0x88, 0x88);

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// Width of `text` at `size` px, counting East Asian wide characters as 1 em and others as
/// 0.6 em: enough to size label areas so Japanese labels are not cut.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if is_wide(c) { 1.0 } else { 0.6 })
        .sum::<f64>()
        * size
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6)
}

fn font(size: u32) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&BLACK)
}

fn anchored(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size).pos(Pos::new(h, v))
}

fn percent(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// The series legend every chart with one draws the same way.
fn legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    position: SeriesLabelPosition,
) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .label_font(font(13))
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .draw()
        .map_err(draw_err)
}

/// Draws the chart as a standalone SVG document.
pub fn render_svg(spec: &ChartSpec) -> Result<String, ChartError> {
    let (w, h) = size(&spec.chart);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        match &spec.chart {
            Chart::Columns(c) => columns(&root, &spec.title, c)?,
            Chart::Ranked(c) => ranked(&root, &spec.title, c)?,
            Chart::Path(c) => path(&root, &spec.title, c)?,
            Chart::Scatter(c) => scatter(&root, &spec.title, c)?,
            Chart::Heatmap(c) => heatmap(&root, &spec.title, c)?,
            Chart::Changes(c) => changes(&root, &spec.title, c)?,
            Chart::Network(c) => network(&root, &spec.title, c)?,
        }
        root.present().map_err(draw_err)?;
    }
    Ok(buf)
}

/// The label of a segment on a vertical category axis drawn first-on-top: segment i from the
/// bottom holds the (n − 1 − i)-th label; ticks between segments have none.
fn top_down(labels: &[String], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) => labels
            .len()
            .checked_sub(1 + i)
            .and_then(|k| labels.get(k).cloned())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn widest(labels: &[String], size: f64) -> f64 {
    labels
        .iter()
        .map(|l| text_width(l, size))
        .fold(0.0, f64::max)
}

/// Pixel size of each chart, grown with its number of categories.
fn size(chart: &Chart) -> (u32, u32) {
    match chart {
        Chart::Columns(c) => ((140 + 110 * c.labels.len()).max(640) as u32, 440),
        Chart::Ranked(c) => (
            (widest(&c.labels, 14.0) as u32 + 560).max(720),
            (110 + 30 * c.labels.len()) as u32,
        ),
        Chart::Path(_) => (720, 440),
        Chart::Scatter(_) => (720, 520),
        Chart::Heatmap(c) => (
            widest(&c.rows, 13.0) as u32 + 60 + 96 * c.columns.len() as u32,
            (150 + 28 * c.rows.len()) as u32,
        ),
        Chart::Changes(c) => (
            (widest(&c.labels, 14.0) as u32 + 560).max(720),
            (130 + 36 * c.labels.len()) as u32,
        ),
        Chart::Network(_) => (900, 720),
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn columns(root: &Area<'_>, title: &str, c: &Columns) -> Result<(), ChartError> {
    let n = c.labels.len();
    let (lo, hi) = c.range;
    let mut chart = ChartBuilder::on(root)
        .caption(title, font(20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d((0..n - 1).into_segmented(), lo..hi)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(1)
        .x_labels(n + 1)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => c.labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_labels((hi - lo) as usize * 2 + 1)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .y_desc(c.y_label.as_str())
        .label_style(font(14))
        .axis_desc_style(font(14))
        .draw()
        .map_err(draw_err)?;
    chart
        .draw_series(c.values.iter().enumerate().map(|(i, v)| {
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), lo),
                    (SegmentValue::Exact(i + 1), *v),
                ],
                BAR.filled(),
            );
            bar.set_margin(0, 0, 14, 14);
            bar
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(c.values.iter().enumerate().map(|(i, v)| {
            EmptyElement::at((SegmentValue::CenterOf(i), *v))
                + Text::new(
                    format!("{v:.2}"),
                    (0, 6),
                    anchored(14, HPos::Center, VPos::Top).color(&WHITE),
                )
        }))
        .map_err(draw_err)?;
    let (label, average) = &c.average;
    chart
        .draw_series(LineSeries::new(
            [
                (SegmentValue::Exact(0), *average),
                (SegmentValue::Exact(n), *average),
            ],
            ACCENT.stroke_width(2),
        ))
        .map_err(draw_err)?
        .label(format!("{label}: {average:.2}"))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], ACCENT.stroke_width(2)));
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn ranked(root: &Area<'_>, title: &str, c: &Ranked) -> Result<(), ChartError> {
    let n = c.labels.len();
    let max = c.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let headroom = if c.base.is_some() { 1.3 } else { 1.15 };
    // Rank 1 on top: segment i from the bottom holds the (n − 1 − i)-th label.
    let mut chart = ChartBuilder::on(root)
        .caption(title, font(20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(widest(&c.labels, 14.0) as u32 + 16)
        .build_cartesian_2d(0.0..max * headroom, (0..n - 1).into_segmented())
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(1)
        .y_labels(n + 1)
        .y_label_formatter(&|v| top_down(&c.labels, v))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .x_desc(c.x_label.as_str())
        .label_style(font(14))
        .axis_desc_style(font(14))
        .draw()
        .map_err(draw_err)?;
    chart
        .draw_series(c.counts.iter().enumerate().map(|(rank, count)| {
            let i = n - 1 - rank;
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (*count as f64, SegmentValue::Exact(i + 1)),
                ],
                BAR.filled(),
            );
            bar.set_margin(4, 4, 0, 0);
            bar
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(c.counts.iter().enumerate().map(|(rank, count)| {
            let label = match c.base {
                Some(base) if base > 0 => {
                    format!(" {count} ({})", percent(*count as f64 / base as f64))
                }
                _ => format!(" {count}"),
            };
            Text::new(
                label,
                (*count as f64, SegmentValue::CenterOf(n - 1 - rank)),
                anchored(13, HPos::Left, VPos::Center),
            )
        }))
        .map_err(draw_err)?;
    Ok(())
}

fn path(root: &Area<'_>, title: &str, c: &KpiPath) -> Result<(), ChartError> {
    let years = c
        .plan
        .iter()
        .map(|p| p.0)
        .chain(c.measured.iter().map(|m| m.year));
    let (first, last) = years.fold((i32::MAX, i32::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let values = c
        .plan
        .iter()
        .map(|p| p.1)
        .chain(c.measured.iter().flat_map(|m| {
            [
                m.value,
                m.interval.map_or(m.value, |i| i.0),
                m.interval.map_or(m.value, |i| i.1),
            ]
        }));
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let pad = ((hi - lo) * 0.25).max(if c.share { 0.02 } else { 0.05 });
    let (lo, hi) = (lo - pad, hi + pad);
    let share = c.share;
    let fmt = move |v: f64| {
        if share {
            format!("{:.1}%", v * 100.0)
        } else {
            format!("{v:.2}")
        }
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, font(20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(first - 1..last + 1, lo..hi)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_labels((last - first + 3) as usize)
        .x_label_formatter(&|y| y.to_string())
        .y_label_formatter(&|v| fmt(*v))
        .label_style(font(14))
        .draw()
        .map_err(draw_err)?;
    chart
        .draw_series(DashedLineSeries::new(
            c.plan.clone(),
            8,
            5,
            GREY.stroke_width(2),
        ))
        .map_err(draw_err)?
        .label(c.plan_label.as_str())
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], GREY.stroke_width(2)));
    if let Some(&(year, target)) = c.plan.last() {
        chart
            .draw_series([EmptyElement::at((year, target))
                + Circle::new((0, 0), 5, GREY.filled())
                + Text::new(
                    fmt(target),
                    (0, -10),
                    anchored(13, HPos::Center, VPos::Bottom),
                )])
            .map_err(draw_err)?;
    }
    chart
        .draw_series(c.measured.iter().filter_map(|m| {
            m.interval.map(|(l, u)| {
                ErrorBar::new_vertical(m.year, l, m.value, u, ACCENT.stroke_width(2), 10)
            })
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(LineSeries::new(
            c.measured.iter().map(|m| (m.year, m.value)),
            ACCENT.stroke_width(2),
        ))
        .map_err(draw_err)?
        .label(c.measured_label.as_str())
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], ACCENT.stroke_width(2)));
    chart
        .draw_series(c.measured.iter().map(|m| {
            EmptyElement::at((m.year, m.value))
                + Circle::new((0, 0), 5, ACCENT.filled())
                + Text::new(fmt(m.value), (8, 0), anchored(13, HPos::Left, VPos::Center))
        }))
        .map_err(draw_err)?;
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn scatter(root: &Area<'_>, title: &str, c: &Scatter) -> Result<(), ChartError> {
    let k = c.points.len() as f64;
    let x_max = c.points.iter().map(|p| p.1).fold(0.0, f64::max) * 1.25;
    let x_max = if x_max > 0.0 { x_max } else { 1.0 };
    let mut chart = ChartBuilder::on(root)
        .caption(title, font(20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..x_max, 0.0..1.0)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_label_formatter(&|v| percent(*v))
        .y_label_formatter(&|v| percent(*v))
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .label_style(font(14))
        .axis_desc_style(font(14))
        .draw()
        .map_err(draw_err)?;
    // Quadrant lines: equal importance (1/k of R²) and the mean favourable share.
    let mean_y = c.points.iter().map(|p| p.2).sum::<f64>() / k;
    for line in [
        vec![(1.0 / k, 0.0), (1.0 / k, 1.0)],
        vec![(0.0, mean_y), (x_max, mean_y)],
    ] {
        chart
            .draw_series(DashedLineSeries::new(line, 6, 4, GREY.stroke_width(1)))
            .map_err(draw_err)?;
    }
    chart
        .draw_series(c.points.iter().map(|(label, x, y)| {
            EmptyElement::at((*x, *y))
                + Circle::new((0, 0), 6, BAR.filled())
                + Text::new(
                    label.clone(),
                    (9, 0),
                    anchored(14, HPos::Left, VPos::Center),
                )
        }))
        .map_err(draw_err)?;
    Ok(())
}

/// Excel's 3-colour scale: red (low) through yellow to green (high).
fn scale_colour(v: f64, lo: f64, hi: f64) -> RGBColor {
    let f = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let mix = |a: (f64, f64, f64), b: (f64, f64, f64), t: f64| {
        RGBColor(
            (a.0 + (b.0 - a.0) * t).round() as u8,
            (a.1 + (b.1 - a.1) * t).round() as u8,
            (a.2 + (b.2 - a.2) * t).round() as u8,
        )
    };
    let (red, yellow, green) = (
        (248.0, 105.0, 107.0),
        (255.0, 235.0, 132.0),
        (99.0, 190.0, 123.0),
    );
    if f < 0.5 {
        mix(red, yellow, f * 2.0)
    } else {
        mix(yellow, green, (f - 0.5) * 2.0)
    }
}

fn heatmap(root: &Area<'_>, title: &str, c: &Heatmap) -> Result<(), ChartError> {
    let (rows, cols) = (c.rows.len(), c.columns.len());
    let shown = c.cells.iter().flatten().flatten().copied();
    let (lo, hi) = shown.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (area, note) = root.split_vertically(root.dim_in_pixel().1 - 30);
    let mut chart = ChartBuilder::on(&area)
        .caption(title, font(20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(widest(&c.rows, 13.0) as u32 + 16)
        .build_cartesian_2d(
            (0..cols.max(1) - 1).into_segmented(),
            (0..rows - 1).into_segmented(),
        )
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(cols + 1)
        .y_labels(rows + 1)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(j) => c.columns.get(*j).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|v| top_down(&c.rows, v))
        .label_style(font(13))
        .draw()
        .map_err(draw_err)?;
    let cells = c.cells.iter().enumerate().flat_map(|(r, row)| {
        row.iter()
            .enumerate()
            .map(move |(j, v)| (rows - 1 - r, j, *v))
    });
    chart
        .draw_series(cells.clone().map(|(i, j, v)| {
            let fill = v.map_or(RGBColor(0xEE, 0xEE, 0xEE), |v| scale_colour(v, lo, hi));
            let mut cell = Rectangle::new(
                [
                    (SegmentValue::Exact(j), SegmentValue::Exact(i)),
                    (SegmentValue::Exact(j + 1), SegmentValue::Exact(i + 1)),
                ],
                fill.filled(),
            );
            cell.set_margin(1, 1, 1, 1);
            cell
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(cells.map(|(i, j, v)| {
            Text::new(
                v.map_or("—".to_string(), |v| format!("{v:.2}")),
                (SegmentValue::CenterOf(j), SegmentValue::CenterOf(i)),
                anchored(13, HPos::Center, VPos::Center),
            )
        }))
        .map_err(draw_err)?;
    note.draw_text(&c.note, &font(12), (16, 6))
        .map_err(draw_err)?;
    Ok(())
}

fn changes(root: &Area<'_>, title: &str, c: &Changes) -> Result<(), ChartError> {
    let n = c.labels.len();
    let reach = c
        .differences
        .iter()
        .zip(&c.intervals)
        .flat_map(|(d, i)| [d.abs(), i.map_or(0.0, |i| i.0.abs().max(i.1.abs()))])
        .fold(0.0, f64::max);
    let reach = if reach > 0.0 { reach * 1.2 } else { 0.1 };
    let mut chart = ChartBuilder::on(root)
        .caption(title, font(20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(widest(&c.labels, 14.0) as u32 + 16)
        .build_cartesian_2d(-reach..reach, (0..n - 1).into_segmented())
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(1)
        .y_labels(n + 1)
        .y_label_formatter(&|v| top_down(&c.labels, v))
        .x_label_formatter(&|v| {
            if v.abs() < 1e-12 {
                "0".to_string()
            } else {
                format!("{v:+.2}")
            }
        })
        .x_desc(c.x_label.as_str())
        .label_style(font(14))
        .axis_desc_style(font(13))
        .draw()
        .map_err(draw_err)?;
    chart
        .draw_series(c.differences.iter().enumerate().map(|(k, d)| {
            let i = n - 1 - k;
            let colour = if c.significant[k] { ACCENT } else { BAR };
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (*d, SegmentValue::Exact(i + 1)),
                ],
                colour.filled(),
            );
            bar.set_margin(8, 8, 0, 0);
            bar
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(c.intervals.iter().enumerate().filter_map(|(k, i)| {
            let (lo, hi) = (*i)?;
            let y = SegmentValue::CenterOf(n - 1 - k);
            Some(PathElement::new(
                [(lo, y.clone()), (hi, y)],
                BLACK.stroke_width(1),
            ))
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(c.differences.iter().enumerate().map(|(k, d)| {
            // The value sits past the far end of its bar and interval.
            let (lo, hi) = c.intervals[k].unwrap_or((*d, *d));
            let (x, dx, h) = if *d >= 0.0 {
                (d.max(hi), 6, HPos::Left)
            } else {
                (d.min(lo), -6, HPos::Right)
            };
            EmptyElement::at((x, SegmentValue::CenterOf(n - 1 - k)))
                + Text::new(format!("{d:+.2}"), (dx, 0), anchored(13, h, VPos::Center))
        }))
        .map_err(draw_err)?;
    chart
        .draw_series([PathElement::new(
            [(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(n))],
            BLACK.stroke_width(1),
        )])
        .map_err(draw_err)?;
    Ok(())
}

/// One colour per cluster (Tableau 10), repeating after ten.
const CLUSTER_COLOURS: [RGBColor; 10] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xED, 0xC9, 0x48),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0xFF, 0x9D, 0xA7),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0xBA, 0xB0, 0xAC),
];

fn network(root: &Area<'_>, title: &str, c: &Network) -> Result<(), ChartError> {
    let (w, h) = root.dim_in_pixel();
    root.draw(&Text::new(
        title.to_string(),
        (w as i32 / 2, 14),
        anchored(20, HPos::Center, VPos::Top),
    ))
    .map_err(draw_err)?;
    root.draw(&Text::new(
        c.note.clone(),
        (w as i32 / 2, h as i32 - 12),
        anchored(12, HPos::Center, VPos::Bottom),
    ))
    .map_err(draw_err)?;
    // The plot square inside margins wide enough for labels and the largest circles.
    let (left, top, right, bottom) = (70.0, 60.0, w as f64 - 70.0, h as f64 - 50.0);
    let at = |(x, y): (f64, f64)| {
        (
            (left + x * (right - left)) as i32,
            (top + y * (bottom - top)) as i32,
        )
    };
    let max = c.nodes.iter().map(|n| n.1).max().unwrap_or(1).max(1) as f64;
    for &(a, b, jaccard) in &c.edges {
        let width = 1 + (jaccard * 5.0).round() as u32;
        root.draw(&PathElement::new(
            vec![at(c.positions[a]), at(c.positions[b])],
            GREY.mix(0.6).stroke_width(width),
        ))
        .map_err(draw_err)?;
    }
    for (i, (term, count)) in c.nodes.iter().enumerate() {
        let radius = (6.0 + 22.0 * (*count as f64 / max).sqrt()) as i32;
        let colour = CLUSTER_COLOURS[c.clusters[i] % CLUSTER_COLOURS.len()];
        let centre = at(c.positions[i]);
        root.draw(&Circle::new(centre, radius, colour.mix(0.75).filled()))
            .map_err(draw_err)?;
        root.draw(&Text::new(
            term.clone(),
            centre,
            anchored(14, HPos::Center, VPos::Center),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

//! The drawn charts against numbers worked by hand: bar lengths proportional to the values
//! along the axis, Excel's 3-colour scale end points, withheld cells drawn as "—" and no
//! number, and a PNG that is the SVG at twice the size with Japanese text drawn.

use engage_charts::spec::{Columns, Heatmap, Ranked};
use engage_charts::{render_svg, text_width, Chart, ChartError, ChartSpec, Rasteriser};

/// (x, y, width, height, fill) of every `<rect>` in the SVG.
fn rects(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(tag[at..].split('"').next()?.to_string())
    };
    svg.split("<rect")
        .skip(1)
        .map(|t| t.split('>').next().unwrap())
        .map(|t| {
            let num = |n| attr(t, n).unwrap().parse::<f64>().unwrap();
            (
                num("x"),
                num("y"),
                num("width"),
                num("height"),
                attr(t, "fill").unwrap(),
            )
        })
        .collect()
}

/// The text content of every `<text>` element, trimmed.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let inner = &t[t.find('>').unwrap() + 1..];
            inner[..inner.find("</text>").unwrap()].trim().to_string()
        })
        .collect()
}

const BAR: &str = "#4E79A7";

#[test]
fn column_heights_are_proportional_to_the_distance_from_the_axis_minimum() {
    // On a 1..5 axis, 5 fills the plot, 3 half of it and 2 a quarter (hand-worked: (v − 1)/4).
    let spec = ChartSpec {
        stem: "dimensions".into(),
        title: "領域別の平均".into(),
        chart: Chart::Columns(Columns {
            labels: vec!["同僚".into(), "上司".into(), "人事制度".into()],
            values: vec![5.0, 3.0, 2.0],
            average: ("平均".into(), 10.0 / 3.0),
            range: (1.0, 5.0),
            y_label: "平均".into(),
        }),
    };
    let svg = render_svg(&spec).unwrap();
    let bars: Vec<_> = rects(&svg).into_iter().filter(|r| r.4 == BAR).collect();
    assert_eq!(bars.len(), 3);
    let full = bars[0].3;
    assert!((bars[1].3 - full / 2.0).abs() <= 1.0, "{bars:?}");
    assert!((bars[2].3 - full / 4.0).abs() <= 1.0, "{bars:?}");
    // Bars in the labels' order, left to right, and all three labels present.
    assert!(bars[0].0 < bars[1].0 && bars[1].0 < bars[2].0);
    let t = texts(&svg);
    for label in [
        "同僚",
        "上司",
        "人事制度",
        "5.00",
        "3.00",
        "2.00",
        "平均: 3.33",
    ] {
        assert!(t.iter().any(|x| x == label), "{label} missing from {t:?}");
    }
}

#[test]
fn ranked_bars_put_the_most_picked_on_top_with_lengths_proportional_to_counts() {
    let spec = ChartSpec {
        stem: "multi-work_issues".into(),
        title: "仕事の課題".into(),
        chart: Chart::Ranked(Ranked {
            labels: vec![
                "業務量が多い".into(),
                "ペーパーレス化が進まない".into(),
                "会議が多い".into(),
            ],
            counts: vec![907, 889, 360],
            x_label: "回答数".into(),
            base: None,
        }),
    };
    let svg = render_svg(&spec).unwrap();
    let bars: Vec<_> = rects(&svg).into_iter().filter(|r| r.4 == BAR).collect();
    assert_eq!(bars.len(), 3);
    let by_count: Vec<_> = bars.iter().map(|b| b.2).collect();
    // 889/907 and 360/907 of the longest bar, to a pixel.
    assert!(
        (by_count[1] - by_count[0] * 889.0 / 907.0).abs() <= 1.0,
        "{by_count:?}"
    );
    assert!(
        (by_count[2] - by_count[0] * 360.0 / 907.0).abs() <= 1.0,
        "{by_count:?}"
    );
    // Rank 1 is drawn highest (smallest y).
    assert!(bars[0].1 < bars[1].1 && bars[1].1 < bars[2].1);
    assert!(texts(&svg).iter().any(|x| x == "ペーパーレス化が進まない"));
}

#[test]
fn heatmap_uses_excels_three_colour_scale_and_draws_withheld_cells_as_a_dash() {
    // Excel's default 3-colour scale: F8696B at the minimum, FFEB84 at the midpoint, 63BE7B at
    // the maximum. 2.0 is the minimum, 4.0 the maximum and 3.0 the midpoint.
    let spec = ChartSpec {
        stem: "heatmap-bureau".into(),
        title: "局区".into(),
        chart: Chart::Heatmap(Heatmap {
            rows: vec!["政策局".into(), "小さな課".into()],
            columns: vec!["同僚".into(), "上司".into()],
            cells: vec![vec![Some(2.0), Some(4.0)], vec![Some(3.0), None]],
            note: "— は非公表".into(),
        }),
    };
    let svg = render_svg(&spec).unwrap();
    let fills: Vec<String> = rects(&svg).into_iter().map(|r| r.4).collect();
    for colour in ["#F8696B", "#63BE7B", "#FFEB84", "#EEEEEE"] {
        assert_eq!(
            fills.iter().filter(|f| *f == colour).count(),
            1,
            "{colour} in {fills:?}"
        );
    }
    let t = texts(&svg);
    assert_eq!(t.iter().filter(|x| *x == "—").count(), 1, "{t:?}");
    for shown in ["2.00", "4.00", "3.00", "政策局", "小さな課"] {
        assert!(t.iter().any(|x| x == shown), "{shown} missing from {t:?}");
    }
}

#[test]
fn text_width_counts_wide_characters_as_one_em() {
    // 12 wide characters at 14 px = 168 px; "1on1" = 4 × 0.6 × 10 = 24 px.
    assert_eq!(text_width("ペーパーレス化が進まない", 14.0), 168.0);
    assert!((text_width("1on1", 10.0) - 24.0).abs() < 1e-12);
}

#[test]
fn png_is_the_svg_at_twice_the_size_with_the_japanese_text_inked() {
    let rasteriser = match Rasteriser::new(None) {
        Ok(r) => r,
        // A machine without a Japanese font must say so rather than draw empty boxes; CI
        // installs fonts-noto-cjk, so there this branch is not taken (.ci/run checks PNGs).
        Err(e) => {
            assert!(matches!(e, ChartError::NoJapaneseFont), "{e}");
            return;
        }
    };
    let with_text = |title: &str| -> Vec<u8> {
        let spec = ChartSpec {
            stem: "t".into(),
            title: title.into(),
            chart: Chart::Ranked(Ranked {
                labels: vec!["a".into()],
                counts: vec![1],
                x_label: String::new(),
                base: None,
            }),
        };
        rasteriser.png(&render_svg(&spec).unwrap(), 2.0).unwrap()
    };
    let decode = |bytes: &[u8]| resvg::tiny_skia::Pixmap::decode_png(bytes).unwrap();
    let blank = decode(&with_text(""));
    let titled = decode(&with_text("職員満足度"));
    assert_eq!((blank.width(), blank.height()), (720 * 2, 140 * 2));
    // The title's glyphs ink pixels the untitled chart leaves white: a font drew them.
    let inked = |p: &resvg::tiny_skia::Pixmap| p.pixels().iter().filter(|c| c.red() < 128).count();
    assert!(
        inked(&titled) > inked(&blank) + 500,
        "{} vs {}",
        inked(&titled),
        inked(&blank)
    );
}

#[test]
fn changes_grow_from_zero_in_proportion_and_colour_the_significant_ones() {
    // +0.09 and −0.03 from zero: the negative bar ends where the positive one starts, a third
    // of its length (hand-worked: 0.03 / 0.09).
    let spec = ChartSpec {
        stem: "changes-dimensions".into(),
        title: "領域の変化 R5 → R6".into(),
        chart: Chart::Changes(engage_charts::spec::Changes {
            labels: vec!["改革・改善".into(), "福利厚生".into()],
            differences: vec![0.09, -0.03],
            intervals: vec![Some((0.05, 0.13)), Some((-0.07, 0.01))],
            significant: vec![true, false],
            x_label: "今回 − 前回".into(),
        }),
    };
    let svg = render_svg(&spec).unwrap();
    let all = rects(&svg);
    let up = all
        .iter()
        .find(|r| r.4 == "#E15759")
        .expect("significant bar in accent");
    let down = all
        .iter()
        .find(|r| r.4 == BAR)
        .expect("other bar in the bar colour");
    assert!((down.0 + down.2 - up.0).abs() <= 1.0, "{up:?} {down:?}");
    assert!((down.2 - up.2 / 3.0).abs() <= 1.0, "{up:?} {down:?}");
    let t = texts(&svg);
    for shown in ["+0.09", "-0.03", "改革・改善", "福利厚生"] {
        assert!(t.iter().any(|x| x == shown), "{shown} missing from {t:?}");
    }
}

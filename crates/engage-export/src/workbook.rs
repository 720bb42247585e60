//! The report workbook a bureau head can open and print: a Summary sheet first, then every
//! table, then a heatmap of each segment's groups × dimensions, native (editable) Excel charts
//! and a Method sheet defining the figures. The charts read their numbers from cells of the
//! Charts sheet, so what the chart shows is what the cells say.

use std::path::Path;

use engage_model::Label;
use engage_report::Report;
use rust_xlsxwriter::{
    Chart, ChartType, ConditionalFormat3ColorScale, Format, Workbook, Worksheet, XlsxError,
};

use crate::tables::{Lang, Table};
use crate::xlsx::{table_sheet, Formats};
use crate::Created;
use crate::ExportError;

/// Writes `report.xlsx`: Summary, the tables, Heatmap, Charts, Method.
pub fn write_report_workbook(
    report: &Report,
    tables: &[Table],
    path: &Path,
    lang: Lang,
    created: Created,
) -> Result<(), ExportError> {
    let err = |e: XlsxError| ExportError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut workbook = Workbook::new();
    workbook.set_properties(&created.properties());
    let formats = Formats::new();
    summary(workbook.add_worksheet(), report, lang, &formats).map_err(err)?;
    for table in tables {
        table_sheet(workbook.add_worksheet(), table, lang, &formats).map_err(err)?;
    }
    // Groups × dimensions: a survey of items and segments without dimensions has none.
    if !report.dimensions.is_empty() {
        heatmap(workbook.add_worksheet(), report, lang, &formats).map_err(err)?;
    }
    charts(workbook.add_worksheet(), report, lang, &formats).map_err(err)?;
    method(workbook.add_worksheet(), lang, &formats).map_err(err)?;
    // Compressing the sheets' XML is most of saving. Level 3 instead of zip's 6: at 1M rows
    // (960 sections) saving took 0.38 s instead of 0.54 s for a file 10% larger (3.3 MB).
    workbook.set_zip_compression_level(3);
    workbook.save(path).map_err(err)
}

fn t(label: &Label, lang: Lang) -> &str {
    label.get(lang.code())
}

fn title(sheet: &mut Worksheet, row: u32, text: &str) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, 0, text, &Format::new().set_bold().set_font_size(13))?;
    Ok(())
}

fn header(sheet: &mut Worksheet, row: u32, cells: &[&str], f: &Formats) -> Result<(), XlsxError> {
    for (c, h) in cells.iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *h, &f.header)?;
    }
    Ok(())
}

fn summary(sheet: &mut Worksheet, r: &Report, lang: Lang, f: &Formats) -> Result<(), XlsxError> {
    let l = |ja: &str, en: &str| Label::new(ja, en).get(lang.code()).to_string();
    sheet.set_name(l("概要", "Summary"))?;
    sheet.set_column_width(0, 44.0)?;
    for c in 1..7 {
        sheet.set_column_width(c, 14.0)?;
    }
    title(sheet, 0, t(&r.survey.title, lang))?;
    sheet.write_string(
        1,
        0,
        format!(
            "{} {} ({})",
            l("調査回", "Wave"),
            r.survey.wave.label,
            r.survey.wave.year
        ),
    )?;
    sheet.write_string(2, 0, l("回答者数", "Respondents"))?;
    sheet.write_number(2, 1, r.responses.accepted as f64)?;
    let mut row = 3;
    if let Some(p) = &r.population {
        if let Some(rate) = p.response_rate {
            sheet.write_string(row, 0, l("回答率", "Response rate"))?;
            sheet.write_number_with_format(row, 1, rate, &f.share)?;
            row += 1;
        }
    }
    row += 1;
    title(sheet, row, &l("検証指標", "KPIs"))?;
    row += 1;
    header(
        sheet,
        row,
        &[
            &l("指標", "KPI"),
            &l("値", "Value"),
            &l("基準値", "Baseline"),
            &l("目標値", "Target"),
            &l("計画線上の値", "Trajectory"),
            &l("進捗", "Status"),
            &l("目標までの差", "Gap to target"),
        ],
        f,
    )?;
    for k in &r.kpis {
        row += 1;
        let fmt = if k.kind == engage_model::KpiKind::Share {
            &f.share
        } else {
            &f.mean
        };
        sheet.write_string(row, 0, t(&k.label, lang))?;
        if let (false, Some(v)) = (k.withheld, &k.value) {
            sheet.write_number_with_format(row, 1, v.value, fmt)?;
            if let Some(g) = v.gap_to_target {
                sheet.write_number_with_format(row, 6, g, fmt)?;
            }
        } else {
            sheet.write_string_with_format(row, 1, "—", &f.withheld)?;
        }
        if let Some(b) = k.baseline {
            sheet.write_number_with_format(row, 2, b.value, fmt)?;
        }
        if let Some(tg) = k.target {
            sheet.write_number_with_format(row, 3, tg.value, fmt)?;
        }
        if let Some(tr) = &k.tracking {
            if let Some(line) = tr.trajectory {
                sheet.write_number_with_format(row, 4, line, fmt)?;
            }
            if let Some(st) = tr.status {
                sheet.write_string(row, 5, t(&st.label(), lang))?;
            }
        }
    }
    // Dimensions from lowest to highest: the three lowest are where to look first.
    let mut dims: Vec<(&str, f64)> = r
        .published_dimension_means()
        .map(|(label, mean)| (t(label, lang), mean))
        .collect();
    dims.sort_by(|a, b| a.1.total_cmp(&b.1));
    row += 2;
    title(sheet, row, &l("領域（低い順）", "Dimensions, lowest first"))?;
    row += 1;
    header(
        sheet,
        row,
        &[&l("領域", "Dimension"), &l("平均", "Mean"), ""],
        f,
    )?;
    let n = dims.len();
    for (i, (name, mean)) in dims.iter().enumerate() {
        row += 1;
        sheet.write_string(row, 0, *name)?;
        sheet.write_number_with_format(row, 1, *mean, &f.mean)?;
        if i < 3 {
            sheet.write_string(row, 2, l("低い3領域", "lowest three"))?;
        } else if i + 3 >= n {
            sheet.write_string(row, 2, l("高い3領域", "highest three"))?;
        }
    }
    row += 2;
    match &r.previous_wave {
        Some(c) => {
            title(
                sheet,
                row,
                &format!(
                    "{} {} → {}",
                    l(
                        "前回調査からの大きな変化",
                        "Largest changes since the previous wave"
                    ),
                    c.a.wave.label,
                    c.b.wave.label
                ),
            )?;
            row += 1;
            header(
                sheet,
                row,
                &[
                    &l("領域・設問", "Dimension or item"),
                    &l("前回", "Previous"),
                    &l("今回", "This wave"),
                    &l("差", "Difference"),
                    &l("調整済みp値", "Adjusted p"),
                    &l("判定（BH 5%）", "BH 5%"),
                ],
                f,
            )?;
            let diff = Format::new().set_num_format("+0.00;-0.00;0.00");
            for x in engage_report::largest_changes(c, 5) {
                row += 1;
                sheet.write_string(row, 0, t(&x.label, lang))?;
                if let (Some(a), Some(b)) = (&x.a, &x.b) {
                    sheet.write_number_with_format(row, 1, a.value, &f.mean)?;
                    sheet.write_number_with_format(row, 2, b.value, &f.mean)?;
                }
                if let Some(d) = x.difference {
                    sheet.write_number_with_format(row, 3, d, &diff)?;
                }
                if let Some(p) = x.p_adjusted {
                    sheet.write_number(row, 4, p)?;
                    sheet.write_string(
                        row,
                        5,
                        if p < 0.05 {
                            l("有意な変化", "significant")
                        } else {
                            l("差は誤差の範囲", "within noise")
                        },
                    )?;
                }
            }
        }
        None => {
            sheet.write_string(
                row,
                0,
                l(
                    "年度間の変化: engage report --earlier で前回調査を渡すとここに表示（または engage compare の compare.xlsx）。",
                    "Changes between waves: give the previous wave with engage report --earlier to list them here (or see compare.xlsx from engage compare).",
                ),
            )?;
        }
    }
    sheet.set_print_area(0, 0, row, 6)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// Each plain segment's groups × dimensions: means with a colour scale, then each group's
/// difference from the whole organisation and, with a previous wave, from that wave.
fn heatmap(sheet: &mut Worksheet, r: &Report, lang: Lang, f: &Formats) -> Result<(), XlsxError> {
    let l = |ja: &str, en: &str| Label::new(ja, en).get(lang.code()).to_string();
    sheet.set_name(l("ヒートマップ", "Heatmap"))?;
    sheet.set_column_width(0, 30.0)?;
    let dims = &r.dimensions;
    let k = dims.len() as u16;
    let org: Vec<Option<f64>> = dims
        .iter()
        .map(|d| {
            (!d.withheld)
                .then(|| d.figures.as_ref().map(|x| x.mean))
                .flatten()
        })
        .collect();
    let diff = Format::new().set_num_format("+0.00;-0.00;0.00");
    let previous = r.previous_wave.as_ref().map(|c| &c.segments);
    let mut row = 0u32;
    for seg in r.segments.iter().filter(|s| s.across.is_none()) {
        title(sheet, row, t(&seg.label, lang))?;
        row += 1;
        let mut cols: Vec<String> = vec![l("グループ", "Group")];
        cols.extend(dims.iter().map(|d| t(&d.label, lang).to_string()));
        cols.push(String::new());
        cols.extend(dims.iter().map(|d| {
            format!(
                "{} {}",
                t(&d.label, lang),
                l("(全体との差)", "(vs organisation)")
            )
        }));
        if previous.is_some() {
            cols.push(String::new());
            cols.extend(dims.iter().map(|d| {
                format!(
                    "{} {}",
                    t(&d.label, lang),
                    l("(前回との差)", "(vs previous wave)")
                )
            }));
        }
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        header(sheet, row, &refs, f)?;
        let first = row + 1;
        for g in &seg.groups {
            row += 1;
            sheet.write_string(row, 0, t(&g.label, lang))?;
            for (j, d) in g.dimensions.iter().enumerate() {
                let c = 1 + j as u16;
                match (&d.figures, d.withheld) {
                    (Some(x), false) => {
                        sheet.write_number_with_format(row, c, x.mean, &f.mean)?;
                        if let Some(o) = org[j] {
                            sheet.write_number_with_format(row, c + k + 1, x.mean - o, &diff)?;
                        }
                    }
                    _ => {
                        sheet.write_string_with_format(row, c, "—", &f.withheld)?;
                        sheet.write_string_with_format(row, c + k + 1, "—", &f.withheld)?;
                    }
                }
                // The group's change since the previous wave, as the comparison publishes it.
                if let Some(changes) = previous {
                    let at = c + 2 * k + 2;
                    let change = changes.iter().find(|x| {
                        x.segment.as_deref() == Some(seg.id.as_str())
                            && x.group.as_deref() == Some(g.key.as_str())
                            && x.id == dims[j].id
                    });
                    match change.filter(|x| !x.withheld).and_then(|x| x.difference) {
                        Some(d) => sheet.write_number_with_format(row, at, d, &diff)?,
                        None => sheet.write_string_with_format(row, at, "—", &f.withheld)?,
                    };
                }
            }
        }
        if row >= first {
            let scale = ConditionalFormat3ColorScale::new()
                .set_minimum_color("#F8696B")
                .set_midpoint_color("#FFEB84")
                .set_maximum_color("#63BE7B");
            sheet.add_conditional_format(first, 1, row, k, &scale)?;
            sheet.add_conditional_format(first, k + 2, row, 2 * k + 1, &scale)?;
            if previous.is_some() {
                sheet.add_conditional_format(first, 2 * k + 3, row, 3 * k + 2, &scale)?;
            }
        }
        row += 2;
    }
    sheet.write_string(
        row,
        0,
        l(
            "— は匿名性保護のため非公表（回答者が少ない、または他の数値から逆算されるのを防ぐため）",
            "— withheld for anonymity: too few respondents, or it would let a small group be recovered",
        ),
    )?;
    sheet.set_freeze_panes(0, 1)?;
    // Printed: every block, the group names repeated on each page across.
    let width = if previous.is_some() {
        3 * k + 2
    } else {
        2 * k + 1
    };
    sheet.set_print_area(0, 0, row, width)?;
    sheet.set_repeat_columns(0, 0)?;
    sheet.set_landscape();
    Ok(())
}

/// The charts and the cells they read.
fn charts(sheet: &mut Worksheet, r: &Report, lang: Lang, f: &Formats) -> Result<(), XlsxError> {
    let l = |ja: &str, en: &str| Label::new(ja, en).get(lang.code()).to_string();
    let name = l("グラフ", "Charts");
    sheet.set_name(&name)?;
    sheet.set_column_width(0, 34.0)?;
    let mut row = 0u32;

    // 1. Dimension means with the average line, as in the plan.
    let dims: Vec<(&str, f64)> = r
        .published_dimension_means()
        .map(|(label, mean)| (t(label, lang), mean))
        .collect();
    if !dims.is_empty() {
        let average = dims.iter().map(|d| d.1).sum::<f64>() / dims.len() as f64;
        let avg_label = l(
            "平均（各領域の平均値の単純平均）",
            "Average (unweighted mean of the dimension means)",
        );
        header(
            sheet,
            row,
            &[&l("領域", "Dimension"), &l("平均", "Mean"), &avg_label],
            f,
        )?;
        for (i, (label, mean)) in dims.iter().enumerate() {
            let at = row + 1 + i as u32;
            sheet.write_string(at, 0, *label)?;
            sheet.write_number_with_format(at, 1, *mean, &f.mean)?;
            sheet.write_number_with_format(at, 2, average, &f.mean)?;
        }
        let last = row + dims.len() as u32;
        let mut bars = Chart::new(ChartType::Column);
        bars.title()
            .set_name(&l("領域別の平均", "Mean by dimension"));
        bars.add_series()
            .set_name((name.as_str(), row, 1))
            .set_categories((name.as_str(), row + 1, 0, last, 0))
            .set_values((name.as_str(), row + 1, 1, last, 1));
        let mut line = Chart::new(ChartType::Line);
        line.add_series()
            .set_name((name.as_str(), row, 2))
            .set_categories((name.as_str(), row + 1, 0, last, 0))
            .set_values((name.as_str(), row + 1, 2, last, 2));
        bars.combine(&line);
        bars.y_axis()
            .set_min(1.0)
            .set_max(f64::from(r.survey.scale.max));
        sheet.insert_chart(row, 4, &bars)?;
        row = (last + 2).max(row + 17);
    }

    // 2. Each multi-select question ranked, most picked on top (the exclusive option apart).
    for q in r.multi_select.iter().filter(|q| !q.withheld) {
        let mut options: Vec<(&str, u64, u32)> = q
            .options
            .iter()
            .filter_map(|o| o.rank.map(|rank| (t(&o.label, lang), o.count, rank)))
            .collect();
        if options.is_empty() {
            continue;
        }
        options.sort_by_key(|o| o.2);
        header(sheet, row, &[t(&q.label, lang), &l("回答数", "Count")], f)?;
        for (i, (label, count, _)) in options.iter().enumerate() {
            sheet.write_string(row + 1 + i as u32, 0, *label)?;
            sheet.write_number(row + 1 + i as u32, 1, *count as f64)?;
        }
        let last = row + options.len() as u32;
        let mut chart = Chart::new(ChartType::Bar);
        chart.title().set_name(t(&q.label, lang));
        chart
            .add_series()
            .set_name((name.as_str(), row, 1))
            .set_categories((name.as_str(), row + 1, 0, last, 0))
            .set_values((name.as_str(), row + 1, 1, last, 1));
        chart.x_axis().set_reverse();
        chart.legend().set_hidden();
        sheet.insert_chart(row, 4, &chart)?;
        row = (last + 2).max(row + 17);
    }

    // 3. Each KPI's path from baseline to target, with this wave's value.
    for k in &r.kpis {
        let (Some(b), Some(tg), Some(v), false) = (k.baseline, k.target, &k.value, k.withheld)
        else {
            continue;
        };
        if tg.year <= b.year {
            continue;
        }
        header(
            sheet,
            row,
            &[
                &l("年度", "Year"),
                &l("計画線", "Plan"),
                &l("実績", "Actual"),
            ],
            f,
        )?;
        let fmt = if k.kind == engage_model::KpiKind::Share {
            &f.share
        } else {
            &f.mean
        };
        let wave = r.survey.wave.year;
        let mut at = row;
        for year in b.year..=tg.year {
            at += 1;
            let plan = b.value
                + (tg.value - b.value) * f64::from(year - b.year) / f64::from(tg.year - b.year);
            sheet.write_string(at, 0, year.to_string())?;
            sheet.write_number_with_format(at, 1, plan, fmt)?;
            if year == wave {
                sheet.write_number_with_format(at, 2, v.value, fmt)?;
            }
        }
        let mut chart = Chart::new(ChartType::Line);
        chart.title().set_name(t(&k.label, lang));
        chart
            .add_series()
            .set_name((name.as_str(), row, 1))
            .set_categories((name.as_str(), row + 1, 0, at, 0))
            .set_values((name.as_str(), row + 1, 1, at, 1));
        chart
            .add_series()
            .set_name((name.as_str(), row, 2))
            .set_categories((name.as_str(), row + 1, 0, at, 0))
            .set_values((name.as_str(), row + 1, 2, at, 2))
            .set_marker(
                rust_xlsxwriter::ChartMarker::new()
                    .set_type(rust_xlsxwriter::ChartMarkerType::Diamond)
                    .set_size(10),
            );
        sheet.insert_chart(row, 4, &chart)?;
        row = (at + 2).max(row + 17);
    }

    // 4. Importance (share of R²) against performance (favourable share), per KPI.
    for d in r.drivers.iter().filter(|d| !d.withheld) {
        let points: Vec<(&str, f64, f64)> = d
            .dimensions
            .iter()
            .filter_map(|x| {
                let label = r
                    .dimensions
                    .iter()
                    .find(|y| y.id == x.id)
                    .map(|y| t(&y.label, lang))?;
                Some((label, x.share?, x.favourable?))
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let kpi = r
            .kpis
            .iter()
            .find(|k| k.id == d.kpi)
            .map_or(d.kpi.as_str(), |k| t(&k.label, lang));
        header(
            sheet,
            row,
            &[
                &l("領域", "Dimension"),
                &l("重要度（R²に占める割合）", "Importance (share of R²)"),
                &l("肯定率", "Favourable share"),
            ],
            f,
        )?;
        for (i, (label, share, fav)) in points.iter().enumerate() {
            let at = row + 1 + i as u32;
            sheet.write_string(at, 0, *label)?;
            sheet.write_number_with_format(at, 1, *share, &f.share)?;
            sheet.write_number_with_format(at, 2, *fav, &f.share)?;
        }
        let last = row + points.len() as u32;
        let mut chart = Chart::new(ChartType::Scatter);
        chart.title().set_name(&format!(
            "{}: {kpi}",
            l("重要度×満足度", "Importance × performance")
        ));
        chart
            .add_series()
            .set_name(&l("領域", "Dimensions"))
            .set_categories((name.as_str(), row + 1, 1, last, 1))
            .set_values((name.as_str(), row + 1, 2, last, 2));
        chart.x_axis().set_name(&l("重要度", "Importance"));
        chart.y_axis().set_name(&l("肯定率", "Favourable share"));
        chart.legend().set_hidden();
        sheet.insert_chart(row, 4, &chart)?;
        row = (last + 2).max(row + 17);
    }
    let _ = row;
    sheet.set_landscape();
    Ok(())
}

fn method(sheet: &mut Worksheet, lang: Lang, f: &Formats) -> Result<(), XlsxError> {
    let l = |ja: &str, en: &str| Label::new(ja, en).get(lang.code()).to_string();
    sheet.set_name(l("集計方法", "Method"))?;
    sheet.set_column_width(0, 28.0)?;
    sheet.set_column_width(1, 110.0)?;
    header(
        sheet,
        0,
        &[&l("数値", "Figure"), &l("定義", "Definition")],
        f,
    )?;
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    for (i, ((fj, fe), (dj, de))) in crate::method::DEFINITIONS.iter().enumerate() {
        let at = 1 + i as u32;
        sheet.write_string_with_format(at, 0, l(fj, fe), &wrap)?;
        sheet.write_string_with_format(at, 1, l(dj, de), &wrap)?;
    }
    Ok(())
}

//! The wave comparison as flat tables: one per family of tests (`compare_kpis`,
//! `compare_dimensions`, `compare_items`, `compare_item_favourable`, `compare_segments`).

use engage_model::Label;
use engage_report::{Change, Comparison};

use crate::tables::{col, count as int, opt as num, Cell, Kind, Lang, Table};

fn table(name: &'static str, title: Label, rows: &[Change], with_group: bool, lang: Lang) -> Table {
    let mut columns = Vec::new();
    if with_group {
        columns.push(col("segment_id", "区分ID", "Segment id"));
        columns.push(col("group", "グループ", "Group"));
    }
    columns.extend([
        col("id", "ID", "Id"),
        col("label", "項目", "Measure"),
        col("measure", "種別", "Kind"),
        col("n_a", "回答数 A", "n A"),
        col("value_a", "値 A", "Value A"),
        col("n_b", "回答数 B", "n B"),
        col("value_b", "値 B", "Value B"),
        col("difference", "差 (B − A)", "Difference (B − A)"),
        col(
            "ci_lower",
            "差の95%信頼区間 下限",
            "Difference 95% CI lower",
        ),
        col(
            "ci_upper",
            "差の95%信頼区間 上限",
            "Difference 95% CI upper",
        ),
        col("test", "検定", "Test"),
        col("statistic", "検定統計量", "Statistic"),
        col("df", "自由度", "df"),
        col("p_value", "p値", "p-value"),
        col("p_adjusted", "調整済みp値 (BH)", "Adjusted p (BH)"),
        col("cohen_d", "Cohenのd", "Cohen's d"),
        col("hedges_g", "Hedgesのg", "Hedges' g"),
        col("withheld", "非公表", "Withheld"),
    ]);
    let body = rows
        .iter()
        .map(|c| {
            let w = c.withheld;
            let kind = if c.measure == "share" {
                Kind::Share
            } else {
                Kind::Mean
            };
            let mut row = Vec::new();
            if with_group {
                row.push(Cell::Text(c.segment.clone().unwrap_or_default()));
                row.push(Cell::Text(c.group.clone().unwrap_or_default()));
            }
            row.extend([
                Cell::Text(c.id.clone()),
                Cell::Text(c.label.get(lang.code()).to_string()),
                Cell::Text(c.measure.to_string()),
                int(c.a.map(|s| s.n), w),
                num(c.a.map(|s| s.value), kind, w),
                int(c.b.map(|s| s.n), w),
                num(c.b.map(|s| s.value), kind, w),
                num(c.difference, kind, w),
                num(c.ci.map(|i| i.lower), kind, w),
                num(c.ci.map(|i| i.upper), kind, w),
                c.test.map_or(Cell::Empty, |t| Cell::Text(t.to_string())),
                num(c.statistic, Kind::Plain, w),
                num(c.df, Kind::Plain, w),
                num(c.p_value, Kind::Plain, w),
                num(c.p_adjusted, Kind::Plain, w),
                num(c.cohen_d, Kind::Plain, w),
                num(c.hedges_g, Kind::Plain, w),
                Cell::Bool(w),
            ]);
            row
        })
        .collect();
    Table {
        name,
        title,
        columns,
        rows: body,
    }
}

pub fn comparison_tables(c: &Comparison, lang: Lang) -> Vec<Table> {
    vec![
        table(
            "compare_kpis",
            Label::new("指標の変化", "KPI changes"),
            &c.kpis,
            false,
            lang,
        ),
        table(
            "compare_dimensions",
            Label::new("領域の変化", "Dimension changes"),
            &c.dimensions,
            false,
            lang,
        ),
        table(
            "compare_items",
            Label::new("設問の変化", "Item changes"),
            &c.items,
            false,
            lang,
        ),
        table(
            "compare_item_favourable",
            Label::new("肯定率の変化", "Favourable share changes"),
            &c.item_favourable,
            false,
            lang,
        ),
        table(
            "compare_segments",
            Label::new("区分別の変化", "Changes by segment"),
            &c.segments,
            true,
            lang,
        ),
    ]
}

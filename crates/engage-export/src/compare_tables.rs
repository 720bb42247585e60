//! The wave comparison as flat tables: one per family of tests (`compare_kpis`,
//! `compare_dimensions`, `compare_items`, `compare_item_favourable`, `compare_segments`, and with `--paired` `compare_paired_kpis`, `compare_paired_dimensions`, `compare_paired_items`).

use engage_model::Label;
use engage_report::{Change, Comparison, PairedChange, WilcoxonMethod};

use crate::tables::{col, count as int, opt as num, Cell, Column, Kind, Lang, Table};

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
    ]);
    columns.extend(test_columns());
    columns.extend([
        col("cohen_d", "Cohenのd", "Cohen's d"),
        col("hedges_g", "Hedgesのg", "Hedges' g"),
        col("withheld", "非公表", "Withheld"),
    ]);
    if with_group {
        columns.push(col("groups_a", "対応するAのグループ", "Wave A groups"));
        columns.push(col("groups_b", "対応するBのグループ", "Wave B groups"));
    }
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
            if with_group {
                let joined = |g: &Option<Vec<String>>| {
                    g.as_ref()
                        .map_or(Cell::Empty, |g| Cell::Text(g.join(" + ")))
                };
                row.push(joined(&c.a_groups));
                row.push(joined(&c.b_groups));
            }
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
    let mut tables = vec![
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
    ];
    if let Some(p) = &c.paired {
        for (name, title, rows) in [
            (
                "compare_paired_kpis",
                Label::new("指標の変化（同一回答者）", "KPI changes, same respondents"),
                &p.kpis,
            ),
            (
                "compare_paired_dimensions",
                Label::new(
                    "領域の変化（同一回答者）",
                    "Dimension changes, same respondents",
                ),
                &p.dimensions,
            ),
            (
                "compare_paired_items",
                Label::new("設問の変化（同一回答者）", "Item changes, same respondents"),
                &p.items,
            ),
        ] {
            tables.push(paired_table(name, title, rows, lang));
        }
    }
    tables
}

/// The interval of the difference and its test, shared by the Welch and the paired tables.
fn test_columns() -> [Column; 7] {
    [
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
    ]
}

fn paired_table(name: &'static str, title: Label, rows: &[PairedChange], lang: Lang) -> Table {
    let mut columns = vec![
        col("id", "ID", "Id"),
        col("label", "項目", "Measure"),
        col("measure", "種別", "Kind"),
        col("pairs", "対応のある回答者数", "Pairs"),
        col("value_a", "値 A", "Value A"),
        col("value_b", "値 B", "Value B"),
        col("difference", "差の平均 (B − A)", "Mean difference (B − A)"),
        col("sd_difference", "差の標準偏差", "SD of differences"),
    ];
    columns.extend(test_columns());
    columns.extend([
        col("d_z", "効果量 d_z", "d_z"),
        col("wilcoxon_statistic", "Wilcoxon W", "Wilcoxon W"),
        col("wilcoxon_method", "Wilcoxon 方法", "Wilcoxon method"),
        col("wilcoxon_p", "Wilcoxon p値", "Wilcoxon p"),
        col(
            "wilcoxon_p_adjusted",
            "Wilcoxon 調整済みp値 (BH)",
            "Wilcoxon adjusted p (BH)",
        ),
        col("rank_biserial", "順位双列相関", "Rank-biserial r"),
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
            let wx = c.wilcoxon.as_ref();
            vec![
                Cell::Text(c.id.clone()),
                Cell::Text(c.label.get(lang.code()).to_string()),
                Cell::Text(c.measure.to_string()),
                int((!w).then_some(c.pairs), w),
                num(c.mean_a, kind, w),
                num(c.mean_b, kind, w),
                num(c.difference, kind, w),
                num(c.sd_difference, Kind::Plain, w),
                num(c.ci.map(|i| i.lower), kind, w),
                num(c.ci.map(|i| i.upper), kind, w),
                c.test.map_or(Cell::Empty, |t| Cell::Text(t.to_string())),
                num(c.statistic, Kind::Plain, w),
                num(c.df, Kind::Plain, w),
                num(c.p_value, Kind::Plain, w),
                num(c.p_adjusted, Kind::Plain, w),
                num(c.d_z, Kind::Plain, w),
                num(wx.map(|x| x.statistic), Kind::Plain, w),
                wx.map_or(Cell::Empty, |x| {
                    Cell::Text(
                        match x.method {
                            WilcoxonMethod::Exact => "exact",
                            WilcoxonMethod::Normal => "normal",
                        }
                        .to_string(),
                    )
                }),
                num(wx.map(|x| x.p_value), Kind::Plain, w),
                num(wx.and_then(|x| x.p_adjusted), Kind::Plain, w),
                num(wx.map(|x| x.rank_biserial), Kind::Plain, w),
                Cell::Bool(w),
            ]
        })
        .collect();
    Table {
        name,
        title,
        columns,
        rows: body,
    }
}

//! The report as flat tables in tidy long form: one row per figure, stable column keys, labels in
//! the chosen language. Both the workbook and the CSV writer render these.

use engage_model::Label;
use engage_report::{ItemFigures, KpiValue, Report, ScoreFigures};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// How a number is shown in the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A mean or score: two decimals.
    Mean,
    /// A fraction shown as a percentage with one decimal.
    Share,
    /// Anything else: three decimals.
    Plain,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(u64),
    Number(f64, Kind),
    Bool(bool),
    /// No figure exists (e.g. no baseline was given).
    Empty,
    /// A figure exists but is withheld for anonymity.
    Withheld,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub key: &'static str,
    pub label: Label,
}

#[derive(Debug, Clone)]
pub struct Table {
    /// File and sheet key, e.g. `dimensions`.
    pub name: &'static str,
    pub title: Label,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

pub(crate) fn col(key: &'static str, ja: &str, en: &str) -> Column {
    Column {
        key,
        label: Label::new(ja, en),
    }
}

pub(crate) fn text(label: &Label, lang: Lang) -> Cell {
    Cell::Text(label.get(lang.code()).to_string())
}

/// A number, an empty cell when there is none, or the withheld marker.
pub(crate) fn opt(v: Option<f64>, kind: Kind, withheld: bool) -> Cell {
    match (withheld, v) {
        (true, _) => Cell::Withheld,
        (false, Some(v)) => Cell::Number(v, kind),
        (false, None) => Cell::Empty,
    }
}

pub(crate) fn count(v: Option<u64>, withheld: bool) -> Cell {
    match (withheld, v) {
        (true, _) => Cell::Withheld,
        (false, Some(v)) => Cell::Int(v),
        (false, None) => Cell::Empty,
    }
}

/// Columns shared by every mean-type figure.
fn score_columns() -> Vec<Column> {
    vec![
        col("n", "回答数", "n"),
        col("mean", "平均", "Mean"),
        col("sd", "標準偏差", "SD"),
        col("ci_lower", "95%信頼区間 下限", "95% CI lower"),
        col("ci_upper", "95%信頼区間 上限", "95% CI upper"),
        col("favourable", "肯定的回答率", "Favourable"),
        col("neutral", "中立回答率", "Neutral"),
        col("unfavourable", "否定的回答率", "Unfavourable"),
        col("withheld", "非公表", "Withheld"),
    ]
}

struct Score {
    n: u64,
    mean: f64,
    sd: Option<f64>,
    ci: Option<engage_report::Interval>,
    /// `None`: withheld for anonymity (a dimension's pooled shares in a group where one of its
    /// items is withheld).
    shares: [Option<f64>; 3],
}

impl From<&ScoreFigures> for Score {
    fn from(f: &ScoreFigures) -> Self {
        Score {
            n: f.n,
            mean: f.mean,
            sd: f.sd,
            ci: f.ci,
            shares: [f.favourable, f.neutral, f.unfavourable],
        }
    }
}

impl From<&ItemFigures> for Score {
    fn from(f: &ItemFigures) -> Self {
        Score {
            n: f.n,
            mean: f.mean,
            sd: f.sd,
            ci: f.ci,
            shares: [Some(f.favourable), Some(f.neutral), Some(f.unfavourable)],
        }
    }
}

fn score_cells(s: Option<Score>, withheld: bool) -> Vec<Cell> {
    let s = s.as_ref();
    vec![
        count(s.map(|s| s.n), withheld),
        opt(s.map(|s| s.mean), Kind::Mean, withheld),
        opt(s.and_then(|s| s.sd), Kind::Mean, withheld),
        opt(s.and_then(|s| s.ci).map(|c| c.lower), Kind::Mean, withheld),
        opt(s.and_then(|s| s.ci).map(|c| c.upper), Kind::Mean, withheld),
        share_cell(s, 0, withheld),
        share_cell(s, 1, withheld),
        share_cell(s, 2, withheld),
        Cell::Bool(withheld),
    ]
}

/// A favourable, neutral or unfavourable share: withheld with the figure, or alone.
fn share_cell(s: Option<&Score>, k: usize, withheld: bool) -> Cell {
    match s {
        Some(s) if !withheld && s.shares[k].is_none() => Cell::Withheld,
        _ => opt(s.and_then(|s| s.shares[k]), Kind::Share, withheld),
    }
}

fn kpi_value_cells(v: Option<&KpiValue>, share: bool, withheld: bool) -> Vec<Cell> {
    let kind = if share { Kind::Share } else { Kind::Mean };
    vec![
        count(v.map(|v| v.n), withheld),
        opt(v.map(|v| v.value), kind, withheld),
        opt(v.and_then(|v| v.ci).map(|c| c.lower), kind, withheld),
        opt(v.and_then(|v| v.ci).map(|c| c.upper), kind, withheld),
        opt(v.and_then(|v| v.gap_to_target), kind, withheld),
        opt(v.and_then(|v| v.progress), Kind::Share, withheld),
    ]
}

fn kpi_value_columns() -> Vec<Column> {
    vec![
        col("n", "回答数", "n"),
        col("value", "値", "Value"),
        col("ci_lower", "95%信頼区間 下限", "95% CI lower"),
        col("ci_upper", "95%信頼区間 上限", "95% CI upper"),
        col("gap_to_target", "目標までの差", "Gap to target"),
        col(
            "progress",
            "進捗率（基準値→目標値）",
            "Progress (baseline to target)",
        ),
    ]
}

/// All tables of a report, in workbook order.
pub fn tables(report: &Report, lang: Lang) -> Vec<Table> {
    let mut tables = vec![
        kpi_table(report, lang),
        dimension_table(report, lang),
        reliability_table(report, lang),
        item_table(report, lang),
        segment_table(report, lang),
        multi_select_table(report, lang),
        multi_gap_table(report, lang),
        multi_segment_table(report, lang),
        co_pick_table(report),
        driver_table(report, lang),
        quality_table(report),
        problem_table(report, lang),
    ];
    if let Some(p) = &report.population {
        tables.extend(crate::population_tables::population_tables(p, lang));
    }
    if let Some(c) = &report.previous_wave {
        tables.extend(crate::compare_tables::comparison_tables(c, lang));
    }
    if let Some(f) = &report.free_text {
        tables.extend(crate::comment_tables::comment_tables(f, lang));
    }
    tables
}

fn kpi_table(report: &Report, lang: Lang) -> Table {
    let mut columns = vec![
        col("kpi_id", "指標ID", "KPI id"),
        col("kpi", "指標", "KPI"),
        col("kind", "種別", "Kind"),
    ];
    columns.extend(kpi_value_columns());
    columns.extend([
        col("baseline_year", "基準年度", "Baseline year"),
        col("baseline", "基準値", "Baseline"),
        col("target_year", "目標年度", "Target year"),
        col("target", "目標値", "Target"),
        col("trajectory", "計画線上の値", "Trajectory value"),
        col("status", "進捗", "Status"),
        col("needed_per_year", "必要な年間改善幅", "Needed per year"),
        col(
            "baseline_difference",
            "基準値との差",
            "Difference from baseline",
        ),
        col("baseline_p", "基準値との差 p値", "Difference p-value"),
        col(
            "baseline_test_against",
            "基準値との比較対象",
            "Baseline test against",
        ),
        col("trend_slope", "傾向（年あたり）", "Trend per year"),
        col("trend_p", "傾向 p値", "Trend p-value"),
        col(
            "trend_projected",
            "傾向線の目標年度の値",
            "Trend at target year",
        ),
        col("withheld", "非公表", "Withheld"),
    ]);
    let rows = report
        .kpis
        .iter()
        .map(|k| {
            let share = k.kind == engage_model::KpiKind::Share;
            let kind = if share { Kind::Share } else { Kind::Mean };
            let kind_label = if share {
                Label::new("割合", "share")
            } else {
                Label::new("平均", "mean")
            };
            let mut row = vec![
                Cell::Text(k.id.clone()),
                text(&k.label, lang),
                text(&kind_label, lang),
            ];
            row.extend(kpi_value_cells(k.value.as_ref(), share, k.withheld));
            row.extend([
                k.baseline.map_or(Cell::Empty, |b| Cell::Int(b.year as u64)),
                k.baseline
                    .map_or(Cell::Empty, |b| Cell::Number(b.value, kind)),
                k.target.map_or(Cell::Empty, |t| Cell::Int(t.year as u64)),
                k.target
                    .map_or(Cell::Empty, |t| Cell::Number(t.value, kind)),
            ]);
            let t = k.tracking.as_ref();
            let test = t.and_then(|t| t.baseline_test.as_ref());
            let trend = t.and_then(|t| t.trend.as_ref());
            row.extend([
                opt(t.and_then(|t| t.trajectory), kind, false),
                t.and_then(|t| t.status)
                    .map_or(Cell::Empty, |st| text(&st.label(), lang)),
                opt(t.and_then(|t| t.needed_per_year), kind, false),
                opt(test.map(|x| x.difference), kind, false),
                opt(test.map(|x| x.p_value), Kind::Plain, false),
                test.map_or(Cell::Empty, |x| {
                    text(
                        &if x.against == "baseline_wave" {
                            Label::new("基準年度の回答者", "baseline wave's respondents")
                        } else {
                            Label::new("公表された基準値", "published baseline value")
                        },
                        lang,
                    )
                }),
                opt(trend.map(|x| x.slope), kind, false),
                opt(trend.map(|x| x.p_value), Kind::Plain, false),
                opt(trend.map(|x| x.projected), kind, false),
                Cell::Bool(k.withheld),
            ]);
            row
        })
        .collect();
    Table {
        name: "kpis",
        title: Label::new("検証指標", "KPIs"),
        columns,
        rows,
    }
}

fn dimension_table(report: &Report, lang: Lang) -> Table {
    let mut columns = vec![
        col("dimension_id", "領域ID", "Dimension id"),
        col("dimension", "領域", "Dimension"),
        col("items", "設問数", "Items"),
    ];
    columns.extend(score_columns());
    let rows = report
        .dimensions
        .iter()
        .map(|d| {
            let mut row = vec![
                Cell::Text(d.id.clone()),
                text(&d.label, lang),
                Cell::Int(d.items.len() as u64),
            ];
            row.extend(score_cells(d.figures.as_ref().map(Score::from), d.withheld));
            row
        })
        .collect();
    Table {
        name: "dimensions",
        title: Label::new("領域別", "Dimensions"),
        columns,
        rows,
    }
}

/// One row per dimension (alpha, its interval, standardised alpha) followed by one row per
/// item (item-rest correlation, alpha if deleted).
fn reliability_table(report: &Report, lang: Lang) -> Table {
    let columns = vec![
        col("dimension_id", "領域ID", "Dimension id"),
        col("dimension", "領域", "Dimension"),
        col("item_id", "設問ID", "Item id"),
        col("item", "設問", "Item"),
        col("method", "欠測の扱い", "Missing answers"),
        col("items", "設問数", "Items"),
        col("complete_rows", "全設問回答者数", "Complete rows"),
        col("alpha", "クロンバックのα", "Cronbach's alpha"),
        col(
            "ci_lower",
            "95%信頼区間 下限 (Feldt)",
            "95% CI lower (Feldt)",
        ),
        col(
            "ci_upper",
            "95%信頼区間 上限 (Feldt)",
            "95% CI upper (Feldt)",
        ),
        col("standardized_alpha", "標準化α", "Standardised alpha"),
        col("below_threshold", "基準未満", "Below threshold"),
        col("item_rest", "項目-残余相関", "Item-rest r"),
        col("alpha_if_deleted", "項目削除時のα", "Alpha if deleted"),
        col("withheld", "非公表", "Withheld"),
    ];
    let method_label = |m: &str| match m {
        "pairwise" => Label::new("ペアワイズ", "pairwise"),
        _ => Label::new("リストワイズ", "listwise"),
    };
    let mut rows = Vec::new();
    for d in &report.dimensions {
        let Some(r) = &d.reliability else { continue };
        let w = r.withheld;
        rows.push(vec![
            Cell::Text(d.id.clone()),
            text(&d.label, lang),
            Cell::Empty,
            Cell::Empty,
            text(&method_label(r.method), lang),
            Cell::Int(r.items as u64),
            count(r.complete_rows, w),
            opt(r.alpha, Kind::Plain, w),
            opt(r.ci.map(|c| c.lower), Kind::Plain, w),
            opt(r.ci.map(|c| c.upper), Kind::Plain, w),
            opt(r.standardized_alpha, Kind::Plain, w),
            r.below_threshold.map_or(Cell::Empty, Cell::Bool),
            Cell::Empty,
            Cell::Empty,
            Cell::Bool(w),
        ]);
        for item in &r.item_stats {
            let label = report
                .items
                .iter()
                .find(|i| i.id == item.id)
                .map_or(Cell::Empty, |i| text(&i.label, lang));
            rows.push(vec![
                Cell::Text(d.id.clone()),
                text(&d.label, lang),
                Cell::Text(item.id.clone()),
                label,
                text(&method_label(r.method), lang),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                opt(item.item_rest, Kind::Plain, w),
                opt(item.alpha_if_deleted, Kind::Plain, w),
                Cell::Bool(w),
            ]);
        }
    }
    Table {
        name: "reliability",
        title: Label::new("信頼性", "Reliability"),
        columns,
        rows,
    }
}

fn option_label(report: &Report, q: usize, id: &str, lang: Lang) -> Cell {
    report
        .multi_select
        .get(q)
        .and_then(|m| m.options.iter().find(|o| o.id == id))
        .map_or(Cell::Text(id.to_string()), |o| text(&o.label, lang))
}

/// Per question, option and KPI: KPI of those who picked the option against the others.
fn multi_gap_table(report: &Report, lang: Lang) -> Table {
    let columns = vec![
        col("question_id", "設問ID", "Question id"),
        col("option_id", "選択肢ID", "Option id"),
        col("option", "選択肢", "Option"),
        col("kpi_id", "指標ID", "KPI id"),
        col("n_picked", "選択者数", "n picked"),
        col("kpi_picked", "選択者の指標値", "KPI, picked"),
        col("n_not_picked", "非選択者数", "n not picked"),
        col("kpi_not_picked", "非選択者の指標値", "KPI, not picked"),
        col("difference", "差", "Difference"),
        col("t", "t値", "t"),
        col("df", "自由度", "df"),
        col("p_value", "p値", "p-value"),
        col("p_adjusted", "調整済みp値 (BH)", "Adjusted p (BH)"),
        col("withheld", "非公表", "Withheld"),
    ];
    let mut rows = Vec::new();
    for (q, m) in report.multi_select.iter().enumerate() {
        for g in &m.kpi_gaps {
            let w = g.withheld;
            rows.push(vec![
                Cell::Text(m.id.clone()),
                Cell::Text(g.option.clone()),
                option_label(report, q, &g.option, lang),
                Cell::Text(g.kpi.clone()),
                count(g.picked.map(|s| s.n), w),
                opt(g.picked.map(|s| s.value), Kind::Mean, w),
                count(g.not_picked.map(|s| s.n), w),
                opt(g.not_picked.map(|s| s.value), Kind::Mean, w),
                opt(g.difference, Kind::Mean, w),
                opt(g.t, Kind::Plain, w),
                opt(g.df, Kind::Plain, w),
                opt(g.p_value, Kind::Plain, w),
                opt(g.p_adjusted, Kind::Plain, w),
                Cell::Bool(w),
            ]);
        }
    }
    Table {
        name: "multi_select_kpi_gaps",
        title: Label::new("選択肢別の指標差", "KPI gap by option"),
        columns,
        rows,
    }
}

/// Per question, segment, option and published group: share, lift against the rest, tests.
fn multi_segment_table(report: &Report, lang: Lang) -> Table {
    let columns = vec![
        col("question_id", "設問ID", "Question id"),
        col("segment_id", "区分ID", "Segment id"),
        col("option_id", "選択肢ID", "Option id"),
        col("option", "選択肢", "Option"),
        col("chi_square", "カイ二乗値", "Chi-square"),
        col("chi_df", "自由度", "df"),
        col("chi_p", "カイ二乗検定 p値", "Chi-square p"),
        col("small_expected", "期待度数5未満あり", "Expected count < 5"),
        col("group", "グループ", "Group"),
        col("base", "回答者数", "Base"),
        col("count", "選択数", "Count"),
        col("share", "選択率", "Share"),
        col("rest_share", "他の職員の選択率", "Share in the rest"),
        col("lift", "リフト", "Lift"),
        col("z", "z値", "z"),
        col("p_value", "p値", "p-value"),
        col("p_adjusted", "調整済みp値 (BH)", "Adjusted p (BH)"),
    ];
    let mut rows = Vec::new();
    for (q, m) in report.multi_select.iter().enumerate() {
        for t in &m.by_segment {
            for g in &t.groups {
                rows.push(vec![
                    Cell::Text(m.id.clone()),
                    Cell::Text(t.segment.clone()),
                    Cell::Text(t.option.clone()),
                    option_label(report, q, &t.option, lang),
                    opt(t.chi_square, Kind::Plain, false),
                    opt(t.df, Kind::Plain, false),
                    opt(t.p_value, Kind::Plain, false),
                    Cell::Bool(t.small_expected),
                    Cell::Text(g.group.clone()),
                    Cell::Int(g.base),
                    Cell::Int(g.count),
                    opt(g.share, Kind::Share, false),
                    opt(g.rest_share, Kind::Share, false),
                    opt(g.lift, Kind::Plain, false),
                    opt(g.z, Kind::Plain, false),
                    opt(g.p_value, Kind::Plain, false),
                    opt(g.p_adjusted, Kind::Plain, false),
                ]);
            }
        }
    }
    Table {
        name: "multi_select_by_segment",
        title: Label::new("選択肢×区分", "Options by segment"),
        columns,
        rows,
    }
}

/// Pairs of options picked together.
fn co_pick_table(report: &Report) -> Table {
    let columns = vec![
        col("question_id", "設問ID", "Question id"),
        col("option_a", "選択肢A", "Option A"),
        col("option_b", "選択肢B", "Option B"),
        col("count", "同時選択数", "Picked together"),
    ];
    let rows = report
        .multi_select
        .iter()
        .flat_map(|m| {
            m.co_picked.iter().map(move |c| {
                vec![
                    Cell::Text(m.id.clone()),
                    Cell::Text(c.a.clone()),
                    Cell::Text(c.b.clone()),
                    c.count.map_or(Cell::Withheld, Cell::Int),
                ]
            })
        })
        .collect();
    Table {
        name: "multi_select_co_picked",
        title: Label::new("同時選択", "Picked together"),
        columns,
        rows,
    }
}

/// One row per KPI and dimension: correlation, relative weight and quadrant.
fn driver_table(report: &Report, lang: Lang) -> Table {
    let columns = vec![
        col("kpi_id", "指標ID", "KPI id"),
        col("kpi", "指標", "KPI"),
        col("dimension_id", "領域ID", "Dimension id"),
        col("dimension", "領域", "Dimension"),
        col("r", "相関係数 r", "Pearson r"),
        col("r_ci_lower", "r 95%信頼区間 下限", "r 95% CI lower"),
        col("r_ci_upper", "r 95%信頼区間 上限", "r 95% CI upper"),
        col("r_n", "r の回答数", "r n"),
        col("relative_weight", "相対的重み", "Relative weight"),
        col("share", "R²に占める割合", "Share of R²"),
        col(
            "share_ci_lower",
            "割合 95%信頼区間 下限",
            "Share 95% CI lower",
        ),
        col(
            "share_ci_upper",
            "割合 95%信頼区間 上限",
            "Share 95% CI upper",
        ),
        col("favourable", "肯定的回答率", "Favourable"),
        col("quadrant", "重要度×満足度", "Importance × performance"),
        col("complete_rows", "全項目回答者数", "Complete rows"),
        col("r_squared", "決定係数 R²", "R²"),
        col("withheld", "非公表", "Withheld"),
    ];
    let mut rows = Vec::new();
    for k in &report.drivers {
        let kpi_label = report
            .kpis
            .iter()
            .find(|x| x.id == k.kpi)
            .map_or(Cell::Empty, |x| text(&x.label, lang));
        for d in &k.dimensions {
            let dim_label = report
                .dimensions
                .iter()
                .find(|x| x.id == d.id)
                .map_or(Cell::Empty, |x| text(&x.label, lang));
            let w = k.withheld;
            rows.push(vec![
                Cell::Text(k.kpi.clone()),
                kpi_label.clone(),
                Cell::Text(d.id.clone()),
                dim_label,
                opt(d.r, Kind::Plain, d.r_n.is_none()),
                opt(d.r_ci.map(|c| c.lower), Kind::Plain, d.r_n.is_none()),
                opt(d.r_ci.map(|c| c.upper), Kind::Plain, d.r_n.is_none()),
                count(d.r_n, false),
                opt(d.relative_weight, Kind::Plain, w),
                opt(d.share, Kind::Share, w),
                opt(d.share_ci.map(|c| c.lower), Kind::Share, w),
                opt(d.share_ci.map(|c| c.upper), Kind::Share, w),
                opt(d.favourable, Kind::Share, false),
                d.quadrant.map_or(Cell::Empty, |q| text(&q.label(), lang)),
                count(k.complete_rows, w),
                opt(k.r_squared, Kind::Plain, w),
                Cell::Bool(w),
            ]);
        }
    }
    Table {
        name: "drivers",
        title: Label::new("主要因", "Key drivers"),
        columns,
        rows,
    }
}

fn item_table(report: &Report, lang: Lang) -> Table {
    let scale = &report.survey.scale;
    let mut columns = vec![
        col("item_id", "設問ID", "Item id"),
        col("item", "設問", "Item"),
        col("dimension_id", "領域ID", "Dimension id"),
        col("reverse", "逆転項目", "Reverse-keyed"),
    ];
    columns.extend(score_columns());
    const POINT_KEYS: [&str; 11] = [
        "count_1", "count_2", "count_3", "count_4", "count_5", "count_6", "count_7", "count_8",
        "count_9", "count_10", "count_11",
    ];
    let points = usize::from(scale.max - scale.min + 1).min(POINT_KEYS.len());
    for (p, key) in POINT_KEYS.iter().enumerate().take(points) {
        let v = scale.min as usize + p;
        columns.push(Column {
            key,
            label: Label::new(&format!("回答数（{v}）"), &format!("Count of {v}")),
        });
    }
    columns.push(col("missing", "無回答", "Missing"));
    columns.push(col(
        "not_applicable",
        "該当しない・わからない",
        "Not applicable",
    ));
    let rows = report
        .items
        .iter()
        .map(|i| {
            let mut row = vec![
                Cell::Text(i.id.clone()),
                text(&i.label, lang),
                i.dimension.clone().map_or(Cell::Empty, Cell::Text),
                Cell::Bool(i.reverse),
            ];
            row.extend(score_cells(i.figures.as_ref().map(Score::from), i.withheld));
            for p in 0..points {
                row.push(count(
                    i.figures.as_ref().map(|f| f.counts[p].count),
                    i.withheld,
                ));
            }
            row.push(count(i.figures.as_ref().map(|f| f.missing), i.withheld));
            row.push(count(
                i.figures.as_ref().map(|f| f.not_applicable),
                i.withheld,
            ));
            row
        })
        .collect();
    Table {
        name: "items",
        title: Label::new("設問別", "Items"),
        columns,
        rows,
    }
}

fn segment_table(report: &Report, lang: Lang) -> Table {
    let mut columns = vec![
        col("segment_id", "区分ID", "Segment id"),
        col("segment", "区分", "Segment"),
        col("group_key", "グループキー", "Group key"),
        col("group", "グループ", "Group"),
        col("respondents", "回答者数", "Respondents"),
        col("suppression", "非公表の理由", "Suppression"),
        col("measure_type", "指標の種類", "Measure type"),
        col("measure_id", "指標ID", "Measure id"),
        col("measure", "指標", "Measure"),
    ];
    columns.extend(score_columns());
    let dim_labels: Vec<(&str, &Label)> = report
        .dimensions
        .iter()
        .map(|d| (d.id.as_str(), &d.label))
        .collect();
    let mut rows = Vec::new();
    for seg in &report.segments {
        for g in &seg.groups {
            // One reason for every withheld group: which were small and which protect them
            // would bound their sizes (docs/anonymity.md).
            let suppression = if g.suppressed {
                Label::new("匿名性保護のため非公表", "withheld")
            } else {
                Label::new("", "")
            };
            let head = |kind: Label, id: &str, label: &Label| {
                vec![
                    Cell::Text(seg.id.clone()),
                    text(&seg.label, lang),
                    Cell::Text(g.key.clone()),
                    text(&g.label, lang),
                    count(g.respondents, g.suppressed),
                    text(&suppression, lang),
                    text(&kind, lang),
                    Cell::Text(id.to_string()),
                    text(label, lang),
                ]
            };
            for (k, kpi) in g.kpis.iter().enumerate() {
                let mut row = head(
                    Label::new("検証指標", "kpi"),
                    &kpi.id,
                    &report.kpis[k].label,
                );
                let share = report.kpis[k].kind == engage_model::KpiKind::Share;
                let v = kpi.value.as_ref();
                let kind = if share { Kind::Share } else { Kind::Mean };
                row.extend([
                    count(v.map(|v| v.n), kpi.withheld),
                    opt(v.map(|v| v.value), kind, kpi.withheld),
                    Cell::Empty,
                    opt(v.and_then(|v| v.ci).map(|c| c.lower), kind, kpi.withheld),
                    opt(v.and_then(|v| v.ci).map(|c| c.upper), kind, kpi.withheld),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Bool(kpi.withheld),
                ]);
                rows.push(row);
            }
            for (d, dim) in g.dimensions.iter().enumerate() {
                let mut row = head(Label::new("領域", "dimension"), &dim.id, dim_labels[d].1);
                row.extend(score_cells(
                    dim.figures.as_ref().map(Score::from),
                    dim.withheld,
                ));
                rows.push(row);
            }
            for (i, item) in g.items.iter().enumerate() {
                let mut row = head(Label::new("設問", "item"), &item.id, &report.items[i].label);
                row.extend(score_cells(
                    item.figures.as_ref().map(Score::from),
                    item.withheld,
                ));
                rows.push(row);
            }
        }
    }
    Table {
        name: "segments",
        title: Label::new("区分別", "Segments"),
        columns,
        rows,
    }
}

fn multi_select_table(report: &Report, lang: Lang) -> Table {
    let columns = vec![
        col("question_id", "設問ID", "Question id"),
        col("question", "設問", "Question"),
        col("base", "回答者数（母数）", "Base"),
        col("rank", "順位", "Rank"),
        col("option_id", "選択肢ID", "Option id"),
        col("option", "選択肢", "Option"),
        col("count", "選択数", "Count"),
        col("share", "選択率", "Share"),
        col("ci_lower", "95%信頼区間 下限", "95% CI lower"),
        col("ci_upper", "95%信頼区間 上限", "95% CI upper"),
        col("withheld", "非公表", "Withheld"),
    ];
    let mut rows = Vec::new();
    for q in &report.multi_select {
        if q.withheld {
            rows.push(vec![
                Cell::Text(q.id.clone()),
                text(&q.label, lang),
                Cell::Withheld,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Withheld,
                Cell::Withheld,
                Cell::Withheld,
                Cell::Withheld,
                Cell::Bool(true),
            ]);
            continue;
        }
        let mut options: Vec<_> = q.options.iter().collect();
        options.sort_by_key(|o| (o.exclusive, o.rank));
        for o in options {
            rows.push(vec![
                Cell::Text(q.id.clone()),
                text(&q.label, lang),
                count(q.base, false),
                o.rank.map_or(Cell::Empty, |r| Cell::Int(u64::from(r))),
                Cell::Text(o.id.clone()),
                text(&o.label, lang),
                Cell::Int(o.count),
                Cell::Number(o.share, Kind::Share),
                Cell::Number(o.ci.lower, Kind::Share),
                Cell::Number(o.ci.upper, Kind::Share),
                Cell::Bool(false),
            ]);
        }
    }
    Table {
        name: "multi_select",
        title: Label::new("複数選択", "Multi-select"),
        columns,
        rows,
    }
}

fn quality_table(report: &Report) -> Table {
    let columns = vec![
        col("file", "ファイル", "File"),
        col("sha256", "SHA-256", "SHA-256"),
        col("format", "形式", "Format"),
        col("rows_read", "読込行数", "Rows read"),
        col("rows_accepted", "採用行数", "Rows accepted"),
        col("rows_rejected", "除外行数", "Rows rejected"),
    ];
    let mut rows: Vec<Vec<Cell>> = report
        .inputs
        .data
        .iter()
        .map(|d| {
            vec![
                Cell::Text(d.path.clone()),
                Cell::Text(d.sha256.clone()),
                Cell::Text(d.format.clone()),
                count(d.rows_read.map(|r| r as u64), d.withheld()),
                count(d.rows_accepted.map(|r| r as u64), d.withheld()),
                count(d.rows_rejected.map(|r| r as u64), d.withheld()),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::Text("(total)".into()),
        Cell::Empty,
        Cell::Empty,
        Cell::Int(report.responses.read as u64),
        Cell::Int(report.responses.accepted as u64),
        Cell::Int(report.responses.rejected as u64),
    ]);
    Table {
        name: "data_quality",
        title: Label::new("データ品質", "Data quality"),
        columns,
        rows,
    }
}

/// Problems by kind and action: what the policy did, so a reader can judge the data.
fn problem_table(report: &Report, lang: Lang) -> Table {
    let columns = vec![
        col("problem_id", "問題ID", "Problem id"),
        col("problem", "問題", "Problem"),
        col("action", "処理", "Action"),
        col("count", "件数", "Count"),
    ];
    let action = |a: &str| -> String {
        let (ja, en) = match a {
            "reject" => ("行を除外", "row rejected"),
            "blank" => ("欠測として扱う", "cell treated as missing"),
            _ => ("警告のみ", "warning only"),
        };
        match lang {
            Lang::Ja => ja.into(),
            Lang::En => en.into(),
        }
    };
    let rows = report
        .responses
        .problem_counts
        .iter()
        .map(|t| {
            vec![
                Cell::Text(t.kind.clone()),
                text(&t.label, lang),
                Cell::Text(action(&t.action)),
                Cell::Int(t.count as u64),
            ]
        })
        .collect();
    Table {
        name: "problems",
        title: Label::new("データの問題", "Data problems"),
        columns,
        rows,
    }
}

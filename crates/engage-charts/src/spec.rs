//! What each chart shows, read from the report: labels in the chosen language and the numbers
//! the report publishes. Withheld figures are absent from the report, so no chart can show one;
//! a withheld heatmap cell is drawn as "—".

use engage_model::{KpiKind, Label};
use engage_report::Report;

/// One chart: a file stem (`charts/<stem>.svg`), its title and what it draws.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    pub stem: String,
    pub title: String,
    pub chart: Chart,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Dimension means as columns with a horizontal average line, as in the plan.
    Columns(Columns),
    /// Counts ranked from most to least, as horizontal bars (most on top).
    Ranked(Ranked),
    /// A KPI's straight plan line from baseline to target and the measured waves.
    Path(KpiPath),
    /// Importance (x) against performance (y), one labelled point per dimension.
    Scatter(Scatter),
    /// Groups (rows) × dimensions (columns), coloured by value.
    Heatmap(Heatmap),
    /// Changes since the previous wave as bars from zero with their 95% intervals.
    Changes(Changes),
    /// Terms as circles sized by use, linked when used in the same comments.
    Network(Network),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Term and the comments using it.
    pub nodes: Vec<(String, u64)>,
    /// (a, b, Jaccard) between node indices.
    pub edges: Vec<(usize, usize, f64)>,
    /// From the force-directed layout (`layout.rs`), in the unit square.
    pub positions: Vec<(f64, f64)>,
    /// Cluster of each node (connected components of the edges), for its colour.
    pub clusters: Vec<usize>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub labels: Vec<String>,
    /// This wave − the previous wave.
    pub differences: Vec<f64>,
    pub intervals: Vec<Option<(f64, f64)>>,
    /// BH-adjusted p < 0.05: drawn in the accent colour.
    pub significant: Vec<bool>,
    pub x_label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    pub labels: Vec<String>,
    pub values: Vec<f64>,
    /// The reference line: its legend text and value.
    pub average: (String, f64),
    /// The axis: the answer scale.
    pub range: (f64, f64),
    pub y_label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Most picked first.
    pub labels: Vec<String>,
    pub counts: Vec<u64>,
    pub x_label: String,
    /// When set, each bar is also labelled with its share of this base.
    pub base: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KpiPath {
    pub share: bool,
    /// (year, value) from baseline to target, one point per year.
    pub plan: Vec<(i32, f64)>,
    /// Measured waves, oldest first.
    pub measured: Vec<Measured>,
    pub plan_label: String,
    pub measured_label: String,
}

/// One measured wave of a KPI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub year: i32,
    pub value: f64,
    /// The 95% interval, when the report has it (this wave).
    pub interval: Option<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    /// (label, importance, performance).
    pub points: Vec<(String, f64, f64)>,
    pub x_label: String,
    pub y_label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// `None` = withheld.
    pub cells: Vec<Vec<Option<f64>>>,
    pub note: String,
}

fn t<'a>(label: &'a Label, lang: &str) -> &'a str {
    label.get(lang)
}

fn pick(lang: &str, ja: &str, en: &str) -> String {
    Label::new(ja, en).get(lang).to_string()
}

/// A file-name-safe stem from a definition id.
fn stem(prefix: &str, id: &str) -> String {
    let id: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}-{id}")
}

/// Every chart the report supports, in reading order: dimensions, each KPI's path, each
/// multi-select question's ranking, each KPI's driver map, each plain segment's heatmap.
pub fn report_charts(r: &Report, lang: &str) -> Vec<ChartSpec> {
    let mut out = Vec::new();
    out.extend(dimension_columns(r, lang));
    out.extend(kpi_paths(r, lang));
    out.extend(ranked_issues(r, lang));
    out.extend(driver_maps(r, lang));
    out.extend(heatmaps(r, lang));
    out.extend(dimension_changes(r, lang));
    out.extend(comment_charts(r, lang));
    out
}

/// Per published free-text question: its category shares (ranked, as the plan's chart of
/// citizen opinions) and its co-occurrence network.
pub fn comment_charts(r: &Report, lang: &str) -> Vec<ChartSpec> {
    let Some(f) = &r.free_text else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for q in f.questions.iter().filter(|q| !q.withheld) {
        let mut cats: Vec<(&engage_model::Label, u64)> = q
            .categories
            .iter()
            .map(|c| (&c.label, c.comments))
            .collect();
        cats.sort_by_key(|c| std::cmp::Reverse(c.1));
        if !cats.is_empty() {
            let (labels, counts) = cats
                .into_iter()
                .map(|(l, c)| (t(l, lang).to_string(), c))
                .unzip();
            out.push(ChartSpec {
                stem: stem("comment-categories", &q.id),
                title: format!(
                    "{}（{}）",
                    t(&q.label, lang),
                    pick(lang, "分類別", "by category")
                ),
                chart: Chart::Ranked(Ranked {
                    labels,
                    counts,
                    x_label: pick(
                        lang,
                        "該当する記述数（割合は記述のある回答に対して）",
                        "Comments (share of all comments)",
                    ),
                    base: Some(q.comments),
                }),
            });
        }
        if let Some(net) = &q.network {
            if net.nodes.len() >= 2 {
                let edges: Vec<(usize, usize, f64)> =
                    net.edges.iter().map(|e| (e.a, e.b, e.jaccard)).collect();
                out.push(ChartSpec {
                    stem: stem("comment-network", &q.id),
                    title: format!("{}（{}）", t(&q.label, lang), pick(lang, "共起ネットワーク", "co-occurrence network")),
                    chart: Chart::Network(Network {
                        nodes: net.nodes.iter().map(|n| (n.term.clone(), n.comments)).collect(),
                        positions: crate::layout::force_layout(net.nodes.len(), &edges),
                        clusters: crate::layout::components(net.nodes.len(), &edges),
                        edges,
                        note: pick(
                            lang,
                            "円の大きさ＝その語を含む記述数、線の太さ＝Jaccard係数（同じ記述に現れる度合い）",
                            "Circle size: comments using the term; line width: Jaccard coefficient (how often used together)",
                        ),
                    }),
                });
            }
        }
    }
    out
}

/// With a previous wave: each published dimension's change with its Welch interval.
pub fn dimension_changes(r: &Report, lang: &str) -> Option<ChartSpec> {
    let c = r.previous_wave.as_ref()?;
    let rows: Vec<_> = c
        .dimensions
        .iter()
        .filter(|x| !x.withheld)
        .filter_map(|x| Some((x, x.difference?)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(ChartSpec {
        stem: "changes-dimensions".into(),
        title: format!(
            "{} {} → {}",
            pick(lang, "領域の変化", "Dimension changes"),
            c.a.wave.label,
            c.b.wave.label
        ),
        chart: Chart::Changes(Changes {
            labels: rows
                .iter()
                .map(|(x, _)| t(&x.label, lang).to_string())
                .collect(),
            differences: rows.iter().map(|(_, d)| *d).collect(),
            intervals: rows
                .iter()
                .map(|(x, _)| x.ci.map(|i| (i.lower, i.upper)))
                .collect(),
            significant: rows
                .iter()
                .map(|(x, _)| x.p_adjusted.is_some_and(|p| p < 0.05))
                .collect(),
            x_label: pick(
                lang,
                "今回 − 前回（95%信頼区間、色付きは BH 調整後 p < 0.05）",
                "This wave − previous (95% interval; coloured: BH-adjusted p < 0.05)",
            ),
        }),
    })
}

/// The plan's chart: dimension means with the unweighted mean of those means as the line.
pub fn dimension_columns(r: &Report, lang: &str) -> Option<ChartSpec> {
    let (labels, values): (Vec<String>, Vec<f64>) = r
        .published_dimension_means()
        .map(|(label, mean)| (t(label, lang).to_string(), mean))
        .unzip();
    if values.is_empty() {
        return None;
    }
    let average = values.iter().sum::<f64>() / values.len() as f64;
    Some(ChartSpec {
        stem: "dimensions".into(),
        title: pick(lang, "領域別の平均", "Mean by dimension"),
        chart: Chart::Columns(Columns {
            labels,
            values,
            average: (
                pick(
                    lang,
                    "平均（各領域の平均値の単純平均）",
                    "Average (unweighted mean of the dimension means)",
                ),
                average,
            ),
            range: (f64::from(r.survey.scale.min), f64::from(r.survey.scale.max)),
            y_label: pick(lang, "平均", "Mean"),
        }),
    })
}

/// Each multi-select question's options by rank (the exclusive "none" option has no rank).
pub fn ranked_issues(r: &Report, lang: &str) -> Vec<ChartSpec> {
    r.multi_select
        .iter()
        .filter(|q| !q.withheld)
        .filter_map(|q| {
            let mut options: Vec<(u32, String, u64)> = q
                .options
                .iter()
                .filter_map(|o| {
                    o.rank
                        .map(|rank| (rank, t(&o.label, lang).to_string(), o.count))
                })
                .collect();
            if options.is_empty() {
                return None;
            }
            options.sort_by_key(|o| o.0);
            let (labels, counts) = options.into_iter().map(|(_, l, c)| (l, c)).unzip();
            Some(ChartSpec {
                stem: stem("multi", &q.id),
                title: t(&q.label, lang).to_string(),
                chart: Chart::Ranked(Ranked {
                    labels,
                    counts,
                    x_label: pick(lang, "回答数", "Respondents"),
                    base: None,
                }),
            })
        })
        .collect()
}

/// Each KPI with a baseline and a later target: the plan line and the measured waves (the
/// earlier waves given to the report, or else the baseline, and this wave).
pub fn kpi_paths(r: &Report, lang: &str) -> Vec<ChartSpec> {
    r.kpis
        .iter()
        .filter_map(|k| {
            let (Some(b), Some(tg), Some(v), false) = (k.baseline, k.target, &k.value, k.withheld)
            else {
                return None;
            };
            if tg.year <= b.year {
                return None;
            }
            let plan = (b.year..=tg.year)
                .map(|year| {
                    let f = f64::from(year - b.year) / f64::from(tg.year - b.year);
                    (year, b.value + (tg.value - b.value) * f)
                })
                .collect();
            let wave = r.survey.wave.year;
            let now = Measured {
                year: wave,
                value: v.value,
                interval: v.ci.map(|c| (c.lower, c.upper)),
            };
            let mut measured: Vec<Measured> =
                match k.tracking.as_ref().and_then(|x| x.trend.as_ref()) {
                    Some(trend) => trend
                        .waves
                        .iter()
                        .filter(|p| p.year != wave)
                        .map(|p| Measured {
                            year: p.year,
                            value: p.value,
                            interval: None,
                        })
                        .collect(),
                    None if b.year != wave => vec![Measured {
                        year: b.year,
                        value: b.value,
                        interval: None,
                    }],
                    None => Vec::new(),
                };
            measured.push(now);
            measured.sort_by_key(|m| m.year);
            Some(ChartSpec {
                stem: stem("kpi", &k.id),
                title: t(&k.label, lang).to_string(),
                chart: Chart::Path(KpiPath {
                    share: k.kind == KpiKind::Share,
                    plan,
                    measured,
                    plan_label: pick(lang, "計画線（基準値→目標値）", "Plan (baseline → target)"),
                    measured_label: pick(lang, "実績（95%信頼区間）", "Measured (95% interval)"),
                }),
            })
        })
        .collect()
}

/// Per KPI: each dimension's share of R² against its favourable share.
pub fn driver_maps(r: &Report, lang: &str) -> Vec<ChartSpec> {
    r.drivers
        .iter()
        .filter(|d| !d.withheld)
        .filter_map(|d| {
            let points: Vec<(String, f64, f64)> = d
                .dimensions
                .iter()
                .filter_map(|x| {
                    let label = r.dimensions.iter().find(|y| y.id == x.id)?;
                    Some((t(&label.label, lang).to_string(), x.share?, x.favourable?))
                })
                .collect();
            if points.is_empty() {
                return None;
            }
            let kpi = r
                .kpis
                .iter()
                .find(|k| k.id == d.kpi)
                .map_or(d.kpi.as_str(), |k| t(&k.label, lang));
            Some(ChartSpec {
                stem: stem("drivers", &d.kpi),
                title: format!(
                    "{}: {kpi}",
                    pick(lang, "重要度×満足度", "Importance × performance")
                ),
                chart: Chart::Scatter(Scatter {
                    points,
                    x_label: pick(lang, "重要度（R²に占める割合）", "Importance (share of R²)"),
                    y_label: pick(lang, "肯定率", "Favourable share"),
                }),
            })
        })
        .collect()
}

/// Each plain (not crossed) segment: its groups × the dimension means.
pub fn heatmaps(r: &Report, lang: &str) -> Vec<ChartSpec> {
    let columns: Vec<String> = r
        .dimensions
        .iter()
        .map(|d| t(&d.label, lang).to_string())
        .collect();
    r.segments
        .iter()
        .filter(|s| s.across.is_none() && !s.groups.is_empty())
        .map(|s| ChartSpec {
            stem: stem("heatmap", &s.id),
            title: format!(
                "{}: {}",
                t(&s.label, lang),
                pick(lang, "領域別の平均", "mean by dimension")
            ),
            chart: Chart::Heatmap(Heatmap {
                rows: s
                    .groups
                    .iter()
                    .map(|g| t(&g.label, lang).to_string())
                    .collect(),
                columns: columns.clone(),
                cells: s
                    .groups
                    .iter()
                    .map(|g| {
                        g.dimensions
                            .iter()
                            .map(|d| match (&d.figures, d.withheld) {
                                (Some(x), false) => Some(x.mean),
                                _ => None,
                            })
                            .collect()
                    })
                    .collect(),
                note: pick(
                    lang,
                    "— は匿名性保護のため非公表",
                    "— withheld for anonymity",
                ),
            }),
        })
        .collect()
}

//! Two waves side by side: for each KPI, dimension, item and segment group, both values, the
//! change (B − A), Welch's t test with Cohen's d and Hedges' g for means, the two-proportion
//! z test for shares, and Benjamini–Hochberg adjusted p-values within each table.
//! Figures withheld in either wave's report are withheld here too.

use engage_aggregate::{GroupPartial, Partials};
use engage_model::{KpiMeasure, Label, Survey, Wave};
use engage_stats::{
    benjamini_hochberg_present, cohen_d_hedges_g, two_proportion_z, welch_t, Interval, Sample,
    CONFIDENCE,
};
use serde::Serialize;

use crate::figures::{item_figures, score_figures};
use crate::model::{Report, Side};

/// One wave as the comparison sees it.
pub struct WaveInput<'a> {
    pub survey: &'a Survey,
    pub partials: &'a Partials,
    pub report: &'a Report,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub a: WaveSummary,
    pub b: WaveSummary,
    /// How to read the tests.
    pub notes: Vec<&'static str>,
    pub kpis: Vec<Change>,
    pub dimensions: Vec<Change>,
    pub items: Vec<Change>,
    /// Favourable share of each item.
    pub item_favourable: Vec<Change>,
    /// Each dimension in each segment group present in both waves.
    pub segments: Vec<Change>,
    /// Ids of KPIs, dimensions and items defined in only one of the waves.
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
    /// The same respondents in both waves, linked by id (`engage compare --paired`).
    pub paired: Option<crate::PairedComparison>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaveSummary {
    pub survey_id: String,
    pub wave: Wave,
    pub respondents: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: String,
    pub label: Label,
    /// For the segments table: the segment id and group key.
    pub segment: Option<String>,
    pub group: Option<String>,
    /// "mean" or "share".
    pub measure: &'static str,
    pub withheld: bool,
    pub a: Option<Side>,
    pub b: Option<Side>,
    /// B − A.
    pub difference: Option<f64>,
    /// Welch interval of the difference of means.
    pub ci: Option<Interval>,
    /// "welch_t" or "two_proportion_z".
    pub test: Option<&'static str>,
    pub statistic: Option<f64>,
    pub df: Option<f64>,
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg within this table.
    pub p_adjusted: Option<f64>,
    /// For a segment row matched through the crosswalk: wave A's and wave B's groups that form
    /// it (a rename, a merge, a split or several at once). `group` is then B's keys joined by
    /// " + ".
    pub a_groups: Option<Vec<String>>,
    pub b_groups: Option<Vec<String>>,
    /// Cohen's d with the pooled SD (B − A).
    pub cohen_d: Option<f64>,
    /// Hedges' g = d · (1 − 3 / (4(n_a + n_b) − 9)).
    pub hedges_g: Option<f64>,
}

/// A figure of one wave: a mean (with SD) or a share (with its count).
#[derive(Clone, Copy)]
pub(crate) enum Value {
    Mean(Sample),
    Share { count: u64, n: u64 },
}

impl Value {
    pub(crate) fn n_and_value(&self) -> (u64, f64) {
        match *self {
            Value::Mean(s) => (s.n, s.mean),
            Value::Share { count, n } => (n, count as f64 / n as f64),
        }
    }
}

fn change(
    id: &str,
    label: Label,
    at: Option<(&str, &str)>,
    a: Option<Value>,
    b: Option<Value>,
    withheld: bool,
) -> Change {
    let side = |v: &Option<Value>| {
        v.map(|v| match v {
            Value::Mean(s) => Side {
                n: s.n,
                value: s.mean,
            },
            Value::Share { count, n } => Side {
                n,
                value: count as f64 / n as f64,
            },
        })
    };
    let mut c = Change {
        id: id.to_string(),
        label,
        segment: at.map(|(s, _)| s.to_string()),
        group: at.map(|(_, g)| g.to_string()),
        measure: match a.or(b) {
            Some(Value::Share { .. }) => "share",
            _ => "mean",
        },
        withheld,
        a: None,
        b: None,
        difference: None,
        ci: None,
        test: None,
        statistic: None,
        df: None,
        p_value: None,
        p_adjusted: None,
        cohen_d: None,
        hedges_g: None,
        a_groups: None,
        b_groups: None,
    };
    if withheld {
        return c;
    }
    c.a = side(&a);
    c.b = side(&b);
    if let (Some(sa), Some(sb)) = (c.a, c.b) {
        c.difference = Some(sb.value - sa.value);
    }
    match (a, b) {
        (Some(Value::Mean(sa)), Some(Value::Mean(sb))) => {
            if let Ok(w) = welch_t(sa, sb, CONFIDENCE) {
                c.ci = Some(w.ci);
                c.test = Some("welch_t");
                c.statistic = Some(w.t);
                c.df = Some(w.df);
                c.p_value = Some(w.p_value);
            }
            if let Ok((d, g)) = cohen_d_hedges_g(sa, sb) {
                c.cohen_d = Some(d);
                c.hedges_g = Some(g);
            }
        }
        (Some(Value::Share { count: ca, n: na }), Some(Value::Share { count: cb, n: nb })) => {
            if let Ok(z) = two_proportion_z(ca, na, cb, nb) {
                c.test = Some("two_proportion_z");
                c.statistic = Some(z.statistic);
                c.p_value = Some(z.p_value);
            }
        }
        _ => {}
    }
    c
}

/// Adjusts the p-values of one table (its family) with Benjamini–Hochberg.
fn adjust(table: &mut [Change]) {
    let p: Vec<Option<f64>> = table.iter().map(|c| c.p_value).collect();
    for (c, q) in table.iter_mut().zip(benjamini_hochberg_present(&p)) {
        c.p_adjusted = q;
    }
}

fn mean_of(survey: &Survey, composite: usize, g: &GroupPartial) -> Option<Value> {
    let f = score_figures(survey, composite, g)?;
    Some(Value::Mean(Sample {
        n: f.n,
        mean: f.mean,
        sd: f.sd?,
    }))
}

pub(crate) fn kpi_of(survey: &Survey, k: usize, g: &GroupPartial) -> Option<Value> {
    match &survey.kpi_measures[k] {
        KpiMeasure::CompositeMean { composite } => mean_of(survey, *composite, g),
        KpiMeasure::Share { item, codes } => {
            let counts = &g.items[*item];
            let n = counts.valid();
            let count = counts
                .points()
                .iter()
                .enumerate()
                .filter(|(i, _)| codes.contains(&survey.flipped(*item, *i as u8 + 1)))
                .map(|(_, &c)| c)
                .sum();
            (n > 0).then_some(Value::Share { count, n })
        }
    }
}

fn item_mean_of(survey: &Survey, i: usize, g: &GroupPartial) -> Option<Value> {
    let f = item_figures(survey, i, &g.items[i])?;
    Some(Value::Mean(Sample {
        n: f.n,
        mean: f.mean,
        sd: f.sd?,
    }))
}

fn favourable_of(survey: &Survey, i: usize, g: &GroupPartial) -> Option<Value> {
    let f = item_figures(survey, i, &g.items[i])?;
    Some(Value::Share {
        count: (f.favourable * f.n as f64).round() as u64,
        n: f.n,
    })
}

/// Position of `id` in B's list, for everything A defines.
fn matched<'s>(a: &'s [String], b: &[String]) -> Vec<(usize, usize, &'s str)> {
    a.iter()
        .enumerate()
        .filter_map(|(i, id)| b.iter().position(|x| x == id).map(|j| (i, j, id.as_str())))
        .collect()
}

pub fn compare(a: WaveInput<'_>, b: WaveInput<'_>) -> Comparison {
    compare_with(a, b, &[]).expect("without a crosswalk nothing can be unknown")
}

/// [`compare`] with a crosswalk of groups renamed, merged or split between the waves.
pub fn compare_with(
    a: WaveInput<'_>,
    b: WaveInput<'_>,
    crosswalk: &[GroupLink],
) -> Result<Comparison, CrosswalkError> {
    let ids = |s: &Survey| {
        let d = &s.definition;
        (
            d.kpis
                .iter()
                .map(|k| k.id.get_ref().clone())
                .collect::<Vec<_>>(),
            d.dimensions
                .iter()
                .map(|k| k.id.get_ref().clone())
                .collect::<Vec<_>>(),
            d.items
                .iter()
                .map(|k| k.id.get_ref().clone())
                .collect::<Vec<_>>(),
        )
    };
    let (ka, da, ia) = ids(a.survey);
    let (kb, db, ib) = ids(b.survey);
    let (ga, gb) = (a.partials.overall(), b.partials.overall());
    let (ra, rb) = (a.report, b.report);

    let mut kpis: Vec<Change> = matched(&ka, &kb)
        .into_iter()
        .map(|(i, j, id)| {
            let label = ra.kpis[i].label.clone();
            let withheld = ra.kpis[i].withheld || rb.kpis[j].withheld;
            change(
                id,
                label,
                None,
                kpi_of(a.survey, i, ga),
                kpi_of(b.survey, j, gb),
                withheld,
            )
        })
        .collect();
    let mut dimensions: Vec<Change> = matched(&da, &db)
        .into_iter()
        .map(|(i, j, id)| {
            let withheld = ra.dimensions[i].withheld || rb.dimensions[j].withheld;
            let label = ra.dimensions[i].label.clone();
            change(
                id,
                label,
                None,
                mean_of(a.survey, i, ga),
                mean_of(b.survey, j, gb),
                withheld,
            )
        })
        .collect();
    let item_pairs = matched(&ia, &ib);
    let mut items: Vec<Change> = item_pairs
        .iter()
        .map(|&(i, j, id)| {
            let withheld = ra.items[i].withheld || rb.items[j].withheld;
            let label = ra.items[i].label.clone();
            let (x, y) = (item_mean_of(a.survey, i, ga), item_mean_of(b.survey, j, gb));
            change(id, label, None, x, y, withheld)
        })
        .collect();
    let mut item_favourable: Vec<Change> = item_pairs
        .iter()
        .map(|&(i, j, id)| {
            let withheld = ra.items[i].withheld || rb.items[j].withheld;
            let label = ra.items[i].label.clone();
            let (x, y) = (
                favourable_of(a.survey, i, ga),
                favourable_of(b.survey, j, gb),
            );
            change(id, label, None, x, y, withheld)
        })
        .collect();

    // Segment groups matched by segment id and group key, or through the crosswalk.
    let mut segments = Vec::new();
    for seg_a in &ra.segments {
        let Some(seg_b) = rb.segments.iter().find(|s| s.id == seg_a.id) else {
            continue;
        };
        let (Some(cut_a), Some(cut_b)) = (cut_of(&a, &seg_a.id), cut_of(&b, &seg_a.id)) else {
            continue;
        };
        for unit in units(seg_a, seg_b, crosswalk)? {
            let merged = |cut: &engage_aggregate::CutPartial, keys: &[String]| {
                let mut parts = keys.iter().filter_map(|k| group_of(cut, k));
                let mut total = parts.next()?.clone();
                parts.for_each(|p| total.merge(p));
                Some(total)
            };
            let (Some(pa), Some(pb)) = (merged(cut_a, &unit.a), merged(cut_b, &unit.b)) else {
                continue;
            };
            let published = |seg: &crate::model::SegmentReport, keys: &[String], d: usize| {
                keys.iter().all(|k| {
                    seg.groups
                        .iter()
                        .find(|g| &g.key == k)
                        .is_some_and(|g| !g.suppressed && !g.dimensions[d].withheld)
                })
            };
            let key = unit.b.join(" + ");
            for (i, j, id) in matched(&da, &db) {
                let withheld = !published(seg_a, &unit.a, i) || !published(seg_b, &unit.b, j);
                let mut c = change(
                    id,
                    ra.dimensions[i].label.clone(),
                    Some((&seg_a.id, &key)),
                    mean_of(a.survey, i, &pa),
                    mean_of(b.survey, j, &pb),
                    withheld,
                );
                if unit.a != unit.b {
                    c.a_groups = Some(unit.a.clone());
                    c.b_groups = Some(unit.b.clone());
                }
                segments.push(c);
            }
        }
    }
    for table in [
        &mut kpis,
        &mut dimensions,
        &mut items,
        &mut item_favourable,
        &mut segments,
    ] {
        adjust(table);
    }
    let only = |x: [&Vec<String>; 3], y: [&Vec<String>; 3]| -> Vec<String> {
        x.iter()
            .zip(y)
            .flat_map(|(xs, ys)| xs.iter().filter(|id| !ys.contains(id)).cloned())
            .collect()
    };
    Ok(Comparison {
        a: summary(ra),
        b: summary(rb),
        notes: vec![
            "difference, statistic and effect sizes are B minus A",
            "waves of the same staff are not independent samples: the tests treat them as independent, which overstates the standard error of a change when the same people answer both waves (conservative); respondent ids that link waves allow a paired comparison",
            "p_adjusted: Benjamini-Hochberg within each table (kpis, dimensions, items, item_favourable, segments)",
            "Hedges' g uses the correction d * (1 - 3 / (4 (n_a + n_b) - 9)), as pingouin",
        ],
        kpis,
        dimensions,
        items,
        item_favourable,
        segments,
        only_in_a: only([&ka, &da, &ia], [&kb, &db, &ib]),
        only_in_b: only([&kb, &db, &ib], [&ka, &da, &ia]),
        paired: None,
    })
}

fn cut_of<'p>(w: &WaveInput<'p>, id: &str) -> Option<&'p engage_aggregate::CutPartial> {
    w.partials
        .cuts
        .iter()
        .find(|c| c.segment.is_some_and(|s| w.survey.segment_id(s) == id))
}

fn group_of<'p>(cut: &'p engage_aggregate::CutPartial, key: &str) -> Option<&'p GroupPartial> {
    cut.levels
        .iter()
        .position(|l| l.key == key)
        .map(|g| &cut.groups[g])
}

fn summary(r: &Report) -> WaveSummary {
    WaveSummary {
        survey_id: r.survey.id.clone(),
        wave: r.survey.wave.clone(),
        respondents: r.responses.accepted,
    }
}

/// One crosswalk row: group `a_key` of wave A went (wholly or in part) into group `b_key` of
/// wave B, in segment `segment`. `row` is its spreadsheet row, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLink {
    pub segment: String,
    pub a_key: String,
    pub b_key: String,
    pub row: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrosswalkError {
    #[error("crosswalk row {row}: segment `{segment}` is not in both waves")]
    UnknownSegment { row: usize, segment: String },
    #[error("crosswalk row {row}, column `{column}`: segment `{segment}` has no group `{key}` in wave {wave}")]
    UnknownGroup {
        row: usize,
        column: &'static str,
        segment: String,
        key: String,
        wave: &'static str,
    },
}

/// A comparison unit: A's groups and B's groups that stand for the same staff.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Unit {
    a: Vec<String>,
    b: Vec<String>,
}

/// Groups of one segment joined into comparison units: the connected parts of the graph whose
/// edges are the crosswalk rows plus "same key in both waves" for keys the crosswalk does not
/// mention on that side. A rename is a unit of one and one group, a merge of several A groups
/// and one B group, a split the reverse; units with no group on one side are not compared.
fn units(
    seg_a: &crate::model::SegmentReport,
    seg_b: &crate::model::SegmentReport,
    crosswalk: &[GroupLink],
) -> Result<Vec<Unit>, CrosswalkError> {
    let links: Vec<&GroupLink> = crosswalk.iter().filter(|l| l.segment == seg_a.id).collect();
    let a_keys: Vec<&str> = seg_a.groups.iter().map(|g| g.key.as_str()).collect();
    let b_keys: Vec<&str> = seg_b.groups.iter().map(|g| g.key.as_str()).collect();
    // Nodes: A's keys, then B's keys.
    let node_b = |k: usize| a_keys.len() + k;
    let mut parent: Vec<usize> = (0..a_keys.len() + b_keys.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let join = |parent: &mut Vec<usize>, x: usize, y: usize| {
        let (rx, ry) = (root(parent, x), root(parent, y));
        parent[rx.max(ry)] = rx.min(ry);
    };
    for l in &links {
        let find = |keys: &[&str], key: &str, column, wave| {
            keys.iter()
                .position(|k| *k == key)
                .ok_or_else(|| CrosswalkError::UnknownGroup {
                    row: l.row,
                    column,
                    segment: l.segment.clone(),
                    key: key.to_string(),
                    wave,
                })
        };
        let x = find(&a_keys, &l.a_key, "a_key", "A")?;
        let y = find(&b_keys, &l.b_key, "b_key", "B")?;
        join(&mut parent, x, node_b(y));
    }
    for (x, key) in a_keys.iter().enumerate() {
        let mapped_a = links.iter().any(|l| l.a_key == *key);
        let Some(y) = b_keys.iter().position(|k| k == key) else {
            continue;
        };
        let mapped_b = links.iter().any(|l| l.b_key == *key);
        if !mapped_a && !mapped_b {
            join(&mut parent, x, node_b(y));
        }
    }
    let mut units: Vec<(usize, Unit)> = Vec::new();
    for node in 0..parent.len() {
        let r = root(&mut parent, node);
        let at = match units.iter().position(|(u, _)| *u == r) {
            Some(at) => at,
            None => {
                units.push((
                    r,
                    Unit {
                        a: Vec::new(),
                        b: Vec::new(),
                    },
                ));
                units.len() - 1
            }
        };
        if node < a_keys.len() {
            units[at].1.a.push(a_keys[node].to_string());
        } else {
            units[at].1.b.push(b_keys[node - a_keys.len()].to_string());
        }
    }
    Ok(units
        .into_iter()
        .map(|(_, u)| u)
        .filter(|u| !u.a.is_empty() && !u.b.is_empty())
        .collect())
}

/// Crosswalk rows naming a segment that is not in both waves.
pub fn check_crosswalk_segments(
    a: &Report,
    b: &Report,
    crosswalk: &[GroupLink],
) -> Result<(), CrosswalkError> {
    for l in crosswalk {
        let known = |r: &Report| r.segments.iter().any(|s| s.id == l.segment);
        if !known(a) || !known(b) {
            return Err(CrosswalkError::UnknownSegment {
                row: l.row,
                segment: l.segment.clone(),
            });
        }
    }
    Ok(())
}

/// The `k` largest published changes of the dimensions and items (all on the answer scale, so
/// their differences compare), largest |B − A| first; ties keep dimensions before items.
pub fn largest_changes(c: &Comparison, k: usize) -> Vec<&Change> {
    let mut rows: Vec<&Change> = c
        .dimensions
        .iter()
        .chain(&c.items)
        .filter(|x| !x.withheld && x.difference.is_some())
        .collect();
    rows.sort_by(|x, y| {
        let size = |c: &Change| c.difference.map_or(0.0, f64::abs);
        size(y).total_cmp(&size(x))
    });
    rows.truncate(k);
    rows
}

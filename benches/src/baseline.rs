//! The baseline: the engine's figures computed the way an analyst would write them with
//! polars lazy expressions, one `group_by().agg()` per cut over one Parquet scan, all cuts
//! collected together. Built from the same survey definition, so that it cannot drift from
//! what the engine is asked; definitions it does not handle are refused, not approximated.

use std::path::Path;

use anyhow::bail;
use engage_model::{KpiMeasure, MultiStorage, SkipRule, Survey};
use polars::prelude::*;

use crate::figures::{key, Figures};

/// Every figure of [`crate::figures::from_engine`], by polars.
pub fn figures(survey: &Survey, data: &Path) -> anyhow::Result<Figures> {
    let scan = LazyFrame::scan_parquet(
        PlRefPath::new(data.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )
    .map_err(|e| anyhow::anyhow!("polars cannot scan {}: {e}", data.display()))?;
    let prepared = prepare(survey, scan)?;
    // Reliability is a whole-organisation figure, as in the engine's report.
    let per_group = aggregations(survey, false);
    let mut overall = aggregations(survey, true);
    overall.extend(multi_select(survey)?);

    let mut plans = vec![prepared.clone().select(overall).logical_plan];
    for s in 0..survey.segment_count() {
        plans.push(
            prepared
                .clone()
                .group_by(
                    group_path(survey, s)
                        .into_iter()
                        .map(|t| col(format!("__seg{t}")))
                        .collect::<Vec<_>>(),
                )
                .agg(per_group.clone())
                .logical_plan,
        );
    }
    let frames = LazyFrame::collect_all_with_engine(plans, Engine::Auto, OptFlags::default())?;

    let mut out = Figures::new();
    read_groups(survey, &frames[0], None, &mut out)?;
    read_multi(survey, &frames[0], &mut out)?;
    for s in 0..survey.segment_count() {
        read_groups(survey, &frames[s + 1], Some(s), &mut out)?;
    }
    Ok(out)
}

fn or_all(exprs: impl IntoIterator<Item = Expr>) -> Expr {
    exprs
        .into_iter()
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false))
}

/// Per item `__v{i}` (a scale answer or null), `__f{i}` (scored direction) and `__na{i}`;
/// per composite `__s{c}` (respondent score when enough items are answered); per share KPI
/// `__k{k}` (1/0 on valid answers); per plain segment `__seg{s}`, its value ("" when blank).
fn prepare(survey: &Survey, scan: LazyFrame) -> anyhow::Result<LazyFrame> {
    let def = &survey.definition;
    let (min, max) = (i32::from(def.scale.min), i32::from(def.scale.max));
    let not_applicable: Vec<i32> = def
        .missing
        .not_applicable
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let mut columns = Vec::new();
    for (i, item) in def.items.iter().enumerate() {
        let raw = col(item.column.as_str()).cast(DataType::Int32);
        let valid = raw.clone().gt_eq(lit(min)).and(raw.clone().lt_eq(lit(max)));
        let value = when(valid).then(raw.clone()).otherwise(lit(NULL));
        let scored = if item.reverse {
            lit(min + max) - value.clone()
        } else {
            value.clone()
        };
        columns.push(value.alias(format!("__v{i}")));
        columns.push(scored.cast(DataType::Float64).alias(format!("__f{i}")));
        let na = or_all(not_applicable.iter().map(|&c| raw.clone().eq(lit(c))));
        columns.push(na.alias(format!("__na{i}")));
    }
    for (s, seg) in def.segments.iter().enumerate() {
        if seg.column.starts_with('@') {
            bail!("the baseline does not handle `@file` segments");
        }
        let value = col(seg.column.as_str())
            .cast(DataType::String)
            .fill_null(lit(""));
        columns.push(value.alias(format!("__seg{s}")));
    }
    let with_items = scan.with_columns(columns);

    let mut scores = Vec::new();
    for (c, composite) in survey.composites.iter().enumerate() {
        let answered = composite
            .items
            .iter()
            .map(|&i| col(format!("__v{i}")).is_not_null().cast(DataType::Float64))
            .collect::<Vec<_>>();
        let sums = composite
            .items
            .iter()
            .map(|&i| col(format!("__f{i}")))
            .collect::<Vec<_>>();
        let n = polars::lazy::dsl::sum_horizontal(answered, true)?;
        let total = polars::lazy::dsl::sum_horizontal(sums, true)?;
        scores.push(
            when(n.clone().gt_eq(lit(composite.min_answered as f64)))
                .then(total / n)
                .otherwise(lit(NULL))
                .alias(format!("__s{c}")),
        );
        let complete = polars::lazy::dsl::all_horizontal(
            composite
                .items
                .iter()
                .map(|&i| col(format!("__v{i}")).is_not_null())
                .collect::<Vec<_>>(),
        )?;
        scores.push(complete.alias(format!("__c{c}")));
    }
    for (k, measure) in survey.kpi_measures.iter().enumerate() {
        if let KpiMeasure::Share { item, codes } = measure {
            let v = col(format!("__f{item}"));
            let hit = or_all(
                codes
                    .iter()
                    .map(|&c| v.clone().eq(lit(f64::from(survey.value_of(c))))),
            );
            scores.push(
                when(v.is_not_null())
                    .then(hit.cast(DataType::Float64))
                    .otherwise(lit(NULL))
                    .alias(format!("__k{k}")),
            );
        }
    }
    Ok(with_items.with_columns(scores))
}

/// The segment columns a cut groups by: a nested segment with its parents (bureau, section),
/// a cross with both of its segments' paths.
fn group_path(survey: &Survey, s: usize) -> Vec<usize> {
    let mut path = match (survey.segment_parents[s], survey.segment_across[s]) {
        (_, Some(b)) => {
            let a = survey.segment_parents[s].expect("a cross has two segments");
            let mut p = group_path(survey, a);
            p.extend(group_path(survey, b));
            return p;
        }
        (Some(p), None) => group_path(survey, p),
        (None, None) => Vec::new(),
    };
    path.push(s);
    path
}

/// The engine's group key from the grouped values (`values[t]` for plain segment `t`, NFKC
/// normalised as the engine does): the value, "parent / value" under a parent, "a × b" for a
/// cross, "" for the missing group.
fn engine_key(
    survey: &Survey,
    s: usize,
    values: &std::collections::HashMap<usize, String>,
) -> String {
    match (survey.segment_parents[s], survey.segment_across[s]) {
        (Some(a), Some(b)) => {
            let (ka, kb) = (engine_key(survey, a, values), engine_key(survey, b, values));
            if ka.is_empty() && kb.is_empty() {
                String::new()
            } else {
                format!("{ka} × {kb}")
            }
        }
        (Some(p), None) => {
            let pk = engine_key(survey, p, values);
            if pk.is_empty() {
                values[&s].clone()
            } else {
                format!("{pk} / {}", values[&s])
            }
        }
        (None, _) => values[&s].clone(),
    }
}

/// What every group (and the whole organisation) aggregates.
fn aggregations(survey: &Survey, with_alpha: bool) -> Vec<Expr> {
    let def = &survey.definition;
    let mut a = vec![len().alias("respondents")];
    for (i, item) in def.items.iter().enumerate() {
        let (v, f) = (col(format!("__v{i}")), col(format!("__f{i}")));
        a.push(v.clone().count().alias(format!("i{i}_n")));
        a.push(f.clone().mean().alias(format!("i{i}_mean")));
        a.push(f.std(1).alias(format!("i{i}_sd")));
        a.push(
            col(item.column.as_str())
                .is_null()
                .sum()
                .alias(format!("i{i}_missing")),
        );
        a.push(col(format!("__na{i}")).sum().alias(format!("i{i}_na")));
        for p in def.scale.min..=def.scale.max {
            a.push(
                v.clone()
                    .eq(lit(i32::from(p)))
                    .sum()
                    .alias(format!("i{i}_c{p}")),
            );
        }
    }
    for (c, composite) in survey.composites.iter().enumerate() {
        let s = col(format!("__s{c}"));
        a.push(s.clone().count().alias(format!("s{c}_n")));
        a.push(s.clone().mean().alias(format!("s{c}_mean")));
        a.push(s.std(1).alias(format!("s{c}_sd")));
        if with_alpha && c < def.dimensions.len() {
            // Cronbach's alpha on complete rows: item variances and the variance of the sum.
            let complete = col(format!("__c{c}"));
            a.push(complete.clone().sum().alias(format!("s{c}_alpha_n")));
            let mut total = lit(0.0);
            for &i in &composite.items {
                let f = col(format!("__f{i}"));
                a.push(
                    f.clone()
                        .filter(complete.clone())
                        .var(1)
                        .alias(format!("s{c}_var{i}")),
                );
                total = total + f;
            }
            a.push(
                total
                    .filter(complete)
                    .var(1)
                    .alias(format!("s{c}_var_total")),
            );
        }
    }
    for (k, measure) in survey.kpi_measures.iter().enumerate() {
        if let KpiMeasure::Share { .. } = measure {
            let x = col(format!("__k{k}"));
            a.push(x.clone().count().alias(format!("k{k}_n")));
            a.push(x.mean().alias(format!("k{k}_value")));
        }
    }
    a
}

/// Base and option counts of each multi-select question (whole organisation only).
fn multi_select(survey: &Survey) -> anyhow::Result<Vec<Expr>> {
    let mut a = Vec::new();
    for (q, m) in survey.definition.multi_select.iter().enumerate() {
        let (base, counts): (Expr, Vec<Expr>) = match (m.storage, m.skipped_when) {
            (MultiStorage::Columns, rule) => {
                let picked: Vec<Expr> = m
                    .options
                    .iter()
                    .map(|o| {
                        let c = o.column.as_deref().expect("checked by the definition");
                        col(c)
                            .cast(DataType::Int32)
                            .eq(lit(1))
                            .fill_null(lit(false))
                    })
                    .collect();
                let answered = match rule {
                    SkipRule::AllBlank => polars::lazy::dsl::any_horizontal(
                        m.options
                            .iter()
                            .map(|o| col(o.column.as_deref().expect("checked")).is_not_null())
                            .collect::<Vec<_>>(),
                    )?,
                    SkipRule::NoPick => polars::lazy::dsl::any_horizontal(picked.clone())?,
                };
                let counts = picked
                    .into_iter()
                    .map(|p| p.and(answered.clone()).sum())
                    .collect();
                (answered.sum(), counts)
            }
            (MultiStorage::Delimited, SkipRule::AllBlank) => {
                let c = m.column.as_deref().expect("checked by the definition");
                let sep = match m.separator.as_deref() {
                    None => ";",
                    Some(s) if s.chars().count() == 1 => s,
                    Some(s) => bail!("the baseline handles one separator, not `{s}`"),
                };
                let cell = col(c);
                let answered = cell.clone().is_not_null().and(cell.clone().neq(lit("")));
                // Each pick as its own row, as an analyst would tally a delimited answer.
                let picks = cell.str().split(lit(sep)).explode(ExplodeOptions {
                    empty_as_null: true,
                    keep_nulls: true,
                });
                let counts = m
                    .options
                    .iter()
                    .map(|o| {
                        let code = o.code.as_deref().expect("checked by the definition");
                        picks.clone().eq(lit(code)).sum()
                    })
                    .collect();
                (answered.sum(), counts)
            }
            (MultiStorage::Delimited, SkipRule::NoPick) => {
                bail!("the baseline does not handle delimited questions skipped on no pick")
            }
        };
        a.push(base.alias(format!("m{q}_base")));
        for (o, count) in counts.into_iter().enumerate() {
            a.push(count.alias(format!("m{q}_o{o}")));
        }
    }
    Ok(a)
}

fn number(df: &DataFrame, name: &str, row: usize) -> anyhow::Result<Option<f64>> {
    let v = df.column(name)?.get(row)?;
    Ok(if v.is_null() {
        None
    } else {
        v.extract::<f64>()
    })
}

fn read_groups(
    survey: &Survey,
    df: &DataFrame,
    segment: Option<usize>,
    out: &mut Figures,
) -> anyhow::Result<()> {
    let def = &survey.definition;
    let cut = segment.map_or("", |s| survey.segment_id(s));
    for row in 0..df.height() {
        let group = match segment {
            None => String::new(),
            Some(s) => {
                let mut values = std::collections::HashMap::new();
                for t in group_path(survey, s) {
                    let v = df.column(&format!("__seg{t}"))?.get(row)?;
                    // The engine keys groups by the NFKC-normalised value (10～19年 is 10~19年).
                    values.insert(
                        t,
                        engage_model::normalize_text(v.get_str().unwrap_or_default()),
                    );
                }
                engine_key(survey, s, &values)
            }
        };
        let put = |out: &mut Figures, measure: String, x: Option<f64>| {
            if let Some(x) = x {
                out.insert(key(cut, &group, &measure), x);
            }
        };
        put(out, "respondents".into(), number(df, "respondents", row)?);
        for (i, item) in def.items.iter().enumerate() {
            let n = number(df, &format!("i{i}_n"), row)?.unwrap_or(0.0);
            let m = |what: &str| format!("item:{}:{what}", item.id.get_ref());
            // The engine withholds an item's figures, counts included, when none is valid.
            if n == 0.0 {
                continue;
            }
            put(
                out,
                m("missing"),
                number(df, &format!("i{i}_missing"), row)?,
            );
            put(
                out,
                m("not_applicable"),
                number(df, &format!("i{i}_na"), row)?,
            );
            put(out, m("n"), Some(n));
            put(out, m("mean"), number(df, &format!("i{i}_mean"), row)?);
            put(out, m("sd"), number(df, &format!("i{i}_sd"), row)?);
            let mut favourable = 0.0;
            for p in def.scale.min..=def.scale.max {
                let count = number(df, &format!("i{i}_c{p}"), row)?;
                let scored = if item.reverse {
                    def.scale.min + def.scale.max - p
                } else {
                    p
                };
                if def.scale.favourable.contains(&scored) {
                    favourable += count.unwrap_or(0.0);
                }
                put(out, m(&format!("count{p}")), count);
            }
            put(out, m("favourable"), Some(favourable / n));
        }
        for (c, _) in survey.composites.iter().enumerate() {
            let n = number(df, &format!("s{c}_n"), row)?.unwrap_or(0.0);
            if segment.is_none() && c < def.dimensions.len() {
                alpha(survey, df, row, c, |m, x| put(out, m, Some(x)))?;
            }
            if n == 0.0 {
                continue;
            }
            let (n_m, mean_m, sd_m) = match composite_owner(survey, c) {
                Owner::Dimension(id) => (
                    format!("dimension:{id}:n"),
                    format!("dimension:{id}:mean"),
                    Some(format!("dimension:{id}:sd")),
                ),
                Owner::Kpi(id) => (format!("kpi:{id}:n"), format!("kpi:{id}:value"), None),
            };
            put(out, n_m, Some(n));
            put(out, mean_m, number(df, &format!("s{c}_mean"), row)?);
            if let Some(sd_m) = sd_m {
                put(out, sd_m, number(df, &format!("s{c}_sd"), row)?);
            }
            // A KPI defined as a dimension's mean is that dimension's figure too.
            for (k, measure) in survey.kpi_measures.iter().enumerate() {
                if matches!(measure, KpiMeasure::CompositeMean { composite } if *composite == c)
                    && c < def.dimensions.len()
                {
                    let id = def.kpis[k].id.get_ref();
                    put(out, format!("kpi:{id}:n"), Some(n));
                    put(
                        out,
                        format!("kpi:{id}:value"),
                        number(df, &format!("s{c}_mean"), row)?,
                    );
                }
            }
        }
        for (k, measure) in survey.kpi_measures.iter().enumerate() {
            if let KpiMeasure::Share { .. } = measure {
                let n = number(df, &format!("k{k}_n"), row)?.unwrap_or(0.0);
                if n > 0.0 {
                    let id = def.kpis[k].id.get_ref();
                    put(out, format!("kpi:{id}:n"), Some(n));
                    put(
                        out,
                        format!("kpi:{id}:value"),
                        number(df, &format!("k{k}_value"), row)?,
                    );
                }
            }
        }
    }
    Ok(())
}

enum Owner<'a> {
    Dimension(&'a str),
    Kpi(&'a str),
}

/// Composites are the dimensions (same index), then one per KPI over its own items.
fn composite_owner(survey: &Survey, c: usize) -> Owner<'_> {
    let def = &survey.definition;
    if c < def.dimensions.len() {
        return Owner::Dimension(def.dimensions[c].id.get_ref());
    }
    let k = survey
        .kpi_measures
        .iter()
        .position(|m| matches!(m, KpiMeasure::CompositeMean { composite } if *composite == c))
        .expect("every extra composite belongs to a KPI");
    Owner::Kpi(def.kpis[k].id.get_ref())
}

/// α = k/(k−1) · (1 − Σ var(item) / var(sum)) on complete rows, as the engine's figure.
fn alpha(
    survey: &Survey,
    df: &DataFrame,
    row: usize,
    d: usize,
    mut put: impl FnMut(String, f64),
) -> anyhow::Result<()> {
    let items = &survey.composites[d].items;
    let n = number(df, &format!("s{d}_alpha_n"), row)?.unwrap_or(0.0);
    if items.len() < 2 || n < 2.0 {
        return Ok(());
    }
    let total = number(df, &format!("s{d}_var_total"), row)?.unwrap_or(0.0);
    if total <= 0.0 {
        return Ok(());
    }
    let mut sum = 0.0;
    for &i in items {
        sum += number(df, &format!("s{d}_var{i}"), row)?.unwrap_or(0.0);
    }
    let k = items.len() as f64;
    put(
        format!("dimension:{d}:alpha"),
        k / (k - 1.0) * (1.0 - sum / total),
    );
    put(format!("dimension:{d}:alpha_n"), n);
    Ok(())
}

fn read_multi(survey: &Survey, df: &DataFrame, out: &mut Figures) -> anyhow::Result<()> {
    for (q, m) in survey.definition.multi_select.iter().enumerate() {
        let id = m.id.get_ref();
        if let Some(base) = number(df, &format!("m{q}_base"), 0)? {
            out.insert(key("", "", &format!("multi:{id}:base")), base);
        }
        for (o, option) in m.options.iter().enumerate() {
            if let Some(count) = number(df, &format!("m{q}_o{o}"), 0)? {
                out.insert(
                    key("", "", &format!("multi:{id}:{}", option.id.get_ref())),
                    count,
                );
            }
        }
    }
    Ok(())
}

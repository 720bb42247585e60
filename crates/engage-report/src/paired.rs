//! The same people in two waves: respondents linked by their id, and for each KPI, dimension
//! and item the paired t test (with d_z) and the Wilcoxon signed-rank test on each person's
//! change, or McNemar's test for a share KPI. Whole organisation only: per-group paired
//! figures would need their own suppression of the linked subsets.

use std::collections::HashMap;

use engage_aggregate::RespondentValues;
use engage_model::{KpiMeasure, Label, Survey};
use engage_stats::{
    benjamini_hochberg_present, mcnemar, paired_t, wilcoxon_signed_rank, Interval, WilcoxonMethod,
    CONFIDENCE,
};
use serde::Serialize;

use crate::model::Report;

/// One wave's rows as the paired comparison reads them.
pub struct PairedWave<'a> {
    pub survey: &'a Survey,
    pub report: &'a Report,
    /// Per row, the respondent id's fingerprint (`ResponseTable::respondent_ids`).
    pub ids: &'a [Option<std::num::NonZeroU128>],
    pub values: &'a RespondentValues,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairedComparison {
    /// Respondents present in both waves.
    pub linked: usize,
    pub only_in_a: usize,
    pub only_in_b: usize,
    pub notes: Vec<&'static str>,
    pub kpis: Vec<PairedChange>,
    pub dimensions: Vec<PairedChange>,
    pub items: Vec<PairedChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairedChange {
    pub id: String,
    pub label: Label,
    /// "mean" or "share".
    pub measure: &'static str,
    /// Fewer than the minimum group size of pairs with a value in both waves, or withheld in
    /// either wave's report.
    pub withheld: bool,
    /// Linked respondents with a value in both waves.
    pub pairs: u64,
    pub mean_a: Option<f64>,
    pub mean_b: Option<f64>,
    /// Mean of B − A over the pairs.
    pub difference: Option<f64>,
    pub sd_difference: Option<f64>,
    pub ci: Option<Interval>,
    /// "paired_t" for means, "mcnemar" for shares.
    pub test: Option<&'static str>,
    pub statistic: Option<f64>,
    pub df: Option<f64>,
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg within this table.
    pub p_adjusted: Option<f64>,
    /// Mean difference / SD of the differences.
    pub d_z: Option<f64>,
    pub wilcoxon: Option<WilcoxonFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WilcoxonFigures {
    pub ranked: u64,
    pub zeros_dropped: u64,
    pub w_plus: f64,
    pub w_minus: f64,
    pub statistic: f64,
    pub z: Option<f64>,
    pub method: WilcoxonMethod,
    pub p_value: f64,
    pub p_adjusted: Option<f64>,
    pub rank_biserial: f64,
}

/// Why a paired comparison cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    #[error("wave {wave} has no respondent ids: name the id column in its definition's [data] respondent_id")]
    NoIds { wave: &'static str },
    #[error("no respondent is in both waves: are the ids the same across the waves' files?")]
    NoneLinked,
}

pub fn paired_comparison(
    a: PairedWave<'_>,
    b: PairedWave<'_>,
    min_group_size: u32,
) -> Result<PairedComparison, PairingError> {
    for (wave, w) in [("A", &a), ("B", &b)] {
        if w.ids.is_empty() && w.report.responses.accepted > 0 {
            return Err(PairingError::NoIds { wave });
        }
    }
    let rows_b: HashMap<std::num::NonZeroU128, usize> = b
        .ids
        .iter()
        .enumerate()
        .filter_map(|(r, id)| id.map(|id| (id, r)))
        .collect();
    let links: Vec<(usize, usize)> = a
        .ids
        .iter()
        .enumerate()
        .filter_map(|(r, id)| rows_b.get(&(*id)?).map(|&s| (r, s)))
        .collect();
    if links.is_empty() {
        return Err(PairingError::NoneLinked);
    }
    let min = u64::from(min_group_size);
    let pair = |x: &[f64], y: &[f64]| -> Vec<(f64, f64)> {
        links
            .iter()
            .map(|&(r, s)| (x[r], y[s]))
            .filter(|(p, q)| !p.is_nan() && !q.is_nan())
            .collect()
    };
    let by_id = |ids_a: Vec<&String>, ids_b: Vec<&String>| -> Vec<(usize, usize)> {
        ids_a
            .iter()
            .enumerate()
            .filter_map(|(i, id)| ids_b.iter().position(|x| x == id).map(|j| (i, j)))
            .collect()
    };
    let (da, db) = (&a.survey.definition, &b.survey.definition);

    let mut kpis: Vec<PairedChange> = by_id(
        da.kpis.iter().map(|k| k.id.get_ref()).collect(),
        db.kpis.iter().map(|k| k.id.get_ref()).collect(),
    )
    .into_iter()
    .map(|(i, j)| {
        let share = matches!(a.survey.kpi_measures[i], KpiMeasure::Share { .. });
        let withheld = a.report.kpis[i].withheld || b.report.kpis[j].withheld;
        change(
            &a.report.kpis[i].id,
            a.report.kpis[i].label.clone(),
            share,
            &pair(&a.values.kpis[i], &b.values.kpis[j]),
            withheld,
            min,
        )
    })
    .collect();
    let mut dimensions: Vec<PairedChange> = by_id(
        da.dimensions.iter().map(|d| d.id.get_ref()).collect(),
        db.dimensions.iter().map(|d| d.id.get_ref()).collect(),
    )
    .into_iter()
    .map(|(i, j)| {
        let withheld = a.report.dimensions[i].withheld || b.report.dimensions[j].withheld;
        change(
            &a.report.dimensions[i].id,
            a.report.dimensions[i].label.clone(),
            false,
            &pair(&a.values.dimensions[i], &b.values.dimensions[j]),
            withheld,
            min,
        )
    })
    .collect();
    let mut items: Vec<PairedChange> = by_id(
        da.items.iter().map(|d| d.id.get_ref()).collect(),
        db.items.iter().map(|d| d.id.get_ref()).collect(),
    )
    .into_iter()
    .map(|(i, j)| {
        let withheld = a.report.items[i].withheld || b.report.items[j].withheld;
        change(
            &a.report.items[i].id,
            a.report.items[i].label.clone(),
            false,
            &pair(&a.values.items[i], &b.values.items[j]),
            withheld,
            min,
        )
    })
    .collect();
    for table in [&mut kpis, &mut dimensions, &mut items] {
        adjust(table);
    }
    Ok(PairedComparison {
        linked: links.len(),
        only_in_a: a.ids.len() - links.len(),
        only_in_b: b.ids.len() - links.len(),
        notes: vec![
            "respondents linked by respondent id; differences are B minus A for each person",
            "means: paired t test (scipy.stats.ttest_rel) with d_z = mean difference / SD of differences; Wilcoxon signed-rank with zero differences dropped, exact without ties up to 50 pairs, else normal approximation with tie correction and no continuity correction",
            "shares: McNemar's chi-square on the discordant pairs, no continuity correction",
            "p_adjusted: Benjamini-Hochberg within each table, separately for the t (or McNemar) and the Wilcoxon p-values",
            "whole organisation only: per-group paired figures are not produced",
        ],
        kpis,
        dimensions,
        items,
    })
}

fn change(
    id: &str,
    label: Label,
    share: bool,
    pairs: &[(f64, f64)],
    withheld_in_a_wave: bool,
    min: u64,
) -> PairedChange {
    let n = pairs.len() as u64;
    let mut c = PairedChange {
        id: id.to_string(),
        label,
        measure: if share { "share" } else { "mean" },
        withheld: withheld_in_a_wave || n < min,
        pairs: n,
        mean_a: None,
        mean_b: None,
        difference: None,
        sd_difference: None,
        ci: None,
        test: None,
        statistic: None,
        df: None,
        p_value: None,
        p_adjusted: None,
        d_z: None,
        wilcoxon: None,
    };
    if c.withheld {
        // The pair count says nothing about anyone, but a small one is withheld with the rest.
        if n < min {
            c.pairs = 0;
        }
        return c;
    }
    let nf = n as f64;
    c.mean_a = Some(pairs.iter().map(|p| p.0).sum::<f64>() / nf);
    c.mean_b = Some(pairs.iter().map(|p| p.1).sum::<f64>() / nf);
    let differences: Vec<f64> = pairs.iter().map(|(x, y)| y - x).collect();
    c.difference = Some(differences.iter().sum::<f64>() / nf);
    if share {
        let yes_no = pairs.iter().filter(|(x, y)| *x == 1.0 && *y == 0.0).count() as u64;
        let no_yes = pairs.iter().filter(|(x, y)| *x == 0.0 && *y == 1.0).count() as u64;
        if let Ok(m) = mcnemar(yes_no, no_yes) {
            c.test = Some("mcnemar");
            c.statistic = Some(m.statistic);
            c.df = m.df;
            c.p_value = Some(m.p_value);
        }
        return c;
    }
    if let Ok(t) = paired_t(&differences, CONFIDENCE) {
        c.sd_difference = Some(t.sd_difference);
        c.ci = Some(t.ci);
        c.test = Some("paired_t");
        c.statistic = Some(t.t);
        c.df = Some(t.df);
        c.p_value = Some(t.p_value);
        c.d_z = Some(t.d_z);
    }
    if let Ok(w) = wilcoxon_signed_rank(&differences) {
        c.wilcoxon = Some(WilcoxonFigures {
            ranked: w.n_ranked,
            zeros_dropped: w.zeros_dropped,
            w_plus: w.w_plus,
            w_minus: w.w_minus,
            statistic: w.statistic,
            z: w.z,
            method: w.method,
            p_value: w.p_value,
            p_adjusted: None,
            rank_biserial: w.rank_biserial,
        });
    }
    c
}

/// Benjamini–Hochberg within the table, for the t (or McNemar) and the Wilcoxon p-values apart.
fn adjust(table: &mut [PairedChange]) {
    let p: Vec<Option<f64>> = table.iter().map(|c| c.p_value).collect();
    for (c, q) in table.iter_mut().zip(benjamini_hochberg_present(&p)) {
        c.p_adjusted = q;
    }
    let p: Vec<Option<f64>> = table
        .iter()
        .map(|c| c.wilcoxon.as_ref().map(|w| w.p_value))
        .collect();
    for (c, q) in table.iter_mut().zip(benjamini_hochberg_present(&p)) {
        if let Some(w) = c.wilcoxon.as_mut() {
            w.p_adjusted = q;
        }
    }
}

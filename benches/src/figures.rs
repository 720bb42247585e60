//! The figures both programs compute, flattened to `cut|group|measure -> value` so that they
//! can be compared one by one. The cut is a segment (or cross) id, empty for the whole
//! organisation; the group is the engine's group key (`政策局 / 企画課`, `政策局 × 30代`).

use std::collections::BTreeMap;

use engage_aggregate::{GroupPartial, Partials};
use engage_model::Survey;
use engage_report::{GroupItem, GroupKpi, GroupScore, Report};

pub type Figures = BTreeMap<String, f64>;

pub fn key(cut: &str, group: &str, measure: &str) -> String {
    format!("{cut}|{group}|{measure}")
}

/// Cronbach's alpha of dimension `d` of a group on its complete rows, with that row count.
pub fn listwise_alpha(group: &GroupPartial, d: usize) -> Option<(f64, u64)> {
    let listwise = &group.dimension_items[d].listwise;
    let cov = listwise.covariance()?;
    let alpha = engage_stats::cronbach_alpha_from_covariance(&cov).ok()?;
    Some((alpha, listwise.n))
}

/// The engine's figures: the report's, plus listwise alpha per dimension from the partials.
/// Withheld figures are absent; compare with `min_group_size = 1` to have them all.
pub fn from_engine(survey: &Survey, report: &Report, partials: &Partials) -> Figures {
    let mut f = Figures::new();
    let def = &survey.definition;
    let overall_items: Vec<GroupItem> = report
        .items
        .iter()
        .map(|i| GroupItem {
            id: i.id.clone(),
            withheld: i.withheld,
            figures: i.figures.clone(),
        })
        .collect();
    let overall_dims: Vec<GroupScore> = report
        .dimensions
        .iter()
        .map(|d| GroupScore {
            id: d.id.clone(),
            withheld: d.withheld,
            figures: d.figures.clone(),
        })
        .collect();
    let overall_kpis: Vec<GroupKpi> = report
        .kpis
        .iter()
        .map(|k| GroupKpi {
            id: k.id.clone(),
            withheld: k.withheld,
            value: k.value.clone(),
        })
        .collect();
    let overall = partials.overall();
    group(
        &mut f,
        ("", ""),
        overall.respondents,
        (&overall_items, &overall_dims, &overall_kpis),
    );
    alphas(&mut f, ("", ""), overall, def.dimensions.len());
    for (seg, cut) in report
        .segments
        .iter()
        .zip(partials.cuts.iter().filter(|c| c.segment.is_some()))
    {
        for g in &seg.groups {
            let Some(n) = g.respondents else { continue };
            group(
                &mut f,
                (&seg.id, &g.key),
                n,
                (&g.items, &g.dimensions, &g.kpis),
            );
            let at = cut
                .levels
                .iter()
                .position(|l| l.key == g.key)
                .expect("report groups come from the partials");
            alphas(
                &mut f,
                (&seg.id, &g.key),
                &cut.groups[at],
                def.dimensions.len(),
            );
        }
    }
    for m in &report.multi_select {
        if let Some(base) = m.base {
            f.insert(key("", "", &format!("multi:{}:base", m.id)), base as f64);
        }
        for o in &m.options {
            f.insert(
                key("", "", &format!("multi:{}:{}", m.id, o.id)),
                o.count as f64,
            );
        }
    }
    f
}

fn group(
    f: &mut Figures,
    (cut, g): (&str, &str),
    respondents: u64,
    (items, dims, kpis): (&[GroupItem], &[GroupScore], &[GroupKpi]),
) {
    f.insert(key(cut, g, "respondents"), respondents as f64);
    for item in items {
        let Some(x) = &item.figures else { continue };
        let m = |what: &str| key(cut, g, &format!("item:{}:{what}", item.id));
        f.insert(m("n"), x.n as f64);
        f.insert(m("mean"), x.mean);
        if let Some(sd) = x.sd {
            f.insert(m("sd"), sd);
        }
        f.insert(m("favourable"), x.favourable);
        f.insert(m("missing"), x.missing as f64);
        f.insert(m("not_applicable"), x.not_applicable as f64);
        for c in &x.counts {
            f.insert(m(&format!("count{}", c.value)), c.count as f64);
        }
    }
    for dim in dims {
        let Some(x) = &dim.figures else { continue };
        let m = |what: &str| key(cut, g, &format!("dimension:{}:{what}", dim.id));
        f.insert(m("n"), x.n as f64);
        f.insert(m("mean"), x.mean);
        if let Some(sd) = x.sd {
            f.insert(m("sd"), sd);
        }
    }
    for kpi in kpis {
        let Some(x) = &kpi.value else { continue };
        let m = |what: &str| key(cut, g, &format!("kpi:{}:{what}", kpi.id));
        f.insert(m("n"), x.n as f64);
        f.insert(m("value"), x.value);
    }
}

fn alphas(f: &mut Figures, (cut, g): (&str, &str), group: &GroupPartial, dims: usize) {
    for d in 0..dims {
        if let Some((alpha, n)) = listwise_alpha(group, d) {
            f.insert(key(cut, g, &format!("dimension:{d}:alpha")), alpha);
            f.insert(key(cut, g, &format!("dimension:{d}:alpha_n")), n as f64);
        }
    }
}

/// Every figure that differs by more than `relative` (or is in only one of the two), as
/// readable lines; empty when they agree.
pub fn differences(engine: &Figures, baseline: &Figures, relative: f64) -> Vec<String> {
    let mut out = Vec::new();
    for (k, a) in engine {
        match baseline.get(k) {
            None => out.push(format!("{k}: engine {a}, baseline has none")),
            Some(b) if (a - b).abs() > relative * a.abs().max(b.abs()).max(1.0) => {
                out.push(format!("{k}: engine {a}, baseline {b}"))
            }
            Some(_) => {}
        }
    }
    for (k, b) in baseline {
        if !engine.contains_key(k) {
            out.push(format!("{k}: baseline {b}, engine has none"));
        }
    }
    out
}

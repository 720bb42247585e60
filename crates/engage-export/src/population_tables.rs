//! The population tables, present when the definition has `[population]`: response rates per
//! published group (`response_rates`), the whole organisation's intervals with the
//! finite-population correction (`fpc_intervals`) and the raked, weighted figures (`weighted`).

use engage_model::Label;
use engage_report::{PopulationReport, WeightedFigure};

use crate::tables::{col, text, Cell, Kind, Lang, Table};

pub fn population_tables(p: &PopulationReport, lang: Lang) -> Vec<Table> {
    let mut tables = vec![rates(p), fpc_intervals(p)];
    if let Some(w) = &p.weighting {
        tables.push(weighted(w, lang));
    }
    tables
}

fn rates(p: &PopulationReport) -> Table {
    let columns = vec![
        col("segment_id", "区分ID", "Segment id"),
        col("group", "グループ", "Group"),
        col("headcount", "職員数", "Headcount"),
        col("respondents", "回答者数", "Respondents"),
        col("response_rate", "回答率", "Response rate"),
        col("fpc", "有限母集団修正係数", "Finite-population correction"),
    ];
    let mut rows = vec![vec![
        Cell::Text("total".into()),
        Cell::Empty,
        p.headcount.map_or(Cell::Empty, Cell::Int),
        Cell::Int(p.respondents),
        p.response_rate
            .map_or(Cell::Empty, |r| Cell::Number(r, Kind::Share)),
        p.fpc.map_or(Cell::Empty, |f| Cell::Number(f, Kind::Plain)),
    ]];
    rows.extend(p.groups.iter().map(|g| {
        vec![
            Cell::Text(g.segment.clone()),
            Cell::Text(g.key.clone()),
            Cell::Int(g.headcount),
            Cell::Int(g.respondents),
            Cell::Number(g.response_rate, Kind::Share),
            Cell::Number(g.fpc, Kind::Plain),
        ]
    }));
    Table {
        name: "response_rates",
        title: Label::new("回答率", "Response rates"),
        columns,
        rows,
    }
}

fn fpc_intervals(p: &PopulationReport) -> Table {
    let columns = vec![
        col("of", "種別", "Of"),
        col("id", "ID", "Id"),
        col("value", "値", "Value"),
        col("ci_lower", "95%信頼区間 下限", "95% CI lower"),
        col("ci_upper", "95%信頼区間 上限", "95% CI upper"),
        col("ci_fpc_lower", "修正後 下限", "FPC-corrected lower"),
        col("ci_fpc_upper", "修正後 上限", "FPC-corrected upper"),
    ];
    let rows = p
        .corrected_intervals
        .iter()
        .map(|c| {
            let kind = if c.measure == "share" {
                Kind::Share
            } else {
                Kind::Mean
            };
            vec![
                Cell::Text(c.of.to_string()),
                Cell::Text(c.id.clone()),
                Cell::Number(c.value, kind),
                Cell::Number(c.ci.lower, kind),
                Cell::Number(c.ci.upper, kind),
                Cell::Number(c.ci_fpc.lower, kind),
                Cell::Number(c.ci_fpc.upper, kind),
            ]
        })
        .collect();
    Table {
        name: "fpc_intervals",
        title: Label::new("有限母集団修正", "Finite-population correction"),
        columns,
        rows,
    }
}

fn weighted(w: &engage_report::Weighting, lang: Lang) -> Table {
    let columns = vec![
        col("of", "種別", "Of"),
        col("id", "ID", "Id"),
        col("label", "項目", "Measure"),
        col("measure", "平均/割合", "Mean or share"),
        col("unweighted", "重み付けなし", "Unweighted"),
        col("weighted", "重み付け後", "Weighted"),
        col("se", "標準誤差", "Standard error"),
        col("ci_lower", "95%信頼区間 下限", "95% CI lower"),
        col("ci_upper", "95%信頼区間 上限", "95% CI upper"),
        col("effective_n", "有効標本サイズ (Kish)", "Effective n (Kish)"),
    ];
    let row = |of: &str, f: &WeightedFigure| {
        let kind = if f.measure == "share" {
            Kind::Share
        } else {
            Kind::Mean
        };
        vec![
            Cell::Text(of.to_string()),
            Cell::Text(f.id.clone()),
            text(&f.label, lang),
            Cell::Text(f.measure.to_string()),
            Cell::Number(f.unweighted, kind),
            Cell::Number(f.value, kind),
            Cell::Number(f.se, Kind::Plain),
            Cell::Number(f.ci.lower, kind),
            Cell::Number(f.ci.upper, kind),
            Cell::Number(f.effective_n, Kind::Plain),
        ]
    };
    let rows = w
        .kpis
        .iter()
        .map(|f| row("kpi", f))
        .chain(w.dimensions.iter().map(|f| row("dimension", f)))
        .chain(w.items.iter().map(|f| row("item", f)))
        .collect();
    Table {
        name: "weighted",
        title: Label::new("重み付け集計", "Weighted figures"),
        columns,
        rows,
    }
}

//! `report.html`: one self-contained file (inline CSS and SVG, no scripts, no network) with the
//! summary, the charts and every table, readable on a laptop and printable. Its tables are the
//! same [`Table`]s the workbook and CSVs render, so the three cannot disagree.

use std::fmt::Write as _;
use std::path::Path;

use engage_charts::ChartSpec;
use engage_model::{KpiKind, Label};
use engage_report::Report;

use crate::tables::{Cell, Kind, Lang, Table};
use crate::ExportError;

const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee3; --accent: #4e79a7; --withheld: #eeeeee; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; color: var(--ink); line-height: 1.5;
  font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 4px; } h2 { border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin-top: 40px; }
.meta { color: var(--muted); margin: 0; }
nav ol { columns: 2; padding-left: 1.2em; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.85rem; }
th, td { border: 1px solid var(--line); padding: 3px 8px; vertical-align: top; }
th { background: #f3f5f7; text-align: left; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.withheld { background: var(--withheld); text-align: center; color: var(--muted); }
.scroll { overflow-x: auto; max-width: 100%; }
figure { margin: 16px 0 28px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 0.9rem; }
details > summary { cursor: pointer; font-weight: bold; margin: 8px 0; }
.note { color: var(--muted); font-size: 0.9rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  figure, table { break-inside: avoid; }
  th { position: static; }
  h2 { break-before: page; }
  h2.first { break-before: auto; }
}
"#;

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn number(v: f64, kind: Kind) -> String {
    match kind {
        Kind::Mean => format!("{v:.2}"),
        Kind::Share => format!("{:.1}%", v * 100.0),
        Kind::Plain => format!("{v:.3}"),
    }
}

fn cell(c: &Cell, lang: Lang) -> String {
    match c {
        Cell::Text(s) => format!("<td>{}</td>", esc(s)),
        Cell::Int(v) => format!("<td class=\"num\">{v}</td>"),
        Cell::Number(v, kind) => format!("<td class=\"num\">{}</td>", number(*v, *kind)),
        Cell::Bool(b) => {
            let l = if *b {
                Label::new("はい", "yes")
            } else {
                Label::new("いいえ", "no")
            };
            format!("<td>{}</td>", l.get(lang.code()))
        }
        Cell::Empty => "<td></td>".into(),
        Cell::Withheld => "<td class=\"withheld\" title=\"withheld\">—</td>".into(),
    }
}

/// Tables with more rows than this start folded.
const FOLD_ABOVE: usize = 200;

fn table_html(out: &mut String, table: &Table, lang: Lang) {
    // Long tables start folded (they are complete in the file; the CSV is easier to filter).
    let open = if table.rows.len() <= FOLD_ABOVE {
        " open"
    } else {
        ""
    };
    let _ = write!(
        out,
        "<details{open} id=\"table-{}\"><summary>{} <span class=\"note\">({} {})</span></summary><div class=\"scroll\"><table><thead><tr>",
        table.name,
        esc(table.title.get(lang.code())),
        table.rows.len(),
        Label::new("行", "rows").get(lang.code())
    );
    for c in &table.columns {
        let _ = write!(out, "<th>{}</th>", esc(c.label.get(lang.code())));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        out.push_str("<tr>");
        for c in row {
            out.push_str(&cell(c, lang));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></details>\n");
}

fn summary(out: &mut String, r: &Report, lang: Lang) {
    let l = |ja: &str, en: &str| Label::new(ja, en).get(lang.code()).to_string();
    let t = |label: &Label| esc(label.get(lang.code()));
    let _ = write!(
        out,
        "<h2 class=\"first\" id=\"summary\">{}</h2><h3>{}</h3><table><thead><tr>",
        l("概要", "Summary"),
        l("検証指標", "KPIs")
    );
    for h in [
        l("指標", "KPI"),
        l("値", "Value"),
        l("95%信頼区間", "95% interval"),
        l("基準値", "Baseline"),
        l("目標値", "Target"),
        l("計画線上の値", "Trajectory"),
        l("進捗", "Status"),
        l("目標までの差", "Gap to target"),
    ] {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for k in &r.kpis {
        let kind = if k.kind == KpiKind::Share {
            Kind::Share
        } else {
            Kind::Mean
        };
        let num = |v: Option<f64>| match v {
            Some(v) => format!("<td class=\"num\">{}</td>", number(v, kind)),
            None => "<td></td>".into(),
        };
        let _ = write!(out, "<tr><td>{}</td>", t(&k.label));
        match (&k.value, k.withheld) {
            (Some(v), false) => {
                out.push_str(&num(Some(v.value)));
                out.push_str(&match v.ci {
                    Some(ci) => format!(
                        "<td class=\"num\">{} – {}</td>",
                        number(ci.lower, kind),
                        number(ci.upper, kind)
                    ),
                    None => "<td></td>".into(),
                });
            }
            _ => out.push_str(&cell(&Cell::Withheld, lang).repeat(2)),
        }
        out.push_str(&num(k.baseline.map(|b| b.value)));
        out.push_str(&num(k.target.map(|b| b.value)));
        let tracking = k.tracking.as_ref();
        out.push_str(&num(tracking.and_then(|x| x.trajectory)));
        let _ = write!(
            out,
            "<td>{}</td>",
            tracking
                .and_then(|x| x.status)
                .map(|s| esc(s.label().get(lang.code())))
                .unwrap_or_default()
        );
        out.push_str(&num(k
            .value
            .as_ref()
            .filter(|_| !k.withheld)
            .and_then(|v| v.gap_to_target)));
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    let mut dims: Vec<(String, f64)> = r
        .published_dimension_means()
        .map(|(label, mean)| (t(label), mean))
        .collect();
    dims.sort_by(|a, b| a.1.total_cmp(&b.1));
    if !dims.is_empty() {
        let list = |ds: &[(String, f64)]| {
            ds.iter()
                .map(|(n, m)| format!("{n} {m:.2}"))
                .collect::<Vec<_>>()
                .join("、")
        };
        let k = dims.len().min(3);
        let mut highest = dims[dims.len() - k..].to_vec();
        highest.reverse();
        let _ = write!(
            out,
            "<p><b>{}</b>: {}<br><b>{}</b>: {}</p>",
            l("低い3領域", "Lowest three dimensions"),
            list(&dims[..k]),
            l("高い3領域", "Highest three dimensions"),
            list(&highest)
        );
    }
    if let Some(c) = &r.previous_wave {
        let _ = write!(
            out,
            "<h3>{} {} → {}</h3><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            l("前回調査からの大きな変化", "Largest changes since the previous wave"),
            esc(&c.a.wave.label),
            esc(&c.b.wave.label),
            l("領域・設問", "Dimension or item"),
            l("前回", "Previous"),
            l("今回", "This wave"),
            l("差", "Difference"),
            l("調整済みp値（BH）", "Adjusted p (BH)"),
        );
        for x in engage_report::largest_changes(c, 5) {
            let side = |v: Option<&engage_report::Side>| {
                v.map_or(String::new(), |v| format!("{:.2}", v.value))
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                t(&x.label),
                side(x.a.as_ref()),
                side(x.b.as_ref()),
                x.difference.map_or(String::new(), |d| format!("{d:+.2}")),
                x.p_adjusted.map_or(String::new(), |p| format!("{p:.3}")),
            );
        }
        out.push_str("</tbody></table>");
    }
}

/// Writes `report.html`.
pub fn write_html_report(
    report: &Report,
    tables: &[Table],
    charts: &[(ChartSpec, String)],
    path: &Path,
    lang: Lang,
) -> Result<(), ExportError> {
    let l = |ja: &str, en: &str| Label::new(ja, en).get(lang.code()).to_string();
    let title = esc(report.survey.title.get(lang.code()));
    let mut out = String::with_capacity(1 << 20);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>{STYLE}</style></head><body>\n<header><h1>{title}</h1><p class=\"meta\">{} {} ({}) · {} {}",
        lang.code(),
        l("調査回", "Wave"),
        esc(&report.survey.wave.label),
        report.survey.wave.year,
        l("回答者数", "Respondents"),
        report.responses.accepted,
    );
    if let Some(rate) = report.population.as_ref().and_then(|p| p.response_rate) {
        let _ = write!(
            out,
            " · {} {:.1}%",
            l("回答率", "Response rate"),
            rate * 100.0
        );
    }
    let _ = write!(
        out,
        " · {} {} {}</p></header>\n<nav><ol><li><a href=\"#summary\">{}</a></li><li><a href=\"#charts\">{}</a></li>",
        report.engine.name,
        report.engine.version,
        l("で作成", "made this report"),
        l("概要", "Summary"),
        l("グラフ", "Charts"),
    );
    for table in tables {
        let _ = write!(
            out,
            "<li><a href=\"#table-{}\">{}</a></li>",
            table.name,
            esc(table.title.get(lang.code()))
        );
    }
    let _ = write!(
        out,
        "<li><a href=\"#method\">{}</a></li></ol></nav>\n<main>",
        l("集計方法", "Method")
    );
    summary(&mut out, report, lang);
    let _ = write!(out, "<h2 id=\"charts\">{}</h2>", l("グラフ", "Charts"));
    for (spec, svg) in charts {
        let _ = writeln!(
            out,
            "<figure class=\"chart\" id=\"chart-{}\" role=\"img\" aria-label=\"{}\">{}<figcaption>{}</figcaption></figure>",
            spec.stem,
            esc(&spec.title),
            svg.trim_start_matches(|c| c != '<'),
            esc(&spec.title)
        );
    }
    let _ = write!(out, "<h2 id=\"tables\">{}</h2>", l("表", "Tables"));
    for table in tables {
        table_html(&mut out, table, lang);
    }
    let _ = write!(
        out,
        "<h2 id=\"method\">{}</h2><table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
        l("集計方法", "Method"),
        l("数値", "Figure"),
        l("定義", "Definition")
    );
    for ((fj, fe), (dj, de)) in crate::method::DEFINITIONS {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&l(fj, fe)),
            esc(&l(dj, de))
        );
    }
    let _ = writeln!(
        out,
        "</tbody></table></main><footer><p class=\"note\">{}</p></footer></body></html>",
        l(
            "— は匿名性保護のため非公表（回答者が少ない、または他の数値から逆算されるのを防ぐため）",
            "— withheld for anonymity: too few respondents, or it would let a small group be recovered",
        )
    );
    std::fs::write(path, out).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

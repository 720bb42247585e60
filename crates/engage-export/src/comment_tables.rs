//! The free-text section as tables: a summary per question, top terms and category shares for
//! the organisation and each published group, keyness, the co-occurrence network and, only
//! when comments were exported, the masked comments. Withheld groups appear as one row marked
//! withheld, never with numbers.

use engage_model::Label;
use engage_report::{CategoryFigure, FreeTextQuestion, FreeTextReport, KeyTerm, TermFigure};

use crate::tables::{col, text, Cell, Kind, Lang, Table};

pub(crate) fn comment_tables(f: &FreeTextReport, lang: Lang) -> Vec<Table> {
    let mut tables = vec![
        summary_table(f, lang),
        terms_table(f, lang),
        evaluative_table(f, lang),
        categories_table(f, lang),
        keyness_table(f, lang),
        network_table(f),
    ];
    if f.comments_exported {
        tables.push(exported_table(f, lang));
    }
    tables
}

fn whole(lang: Lang) -> Cell {
    text(&Label::new("全体", "All"), lang)
}

fn summary_table(f: &FreeTextReport, lang: Lang) -> Table {
    let columns = vec![
        col("question_id", "設問ID", "Question id"),
        col("question", "設問", "Question"),
        col("rows", "回答者数", "Respondents"),
        col("blank", "無記入", "Blank"),
        col("non_answers", "「特になし」等", "Non-answers"),
        col("comments", "記述あり", "Comments"),
        col("withheld", "非公表", "Withheld"),
        col("analyser", "形態素解析", "Word segmentation"),
    ];
    let rows = f
        .questions
        .iter()
        .map(|q| {
            vec![
                Cell::Text(q.id.clone()),
                text(&q.label, lang),
                Cell::Int(q.rows),
                Cell::Int(q.blank),
                Cell::Int(q.non_answers),
                Cell::Int(q.comments),
                Cell::Bool(q.withheld),
                Cell::Text(f.analyser.clone()),
            ]
        })
        .collect();
    Table {
        name: "comment_summary",
        title: Label::new("自由記述 概要", "Comment summary"),
        columns,
        rows,
    }
}

/// Each published group once, with the question's segments in order; withheld groups as
/// `None`.
fn groups<'a>(
    q: &'a FreeTextQuestion,
) -> impl Iterator<Item = (&'a Label, &'a engage_report::CommentGroup)> + 'a {
    q.segments
        .iter()
        .flat_map(|s| s.groups.iter().map(move |g| (&s.label, g)))
}

/// The first columns of every per-group table: question, segment, group.
fn group_columns() -> Vec<crate::tables::Column> {
    vec![
        col("question_id", "設問ID", "Question id"),
        col("segment", "区分", "Segment"),
        col("group", "グループ", "Group"),
    ]
}

/// The first cells of every row: question, segment, group.
fn prefix(q: &FreeTextQuestion, segment: Cell, group: Cell) -> Vec<Cell> {
    vec![Cell::Text(q.id.clone()), segment, group]
}

/// A withheld group's row: its name, every figure withheld.
fn withheld_row(prefix: Vec<Cell>, width: usize) -> Vec<Cell> {
    let mut row = prefix;
    while row.len() < width - 1 {
        row.push(Cell::Withheld);
    }
    row.push(Cell::Bool(true));
    row
}

fn terms_table(f: &FreeTextReport, lang: Lang) -> Table {
    let columns = [
        group_columns(),
        vec![
            col("rank", "順位", "Rank"),
            col("term", "語", "Term"),
            col("pos", "品詞", "Part of speech"),
            col("comments", "出現記述数", "Comments using it"),
            col("base", "記述数（母数）", "Comments (base)"),
            col("share", "出現率", "Share"),
            col("withheld", "非公表", "Withheld"),
        ],
    ]
    .concat();
    let width = columns.len();
    let mut rows = Vec::new();
    let term_rows = |rows: &mut Vec<Vec<Cell>>,
                     q: &FreeTextQuestion,
                     seg: Cell,
                     group: Cell,
                     terms: &[TermFigure],
                     base: u64| {
        for (i, t) in terms.iter().enumerate() {
            rows.push(vec![
                Cell::Text(q.id.clone()),
                seg.clone(),
                group.clone(),
                Cell::Int(i as u64 + 1),
                Cell::Text(t.term.clone()),
                Cell::Text(pos_label(t.pos, lang).into()),
                Cell::Int(t.comments),
                Cell::Int(base),
                Cell::Number(t.share, Kind::Share),
                Cell::Bool(false),
            ]);
        }
    };
    for q in f.questions.iter().filter(|q| !q.withheld) {
        term_rows(&mut rows, q, whole(lang), whole(lang), &q.terms, q.comments);
        for (seg, g) in groups(q) {
            match g.comments {
                Some(n) => term_rows(
                    &mut rows,
                    q,
                    text(seg, lang),
                    text(&g.label, lang),
                    &g.terms,
                    n,
                ),
                None => rows.push(withheld_row(
                    prefix(q, text(seg, lang), text(&g.label, lang)),
                    width,
                )),
            }
        }
    }
    Table {
        name: "comment_terms",
        title: Label::new("自由記述 頻出語", "Comment terms"),
        columns,
        rows,
    }
}

/// The evaluative words (多い, 少ない...), whole organisation, apart from the topic terms.
fn evaluative_table(f: &FreeTextReport, lang: Lang) -> Table {
    let columns = vec![
        col("question_id", "設問ID", "Question id"),
        col("rank", "順位", "Rank"),
        col("term", "語", "Term"),
        col("pos", "品詞", "Part of speech"),
        col("comments", "出現記述数", "Comments using it"),
        col("base", "記述数（母数）", "Comments (base)"),
        col("share", "出現率", "Share"),
    ];
    let mut rows = Vec::new();
    for q in f.questions.iter().filter(|q| !q.withheld) {
        for (i, t) in q.evaluative_terms.iter().enumerate() {
            rows.push(vec![
                Cell::Text(q.id.clone()),
                Cell::Int(i as u64 + 1),
                Cell::Text(t.term.clone()),
                Cell::Text(pos_label(t.pos, lang).into()),
                Cell::Int(t.comments),
                Cell::Int(q.comments),
                Cell::Number(t.share, Kind::Share),
            ]);
        }
    }
    Table {
        name: "comment_evaluative",
        title: Label::new("自由記述 評価語", "Comment evaluative words"),
        columns,
        rows,
    }
}

fn pos_label(pos: &str, lang: Lang) -> &'static str {
    let (ja, en) = match pos {
        "noun" => ("名詞", "noun"),
        "verb" => ("動詞", "verb"),
        "adjective" => ("形容詞", "adjective"),
        _ => ("その他", "other"),
    };
    if lang == Lang::En {
        en
    } else {
        ja
    }
}

fn categories_table(f: &FreeTextReport, lang: Lang) -> Table {
    let columns = [
        group_columns(),
        vec![
            col("category_id", "分類ID", "Category id"),
            col("category", "分類", "Category"),
            col("comments", "該当記述数", "Comments"),
            col("base", "記述数（母数）", "Comments (base)"),
            col("share", "割合", "Share"),
            col("ci_lower", "95%信頼区間 下限", "95% CI lower"),
            col("ci_upper", "95%信頼区間 上限", "95% CI upper"),
            col("withheld", "非公表", "Withheld"),
        ],
    ]
    .concat();
    let width = columns.len();
    let mut rows = Vec::new();
    let category_rows = |rows: &mut Vec<Vec<Cell>>,
                         q: &FreeTextQuestion,
                         seg: Cell,
                         group: Cell,
                         cats: &[&CategoryFigure],
                         base: u64| {
        for c in cats {
            rows.push(vec![
                Cell::Text(q.id.clone()),
                seg.clone(),
                group.clone(),
                Cell::Text(c.id.clone()),
                text(&c.label, lang),
                Cell::Int(c.comments),
                Cell::Int(base),
                Cell::Number(c.share, Kind::Share),
                Cell::Number(c.ci.lower, Kind::Share),
                Cell::Number(c.ci.upper, Kind::Share),
                Cell::Bool(false),
            ]);
        }
    };
    for q in f.questions.iter().filter(|q| !q.withheld) {
        let overall: Vec<&CategoryFigure> = q.categories.iter().chain(&q.uncategorised).collect();
        category_rows(&mut rows, q, whole(lang), whole(lang), &overall, q.comments);
        if q.categories.is_empty() {
            continue;
        }
        for (seg, g) in groups(q) {
            match g.comments {
                Some(n) if n > 0 => {
                    let cats: Vec<&CategoryFigure> = g.categories.iter().collect();
                    category_rows(
                        &mut rows,
                        q,
                        text(seg, lang),
                        text(&g.label, lang),
                        &cats,
                        n,
                    );
                }
                Some(_) => {}
                None => rows.push(withheld_row(
                    prefix(q, text(seg, lang), text(&g.label, lang)),
                    width,
                )),
            }
        }
    }
    Table {
        name: "comment_categories",
        title: Label::new("自由記述 分類別割合", "Comment categories"),
        columns,
        rows,
    }
}

fn keyness_table(f: &FreeTextReport, lang: Lang) -> Table {
    let columns = [
        group_columns(),
        vec![
            col("term", "語", "Term"),
            col("in_group", "グループ内出現記述数", "Comments in group"),
            col("in_rest", "それ以外の出現記述数", "Comments in rest"),
            col("share_group", "グループ内出現率", "Share in group"),
            col("share_rest", "それ以外の出現率", "Share in rest"),
            col("g2", "対数尤度比 G²", "Log-likelihood G²"),
            col("p_value", "p値", "p-value"),
            col("p_adjusted", "p値（BH補正）", "p-value (BH)"),
            col("log_ratio", "対数比（log₂）", "Log ratio (log₂)"),
            col("withheld", "非公表", "Withheld"),
        ],
    ]
    .concat();
    let width = columns.len();
    let mut rows = Vec::new();
    let key_rows = |rows: &mut Vec<Vec<Cell>>,
                    q: &FreeTextQuestion,
                    seg: Cell,
                    group: Cell,
                    terms: &[KeyTerm]| {
        for t in terms {
            rows.push(vec![
                Cell::Text(q.id.clone()),
                seg.clone(),
                group.clone(),
                Cell::Text(t.term.clone()),
                Cell::Int(t.in_group),
                Cell::Int(t.in_rest),
                Cell::Number(t.share_group, Kind::Share),
                Cell::Number(t.share_rest, Kind::Share),
                Cell::Number(t.g2, Kind::Plain),
                Cell::Number(t.p_value, Kind::Plain),
                Cell::Number(t.p_adjusted, Kind::Plain),
                t.log_ratio
                    .map_or(Cell::Empty, |x| Cell::Number(x, Kind::Plain)),
                Cell::Bool(false),
            ]);
        }
    };
    for q in f.questions.iter().filter(|q| !q.withheld) {
        for (seg, g) in groups(q) {
            if g.withheld {
                rows.push(withheld_row(
                    prefix(q, text(seg, lang), text(&g.label, lang)),
                    width,
                ));
            } else {
                key_rows(
                    &mut rows,
                    q,
                    text(seg, lang),
                    text(&g.label, lang),
                    &g.keyness,
                );
            }
        }
        if let Some(low) = &q.low_kpi {
            let seg = Cell::Text(match lang {
                Lang::Ja => format!("KPI低位（{}）", low.label.ja),
                Lang::En => format!("Low KPI ({})", low.label.en),
            });
            let group = Cell::Text(low.rule.clone());
            if low.withheld {
                rows.push(withheld_row(prefix(q, seg, group), width));
            } else {
                key_rows(&mut rows, q, seg, group, &low.terms);
            }
        }
    }
    Table {
        name: "comment_keyness",
        title: Label::new("自由記述 特徴語", "Comment keyness"),
        columns,
        rows,
    }
}

fn network_table(f: &FreeTextReport) -> Table {
    let columns = vec![
        col("question_id", "設問ID", "Question id"),
        col("term_a", "語A", "Term A"),
        col("term_b", "語B", "Term B"),
        col("comments_a", "語Aの出現記述数", "Comments with A"),
        col("comments_b", "語Bの出現記述数", "Comments with B"),
        col("together", "共起記述数", "Comments with both"),
        col("jaccard", "Jaccard係数", "Jaccard"),
        col("npmi", "正規化PMI", "NPMI"),
    ];
    let mut rows = Vec::new();
    for q in f.questions.iter().filter(|q| !q.withheld) {
        let Some(net) = &q.network else { continue };
        for e in &net.edges {
            let (a, b) = (&net.nodes[e.a], &net.nodes[e.b]);
            rows.push(vec![
                Cell::Text(q.id.clone()),
                Cell::Text(a.term.clone()),
                Cell::Text(b.term.clone()),
                Cell::Int(a.comments),
                Cell::Int(b.comments),
                Cell::Int(e.together),
                Cell::Number(e.jaccard, Kind::Plain),
                Cell::Number(e.npmi, Kind::Plain),
            ]);
        }
    }
    Table {
        name: "comment_network",
        title: Label::new("自由記述 共起ネットワーク", "Comment network"),
        columns,
        rows,
    }
}

fn exported_table(f: &FreeTextReport, lang: Lang) -> Table {
    let columns = vec![
        col("question_id", "設問ID", "Question id"),
        col("group", "グループ", "Group"),
        col(
            "comment",
            "記述（氏名等はマスク済み）",
            "Comment (names etc. masked)",
        ),
        col("categories", "分類", "Categories"),
    ];
    let mut rows = Vec::new();
    for q in &f.questions {
        for c in &q.exported {
            rows.push(vec![
                Cell::Text(q.id.clone()),
                c.group.as_ref().map_or(Cell::Empty, |g| text(g, lang)),
                Cell::Text(c.text.clone()),
                Cell::Text(c.categories.join(";")),
            ]);
        }
    }
    Table {
        name: "comments",
        title: Label::new("自由記述（マスク済み）", "Comments (masked)"),
        columns,
        rows,
    }
}

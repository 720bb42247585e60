//! Free-text comments in the report (docs/free-text.md): term counts, keyness of each group
//! against the rest of the organisation, the words of low-KPI staff, a co-occurrence network
//! and category shares. Every figure counts comments (a term once per comment), and any group
//! with fewer than `min_comment_group_size` comments, or withheld by the report's own
//! suppression, is withheld — with partners, so that no withheld group's counts follow by
//! subtraction from the organisation's.

use std::collections::HashMap;

use engage_ingest::ResponseTable;
use engage_model::{KpiMeasure, Label, Survey};
use engage_stats::{benjamini_hochberg, log_likelihood_keyness, wilson_ci, Interval};
use engage_text::{CommentKind, Corpus, Pos};
use serde::Serialize;

use crate::Report;

#[derive(Debug, Clone, Serialize)]
pub struct FreeTextReport {
    /// How comments were split into words; says so when no dictionary was found.
    pub analyser: String,
    /// Whether a real dictionary (IPADIC) was used; without one there are no dictionary forms
    /// and no name masking.
    pub dictionary: bool,
    pub min_comment_group_size: u32,
    pub min_term_comments: u32,
    /// Whether masked comment text is included (`export_comments` / `--export-comments`).
    pub comments_exported: bool,
    pub questions: Vec<FreeTextQuestion>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FreeTextQuestion {
    pub id: String,
    pub label: Label,
    /// Accepted rows, and how they answered: blank, a non-answer (特になし), a comment.
    pub rows: u64,
    pub blank: u64,
    pub non_answers: u64,
    pub comments: u64,
    /// Fewer than `min_comment_group_size` comments: nothing below is published.
    pub withheld: bool,
    pub terms: Vec<TermFigure>,
    /// Evaluative words (多い, 少ない, ない...), which name no topic, counted apart from
    /// `terms`: whole organisation only.
    pub evaluative_terms: Vec<TermFigure>,
    pub categories: Vec<CategoryFigure>,
    /// Comments in no category.
    pub uncategorised: Option<CategoryFigure>,
    pub network: Option<TermNetwork>,
    pub low_kpi: Option<LowKpiTerms>,
    pub segments: Vec<CommentSegment>,
    /// Masks applied to the exported comments (only when comments are exported).
    pub masked: Option<MaskCounts>,
    /// Masked comments of published groups (only when asked), ordered by group and text,
    /// never by row.
    pub exported: Vec<ExportedComment>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct MaskCounts {
    pub names: u64,
    pub emails: u64,
    pub phones: u64,
    /// Staff numbers, extensions, postal codes, dates and the definition's patterns.
    pub identifiers: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TermFigure {
    pub term: String,
    /// noun, verb or adjective.
    pub pos: &'static str,
    /// Comments using the term.
    pub comments: u64,
    /// Of the comments of the whole (or the group).
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryFigure {
    pub id: String,
    pub label: Label,
    pub comments: u64,
    pub share: f64,
    /// Wilson interval at the report's confidence level.
    pub ci: Interval,
}

/// A term's keyness in a group against the rest: comments of the group using it against
/// comments of everyone else using it.
#[derive(Debug, Clone, Serialize)]
pub struct KeyTerm {
    pub term: String,
    pub pos: &'static str,
    pub in_group: u64,
    pub in_rest: u64,
    pub share_group: f64,
    pub share_rest: f64,
    /// Log-likelihood G² (1 df) and its p-value.
    pub g2: f64,
    pub p_value: f64,
    /// Benjamini–Hochberg over every term tested for this group.
    pub p_adjusted: f64,
    /// log₂ of the group's share over the rest's (Hardie's log ratio); null when the rest has
    /// none.
    pub log_ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommentSegment {
    pub id: String,
    pub label: Label,
    pub groups: Vec<CommentGroup>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommentGroup {
    pub key: String,
    pub label: Label,
    pub withheld: bool,
    /// Comments written in the group; null when withheld.
    pub comments: Option<u64>,
    pub terms: Vec<TermFigure>,
    /// Terms over-represented in the group against the rest, strongest first.
    pub keyness: Vec<KeyTerm>,
    pub categories: Vec<CategoryFigure>,
}

/// What staff with a low KPI score write about, against the other commenters.
#[derive(Debug, Clone, Serialize)]
pub struct LowKpiTerms {
    pub kpi: String,
    pub label: Label,
    /// Which scores count as low.
    pub rule: String,
    pub withheld: bool,
    pub low_comments: Option<u64>,
    pub other_comments: Option<u64>,
    pub terms: Vec<KeyTerm>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TermNetwork {
    pub nodes: Vec<TermFigure>,
    pub edges: Vec<TermEdge>,
}

/// Two terms used in the same comments; `a` and `b` index `nodes`.
#[derive(Debug, Clone, Serialize)]
pub struct TermEdge {
    pub a: usize,
    pub b: usize,
    pub together: u64,
    /// together / (comments with a or b).
    pub jaccard: f64,
    /// ln(p(a,b) / p(a) p(b)) / −ln p(a,b), over comments; 1 when they always come together.
    pub npmi: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportedComment {
    /// The comment's group in the first comment segment, when there is one.
    pub group: Option<Label>,
    pub text: String,
    pub categories: Vec<String>,
}

/// What the CLI hands over: the analysed columns and how they were analysed.
pub struct FreeTextInput<'a> {
    pub corpora: &'a [Corpus],
    pub analyser: String,
    pub dictionary: bool,
    pub export_comments: bool,
    /// Each row's value of every KPI (NaN where none), as `respondent_values` gives them.
    pub kpi_values: &'a [Vec<f64>],
}

fn pos_name(pos: Pos) -> &'static str {
    match pos {
        Pos::Noun => "noun",
        Pos::Verb => "verb",
        Pos::Adjective => "adjective",
        Pos::Other => "other",
    }
}

/// Adds the free-text section; `report` must already hold its segments (for suppression and
/// labels).
pub fn add_free_text(
    report: &mut Report,
    survey: &Survey,
    table: &ResponseTable,
    input: &FreeTextInput<'_>,
) {
    let def = &survey.definition;
    let k = u64::from(
        def.privacy
            .min_comment_group_size
            .max(def.privacy.min_group_size),
    );
    let level = report.survey.confidence_level;
    let questions = def
        .free_text
        .iter()
        .zip(input.corpora)
        .map(|(q, corpus)| {
            let ctx = Context {
                survey,
                corpus,
                k,
                level,
            };
            ctx.question(
                q.id.get_ref(),
                Label::new(&q.ja, &q.en),
                report,
                table,
                input,
            )
        })
        .collect();
    report.free_text = Some(FreeTextReport {
        analyser: input.analyser.clone(),
        dictionary: input.dictionary,
        min_comment_group_size: k as u32,
        min_term_comments: def.text.min_term_comments,
        comments_exported: input.export_comments,
        questions,
    });
}

struct Context<'a> {
    survey: &'a Survey,
    corpus: &'a Corpus,
    k: u64,
    level: f64,
}

/// Per term, comments using it among the rows `member` selects; and the number of comments.
fn term_counts(corpus: &Corpus, member: impl Fn(usize) -> bool) -> (Vec<u64>, u64) {
    let mut counts = vec![0u64; corpus.terms.len()];
    let mut n = 0;
    for (row, doc) in corpus.docs.iter().enumerate() {
        if doc.kind == CommentKind::Comment && member(row) {
            n += 1;
            for &t in &doc.terms {
                counts[t as usize] += 1;
            }
        }
    }
    (counts, n)
}

impl Context<'_> {
    fn question(
        &self,
        id: &str,
        label: Label,
        report: &Report,
        table: &ResponseTable,
        input: &FreeTextInput<'_>,
    ) -> FreeTextQuestion {
        let corpus = self.corpus;
        let count = |kind| corpus.docs.iter().filter(|d| d.kind == kind).count() as u64;
        let comments = count(CommentKind::Comment);
        let mut out = FreeTextQuestion {
            id: id.to_string(),
            label,
            rows: corpus.docs.len() as u64,
            blank: count(CommentKind::Blank),
            non_answers: count(CommentKind::NonAnswer),
            comments,
            withheld: comments < self.k,
            terms: Vec::new(),
            evaluative_terms: Vec::new(),
            categories: Vec::new(),
            uncategorised: None,
            network: None,
            low_kpi: None,
            segments: Vec::new(),
            masked: None,
            exported: Vec::new(),
        };
        if out.withheld {
            return out;
        }
        let (totals, n) = term_counts(corpus, |_| true);
        out.terms = self.top_terms(&totals, n);
        out.evaluative_terms = self.ranked(&totals, n, true);
        out.categories = self.categories(|_| true, n);
        let uncategorised = corpus
            .docs
            .iter()
            .filter(|d| d.kind == CommentKind::Comment && !d.categories.iter().any(|&c| c))
            .count() as u64;
        if !self.survey.definition.text.categories.is_empty() {
            out.uncategorised = Some(self.category_figure(
                "uncategorised",
                Label::new("分類なし", "Uncategorised"),
                uncategorised,
                n,
            ));
        }
        out.network = Some(self.network(&totals, n));
        out.low_kpi = self.low_kpi(input);
        let mut first_segment_groups: Option<(Vec<u32>, Vec<Option<Label>>)> = None;
        for &s in &self.survey.text_segments {
            let (segment, published) = self.segment(s, report, table, &totals, n);
            if first_segment_groups.is_none() {
                first_segment_groups = Some((table.segments[s].codes.clone(), published));
            }
            out.segments.push(segment);
        }
        if input.export_comments {
            self.export(&mut out, first_segment_groups);
        }
        out
    }

    /// The most used topic terms among those at least `min_term_comments` comments use.
    fn top_terms(&self, counts: &[u64], n: u64) -> Vec<TermFigure> {
        self.ranked(counts, n, false)
    }

    /// The most used evaluative terms, or topic terms, among those at least
    /// `min_term_comments` comments use.
    fn ranked(&self, counts: &[u64], n: u64, evaluative: bool) -> Vec<TermFigure> {
        let text = &self.survey.definition.text;
        let min = u64::from(text.min_term_comments);
        let terms = &self.corpus.terms;
        let mut order: Vec<usize> = (0..counts.len())
            .filter(|&t| counts[t] >= min && terms[t].evaluative == evaluative)
            .collect();
        self.sort_terms(&mut order, counts);
        order.truncate(text.top_terms);
        order
            .into_iter()
            .map(|t| self.term_figure(t, counts[t], n))
            .collect()
    }

    /// Most comments first; ties in the terms' own order (Unicode), so output is stable.
    fn sort_terms(&self, order: &mut [usize], counts: &[u64]) {
        let terms = &self.corpus.terms;
        order.sort_by(|&a, &b| {
            counts[b]
                .cmp(&counts[a])
                .then_with(|| terms[a].text.cmp(&terms[b].text))
        });
    }

    fn term_figure(&self, t: usize, count: u64, n: u64) -> TermFigure {
        let term = &self.corpus.terms[t];
        TermFigure {
            term: term.text.clone(),
            pos: pos_name(term.pos),
            comments: count,
            share: count as f64 / n as f64,
        }
    }

    fn category_figure(&self, id: &str, label: Label, count: u64, n: u64) -> CategoryFigure {
        CategoryFigure {
            id: id.to_string(),
            label,
            comments: count,
            share: count as f64 / n as f64,
            ci: wilson_ci(count, n, self.level).expect("n > 0 for a published group"),
        }
    }

    fn categories(&self, member: impl Fn(usize) -> bool, n: u64) -> Vec<CategoryFigure> {
        let cats = &self.survey.definition.text.categories;
        cats.iter()
            .enumerate()
            .map(|(c, cat)| {
                let count = self
                    .corpus
                    .docs
                    .iter()
                    .enumerate()
                    .filter(|(row, d)| {
                        d.kind == CommentKind::Comment && d.categories[c] && member(*row)
                    })
                    .count() as u64;
                self.category_figure(cat.id.get_ref(), Label::new(&cat.ja, &cat.en), count, n)
            })
            .collect()
    }

    /// Keyness of the comments `in_group` selects against the other comments (`totals` and
    /// `n` are over all comments, so the rest is their difference). BH runs over every term
    /// tested; listed are the over-represented terms the group uses at least
    /// `min_term_comments` times.
    fn keyness(&self, group: &[u64], n_group: u64, totals: &[u64], n: u64) -> Vec<KeyTerm> {
        let text = &self.survey.definition.text;
        let min = u64::from(text.min_term_comments);
        let n_rest = n - n_group;
        if n_group == 0 || n_rest == 0 {
            return Vec::new();
        }
        let terms = &self.corpus.terms;
        let tested: Vec<usize> = (0..totals.len())
            .filter(|&t| totals[t] >= min && !terms[t].evaluative)
            .collect();
        let results: Vec<_> = tested
            .iter()
            .map(|&t| {
                log_likelihood_keyness(group[t], n_group, totals[t] - group[t], n_rest)
                    .expect("counts within their totals")
            })
            .collect();
        let p: Vec<f64> = results.iter().map(|r| r.p_value).collect();
        let adjusted = benjamini_hochberg(&p);
        let mut key: Vec<KeyTerm> = tested
            .iter()
            .zip(results)
            .zip(adjusted)
            .filter(|((&t, r), _)| r.over && group[t] >= min)
            .map(|((&t, r), p_adjusted)| {
                let term = &self.corpus.terms[t];
                let in_rest = totals[t] - group[t];
                KeyTerm {
                    term: term.text.clone(),
                    pos: pos_name(term.pos),
                    in_group: group[t],
                    in_rest,
                    share_group: group[t] as f64 / n_group as f64,
                    share_rest: in_rest as f64 / n_rest as f64,
                    g2: r.g2,
                    p_value: r.p_value,
                    p_adjusted,
                    log_ratio: r.log_ratio,
                }
            })
            .collect();
        key.sort_by(|a, b| b.g2.total_cmp(&a.g2).then_with(|| a.term.cmp(&b.term)));
        key.truncate(text.top_terms);
        key
    }

    /// One segment's groups; also returns, per level code, the label of a published group.
    fn segment(
        &self,
        s: usize,
        report: &Report,
        table: &ResponseTable,
        totals: &[u64],
        n: u64,
    ) -> (CommentSegment, Vec<Option<Label>>) {
        let column = &table.segments[s];
        let id = self.survey.segment_id(s);
        let reported = report.segments.iter().find(|r| r.id == id);
        // Groups in the report's display order, with their level code.
        let by_key: HashMap<&str, u32> = column
            .levels
            .iter()
            .enumerate()
            .map(|(c, l)| (l.key.as_str(), c as u32))
            .collect();
        let groups: Vec<(u32, &crate::GroupReport)> = reported
            .map(|r| {
                r.groups
                    .iter()
                    .filter_map(|g| by_key.get(g.key.as_str()).map(|&c| (c, g)))
                    .collect()
            })
            .unwrap_or_default();
        let mut comments_of = vec![0u64; column.levels.len()];
        for (row, doc) in self.corpus.docs.iter().enumerate() {
            if doc.kind == CommentKind::Comment {
                comments_of[column.codes[row] as usize] += 1;
            }
        }
        let counts: Vec<u64> = groups
            .iter()
            .map(|(c, _)| comments_of[*c as usize])
            .collect();
        let forced: Vec<bool> = groups.iter().map(|(_, g)| g.suppressed).collect();
        let withheld = withhold_partition(&counts, &forced, self.k);
        let mut published = vec![None; column.levels.len()];
        let out_groups = groups
            .iter()
            .zip(&withheld)
            .zip(&counts)
            .map(|(((code, g), &held), &c)| {
                let mut group = CommentGroup {
                    key: g.key.clone(),
                    label: g.label.clone(),
                    withheld: held,
                    comments: (!held).then_some(c),
                    terms: Vec::new(),
                    keyness: Vec::new(),
                    categories: Vec::new(),
                };
                if !held && c > 0 {
                    published[*code as usize] = Some(g.label.clone());
                    let member = |row: usize| column.codes[row] == *code;
                    let (in_group, n_group) = term_counts(self.corpus, member);
                    group.terms = self.top_terms(&in_group, n_group);
                    group.keyness = self.keyness(&in_group, n_group, totals, n);
                    group.categories = self.categories(member, n_group);
                }
                group
            })
            .collect();
        let segment = CommentSegment {
            id: id.to_string(),
            label: self.survey.segment_label(s),
            groups: out_groups,
        };
        (segment, published)
    }

    fn low_kpi(&self, input: &FreeTextInput<'_>) -> Option<LowKpiTerms> {
        let survey = self.survey;
        let k = survey.text_kpi?;
        let values = input.kpi_values.get(k)?;
        let kpi = &survey.definition.kpis[k];
        let scale = &survey.definition.scale;
        let (low, rule): (Box<dyn Fn(f64) -> bool>, String) = match &survey.kpi_measures[k] {
            KpiMeasure::Share { .. } => (
                Box::new(|x| x == 0.0),
                "answer not among the KPI's counted points".into(),
            ),
            KpiMeasure::CompositeMean { .. } => {
                let cut = scale
                    .unfavourable
                    .iter()
                    .copied()
                    .max()
                    .unwrap_or(scale.min);
                let code = f64::from(survey.code_of(cut));
                (
                    Box::new(move |x| x <= code),
                    format!("score at most {cut} (the highest unfavourable point)"),
                )
            }
        };
        let class = |row: usize| -> Option<bool> {
            let x = values[row];
            (!x.is_nan()).then(|| low(x))
        };
        let (low_counts, n_low) = term_counts(self.corpus, |r| class(r) == Some(true));
        let (_, n_other) = term_counts(self.corpus, |r| class(r) == Some(false));
        let withheld = n_low < self.k || n_other < self.k;
        let terms = if withheld {
            Vec::new()
        } else {
            // The rest is the other commenters with a score, not those without one.
            let (scored, n_scored) = term_counts(self.corpus, |r| class(r).is_some());
            self.keyness(&low_counts, n_low, &scored, n_scored)
        };
        Some(LowKpiTerms {
            kpi: kpi.id.get_ref().clone(),
            label: Label::new(&kpi.ja, &kpi.en),
            rule,
            withheld,
            low_comments: (!withheld).then_some(n_low),
            other_comments: (!withheld).then_some(n_other),
            terms,
        })
    }

    /// The `network_terms` most used terms and the strongest links between them: pairs used
    /// together in at least `min_term_comments` comments, at most two per node, by Jaccard.
    fn network(&self, totals: &[u64], n: u64) -> TermNetwork {
        let text = &self.survey.definition.text;
        let min = u64::from(text.min_term_comments);
        let terms = &self.corpus.terms;
        let mut order: Vec<usize> = (0..totals.len())
            .filter(|&t| totals[t] >= min && !terms[t].evaluative)
            .collect();
        self.sort_terms(&mut order, totals);
        order.truncate(text.network_terms);
        let node_of: HashMap<u32, usize> = order
            .iter()
            .enumerate()
            .map(|(i, &t)| (t as u32, i))
            .collect();
        let m = order.len();
        let mut together = vec![0u64; m * m];
        for doc in &self.corpus.docs {
            if doc.kind != CommentKind::Comment {
                continue;
            }
            let nodes: Vec<usize> = doc
                .terms
                .iter()
                .filter_map(|t| node_of.get(t))
                .copied()
                .collect();
            for (i, &a) in nodes.iter().enumerate() {
                for &b in &nodes[i + 1..] {
                    let (a, b) = (a.min(b), a.max(b));
                    together[a * m + b] += 1;
                }
            }
        }
        let mut edges = Vec::new();
        for a in 0..m {
            for b in a + 1..m {
                let both = together[a * m + b];
                if both < min {
                    continue;
                }
                let (ca, cb) = (totals[order[a]], totals[order[b]]);
                let p_ab = both as f64 / n as f64;
                let pmi = (p_ab / (ca as f64 / n as f64 * cb as f64 / n as f64)).ln();
                let npmi = if both == n { 1.0 } else { pmi / -p_ab.ln() };
                edges.push(TermEdge {
                    a,
                    b,
                    together: both,
                    jaccard: both as f64 / (ca + cb - both) as f64,
                    npmi,
                });
            }
        }
        edges.sort_by(|x, y| {
            y.jaccard
                .total_cmp(&x.jaccard)
                .then_with(|| y.together.cmp(&x.together))
                .then_with(|| (x.a, x.b).cmp(&(y.a, y.b)))
        });
        edges.truncate(2 * m);
        TermNetwork {
            nodes: order
                .iter()
                .map(|&t| self.term_figure(t, totals[t], n))
                .collect(),
            edges,
        }
    }

    /// Masked comments of published groups, ordered by group (display order) then text.
    fn export(&self, out: &mut FreeTextQuestion, groups: Option<(Vec<u32>, Vec<Option<Label>>)>) {
        let cats = &self.survey.definition.text.categories;
        let mut rows: Vec<(usize, ExportedComment)> = Vec::new();
        let mut masked = MaskCounts {
            names: 0,
            emails: 0,
            phones: 0,
            identifiers: 0,
        };
        let order_of: Vec<usize> = match &groups {
            Some((_, labels)) => {
                let mut rank = vec![usize::MAX; labels.len()];
                let reported = out.segments.first().map(|s| &s.groups[..]).unwrap_or(&[]);
                for (i, g) in reported.iter().enumerate() {
                    if let Some(code) = labels.iter().position(|l| l.as_ref() == Some(&g.label)) {
                        rank[code] = i;
                    }
                }
                rank
            }
            None => Vec::new(),
        };
        for (row, doc) in self.corpus.docs.iter().enumerate() {
            let (Some(text), CommentKind::Comment) = (&doc.masked, doc.kind) else {
                continue;
            };
            let (group, rank) = match &groups {
                Some((codes, labels)) => {
                    let code = codes[row] as usize;
                    match &labels[code] {
                        Some(l) => (Some(l.clone()), order_of[code]),
                        None => continue,
                    }
                }
                None => (None, 0),
            };
            masked.names += doc.masks.names as u64;
            masked.emails += doc.masks.emails as u64;
            masked.phones += doc.masks.phones as u64;
            masked.identifiers += doc.masks.identifiers as u64;
            rows.push((
                rank,
                ExportedComment {
                    group,
                    text: text.clone(),
                    categories: cats
                        .iter()
                        .zip(&doc.categories)
                        .filter(|(_, &c)| c)
                        .map(|(c, _)| c.id.get_ref().clone())
                        .collect(),
                },
            ));
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.text.cmp(&b.1.text)));
        out.masked = Some(masked);
        out.exported = rows.into_iter().map(|(_, c)| c).collect();
    }
}

/// Which groups of one partition to withhold: those `forced` (withheld by the report) and
/// those with 1..k−1 comments; then, while the withheld groups with comments are a single
/// group or fewer than k comments together, the published group with the fewest comments
/// too, so that no withheld count can be had by subtracting the published ones from the total.
pub fn withhold_partition(counts: &[u64], forced: &[bool], k: u64) -> Vec<bool> {
    let mut held: Vec<bool> = counts
        .iter()
        .zip(forced)
        .map(|(&c, &f)| f || (c > 0 && c < k))
        .collect();
    loop {
        let with_comments: Vec<usize> = (0..counts.len())
            .filter(|&g| held[g] && counts[g] > 0)
            .collect();
        let sum: u64 = with_comments.iter().map(|&g| counts[g]).sum();
        if with_comments.is_empty() || (with_comments.len() >= 2 && sum >= k) {
            return held;
        }
        let next = (0..counts.len())
            .filter(|&g| !held[g] && counts[g] > 0)
            .min_by_key(|&g| (counts[g], g));
        match next {
            Some(g) => held[g] = true,
            None => return held,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::withhold_partition;

    #[test]
    fn a_lone_small_group_takes_a_partner() {
        // 3 is under 10: withheld, and the smallest other group (12) with it.
        assert_eq!(
            withhold_partition(&[40, 3, 12, 25], &[false; 4], 10),
            [false, true, true, false]
        );
    }

    #[test]
    fn two_small_groups_reaching_k_together_suffice() {
        assert_eq!(
            withhold_partition(&[40, 6, 5, 25], &[false; 4], 10),
            [false, true, true, false]
        );
        // Two small groups under k together: a third joins.
        assert_eq!(
            withhold_partition(&[40, 3, 2, 25], &[false; 4], 10),
            [false, true, true, true]
        );
    }

    #[test]
    fn groups_without_comments_neither_hide_nor_need_hiding() {
        assert_eq!(
            withhold_partition(&[40, 0, 25], &[false; 3], 10),
            [false, false, false]
        );
        // A group the report withheld stays withheld and, alone, takes a partner.
        assert_eq!(
            withhold_partition(&[40, 30, 25], &[false, true, false], 10),
            [false, true, true]
        );
    }
}

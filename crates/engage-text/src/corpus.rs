//! One free-text column turned into what the report counts: per comment its kind (blank,
//! non-answer, comment), the distinct terms it uses, the categories it falls in and, when asked,
//! its masked text. Terms are nouns, verbs and adjectives in dictionary form, stop words removed;
//! a term counts once per comment, so every figure is a number of comments (of writers), never
//! of repetitions by one writer.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use crate::mask::{mask_tokens, name_spans, MaskRules, Masked};
use crate::normalize::{is_non_answer, normalize_comment};
use crate::{Analyser, Pos};

/// Dictionary forms that carry no topic in staff comments: light verbs, auxiliary-like
/// adjectives, and generic nouns IPADIC tags as independent.
pub const STOP_WORDS: &[&str] = &[
    "する",
    "いる",
    "ある",
    "なる",
    "できる",
    "思う",
    "考える",
    "言う",
    "いう",
    "行う",
    "おる",
    "れる",
    "られる",
    "せる",
    "感じる",
    "見る",
    "やる",
    "くる",
    "来る",
    "行く",
    "いく",
    "欲しい",
    "ほしい",
    "もらう",
    "くれる",
    "しまう",
    "みる",
    "おく",
    "今後",
    "現在",
    "部分",
    "場合",
    "状況",
    "方",
    "事",
    "様",
    "的",
    "等",
    "感じ",
    "気",
    "中",
    "点",
    "自分",
    "皆",
    "皆さん",
    "みんな",
    "今回",
    "以上",
    "特に",
    "本当",
    "お願い",
    "必要",
];

/// Adjectives that judge an amount or a quality but name no topic (多い says there is much of
/// something; the something is the topic). They are counted as terms but reported apart from
/// the topic terms, so they do not crowd the top of every list.
pub const EVALUATIVE_WORDS: &[&str] = &[
    "多い",
    "少ない",
    "ない",
    "無い",
    "高い",
    "低い",
    "大きい",
    "小さい",
    "長い",
    "短い",
    "早い",
    "遅い",
    "いい",
    "よい",
    "良い",
    "悪い",
    "強い",
    "弱い",
    "広い",
    "狭い",
    "難しい",
    "易しい",
    "やすい",
    "にくい",
];

/// Nouns IPADIC tags 副詞可能 (usable as adverbs) that only place a comment in time or
/// quantity. The others, such as 時間 (研修を受ける時間がない), are counted.
pub const ADVERBIAL_STOP_WORDS: &[&str] = &[
    "今",
    "今日",
    "最近",
    "以前",
    "毎日",
    "毎年",
    "毎月",
    "前",
    "後",
    "先日",
    "全て",
    "すべて",
    "全部",
    "一番",
    "時",
    "日",
    "今年",
    "昨年",
    "去年",
    "今年度",
    "当時",
    "以降",
    "以外",
    "以下",
    "間",
    "うち",
    "ほか",
    "他",
    "際",
    "頃",
    "度",
    "限り",
    "一緒",
    "次",
    "先",
    "常",
    "普段",
    "後々",
    "いつ",
    "いま",
    "あと",
    "ほとんど",
    "たくさん",
    "沢山",
    "大半",
    "結局",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    Blank,
    /// "特になし" and the like: answered, but says nothing.
    NonAnswer,
    Comment,
}

/// A category as the analyst wrote it.
#[derive(Debug, Clone, Default)]
pub struct CategoryRule {
    pub terms: Vec<String>,
    pub patterns: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CorpusOptions {
    pub extra_stop_words: Vec<String>,
    pub categories: Vec<CategoryRule>,
    /// Compute the masked text of every comment (only when comments are to be exported).
    pub mask: bool,
    /// What is a name or an identifier; names are never counted as terms, masked or not.
    pub mask_rules: MaskRules,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub pos: Pos,
    /// One of [`EVALUATIVE_WORDS`]: reported apart from the topic terms.
    pub evaluative: bool,
}

#[derive(Debug, Clone)]
pub struct CommentDoc {
    pub kind: CommentKind,
    /// Distinct term ids, ascending.
    pub terms: Vec<u32>,
    /// Per category, whether the comment falls in it.
    pub categories: Vec<bool>,
    /// With [`CorpusOptions::mask`]: the normalised comment with names, e-mail addresses and
    /// phone numbers masked.
    pub masked: Option<String>,
    /// What masking replaced in this comment.
    pub masks: Masked,
}

#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub terms: Vec<Term>,
    /// One per row of the column, in row order.
    pub docs: Vec<CommentDoc>,
    /// Term occurrences over all comments (a term used twice in a comment counts twice).
    pub occurrences: Vec<u64>,
}

impl Corpus {
    /// Analyses a column of comments (already NFKC-normalised and trimmed by ingest).
    pub fn build(comments: &[String], analyser: &Analyser, options: &CorpusOptions) -> Corpus {
        let stop: std::collections::HashSet<String> = STOP_WORDS
            .iter()
            .map(|s| s.to_string())
            .chain(ADVERBIAL_STOP_WORDS.iter().map(|s| s.to_string()))
            .chain(options.extra_stop_words.iter().map(|s| s.nfkc().collect()))
            .collect();
        let matchers: Vec<CategoryMatcher> = options
            .categories
            .iter()
            .map(|c| CategoryMatcher::new(c, analyser))
            .collect();
        let mut corpus = Corpus::default();
        let mut ids: HashMap<String, u32> = HashMap::new();
        for raw in comments {
            let text = normalize_comment(raw);
            let kind = if text.is_empty() {
                CommentKind::Blank
            } else if is_non_answer(&text) {
                CommentKind::NonAnswer
            } else {
                CommentKind::Comment
            };
            let mut doc = CommentDoc {
                kind,
                terms: Vec::new(),
                categories: vec![false; matchers.len()],
                masked: None,
                masks: Masked::default(),
            };
            if kind == CommentKind::Comment {
                let tokens = analyser.tokens(&text);
                let names = name_spans(&text, &tokens, &options.mask_rules);
                let in_name = |t: &crate::Token| {
                    names
                        .iter()
                        .any(|n| n.start < t.range.end && t.range.start < n.end)
                };
                for t in &tokens {
                    if t.pos == Pos::Other || t.person_name || in_name(t) || !is_term(&t.base) {
                        continue;
                    }
                    if stop.contains(&t.base) {
                        continue;
                    }
                    let id = *ids.entry(t.base.clone()).or_insert_with(|| {
                        corpus.terms.push(Term {
                            text: t.base.clone(),
                            pos: t.pos,
                            evaluative: EVALUATIVE_WORDS.contains(&t.base.as_str()),
                        });
                        corpus.occurrences.push(0);
                        (corpus.terms.len() - 1) as u32
                    });
                    corpus.occurrences[id as usize] += 1;
                    doc.terms.push(id);
                }
                doc.terms.sort_unstable();
                doc.terms.dedup();
                for (c, m) in matchers.iter().enumerate() {
                    doc.categories[c] = m.matches(&text, &tokens);
                }
                if options.mask {
                    let (masked, counts) = mask_tokens(&text, &tokens, &options.mask_rules);
                    doc.masked = Some(masked);
                    doc.masks = counts;
                }
            }
            corpus.docs.push(doc);
        }
        corpus
    }
}

/// A term worth counting: not a lone kana, not only digits or punctuation.
fn is_term(base: &str) -> bool {
    let mut chars = base.chars();
    let first = chars.next();
    let single = chars.next().is_none();
    let kana = |c: char| matches!(c as u32, 0x3041..=0x30FF);
    match first {
        None => false,
        Some(c) if single && (kana(c) || c.is_ascii()) => false,
        _ => base.chars().any(char::is_alphabetic),
    }
}

/// A category's terms and patterns, prepared once.
struct CategoryMatcher {
    /// Terms that are one token: compared with each token's dictionary form and surface.
    words: Vec<String>,
    /// Terms of several tokens and all patterns: pieces that must appear in order.
    patterns: Vec<Vec<String>>,
}

impl CategoryMatcher {
    fn new(rule: &CategoryRule, analyser: &Analyser) -> Self {
        let mut words = Vec::new();
        let mut patterns = Vec::new();
        for term in &rule.terms {
            let term = normalize_comment(term);
            if term.is_empty() {
                continue;
            }
            if analyser.tokens(&term).len() == 1 {
                words.push(term);
            } else {
                patterns.push(vec![term]);
            }
        }
        for p in &rule.patterns {
            let pieces: Vec<String> = normalize_comment(p)
                .split('*')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if !pieces.is_empty() {
                patterns.push(pieces);
            }
        }
        CategoryMatcher { words, patterns }
    }

    fn matches(&self, text: &str, tokens: &[crate::Token]) -> bool {
        tokens
            .iter()
            .any(|t| self.words.iter().any(|w| *w == t.base || *w == t.surface))
            || self.patterns.iter().any(|p| matches_in_order(text, p))
    }
}

/// Whether every piece occurs in `text`, each after the previous one.
fn matches_in_order(text: &str, pieces: &[String]) -> bool {
    let mut rest = text;
    for piece in pieces {
        match rest.find(piece.as_str()) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_pieces_in_order() {
        let p = |s: &str| s.split('*').map(str::to_string).collect::<Vec<_>>();
        assert!(matches_in_order("人が全然足りない", &p("人が*足りない")));
        assert!(!matches_in_order("足りない人が", &p("人が*足りない")));
        assert!(matches_in_order("残業", &p("残業")));
    }

    #[test]
    fn terms_exclude_kana_singletons_and_numbers() {
        assert!(!is_term("う"));
        assert!(!is_term("3"));
        assert!(!is_term("2023"));
        assert!(is_term("課"));
        assert!(is_term("DX"));
        assert!(is_term("残業"));
    }

    #[test]
    fn fallback_corpus_counts_each_term_once_per_comment() {
        let a = Analyser::scripts();
        let comments: Vec<String> = ["残業が多い。残業を減らしたい", "特になし", "", "会議が長い"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let options = CorpusOptions {
            categories: vec![CategoryRule {
                terms: vec!["残業".into()],
                patterns: vec![],
            }],
            ..Default::default()
        };
        let c = Corpus::build(&comments, &a, &options);
        let kinds: Vec<CommentKind> = c.docs.iter().map(|d| d.kind).collect();
        use CommentKind::*;
        assert_eq!(kinds, [Comment, NonAnswer, Blank, Comment]);
        let zangyo = c.terms.iter().position(|t| t.text == "残業").unwrap();
        assert_eq!(c.occurrences[zangyo], 2);
        assert_eq!(
            c.docs[0]
                .terms
                .iter()
                .filter(|&&t| t as usize == zangyo)
                .count(),
            1
        );
        assert_eq!(
            c.docs
                .iter()
                .map(|d| d.categories.first() == Some(&true))
                .collect::<Vec<_>>(),
            [true, false, false, false]
        );
    }
}

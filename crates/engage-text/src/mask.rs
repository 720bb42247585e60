//! Masking what could identify someone in an exported comment, whatever else is done with it:
//!
//! - **person names**, found four ways: the dictionary's 人名 tag; the word or words before a
//!   person suffix or title (さん, 様, 課長, 主査, ...), whatever their tag, so that a rare
//!   surname or a name in kana is caught by its context; a list of names given by the user
//!   (a staff directory); and never a word of the not-names list (マイナンバー, the
//!   organisation's own unit names such as 総務課) or a katakana compound the dictionary only
//!   splits into a "name" and a word (マイ + ナンバー);
//! - **identifiers**: staff and other numbers after a label (職員番号, ID, No.), extensions
//!   (内線), postal codes, full dates (a date of birth), bare runs of six to eight digits, and
//!   the user's own patterns;
//! - **e-mail addresses** and **phone numbers**.
//!
//! Comments arrive NFKC-normalised, so full-width digits and letters are matched as half-width.
//! The spans found are also what the term counts leave out: a name is never a term.

use std::ops::Range;

use regex::Regex;

use crate::{Analyser, TextError, Token};

pub const NAME_MASK: &str = "［人名］";
pub const EMAIL_MASK: &str = "［メール］";
pub const PHONE_MASK: &str = "［電話］";
pub const NUMBER_MASK: &str = "［番号］";
pub const EXTENSION_MASK: &str = "［内線］";
pub const POSTAL_MASK: &str = "［郵便番号］";
pub const DATE_MASK: &str = "［日付］";

/// Honorifics and titles after which the preceding word is taken for a name.
pub const DEFAULT_NAME_SUFFIXES: &[&str] = &[
    "さん",
    "様",
    "さま",
    "君",
    "くん",
    "ちゃん",
    "氏",
    "殿",
    "先生",
    "先輩",
    "係長",
    "課長補佐",
    "課長",
    "副課長",
    "部長",
    "次長",
    "主査",
    "主任",
    "主幹",
    "主事",
    "技師",
    "参事",
    "所長",
    "室長",
    "班長",
    "局長",
    "区長",
    "園長",
    "校長",
    "館長",
    "議員",
];

/// Words that are not names although the dictionary tags part of them as one, and roles
/// people are called by with さん (お客さん, 業者さん).
pub const DEFAULT_NOT_NAMES: &[&str] = &[
    "マイナンバー",
    "マイナンバーカード",
    "マイナポータル",
    "マイページ",
    "マイカー",
    "マイホーム",
    "お客",
    "客",
    "業者",
    "派遣",
    "委託",
    "清掃",
    "パート",
    "バイト",
    "アルバイト",
    "事務",
    "受付",
    "窓口",
    "担当",
    "市民",
    "住民",
    "利用者",
    "職員",
    "上司",
    "部下",
    "同僚",
    "新人",
];

/// Identifier patterns and their masks, as (regular expression, mask). When the expression
/// has a capture group, only the group is masked (the label before it stays).
pub const DEFAULT_IDENTIFIERS: &[(&str, &str)] = &[
    (
        r"(?:職員|社員|個人|整理|管理)?(?:番号|ID|Id|id|No\.?|NO\.?|№)\s*[:：]?\s*(\d{3,})",
        NUMBER_MASK,
    ),
    (r"内線\s*[:：]?\s*(\d{2,6})", EXTENSION_MASK),
    (r"〒?\s*(\d{3}-\d{4})", POSTAL_MASK),
    (
        r"((?:19|20)\d{2}\s*[年/.\-]\s*\d{1,2}\s*[月/.\-]\s*\d{1,2}\s*日?)",
        DATE_MASK,
    ),
    (
        r"((?:昭和|平成|令和|[SHR])\s*\d{1,2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)",
        DATE_MASK,
    ),
    (r"(\d{6,8})", NUMBER_MASK),
];

/// What masks what: built once per column from the defaults and the definition.
#[derive(Debug, Clone)]
pub struct MaskRules {
    /// Longest first, so that 課長補佐 wins over 課長.
    name_suffixes: Vec<String>,
    names: Vec<String>,
    not_names: Vec<String>,
    identifiers: Vec<(Regex, String)>,
}

impl Default for MaskRules {
    fn default() -> Self {
        MaskRules::new(&[], &[], &[], &[]).expect("the built-in patterns compile")
    }
}

impl MaskRules {
    /// The defaults plus the user's suffixes, names to mask (a staff directory), words that are
    /// never names (the organisation's unit names among them) and identifier patterns
    /// (regular expressions; a capture group marks the part to mask).
    pub fn new(
        suffixes: &[String],
        names: &[String],
        not_names: &[String],
        patterns: &[String],
    ) -> Result<Self, TextError> {
        let clean = |words: &mut Vec<String>| {
            words.retain(|w| !w.is_empty());
            words.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            words.dedup();
        };
        let norm = |w: &String| crate::normalize::normalize_comment(w);
        let mut name_suffixes: Vec<String> = DEFAULT_NAME_SUFFIXES
            .iter()
            .map(|s| s.to_string())
            .chain(suffixes.iter().map(norm))
            .collect();
        clean(&mut name_suffixes);
        let mut names: Vec<String> = names.iter().map(norm).collect();
        clean(&mut names);
        let mut not_names: Vec<String> = DEFAULT_NOT_NAMES
            .iter()
            .map(|s| s.to_string())
            .chain(not_names.iter().map(norm))
            .collect();
        clean(&mut not_names);
        let mut identifiers = Vec::new();
        for (pattern, mask) in DEFAULT_IDENTIFIERS {
            identifiers.push((
                Regex::new(pattern).expect("a built-in pattern"),
                mask.to_string(),
            ));
        }
        for pattern in patterns {
            let regex = Regex::new(pattern).map_err(|e| TextError::Pattern {
                pattern: pattern.clone(),
                message: e.to_string(),
            })?;
            identifiers.push((regex, NUMBER_MASK.to_string()));
        }
        Ok(MaskRules {
            name_suffixes,
            names,
            not_names,
            identifiers,
        })
    }
}

/// How many of each were masked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Masked {
    pub names: usize,
    pub emails: usize,
    pub phones: usize,
    /// Staff numbers, extensions, postal codes, dates and the user's patterns.
    pub identifiers: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Email,
    Phone,
    Identifier,
}

/// A span of the text to replace, and with what.
#[derive(Debug, Clone)]
struct Span {
    range: Range<usize>,
    kind: Kind,
    mask: &'static str,
}

/// The comment with names, identifiers, e-mail addresses and phone numbers replaced.
pub fn mask_comment(text: &str, analyser: &Analyser, rules: &MaskRules) -> (String, Masked) {
    let tokens = analyser.tokens(text);
    mask_tokens(text, &tokens, rules)
}

/// [`mask_comment`] with the comment's tokens already made.
pub fn mask_tokens(text: &str, tokens: &[Token], rules: &MaskRules) -> (String, Masked) {
    let mut spans = Vec::new();
    emails(text, &mut spans);
    phones(text, &mut spans);
    identifiers(text, rules, &mut spans);
    for range in name_spans(text, tokens, rules) {
        spans.push(Span {
            range,
            kind: Kind::Name,
            mask: NAME_MASK,
        });
    }
    apply(text, spans)
}

/// Byte ranges of `text` that are person names (see the module documentation).
pub fn name_spans(text: &str, tokens: &[Token], rules: &MaskRules) -> Vec<Range<usize>> {
    let protected: Vec<Range<usize>> = occurrences(text, &rules.not_names);
    let inside = |r: &Range<usize>| {
        protected
            .iter()
            .any(|p| p.start <= r.start && r.end <= p.end)
    };
    let mut spans: Vec<Range<usize>> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.person_name && !inside(&t.range) && !katakana_compound(tokens, i) {
            spans.push(t.range.clone());
        }
    }
    // The directory's names where they are whole words (森 in 森から, not in 森林).
    let starts: Vec<usize> = tokens.iter().map(|t| t.range.start).collect();
    let ends: Vec<usize> = tokens.iter().map(|t| t.range.end).collect();
    spans.extend(
        occurrences(text, &rules.names)
            .into_iter()
            .filter(|r| starts.contains(&r.start) && ends.contains(&r.end)),
    );
    for (i, t) in tokens.iter().enumerate() {
        let Some(suffix) = rules
            .name_suffixes
            .iter()
            .find(|s| text[t.range.start..].starts_with(s.as_str()))
        else {
            continue;
        };
        // The suffix must end where a token ends (さんま is not さん + ま).
        let end = t.range.start + suffix.len();
        if !tokens[i..].iter().any(|x| x.range.end == end) {
            continue;
        }
        let honorific = HONORIFICS.contains(&suffix.as_str());
        if let Some(name) = name_before(text, tokens, i, honorific) {
            let unit = format!(
                "{}{}",
                &text[name.clone()],
                suffix.chars().next().unwrap_or_default()
            );
            let org_unit = rules
                .not_names
                .iter()
                .any(|n| *n == text[name.clone()] || n.starts_with(&unit));
            if !org_unit {
                spans.push(name);
            }
        }
    }
    spans.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in spans {
        match merged.last_mut() {
            // Adjacent name parts (姓 + 名) are one name.
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// A word the dictionary tags 人名 inside a longer katakana word (マイ in マイナンバー).
fn katakana_compound(tokens: &[Token], i: usize) -> bool {
    let katakana = |t: &Token| t.surface.chars().all(is_katakana);
    if !katakana(&tokens[i]) {
        return false;
    }
    let joined = |a: &Token, b: &Token| a.range.end == b.range.start;
    let before = i
        .checked_sub(1)
        .map(|j| &tokens[j])
        .filter(|p| joined(p, &tokens[i]) && katakana(p) && !p.person_name);
    let after = tokens
        .get(i + 1)
        .filter(|n| joined(&tokens[i], n) && katakana(n) && !n.person_name);
    before.is_some() || after.is_some()
}

fn is_katakana(c: char) -> bool {
    matches!(c as u32, 0x30A0..=0x30FF | 0x31F0..=0x31FF)
}

fn is_hiragana(c: char) -> bool {
    matches!(c as u32, 0x3041..=0x309F)
}

fn is_kanji_numeral(c: char) -> bool {
    "〇一二三四五六七八九十百千万".contains(c)
}

/// Honorifics: after one of these, almost any noun is a name (四月一日さん), where after a
/// title (課長) a verbal or adverbial noun is not (担当課長, 前課長).
const HONORIFICS: &[&str] = &["さん", "様", "さま", "君", "くん", "ちゃん", "氏", "殿"];

/// Could be (part of) a name before a title: a common or proper noun, a kanji numeral, or a
/// word the dictionary does not know. Before an honorific, any noun but a pronoun, a
/// dependent noun or a name suffix.
fn name_like(t: &Token, honorific: bool) -> bool {
    if t.unknown {
        return !t
            .surface
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation());
    }
    t.person_name
        || (t.tags[0] == "名詞"
            && match t.tags[1].as_str() {
                "一般" | "固有名詞" => true,
                "数" => t.surface.chars().all(is_kanji_numeral),
                "副詞可能" | "サ変接続" | "形容動詞語幹" => honorific,
                // 日 in 四月一日さん; never another name suffix (さん itself).
                "接尾" => honorific && t.tags[2] != "人名",
                _ => false,
            })
}

/// The word or words just before token `i` that a suffix makes a name: name-like tokens back
/// to the first that is not, across one closing bracket (「五百旗頭」さん) and single spaces
/// between parts (山田 太郎さん). A name in hiragana that the dictionary cuts into particles
/// (わ + た + なべ) is taken whole when nothing but its own kana stands before it.
fn name_before(text: &str, tokens: &[Token], i: usize, honorific: bool) -> Option<Range<usize>> {
    let mut j = i;
    let closing = |t: &Token| matches!(t.surface.as_str(), "」" | "』" | ")" | "）" | "”" | "\"");
    if j > 0 && closing(&tokens[j - 1]) {
        j -= 1;
    }
    let end = tokens.get(j.checked_sub(1)?)?.range.end;
    let mut start = None;
    let mut taken = 0;
    while j > 0 && taken < 4 {
        let t = &tokens[j - 1];
        if name_like(t, honorific) {
            start = Some(t.range.start);
            taken += 1;
            j -= 1;
        } else if t.tags[1] == "空白"
            && start.is_some()
            && j >= 2
            && name_like(&tokens[j - 2], honorific)
        {
            j -= 1;
        } else {
            break;
        }
    }
    let mut start = start?;
    // A name in hiragana the dictionary cut into other words (き + むら, わ + た + なべ): the
    // hiragana before it back to the start of the clause, or else back to the last particle
    // that ends the word before it (は, が, の, と...).
    if text[start..end].chars().all(is_hiragana) {
        let mut k = j;
        while k > 0
            && tokens[k - 1].tags[0] != "記号"
            && tokens[k - 1].tags[1] != "接尾"
            && tokens[k - 1].surface.chars().all(is_hiragana)
        {
            k -= 1;
        }
        let clause_start = k == 0 || tokens[k - 1].tags[0] == "記号";
        let from = if clause_start {
            Some(k)
        } else {
            (k..j)
                .rev()
                .find(|&m| {
                    tokens[m].tags[0] == "助詞"
                        && matches!(
                            tokens[m].surface.as_str(),
                            "は" | "が"
                                | "を"
                                | "に"
                                | "の"
                                | "と"
                                | "も"
                                | "で"
                                | "へ"
                                | "や"
                                | "から"
                                | "まで"
                                | "より"
                        )
                })
                .map(|m| m + 1)
        };
        if let Some(from) = from.filter(|&f| f < j) {
            start = tokens[from].range.start;
        }
    }
    Some(start..end)
}

/// Every occurrence of each word, longest words first, not overlapping.
fn occurrences(text: &str, words: &[String]) -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> = Vec::new();
    for w in words {
        for (at, _) in text.match_indices(w.as_str()) {
            let r = at..at + w.len();
            if !found.iter().any(|f| f.start < r.end && r.start < f.end) {
                found.push(r);
            }
        }
    }
    found
}

fn identifiers(text: &str, rules: &MaskRules, spans: &mut Vec<Span>) {
    for (regex, mask) in &rules.identifiers {
        let mask: &'static str = match mask.as_str() {
            EXTENSION_MASK => EXTENSION_MASK,
            POSTAL_MASK => POSTAL_MASK,
            DATE_MASK => DATE_MASK,
            _ => NUMBER_MASK,
        };
        for captures in regex.captures_iter(text) {
            let m = captures
                .get(1)
                .or_else(|| captures.get(0))
                .expect("a match");
            // Part of a longer number (a phone number, an amount with separators) is not
            // this identifier.
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            let digit_like = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '-');
            if digit_like(before) || digit_like(after) {
                continue;
            }
            // A bare number followed by a unit is an amount, not an identifier.
            if mask == NUMBER_MASK
                && captures.get(1).map(|g| g.start()) == Some(captures.get(0).unwrap().start())
                && after.is_some_and(|c| "円人件時分秒年月日回個万億%名歳".contains(c))
            {
                continue;
            }
            spans.push(Span {
                range: m.range(),
                kind: Kind::Identifier,
                mask,
            });
        }
    }
}

/// Replaces the spans (the earliest, then the longest, wins where they overlap) and counts
/// them; adjacent names are one name.
fn apply(text: &str, mut spans: Vec<Span>) -> (String, Masked) {
    spans.sort_by(|a, b| {
        a.range
            .start
            .cmp(&b.range.start)
            .then(b.range.end.cmp(&a.range.end))
    });
    let mut out = String::with_capacity(text.len());
    let mut masked = Masked::default();
    let mut at = 0;
    for span in spans {
        if span.range.start < at {
            continue;
        }
        out.push_str(&text[at..span.range.start]);
        if !(span.kind == Kind::Name && out.ends_with(NAME_MASK)) {
            out.push_str(span.mask);
            match span.kind {
                Kind::Name => masked.names += 1,
                Kind::Email => masked.emails += 1,
                Kind::Phone => masked.phones += 1,
                Kind::Identifier => masked.identifiers += 1,
            }
        }
        at = span.range.end;
    }
    out.push_str(&text[at..]);
    (out, masked)
}

fn is_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

fn is_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || ".-".contains(c)
}

/// local@domain.tld with an ASCII local part and a dotted domain.
fn emails(text: &str, spans: &mut Vec<Span>) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut covered = 0;
    for (k, &(i, c)) in chars.iter().enumerate() {
        if c != '@' || i < covered {
            continue;
        }
        let start = chars[..k]
            .iter()
            .rev()
            .take_while(|(_, c)| is_local(*c))
            .last()
            .map(|(j, _)| *j);
        let end = chars[k + 1..]
            .iter()
            .take_while(|(_, c)| is_domain(*c))
            .last()
            .map(|(j, c)| j + c.len_utf8());
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        let domain = text[i + 1..end].trim_end_matches('.');
        let tld_ok = domain.rsplit_once('.').is_some_and(|(host, tld)| {
            !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
        });
        if start >= covered && tld_ok {
            covered = i + 1 + domain.len();
            spans.push(Span {
                range: start..covered,
                kind: Kind::Email,
                mask: EMAIL_MASK,
            });
        }
    }
}

/// Runs of digits joined by hyphens, dots, spaces or parentheses with 10 or 11 digits (a
/// Japanese landline or mobile number), or 9+ digits starting with 0.
fn phones(text: &str, spans: &mut Vec<Span>) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        if !(c.is_ascii_digit() || c == '(' || c == '+') {
            k += 1;
            continue;
        }
        // Extend over digits and separators, ending on a digit.
        let mut end_k = k;
        let mut digits = 0;
        let mut last_digit = None;
        while end_k < chars.len() {
            let c = chars[end_k].1;
            if c.is_ascii_digit() {
                digits += 1;
                last_digit = Some(end_k);
            } else if !"-.() +".contains(c) {
                break;
            }
            end_k += 1;
        }
        let first_digit = chars[k..]
            .iter()
            .find(|(_, c)| c.is_ascii_digit())
            .map(|x| x.1);
        let phone = (10..=11).contains(&digits) || (digits >= 9 && first_digit == Some('0'));
        match (phone && digits <= 13, last_digit) {
            (true, Some(last)) => {
                spans.push(Span {
                    range: i..chars[last].0 + 1,
                    kind: Kind::Phone,
                    mask: PHONE_MASK,
                });
                k = last + 1;
            }
            _ => k = end_k.max(k + 1),
        }
    }
}

//! Comments as the analysis reads them: NFKC (full-width letters and digits to half-width,
//! half-width katakana to full-width), whitespace runs collapsed, trimmed; and the answers that
//! say nothing ("特になし", "なし。", "none"), counted apart from real comments.

use unicode_normalization::UnicodeNormalization;

/// NFKC, every whitespace run (including U+3000) as one space, trimmed.
pub fn normalize_comment(raw: &str) -> String {
    let nfkc: String = raw.nfkc().collect();
    nfkc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Non-answers after normalisation, with trailing punctuation and politeness removed.
const NON_ANSWERS: &[&str] = &[
    "特になし",
    "特に無し",
    "とくになし",
    "特にない",
    "特に無い",
    "特にありません",
    "特に無いです",
    "特にないです",
    "特になしです",
    "なし",
    "無し",
    "ない",
    "無い",
    "ありません",
    "ないです",
    "なしです",
    "該当なし",
    "該当無し",
    "以上",
    "特に",
    "無",
    "none",
    "nothing",
    "no comment",
    "no comments",
    "n/a",
    "na",
    "nil",
    "-",
    "ー",
    "—",
    "―",
    "‐",
    "なにもない",
    "何もない",
    "何もありません",
    "特になにもない",
    "特に何もない",
    "特に意見なし",
    "意見なし",
];

/// Whether a normalised comment says nothing: empty, only punctuation, or one of the usual
/// "nothing in particular" answers (case-insensitive, trailing 。．.！!、 and spaces ignored).
pub fn is_non_answer(normalized: &str) -> bool {
    let core =
        normalized.trim_end_matches(|c: char| "。．.！!、,？?".contains(c) || c.is_whitespace());
    if core.chars().all(|c| !c.is_alphanumeric()) {
        return true;
    }
    let lower = core.to_lowercase();
    NON_ANSWERS.contains(&lower.as_str())
}

//! Mapping one cell's text to an answer code, a segment value or multi-select picks.

use engage_model::{
    normalize_text, MultiSelect, MultiStorage, Survey, CODE_MISSING, CODE_NOT_APPLICABLE,
};

/// The item answer code of a cell, or why it cannot be one.
pub fn answer_code(survey: &Survey, cell: &str) -> Result<u8, String> {
    let text = normalize_text(cell);
    let def = &survey.definition;
    if text.is_empty() || def.missing.codes.iter().any(|c| normalize_text(c) == text) {
        return Ok(CODE_MISSING);
    }
    if def
        .missing
        .not_applicable
        .iter()
        .any(|c| normalize_text(c) == text)
    {
        return Ok(CODE_NOT_APPLICABLE);
    }
    let (min, max) = (def.scale.min, def.scale.max);
    if let Some(value) = parse_whole(&text) {
        return if value >= i64::from(min) && value <= i64::from(max) {
            Ok(survey.code_of(value as u8))
        } else {
            Err(format!("{value} is outside the scale {min}..{max}"))
        };
    }
    for label in &def.scale.labels {
        if normalize_text(&label.ja) == text
            || normalize_text(&label.en).eq_ignore_ascii_case(&text)
        {
            return Ok(survey.code_of(label.value));
        }
    }
    Err("not a scale value, scale label, missing code or not-applicable code".into())
}

/// Whole numbers, also written as "4.0" by spreadsheets.
fn parse_whole(text: &str) -> Option<i64> {
    if let Ok(v) = text.parse::<i64>() {
        return Some(v);
    }
    let f: f64 = text.parse().ok()?;
    (f.fract() == 0.0 && f.abs() < 1e9).then_some(f as i64)
}

/// A 0/1-style option cell: `Some(true)` picked, `Some(false)` explicitly not, `None` blank.
pub fn option_cell(cell: &str) -> Result<Option<bool>, String> {
    let text = normalize_text(cell);
    match text.as_str() {
        "" => Ok(None),
        "1" | "1.0" | "○" | "◯" | "〇" | "●" | "✓" | "レ" | "x" | "X" | "TRUE" | "True"
        | "true" | "yes" | "Yes" | "はい" => Ok(Some(true)),
        "0" | "0.0" | "FALSE" | "False" | "false" | "no" | "No" | "いいえ" => Ok(Some(false)),
        _ => Err("not a pick mark (1/0, ○/blank, TRUE/FALSE)".into()),
    }
}

/// Picks in a delimited cell (`1;3;5`, `業務量が多い、会議が多い`), matched on code or label.
/// Returns the bitset, or the first token that matches no option.
pub fn delimited_picks(question: &MultiSelect, cell: &str) -> Result<u64, String> {
    debug_assert_eq!(question.storage, MultiStorage::Delimited);
    let separators: Vec<char> = question
        .separator
        .as_deref()
        .unwrap_or(";")
        .chars()
        .chain(['、', '，', '；'])
        .collect();
    let text = normalize_text(cell);
    let mut bits = 0u64;
    for token in text.split(|c| separators.contains(&c)) {
        let token = token.trim();
        if token.is_empty() {
            continue;
        }
        let found = question.options.iter().position(|o| {
            o.code.as_deref().map(normalize_text).as_deref() == Some(token)
                || normalize_text(&o.ja) == token
                || normalize_text(&o.en).eq_ignore_ascii_case(token)
        });
        match found {
            Some(o) => bits |= 1 << o,
            None => return Err(format!("`{token}` is not an option")),
        }
    }
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers() {
        assert_eq!(parse_whole("4"), Some(4));
        assert_eq!(parse_whole("4.0"), Some(4));
        assert_eq!(parse_whole("4.5"), None);
        assert_eq!(parse_whole("abc"), None);
    }

    #[test]
    fn option_marks() {
        assert_eq!(option_cell("○"), Ok(Some(true)));
        assert_eq!(option_cell("１"), Ok(Some(true)));
        assert_eq!(option_cell(" "), Ok(None));
        assert_eq!(option_cell("FALSE"), Ok(Some(false)));
        assert!(option_cell("2").is_err());
    }
}

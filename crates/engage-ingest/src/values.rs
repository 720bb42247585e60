//! Mapping one cell's text to an answer code, a segment value or multi-select picks. Lookup
//! tables are built once per run; cells are normalised (NFKC, trimmed) only when they are not
//! plain ASCII, since ASCII text is already in NFKC form.

use std::borrow::Cow;
use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use engage_model::{
    normalize_text, MultiSelect, ProblemKind, Survey, CODE_MISSING, CODE_NOT_APPLICABLE,
};

/// NFKC + trim, without allocating for ASCII cells (the common case: codes such as `4`).
pub fn normalized(cell: &str) -> Cow<'_, str> {
    if cell.is_ascii() {
        return Cow::Borrowed(cell.trim());
    }
    // Most Japanese text is already NFKC: the quick check spares the decomposition and the
    // allocation for every cell (segment values repeat on every row).
    let trimmed = cell.trim();
    let clean = !trimmed.chars().any(|c| {
        matches!(
            c,
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{3000}'
        )
    });
    if clean
        && unicode_normalization::is_nfkc_quick(trimmed.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(normalize_text(cell))
    }
}

/// Why a cell could not be read: the problem kind and a sentence for the analyst.
pub type CellError = (ProblemKind, String);

/// Every text an item cell may hold, mapped to its code.
pub struct AnswerMap {
    min: u8,
    max: u8,
    /// Normalised missing codes, not-applicable codes and scale labels (English lower-cased).
    words: HashMap<String, u8>,
    /// The words that are whole numbers ("9", "99"), so that numeric cells skip the hash map.
    numeric_words: Vec<(i64, u8)>,
    /// Offset from scale value to code (`code = value - min + 1`).
    offset: i64,
}

impl AnswerMap {
    pub fn new(survey: &Survey) -> AnswerMap {
        let def = &survey.definition;
        let mut words = HashMap::new();
        for label in &def.scale.labels {
            words.insert(normalize_text(&label.ja), survey.code_of(label.value));
            words.insert(
                normalize_text(&label.en).to_lowercase(),
                survey.code_of(label.value),
            );
        }
        // Missing and not-applicable codes win over labels if someone declared both.
        for code in &def.missing.not_applicable {
            words.insert(normalize_text(code), CODE_NOT_APPLICABLE);
        }
        for code in &def.missing.codes {
            words.insert(normalize_text(code), CODE_MISSING);
        }
        let numeric_words = words
            .iter()
            .filter_map(|(w, &code)| w.parse::<i64>().ok().map(|v| (v, code)))
            .collect();
        AnswerMap {
            min: def.scale.min,
            max: def.scale.max,
            numeric_words,
            words,
            offset: i64::from(def.scale.min) - 1,
        }
    }

    /// The answer code of a cell, or why it cannot be one.
    pub fn code(&self, cell: &str) -> Result<u8, CellError> {
        // Fast path: a short plain number (Parquet and most CSVs), decided without hashing.
        let bytes = cell.as_bytes();
        if !bytes.is_empty() && bytes.len() <= 3 && bytes.iter().all(u8::is_ascii_digit) {
            let value = bytes.iter().fold(0i64, |v, b| v * 10 + i64::from(b - b'0'));
            if let Some(&(_, code)) = self.numeric_words.iter().find(|(w, _)| *w == value) {
                return Ok(code);
            }
            if value >= i64::from(self.min) && value <= i64::from(self.max) {
                return Ok((value - self.offset) as u8);
            }
        }
        let text = normalized(cell);
        if text.is_empty() {
            return Ok(CODE_MISSING);
        }
        // Declared codes first: a survey may use "9" or "99" for "no answer".
        if let Some(&code) = self.words.get(text.as_ref()) {
            return Ok(code);
        }
        if let Some(value) = parse_whole(&text) {
            return if value >= i64::from(self.min) && value <= i64::from(self.max) {
                Ok((value - self.offset) as u8)
            } else {
                Err((
                    ProblemKind::OutOfRange,
                    format!("{value} is outside the scale {}..{}", self.min, self.max),
                ))
            };
        }
        if let Some(&code) = self.words.get(&text.to_lowercase()) {
            return Ok(code);
        }
        Err((
            ProblemKind::Unmappable,
            "not a scale value, scale label, missing code or not-applicable code".into(),
        ))
    }
}

/// Whole numbers, also written as "4.0" by spreadsheets.
fn parse_whole(text: &str) -> Option<i64> {
    if let Ok(v) = text.parse::<i64>() {
        return Some(v);
    }
    let f: f64 = text.parse().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e9).then_some(f as i64)
}

/// A 0/1-style option cell: `Some(true)` picked, `Some(false)` explicitly not, `None` blank.
pub fn option_cell(cell: &str) -> Result<Option<bool>, CellError> {
    let text = normalized(cell);
    match text.as_ref() {
        "" => Ok(None),
        "1" | "1.0" | "○" | "◯" | "〇" | "●" | "✓" | "✔" | "レ" | "x" | "X" | "TRUE" | "True"
        | "true" | "yes" | "Yes" | "YES" | "はい" => Ok(Some(true)),
        "0" | "0.0" | "FALSE" | "False" | "false" | "no" | "No" | "NO" | "いいえ" | "×" | "-" => {
            Ok(Some(false))
        }
        _ => Err((
            ProblemKind::BadPickMark,
            "not a pick mark (1/0, ○/blank, TRUE/FALSE)".into(),
        )),
    }
}

/// Options of a delimited question, by normalised code and label.
pub struct OptionMap {
    separators: Vec<char>,
    lookup: HashMap<String, usize>,
}

impl OptionMap {
    pub fn new(question: &MultiSelect) -> OptionMap {
        // Cells are normalised before splitting, so full-width ；and ，arrive as ; and ,.
        // A comma separates only when no option's label contains one.
        let comma_free = question.options.iter().all(|o| {
            !normalize_text(&o.ja).contains(',')
                && !normalize_text(&o.en).contains(',')
                && !o.code.as_deref().is_some_and(|c| c.contains(','))
        });
        let mut separators: Vec<char> = question
            .separator
            .as_deref()
            .unwrap_or(";")
            .chars()
            .nfkc()
            .chain([';', '、'])
            .collect();
        if comma_free {
            separators.push(',');
        }
        let mut lookup = HashMap::new();
        for (o, option) in question.options.iter().enumerate() {
            lookup.insert(normalize_text(&option.en).to_lowercase(), o);
            lookup.insert(normalize_text(&option.ja), o);
            if let Some(code) = &option.code {
                lookup.insert(normalize_text(code), o);
            }
        }
        OptionMap { separators, lookup }
    }

    /// Picks in a delimited cell (`1;3;5`, `業務量が多い、会議が多い`) as a bitset.
    pub fn picks(&self, cell: &str) -> Result<u64, CellError> {
        let text = normalized(cell);
        let mut bits = 0u64;
        for token in text.split(|c| self.separators.contains(&c)) {
            let token = token.trim();
            if token.is_empty() {
                continue;
            }
            let found = self
                .lookup
                .get(token)
                .or_else(|| self.lookup.get(&token.to_lowercase()));
            match found {
                Some(&o) => bits |= 1 << o,
                None => {
                    return Err((
                        ProblemKind::UnknownOption,
                        format!("`{token}` is not one of the question's options"),
                    ))
                }
            }
        }
        Ok(bits)
    }
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
        assert_eq!(parse_whole("NaN"), None);
        assert_eq!(parse_whole("inf"), None);
    }

    #[test]
    fn option_marks() {
        assert_eq!(option_cell("○"), Ok(Some(true)));
        assert_eq!(option_cell("１"), Ok(Some(true)));
        assert_eq!(option_cell(" "), Ok(None));
        assert_eq!(option_cell("FALSE"), Ok(Some(false)));
        assert_eq!(option_cell("2").unwrap_err().0, ProblemKind::BadPickMark);
    }

    #[test]
    fn ascii_cells_are_borrowed() {
        assert!(matches!(normalized(" 4 "), Cow::Borrowed("4")));
        assert_eq!(normalized("　４　"), "4");
    }
}

//! Text normalisation shared by header matching and value mapping.

use unicode_normalization::UnicodeNormalization;

/// Invisible characters that text pasted from web pages or Word carries along; they would
/// otherwise make 「中央区\u{200B}」 a group of its own.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// NFKC plus trimming, so that 「Ｑ１」 equals `Q1`, half-width katakana equals full-width and
/// 「中央区 」 equals 「中央区」; zero-width spaces and stray BOMs are dropped.
pub fn normalize_text(raw: &str) -> String {
    let nfkc: String = raw.nfkc().filter(|&c| !is_invisible(c)).collect();
    nfkc.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_spaces_fold() {
        assert_eq!(normalize_text("Ｑ１"), "Q1");
        assert_eq!(normalize_text("ｿｳｵﾓｳ"), "ソウオモウ");
        assert_eq!(normalize_text("中央区\u{3000}"), "中央区");
        assert_eq!(normalize_text(" ５ "), "5");
        assert_eq!(normalize_text("中央区\u{200B}"), "中央区");
        assert_eq!(normalize_text("\u{FEFF}Q1"), "Q1");
    }
}

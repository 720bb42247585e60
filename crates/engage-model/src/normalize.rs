//! Text normalisation shared by header matching and value mapping.

use unicode_normalization::UnicodeNormalization;

/// NFKC plus trimming, so that 「Ｑ１」 equals `Q1`, half-width katakana equals full-width and
/// 「中央区 」 equals 「中央区」.
pub fn normalize_text(raw: &str) -> String {
    let nfkc: String = raw.nfkc().collect();
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
    }
}

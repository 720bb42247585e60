//! Matching the definition's column names to a file's header row.

use std::collections::HashMap;
use std::path::Path;

use engage_model::normalize_text;

use crate::IngestError;

/// Header positions, found exactly first and then after NFKC normalisation and trimming.
pub struct HeaderIndex {
    headers: Vec<String>,
    exact: HashMap<String, Vec<usize>>,
    normalized: HashMap<String, Vec<usize>>,
    used: Vec<bool>,
}

impl HeaderIndex {
    /// Duplicate headers are allowed until the definition asks for one of them: Excel exports
    /// often end in several blank headers, or repeat a memo column nobody analyses.
    pub fn new(headers: Vec<String>) -> Self {
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut normalized: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            exact.entry(h.clone()).or_default().push(i);
            normalized.entry(normalize_text(h)).or_default().push(i);
        }
        let used = vec![false; headers.len()];
        HeaderIndex {
            headers,
            exact,
            normalized,
            used,
        }
    }

    pub fn find(
        &mut self,
        path: &Path,
        column: &str,
        wanted_by: &str,
    ) -> Result<usize, IngestError> {
        let found = self
            .exact
            .get(column)
            .or_else(|| self.normalized.get(&normalize_text(column)));
        match found.map(Vec::as_slice) {
            Some(&[i]) => {
                self.used[i] = true;
                Ok(i)
            }
            Some(&[first, second, ..]) => Err(IngestError::DuplicateHeader {
                path: path.to_path_buf(),
                column: self.headers[first].clone(),
                first: first + 1,
                second: second + 1,
            }),
            _ => Err(IngestError::MissingColumn {
                path: path.to_path_buf(),
                column: column.to_string(),
                wanted_by: wanted_by.to_string(),
                closest: self.closest(column),
            }),
        }
    }

    pub fn name(&self, index: usize) -> &str {
        &self.headers[index]
    }

    pub fn len(&self) -> usize {
        self.headers.len()
    }

    /// Headers no part of the definition asked for: reported, not fatal.
    pub fn unused(&self) -> Vec<String> {
        self.headers
            .iter()
            .zip(&self.used)
            .filter(|(_, u)| !**u)
            .map(|(h, _)| h.clone())
            .collect()
    }

    /// The closest headers to `column`, as a message shows them.
    fn closest(&self, column: &str) -> String {
        let target: Vec<char> = normalize_text(column).chars().collect();
        let mut scored: Vec<(usize, &String)> = self
            .headers
            .iter()
            .map(|h| {
                (
                    edit_distance(&target, &normalize_text(h).chars().collect::<Vec<_>>()),
                    h,
                )
            })
            .collect();
        scored.sort();
        let names: Vec<String> = scored
            .iter()
            .take(3)
            .map(|(_, h)| format!("`{}`", printable(h)))
            .collect();
        if names.is_empty() {
            "(none)".into()
        } else {
            names.join(", ")
        }
    }
}

/// Levenshtein distance over characters (Japanese headers are multi-byte).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            row[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

/// A header as an error message shows it: control characters (from a binary file read as
/// text) escaped as `\u{..}` rather than sent to the terminal, at most 40 characters.
fn printable(header: &str) -> String {
    let mut shown: String = header
        .chars()
        .take(40)
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if header.chars().count() > 40 {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_headers_are_escaped_in_messages() {
        assert_eq!(printable("Q\u{1}\u{7f}1"), "Q\\u{1}\\u{7f}1");
        assert_eq!(printable(&"長".repeat(41)), "長".repeat(40) + "…");
    }

    #[test]
    fn finds_after_nfkc_and_suggests_closest() {
        let p = Path::new("f.csv");
        let mut h = HeaderIndex::new(vec!["Ｑ１".into(), "Q2".into(), "所属".into()]);
        assert_eq!(h.find(p, "Q1", "item q1").unwrap(), 0);
        let err = h.find(p, "Q3", "item q3").unwrap_err().to_string();
        assert!(err.contains("`Q3`") && err.contains("`Q2`"), "{err}");
        assert_eq!(h.unused(), vec!["Q2".to_string(), "所属".to_string()]);
    }

    #[test]
    fn duplicates_fail_only_when_used() {
        let p = Path::new("f.csv");
        let headers = ["Q1", "メモ", "メモ", "", "", "Ｑ２", "Q2 "];
        let mut h = HeaderIndex::new(headers.iter().map(|s| s.to_string()).collect());
        assert_eq!(h.find(p, "Q1", "item q1").unwrap(), 0);
        let err = h.find(p, "メモ", "segment memo").unwrap_err().to_string();
        assert!(err.contains("columns 2 and 3"), "{err}");
        // Two headers that both normalise to `Q2` are as ambiguous as two equal ones.
        let err = h.find(p, "Q2", "item q2").unwrap_err().to_string();
        assert!(err.contains("columns 6 and 7"), "{err}");
    }

    #[test]
    fn edit_distance_by_hand() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&c("kitten"), &c("sitting")), 3);
        assert_eq!(edit_distance(&c("局区"), &c("局")), 1);
    }
}

//! Matching the definition's column names to a file's header row.

use std::collections::HashMap;
use std::path::Path;

use engage_model::normalize_text;

use crate::IngestError;

/// Header positions, found exactly first and then after NFKC normalisation and trimming.
pub struct HeaderIndex {
    headers: Vec<String>,
    exact: HashMap<String, usize>,
    normalized: HashMap<String, usize>,
    used: Vec<bool>,
}

impl HeaderIndex {
    pub fn new(path: &Path, headers: Vec<String>) -> Result<Self, IngestError> {
        let mut exact = HashMap::new();
        let mut normalized = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            if let Some(first) = exact.insert(h.clone(), i) {
                return Err(IngestError::DuplicateHeader {
                    path: path.to_path_buf(),
                    column: h.clone(),
                    first: first + 1,
                    second: i + 1,
                });
            }
            normalized.entry(normalize_text(h)).or_insert(i);
        }
        let used = vec![false; headers.len()];
        Ok(HeaderIndex {
            headers,
            exact,
            normalized,
            used,
        })
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
            .or_else(|| self.normalized.get(&normalize_text(column)))
            .copied();
        match found {
            Some(i) => {
                self.used[i] = true;
                Ok(i)
            }
            None => Err(IngestError::MissingColumn {
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
            .map(|(_, h)| format!("`{h}`"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_after_nfkc_and_suggests_closest() {
        let p = Path::new("f.csv");
        let mut h = HeaderIndex::new(p, vec!["Ｑ１".into(), "Q2".into(), "所属".into()]).unwrap();
        assert_eq!(h.find(p, "Q1", "item q1").unwrap(), 0);
        let err = h.find(p, "Q3", "item q3").unwrap_err().to_string();
        assert!(err.contains("`Q3`") && err.contains("`Q2`"), "{err}");
        assert_eq!(h.unused(), vec!["Q2".to_string(), "所属".to_string()]);
    }

    #[test]
    fn edit_distance_by_hand() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&c("kitten"), &c("sitting")), 3);
        assert_eq!(edit_distance(&c("局区"), &c("局")), 1);
    }
}

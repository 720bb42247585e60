//! Which files to read: plain paths as given, patterns such as `bureaus/*.csv` expanded in
//! sorted order so that runs are repeatable.

use std::path::PathBuf;

use crate::IngestError;

fn is_pattern(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

/// Expands every pattern; a pattern that matches nothing is an error, never an empty run.
pub fn expand_patterns(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    for path in paths {
        let text = path.to_string_lossy();
        if !is_pattern(&text) {
            out.push(path.clone());
            continue;
        }
        let bad = |message: String| IngestError::BadPattern {
            pattern: text.to_string(),
            message,
        };
        let mut found: Vec<PathBuf> = glob::glob(&text)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<_, _>>()
            .map_err(|e| bad(e.to_string()))?;
        found.retain(|p| p.is_file());
        if found.is_empty() {
            return Err(IngestError::NoMatch {
                pattern: text.to_string(),
            });
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_expand_sorted_and_empty_matches_fail() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.csv", "a.csv", "notes.txt"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let pattern = dir.path().join("*.csv");
        let found = expand_patterns(&[pattern]).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["a.csv", "b.csv"]);
        let none = dir.path().join("*.xlsx");
        assert!(matches!(
            expand_patterns(&[none]),
            Err(IngestError::NoMatch { .. })
        ));
        let plain = dir.path().join("missing.csv");
        assert_eq!(
            expand_patterns(std::slice::from_ref(&plain)).unwrap(),
            vec![plain]
        );
    }
}

//! Errors of the survey definition: every one names the file, the line and the key.

use std::fmt;
use std::path::PathBuf;

/// One problem in a definition, located by line (1-based) and key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionProblem {
    pub line: usize,
    pub key: String,
    pub message: String,
}

impl fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, key `{}`: {}",
            self.line, self.key, self.message
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("cannot read survey definition {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax errors and unknown keys; toml's message already carries line and key.
    #[error("survey definition {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("survey definition {path} has {} problem(s):\n{}", problems.len(), list(problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<DefinitionProblem>,
    },
}

fn list(problems: &[DefinitionProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

//! The one error type of the statistics crate.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatsError {
    #[error("needs at least {needed} observations, got {got}")]
    TooFew { needed: u64, got: u64 },
    #[error("confidence level must be in (0, 1)")]
    BadLevel,
    #[error("input has no variance")]
    NoVariance,
    #[error("the predictors are collinear")]
    Collinear,
    #[error("{n} respondents cannot come from a population of {population}")]
    BadPopulation { n: u64, population: u64 },
    #[error("raking margin {margin}: category {category} has no target")]
    BadMargin { margin: usize, category: usize },
    #[error(
        "raking margin {margin} has {categories} units' categories but there are {units} units"
    )]
    MarginLength {
        margin: usize,
        categories: usize,
        units: usize,
    },
    #[error("raking margin {margin}: category {category} has a target but no respondents")]
    EmptyCategory { margin: usize, category: usize },
    #[error("column {column} has code {code}, beyond its table of {values} values")]
    CodeBeyondTable {
        column: usize,
        code: u8,
        values: usize,
    },
    #[error(
        "the full sample's figures have {means} means and {shares} shares for {columns} columns"
    )]
    FullSampleWidth {
        columns: usize,
        means: usize,
        shares: usize,
    },
}

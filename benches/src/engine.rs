//! The engine's full report, as `engage report` computes it before writing files:
//! read the Parquet file into the compact layout, one aggregation pass, derive every figure.

use std::path::Path;

use engage_aggregate::Partials;
use engage_ingest::Ingested;
use engage_model::Survey;
use engage_report::{build_report, InputFile, Provenance, Report};

/// Reads `data` for `survey`, aggregates on the current rayon pool and builds the report.
pub fn full_report(survey: &Survey, data: &Path) -> anyhow::Result<(Report, Partials)> {
    let ingested = engage_ingest::read_responses(survey, &[data.to_path_buf()])?;
    anyhow::ensure!(
        ingested.rows_rejected() == 0,
        "benchmark data should be clean: {} rows rejected",
        ingested.rows_rejected()
    );
    let partials = engage_aggregate::aggregate(survey, &ingested.table);
    Ok((figures(survey, &ingested, &partials), partials))
}

/// Every figure of the report from the partials (the last phase of [`full_report`]).
pub fn figures(survey: &Survey, ingested: &Ingested, partials: &Partials) -> Report {
    let provenance = Provenance {
        definition: InputFile {
            path: survey.path.display().to_string(),
            sha256: String::new(),
        },
        data: Vec::new(),
        problems: ingested.problems.len(),
        problem_counts: Vec::new(),
        unused_columns: ingested.unused_columns.clone(),
    };
    build_report(survey, partials, provenance)
}

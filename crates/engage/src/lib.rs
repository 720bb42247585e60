//! engage as a library: every step of the pipeline behind one API, from a survey definition
//! and its response files to the publishable folder. The `engage` command line is a thin layer
//! over it (arguments, progress display, exit codes), and so is anything else that runs
//! surveys: a batch service, a notebook binding.
//!
//! ```no_run
//! use engage::{analyse, load_survey, read_responses, write_report, AnalysisOptions, Lang,
//!     OutputOptions, Silent};
//!
//! # fn main() -> engage::Result<()> {
//! let survey = load_survey("fixtures/kumamoto-2023/survey.toml".as_ref(), false)?;
//! let data = engage::data_paths(&survey, Vec::new());
//! let ingested = read_responses(&survey, &data, None, 10, &Silent)?;
//! let report = analyse(&survey, &ingested, &AnalysisOptions::default(), &Silent)?;
//! let output = OutputOptions::new(Lang::Ja, engage::creation_time()?);
//! write_report(&report, "out/kumamoto-2023".as_ref(), &output, &Silent)?;
//! # Ok(())
//! # }
//! ```
//!
//! The steps, in the order of the data:
//! - **definition**: [`load_survey`];
//! - **responses**: [`read_responses`] (files or patterns, every row accounted for) or
//!   [`read_record_batches`] (Arrow record batches already in memory, same checks);
//! - **analysis**: [`analyse`] (aggregation, figures, suppression, drivers, headcounts and
//!   weights, comments, earlier waves);
//! - **outputs**: [`write_report`] (every output kind), [`write_packs`], [`write_rejects`]
//!   (private); [`ReportJob`] runs all of these for one report;
//! - **two waves**: [`read_wave`], [`compare_waves`], [`write_comparison`];
//! - **shards**: [`aggregate_shard`] (or [`write_shard`] on rows read) and [`merge_shards`];
//! - **checks**: [`audit`] of a published folder;
//! - **many jobs**: [`Batch`];
//! - **data to try it on**: [`generate`], and [`draft_definition`] for a raw export.
//!
//! Progress and warnings reach the caller as [`Event`]s through a [`Progress`] (any
//! `Fn(Event)`; [`Silent`] drops them); nothing is printed. Errors are one [`Error`] enum
//! whose ingest and definition variants name the file, the spreadsheet row and the column.
//!
//! Architecture invariant: this crate knows no command line (no clap, no exit codes, no
//! terminal); every file it writes goes through the writer crates.

mod analysis;
mod batch;
mod compare;
mod error;
mod events;
mod generate;
mod inputs;
mod outputs;
mod release;
mod shards;
mod staging;

use std::path::Path;

pub use analysis::{analyse, check_analysis, AnalysisOptions};
pub use batch::{Batch, Input as BatchInput, Job, JobResult};
pub use compare::{
    compare_and_write, compare_waves, read_crosswalk, read_wave, wave_from, write_comparison, Wave,
};
pub use error::{chain as error_chain, Error, Result};
pub use events::{Event, Level, Progress, Silent};
pub use generate::{draft_definition, generate, DataFormat, Generated};
pub use inputs::{
    creation_time, data_paths, guard_output, input_files, load_survey, read_record_batches,
    read_responses, resolved,
};
pub use outputs::{write_packs, write_release, write_report, Formats, OutputOptions, Written};
pub use release::{default_rejects, ReportJob, Status};
pub use shards::{
    aggregate_shard, default_shard_rejects, merge_shards, write_shard, PROVENANCE_KEY,
};
pub use staging::{StagedRelease, MANIFEST};

pub use arrow_array::RecordBatch;
pub use arrow_schema::SchemaRef;
pub use engage_audit::Audit;
pub use engage_export::{Created, CsvEncoding, Lang};
pub use engage_ingest::{Ingested, MemoryBatches};
pub use engage_model::{ProblemKind, Survey};
pub use engage_report::{Comparison, Report, SuppressionMode};

/// The rows a run rejected, with every column as read, to `path` (raw answers: keep it out of
/// any folder meant for publishing).
pub fn write_rejects(ingested: &Ingested, path: &Path) -> Result<()> {
    Ok(engage_export::write_rejects(&ingested.rejected, path)?)
}

/// Can any group under `min_group_size` (default: the release's own) be recovered from the
/// published folder `dir`? Reads only that folder, and shares no code with the suppression.
pub fn audit(dir: &Path, min_group_size: Option<u32>) -> Result<Audit> {
    engage_audit::audit_dir(dir, min_group_size).map_err(|source| Error::Audit {
        dir: dir.to_path_buf(),
        source,
    })
}

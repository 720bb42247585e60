//! One error type for every step. Each lower crate's error passes through unchanged (it already
//! names the file, the spreadsheet row and the column where it has them); the variants added
//! here are the pipeline's own decisions, each naming the paths involved.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Definition(#[from] engage_model::DefinitionError),
    #[error(transparent)]
    Ingest(#[from] engage_ingest::IngestError),
    #[error(transparent)]
    SideFile(#[from] engage_ingest::SideFileError),
    #[error(transparent)]
    Export(#[from] engage_export::ExportError),
    #[error(transparent)]
    Chart(#[from] engage_charts::ChartError),
    #[error(transparent)]
    Shard(#[from] engage_aggregate::ShardError),
    #[error(transparent)]
    Cells(#[from] engage_aggregate::CellError),
    #[error(transparent)]
    Population(#[from] engage_report::PopulationError),
    #[error(transparent)]
    Pairing(#[from] engage_report::PairingError),
    #[error(transparent)]
    Synth(#[from] engage_synth::SynthError),
    #[error("auditing {dir}")]
    Audit {
        dir: PathBuf,
        #[source]
        source: engage_audit::AuditError,
    },
    /// A crosswalk file that does not fit the two waves (the message names its row).
    #[error("{path}: {error}")]
    Crosswalk {
        path: PathBuf,
        error: engage_report::CrosswalkError,
    },
    #[error("cannot create {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}")]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}")]
    WriteFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Raw answers or unsuppressed counts would land in a folder meant for publishing.
    #[error("{what} {path} is inside the publishable folder {out}; {why}")]
    PrivateInPublic {
        what: &'static str,
        path: PathBuf,
        out: PathBuf,
        why: &'static str,
    },
    /// `--out` cannot hold a release.
    #[error("{out} cannot be the release folder: {why}; give an empty or new folder")]
    NotAReleaseFolder { out: PathBuf, why: &'static str },
    /// Another run holds the release's lock.
    #[error("another engage run is writing {out} right now; wait for it to finish, or give another folder")]
    ReleaseBusy { out: PathBuf },
    /// An output would replace or sit over an input file.
    #[error("{output} would overwrite or hold the input {input}: inputs are never written to; give the output a place of its own")]
    WouldOverwriteInput { output: PathBuf, input: PathBuf },
    #[error("cannot start {} worker threads: {message}", threads.map_or("the".to_string(), |n| n.to_string()))]
    Threads {
        threads: Option<usize>,
        message: String,
    },
    #[error("cannot load the Japanese dictionary for the comments")]
    Dictionary(#[source] engage_text::TextError),
    #[error("[text] masking")]
    MaskRules(#[source] engage_text::TextError),
    #[error("exporting comments needs the IPADIC dictionary to find the names to mask: {0}")]
    NoDictionaryToMask(engage_text::TextError),
    /// The font given for the PNG charts cannot be used.
    #[error("the chart font {path}")]
    ChartFont {
        path: PathBuf,
        #[source]
        source: engage_charts::ChartError,
    },
    #[error("packs: `{0}` is not a segment of the report")]
    NoSuchSegment(String),
    #[error("{path}: not written by engage aggregate")]
    NotPartials {
        path: PathBuf,
        #[source]
        source: Box<Error>,
    },
    #[error("no provenance")]
    NoProvenance,
    #[error("unreadable provenance")]
    UnreadableProvenance(#[source] serde_json::Error),
    #[error("{path} was aggregated with a different definition ({shard_definition}, SHA-256 {shard_sha256}) than {definition} (SHA-256 {sha256})")]
    DifferentDefinition {
        path: PathBuf,
        shard_definition: String,
        shard_sha256: String,
        definition: String,
        sha256: String,
    },
    /// Two partials files counted the same data file: merging them would count its
    /// respondents twice.
    #[error("{first} and {second} both counted the rows of {data} (same SHA-256): every respondent must be counted once, so give each shard once")]
    DuplicateShard {
        first: PathBuf,
        second: PathBuf,
        data: String,
    },
    /// The merged shards hold more groups of one segment than one run would accept.
    #[error("the merged partials have {groups} groups of segment `{segment}`, over the limit of {limit} that one run over all rows would apply; is it an id or free-text column?")]
    TooManyMergedGroups {
        segment: String,
        groups: usize,
        limit: usize,
    },
    /// Two partials files counted rows with the same respondent id (by fingerprint): the same
    /// people exported twice, in different files.
    #[error("{first} and {second} both counted {shared} respondent(s) with the same id (e.g. the same rows exported into two files): every respondent must be counted once")]
    SharedRespondents {
        first: PathBuf,
        second: PathBuf,
        shared: usize,
    },
    #[error("cannot describe the inputs")]
    DescribeInputs(#[source] serde_json::Error),
    #[error("SOURCE_DATE_EPOCH = {0:?}: give whole seconds since 1970-01-01 UTC")]
    SourceDateEpoch(String),
    #[error("{path}: {message}")]
    JobsFile { path: PathBuf, message: String },
    /// A batch job's entry cannot be run as written.
    #[error("{0}")]
    JobEntry(String),
    /// A batch job's input could not be read (or its entry was wrong: `definition` is then
    /// the job's own problem, with no definition).
    #[error("its input {definition} could not be read")]
    BatchInput {
        definition: PathBuf,
        #[source]
        source: std::sync::Arc<Error>,
    },
    /// A batch job that could not be planned.
    #[error(transparent)]
    JobPlan(std::sync::Arc<Error>),
    #[error("internal error (a bug in engage): {0}")]
    Panic(String),
    #[error("{path} exists and was not to be replaced")]
    Exists { path: PathBuf },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error and every error under it, joined by ": " as the command line prints them.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

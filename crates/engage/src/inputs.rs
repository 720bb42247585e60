//! Loading a definition and reading its responses, and what every step needs from them: the
//! provenance the outputs record, the worker threads, the run's creation time.

use std::path::{Path, PathBuf};

use engage_ingest::Ingested;
use engage_model::Survey;
use engage_report::{DataFile, InputFile, ProblemTally, Provenance};

use crate::events::{Event, Progress};
use crate::{Error, Result};

/// Loads and checks a definition; `strict` makes every problem reject its row.
pub fn load_survey(path: &Path, strict: bool) -> Result<Survey> {
    let mut survey = Survey::load(path)?;
    survey.policy.strict = strict;
    Ok(survey)
}

/// The files given (patterns are expanded when read), else the definition's own file.
pub fn data_paths(survey: &Survey, data: Vec<PathBuf>) -> Vec<PathBuf> {
    if data.is_empty() {
        vec![survey.data_path()]
    } else {
        data
    }
}

/// Reads the response files into the compact layout on `threads` workers (default: all
/// cores), as the step "reading the responses", then reports the accounting as
/// [`Event::Read`], suggesting that up to `examples` problems be shown.
pub fn read_responses(
    survey: &Survey,
    data: &[PathBuf],
    threads: Option<usize>,
    examples: usize,
    progress: &dyn Progress,
) -> Result<Ingested> {
    read_as_step(threads, examples, progress, || {
        engage_ingest::read_responses(survey, data)
    })
}

/// Reads responses already in memory as Arrow record batches (a DataFrame handed over through
/// the Arrow C data interface, say) with the same checks and accounting as a file, then
/// reports the accounting as [`Event::Read`]. The batches' name stands for the file.
pub fn read_record_batches(
    survey: &Survey,
    batches: &engage_ingest::MemoryBatches,
    threads: Option<usize>,
    examples: usize,
    progress: &dyn Progress,
) -> Result<Ingested> {
    read_as_step(threads, examples, progress, || {
        engage_ingest::read_record_batches(survey, batches)
    })
}

/// `read` on `threads` workers as the step "reading the responses", then its accounting.
fn read_as_step(
    threads: Option<usize>,
    examples: usize,
    progress: &dyn Progress,
    read: impl FnOnce() -> std::result::Result<Ingested, engage_ingest::IngestError> + Send,
) -> Result<Ingested> {
    let ingested = {
        let _step = crate::events::step(progress, "reading the responses");
        on_threads(threads, read)??
    };
    progress.event(Event::Read {
        ingested: &ingested,
        examples,
    });
    Ok(ingested)
}

/// What the outputs record about their inputs: the definition and every data file with its
/// SHA-256 and row accounting, and the problems by kind.
pub fn provenance(survey: &Survey, ingested: &Ingested) -> Result<Provenance> {
    Ok(Provenance {
        definition: InputFile {
            path: survey.path.display().to_string(),
            sha256: engage_ingest::file_sha256(&survey.path)?,
        },
        data: ingested
            .accounts
            .iter()
            .map(|a| DataFile {
                path: a.path.clone(),
                sha256: a.sha256.clone(),
                format: a.format.clone(),
                rows_read: a.rows_read,
                rows_accepted: a.rows_accepted,
                rows_rejected: a.rows_rejected,
            })
            .collect(),
        problems: ingested.problems.len(),
        problem_counts: ingested
            .problem_counts()
            .into_iter()
            .map(|c| ProblemTally::new(c.kind, c.action, c.count))
            .collect(),
        unused_columns: ingested.unused_columns.clone(),
    })
}

/// Runs `work` on a pool of `threads` workers when given, else on the global pool (all cores).
pub(crate) fn on_threads<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T> {
    Ok(match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::Threads {
                threads: Some(n),
                message: e.to_string(),
            })?
            .install(work),
        None => work(),
    })
}

/// `path` is `dir` or inside it, both resolved as the file system will (symlinks, `..`).
pub(crate) fn is_inside(path: &Path, dir: &Path) -> bool {
    resolved(path).starts_with(resolved(dir))
}

/// `path` as the file system will resolve it, whether or not it exists yet: its deepest
/// existing ancestor canonicalised (symlinks followed), the rest appended with `.` and `..`
/// folded.
pub fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                match part {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    std::path::Component::CurDir => {}
                    other => out.push(other),
                }
            }
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Every file a run over `data` reads besides the rows' own: the definition, each data file
/// (patterns expanded), the headcount and names files.
pub fn input_files(survey: &Survey, data: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = vec![survey.path.clone()];
    files.extend(engage_ingest::expand_patterns(data).unwrap_or_else(|_| data.to_vec()));
    files.extend(survey.headcounts_path());
    files.extend(survey.mask_names_path());
    files
}

/// Refuses to write `output` where it would change an input: when it is one of `inputs` (or
/// resolves to one through a symlink or `..`), or, for a folder, when an input is inside it.
pub fn guard_output(output: &Path, folder: bool, inputs: &[PathBuf]) -> Result<()> {
    let out = resolved(output);
    for input in inputs {
        let input_path = resolved(input);
        let clash = out == input_path || (folder && input_path.starts_with(&out));
        if clash {
            return Err(Error::WouldOverwriteInput {
                output: output.to_path_buf(),
                input: input.clone(),
            });
        }
    }
    Ok(())
}

/// A run's creation time, which its workbooks record: `SOURCE_DATE_EPOCH` (seconds since 1970,
/// the reproducible-builds convention) when set, so that a rerun gives the same bytes; else
/// the clock. Read once per run and passed to every writer, so the files of one run agree.
pub fn creation_time() -> Result<engage_export::Created> {
    let seconds = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| Error::SourceDateEpoch(text))?,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    Ok(engage_export::Created::from_unix_seconds(seconds)?)
}

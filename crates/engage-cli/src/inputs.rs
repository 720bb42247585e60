//! What `report` and `validate` share: which files to read, reading them, and telling the
//! analyst what happened to every row.

use std::path::PathBuf;

use engage_ingest::Ingested;
use engage_model::Survey;
use engage_report::{DataFile, InputFile, ProblemTally, Provenance};

/// Loads the definition; `--strict` makes every problem reject its row.
pub fn load_survey(path: &std::path::Path, strict: bool) -> anyhow::Result<Survey> {
    let mut survey = Survey::load(path)?;
    survey.policy.strict = strict;
    Ok(survey)
}

/// `--data` as given (patterns are expanded by ingest), else the definition's own file.
pub fn data_paths(survey: &Survey, data: Vec<PathBuf>) -> Vec<PathBuf> {
    if data.is_empty() {
        vec![survey.data_path()]
    } else {
        data
    }
}

/// Per-file accounting (always printed), then the first problems and unused columns.
pub fn print_accounting(ingested: &Ingested, shown: usize) {
    // `-v` lists every problem.
    let shown = if crate::ui::enabled(crate::ui::Level::Detail) {
        usize::MAX
    } else {
        shown
    };
    for a in &ingested.accounts {
        crate::ui::say!(
            "{} ({}): {} rows read = {} accepted + {} rejected",
            a.path,
            a.format,
            a.rows_read,
            a.rows_accepted,
            a.rows_rejected
        );
    }
    if ingested.accounts.len() > 1 {
        crate::ui::say!(
            "all files: {} rows read = {} accepted + {} rejected",
            ingested.rows_read(),
            ingested.rows_accepted(),
            ingested.rows_rejected()
        );
    }
    for c in ingested.problem_counts() {
        crate::ui::say!(
            "problems: {} × {} ({})",
            c.count,
            c.kind.key(),
            c.action.as_str()
        );
    }
    for p in ingested.problems.iter().take(shown) {
        crate::ui::say!("  {p}");
    }
    if shown > 0 && ingested.problems.len() > shown {
        crate::ui::say!("  ... and {} more", ingested.problems.len() - shown);
    }
    if !ingested.unused_columns.is_empty() {
        crate::ui::say!(
            "note: columns not used by the definition: {}",
            ingested.unused_columns.join(", ")
        );
    }
}

pub fn provenance(survey: &Survey, ingested: &Ingested) -> anyhow::Result<Provenance> {
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

/// One aggregation pass, on `threads` workers when given (else all cores).
pub fn aggregate_on_threads(
    survey: &Survey,
    ingested: &Ingested,
    threads: Option<usize>,
) -> anyhow::Result<engage_aggregate::Partials> {
    on_threads(threads, || {
        engage_aggregate::aggregate(survey, &ingested.table)
    })
}

/// Runs `work` on a pool of `threads` workers when given, else on the global pool (all cores).
pub fn on_threads<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> anyhow::Result<T> {
    Ok(match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| anyhow::anyhow!("cannot start {n} worker threads: {e}"))?
            .install(work),
        None => work(),
    })
}

/// The run's creation time, recorded in its workbooks: `SOURCE_DATE_EPOCH` (seconds since 1970,
/// the reproducible-builds convention) when set, so a rerun gives the same bytes; else the clock,
/// read once so every file of the run agrees.
pub fn created() -> anyhow::Result<engage_export::Created> {
    static CREATED: std::sync::OnceLock<Result<i64, String>> = std::sync::OnceLock::new();
    let seconds = CREATED.get_or_init(|| match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text.trim().parse::<i64>().map_err(|_| {
            format!("SOURCE_DATE_EPOCH = {text:?}: give whole seconds since 1970-01-01 UTC")
        }),
        Err(_) => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)),
    });
    let seconds = seconds.clone().map_err(anyhow::Error::msg)?;
    Ok(engage_export::Created::from_unix_seconds(seconds)?)
}

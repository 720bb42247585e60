//! Aggregating a shard of the rows into a partials file (unsuppressed: private), and merging
//! partials files back into the report of all their rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use engage_ingest::Ingested;
use engage_model::{ProblemKind, Survey};
use engage_report::{InputFile, ProblemTally, Provenance, Report};

use crate::events::{say, Level, Progress};
use crate::inputs::{on_threads, provenance};
use crate::{Error, Result, Status};

/// Metadata key of the shard's provenance (JSON) inside a partials file.
pub const PROVENANCE_KEY: &str = "engage.provenance";

/// One shard from its files to its partials: read `data` (the definition's policy decides
/// what is rejected), write the rejected rows to `rejects` (default [`default_shard_rejects`]),
/// then [`write_shard`]. Returns [`Status::Problems`] when the policy is strict and problems
/// were found.
pub fn aggregate_shard(
    survey: &Survey,
    data: &[PathBuf],
    partial: &Path,
    rejects: Option<PathBuf>,
    threads: Option<usize>,
    progress: &dyn Progress,
) -> Result<Status> {
    let rejects = rejects.unwrap_or_else(|| default_shard_rejects(partial));
    let inputs = crate::input_files(survey, data);
    crate::guard_output(partial, false, &inputs)?;
    crate::guard_output(&rejects, false, &inputs)?;
    let ingested = crate::read_responses(survey, data, threads, 10, progress)?;
    if !ingested.rejected.is_empty() {
        crate::write_rejects(&ingested, &rejects)?;
        say(
            progress,
            Level::Info,
            format!("rejected rows written to {}", rejects.display()),
        );
    }
    write_shard(survey, &ingested, partial, threads, progress)?;
    Ok(if survey.policy.strict && !ingested.problems.is_empty() {
        Status::Problems
    } else {
        Status::Done
    })
}

/// `private/a.arrow` -> `private/a.rejects.csv`: a shard's rejects beside its partials.
pub fn default_shard_rejects(partial: &Path) -> PathBuf {
    partial.with_extension("rejects.csv")
}

/// One aggregation pass over `ingested` on `threads` workers, written to `path` with the
/// shard's provenance.
pub fn write_shard(
    survey: &Survey,
    ingested: &Ingested,
    path: &Path,
    threads: Option<usize>,
    progress: &dyn Progress,
) -> Result<()> {
    let partials = on_threads(threads, || {
        engage_aggregate::aggregate(survey, &ingested.table)
    })?;
    let provenance = provenance(survey, ingested)?;
    let metadata = BTreeMap::from([(
        PROVENANCE_KEY.to_string(),
        serde_json::to_string(&provenance).map_err(Error::DescribeInputs)?,
    )]);
    let ids: Vec<u128> = ingested
        .table
        .respondent_ids
        .iter()
        .flatten()
        .map(|f| f.get())
        .collect();
    engage_aggregate::write_partials(path, survey, &partials, &ids, &metadata)?;
    say(
        progress,
        Level::Info,
        format!(
            "wrote partials of {} respondents to {} (unsuppressed: do not publish)",
            ingested.rows_accepted(),
            path.display()
        ),
    );
    Ok(())
}

/// The report of every shard's rows, equal to one analysis over them except for what needs
/// rows (the drivers' bootstrap intervals, the comments, weights raked on margins that are
/// neither one segment nor a cross). Partials inside `out`, the publishable folder, are
/// refused: they hold unsuppressed counts.
pub fn merge_shards(
    survey: &Survey,
    paths: &[PathBuf],
    out: &Path,
    progress: &dyn Progress,
) -> Result<Report> {
    let definition = InputFile {
        path: survey.path.display().to_string(),
        sha256: engage_ingest::file_sha256(&survey.path)?,
    };
    if let Some(path) = paths.iter().find(|p| crate::inputs::is_inside(p, out)) {
        return Err(Error::PrivateInPublic {
            what: "the partials file",
            path: path.clone(),
            out: out.to_path_buf(),
            why: "partials hold unsuppressed counts",
        });
    }
    let mut inputs = paths.to_vec();
    inputs.push(survey.path.clone());
    inputs.extend(survey.headcounts_path());
    crate::guard_output(out, true, &inputs)?;
    let mut shards = Vec::with_capacity(paths.len());
    let mut provenances = Vec::with_capacity(paths.len());
    // Each data file's SHA-256, and the partials file that counted it: a shard given twice,
    // or a copy of one, would count its respondents twice.
    let mut counted: std::collections::HashMap<String, (PathBuf, String)> = Default::default();
    // With respondent ids: each id's fingerprint and the partials file that counted it, which
    // also finds the same people exported into two different files.
    let mut counted_ids: std::collections::HashMap<u128, usize> = Default::default();
    for path in paths {
        let shard = engage_aggregate::read_partials(path, survey)?;
        let provenance: Provenance = shard
            .metadata
            .get(PROVENANCE_KEY)
            .ok_or(Error::NoProvenance)
            .and_then(|json| serde_json::from_str(json).map_err(Error::UnreadableProvenance))
            .map_err(|e| Error::NotPartials {
                path: path.clone(),
                source: Box::new(e),
            })?;
        if provenance.definition.sha256 != definition.sha256 {
            return Err(Error::DifferentDefinition {
                path: path.clone(),
                shard_definition: provenance.definition.path,
                shard_sha256: provenance.definition.sha256,
                definition: definition.path,
                sha256: definition.sha256,
            });
        }
        for data in &provenance.data {
            if let Some((first, first_data)) =
                counted.insert(data.sha256.clone(), (path.clone(), data.path.clone()))
            {
                return Err(Error::DuplicateShard {
                    first,
                    second: path.clone(),
                    data: if first_data == data.path {
                        data.path.clone()
                    } else {
                        format!("{first_data} and {}", data.path)
                    },
                });
            }
        }
        let here = shards.len();
        let mut shared: BTreeMap<usize, usize> = BTreeMap::new();
        for &id in &shard.respondent_ids {
            if let Some(&earlier) = counted_ids.get(&id) {
                *shared.entry(earlier).or_default() += 1;
            } else {
                counted_ids.insert(id, here);
            }
        }
        if let Some((&earlier, &n)) = shared.iter().next() {
            return Err(Error::SharedRespondents {
                first: paths[earlier].clone(),
                second: path.clone(),
                shared: n,
            });
        }
        shards.push(shard.partials);
        provenances.push(provenance);
    }
    let partials = engage_aggregate::merge_shards(survey, &shards);
    // Each shard kept under the group limit, but their groups add up: the same bound as one
    // run over all rows (docs/data-formats.md#limits).
    for cut in partials.cuts.iter().skip(1) {
        let groups = cut.levels.iter().filter(|l| !l.key.is_empty()).count();
        if groups > engage_model::MAX_SEGMENT_GROUPS {
            return Err(Error::TooManyMergedGroups {
                segment: cut
                    .segment
                    .map(|s| survey.segment_id(s).to_string())
                    .unwrap_or_default(),
                groups,
                limit: engage_model::MAX_SEGMENT_GROUPS,
            });
        }
    }
    let provenance = merge_provenance(definition, provenances);
    let read: usize = provenance.data.iter().map(|d| d.rows_read).sum();
    let accepted: usize = provenance.data.iter().map(|d| d.rows_accepted).sum();
    say(
        progress,
        Level::Info,
        format!(
            "merged {} partials files: {read} rows read = {accepted} accepted + {} rejected",
            paths.len(),
            read - accepted
        ),
    );
    let mut report = engage_report::build_report(survey, &partials, provenance);
    // Rates and corrected intervals come from counts; weights from the raking cells, which
    // the partials hold when the margins are one segment or the two of a cross (else they
    // need rows, which partials do not carry).
    let rake = engage_report::rake_segments(survey);
    let cells = engage_aggregate::cells_from_partials(survey, &partials, &rake);
    if !rake.is_empty() && cells.is_none() && survey.headcounts_path().is_some() {
        let margins: Vec<&str> = rake.iter().map(|&s| survey.segment_id(s)).collect();
        say(
            progress,
            Level::Warning,
            format!(
                "no weights in this report: raking on {} needs the respondents' rows (partials hold the cells only for one segment or the two of a [[crosses]] entry; add that cross, or run `engage report` over the rows)",
                margins.join(" × ")
            ),
        );
    }
    crate::analysis::add_headcounts(&mut report, survey, &partials, cells.as_ref())?;
    if !survey.definition.free_text.is_empty() {
        say(
            progress,
            Level::Warning,
            "the free-text comments are not in this report: partials carry no comment text (run `engage report` over the rows for them)".to_string(),
        );
    }
    Ok(report)
}

/// All shards' files in order; problem counts summed per kind and action, in kind order.
fn merge_provenance(definition: InputFile, shards: Vec<Provenance>) -> Provenance {
    let mut merged = Provenance {
        definition,
        data: Vec::new(),
        problems: 0,
        problem_counts: Vec::new(),
        unused_columns: Vec::new(),
    };
    for p in shards {
        merged.data.extend(p.data);
        merged.problems += p.problems;
        for tally in p.problem_counts {
            match merged
                .problem_counts
                .iter_mut()
                .find(|t| t.kind == tally.kind && t.action == tally.action)
            {
                Some(t) => t.count += tally.count,
                None => merged.problem_counts.push(tally),
            }
        }
        for c in p.unused_columns {
            if !merged.unused_columns.contains(&c) {
                merged.unused_columns.push(c);
            }
        }
    }
    let order = |t: &ProblemTally| {
        ProblemKind::ALL
            .iter()
            .position(|k| k.key() == t.kind)
            .unwrap_or(usize::MAX)
    };
    merged.problem_counts.sort_by_key(order);
    merged
}

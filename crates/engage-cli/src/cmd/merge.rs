//! `engage merge`: partials files from `engage aggregate` -> the report of all their rows.

use std::path::PathBuf;

use anyhow::{bail, Context};
use engage_model::ProblemKind;
use engage_report::{InputFile, ProblemTally, Provenance};

use crate::cmd::aggregate::PROVENANCE_KEY;
use crate::cmd::report::{is_inside, write_outputs, CsvEncodingArg, LangArg};
use crate::exit::{Outcome, OK};
use crate::inputs::load_survey;

#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  engage merge survey.toml private/a.arrow private/b.arrow --out out/2023\n\nThe report equals one `engage report` over all the shards' rows. Every shard must come from\nthe same definition file (checked by its SHA-256)."
)]
pub struct Args {
    /// The survey definition (TOML) the shards were aggregated with.
    survey: PathBuf,
    /// Partials files written by `engage aggregate`.
    #[arg(required = true)]
    partials: Vec<PathBuf>,
    /// Folder for the publishable outputs.
    #[arg(long)]
    out: PathBuf,
    /// Language of labels and sheet names.
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
    /// Text encoding of the CSV tables.
    #[arg(long, value_enum, default_value = "utf8")]
    csv_encoding: CsvEncodingArg,
}

pub fn run(args: Args) -> Outcome {
    let survey = load_survey(&args.survey, false)?;
    let definition = InputFile {
        path: survey.path.display().to_string(),
        sha256: engage_ingest::file_sha256(&survey.path)?,
    };
    let mut shards = Vec::with_capacity(args.partials.len());
    let mut provenances = Vec::with_capacity(args.partials.len());
    for path in &args.partials {
        if is_inside(path, &args.out) {
            bail!(
                "{} is inside the publishable folder {}; partials hold unsuppressed counts",
                path.display(),
                args.out.display()
            );
        }
        let shard = engage_aggregate::read_partials(path, &survey)?;
        let provenance: Provenance = shard
            .metadata
            .get(PROVENANCE_KEY)
            .context("no provenance")
            .and_then(|json| serde_json::from_str(json).context("unreadable provenance"))
            .with_context(|| format!("{}: not written by engage aggregate", path.display()))?;
        if provenance.definition.sha256 != definition.sha256 {
            bail!(
                "{} was aggregated with a different definition ({}, SHA-256 {}) than {} (SHA-256 {})",
                path.display(),
                provenance.definition.path,
                provenance.definition.sha256,
                definition.path,
                definition.sha256
            );
        }
        shards.push(shard.partials);
        provenances.push(provenance);
    }
    let partials = engage_aggregate::merge_shards(&survey, &shards);
    let provenance = merge_provenance(definition, provenances);
    let read: usize = provenance.data.iter().map(|d| d.rows_read).sum();
    let accepted: usize = provenance.data.iter().map(|d| d.rows_accepted).sum();
    crate::ui::say!(
        "merged {} partials files: {read} rows read = {accepted} accepted + {} rejected",
        args.partials.len(),
        read - accepted
    );
    let mut report = engage_report::build_report(&survey, &partials, provenance);
    // Rates and corrected intervals come from counts; weights from the raking cells, which
    // the partials hold when the margins are one segment or the two of a cross (else they
    // need rows, which partials do not carry).
    let rake = engage_report::rake_segments(&survey);
    let cells = engage_aggregate::cells_from_partials(&survey, &partials, &rake);
    if !rake.is_empty() && cells.is_none() && survey.headcounts_path().is_some() {
        let margins: Vec<&str> = rake.iter().map(|&s| survey.segment_id(s)).collect();
        crate::ui::warning!(
            "no weights in this report: raking on {} needs the respondents' rows (partials hold the cells only for one segment or the two of a [[crosses]] entry; add that cross, or run `engage report` over the rows)",
            margins.join(" × ")
        );
    }
    crate::cmd::report::add_headcounts(&mut report, &survey, &partials, cells.as_ref())?;
    if !survey.definition.free_text.is_empty() {
        crate::ui::warning!(
            "the free-text comments are not in this report: partials carry no comment text (run `engage report` over the rows for them)"
        );
    }
    write_outputs(
        &report,
        &args.out,
        args.lang.lang(),
        args.csv_encoding.encoding(),
    )?;
    Ok(OK)
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

//! `engage batch JOBS.toml`: many reports, comparisons and bureau packs in one command, run by
//! [`engage::Batch`]; this module lists the plan (`--dry-run`), shows the jobs' progress and
//! prints the summary table.

use std::path::PathBuf;
use std::time::Instant;

use crate::exit::{Outcome, FAILURE, OK, PROBLEMS};

#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  engage batch fixtures/batch.toml\n  engage batch fixtures/batch.toml --dry-run\n\nJobs file (paths relative to it):\n  [[job]]\n  name = \"r5\"\n  report = \"kumamoto-2023/survey.toml\"   # or compare = [\"a.toml\", \"b.toml\"]\n  out = \"../out/batch/r5\"\n  packs = \"bureau\"                       # optional: one pack per bureau under OUT/packs/\n\nExit codes: 0 every job done, 1 a job failed (the others still ran), 2 usage error,\n3 every job done but one found problems with strict = true."
)]
pub struct Args {
    /// The jobs file (TOML).
    jobs: PathBuf,
    /// List the jobs and their inputs without running them.
    #[arg(long)]
    dry_run: bool,
    /// Jobs run at the same time (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(args: Args) -> Outcome {
    let output = crate::inputs::output_options(engage::Lang::Ja)?;
    let batch = engage::Batch::load(&args.jobs, &output)?;
    if args.dry_run {
        return Ok(dry_run(&batch));
    }
    let started = Instant::now();
    let results = batch.run(args.threads, &crate::ui::Shown::batch())?;

    crate::ui::say!("");
    crate::ui::say!(
        "{:<24} {:<8} {:<8} {:>8}  output",
        "job",
        "kind",
        "outcome",
        "seconds"
    );
    let (mut failed, mut problems) = (0, 0);
    for (job, result) in batch.jobs.iter().zip(&results) {
        let status = match result.outcome {
            Ok(engage::Status::Done) => "ok",
            Ok(engage::Status::Problems) => {
                problems += 1;
                "problems"
            }
            Err(_) => {
                failed += 1;
                "FAILED"
            }
        };
        crate::ui::say!(
            "{:<24} {:<8} {:<8} {:>8.1}  {}",
            job.name,
            job.kind,
            status,
            result.seconds,
            job.out.display()
        );
    }
    let jobs = batch.jobs.len();
    crate::ui::say!(
        "{} jobs: {} ok, {} with problems, {} failed, in {:.1} s",
        jobs,
        jobs - failed - problems,
        problems,
        failed,
        started.elapsed().as_secs_f64()
    );
    Ok(if failed > 0 {
        FAILURE
    } else if problems > 0 {
        PROBLEMS
    } else {
        OK
    })
}

/// The jobs and the distinct inputs they would read, without running anything.
fn dry_run(batch: &engage::Batch) -> i32 {
    crate::ui::say!(
        "{} jobs, {} distinct inputs read once each:",
        batch.jobs.len(),
        batch.inputs.len()
    );
    for (i, k) in batch.inputs.iter().enumerate() {
        let data: Vec<String> = k.data.iter().map(|d| d.display().to_string()).collect();
        crate::ui::say!(
            "  input {}: {} with {}",
            i + 1,
            k.definition.display(),
            data.join(", ")
        );
    }
    for job in &batch.jobs {
        match job.problem() {
            None => crate::ui::say!(
                "  job {} ({}): would write {}",
                job.name,
                job.kind,
                job.out.display()
            ),
            Some(e) => crate::ui::say!(
                "  job {} ({}): cannot run: {}",
                job.name,
                job.kind,
                engage::error_chain(e)
            ),
        }
    }
    if batch.jobs.iter().any(|j| j.problem().is_some()) {
        FAILURE
    } else {
        OK
    }
}

//! `engage batch JOBS.toml`: many reports, comparisons and bureau packs in one command. Each
//! distinct input (definition + data files) is read once and shared; jobs run in parallel; a
//! failing job is reported with its error and the others still finish.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use engage_ingest::Ingested;
use engage_model::Survey;
use rayon::prelude::*;
use serde::Deserialize;

use crate::cmd::report::LangArg;
use crate::exit::{Outcome, FAILURE, OK, PROBLEMS};
use crate::inputs::{data_paths, load_survey, print_accounting};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobsFile {
    #[serde(default)]
    defaults: Defaults,
    #[serde(rename = "job")]
    jobs: Vec<Job>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Defaults {
    lang: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Job {
    name: String,
    /// A report of this definition...
    report: Option<PathBuf>,
    /// ...or a comparison of wave A and wave B.
    compare: Option<[PathBuf; 2]>,
    out: PathBuf,
    #[serde(default)]
    data: Vec<PathBuf>,
    #[serde(default)]
    a_data: Vec<PathBuf>,
    #[serde(default)]
    b_data: Vec<PathBuf>,
    lang: Option<String>,
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    earlier: Vec<PathBuf>,
    packs: Option<String>,
    #[serde(default)]
    paired: bool,
    crosswalk: Option<PathBuf>,
}

/// One input read once for every job that uses it.
#[derive(Clone, PartialEq, Eq, Hash)]
struct InputKey {
    definition: PathBuf,
    data: Vec<PathBuf>,
    strict: bool,
}

enum Work {
    Report {
        input: InputKey,
        plan: Box<crate::cmd::report::Plan>,
    },
    Compare {
        a: InputKey,
        b: InputKey,
        paired: bool,
        crosswalk: Option<PathBuf>,
        out: PathBuf,
        lang: engage_export::Lang,
    },
}

struct Planned {
    name: String,
    kind: &'static str,
    out: PathBuf,
    work: anyhow::Result<Work>,
}

fn lang_of(job: Option<&String>, defaults: &Defaults) -> anyhow::Result<engage_export::Lang> {
    match job.or(defaults.lang.as_ref()).map(String::as_str) {
        None | Some("ja") => Ok(LangArg::Ja.lang()),
        Some("en") => Ok(LangArg::En.lang()),
        Some(other) => bail!("lang = \"{other}\": use \"ja\" or \"en\""),
    }
}

/// `fixtures/../out/r5` -> `out/r5`: paths in messages as a person would write them.
fn tidy(path: PathBuf) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn plan_job(job: Job, base: &Path, defaults: &Defaults) -> Planned {
    let at = |p: &Path| tidy(base.join(p));
    let out = at(&job.out);
    let kind = if job.compare.is_some() {
        "compare"
    } else {
        "report"
    };
    let work = (|| -> anyhow::Result<Work> {
        let lang = lang_of(job.lang.as_ref(), defaults)?;
        match (&job.report, &job.compare) {
            (Some(definition), None) => {
                let survey = load_survey(&at(definition), job.strict)?;
                let data: Vec<PathBuf> = job.data.iter().map(|p| at(p)).collect();
                let data = data_paths(&survey, data);
                let input = InputKey {
                    definition: at(definition),
                    data: data.clone(),
                    strict: job.strict,
                };
                let plan = crate::cmd::report::Plan {
                    survey,
                    data,
                    rejects: crate::cmd::report::default_rejects(&out),
                    out: out.clone(),
                    lang,
                    csv_encoding: engage_export::CsvEncoding::Utf8Bom,
                    strict: job.strict,
                    threads: None,
                    suppression: engage_report::SuppressionMode::Full,
                    earlier: job.earlier.iter().map(|p| at(p)).collect(),
                    packs: job.packs.clone(),
                    export_comments: false,
                };
                Ok(Work::Report {
                    input,
                    plan: Box::new(plan),
                })
            }
            (None, Some([a, b])) => {
                let key = |definition: &Path, data: &[PathBuf]| -> anyhow::Result<InputKey> {
                    let survey = load_survey(&at(definition), false)?;
                    let data = data_paths(&survey, data.iter().map(|p| at(p)).collect());
                    Ok(InputKey {
                        definition: at(definition),
                        data,
                        strict: false,
                    })
                };
                Ok(Work::Compare {
                    a: key(a, &job.a_data)?,
                    b: key(b, &job.b_data)?,
                    paired: job.paired,
                    crosswalk: job.crosswalk.as_ref().map(|p| at(p)),
                    out: out.clone(),
                    lang,
                })
            }
            _ => bail!(
                "give either `report = \"SURVEY.toml\"` or `compare = [\"A.toml\", \"B.toml\"]`"
            ),
        }
    })();
    Planned {
        name: job.name,
        kind,
        out,
        work,
    }
}

type Read = Arc<anyhow::Result<(Survey, Ingested)>>;

pub fn run(args: Args) -> Outcome {
    let text = std::fs::read_to_string(&args.jobs)
        .with_context(|| format!("cannot read {}", args.jobs.display()))?;
    let file: JobsFile = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", args.jobs.display(), e.to_string().trim_end()))?;
    let base = args
        .jobs
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut names = std::collections::HashSet::new();
    for j in &file.jobs {
        if !names.insert(j.name.clone()) {
            bail!("{}: two jobs are named `{}`", args.jobs.display(), j.name);
        }
    }
    let planned: Vec<Planned> = file
        .jobs
        .into_iter()
        .map(|j| plan_job(j, &base, &file.defaults))
        .collect();

    // Distinct inputs, in first-use order.
    let mut inputs: Vec<InputKey> = Vec::new();
    for p in &planned {
        let keys: Vec<&InputKey> = match &p.work {
            Ok(Work::Report { input, .. }) => vec![input],
            Ok(Work::Compare { a, b, .. }) => vec![a, b],
            Err(_) => vec![],
        };
        for k in keys {
            if !inputs.contains(k) {
                inputs.push(k.clone());
            }
        }
    }
    if args.dry_run {
        crate::ui::say!(
            "{} jobs, {} distinct inputs read once each:",
            planned.len(),
            inputs.len()
        );
        for (i, k) in inputs.iter().enumerate() {
            let data: Vec<String> = k.data.iter().map(|d| d.display().to_string()).collect();
            crate::ui::say!(
                "  input {}: {} with {}",
                i + 1,
                k.definition.display(),
                data.join(", ")
            );
        }
        for p in &planned {
            match &p.work {
                Ok(_) => crate::ui::say!(
                    "  job {} ({}): would write {}",
                    p.name,
                    p.kind,
                    p.out.display()
                ),
                Err(e) => crate::ui::say!("  job {} ({}): cannot run: {e:#}", p.name, p.kind),
            }
        }
        return Ok(if planned.iter().any(|p| p.work.is_err()) {
            FAILURE
        } else {
            OK
        });
    }

    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;
    let results: Vec<(Read, f64)> = pool.install(|| {
        inputs
            .par_iter()
            .map(|k| {
                let t = Instant::now();
                let read = (|| -> anyhow::Result<(Survey, Ingested)> {
                    let survey = load_survey(&k.definition, k.strict)?;
                    let ingested = engage_ingest::read_responses(&survey, &k.data)?;
                    Ok((survey, ingested))
                })();
                (Arc::new(read), t.elapsed().as_secs_f64())
            })
            .collect()
    });
    let mut read: HashMap<InputKey, Read> = HashMap::new();
    for (k, (r, seconds)) in inputs.iter().zip(results) {
        match r.as_ref() {
            Ok((_, ingested)) => {
                crate::ui::say!("read {} in {seconds:.1} s:", k.definition.display());
                print_accounting(ingested, 3);
            }
            Err(e) => crate::ui::say!("cannot read {}: {e:#}", k.definition.display()),
        }
        read.insert(k.clone(), r);
    }

    let bars = crate::ui::JobBars::new();
    let outcomes: Vec<(Outcome, f64)> = pool.install(|| {
        planned
            .par_iter()
            .map(|p| {
                let t = Instant::now();
                let bar = bars.job(&p.name);
                if bar.is_none() {
                    crate::ui::say!("job {} ({}): started", p.name, p.kind);
                }
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| run_job(p, &read)))
                    .unwrap_or_else(|panic| {
                        let what = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        Err(anyhow::anyhow!("internal error (a bug in engage): {what}"))
                    });
                let seconds = t.elapsed().as_secs_f64();
                if let Some(bar) = bar {
                    bar.finish_with_message(match &outcome {
                        Ok(_) => format!("done in {seconds:.1} s"),
                        Err(_) => "FAILED".to_string(),
                    });
                }
                match &outcome {
                    Ok(_) => crate::ui::say!("job {} ({}): done in {seconds:.1} s", p.name, p.kind),
                    Err(e) => crate::ui::say!("job {} ({}): FAILED: {e:#}", p.name, p.kind),
                }
                (outcome, seconds)
            })
            .collect()
    });

    crate::ui::say!("");
    crate::ui::say!(
        "{:<24} {:<8} {:<8} {:>8}  output",
        "job",
        "kind",
        "outcome",
        "seconds"
    );
    let (mut failed, mut problems) = (0, 0);
    for (p, (outcome, seconds)) in planned.iter().zip(&outcomes) {
        let status = match outcome {
            Ok(code) if *code == OK => "ok",
            Ok(_) => {
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
            p.name,
            p.kind,
            status,
            seconds,
            p.out.display()
        );
    }
    crate::ui::say!(
        "{} jobs: {} ok, {} with problems, {} failed, in {:.1} s",
        planned.len(),
        planned.len() - failed - problems,
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

fn run_job(p: &Planned, read: &HashMap<InputKey, Read>) -> Outcome {
    let input = |k: &InputKey| -> anyhow::Result<&(Survey, Ingested)> {
        match read[k].as_ref() {
            Ok(r) => Ok(r),
            Err(e) => bail!(
                "its input {} could not be read: {e:#}",
                k.definition.display()
            ),
        }
    };
    match p.work.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))? {
        Work::Report { input: key, plan } => {
            let (_, ingested) = input(key)?;
            crate::cmd::report::execute(plan, ingested)
        }
        Work::Compare {
            a,
            b,
            paired,
            crosswalk,
            out,
            lang,
        } => {
            let links = match crosswalk {
                Some(path) => crate::cmd::compare::read_crosswalk(path)?,
                None => Vec::new(),
            };
            let wave = |k: &InputKey| -> anyhow::Result<crate::cmd::compare::Wave> {
                let (survey, ingested) = input(k)?;
                crate::cmd::compare::wave_from(survey.clone(), ingested, None, *paired)
            };
            let (wa, wb) = (wave(a)?, wave(b)?);
            crate::cmd::compare::compare_and_write(
                &wa,
                &wb,
                &links,
                crosswalk.as_deref(),
                out,
                *lang,
            )?;
            Ok(OK)
        }
    }
}

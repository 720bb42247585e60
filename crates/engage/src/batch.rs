//! Many reports, comparisons and bureau packs from one jobs file. Each distinct input
//! (definition + data files) is read once and shared; jobs run in parallel; a failing job is
//! reported with its error while the others still finish.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use engage_export::Lang;
use engage_ingest::Ingested;
use engage_model::Survey;
use rayon::prelude::*;
use serde::Deserialize;

use crate::events::{Event, Progress};
use crate::{Error, OutputOptions, ReportJob, Result, Status};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobsFile {
    #[serde(default)]
    defaults: Defaults,
    #[serde(rename = "job")]
    jobs: Vec<JobEntry>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Defaults {
    lang: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobEntry {
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

/// One input, read once for every job that uses it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Input {
    pub definition: PathBuf,
    pub data: Vec<PathBuf>,
    pub strict: bool,
}

enum Work {
    Report {
        input: Input,
        job: Box<ReportJob>,
    },
    Compare {
        a: Input,
        b: Input,
        paired: bool,
        crosswalk: Option<PathBuf>,
        out: PathBuf,
        output: OutputOptions,
    },
}

/// A job as planned: what it is, where it writes, and why it cannot run if it cannot.
pub struct Job {
    pub name: String,
    /// "report" or "compare".
    pub kind: &'static str,
    pub out: PathBuf,
    work: Result<Work, Arc<Error>>,
}

impl Job {
    /// Why the job cannot run, when its entry or its definitions are wrong.
    pub fn problem(&self) -> Option<&Error> {
        self.work.as_ref().err().map(|e| e.as_ref())
    }
}

/// A jobs file, planned: every job resolved and every distinct input listed.
pub struct Batch {
    pub jobs: Vec<Job>,
    /// Distinct inputs in first-use order.
    pub inputs: Vec<Input>,
}

/// How one job ended, and its wall time.
pub struct JobResult {
    pub outcome: Result<Status>,
    pub seconds: f64,
}

impl Batch {
    /// Reads and plans `path`; paths in it are relative to it. `output` gives the creation
    /// time, CSV encoding and chart font of every job; each job's language is its own (else
    /// the file's `[defaults]`, else Japanese).
    pub fn load(path: &Path, output: &OutputOptions) -> Result<Batch> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadFile {
            path: path.to_path_buf(),
            source,
        })?;
        let in_file = |message: String| Error::JobsFile {
            path: path.to_path_buf(),
            message,
        };
        let file: JobsFile =
            toml::from_str(&text).map_err(|e| in_file(e.to_string().trim_end().to_string()))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut names = std::collections::HashSet::new();
        for j in &file.jobs {
            if !names.insert(j.name.clone()) {
                return Err(in_file(format!("two jobs are named `{}`", j.name)));
            }
        }
        let jobs: Vec<Job> = file
            .jobs
            .into_iter()
            .map(|j| plan_job(j, &base, &file.defaults, output))
            .collect();
        // Two jobs writing into one folder, or one into the other's, would mix their files.
        for (i, a) in jobs.iter().enumerate() {
            for b in &jobs[i + 1..] {
                let (ra, rb) = (crate::resolved(&a.out), crate::resolved(&b.out));
                if ra.starts_with(&rb) || rb.starts_with(&ra) {
                    return Err(in_file(format!(
                        "jobs `{}` and `{}` write to overlapping folders {} and {}: give each job a folder of its own",
                        a.name,
                        b.name,
                        a.out.display(),
                        b.out.display()
                    )));
                }
            }
        }
        let mut inputs: Vec<Input> = Vec::new();
        for job in &jobs {
            let keys: Vec<&Input> = match &job.work {
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
        Ok(Batch { jobs, inputs })
    }

    /// Reads every input once, then runs every job, both on `threads` workers (default: all
    /// cores). A job's failure, even a panic, is its own result; the others still run.
    pub fn run(&self, threads: Option<usize>, progress: &dyn Progress) -> Result<Vec<JobResult>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.unwrap_or(0))
            .build()
            .map_err(|e| Error::Threads {
                threads,
                message: e.to_string(),
            })?;
        let results: Vec<(Read, f64)> = pool.install(|| {
            self.inputs
                .par_iter()
                .map(|k| {
                    let t = Instant::now();
                    let read = (|| -> Result<(Survey, Ingested)> {
                        let survey = crate::load_survey(&k.definition, k.strict)?;
                        let ingested = engage_ingest::read_responses(&survey, &k.data)?;
                        Ok((survey, ingested))
                    })();
                    (read.map_err(Arc::new), t.elapsed().as_secs_f64())
                })
                .collect()
        });
        let mut read: HashMap<&Input, Read> = HashMap::new();
        for (k, (r, seconds)) in self.inputs.iter().zip(results) {
            progress.event(Event::BatchInputRead {
                definition: &k.definition,
                outcome: r
                    .as_ref()
                    .map(|(_, ingested)| ingested)
                    .map_err(|e| e.as_ref()),
                seconds,
            });
            read.insert(k, r);
        }
        Ok(pool.install(|| {
            self.jobs
                .par_iter()
                .map(|job| {
                    let t = Instant::now();
                    progress.event(Event::JobStarted {
                        name: &job.name,
                        kind: job.kind,
                    });
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        run_job(job, &read, progress)
                    }))
                    .unwrap_or_else(|panic| {
                        let what = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        Err(Error::Panic(what))
                    });
                    let seconds = t.elapsed().as_secs_f64();
                    progress.event(Event::JobFinished {
                        name: &job.name,
                        kind: job.kind,
                        outcome: &outcome,
                        seconds,
                    });
                    JobResult { outcome, seconds }
                })
                .collect()
        }))
    }
}

/// An input as read, or why it could not be (shared by every job that uses it).
type Read = std::result::Result<(Survey, Ingested), Arc<Error>>;

fn lang_of(job: Option<&String>, defaults: &Defaults) -> Result<Lang> {
    match job.or(defaults.lang.as_ref()).map(String::as_str) {
        None | Some("ja") => Ok(Lang::Ja),
        Some("en") => Ok(Lang::En),
        Some(other) => Err(Error::JobEntry(format!(
            "lang = \"{other}\": use \"ja\" or \"en\""
        ))),
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

fn plan_job(job: JobEntry, base: &Path, defaults: &Defaults, output: &OutputOptions) -> Job {
    let at = |p: &Path| tidy(base.join(p));
    let out = at(&job.out);
    let kind = if job.compare.is_some() {
        "compare"
    } else {
        "report"
    };
    let work = (|| -> Result<Work> {
        let output = OutputOptions {
            lang: lang_of(job.lang.as_ref(), defaults)?,
            ..output.clone()
        };
        match (&job.report, &job.compare) {
            (Some(definition), None) => {
                let survey = crate::load_survey(&at(definition), job.strict)?;
                let data: Vec<PathBuf> = job.data.iter().map(|p| at(p)).collect();
                let mut report = ReportJob::new(survey, data, out.clone(), output);
                report.analysis.earlier = job.earlier.iter().map(|p| at(p)).collect();
                report.packs = job.packs.clone();
                let input = Input {
                    definition: at(definition),
                    data: report.data.clone(),
                    strict: job.strict,
                };
                Ok(Work::Report {
                    input,
                    job: Box::new(report),
                })
            }
            (None, Some([a, b])) => {
                let key = |definition: &Path, data: &[PathBuf]| -> Result<Input> {
                    let survey = crate::load_survey(&at(definition), false)?;
                    let data = crate::data_paths(&survey, data.iter().map(|p| at(p)).collect());
                    Ok(Input {
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
                    output,
                })
            }
            _ => Err(Error::JobEntry(
                "give either `report = \"SURVEY.toml\"` or `compare = [\"A.toml\", \"B.toml\"]`"
                    .to_string(),
            )),
        }
    })();
    Job {
        name: job.name,
        kind,
        out,
        work: work.map_err(Arc::new),
    }
}

fn run_job(job: &Job, read: &HashMap<&Input, Read>, progress: &dyn Progress) -> Result<Status> {
    let input = |k: &Input| -> Result<&(Survey, Ingested)> {
        match &read[k] {
            Ok(r) => Ok(r),
            Err(e) => Err(Error::BatchInput {
                definition: k.definition.clone(),
                source: e.clone(),
            }),
        }
    };
    match job.work.as_ref().map_err(|e| Error::JobPlan(e.clone()))? {
        Work::Report { input: key, job } => {
            let (_, ingested) = input(key)?;
            job.run_on(ingested, progress)
        }
        Work::Compare {
            a,
            b,
            paired,
            crosswalk,
            out,
            output,
        } => {
            let links = match crosswalk {
                Some(path) => crate::read_crosswalk(path)?,
                None => Vec::new(),
            };
            let wave = |k: &Input| -> Result<crate::Wave> {
                let (survey, ingested) = input(k)?;
                let mut wave = crate::wave_from(survey.clone(), ingested, None, *paired)?;
                wave.inputs = crate::input_files(survey, &k.data);
                Ok(wave)
            };
            let (wa, wb) = (wave(a)?, wave(b)?);
            crate::compare_and_write(
                &wa,
                &wb,
                &links,
                crosswalk.as_deref(),
                out,
                output,
                progress,
            )?;
            Ok(Status::Done)
        }
    }
}

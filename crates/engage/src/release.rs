//! A report job from rows already read to files on disk: the rejects (kept private), the
//! analysis, the publishable outputs and the packs.

use std::path::{Path, PathBuf};

use engage_ingest::Ingested;
use engage_model::Survey;
use engage_report::SuppressionMode;

use crate::events::{say, step, Level, Progress};
use crate::{AnalysisOptions, Error, OutputOptions, Result};

/// How a run ended when it could go on to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything done; problems, if any, were warnings.
    Done,
    /// Done, but the definition's policy was strict and problems were found (their rows were
    /// rejected).
    Problems,
}

/// Everything a report needs, resolved before any work starts.
pub struct ReportJob {
    pub survey: Survey,
    /// Response files or patterns.
    pub data: Vec<PathBuf>,
    /// The publishable folder.
    pub out: PathBuf,
    /// Where rejected rows go: raw answers, so never inside `out`.
    pub rejects: PathBuf,
    pub analysis: AnalysisOptions,
    pub output: OutputOptions,
    /// Also one pack per published group of this segment, under `out/packs`.
    pub packs: Option<String>,
}

impl ReportJob {
    /// A job over `data` (default: the definition's file) with the rejects at their default
    /// place ([`default_rejects`]) and the default analysis. Strict checking is the survey's
    /// policy (`load_survey`'s `strict`).
    pub fn new(survey: Survey, data: Vec<PathBuf>, out: PathBuf, output: OutputOptions) -> Self {
        let data = crate::data_paths(&survey, data);
        ReportJob {
            rejects: default_rejects(&out),
            survey,
            data,
            out,
            analysis: AnalysisOptions::default(),
            output,
            packs: None,
        }
    }

    /// Refuses a rejects file inside the publishable folder. [`ReportJob::run`] checks before
    /// reading, [`ReportJob::run_on`] again before writing anything.
    pub fn check(&self) -> Result<()> {
        let mut inputs = crate::input_files(&self.survey, &self.data);
        inputs.extend(self.analysis.earlier.iter().cloned());
        crate::guard_output(&self.out, true, &inputs)?;
        crate::guard_output(&self.rejects, false, &inputs)?;
        crate::guard_output(&private_accounting(&self.rejects), false, &inputs)?;
        if crate::inputs::is_inside(&self.rejects, &self.out) {
            return Err(Error::PrivateInPublic {
                what: "the rejects file",
                path: self.rejects.clone(),
                out: self.out.clone(),
                why: "it holds raw answers, so give it a path outside that folder",
            });
        }
        Ok(())
    }

    /// Reads the responses ([`crate::read_responses`]), then [`ReportJob::run_on`]. The
    /// respondents' id fingerprints are dropped first: a report links no respondents across
    /// waves (16 bytes a row, 160 MB at ten million).
    pub fn run(&self, progress: &dyn Progress) -> Result<Status> {
        self.check()?;
        let mut ingested = crate::read_responses(
            &self.survey,
            &self.data,
            self.analysis.threads,
            10,
            progress,
        )?;
        ingested.table.respondent_ids = Vec::new();
        self.run_on(&ingested, progress)
    }

    /// Everything after reading: rejects, the analysis, the outputs (and packs), warnings.
    pub fn run_on(&self, ingested: &Ingested, progress: &dyn Progress) -> Result<Status> {
        self.check()?;
        if !ingested.rejected.is_empty() {
            engage_export::write_rejects(&ingested.rejected, &self.rejects)?;
            say(
                progress,
                Level::Info,
                format!(
                    "rejected rows written to {} (raw answers: keep it out of published folders)",
                    self.rejects.display()
                ),
            );
        }
        let release = crate::StagedRelease::begin(&self.out)?;
        let report = {
            let _step = step(progress, "aggregating and computing the statistics");
            crate::analyse(&self.survey, ingested, &self.analysis, progress)?
        };
        if report.inputs.data.iter().any(|f| f.withheld()) {
            let path = private_accounting(&self.rejects);
            engage_export::write_accounting(&ingested.accounts, &path)?;
            say(
                progress,
                Level::Info,
                format!(
                    "some files' rows count withheld groups: the full accounting is in {} (keep it out of published folders)",
                    path.display()
                ),
            );
        }
        {
            let _step = step(
                progress,
                "writing report.json, the workbook and the CSV tables",
            );
            crate::write_report(&report, release.dir(), &self.output, progress)?;
            if let Some(segment) = &self.packs {
                let packs = release.dir().join("packs");
                crate::write_packs(&report, segment, &packs, &self.output, progress)?;
            }
            let files = release.commit()?;
            crate::outputs::say_released(&self.out, files, progress);
        }
        let suppression = self.analysis.suppression;
        if suppression != SuppressionMode::Full {
            say(
                progress,
                Level::Warning,
                format!(
                    "WARNING: suppression {}: {} exposes groups under the minimum of {}; do not publish it",
                    suppression.as_str(),
                    self.out.display(),
                    self.survey.min_group_size()
                ),
            );
        }
        if self.survey.policy.strict && !ingested.problems.is_empty() {
            say(
                progress,
                Level::Info,
                format!(
                    "strict: {} problem(s); {} row(s) rejected",
                    ingested.problems.len(),
                    ingested.rows_rejected()
                ),
            );
            return Ok(Status::Problems);
        }
        Ok(Status::Done)
    }
}

/// The full accounting beside the rejects file: `OUT-private/accounting.csv` by default.
pub fn private_accounting(rejects: &Path) -> PathBuf {
    rejects.with_file_name("accounting.csv")
}

/// `out/kumamoto-2023` -> `out/kumamoto-2023-private/rejects.csv`.
pub fn default_rejects(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    out.with_file_name(format!("{name}-private"))
        .join("rejects.csv")
}

//! `engage audit`: an independent disclosure check of a published report directory.
//!
//! It reads only what was published (`report.json`, and the CSV tables for cells the report
//! withholds), rebuilds the linear relations between published counts (groups add up to their
//! parents, a cross's groups to both of its segments, every segment to the whole), and bounds
//! every withheld count with a small integer program. A group is exposed when a count below the
//! threshold is published, when a withheld count can be pinned exactly, or when it can be
//! narrowed to a range entirely under the threshold. It shares no code with the suppression
//! that decided the release, so it catches that code's mistakes rather than repeating them.
//! The rules are in docs/anonymity.md.

mod outputs;
pub mod release;
pub mod system;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use release::{Place, Release, Shown};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, String),
    #[error("report.json is not an engage report: {0}")]
    Malformed(String),
    #[error("the published figures contradict each other: {0}")]
    Inconsistent(String),
    #[error("the solver failed: {0}")]
    Solver(String),
}

/// How a group's count is exposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exposure {
    /// A count under the threshold is published.
    PublishedBelowMinimum { count: u64 },
    /// Withheld, but the published figures leave it exactly one value.
    Pinned { count: u64 },
    /// Withheld, but the published figures bound it under the threshold.
    NarrowedBelowMinimum { lower: u64, upper: u64 },
    /// Withheld in report.json but published in another output.
    PublishedElsewhere { file: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The count: "respondents", "item col_1", ...
    pub table: String,
    pub place: Place,
    pub exposure: Exposure,
}

/// The audit's result.
#[derive(Debug, Clone)]
pub struct Audit {
    pub release: Release,
    pub threshold: u32,
    pub published_counts: usize,
    pub withheld_counts: usize,
    pub findings: Vec<Finding>,
}

impl Audit {
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// "section `政策局 / 企画課`: respondents pinned at 3"
    pub fn describe(&self, finding: &Finding) -> String {
        let what = match &finding.exposure {
            Exposure::PublishedBelowMinimum { count } => format!("published as {count}"),
            Exposure::Pinned { count } => format!("withheld but derivable exactly: {count}"),
            Exposure::NarrowedBelowMinimum { lower, upper } => {
                format!("withheld but narrowed to {lower}..={upper}")
            }
            Exposure::PublishedElsewhere { file } => format!("withheld but published in {file}"),
        };
        format!(
            "{}: {} {what}",
            self.release.describe(finding.place),
            finding.table
        )
    }
}

impl fmt::Display for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "audit (threshold {}): {} counts in {} tables, {} published, {} withheld; {} exposed counts",
            self.threshold,
            self.published_counts + self.withheld_counts,
            self.release.tables.len(),
            self.published_counts,
            self.withheld_counts,
            self.findings.len()
        )?;
        // One line per exposed group: its first finding and how many of its counts are exposed.
        let mut order: Vec<Place> = Vec::new();
        let mut by_place: HashMap<Place, Vec<&Finding>> = HashMap::new();
        for finding in &self.findings {
            let entry = by_place.entry(finding.place).or_default();
            if entry.is_empty() {
                order.push(finding.place);
            }
            entry.push(finding);
        }
        for place in order {
            let found = &by_place[&place];
            let more = match found.len() {
                1 => String::new(),
                n => format!(" (and {} more of its counts)", n - 1),
            };
            writeln!(f, "  EXPOSED {}{more}", self.describe(found[0]))?;
        }
        Ok(())
    }
}

/// Audits `dir/report.json` (and the CSV tables beside it). `threshold` defaults to the
/// release's own `min_group_size`.
pub fn audit_dir(dir: &Path, threshold: Option<u32>) -> Result<Audit, AuditError> {
    let path = dir.join("report.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| AuditError::Read(path.clone(), e.to_string()))?;
    let report: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| AuditError::Read(path.clone(), e.to_string()))?;
    let mut audit = audit_report(&report, threshold)?;
    audit
        .findings
        .extend(outputs::check_csv_tables(dir, &audit.release)?);
    Ok(audit)
}

/// Audits a parsed `report.json`.
pub fn audit_report(
    report: &serde_json::Value,
    threshold: Option<u32>,
) -> Result<Audit, AuditError> {
    let release = release::read_release(report)?;
    let threshold = threshold.unwrap_or(release.min_group_size);
    let min = u64::from(threshold);
    let relations = system::relations(&release);
    let respondents = &release.tables[0];
    let mut findings = Vec::new();
    let (mut published_counts, mut withheld_counts) = (0, 0);
    // Tables with the same published cells have the same ranges: items everyone answered
    // repeat the respondents table.
    let mut solved: HashMap<Vec<Shown>, std::collections::BTreeMap<Place, system::Range>> =
        HashMap::new();
    for (t, table) in release.tables.iter().enumerate() {
        let places: Vec<Place> = std::iter::once(Place::Whole)
            .chain(
                release
                    .segments
                    .iter()
                    .enumerate()
                    .flat_map(|(segment, s)| {
                        (0..s.groups.len()).map(move |group| Place::Group { segment, group })
                    }),
            )
            .collect();
        let shown: Vec<Shown> = places.iter().map(|&p| table.at(p)).collect();
        for (&place, &value) in places.iter().zip(&shown) {
            match value {
                Shown::Count(count) => {
                    published_counts += 1;
                    if count > 0 && count < min {
                        findings.push(Finding {
                            table: table.name.clone(),
                            place,
                            exposure: Exposure::PublishedBelowMinimum { count },
                        });
                    }
                }
                Shown::Withheld => withheld_counts += 1,
            }
        }
        if !solved.contains_key(&shown) {
            // A figure's contributors cannot outnumber the group's published respondents.
            let cap = |place: Place| match (t, respondents.at(place)) {
                (0, _) | (_, Shown::Withheld) => None,
                (_, Shown::Count(c)) => Some(c),
            };
            let ranges = system::withheld_ranges(table, &relations, &cap)?;
            solved.insert(shown.clone(), ranges);
        }
        for (&place, range) in &solved[&shown] {
            let exposure = if range.lower == range.upper {
                (range.upper > 0).then_some(Exposure::Pinned { count: range.upper })
            } else if range.upper < min {
                Some(Exposure::NarrowedBelowMinimum {
                    lower: range.lower,
                    upper: range.upper,
                })
            } else {
                None
            };
            if let Some(exposure) = exposure {
                findings.push(Finding {
                    table: table.name.clone(),
                    place,
                    exposure,
                });
            }
        }
    }
    Ok(Audit {
        release,
        threshold,
        published_counts,
        withheld_counts,
        findings,
    })
}

//! From partial aggregates to the report: every published figure, its interval, KPI progress,
//! and which groups are withheld for anonymity. Pure: no file is read or written here.
//!
//! # What each module does
//!
//! Turns `Partials` into the `Report` (the model behind `report.json`): item, dimension and KPI
//! figures with intervals and KPI progress (`figures.rs`), target tracking (`tracking.rs`),
//! reliability (`reliability.rs`), key drivers (`drivers.rs`; bootstrap intervals are added from
//! rows by `add_bootstrap_intervals`, since partials carry none; it centres them on the overall
//! partial's exact means and rescales around the report's own shares), segment groups,
//! multi-select tallies and depth (`multi_depth.rs`), and anonymity (`suppression/`: one count
//! table per figure plus the groups' respondents; primary and complementary suppression by
//! partition rules, then `repair.rs` bounds every withheld cell by integer programs over all
//! partitions at once (a program's solution also proves other cells free to move, whose programs
//! are then skipped) and withholds more where a cell is cornered; each measure's cells decided
//! side by side on rayon once the groups' are; decided once per report, see
//! [docs/anonymity.md](docs/anonymity.md)). `compare.rs` builds the two-wave `Comparison` from
//! two waves' partials and reports (with crosswalk units), `paired.rs` the paired comparison from
//! rows linked by id, `history.rs` the earlier waves in KPI tracking (two-sample baseline test,
//! trend), `population.rs` response rates, corrected intervals and raked weights, `pack.rs` a
//! bureau's cut of the finished report. *Invariants:* pure (no files); a withheld figure is
//! absent from the `Report`, not merely flagged, so no writer can leak it.

mod build;
mod comments;
mod compare;
mod drivers;
mod figures;
mod history;
mod model;
mod multi_depth;
mod pack;
mod paired;
mod population;
mod reliability;
mod suppression;
mod tracking;

pub use build::{build_report, build_report_with, Provenance};
pub use comments::{
    add_free_text, withhold_partition, CategoryFigure, CommentGroup, CommentSegment,
    ExportedComment, FreeTextInput, FreeTextQuestion, FreeTextReport, KeyTerm, LowKpiTerms,
    MaskCounts, TermEdge, TermFigure, TermNetwork,
};
pub use compare::{
    check_crosswalk_segments, compare, compare_with, largest_changes, Change, Comparison,
    CrosswalkError, GroupLink, WaveInput, WaveSummary,
};
pub use drivers::add_bootstrap_intervals;
pub use engage_stats::{Interval, WilcoxonMethod};
pub use figures::{item_figures, kpi_value, score_figures};
pub use history::{add_previous_wave, add_wave_history, EarlierWave};
pub use model::*;
pub use pack::pack;
pub use paired::{
    paired_comparison, PairedChange, PairedComparison, PairedWave, PairingError, WilcoxonFigures,
};
pub use population::{
    add_population, rake_segments, CorrectedInterval, GroupRate, Headcount, PopulationError,
    PopulationReport, WeightedFigure, Weighting,
};
pub use suppression::{
    decide, decide_release, Decisions, Measure, ReleaseDecisions, SuppressionMode,
};

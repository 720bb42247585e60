//! From partial aggregates to the report: every published figure, its interval, KPI progress,
//! and which groups are withheld for anonymity. Pure: no file is read or written here.

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

//! The report: every figure `engage` publishes, as serialised to `report.json` and documented
//! field by field in `docs/report-json.md`. Shares are fractions 0..1. A withheld figure
//! carries `withheld: true` and no numbers at all (not even its count).

use engage_model::{Label, Wave};
use engage_stats::Interval;
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub engine: Engine,
    pub survey: SurveyInfo,
    pub inputs: Inputs,
    pub responses: Responses,
    pub kpis: Vec<KpiFigure>,
    pub dimensions: Vec<DimensionFigure>,
    pub items: Vec<ItemFigure>,
    pub segments: Vec<SegmentReport>,
    pub multi_select: Vec<MultiSelectFigure>,
    /// Per KPI: what moves it (docs/statistics.md#key-drivers).
    pub drivers: Vec<KpiDrivers>,
    pub suppression: SuppressionSummary,
    /// Response rates, corrected intervals and weights, when the definition has
    /// `[population]` (docs/statistics.md#response-rates-and-weights).
    pub population: Option<crate::population::PopulationReport>,
    /// This wave against the latest earlier wave given (`engage report --earlier`), as
    /// `engage compare` makes it (docs/statistics.md#comparing-waves).
    pub previous_wave: Option<crate::compare::Comparison>,
    /// Free-text comments (docs/free-text.md), when the definition has `[[free_text]]` and
    /// the report was built from rows.
    pub free_text: Option<crate::comments::FreeTextReport>,
}

impl Report {
    /// Each published dimension's label and mean, in definition order: what every chart,
    /// summary and ranking of dimensions shows.
    pub fn published_dimension_means(&self) -> impl Iterator<Item = (&Label, f64)> + '_ {
        self.dimensions
            .iter()
            .filter(|d| !d.withheld)
            .filter_map(|d| d.figures.as_ref().map(|x| (&d.label, x.mean)))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Engine {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaleInfo {
    pub min: u8,
    pub max: u8,
    pub favourable: Vec<u8>,
    pub unfavourable: Vec<u8>,
    pub labels: Vec<PointInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PointInfo {
    pub value: u8,
    pub label: Label,
}

#[derive(Debug, Clone, Serialize)]
pub struct SurveyInfo {
    pub id: String,
    pub title: Label,
    pub wave: Wave,
    pub scale: ScaleInfo,
    pub min_group_size: u32,
    pub confidence_level: f64,
}

/// Where the numbers came from: file names and SHA-256 of their bytes.
#[derive(Debug, Clone, Serialize)]
pub struct Inputs {
    pub definition: InputFile,
    pub data: Vec<PublishedFile>,
}

/// A data file as a release shows it. Its rows are null where they would count a withheld
/// group: with a segment taken from the file name (`column = "@file"`), a file's accepted rows
/// are that group's respondents. The full accounting stays in the private folder.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedFile {
    pub path: String,
    pub sha256: String,
    pub format: String,
    pub rows_read: Option<usize>,
    pub rows_accepted: Option<usize>,
    pub rows_rejected: Option<usize>,
}

impl PublishedFile {
    /// Whether the file's rows are withheld.
    pub fn withheld(&self) -> bool {
        self.rows_accepted.is_none()
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct DataFile {
    pub path: String,
    pub sha256: String,
    /// How the file was read, e.g. "csv, cp932, delimiter ','" or "xlsx, sheet `回答`".
    pub format: String,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
}

/// Row accounting over all files: `read == accepted + rejected`.
#[derive(Debug, Clone, Serialize)]
pub struct Responses {
    pub read: usize,
    pub accepted: usize,
    pub rejected: usize,
    /// Cell or row problems found (a rejected row may have several).
    pub problems: usize,
    /// Problems by kind and by what they did to their rows.
    pub problem_counts: Vec<ProblemTally>,
    /// Columns in the data that the definition does not use.
    pub unused_columns: Vec<String>,
}

/// How many problems of one kind were found, and what the policy did with them.
#[derive(Debug, Clone, Serialize, PartialEq, serde::Deserialize)]
pub struct ProblemTally {
    /// Key as in the definition's `[validation]` table, e.g. `out_of_range`.
    pub kind: String,
    pub label: Label,
    /// `reject`, `blank` or `warn`.
    pub action: String,
    pub count: usize,
}

impl ProblemTally {
    pub fn new(
        kind: engage_model::ProblemKind,
        action: engage_model::Action,
        count: usize,
    ) -> Self {
        ProblemTally {
            kind: kind.key().to_string(),
            label: Label::new(kind.ja(), kind.en()),
            action: action.as_str().to_string(),
            count,
        }
    }
}

/// Mean-type figures of a dimension, a KPI or a group's score. `sd` and `ci` need n ≥ 2.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoreFigures {
    pub n: u64,
    pub mean: f64,
    pub sd: Option<f64>,
    pub ci: Option<Interval>,
    /// Favourable, neutral and unfavourable shares, pooled over the item answers. Null in a
    /// group where one of the items is withheld: the pooled shares and the other items'
    /// published counts would give that item's answers away (docs/anonymity.md).
    pub favourable: Option<f64>,
    pub neutral: Option<f64>,
    pub unfavourable: Option<f64>,
}

/// Count of one scale point, as answered (before reverse keying).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PointCount {
    pub value: u8,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemFigures {
    /// Valid answers (scale points only).
    pub n: u64,
    /// Mean in the scored direction: reverse-keyed items flipped as min + max − x.
    pub mean: f64,
    pub sd: Option<f64>,
    pub ci: Option<Interval>,
    pub favourable: f64,
    pub neutral: f64,
    pub unfavourable: f64,
    /// Answers per scale point as ticked by respondents.
    pub counts: Vec<PointCount>,
    pub missing: u64,
    pub not_applicable: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionFigure {
    pub id: String,
    pub label: Label,
    pub items: Vec<String>,
    pub min_answered: usize,
    pub withheld: bool,
    #[serde(flatten)]
    pub figures: Option<ScoreFigures>,
    /// Internal consistency of the dimension's items; null for a one-item dimension.
    pub reliability: Option<ReliabilityFigure>,
}

/// Cronbach's alpha and its companions for one dimension (docs/statistics.md#reliability).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReliabilityFigure {
    /// Which rows alpha and the item statistics use: "listwise" or "pairwise".
    pub method: &'static str,
    /// Number of items k.
    pub items: usize,
    /// Respondents who answered every item: the sample of listwise alpha and of Feldt's
    /// interval. Null when withheld.
    pub complete_rows: Option<u64>,
    pub alpha: Option<f64>,
    /// Alpha of the standardised items (from the mean inter-item correlation).
    pub standardized_alpha: Option<f64>,
    /// Feldt's 95% interval, F(n − 1, (n − 1)(k − 1)) on the complete rows; listwise only.
    pub ci: Option<Interval>,
    pub threshold: f64,
    /// alpha < threshold: the items may not measure one thing.
    pub below_threshold: Option<bool>,
    /// Fewer respondents than the minimum group size behind the covariances.
    pub withheld: bool,
    pub item_stats: Vec<ItemReliability>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemReliability {
    pub id: String,
    /// Corrected item-total correlation: r(item, sum of the other items).
    pub item_rest: Option<f64>,
    /// Alpha of the other items; null for a two-item dimension.
    pub alpha_if_deleted: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemFigure {
    pub id: String,
    pub label: Label,
    pub dimension: Option<String>,
    pub reverse: bool,
    pub withheld: bool,
    #[serde(flatten)]
    pub figures: Option<ItemFigures>,
}

/// Progress of a KPI from its baseline towards its target.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KpiValue {
    pub n: u64,
    pub value: f64,
    pub ci: Option<Interval>,
    /// target − value: how much is still to gain (negative once the target is passed).
    pub gap_to_target: Option<f64>,
    /// (value − baseline) / (target − baseline): 0 at the baseline, 1 at the target.
    pub progress: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KpiFigure {
    pub id: String,
    pub label: Label,
    pub kind: engage_model::KpiKind,
    /// How the value's interval was made: "t" (Student's t) or "wilson".
    pub interval_method: &'static str,
    pub baseline: Option<engage_model::YearValue>,
    pub target: Option<engage_model::YearValue>,
    pub withheld: bool,
    #[serde(flatten)]
    pub value: Option<KpiValue>,
    /// Progress along the plan; null without baseline and target or when withheld.
    pub tracking: Option<KpiTracking>,
}

/// A KPI against its plan (docs/statistics.md#target-tracking).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KpiTracking {
    pub wave_year: i32,
    /// The straight line from baseline to target read at this wave's year.
    pub trajectory: Option<f64>,
    pub status: Option<TrackStatus>,
    pub years_to_target: Option<i32>,
    /// (target − value) / years left.
    pub needed_per_year: Option<f64>,
    pub baseline_test: Option<BaselineTest>,
    /// Why there is no baseline test, when there is none.
    pub baseline_test_note: Option<String>,
    /// Across this wave and the earlier waves given (`engage report --earlier`), when there
    /// are at least three years.
    pub trend: Option<KpiTrend>,
}

/// The straight line through a KPI's waves (docs/statistics.md#target-tracking).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KpiTrend {
    pub waves: Vec<TrendPoint>,
    /// "ols_on_respondents" for means, "cochran_armitage" for shares.
    pub method: &'static str,
    /// Change per year.
    pub slope: f64,
    /// Interval of the slope (means only).
    pub slope_ci: Option<engage_stats::Interval>,
    pub statistic: f64,
    pub df: Option<f64>,
    pub p_value: f64,
    /// The line read at the target's year (or this wave's year without a target).
    pub projected_year: i32,
    pub projected: f64,
    pub projected_ci: Option<engage_stats::Interval>,
    /// Whether the projection reaches the target.
    pub reaches_target: Option<bool>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendPoint {
    pub year: i32,
    pub label: String,
    pub n: u64,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TrackStatus {
    /// At or past the target.
    TargetMet,
    /// At or past the straight-line trajectory.
    OnTrack,
    Behind,
}

impl TrackStatus {
    pub fn label(self) -> Label {
        match self {
            TrackStatus::TargetMet => Label::new("目標達成", "Target met"),
            TrackStatus::OnTrack => Label::new("順調", "On track"),
            TrackStatus::Behind => Label::new("遅れ", "Behind"),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BaselineTest {
    pub method: &'static str,
    /// "published_value" (one-sample) or "baseline_wave" (two-sample, the baseline wave's
    /// respondents given with `--earlier`).
    pub against: &'static str,
    /// value − baseline.
    pub difference: f64,
    pub statistic: f64,
    pub df: Option<f64>,
    /// Two-sided.
    pub p_value: f64,
}

/// A group's figures: only the numbers, labels live at the top level.
#[derive(Debug, Clone, Serialize)]
pub struct GroupKpi {
    pub id: String,
    pub withheld: bool,
    #[serde(flatten)]
    pub value: Option<KpiValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupScore {
    pub id: String,
    pub withheld: bool,
    #[serde(flatten)]
    pub figures: Option<ScoreFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupItem {
    pub id: String,
    pub withheld: bool,
    #[serde(flatten)]
    pub figures: Option<ItemFigures>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Suppression {
    /// Fewer respondents than `min_group_size`.
    Primary,
    /// Withheld so that a primary group cannot be recovered by subtraction.
    Complementary,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// Unique within the segment; nested segments prefix the parent's key ("政策局 / 企画課").
    pub key: String,
    /// The group's value as read (NFKC-normalised, trimmed, as every cell); empty for the
    /// missing-value group.
    pub value: String,
    pub label: Label,
    pub parent_key: Option<String>,
    /// For a cross: the key of the group of its second segment.
    pub across_key: Option<String>,
    pub suppressed: bool,
    /// Why the group is withheld: counted in the summary, never published per group, since
    /// "primary" would say the group has 1 to `min_group_size − 1` respondents, and such
    /// bounds add up with the published counts (two primary sections summing to 8 are 4 each).
    #[serde(skip_serializing)]
    pub suppression: Option<Suppression>,
    /// Respondents in the group; withheld (null) when suppressed.
    pub respondents: Option<u64>,
    pub kpis: Vec<GroupKpi>,
    pub dimensions: Vec<GroupScore>,
    pub items: Vec<GroupItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SegmentReport {
    pub id: String,
    pub label: Label,
    /// Enclosing segment of a nested segment; for a cross, its first segment.
    pub parent: Option<String>,
    /// For a cross: its second segment. Each group's `value` is then that segment's value
    /// and `parent_key` the first segment's group.
    pub across: Option<String>,
    pub groups: Vec<GroupReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionFigure {
    pub id: String,
    pub label: Label,
    pub exclusive: bool,
    pub count: u64,
    pub share: f64,
    pub ci: Interval,
    /// 1 for the most picked; ties share the smallest rank (1, 2, 2, 4). The exclusive
    /// "none" option has no rank.
    pub rank: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MultiSelectFigure {
    pub id: String,
    pub label: Label,
    pub max_picks: Option<usize>,
    /// Respondents who answered the question: the denominator of every share.
    pub base: Option<u64>,
    /// Accepted respondents who skipped it.
    pub skipped: Option<u64>,
    pub withheld: bool,
    pub options: Vec<OptionFigure>,
    /// Respondents who picked both options of a pair; withheld (null) below the minimum.
    pub co_picked: Vec<CoPick>,
    /// Per option and KPI: those who picked it against those who did not.
    pub kpi_gaps: Vec<KpiGap>,
    /// Per segment and option: differences between groups and each group's lift.
    pub by_segment: Vec<OptionSegmentTest>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoPick {
    pub a: String,
    pub b: String,
    pub count: Option<u64>,
}

/// A KPI's mean among those who picked an option and those who answered but did not.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KpiGap {
    pub option: String,
    pub kpi: String,
    /// Either side below the minimum group size.
    pub withheld: bool,
    pub picked: Option<Side>,
    pub not_picked: Option<Side>,
    /// picked − not picked, Welch's t test.
    pub difference: Option<f64>,
    pub t: Option<f64>,
    pub df: Option<f64>,
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg over the question's options and KPIs.
    pub p_adjusted: Option<f64>,
}

/// One option across the published groups of one segment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OptionSegmentTest {
    pub segment: String,
    pub option: String,
    /// Pearson chi-square of picked / not picked × group (no Yates correction).
    pub chi_square: Option<f64>,
    pub df: Option<f64>,
    pub p_value: Option<f64>,
    pub min_expected: Option<f64>,
    /// Some expected count is under 5: the chi-square approximation is doubtful.
    pub small_expected: bool,
    pub groups: Vec<OptionLift>,
}

/// One group's share of an option against the rest of the organisation (not the total,
/// which contains the group).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OptionLift {
    pub group: String,
    /// Group members who answered the question, and those who picked the option.
    pub base: u64,
    pub count: u64,
    pub share: Option<f64>,
    pub rest_share: Option<f64>,
    /// share / rest_share.
    pub lift: Option<f64>,
    /// Two-proportion z test, group − rest.
    pub z: Option<f64>,
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg within the segment and question.
    pub p_adjusted: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuppressionSummary {
    /// "full"; "primary_only" or "off" only when asked for (never for publication).
    pub mode: &'static str,
    pub min_group_size: u32,
    pub groups_withheld_primary: usize,
    pub groups_withheld_complementary: usize,
    /// Figures withheld inside published groups (or for the whole organisation) because too
    /// few respondents contributed to them.
    pub figures_withheld_primary: usize,
    /// Figures withheld inside published groups so that those cannot be recovered by
    /// subtraction.
    pub figures_withheld_complementary: usize,
    /// Dimensions published in a group whose pooled favourable / neutral / unfavourable shares
    /// are withheld there, because one of their items is.
    pub pooled_shares_withheld: usize,
}

/// Key drivers of one KPI among the dimensions, on the whole organisation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KpiDrivers {
    pub kpi: String,
    /// Respondents with every dimension score and the KPI: the rows of R² and the weights.
    pub complete_rows: Option<u64>,
    /// R² of the OLS regression of the KPI on the dimension scores (listwise).
    pub r_squared: Option<f64>,
    /// Fewer complete rows than the minimum group size: no regression figures.
    pub withheld: bool,
    /// How `share_ci` was made; null when there are no intervals.
    pub intervals: Option<BootstrapInfo>,
    /// Why there are no intervals, when there are none.
    pub intervals_note: Option<String>,
    pub dimensions: Vec<DriverFigure>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BootstrapInfo {
    pub method: &'static str,
    pub resamples: usize,
    pub seed: u64,
    /// Resamples left out because their predictors were collinear.
    pub skipped: usize,
    /// Respondents drawn per resample: all of them, or `[drivers] bootstrap_rows` when there
    /// are more (m-out-of-n).
    pub rows_per_resample: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DriverFigure {
    pub id: String,
    /// Pearson r of the dimension score with the KPI, on respondents with both.
    pub r: Option<f64>,
    /// Fisher-z 95% interval of r.
    pub r_ci: Option<Interval>,
    pub r_n: Option<u64>,
    /// Johnson's raw relative weight: the part of R² this dimension accounts for.
    pub relative_weight: Option<f64>,
    /// relative_weight / R².
    pub share: Option<f64>,
    /// Percentile bootstrap 95% interval of `share`.
    pub share_ci: Option<Interval>,
    /// Performance: the dimension's favourable share (whole organisation).
    pub favourable: Option<f64>,
    pub quadrant: Option<Quadrant>,
}

/// Importance × performance: importance high when the share of R² is at least the even share
/// 1/p; performance high when the favourable share is at least the mean over the dimensions.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Quadrant {
    /// High importance, low score: act here first (重点改善).
    Priority,
    /// High importance, high score: keep it up (強み).
    Strength,
    /// Low importance, high score (維持).
    Maintain,
    /// Low importance, low score (経過観察).
    Monitor,
}

impl Quadrant {
    pub fn label(self) -> Label {
        match self {
            Quadrant::Priority => Label::new("重点改善", "Priority: high importance, low score"),
            Quadrant::Strength => Label::new("強み", "Strength: high importance, high score"),
            Quadrant::Maintain => Label::new("維持", "Maintain: low importance, high score"),
            Quadrant::Monitor => Label::new("経過観察", "Monitor: low importance, low score"),
        }
    }
}

/// One side of a comparison: respondents and the value (a mean or a share).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Side {
    pub n: u64,
    pub value: f64,
}

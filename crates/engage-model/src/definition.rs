//! The survey definition exactly as written in TOML. Unknown keys are rejected by serde
//! (`deny_unknown_fields`); references between sections are checked in [`crate::Survey`].
//! Fields that refer to other ids keep their source span so that errors can name the line.

use serde::{Deserialize, Serialize};
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyDefinition {
    pub survey: SurveyMeta,
    pub wave: Wave,
    pub data: DataSource,
    #[serde(default)]
    pub scale: Scale,
    #[serde(default)]
    pub missing: MissingCodes,
    #[serde(default)]
    pub privacy: Privacy,
    #[serde(default)]
    pub reliability: ReliabilitySettings,
    #[serde(default)]
    pub drivers: DriverSettings,
    /// Headcounts per group: response rates, finite-population correction, raking weights.
    #[serde(default)]
    pub population: Option<Population>,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    #[serde(default)]
    pub items: Vec<Item>,
    #[serde(default)]
    pub kpis: Vec<Kpi>,
    #[serde(default)]
    pub segments: Vec<Segment>,
    /// Crosses of two segments (bureau × age band), reported like segments.
    #[serde(default)]
    pub crosses: Vec<Cross>,
    #[serde(default)]
    pub multi_select: Vec<MultiSelect>,
    /// Free-text comment columns ("anything else?"), analysed by `engage-text`.
    #[serde(default)]
    pub free_text: Vec<FreeText>,
    /// How comments are analysed: segments, stop words, user terms, categories.
    #[serde(default)]
    pub text: TextSettings,
    /// What each kind of data problem does to its row.
    #[serde(default)]
    pub validation: crate::Validation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyMeta {
    pub id: String,
    pub ja: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Wave {
    pub year: i32,
    pub label: String,
    /// Free text such as "2023-07..2023-08".
    #[serde(default)]
    pub fielded: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSource {
    /// Response file, relative to the definition's folder; may be a glob such as `bureaus/*.csv`.
    pub file: String,
    /// Column holding the respondent id; optional because many exports have none.
    #[serde(default)]
    pub respondent_id: Option<String>,
    /// File format; default from the file extension.
    #[serde(default)]
    pub format: Option<DataFormat>,
    /// Text encoding of CSV/TSV; default detected (BOM, then UTF-8, then CP932).
    #[serde(default)]
    pub encoding: Option<TextEncoding>,
    /// Worksheet of a spreadsheet, by name or 0-based index; default the first.
    #[serde(default)]
    pub sheet: Option<SheetRef>,
    /// Spreadsheet row (1-based) that holds the headers; rows above it are skipped.
    #[serde(default)]
    pub header_row: Option<usize>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DataFormat {
    Csv,
    Tsv,
    Xlsx,
    Xls,
    Ods,
    Parquet,
    /// Arrow IPC file (Feather v2).
    Arrow,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    /// Windows-31J / CP932, as Excel on Japanese Windows saves CSV (includes 髙 and ①).
    #[serde(
        rename = "cp932",
        alias = "shift_jis",
        alias = "windows-31j",
        alias = "sjis"
    )]
    Cp932,
    /// UTF-16 with a BOM, as Excel's "Unicode text".
    #[serde(rename = "utf-16")]
    Utf16,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum SheetRef {
    Index(usize),
    Name(String),
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub min: u8,
    pub max: u8,
    pub favourable: Vec<u8>,
    pub unfavourable: Vec<u8>,
    #[serde(default)]
    pub labels: Vec<PointLabel>,
}

impl Default for Scale {
    /// The common 5-point agreement scale: 4-5 favourable, 1-2 unfavourable.
    fn default() -> Self {
        let label = |value, ja: &str, en: &str| PointLabel {
            value,
            ja: ja.into(),
            en: en.into(),
        };
        Scale {
            min: 1,
            max: 5,
            favourable: vec![4, 5],
            unfavourable: vec![1, 2],
            labels: vec![
                label(1, "そう思わない", "Disagree"),
                label(2, "あまりそう思わない", "Tend to disagree"),
                label(3, "どちらともいえない", "Neither"),
                label(4, "ややそう思う", "Tend to agree"),
                label(5, "そう思う", "Agree"),
            ],
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PointLabel {
    pub value: u8,
    pub ja: String,
    pub en: String,
}

/// Codes that mean "no answer" and codes that mean "not applicable". Blank cells are always
/// missing. Both are matched after NFKC normalisation and trimming.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MissingCodes {
    #[serde(default = "default_missing_codes")]
    pub codes: Vec<String>,
    #[serde(default)]
    pub not_applicable: Vec<String>,
}

fn default_missing_codes() -> Vec<String> {
    vec!["無回答".into()]
}

impl Default for MissingCodes {
    fn default() -> Self {
        MissingCodes {
            codes: default_missing_codes(),
            not_applicable: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Smallest number of contributing respondents for which any figure is published.
    #[serde(default = "default_min_group_size")]
    pub min_group_size: u32,
    /// The same for anything derived from free-text comments, which can identify their writer
    /// by wording alone; at least `min_group_size`.
    #[serde(default = "default_min_comment_group_size")]
    pub min_comment_group_size: u32,
}

/// How the reliability of each dimension is reported.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReliabilitySettings {
    /// Which rows alpha uses: `listwise` (respondents who answered every item of the
    /// dimension; the default, as SPSS) or `pairwise` (each covariance on the respondents who
    /// answered both items, as pingouin's `nan_policy="pairwise"`).
    #[serde(default)]
    pub alpha: AlphaMethod,
    /// Dimensions whose alpha is below this are flagged (default 0.7).
    #[serde(default = "default_alpha_threshold")]
    pub threshold: f64,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum AlphaMethod {
    #[default]
    Listwise,
    Pairwise,
}

impl AlphaMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AlphaMethod::Listwise => "listwise",
            AlphaMethod::Pairwise => "pairwise",
        }
    }
}

/// The staff the survey was sent to (docs/statistics.md#response-rates-and-weights).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// CSV `segment,group,headcount`, relative to the definition; the whole organisation is the
    /// row with segment `total`.
    pub headcounts: String,
    /// Segments whose headcounts the weights are raked to (e.g. bureau, age band, gender);
    /// empty: no weights.
    #[serde(default)]
    pub rake: Vec<String>,
    /// Raking stops when every margin is within this relative error...
    #[serde(default = "default_rake_tolerance")]
    pub tolerance: f64,
    /// ...or after this many sweeps (then the report says it did not converge).
    #[serde(default = "default_rake_iterations")]
    pub max_iterations: usize,
}

fn default_rake_tolerance() -> f64 {
    1e-6
}

fn default_rake_iterations() -> usize {
    100
}

/// Key-driver analysis of each KPI.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DriverSettings {
    /// Bootstrap resamples for the relative-weight intervals (0: no intervals).
    #[serde(default = "default_resamples")]
    pub resamples: usize,
    /// Seed of the resampling, so that a report can be reproduced exactly.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Above this many respondents each resample draws this many (m-out-of-n bootstrap,
    /// rescaled), so that large surveys stay fast; see docs/statistics.md#key-drivers.
    #[serde(default = "default_bootstrap_rows")]
    pub bootstrap_rows: usize,
}

fn default_bootstrap_rows() -> usize {
    10_000
}

fn default_resamples() -> usize {
    1000
}

fn default_seed() -> u64 {
    2027
}

impl Default for DriverSettings {
    fn default() -> Self {
        DriverSettings {
            resamples: default_resamples(),
            seed: default_seed(),
            bootstrap_rows: default_bootstrap_rows(),
        }
    }
}

fn default_alpha_threshold() -> f64 {
    0.7
}

impl Default for ReliabilitySettings {
    fn default() -> Self {
        ReliabilitySettings {
            alpha: AlphaMethod::default(),
            threshold: default_alpha_threshold(),
        }
    }
}

fn default_min_group_size() -> u32 {
    5
}

fn default_min_comment_group_size() -> u32 {
    10
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy {
            min_group_size: default_min_group_size(),
            min_comment_group_size: default_min_comment_group_size(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub id: Spanned<String>,
    pub ja: String,
    pub en: String,
    /// Items a respondent must answer to get a dimension score; default half, rounded up.
    #[serde(default)]
    pub min_answered: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: Spanned<String>,
    /// Header of the column in the response file.
    pub column: String,
    pub ja: String,
    pub en: String,
    #[serde(default)]
    pub dimension: Option<Spanned<String>>,
    /// Reverse-keyed: answers are flipped as min + max - x before any score or share.
    #[serde(default)]
    pub reverse: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KpiKind {
    /// Mean of an item, a dimension or a list of items (scored like a dimension).
    Mean,
    /// Share of respondents with a valid answer who chose one of `points`.
    Share,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct YearValue {
    pub year: i32,
    pub value: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    pub id: Spanned<String>,
    pub ja: String,
    pub en: String,
    pub kind: KpiKind,
    #[serde(default)]
    pub item: Option<Spanned<String>>,
    #[serde(default)]
    pub items: Vec<Spanned<String>>,
    #[serde(default)]
    pub dimension: Option<Spanned<String>>,
    /// For `share`: the scale points that count (default: the scale's favourable points).
    #[serde(default)]
    pub points: Option<Vec<u8>>,
    /// For a mean over several items: items needed for a respondent score (default half, up).
    #[serde(default)]
    pub min_answered: Option<usize>,
    #[serde(default)]
    pub baseline: Option<YearValue>,
    #[serde(default)]
    pub target: Option<YearValue>,
}

/// A segment's `column` that takes the name of the file a row came from as its value, e.g.
/// when each bureau sends its own file (the file name without folder and extension).
pub const FILE_SEGMENT_COLUMN: &str = "@file";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub id: Spanned<String>,
    pub column: String,
    pub ja: String,
    pub en: String,
    /// Enclosing segment (e.g. bureau for section): groups are keyed by the parent's value too.
    #[serde(default)]
    pub parent: Option<Spanned<String>>,
    /// Declared values in display order; a value outside the list rejects the row.
    #[serde(default)]
    pub values: Option<Vec<String>>,
}

/// A cross of two segments: one group per combination of their values that occurs, listed
/// by the first segment's groups and, within each, in the second segment's order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cross {
    /// Defaults to the two ids joined by `_x_` (`bureau_x_age`).
    #[serde(default)]
    pub id: Option<Spanned<String>>,
    /// Exactly two segment ids; the labels are theirs joined by " × ".
    pub segments: Spanned<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum MultiStorage {
    /// One column per option holding 1/0, ○/blank, TRUE/FALSE.
    #[default]
    Columns,
    /// One column holding the picked codes or labels, separated by `separator`.
    Delimited,
}

/// How a skipped question is told apart from "picked nothing".
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum SkipRule {
    /// Skipped when every option cell (or the delimited cell) is blank; explicit 0/FALSE
    /// cells mean "seen and not picked".
    #[default]
    AllBlank,
    /// Skipped whenever nothing is picked: use with ○/blank columns, where the two look alike.
    NoPick,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiSelect {
    pub id: Spanned<String>,
    pub ja: String,
    pub en: String,
    #[serde(default)]
    pub storage: MultiStorage,
    /// For `delimited` storage: the column.
    #[serde(default)]
    pub column: Option<String>,
    /// For `delimited` storage: the separators accepted between picks (default `;`).
    #[serde(default)]
    pub separator: Option<String>,
    #[serde(default)]
    pub max_picks: Option<usize>,
    /// An exclusive option such as 特になし: picking it with anything else is a problem.
    #[serde(default)]
    pub none_option: Option<Spanned<String>>,
    #[serde(default)]
    pub skipped_when: SkipRule,
    pub options: Vec<Choice>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: Spanned<String>,
    pub ja: String,
    pub en: String,
    /// For `columns` storage: the option's column.
    #[serde(default)]
    pub column: Option<String>,
    /// For `delimited` storage: the code written in the cell (the labels are accepted too).
    #[serde(default)]
    pub code: Option<String>,
}

/// A free-text question: one column of comments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeText {
    pub id: Spanned<String>,
    pub column: String,
    pub ja: String,
    pub en: String,
}

/// The comment analysis (docs/free-text.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSettings {
    /// Segments whose groups get term counts, keyness and category shares; default every
    /// segment without a parent. Nested segments and crosses are not allowed: their small
    /// groups could be recovered by subtraction.
    #[serde(default)]
    pub segments: Option<Vec<Spanned<String>>>,
    /// KPI whose low scorers' words are compared with everyone else's; default the first KPI.
    #[serde(default)]
    pub kpi: Option<Spanned<String>>,
    /// Terms listed per group (default 20).
    #[serde(default = "default_top_terms")]
    pub top_terms: usize,
    /// A term is shown anywhere only when at least this many comments use it (default 3):
    /// a rare word can identify its writer.
    #[serde(default = "default_min_term_comments")]
    pub min_term_comments: u32,
    /// Terms in the co-occurrence network (default 40, the most used).
    #[serde(default = "default_network_terms")]
    pub network_terms: usize,
    /// Extra user-dictionary nouns (the workplace terms built in are always added).
    #[serde(default)]
    pub user_terms: Vec<String>,
    /// Extra stop words (dictionary forms), on top of the built-in list.
    #[serde(default)]
    pub stop_words: Vec<String>,
    /// Export the masked comment text of groups at or above `min_comment_group_size`
    /// (also `--export-comments`). Off by default.
    #[serde(default)]
    pub export_comments: bool,
    /// Category dictionary: each comment counts in every category one of whose terms or
    /// patterns it contains.
    #[serde(default)]
    pub categories: Vec<TextCategory>,
    /// More person suffixes and titles (after 様, 課長, 主査... built in): the word before one
    /// is masked as a name whatever the dictionary says of it.
    #[serde(default)]
    pub name_suffixes: Vec<String>,
    /// Names to mask wherever they stand as words (e.g. from the staff directory).
    #[serde(default)]
    pub mask_names: Vec<String>,
    /// A private file of names to mask, one per line (`#` starts a comment), relative to the
    /// definition; keep it out of published folders.
    #[serde(default)]
    pub mask_names_file: Option<String>,
    /// Words never masked as names (besides マイナンバー and the like, built in, and every
    /// segment value, such as the organisation's unit names).
    #[serde(default)]
    pub not_names: Vec<String>,
    /// More identifiers to mask, as regular expressions (a capture group marks the part to
    /// mask), after the built-in staff numbers, extensions, postal codes and dates.
    #[serde(default)]
    pub mask_patterns: Vec<String>,
}

fn default_top_terms() -> usize {
    20
}

fn default_min_term_comments() -> u32 {
    3
}

fn default_network_terms() -> usize {
    40
}

impl Default for TextSettings {
    fn default() -> Self {
        TextSettings {
            segments: None,
            kpi: None,
            top_terms: default_top_terms(),
            min_term_comments: default_min_term_comments(),
            network_terms: default_network_terms(),
            user_terms: Vec::new(),
            stop_words: Vec::new(),
            export_comments: false,
            categories: Vec::new(),
            name_suffixes: Vec::new(),
            mask_names: Vec::new(),
            mask_names_file: None,
            not_names: Vec::new(),
            mask_patterns: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextCategory {
    pub id: Spanned<String>,
    pub ja: String,
    pub en: String,
    /// Words matched against each token's dictionary form and surface (残業 matches 残業 in
    /// 残業が多い; 忙しい matches 忙しく).
    #[serde(default)]
    pub terms: Vec<String>,
    /// Text matched anywhere in the NFKC-normalised comment; `*` stands for any run of
    /// characters (人が*足りない).
    #[serde(default)]
    pub patterns: Vec<String>,
}

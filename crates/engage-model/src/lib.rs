//! The survey definition (what the analyst writes in TOML) and the validated [`Survey`] that every
//! other crate works from. This crate knows nothing about files other than the definition itself.

mod definition;
mod error;
mod normalize;
mod survey;
mod validation;

pub use definition::{
    AlphaMethod, Choice, Cross, DataFormat, DataSource, Dimension, DriverSettings, FreeText, Item,
    Kpi, KpiKind, MissingCodes, MultiSelect, MultiStorage, PointLabel, Population, Privacy,
    ReliabilitySettings, Scale, Segment, SheetRef, SkipRule, SurveyDefinition, SurveyMeta,
    TextCategory, TextEncoding, TextSettings, Wave, YearValue, FILE_SEGMENT_COLUMN,
};
pub use error::{DefinitionError, DefinitionProblem};
pub use normalize::normalize_text;
pub use survey::{Composite, KpiMeasure, Label, Survey, CODE_MISSING, CODE_NOT_APPLICABLE};
pub use validation::{
    Action, Policy, ProblemKind, Validation, MAX_SEGMENT_GROUPS, MAX_SEGMENT_VALUE_CHARS,
};

//! The survey definition (what the analyst writes in TOML) and the validated [`Survey`] that every
//! other crate works from. This crate knows nothing about files other than the definition itself.

mod definition;
mod error;
mod normalize;
mod survey;

pub use definition::{
    Choice, DataSource, Dimension, Item, Kpi, KpiKind, MissingCodes, MultiSelect, MultiStorage,
    PointLabel, Privacy, Scale, Segment, SkipRule, SurveyDefinition, SurveyMeta, Wave, YearValue,
};
pub use error::{DefinitionError, DefinitionProblem};
pub use normalize::normalize_text;
pub use survey::{Composite, KpiMeasure, Label, Survey, CODE_MISSING, CODE_NOT_APPLICABLE};

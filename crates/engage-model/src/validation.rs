//! What each kind of data problem does to its row: the `[validation]` policy of a definition.
//!
//! Every problem is reported whatever its action; the action only decides whether the row is
//! kept (`warn`), kept with the offending cell treated as missing (`blank`), or set aside in
//! the rejects file (`reject`).

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The kinds of problem ingest recognises, in the order they are reported.
/// Longest segment value, in characters: a group's name shows in every table, chart and file
/// name; a longer value is a data error, not a group (a 0.5 MB value took minutes and 10 GB).
pub const MAX_SEGMENT_VALUE_CHARS: usize = 200;

/// Most groups a segment may have (distinct values, or parent-and-value pairs of a nested
/// segment). A city of 10,000 staff has a few hundred sections.
pub const MAX_SEGMENT_GROUPS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A row with more or fewer fields than the header.
    RaggedRow,
    /// A number outside the scale (e.g. 7 on a 1..5 scale).
    OutOfRange,
    /// Text that is no scale value, scale label, missing or not-applicable code.
    Unmappable,
    /// A multi-select option cell that is not a pick mark (1/0, ○, TRUE/FALSE).
    BadPickMark,
    /// A token in a delimited multi-select cell that names no option.
    UnknownOption,
    /// A segment value outside the segment's declared `values`.
    UndeclaredSegment,
    /// A segment value no group can be named by: longer than [`MAX_SEGMENT_VALUE_CHARS`]
    /// characters, or holding a control character other than a line break or a tab (NUL).
    BadSegmentValue,
    /// The exclusive "none" option picked together with others.
    NoneWithOthers,
    /// More picks than the question's `max_picks`.
    TooManyPicks,
    /// A respondent id seen on an earlier row.
    DuplicateId,
    /// A blank respondent id while the definition names an id column.
    BlankId,
    /// A row with no item answered and no multi-select question answered.
    NoAnswers,
    /// The same scale point given to every item, over at least `straight_lining_min_items`.
    StraightLining,
}

/// What a problem does to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The whole row goes to the rejects file and into no figure.
    Reject,
    /// The offending cell counts as missing; the rest of the row is kept.
    Blank,
    /// Reported only; the row is kept as read.
    Warn,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Reject => "reject",
            Action::Blank => "blank",
            Action::Warn => "warn",
        }
    }
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 13] = [
        ProblemKind::RaggedRow,
        ProblemKind::OutOfRange,
        ProblemKind::Unmappable,
        ProblemKind::BadPickMark,
        ProblemKind::UnknownOption,
        ProblemKind::UndeclaredSegment,
        ProblemKind::BadSegmentValue,
        ProblemKind::NoneWithOthers,
        ProblemKind::TooManyPicks,
        ProblemKind::DuplicateId,
        ProblemKind::BlankId,
        ProblemKind::NoAnswers,
        ProblemKind::StraightLining,
    ];

    /// The key used in `[validation]`, report.json and messages.
    pub fn key(self) -> &'static str {
        match self {
            ProblemKind::RaggedRow => "ragged_row",
            ProblemKind::OutOfRange => "out_of_range",
            ProblemKind::Unmappable => "unmappable",
            ProblemKind::BadPickMark => "bad_pick_mark",
            ProblemKind::UnknownOption => "unknown_option",
            ProblemKind::UndeclaredSegment => "undeclared_segment",
            ProblemKind::BadSegmentValue => "bad_segment_value",
            ProblemKind::NoneWithOthers => "none_with_others",
            ProblemKind::TooManyPicks => "too_many_picks",
            ProblemKind::DuplicateId => "duplicate_id",
            ProblemKind::BlankId => "blank_id",
            ProblemKind::NoAnswers => "no_answers",
            ProblemKind::StraightLining => "straight_lining",
        }
    }

    /// Short Japanese label for the data-quality tables.
    pub fn ja(self) -> &'static str {
        match self {
            ProblemKind::RaggedRow => "列数の不一致",
            ProblemKind::OutOfRange => "範囲外の回答",
            ProblemKind::Unmappable => "解釈できない回答",
            ProblemKind::BadPickMark => "選択欄の不正な値",
            ProblemKind::UnknownOption => "存在しない選択肢",
            ProblemKind::UndeclaredSegment => "未定義の区分値",
            ProblemKind::BadSegmentValue => "区分値が長すぎる・制御文字を含む",
            ProblemKind::NoneWithOthers => "「特になし」と他の選択肢の同時選択",
            ProblemKind::TooManyPicks => "選択数の上限超過",
            ProblemKind::DuplicateId => "回答者IDの重複",
            ProblemKind::BlankId => "回答者IDの空欄",
            ProblemKind::NoAnswers => "回答のない行",
            ProblemKind::StraightLining => "全設問同一回答（ストレートライン）",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            ProblemKind::RaggedRow => "Row length differs from header",
            ProblemKind::OutOfRange => "Answer outside the scale",
            ProblemKind::Unmappable => "Answer not understood",
            ProblemKind::BadPickMark => "Invalid option mark",
            ProblemKind::UnknownOption => "Unknown option",
            ProblemKind::UndeclaredSegment => "Undeclared segment value",
            ProblemKind::BadSegmentValue => "Segment value too long or with control characters",
            ProblemKind::NoneWithOthers => "\"None\" picked with other options",
            ProblemKind::TooManyPicks => "More picks than allowed",
            ProblemKind::DuplicateId => "Duplicate respondent id",
            ProblemKind::BlankId => "Blank respondent id",
            ProblemKind::NoAnswers => "Row without answers",
            ProblemKind::StraightLining => "Straight-lining (same answer to every item)",
        }
    }

    /// Actions that make sense: a value that cannot be read cannot be kept as read, and a
    /// row-level problem has no single cell to blank.
    pub fn allowed(self) -> &'static [Action] {
        use Action::*;
        match self {
            ProblemKind::OutOfRange
            | ProblemKind::Unmappable
            | ProblemKind::BadPickMark
            | ProblemKind::UnknownOption => &[Reject, Blank],
            ProblemKind::BadSegmentValue => &[Reject, Blank],
            ProblemKind::UndeclaredSegment
            | ProblemKind::NoneWithOthers
            | ProblemKind::TooManyPicks => &[Reject, Blank, Warn],
            ProblemKind::RaggedRow
            | ProblemKind::DuplicateId
            | ProblemKind::BlankId
            | ProblemKind::NoAnswers
            | ProblemKind::StraightLining => &[Reject, Warn],
        }
    }

    /// Defaults: anything that makes an answer unreadable or doubtful rejects the row, so no
    /// figure silently rests on a guess; straight-lining is only flagged, as the issue asks,
    /// because a respondent may honestly agree with everything.
    pub fn default_action(self) -> Action {
        match self {
            ProblemKind::StraightLining => Action::Warn,
            _ => Action::Reject,
        }
    }
}

/// The `[validation]` table. Every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    /// Fewest items answered (all with one point) before a row counts as straight-lining;
    /// default 10, or every item when the survey has fewer.
    #[serde(default)]
    pub straight_lining_min_items: Option<usize>,
    pub ragged_row: Option<Spanned<Action>>,
    pub out_of_range: Option<Spanned<Action>>,
    pub unmappable: Option<Spanned<Action>>,
    pub bad_pick_mark: Option<Spanned<Action>>,
    pub unknown_option: Option<Spanned<Action>>,
    pub undeclared_segment: Option<Spanned<Action>>,
    pub bad_segment_value: Option<Spanned<Action>>,
    pub none_with_others: Option<Spanned<Action>>,
    pub too_many_picks: Option<Spanned<Action>>,
    pub duplicate_id: Option<Spanned<Action>>,
    pub blank_id: Option<Spanned<Action>>,
    pub no_answers: Option<Spanned<Action>>,
    pub straight_lining: Option<Spanned<Action>>,
}

impl Validation {
    /// The action as written, if any.
    pub fn written(&self, kind: ProblemKind) -> Option<&Spanned<Action>> {
        match kind {
            ProblemKind::RaggedRow => self.ragged_row.as_ref(),
            ProblemKind::OutOfRange => self.out_of_range.as_ref(),
            ProblemKind::Unmappable => self.unmappable.as_ref(),
            ProblemKind::BadPickMark => self.bad_pick_mark.as_ref(),
            ProblemKind::UnknownOption => self.unknown_option.as_ref(),
            ProblemKind::UndeclaredSegment => self.undeclared_segment.as_ref(),
            ProblemKind::BadSegmentValue => self.bad_segment_value.as_ref(),
            ProblemKind::NoneWithOthers => self.none_with_others.as_ref(),
            ProblemKind::TooManyPicks => self.too_many_picks.as_ref(),
            ProblemKind::DuplicateId => self.duplicate_id.as_ref(),
            ProblemKind::BlankId => self.blank_id.as_ref(),
            ProblemKind::NoAnswers => self.no_answers.as_ref(),
            ProblemKind::StraightLining => self.straight_lining.as_ref(),
        }
    }

    /// The action in force for a kind: as written, else the default.
    pub fn action(&self, kind: ProblemKind) -> Action {
        self.written(kind)
            .map(|a| *a.get_ref())
            .unwrap_or_else(|| kind.default_action())
    }
}

/// The resolved policy: one action per kind, looked up on the hot path without matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    actions: [Action; ProblemKind::ALL.len()],
    pub straight_lining_min_items: usize,
    /// `--strict`: every problem rejects its row (and the run fails).
    pub strict: bool,
}

impl Policy {
    pub fn new(validation: &Validation) -> Policy {
        let mut actions = [Action::Reject; ProblemKind::ALL.len()];
        for (slot, kind) in actions.iter_mut().zip(ProblemKind::ALL) {
            *slot = validation.action(kind);
        }
        Policy {
            actions,
            straight_lining_min_items: validation.straight_lining_min_items.unwrap_or(10),
            strict: false,
        }
    }

    pub fn action(&self, kind: ProblemKind) -> Action {
        if self.strict {
            return Action::Reject;
        }
        self.actions[kind as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_declaration_order() {
        for (i, k) in ProblemKind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "{}", k.key());
        }
    }

    #[test]
    fn defaults_are_allowed() {
        for k in ProblemKind::ALL {
            assert!(k.allowed().contains(&k.default_action()), "{}", k.key());
        }
    }
}

//! The row loop: every record of every file is either accepted into the [`ResponseTable`] or
//! rejected with its reasons, never dropped; what a problem does follows the survey's policy.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use engage_model::{
    normalize_text, Action, DataFormat, MultiStorage, ProblemKind, SkipRule, Survey, CODE_MISSING,
    CODE_NOT_APPLICABLE,
};

mod batch;

use crate::columnar::{ColumnarSource, MemoryBatches};
use crate::files::expand_patterns;
use crate::headers::HeaderIndex;
use crate::ids::SeenIds;
use crate::layout::{MultiColumn, ResponseTable, SegmentBuilder};
use crate::source::{self, Record};
use crate::values::{normalized, option_cell, AnswerMap, CellError, OptionMap};
use crate::IngestError;

/// A segment may use the name of the file a row came from as its value, e.g. when each bureau
/// sends its own file: `column = "@file"` (the file name without folder and extension).
pub const FILE_COLUMN: &str = engage_model::FILE_SEGMENT_COLUMN;
const FILE_INDEX: usize = usize::MAX;
/// Most rows a file's own row count may reserve in advance (about 4 GB of table).
const MAX_RESERVED_ROWS: usize = 50_000_000;

/// Rows read, accepted and rejected in one file, with its content hash for provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAccount {
    pub path: String,
    pub sha256: String,
    /// How it was read, e.g. "csv, cp932, delimiter ','" or "xlsx, sheet `回答`".
    pub format: String,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
}

/// One problem in one cell (or row, when `column` is `None`). `row` is numbered as a
/// spreadsheet shows it: with the header on row 1, the first record is row 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub row: usize,
    pub column: Option<String>,
    pub value: String,
    pub kind: ProblemKind,
    /// What it did to the row under the policy in force.
    pub action: Action,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, row {}", self.file, self.row)?;
        if let Some(c) = &self.column {
            write!(f, ", column `{c}`")?;
        }
        if !self.value.is_empty() {
            write!(f, ", value `{}`", self.value)?;
        }
        let effect = match self.action {
            Action::Reject => "row rejected",
            Action::Blank => "cell treated as missing",
            Action::Warn => "row kept",
        };
        write!(f, ": {} [{}: {effect}]", self.reason, self.kind.key())
    }
}

/// A rejected row exactly as read, for the rejects file (raw answers: never publish it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub file: String,
    pub row: usize,
    pub header: Vec<String>,
    pub raw: Vec<String>,
    pub reasons: Vec<String>,
}

/// Problems of one kind, by the action taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemCount {
    pub kind: ProblemKind,
    pub action: Action,
    pub count: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Ingested {
    pub table: ResponseTable,
    pub accounts: Vec<FileAccount>,
    pub problems: Vec<Problem>,
    pub rejected: Vec<RejectedRow>,
    /// Columns present in a file that the definition does not use.
    pub unused_columns: Vec<String>,
}

impl Ingested {
    pub fn rows_read(&self) -> usize {
        self.accounts.iter().map(|a| a.rows_read).sum()
    }
    pub fn rows_accepted(&self) -> usize {
        self.accounts.iter().map(|a| a.rows_accepted).sum()
    }
    pub fn rows_rejected(&self) -> usize {
        self.accounts.iter().map(|a| a.rows_rejected).sum()
    }

    /// Problems counted by kind and action, in the order of [`ProblemKind::ALL`].
    pub fn problem_counts(&self) -> Vec<ProblemCount> {
        let mut counts: Vec<ProblemCount> = Vec::new();
        for p in &self.problems {
            match counts
                .iter_mut()
                .find(|c| c.kind == p.kind && c.action == p.action)
            {
                Some(c) => c.count += 1,
                None => counts.push(ProblemCount {
                    kind: p.kind,
                    action: p.action,
                    count: 1,
                }),
            }
        }
        counts.sort_by_key(|c| (c.kind, c.action as u8));
        counts
    }
}

/// Column positions of everything the definition reads, for one file.
struct Columns {
    items: Vec<usize>,
    segments: Vec<usize>,
    /// Per question: the option columns, or the one delimited column.
    multi: Vec<Vec<usize>>,
    free_text: Vec<usize>,
    respondent_id: Option<usize>,
}

impl Columns {
    /// Positions of real columns used, for type checks of columnar files.
    fn used(&self) -> Vec<usize> {
        let mut used: Vec<usize> = self
            .items
            .iter()
            .chain(&self.segments)
            .chain(self.multi.iter().flatten())
            .chain(&self.free_text)
            .chain(&self.respondent_id)
            .copied()
            .filter(|&c| c != FILE_INDEX)
            .collect();
        used.sort_unstable();
        used.dedup();
        used
    }
}

fn locate(survey: &Survey, path: &Path, headers: &mut HeaderIndex) -> Result<Columns, IngestError> {
    let def = &survey.definition;
    let items = def
        .items
        .iter()
        .map(|i| headers.find(path, &i.column, &format!("item `{}`", i.id.get_ref())))
        .collect::<Result<_, _>>()?;
    let segments = def
        .segments
        .iter()
        .map(|s| {
            if s.column == FILE_COLUMN {
                Ok(FILE_INDEX)
            } else {
                headers.find(path, &s.column, &format!("segment `{}`", s.id.get_ref()))
            }
        })
        .collect::<Result<_, _>>()?;
    let mut multi = Vec::new();
    for q in &def.multi_select {
        let wanted = format!("question `{}`", q.id.get_ref());
        let cols = match q.storage {
            MultiStorage::Columns => q
                .options
                .iter()
                .map(|o| headers.find(path, o.column.as_deref().unwrap_or_default(), &wanted))
                .collect::<Result<_, _>>()?,
            MultiStorage::Delimited => {
                vec![headers.find(path, q.column.as_deref().unwrap_or_default(), &wanted)?]
            }
        };
        multi.push(cols);
    }
    let free_text = def
        .free_text
        .iter()
        .map(|f| headers.find(path, &f.column, &format!("free text `{}`", f.id.get_ref())))
        .collect::<Result<_, _>>()?;
    let respondent_id = match &def.data.respondent_id {
        Some(c) => Some(headers.find(path, c, "data.respondent_id")?),
        None => None,
    };
    Ok(Columns {
        items,
        segments,
        multi,
        free_text,
        respondent_id,
    })
}

/// Reads one or more response files (concatenated, patterns expanded) into the compact layout.
pub fn read_responses(survey: &Survey, paths: &[PathBuf]) -> Result<Ingested, IngestError> {
    let paths = expand_patterns(paths)?;
    let mut reader = RowReader::new(survey);
    for path in &paths {
        reader.read_file(path)?;
    }
    within_group_limit(survey, reader.finish())
}

/// Reads responses already in memory as Arrow record batches into the compact layout, with the
/// same checks and accounting as a file (the batches' name stands for the file).
pub fn read_record_batches(
    survey: &Survey,
    batches: &MemoryBatches,
) -> Result<Ingested, IngestError> {
    let mut reader = RowReader::new(survey);
    reader.read_memory(batches)?;
    within_group_limit(survey, reader.finish())
}

/// Refuses a segment with more than [`engage_model::MAX_SEGMENT_GROUPS`] groups, naming the
/// file and the value that went over: such a column is an id or free text, not groups of
/// staff, and every group would cost a table row, a suppression decision, a chart bar and a
/// bureau pack.
fn within_group_limit(survey: &Survey, ingested: Ingested) -> Result<Ingested, IngestError> {
    let limit = engage_model::MAX_SEGMENT_GROUPS;
    let plain = survey.definition.segments.len();
    // Plain and nested segments, then crosses (two segments of 9,000 and 6 groups can give
    // tens of thousands of cells).
    for s in 0..survey.segment_count() {
        let column = &ingested.table.segments[s];
        // Level 0 is the missing value.
        if column.levels.len() - 1 <= limit {
            continue;
        }
        // The first accepted row that brings the count over, and its file.
        let mut seen = vec![false; column.levels.len()];
        let mut distinct = 0;
        let row = column
            .codes
            .iter()
            .position(|&code| {
                if code != 0 && !std::mem::replace(&mut seen[code as usize], true) {
                    distinct += 1;
                }
                distinct > limit
            })
            .expect("over the limit somewhere");
        let mut before = 0;
        let file = ingested
            .accounts
            .iter()
            .find(|a| {
                before += a.rows_accepted;
                row < before
            })
            .map_or_else(String::new, |a| a.path.clone());
        let column_name = match survey.definition.segments.get(s) {
            Some(segment) => segment.column.clone(),
            None => {
                let (a, b) = (
                    survey.segment_parents[s].expect("a cross has two segments"),
                    survey.segment_across[s].expect("a cross has two segments"),
                );
                format!(
                    "{} × {}",
                    survey.definition.segments[a].column, survey.definition.segments[b].column
                )
            }
        };
        debug_assert!(s < plain || column_name.contains(" × "));
        return Err(IngestError::TooManyGroups {
            path: PathBuf::from(file),
            segment: survey.segment_id(s).to_string(),
            column: column_name,
            groups: column.levels.len() - 1,
            limit,
            value: column.levels[column.codes[row] as usize].value.clone(),
        });
    }
    Ok(ingested)
}

/// State that lives across files: lookups, seen ids, the growing table.
struct RowReader<'s> {
    survey: &'s Survey,
    answers: AnswerMap,
    options: Vec<Option<OptionMap>>,
    declared: Vec<Option<HashSet<String>>>,
    /// Missing codes, compared by a scan: a few words, cheaper than hashing every cell.
    missing_words: Vec<String>,
    seen_ids: SeenIds,
    segments: Vec<SegmentBuilder>,
    order: Vec<usize>,
    out: Ingested,
}

/// Problems of the row being read, and whether any of them rejects it.
struct RowProblems<'a> {
    survey: &'a Survey,
    file: &'a str,
    row: usize,
    index: &'a HeaderIndex,
    problems: Vec<Problem>,
    reject: bool,
}

impl RowProblems<'_> {
    fn flag(
        &mut self,
        kind: ProblemKind,
        column: Option<usize>,
        value: &str,
        reason: String,
    ) -> Action {
        let problem = new_problem(
            self.survey,
            self.file,
            self.row,
            self.index,
            kind,
            column,
            value,
            reason,
        );
        let action = problem.action;
        self.reject |= action == Action::Reject;
        self.problems.push(problem);
        action
    }
}

/// A problem in a cell (or a row, when `column` is `None`), with the action the policy takes.
#[allow(clippy::too_many_arguments)]
fn new_problem(
    survey: &Survey,
    file: &str,
    row: usize,
    index: &HeaderIndex,
    kind: ProblemKind,
    column: Option<usize>,
    value: &str,
    reason: String,
) -> Problem {
    Problem {
        file: file.to_string(),
        row,
        column: column.map(|c| {
            if c == FILE_INDEX {
                FILE_COLUMN.to_string()
            } else {
                index.name(c).to_string()
            }
        }),
        value: shown_value(value),
        kind,
        action: survey.policy.action(kind),
        reason,
    }
}

/// A cell as a problem shows it: at most 100 characters, then "…" and the full length (the
/// rejects file keeps the whole row).
fn shown_value(value: &str) -> String {
    const SHOWN: usize = 100;
    match value.char_indices().nth(SHOWN) {
        None => value.to_string(),
        Some((cut, _)) => format!("{}… ({} characters)", &value[..cut], value.chars().count()),
    }
}

/// Flags a problem and says what the policy does about it; both row loops decide through the
/// same rules with one of these.
type Flag<'f> = dyn FnMut(ProblemKind, Option<usize>, &str, String) -> Action + 'f;

/// What a row's items add up to, for the row rules ([`RowReader::row_rules`]).
#[derive(Debug, Clone, Copy, Default)]
struct ItemSummary {
    /// Some item is not blank (not applicable counts as an answer).
    any_answer: bool,
    /// Items answered on the scale.
    points: usize,
    /// The first scale answer, and whether every scale answer equals it.
    first: Option<u8>,
    all_same: bool,
}

impl ItemSummary {
    fn add(&mut self, code: u8) {
        if code == CODE_MISSING {
            return;
        }
        self.any_answer = true;
        if code == CODE_NOT_APPLICABLE {
            return;
        }
        self.points += 1;
        match self.first {
            None => {
                self.first = Some(code);
                self.all_same = true;
            }
            Some(first) => self.all_same &= first == code,
        }
    }
}

/// The [`ItemSummary`] of every row of a batch, built one item column at a time without
/// branches (the column-wise loop's hot path).
struct ItemSummaries {
    any_answer: Vec<bool>,
    points: Vec<u32>,
    /// The first scale answer, `CODE_MISSING` while there is none.
    first: Vec<u8>,
    /// No scale answer so far differs from the first.
    same: Vec<bool>,
}

impl ItemSummaries {
    fn new(rows: usize) -> Self {
        ItemSummaries {
            any_answer: vec![false; rows],
            points: vec![0; rows],
            first: vec![CODE_MISSING; rows],
            same: vec![true; rows],
        }
    }

    fn add_column(&mut self, codes: &[u8]) {
        let rows = self
            .any_answer
            .iter_mut()
            .zip(&mut self.points)
            .zip(self.first.iter_mut().zip(&mut self.same));
        for (((any, points), (first, same)), &code) in rows.zip(codes) {
            let answered = code != CODE_MISSING;
            let on_scale = answered & (code != CODE_NOT_APPLICABLE);
            *any |= answered;
            *points += u32::from(on_scale);
            let now = if *first == CODE_MISSING && on_scale {
                code
            } else {
                *first
            };
            *same &= !on_scale | (code == now);
            *first = now;
        }
    }

    fn row(&self, row: usize) -> ItemSummary {
        let first = self.first[row];
        ItemSummary {
            any_answer: self.any_answer[row],
            points: self.points[row] as usize,
            first: (first != CODE_MISSING).then_some(first),
            all_same: first != CODE_MISSING && self.same[row],
        }
    }
}

impl<'s> RowReader<'s> {
    fn new(survey: &'s Survey) -> Self {
        let def = &survey.definition;
        let mut out = Ingested::default();
        out.table.items = vec![Vec::new(); def.items.len()];
        out.table.multi = vec![MultiColumn::default(); def.multi_select.len()];
        out.table.comments = vec![Vec::new(); def.free_text.len()];
        RowReader {
            survey,
            answers: AnswerMap::new(survey),
            options: def
                .multi_select
                .iter()
                .map(|q| (q.storage == MultiStorage::Delimited).then(|| OptionMap::new(q)))
                .collect(),
            declared: def
                .segments
                .iter()
                .map(|s| {
                    s.values
                        .as_ref()
                        .map(|v| v.iter().map(|x| normalize_text(x)).collect())
                })
                .collect(),
            missing_words: def
                .missing
                .codes
                .iter()
                .map(|m| normalize_text(m))
                .collect(),
            seen_ids: SeenIds::default(),
            segments: def.segments.iter().map(|_| SegmentBuilder::new()).collect(),
            // Crosses are built from their segments' codes once all rows are in.
            order: survey
                .segments_parents_first()
                .into_iter()
                .filter(|&s| survey.segment_across[s].is_none())
                .collect(),
            out,
        }
    }

    /// Sizes the table and the id set for `rows` more rows at once: growing by doubling would
    /// hold the old and the new id table together. Only an optimisation, so a refused
    /// allocation (a damaged file's absurd row count) is ignored and growth stays ordinary.
    fn reserve_rows(&mut self, rows: usize) {
        let table = &mut self.out.table;
        for column in &mut table.items {
            let _ = column.try_reserve_exact(rows);
        }
        for column in &mut table.multi {
            let _ = column.picks.try_reserve_exact(rows);
            let _ = column.answered.try_reserve_exact(rows);
        }
        for builder in &mut self.segments {
            let _ = builder.column.codes.try_reserve_exact(rows);
        }
        if self.survey.definition.data.respondent_id.is_some() {
            self.seen_ids.reserve(rows, &self.out.table.respondent_ids);
            let _ = self.out.table.respondent_ids.try_reserve_exact(rows);
        }
    }

    fn read_file(&mut self, path: &Path) -> Result<(), IngestError> {
        // The provenance hash reads the file a second time, beside the reading (a CSV's row
        // loop runs on one thread; 0.1 s for a 150 MB Parquet file).
        let (sha256, account) =
            rayon::join(|| crate::file_sha256(path), || self.read_rows(path, None));
        let mut account = account?;
        account.sha256 = sha256?;
        self.out.accounts.push(account);
        Ok(())
    }

    /// Record batches in memory, read as one file.
    fn read_memory(&mut self, batches: &MemoryBatches) -> Result<(), IngestError> {
        let (sha256, account) = rayon::join(
            || batches.sha256(),
            || self.read_rows(batches.name(), Some(batches)),
        );
        let mut account = account?;
        account.sha256 = sha256?;
        self.out.accounts.push(account);
        Ok(())
    }

    /// Reads one file's rows (from `memory` when given, else from the file at `path`); its
    /// account's `sha256` is left empty.
    fn read_rows(
        &mut self,
        path: &Path,
        memory: Option<&MemoryBatches>,
    ) -> Result<FileAccount, IngestError> {
        let mut source: Box<dyn source::RecordSource> = match memory {
            Some(batches) => Box::new(ColumnarSource::memory(batches)),
            None => source::open(path, &self.survey.definition.data)?,
        };
        let header = source.header().to_vec();
        if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
            return Err(IngestError::Empty {
                path: path.to_path_buf(),
            });
        }
        let mut index = HeaderIndex::new(header.clone());
        let cols = locate(self.survey, path, &mut index)?;
        source.check_used_columns(&cols.used())?;
        // A set beside the list: a file with 100,000 unused columns took 10 s comparing each
        // with every earlier one.
        let mut listed: std::collections::HashSet<String> =
            self.out.unused_columns.iter().cloned().collect();
        for u in index.unused() {
            if listed.insert(u.clone()) {
                self.out.unused_columns.push(u);
            }
        }
        let file = path.display().to_string();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut account = FileAccount {
            path: file.clone(),
            sha256: String::new(),
            format: source.description(),
            rows_read: 0,
            rows_accepted: 0,
            rows_rejected: 0,
        };
        if let Some(rows) = source.rows_hint() {
            self.reserve_rows(rows.min(MAX_RESERVED_ROWS));
        }
        let format = match memory {
            Some(_) => DataFormat::Arrow,
            None => source::format_of(path, &self.survey.definition.data)?,
        };
        if matches!(format, DataFormat::Parquet | DataFormat::Arrow) {
            drop(source);
            let context = batch::FileContext {
                path,
                format,
                file: &file,
                stem: &stem,
                header: &header,
                index: &index,
                cols: &cols,
                memory,
            };
            self.read_columnar(&context, &mut account)?;
            return Ok(account);
        }
        let mut record = Record::default();
        while let Some(row) = source.next_record(&mut record)? {
            account.rows_read += 1;
            let problems = RowProblems {
                survey: self.survey,
                file: &file,
                row,
                index: &index,
                problems: Vec::new(),
                reject: false,
            };
            if self.row(&record, &cols, &stem, problems, &header) {
                account.rows_accepted += 1;
            } else {
                account.rows_rejected += 1;
            }
        }
        Ok(account)
    }

    /// Reads one record; returns whether it was accepted.
    fn row(
        &mut self,
        record: &Record,
        cols: &Columns,
        stem: &str,
        mut rp: RowProblems<'_>,
        header: &[String],
    ) -> bool {
        let survey = self.survey;
        let def = &survey.definition;
        let cell = |c: usize| {
            if c == FILE_INDEX {
                stem
            } else {
                record.get(c).unwrap_or("")
            }
        };

        if record.len() != rp.index.len() {
            rp.flag(
                ProblemKind::RaggedRow,
                None,
                "",
                format!(
                    "row has {} fields, the header has {}",
                    record.len(),
                    rp.index.len()
                ),
            );
        }

        let mut codes = Vec::with_capacity(cols.items.len());
        for &c in &cols.items {
            match self.answers.code(cell(c)) {
                Ok(code) => codes.push(code),
                Err((kind, reason)) => {
                    rp.flag(kind, Some(c), cell(c), reason);
                    codes.push(CODE_MISSING);
                }
            }
        }

        let mut segment_values: Vec<String> = Vec::with_capacity(cols.segments.len());
        for (s, &c) in cols.segments.iter().enumerate() {
            let (mut value, problem) = self.segment_value(s, cell(c));
            if let Some((kind, reason)) = problem {
                if rp.flag(kind, Some(c), cell(c), reason) == Action::Blank {
                    value.clear();
                }
            }
            segment_values.push(value);
        }

        let mut multi = Vec::with_capacity(cols.multi.len());
        for q in 0..def.multi_select.len() {
            let (bits, any_cell) = match &self.options[q] {
                None => {
                    let mut bits = 0u64;
                    let mut any = false;
                    for (o, &c) in cols.multi[q].iter().enumerate() {
                        match option_cell(cell(c)) {
                            Ok(Some(picked)) => {
                                any = true;
                                if picked {
                                    bits |= 1 << o;
                                }
                            }
                            Ok(None) => {}
                            Err((kind, reason)) => {
                                rp.flag(kind, Some(c), cell(c), reason);
                            }
                        }
                    }
                    (bits, any)
                }
                Some(options) => {
                    let c = cols.multi[q][0];
                    match options.picks(cell(c)) {
                        Ok(bits) => (bits, !normalized(cell(c)).is_empty()),
                        Err((kind, reason)) => {
                            rp.flag(kind, Some(c), cell(c), reason);
                            (0, false)
                        }
                    }
                }
            };
            let first_col = cols.multi[q][0];
            let (bits, answered) =
                self.multi_rules(q, bits, any_cell, first_col, &mut |k, c, v, r| {
                    rp.flag(k, c, v, r)
                });
            multi.push((bits, answered));
        }

        let mut respondent = None;
        if let Some(c) = cols.respondent_id {
            let id = normalized(cell(c)).into_owned();
            if id.is_empty() {
                rp.flag(
                    ProblemKind::BlankId,
                    Some(c),
                    "",
                    "respondent id is blank".into(),
                );
            } else if self
                .seen_ids
                .contains(&self.out.table.respondent_ids, crate::ids::fingerprint(&id))
            {
                rp.flag(
                    ProblemKind::DuplicateId,
                    Some(c),
                    cell(c),
                    "duplicate respondent id (an earlier accepted row has it)".into(),
                );
            } else {
                respondent = Some(id);
            }
        }

        let comments: Vec<String> = cols
            .free_text
            .iter()
            .map(|&c| self.comment_value(cell(c)))
            .collect();

        let mut items = ItemSummary::default();
        codes.iter().for_each(|&c| items.add(c));
        let any_answer = items.any_answer
            || multi.iter().any(|&(_, answered)| answered)
            || comments.iter().any(|c| !c.is_empty());
        self.row_rules(any_answer, &items, &mut |k, c, v, r| rp.flag(k, c, v, r));

        if rp.reject {
            self.out.rejected.push(RejectedRow {
                file: rp.file.to_string(),
                row: rp.row,
                header: header.to_vec(),
                raw: record.iter().map(str::to_string).collect(),
                reasons: rp.problems.iter().map(|p| p.to_string()).collect(),
            });
            self.out.problems.extend(rp.problems);
            return false;
        }
        self.out.problems.extend(rp.problems);
        if cols.respondent_id.is_some() {
            let ids = &mut self.out.table.respondent_ids;
            ids.push(respondent.as_deref().map(crate::ids::fingerprint));
            if respondent.is_some() {
                // Checked above: no recorded row has this id.
                self.seen_ids.insert(ids, ids.len() - 1);
            }
        }
        for (column, code) in self.out.table.items.iter_mut().zip(codes) {
            column.push(code);
        }
        for &s in &self.order {
            let code = match survey.segment_parents[s] {
                Some(p) => {
                    let (parent, child) = pair_mut(&mut self.segments, p, s);
                    let pc = *parent.column.codes.last().expect("parent pushed first");
                    child.code(&segment_values[s], Some((pc, parent.key(pc))))
                }
                None => self.segments[s].code(&segment_values[s], None),
            };
            self.segments[s].column.codes.push(code);
        }
        for (column, (bits, answered)) in self.out.table.multi.iter_mut().zip(multi) {
            column.picks.push(bits);
            column.answered.push(answered);
        }
        for (column, text) in self.out.table.comments.iter_mut().zip(comments) {
            column.push(text);
        }
        self.out.table.n_rows += 1;
        true
    }

    /// A segment cell's value (blank for a missing code) and, when the segment declares its
    /// values and this is not one of them, the problem; under `blank` the caller clears it.
    fn segment_value(&self, s: usize, cell: &str) -> (String, Option<CellError>) {
        let mut value = normalized(cell).into_owned();
        if self.missing_words.contains(&value) {
            value.clear();
        }
        let unusable = value.chars().count() > engage_model::MAX_SEGMENT_VALUE_CHARS
            || value
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
        if unusable {
            return (
                value,
                Some((
                    ProblemKind::BadSegmentValue,
                    format!(
                        "a segment value must be at most {} characters, without control characters such as NUL (segment `{}`)",
                        engage_model::MAX_SEGMENT_VALUE_CHARS,
                        self.survey.definition.segments[s].id.get_ref()
                    ),
                )),
            );
        }
        let undeclared = match &self.declared[s] {
            Some(allowed) if !value.is_empty() => !allowed.contains(&value),
            _ => false,
        };
        let problem = undeclared.then(|| {
            (
                ProblemKind::UndeclaredSegment,
                format!(
                    "not one of the declared values of segment `{}`",
                    self.survey.definition.segments[s].id.get_ref()
                ),
            )
        });
        (value, problem)
    }

    /// A free-text cell: normalised, blank for a missing code.
    fn comment_value(&self, cell: &str) -> String {
        let text = normalized(cell).into_owned();
        if self.missing_words.contains(&text) {
            String::new()
        } else {
            text
        }
    }

    /// Whether question `q` counts as answered, after its exclusive option and its pick limit:
    /// `bits` and `any_cell` are what its cells held.
    fn multi_rules(
        &self,
        q: usize,
        mut bits: u64,
        any_cell: bool,
        first_col: usize,
        flag: &mut Flag<'_>,
    ) -> (u64, bool) {
        let question = &self.survey.definition.multi_select[q];
        let mut answered = match question.skipped_when {
            SkipRule::AllBlank => any_cell,
            SkipRule::NoPick => bits != 0,
        };
        if let Some(none) = self.survey.none_options[q] {
            if bits & (1 << none) != 0 && bits != 1 << none {
                let action = flag(
                    ProblemKind::NoneWithOthers,
                    Some(first_col),
                    "",
                    format!(
                        "`{}` ({}) is exclusive but was picked with other options",
                        question.options[none].id.get_ref(),
                        question.options[none].ja
                    ),
                );
                if action == Action::Blank {
                    (bits, answered) = (0, false);
                }
            }
        }
        if let Some(max) = question.max_picks {
            let picked = bits.count_ones() as usize;
            if picked > max {
                let action = flag(
                    ProblemKind::TooManyPicks,
                    Some(first_col),
                    "",
                    format!(
                        "{picked} picks in question `{}`, at most {max} allowed",
                        question.id.get_ref()
                    ),
                );
                if action == Action::Blank {
                    (bits, answered) = (0, false);
                }
            }
        }
        (bits, answered)
    }

    /// The rules about a whole row: it must answer something, and a long run of identical
    /// answers is straight-lining.
    fn row_rules(&self, any_answer: bool, items: &ItemSummary, flag: &mut Flag<'_>) {
        if !any_answer {
            flag(
                ProblemKind::NoAnswers,
                None,
                "",
                "the row has no answers at all".into(),
            );
        }
        let min_items = self.survey.policy.straight_lining_min_items.max(2);
        if let (Some(first), true) = (items.first, items.all_same) {
            if items.points >= min_items {
                flag(
                    ProblemKind::StraightLining,
                    None,
                    "",
                    format!(
                        "all {} answered items have the same answer ({})",
                        items.points,
                        self.survey.value_of(first)
                    ),
                );
            }
        }
    }

    fn finish(mut self) -> Ingested {
        let mut remaps: Vec<Option<Vec<u32>>> = vec![None; self.segments.len()];
        for &s in &self.order {
            let parent_map = self.survey.segment_parents[s].and_then(|p| remaps[p].clone());
            remaps[s] = Some(self.segments[s].finish(self.survey, s, parent_map.as_deref()));
        }
        self.out.table.segments = self.segments.into_iter().map(|b| b.column).collect();
        let plain = self.survey.definition.segments.len();
        for s in plain..self.survey.segment_count() {
            let (a, b) = (
                self.survey.segment_parents[s].expect("a cross has two segments"),
                self.survey.segment_across[s].expect("a cross has two segments"),
            );
            let cross = crate::layout::cross_column(
                &self.out.table.segments[a],
                &self.out.table.segments[b],
            );
            self.out.table.segments.push(cross);
        }
        self.out
    }
}

/// Two distinct elements of a slice, the first shared and the second mutable.
fn pair_mut<T>(items: &mut [T], a: usize, b: usize) -> (&T, &mut T) {
    assert_ne!(a, b, "a segment is not its own parent");
    if a < b {
        let (left, right) = items.split_at_mut(b);
        (&left[a], &mut right[0])
    } else {
        let (left, right) = items.split_at_mut(a);
        (&right[0], &mut left[b])
    }
}

//! The column-wise loop for Parquet and Arrow IPC. Record batches are decoded in parallel,
//! column by column, with every distinct cell text decided once; rows are then accepted or
//! rejected in file order (duplicate ids and segment dictionaries need that order). Every
//! decision is the row loop's own (`segment_value`, `multi_rules`, `row_rules`, the answer
//! and pick maps), and `tests/columnar_equivalence.rs` checks that a file read column-wise
//! gives the same table, problems and rejects as its CSV twin read row by row.

use std::collections::HashMap;
use std::path::Path;

use arrow_array::{Array, RecordBatch};
use rayon::prelude::*;

use engage_model::{Action, ProblemKind, CODE_MISSING};

use super::{new_problem, Columns, FileAccount, ItemSummary, RejectedRow, RowReader, FILE_INDEX};
use crate::columnar::{cell_text, keyed, ColumnarBatches, ColumnarSource, Keyed};
use crate::headers::HeaderIndex;
use crate::values::{normalized, option_cell};
use crate::IngestError;

/// Batches (Parquet: row groups) decoded together: enough to keep every core busy, few enough
/// to keep memory flat.
const WINDOW: usize = 8;

/// Problems of a batch's rows in the order the row loop meets them: `phase` 0 for cells and
/// question rules, 1 for the respondent id, 2 for the row rules.
struct BatchProblems<'a> {
    reader: &'a RowReader<'a>,
    file: &'a str,
    index: &'a HeaderIndex,
    first_row: usize,
    list: Vec<(usize, u8, super::Problem)>,
}

impl BatchProblems<'_> {
    fn flag(
        &mut self,
        row: usize,
        phase: u8,
        kind: ProblemKind,
        column: Option<usize>,
        value: &str,
        reason: String,
    ) -> Action {
        let problem = new_problem(
            self.reader.survey,
            self.file,
            self.first_row + row,
            self.index,
            kind,
            column,
            value,
            reason,
        );
        let action = problem.action;
        self.list.push((row, phase, problem));
        action
    }
}

/// One batch, decoded: per column what the row loop would have computed per cell.
struct Decoded {
    rows: usize,
    first_row: usize,
    codes: Vec<Vec<u8>>,
    /// Per segment of the definition: each row's key and, per key, the value after the rules.
    segments: Vec<(Vec<u32>, Vec<String>)>,
    multi: Vec<(Vec<u64>, Vec<bool>)>,
    /// Each row's id fingerprint (`None` when blank, or a duplicate kept); empty without an
    /// id column.
    ids: Vec<Option<u128>>,
    comments: Vec<Vec<String>>,
    problems: Vec<(usize, u8, super::Problem)>,
}

/// What one file's column-wise reading needs from `read_file`.
pub(super) struct FileContext<'a> {
    pub path: &'a Path,
    pub format: engage_model::DataFormat,
    pub file: &'a str,
    pub stem: &'a str,
    pub header: &'a [String],
    pub index: &'a HeaderIndex,
    pub cols: &'a Columns,
}

/// The columns read as dictionaries when stored as strings: every used column but ids and
/// comments, whose values rarely repeat.
fn dictionary_columns(cols: &Columns) -> Vec<usize> {
    cols.items
        .iter()
        .chain(&cols.segments)
        .chain(cols.multi.iter().flatten())
        .copied()
        .filter(|&c| c != FILE_INDEX)
        .collect()
}

impl RowReader<'_> {
    pub(super) fn read_columnar(
        &mut self,
        ctx: &FileContext<'_>,
        account: &mut FileAccount,
    ) -> Result<(), IngestError> {
        let mut batches = ColumnarBatches::open(
            ctx.path,
            ctx.format,
            &ctx.cols.used(),
            &dictionary_columns(ctx.cols),
        )?;
        let first_rejected = self.out.rejected.len();
        loop {
            let window = batches.next_window(WINDOW)?;
            if window.is_empty() {
                break;
            }
            let this = &*self;
            let decoded: Vec<Decoded> = window
                .par_iter()
                .map(|(first_row, batch)| {
                    crate::columnar::guarded(ctx.path, || {
                        Ok(this.decode(ctx, &batches.column_of, *first_row, batch))
                    })
                })
                .collect::<Result<_, _>>()?;
            for (d, (_, batch)) in decoded.into_iter().zip(&window) {
                self.accept(ctx, d, batch, &batches.column_of, account);
            }
        }
        // Rejected rows keep every column of the file, also those not read above.
        let rejected = &mut self.out.rejected[first_rejected..];
        if !rejected.is_empty() {
            let rows: Vec<usize> = rejected.iter().map(|r| r.row).collect();
            let mut source = match ctx.format {
                engage_model::DataFormat::Parquet => ColumnarSource::parquet(ctx.path)?,
                _ => ColumnarSource::arrow_ipc(ctx.path)?,
            };
            for (r, raw) in rejected.iter_mut().zip(source.rows_at(&rows)?) {
                r.raw = raw;
            }
        }
        Ok(())
    }

    fn decode(
        &self,
        ctx: &FileContext<'_>,
        column_of: &[Option<usize>],
        first_row: usize,
        batch: &RecordBatch,
    ) -> Decoded {
        let survey = self.survey;
        let def = &survey.definition;
        let cols = ctx.cols;
        let rows = batch.num_rows();
        let column = |c: usize| -> &dyn Array {
            batch
                .column(column_of[c].expect("every used column is read"))
                .as_ref()
        };
        let keyed_column = |c: usize| {
            if c == FILE_INDEX {
                Keyed::constant(rows, ctx.stem)
            } else {
                keyed(column(c))
            }
        };
        let mut problems = BatchProblems {
            reader: self,
            file: ctx.file,
            index: ctx.index,
            first_row,
            list: Vec::new(),
        };

        let mut items = vec![ItemSummary::default(); rows];
        let codes: Vec<Vec<u8>> = cols
            .items
            .iter()
            .map(|&c| {
                let cells = keyed_column(c);
                let decided = cells.decide(|t| self.answers.code(t));
                let table: Vec<u8> = decided
                    .iter()
                    .map(|d| *d.as_ref().unwrap_or(&CODE_MISSING))
                    .collect();
                let any_error = decided.iter().any(Result::is_err);
                let mut out = Vec::with_capacity(rows);
                for (row, &k) in cells.keys.iter().enumerate() {
                    let code = table[k as usize];
                    out.push(code);
                    items[row].add(code);
                    if any_error {
                        if let Err((kind, reason)) = &decided[k as usize] {
                            let text = &cells.texts[k as usize];
                            problems.flag(row, 0, *kind, Some(c), text, reason.clone());
                        }
                    }
                }
                out
            })
            .collect();

        let blank_undeclared =
            survey.policy.action(ProblemKind::UndeclaredSegment) == Action::Blank;
        let segments = cols
            .segments
            .iter()
            .enumerate()
            .map(|(s, &c)| {
                let cells = keyed_column(c);
                let decided = cells.decide(|t| self.segment_value(s, t));
                if decided.iter().any(|(_, p)| p.is_some()) {
                    for (row, &k) in cells.keys.iter().enumerate() {
                        if let (_, Some((kind, reason))) = &decided[k as usize] {
                            let text = &cells.texts[k as usize];
                            problems.flag(row, 0, *kind, Some(c), text, reason.clone());
                        }
                    }
                }
                let values = decided
                    .into_iter()
                    .map(|(v, p)| {
                        if p.is_some() && blank_undeclared {
                            String::new()
                        } else {
                            v
                        }
                    })
                    .collect();
                (cells.keys, values)
            })
            .collect();

        let mut multi = Vec::with_capacity(def.multi_select.len());
        for q in 0..def.multi_select.len() {
            let mut bits = vec![0u64; rows];
            let mut any_cell = vec![false; rows];
            match &self.options[q] {
                None => {
                    for (o, &c) in cols.multi[q].iter().enumerate() {
                        let cells = keyed_column(c);
                        let decided = cells.decide(option_cell);
                        for (row, &k) in cells.keys.iter().enumerate() {
                            match &decided[k as usize] {
                                Ok(Some(picked)) => {
                                    any_cell[row] = true;
                                    bits[row] |= u64::from(*picked) << o;
                                }
                                Ok(None) => {}
                                Err((kind, reason)) => {
                                    let text = &cells.texts[k as usize];
                                    problems.flag(row, 0, *kind, Some(c), text, reason.clone());
                                }
                            }
                        }
                    }
                }
                Some(options) => {
                    let c = cols.multi[q][0];
                    let cells = keyed_column(c);
                    let decided = cells.decide(|t| (options.picks(t), !normalized(t).is_empty()));
                    for (row, &k) in cells.keys.iter().enumerate() {
                        match &decided[k as usize] {
                            (Ok(picks), nonblank) => {
                                (bits[row], any_cell[row]) = (*picks, *nonblank)
                            }
                            (Err((kind, reason)), _) => {
                                let text = &cells.texts[k as usize];
                                problems.flag(row, 0, *kind, Some(c), text, reason.clone());
                            }
                        }
                    }
                }
            }
            let first_col = cols.multi[q][0];
            let mut answered = vec![false; rows];
            for row in 0..rows {
                (bits[row], answered[row]) =
                    self.multi_rules(q, bits[row], any_cell[row], first_col, &mut |k, c, v, r| {
                        problems.flag(row, 0, k, c, v, r)
                    });
            }
            multi.push((bits, answered));
        }

        let mut ids = Vec::new();
        if let Some(c) = cols.respondent_id {
            let array = column(c);
            ids = (0..rows)
                .map(|row| {
                    let id = normalized(&cell_text(array, row)).into_owned();
                    if id.is_empty() {
                        let reason = "respondent id is blank".to_string();
                        problems.flag(row, 1, ProblemKind::BlankId, Some(c), "", reason);
                        None
                    } else {
                        Some(crate::ids::fingerprint(&id))
                    }
                })
                .collect();
        }

        let comments: Vec<Vec<String>> = cols
            .free_text
            .iter()
            .map(|&c| {
                let array = column(c);
                (0..rows)
                    .map(|row| self.comment_value(&cell_text(array, row)))
                    .collect()
            })
            .collect();

        for (row, summary) in items.iter().enumerate() {
            let any_answer = summary.any_answer
                || multi.iter().any(|(_, answered)| answered[row])
                || comments.iter().any(|c| !c[row].is_empty());
            self.row_rules(any_answer, summary, &mut |k, c, v, r| {
                problems.flag(row, 2, k, c, v, r)
            });
        }

        Decoded {
            rows,
            first_row,
            codes,
            segments,
            multi,
            ids,
            comments,
            problems: problems.list,
        }
    }

    /// Accepts or rejects a decoded batch's rows in file order and appends the accepted ones.
    fn accept(
        &mut self,
        ctx: &FileContext<'_>,
        mut d: Decoded,
        batch: &RecordBatch,
        column_of: &[Option<usize>],
        account: &mut FileAccount,
    ) {
        let mut reject = vec![false; d.rows];
        for (row, _, p) in &d.problems {
            reject[*row] |= p.action == Action::Reject;
        }
        // Duplicate ids against the rows accepted before, in file order.
        if let Some(c) = ctx.cols.respondent_id {
            let array = batch
                .column(column_of[c].expect("the id column is read"))
                .as_ref();
            let action = self.survey.policy.action(ProblemKind::DuplicateId);
            for (row, slot) in d.ids.iter_mut().enumerate() {
                let Some(id) = *slot else { continue };
                if self.seen_ids.contains_fingerprint(id) {
                    let problem = new_problem(
                        self.survey,
                        ctx.file,
                        d.first_row + row,
                        ctx.index,
                        ProblemKind::DuplicateId,
                        Some(c),
                        &cell_text(array, row),
                        "duplicate respondent id (an earlier accepted row has it)".into(),
                    );
                    d.problems.push((row, 1, problem));
                    reject[row] |= action == Action::Reject;
                    *slot = None;
                } else if !reject[row] {
                    self.seen_ids.insert_fingerprint(id);
                }
            }
        }
        d.problems.sort_by_key(|&(row, phase, _)| (row, phase));

        let mut problems = d.problems.into_iter().peekable();
        for (row, &rejected) in reject.iter().enumerate() {
            account.rows_read += 1;
            let mut reasons = Vec::new();
            while let Some((_, _, p)) = problems.next_if(|(r, _, _)| *r == row) {
                if rejected {
                    reasons.push(p.to_string());
                }
                self.out.problems.push(p);
            }
            if rejected {
                account.rows_rejected += 1;
                self.out.rejected.push(RejectedRow {
                    file: ctx.file.to_string(),
                    row: d.first_row + row,
                    header: ctx.header.to_vec(),
                    // Filled once the file is read, from all its columns.
                    raw: Vec::new(),
                    reasons,
                });
            } else {
                account.rows_accepted += 1;
            }
        }

        let accepted = || (0..d.rows).filter(|&r| !reject[r]);
        let all = !reject.contains(&true);
        let table = &mut self.out.table;
        if !d.ids.is_empty() {
            table.respondent_ids.extend(accepted().map(|r| d.ids[r]));
        }
        for (column, codes) in table.items.iter_mut().zip(&d.codes) {
            if all {
                column.extend_from_slice(codes);
            } else {
                column.extend(accepted().map(|r| codes[r]));
            }
        }
        for (column, (bits, answered)) in table.multi.iter_mut().zip(&d.multi) {
            column.picks.extend(accepted().map(|r| bits[r]));
            column.answered.extend(accepted().map(|r| answered[r]));
        }
        for (column, texts) in table.comments.iter_mut().zip(&mut d.comments) {
            column.extend(accepted().map(|r| std::mem::take(&mut texts[r])));
        }
        table.n_rows += accepted().count();

        for &s in &self.order.clone() {
            let (keys, values) = &d.segments[s];
            match self.survey.segment_parents[s] {
                None => {
                    let mut memo: Vec<Option<u32>> = vec![None; values.len()];
                    let builder = &mut self.segments[s];
                    let codes: Vec<u32> = accepted()
                        .map(|r| {
                            let k = keys[r] as usize;
                            *memo[k].get_or_insert_with(|| builder.code(&values[k], None))
                        })
                        .collect();
                    builder.column.codes.extend(codes);
                }
                Some(p) => {
                    let (parent, child) = super::pair_mut(&mut self.segments, p, s);
                    let start = child.column.codes.len();
                    let mut memo: HashMap<(u32, u32), u32> = HashMap::new();
                    let codes: Vec<u32> = accepted()
                        .enumerate()
                        .map(|(i, r)| {
                            let pc = parent.column.codes[start + i];
                            let k = keys[r];
                            *memo.entry((pc, k)).or_insert_with(|| {
                                child.code(&values[k as usize], Some((pc, parent.key(pc))))
                            })
                        })
                        .collect();
                    child.column.codes.extend(codes);
                }
            }
        }
    }
}

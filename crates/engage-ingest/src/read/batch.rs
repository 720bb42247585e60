//! The column-wise loop for Parquet and Arrow IPC. Record batches are decoded in parallel,
//! column by column, with every distinct cell text decided once; rows are then accepted or
//! rejected in file order (duplicate ids and segment dictionaries need that order). Every
//! decision is the row loop's own (`segment_value`, `multi_rules`, `row_rules`, the answer
//! and pick maps), and `tests/columnar_equivalence.rs` checks that a file read column-wise
//! gives the same table, problems and rejects as its CSV twin read row by row.

use std::collections::HashMap;
use std::path::Path;

use arrow_array::Array;

use engage_model::{Action, ProblemKind, CODE_MISSING};

use super::{new_problem, Columns, FileAccount, ItemSummaries, RejectedRow, RowReader, FILE_INDEX};
use crate::columnar::{
    cell_text, decide_ints, decide_rows, keyed, with_cell_text, ColumnarBatches, ColumnarSource,
    DecidedRows, Keyed, MemoryBatches, ReadBatch,
};
use crate::headers::HeaderIndex;
use crate::values::{normalized, option_cell};
use crate::IngestError;

/// Batches (Parquet: row groups) held per thread between reading and accepting: one being
/// decoded and one waiting its turn, so a thread never waits for the accepting of another;
/// the memory they take is that of the former two windows of two on two cores.
const AHEAD_PER_THREAD: usize = 2;

/// Ids whose slots in the set of ids seen are loaded together before they are looked up
/// (`SeenIds::warm`): enough loads to overlap their cache misses, few enough that the slots
/// stay in L2 until used.
const WARM_IDS: usize = 2048;

/// What accepting rows changes, taken out of the [`RowReader`] while the column-wise loop
/// runs, so that the reader's rules can be shared with the threads decoding the next batches.
struct Accepting {
    seen_ids: crate::ids::SeenIds,
    segments: Vec<crate::layout::SegmentBuilder>,
    out: super::Ingested,
}

impl Accepting {
    fn take_from(reader: &mut RowReader<'_>) -> Self {
        Accepting {
            seen_ids: std::mem::take(&mut reader.seen_ids),
            segments: std::mem::take(&mut reader.segments),
            out: std::mem::take(&mut reader.out),
        }
    }

    fn put_back(self, reader: &mut RowReader<'_>) {
        reader.seen_ids = self.seen_ids;
        reader.segments = self.segments;
        reader.out = self.out;
    }

    /// Accepts or rejects a decoded batch's rows in file order and appends the accepted ones.
    fn accept(
        &mut self,
        reader: &RowReader<'_>,
        ctx: &FileContext<'_>,
        mut d: Decoded,
        batch: &ReadBatch,
        column_of: &[Option<usize>],
        account: &mut FileAccount,
    ) {
        let mut reject = vec![false; d.rows];
        for (row, _, p) in &d.problems {
            reject[*row] |= p.action == Action::Reject;
        }
        // Duplicate ids against the rows accepted before, in file order. A row's id goes into
        // the table's id column as soon as the row is known to be accepted, so that the set of
        // ids seen (row numbers into that column) also finds ids met earlier in this batch.
        if let Some(c) = ctx.cols.respondent_id {
            let array = batch
                .batch
                .column(column_of[c].expect("the id column is read"))
                .as_ref();
            let action = reader.survey.policy.action(ProblemKind::DuplicateId);
            let ids = &mut self.out.table.respondent_ids;
            let rows = d.ids.len();
            for (row, rejected) in reject.iter_mut().enumerate().take(rows) {
                if row % WARM_IDS == 0 {
                    self.seen_ids.warm(&d.ids[row..(row + WARM_IDS).min(rows)]);
                }
                let slot = &mut d.ids[row];
                let duplicate = if *rejected {
                    slot.is_some_and(|id| self.seen_ids.contains(ids, id))
                } else {
                    ids.push(*slot);
                    slot.is_some() && !self.seen_ids.insert(ids, ids.len() - 1)
                };
                if duplicate {
                    let problem = new_problem(
                        reader.survey,
                        ctx.file,
                        d.first_row + row,
                        ctx.index,
                        ProblemKind::DuplicateId,
                        Some(c),
                        &cell_text(array, row),
                        "duplicate respondent id (an earlier accepted row has it)".into(),
                    );
                    d.problems.push((row, 1, problem));
                    *slot = None;
                    if !*rejected {
                        // Rejected: out of the column again; kept: kept without an id.
                        if action == Action::Reject {
                            *rejected = true;
                            ids.pop();
                        } else {
                            *ids.last_mut().expect("just pushed") = None;
                        }
                    }
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
        for (column, codes) in table.items.iter_mut().zip(&d.codes) {
            if all {
                column.extend_from_slice(codes);
            } else {
                column.extend(accepted().map(|r| codes[r]));
            }
        }
        for (column, (bits, answered)) in table.multi.iter_mut().zip(&d.multi) {
            if all {
                column.picks.extend_from_slice(bits);
                column.answered.extend_from_slice(answered);
            } else {
                column.picks.extend(accepted().map(|r| bits[r]));
                column.answered.extend(accepted().map(|r| answered[r]));
            }
        }
        for (column, texts) in table.comments.iter_mut().zip(&mut d.comments) {
            column.extend(accepted().map(|r| std::mem::take(&mut texts[r])));
        }
        table.n_rows += accepted().count();

        for &s in &reader.order {
            let (keys, values) = &d.segments[s];
            match reader.survey.segment_parents[s] {
                None => {
                    let mut memo: Vec<Option<u32>> = vec![None; values.len()];
                    let builder = &mut self.segments[s];
                    // Appended in place: naming a new level does not touch the codes.
                    let mut codes = std::mem::take(&mut builder.column.codes);
                    codes.extend(accepted().map(|r| {
                        let k = keys[r] as usize;
                        *memo[k].get_or_insert_with(|| builder.code(&values[k], None))
                    }));
                    builder.column.codes = codes;
                }
                Some(p) => {
                    let (parent, child) = super::pair_mut(&mut self.segments, p, s);
                    let start = child.column.codes.len();
                    // Per key the last (parent, code) met: a child value nearly always
                    // sits under one parent, so the map is seldom consulted.
                    let mut last: Vec<Option<(u32, u32)>> = vec![None; values.len()];
                    let mut memo: HashMap<(u32, u32), u32> = HashMap::new();
                    let mut codes = std::mem::take(&mut child.column.codes);
                    codes.extend(accepted().enumerate().map(|(i, r)| {
                        let pc = parent.column.codes[start + i];
                        let k = keys[r];
                        match last[k as usize] {
                            Some((p, code)) if p == pc => code,
                            _ => {
                                let code = *memo.entry((pc, k)).or_insert_with(|| {
                                    child.code(&values[k as usize], Some((pc, parent.key(pc))))
                                });
                                last[k as usize] = Some((pc, code));
                                code
                            }
                        }
                    }));
                    child.column.codes = codes;
                }
            }
        }
    }
}

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
    ids: Vec<Option<crate::ids::Fingerprint>>,
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
    /// The batches, when they are in memory rather than in the file at `path`.
    pub memory: Option<&'a MemoryBatches>,
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

/// The columns that may be read as integers without Arrow ([`crate::columnar::IntColumn`]):
/// those only ever decided as cells (answers, pick marks), not keyed as segments, ids or
/// comments.
fn integer_columns(cols: &Columns) -> Vec<usize> {
    let keyed: Vec<usize> = cols
        .segments
        .iter()
        .chain(&cols.free_text)
        .chain(&cols.respondent_id)
        .copied()
        .collect();
    cols.items
        .iter()
        .chain(cols.multi.iter().flatten())
        .copied()
        .filter(|&c| c != FILE_INDEX && !keyed.contains(&c))
        .collect()
}

/// Where a batch's used columns are: through Arrow, or as integers without it.
struct BatchColumns<'a> {
    column_of: &'a [Option<usize>],
    int_of: &'a [Option<usize>],
}

/// A used column's rows decided (see [`decide_rows`], [`decide_ints`]); the file-name
/// column ([`FILE_INDEX`]) has the file's stem on every row.
fn decide_column<T: Copy, E: Clone>(
    batch: &ReadBatch,
    at: &BatchColumns<'_>,
    stem: &str,
    c: usize,
    refused: T,
    mut decide: impl FnMut(&str) -> Result<T, E>,
) -> DecidedRows<T, E> {
    let rows = batch.batch.num_rows();
    if c != FILE_INDEX {
        if let Some(i) = at.int_of[c] {
            return decide_ints(&batch.ints[i], rows, refused, decide);
        }
        let position = at.column_of[c].expect("every used column is read");
        return decide_rows(batch.batch.column(position).as_ref(), refused, decide);
    }
    match decide(stem) {
        Ok(value) => DecidedRows {
            values: vec![value; rows],
            errors: Vec::new(),
        },
        Err(e) => DecidedRows {
            values: vec![refused; rows],
            errors: (0..rows)
                .map(|r| (r, stem.to_string(), e.clone()))
                .collect(),
        },
    }
}

impl RowReader<'_> {
    pub(super) fn read_columnar(
        &mut self,
        ctx: &FileContext<'_>,
        account: &mut FileAccount,
    ) -> Result<(), IngestError> {
        let batches = match ctx.memory {
            Some(memory) => ColumnarBatches::memory(memory),
            None => ColumnarBatches::open(
                ctx.path,
                ctx.format,
                &ctx.cols.used(),
                &dictionary_columns(ctx.cols),
                &integer_columns(ctx.cols),
            )?,
        };
        let first_rejected = self.out.rejected.len();
        let column_of = batches.column_of.clone();
        let int_of = batches.int_of.clone();
        let at = BatchColumns {
            column_of: &column_of,
            int_of: &int_of,
        };
        // Decoding needs only the reader's rules, accepting only its state: with the state
        // taken out, batches are accepted in file order (one thread at a time) while the
        // next ones are read and decoded on the other threads.
        let mut state = Accepting::take_from(self);
        let this = &*self;
        let decode = |first_row: usize, batch: &ReadBatch| this.decode(ctx, &at, first_row, batch);
        let ahead = AHEAD_PER_THREAD * rayon::current_num_threads();
        let outcome = batches.for_each_in_order(ahead, &decode, &mut |batch, d| {
            state.accept(this, ctx, d, &batch, &column_of, account);
        });
        state.put_back(self);
        outcome?;
        // Rejected rows keep every column of the file, also those not read above.
        let rejected = &mut self.out.rejected[first_rejected..];
        if !rejected.is_empty() {
            let rows: Vec<usize> = rejected.iter().map(|r| r.row).collect();
            let mut source = match (ctx.memory, ctx.format) {
                (Some(memory), _) => ColumnarSource::memory(memory),
                (None, engage_model::DataFormat::Parquet) => ColumnarSource::parquet(ctx.path)?,
                (None, _) => ColumnarSource::arrow_ipc(ctx.path)?,
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
        at: &BatchColumns<'_>,
        first_row: usize,
        batch: &ReadBatch,
    ) -> Decoded {
        let survey = self.survey;
        let def = &survey.definition;
        let cols = ctx.cols;
        let rows = batch.batch.num_rows();
        let column = |c: usize| -> &dyn Array {
            batch
                .batch
                .column(at.column_of[c].expect("every used column is read"))
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

        let mut items = ItemSummaries::new(rows);
        let codes: Vec<Vec<u8>> = cols
            .items
            .iter()
            .map(|&c| {
                let decided = decide_column(batch, at, ctx.stem, c, CODE_MISSING, |t| {
                    self.answers.code(t)
                });
                for (row, text, (kind, reason)) in decided.errors {
                    problems.flag(row, 0, kind, Some(c), &text, reason);
                }
                items.add_column(&decided.values);
                decided.values
            })
            .collect();

        let blanked = |kind: ProblemKind| survey.policy.action(kind) == Action::Blank;
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
                    .map(|(v, p)| match p {
                        Some((kind, _)) if blanked(kind) => String::new(),
                        _ => v,
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
                        // 0 blank, 1 marked as not picked, 2 picked.
                        let decided = decide_column(batch, at, ctx.stem, c, 0u8, |t| {
                            option_cell(t).map(|mark| mark.map_or(0, |picked| 1 + u8::from(picked)))
                        });
                        for (row, text, (kind, reason)) in decided.errors {
                            problems.flag(row, 0, kind, Some(c), &text, reason);
                        }
                        let rows = bits.iter_mut().zip(&mut any_cell);
                        for ((bits, any), &mark) in rows.zip(&decided.values) {
                            *any |= mark != 0;
                            *bits |= u64::from(mark >> 1) << o;
                        }
                    }
                }
                Some(options) => {
                    let c = cols.multi[q][0];
                    let decided = decide_column(batch, at, ctx.stem, c, (0, false), |t| {
                        options
                            .picks(t)
                            .map(|picks| (picks, !normalized(t).is_empty()))
                    });
                    for (row, text, (kind, reason)) in decided.errors {
                        problems.flag(row, 0, kind, Some(c), &text, reason);
                    }
                    for (row, value) in decided.values.into_iter().enumerate() {
                        (bits[row], any_cell[row]) = value;
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
                    let id = with_cell_text(array, row, |text| {
                        let id = normalized(text);
                        (!id.is_empty()).then(|| crate::ids::fingerprint(&id))
                    });
                    if id.is_none() {
                        let reason = "respondent id is blank".to_string();
                        problems.flag(row, 1, ProblemKind::BlankId, Some(c), "", reason);
                    }
                    id
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

        for row in 0..rows {
            let summary = &items.row(row);
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
}

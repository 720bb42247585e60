//! Reading CSV response files: every row is either accepted into the [`ResponseTable`] or
//! rejected with its reasons, never dropped.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use engage_model::{normalize_text, MultiStorage, SkipRule, Survey, CODE_MISSING};
use sha2::{Digest, Sha256};

use crate::headers::HeaderIndex;
use crate::layout::{MultiColumn, ResponseTable, SegmentBuilder};
use crate::values::{answer_code, delimited_picks, option_cell};
use crate::IngestError;

/// Rows read, accepted and rejected in one file, with its content hash for provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAccount {
    pub path: String,
    pub sha256: String,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
}

/// One problem in one cell (or row, when `column` is `None`). `row` is numbered as a
/// spreadsheet shows it: the header is row 1, the first record row 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub row: usize,
    pub column: Option<String>,
    pub value: String,
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
        write!(f, ": {}", self.reason)
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
}

/// Column positions of everything the definition reads, for one file.
struct Columns {
    items: Vec<usize>,
    segments: Vec<usize>,
    /// Per question: the option columns, or the one delimited column.
    multi: Vec<Vec<usize>>,
    respondent_id: Option<usize>,
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
        .map(|s| headers.find(path, &s.column, &format!("segment `{}`", s.id.get_ref())))
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
    let respondent_id = match &def.data.respondent_id {
        Some(c) => Some(headers.find(path, c, "data.respondent_id")?),
        None => None,
    };
    Ok(Columns {
        items,
        segments,
        multi,
        respondent_id,
    })
}

/// Segments ordered so that parents come before their children.
fn segment_order(survey: &Survey) -> Vec<usize> {
    let depth = |mut s: usize| {
        let mut d = 0;
        while let Some(p) = survey.segment_parents[s] {
            d += 1;
            s = p;
        }
        d
    };
    let mut order: Vec<usize> = (0..survey.segment_parents.len()).collect();
    order.sort_by_key(|&s| depth(s));
    order
}

/// Reads one or more CSV files (concatenated) into the compact layout.
pub fn read_responses(survey: &Survey, paths: &[PathBuf]) -> Result<Ingested, IngestError> {
    let def = &survey.definition;
    let mut out = Ingested::default();
    out.table.items = vec![Vec::new(); def.items.len()];
    out.table.multi = vec![MultiColumn::default(); def.multi_select.len()];
    let mut segments: Vec<SegmentBuilder> =
        def.segments.iter().map(|_| SegmentBuilder::new()).collect();
    let order = segment_order(survey);
    let mut seen_ids: HashSet<String> = HashSet::new();
    let declared: Vec<Option<HashSet<String>>> = def
        .segments
        .iter()
        .map(|s| {
            s.values
                .as_ref()
                .map(|v| v.iter().map(|x| normalize_text(x)).collect())
        })
        .collect();

    for path in paths {
        let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
            path: path.clone(),
            source,
        })?;
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        if let Err(e) = std::str::from_utf8(body) {
            return Err(IngestError::NotUtf8 {
                path: path.clone(),
                offset: e.valid_up_to(),
            });
        }
        let file = path.display().to_string();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(body);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| IngestError::Csv {
                path: path.clone(),
                row: 1,
                message: e.to_string(),
            })?
            .iter()
            .map(str::to_string)
            .collect();
        if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
            return Err(IngestError::Empty { path: path.clone() });
        }
        let mut index = HeaderIndex::new(path, header.clone())?;
        let cols = locate(survey, path, &mut index)?;
        for u in index.unused() {
            if !out.unused_columns.contains(&u) {
                out.unused_columns.push(u);
            }
        }
        let mut account = FileAccount {
            path: file.clone(),
            sha256,
            rows_read: 0,
            rows_accepted: 0,
            rows_rejected: 0,
        };

        let mut record = csv::StringRecord::new();
        loop {
            let row = account.rows_read + 2;
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    return Err(IngestError::Csv {
                        path: path.clone(),
                        row,
                        message: e.to_string(),
                    })
                }
            }
            account.rows_read += 1;
            let mut row_problems: Vec<Problem> = Vec::new();
            let mut problem = |column: Option<usize>, value: &str, reason: String| {
                row_problems.push(Problem {
                    file: file.clone(),
                    row,
                    column: column.map(|c| index.name(c).to_string()),
                    value: value.to_string(),
                    reason,
                });
            };
            if record.len() != index.len() {
                problem(
                    None,
                    "",
                    format!(
                        "row has {} fields, the header has {}",
                        record.len(),
                        index.len()
                    ),
                );
            }
            let cell = |c: usize| record.get(c).unwrap_or("");

            let mut codes = Vec::with_capacity(cols.items.len());
            for &c in &cols.items {
                match answer_code(survey, cell(c)) {
                    Ok(code) => codes.push(code),
                    Err(reason) => {
                        problem(Some(c), cell(c), reason);
                        codes.push(CODE_MISSING);
                    }
                }
            }

            let mut segment_values: Vec<String> = Vec::with_capacity(cols.segments.len());
            for (s, &c) in cols.segments.iter().enumerate() {
                let mut value = normalize_text(cell(c));
                if def.missing.codes.iter().any(|m| normalize_text(m) == value) {
                    value.clear();
                }
                if let (Some(allowed), false) = (&declared[s], value.is_empty()) {
                    if !allowed.contains(&value) {
                        problem(
                            Some(c),
                            cell(c),
                            "not one of the segment's declared values".into(),
                        );
                    }
                }
                segment_values.push(value);
            }

            let mut multi = Vec::with_capacity(cols.multi.len());
            for (q, question) in def.multi_select.iter().enumerate() {
                let (bits, any_cell) = match question.storage {
                    MultiStorage::Columns => {
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
                                Err(reason) => problem(Some(c), cell(c), reason),
                            }
                        }
                        (bits, any)
                    }
                    MultiStorage::Delimited => {
                        let c = cols.multi[q][0];
                        match delimited_picks(question, cell(c)) {
                            Ok(bits) => (bits, !normalize_text(cell(c)).is_empty()),
                            Err(reason) => {
                                problem(Some(c), cell(c), reason);
                                (0, true)
                            }
                        }
                    }
                };
                let answered = match question.skipped_when {
                    SkipRule::AllBlank => any_cell,
                    SkipRule::NoPick => bits != 0,
                };
                let first_col = cols.multi[q][0];
                if let Some(none) = survey.none_options[q] {
                    if bits & (1 << none) != 0 && bits != 1 << none {
                        problem(
                            Some(first_col),
                            "",
                            format!(
                                "`{}` ({}) is exclusive but was picked with other options",
                                question.options[none].id.get_ref(),
                                question.options[none].ja
                            ),
                        );
                    }
                }
                if let Some(max) = question.max_picks {
                    let picked = bits.count_ones() as usize;
                    if picked > max {
                        problem(
                            Some(first_col),
                            "",
                            format!(
                                "{picked} picks in question `{}`, at most {max} allowed",
                                question.id.get_ref()
                            ),
                        );
                    }
                }
                multi.push((bits, answered));
            }

            if let Some(c) = cols.respondent_id {
                let id = normalize_text(cell(c));
                if id.is_empty() {
                    problem(Some(c), "", "respondent id is blank".into());
                } else if !seen_ids.insert(id) {
                    problem(
                        Some(c),
                        cell(c),
                        "duplicate respondent id (an earlier row has it)".into(),
                    );
                }
            }

            let no_answers = codes.iter().all(|&c| c == CODE_MISSING)
                && multi.iter().all(|&(_, answered)| !answered);
            if no_answers {
                problem(None, "", "the row has no answers at all".into());
            }

            if row_problems.is_empty() {
                account.rows_accepted += 1;
                for (column, code) in out.table.items.iter_mut().zip(codes) {
                    column.push(code);
                }
                for &s in &order {
                    let parent = survey.segment_parents[s].map(|p| {
                        let code = *segments[p]
                            .column
                            .codes
                            .last()
                            .expect("parent pushed first");
                        (code, segments[p].key(code).to_string())
                    });
                    let code = segments[s].code(
                        &segment_values[s],
                        parent.as_ref().map(|(c, k)| (*c, k.as_str())),
                    );
                    segments[s].column.codes.push(code);
                }
                for (column, (bits, answered)) in out.table.multi.iter_mut().zip(multi) {
                    column.picks.push(bits);
                    column.answered.push(answered);
                }
                out.table.n_rows += 1;
            } else {
                account.rows_rejected += 1;
                out.rejected.push(RejectedRow {
                    file: file.clone(),
                    row,
                    header: header.clone(),
                    raw: record.iter().map(str::to_string).collect(),
                    reasons: row_problems.iter().map(|p| p.to_string()).collect(),
                });
                out.problems.extend(row_problems);
            }
        }
        out.accounts.push(account);
    }

    let mut remaps: Vec<Option<Vec<u32>>> = vec![None; segments.len()];
    for &s in &order {
        let parent_map = survey.segment_parents[s].and_then(|p| remaps[p].clone());
        let declared_values = def.segments[s].values.as_deref();
        remaps[s] = Some(segments[s].finish(declared_values, parent_map.as_deref()));
    }
    out.table.segments = segments.into_iter().map(|b| b.column).collect();
    Ok(out)
}

//! Writing a drawn sample: the survey definition that describes it, and the responses as CSV
//! (UTF-8 with BOM, as survey tools export for Excel) or Parquet (zstd, 131,072-row groups).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt8Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::content::{
    ItemText, AGE_BANDS, BUREAUS, DIMENSIONS, EMPLOYMENT, GENDERS, GRADES, KPI_ITEM, MINDSET_ITEM,
    REFORM_PRIORITIES, SERVICE_YEARS, WORK_ISSUES, WORK_ISSUES_NONE,
};
use crate::model::{age_label, Sample, MISSING, NOT_APPLICABLE, NO_VALUE};
use crate::wave::WaveSpec;
use crate::SynthError;

/// The Parquet encoding of a "not applicable" answer; declared in the definition.
const NOT_APPLICABLE_CODE: u8 = 99;
const ROW_GROUP: usize = 131_072;

fn all_items() -> Vec<&'static ItemText> {
    DIMENSIONS
        .iter()
        .flat_map(|d| d.items.iter())
        .chain([&KPI_ITEM, &MINDSET_ITEM])
        .collect()
}

fn item_column(j: usize) -> String {
    format!("Q{:02}", j + 1)
}

fn work_column(o: usize) -> String {
    format!("Q{:02}_{:02}", all_items().len() + 1, o + 1)
}

fn priority_column() -> String {
    format!("Q{:02}", all_items().len() + 2)
}

/// Header of the free-text column.
pub const COMMENT_COLUMN: &str = "自由記述";

/// Header row of the response file; the comment column last when the sample has comments.
pub fn header(with_comments: bool) -> Vec<String> {
    let mut h: Vec<String> = [
        "回答者ID",
        "局区",
        "所属",
        "年齢",
        "職層",
        "雇用形態",
        "性別",
        "勤続年数",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend((0..all_items().len()).map(item_column));
    h.extend((0..=WORK_ISSUES.len()).map(work_column));
    h.push(priority_column());
    if with_comments {
        h.push(COMMENT_COLUMN.to_string());
    }
    h
}

fn quote_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// id, column, Japanese, English, declared values, parent.
type SegmentText<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a [&'a str]>,
    Option<&'a str>,
);

/// The survey definition (TOML) describing the files this crate writes; `with_comments` when
/// the sample has the free-text column.
pub fn definition_toml(spec: &WaveSpec, data_file: &str, with_comments: bool) -> String {
    let mut t = String::new();
    let w = &mut t;
    let _ = writeln!(
        w,
        "# Synthetic Kumamoto City staff survey, wave {} ({}), written by `engage generate`.",
        spec.label, spec.year
    );
    let _ = writeln!(
        w,
        "# Answers come from a calibrated latent-factor model; see docs/fixtures.md.\n"
    );
    let _ = writeln!(w, "[survey]\nid = \"kumamoto-staff-{}\"\nja = \"熊本市 職員満足度調査・市役所改革職員アンケート\"\nen = \"Kumamoto City staff satisfaction survey and reform questionnaire\"\n", spec.year);
    let _ = writeln!(
        w,
        "[wave]\nyear = {}\nlabel = \"{}\"\nfielded = \"{}\"\n",
        spec.year, spec.label, spec.fielded
    );
    let _ = writeln!(
        w,
        "[data]\nfile = \"{data_file}\"\nrespondent_id = \"回答者ID\"\n"
    );
    let _ = writeln!(
        w,
        "[scale]\nmin = 1\nmax = 5\nfavourable = [4, 5]\nunfavourable = [1, 2]\nlabels = ["
    );
    for (v, ja, en) in [
        (1, "そう思わない", "Disagree"),
        (2, "あまりそう思わない", "Tend to disagree"),
        (3, "どちらともいえない", "Neither"),
        (4, "ややそう思う", "Tend to agree"),
        (5, "そう思う", "Agree"),
    ] {
        let _ = writeln!(w, "  {{ value = {v}, ja = \"{ja}\", en = \"{en}\" }},");
    }
    let _ = writeln!(w, "]\n");
    let _ = writeln!(w, "[missing]\ncodes = [\"無回答\"]\nnot_applicable = [\"わからない\", \"{NOT_APPLICABLE_CODE}\"]\n");
    let _ = writeln!(w, "[privacy]\nmin_group_size = 5\n");
    let _ = writeln!(
        w,
        "# Illustrative headcounts (docs/fixtures.md): response rates, and weights raked to\n# the bureau and age-band headcounts.\n[population]\nheadcounts = \"headcounts.csv\"\nrake = [\"bureau\", \"age\"]\n"
    );
    for d in DIMENSIONS {
        let _ = writeln!(
            w,
            "[[dimensions]]\nid = \"{}\"\nja = \"{}\"\nen = \"{}\"\n",
            d.id, d.ja, d.en
        );
    }
    let mut j = 0;
    for d in DIMENSIONS {
        for it in d.items {
            let _ = writeln!(w, "[[items]]\nid = \"{}\"\ncolumn = \"{}\"\nja = \"{}\"\nen = \"{}\"\ndimension = \"{}\"", it.id, item_column(j), it.ja, it.en, d.id);
            if it.reverse {
                let _ = writeln!(w, "reverse = true");
            }
            let _ = writeln!(w);
            j += 1;
        }
    }
    for it in [&KPI_ITEM, &MINDSET_ITEM] {
        let _ = writeln!(
            w,
            "[[items]]\nid = \"{}\"\ncolumn = \"{}\"\nja = \"{}\"\nen = \"{}\"\n",
            it.id,
            item_column(j),
            it.ja,
            it.en
        );
        j += 1;
    }
    let _ = writeln!(w, "[[kpis]]\nid = \"work_satisfaction\"\nja = \"職員の市役所で働くことへの満足度スコア\"\nen = \"Staff satisfaction with working at the city hall (score)\"\nkind = \"mean\"\nitem = \"{}\"\nbaseline = {{ year = 2023, value = 3.56 }}\ntarget = {{ year = 2027, value = 3.70 }}\n", KPI_ITEM.id);
    let _ = writeln!(w, "[[kpis]]\nid = \"reform_mindset\"\nja = \"市役所改革により改革意識が変わったと感じる職員の割合\"\nen = \"Share of staff who feel the reform changed their mindset\"\nkind = \"share\"\nitem = \"{}\"\npoints = [4, 5]\nbaseline = {{ year = 2022, value = 0.81 }}\ntarget = {{ year = 2027, value = 0.90 }}\n", MINDSET_ITEM.id);
    let bureaus: Vec<&str> = BUREAUS.iter().map(|b| b.0).collect();
    let segments: [SegmentText; 7] = [
        (
            "bureau",
            "局区",
            "局区",
            "Bureau / ward",
            Some(&bureaus),
            None,
        ),
        ("section", "所属", "所属", "Section", None, Some("bureau")),
        ("age", "年齢", "年齢", "Age band", Some(AGE_BANDS), None),
        ("grade", "職層", "職層", "Job grade", Some(GRADES), None),
        (
            "employment",
            "雇用形態",
            "雇用形態",
            "Employment type",
            Some(EMPLOYMENT),
            None,
        ),
        ("gender", "性別", "性別", "Gender", Some(GENDERS), None),
        (
            "service",
            "勤続年数",
            "勤続年数",
            "Years of service",
            Some(SERVICE_YEARS),
            None,
        ),
    ];
    for (id, column, ja, en, values, parent) in segments {
        let _ = writeln!(
            w,
            "[[segments]]\nid = \"{id}\"\ncolumn = \"{column}\"\nja = \"{ja}\"\nen = \"{en}\""
        );
        if let Some(p) = parent {
            let _ = writeln!(w, "parent = \"{p}\"");
        }
        if let Some(v) = values {
            let _ = writeln!(w, "values = [{}]", quote_list(v));
        }
        let _ = writeln!(w);
    }
    // The cross analysts ask for first: each bureau's age profile.
    let _ = writeln!(w, "[[crosses]]\nsegments = [\"bureau\", \"age\"]\n");
    let _ = writeln!(w, "[[multi_select]]\nid = \"work_issues\"\nja = \"仕事の課題\"\nen = \"Work issues\"\nstorage = \"columns\"\nmax_picks = 3\nnone_option = \"none\"\nskipped_when = \"all_blank\"\noptions = [");
    for (o, opt) in WORK_ISSUES.iter().chain([&WORK_ISSUES_NONE]).enumerate() {
        let _ = writeln!(
            w,
            "  {{ id = \"{}\", ja = \"{}\", en = \"{}\", column = \"{}\" }},",
            opt.id,
            opt.ja,
            opt.en,
            work_column(o)
        );
    }
    let _ = writeln!(w, "]\n");
    let _ = writeln!(w, "[[multi_select]]\nid = \"reform_priorities\"\nja = \"市役所改革の更なる推進のために重要なこと\"\nen = \"What matters most for further reform\"\nstorage = \"delimited\"\ncolumn = \"{}\"\nseparator = \";\"\nmax_picks = 3\noptions = [", priority_column());
    for (o, opt) in REFORM_PRIORITIES.iter().enumerate() {
        let _ = writeln!(
            w,
            "  {{ id = \"{}\", ja = \"{}\", en = \"{}\", code = \"{}\" }},",
            opt.id,
            opt.ja,
            opt.en,
            o + 1
        );
    }
    let _ = writeln!(w, "]");
    if with_comments {
        free_text_toml(w);
    }
    t
}

/// id, Japanese, English, terms, patterns.
type CategoryText<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], &'a [&'a str]);

/// The free-text question and a category dictionary like the ones analysts keep.
fn free_text_toml(w: &mut String) {
    let _ = writeln!(
        w,
        "\n[[free_text]]\nid = \"comment\"\ncolumn = \"{COMMENT_COLUMN}\"\nja = \"市役所改革・職場環境についての意見\"\nen = \"Comments on reform and the workplace\"\n"
    );
    let _ = writeln!(
        w,
        "[text]\nsegments = [\"bureau\", \"age\", \"grade\"]\nkpi = \"work_satisfaction\"\n"
    );
    let categories: &[CategoryText<'_>] = &[
        (
            "workload",
            "業務量・人員",
            "Workload & staffing",
            &["業務量", "人員", "増員", "負担"],
            &["人が*足りな", "人員*足りな"],
        ),
        (
            "overtime",
            "時間外勤務・休暇",
            "Overtime & leave",
            &["残業", "時間外勤務", "休暇", "休息", "両立", "夜勤", "当直"],
            &[],
        ),
        (
            "digital",
            "ペーパーレス・DX",
            "Paperless & digital",
            &[
                "ペーパーレス化",
                "DX",
                "押印",
                "決裁",
                "紙",
                "テレワーク",
                "効率化",
            ],
            &[],
        ),
        (
            "management",
            "上司・管理職",
            "Supervisors & managers",
            &["上司", "管理職"],
            &[],
        ),
        (
            "hr",
            "人事評価・異動",
            "Appraisal & transfers",
            &["人事評価", "人事異動", "異動", "昇任"],
            &[],
        ),
        (
            "growth",
            "研修・成長",
            "Training & growth",
            &["研修", "キャリア", "専門性", "成長"],
            &[],
        ),
        (
            "relations",
            "職場の人間関係",
            "Workplace relations",
            &["人間関係", "コミュニケーション", "雰囲気"],
            &[],
        ),
        (
            "pay",
            "給与・手当",
            "Pay & allowances",
            &["給与", "手当"],
            &[],
        ),
        (
            "counter",
            "窓口・市民対応",
            "Counters & citizens",
            &["窓口", "市民対応", "苦情"],
            &[],
        ),
    ];
    for (id, ja, en, terms, patterns) in categories {
        let _ = writeln!(
            w,
            "[[text.categories]]\nid = \"{id}\"\nja = \"{ja}\"\nen = \"{en}\"\nterms = [{}]",
            quote_list(terms)
        );
        if !patterns.is_empty() {
            let _ = writeln!(w, "patterns = [{}]", quote_list(patterns));
        }
        let _ = writeln!(w);
    }
}

/// The text cells of one row, in [`header`] order.
fn row_cells(s: &Sample, row: usize) -> Vec<String> {
    let mut cells: Vec<String> = (0..8).map(|c| row_cells_segment(s, row, c)).collect();
    for (j, column) in s.answers.iter().enumerate() {
        cells.push(match raw_answer(column[row], j) {
            None => String::new(),
            Some(NOT_APPLICABLE) => "わからない".into(),
            Some(v) => v.to_string(),
        });
    }
    push_work_cells(&mut cells, s.work_issues[row]);
    cells.push(match s.priorities[row] {
        None => String::new(),
        Some(bits) => (0..REFORM_PRIORITIES.len())
            .filter(|o| bits >> o & 1 == 1)
            .map(|o| (o + 1).to_string())
            .collect::<Vec<_>>()
            .join(";"),
    });
    if let Some(comments) = &s.comments {
        cells.push(comments[row].clone());
    }
    cells
}

fn push_work_cells(cells: &mut Vec<String>, picks: Option<u32>) {
    let none = WORK_ISSUES.len();
    for o in 0..=none {
        cells.push(match picks {
            None => String::new(),
            Some(0) => u8::from(o == none).to_string(),
            Some(bits) => (bits >> o & 1).to_string(),
        });
    }
}

/// The stored answer: reverse-keyed items are written as respondents answered them.
fn raw_answer(positive: u8, item: usize) -> Option<u8> {
    match positive {
        MISSING => None,
        NOT_APPLICABLE => Some(NOT_APPLICABLE),
        v if all_items()[item].reverse => Some(6 - v),
        v => Some(v),
    }
}

/// CSV text encodings the generator can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    /// UTF-8 with BOM and CRLF, as survey tools export for Excel.
    Utf8Bom,
    /// CP932 (Windows-31J) with CRLF and no BOM, as Excel on Japanese Windows saves "CSV".
    Cp932,
}

/// Illustrative headcounts behind a sample, as `segment,group,headcount` with a `total` row:
/// each bureau × age-band cell's respondents (those with a blank age spread over the bureau's
/// bands in proportion) divided by a response rate that differs by bureau (45–75%) and age
/// band (younger staff answer less), rounded up. Not Kumamoto's real figures.
pub fn headcounts_csv(sample: &Sample) -> String {
    const AGE_FACTOR: [f64; 5] = [0.85, 0.95, 1.0, 1.05, 1.0];
    let (nb, na) = (BUREAUS.len(), AGE_BANDS.len());
    let mut known = vec![vec![0usize; na]; nb];
    let mut blank = vec![0usize; nb];
    for r in 0..sample.n {
        let b = sample.bureau[r] as usize;
        match sample.age[r] {
            NO_VALUE => blank[b] += 1,
            a => known[b][a as usize] += 1,
        }
    }
    let mut cells = vec![vec![0u64; na]; nb];
    for b in 0..nb {
        let rate = 0.45 + 0.30 * ((b as f64 + 1.0) * 0.618_033_988_7).fract();
        let with_age: usize = known[b].iter().sum();
        for a in 0..na {
            let share = if with_age > 0 {
                known[b][a] as f64 / with_age as f64
            } else {
                0.0
            };
            let respondents = known[b][a] as f64 + blank[b] as f64 * share;
            cells[b][a] = (respondents / (rate * AGE_FACTOR[a]).min(0.95)).ceil() as u64;
        }
    }
    let total: u64 = cells.iter().flatten().sum();
    let mut out = format!("segment,group,headcount\ntotal,,{total}\n");
    for (b, (name, _)) in BUREAUS.iter().enumerate() {
        let _ = writeln!(out, "bureau,{name},{}", cells[b].iter().sum::<u64>());
    }
    for (a, band) in AGE_BANDS.iter().enumerate() {
        let _ = writeln!(
            out,
            "age,{band},{}",
            cells.iter().map(|c| c[a]).sum::<u64>()
        );
    }
    out
}

pub fn write_csv(sample: &Sample, path: &Path) -> Result<(), SynthError> {
    write_csv_encoded(sample, path, CsvEncoding::Utf8Bom)
}

pub fn write_csv_encoded(
    sample: &Sample,
    path: &Path,
    encoding: CsvEncoding,
) -> Result<(), SynthError> {
    let io = |source| SynthError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = BufWriter::new(File::create(path).map_err(io)?);
    if encoding == CsvEncoding::Utf8Bom {
        file.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    }
    // Each record is formatted as UTF-8 into a small buffer, then encoded.
    let mut emit = |cells: &[String]| -> Result<(), SynthError> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let csv_err = |e: csv::Error| SynthError::Write {
            path: path.to_path_buf(),
            source: e.into(),
        };
        writer.write_record(cells).map_err(csv_err)?;
        let utf8 = writer
            .into_inner()
            .map_err(|e| io(std::io::Error::other(e.to_string())))?;
        match encoding {
            CsvEncoding::Utf8Bom => file.write_all(&utf8).map_err(io),
            CsvEncoding::Cp932 => {
                let text = String::from_utf8_lossy(&utf8);
                let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
                if unmappable {
                    return Err(SynthError::Unencodable(text.into_owned()));
                }
                file.write_all(&bytes).map_err(io)
            }
        }
    };
    emit(&header(sample.comments.is_some()))?;
    for row in 0..sample.n {
        emit(&row_cells(sample, row))?;
    }
    file.flush().map_err(io)?;
    Ok(())
}

fn arrow_schema(with_comments: bool) -> Arc<Schema> {
    let names = header(with_comments);
    let text_from = names.len() - 1 - usize::from(with_comments);
    let fields: Vec<Field> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let is_text = i < 8 || i >= text_from;
            let dtype = if is_text {
                DataType::Utf8
            } else {
                DataType::UInt8
            };
            Field::new(name, dtype, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// The sample as Arrow record batches of [`ROW_GROUP`] rows: text for identity, segments and
/// the delimited question, UInt8 for answers (null = blank, 99 = not applicable).
fn record_batches(
    sample: &Sample,
    schema: Arc<Schema>,
) -> impl Iterator<Item = Result<RecordBatch, SynthError>> + '_ {
    let n_items = sample.answers.len();
    (0..sample.n).step_by(ROW_GROUP).map(move |start| {
        let rows = start..(start + ROW_GROUP).min(sample.n);
        let text = |f: &dyn Fn(usize) -> Option<String>| -> ArrayRef {
            Arc::new(rows.clone().map(f).collect::<StringArray>())
        };
        let mut columns: Vec<ArrayRef> = Vec::new();
        for c in 0..8 {
            columns.push(text(&|r| {
                let cell = row_cells_segment(sample, r, c);
                (!cell.is_empty()).then_some(cell)
            }));
        }
        for j in 0..n_items {
            let col: UInt8Array = rows
                .clone()
                .map(|r| {
                    raw_answer(sample.answers[j][r], j).map(|v| {
                        if v == NOT_APPLICABLE {
                            NOT_APPLICABLE_CODE
                        } else {
                            v
                        }
                    })
                })
                .collect();
            columns.push(Arc::new(col));
        }
        for o in 0..=WORK_ISSUES.len() {
            let col: UInt8Array = rows
                .clone()
                .map(|r| {
                    sample.work_issues[r].map(|bits| {
                        if bits == 0 {
                            u8::from(o == WORK_ISSUES.len())
                        } else {
                            (bits >> o & 1) as u8
                        }
                    })
                })
                .collect();
            columns.push(Arc::new(col));
        }
        columns.push(text(&|r| {
            sample.priorities[r].map(|bits| {
                (0..REFORM_PRIORITIES.len())
                    .filter(|o| bits >> o & 1 == 1)
                    .map(|o| (o + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(";")
            })
        }));
        if let Some(comments) = &sample.comments {
            columns.push(text(&|r| {
                (!comments[r].is_empty()).then(|| comments[r].clone())
            }));
        }
        RecordBatch::try_new(schema.clone(), columns).map_err(|e| SynthError::Arrow(e.to_string()))
    })
}

pub fn write_parquet(sample: &Sample, path: &Path) -> Result<(), SynthError> {
    let schema = arrow_schema(sample.comments.is_some());
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build();
    let file = File::create(path).map_err(|source| SynthError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    let mut writer =
        ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(SynthError::Parquet)?;
    for batch in record_batches(sample, schema) {
        writer.write(&batch?).map_err(SynthError::Parquet)?;
    }
    writer.close().map_err(SynthError::Parquet)?;
    Ok(())
}

/// Arrow IPC file format (Feather v2), uncompressed.
pub fn write_arrow_ipc(sample: &Sample, path: &Path) -> Result<(), SynthError> {
    let schema = arrow_schema(sample.comments.is_some());
    let file = File::create(path).map_err(|source| SynthError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    let arrow = |e: arrow_schema::ArrowError| SynthError::Arrow(e.to_string());
    let mut writer =
        arrow_ipc::writer::FileWriter::try_new(BufWriter::new(file), &schema).map_err(arrow)?;
    for batch in record_batches(sample, schema.clone()) {
        writer.write(&batch?).map_err(arrow)?;
    }
    writer.finish().map_err(arrow)?;
    Ok(())
}

/// An Excel workbook as an analyst would keep it: the answers on sheet 回答 (numbers as
/// numbers, blanks as empty cells) and a second sheet 注記 of notes that must be ignored.
pub fn write_xlsx(sample: &Sample, path: &Path) -> Result<(), SynthError> {
    use rust_xlsxwriter::Workbook;
    let xlsx = |e: rust_xlsxwriter::XlsxError| SynthError::Xlsx(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("回答").map_err(xlsx)?;
    for (c, name) in header(sample.comments.is_some()).iter().enumerate() {
        sheet.write_string(0, c as u16, name).map_err(xlsx)?;
    }
    for row in 0..sample.n {
        let r = row as u32 + 1;
        for (c, cell) in row_cells(sample, row).iter().enumerate() {
            let c = c as u16;
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<f64>() {
                // Identity and segment cells stay text even when they look like numbers.
                Ok(v) if c >= 8 => sheet.write_number(r, c, v).map_err(xlsx)?,
                _ => sheet.write_string(r, c, cell).map_err(xlsx)?,
            };
        }
    }
    let notes = book.add_worksheet().set_name("注記").map_err(xlsx)?;
    notes
        .write_string(
            0,
            0,
            "合成データ（engage generate）。集計には使用しないこと。",
        )
        .map_err(xlsx)?;
    book.save(path).map_err(xlsx)?;
    Ok(())
}

/// One of the first eight (identity and segment) cells of a row.
fn row_cells_segment(s: &Sample, row: usize, c: usize) -> String {
    let b = s.bureau[row] as usize;
    match c {
        0 => format!("R{:07}", row + 1),
        1 => BUREAUS[b].0.to_string(),
        2 => s.sections[b][s.section[row] as usize].clone(),
        3 => age_label(s.age[row]).to_string(),
        4 => GRADES[s.grade[row] as usize].to_string(),
        5 => EMPLOYMENT[s.employment[row] as usize].to_string(),
        6 => GENDERS[s.gender[row] as usize].to_string(),
        _ => SERVICE_YEARS[s.service[row] as usize].to_string(),
    }
}

//! Partials on disk, and merging partials whose group dictionaries differ.
//!
//! A partial file is an Arrow IPC file in long form, one row per non-zero sum:
//! `cut, group_key, group_value, parent_key, across_key, statistic, i, j, f, value` with `value` a
//! `Decimal128(38, 0)` holding the exact integer. Merging files is therefore a
//! `GROUP BY cut, group_key, statistic, i, j, f` with `SUM(value)`, which any engine that reads
//! Arrow (Spark, Ballista, DuckDB) can run as the reduce step of a map-reduce.
//!
//! These are unsuppressed counts of raw answers: never write them into a publishable folder.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    Decimal128Builder, FixedSizeBinaryBuilder, StringBuilder, UInt32Builder,
};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, FixedSizeBinaryArray, RecordBatch, StringArray, UInt32Array,
};
use arrow_schema::{DataType, Field, Schema};
use engage_model::Survey;

use crate::partials::{CutPartial, GroupLevel, GroupPartial, Partials};

/// Format version of partial files; readers refuse other versions.
/// "2" added the respondent-id fingerprints.
pub const PARTIALS_FORMAT: &str = "2";
const FORMAT_KEY: &str = "engage.partials.format";
const SURVEY_KEY: &str = "engage.survey.id";

#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a partials file ({message})")]
    Arrow { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Mismatch { path: PathBuf, message: String },
}

/// A partials file's content: the partials, the fingerprints of its respondents' ids (sorted;
/// empty without `[data] respondent_id`) and the caller's metadata (e.g. provenance).
pub struct Shard {
    pub partials: Partials,
    pub respondent_ids: Vec<u128>,
    pub metadata: BTreeMap<String, String>,
}

/// The statistic name of a row that carries one respondent-id fingerprint.
const RESPONDENT_ID: &str = "respondent_id";

fn schema(metadata: HashMap<String, String>) -> Schema {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let index = |name: &str| Field::new(name, DataType::UInt32, false);
    Schema::new_with_metadata(
        vec![
            text("cut", false),
            text("group_key", false),
            text("group_value", false),
            text("parent_key", true),
            text("across_key", true),
            text("statistic", false),
            index("i"),
            index("j"),
            index("f"),
            Field::new("value", DataType::Decimal128(38, 0), false),
            // Only on `respondent_id` rows: which respondents a shard counted, so that a merge
            // counts each once. A fingerprint (XXH3-128 of the id), not the id.
            Field::new("id_fingerprint", DataType::FixedSizeBinary(16), true),
        ],
        metadata,
    )
}

/// Every sum of a group with its statistic name and indices, in a fixed order.
/// [`set_entry`] is its inverse; a round-trip test keeps the two in step.
fn for_each_entry(g: &GroupPartial, mut f: impl FnMut(&'static str, [u32; 3], i128)) {
    let u = |x: usize| x as u32;
    f("respondents", [0, 0, 0], i128::from(g.respondents));
    for (i, c) in g.items.iter().enumerate() {
        for (s, &n) in c.by_code.iter().enumerate() {
            f("item_code", [u(i), u(s), 0], i128::from(n));
        }
    }
    for (c, s) in g.composites.iter().enumerate() {
        f("composite", [u(c), 0, 0], i128::from(s.n));
        f("composite", [u(c), 1, 0], s.sum);
        f("composite", [u(c), 2, 0], s.sum_sq);
    }
    for (q, m) in g.multi.iter().enumerate() {
        f("multi_base", [u(q), 0, 0], i128::from(m.base));
        for (o, &n) in m.options.iter().enumerate() {
            f("multi_option", [u(q), u(o), 0], i128::from(n));
        }
        for (t, &n) in m.moments.co_picked.iter().enumerate() {
            f("multi_co_picked", [u(q), u(t), 0], i128::from(n));
        }
        for (k, s) in m.moments.kpi_answered.iter().enumerate() {
            f("multi_kpi_answered", [u(q), u(k), 0], i128::from(s.n));
            f("multi_kpi_answered", [u(q), u(k), 1], s.sum);
            f("multi_kpi_answered", [u(q), u(k), 2], s.sum_sq);
        }
        for (t, s) in m.moments.kpi_picked.iter().enumerate() {
            f("multi_kpi_picked", [u(q), u(t), 0], i128::from(s.n));
            f("multi_kpi_picked", [u(q), u(t), 1], s.sum);
            f("multi_kpi_picked", [u(q), u(t), 2], s.sum_sq);
        }
    }
    for (d, m) in g.dimension_items.iter().enumerate() {
        f(
            "dimension_listwise_n",
            [u(d), 0, 0],
            i128::from(m.listwise.n),
        );
        for (i, &x) in m.listwise.sum.iter().enumerate() {
            f("dimension_listwise_sum", [u(d), u(i), 0], x);
        }
        for (t, &x) in m.listwise.cross.iter().enumerate() {
            f("dimension_listwise_cross", [u(d), u(t), 0], x);
        }
        for (p, s) in m.pairs.iter().enumerate() {
            for (k, x) in pair_fields(s).into_iter().enumerate() {
                f("dimension_pair", [u(d), u(p), u(k)], x);
            }
        }
    }
    for (p, s) in g.score_pairs.iter().enumerate() {
        for (k, x) in pair_fields(s).into_iter().enumerate() {
            f("score_pair", [u(p), u(k), 0], x);
        }
    }
    for (k, l) in g.drivers.iter().enumerate() {
        f("driver_n", [u(k), 0, 0], i128::from(l.n));
        for (i, &x) in l.sum.iter().enumerate() {
            f("driver_sum", [u(k), u(i), 0], x);
        }
        for (t, &x) in l.cross.iter().enumerate() {
            f("driver_cross", [u(k), u(t), 0], x);
        }
    }
}

fn pair_fields(s: &crate::PairSums) -> [i128; 6] {
    [
        i128::from(s.n),
        s.sum_a,
        s.sum_b,
        s.sum_aa,
        s.sum_bb,
        s.sum_ab,
    ]
}

/// Stores one sum; `None` when the statistic or an index does not fit this survey.
fn set_entry(g: &mut GroupPartial, statistic: &str, [i, j, k]: [usize; 3], x: i128) -> Option<()> {
    let count = |x: i128| u64::try_from(x).ok();
    match statistic {
        "respondents" => g.respondents = count(x)?,
        "item_code" => *g.items.get_mut(i)?.by_code.get_mut(j)? = count(x)?,
        "composite" => {
            let s = g.composites.get_mut(i)?;
            match j {
                0 => s.n = count(x)?,
                1 => s.sum = x,
                2 => s.sum_sq = x,
                _ => return None,
            }
        }
        "multi_base" => g.multi.get_mut(i)?.base = count(x)?,
        "multi_option" => *g.multi.get_mut(i)?.options.get_mut(j)? = count(x)?,
        "multi_co_picked" => *g.multi.get_mut(i)?.moments.co_picked.get_mut(j)? = count(x)?,
        "multi_kpi_answered" | "multi_kpi_picked" => {
            let m = &mut g.multi.get_mut(i)?.moments;
            let s = if statistic == "multi_kpi_answered" {
                m.kpi_answered.get_mut(j)?
            } else {
                m.kpi_picked.get_mut(j)?
            };
            match k {
                0 => s.n = count(x)?,
                1 => s.sum = x,
                2 => s.sum_sq = x,
                _ => return None,
            }
        }
        "dimension_listwise_n" => g.dimension_items.get_mut(i)?.listwise.n = count(x)?,
        "dimension_listwise_sum" => *g.dimension_items.get_mut(i)?.listwise.sum.get_mut(j)? = x,
        "dimension_listwise_cross" => *g.dimension_items.get_mut(i)?.listwise.cross.get_mut(j)? = x,
        "dimension_pair" => set_pair(g.dimension_items.get_mut(i)?.pairs.get_mut(j)?, k, x)?,
        "score_pair" => set_pair(g.score_pairs.get_mut(i)?, j, x)?,
        "driver_n" => g.drivers.get_mut(i)?.n = count(x)?,
        "driver_sum" => *g.drivers.get_mut(i)?.sum.get_mut(j)? = x,
        "driver_cross" => *g.drivers.get_mut(i)?.cross.get_mut(j)? = x,
        _ => return None,
    }
    Some(())
}

fn set_pair(s: &mut crate::PairSums, field: usize, x: i128) -> Option<()> {
    match field {
        0 => s.n = u64::try_from(x).ok()?,
        1 => s.sum_a = x,
        2 => s.sum_b = x,
        3 => s.sum_aa = x,
        4 => s.sum_bb = x,
        5 => s.sum_ab = x,
        _ => return None,
    }
    Some(())
}

fn cut_name(survey: &Survey, cut: &CutPartial) -> String {
    cut.segment
        .map(|s| survey.segment_id(s).to_string())
        .unwrap_or_default()
}

/// Writes partials as an Arrow IPC file with the respondent-id fingerprints and `metadata`
/// (plus the format and survey id).
pub fn write_partials(
    path: &Path,
    survey: &Survey,
    partials: &Partials,
    respondent_ids: &[u128],
    metadata: &BTreeMap<String, String>,
) -> Result<(), ShardError> {
    let arrow = |e: arrow_schema::ArrowError| ShardError::Arrow {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let (mut cut, mut key, mut value_col, mut parent, mut across) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let mut statistic = StringBuilder::new();
    let (mut i, mut j, mut f) = (
        UInt32Builder::new(),
        UInt32Builder::new(),
        UInt32Builder::new(),
    );
    let mut value = Decimal128Builder::new()
        .with_precision_and_scale(38, 0)
        .map_err(arrow)?;
    let mut fingerprint = FixedSizeBinaryBuilder::new(16);
    for c in &partials.cuts {
        let name = cut_name(survey, c);
        let parent_levels = c
            .segment
            .and_then(|s| survey.segment_parents[s])
            .map(|p| &partials.cuts[p + 1].levels);
        let across_levels = c
            .segment
            .and_then(|s| survey.segment_across[s])
            .map(|b| &partials.cuts[b + 1].levels);
        for (level, group) in c.levels.iter().zip(&c.groups) {
            let parent_key = level
                .parent
                .and_then(|p| parent_levels.map(|l| l[p].key.as_str()));
            let across_key = level
                .across
                .and_then(|b| across_levels.map(|l| l[b].key.as_str()));
            for_each_entry(group, |stat, [a, b, k], x| {
                // Zeros are implied, except the respondent count that declares the group.
                if x == 0 && stat != "respondents" {
                    return;
                }
                cut.append_value(&name);
                key.append_value(&level.key);
                value_col.append_value(&level.value);
                parent.append_option(parent_key);
                across.append_option(across_key);
                statistic.append_value(stat);
                i.append_value(a);
                j.append_value(b);
                f.append_value(k);
                value.append_value(x);
                fingerprint.append_null();
            });
        }
    }
    let mut ids = respondent_ids.to_vec();
    ids.sort_unstable();
    for id in ids {
        for text in [&mut cut, &mut key, &mut value_col] {
            text.append_value("");
        }
        parent.append_null();
        across.append_null();
        statistic.append_value(RESPONDENT_ID);
        for index in [&mut i, &mut j, &mut f] {
            index.append_value(0);
        }
        value.append_value(0);
        fingerprint
            .append_value(id.to_be_bytes())
            .expect("16 bytes");
    }
    let mut meta: HashMap<String, String> = metadata.clone().into_iter().collect();
    meta.insert(FORMAT_KEY.into(), PARTIALS_FORMAT.into());
    meta.insert(SURVEY_KEY.into(), survey.definition.survey.id.clone());
    let schema = Arc::new(schema(meta));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(cut.finish()),
        Arc::new(key.finish()),
        Arc::new(value_col.finish()),
        Arc::new(parent.finish()),
        Arc::new(across.finish()),
        Arc::new(statistic.finish()),
        Arc::new(i.finish()),
        Arc::new(j.finish()),
        Arc::new(f.finish()),
        Arc::new(value.finish()),
        Arc::new(fingerprint.finish()),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(arrow)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ShardError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let file = File::create(path).map_err(|source| ShardError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // zstd: the long form repeats group keys and statistic names on every row.
    let options = arrow_ipc::writer::IpcWriteOptions::default()
        .try_with_compression(Some(arrow_ipc::CompressionType::ZSTD))
        .map_err(arrow)?;
    let mut writer = arrow_ipc::writer::FileWriter::try_new_with_options(file, &schema, options)
        .map_err(arrow)?;
    writer.write(&batch).map_err(arrow)?;
    writer.finish().map_err(arrow)?;
    Ok(())
}

fn column<'a, T: 'static>(
    path: &Path,
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a T, ShardError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| ShardError::Arrow {
            path: path.to_path_buf(),
            message: format!("column `{name}` is missing or of the wrong type"),
        })
}

/// A binary column's value by row (`None` for null).
type BytesByRow<'a> = Box<dyn Fn(usize) -> Option<&'a [u8]> + 'a>;

/// The `id_fingerprint` column's bytes by row: fixed-size binary as written here, or plain,
/// large or view binary as DuckDB and Spark write it back after the SQL merge route
/// (docs/partials.md); the values must then be 16 bytes each.
fn fingerprints<'a>(path: &Path, batch: &'a RecordBatch) -> Result<BytesByRow<'a>, ShardError> {
    use arrow_array::cast::AsArray;
    let array = batch
        .column_by_name("id_fingerprint")
        .ok_or_else(|| ShardError::Arrow {
            path: path.to_path_buf(),
            message: "column `id_fingerprint` is missing".into(),
        })?;
    let valid = move |r: usize| !array.is_null(r);
    Ok(match array.data_type() {
        DataType::FixedSizeBinary(_) => {
            let a: &FixedSizeBinaryArray = array.as_fixed_size_binary();
            Box::new(move |r| valid(r).then(|| a.value(r)))
        }
        DataType::Binary => {
            let a = array.as_binary::<i32>();
            Box::new(move |r| valid(r).then(|| a.value(r)))
        }
        DataType::LargeBinary => {
            let a = array.as_binary::<i64>();
            Box::new(move |r| valid(r).then(|| a.value(r)))
        }
        DataType::BinaryView => {
            let a = array.as_binary_view();
            Box::new(move |r| valid(r).then(|| a.value(r)))
        }
        other => {
            return Err(ShardError::Arrow {
                path: path.to_path_buf(),
                message: format!("column `id_fingerprint` has type {other}, not binary"),
            })
        }
    })
}

/// Reads a partials file written by [`write_partials`] for the same survey.
pub fn read_partials(path: &Path, survey: &Survey) -> Result<Shard, ShardError> {
    let arrow = |e: arrow_schema::ArrowError| ShardError::Arrow {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mismatch = |message: String| ShardError::Mismatch {
        path: path.to_path_buf(),
        message,
    };
    let file = File::open(path).map_err(|source| ShardError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = arrow_ipc::reader::FileReader::try_new(file, None).map_err(arrow)?;
    let metadata: BTreeMap<String, String> = reader
        .schema()
        .metadata()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match metadata.get(FORMAT_KEY) {
        Some(v) if v == PARTIALS_FORMAT => {}
        other => {
            return Err(mismatch(format!(
                "partials format {} is not {PARTIALS_FORMAT}, the one this engage reads",
                other.map_or("(none)", String::as_str)
            )))
        }
    }
    let id = &survey.definition.survey.id;
    if metadata.get(SURVEY_KEY) != Some(id) {
        return Err(mismatch(format!(
            "made for survey `{}`, not `{id}`",
            metadata.get(SURVEY_KEY).map_or("(none)", String::as_str)
        )));
    }

    let segment_index: HashMap<&str, usize> = (0..survey.segment_count())
        .map(|s| (survey.segment_id(s), s))
        .collect();
    // Per cut: levels in order of first appearance (with their parent and across keys), and
    // their groups.
    let n_cuts = survey.segment_count() + 1;
    type Keys = (Option<String>, Option<String>);
    let mut levels: Vec<Vec<(GroupLevel, Keys)>> = vec![Vec::new(); n_cuts];
    let mut lookup: Vec<HashMap<String, usize>> = vec![HashMap::new(); n_cuts];
    let mut groups: Vec<Vec<GroupPartial>> = vec![Vec::new(); n_cuts];
    let mut respondent_ids = Vec::new();
    for batch in reader {
        let batch = batch.map_err(arrow)?;
        let cut = column::<StringArray>(path, &batch, "cut")?;
        let key = column::<StringArray>(path, &batch, "group_key")?;
        let value = column::<StringArray>(path, &batch, "group_value")?;
        let parent = column::<StringArray>(path, &batch, "parent_key")?;
        let across = column::<StringArray>(path, &batch, "across_key")?;
        let statistic = column::<StringArray>(path, &batch, "statistic")?;
        let i = column::<UInt32Array>(path, &batch, "i")?;
        let j = column::<UInt32Array>(path, &batch, "j")?;
        let f = column::<UInt32Array>(path, &batch, "f")?;
        let x = column::<Decimal128Array>(path, &batch, "value")?;
        let fingerprint = fingerprints(path, &batch)?;
        for r in 0..batch.num_rows() {
            if statistic.value(r) == RESPONDENT_ID {
                let bytes: [u8; 16] = fingerprint(r)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| mismatch(format!("row {}: no id fingerprint", r + 1)))?;
                respondent_ids.push(u128::from_be_bytes(bytes));
                continue;
            }
            let c = match cut.value(r) {
                "" => 0,
                name => {
                    1 + *segment_index.get(name).ok_or_else(|| {
                        mismatch(format!("segment `{name}` is not in the definition"))
                    })?
                }
            };
            let g = match lookup[c].get(key.value(r)) {
                Some(&g) => g,
                None => {
                    let g = levels[c].len();
                    levels[c].push((
                        GroupLevel {
                            key: key.value(r).to_string(),
                            value: value.value(r).to_string(),
                            parent: None,
                            across: None,
                        },
                        (
                            (!parent.is_null(r)).then(|| parent.value(r).to_string()),
                            (!across.is_null(r)).then(|| across.value(r).to_string()),
                        ),
                    ));
                    lookup[c].insert(key.value(r).to_string(), g);
                    groups[c].push(GroupPartial::empty(survey));
                    g
                }
            };
            let at = [i.value(r), j.value(r), f.value(r)].map(|v| v as usize);
            set_entry(&mut groups[c][g], statistic.value(r), at, x.value(r)).ok_or_else(|| {
                mismatch(format!(
                    "row {}: `{}` {:?} does not fit this survey's definition",
                    r + 1,
                    statistic.value(r),
                    at
                ))
            })?;
        }
    }
    let mut cuts = Vec::with_capacity(n_cuts);
    for c in 0..n_cuts {
        let linked_cut =
            |links: &[Option<usize>]| c.checked_sub(1).and_then(|s| links[s]).map(|p| p + 1);
        let (parent_cut, across_cut) = (
            linked_cut(&survey.segment_parents),
            linked_cut(&survey.segment_across),
        );
        let find = |key: &Option<String>, cut: Option<usize>, level: &GroupLevel| match (key, cut) {
            (Some(k), Some(pc)) => lookup[pc].get(k).copied().map(Some).ok_or_else(|| {
                mismatch(format!(
                    "group `{}` names an unknown enclosing group `{k}`",
                    level.key
                ))
            }),
            _ => Ok(None),
        };
        let mut cut_levels = Vec::with_capacity(levels[c].len());
        for (level, (parent_key, across_key)) in &levels[c] {
            cut_levels.push(GroupLevel {
                parent: find(parent_key, parent_cut, level)?,
                across: find(across_key, across_cut, level)?,
                ..level.clone()
            });
        }
        cuts.push(CutPartial {
            segment: c.checked_sub(1),
            levels: cut_levels,
            groups: std::mem::take(&mut groups[c]),
        });
    }
    if cuts[0].groups.len() != 1 {
        return Err(mismatch("the whole-organisation group is missing".into()));
    }
    respondent_ids.sort_unstable();
    Ok(Shard {
        partials: Partials { cuts },
        respondent_ids,
        metadata,
    })
}

/// Merges partials from different shards, matching groups by key, and puts each segment's
/// groups in the order a single run over all rows would give: by parent group, then the
/// definition's declared `values`, then key, the missing-value group first.
pub fn merge_shards(survey: &Survey, shards: &[Partials]) -> Partials {
    let n_segments = survey.segment_count();
    let mut merged_levels: Vec<Vec<GroupLevel>> = vec![Vec::new(); n_segments];
    // Parents before children, so a child's order can follow its parent's new order.
    for s in survey.segments_parents_first() {
        let (parent_cut, across_cut) = (survey.segment_parents[s], survey.segment_across[s]);
        // Union by key; a level's parent (and a cross's second segment level) is re-expressed
        // as that level's merged index.
        let is_cross = across_cut.is_some();
        let mut union: Vec<GroupLevel> = vec![GroupLevel {
            key: String::new(),
            value: String::new(),
            parent: is_cross.then_some(0),
            across: is_cross.then_some(0),
        }];
        let mut seen: HashMap<String, usize> = HashMap::from([(String::new(), 0)]);
        for shard in shards {
            let cut = &shard.cuts[s + 1];
            for level in &cut.levels {
                if seen.contains_key(&level.key) {
                    continue;
                }
                let relink = |link: Option<usize>, cut: Option<usize>| match (link, cut) {
                    (Some(p), Some(pc)) => {
                        let key = &shard.cuts[pc + 1].levels[p].key;
                        merged_levels[pc].iter().position(|l| &l.key == key)
                    }
                    _ => None,
                };
                seen.insert(level.key.clone(), union.len());
                union.push(GroupLevel {
                    parent: relink(level.parent, parent_cut),
                    across: relink(level.across, across_cut),
                    ..level.clone()
                });
            }
        }
        let missing = union.remove(0);
        if is_cross {
            // As ingest orders a cross: by the two segments' (already merged) orders.
            union.sort_by_key(|l| (l.parent, l.across));
        } else {
            union.sort_by(|a, b| {
                survey.compare_groups(
                    s,
                    (a.parent, a.value.as_str(), a.key.as_str()),
                    (b.parent, b.value.as_str(), b.key.as_str()),
                )
            });
        }
        union.insert(0, missing);
        merged_levels[s] = union;
    }

    let mut out = Partials::empty(survey, &merged_levels);
    let indices: Vec<HashMap<&str, usize>> = merged_levels
        .iter()
        .map(|levels| {
            levels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.key.as_str(), i))
                .collect()
        })
        .collect();
    for shard in shards {
        out.cuts[0].groups[0].merge(&shard.cuts[0].groups[0]);
        for (s, index) in indices.iter().enumerate() {
            let (target, source) = (&mut out.cuts[s + 1], &shard.cuts[s + 1]);
            for (level, group) in source.levels.iter().zip(&source.groups) {
                target.groups[index[level.key.as_str()]].merge(group);
            }
        }
    }
    out
}

//! `cargo bench`: the engine against idiomatic polars lazy on the same Parquet files, in the
//! same process, with the ratios printed at the end (medians of criterion's samples).
//!
//! Sizes: `ENGAGE_BENCH_ROWS` (comma-separated, default `3690,1000000`; add `10000000` for the
//! 10-million-row run). Data are generated once into `target/bench-data/`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use engage_bench::{baseline, data, engine, Shape};
use engage_model::Survey;
use polars::prelude::*;
use rayon::prelude::*;

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

fn sizes() -> Vec<usize> {
    std::env::var("ENGAGE_BENCH_ROWS")
        .unwrap_or_else(|_| "3690,1000000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .expect("ENGAGE_BENCH_ROWS: numbers")
        })
        .collect()
}

struct Prepared {
    survey: Survey,
    data: PathBuf,
    bytes: u64,
}

fn prepare(shape: &Shape) -> Prepared {
    let definition = data::dataset(&target_dir().join("bench-data"), shape).expect("dataset");
    let survey = Survey::load(&definition).expect("definition");
    let data = survey.data_path();
    let bytes = std::fs::metadata(&data).expect("data file").len();
    Prepared {
        survey,
        data,
        bytes,
    }
}

fn configure<M: criterion::measurement::Measurement>(g: &mut BenchmarkGroup<'_, M>, rows: usize) {
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(if rows > 2_000_000 { 60 } else { 5 }));
}

/// The columns the definition reads: the floor of merely decoding them with polars.
fn used_columns(survey: &Survey) -> Vec<Expr> {
    let def = &survey.definition;
    let mut names: Vec<&str> = def.items.iter().map(|i| i.column.as_str()).collect();
    names.extend(def.segments.iter().map(|s| s.column.as_str()));
    for m in &def.multi_select {
        names.extend(m.column.as_deref());
        names.extend(m.options.iter().filter_map(|o| o.column.as_deref()));
    }
    names.into_iter().map(col).collect()
}

/// Full report from the Parquet file: engine, polars lazy, and polars reading the columns.
fn full_report(c: &mut Criterion, shape: &Shape, ratios: &mut Vec<Ratio>) {
    let p = prepare(shape);
    let name = format!("full_report/{}", shape.name());
    let mut g = c.benchmark_group(&name);
    configure(&mut g, shape.rows);
    g.throughput(Throughput::ElementsAndBytes {
        elements: shape.rows as u64,
        bytes: p.bytes,
    });
    g.bench_function("engage", |b| {
        b.iter(|| black_box(engine::full_report(&p.survey, &p.data).unwrap()))
    });
    g.bench_function("polars_lazy", |b| {
        b.iter(|| black_box(baseline::figures(&p.survey, &p.data).unwrap()))
    });
    let columns = used_columns(&p.survey);
    g.bench_function("polars_read_columns", |b| {
        b.iter(|| {
            let path = PlRefPath::new(p.data.to_string_lossy().as_ref());
            let lf = LazyFrame::scan_parquet(path, ScanArgsParquet::default()).unwrap();
            black_box(lf.select(columns.clone()).collect().unwrap())
        })
    });
    g.finish();
    ratios.push(Ratio::new(
        &name,
        "engage",
        "polars_lazy",
        "polars lazy / engage",
    ));
    ratios.push(Ratio::new(
        &name,
        "engage",
        "polars_read_columns",
        "polars reading the columns / engage",
    ));
}

/// Aggregation alone on the compact layout, against streaming that layout through memory.
fn aggregation(c: &mut Criterion, shape: &Shape, ratios: &mut Vec<Ratio>) {
    let p = prepare(shape);
    let ingested = engage_ingest::read_responses(&p.survey, std::slice::from_ref(&p.data)).unwrap();
    let table = &ingested.table;
    let layout_bytes: usize = table.items.iter().map(Vec::len).sum::<usize>()
        + table
            .segments
            .iter()
            .map(|s| s.codes.len() * 4)
            .sum::<usize>()
        + table.multi.iter().map(|m| m.picks.len() * 9).sum::<usize>();
    let name = format!("aggregate/{}", shape.name());
    let mut g = c.benchmark_group(&name);
    configure(&mut g, shape.rows);
    g.throughput(Throughput::ElementsAndBytes {
        elements: shape.rows as u64,
        bytes: layout_bytes as u64,
    });
    g.bench_function("engage", |b| {
        b.iter(|| black_box(engage_aggregate::aggregate(&p.survey, table)))
    });
    g.bench_function("stream_layout", |b| {
        b.iter(|| black_box(stream(table, 0..table.n_rows)))
    });
    // The same on every core, in the pass's chunks of rows: the floor for a pass that runs on
    // every core too.
    g.bench_function("stream_layout_parallel", |b| {
        b.iter(|| {
            let chunks = table.n_rows.div_ceil(STREAM_CHUNK_ROWS);
            let sum: u64 = (0..chunks)
                .into_par_iter()
                .map(|c| {
                    let start = c * STREAM_CHUNK_ROWS;
                    stream(table, start..(start + STREAM_CHUNK_ROWS).min(table.n_rows))
                })
                .sum();
            black_box(sum)
        })
    });
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("engage_threads_{threads}"), |b| {
            b.iter(|| pool.install(|| black_box(engage_aggregate::aggregate(&p.survey, table))))
        });
    }
    g.finish();
    ratios.push(Ratio::new(
        &name,
        "stream_layout",
        "engage",
        "engage / streaming the layout (one thread)",
    ));
    ratios.push(Ratio::new(
        &name,
        "stream_layout_parallel",
        "engage",
        "engage / streaming the layout (every core)",
    ));
    ratios.push(Ratio::new(
        &name,
        "engage_threads_2",
        "engage_threads_1",
        "speed-up from 1 to 2 threads",
    ));
}

/// Rows per task of the parallel stream, as the pass's chunks.
const STREAM_CHUNK_ROWS: usize = 16 * 1024;

/// Touches every byte of the layout's `rows` once, column by column, summing so that nothing
/// is optimised away.
fn stream(table: &engage_ingest::ResponseTable, rows: std::ops::Range<usize>) -> u64 {
    let mut sum = 0u64;
    for column in &table.items {
        sum += column[rows.clone()]
            .iter()
            .map(|&x| u64::from(x))
            .sum::<u64>();
    }
    for s in &table.segments {
        sum += s.codes[rows.clone()]
            .iter()
            .map(|&x| u64::from(x))
            .sum::<u64>();
    }
    for m in &table.multi {
        sum += m.picks[rows.clone()].iter().sum::<u64>();
        sum += m.answered[rows.clone()].iter().filter(|&&a| a).count() as u64;
    }
    sum
}

/// `numerator / denominator` of two functions' median times in one group.
struct Ratio {
    group: String,
    denominator: String,
    numerator: String,
    what: &'static str,
}

impl Ratio {
    fn new(group: &str, denominator: &str, numerator: &str, what: &'static str) -> Self {
        Ratio {
            group: group.to_string(),
            denominator: denominator.to_string(),
            numerator: numerator.to_string(),
            what,
        }
    }
}

/// Criterion's median estimate (ns) of one function, from its output files.
fn median_ns(out: &Path, group: &str, function: &str) -> Option<f64> {
    let path = out
        .join(group.replace('/', "_"))
        .join(function)
        .join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn main() {
    let out = target_dir().join("criterion");
    let mut c = Criterion::default()
        .output_directory(&out)
        .configure_from_args();
    let mut ratios = Vec::new();
    let sizes = sizes();
    for &rows in &sizes {
        full_report(&mut c, &Shape::rows(rows), &mut ratios);
    }
    // Shapes at one million rows (or the largest size asked for below that).
    let rows = sizes
        .iter()
        .copied()
        .filter(|&r| r <= 1_000_000)
        .max()
        .unwrap_or(3_690);
    for shape in [
        Shape {
            rows,
            extra_missing_percent: 15,
            section_split: 1,
        },
        Shape {
            rows,
            extra_missing_percent: 0,
            section_split: 8,
        },
    ] {
        full_report(&mut c, &shape, &mut ratios);
    }
    for &rows in &sizes {
        aggregation(&mut c, &Shape::rows(rows), &mut ratios);
    }
    c.final_summary();

    println!("\nRatios of median times (>1: the engine is faster / the numerator is slower)");
    println!("{:<48} {:<40} {:>8}", "group", "ratio", "value");
    for r in &ratios {
        let value = match (
            median_ns(&out, &r.group, &r.numerator),
            median_ns(&out, &r.group, &r.denominator),
        ) {
            (Some(a), Some(b)) => format!("{:.2}", a / b),
            _ => "not run".into(),
        };
        println!("{:<48} {:<40} {:>8}", r.group, r.what, value);
    }
}

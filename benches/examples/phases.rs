//! Times the phases of the full report on one benchmark dataset: reading, aggregation,
//! figures. `cargo run --profile bench --example phases -- ROWS [MISSING] [SPLIT] [REPEAT]`.

use std::path::Path;
use std::time::Instant;

use engage_bench::{data, Shape};
use engage_model::Survey;

fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.replace('_', "").parse().expect("numbers"))
        .collect();
    let shape = Shape {
        rows: args.first().copied().unwrap_or(1_000_000),
        extra_missing_percent: args.get(1).copied().unwrap_or(0) as u32,
        section_split: args.get(2).copied().unwrap_or(1),
    };
    let repeat = args.get(3).copied().unwrap_or(3);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    let survey = Survey::load(&data::dataset(&dir, &shape)?)?;
    let path = survey.data_path();
    for _ in 0..repeat {
        let t = Instant::now();
        let ingested = engage_ingest::read_responses(&survey, std::slice::from_ref(&path))?;
        let read = t.elapsed();
        let t = Instant::now();
        let partials = engage_aggregate::aggregate(&survey, &ingested.table);
        let aggregate = t.elapsed();
        let t = Instant::now();
        let report = engage_bench::engine::figures(&survey, &ingested, &partials);
        let figures = t.elapsed();
        println!(
            "{}: read {:.3} s, aggregate {:.3} s, figures {:.3} s ({} rows, {} groups)",
            shape.name(),
            read.as_secs_f64(),
            aggregate.as_secs_f64(),
            figures.as_secs_f64(),
            ingested.table.n_rows,
            report.segments.len()
        );
    }
    Ok(())
}

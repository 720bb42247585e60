//! Benchmark support for `engage`: seeded datasets of any size and shape, the engine's full
//! report on them, and the same figures computed with idiomatic polars lazy expressions, the
//! in-process baseline every benchmark reports its ratio against.
//!
//! `tests/baseline.rs` asserts that the baseline's figures equal the engine's, so the
//! comparison is between two programs computing the same thing.

pub mod baseline;
pub mod data;
pub mod engine;
pub mod figures;

pub use data::{dataset, Shape};
pub use figures::{differences, Figures};

//! One parallel pass over the compact layout that fills, for every cut (overall and each
//! segment), the integer sufficient statistics the report needs. Partials merge by addition,
//! so any split of the rows and any merge order give identical figures.
//!
//! Architecture invariant: no floating point here; statistics are derived later.

mod partials;
mod pass;

pub use partials::{
    composite_scale, CompositeSums, CutPartial, GroupLevel, GroupPartial, ItemCounts, MultiCounts,
    Partials,
};
pub use pass::{aggregate, aggregate_chunked, aggregate_rows, aggregate_sequential};

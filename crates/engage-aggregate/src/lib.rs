//! One parallel pass over the compact layout that fills, for every cut (overall and each
//! segment), the integer sufficient statistics the report needs. Partials merge by addition,
//! so any split of the rows and any merge order give identical figures.
//!
//! Architecture invariant: no floating point in the partials; statistics are derived later.
//! The row exports (`driver_rows`, `respondent_values`) are the only floats, for statistics
//! that need rows; `cell_moments` gives raking its cells in integers (`cells_from_partials`
//! takes them from the partials when the margins are one segment or a cross's two).

mod cells;
mod counters;
mod driver_rows;
mod kernels;
mod moments;
mod partials;
mod pass;
mod pick_sets;
mod plan;
mod shard;
mod value_codes;
mod values;

pub use cells::{cell_moments, cells_from_partials, CellError, CellMoments, ScaledMoments};
pub use driver_rows::{driver_rows, driver_rows_of_kpis, DriverRequest, DriverRows, DriverValues};
pub use moments::{pair_index, upper_index, ItemMoments, Listwise, MultiMoments, PairSums, Sums};
pub use partials::{
    composite_scale, CompositeSums, CutPartial, GroupLevel, GroupPartial, ItemCounts, MultiCounts,
    Partials, ScoreVariables,
};
pub use pass::{
    aggregate, aggregate_chunked, aggregate_rows, aggregate_sequential, kpi_values,
    respondent_values, RespondentValues,
};
pub use shard::{merge_shards, read_partials, write_partials, Shard, ShardError, PARTIALS_FORMAT};

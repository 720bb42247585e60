//! One parallel pass over the compact layout that fills, for every cut (overall and each
//! segment), the integer sufficient statistics the report needs. Partials merge by addition,
//! so any split of the rows and any merge order give identical figures.
//!
//! Architecture invariant: no floating point in the partials; statistics are derived later.
//! The row exports (`driver_rows`, `respondent_values`) are the only floats, for statistics
//! that need rows; `cell_moments` gives raking its cells in integers (`cells_from_partials`
//! takes them from the partials when the margins are one segment or a cross's two).
//!
//! # How the pass works
//!
//! One pass over the compact layout: one rayon worker per thread takes row chunks of 16,384 until
//! none is left, folding them into its own counters, and the workers' partials are merged (once
//! per thread, not once per rayon split). `plan.rs` decides once what is counted: a cut that a
//! counted cut refines is summed from it instead of counted (bureaus from sections, age bands
//! from bureau × age, the whole organisation from any segment), a nested segment and a cross of
//! its parent become one tally (sections × age bands gives sections and bureau × age), and the
//! other counted cuts are fused, smallest first, into product *tallies* of at most 1,024 cells
//! (grade × employment × gender × years of service is one tally), each cut's groups being sums of
//! its tally's cells. `counters.rs` takes rows in blocks of 1,024, column by column: flipped
//! codes, scores and cells are derived once per block, then each kernel streams those columns
//! (answer counts per tally cell in `u16` flushed to `u64` before they could overflow; item
//! pairs, score pairs and driver cross-products as block sums in `kernels.rs`, whose integer
//! width `Plan::width` picks from a bound on the scale: `i16` values with `i32` sums when exact,
//! else `i64`, else `i128`; a multi-select question of at most 16 options adds each row to the
//! counter of the set of options it picked, expanded into co-picks and the pickers' KPI sums when
//! flushed, `pick_sets.rs`, and the tallies add a row's first three picks to an option or a spare
//! counter, so no branch follows the picks). The block kernels are compiled twice, for the x86-64
//! baseline and with AVX2, and `add_rows` takes the AVX2 build when the CPU has it (this
//! crate's one `unsafe`: calling a `target_feature` function after the check); both sum the same
//! integers, and a unit test holds them equal on the bundled fixture. It fills `Partials`: for
//! the whole organisation and every segment group, per item the count of each code, per composite
//! (dimension or multi-item KPI) the count, sum and sum of squares of respondent scores scaled by
//! lcm(1..=items) so they are integers, per multi-select question the base, option counts,
//! co-picks and KPI sums of pickers; per dimension the listwise and pairwise co-moments of its
//! items (`moments.rs`), per pair of score variables their co-moments, per KPI the dimension ×
//! KPI cross-products on complete rows. The row exports `driver_rows` (`driver_rows.rs`: every
//! KPI's rows from one derivation of the scores, `driver_rows_of_kpis`, only the columns asked
//! for, as one-byte codes into each column's possible scores, else scaled integers, else floats),
//! `kpi_values` and `respondent_values` (floats) serve what partials cannot carry: bootstrap,
//! paired tests, the comments' KPI links; each is built only when needed, since at ten million
//! rows every float column is 80 MB. They read the rows a block at a time, column by column
//! (`values.rs`, the same derivation as the pass). `cells.rs` (`cell_moments`) gives raking what
//! it needs in integers: per cell of the raking margins (each combination of their groups) every
//! variable's count, sum and sum of squares, since everyone in a cell gets one weight (counted
//! with one counter per possible value where a variable has at most 256, `value_codes.rs`, and
//! worked out from the counts); `cells_from_partials` takes the same cells from the partials when
//! the margins are one segment or a cross's two, whose groups they are. `shard.rs` writes and
//! reads partials as long-form Arrow IPC and merges shards whose group dictionaries differ
//! ([docs/partials.md](docs/partials.md)). *Invariants:* integers only, so any split and merge
//! order is bit-identical (property tested); no statistics here.

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

//! Reads response files into the compact layout that aggregation works on ([`ResponseTable`]),
//! checking every cell and accounting for every row: read = accepted + rejected.
//!
//! Architecture invariant: this crate is the only one that opens response files.
//!
//! # How reading works
//!
//! Reads response files into `ResponseTable`: item answers as `u8` codes in column-major vectors,
//! segments dictionary-encoded (`SegmentColumn`, nested segments keyed by their parent path),
//! multi-select as `u64` bitsets plus an answered flag. Every reader implements one
//! `RecordSource` (`source.rs`: header, next record with its spreadsheet row number), so the row
//! loop (`read.rs`) is the same for all text and spreadsheet formats. Parquet and Arrow IPC take
//! a column-wise loop instead (`read/batch.rs`): record batches (Parquet: row groups, in
//! parallel, only the used columns, strings as dictionaries) are decoded column by column, each
//! distinct cell text decided once by the row loop's own rules (`segment_value`, `multi_rules`,
//! `row_rules`, the answer and pick maps; a `UInt8` column by its 256 values, without per-row
//! keys; a Parquet integer answer or pick column is read without Arrow, page by page into one key
//! a row (`page_keys.rs`: the dictionary page gives the table of values, the definition levels
//! and the dictionary indices are unpacked straight into keys; a page it does not expect, such as
//! another encoding or more than 255 values, hands the column chunk to parquet's own column
//! reader from the row reached, so damaged files keep parquet's errors), each batch then decided
//! one table lookup a row, `IntColumn` in `columnar.rs`); rows are then accepted in file order
//! while later ones are decoded: `in_order.rs` runs one worker per thread that accepts the next
//! batch in order when it is decoded and nobody else is accepting, and decodes the next batch
//! otherwise, at most two batches per thread held (the reader's rules are shared, its growing
//! state is taken out while the loop runs). `tests/columnar_equivalence.rs` holds the two loops
//! equal on random files full of problems (table, problems, rejects). Formats: `text.rs` CSV/TSV
//! (encoding detection and a streaming decoder, delimiter sniffing, row numbers counting blank
//! lines), `sheet.rs` XLSX/XLS/ODS, `columnar.rs` Parquet and Arrow IPC in record batches,
//! `MemoryBatches` record batches already in memory, read as an Arrow IPC file would be, `files.rs` glob patterns, `headers.rs` header matching, `values.rs` answer and pick mapping,
//! `ids.rs` the id fingerprints (XXH3-128) that link waves and the duplicate-id set (our own
//! open-addressing table of 32 fingerprint bits and a row number per 8-byte slot, warmed 2,048
//! ids at a time so cache misses overlap), `side.rs` the small side tables (crosswalk,
//! headcounts), `draft.rs` the column profiling behind `engage init`. Every problem becomes a
//! `Problem` (file, spreadsheet row, column header, raw value, reason, kind, action); the
//! definition's policy decides whether it rejects the row (kept verbatim as a `RejectedRow`),
//! blanks the cell or only warns. *Invariants:* rows read = accepted + rejected per file; the
//! only crate that opens response files; never panics on input (fuzzed with proptest, a corpus of
//! damaged files is pinned in `tests/corpus/`, fuzz finds kept in `tests/fuzz_finds/`; the format
//! crates' own panics on damaged files, in parquet, arrow-ipc and calamine, become errors naming
//! the file through `fault.rs`); does not link polars, so its fuzz build stays small.

mod columnar;
mod draft;
mod error;
mod fault;
mod files;
mod headers;
mod ids;
mod in_order;
mod layout;
mod page_keys;
mod read;
mod sheet;
mod side;
mod source;
mod text;
mod values;

pub use columnar::MemoryBatches;
pub use draft::draft_definition;
pub use error::IngestError;
pub use files::expand_patterns;
pub use ids::Fingerprint;
pub use layout::{MultiColumn, ResponseTable, SegmentColumn, SegmentLevel, MISSING_SEGMENT};
pub use read::{
    read_record_batches, read_responses, FileAccount, Ingested, Problem, ProblemCount, RejectedRow,
    FILE_COLUMN,
};
pub use side::{read_crosswalk, read_headcounts, CrosswalkRow, HeadcountRow, SideFileError};
pub use source::{format_of, open as open_source, Record, RecordSource};
pub use text::{detect as detect_encoding, encoding_name, sniff_delimiter};
pub use values::{option_cell, AnswerMap, OptionMap};

/// SHA-256 of a file's bytes, hex-encoded, for provenance; streamed, so large files are fine.
pub fn file_sha256(path: &std::path::Path) -> Result<String, IngestError> {
    use sha2::{Digest, Sha256};
    let read_err = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(read_err)?;
    Ok(format!("{:x}", hasher.finalize()))
}

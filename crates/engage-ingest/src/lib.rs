//! Reads response files into the compact layout that aggregation works on ([`ResponseTable`]),
//! checking every cell and accounting for every row: read = accepted + rejected.
//!
//! Architecture invariant: this crate is the only one that opens response files.

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

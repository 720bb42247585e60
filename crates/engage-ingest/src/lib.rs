//! Reads response files into the compact layout that aggregation works on ([`ResponseTable`]),
//! checking every cell and accounting for every row: read = accepted + rejected.
//!
//! Architecture invariant: this crate is the only one that opens response files.

mod error;
mod headers;
mod layout;
mod read_csv;
mod values;

pub use error::IngestError;
pub use layout::{MultiColumn, ResponseTable, SegmentColumn, SegmentLevel, MISSING_SEGMENT};
pub use read_csv::{read_responses, FileAccount, Ingested, Problem, RejectedRow};

/// SHA-256 of a file's bytes, hex-encoded, for provenance.
pub fn file_sha256(path: &std::path::Path) -> Result<String, IngestError> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

//! Free-text comments: normalisation and non-answers ([`normalize`]), Japanese morphological
//! analysis with a real dictionary ([`Analyser`]: vibrato with IPADIC built from Debian's
//! `mecab-ipadic` source, or a labelled dictionary-free fallback), and masking of names,
//! identifiers, e-mail addresses and phone numbers ([`mask`]). No polars, no survey types: the report layer
//! decides which comments may be counted or shown.

mod analyser;
pub mod corpus;
mod dictionary;
pub mod mask;
pub mod normalize;

use std::path::PathBuf;

pub use analyser::{Analyser, Pos, Token};
pub use corpus::{CategoryRule, CommentDoc, CommentKind, Corpus, CorpusOptions, Term};
pub use dictionary::{default_ipadic_dir, WORKPLACE_TERMS};
pub use mask::MaskRules;

#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error(
        "no IPADIC source at {0} (Debian: apt install mecab-ipadic; or set ENGAGE_IPADIC_DIR)"
    )]
    NoDictionary(PathBuf),
    #[error("cannot read the dictionary file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid EUC-JP")]
    Encoding { path: PathBuf },
    #[error("cannot build the dictionary from {dir}: {message}")]
    Build { dir: PathBuf, message: String },
    #[error("user dictionary term `{term}`: {message}")]
    UserTerm { term: String, message: String },
    #[error("mask pattern `{pattern}` is not a regular expression: {message}")]
    Pattern { pattern: String, message: String },
}

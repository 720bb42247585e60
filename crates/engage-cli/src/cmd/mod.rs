//! One module per subcommand.

pub mod aggregate;
pub mod args;
pub mod audit;
pub mod batch;
pub mod compare;
pub mod generate;
pub mod init;
pub mod merge;
pub mod report;
pub mod validate;

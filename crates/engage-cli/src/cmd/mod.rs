//! One module per subcommand.

pub mod generate;
pub mod report;
pub mod validate;

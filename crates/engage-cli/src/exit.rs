//! Exit codes, documented in README.md. 2 is left to clap for usage errors.

/// Everything worked (problems are warnings unless `--strict`); `validate` found no problem.
pub const OK: i32 = 0;
/// Could not go on: unreadable or invalid input, or an output that could not be written.
pub const FAILURE: i32 = 1;
/// The data has problems: `validate` found some, or `report --strict` was given and found some.
pub const PROBLEMS: i32 = 3;

/// What a subcommand reports back: its own exit code, or an error to print.
pub type Outcome = anyhow::Result<i32>;

pub fn code(outcome: Outcome) -> i32 {
    match outcome {
        Ok(code) => code,
        Err(e) => {
            crate::ui::emit(crate::ui::Level::Error, &format!("{e:#}"));
            FAILURE
        }
    }
}

/// The exit code of a run that went to the end.
pub fn of(status: engage::Status) -> i32 {
    match status {
        engage::Status::Done => OK,
        engage::Status::Problems => PROBLEMS,
    }
}

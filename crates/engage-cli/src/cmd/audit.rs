//! `engage audit DIR`: checks a report directory for groups the published figures expose.

use std::path::PathBuf;

use crate::exit::{Outcome, FAILURE, OK};

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  engage audit out/kumamoto-2023\n  engage audit out/kumamoto-2023 --min-group-size 10\n\nExit codes: 0 nothing exposed, 1 some group under the minimum can be recovered (listed)\nor the folder cannot be read, 2 usage error."
)]
pub struct Args {
    /// A report directory (with report.json), as written by `engage report` or `merge`.
    pub dir: PathBuf,
    /// Smallest group that may be known; default: the release's own `min_group_size`.
    #[arg(long)]
    pub min_group_size: Option<u32>,
}

pub fn run(args: Args) -> Outcome {
    let audit = engage::audit(&args.dir, args.min_group_size)?;
    print!("{}: {audit}", args.dir.display());
    if audit.passed() {
        println!(
            "no group below {} can be recovered from the published figures",
            audit.threshold
        );
        Ok(OK)
    } else {
        Ok(FAILURE)
    }
}

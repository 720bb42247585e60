//! `engage validate`: the data-quality report; the figures are computed too (and dropped), so
//! that what would stop `report` stops `validate`, and nothing is written.

use std::path::PathBuf;

use engage::ProblemKind;

use crate::exit::{Outcome, OK, PROBLEMS};

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  engage validate fixtures/kumamoto-2023/survey.toml\n  engage validate survey.toml --data 'bureaus/*.csv' --rejects private/rejects.csv\n\nExit codes: 0 no problem found, 1 input unusable (unreadable file, missing column,\ninvalid definition), 2 usage error, 3 problems found (listed above the exit)."
)]
pub struct Args {
    /// The survey definition (TOML).
    survey: PathBuf,
    /// Response file(s) or patterns such as 'bureaus/*.csv'; default: the definition's file.
    #[arg(long)]
    data: Vec<PathBuf>,
    /// Examples shown per kind of problem.
    #[arg(long, default_value_t = 3)]
    examples: usize,
    /// Judge as `report --strict` would: every problem rejects its row.
    #[arg(long)]
    strict: bool,
    /// Also write the rows that would be rejected here (raw answers: keep it private).
    #[arg(long)]
    rejects: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    let survey = engage::load_survey(&args.survey, args.strict)?;
    let data = engage::data_paths(&survey, args.data);
    let ingested = engage::read_responses(&survey, &data, None, 0, &crate::ui::Shown::new())?;
    for kind in ProblemKind::ALL {
        let of_kind: Vec<_> = ingested
            .problems
            .iter()
            .filter(|p| p.kind == kind)
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        crate::ui::say!(
            "\n{} / {} ({}): {}",
            kind.ja(),
            kind.en(),
            kind.key(),
            of_kind.len()
        );
        for p in of_kind.iter().take(args.examples) {
            crate::ui::say!("  {p}");
        }
    }
    if let Some(path) = &args.rejects {
        engage::guard_output(path, false, &engage::input_files(&survey, &data))?;
        engage::write_rejects(&ingested, path)?;
        crate::ui::say!("rejected rows written to {}", path.display());
    }
    // What would stop `report` after reading stops here too.
    engage::check_analysis(&survey, &ingested, &engage::Silent)?;
    if ingested.problems.is_empty() {
        crate::ui::say!("no problems found");
        Ok(OK)
    } else {
        crate::ui::say!("\n{} problem(s) found", ingested.problems.len());
        Ok(PROBLEMS)
    }
}

//! What the commands share: the output options resolved from the environment, and the row
//! accounting as the analyst reads it.

use engage::Ingested;

/// Output options in `lang`: the run's creation time (`SOURCE_DATE_EPOCH`, else the clock)
/// and the PNG charts' font from `ENGAGE_CHART_FONT` when set.
pub fn output_options(lang: engage::Lang) -> anyhow::Result<engage::OutputOptions> {
    let mut options = engage::OutputOptions::new(lang, engage::creation_time()?);
    options.chart_font = std::env::var_os("ENGAGE_CHART_FONT").map(std::path::PathBuf::from);
    Ok(options)
}

/// Per-file accounting (always printed), then the first problems and unused columns.
pub fn print_accounting(ingested: &Ingested, shown: usize) {
    // `-v` lists every problem.
    let shown = if crate::ui::enabled(crate::ui::Level::Detail) {
        usize::MAX
    } else {
        shown
    };
    for a in &ingested.accounts {
        crate::ui::say!(
            "{} ({}): {} rows read = {} accepted + {} rejected",
            a.path,
            a.format,
            a.rows_read,
            a.rows_accepted,
            a.rows_rejected
        );
    }
    if ingested.accounts.len() > 1 {
        crate::ui::say!(
            "all files: {} rows read = {} accepted + {} rejected",
            ingested.rows_read(),
            ingested.rows_accepted(),
            ingested.rows_rejected()
        );
    }
    for c in ingested.problem_counts() {
        crate::ui::say!(
            "problems: {} × {} ({})",
            c.count,
            c.kind.key(),
            c.action.as_str()
        );
    }
    for p in ingested.problems.iter().take(shown) {
        crate::ui::say!("  {p}");
    }
    if shown > 0 && ingested.problems.len() > shown {
        crate::ui::say!("  ... and {} more", ingested.problems.len() - shown);
    }
    if !ingested.unused_columns.is_empty() {
        crate::ui::say!(
            "note: columns not used by the definition: {}",
            ingested.unused_columns.join(", ")
        );
    }
}

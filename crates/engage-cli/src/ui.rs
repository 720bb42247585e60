//! What the command line tells the analyst on stderr: messages at a level (`--quiet` keeps
//! warnings and errors, `-v` adds detail), as plain lines or JSON lines for schedulers
//! (`--log-format json`), and spinners for the slow steps when stderr is a terminal.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Info,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

struct Settings {
    shown: Level,
    format: LogFormat,
    terminal: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Called once from `main` with the global flags.
pub fn init(quiet: bool, verbose: u8, format: LogFormat) {
    let shown = match (quiet, verbose) {
        (true, _) => Level::Warning,
        (false, 0) => Level::Info,
        (false, _) => Level::Detail,
    };
    let _ = SETTINGS.set(Settings {
        shown,
        format,
        terminal: std::io::stderr().is_terminal(),
    });
}

fn settings() -> &'static Settings {
    SETTINGS.get_or_init(|| Settings {
        shown: Level::Info,
        format: LogFormat::Text,
        terminal: false,
    })
}

pub fn enabled(level: Level) -> bool {
    level <= settings().shown
}

pub fn emit(level: Level, message: &str) {
    let s = settings();
    if level > s.shown {
        return;
    }
    match s.format {
        LogFormat::Text => match level {
            Level::Error => eprintln!("error: {message}"),
            Level::Warning if !message.starts_with("WARNING") => eprintln!("warning: {message}"),
            _ => eprintln!("{message}"),
        },
        LogFormat::Json => {
            let level = match level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Info => "info",
                Level::Detail => "detail",
            };
            let line = serde_json::json!({ "level": level, "message": message });
            eprintln!("{line}");
        }
    }
}

/// An informational line (hidden by `--quiet`).
macro_rules! say {
    ($($arg:tt)*) => { $crate::ui::emit($crate::ui::Level::Info, &format!($($arg)*)) };
}
pub(crate) use say;

/// Shows a run's [`engage::Event`]s: messages at their level, the accounting of what was read,
/// a spinner for each slow step on a terminal (with `-v`, its wall time when it ends), and in a
/// batch one spinner per job instead.
pub struct Shown {
    /// The spinners of the steps under way, innermost last, when steps get one (not in a
    /// batch, whose jobs overlap). A step can run inside another (an earlier wave is read while
    /// the report is computed); the outer spinner is hidden meanwhile.
    steps: Option<Mutex<Vec<indicatif::ProgressBar>>>,
    /// A batch's job spinners, by job name, when shown.
    jobs: Option<(
        indicatif::MultiProgress,
        Mutex<HashMap<String, indicatif::ProgressBar>>,
    )>,
}

/// Spinners only on a terminal, with text logs, and not under `--quiet`.
fn spinners() -> bool {
    let s = settings();
    s.terminal && s.format == LogFormat::Text && s.shown >= Level::Info
}

fn spinner(template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("a fixed template"));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

impl Shown {
    /// For one report, comparison or other single run.
    pub fn new() -> Self {
        Shown {
            steps: spinners().then(|| Mutex::new(Vec::new())),
            jobs: None,
        }
    }

    /// For a batch: job spinners, no step spinners.
    pub fn batch() -> Self {
        Shown {
            steps: None,
            jobs: spinners().then(|| (indicatif::MultiProgress::new(), Mutex::new(HashMap::new()))),
        }
    }
}

impl engage::Progress for Shown {
    fn event(&self, event: engage::Event<'_>) {
        use engage::Event;
        match event {
            Event::Message { level, text } => emit(
                match level {
                    engage::Level::Warning => Level::Warning,
                    engage::Level::Info => Level::Info,
                    engage::Level::Detail => Level::Detail,
                },
                &text,
            ),
            Event::StepStarted { what } => {
                if let Some(steps) = &self.steps {
                    let mut steps = steps.lock().unwrap();
                    if let Some(outer) = steps.last() {
                        outer.disable_steady_tick();
                        outer.set_draw_target(indicatif::ProgressDrawTarget::hidden());
                    }
                    let bar = spinner("{spinner} {msg} ({elapsed})");
                    bar.set_message(what.to_string());
                    steps.push(bar);
                }
            }
            Event::StepFinished {
                what,
                seconds,
                part,
            } => {
                if let (Some(steps), false) = (&self.steps, part) {
                    let mut steps = steps.lock().unwrap();
                    if let Some(bar) = steps.pop() {
                        bar.finish_and_clear();
                    }
                    if let Some(outer) = steps.last() {
                        outer.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                        outer.enable_steady_tick(Duration::from_millis(120));
                    }
                }
                // A part is shown indented under its step.
                let indent = if part { "  " } else { "" };
                emit(Level::Detail, &format!("{indent}{what}: {seconds:.3} s"));
            }
            Event::Read { ingested, examples } => {
                crate::inputs::print_accounting(ingested, examples)
            }
            Event::BatchInputRead {
                definition,
                outcome,
                seconds,
            } => match outcome {
                Ok(ingested) => {
                    say!("read {} in {seconds:.1} s:", definition.display());
                    crate::inputs::print_accounting(ingested, 3);
                }
                Err(e) => say!(
                    "cannot read {}: {}",
                    definition.display(),
                    engage::error_chain(e)
                ),
            },
            Event::JobStarted { name, kind } => match &self.jobs {
                Some((multi, bars)) => {
                    let bar = multi.add(spinner("{spinner} job {prefix}: {msg} ({elapsed})"));
                    bar.set_prefix(name.to_string());
                    bar.set_message("running");
                    bars.lock().unwrap().insert(name.to_string(), bar);
                }
                None => say!("job {name} ({kind}): started"),
            },
            Event::JobFinished {
                name,
                kind,
                outcome,
                seconds,
            } => {
                let bar = self
                    .jobs
                    .as_ref()
                    .and_then(|(_, bars)| bars.lock().unwrap().remove(name));
                if let Some(bar) = bar {
                    bar.finish_with_message(match outcome {
                        Ok(_) => format!("done in {seconds:.1} s"),
                        Err(_) => "FAILED".to_string(),
                    });
                }
                match outcome {
                    Ok(_) => say!("job {name} ({kind}): done in {seconds:.1} s"),
                    Err(e) => say!("job {name} ({kind}): FAILED: {}", engage::error_chain(e)),
                }
            }
            _ => {}
        }
    }
}

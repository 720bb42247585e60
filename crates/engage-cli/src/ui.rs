//! What the command line tells the analyst on stderr: messages at a level (`--quiet` keeps
//! warnings and errors, `-v` adds detail), as plain lines or JSON lines for schedulers
//! (`--log-format json`), and spinners for the slow steps when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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
/// A warning (shown even with `--quiet`).
macro_rules! warning {
    ($($arg:tt)*) => { $crate::ui::emit($crate::ui::Level::Warning, &format!($($arg)*)) };
}
pub(crate) use {say, warning};

/// A spinner naming a slow step, shown only on a terminal with text logs and not `--quiet`;
/// finished (and cleared) when dropped. With `-v` the step's wall time is said when it ends,
/// so an analyst can see where a long run goes.
pub struct Step {
    bar: Option<indicatif::ProgressBar>,
    what: String,
    started: Instant,
}

pub fn step(what: &str) -> Step {
    let s = settings();
    let started = Instant::now();
    let what = what.to_string();
    if !(s.terminal && s.format == LogFormat::Text && s.shown >= Level::Info) {
        return Step {
            bar: None,
            what,
            started,
        };
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .expect("a fixed template"),
    );
    bar.set_message(what.clone());
    bar.enable_steady_tick(Duration::from_millis(120));
    Step {
        bar: Some(bar),
        what,
        started,
    }
}

/// A part of a step: no spinner of its own (the step's is showing), only its time with `-v`.
pub fn part(what: &str) -> Step {
    Step {
        bar: None,
        what: what.to_string(),
        started: Instant::now(),
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let seconds = self.started.elapsed().as_secs_f64();
        emit(Level::Detail, &format!("{}: {seconds:.3} s", self.what));
    }
}

/// One progress bar per batch job on a terminal (plain lines otherwise).
pub struct JobBars {
    multi: Option<indicatif::MultiProgress>,
}

impl JobBars {
    pub fn new() -> Self {
        let s = settings();
        let on = s.terminal && s.format == LogFormat::Text && s.shown >= Level::Info;
        JobBars {
            multi: on.then(indicatif::MultiProgress::new),
        }
    }

    /// A spinner for a job; None when bars are off (the caller prints lines instead).
    pub fn job(&self, name: &str) -> Option<indicatif::ProgressBar> {
        let multi = self.multi.as_ref()?;
        let bar = multi.add(indicatif::ProgressBar::new_spinner());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} job {prefix}: {msg} ({elapsed})")
                .expect("a fixed template"),
        );
        bar.set_prefix(name.to_string());
        bar.set_message("running");
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(bar)
    }
}

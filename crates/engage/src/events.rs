//! What the pipeline tells whoever runs it, as events rather than printed lines: the command
//! line turns them into stderr lines, spinners and job bars; a notebook or a service can log
//! them or ignore them ([`Silent`]).

use engage_ingest::Ingested;

/// How loud an event's message is: the command line hides `Info` under `--quiet` and shows
/// `Detail` only with `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Info,
    Detail,
}

/// One thing that happened.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A line for the analyst.
    Message { level: Level, text: String },
    /// A slow step began (the command line shows a spinner until it finishes).
    StepStarted { what: &'a str },
    /// A step, or a part of one, finished after `seconds` of wall time.
    StepFinished {
        what: &'a str,
        seconds: f64,
        part: bool,
    },
    /// Response files were read: the accounting of every row and the problems found, with up
    /// to `examples` problems worth showing.
    Read {
        ingested: &'a Ingested,
        examples: usize,
    },
    /// One input of a batch was read (`Err`: why not), after `seconds`.
    BatchInputRead {
        definition: &'a std::path::Path,
        outcome: Result<&'a Ingested, &'a crate::Error>,
        seconds: f64,
    },
    /// A batch job began.
    JobStarted { name: &'a str, kind: &'a str },
    /// A batch job ended after `seconds`.
    JobFinished {
        name: &'a str,
        kind: &'a str,
        outcome: &'a crate::Result<crate::Status>,
        seconds: f64,
    },
}

/// Receives the events of a run; called from worker threads too, so it must be `Sync`.
pub trait Progress: Sync {
    fn event(&self, event: Event<'_>);
}

impl<F: Fn(Event<'_>) + Sync> Progress for F {
    fn event(&self, event: Event<'_>) {
        self(event)
    }
}

/// Drops every event.
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: Event<'_>) {}
}

/// Says a message at `level`.
pub(crate) fn say(progress: &dyn Progress, level: Level, text: String) {
    progress.event(Event::Message { level, text });
}

/// Times a step (or a part of one) from now until dropped.
pub(crate) struct Timed<'p> {
    progress: &'p dyn Progress,
    what: &'static str,
    part: bool,
    started: std::time::Instant,
}

impl Drop for Timed<'_> {
    fn drop(&mut self) {
        self.progress.event(Event::StepFinished {
            what: self.what,
            seconds: self.started.elapsed().as_secs_f64(),
            part: self.part,
        });
    }
}

/// A slow step: started now, finished when the guard is dropped.
pub(crate) fn step<'p>(progress: &'p dyn Progress, what: &'static str) -> Timed<'p> {
    progress.event(Event::StepStarted { what });
    Timed {
        progress,
        what,
        part: false,
        started: std::time::Instant::now(),
    }
}

/// A part of a step: only its time is reported.
pub(crate) fn part<'p>(progress: &'p dyn Progress, what: &'static str) -> Timed<'p> {
    Timed {
        progress,
        what,
        part: true,
        started: std::time::Instant::now(),
    }
}

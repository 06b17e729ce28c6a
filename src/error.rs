//! User-facing errors and the exit-code table. This module defines errors; it prints
//! nothing (the error is printed once, at the top, through `Output`).
//!
//! Every failure a user can act on is a [`BreachError`]; everything else is plumbing
//! carried by `anyhow` with context. [`ExitStatus`] is the one place exit codes are defined
//! (and `docs/exit-codes.md` mirrors it). Errors from the core say what is wrong; a hint
//! about what to do next is data ([`Hinted`]), attached where the command is known.

use std::path::PathBuf;

/// The exit codes of `breach`. Scripts may rely on these values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    /// Success.
    Ok = 0,
    /// An unexpected failure: I/O error, full disk, a bug. The message says what failed.
    Failure = 1,
    /// The command line is wrong (unknown flag, missing argument, bad value syntax).
    Usage = 2,
    /// An input file or value is invalid: a runbook, an answers file, an answer that does
    /// not fit its question, a file over the size limit.
    InvalidInput = 3,
    /// The thing named does not exist or is ambiguous: no incident, unknown step, item,
    /// question, template or runbook.
    NotFound = 4,
    /// An integrity check failed: the incident file's hash chain is broken or its tail is
    /// torn, or registered evidence changed or went missing.
    Integrity = 5,
    /// The request conflicts with the incident's state: writing to a closed incident,
    /// marking a step that is already in that state.
    Conflict = 6,
    /// An interactive command has no terminal to ask on and no answers file.
    NeedsTerminal = 7,
    /// A program the command needs is not installed (the headless browser that prints a
    /// PDF).
    MissingProgram = 8,
    /// Another process held the incident file's lock for longer than the lock timeout
    /// (`BREACH_LOCK_TIMEOUT`, default 30 seconds); nothing was recorded.
    LockTimeout = 9,
    /// The operator interrupted an interactive walk (Ctrl-C); everything answered so far
    /// is recorded. Also a "which incident?" prompt left without a choice (nothing is
    /// recorded).
    Interrupted = 130,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status as u8)
    }
}

/// A failure the user can act on, with the exit status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum BreachError {
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Integrity(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NeedsTerminal(String),
    #[error("{0}")]
    MissingProgram(String),
    #[error("interrupted")]
    Interrupted,
    /// The lock on an incident file was not granted within the timeout.
    #[error("{0}")]
    LockTimeout(String),
    /// A file is larger than `breach` accepts for its kind.
    #[error("{path}: file is {size} bytes, larger than the {limit}-byte limit for {what}")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
        what: &'static str,
    },
}

impl BreachError {
    /// The exit status this error maps to.
    pub fn status(&self) -> ExitStatus {
        match self {
            BreachError::InvalidInput(_) | BreachError::TooLarge { .. } => ExitStatus::InvalidInput,
            BreachError::NotFound(_) => ExitStatus::NotFound,
            BreachError::Integrity(_) => ExitStatus::Integrity,
            BreachError::Conflict(_) => ExitStatus::Conflict,
            BreachError::NeedsTerminal(_) => ExitStatus::NeedsTerminal,
            BreachError::MissingProgram(_) => ExitStatus::MissingProgram,
            BreachError::Interrupted => ExitStatus::Interrupted,
            BreachError::LockTimeout(_) => ExitStatus::LockTimeout,
        }
    }
}

/// Shorthand constructors, so call sites read `Err(invalid(format!(..)))?`.
pub fn invalid(msg: impl Into<String>) -> anyhow::Error {
    BreachError::InvalidInput(msg.into()).into()
}
/// See [`invalid`].
pub fn not_found(msg: impl Into<String>) -> anyhow::Error {
    BreachError::NotFound(msg.into()).into()
}
/// See [`invalid`].
pub fn conflict(msg: impl Into<String>) -> anyhow::Error {
    BreachError::Conflict(msg.into()).into()
}
/// See [`invalid`].
pub fn integrity(msg: impl Into<String>) -> anyhow::Error {
    BreachError::Integrity(msg.into()).into()
}

/// The exit status for any error: the typed one if there is one in the chain, else 1.
pub fn status_of(err: &anyhow::Error) -> ExitStatus {
    for cause in err.chain() {
        if let Some(b) = cause.downcast_ref::<BreachError>() {
            return b.status();
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return ExitStatus::Ok;
        }
    }
    ExitStatus::Failure
}

/// What a core error is about, as data, so that the command layer can say what to do next
/// without the core naming any command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// The incident file ends with a record cut short by a crash.
    TornTail,
    /// A record of the incident file does not verify.
    ChainBroken,
    /// The incident directory holds no incident.
    NoIncidents,
    /// No incident matches the id or prefix given.
    UnknownIncident,
    /// Every incident in the directory is closed, and none was named.
    AllClosed,
    /// The operator name is empty, too long or has control characters.
    BadOperator,
    /// A path given for writing is not in the incident directory.
    OutsideDirectory,
    /// A step was marked done while required items are open, without confirmation.
    RequiredItemsOpen { step: String },
    /// A step cannot be walked because it is already done or skipped.
    StepClosed { step: String },
    /// An interactive command has no terminal to ask on.
    NoTerminal { command: String },
    /// A time failed the plausibility checks (future, before its start, contradicting).
    Implausible,
    /// A correction names a fact that cannot be corrected (a question the runbook lacks).
    NotCorrectable,
    /// A directory that must be in a git work tree is not.
    NotInGitRepository,
}

/// A [`BreachError`] with its [`Topic`]. It reads as the error; [`status_of`] sees the
/// error's status.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct About {
    pub topic: Topic,
    #[source]
    pub error: BreachError,
}

/// A typed error about a topic.
pub fn about(topic: Topic, error: BreachError) -> anyhow::Error {
    About { topic, error }.into()
}

/// The topic of an error, if it has one.
pub fn topic_of(err: &anyhow::Error) -> Option<&Topic> {
    err.chain()
        .find_map(|c| c.downcast_ref::<About>())
        .map(|a| &a.topic)
}

/// An error with a hint for the next action, attached at the boundary where the command
/// is known (`hint: run \`breach verify --repair\``). It reads as the error it wraps; the
/// hint is printed on a line of its own.
#[derive(Debug)]
pub struct Hinted {
    pub error: anyhow::Error,
    pub hint: String,
}

impl std::fmt::Display for Hinted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)
    }
}

impl std::error::Error for Hinted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error.as_ref())
    }
}

/// Attaches a hint to an error.
pub fn with_hint(error: anyhow::Error, hint: impl Into<String>) -> anyhow::Error {
    Hinted {
        error,
        hint: hint.into(),
    }
    .into()
}

/// What the top level prints for an error: the message, the chain of causes below it, the
/// hints, and the exit status. Building it prints nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub status: ExitStatus,
    /// The message and its causes, one line each (a wrapper that only adds a hint or a
    /// topic is not repeated).
    pub lines: Vec<String>,
    pub hints: Vec<String>,
}

impl Report {
    /// Describes an error. A closed stdout pipe has status `Ok` and no lines.
    pub fn of(err: &anyhow::Error) -> Report {
        let status = status_of(err);
        let mut report = Report {
            status,
            lines: Vec::new(),
            hints: Vec::new(),
        };
        if status == ExitStatus::Ok {
            return report;
        }
        for cause in err.chain() {
            if let Some(h) = cause.downcast_ref::<Hinted>() {
                report.hints.push(h.hint.clone());
            }
            // Wrappers (a hint, a topic) read as the error they wrap: say it once.
            let text = cause.to_string();
            if report.lines.last() != Some(&text) {
                report.lines.push(text);
            }
        }
        report
    }
}

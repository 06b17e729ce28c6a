//! User-facing errors and the exit-code table.
//!
//! Every failure a user can act on is a [`BreachError`]; everything else is plumbing
//! carried by `anyhow` with context. [`ExitStatus`] is the one place exit codes are defined
//! (and `docs/exit-codes.md` mirrors it).

use std::path::PathBuf;

use crate::output::Output;

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
    /// The operator interrupted an interactive walk (Ctrl-C); everything answered so far
    /// is recorded.
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
    #[error("interrupted")]
    Interrupted,
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
            BreachError::Interrupted => ExitStatus::Interrupted,
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

/// Prints an error (with its context chain) to stderr and returns its exit status.
/// A closed stdout pipe (`breach status | head`) is not an error and prints nothing.
pub fn report(out: &Output, err: &anyhow::Error) -> ExitStatus {
    let status = status_of(err);
    if status == ExitStatus::Ok {
        return status;
    }
    let mut text = format!("{err}");
    for cause in err.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    out.error(&text);
    status
}

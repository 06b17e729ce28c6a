//! The interactive walk through a runbook's steps.

use crate::cli::StartArgs;
use crate::commands::Ctx;
use crate::error::{BreachError, ExitStatus};

/// `breach start` without `--no-walk`.
pub fn start(_args: &StartArgs, _ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    Err(BreachError::NeedsTerminal(
        "the interactive walk is not available in this build yet; use `breach start --no-walk --title ...`".into(),
    )
    .into())
}

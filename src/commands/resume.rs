//! `breach resume`: carries on walking an open incident (the walk lives in [`crate::walk`]).

use super::Ctx;
use crate::cli::ResumeArgs;
use crate::error::ExitStatus;

pub fn run(args: &ResumeArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    crate::walk::resume(args, ctx)
}

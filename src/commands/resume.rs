//! `breach resume`: carries on walking an open incident (the walk lives in [`crate::walk`]).

use super::Ctx;
use crate::cli::ResumeArgs;
use crate::error::ExitStatus;
use crate::walk;

pub fn run(args: &ResumeArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    // Without a terminal or an answers file, refuse at once, before anything else.
    let answering = walk::Answering::choose(args.answers.as_deref(), ctx.global.color, "resume")?;
    let path = ctx.incident_path(args.incident.as_deref())?;
    crate::journal::store::require_inside(ctx.dir(), &path)?;
    let options = walk::ResumeOptions {
        path,
        step: args.step.clone(),
    };
    walk::resume(answering, &options, &ctx.session()?)
}

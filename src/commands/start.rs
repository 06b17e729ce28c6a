//! `breach start`: opens an incident (and walks it unless `--no-walk`).

use super::Ctx;
use super::common::parse_time_arg;
use crate::cli::StartArgs;
use crate::error::{ExitStatus, invalid};
use crate::ledger::{self, Intake, check_title};
use crate::runbook;
use crate::types::Severity;
use crate::walk;

pub fn run(args: &StartArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    if !args.no_walk {
        let answering =
            walk::Answering::choose(args.answers.as_deref(), ctx.global.color, "start")?;
        let options = walk::StartOptions {
            runbook: args
                .runbook
                .clone()
                .or_else(|| ctx.settings.runbook.clone()),
            title: args.title.clone(),
            severity: args.severity.map(Severity::from),
            detected_at: parse_time_arg("--detected-at", args.detected_at.as_deref())?,
            aware_at: parse_time_arg("--aware-at", args.aware_at.as_deref())?,
            determined_at: parse_time_arg("--determined-at", args.determined_at.as_deref())?,
            override_checks: args.override_check,
            team: args.team,
        };
        if ctx.settings.signer.is_some() && !args.team {
            ctx.out.warn(
                "a signing key is configured, but the walk opens a format 1 incident file, which cannot hold signatures: what is recorded in it is not signed (open a team incident with `breach start --team` for signed records)",
            );
        }
        return walk::start(answering, &options, &ctx.session()?);
    }
    let loaded = runbook::load(args.runbook.as_deref().or(ctx.settings.runbook.as_deref()))?;
    let title = check_title(args.title.as_deref().ok_or_else(|| {
        invalid("`breach start --no-walk` needs --title (the walk asks for it interactively)")
    })?)?;
    let now = crate::clock::now()?;
    let intake = Intake {
        title,
        severity: args.severity.map_or(Severity::High, Severity::from),
        detected_at: parse_time_arg("--detected-at", args.detected_at.as_deref())?.unwrap_or(now),
        aware_at: parse_time_arg("--aware-at", args.aware_at.as_deref())?,
        determined_at: parse_time_arg("--determined-at", args.determined_at.as_deref())?,
        override_checks: args.override_check,
    };
    let operator = ctx.operator()?;
    let (path, incident) = if args.team {
        ledger::open_team_incident(ctx.dir(), &loaded, &intake, &operator, now)?
    } else {
        let opened = ledger::open_incident(ctx.dir(), &loaded, &intake, &operator, now)?;
        ctx.warn_if_unsigned(&opened.0);
        opened
    };
    if args.json {
        ctx.out.print_json(&serde_json::json!({
            "id": incident.id,
            "path": path,
            "runbook": {"id": incident.runbook.id, "sha256": incident.runbook_sha256},
        }))?;
    } else {
        ctx.out.print(&format!(
            "opened incident {}\nfile: {}",
            incident.id,
            path.display()
        ))?;
        ctx.out.info(&format!(
            "next: `breach status`, or walk the steps with `breach resume {}`",
            incident.id
        ));
    }
    Ok(ExitStatus::Ok)
}

//! `breach start`: opens an incident (and walks it unless `--no-walk`).

use chrono::{DateTime, Utc};

use super::Ctx;
use crate::cli::StartArgs;
use crate::error::{ExitStatus, invalid};
use crate::journal::record::FORMAT_VERSION;
use crate::journal::{Opened, PinnedRunbook, file, format, store};
use crate::runbook::{self, LoadedRunbook, RunbookSource};
use crate::types::Severity;

/// The intake: everything needed to open an incident.
#[derive(Debug, Clone)]
pub struct Intake {
    pub title: String,
    pub severity: Severity,
    pub detected_at: DateTime<Utc>,
    pub aware_at: Option<DateTime<Utc>>,
    pub determined_at: Option<DateTime<Utc>>,
}

/// Parses an optional time argument.
pub fn parse_time_arg(flag: &str, value: Option<&str>) -> anyhow::Result<Option<DateTime<Utc>>> {
    value
        .map(|v| crate::types::parse_time(v).map_err(|e| invalid(format!("{flag} {v:?}: {e}"))))
        .transpose()
}

/// Checks a title typed by the operator.
pub fn check_title(title: &str) -> anyhow::Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(invalid("the incident title cannot be empty"));
    }
    if t.len() > 500 || t.chars().any(|c| c.is_control()) {
        return Err(invalid(
            "the incident title must be one line of at most 500 characters",
        ));
    }
    Ok(t.to_string())
}

/// Creates the incident file. Returns its path and the state.
pub fn open_incident(
    ctx: &Ctx,
    loaded: &LoadedRunbook,
    intake: &Intake,
) -> anyhow::Result<(std::path::PathBuf, crate::incident::Incident)> {
    let operator = ctx.operator()?;
    let now = crate::clock::now()?;
    if intake.detected_at > now {
        return Err(invalid(format!(
            "the detection time {} is in the future",
            crate::types::format_utc(intake.detected_at)
        )));
    }
    if let Some(aware) = intake.aware_at.filter(|t| *t > now) {
        return Err(invalid(format!(
            "the awareness time {} is in the future",
            crate::types::format_utc(aware)
        )));
    }
    let opened = Opened {
        format: FORMAT_VERSION,
        id: store::incident_id(now, &intake.title),
        title: intake.title.clone(),
        severity: intake.severity,
        detected_at: intake.detected_at,
        // Awareness never defaults to the opening time: the legal clocks that run from it
        // (GDPR's 72 hours) would start late by however long it took to open the incident.
        aware_at: intake.aware_at.unwrap_or(intake.detected_at),
        determined_at: intake.determined_at,
        runbook: PinnedRunbook {
            id: loaded.runbook.id.clone(),
            title: loaded.runbook.title.clone(),
            source: match &loaded.source {
                RunbookSource::File(p) => p.display().to_string(),
                _ => "built-in".to_string(),
            },
            sha256: format::sha256_hex(loaded.text.as_bytes()),
            text: loaded.text.clone(),
        },
    };
    let (path, record) = file::create(ctx.dir(), opened, &operator, now)?;
    let incident = crate::incident::fold(std::slice::from_ref(&record))
        .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    Ok((path, incident))
}

pub fn run(args: &StartArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    if !args.no_walk {
        return crate::walk::start(args, ctx);
    }
    let loaded = runbook::load(args.runbook.as_deref())?;
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
    };
    let (path, incident) = open_incident(ctx, &loaded, &intake)?;
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

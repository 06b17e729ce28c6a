//! `breach verify`: checks every record and the hash chain; `--repair` moves a torn tail aside.

use super::Ctx;
use crate::cli::VerifyArgs;
use crate::error::ExitStatus;
use crate::journal::file::{self, ChainStatus};
use crate::journal::store;

pub fn run(args: &VerifyArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    // A repair writes, so it needs the incident a write would use; a check reads.
    let path = if args.repair {
        ctx.incident_path(args.incident.as_deref())?
    } else {
        ctx.read_path(args.incident.as_deref())?
    };
    if crate::ledger::team::is_team(&path) {
        return super::team::verify(args, ctx, &path);
    }
    if !args.sealed.is_empty() {
        return Err(crate::error::invalid(
            "seals are for team incidents (format 2); `breach upgrade` converts this file",
        ));
    }
    if args.require_signed {
        return Err(crate::error::integrity(format!(
            "{} is a format 1 incident file, which cannot hold signatures; signed records are for team incidents (format 2), which `breach upgrade` converts it to",
            crate::output::safe(&path.display().to_string())
        )));
    }
    if args.allowed_signers.is_some() {
        ctx.out.warn(
            "a format 1 incident file holds no signatures; --allowed-signers is for team incidents",
        );
    }
    if args.repair {
        store::require_inside(ctx.dir(), &path)?;
        let repaired = file::repair(&path, crate::clock::now()?)?;
        if let Some(r) = &repaired {
            ctx.out.info(&format!(
                "moved an incomplete final record ({} bytes) to {}; {} records kept",
                r.bytes,
                r.moved_to.display(),
                r.records
            ));
        }
    }
    let scan = file::read(&path)?;
    // What a sound chain can still hold that breach never writes: a record after
    // `closed`, a file named for another incident. Each is reported as a warning (the
    // records verify); a write to such a file is refused.
    let mut problems = Vec::new();
    // Times that go back are flagged, not failed: every such record verifies.
    let clock_notes = crate::ledger::clock_notes(&path, &scan.records);
    if scan.status == ChainStatus::Intact {
        // A sound chain is not enough: the file must be an incident this build can read
        // (an `opened` record first, a format version it knows).
        let incident = crate::ledger::fold(&scan)?;
        if let Some(first) = incident.after_closed.first() {
            problems.push(format!(
                "{}: {} record(s) follow the `closed` record, from record {first} on; breach never writes after closing, so another writer or an edit did",
                path.display(),
                incident.after_closed.len()
            ));
        }
        if let Some(p) = scan
            .records
            .first()
            .and_then(|f| crate::ledger::name_mismatch(&path, f))
        {
            problems.push(p);
        }
    }
    let status = match &scan.status {
        ChainStatus::Intact => ExitStatus::Ok,
        _ => ExitStatus::Integrity,
    };
    if args.json {
        ctx.out.print_json(&serde_json::json!({
            "path": path,
            "ok": status == ExitStatus::Ok,
            "records": scan.records.len(),
            "last_hash": scan.last_hash(),
            "status": scan.status,
            "warnings": problems,
            "clock_notes": clock_notes,
        }))?;
        return Ok(status);
    }
    for p in problems.iter().chain(&clock_notes) {
        ctx.out.warn(p);
    }
    match &scan.status {
        ChainStatus::Intact => {
            ctx.out.print(&format!(
                "ok: {} records, chain intact, last hash {}",
                scan.records.len(),
                scan.last_hash()
            ))?;
        }
        ChainStatus::TornTail { line, bytes } => {
            ctx.out.error(&format!(
                "{}: torn tail: the last record (line {line}, {bytes} bytes) is incomplete, probably cut short by a crash; the {} records before it verify",
                path.display(),
                scan.records.len()
            ));
            ctx.out
                .hint("`breach verify --repair` moves the incomplete record to a side file");
        }
        ChainStatus::Broken(b) => {
            ctx.out.error(&format!(
                "{}: record {} (line {}) is {}: {}; the {} records before it verify",
                path.display(),
                b.expected_seq,
                b.line,
                b.kind.as_str(),
                b.detail,
                scan.records.len()
            ));
            ctx.out.hint(
                "the file was changed after it was written; keep this copy as it is for the record",
            );
        }
    }
    Ok(status)
}

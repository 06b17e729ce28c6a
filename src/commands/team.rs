//! `breach upgrade` (a format 1 file into a team incident), `breach seal`, and `breach
//! verify` of a team incident.

use super::Ctx;
use crate::cli::{SealArgs, UpgradeArgs, VerifyArgs};
use crate::error::{ExitStatus, invalid};
use crate::incident::SigningState;
use crate::journal::sign::AllowedSigners;
use crate::journal::store;
use crate::journal::team as journals;
use crate::ledger::team;

pub fn upgrade(args: &UpgradeArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let path = ctx.incident_path(args.incident.as_deref())?;
    if team::is_team(&path) {
        return Err(invalid(format!(
            "{} is already a team incident (format 2)",
            path.display()
        )));
    }
    store::require_inside(ctx.dir(), &path)?;
    let dir = team::upgrade(&path, &ctx.operator()?)?;
    let (scan, _) = crate::ledger::load(&dir)?;
    ctx.out.print(&format!(
        "upgraded {} to a team incident: {}\n{} records kept; the original file is {}",
        path.display(),
        dir.display(),
        scan.records.len(),
        dir.join(journals::ORIGINAL_V1).display()
    ))?;
    Ok(ExitStatus::Ok)
}

pub fn seal(args: &SealArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    // A closed incident can be sealed: the default includes it when none is open.
    let path = ctx.open_or_latest_path(args.incident.as_deref())?;
    if !team::is_team(&path) {
        return Err(invalid(format!(
            "{} is a format 1 incident file; seals are for team incidents (`breach upgrade` converts it)",
            path.display()
        )));
    }
    store::require_inside(ctx.dir(), &path)?;
    let (record, digest) = team::seal(&path, &ctx.operator()?, crate::clock::now()?)?;
    if args.json {
        ctx.out.print_json(&serde_json::json!({
            "digest": digest,
            "record": record.seq,
        }))?;
    } else {
        ctx.recorded(&path, &record, &format!("sealed, digest {digest}"))?;
        ctx.out.info(
            "keep the digest somewhere else; `breach verify --sealed DIGEST` proves nothing before it changed",
        );
    }
    Ok(ExitStatus::Ok)
}

pub fn sync(args: &SealArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    // The records of a closed incident (its `closed` record, action items) still travel.
    let path = ctx.open_or_latest_path(args.incident.as_deref())?;
    if !team::is_team(&path) {
        return Err(invalid(format!(
            "{} is a format 1 incident file; only team incidents sync (`breach upgrade` converts it)",
            path.display()
        )));
    }
    let writer = journals::writer_id(&ctx.operator()?)?;
    let synced = crate::journal::sync::sync(&path, &writer)?;
    // What came in must verify like everything else.
    let checked = team::check(&path, None)?;
    if args.json {
        ctx.out.print_json(&serde_json::json!({
            "committed": synced.committed,
            "received": synced.received,
            "ok": checked.ok(),
        }))?;
    } else {
        if synced.received.is_empty() {
            ctx.out.print("nothing new came in")?;
        }
        for (w, n) in &synced.received {
            let s = if *n == 1 { "" } else { "s" };
            ctx.out.print(&format!("{n} new record{s} from {w}"))?;
        }
        for p in &checked.problems {
            ctx.out
                .error(&format!("{}: {}", path.display(), p.describe()));
        }
    }
    Ok(if checked.ok() {
        ExitStatus::Ok
    } else {
        ExitStatus::Integrity
    })
}

/// `breach verify` of a team incident: every journal, every cross-reference, the seals.
pub fn verify(args: &VerifyArgs, ctx: &Ctx, dir: &std::path::Path) -> anyhow::Result<ExitStatus> {
    if args.repair {
        store::require_inside(ctx.dir(), dir)?;
        for r in journals::repair_all(dir, crate::clock::now()?)? {
            ctx.out.info(&format!(
                "moved an incomplete final record ({} bytes) to {}; {} records kept",
                r.bytes,
                r.moved_to.display(),
                r.records
            ));
        }
    }
    let c = team::check(dir, None)?;
    let seals: Vec<(String, bool)> = args
        .sealed
        .iter()
        .map(|d| (d.clone(), c.ok() && team::sealed(&c, d)))
        .collect();
    let allowed = match &args.allowed_signers {
        Some(path) => Some(AllowedSigners::read(path)?),
        None => team::allowed_signers(dir)?,
    };
    let signing = team::signing(&c, allowed.as_ref());
    // A bad signature is a failure; unknown keys and unsigned records are reported, and
    // fail only when signatures are required.
    let signed_ok = signing.iter().all(|s| match s.state {
        SigningState::Bad => false,
        SigningState::Known => true,
        _ => !args.require_signed,
    });
    let ok = c.ok() && signed_ok && seals.iter().all(|(_, held)| *held);
    if c.ok() {
        // A sound set of journals is not enough: the merged view must fold.
        crate::ledger::load(dir)?;
    }
    let notes = c.clock_notes();
    if args.json {
        ctx.out.print_json(&serde_json::json!({
            "path": dir,
            "ok": ok,
            "format": 2,
            "journals": c.journals.iter().map(|j| serde_json::json!({
                "writer": j.writer,
                "records": j.entries.len(),
                "head": j.head().map(|h| h.hash),
            })).collect::<Vec<_>>(),
            "records": c.records(),
            "digest": c.digest(),
            "problems": c.problems,
            "clock_notes": notes,
            "allowed_signers": allowed.as_ref().map(|a| &a.path),
            "signatures": signing,
            "seals": seals.iter().map(|(d, held)| serde_json::json!({"digest": d, "holds": held})).collect::<Vec<_>>(),
        }))?;
    } else if c.ok() {
        // "ok" only when nothing below fails (a bad signature, a seal that does not hold).
        ctx.out.print(&format!(
            "{}{} records in {} journal{}, every chain and cross-reference intact, seal digest of the heads {}",
            if ok { "ok: " } else { "" },
            c.records(),
            c.journals.len(),
            if c.journals.len() == 1 { "" } else { "s" },
            c.digest()
        ))?;
    } else {
        for p in &c.problems {
            ctx.out
                .error(&format!("{}: {}", dir.display(), p.describe()));
        }
        if c.problems.iter().any(|p| p.kind == "torn tail") {
            ctx.out
                .hint("`breach verify --repair` moves an incomplete last record to a side file");
        }
    }
    if !args.json {
        for n in &notes {
            ctx.out.warn(n);
        }
        for s in &signing {
            let line = format!(
                "{}.yaml: {}",
                crate::output::safe(&s.writer),
                crate::output::safe(&s.describe())
            );
            match s.state {
                SigningState::Bad => ctx.out.error(&line),
                SigningState::Known => ctx.out.print(&line)?,
                _ if args.require_signed => ctx.out.error(&format!(
                    "{line}; --require-signed asks for every record signed by a known key"
                )),
                _ => ctx.out.print(&line)?,
            }
        }
        if allowed.is_none() && signing.iter().any(|s| s.signed > 0) {
            ctx.out.info(
                "no allowed-signers file: every key is unknown (give --allowed-signers FILE, or `allowed_signers` in the configuration)",
            );
        }
        for (d, held) in &seals {
            if *held {
                ctx.out.print(&format!(
                    "seal {d} holds: nothing recorded before it changed"
                ))?;
            } else {
                ctx.out.error(&format!(
                    "seal {d} does not hold: no intact seal with this digest; records before it were changed or removed"
                ));
            }
        }
    }
    Ok(if ok {
        ExitStatus::Ok
    } else {
        ExitStatus::Integrity
    })
}

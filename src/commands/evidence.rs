//! `breach evidence add | list | verify`: the evidence register and its chain of custody.
//!
//! Each registered file gets one `evidence` record: absolute path, SHA-256, size and
//! modification time; the record's operator and time are the collector and the time
//! collected. The hashing, copying (`--copy`, into `<incident dir>/<incident id>.evidence/`)
//! and checking are in [`crate::evidence`]; this file resolves the arguments, records and
//! renders.

use std::path::Path;

use chrono::{DateTime, Local, Utc};
use comfy_table::{Table, presets};

use super::Ctx;
use crate::cli::{EvidenceAddArgs, EvidenceCommand, IncidentJsonArgs};
use crate::error::{ExitStatus, conflict};
use crate::evidence::{self, Check, CopyTo, Found, Prepared};
use crate::journal::Payload;
use crate::output::safe;

pub fn run(cmd: &EvidenceCommand, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    match cmd {
        EvidenceCommand::Add(args) => add(args, ctx),
        EvidenceCommand::List(args) => list(args, ctx),
        EvidenceCommand::Verify(args) => verify(args, ctx),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

fn add(args: &EvidenceAddArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let path = ctx.incident_path(None)?;
    // Only the id and whether the incident is closed are needed: read from the file's ends,
    // so registering evidence costs the same at any length (every read verifies the chain).
    let incident = crate::ledger::load_ends(&path)?;
    if incident.is_closed() {
        return Err(conflict(format!(
            "incident {} is closed; nothing more can be recorded",
            incident.id
        )));
    }
    // A bad `--at` is refused before any file is read.
    super::common::parse_time_arg("--at", args.at.as_deref())?;
    let collected = evidence::collect(&args.paths)?;
    for (p, why) in &collected.skipped {
        ctx.out.warn(&format!("skipped {}: {why}", p.display()));
    }
    if collected.files.is_empty() {
        return Err(crate::error::not_found(
            "no files to register: nothing was recorded",
        ));
    }
    let incident_dir = evidence::incident_dir(&path);
    let copy_dir = if args.copy {
        Some(evidence::evidence_dir(&incident_dir, &incident.id)?)
    } else {
        None
    };
    let copy_to = copy_dir.as_deref().map(|evidence_dir| CopyTo {
        incident_dir: &incident_dir,
        evidence_dir,
    });
    let sizes: Vec<u64> = collected
        .files
        .iter()
        .map(|f| std::fs::symlink_metadata(f).map_or(0, |m| m.len()))
        .collect();
    let total = sizes
        .iter()
        .map(|&s| evidence::work(s, args.copy))
        .fold(0, u64::saturating_add);
    let bar = super::common::progress_bar(total);
    let verb = if args.copy { "copying" } else { "hashing" };
    let count = collected.files.len();
    // Everything is hashed (and copied) first, then recorded in one batch: one write and one
    // fsync of the incident file however many files there are.
    let mut prepared: Vec<Prepared> = Vec::with_capacity(count);
    let mut done = 0u64;
    let discard = |prepared: Vec<Prepared>| prepared.into_iter().for_each(Prepared::discard);
    for (i, f) in collected.files.iter().enumerate() {
        if let Some(b) = &bar {
            b.set_message(if count > 1 {
                format!("{verb} {}/{count} files", i + 1)
            } else {
                verb.to_string()
            });
        }
        let base = done;
        let one = evidence::prepare_with(
            f,
            copy_name_for(f, &args.paths).as_deref(),
            args.note.as_deref(),
            copy_to,
            &mut |n| {
                if let Some(b) = &bar {
                    b.set_position(base.saturating_add(n));
                }
            },
        );
        match one {
            Ok(p) => {
                done = base.saturating_add(evidence::work(p.entry.size, args.copy));
                if p.changed_while_read {
                    let warn = || {
                        ctx.out.warn(&format!(
                            "{} changed while it was read; the hash is of the {} bytes read",
                            f.display(),
                            p.entry.size
                        ));
                    };
                    match &bar {
                        Some(b) => b.suspend(warn),
                        None => warn(),
                    }
                }
                prepared.push(p);
            }
            Err(e) => {
                if let Some(b) = &bar {
                    b.finish_and_clear();
                }
                let before = prepared.len();
                discard(prepared);
                return Err(if before == 0 {
                    e
                } else {
                    e.context(format!(
                        "nothing was recorded: {} could not be registered (the copies of the {before} file(s) before it were removed)",
                        f.display()
                    ))
                });
            }
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    // The copies' data are fsynced; their names are made durable before any record names
    // them.
    if let Some(to) = copy_to
        && let Err(e) =
            evidence::sync_copy_dirs(prepared.iter().filter_map(|p| p.copy.as_ref()), to)
    {
        discard(prepared);
        return Err(e.context("nothing was recorded"));
    }
    let payloads = prepared
        .iter()
        .map(|p| Payload::Evidence(p.entry.clone()))
        .collect();
    let (incident, records) = match ctx.record_batch(args.at.as_deref(), payloads) {
        Ok(done) => done,
        Err(e) => {
            discard(prepared);
            return Err(e);
        }
    };
    for (p, record) in prepared.iter().zip(&records) {
        let mut what = format!(
            "evidence {} sha256 {} ({} bytes)",
            p.entry.path,
            short(&p.entry.sha256),
            p.entry.size
        );
        if let Some(c) = &p.copy {
            what.push_str(&format!(", copied to {}", c.relative.display()));
        }
        ctx.recorded(&incident, record, &what)?;
    }
    Ok(ExitStatus::Ok)
}

/// Where a copy goes inside the evidence folder: a file found in a directory that was given
/// keeps its path from that directory (`dump/sub/config.inc.php`); a file given by itself
/// goes under its own name (`None`).
fn copy_name_for(file: &Path, given: &[std::path::PathBuf]) -> Option<std::path::PathBuf> {
    given.iter().find_map(|dir| {
        let rest = file
            .strip_prefix(dir)
            .ok()
            .filter(|r| !r.as_os_str().is_empty())?;
        let top = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(std::path::PathBuf::from))
            .unwrap_or_else(|| std::path::PathBuf::from("dir"));
        Some(top.join(rest))
    })
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%d %b %H:%M").to_string()
}

/// The copy's file name (the folder is always `<incident id>.evidence`), for tables.
fn copy_name(copy: &str) -> String {
    let name = Path::new(copy)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| copy.to_string());
    safe(&name).into_owned()
}

fn list(args: &IncidentJsonArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (_, incident) = ctx.load(args.incident.as_deref())?;
    if args.json {
        ctx.out.print_json(&incident.evidence)?;
        return Ok(ExitStatus::Ok);
    }
    if incident.evidence.is_empty() {
        ctx.out.print(&format!(
            "no evidence registered for {}\nregister files with `breach evidence add PATH`",
            incident.id
        ))?;
        return Ok(ExitStatus::Ok);
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(crate::output::list_arrangement())
        .set_width(crate::output::terminal_width())
        .set_header([
            "#",
            "path",
            "sha256",
            "size",
            "collector",
            "collected at",
            "copy",
        ]);
    for (i, e) in incident.evidence.iter().enumerate() {
        let mut lines = vec![safe(&e.entry.path).into_owned()];
        if let Some(note) = &e.entry.note {
            lines.push(format!("note: {}", safe(note)));
        }
        let path = crate::output::cell_lines(&lines);
        table.add_row([
            (i + 1).to_string(),
            path,
            e.entry
                .sha256
                .get(..8)
                .unwrap_or(&e.entry.sha256)
                .to_string(),
            e.entry.size.to_string(),
            safe(&e.stamp.by).into_owned(),
            local(e.stamp.at),
            e.entry
                .copy
                .as_deref()
                .map(copy_name)
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    ctx.out.print(&table.to_string())?;
    Ok(ExitStatus::Ok)
}

fn verify(args: &IncidentJsonArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let path = ctx.read_path(args.incident.as_deref())?;
    let (_, incident) = crate::ledger::load(&path)?;
    let bar = super::common::progress_bar(evidence::verify_work(&incident.evidence));
    if let Some(b) = &bar {
        b.set_message("checking");
    }
    let results = evidence::verify_with(
        &incident.evidence,
        &evidence::incident_dir(&path),
        &mut |n| {
            if let Some(b) = &bar {
                b.set_position(n);
            }
        },
    );
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let bad = results
        .iter()
        .flat_map(|r| r.checks())
        .filter(|c| c.state != Found::Unchanged)
        .count();
    if args.json {
        ctx.out.print_json(&results)?;
    } else if results.is_empty() {
        ctx.out.print(&format!(
            "no evidence registered for {}\nregister files with `breach evidence add PATH`",
            incident.id
        ))?;
    } else {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_BORDERS_ONLY)
            .set_content_arrangement(crate::output::list_arrangement())
            .set_width(crate::output::terminal_width())
            .set_header(["#", "path", "state", "copy"]);
        for (i, r) in results.iter().enumerate() {
            let cell = |c: &Check| match &c.detail {
                Some(d) => format!("{} ({})", c.state.as_str(), safe(d)),
                None => c.state.as_str().to_string(),
            };
            table.add_row([
                (i + 1).to_string(),
                safe(&r.original.path).into_owned(),
                cell(&r.original),
                r.copy_check
                    .as_ref()
                    .map(|c| format!("{}: {}", copy_name(&c.path), cell(c)))
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
        ctx.out.print(&table.to_string())?;
    }
    if bad == 0 {
        if !args.json && !results.is_empty() {
            ctx.out
                .info(&format!("all {} evidence file(s) unchanged", results.len()));
        }
        return Ok(ExitStatus::Ok);
    }
    for r in &results {
        for c in r.checks() {
            if c.state != Found::Unchanged {
                ctx.out
                    .error(&format!("evidence {} is {}", c.path, c.state.as_str()));
            }
        }
    }
    Ok(ExitStatus::Integrity)
}

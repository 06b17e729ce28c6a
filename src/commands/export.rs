//! `breach export`: the post-mortem report in Markdown, HTML, JSON or PDF (the HTML printed
//! by a headless Chromium, [`crate::browser`]).
//!
//! The incident is read with [`file::read`], not `load`, so a file whose chain is broken
//! still gives a report: built from the records that verify, with the failure stated at
//! the top. The exit status is then 5 (integrity), after the report has been written.

use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;

use super::Ctx;
use crate::cli::{ExportArgs, ExportFormat};
use crate::error::{ExitStatus, integrity};
use crate::journal::file::{self, ChainStatus};
use crate::report::model::{EvidenceAtExport, FileCheck};
use crate::report::{Report, html, json, markdown};

fn file_check(c: &crate::evidence::Check) -> FileCheck {
    FileCheck {
        state: c.state.as_str().to_string(),
        sha256_now: c.sha256_now.clone(),
        detail: c.detail.clone(),
    }
}

pub fn run(args: &ExportArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    // Find the browser before anything else, so a missing one costs nothing.
    let browser = match args.format {
        ExportFormat::Pdf => Some(
            crate::browser::find(std::env::var_os("PATH").as_deref())
                .ok_or_else(crate::browser::missing)?,
        ),
        _ => None,
    };
    if browser.is_some() && args.output.is_none() && std::io::stdout().is_terminal() {
        return Err(crate::error::invalid(
            "a PDF is not written to a terminal; give `-o FILE` (or redirect standard output)",
        ));
    }
    let path = ctx.read_path(args.incident.as_deref())?;
    let (scan, incident) = if crate::ledger::team::is_team(&path) {
        // A team incident is reported on only when every journal and reference verifies.
        crate::ledger::load(&path)?
    } else {
        let scan = file::read(&path)?;
        let incident = single_file(&path, &scan)?;
        (scan, incident)
    };
    let now = crate::clock::now()?;
    // Each evidence file is re-hashed now, so the report says whether it still verifies.
    let checks = crate::evidence::verify(&incident.evidence, &crate::evidence::incident_dir(&path))
        .into_iter()
        .map(|v| EvidenceAtExport {
            original: file_check(&v.original),
            copy: v.copy_check.as_ref().map(file_check),
        })
        .collect();
    let mut report = Report::build(&scan, &incident, now).with_evidence_checks(checks);
    // Reading forges nothing, so a fixed clock is allowed here in any build, but the report
    // and stderr say so.
    if let Some(note) = crate::clock::fixed_note(now) {
        ctx.out.info(&format!("note: {note}"));
        report.clock_notes.push(note);
    }
    // The JSON report holds every record, so it is streamed to its destination rather than
    // built in memory first; the text formats are small enough to build.
    let pdf = match &browser {
        Some(b) => Some(crate::browser::print_pdf(b, &html::render(&report))?),
        None => None,
    };
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            ExportFormat::Markdown => w.write_all(markdown::render(&report).as_bytes()),
            ExportFormat::Html => w.write_all(html::render(&report).as_bytes()),
            ExportFormat::Json => json::write(&report, w),
            ExportFormat::Pdf => w.write_all(pdf.as_deref().unwrap_or_default()),
        }
    };
    match &args.output {
        Some(out) => {
            write_atomically(out, write)?;
            ctx.out.info(&format!("wrote {}", out.display()));
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            write(&mut w)?;
            w.flush()?;
        }
    }
    if let Some(problem) = &report.integrity.problem {
        ctx.out.error(&format!(
            "{}: the hash chain does not verify: {problem}",
            path.display()
        ));
        ctx.out
            .hint("the report states this at the top; keep the incident file as it is");
        return Ok(ExitStatus::Integrity);
    }
    Ok(ExitStatus::Ok)
}

/// The state of a format 1 file, from the records that verify; an error when not even the
/// first record does.
fn single_file(path: &Path, scan: &file::Scan) -> anyhow::Result<crate::incident::Incident> {
    if scan.records.is_empty() {
        let why = match &scan.status {
            ChainStatus::Broken(b) => format!(
                "its first record (line {}) is {}: {}",
                b.line,
                b.kind.as_str(),
                b.detail
            ),
            ChainStatus::TornTail { .. } => "its only record is incomplete".to_string(),
            ChainStatus::Intact => {
                // The same state as for `status` and `verify`: an empty file is invalid input
                // (exit 3), not a broken chain.
                return Err(crate::error::invalid(format!(
                    "{}: the incident file has no records; there is no incident to report on",
                    path.display()
                )));
            }
        };
        return Err(integrity(format!(
            "{}: cannot export: {why}; without a verified first record there is no incident to report on\nhint: `breach verify {}` shows the details",
            path.display(),
            path.display()
        )));
    }
    let mut incident = crate::ledger::fold(scan)?;
    incident.clock_notes = crate::ledger::clock_notes(path, &scan.records);
    Ok(incident)
}

/// Writes `bytes` to `path` so that readers see the old file or the complete new one,
/// never a partial one: a temporary file in the same directory (mode 0600), fsync, rename
/// over `path`, fsync the directory.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?
        .to_string_lossy();
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.tmp-{}-{attempt}", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("cannot create a file in {}", dir.display())));
            }
        }
    };
    let result = (|| -> std::io::Result<()> {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        let mut out = std::io::BufWriter::new(&mut file);
        write(&mut out)?;
        out.flush()?;
        drop(out);
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(anyhow::Error::new(e).context(format!("cannot write {}", path.display())));
    }
    Ok(())
}

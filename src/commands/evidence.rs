//! `breach evidence add | list | verify`: the evidence register and its chain of custody.
//!
//! Each registered file gets one `evidence` record: absolute path, SHA-256, size and
//! modification time; the record's operator and time are the collector and the time
//! collected. Files are streamed through the hash, never loaded whole. Symbolic links are
//! never followed, and only regular files are read (a FIFO or device could block or never
//! end). `--copy` puts a private copy in `<incident dir>/<incident id>.evidence/`.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, Utc};
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Ctx;
use crate::cli::{EvidenceAddArgs, EvidenceCommand, JsonArg};
use crate::error::{ExitStatus, conflict, integrity, invalid, not_found};
use crate::incident::EvidenceState;
use crate::journal::{EvidenceEntry, Payload};

/// `O_NOFOLLOW | O_NONBLOCK`: never follow a link; never block opening a FIFO swapped in
/// after the type check.
#[cfg(any(target_os = "linux", target_os = "android"))]
const OPEN_FLAGS: i32 = 0o400000 | 0o4000;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const OPEN_FLAGS: i32 = 0x0100 | 0x0004;

const BUFFER: usize = 256 * 1024;

pub fn run(cmd: &EvidenceCommand, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    match cmd {
        EvidenceCommand::Add(args) => add(args, ctx),
        EvidenceCommand::List(args) => list(args, ctx),
        EvidenceCommand::Verify(args) => verify(args, ctx),
    }
}

/// A file's hash and length, as streamed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Digested {
    sha256: String,
    size: u64,
}

/// Opens a regular file for reading without following a final symlink or blocking.
fn open_regular(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(OPEN_FLAGS)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// Streams `reader` through SHA-256, also writing every byte to `copy` if given.
fn digest(mut reader: impl Read, mut copy: Option<&mut File>) -> io::Result<Digested> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BUFFER];
    let mut size = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        if let Some(out) = copy.as_deref_mut() {
            out.write_all(&buf[..n])?;
        }
        size += n as u64;
    }
    Ok(Digested {
        sha256: format!("{:x}", hasher.finalize()),
        size,
    })
}

/// A path given on the command line, resolved into the files to register.
#[derive(Debug, Default)]
struct Collected {
    files: Vec<PathBuf>,
    /// `(path, why)` of what was not registered.
    skipped: Vec<(PathBuf, &'static str)>,
}

fn collect(paths: &[PathBuf]) -> anyhow::Result<Collected> {
    let mut out = Collected::default();
    for path in paths {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(not_found(format!(
                    "{}: no such file or directory; nothing was recorded",
                    path.display()
                )));
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "cannot read {}; nothing was recorded",
                    path.display()
                )));
            }
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            out.skipped
                .push((path.clone(), "a symbolic link (links are not followed)"));
        } else if kind.is_dir() {
            walk(path, &mut out)?;
        } else if kind.is_file() {
            out.files.push(path.clone());
        } else {
            return Err(invalid(format!(
                "{} is not a regular file (a device, FIFO or socket); only regular files can be registered, nothing was recorded",
                path.display()
            )));
        }
    }
    Ok(out)
}

/// Adds the files under `dir`, recursively, in sorted order.
fn walk(dir: &Path, out: &mut Collected) -> anyhow::Result<()> {
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)
        .and_then(|rd| {
            rd.map(|e| e.and_then(|e| Ok((e.path(), e.file_type()?))))
                .collect()
        })
        .map_err(|e| {
            anyhow::Error::new(e).context(format!(
                "cannot read the directory {}; nothing was recorded",
                dir.display()
            ))
        })?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        if kind.is_symlink() {
            out.skipped
                .push((path, "a symbolic link (links are not followed)"));
        } else if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file() {
            out.files.push(path);
        } else {
            out.skipped
                .push((path, "not a regular file (device, FIFO or socket)"));
        }
    }
    Ok(())
}

/// The absolute path of a file without following the file itself if it is a link.
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| invalid(format!("{} does not name a file", path.display())))?;
    let parent = parent
        .canonicalize()
        .map_err(|e| anyhow::Error::new(e).context(format!("cannot resolve {}", path.display())))?;
    Ok(parent.join(name))
}

/// Creates the incident's evidence folder (0700) if needed.
fn evidence_dir(incident_dir: &Path, id: &str) -> anyhow::Result<PathBuf> {
    let dir = incident_dir.join(format!("{id}.evidence"));
    match std::fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(conflict(format!(
                "{} exists and is not a directory; move it away to copy evidence",
                dir.display()
            )));
        }
        Err(_) => {
            std::fs::DirBuilder::new()
                .mode(0o700)
                .create(&dir)
                .map_err(|e| {
                    anyhow::Error::new(e).context(format!("cannot create {}", dir.display()))
                })?;
        }
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(dir)
}

/// Creates a new file (0600) in `dir` named after `name`, adding `-2`, `-3`, ... before
/// the extension when the name is taken. Never opens an existing file.
fn create_unique(dir: &Path, name: &str) -> anyhow::Result<(PathBuf, File)> {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    for n in 1..=10_000u32 {
        let candidate = if n == 1 {
            name.to_string()
        } else {
            format!("{stem}-{n}{ext}")
        };
        let path = dir.join(&candidate);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(OPEN_FLAGS)
            .open(&path)
        {
            Ok(f) => {
                f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
                return Ok((path, f));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(
                    anyhow::Error::new(e).context(format!("cannot create {}", path.display()))
                );
            }
        }
    }
    Err(conflict(format!(
        "too many files named {name} in {}",
        dir.display()
    )))
}

fn whole_seconds(t: std::time::SystemTime) -> DateTime<Utc> {
    let t = DateTime::<Utc>::from(t);
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// Hashes one file (copying it if `copy_to` is given) into an evidence entry.
fn register(
    path: &Path,
    note: Option<&str>,
    copy_to: Option<(&Path, &Path)>,
    ctx: &Ctx,
) -> anyhow::Result<Option<PathBuf>> {
    let abs = absolute(path)?;
    let mut source = open_regular(path).map_err(|e| {
        let err = anyhow::Error::new(e).context(format!("cannot read {}", path.display()));
        if err
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::NotFound)
        {
            not_found(format!("{}: no such file or directory", path.display()))
        } else {
            err
        }
    })?;
    let before = source.metadata()?;
    let (digested, copy) = match copy_to {
        None => (digest(&mut source, None)?, None),
        Some((incident_dir, evidence_dir)) => {
            let name = abs
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "evidence".into());
            let (copy_path, mut out) = create_unique(evidence_dir, &name)?;
            let result = digest(&mut source, Some(&mut out))
                .and_then(|d| out.sync_all().map(|()| d))
                .map_err(|e| {
                    anyhow::Error::new(e).context(format!("cannot copy {}", path.display()))
                })
                .and_then(|d| {
                    let again = open_regular(&copy_path).and_then(|f| digest(f, None))?;
                    if again != d {
                        return Err(integrity(format!(
                            "the copy {} does not match {} (sha256 {} vs {}); the copy was removed",
                            copy_path.display(),
                            path.display(),
                            again.sha256,
                            d.sha256
                        )));
                    }
                    Ok(d)
                });
            let d = match result {
                Ok(d) => d,
                Err(e) => {
                    let _ = std::fs::remove_file(&copy_path);
                    return Err(e);
                }
            };
            let _ = File::open(evidence_dir).and_then(|d| d.sync_all());
            let relative = copy_path
                .strip_prefix(incident_dir)
                .unwrap_or(&copy_path)
                .to_path_buf();
            (d, Some((copy_path, relative)))
        }
    };
    let after = source.metadata()?;
    if after.len() != digested.size || after.modified().ok() != before.modified().ok() {
        ctx.out.warn(&format!(
            "{} changed while it was read; the hash is of the {} bytes read",
            path.display(),
            digested.size
        ));
    }
    let entry = EvidenceEntry {
        path: abs.display().to_string(),
        sha256: digested.sha256.clone(),
        size: digested.size,
        modified: before.modified().ok().map(whole_seconds),
        copy: copy.as_ref().map(|(_, rel)| rel.display().to_string()),
        note: note.map(String::from),
    };
    let recorded = ctx.record_quick(Payload::Evidence(entry));
    let record = match recorded {
        Ok((_, record)) => record,
        Err(e) => {
            if let Some((copy_path, _)) = &copy {
                let _ = std::fs::remove_file(copy_path);
            }
            return Err(e);
        }
    };
    let mut what = format!(
        "evidence {} sha256 {} ({} bytes)",
        abs.display(),
        short(&digested.sha256),
        digested.size
    );
    if let Some((_, rel)) = &copy {
        what.push_str(&format!(", copied to {}", rel.display()));
    }
    ctx.recorded(&record, &what)?;
    Ok(copy.map(|(p, _)| p))
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
    let collected = collect(&args.paths)?;
    for (p, why) in &collected.skipped {
        ctx.out.warn(&format!("skipped {}: {why}", p.display()));
    }
    if collected.files.is_empty() {
        ctx.out.warn("no files to register");
        return Ok(ExitStatus::Ok);
    }
    let incident_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let copy_dir = if args.copy {
        Some(evidence_dir(&incident_dir, &incident.id)?)
    } else {
        None
    };
    for (i, f) in collected.files.iter().enumerate() {
        register(
            f,
            args.note.as_deref(),
            copy_dir.as_deref().map(|d| (incident_dir.as_path(), d)),
            ctx,
        )
        .map_err(|e| {
            if i == 0 {
                e
            } else {
                e.context(format!(
                    "nothing was recorded for {}; the {i} file(s) before it are recorded",
                    f.display()
                ))
            }
        })?;
    }
    Ok(ExitStatus::Ok)
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%d %b %H:%M").to_string()
}

/// The copy's file name (the folder is always `<incident id>.evidence`), for tables.
fn copy_name(copy: &str) -> String {
    Path::new(copy)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| copy.to_string())
}

fn list(args: &JsonArg, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (_, incident) = ctx.load(None)?;
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
        .set_content_arrangement(ContentArrangement::Dynamic)
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
        let mut path = e.entry.path.clone();
        if let Some(note) = &e.entry.note {
            path.push_str(&format!("\nnote: {note}"));
        }
        table.add_row([
            (i + 1).to_string(),
            path,
            e.entry
                .sha256
                .get(..8)
                .unwrap_or(&e.entry.sha256)
                .to_string(),
            e.entry.size.to_string(),
            e.stamp.by.clone(),
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

/// What re-hashing a registered file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Found {
    Unchanged,
    Changed,
    Missing,
    /// It exists but cannot be read (permissions): its integrity is unknown.
    Unreadable,
}

impl Found {
    fn as_str(self) -> &'static str {
        match self {
            Found::Unchanged => "unchanged",
            Found::Changed => "changed",
            Found::Missing => "missing",
            Found::Unreadable => "unreadable",
        }
    }
}

#[derive(Debug, Serialize)]
struct Check {
    path: String,
    state: Found,
    /// The hash now, when it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256_now: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Debug, Serialize)]
struct Verified<'a> {
    #[serde(flatten)]
    evidence: &'a EvidenceState,
    original: Check,
    #[serde(skip_serializing_if = "Option::is_none")]
    copy_check: Option<Check>,
}

fn check(path: &Path, shown: String, entry: &EvidenceEntry) -> Check {
    let (state, sha256_now, detail) = match open_regular(path).and_then(|f| digest(f, None)) {
        Ok(d) if d.sha256 == entry.sha256 && d.size == entry.size => (Found::Unchanged, None, None),
        Ok(d) => (
            Found::Changed,
            Some(d.sha256),
            Some(format!("{} bytes now", d.size)),
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (Found::Missing, None, None),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            (Found::Unreadable, None, Some(e.to_string()))
        }
        Err(e) => (
            Found::Changed,
            None,
            Some(format!("no longer a readable regular file: {e}")),
        ),
    };
    Check {
        path: shown,
        state,
        sha256_now,
        detail,
    }
}

fn verify(args: &JsonArg, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let path = ctx.incident_path(None)?;
    let (_, incident) = crate::ledger::load(&path)?;
    let incident_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let results: Vec<Verified> = incident
        .evidence
        .iter()
        .map(|e| Verified {
            evidence: e,
            original: check(Path::new(&e.entry.path), e.entry.path.clone(), &e.entry),
            copy_check: e
                .entry
                .copy
                .as_ref()
                .map(|c| check(&incident_dir.join(c), c.clone(), &e.entry)),
        })
        .collect();
    let bad = results
        .iter()
        .flat_map(|r| std::iter::once(&r.original).chain(r.copy_check.as_ref()))
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
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(crate::output::terminal_width())
            .set_header(["#", "path", "state", "copy"]);
        for (i, r) in results.iter().enumerate() {
            let cell = |c: &Check| match &c.detail {
                Some(d) => format!("{} ({d})", c.state.as_str()),
                None => c.state.as_str().to_string(),
            };
            table.add_row([
                (i + 1).to_string(),
                r.original.path.clone(),
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
        for c in std::iter::once(&r.original).chain(r.copy_check.as_ref()) {
            if c.state != Found::Unchanged {
                ctx.out
                    .error(&format!("evidence {} is {}", c.path, c.state.as_str()));
            }
        }
    }
    Ok(ExitStatus::Integrity)
}

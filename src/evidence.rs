//! Evidence files: finding them, hashing them, copying them into the incident's evidence
//! folder and checking them again later. Knows no command line and prints nothing: what a
//! caller should tell the user (files skipped, a file that changed while it was read) comes
//! back as data.
//!
//! Files are streamed through SHA-256, never loaded whole. Symbolic links are never
//! followed, and only regular files are read (a FIFO or device could block or never end).
//! Copies go to `<incident dir>/<incident id>.evidence/` (0700), each a new file (0600) that
//! never replaces an existing one, and are read back and compared with the original's hash
//! before they count. `docs/evidence.md` describes this for users.
//!
//! Long work reports its progress through a callback (`progress: &mut dyn FnMut(u64)`),
//! called with the bytes done so far: never less than the call before, and last with the
//! whole work ([`work`], [`verify_work`]). What the caller shows of it is its own affair.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{conflict, integrity, invalid, not_found};
use crate::incident::EvidenceState;
use crate::journal::EvidenceEntry;

/// `O_NOFOLLOW | O_NONBLOCK`: never follow a link; never block opening a FIFO swapped in
/// after the type check.
#[cfg(any(target_os = "linux", target_os = "android"))]
const OPEN_FLAGS: i32 = 0o400000 | 0o4000;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const OPEN_FLAGS: i32 = 0x0100 | 0x0004;

const BUFFER: usize = 256 * 1024;

/// A file's hash and length, as streamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digested {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    pub size: u64,
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

/// The bytes of work of registering a file of `size` bytes, for progress: the file is read
/// once, and a copy ([`CopyTo`]) is read back once more to check it.
pub fn work(size: u64, copy: bool) -> u64 {
    if copy { size.saturating_mul(2) } else { size }
}

/// Streams `reader` through SHA-256, also writing every byte to `copy` if given, calling
/// `progress` with the bytes read so far.
fn digest(
    mut reader: impl Read,
    mut copy: Option<&mut File>,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Digested> {
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
        progress(size);
    }
    progress(size);
    Ok(Digested {
        sha256: format!("{:x}", hasher.finalize()),
        size,
    })
}

/// Hashes a regular file (a link or anything else than a regular file is an error).
pub fn hash_file(path: &Path) -> io::Result<Digested> {
    hash_file_with(path, &mut |_| {})
}

/// [`hash_file`], calling `progress` with the bytes read so far.
pub fn hash_file_with(path: &Path, progress: &mut dyn FnMut(u64)) -> io::Result<Digested> {
    digest(open_regular(path)?, None, progress)
}

/// A file registered while another reader streams it once: the bytes are hashed as they
/// are read (see [`stream`]), so a large export is read a single time.
pub struct Streamed {
    path: PathBuf,
    abs: PathBuf,
    before: std::fs::Metadata,
    state: std::rc::Rc<std::cell::RefCell<(Sha256, u64)>>,
}

/// The reading half of [`stream`]: every byte read through it is hashed.
pub struct StreamReader {
    file: File,
    state: std::rc::Rc<std::cell::RefCell<(Sha256, u64)>>,
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        let mut st = self.state.borrow_mut();
        st.0.update(&buf[..n]);
        st.1 += n as u64;
        Ok(n)
    }
}

/// Opens a regular file to be read once by the caller and registered as evidence after
/// ([`Streamed::finish`]).
pub fn stream(path: &Path) -> anyhow::Result<(Streamed, StreamReader)> {
    let abs = absolute(path)?;
    let file = open_regular(path).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            not_found(format!("{}: no such file or directory", path.display()))
        } else {
            anyhow::Error::new(e).context(format!("cannot read {}", path.display()))
        }
    })?;
    let before = file.metadata()?;
    let state = std::rc::Rc::new(std::cell::RefCell::new((Sha256::new(), 0)));
    Ok((
        Streamed {
            path: path.to_path_buf(),
            abs,
            before,
            state: state.clone(),
        },
        StreamReader { file, state },
    ))
}

impl Streamed {
    /// The file's size when it was opened.
    pub fn size(&self) -> u64 {
        self.before.len()
    }

    /// The evidence entry of the bytes read. Refused (a conflict) when the file was not read
    /// to its end or changed while it was read.
    pub fn finish(self, note: Option<&str>) -> anyhow::Result<EvidenceEntry> {
        let (hasher, size) = self.state.replace((Sha256::new(), 0));
        let after = std::fs::symlink_metadata(&self.path)?;
        if size != self.before.len()
            || after.len() != size
            || after.modified().ok() != self.before.modified().ok()
        {
            return Err(conflict(format!(
                "{} changed while it was read ({} bytes read of {}); read it again once it is complete",
                self.path.display(),
                size,
                after.len()
            )));
        }
        Ok(EvidenceEntry {
            path: self.abs.display().to_string(),
            sha256: format!("{:x}", hasher.finalize()),
            size,
            modified: self.before.modified().ok().map(whole_seconds),
            copy: None,
            note: note.map(String::from),
        })
    }
}

/// The paths given by the user, resolved into the files to register.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Regular files, directories expanded recursively in sorted order.
    pub files: Vec<PathBuf>,
    /// `(path, why)` of what was not registered.
    pub skipped: Vec<(PathBuf, &'static str)>,
}

/// Resolves paths into regular files: directories are walked recursively, links are
/// skipped (never followed). A path that does not exist, or that is itself a device, FIFO
/// or socket, is an error and nothing is collected.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<Collected> {
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

/// The directory an incident file is in (`.` for a bare file name).
pub fn incident_dir(incident_file: &Path) -> PathBuf {
    incident_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Creates the incident's evidence folder `<incident_dir>/<id>.evidence` (0700) if needed,
/// and makes sure an existing one is 0700.
pub fn evidence_dir(incident_dir: &Path, id: &str) -> anyhow::Result<PathBuf> {
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
fn create_unique(dir: &Path, name: &std::ffi::OsStr) -> anyhow::Result<(PathBuf, File)> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    // Bytes, not text: a name that is not UTF-8 is copied under its own bytes.
    let bytes = name.as_bytes();
    let (stem, ext) = match bytes.iter().rposition(|&b| b == b'.') {
        Some(i) if i > 0 => (&bytes[..i], &bytes[i..]),
        _ => (bytes, &b""[..]),
    };
    for n in 1..=10_000u32 {
        let candidate = if n == 1 {
            name.to_os_string()
        } else {
            let mut v = stem.to_vec();
            v.extend_from_slice(format!("-{n}").as_bytes());
            v.extend_from_slice(ext);
            std::ffi::OsString::from_vec(v)
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
        "too many files named {} in {}",
        path_text(Path::new(name)),
        dir.display()
    )))
}

/// A path as recorded: its text when it is UTF-8, with every byte that is not shown as
/// `\xHH` (two lower-case hex digits) and a backslash as `\\`, so that every path,
/// UTF-8 or not, is recorded losslessly ([`path_from_text`] gives the bytes back). A UTF-8
/// path without a backslash is recorded as it is.
pub fn path_text(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The path a recorded text names ([`path_text`] reversed). A backslash not followed by
/// `\\` or `xHH` is itself (as in records written before paths were escaped).
pub fn path_from_text(text: &str) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'x')
                && let Some(hex) = text.get(i + 2..i + 4)
                && let Ok(v) = u8::from_str_radix(hex, 16)
                && hex.bytes().all(|c| c.is_ascii_hexdigit())
            {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

fn whole_seconds(t: std::time::SystemTime) -> DateTime<Utc> {
    let t = DateTime::<Utc>::from(t);
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// Where to copy evidence: the incident's directory (copies are recorded relative to it)
/// and its evidence folder (from [`evidence_dir`]).
#[derive(Debug, Clone, Copy)]
pub struct CopyTo<'a> {
    pub incident_dir: &'a Path,
    pub evidence_dir: &'a Path,
}

/// A private copy made of an evidence file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Where it is.
    pub path: PathBuf,
    /// The same, relative to the incident's directory, as recorded.
    pub relative: PathBuf,
}

/// One file hashed (and copied), ready to be recorded.
#[derive(Debug)]
#[must_use = "record the entry, or discard it to remove its copy"]
pub struct Prepared {
    /// The record's payload.
    pub entry: EvidenceEntry,
    pub copy: Option<Copied>,
    /// The file's length or modification time changed while it was read: the hash is of
    /// the `entry.size` bytes that were read.
    pub changed_while_read: bool,
}

impl Prepared {
    /// Removes the copy, for when the entry could not be recorded.
    pub fn discard(self) {
        if let Some(c) = &self.copy {
            let _ = std::fs::remove_file(&c.path);
        }
    }
}

/// Hashes one file into an evidence entry, copying it first if `copy_to` is given. A copy
/// that does not read back with the original's hash is removed and is an integrity error.
pub fn prepare(
    path: &Path,
    note: Option<&str>,
    copy_to: Option<CopyTo>,
) -> anyhow::Result<Prepared> {
    prepare_as(path, None, note, copy_to)
}

/// [`prepare`], with the copy placed at `copy_as` inside the evidence folder (a relative
/// path such as `dump/sub/config.inc.php`, keeping the structure of a directory that was
/// added) instead of under the file's own name. Only the plain components of `copy_as`
/// count, so it can never point outside the folder.
pub fn prepare_as(
    path: &Path,
    copy_as: Option<&Path>,
    note: Option<&str>,
    copy_to: Option<CopyTo>,
) -> anyhow::Result<Prepared> {
    let prepared = prepare_with(path, copy_as, note, copy_to, &mut |_| {})?;
    if let (Some(to), Some(copy)) = (copy_to, &prepared.copy)
        && let Err(e) = sync_copy_dirs([copy], to)
    {
        prepared.discard();
        return Err(e);
    }
    Ok(prepared)
}

/// [`prepare_as`], calling `progress` with the bytes of this file's work done so far
/// ([`work`]: the bytes read from the file, then, with a copy, the bytes of the copy read
/// back); the last call is with the whole work of the bytes that were read.
///
/// The copy's data are fsynced, but not the folders that hold its name: call
/// [`sync_copy_dirs`] for every copy before recording its entry (once for many copies).
pub fn prepare_with(
    path: &Path,
    copy_as: Option<&Path>,
    note: Option<&str>,
    copy_to: Option<CopyTo>,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<Prepared> {
    let abs = absolute(path)?;
    let mut source = open_regular(path).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            not_found(format!("{}: no such file or directory", path.display()))
        } else {
            anyhow::Error::new(e).context(format!("cannot read {}", path.display()))
        }
    })?;
    let before = source.metadata()?;
    let (digested, copy) = match copy_to {
        None => (
            digest(&mut source, None, progress).map_err(|e| {
                anyhow::Error::new(e).context(format!("cannot read {}", path.display()))
            })?,
            None,
        ),
        Some(to) => {
            let name = abs
                .file_name()
                .map(std::ffi::OsStr::to_os_string)
                .unwrap_or_else(|| "evidence".into());
            let sub: PathBuf = copy_as
                .and_then(Path::parent)
                .map(|p| {
                    p.components()
                        .filter_map(|c| match c {
                            std::path::Component::Normal(n) => Some(n),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            let folder = to.evidence_dir.join(&sub);
            if !sub.as_os_str().is_empty() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&folder)
                    .map_err(|e| {
                        anyhow::Error::new(e).context(format!("cannot create {}", folder.display()))
                    })?;
                let mut d = folder.clone();
                while d != to.evidence_dir && d.starts_with(to.evidence_dir) {
                    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700))?;
                    if !d.pop() {
                        break;
                    }
                }
            }
            let (copy_path, mut out) = create_unique(&folder, &name)?;
            let result = digest(&mut source, Some(&mut out), progress)
                .and_then(|d| out.sync_all().map(|()| d))
                .map_err(|e| {
                    anyhow::Error::new(e).context(format!("cannot copy {}", path.display()))
                })
                .and_then(|d| {
                    let again = hash_file_with(&copy_path, &mut |n| {
                        progress(d.size + n.min(d.size));
                    })?;
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
            let relative = copy_path
                .strip_prefix(to.incident_dir)
                .unwrap_or(&copy_path)
                .to_path_buf();
            (
                d,
                Some(Copied {
                    path: copy_path,
                    relative,
                }),
            )
        }
    };
    let after = source.metadata()?;
    let changed_while_read =
        after.len() != digested.size || after.modified().ok() != before.modified().ok();
    let entry = EvidenceEntry {
        path: path_text(&abs),
        sha256: digested.sha256,
        size: digested.size,
        modified: before.modified().ok().map(whole_seconds),
        copy: copy.as_ref().map(|c| path_text(&c.relative)),
        note: note.map(String::from),
    };
    Ok(Prepared {
        entry,
        copy,
        changed_while_read,
    })
}

/// Makes the names of `copies` durable: fsyncs every folder from each copy's own up to the
/// evidence folder, and the incident directory (which holds the evidence folder's name),
/// each once however many copies it holds. Returns how many folders were fsynced. With the
/// copies' data fsynced by [`prepare_with`], the copies then survive a crash.
pub fn sync_copy_dirs<'a>(
    copies: impl IntoIterator<Item = &'a Copied>,
    to: CopyTo,
) -> anyhow::Result<usize> {
    let mut dirs = std::collections::BTreeSet::new();
    dirs.insert(to.incident_dir.to_path_buf());
    for copy in copies {
        let mut dir = copy.path.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(to.evidence_dir)) {
            if !dirs.insert(d.to_path_buf()) {
                break;
            }
            dir = d.parent();
        }
    }
    for dir in &dirs {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| anyhow::Error::new(e).context(format!("cannot sync {}", dir.display())))?;
    }
    Ok(dirs.len())
}

/// What re-hashing a registered file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Found {
    Unchanged,
    Changed,
    Missing,
    /// It exists but cannot be read (permissions): its integrity is unknown.
    Unreadable,
}

impl Found {
    /// The name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Found::Unchanged => "unchanged",
            Found::Changed => "changed",
            Found::Missing => "missing",
            Found::Unreadable => "unreadable",
        }
    }
}

/// One file checked against its registered hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The path as registered (absolute for originals, relative for copies).
    pub path: String,
    pub state: Found,
    /// The hash now, when it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256_now: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Re-hashes the file at `path` and compares it with `entry`; `shown` is the path reported.
pub fn check(path: &Path, shown: String, entry: &EvidenceEntry) -> Check {
    check_with(path, shown, entry, &mut |_| {})
}

/// [`check`], calling `progress` with the bytes read so far (at most `entry.size`; the
/// last call is with `entry.size` whatever was found, so that progress ends at the work
/// [`verify_work`] counts).
pub fn check_with(
    path: &Path,
    shown: String,
    entry: &EvidenceEntry,
    progress: &mut dyn FnMut(u64),
) -> Check {
    let hashed = hash_file_with(path, &mut |n| progress(n.min(entry.size)));
    progress(entry.size);
    let (state, sha256_now, detail) = match hashed {
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

/// A registered evidence item with what checking it (and its copy) found.
#[derive(Debug, Serialize)]
pub struct Verified<'a> {
    #[serde(flatten)]
    pub evidence: &'a EvidenceState,
    pub original: Check,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_check: Option<Check>,
}

impl Verified<'_> {
    /// The original's check, then the copy's if there is one.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        std::iter::once(&self.original).chain(self.copy_check.as_ref())
    }
}

/// Checks every registered item and its copy (resolved against `incident_dir`).
pub fn verify<'a>(evidence: &'a [EvidenceState], incident_dir: &Path) -> Vec<Verified<'a>> {
    verify_with(evidence, incident_dir, &mut |_| {})
}

/// The bytes of work of [`verify`]: every registered size, twice for an item with a copy.
pub fn verify_work(evidence: &[EvidenceState]) -> u64 {
    evidence
        .iter()
        .map(|e| work(e.entry.size, e.entry.copy.is_some()))
        .fold(0, u64::saturating_add)
}

/// [`verify`], calling `progress` with the bytes of work done so far, ending at
/// [`verify_work`] (a missing or shorter file counts as its registered size once checked).
pub fn verify_with<'a>(
    evidence: &'a [EvidenceState],
    incident_dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Vec<Verified<'a>> {
    let mut done = 0u64;
    let mut checked = |path: &Path, shown: String, entry: &EvidenceEntry| {
        let base = done;
        let check = check_with(path, shown, entry, &mut |n| {
            progress(base.saturating_add(n))
        });
        done = base.saturating_add(entry.size);
        check
    };
    evidence
        .iter()
        .map(|e| {
            let original = checked(
                &path_from_text(&e.entry.path),
                e.entry.path.clone(),
                &e.entry,
            );
            let copy_check = e
                .entry
                .copy
                .as_ref()
                .map(|c| checked(&incident_dir.join(path_from_text(c)), c.clone(), &e.entry));
            Verified {
                evidence: e,
                original,
                copy_check,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitStatus;

    /// SHA-256 of `abc` (FIPS 180-2, appendix B.1).
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn status_of(e: &anyhow::Error) -> ExitStatus {
        crate::error::status_of(e)
    }

    #[test]
    fn a_streamed_file_is_hashed_as_read_and_refused_when_not_read_whole_or_changed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("export.csv");
        std::fs::write(&p, "abc").unwrap();
        let (streamed, mut reader) = stream(&p).unwrap();
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        let entry = streamed.finish(Some("n")).unwrap();
        assert_eq!((entry.sha256.as_str(), entry.size), (ABC, 3));
        assert_eq!(entry.note.as_deref(), Some("n"));

        let (streamed, mut reader) = stream(&p).unwrap();
        let mut one = [0u8; 1];
        reader.read_exact(&mut one).unwrap();
        let err = streamed.finish(None).unwrap_err();
        assert_eq!(status_of(&err), ExitStatus::Conflict);

        let (streamed, mut reader) = stream(&p).unwrap();
        reader.read_to_string(&mut String::new()).unwrap();
        std::fs::write(&p, "abcd").unwrap();
        assert_eq!(
            status_of(&streamed.finish(None).unwrap_err()),
            ExitStatus::Conflict
        );
        assert_eq!(
            status_of(&stream(&dir.path().join("none")).err().unwrap()),
            ExitStatus::NotFound
        );
    }

    #[test]
    fn hashes_a_file_and_counts_its_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("abc.txt");
        std::fs::write(&f, "abc").unwrap();
        let d = hash_file(&f).unwrap();
        assert_eq!(d.sha256, ABC);
        assert_eq!(d.size, 3);
    }

    #[test]
    fn hashes_a_file_larger_than_the_buffer() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("big.bin");
        let data = vec![7u8; BUFFER * 2 + 5];
        std::fs::write(&f, &data).unwrap();
        let d = hash_file(&f).unwrap();
        assert_eq!(d.size, data.len() as u64);
        assert_eq!(d.sha256, format!("{:x}", Sha256::digest(&data)));
    }

    #[test]
    fn prepare_records_the_absolute_path_hash_size_and_note() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("access.log");
        std::fs::write(&f, "abc").unwrap();
        let p = prepare(&f, Some("web server log"), None).unwrap();
        assert_eq!(p.entry.sha256, ABC);
        assert_eq!(p.entry.size, 3);
        assert_eq!(
            p.entry.path,
            tmp.path()
                .canonicalize()
                .unwrap()
                .join("access.log")
                .display()
                .to_string()
        );
        assert_eq!(p.entry.note.as_deref(), Some("web server log"));
        assert!(p.entry.modified.is_some());
        assert_eq!(p.entry.copy, None);
        assert!(p.copy.is_none());
        assert!(!p.changed_while_read);
    }

    #[test]
    fn a_missing_file_is_not_found() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = tmp.path().join("gone.log");
        let e = prepare(&gone, None, None).unwrap_err();
        assert_eq!(status_of(&e), ExitStatus::NotFound, "{e:#}");
        assert!(format!("{e}").contains("no such file or directory"), "{e}");
        let e = collect(std::slice::from_ref(&gone)).unwrap_err();
        assert_eq!(status_of(&e), ExitStatus::NotFound, "{e:#}");
        assert_eq!(
            hash_file(&gone).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn the_evidence_folder_is_0700_and_copies_are_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("dump.sql");
        std::fs::write(&f, "abc").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let dir = evidence_dir(tmp.path(), "inc").unwrap();
        assert_eq!(dir, tmp.path().join("inc.evidence"));
        assert_eq!(mode(&dir), 0o700);
        let to = CopyTo {
            incident_dir: tmp.path(),
            evidence_dir: &dir,
        };
        let p = prepare(&f, None, Some(to)).unwrap();
        let copy = p.copy.clone().unwrap();
        assert_eq!(copy.path, dir.join("dump.sql"));
        assert_eq!(copy.relative, Path::new("inc.evidence/dump.sql"));
        assert_eq!(p.entry.copy.as_deref(), Some("inc.evidence/dump.sql"));
        assert_eq!(mode(&copy.path), 0o600);
        assert_eq!(std::fs::read(&copy.path).unwrap(), b"abc");
        // An existing folder that was opened up is made private again.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        evidence_dir(tmp.path(), "inc").unwrap();
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn a_copy_never_overwrites_an_existing_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = evidence_dir(tmp.path(), "inc").unwrap();
        std::fs::write(dir.join("dump.sql"), "earlier copy").unwrap();
        std::fs::write(dir.join("dump-2.sql"), "another").unwrap();
        let f = tmp.path().join("dump.sql");
        std::fs::write(&f, "abc").unwrap();
        let to = CopyTo {
            incident_dir: tmp.path(),
            evidence_dir: &dir,
        };
        let p = prepare(&f, None, Some(to)).unwrap();
        assert_eq!(p.copy.as_ref().unwrap().path, dir.join("dump-3.sql"));
        assert_eq!(std::fs::read(dir.join("dump-3.sql")).unwrap(), b"abc");
        assert_eq!(
            std::fs::read(dir.join("dump.sql")).unwrap(),
            b"earlier copy"
        );
        assert_eq!(std::fs::read(dir.join("dump-2.sql")).unwrap(), b"another");
        // Discarding an unrecorded entry removes its copy and nothing else.
        p.discard();
        assert!(!dir.join("dump-3.sql").exists());
        assert!(dir.join("dump.sql").exists());
    }

    #[test]
    fn a_file_in_place_of_the_evidence_folder_is_a_conflict() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("inc.evidence"), "x").unwrap();
        let e = evidence_dir(tmp.path(), "inc").unwrap_err();
        assert_eq!(status_of(&e), ExitStatus::Conflict, "{e:#}");
    }

    #[test]
    fn collect_walks_directories_in_order_and_skips_links() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("logs");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("b.log"), "b").unwrap();
        std::fs::write(d.join("a.log"), "a").unwrap();
        std::fs::write(d.join("sub/c.log"), "c").unwrap();
        std::os::unix::fs::symlink(d.join("a.log"), d.join("link.log")).unwrap();
        let c = collect(std::slice::from_ref(&d)).unwrap();
        assert_eq!(
            c.files,
            vec![d.join("a.log"), d.join("b.log"), d.join("sub/c.log")]
        );
        assert_eq!(
            c.skipped,
            vec![(
                d.join("link.log"),
                "a symbolic link (links are not followed)"
            )]
        );
    }

    #[test]
    fn check_finds_unchanged_changed_and_missing_files() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("shell.php");
        std::fs::write(&f, "abc").unwrap();
        let entry = prepare(&f, None, None).unwrap().entry;
        let shown = entry.path.clone();
        assert_eq!(check(&f, shown.clone(), &entry).state, Found::Unchanged);
        std::fs::write(&f, "abcd").unwrap();
        let changed = check(&f, shown.clone(), &entry);
        assert_eq!(changed.state, Found::Changed);
        assert_eq!(changed.detail.as_deref(), Some("4 bytes now"));
        assert_ne!(changed.sha256_now.as_deref(), Some(ABC));
        std::fs::remove_file(&f).unwrap();
        let missing = check(&f, shown, &entry);
        assert_eq!(missing.state, Found::Missing);
        assert_eq!(missing.sha256_now, None);
    }

    /// Records every progress call, and checks each is at least the one before.
    fn recorder(calls: &mut Vec<u64>) -> impl FnMut(u64) + '_ {
        move |n| {
            assert!(
                calls.last().is_none_or(|&last| n >= last),
                "progress went back from {:?} to {n}",
                calls.last()
            );
            calls.push(n);
        }
    }

    #[test]
    fn progress_of_a_file_rises_and_ends_at_its_work_with_and_without_a_copy() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("dump.sql");
        let size = BUFFER * 3 + 17;
        std::fs::write(&f, vec![1u8; size]).unwrap();
        let mut calls = Vec::new();
        let p = prepare_with(&f, None, None, None, &mut recorder(&mut calls)).unwrap();
        assert_eq!(p.entry.size, size as u64);
        assert!(calls.len() >= 4, "one call per buffer read: {calls:?}");
        assert_eq!(calls.last().copied(), Some(work(size as u64, false)));
        assert_eq!(work(size as u64, false), size as u64);

        let dir = evidence_dir(tmp.path(), "inc").unwrap();
        let to = CopyTo {
            incident_dir: tmp.path(),
            evidence_dir: &dir,
        };
        let mut calls = Vec::new();
        let p = prepare_with(&f, None, None, Some(to), &mut recorder(&mut calls)).unwrap();
        assert!(p.copy.is_some());
        // Copying, then reading the copy back: the work is twice the size.
        assert_eq!(calls.last().copied(), Some(2 * size as u64));
        assert!(
            calls.contains(&(size as u64)),
            "the copy pass ends at the size"
        );
        assert!(
            calls
                .iter()
                .any(|&n| n > size as u64 && n < 2 * size as u64)
        );

        let empty = tmp.path().join("empty.log");
        std::fs::write(&empty, "").unwrap();
        let mut calls = Vec::new();
        let p = prepare_with(&empty, None, None, None, &mut recorder(&mut calls)).unwrap();
        assert_eq!(p.entry.size, 0);
        assert_eq!(
            calls.last().copied(),
            Some(0),
            "called even for an empty file"
        );
    }

    #[test]
    fn progress_of_verify_rises_and_ends_at_its_work_whatever_is_found() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = evidence_dir(tmp.path(), "inc").unwrap();
        let to = CopyTo {
            incident_dir: tmp.path(),
            evidence_dir: &dir,
        };
        let stamp = crate::incident::Stamp {
            by: "ana".into(),
            at: DateTime::from_timestamp(0, 0).unwrap(),
            seq: 1,
            event_at: None,
        };
        let mut evidence = Vec::new();
        for (name, len, copy) in [("a.log", BUFFER + 1, true), ("b.log", 10, false)] {
            let f = tmp.path().join(name);
            std::fs::write(&f, vec![2u8; len]).unwrap();
            let entry = prepare(&f, None, copy.then_some(to)).unwrap().entry;
            evidence.push(EvidenceState {
                entry,
                stamp: stamp.clone(),
            });
        }
        let total = verify_work(&evidence);
        assert_eq!(total, 2 * (BUFFER as u64 + 1) + 10);
        let mut calls = Vec::new();
        let results = verify_with(&evidence, tmp.path(), &mut recorder(&mut calls));
        assert!(
            results
                .iter()
                .flat_map(|r| r.checks())
                .all(|c| c.state == Found::Unchanged)
        );
        assert_eq!(calls.last().copied(), Some(total));

        // A file that grew and one that is gone: progress still ends at the total, never past.
        std::fs::write(tmp.path().join("a.log"), vec![3u8; BUFFER * 4]).unwrap();
        std::fs::remove_file(tmp.path().join("b.log")).unwrap();
        let mut calls = Vec::new();
        let results = verify_with(&evidence, tmp.path(), &mut recorder(&mut calls));
        assert_eq!(results[0].original.state, Found::Changed);
        assert_eq!(results[1].original.state, Found::Missing);
        assert_eq!(calls.last().copied(), Some(total));
        assert!(calls.iter().all(|&n| n <= total), "{calls:?}");
    }

    #[test]
    fn the_folders_of_many_copies_are_each_synced_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = evidence_dir(tmp.path(), "inc").unwrap();
        let to = CopyTo {
            incident_dir: tmp.path(),
            evidence_dir: &dir,
        };
        std::fs::create_dir_all(tmp.path().join("dump/sub")).unwrap();
        let mut copies = Vec::new();
        for name in ["a.log", "b.log", "sub/c.log", "sub/d.log"] {
            let f = tmp.path().join("dump").join(name);
            std::fs::write(&f, name).unwrap();
            let copy_as = Path::new("dump").join(name);
            let p = prepare_with(&f, Some(&copy_as), None, Some(to), &mut |_| {}).unwrap();
            copies.push(p.copy.unwrap());
        }
        assert_eq!(copies[2].path, dir.join("dump/sub/c.log"));
        // The incident directory, the evidence folder, dump/ and dump/sub/.
        assert_eq!(sync_copy_dirs(&copies, to).unwrap(), 4);
        assert_eq!(sync_copy_dirs(&copies[..1], to).unwrap(), 3);
        assert_eq!(sync_copy_dirs([], to).unwrap(), 1);
    }
}

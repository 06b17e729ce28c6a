//! Finding and reading runbooks: built-in names, files in `./runbooks` or the directories in
//! `BREACH_RUNBOOKS`, or a path. Every runbook is fully validated before use.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::builtin;
use super::model::Runbook;
use super::validate::{self, Problem};
use crate::error::{BreachError, invalid, not_found};

/// The largest runbook file accepted, in bytes. Real runbooks are tens of kilobytes.
pub const MAX_RUNBOOK_BYTES: u64 = 4 * 1024 * 1024;

/// The environment variable listing extra runbook directories (`:`-separated).
pub const RUNBOOKS_ENV: &str = "BREACH_RUNBOOKS";

/// Where a runbook came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum RunbookSource {
    /// Embedded in the binary.
    Builtin,
    /// Read from a file.
    File(PathBuf),
}

impl std::fmt::Display for RunbookSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunbookSource::Builtin => write!(f, "built-in"),
            RunbookSource::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A validated runbook with its exact text (pinned into incidents) and origin.
#[derive(Debug, Clone)]
pub struct LoadedRunbook {
    pub runbook: Runbook,
    pub text: String,
    pub source: RunbookSource,
}

/// Parses and validates runbook text; `origin` names it in error messages.
/// (Excessive nesting is refused, with its position, by the linear span pass inside
/// `validate_text` before the YAML deserializer sees the text.)
pub fn parse_text(text: &str, origin: &str) -> Result<Runbook, Vec<Problem>> {
    validate::validate_text(text, origin)
}

/// Parses the runbook pinned in an incident file, which every command that reads the
/// incident does once. A text identical to a built-in runbook (the same SHA-256) is loaded
/// from the built-in's pre-built form ([`builtin::prebuilt`]) with no YAML parse and no
/// validation pass: the built-ins are valid and their pre-built forms equal parsing their
/// text (tests check both), which saves most of the fixed cost of reading an incident. Any
/// other text is validated against the format, but not the authoring rules it may predate
/// (`validate::validate_pinned_text`).
pub fn parse_pinned(text: &str, origin: &str) -> Result<Runbook, Vec<Problem>> {
    if let Some(runbook) = builtin::prebuilt(text) {
        return Ok(runbook);
    }
    validate::validate_pinned_text(text, origin)
}

/// The directories searched for runbooks by name: `./runbooks`, then `BREACH_RUNBOOKS`.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("runbooks")];
    if let Some(extra) = std::env::var_os(RUNBOOKS_ENV) {
        dirs.extend(std::env::split_paths(&extra).filter(|p| !p.as_os_str().is_empty()));
    }
    dirs
}

/// Reads a file whose size is bounded, as UTF-8, with clear errors: a missing file or a
/// dangling symbolic link is "not found" (exit 4); a directory, an oversized file or text that
/// is not UTF-8 is invalid input (exit 3), the last with the line and column of the bad byte.
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> anyhow::Result<String> {
    let bytes = read_bounded_bytes(path, limit, what)?;
    decode_utf8(bytes, &path.display().to_string(), what)
        .map_err(|problem| invalid(problem.to_string()))
}

/// The bytes of a file, after the checks [`read_bounded`] describes (all but UTF-8).
pub fn read_bounded_bytes(path: &Path, limit: u64, what: &'static str) -> anyhow::Result<Vec<u8>> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let dangling = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
            return Err(not_found(if dangling {
                format!(
                    "{} is a symbolic link to a file that does not exist; expected a {what}",
                    path.display()
                )
            } else {
                format!("{what} file {} does not exist", path.display())
            }));
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {}", path.display()));
        }
    };
    if meta.is_dir() {
        return Err(invalid(format!(
            "{} is a directory, expected a {what} file",
            path.display()
        )));
    }
    if !meta.is_file() {
        // A device or a FIFO would be read forever or block: only regular files.
        return Err(invalid(format!(
            "{} is not a regular file, expected a {what}",
            path.display()
        )));
    }
    if meta.len() > limit {
        return Err(BreachError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit,
            what,
        }
        .into());
    }
    // The size may change between the check and the read (or the file may be a device that
    // reports no size), so the read itself is bounded too.
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, limit + 1), &mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(BreachError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit,
            what,
        }
        .into());
    }
    Ok(bytes)
}

/// Decodes UTF-8, or names the line and column of the first invalid byte.
pub fn decode_utf8(bytes: Vec<u8>, origin: &str, what: &str) -> Result<String, Problem> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&bytes[..at]);
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Problem {
            file: origin.to_string(),
            line: Some(line),
            column: Some(column),
            message: format!(
                "not valid UTF-8 (byte 0x{:02X} at offset {at}); a {what} must be UTF-8 text",
                bytes[at]
            ),
        }
    })
}

/// Loads a runbook by built-in name, by name from the search directories, or by path.
/// `None` means the default built-in.
pub fn load(spec: Option<&str>) -> anyhow::Result<LoadedRunbook> {
    let spec = spec.unwrap_or(builtin::DEFAULT);
    let looks_like_path = spec.contains('/') || spec.ends_with(".yaml") || spec.ends_with(".yml");
    if !looks_like_path {
        for dir in search_dirs() {
            for ext in ["yaml", "yml"] {
                let candidate = dir.join(format!("{spec}.{ext}"));
                if candidate.is_file() {
                    return load_file(&candidate);
                }
            }
        }
        if let Some(text) = builtin::get(spec) {
            let runbook = parse_text(text, &format!("built-in runbook {spec}"))
                .map_err(|p| problems_error(&p))?;
            return Ok(LoadedRunbook {
                runbook,
                text: text.to_string(),
                source: RunbookSource::Builtin,
            });
        }
        let known: Vec<&str> = builtin::BUILTINS.iter().map(|(n, _)| *n).collect();
        return Err(not_found(format!(
            "no runbook named `{spec}` (built-in: {}; searched {})",
            known.join(", "),
            search_dirs()
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    load_file(Path::new(spec))
}

/// Loads and validates a runbook file.
pub fn load_file(path: &Path) -> anyhow::Result<LoadedRunbook> {
    let text = read_bounded(path, MAX_RUNBOOK_BYTES, "runbook")?;
    let runbook = parse_text(&text, &path.display().to_string()).map_err(|p| problems_error(&p))?;
    Ok(LoadedRunbook {
        runbook,
        text,
        source: RunbookSource::File(path.to_path_buf()),
    })
}

/// The outcome of checking one runbook file, for `breach runbook validate` and `list`.
#[derive(Debug)]
pub enum FileCheck {
    /// The file is a valid runbook.
    Valid(Box<LoadedRunbook>),
    /// The file was read but is not a valid runbook (or not UTF-8).
    Invalid(Vec<Problem>),
    /// The file could not be read at all (missing, a directory, too large); the error says why
    /// and carries the exit status.
    Unreadable(anyhow::Error),
}

/// Reads and validates one file without failing: every outcome is a value.
pub fn check_file(path: &Path) -> FileCheck {
    let origin = path.display().to_string();
    let bytes = match read_bounded_bytes(path, MAX_RUNBOOK_BYTES, "runbook") {
        Ok(b) => b,
        Err(e) => return FileCheck::Unreadable(e),
    };
    let text = match decode_utf8(bytes, &origin, "runbook") {
        Ok(t) => t,
        Err(p) => return FileCheck::Invalid(vec![p]),
    };
    match parse_text(&text, &origin) {
        Ok(runbook) => FileCheck::Valid(Box::new(LoadedRunbook {
            runbook,
            text,
            source: RunbookSource::File(path.to_path_buf()),
        })),
        Err(problems) => FileCheck::Invalid(problems),
    }
}

/// The runbook files in the search directories, `*.yaml` and `*.yml`, sorted within each
/// directory. Missing directories are skipped.
pub fn discover() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in search_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        found.extend(files);
    }
    found
}

/// One error carrying every problem, one per line.
pub fn problems_error(problems: &[Problem]) -> anyhow::Error {
    let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let count = problems.len();
    invalid(format!(
        "invalid runbook ({count} problem{}):\n{}",
        if count == 1 { "" } else { "s" },
        lines.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_built_ins_parse_as_validation_would_and_other_texts_are_validated() {
        for (name, text) in builtin::BUILTINS {
            let validated = validate::validate_text(text, name).expect("built-ins are valid");
            assert_eq!(parse_pinned(text, name).unwrap(), validated, "{name}");
        }
        // One byte away from a built-in is no longer trusted: the duplicate id is found.
        let (_, text) = builtin::BUILTINS[0];
        let edited = text.replacen("id: contain", "id: assess", 1);
        assert_ne!(edited, text);
        let problems = parse_pinned(&edited, "pinned").unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("duplicate step id")),
            "{problems:?}"
        );
    }
}

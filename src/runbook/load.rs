//! Finding and reading runbooks: built-in names, files in `./runbooks` or the directories in
//! `BREACH_RUNBOOKS`, or a path. Every runbook is fully validated before use.

use std::path::{Path, PathBuf};

use std::io::Read as _;

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
    /// Pinned in an incident file.
    Pinned,
}

impl std::fmt::Display for RunbookSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunbookSource::Builtin => write!(f, "built-in"),
            RunbookSource::File(p) => write!(f, "{}", p.display()),
            RunbookSource::Pinned => write!(f, "pinned in the incident file"),
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
pub fn parse_text(text: &str, origin: &str) -> Result<Runbook, Vec<Problem>> {
    if let Err(message) = crate::yaml_guard::check(text) {
        return Err(vec![Problem {
            file: origin.to_string(),
            line: None,
            column: None,
            message,
        }]);
    }
    validate::validate_text(text, origin)
}

/// The directories searched for runbooks by name: `./runbooks`, then `BREACH_RUNBOOKS`.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("runbooks")];
    if let Some(extra) = std::env::var_os(RUNBOOKS_ENV) {
        dirs.extend(std::env::split_paths(&extra).filter(|p| !p.as_os_str().is_empty()));
    }
    dirs
}

/// Reads a file whose size is bounded, as UTF-8, with clear errors.
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> anyhow::Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        return Err(invalid(format!(
            "{} is a directory, expected a {what}",
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
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::take(f, limit + 1).read_to_end(&mut bytes))
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
    String::from_utf8(bytes).map_err(|e| {
        invalid(format!(
            "{}: not valid UTF-8 text (invalid byte at offset {}); a {what} must be UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
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
    if !path.exists() {
        return Err(not_found(format!(
            "runbook file {} does not exist",
            path.display()
        )));
    }
    let text = read_bounded(path, MAX_RUNBOOK_BYTES, "runbook")?;
    let runbook = parse_text(&text, &path.display().to_string()).map_err(|p| problems_error(&p))?;
    Ok(LoadedRunbook {
        runbook,
        text,
        source: RunbookSource::File(path.to_path_buf()),
    })
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

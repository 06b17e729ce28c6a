//! The incident directory: naming new incidents, finding one from what the user typed
//! (an id, a unique id prefix, or a path), and listing them.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::{invalid, not_found};

/// A file-name-safe slug of a title: lower-case ASCII letters and digits separated by
/// single dashes, at most 48 characters; `incident` if nothing is left.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "incident".into()
    } else {
        out
    }
}

/// The id of an incident opened at `at` with this title, e.g.
/// `20261123T101500Z-card-skimmer-on-checkout`.
pub fn incident_id(at: DateTime<Utc>, title: &str) -> String {
    format!("{}-{}", at.format("%Y%m%dT%H%M%SZ"), slug(title))
}

/// The operator: `--operator`/`BREACH_OPERATOR` if given, else the login name.
pub fn operator(given: Option<&str>) -> anyhow::Result<String> {
    let name = match given {
        Some(n) => n.to_string(),
        None => std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".to_string()),
    };
    let name = name.trim().to_string();
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(crate::error::about(
            crate::error::Topic::BadOperator,
            crate::error::BreachError::InvalidInput(
                "the operator name must be 1 to 200 characters with no control characters".into(),
            ),
        ));
    }
    Ok(name)
}

/// Whether a string can be an incident id or id prefix (so it can never name a path).
fn is_id_like(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 120
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The incident files in a directory, newest first (names start with the UTC start time).
pub fn incident_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "cannot read the incident directory {}",
                dir.display()
            )));
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .filter(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(is_id_like)
        })
        .collect();
    files.sort();
    files.reverse();
    Ok(files)
}

/// Whether the incident is closed, reading only the file's end (through the one tail
/// reader, [`super::file::last_record`]): its last record is `closed`, or an action item
/// recorded after it.
pub fn is_closed_quick(path: &Path) -> bool {
    super::file::last_record(path).is_some_and(|r| r.payload.ends_closed())
}

/// Finds the incident the user means. `spec` is an id, a unique id prefix or a path; with
/// no spec, the most recently started open incident in `dir`.
pub fn resolve(dir: &Path, spec: Option<&str>) -> anyhow::Result<PathBuf> {
    let Some(spec) = spec else {
        let files = incident_files(dir)?;
        if files.is_empty() {
            return Err(crate::error::about(
                crate::error::Topic::NoIncidents,
                crate::error::BreachError::NotFound(format!("no incidents in {}", dir.display())),
            ));
        }
        return files
            .into_iter()
            .find(|p| !is_closed_quick(p))
            .ok_or_else(|| {
                crate::error::about(
                    crate::error::Topic::AllClosed,
                    crate::error::BreachError::NotFound(format!(
                        "every incident in {} is closed",
                        dir.display()
                    )),
                )
            });
    };
    if is_id_like(spec) {
        let matches: Vec<PathBuf> = incident_files(dir)?
            .into_iter()
            .filter(|p| {
                p.file_stem()
                    .and_then(|s| s.to_str())
                    .is_some_and(|s| s.starts_with(spec))
            })
            .collect();
        if let Some(exact) = matches
            .iter()
            .find(|p| p.file_stem().and_then(|s| s.to_str()) == Some(spec))
        {
            return Ok(exact.clone());
        }
        return match matches.len() {
            1 => Ok(matches.into_iter().next().unwrap_or_default()),
            0 => Err(crate::error::about(
                crate::error::Topic::UnknownIncident,
                crate::error::BreachError::NotFound(format!(
                    "no incident matching `{spec}` in {}",
                    dir.display()
                )),
            )),
            _ => Err(not_found(format!(
                "`{spec}` matches {} incidents: {}; give more of the id",
                matches.len(),
                matches
                    .iter()
                    .filter_map(|p| p.file_stem().and_then(|s| s.to_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        };
    }
    let path = PathBuf::from(spec);
    if path.extension().is_some_and(|x| x == "yaml" || x == "yml") || spec.contains('/') {
        return Ok(path);
    }
    Err(invalid(format!(
        "`{spec}` is neither an incident id (letters, digits and dashes) nor a path to a .yaml file"
    )))
}

/// Checks that a path given for writing lies directly inside the incident directory, so
/// that an id or path from the command line cannot make `breach` write anywhere else.
pub fn require_inside(dir: &Path, path: &Path) -> anyhow::Result<()> {
    let canon_dir = dir.canonicalize().map_err(|_| {
        not_found(format!(
            "the incident directory {} does not exist",
            dir.display()
        ))
    })?;
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let canon_parent = parent
        .canonicalize()
        .map_err(|_| not_found(format!("{} does not exist", parent.display())))?;
    if canon_parent != canon_dir {
        return Err(crate::error::about(
            crate::error::Topic::OutsideDirectory,
            crate::error::BreachError::InvalidInput(format!(
                "{} is not in the incident directory {}; breach only records into incident files there",
                path.display(),
                dir.display()
            )),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_short() {
        assert_eq!(
            slug("Card skimmer on checkout!"),
            "card-skimmer-on-checkout"
        );
        assert_eq!(slug("  ../../etc/passwd  "), "etc-passwd");
        assert_eq!(slug("Größe & Ärger"), "gr-e-rger");
        assert_eq!(slug("!!!"), "incident");
        assert!(slug(&"a".repeat(500)).len() <= 48);
    }

    #[test]
    fn ids_name_the_start_time_in_utc() {
        let at = crate::types::parse_time("2026-11-23T10:15:00Z").unwrap();
        assert_eq!(
            incident_id(at, "Card skimmer on checkout"),
            "20261123T101500Z-card-skimmer-on-checkout"
        );
    }

    #[test]
    fn id_like_specs_cannot_name_paths() {
        assert!(is_id_like("20261123T1015"));
        assert!(!is_id_like("../x"));
        assert!(!is_id_like("/etc/passwd"));
        assert!(!is_id_like("a.b"));
    }
}

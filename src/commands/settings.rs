//! Where the incidents are, who records and which runbook `start` uses, resolved once from
//! the command line, the environment and the optional configuration files.
//!
//! The incident directory is, in this order: `--dir` or `BREACH_DIR`; `dir` in the nearest
//! `.breach.toml` in the current directory or a parent; the nearest directory named
//! `incidents` in the current directory or a parent (found the way git finds its
//! repository); `dir` in the user's `$XDG_CONFIG_HOME/breach/config.toml` (default
//! `~/.config/breach/config.toml`); else `./incidents`. The upward searches stop at the
//! root, or after a directory listed in `BREACH_CEILING_DIRECTORIES` (colon-separated).
//! The operator and the default runbook come from the flags and the environment first,
//! then `.breach.toml`, then the user's file. A relative `dir` in a file is relative to
//! that file's directory. docs/configuration.md is the user's page for all of this.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::error::invalid;

/// The name of the project-local configuration file.
pub const PROJECT_FILE: &str = ".breach.toml";
/// The environment variable that bounds the upward searches.
pub const CEILING_ENV: &str = "BREACH_CEILING_DIRECTORIES";

/// What a configuration file may say; every key is optional and no other key is allowed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// The incident directory (relative to the file's directory).
    dir: Option<PathBuf>,
    /// Who is recording.
    operator: Option<String>,
    /// The runbook `breach start` uses when none is given.
    runbook: Option<String>,
    /// The key that signs this device's records in team incidents (a private key file, or
    /// a public key file whose private half is in ssh-agent); relative to the file's
    /// directory, `~/` for the home directory.
    signing_key: Option<PathBuf>,
    /// The program that signs (default `ssh-keygen`).
    ssh_program: Option<PathBuf>,
    /// The allowed-signers file signatures are checked against.
    allowed_signers: Option<PathBuf>,
}

/// The resolved settings every command works with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The incident directory.
    pub dir: PathBuf,
    /// The operator given by a flag, the environment or a configuration file.
    pub operator: Option<String>,
    /// The default runbook from a configuration file.
    pub runbook: Option<String>,
    /// Where the directory was looked for, in order, with what was found: for messages when
    /// nothing is there.
    pub looked: Vec<String>,
    /// The signing key and program, when records are signed.
    pub signer: Option<crate::journal::sign::Signer>,
    /// The allowed-signers file from a configuration file.
    pub allowed_signers: Option<PathBuf>,
}

/// Resolves the settings from the global options, the environment and the files.
pub fn resolve(global: &GlobalArgs) -> anyhow::Result<Settings> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let ceilings = ceilings();
    let project = find_upward(&cwd, &ceilings, |d| {
        let f = d.join(PROJECT_FILE);
        f.is_file().then_some(f)
    });
    let project_cfg = project.as_deref().map(read_config).transpose()?;
    let user = user_config_path();
    let user_cfg = match &user {
        Some(p) if p.is_file() => Some(read_config(p)?),
        _ => None,
    };
    let in_file = |cfg: &Option<ConfigFile>, file: &Option<PathBuf>| -> Option<PathBuf> {
        let dir = cfg.as_ref()?.dir.as_ref()?;
        let base = file
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        Some(base.join(dir))
    };

    let mut looked = Vec::new();
    let dir = if let Some(d) = &global.dir {
        looked.push(format!("--dir or BREACH_DIR: {}", d.display()));
        d.clone()
    } else {
        looked.push("--dir or BREACH_DIR: not set".to_string());
        let from_project = in_file(&project_cfg, &project);
        looked.push(match (&project, &from_project) {
            (Some(f), Some(_)) => format!("{}: sets dir", f.display()),
            (Some(f), None) => format!("{}: sets no dir", f.display()),
            (None, _) => format!("{PROJECT_FILE} in {} and its parents: none", cwd.display()),
        });
        match from_project {
            Some(d) => d,
            None => {
                let found = find_upward(&cwd, &ceilings, |d| {
                    let i = d.join("incidents");
                    i.is_dir().then_some(i)
                });
                looked.push(match &found {
                    Some(f) => format!(
                        "incidents/ in {} and its parents: {}",
                        cwd.display(),
                        f.display()
                    ),
                    None => format!("incidents/ in {} and its parents: none", cwd.display()),
                });
                match found {
                    // Found right here: keep the short relative name in messages.
                    Some(f) if f.parent() == Some(cwd.as_path()) => PathBuf::from("incidents"),
                    Some(f) => f,
                    None => {
                        let from_user = in_file(&user_cfg, &user);
                        looked.push(match (&user, &from_user) {
                            (Some(f), Some(_)) => format!("{}: sets dir", f.display()),
                            (Some(f), None) if f.is_file() => {
                                format!("{}: sets no dir", f.display())
                            }
                            (Some(f), None) => format!("{}: none", f.display()),
                            (None, _) => "the user's configuration file: no home directory".into(),
                        });
                        from_user.unwrap_or_else(|| PathBuf::from("incidents"))
                    }
                }
            }
        }
    };
    let pick = |f: fn(&ConfigFile) -> Option<&String>| {
        project_cfg
            .as_ref()
            .and_then(f)
            .or_else(|| user_cfg.as_ref().and_then(f))
            .cloned()
    };
    // A path in a file is relative to that file's directory.
    let path_in = |f: fn(&ConfigFile) -> Option<&PathBuf>| {
        [(&project_cfg, &project), (&user_cfg, &user)]
            .into_iter()
            .find_map(|(cfg, file)| {
                let p = f(cfg.as_ref()?)?;
                let base = file
                    .as_deref()
                    .and_then(Path::parent)
                    .unwrap_or(Path::new("."));
                Some(base.join(expand_home(p)))
            })
    };
    let key = match std::env::var_os(crate::journal::sign::KEY_ENV) {
        // Set but empty: no signing, whatever a file says.
        Some(v) if v.is_empty() => None,
        Some(v) => Some(expand_home(Path::new(&v))),
        None => path_in(|c| c.signing_key.as_ref()),
    };
    let program = std::env::var_os(crate::journal::sign::PROGRAM_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| path_in(|c| c.ssh_program.as_ref()))
        .unwrap_or_else(|| PathBuf::from(crate::journal::sign::DEFAULT_PROGRAM));
    Ok(Settings {
        dir,
        operator: global
            .operator
            .clone()
            .or_else(|| pick(|c| c.operator.as_ref())),
        runbook: pick(|c| c.runbook.as_ref()),
        looked,
        signer: key.map(|key| crate::journal::sign::Signer { key, program }),
        allowed_signers: path_in(|c| c.allowed_signers.as_ref()),
    })
}

/// `~/rest` with the home directory for `~`; any other path as it is.
fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) if p.starts_with("~/") || p == Path::new("~") => {
            PathBuf::from(home).join(rest)
        }
        _ => p.to_path_buf(),
    }
}

/// Reads and parses one configuration file.
fn read_config(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = crate::runbook::load::read_bounded(path, 64 * 1024, "configuration file")?;
    toml::from_str(&text).map_err(|e| {
        invalid(format!(
            "{}: not a valid configuration file: {}",
            path.display(),
            e.message()
        ))
    })
}

/// An XDG base directory: the variable `var` if it holds an absolute path, else `~/{home_dir}`.
/// A relative value is ignored, as the XDG specification says.
fn xdg_dir(var: &str, home_dir: &str) -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os(var).and_then(absolute).or_else(|| {
        std::env::var_os("HOME")
            .and_then(absolute)
            .map(|h| h.join(home_dir))
    })
}

/// `$XDG_CONFIG_HOME/breach/config.toml`, or `~/.config/breach/config.toml`.
fn user_config_path() -> Option<PathBuf> {
    Some(
        xdg_dir("XDG_CONFIG_HOME", ".config")?
            .join("breach")
            .join("config.toml"),
    )
}

/// Where the derived state caches of team incidents are kept: `$XDG_CACHE_HOME/breach/team`,
/// or `~/.cache/breach/team` (docs/incident-file-format.md, section 12.12). `None` (no
/// cache, every append reads every journal) when neither gives an absolute directory.
pub fn team_state_cache_dir() -> Option<PathBuf> {
    Some(
        xdg_dir("XDG_CACHE_HOME", ".cache")?
            .join("breach")
            .join("team"),
    )
}

/// The directories the upward searches do not go above.
fn ceilings() -> Vec<PathBuf> {
    std::env::var_os(CEILING_ENV)
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| p.is_absolute())
                .map(|p| p.canonicalize().unwrap_or(p))
                .collect()
        })
        .unwrap_or_default()
}

/// The first `probe` hit in `start` or one of its parents, stopping after a ceiling.
fn find_upward(
    start: &Path,
    ceilings: &[PathBuf],
    probe: impl Fn(&Path) -> Option<PathBuf>,
) -> Option<PathBuf> {
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    for dir in start.ancestors() {
        if let Some(hit) = probe(dir) {
            return Some(hit);
        }
        if ceilings.iter().any(|c| c == dir) {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upward_search_finds_the_nearest_and_stops_at_a_ceiling() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let deep = root.join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(root.join("a/incidents")).unwrap();
        let probe = |d: &Path| {
            let i = d.join("incidents");
            i.is_dir().then_some(i)
        };
        assert_eq!(
            find_upward(&deep, &[], probe),
            Some(root.join("a/incidents"))
        );
        assert_eq!(find_upward(&deep, &[root.join("a/b")], probe), None);
        assert_eq!(
            find_upward(&deep, &[root.join("a")], probe),
            Some(root.join("a/incidents"))
        );
    }

    #[test]
    fn a_configuration_file_allows_only_its_keys() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("c.toml");
        std::fs::write(
            &f,
            "dir = \"x\"\noperator = \"alice\"\nrunbook = \"woocommerce\"\nsigning_key = \"~/.ssh/id_ed25519.pub\"\nssh_program = \"/usr/bin/ssh-keygen\"\nallowed_signers = \"team/allowed_signers\"\n",
        )
        .unwrap();
        let c = read_config(&f).unwrap();
        assert_eq!(c.signing_key, Some(PathBuf::from("~/.ssh/id_ed25519.pub")));
        assert_eq!(c.ssh_program, Some(PathBuf::from("/usr/bin/ssh-keygen")));
        assert_eq!(
            c.allowed_signers,
            Some(PathBuf::from("team/allowed_signers"))
        );
        assert_eq!(c.dir, Some(PathBuf::from("x")));
        assert_eq!(c.operator.as_deref(), Some("alice"));
        assert_eq!(c.runbook.as_deref(), Some("woocommerce"));
        std::fs::write(&f, "directory = \"x\"\n").unwrap();
        let e = read_config(&f).unwrap_err().to_string();
        assert!(e.contains("not a valid configuration file"), "{e}");
        assert!(e.contains("directory"), "{e}");
    }
}

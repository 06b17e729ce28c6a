//! `breach sync` for a team incident kept in a git repository: commit this device's new
//! records, pull and push with the user's own `git` (its remotes, credentials and
//! configuration), and count what came in per journal. Each journal has one writer, so the
//! merge never conflicts inside a journal (docs/team.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{BreachError, Topic, about, invalid};

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Synced {
    /// Whether this device had records to commit.
    pub committed: bool,
    /// New records per journal (writer id), for every journal that grew.
    pub received: BTreeMap<String, usize>,
}

fn git(top: &Path, args: &[&str]) -> anyhow::Result<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(top)
        .args(args)
        .output()
        .map_err(|e| {
            invalid(format!(
                "cannot run `git` ({e}); breach sync uses the git command"
            ))
        })
}

/// git's `gpg.ssh.allowedSignersFile` as git sees it from `dir` (its repository's and the
/// user's configuration), if git is installed and it is set. A relative path is taken
/// relative to the top of the work tree, or to `dir` outside one.
pub fn allowed_signers_file(dir: &Path) -> Option<PathBuf> {
    let out = git(
        dir,
        &[
            "config",
            "--type=path",
            "--get",
            "gpg.ssh.allowedSignersFile",
        ],
    )
    .ok()
    .filter(|o| o.status.success())?;
    let value = String::from_utf8(out.stdout).ok()?.trim().to_string();
    if value.is_empty() {
        return None;
    }
    let path = PathBuf::from(value);
    if path.is_absolute() {
        return Some(path);
    }
    let top = git(dir, &["rev-parse", "--show-toplevel"])
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|t| PathBuf::from(t.trim()))
        .unwrap_or_else(|| dir.to_path_buf());
    Some(top.join(path))
}

fn run(top: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = git(top, args)?;
    if !out.status.success() {
        return Err(anyhow::anyhow!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

fn counts(dir: &Path) -> anyhow::Result<BTreeMap<String, usize>> {
    Ok(super::team::read_all(dir, None)?
        .into_iter()
        .map(|j| (j.writer, j.entries.len()))
        .collect())
}

/// The top of the git work tree holding `dir`.
fn top_level(dir: &Path) -> anyhow::Result<PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !out.status.success() {
        return Err(about(
            Topic::NotInGitRepository,
            BreachError::InvalidInput(format!("{} is not in a git repository", dir.display())),
        ));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Refuses, before anything is committed, a repository whose current branch has no
/// upstream to pull from and push to, saying what to set up.
fn require_upstream(top: &Path) -> anyhow::Result<()> {
    let upstream = git(
        top,
        &[
            "rev-parse",
            "--abbrev-ref",
            "--symbolic-full-name",
            "@{upstream}",
        ],
    )?;
    if upstream.status.success() {
        return Ok(());
    }
    let text = |args: &[&str]| -> anyhow::Result<String> {
        Ok(String::from_utf8_lossy(&git(top, args)?.stdout)
            .trim()
            .to_string())
    };
    let branch = text(&["branch", "--show-current"])?;
    let remotes = text(&["remote"])?;
    let why = if branch.is_empty() {
        "no branch is checked out (a detached HEAD); check out the team's branch".to_string()
    } else if remotes.is_empty() {
        format!(
            "the repository has no remote to exchange records with; add the team's once with \
             `git remote add origin URL` and `git push -u origin {branch}`"
        )
    } else {
        let remote = remotes.lines().next().unwrap_or("origin");
        format!(
            "the branch `{branch}` has no upstream to pull from and push to; set it once with \
             `git push -u {remote} {branch}`"
        )
    };
    Err(invalid(format!(
        "{}: {why} (docs/team.md shows the setups); nothing was committed",
        top.display()
    )))
}

/// Commits the incident directory's changes as `writer`'s records, pulls (merging) and
/// pushes. A repository without an upstream branch is refused before anything is
/// committed.
pub fn sync(dir: &Path, writer: &str) -> anyhow::Result<Synced> {
    let dir = dir.canonicalize()?;
    let top = top_level(&dir)?;
    require_upstream(&top)?;
    let rel = dir
        .strip_prefix(&top)
        .unwrap_or(&dir)
        .to_string_lossy()
        .into_owned();
    let before = counts(&dir)?;
    run(&top, &["add", "--", &rel])?;
    let staged = git(&top, &["diff", "--cached", "--quiet", "--", &rel])?;
    let committed = !staged.status.success();
    if committed {
        run(
            &top,
            &[
                "commit",
                "--quiet",
                "-m",
                &format!("breach: records from {writer}"),
                "--",
                &rel,
            ],
        )?;
    }
    run(&top, &["pull", "--quiet", "--no-rebase", "--no-edit"])?;
    run(&top, &["push", "--quiet"])?;
    let after = counts(&dir)?;
    let received = after
        .into_iter()
        .filter_map(|(w, n)| {
            let new = n.saturating_sub(before.get(&w).copied().unwrap_or(0));
            (new > 0).then_some((w, new))
        })
        .collect();
    Ok(Synced {
        committed,
        received,
    })
}

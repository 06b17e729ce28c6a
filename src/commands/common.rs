//! What several commands share: finding the incident, the operator, the clock, appending
//! (through the ledger), and parsing time arguments.

use std::path::{Path, PathBuf};

use super::Ctx;
use crate::error::invalid;
use crate::incident::Incident;
use crate::journal::file::Scan;
use crate::journal::{Payload, Record, store};
use crate::ledger;

impl Ctx<'_> {
    /// The incident directory.
    pub fn dir(&self) -> &Path {
        &self.settings.dir
    }

    /// Who is recording.
    pub fn operator(&self) -> anyhow::Result<String> {
        store::operator(self.settings.operator.as_deref())
    }

    /// The incident a write goes to: the one named by `-i` or a positional argument (they
    /// must agree), or else the one open incident. With several open, the operator picks one
    /// on a terminal; elsewhere the write is refused with the list, so that a record never
    /// lands in an incident nobody chose.
    pub fn incident_path(&self, positional: Option<&str>) -> anyhow::Result<PathBuf> {
        let path = self.write_path(positional)?;
        self.warn_if_unsigned(&path);
        Ok(path)
    }

    fn write_path(&self, positional: Option<&str>) -> anyhow::Result<PathBuf> {
        // No incident, or every one closed: the store says which.
        self.open_or(positional, |ctx| store::resolve(ctx.dir(), None))
    }

    /// The incident of a command that may act on a closed incident too (`seal`, `sync`):
    /// the one named, else the one open incident, else (none is open) the most recently
    /// started one; with several open, the operator picks one as for a write.
    pub fn open_or_latest_path(&self, positional: Option<&str>) -> anyhow::Result<PathBuf> {
        let path = self.open_or(positional, |ctx| ctx.read_path(None))?;
        self.warn_if_unsigned(&path);
        Ok(path)
    }

    /// The incident named, else the one open incident, else `none_open`; with several
    /// open, [`Ctx::choose_open`].
    fn open_or(
        &self,
        positional: Option<&str>,
        none_open: impl FnOnce(&Self) -> anyhow::Result<PathBuf>,
    ) -> anyhow::Result<PathBuf> {
        if let Some(path) = self.named_incident(positional)? {
            return Ok(path);
        }
        let mut open: Vec<PathBuf> = store::incident_files(self.dir())?
            .into_iter()
            .filter(|p| !store::is_closed_quick(p))
            .collect();
        match open.len() {
            0 => none_open(self),
            1 => Ok(open.remove(0)),
            _ => self.choose_open(open),
        }
    }

    /// With a signing key configured, says that a format 1 file cannot hold signatures:
    /// what is recorded in it is not signed (docs/incident-file-format.md, 12.3a).
    pub fn warn_if_unsigned(&self, path: &std::path::Path) {
        if self.settings.signer.is_some() && !crate::ledger::team::is_team(path) {
            self.out.warn(&format!(
                "a signing key is configured, but {} is a format 1 incident file, which cannot hold signatures: what is recorded in it is not signed (`breach upgrade` converts it to a team incident, whose records are signed)",
                crate::output::safe(&path.display().to_string())
            ));
        }
    }

    /// The incident a read looks at: the one named, or else the most recently started one,
    /// closed or not.
    pub fn read_path(&self, positional: Option<&str>) -> anyhow::Result<PathBuf> {
        if let Some(path) = self.named_incident(positional)? {
            return Ok(path);
        }
        match store::incident_files(self.dir())?.into_iter().next() {
            Some(latest) => Ok(latest),
            None => store::resolve(self.dir(), None),
        }
    }

    /// Several incidents are open and none was named: ask on a terminal, refuse elsewhere.
    fn choose_open(&self, open: Vec<PathBuf>) -> anyhow::Result<PathBuf> {
        let ids: Vec<String> = open
            .iter()
            .map(|p| {
                p.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            let labels: Vec<String> = ids
                .iter()
                .map(|id| crate::output::safe(id).into_owned())
                .collect();
            let picked = dialoguer::Select::new()
                .with_prompt(format!(
                    "{} incidents are open; which one is this for?",
                    ids.len()
                ))
                .items(&labels)
                .default(0)
                .interact_on_opt(&console::Term::stderr())
                .map_err(|e| anyhow::anyhow!("terminal error: {e}"))?;
            return match picked {
                Some(i) => Ok(open[i].clone()),
                None => Err(crate::error::BreachError::Interrupted.into()),
            };
        }
        Err(crate::error::not_found(format!(
            "{} incidents are open and none was named: {}\nhint: name one with `-i ID` (a unique prefix is enough)",
            ids.len(),
            ids.join(", ")
        )))
    }

    /// The incident named by `-i` and/or a positional argument (they must agree), if any.
    fn named_incident(&self, positional: Option<&str>) -> anyhow::Result<Option<PathBuf>> {
        let spec = match (self.global.incident.as_deref(), positional) {
            (Some(a), Some(b)) if a != b => {
                // Two spellings of one incident (an id and its prefix, say) are fine.
                let (pa, pb) = (
                    store::resolve(self.dir(), Some(a))?,
                    store::resolve(self.dir(), Some(b))?,
                );
                let same = match (pa.canonicalize(), pb.canonicalize()) {
                    (Ok(x), Ok(y)) => x == y,
                    _ => pa == pb,
                };
                if !same {
                    return Err(invalid(format!(
                        "two different incidents given: `-i {a}` and `{b}`; give one"
                    )));
                }
                return Ok(Some(pa));
            }
            (a, b) => a.or(b),
        };
        spec.map(|s| store::resolve(self.dir(), Some(s)))
            .transpose()
    }

    /// Reads, verifies and folds the incident a read looks at ([`Ctx::read_path`]).
    pub fn load(&self, positional: Option<&str>) -> anyhow::Result<(Scan, Incident)> {
        ledger::load(&self.read_path(positional)?)
    }

    /// Appends one record to the incident (which must be inside the incident directory).
    pub fn record(
        &self,
        positional: Option<&str>,
        build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
    ) -> anyhow::Result<(PathBuf, Record, Incident)> {
        self.record_at(positional, None, build)
    }

    /// [`Ctx::record`] with an event time (`--at`).
    pub fn record_at(
        &self,
        positional: Option<&str>,
        at: Option<&str>,
        build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
    ) -> anyhow::Result<(PathBuf, Record, Incident)> {
        let path = self.incident_path(positional)?;
        store::require_inside(self.dir(), &path)?;
        let operator = self.operator()?;
        let now = crate::clock::now()?;
        let at = parse_time_arg("--at", at)?;
        let (record, incident) = ledger::append_at(&path, &operator, now, at, build)?;
        Ok((path, record, incident))
    }

    /// [`Ctx::record`], overriding the plausibility checks when `override_checks` is set
    /// (`--override-check`; see `ledger::append_overriding`).
    pub fn record_overriding(
        &self,
        positional: Option<&str>,
        override_checks: bool,
        build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
    ) -> anyhow::Result<(PathBuf, Record, Incident)> {
        if !override_checks {
            return self.record(positional, build);
        }
        let path = self.incident_path(positional)?;
        store::require_inside(self.dir(), &path)?;
        let operator = self.operator()?;
        let now = crate::clock::now()?;
        let (record, incident) = ledger::append_overriding(&path, &operator, now, build)?;
        Ok((path, record, incident))
    }

    /// [`Ctx::record_at`] or [`Ctx::record_overriding`]: an event time and an override of the
    /// plausibility checks are not recorded together yet.
    pub fn record_checked(
        &self,
        positional: Option<&str>,
        at: Option<&str>,
        override_checks: bool,
        build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
    ) -> anyhow::Result<(PathBuf, Record, Incident)> {
        match (at, override_checks) {
            (Some(_), true) => Err(invalid(
                "--at and --override-check cannot be given together; record the answer first, \
                 then its event time in a note",
            )),
            (Some(_), false) => self.record_at(positional, at, build),
            (None, _) => self.record_overriding(positional, override_checks, build),
        }
    }

    /// Appends a record that needs only the pinned runbook to validate (a note, evidence,
    /// a notice) without re-reading the whole incident; see `ledger::append_quick_with`.
    pub fn record_quick(&self, payload: Payload) -> anyhow::Result<(PathBuf, Record)> {
        self.record_quick_with(|_| Ok(payload))
    }

    /// [`Ctx::record_quick`] with an event time (`--at`).
    pub fn record_quick_at(
        &self,
        at: Option<&str>,
        payload: Payload,
    ) -> anyhow::Result<(PathBuf, Record)> {
        let Some(at) = parse_time_arg("--at", at)? else {
            return self.record_quick(payload);
        };
        let path = self.incident_path(None)?;
        store::require_inside(self.dir(), &path)?;
        let operator = self.operator()?;
        let now = crate::clock::now()?;
        let (record, _) = ledger::append_at(&path, &operator, now, Some(at), |_| Ok(payload))?;
        Ok((path, record))
    }

    /// [`Ctx::record_quick`] with the payload built from the pinned runbook.
    pub fn record_quick_with(
        &self,
        build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
    ) -> anyhow::Result<(PathBuf, Record)> {
        let path = self.incident_path(None)?;
        store::require_inside(self.dir(), &path)?;
        let operator = self.operator()?;
        let now = crate::clock::now()?;
        let record = ledger::append_quick_with(&path, &operator, now, build)?;
        Ok((path, record))
    }

    /// Appends a batch of records (with an event time `--at`, if given) under one lock, in
    /// one write and one fsync; see `ledger::append_batch`.
    pub fn record_batch(
        &self,
        at: Option<&str>,
        payloads: Vec<Payload>,
    ) -> anyhow::Result<(PathBuf, Vec<Record>)> {
        let at = parse_time_arg("--at", at)?;
        let path = self.incident_path(None)?;
        store::require_inside(self.dir(), &path)?;
        let operator = self.operator()?;
        let now = crate::clock::now()?;
        let records = ledger::append_batch(&path, &operator, now, at, payloads)?;
        Ok((path, records))
    }

    /// What the walk needs: the directory, the operator and the output.
    pub fn session(&self) -> anyhow::Result<crate::walk::Session<'_>> {
        Ok(crate::walk::Session {
            dir: self.dir(),
            operator: self.operator()?,
            out: self.out,
            color: self.global.color,
        })
    }

    /// Prints the standard confirmation of a recorded record, naming the incident it went
    /// to: `recorded #5 in 20261120T…-skimmer: note added`.
    pub fn recorded(&self, path: &Path, record: &Record, what: &str) -> anyhow::Result<()> {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        self.out.print(&format!(
            "recorded #{} in {}: {}",
            record.seq,
            crate::output::safe(&id),
            crate::output::safe(what)
        ))?;
        Ok(())
    }
}

/// Parses an optional time argument.
pub fn parse_time_arg(
    flag: &str,
    value: Option<&str>,
) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
    value
        .map(|v| crate::types::parse_time(v).map_err(|e| invalid(format!("{flag} {v:?}: {e}"))))
        .transpose()
}

/// Work smaller than this many bytes shows no progress bar: it is over before a bar helps.
pub const PROGRESS_MIN_BYTES: u64 = 16 * 1024 * 1024;

/// A progress bar on standard error for `total` bytes of long work (hashing, copying), or
/// `None` when none is shown: when stderr is not a terminal, `TERM` is `dumb`, `CI` is set
/// (a CI log that records a terminal would keep every redraw), or the work is smaller than
/// [`PROGRESS_MIN_BYTES`]. Colour settings (`NO_COLOR`, `--color`) do not matter: the bar
/// has no colour. `--json` does not either: the bar never touches stdout.
pub fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if total < PROGRESS_MIN_BYTES
        || !std::io::stderr().is_terminal()
        || set("CI")
        || std::env::var_os("TERM").is_some_and(|t| t == "dumb")
    {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

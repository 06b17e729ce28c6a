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
        &self.global.dir
    }

    /// Who is recording.
    pub fn operator(&self) -> anyhow::Result<String> {
        store::operator(self.global.operator.as_deref())
    }

    /// The incident named by `-i` or a positional argument (they must agree), or the
    /// latest open one.
    pub fn incident_path(&self, positional: Option<&str>) -> anyhow::Result<PathBuf> {
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
                return Ok(pa);
            }
            (a, b) => a.or(b),
        };
        store::resolve(self.dir(), spec)
    }

    /// Reads, verifies and folds the incident.
    pub fn load(&self, positional: Option<&str>) -> anyhow::Result<(Scan, Incident)> {
        ledger::load(&self.incident_path(positional)?)
    }

    /// Appends one record to the incident (which must be inside the incident directory).
    pub fn record(
        &self,
        positional: Option<&str>,
        build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
    ) -> anyhow::Result<(PathBuf, Record, Incident)> {
        let path = self.incident_path(positional)?;
        store::require_inside(self.dir(), &path)?;
        let operator = self.operator()?;
        let now = crate::clock::now()?;
        let (record, incident) = ledger::append(&path, &operator, now, build)?;
        Ok((path, record, incident))
    }

    /// Appends a record that needs only the pinned runbook to validate (a note, evidence,
    /// a notice) without re-reading the whole incident; see `ledger::append_quick_with`.
    pub fn record_quick(&self, payload: Payload) -> anyhow::Result<(PathBuf, Record)> {
        self.record_quick_with(|_| Ok(payload))
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

    /// What the walk needs: the directory, the operator and the output.
    pub fn session(&self) -> anyhow::Result<crate::walk::Session<'_>> {
        Ok(crate::walk::Session {
            dir: self.dir(),
            operator: self.operator()?,
            out: self.out,
            color: self.global.color,
        })
    }

    /// Prints the standard confirmation of a recorded record.
    pub fn recorded(&self, record: &Record, what: &str) -> anyhow::Result<()> {
        self.out.print(&format!(
            "recorded #{}: {}",
            record.seq,
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

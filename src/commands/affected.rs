//! `breach affected import FILE`: who is affected, counted from the store's own export.
//!
//! The reading and counting is in [`crate::affected`]; this file resolves the arguments (the
//! breach window from the answers when not given), shows progress, registers the export as
//! evidence, writes the recipient list (0600, in the incident's evidence folder), records one
//! `affected` record (docs/incident-file-format.md) and renders the result. Personal data
//! (e-mail addresses, names) goes only to the recipient list, and to the terminal with
//! `--show`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Ctx;
use super::common::parse_time_arg;
use crate::affected::{self, EncodingChoice, Format, Mapping, Options, Outcome, Role};
use crate::cli::{AffectedCommand, AffectedImportArgs, StoreExportEncoding, StoreExportFormat};
use crate::error::{ExitStatus, conflict, invalid, not_found};
use crate::evidence;
use crate::incident::Incident;
use crate::journal::Payload;
use crate::journal::record::AffectedImport;
use crate::runbook::AffectedFact;
use crate::runbook::condition::Answers;

pub fn run(cmd: &AffectedCommand, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    match cmd {
        AffectedCommand::Import(args) => import(args, ctx),
    }
}

/// The largest mapping file read.
const MAX_MAP_BYTES: u64 = 64 * 1024;

/// The columns given with `--map` and `--column` (a `--column` wins over the file).
fn mapping(args: &AffectedImportArgs) -> anyhow::Result<Option<Mapping>> {
    let mut m = Mapping::default();
    if let Some(path) = &args.map {
        let meta =
            std::fs::metadata(path).map_err(|e| not_found(format!("{}: {e}", path.display())))?;
        if meta.len() > MAX_MAP_BYTES {
            return Err(invalid(format!(
                "{}: a mapping file is at most {MAX_MAP_BYTES} bytes",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
        crate::yaml_guard::check(&text).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
        let map: BTreeMap<String, String> = serde_yaml::from_str(&text).map_err(|e| {
            invalid(format!(
                "{}: a mapping file has one `ROLE: COLUMN` a line: {e}",
                path.display()
            ))
        })?;
        for (role, column) in map {
            m.0.insert(role_of(&role)?, column);
        }
    }
    for c in &args.columns {
        let (role, column) = c.split_once('=').ok_or_else(|| {
            invalid(format!(
                "--column {c:?}: expected ROLE=COLUMN, e.g. email=E-Mail"
            ))
        })?;
        m.0.insert(role_of(role)?, column.trim().to_string());
    }
    Ok((!m.0.is_empty()).then_some(m))
}

fn role_of(s: &str) -> anyhow::Result<Role> {
    Role::parse(s).ok_or_else(|| {
        invalid(format!(
            "unknown column role {s:?}; the roles are: {}",
            Role::ALL.map(Role::as_str).join(", ")
        ))
    })
}

/// Where the breach window came from.
#[derive(Debug, Clone, Serialize)]
struct Window {
    #[serde(with = "crate::journal::record::utc_opt")]
    from: Option<DateTime<Utc>>,
    #[serde(with = "crate::journal::record::utc_opt")]
    to: Option<DateTime<Utc>>,
    /// `options` (the command line), `answers` (with the questions' paths) or `none`.
    source: String,
}

/// The window from `--from`/`--to`, else from the live answers of the questions marked
/// `affected: window_start` / `window_end`.
fn window(args: &AffectedImportArgs, incident: &Incident) -> anyhow::Result<Window> {
    let from = parse_time_arg("--from", args.from.as_deref())?;
    let to = parse_time_arg("--to", args.to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(invalid("--from is after --to"));
    }
    if from.is_some() || to.is_some() {
        return Ok(Window {
            from,
            to,
            source: "options".into(),
        });
    }
    let mut found = (None, None);
    let mut paths = Vec::new();
    for spec in &incident.runbook.steps {
        for q in &spec.questions {
            let slot = match q.affected {
                Some(AffectedFact::WindowStart) => &mut found.0,
                Some(AffectedFact::WindowEnd) => &mut found.1,
                _ => continue,
            };
            let path = format!("{}/{}", spec.id, q.id);
            if let Some(crate::types::AnswerValue::Text(t)) = incident.answer(&path)
                && let Ok(at) = DateTime::parse_from_rfc3339(t)
            {
                *slot = Some(at.with_timezone(&Utc));
                paths.push(path);
            }
        }
    }
    let source = if paths.is_empty() {
        "none".to_string()
    } else {
        format!("answers {}", paths.join(", "))
    };
    Ok(Window {
        from: found.0,
        to: found.1,
        source,
    })
}

/// The data kinds for the recipient list: the incident's `data_categories` fact.
fn data_categories(incident: &Incident) -> anyhow::Result<String> {
    let now = crate::clock::now()?;
    Ok(crate::incident::facts::compute(incident, now)
        .get("data_categories")
        .unwrap_or("")
        .to_string())
}

/// Writes the recipient list (mail-merge CSV) as a new 0600 file in the evidence folder.
fn write_recipients(
    outcome: &Outcome,
    data: &str,
    incident_dir: &Path,
    incident: &Incident,
    seq: u64,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let dir = evidence::evidence_dir(incident_dir, &incident.id)?;
    let name = format!("affected-{seq}-recipients.csv");
    let path = dir.join(&name);
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    let file = open.open(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            conflict(format!(
                "{} already exists; it is never overwritten",
                path.display()
            ))
        } else {
            anyhow::Error::new(e).context(format!("cannot create {}", path.display()))
        }
    })?;
    let written = (|| -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        w.write_record([
            "email",
            "name",
            "jurisdiction",
            "country",
            "subdivision",
            "orders",
            "data",
        ])?;
        for p in &outcome.people {
            let (code, country, sub) = match &p.place {
                Some(pl) => (
                    pl.code().to_string(),
                    pl.country.to_string(),
                    pl.subdivision.unwrap_or_default().to_string(),
                ),
                None => Default::default(),
            };
            w.write_record([
                p.email.as_str(),
                p.name.as_str(),
                &code,
                &country,
                &sub,
                &p.orders.to_string(),
                data,
            ])?;
        }
        let mut inner = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        inner.flush()?;
        inner.get_ref().sync_all()?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(e.context(format!("cannot write {}", path.display())));
    }
    let relative = PathBuf::from(format!("{}.evidence", incident.id)).join(name);
    Ok((path, relative))
}

/// What `--json` prints.
#[derive(Serialize)]
struct Report<'a> {
    file: String,
    sha256: &'a str,
    format: Format,
    format_description: &'static str,
    encoding: affected::Encoding,
    window: &'a Window,
    window_applied: bool,
    card_only: bool,
    payment_methods_kept: &'a [String],
    rows_read: u64,
    rows_kept: u64,
    dropped: &'a BTreeMap<affected::Dropped, u64>,
    methods: &'a BTreeMap<String, affected::Method>,
    total: u64,
    unplaced: u64,
    countries: &'a BTreeMap<String, u64>,
    subdivisions: &'a BTreeMap<String, u64>,
    places: Vec<String>,
    issue_count: u64,
    issues: &'a [affected::Issue],
    recipients: String,
    evidence_record: u64,
    affected_record: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    people: Option<&'a [affected::Person]>,
}

fn import(args: &AffectedImportArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let path = ctx.incident_path(None)?;
    crate::journal::store::require_inside(ctx.dir(), &path)?;
    let (_, incident) = crate::ledger::load(&path)?;
    if incident.is_closed() {
        return Err(conflict(format!(
            "incident {} is closed; nothing more can be recorded",
            incident.id
        )));
    }
    let window = window(args, &incident)?;
    let opts = Options {
        format: match args.format {
            StoreExportFormat::Auto => None,
            StoreExportFormat::WoocommerceOrders => Some(Format::WoocommerceOrders),
            StoreExportFormat::ShopifyOrders => Some(Format::ShopifyOrders),
            StoreExportFormat::WoocommerceCustomers => Some(Format::WoocommerceCustomers),
            StoreExportFormat::Mapped => Some(Format::Mapped),
        },
        mapping: mapping(args)?,
        encoding: match args.encoding {
            StoreExportEncoding::Auto => EncodingChoice::Auto,
            StoreExportEncoding::Utf8 => EncodingChoice::Utf8,
            StoreExportEncoding::Latin1 => EncodingChoice::Latin1,
        },
        from: window.from,
        to: window.to,
        window_given: window.source == "options",
        card_only: args.card_only,
        payment_methods: args.payment_methods.clone(),
    };

    // The export is registered as evidence: hashed as it is read (once), and refused if it
    // changed meanwhile, so the counts are of the bytes recorded.
    let (streamed, reader) = evidence::stream(&args.file)?;
    let size = streamed.size();
    let bar = progress_bar(size);
    let outcome = affected::import(reader, &opts, &mut |n| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let outcome = outcome.map_err(|e| match e {
        affected::ImportError::Io(io) => {
            anyhow::Error::new(io).context(format!("cannot read {}", args.file.display()))
        }
        fatal @ affected::ImportError::Fatal { .. } => {
            anyhow::anyhow!("cannot read {}: {fatal}", args.file.display())
        }
        other => invalid(format!("{}: {other}", args.file.display())),
    })?;
    let entry = streamed.finish(Some("store export read by breach affected import"))?;
    let source = PathBuf::from(&entry.path);

    let data = data_categories(&incident)?;
    let now = crate::clock::now()?;
    let operator = ctx.operator()?;
    // Locked from here to the records: the list is named after the record it belongs to.
    let mut writer = crate::ledger::Writer::open(&path)?;
    let seq = writer.incident().record_count + 1;
    let incident_dir = evidence::incident_dir(&path);
    let (list_path, list_relative) =
        write_recipients(&outcome, &data, &incident_dir, writer.incident(), seq)?;
    let list_path = std::path::absolute(&list_path).unwrap_or(list_path);

    let record = AffectedImport {
        source: source.display().to_string(),
        sha256: entry.sha256.clone(),
        size,
        format: outcome.format.as_str().to_string(),
        encoding: serde_json::to_value(outcome.encoding)?
            .as_str()
            .unwrap_or_default()
            .to_string(),
        window_from: outcome.window_applied.then_some(window.from).flatten(),
        window_to: outcome.window_applied.then_some(window.to).flatten(),
        card_only: args.card_only,
        payment_methods: args.payment_methods.clone(),
        rows_read: outcome.rows_read,
        rows_kept: outcome.rows_kept,
        dropped: outcome
            .dropped
            .iter()
            .map(|(k, v)| {
                (
                    serde_json::to_value(k)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    *v,
                )
            })
            .collect(),
        total: outcome.total(),
        unplaced: outcome.unplaced,
        countries: outcome.countries.clone(),
        subdivisions: outcome.subdivisions.clone(),
        places: outcome.places(),
        recipients: Some(list_relative.display().to_string()),
    };
    let written = (|| -> anyhow::Result<_> {
        let ev = writer.append(&operator, now, Payload::Evidence(entry.clone()), true)?;
        let af = writer.append(&operator, now, Payload::Affected(Box::new(record)), true)?;
        Ok((ev, af))
    })();
    let (ev, af) = match written {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&list_path);
            return Err(e);
        }
    };

    if args.json {
        ctx.out.print_json(&Report {
            file: source.display().to_string(),
            sha256: &entry.sha256,
            format: outcome.format,
            format_description: outcome.format.describe(),
            encoding: outcome.encoding,
            window: &window,
            window_applied: outcome.window_applied,
            card_only: args.card_only,
            payment_methods_kept: &args.payment_methods,
            rows_read: outcome.rows_read,
            rows_kept: outcome.rows_kept,
            dropped: &outcome.dropped,
            methods: &outcome.methods,
            total: outcome.total(),
            unplaced: outcome.unplaced,
            countries: &outcome.countries,
            subdivisions: &outcome.subdivisions,
            places: outcome.places(),
            issue_count: outcome.issue_count,
            issues: &outcome.issues,
            recipients: list_path.display().to_string(),
            evidence_record: ev.seq,
            affected_record: af.seq,
            people: args.show.then_some(outcome.people.as_slice()),
        })?;
        return Ok(ExitStatus::Ok);
    }
    render(&outcome, &window, args, &source, &list_path, ctx)?;
    ctx.recorded(
        &path,
        &ev,
        &format!(
            "evidence {} sha256 {} ({} bytes)",
            entry.path,
            &entry.sha256[..12],
            size
        ),
    )?;
    ctx.recorded(
        &path,
        &af,
        &format!(
            "affected: {} people in {} places ({} not placed); the runbook's questions of how many and where are answered from it",
            outcome.total(),
            outcome.places().len(),
            outcome.unplaced
        ),
    )?;
    if args.show {
        ctx.out.print("")?;
        ctx.out.print(&std::fs::read_to_string(&list_path)?)?;
    }
    Ok(ExitStatus::Ok)
}

/// A progress bar on standard error when it is a terminal.
fn progress_bar(size: u64) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "reading {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

fn render(
    o: &Outcome,
    window: &Window,
    args: &AffectedImportArgs,
    source: &Path,
    list: &Path,
    ctx: &Ctx,
) -> anyhow::Result<()> {
    let out = ctx.out;
    let utc = |t: Option<DateTime<Utc>>| t.map_or("(open)".to_string(), crate::types::format_utc);
    out.print(&format!(
        "read {} as {} ({}), {}",
        source.display(),
        o.format,
        o.format.describe(),
        o.encoding.as_str()
    ))?;
    if o.window_applied {
        let from = if window.source == "options" {
            "--from/--to".to_string()
        } else {
            window.source.clone()
        };
        out.print(&format!(
            "breach window: {} to {} (from {from})",
            utc(window.from),
            utc(window.to)
        ))?;
    } else if o.format == Format::WoocommerceCustomers {
        out.print("breach window: not applied (a customer list has no order dates; every customer counts)")?;
    } else {
        out.print("breach window: none known (every order counts); give --from/--to or answer when the access started and ended")?;
    }
    let dropped: u64 = o.dropped.values().sum();
    out.print(&format!(
        "rows: {} read, {} kept, {} not counted",
        o.rows_read, o.rows_kept, dropped
    ))?;
    for (why, n) in &o.dropped {
        out.print(&format!("  {n:>9}  {}", why.describe()))?;
    }
    if !o.methods.is_empty() {
        out.print("payment methods in the window (choose with --card-only or --payment-method):")?;
        let width = o
            .methods
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        for (name, m) in &o.methods {
            let shown = if name.is_empty() { "(none)" } else { name };
            out.print(&format!(
                "  {shown:<width$}  {:>9} orders  {:<8}  {}",
                m.orders,
                if m.card { "card" } else { "not card" },
                if m.kept { "kept" } else { "not kept" }
            ))?;
        }
    }
    out.print(&format!(
        "people affected: {} ({} could not be placed)",
        o.total(),
        o.unplaced
    ))?;
    for (country, n) in &o.countries {
        let subs: Vec<String> = o
            .subdivisions
            .iter()
            .filter(|(s, _)| s.split_once('-').is_some_and(|(c, _)| c == country))
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        if subs.is_empty() {
            out.print(&format!("  {country}  {n}"))?;
        } else {
            out.print(&format!("  {country}  {n}  ({})", subs.join(", ")))?;
        }
    }
    if o.issue_count > 0 {
        out.print(&format!(
            "problems: {}{}",
            o.issue_count,
            if o.issue_count as usize > o.issues.len() {
                format!(" (the first {} shown)", o.issues.len())
            } else {
                String::new()
            }
        ))?;
        for i in &o.issues {
            out.print(&format!("  line {}: {}", i.line, i.problem))?;
        }
    }
    let _ = args;
    out.print(&format!(
        "recipient list: {} ({} people, readable by you only; pass --show to print it)",
        list.display(),
        o.total()
    ))?;
    Ok(())
}

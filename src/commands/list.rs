//! `breach list`: the incidents in the directory, newest first.

use comfy_table::{Table, presets};

use super::Ctx;
use crate::cli::ListArgs;
use crate::error::ExitStatus;
use crate::journal::store;
use crate::output::safe;

#[derive(serde::Serialize)]
struct Row {
    id: String,
    title: Option<String>,
    severity: Option<&'static str>,
    state: &'static str,
    started: Option<String>,
    steps_closed: Option<usize>,
    steps_total: Option<usize>,
    path: std::path::PathBuf,
    problem: Option<String>,
}

pub fn run(args: &ListArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let files = store::incident_files(ctx.dir())?;
    let rows: Vec<Row> = files
        .into_iter()
        .map(|path| {
            let id = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match crate::ledger::load(&path) {
                Ok((_, inc)) => {
                    let (closed, total) = inc.progress();
                    Row {
                        id: inc.id.clone(),
                        title: Some(inc.title.clone()),
                        severity: Some(inc.severity.as_str()),
                        state: if inc.is_closed() { "closed" } else { "open" },
                        started: Some(crate::types::format_utc(inc.opened.at)),
                        steps_closed: Some(closed),
                        steps_total: Some(total),
                        path,
                        problem: None,
                    }
                }
                Err(e) => Row {
                    id,
                    title: None,
                    severity: None,
                    state: "unreadable",
                    started: None,
                    steps_closed: None,
                    steps_total: None,
                    path,
                    problem: Some(e.to_string().lines().next().unwrap_or_default().to_string()),
                },
            }
        })
        .collect();
    if args.json {
        ctx.out.print_json(&rows)?;
        return Ok(ExitStatus::Ok);
    }
    if rows.is_empty() {
        ctx.out.print(&format!(
            "no incidents in {}\nstart one with `breach start`",
            ctx.dir().display()
        ))?;
        return Ok(ExitStatus::Ok);
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(crate::output::list_arrangement())
        .set_width(crate::output::terminal_width())
        .set_header(["id", "title", "severity", "state", "progress"]);
    for r in &rows {
        table.add_row([
            safe(&r.id).into_owned(),
            safe(
                r.title
                    .as_deref()
                    .or(r.problem.as_deref())
                    .unwrap_or_default(),
            )
            .into_owned(),
            r.severity.unwrap_or("-").to_string(),
            r.state.to_string(),
            match (r.steps_closed, r.steps_total) {
                (Some(a), Some(b)) => format!("{a}/{b}"),
                _ => "-".into(),
            },
        ]);
    }
    ctx.out.print(&table.to_string())?;
    Ok(ExitStatus::Ok)
}

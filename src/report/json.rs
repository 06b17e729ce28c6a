//! The report as JSON: the whole report model plus every record, in the versioned shape
//! documented in `docs/report-json.md`.

use serde::Serialize;

use super::model::Report;

/// The version of the JSON report shape. Readers check it: a higher number may have
/// changed or removed fields; fields are only added within a version.
pub const REPORT_FORMAT: u32 = 2;

#[derive(Serialize)]
struct Versioned<'a> {
    report_format: u32,
    #[serde(flatten)]
    report: &'a Report<'a>,
}

/// Writes the report as pretty-printed JSON (with a final newline) without building it in
/// memory first.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *w,
        &Versioned {
            report_format: REPORT_FORMAT,
            report,
        },
    )?;
    w.write_all(b"\n")
}

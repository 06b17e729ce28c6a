//! `breach amend FACT VALUE --reason R`: corrects an intake fact or an answer with one
//! `amended` record; the earlier value stays in the file.

use super::Ctx;
use crate::cli::AmendArgs;
use crate::error::ExitStatus;
use crate::incident::action::parse_amendment;
use crate::journal::Payload;
use crate::journal::record::Amended;

pub fn run(args: &AmendArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (path, record, incident) =
        ctx.record_overriding(None, args.override_check, |incident| {
            Ok(Payload::Amended(Amended {
                fact: args.fact.clone(),
                value: parse_amendment(incident, &args.fact, &args.value)?,
                reason: args.reason.clone(),
                overrode: Vec::new(),
            }))
        })?;
    let Some(correction) = incident.corrections.last() else {
        return Err(anyhow::anyhow!(
            "the correction was recorded but not applied"
        ));
    };
    if args.json {
        ctx.out.print_json(&serde_json::json!({
            "seq": record.seq,
            "fact": correction.fact,
            "old": correction.old,
            "new": correction.new,
            "reason": correction.reason,
            "by": correction.stamp.by,
            "at": crate::types::format_utc(correction.stamp.at),
        }))?;
    } else {
        ctx.recorded(
            &path,
            &record,
            &format!(
                "{} corrected from {} to {}",
                correction.fact,
                correction.old.as_deref().unwrap_or("(none)"),
                correction.new
            ),
        )?;
    }
    Ok(ExitStatus::Ok)
}

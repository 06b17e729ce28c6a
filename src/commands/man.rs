//! `breach man`: prints the manual page (roff).

use clap::CommandFactory;

use super::Ctx;
use crate::cli::Cli;
use crate::error::ExitStatus;

pub fn run(_ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?;
    Ok(ExitStatus::Ok)
}

//! One module per subcommand.

pub mod diff;
pub mod events;
pub mod explain;
pub mod fix;
pub mod flows;
pub mod probe;
pub mod rules;
pub mod scan;
pub mod shell;

use crate::args::{ColorChoice, Reports};
use anyhow::Result;
use portcullis_files::ReadSet;
use portcullis_pipeline::{Destination, Format};
use std::io::IsTerminal;

/// The formats a findings report is written in (`scan`, `probe`, `flows`).
const REPORT_FORMATS: &[Format] = &Format::ALL;

/// The reports a findings command writes: `--format` and `-o` checked
/// together (one on standard output at most, one file each).
pub fn destinations(reports: &Reports, command: &'static str) -> Result<Vec<Destination>> {
    Ok(portcullis_pipeline::destinations(&reports.format, reports.output.as_deref(), command, REPORT_FORMATS)?)
}

/// Refuses a report that would replace a file the run read (an input, the
/// config file, a baseline).
pub fn check_outputs(destinations: &[Destination], read: &ReadSet) -> Result<()> {
    for d in destinations {
        if let Some(path) = &d.path {
            read.check_output(&format!("--format {}", d.format), path)?;
        }
    }
    Ok(())
}

/// Colors on a terminal only, and never with NO_COLOR set (no-color.org).
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

//! `portcullis completions SHELL` and `portcullis man`: the completion
//! script and the manual page, generated from the same clap definition the
//! parser uses, so they never drift from the flags.

use crate::args::Cli;
use anyhow::{bail, Result};
use clap::CommandFactory;

/// Prints the completion script for `shell` (bash, zsh, fish, powershell,
/// elvish).
pub fn completions(shell: clap_complete::Shell) -> Result<u8> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "portcullis", &mut out);
    portcullis_pipeline::write_to(None, |w| w.write_all(&out))?;
    Ok(0)
}

/// Prints the manual page of the command, or of one subcommand
/// (`portcullis-scan(1)`, as the command's page names them), in roff.
pub fn man(subcommand: Option<&str>) -> Result<u8> {
    let command = Cli::command();
    let page = match subcommand {
        None => command,
        Some(name) => {
            let Some(sub) = command.find_subcommand(name) else {
                let names: Vec<&str> = command.get_subcommands().map(|s| s.get_name()).collect();
                bail!("man {name}: no such subcommand (one of {})", names.join(", "));
            };
            let title = format!("portcullis-{name}");
            sub.clone().display_name(title).version(env!("PORTCULLIS_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    portcullis_pipeline::write_to(None, |w| w.write_all(&out))?;
    Ok(0)
}

//! The `portcullis` binary: thin glue from flags to the library crates.
//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 input errors
//! or misuse (DESIGN.md).

mod args;
mod commands;
mod config;
mod inputs;
mod settings;
mod suppressions;

use clap::Parser;

// Reading a large dump allocates millions of small strings and vectors;
// glibc's allocator spent a third of the run in malloc/free (perf, on the
// 50k-group benchmark), mimalloc a fraction of that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Scan(a) => commands::scan::run(a),
        args::Command::Explain(a) => commands::explain::run(a),
        args::Command::Rules(a) => commands::rules::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("portcullis: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

//! The `portcullis` binary: parses flags and the config file into the
//! requests of `portcullis-pipeline`, and calls it.
//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 input errors
//! or misuse (docs/semantics.md, "Exit codes and defaults").

mod args;
mod commands;
mod config;
mod live;
mod progress;
mod settings;
mod suppressions;

use clap::Parser;

// Reading a large dump allocates millions of small strings and vectors;
// glibc's allocator spent a third of the run in malloc/free (perf, on the
// 50k-group benchmark), mimalloc a fraction of that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

/// `mi_option_purge_delay` in mimalloc 3's option enum (include/mimalloc.h;
/// the Rust bindings predate its name).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// `mi_option_destroy_on_exit`, the same enum. Above 1 it skips mimalloc's
/// work at exit (src/init.c, `_mi_auto_process_done`), which otherwise
/// visits every page it holds to free what the process is about to give
/// back whole: 40 ms after the estate benchmark's scan (perf).
const MI_OPTION_DESTROY_ON_EXIT: libmimalloc_sys::mi_option_t = 22;

/// Turns transparent huge pages off for this process. The allocator asks
/// for them (`MADV_HUGEPAGE` on its arenas), and a 2 MiB page must be found
/// whole and zeroed whole: on a machine whose free memory is fragmented by
/// the page cache, or handed back to a virtual machine's host, the kernel
/// compacts memory or waits for the host on every such fault. On the
/// 50,000-group benchmark that was 1.3 to 2.4 s of system time per scan
/// against 0.4 to 0.7 s with small pages, and no more user time without
/// them (bench/runs/2026-12-06-diff-huge-pages.md).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes
    // nothing but this process's page-fault policy; a kernel without it
    // returns an error, which changes nothing either.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    // Keep freed memory instead of handing it back to the kernel 10 ms
    // later: a large scan frees and reallocates hundreds of megabytes
    // (parse trees, batches), and every page handed back was zeroed again
    // by the kernel when reused. That zeroing was a sixth of the 50k-group
    // benchmark's CPU time. The process is short-lived, so the memory is
    // returned at exit anyway.
    // SAFETY: called before any other thread exists (the function is not
    // thread-safe); it only stores an integer option.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        libmimalloc_sys::mi_option_set(MI_OPTION_DESTROY_ON_EXIT, 2);
    }
    no_huge_pages();
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Scan(a) => commands::scan::run(a),
        args::Command::Explain(a) => commands::explain::run(a),
        args::Command::Rules(a) => commands::rules::run(a),
        args::Command::Probe(a) => commands::probe::run(a),
        args::Command::Flows(a) => commands::flows::run(a),
        args::Command::Fix(a) => commands::fix::run(a),
        args::Command::Diff(a) => commands::diff::run(a),
        args::Command::Events(a) => commands::events::run(a),
        args::Command::Completions(a) => commands::shell::completions(a.shell),
        args::Command::Man(a) => commands::shell::man(a.subcommand.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Paths and values from the command line and the config file:
            // control characters escaped, line breaks (toml's excerpts) kept.
            eprintln!("portcullis: error: {}", portcullis_files::display::escape_lines(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

//! Progress bars on standard error for the long steps: the bytes of flow
//! logs (`flows`), the inputs of a `scan` over many files, the targets of
//! a `probe` over many endpoints. The live reads have their own bar
//! (crate::live), counting API calls.
//!
//! A bar is for a person watching: it is drawn only when standard error
//! is a terminal, never with `--quiet`, never when a machine format (JSON,
//! SARIF, JUnit…) goes to standard output (a terminal that shows both
//! would interleave them, and a redirected stderr would capture the bar),
//! and only when there is enough to wait for. [`wanted`] is that decision,
//! on its own so it is tested without a terminal.

use portcullis_pipeline::{Destination, Format, Progress};
use std::io::IsTerminal;
use std::sync::OnceLock;

/// What a bar counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Inputs,
    Targets,
}

impl Unit {
    /// Below this much there is nothing to wait for: a few files read or
    /// endpoints probed finish before a bar is worth drawing.
    fn enough(self) -> u64 {
        match self {
            Unit::Bytes => 64 << 20,
            Unit::Inputs => 200,
            Unit::Targets => 16,
        }
    }

    fn template(self) -> &'static str {
        match self {
            Unit::Bytes => "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
            Unit::Inputs => "reading {bar:40} {pos}/{len} inputs {eta}",
            Unit::Targets => "probing {bar:40} {pos}/{len} targets {eta}",
        }
    }
}

/// Whether a bar is drawn: not `quiet`, no machine format on standard
/// output, standard error a terminal, and at least the unit's worth of
/// work (`total`).
pub fn wanted(quiet: bool, machine_on_stdout: bool, stderr_is_terminal: bool, unit: Unit, total: u64) -> bool {
    !quiet && !machine_on_stdout && stderr_is_terminal && total >= unit.enough()
}

/// Whether a report in a machine format goes to standard output.
pub fn machine_on_stdout(destinations: &[Destination]) -> bool {
    destinations.iter().any(|d| d.path.is_none() && d.format != Format::Text)
}

/// A bar that appears once the total is known, if [`wanted`].
pub struct Bar {
    bar: OnceLock<Option<indicatif::ProgressBar>>,
    unit: Unit,
    quiet: bool,
    machine_on_stdout: bool,
}

impl Bar {
    /// A bar for a command writing `destinations`, with `--quiet` or not.
    pub fn new(unit: Unit, quiet: bool, destinations: &[Destination]) -> Bar {
        Bar { bar: OnceLock::new(), unit, quiet, machine_on_stdout: machine_on_stdout(destinations) }
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.bar.get_or_init(|| {
            let terminal = std::io::stderr().is_terminal();
            wanted(self.quiet, self.machine_on_stdout, terminal, self.unit, total).then(|| {
                let bar =
                    indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
                if let Ok(style) = indicatif::ProgressStyle::with_template(self.unit.template()) {
                    bar.set_style(style);
                }
                // Drawn at once: the first input or target may take a while.
                bar.tick();
                bar
            })
        });
    }

    fn advance(&self, units: u64) {
        if let Some(Some(b)) = self.bar.get() {
            b.inc(units);
        }
    }

    fn finish(&self) {
        if let Some(Some(b)) = self.bar.get() {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_only_for_a_person_watching_enough_work() {
        // Everything in favour: drawn.
        assert!(wanted(false, false, true, Unit::Inputs, 200));
        assert!(wanted(false, false, true, Unit::Targets, 16));
        assert!(wanted(false, false, true, Unit::Bytes, 64 << 20));
        // Each reason alone stops it.
        assert!(!wanted(true, false, true, Unit::Inputs, 10_000), "--quiet");
        assert!(!wanted(false, true, true, Unit::Inputs, 10_000), "JSON or SARIF on standard output");
        assert!(!wanted(false, false, false, Unit::Inputs, 10_000), "standard error not a terminal");
        assert!(!wanted(false, false, true, Unit::Inputs, 199), "too little to wait for");
        assert!(!wanted(false, false, true, Unit::Targets, 15));
        assert!(!wanted(false, false, true, Unit::Bytes, (64 << 20) - 1));
    }

    #[test]
    fn only_machine_formats_on_standard_output_count() {
        let to = |format: Format, path: Option<&str>| Destination { format, path: path.map(Into::into) };
        assert!(!machine_on_stdout(&[to(Format::Text, None)]));
        assert!(!machine_on_stdout(&[to(Format::Sarif, Some("out.sarif")), to(Format::Text, None)]));
        assert!(machine_on_stdout(&[to(Format::Json, None)]));
        assert!(machine_on_stdout(&[to(Format::Sarif, None)]));
        assert!(machine_on_stdout(&[to(Format::Junit, Some("a.xml")), to(Format::Markdown, None)]));
    }
}

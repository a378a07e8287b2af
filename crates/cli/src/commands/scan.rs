//! `portcullis scan`: read inputs, evaluate every target for every port,
//! report findings (only the new ones, against a `--baseline`).

use crate::args::{Format, ScanArgs};
use crate::{inputs, settings};
use anyhow::{anyhow, bail, Context, Result};
use portcullis_files::{InputKind, Origin};
use portcullis_report::baseline::{Baseline, BaselineDiff, BaselineEntry};
use portcullis_report::{json::Json, sarif::Sarif, text::Text, Emitter, Report, ReportError};
use portcullis_rules::Finding;
use std::io::Write;
use std::path::Path;

/// Input errors, sorted, in the report's shape.
pub fn report_errors(loaded: &inputs::Loaded) -> Vec<ReportError> {
    let mut errors: Vec<ReportError> = loaded
        .outcomes
        .iter()
        .flat_map(|o| o.errors.iter())
        .map(|e| ReportError { file: e.file.clone(), line: e.line, column: e.column, message: e.message.clone() })
        .collect();
    errors.sort();
    errors.dedup();
    errors
}

/// Reads a baseline file; errors name the file (and line and column).
pub fn load_baseline(path: &Path) -> Result<Baseline> {
    let shown = path.to_string_lossy();
    let text = portcullis_files::read_text(path, &shown, Origin::Named, InputKind::Json.limit())
        .map_err(|e| anyhow!("cannot read baseline {e}"))?;
    if let Some(e) = text.not_utf8 {
        bail!("malformed baseline {e}");
    }
    Baseline::parse(&text.text).map_err(|e| anyhow!("malformed baseline {}: {e}", path.display()))
}

/// Refuses outputs that would replace a file the run read (`-o` onto an
/// input, the config file, a baseline; `--write-baseline` onto an input
/// other than the `--baseline` it updates), or each other.
fn check_outputs(args: &ScanArgs, settings: &settings::Settings, loaded: &inputs::Loaded) -> Result<()> {
    let mut read = loaded.read.clone();
    for (path, shown) in settings::files_read(&args.common, settings) {
        read.insert(&path, &shown);
    }
    if let Some(baseline) = &args.write_baseline {
        read.check_output("--write-baseline", baseline)?;
    }
    if let Some(output) = &args.output {
        for (flag, path) in [("--baseline", &args.baseline), ("--write-baseline", &args.write_baseline)] {
            if let Some(p) = path {
                read.insert(p, &format!("{flag} {}", p.display()));
                if std::path::absolute(p).ok() == std::path::absolute(output).ok() {
                    bail!("{}: -o: this file is also {flag}: choose another file", output.display());
                }
            }
        }
        read.check_output("-o", output)?;
    }
    Ok(())
}

/// Splits `findings` against `baseline`: (new, unchanged, fixed entries).
fn compare(findings: Vec<Finding>, baseline: &Baseline) -> (Vec<Finding>, Vec<Finding>, Vec<BaselineEntry>) {
    let known = baseline.fingerprints();
    let current: std::collections::HashSet<String> = findings.iter().map(Finding::fingerprint).collect();
    let fixed = baseline.findings.iter().filter(|e| !current.contains(&e.fingerprint)).cloned().collect();
    let (unchanged, new) = findings.into_iter().partition(|f| known.contains(f.fingerprint().as_str()));
    (new, unchanged, fixed)
}

pub fn run(args: ScanArgs) -> Result<u8> {
    let settings = settings::resolve(&args.common, args.fail_on.as_deref())?;
    // Read before scanning: a bad baseline fails fast.
    let baseline = args.baseline.as_deref().map(load_baseline).transpose()?;
    let timer = Timer::from_env();
    let mut loaded = inputs::load_inputs(&args.common)?;
    timer.mark("read");
    check_outputs(&args, &settings, &loaded)?;
    let estate = portcullis_ingest::assemble(&mut loaded.outcomes);
    timer.mark("assemble");
    let mut findings = portcullis_rules::check_estate(&estate, &settings.queries, &settings.authorized);
    // kube-controller-manager's configuration (PC2xx), cross-referenced
    // with the firewall findings on its port.
    let hardening = portcullis_rules::check_hardening(&estate);
    if !hardening.is_empty() {
        findings.extend(hardening);
        portcullis_rules::hardening::link_bind_address(&mut findings);
        portcullis_rules::finding::sort_findings(&mut findings);
    }
    timer.mark("check");
    // Suppressions mark findings (kept in the report, never failing it) and
    // add findings about themselves (expired, matching nothing).
    let waivers = crate::suppressions::collect(&loaded, &settings.config_waivers);
    if !waivers.is_empty() {
        let meta = portcullis_rules::suppress::apply(&mut findings, &waivers, &crate::suppressions::today()?);
        if !meta.is_empty() {
            findings.extend(meta);
            portcullis_rules::finding::sort_findings(&mut findings);
        }
    }
    let errors = report_errors(&loaded);
    // Baselines hold and compare only what is not suppressed: a suppression
    // that expires brings its finding back as new.
    // Without suppressions the list is kept as it is: partitioning copies
    // every finding into a fresh vector (50 MB on a 50k-group account).
    let (suppressed, active): (Vec<Finding>, Vec<Finding>) = if findings.iter().any(|f| f.suppressed.is_some()) {
        findings.into_iter().partition(|f| f.suppressed.is_some())
    } else {
        (Vec::new(), findings)
    };
    let to_write = args.write_baseline.as_ref().map(|_| Baseline::from_findings(&active));
    let (mut findings, unchanged, fixed) = match &baseline {
        Some(b) => compare(active, b),
        None => (active, Vec::new(), Vec::new()),
    };
    if !suppressed.is_empty() {
        findings.extend(suppressed);
        portcullis_rules::finding::sort_findings(&mut findings);
    }
    let report = Report {
        findings: &findings,
        errors: &errors,
        files_read: loaded.files_read(),
        sources: &loaded,
        baseline: baseline.as_ref().map(|_| BaselineDiff { unchanged: &unchanged, fixed: &fixed }),
    };
    let emitter: Box<dyn Emitter> = match args.format {
        Format::Text => Box::new(Text { color: args.output.is_none() && super::use_color(args.common.color) }),
        Format::Json => Box::new(Json),
        Format::Sarif => Box::new(Sarif),
    };
    emit_to(emitter.as_ref(), &report, args.output.as_deref())?;
    timer.mark("report");
    // After the comparison: `--baseline F --write-baseline F` updates F.
    if let (Some(p), Some(b)) = (&args.write_baseline, &to_write) {
        portcullis_files::write_atomic(p, |w| w.write_all(b.to_json().as_bytes()))
            .with_context(|| format!("cannot write baseline {}", p.display()))?;
    }
    let code = if !errors.is_empty() {
        2
    } else if settings.fail_on.is_some_and(|t| findings.iter().any(|f| f.suppressed.is_none() && f.severity >= t)) {
        1
    } else {
        0
    };
    // The process ends right after this: freeing a large estate piece by
    // piece took half a second on the 50k-group benchmark, for nothing.
    std::mem::forget(findings);
    std::mem::forget(unchanged);
    std::mem::forget(estate);
    std::mem::forget(loaded);
    Ok(code)
}

/// Phase timings on standard error when `PORTCULLIS_TIMINGS` is set: where
/// a slow scan spends its time, without a profiler.
struct Timer {
    start: Option<std::time::Instant>,
}

impl Timer {
    fn from_env() -> Self {
        Timer { start: std::env::var_os("PORTCULLIS_TIMINGS").map(|_| std::time::Instant::now()) }
    }

    fn mark(&self, phase: &str) {
        if let Some(t) = self.start {
            // Resident memory from /proc (Linux); absent elsewhere.
            let rss = std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
                .map(|pages| format!(", {} MiB resident", (pages * 4096) >> 20))
                .unwrap_or_default();
            eprintln!("portcullis: {phase} done at {:.3} s{rss}", t.elapsed().as_secs_f64());
        }
    }
}

/// Writes a report to `output` (atomically: `portcullis_files::write_atomic`),
/// or standard output. Written straight through a buffer: a large report
/// (hundreds of thousands of findings) is never held twice in memory.
pub fn emit_to(emitter: &dyn Emitter, report: &Report, output: Option<&Path>) -> Result<()> {
    match output {
        Some(p) => portcullis_files::write_atomic(p, |w| emitter.emit(report, w))?,
        None => {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth a message.
            if let Err(e) = emitter.emit(report, &mut w).and_then(|_| w.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
            }
        }
    }
    Ok(())
}

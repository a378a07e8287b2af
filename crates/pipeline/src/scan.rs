//! `scan`: read every input, assemble the estate, and run the port rules
//! for every target and port and the hardening rules for every
//! kube-controller-manager, cross-referencing the two.

use crate::inputs::{Loaded, Reading};
use crate::{sorted_errors, Body, Run};
use portcullis_report::ReportError;
use portcullis_rules::{Authorized, PortQuery};

/// What to scan and what to ask.
pub struct ScanRequest<'a> {
    pub reading: Reading<'a>,
    /// Every port question, each with the rule that asks it.
    pub queries: &'a [PortQuery],
    pub authorized: &'a Authorized,
    /// Phase timings and resident memory on standard error: where a slow
    /// scan spends its time, without a profiler.
    pub timings: bool,
}

/// Reads, checks, and returns the run. Input problems are the run's
/// errors; nothing here fails.
pub fn scan(request: &ScanRequest) -> Run {
    scan_showing(request, None)
}

/// [`scan`], telling `progress` how reading the inputs goes.
pub fn scan_showing(request: &ScanRequest, progress: Option<&dyn crate::Progress>) -> Run {
    let timer = Timer::new(request.timings);
    let mut loaded = request.reading.load_showing(progress);
    timer.mark("read");
    let moves = loaded.outcomes.iter_mut().flat_map(|o| std::mem::take(&mut o.moves)).collect();
    let estate = portcullis_ingest::assemble(&mut loaded.outcomes);
    timer.mark("assemble");
    let findings = check(&estate, request.queries, request.authorized);
    timer.mark("check");
    Run {
        moves,
        findings,
        errors: errors_of(&loaded),
        files_read: loaded.files_read(),
        waivers: crate::suppressions::inline(&loaded),
        read: std::mem::take(&mut loaded.read),
        sources: Box::new(loaded),
        body: Body::Findings,
        timer,
        estate: Some(estate),
    }
}

/// The port rules for every target and port, and the hardening rules
/// for every kube-controller-manager, cross-referenced with the firewall
/// findings on its port; sorted.
pub(crate) fn check(
    estate: &portcullis_model::Estate,
    queries: &[PortQuery],
    authorized: &Authorized,
) -> Vec<portcullis_rules::Finding> {
    let mut findings = portcullis_rules::check_estate(estate, queries, authorized);
    let hardening = portcullis_rules::check_hardening(estate);
    if !hardening.is_empty() {
        findings.extend(hardening);
        portcullis_rules::hardening::link_bind_address(&mut findings);
        portcullis_rules::finding::sort_findings(&mut findings);
    }
    findings
}

/// The input errors of what was read, in the report's shape.
pub(crate) fn errors_of(loaded: &Loaded) -> Vec<ReportError> {
    sorted_errors(
        loaded
            .outcomes
            .iter()
            .flat_map(|o| o.errors.iter())
            .map(|e| ReportError { file: e.file.clone(), line: e.line, column: e.column, message: e.message.clone() })
            .collect(),
    )
}

/// Phase timings on standard error, when asked for.
pub(crate) struct Timer {
    start: Option<std::time::Instant>,
}

impl Timer {
    pub(crate) fn new(on: bool) -> Self {
        Timer { start: on.then(std::time::Instant::now) }
    }

    pub(crate) fn mark(&self, phase: &str) {
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

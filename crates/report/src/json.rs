//! The version 1 JSON contract (DESIGN.md): `{"version": 1, "findings":
//! […], "errors": […]}`. Findings arrive sorted; serde keeps field order, so
//! the same input prints the same bytes.

use crate::{Emitter, Report, ReportError};
use portcullis_rules::Finding;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Envelope<'a> {
    version: u32,
    findings: &'a [Finding],
    errors: &'a [ReportError],
}

pub struct Json;

impl Emitter for Json {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let env = Envelope { version: 1, findings: report.findings, errors: report.errors };
        serde_json::to_writer_pretty(&mut *out, &env).map_err(io::Error::other)?;
        writeln!(out)
    }
}

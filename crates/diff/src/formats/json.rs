//! JSON, contract version 1 (docs/json.md, "diff"):
//! `{"version":1,"changes":[…],"errors":[…]}`, members in the contract's
//! order.

use super::{DiffReport, SideError};
use crate::Change;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    changes: &'a [Change],
    errors: &'a [SideError],
}

pub fn write(report: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document { version: 1, changes: report.changes, errors: report.errors };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

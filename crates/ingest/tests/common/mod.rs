//! Shared harness for the provider tests: read fixtures, assemble the
//! estate, and ask the engine what a target admits.
#![allow(dead_code)] // each test file uses its own subset

use portcullis_engine::evaluate;
use portcullis_ingest::{assemble, read_input, IngestError};
use portcullis_model::{AddrSet, Cidr, Estate, Protocol};

/// Reads `tests/fixtures/<dir><file>` for each file (paths in spans are the
/// file names as given); with `format`, each must be detected as it.
pub fn load_from(dir: &str, files: &[&str], format: Option<&str>) -> (Estate, Vec<IngestError>) {
    let mut outs: Vec<_> = files
        .iter()
        .map(|f| {
            let path = format!("{}/tests/fixtures/{dir}{f}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            read_input(f, &text)
        })
        .collect();
    for o in &outs {
        match format {
            Some(want) => assert_eq!(o.format, Some(want), "{} was not recognised", o.path),
            None => assert!(o.format.is_some(), "{} was not recognised", o.path),
        }
    }
    let errors = outs.iter().flat_map(|o| o.errors.clone()).collect();
    (assemble(&mut outs), errors)
}

pub fn set(cidrs: &[&str]) -> AddrSet {
    let mut s = AddrSet::empty();
    for c in cidrs {
        s.union_in_place(&Cidr::parse(c).expect("cidr").to_set());
    }
    s
}

pub fn find(estate: &Estate, id: &str) -> Option<usize> {
    estate.targets.iter().position(|t| t.id == id)
}

pub fn target(estate: &Estate, id: &str) -> usize {
    find(estate, id).unwrap_or_else(|| {
        panic!("no target {id}; targets: {:?}", estate.targets.iter().map(|t| &t.id).collect::<Vec<_>>())
    })
}

/// (surely admitted, possibly admitted) on tcp/`port`.
pub fn admitted(estate: &Estate, id: &str, port: u16) -> (AddrSet, AddrSet) {
    let e = evaluate(estate, target(estate, id), Protocol::TCP, port).expect("target exists");
    (e.lower.addrs.clone(), e.upper().addrs.clone())
}

/// What `id` admits on tcp/`port`, which must not depend on an unknown.
pub fn exact(estate: &Estate, id: &str, port: u16) -> AddrSet {
    let (lo, up) = admitted(estate, id, port);
    assert_eq!(lo, up, "{id} tcp/{port} should have no unknowns");
    lo
}

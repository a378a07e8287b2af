//! Fuzz target: flow-log detection and parsing (AWS text, CloudWatch,
//! Azure and GCP JSON, gzip) must never panic, with or without a port
//! filter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_flows::read::read_bytes_into;
use portcullis_flows::record::Collect;

fuzz_target!(|data: &[u8]| {
    let mut c = Collect::default();
    let _ = read_bytes_into(data, "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/f.log", None, &mut c);
});

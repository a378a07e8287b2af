//! Fuzz target: flow-log detection and parsing (AWS text, CloudWatch,
//! Azure and GCP JSON, gzip) must never panic, with or without a port
//! filter; and a byte-order mark before a plain log changes nothing it
//! reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_flows::read::read_bytes_into;
use portcullis_flows::record::Collect;

const NAME: &str = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/f.log";

fuzz_target!(|data: &[u8]| {
    let mut plain = Collect::default();
    let format = read_bytes_into(data, NAME, None, &mut plain);
    // gzip starts with its own magic: a mark before it makes another file.
    if data.starts_with(&[0x1f, 0x8b]) || data.starts_with(b"\xef\xbb\xbf") {
        return;
    }
    let mut marked = Collect::default();
    let with_bom = [&b"\xef\xbb\xbf"[..], data].concat();
    let format_marked = read_bytes_into(&with_bom, NAME, None, &mut marked);
    assert_eq!(format, format_marked);
    assert_eq!(plain.flows, marked.flows);
    assert_eq!(plain.malformed, marked.malformed);
    assert_eq!((plain.nodata, plain.skipdata), (marked.nodata, marked.skipdata));
});

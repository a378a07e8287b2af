//! Fuzz target: everything the probe reads from a server or a user must
//! never panic: HTTP answers, the first record after a hand-built hello,
//! certificates, targets and targets files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_probe::hello::{read_answer, LegacyVersion};
use portcullis_probe::{cert, http, target};

fuzz_target!(|data: &[u8]| {
    let _ = http::parse(data);
    let _ = read_answer(&mut &data[..], LegacyVersion::Tls10);
    let _ = read_answer(&mut &data[..], LegacyVersion::Tls11);
    if let Ok(c) = cert::parse(data) {
        let _ = cert::names_host(&c.sans, "10.0.0.5");
        let _ = cert::date(c.not_after);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = target::parse(text, 10257);
        let _ = target::parse_file("fuzz.txt", text, 10257);
        let _ = cert::generated_ca_time(text);
    }
});

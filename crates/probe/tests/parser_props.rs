//! What a server sends and what a user types never panics the probe's
//! readers, and targets print back to themselves. (The fuzz target `probe`
//! in fuzz/ goes deeper; these run with every `cargo test`.)

use portcullis_probe::hello::{read_answer, LegacyAnswer, LegacyVersion};
use portcullis_probe::{cert, http, target};
use proptest::prelude::*;

proptest! {
    #[test]
    fn server_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = http::parse(&data);
        let _ = read_answer(&mut &data[..], LegacyVersion::Tls10);
        let _ = cert::parse(&data);
    }

    #[test]
    fn tls_records_with_any_body_never_panic(kind in 20u8..24, body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut rec = vec![kind, 3, 1];
        rec.extend_from_slice(&(body.len() as u16).to_be_bytes());
        rec.extend_from_slice(&body);
        let answer = read_answer(&mut &rec[..], LegacyVersion::Tls11);
        // Only a ServerHello choosing 1.1 is acceptance.
        if answer.accepted() {
            prop_assert_eq!(kind, 22);
            prop_assert_eq!(&body[4..6], &[3u8, 2][..]);
        }
        if let LegacyAnswer::Alert(level, desc) = answer {
            prop_assert_eq!((level, desc), (body[0], body[1]));
        }
    }

    #[test]
    fn typed_text_never_panics(text in "\\PC{0,80}") {
        let _ = target::parse(&text, 10257);
        let _ = target::parse_file("t.txt", &text, 10257);
        let _ = cert::generated_ca_time(&text);
    }

    #[test]
    fn targets_print_back_to_themselves(
        v4 in any::<[u8; 4]>(),
        v6 in any::<[u16; 8]>(),
        label in "[a-z][a-z0-9-]{0,20}",
        port in 1u16..,
    ) {
        let hosts = [
            std::net::Ipv4Addr::from(v4).to_string(),
            std::net::Ipv6Addr::from(v6).to_string(),
            format!("{label}.example"),
        ];
        for host in hosts {
            let t = target::parse(&format!("{host}:{port}"), 10257)
                .or_else(|_| target::parse(&format!("[{host}]:{port}"), 10257));
            let t = t.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&t.host, &host);
            prop_assert_eq!(t.port, port);
            let again = target::parse(&t.to_string(), 10257).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(again, t);
        }
    }
}

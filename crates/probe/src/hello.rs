//! Does the server still accept TLS 1.0 or TLS 1.1?
//!
//! rustls cannot speak either version, so this sends a ClientHello built
//! by hand (RFC 2246 §7.4.1.2 for 1.0, RFC 4346 for 1.1) that offers
//! exactly one version, and reads the first record back: a ServerHello
//! choosing that version means the server accepts it; an alert (usually
//! `protocol_version`, 70) or a closed connection means it does not. The
//! handshake is never finished: the ServerHello answers the question.
//!
//! The hello offers the CBC suites that Go's crypto/tls and OpenSSL still
//! enable for those versions, plus the elliptic-curve extensions ECDHE
//! suites need (RFC 4492) and SNI for host names (RFC 6066), so that a
//! server that would accept the version is not turned away by our offer.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The protocol versions this module can offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LegacyVersion {
    Tls10,
    Tls11,
}

impl LegacyVersion {
    pub fn wire(self) -> u16 {
        match self {
            LegacyVersion::Tls10 => 0x0301,
            LegacyVersion::Tls11 => 0x0302,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LegacyVersion::Tls10 => "TLS 1.0",
            LegacyVersion::Tls11 => "TLS 1.1",
        }
    }
}

/// What the server answered to a hello offering only one old version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LegacyAnswer {
    /// A ServerHello that chose the offered version, with its cipher suite.
    Accepted { suite: u16 },
    /// A ServerHello with another version (a server must not choose one
    /// above the offer; some answer with their own and then fail).
    OtherVersion(u16),
    /// A TLS alert: `(level, description)`.
    Alert(u8, u8),
    /// The server closed the connection without a word.
    Closed,
    /// Connecting, writing or reading failed (timeout, reset).
    Failed(String),
    /// The answer was not a TLS record we could read.
    NotTls(String),
}

impl LegacyAnswer {
    pub fn accepted(&self) -> bool {
        matches!(self, LegacyAnswer::Accepted { .. })
    }

    /// For people: `refused (alert protocol_version)`.
    pub fn describe(&self) -> String {
        match self {
            LegacyAnswer::Accepted { suite } => format!("accepted ({})", suite_name(*suite)),
            LegacyAnswer::OtherVersion(v) => format!("refused (server answered with version 0x{v:04x})"),
            LegacyAnswer::Alert(_, d) => format!("refused (alert {})", alert_name(*d)),
            LegacyAnswer::Closed => "refused (connection closed)".into(),
            LegacyAnswer::Failed(e) => format!("no answer ({e})"),
            LegacyAnswer::NotTls(e) => format!("no TLS answer ({e})"),
        }
    }
}

/// Alert descriptions (RFC 8446 §6, RFC 5246 §7.2).
pub fn alert_name(d: u8) -> String {
    let n = match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        120 => "no_application_protocol",
        _ => return format!("{d}"),
    };
    n.to_string()
}

/// Cipher suites offered, by IANA number and name: ECDHE and RSA key
/// exchange with AES-CBC-SHA (what TLS 1.0/1.1 servers negotiate today),
/// 3DES last, and the renegotiation SCSV (RFC 5746) that some servers
/// insist on.
const SUITES: &[(u16, &str)] = &[
    (0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
];

/// The IANA name of a suite we offered, or its number.
pub fn suite_name(suite: u16) -> String {
    SUITES.iter().find(|(n, _)| *n == suite).map(|(_, name)| name.to_string()).unwrap_or(format!("suite 0x{suite:04x}"))
}

fn push_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// A vector with a big-endian length prefix of `width` bytes.
fn push_vec(out: &mut Vec<u8>, width: usize, body: &[u8]) {
    let len = body.len() as u32;
    out.extend_from_slice(&len.to_be_bytes()[4 - width..]);
    out.extend_from_slice(body);
}

fn extension(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    push_u16(out, kind);
    push_vec(out, 2, body);
}

/// 32 bytes that differ between hellos. Not secret: the handshake is
/// abandoned after the ServerHello, so nothing is ever keyed from them.
fn client_random() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0u8; 32];
    let state = std::collections::hash_map::RandomState::new();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let mut h = state.build_hasher();
        h.write_u128(nanos);
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_be_bytes());
    }
    out
}

/// The ClientHello record offering only `version`; `sni` is sent when the
/// target is a host name (an IP address is never an SNI value, RFC 6066 §3).
pub fn client_hello(version: LegacyVersion, sni: Option<&str>) -> Vec<u8> {
    let mut body = Vec::with_capacity(160);
    push_u16(&mut body, version.wire());
    body.extend_from_slice(&client_random());
    body.push(0); // empty session id
    let mut suites = Vec::with_capacity(SUITES.len() * 2);
    for (s, _) in SUITES {
        push_u16(&mut suites, *s);
    }
    push_vec(&mut body, 2, &suites);
    push_vec(&mut body, 1, &[0]); // compression: null only

    let mut ext = Vec::new();
    if let Some(name) = sni {
        let mut entry = vec![0u8]; // name type host_name
        push_vec(&mut entry, 2, name.as_bytes());
        let mut list = Vec::new();
        push_vec(&mut list, 2, &entry);
        extension(&mut ext, 0x0000, &list);
    }
    // supported_groups (named "elliptic_curves" in RFC 4492): x25519,
    // secp256r1, secp384r1.
    let mut groups = Vec::new();
    for g in [0x001du16, 0x0017, 0x0018] {
        push_u16(&mut groups, g);
    }
    let mut groups_vec = Vec::new();
    push_vec(&mut groups_vec, 2, &groups);
    extension(&mut ext, 0x000a, &groups_vec);
    // ec_point_formats: uncompressed.
    extension(&mut ext, 0x000b, &[1, 0]);
    // renegotiation_info, empty (RFC 5746 §3.4).
    extension(&mut ext, 0xff01, &[0]);
    push_vec(&mut body, 2, &ext);

    let mut handshake = vec![1u8]; // client_hello
    push_vec(&mut handshake, 3, &body);

    // The record layer says TLS 1.0 whatever the hello offers: the
    // compatible choice for old and new servers alike (RFC 5246 Appendix E.1).
    let mut record = vec![0x16, 0x03, 0x01];
    push_vec(&mut record, 2, &handshake);
    record
}

/// Reads the server's first answer to a hello offering `version`.
pub fn read_answer(stream: &mut impl Read, version: LegacyVersion) -> LegacyAnswer {
    let mut header = [0u8; 5];
    if let Err(e) = stream.read_exact(&mut header) {
        return match e.kind() {
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => LegacyAnswer::Closed,
            _ => LegacyAnswer::Failed(crate::http::io_words(&e)),
        };
    }
    let kind = header[0];
    let len = u16::from_be_bytes([header[3], header[4]]) as usize;
    if header[1] != 3 || len == 0 || len > 18432 {
        return LegacyAnswer::NotTls(format!("first bytes {:02x?}", &header));
    }
    let mut body = vec![0u8; len];
    if let Err(e) = stream.read_exact(&mut body) {
        return LegacyAnswer::Failed(format!("truncated record: {}", crate::http::io_words(&e)));
    }
    match kind {
        0x15 if body.len() >= 2 => LegacyAnswer::Alert(body[0], body[1]),
        0x16 => parse_server_hello(&body, version),
        _ => LegacyAnswer::NotTls(format!("record type {kind}")),
    }
}

fn parse_server_hello(body: &[u8], version: LegacyVersion) -> LegacyAnswer {
    // type(1) length(3) version(2) random(32) session_id(1 + n) suite(2)
    if body.len() < 6 || body[0] != 2 {
        return LegacyAnswer::NotTls(format!(
            "handshake message type {} instead of ServerHello",
            body.first().unwrap_or(&0)
        ));
    }
    let chosen = u16::from_be_bytes([body[4], body[5]]);
    if chosen != version.wire() {
        return LegacyAnswer::OtherVersion(chosen);
    }
    let sid_at = 4 + 2 + 32;
    let Some(&sid_len) = body.get(sid_at) else {
        return LegacyAnswer::NotTls("ServerHello cut short".into());
    };
    let suite_at = sid_at + 1 + sid_len as usize;
    match body.get(suite_at..suite_at + 2) {
        Some(s) => LegacyAnswer::Accepted { suite: u16::from_be_bytes([s[0], s[1]]) },
        None => LegacyAnswer::NotTls("ServerHello cut short".into()),
    }
}

/// Connects to `addr`, offers only `version`, and reports the answer.
pub fn offer(addr: SocketAddr, sni: Option<&str>, version: LegacyVersion, timeout: Duration) -> LegacyAnswer {
    let mut stream = match TcpStream::connect_timeout(&addr, timeout) {
        Ok(s) => s,
        Err(e) => return LegacyAnswer::Failed(format!("connect: {e}")),
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    if let Err(e) = stream.write_all(&client_hello(version, sni)) {
        return LegacyAnswer::Failed(format!("write: {}", crate::http::io_words(&e)));
    }
    read_answer(&mut crate::http::Deadline::new(&mut stream, timeout * 2), version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_lengths_are_consistent() {
        let rec = client_hello(LegacyVersion::Tls11, Some("cp.example"));
        let rec_len = u16::from_be_bytes([rec[3], rec[4]]) as usize;
        assert_eq!(rec.len(), 5 + rec_len);
        assert_eq!(rec[5], 1);
        let hs_len = u32::from_be_bytes([0, rec[6], rec[7], rec[8]]) as usize;
        assert_eq!(rec_len, 4 + hs_len);
        assert_eq!(&rec[9..11], &[3, 2]);
        // The SNI host name is in the extensions, length-prefixed.
        let name = b"cp.example";
        assert!(rec.windows(name.len()).any(|w| w == name));
    }

    #[test]
    fn server_hello_choosing_the_version_is_accepted() {
        let mut hs = vec![2u8, 0, 0, 42, 3, 1];
        hs.extend_from_slice(&[7u8; 32]);
        hs.push(0);
        hs.extend_from_slice(&[0xc0, 0x14, 0]);
        let mut rec = vec![0x16, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        assert_eq!(read_answer(&mut &rec[..], LegacyVersion::Tls10), LegacyAnswer::Accepted { suite: 0xc014 });
        assert_eq!(read_answer(&mut &rec[..], LegacyVersion::Tls11), LegacyAnswer::OtherVersion(0x0301));
    }

    #[test]
    fn alerts_and_garbage() {
        let alert = [0x15u8, 3, 3, 0, 2, 2, 70];
        assert_eq!(read_answer(&mut &alert[..], LegacyVersion::Tls10), LegacyAnswer::Alert(2, 70));
        assert_eq!(read_answer(&mut &b""[..], LegacyVersion::Tls10), LegacyAnswer::Closed);
        assert!(matches!(read_answer(&mut &b"HTTP/1.0 400 Bad"[..], LegacyVersion::Tls10), LegacyAnswer::NotTls(_)));
        let short = [0x16u8, 3, 1, 0, 3, 2, 0, 0];
        assert!(matches!(read_answer(&mut &short[..], LegacyVersion::Tls10), LegacyAnswer::NotTls(_)));
    }
}

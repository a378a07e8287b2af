//! What a served certificate says: names, validity, key, and whether it is
//! the pair kube-controller-manager makes up at startup.
//!
//! Without `--tls-cert-file`, kube-controller-manager (like every server
//! built on k8s.io/apiserver's `SecureServingOptions`) calls
//! `MaybeDefaultWithSelfSignedCerts("localhost", …)`, which uses client-go's
//! `cert.GenerateSelfSignedCertKeyWithFixtures`: a CA named
//! `localhost-ca@<unix seconds>` signs a leaf named `localhost@<unix
//! seconds>`, and both are served. Nobody outside the process holds that
//! CA, so no client can verify the endpoint: either clients skip
//! verification or they fail.

use crate::error::{Error, ErrorKind};
use x509_parser::prelude::*;

/// One certificate of the served chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub subject_cn: Option<String>,
    pub issuer_cn: Option<String>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// Subject and issuer are the same name.
    pub self_issued: bool,
    pub is_ca: bool,
    /// `RSA`, `EC P-256`, `Ed25519`, or the algorithm's OID.
    pub key_type: String,
    /// Key size in bits (0 when unknown).
    pub key_bits: u32,
    /// `DNS:name` and `IP:address` entries of subjectAltName.
    pub sans: Vec<String>,
}

/// `<host>-ca@<unix seconds>` (the generating CA's name) → the seconds.
pub fn generated_ca_time(name: &str) -> Option<i64> {
    let (host, secs) = name.rsplit_once("-ca@")?;
    if host.is_empty() || secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    secs.parse().ok()
}

/// Bits of a big-endian unsigned modulus (leading zero bytes and bits do
/// not count).
fn modulus_bits(m: &[u8]) -> u32 {
    let m = match m.iter().position(|&b| b != 0) {
        Some(i) => &m[i..],
        None => return 0,
    };
    (m.len() as u32 - 1) * 8 + (8 - m[0].leading_zeros())
}

fn curve_name(oid: &str) -> Option<&'static str> {
    // RFC 5480 §2.1.1.1 named curves.
    Some(match oid {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        _ => return None,
    })
}

fn key_of(cert: &X509Certificate<'_>) -> (String, u32) {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => ("RSA".into(), modulus_bits(rsa.modulus)),
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .map(|o| curve_name(&o).map(str::to_string).unwrap_or(o));
            let name = match curve {
                Some(c) => format!("EC {c}"),
                None => "EC".into(),
            };
            (name, ec.key_size() as u32)
        }
        Ok(x509_parser::public_key::PublicKey::DSA(y)) => ("DSA".into(), y.len() as u32 * 8),
        _ => match alg.as_str() {
            "1.3.101.112" => ("Ed25519".into(), 256),
            "1.3.101.113" => ("Ed448".into(), 456),
            _ => (alg, 0),
        },
    }
}

fn sans_of(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DNSName(d) => Some(format!("DNS:{d}")),
            GeneralName::IPAddress(b) => match b.len() {
                4 => Some(format!("IP:{}", std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
                16 => {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(b);
                    Some(format!("IP:{}", std::net::Ipv6Addr::from(a)))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name().next().and_then(|a| a.as_str().ok()).map(str::to_string)
}

/// Reads one DER certificate.
pub fn parse(der: &[u8]) -> Result<CertInfo, Error> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| Error::new("", ErrorKind::Certificate(e.to_string())))?;
    let (key_type, key_bits) = key_of(&cert);
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        subject_cn: common_name(cert.subject()),
        issuer_cn: common_name(cert.issuer()),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        is_ca: cert.is_ca(),
        key_type,
        key_bits,
        sans: sans_of(&cert),
    })
}

/// Whether `host` (an IP address or DNS name) is among the SANs, with
/// one-label wildcards as RFC 6125 §6.4.3 allows them.
pub fn names_host(sans: &[String], host: &str) -> bool {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return sans.iter().filter_map(|s| s.strip_prefix("IP:")).any(|s| s.parse::<std::net::IpAddr>() == Ok(ip));
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    sans.iter().filter_map(|s| s.strip_prefix("DNS:")).any(|pat| {
        let pat = pat.trim_end_matches('.').to_ascii_lowercase();
        match pat.strip_prefix("*.") {
            Some(rest) => host.split_once('.').is_some_and(|(first, tail)| !first.is_empty() && tail == rest),
            None => pat == host,
        }
    })
}

/// A Unix time as `YYYY-MM-DD` (UTC), for messages.
pub fn date(secs: i64) -> String {
    portcullis_model::date::unix_day(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names() {
        assert_eq!(generated_ca_time("localhost-ca@1700000000"), Some(1_700_000_000));
        assert_eq!(generated_ca_time("kcm-ca@1"), Some(1));
        assert_eq!(generated_ca_time("localhost-ca@"), None);
        assert_eq!(generated_ca_time("-ca@5"), None);
        assert_eq!(generated_ca_time("kubernetes"), None);
        assert_eq!(generated_ca_time("localhost-ca@12x"), None);
    }

    #[test]
    fn bits() {
        assert_eq!(modulus_bits(&[0, 0x80, 0, 0]), 24);
        assert_eq!(modulus_bits(&[0x01, 0xff]), 9);
        assert_eq!(modulus_bits(&[0, 0]), 0);
    }

    #[test]
    fn host_matching() {
        let sans = vec!["DNS:localhost".to_string(), "IP:127.0.0.1".into(), "DNS:*.cp.example".into(), "IP:::1".into()];
        assert!(names_host(&sans, "127.0.0.1"));
        assert!(names_host(&sans, "::1"));
        assert!(names_host(&sans, "LOCALHOST"));
        assert!(names_host(&sans, "a.cp.example"));
        assert!(!names_host(&sans, "a.b.cp.example"));
        assert!(!names_host(&sans, "10.0.0.5"));
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(date(951_782_400), "2000-02-29");
    }
}

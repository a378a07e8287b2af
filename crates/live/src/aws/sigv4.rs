//! Signature Version 4, the signing every AWS API call here needs
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>).
//!
//! Written on ring's SHA-256 and HMAC rather than taken from `aws-sigv4`,
//! whose dependency tree (the smithy runtime types) costs more build time
//! than this page of code (docs/live.md has the figures). Checked against
//! the published AWS test-suite signatures and, end to end, by moto with its
//! signature verification switched on.

use super::credentials::Credentials;
use ring::{digest, hmac};

/// What a signature covers besides the request.
pub struct Scope<'a> {
    pub region: &'a str,
    /// The signing name: `ec2`, `elasticloadbalancing`, `sts`.
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data).as_ref().to_vec()
}

/// RFC 3986 percent-encoding of everything but the unreserved characters,
/// as SigV4's canonical forms require.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b'/' if keep_slash => out.push('/'),
            _ => {
                out.push('%');
                out.push_str(&hex(&[b]).to_ascii_uppercase());
            }
        }
    }
    out
}

/// The canonical query string: pairs encoded, then sorted.
pub fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (uri_encode(k, false), uri_encode(v, false))).collect();
    encoded.sort();
    encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Signs a request: returns the `Authorization` header's value. `headers`
/// are those to sign (`host` and `x-amz-date` among them; names in any
/// case); `path` is already URI-encoded; `query` is canonical.
pub fn authorization(
    credentials: &Credentials,
    scope: &Scope,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    payload: &[u8],
) -> String {
    let mut canonical_headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    canonical_headers.sort();
    let signed: Vec<&str> = canonical_headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed = signed.join(";");
    let mut request = String::new();
    for part in [method, if path.is_empty() { "/" } else { path }, query] {
        request.push_str(part);
        request.push('\n');
    }
    for (k, v) in &canonical_headers {
        request.push_str(k);
        request.push(':');
        request.push_str(v);
        request.push('\n');
    }
    request.push('\n');
    request.push_str(&signed);
    request.push('\n');
    request.push_str(&sha256_hex(payload));
    let date = &scope.amz_date[..8];
    let credential_scope = format!("{date}/{}/{}/aws4_request", scope.region, scope.service);
    let to_sign =
        format!("AWS4-HMAC-SHA256\n{}\n{credential_scope}\n{}", scope.amz_date, sha256_hex(request.as_bytes()));
    let mut key = hmac_sha256(format!("AWS4{}", credentials.secret_access_key).as_bytes(), date.as_bytes());
    for part in [scope.region, scope.service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let signature = hex(&hmac_sha256(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{credential_scope}, SignedHeaders={signed}, Signature={signature}",
        credentials.access_key_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
            expires: None,
        }
    }

    /// AWS's SigV4 test suite (aws-sig-v4-test-suite): get-vanilla and
    /// get-vanilla-query-order-key-case, with their published signatures.
    #[test]
    fn published_test_suite_signatures() {
        let scope = Scope { region: "us-east-1", service: "service", amz_date: "20150830T123600Z" };
        let headers = vec![
            ("Host".to_string(), "example.amazonaws.com".to_string()),
            ("X-Amz-Date".into(), "20150830T123600Z".into()),
        ];
        let auth = authorization(&example(), &scope, "GET", "/", "", &headers, b"");
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        let query = canonical_query(&[("Param2".into(), "value2".into()), ("Param1".into(), "value1".into())]);
        assert_eq!(query, "Param1=value1&Param2=value2");
        let auth = authorization(&example(), &scope, "GET", "/", &query, &headers, b"");
        assert!(auth.ends_with("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"), "{auth}");
    }

    #[test]
    fn dates_and_encoding() {
        assert_eq!(crate::time::amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(uri_encode("a b/~é", false), "a%20b%2F~%C3%A9");
        assert_eq!(uri_encode("/x y/", true), "/x%20y/");
    }
}

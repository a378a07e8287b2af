//! RS256-signed JSON Web Tokens, the client assertions of Google's service
//! account keys (<https://developers.google.com/identity/protocols/oauth2/service-account#jwt-auth>)
//! and of Azure's certificate credentials
//! (<https://learn.microsoft.com/entra/identity-platform/certificate-credentials>).

use crate::error::{ErrorKind, LiveError};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

/// The DER bytes of every PEM block labelled `label` in `pem`.
pub fn pem_blocks(pem: &str, label: &str) -> Vec<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(&begin) {
        let after = &rest[start + begin.len()..];
        let Some(stop) = after.find(&end) else { break };
        let body: String = after[..stop].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = STANDARD.decode(body) {
            out.push(der);
        }
        rest = &after[stop + end.len()..];
    }
    out
}

/// An RSA key from PEM: PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`).
pub fn rsa_key(pem: &str, what: &str) -> Result<RsaKeyPair, LiveError> {
    let bad = |m: String| LiveError::new(ErrorKind::Config, format!("{what}: {m}"));
    if let Some(der) = pem_blocks(pem, "PRIVATE KEY").first() {
        return RsaKeyPair::from_pkcs8(der).map_err(|e| bad(format!("not an RSA key ({e})")));
    }
    if let Some(der) = pem_blocks(pem, "RSA PRIVATE KEY").first() {
        return RsaKeyPair::from_der(der).map_err(|e| bad(format!("not an RSA key ({e})")));
    }
    Err(bad("no PEM private key".into()))
}

/// `header.claims.signature`, each part base64url without padding.
pub fn sign(key: &RsaKeyPair, header: &serde_json::Value, claims: &serde_json::Value) -> Result<String, LiveError> {
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), input.as_bytes(), &mut signature)
        .map_err(|_| LiveError::new(ErrorKind::Credentials, "could not sign the token request"))?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

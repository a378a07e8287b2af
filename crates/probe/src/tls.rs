//! TLS 1.2/1.3 with rustls, verifying nothing and recording everything.
//!
//! The probe wants to know what any client would be shown, including a
//! certificate nobody could verify, so its verifier accepts every chain and
//! every handshake signature and keeps the chain for [`crate::cert`]. That
//! is safe here because nothing secret is ever sent: the probe carries no
//! credentials, by design.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Accepts any server and keeps the chain it sent.
#[derive(Debug)]
struct Recorder {
    chain: Mutex<Vec<CertificateDer<'static>>>,
    schemes: Vec<SignatureScheme>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        if let Ok(mut slot) = self.chain.lock() {
            *slot = chain;
        }
        Ok(ServerCertVerified::assertion())
    }

    // Not verified: ring refuses RSA keys under 2048 bits, and the probe
    // must still complete a handshake with such a server to report it.
    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

/// What a completed handshake showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handshake {
    /// `TLS 1.3`, `TLS 1.2`.
    pub version: String,
    /// IANA name, `TLS13_AES_128_GCM_SHA256`.
    pub suite: String,
    /// DER certificates, leaf first, as sent.
    pub chain: Vec<Vec<u8>>,
}

pub type TlsStream = StreamOwned<ClientConnection, TcpStream>;

/// A handshake that failed, with the chain when the server got as far as
/// sending one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeError {
    pub message: String,
    pub chain: Vec<Vec<u8>>,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".into(),
        other => format!("{other:?}"),
    }
}

/// Connects to `addr` and completes a TLS 1.2/1.3 handshake; `host` is the
/// SNI name when it is a DNS name. The stream is ready for HTTP.
pub fn connect(addr: SocketAddr, host: &str, timeout: Duration) -> Result<(TlsStream, Handshake), HandshakeError> {
    let fail = |message: String, chain: Vec<Vec<u8>>| HandshakeError { message, chain };
    let provider = provider();
    let recorder = Arc::new(Recorder {
        chain: Mutex::new(Vec::new()),
        schemes: provider.signature_verification_algorithms.supported_schemes(),
    });
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| fail(format!("TLS setup: {e}"), Vec::new()))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.to_string()).map_err(|e| fail(format!("`{host}`: {e}"), Vec::new()))?,
    };
    let conn =
        ClientConnection::new(Arc::new(config), name).map_err(|e| fail(format!("TLS setup: {e}"), Vec::new()))?;
    let sock = TcpStream::connect_timeout(&addr, timeout).map_err(|e| fail(format!("connect: {e}"), Vec::new()))?;
    let _ = sock.set_read_timeout(Some(timeout));
    let _ = sock.set_write_timeout(Some(timeout));
    let mut stream = StreamOwned::new(conn, sock);
    let recorded = |r: &Recorder| -> Vec<Vec<u8>> {
        r.chain.lock().map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect()).unwrap_or_default()
    };
    // Each read has the socket timeout; the whole handshake gets twice
    // that, so a server that trickles bytes cannot hold the probe.
    let until = std::time::Instant::now() + timeout * 2;
    while stream.conn.is_handshaking() {
        if std::time::Instant::now() > until {
            return Err(fail("the handshake took too long".into(), recorded(&recorder)));
        }
        if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
            return Err(fail(describe_io(&e), recorded(&recorder)));
        }
    }
    let version = stream.conn.protocol_version().map(version_name).unwrap_or_else(|| "unknown".into());
    let suite = stream
        .conn
        .negotiated_cipher_suite()
        .map(|s| s.suite().as_str().map(str::to_string).unwrap_or_else(|| format!("{:?}", s.suite())))
        .unwrap_or_else(|| "unknown".into());
    let chain = recorded(&recorder);
    Ok((stream, Handshake { version, suite, chain }))
}

/// rustls reports alerts and protocol errors through `io::Error`; say
/// what happened in the words of the protocol.
fn describe_io(e: &std::io::Error) -> String {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return match inner {
            rustls::Error::AlertReceived(a) => format!("the server sent alert {a:?}"),
            rustls::Error::InvalidMessage(m) => format!("the server's answer is not TLS ({m:?})"),
            other => other.to_string(),
        };
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "the server closed the connection during the handshake".into(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => "no answer before the timeout".into(),
        _ => e.to_string(),
    }
}

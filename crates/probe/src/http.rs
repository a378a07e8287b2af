//! Just enough HTTP/1.1 to ask one question without credentials: send a
//! `GET` with `Connection: close`, read the status line and the first
//! bytes of the body. Status codes are what the probe judges; bodies are
//! kept short, for messages only.

use std::io::{Read, Write};

/// The most bytes read from one answer: status line, headers and the start
/// of the body are all the probe needs. A `/metrics` page can be megabytes.
const READ_LIMIT: usize = 16 * 1024;

/// One HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub reason: String,
    /// The start of the body, printable characters only, for messages.
    pub body_start: String,
}

/// What one request got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Answer(Answer),
    /// Bytes came back, but not an HTTP response.
    NotHttp(String),
    /// The connection closed before any byte.
    Closed,
    /// Connecting, the TLS handshake, writing or reading failed.
    Failed(String),
}

impl Outcome {
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Answer(a) => Some(a.status),
            _ => None,
        }
    }

    /// For people: `403 Forbidden`, `connection closed`.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Answer(a) if a.reason.is_empty() => a.status.to_string(),
            Outcome::Answer(a) => format!("{} {}", a.status, a.reason),
            Outcome::NotHttp(s) => format!("no HTTP answer ({s})"),
            Outcome::Closed => "connection closed without an answer".into(),
            Outcome::Failed(e) => format!("failed ({e})"),
        }
    }
}

/// An I/O error in the words of the probe: a socket timeout (`WouldBlock`
/// on Unix, `TimedOut` on Windows) is "no answer before the timeout".
pub fn io_words(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => "no answer before the timeout".into(),
        _ => e.to_string(),
    }
}

/// A reader that gives up once its time is spent. Socket timeouts bound
/// each read; this bounds them all together, so a server that trickles a
/// byte at a time cannot hold a probe for hours.
pub struct Deadline<R> {
    inner: R,
    until: std::time::Instant,
}

impl<R> Deadline<R> {
    pub fn new(inner: R, budget: std::time::Duration) -> Self {
        Deadline { inner, until: std::time::Instant::now() + budget }
    }
}

impl<R: Read> Read for Deadline<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if std::time::Instant::now() > self.until {
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the answer took too long"));
        }
        self.inner.read(buf)
    }
}

/// The request line and headers for `GET path` to `authority`.
pub fn request(authority: &str, path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: portcullis-probe/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn printable(bytes: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out: String =
        s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(max).collect::<String>().trim().to_string();
    while out.contains("  ") {
        out = out.replace("  ", " ");
    }
    out
}

/// Reads until the peer closes, the limit, or an error after some bytes
/// (a TLS peer that closes without close_notify is still an answer).
fn read_some(stream: &mut impl Read) -> Result<Vec<u8>, std::io::Error> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(buf),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() >= READ_LIMIT {
                    buf.truncate(READ_LIMIT);
                    return Ok(buf);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if !buf.is_empty() => {
                let _ = e;
                return Ok(buf);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Parses the start of an HTTP/1.x response.
pub fn parse(bytes: &[u8]) -> Outcome {
    if bytes.is_empty() {
        return Outcome::Closed;
    }
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n");
    let line_end = bytes.windows(2).position(|w| w == b"\r\n").unwrap_or(bytes.len());
    let line = String::from_utf8_lossy(&bytes[..line_end]);
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let code = parts.next().unwrap_or("");
    let reason = parts.next().unwrap_or("").trim().to_string();
    let status = match (version.starts_with("HTTP/1."), code.len() == 3, code.parse::<u16>()) {
        (true, true, Ok(s)) if (100..=599).contains(&s) => s,
        _ => {
            let shown = if bytes.iter().take(16).all(|b| b.is_ascii_graphic() || *b == b' ') {
                printable(&bytes[..bytes.len().min(40)], 40)
            } else {
                format!("first bytes {:02x?}", &bytes[..bytes.len().min(8)])
            };
            return Outcome::NotHttp(shown);
        }
    };
    let body = head_end.map(|i| &bytes[i + 4..]).unwrap_or(&[]);
    Outcome::Answer(Answer { status, reason, body_start: printable(body, 120) })
}

/// Sends `GET path` on an open stream and reads the answer.
pub fn get(stream: &mut (impl Read + Write), authority: &str, path: &str, budget: std::time::Duration) -> Outcome {
    if let Err(e) = stream.write_all(request(authority, path).as_bytes()).and_then(|_| stream.flush()) {
        return Outcome::Failed(format!("write: {}", io_words(&e)));
    }
    match read_some(&mut Deadline::new(stream, budget)) {
        Ok(bytes) => parse(&bytes),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Outcome::Closed,
        Err(e) => Outcome::Failed(io_words(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that never stops sending one byte at a time.
    struct Trickle;
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            std::thread::sleep(std::time::Duration::from_millis(5));
            buf[0] = b'x';
            Ok(1)
        }
    }

    #[test]
    fn a_trickling_answer_is_cut_at_the_deadline() {
        let mut r = Deadline::new(Trickle, std::time::Duration::from_millis(50));
        let got = read_some(&mut r).expect("bytes before the deadline count as an answer");
        assert!(!got.is_empty() && got.len() < READ_LIMIT, "{} bytes", got.len());
        assert!(matches!(parse(&got), Outcome::NotHttp(_)));
    }

    #[test]
    fn status_lines() {
        let a = parse(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n{\"kind\":\"Status\"}");
        assert_eq!(
            a,
            Outcome::Answer(Answer {
                status: 403,
                reason: "Forbidden".into(),
                body_start: "{\"kind\":\"Status\"}".into()
            })
        );
        assert_eq!(
            parse(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n").status(),
            Some(400)
        );
        assert_eq!(parse(b"HTTP/1.1 200\r\n\r\n").describe(), "200");
        assert_eq!(parse(b""), Outcome::Closed);
        assert!(matches!(parse(b"\x15\x03\x01\x00\x02\x02\x46"), Outcome::NotHttp(_)));
        assert!(matches!(parse(b"SSH-2.0-OpenSSH_9.6\r\n"), Outcome::NotHttp(_)));
        assert!(matches!(parse(b"HTTP/1.1 99999 x\r\n"), Outcome::NotHttp(_)));
    }
}

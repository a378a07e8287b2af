//! A small HTTP proxy in front of moto: it passes calls through, or
//! answers some of them as AWS answers a throttled call or a call in a
//! region the account may not use, and logs every request it saw (to check
//! that nothing is fetched twice).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub enum Rule {
    /// The first `times` calls of `action` are throttled (EC2 answers 503
    /// `RequestLimitExceeded`; Elastic Load Balancing 400 `Throttling`).
    Throttle { action: String, times: u32 },
    /// Every call signed for `region` is refused as AWS refuses a region
    /// the account has not opted in to or may not use.
    DenyRegion { region: String },
}

/// One request the proxy saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub action: String,
    pub region: String,
    /// The form body (`Action=…&NextToken=…`).
    pub body: String,
    /// The status answered.
    pub status: u16,
}

pub struct Proxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Seen>>>,
}

struct Shared {
    upstream: u16,
    rules: Mutex<Vec<(Rule, u32)>>,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl Proxy {
    pub fn start(upstream: u16, rules: Vec<Rule>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            upstream,
            rules: Mutex::new(rules.into_iter().map(|r| (r, 0)).collect()),
            log: log.clone(),
        });
        let stopping = stop.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || serve(conn, &shared));
            }
        });
        Proxy { port, stop, log }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A request or response head and body.
struct Message {
    head: Vec<String>,
    body: Vec<u8>,
}

fn read_message(reader: &mut impl BufRead, to_eof: bool) -> Option<Message> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let length = head.iter().find_map(|h| {
        let (k, v) = h.split_once(':')?;
        k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok()).flatten()
    });
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body).ok()?;
        }
        None if to_eof => {
            reader.read_to_end(&mut body).ok()?;
        }
        None => {}
    }
    Some(Message { head, body })
}

fn form_value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

fn region_of(head: &[String]) -> String {
    head.iter()
        .find_map(|h| {
            let (k, v) = h.split_once(':')?;
            if !k.eq_ignore_ascii_case("authorization") {
                return None;
            }
            let scope = v.split("Credential=").nth(1)?;
            scope.split('/').nth(2).map(str::to_string)
        })
        .unwrap_or_default()
}

fn respond(conn: &mut TcpStream, status: u16, reason: &str, headers: &[String], body: &[u8]) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\nConnection: keep-alive\r\n\r\n", body.len()));
    conn.write_all(out.as_bytes())?;
    conn.write_all(body)
}

fn ec2_error(code: &str, message: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>proxy</RequestID></Response>"
    )
    .into_bytes()
}

fn query_error(code: &str, message: &str) -> Vec<u8> {
    format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>"
    )
    .into_bytes()
}

fn serve(conn: TcpStream, shared: &Shared) {
    let mut writer = match conn.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(conn);
    while let Some(request) = read_message(&mut reader, false) {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let action = form_value(&body, "Action").unwrap_or("").to_string();
        let region = region_of(&request.head);
        let is_ec2 = form_value(&body, "Version") == Some("2016-11-15");
        // A rule that applies, if any.
        let mut refusal: Option<(u16, Vec<u8>)> = None;
        {
            let mut rules = shared.rules.lock().unwrap_or_else(|p| p.into_inner());
            // A refused region is refused before any throttling counts.
            rules.sort_by_key(|(r, _)| !matches!(r, Rule::DenyRegion { .. }));
            for (rule, used) in rules.iter_mut() {
                match rule {
                    Rule::DenyRegion { region: r } if *r == region => {
                        refusal = Some(if is_ec2 {
                            (
                                403,
                                ec2_error("UnauthorizedOperation", "You are not authorized to perform this operation."),
                            )
                        } else {
                            (
                                403,
                                query_error(
                                    "AccessDenied",
                                    "User is not authorized to perform this action in this region",
                                ),
                            )
                        });
                    }
                    Rule::Throttle { action: a, times } if *a == action && *used < *times => {
                        *used += 1;
                        refusal = Some(if is_ec2 {
                            (503, ec2_error("RequestLimitExceeded", "Request limit exceeded."))
                        } else {
                            (400, query_error("Throttling", "Rate exceeded"))
                        });
                    }
                    _ => {}
                }
                if refusal.is_some() {
                    break;
                }
            }
        }
        let (status, ok) = match refusal {
            Some((status, body)) => {
                (status, respond(&mut writer, status, "Refused", &["Content-Type: text/xml".into()], &body).is_ok())
            }
            None => match forward(shared.upstream, &request) {
                Some(answer) => {
                    let status_line = answer.head.first().cloned().unwrap_or_default();
                    let status: u16 = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(502);
                    let reason = status_line.splitn(3, ' ').nth(2).unwrap_or("").to_string();
                    let headers: Vec<String> = answer.head[1..]
                        .iter()
                        .filter(|h| {
                            let k = h.split(':').next().unwrap_or("").trim().to_ascii_lowercase();
                            !matches!(k.as_str(), "content-length" | "connection" | "transfer-encoding" | "keep-alive")
                        })
                        .cloned()
                        .collect();
                    (status, respond(&mut writer, status, &reason, &headers, &answer.body).is_ok())
                }
                None => (502, respond(&mut writer, 502, "Bad Gateway", &[], b"upstream failed").is_ok()),
            },
        };
        shared.log.lock().unwrap_or_else(|p| p.into_inner()).push(Seen { action, region, body, status });
        if !ok {
            return;
        }
    }
}

fn forward(upstream: u16, request: &Message) -> Option<Message> {
    let mut conn = TcpStream::connect(("127.0.0.1", upstream)).ok()?;
    let mut out = String::new();
    for (i, h) in request.head.iter().enumerate() {
        let k = h.split(':').next().unwrap_or("").trim().to_ascii_lowercase();
        if i > 0 && (k == "connection" || k == "keep-alive") {
            continue;
        }
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    conn.write_all(out.as_bytes()).ok()?;
    conn.write_all(&request.body).ok()?;
    read_message(&mut BufReader::new(conn), true)
}

//! One AWS Query-protocol call (EC2, Elastic Load Balancing, STS): a signed
//! form POST, its XML answer read through the output shape, errors read
//! from the two XML error forms, throttling and server errors retried
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>).
//! And paging: a paginated call followed to its last page, its pages merged
//! as the CLI merges them (the result list only, `NextToken` dropped).

use super::credentials::Credentials;
use super::shape::{self, Operation};
use super::sigv4;
use crate::doc::Doc;
use crate::error::{ErrorKind, LiveError};
use crate::http::{Http, Request, Response};
use crate::retry::{self, Attempt};

/// Where a service is reached and how its requests are signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `https://ec2.eu-west-1.amazonaws.com`, or an override with a path.
    pub url: String,
    pub region: String,
    /// SigV4's service name: `ec2`, `elasticloadbalancing`, `sts`.
    pub signing_name: &'static str,
}

/// Error codes the SDKs retry as throttling
/// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>).
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes that are transient whatever the status.
const TRANSIENT: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "Unavailable",
];

/// Error codes that mean these credentials may not make this call here.
const DENIED: &[&str] = &[
    "UnauthorizedOperation",
    "AccessDenied",
    "AccessDeniedException",
    "AuthFailure",
    "OptInRequired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "RequestExpired",
    "Blocked",
];

/// `(code, message)` of an error answer: EC2's `<Response><Errors><Error>`
/// or the Query form `<ErrorResponse><Error>`.
fn error_of(body: &str) -> Option<(String, String)> {
    let root = crate::xml::parse(body).ok()?;
    let error = match root.child("Errors") {
        Some(errors) => errors.child("Error")?,
        None => root.child("Error")?,
    };
    Some((error.text_at(&["Code"])?.to_string(), error.text_at(&["Message"]).unwrap_or("").to_string()))
}

/// The query's form body: `Action`, `Version`, then the parameters.
fn form(op: &Operation, params: &[(String, String)]) -> String {
    let mut parts = vec![format!("Action={}", op.name), format!("Version={}", op.version)];
    for (k, v) in params {
        parts.push(format!("{}={}", sigv4::uri_encode(k, false), sigv4::uri_encode(v, false)));
    }
    parts.join("&")
}

/// `(host[:port], path)` of an endpoint URL.
fn host_and_path(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    Some(match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    })
}

/// The signed request for one call.
pub fn signed_request(
    endpoint: &Endpoint,
    credentials: &Credentials,
    op: &Operation,
    params: &[(String, String)],
    unix: u64,
) -> Result<Request, LiveError> {
    let (host, path) = host_and_path(&endpoint.url)
        .ok_or_else(|| LiveError::new(ErrorKind::Config, format!("endpoint {} is not an http(s) URL", endpoint.url)))?;
    // A default port is left out of the Host header (and so of what is
    // signed), as HTTP clients send it.
    let host = host.strip_suffix(":443").filter(|_| endpoint.url.starts_with("https:")).unwrap_or(host);
    let host = host.strip_suffix(":80").filter(|_| endpoint.url.starts_with("http:")).unwrap_or(host);
    let body = form(op, params).into_bytes();
    let amz_date = crate::time::amz_date(unix);
    let mut headers = vec![
        ("Content-Type".to_string(), "application/x-www-form-urlencoded; charset=utf-8".to_string()),
        ("Host".to_string(), host.to_string()),
        ("X-Amz-Date".to_string(), amz_date.clone()),
    ];
    if let Some(token) = &credentials.session_token {
        headers.push(("X-Amz-Security-Token".to_string(), token.clone()));
    }
    let scope = sigv4::Scope { region: &endpoint.region, service: endpoint.signing_name, amz_date: &amz_date };
    let encoded_path = sigv4::uri_encode(path, true);
    let auth = sigv4::authorization(credentials, &scope, "POST", &encoded_path, "", &headers, &body);
    let mut request = Request::post(endpoint.url.clone(), body);
    for (k, v) in headers.into_iter().filter(|(k, _)| k != "Host") {
        request = request.header(&k, v);
    }
    Ok(request.header("Authorization", auth))
}

/// What a caller learns of each attempt (for counting requests, and for
/// tests that check nothing is fetched twice).
pub trait Observer: Sync {
    fn request(&self, _call: &str) {}
    fn retry(&self, _call: &str) {}
}

pub struct Quiet;
impl Observer for Quiet {}

/// One call, retried as the SDKs' standard mode retries.
pub fn call(
    http: &Http,
    endpoint: &Endpoint,
    credentials: &Credentials,
    op: &Operation,
    params: &[(String, String)],
    observer: &dyn Observer,
) -> Result<Doc, LiveError> {
    let name = format!("{}:{}", op.service, op.name);
    let fail = |kind, message: String| LiveError::new(kind, message).in_call(name.clone());
    retry::run(
        retry::STANDARD,
        |n| {
            if n > 0 {
                observer.retry(&name);
            }
            observer.request(&name);
            // Signed anew each attempt: a signature is only good for a while.
            let request = match signed_request(endpoint, credentials, op, params, crate::time::now_unix()) {
                Ok(r) => r,
                Err(e) => return Attempt::Fail(e.in_call(name.clone())),
            };
            match http.send(&request) {
                Err(e) if e.transient => Attempt::Again(fail(ErrorKind::Transport, e.message), None),
                Err(e) => Attempt::Fail(fail(ErrorKind::Transport, e.message)),
                Ok(response) => judge(&name, op, response),
            }
        },
        std::thread::sleep,
    )
}

fn judge(name: &str, op: &Operation, response: Response) -> Attempt<Doc, LiveError> {
    let text = String::from_utf8_lossy(&response.body);
    let fail = |kind, message: String| LiveError::new(kind, message).in_call(name.to_string());
    if response.is_success() {
        let parsed = crate::xml::parse(&text)
            .map_err(|e| e.to_string())
            .and_then(|root| shape::parse_output(op, &root).map_err(|e| e.to_string()));
        return match parsed {
            Ok(doc) => Attempt::Done(doc),
            Err(e) => Attempt::Fail(fail(ErrorKind::Malformed, format!("unreadable answer: {e}"))),
        };
    }
    let status = response.status;
    let Some((code, message)) = error_of(&text) else {
        let message = format!("HTTP {status}: {}", text.chars().take(200).collect::<String>().trim());
        return if status >= 500 || status == 429 {
            Attempt::Again(fail(ErrorKind::Server, message), None)
        } else if status == 401 || status == 403 {
            Attempt::Fail(fail(ErrorKind::Denied, message))
        } else {
            Attempt::Fail(fail(ErrorKind::Api, message))
        };
    };
    let message = if message.is_empty() { code.clone() } else { format!("{code}: {message}") };
    if THROTTLING.contains(&code.as_str()) {
        Attempt::Again(fail(ErrorKind::Throttled, message), None)
    } else if TRANSIENT.contains(&code.as_str()) || status >= 500 {
        Attempt::Again(fail(ErrorKind::Server, message), None)
    } else if DENIED.contains(&code.as_str()) || status == 401 || status == 403 {
        Attempt::Fail(fail(ErrorKind::Denied, message))
    } else {
        Attempt::Fail(fail(ErrorKind::Api, message))
    }
}

/// A paginated call followed to its end, as `{result key: every item}`;
/// `page` is told each page's item count. A call without a paginator is
/// made once and returned whole.
#[allow(clippy::too_many_arguments)]
pub fn paginate(
    http: &Http,
    endpoint: &Endpoint,
    credentials: &Credentials,
    op: &Operation,
    params: &[(String, String)],
    page_size: Option<u32>,
    observer: &dyn Observer,
    page: &mut dyn FnMut(&[Doc]),
) -> Result<Doc, LiveError> {
    let Some(pager) = &op.paginator else {
        let doc = call(http, endpoint, credentials, op, params, observer)?;
        page(doc.first_list());
        return Ok(doc);
    };
    let mut items: Option<Vec<Doc>> = None;
    let mut token: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    loop {
        let mut p = params.to_vec();
        if let Some(size) = page_size {
            p.push((pager.limit_key.to_string(), size.to_string()));
        }
        if let Some(t) = &token {
            p.push((pager.input_token.to_string(), t.clone()));
        }
        let mut doc = call(http, endpoint, credentials, op, &p, observer)?;
        if let Some(Doc::List(list)) = doc.remove(pager.result_key) {
            page(&list);
            items.get_or_insert_with(Vec::new).extend(list);
        }
        token = doc.remove(pager.output_token).and_then(|t| t.as_str().map(str::to_string)).filter(|t| !t.is_empty());
        match &token {
            None => break,
            Some(t) if !seen.insert(t.clone()) => {
                return Err(LiveError::new(
                    ErrorKind::Malformed,
                    format!("the same page token came back twice ({t}): stopped to avoid reading forever"),
                )
                .in_call(format!("{}:{}", op.service, op.name)))
            }
            Some(_) => {}
        }
    }
    Ok(Doc::Object(items.map(|list| vec![(pager.result_key.to_string(), Doc::List(list))]).unwrap_or_default()))
}

impl Doc {
    /// An unpaginated answer's first list member (for counting).
    fn first_list(&self) -> &[Doc] {
        match self {
            Doc::Object(members) => members.iter().find_map(|(_, v)| v.as_list()).unwrap_or(&[]),
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_error_forms() {
        assert_eq!(
            error_of("<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>x</RequestID></Response>"),
            Some(("UnauthorizedOperation".into(), "no".into()))
        );
        assert_eq!(
            error_of("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"),
            Some(("Throttling".into(), "Rate exceeded".into()))
        );
        assert_eq!(error_of("not xml"), None);
    }

    #[test]
    fn signs_a_form_post() {
        let creds = Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: "secret".into(),
            session_token: Some("tok".into()),
            expires: None,
        };
        let endpoint =
            Endpoint { url: "http://127.0.0.1:5000".into(), region: "eu-west-1".into(), signing_name: "ec2" };
        let op = shape::operation("ec2", "DescribeSecurityGroups");
        let r = signed_request(&endpoint, &creds, op, &[("MaxResults".into(), "5".into())], 1_440_938_160).unwrap();
        assert_eq!(
            String::from_utf8(r.body.clone()).unwrap(),
            "Action=DescribeSecurityGroups&Version=2016-11-15&MaxResults=5"
        );
        let auth = r.headers.iter().find(|(k, _)| k == "Authorization").unwrap();
        assert!(auth.1.starts_with("AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="), "{}", auth.1);
    }
}

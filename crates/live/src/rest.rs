//! JSON REST calls with a bearer token (Azure Resource Manager, Google
//! Compute): throttling (429) and server errors retried, honouring
//! `Retry-After`; refusals and errors read from the JSON error bodies both
//! use (`{"error": {"code": …, "message": …}}`).

use crate::doc::Doc;
use crate::error::{ErrorKind, LiveError};
use crate::http::{Http, Request, Response};
use crate::retry::{self, Attempt};

/// Reasons Google gives for throttling with a 403 rather than a 429
/// (<https://cloud.google.com/compute/docs/api/errors>).
const GOOGLE_RATE_REASONS: &[&str] = &["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"];

/// `(code, message, reasons)` of a JSON error body.
fn error_of(body: &[u8]) -> Option<(String, String, Vec<String>)> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    let code = match &e["code"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => e["status"].as_str().map_or_else(|| n.to_string(), str::to_string),
        _ => String::new(),
    };
    let message = e["message"].as_str().unwrap_or("").to_string();
    let reasons = e["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["reason"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    Some((code, message, reasons))
}

/// GETs `url` with `token` and parses the JSON answer, keeping key order.
pub fn get_json(http: &Http, url: &str, token: &str, call: &str, observer: &dyn Fn()) -> Result<Doc, LiveError> {
    let fail = |kind, message: String| LiveError::new(kind, message).in_call(call.to_string());
    retry::run(
        retry::STANDARD,
        |_| {
            observer();
            let request = Request::get(url)
                .header("Authorization", format!("Bearer {token}"))
                .header("Accept", "application/json");
            match http.send(&request) {
                Err(e) if e.transient => Attempt::Again(fail(ErrorKind::Transport, e.message), None),
                Err(e) => Attempt::Fail(fail(ErrorKind::Transport, e.message)),
                Ok(r) => judge(r, &fail),
            }
        },
        std::thread::sleep,
    )
}

fn judge(r: Response, fail: &dyn Fn(ErrorKind, String) -> LiveError) -> Attempt<Doc, LiveError> {
    if r.is_success() {
        return match serde_json::from_slice::<Doc>(&r.body) {
            Ok(doc) => Attempt::Done(doc),
            Err(e) => Attempt::Fail(fail(ErrorKind::Malformed, format!("the answer is not JSON: {e}"))),
        };
    }
    let after = retry::retry_after(r.header("Retry-After"));
    let (code, message, reasons) = error_of(&r.body).unwrap_or_else(|| {
        (
            String::new(),
            String::from_utf8_lossy(&r.body).chars().take(200).collect::<String>().trim().to_string(),
            Vec::new(),
        )
    });
    let text = match (code.is_empty(), message.is_empty()) {
        (true, _) => format!("HTTP {}: {message}", r.status),
        (false, true) => format!("HTTP {} {code}", r.status),
        (false, false) => format!("HTTP {} {code}: {message}", r.status),
    };
    let google_throttle = r.status == 403 && reasons.iter().any(|x| GOOGLE_RATE_REASONS.contains(&x.as_str()));
    if r.status == 429 || google_throttle {
        Attempt::Again(fail(ErrorKind::Throttled, text), after)
    } else if r.status >= 500 {
        Attempt::Again(fail(ErrorKind::Server, text), after)
    } else if r.status == 401 || r.status == 403 {
        Attempt::Fail(fail(ErrorKind::Denied, text))
    } else {
        Attempt::Fail(fail(ErrorKind::Api, text))
    }
}

/// A form POST to an OAuth 2.0 token endpoint; the parsed answer.
pub fn post_form(http: &Http, url: &str, form: &[(&str, &str)], what: &str) -> Result<serde_json::Value, LiveError> {
    let body = form
        .iter()
        .map(|(k, v)| {
            format!("{}={}", crate::aws::sigv4::uri_encode(k, false), crate::aws::sigv4::uri_encode(v, false))
        })
        .collect::<Vec<_>>()
        .join("&");
    let request = Request::post(url, body.into_bytes()).header("Content-Type", "application/x-www-form-urlencoded");
    token_answer(http, request, what)
}

/// A token request's JSON answer, retried like any call; a refusal is a
/// credentials error with the server's own explanation.
pub fn token_answer(http: &Http, request: Request, what: &str) -> Result<serde_json::Value, LiveError> {
    let fail = |kind, message: String| LiveError::new(kind, format!("{what}: {message}"));
    retry::run(
        retry::STANDARD,
        |_| match http.send(&request) {
            Err(e) if e.transient => Attempt::Again(fail(ErrorKind::Credentials, e.message), None),
            Err(e) => Attempt::Fail(fail(ErrorKind::Credentials, e.message)),
            Ok(r) if r.is_success() => match serde_json::from_slice(&r.body) {
                Ok(v) => Attempt::Done(v),
                Err(e) => Attempt::Fail(fail(ErrorKind::Credentials, format!("the answer is not JSON: {e}"))),
            },
            Ok(r) if r.status == 429 || r.status >= 500 => Attempt::Again(
                fail(ErrorKind::Credentials, format!("HTTP {}", r.status)),
                retry::retry_after(r.header("Retry-After")),
            ),
            Ok(r) => {
                let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
                let detail = v["error_description"]
                    .as_str()
                    .or_else(|| v["error"]["message"].as_str())
                    .or_else(|| v["error"].as_str())
                    .unwrap_or("");
                Attempt::Fail(fail(
                    ErrorKind::Credentials,
                    format!("HTTP {} {detail}", r.status).trim_end().to_string(),
                ))
            }
        },
        std::thread::sleep,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_azure_and_google_errors() {
        assert_eq!(
            error_of(br#"{"error":{"code":"AuthorizationFailed","message":"no"}}"#),
            Some(("AuthorizationFailed".into(), "no".into(), vec![]))
        );
        assert_eq!(
            error_of(br#"{"error":{"code":403,"message":"slow down","status":"PERMISSION_DENIED","errors":[{"reason":"rateLimitExceeded"}]}}"#),
            Some(("PERMISSION_DENIED".into(), "slow down".into(), vec!["rateLimitExceeded".into()]))
        );
    }
}

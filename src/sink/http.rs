//! What the HTTP sinks share: the client, gzip, and how an answer is classified — delivered,
//! worth retrying (429, 408, 5xx, network errors, honouring `Retry-After`), or rejected for
//! good (any other 4xx), which sends the records to the dead-letter path.

use flate2::Compression;
use flate2::write::GzEncoder;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::HeaderMap;
use std::io::Write;
use std::time::Duration;

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver took the records.
    Delivered,
    /// A transient failure: try again after `after` if the receiver said so (`Retry-After`),
    /// else after the sink's backoff.
    Retry { reason: String, after: Option<Duration> },
    /// The receiver refused the records for good.
    Reject { reason: String },
}

/// An HTTP client with the sink's request timeout, rustls, and no redirects (a redirected POST
/// would lose its body or its credentials).
pub fn client(timeout: Duration) -> Client {
    Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("sightline/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| Client::new())
}

/// Gzips `body`.
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4 + 64), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

/// Sets the body, gzipped with `Content-Encoding: gzip` when `compress`.
pub fn with_body(request: RequestBuilder, body: &[u8], compress: bool) -> RequestBuilder {
    if compress { request.header("Content-Encoding", "gzip").body(gzip(body)) } else { request.body(body.to_vec()) }
}

/// `Retry-After` as seconds or an HTTP date, when present and sensible.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(wait.max(0) as u64))
}

/// Sends a request and classifies the answer by status; `accept` may still refuse a 2xx whose
/// body says it failed. The error text keeps the receiver's own words (first 300 bytes).
pub fn send(request: RequestBuilder, accept: impl FnOnce(&str) -> Attempt) -> Attempt {
    match request.send() {
        Ok(response) => classify(response, accept),
        Err(error) => Attempt::Retry { reason: format!("request failed: {}", error_chain(&error)), after: None },
    }
}

fn classify(response: Response, accept: impl FnOnce(&str) -> Attempt) -> Attempt {
    let status = response.status();
    let after = retry_after(response.headers());
    let body = response.text().unwrap_or_default();
    let text: String = body.chars().take(300).collect();
    if status.is_success() {
        return accept(&body);
    }
    let reason = format!("HTTP {}: {}", status.as_u16(), text.trim());
    match status.as_u16() {
        408 | 429 | 500..=599 => Attempt::Retry { reason, after },
        _ => Attempt::Reject { reason },
    }
}

/// An error and its sources on one line ("error sending request: connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    #[test]
    fn gzip_round_trips() {
        let body = b"{\"event\":\"x\"}".repeat(100);
        let mut decoded = Vec::new();
        GzDecoder::new(gzip(&body).as_slice()).read_to_end(&mut decoded).unwrap();
        assert_eq!(decoded, body);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("Retry-After", "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = chrono::Utc::now() + chrono::Duration::seconds(120);
        headers.insert("Retry-After", later.to_rfc2822().replace("+0000", "GMT").parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120), "{wait:?}");
        headers.insert("Retry-After", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}

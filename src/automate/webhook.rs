//! Outgoing webhooks: a POST of `{"event", "item", "rule"}` as JSON, signed
//! with `X-Cairn-Signature: sha256=<hex HMAC-SHA256 of the body>`, a timeout
//! per attempt, retries with backoff on a network error, a timeout, a 429 or
//! a 5xx, and every failure appended to `.cairn/webhooks-failed.jsonl`. A
//! webhook never fails the command: the caller gets a [`Sent`] to report.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use hmac::{KeyInit, Mac};
use serde_json::json;

use super::eval::Hook;

/// The failure log, relative to the backlog root.
pub const FAILED_LOG: &str = ".cairn/webhooks-failed.jsonl";

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Cairn-Signature";

/// How hard to try.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Attempts after the first.
    pub retries: u32,
    /// The wait before the first retry; doubled before each next one.
    pub backoff: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { retries: 3, backoff: Duration::from_millis(500) }
    }
}

/// What became of one webhook.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Sent {
    /// A 2xx (or 3xx) status after `attempts` attempts.
    Delivered { url: String, rule: String, status: u16, attempts: u32 },
    /// Not sent: the secret's environment variable is not set.
    NoSecret { url: String, rule: String, var: String },
    /// Every attempt failed (logged to [`FAILED_LOG`]).
    Failed { url: String, rule: String, error: String, attempts: u32 },
}

/// `sha256=<hex>` of `body` with `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this is not reached.
        return String::new();
    };
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + bytes.len() * 2);
    hex.push_str("sha256=");
    for b in bytes.iter() {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// One attempt: `Ok(status)` for an answer, `Err(why)` for no answer.
fn attempt(agent: &ureq::Agent, url: &str, body: &[u8], sig: Option<&str>) -> Result<u16, String> {
    let mut req = agent.post(url).header("Content-Type", "application/json").header("User-Agent", "cairn");
    if let Some(s) = sig {
        req = req.header(SIGNATURE_HEADER, s);
    }
    match req.send(body) {
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(ureq::Error::Timeout(t)) => Err(format!("timed out ({t})")),
        Err(e) => Err(e.to_string()),
    }
}

/// Sends one webhook under `policy`; a failure is appended to the log under `root`.
pub fn send(root: &Path, hook: &Hook, policy: Policy) -> Sent {
    let secret = match &hook.secret_env {
        None => None,
        Some(var) => match std::env::var(var) {
            Ok(v) if !v.is_empty() => Some(v),
            _ => return Sent::NoSecret { url: hook.url.clone(), rule: hook.rule.clone(), var: var.clone() },
        },
    };
    let body = serde_json::to_vec(&hook.body).unwrap_or_default();
    let sig = secret.map(|s| signature(s.as_bytes(), &body));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs_f64(hook.timeout_secs)))
        .build()
        .into();
    let mut wait = policy.backoff;
    let mut attempts = 0;
    let mut last;
    loop {
        attempts += 1;
        let result = attempt(&agent, &hook.url, &body, sig.as_deref());
        let retry = match &result {
            Ok(s) if *s < 400 => {
                return Sent::Delivered { url: hook.url.clone(), rule: hook.rule.clone(), status: *s, attempts }
            }
            Ok(s) => *s == 429 || *s >= 500,
            Err(_) => true,
        };
        last = match result {
            Ok(s) => format!("HTTP {s}"),
            Err(e) => e,
        };
        if !retry || attempts > policy.retries {
            break;
        }
        std::thread::sleep(wait);
        wait = wait.saturating_mul(2);
    }
    let failed = Sent::Failed { url: hook.url.clone(), rule: hook.rule.clone(), error: last, attempts };
    log_failure(root, &failed);
    failed
}

/// Appends a failure to [`FAILED_LOG`]; a log that cannot be written is
/// let go (the caller reports the failure anyway).
fn log_failure(root: &Path, sent: &Sent) {
    let Sent::Failed { url, rule, error, attempts } = sent else { return };
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let status = error.strip_prefix("HTTP ").and_then(|s| s.parse::<u16>().ok());
    let mut line = json!({ "time": time, "url": url, "rule": rule, "attempts": attempts });
    match status {
        Some(s) => line["status"] = json!(s),
        None => line["error"] = json!(error),
    }
    let path = root.join(FAILED_LOG);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(&path) {
        let _ = writeln!(f, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_the_rfc_4231_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}

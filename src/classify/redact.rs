//! Secrets in transcripts are redacted before anything leaves the process: private keys, AWS
//! access keys and secret keys, bearer tokens and `Authorization` headers, well-known token
//! formats (GitHub, Slack, JWT), passwords on command lines (`-p…`, `--password=…`,
//! `PASSWORD=…`, `sshpass -p …`) and the password part of connection strings
//! (`postgres://user:pw@host`). Each is replaced by `[REDACTED:kind]`; the count goes into the
//! verdict.

use regex::Regex;
use std::sync::OnceLock;

/// (kind, pattern, group to replace: 0 = the whole match).
const PATTERNS: &[(&str, &str, usize)] = &[
    (
        "private-key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
        0,
    ),
    ("aws-access-key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b", 0),
    ("aws-secret-key", r#"(?i)aws_secret_access_key["']?\s*[=:]\s*["']?([A-Za-z0-9/+=]{30,})"#, 1),
    ("authorization", r"(?i)\bauthorization\s*:\s*(?:basic|bearer|token|splunk)?\s*([^\s'\x22]{8,})", 1),
    ("bearer-token", r"(?i)\bbearer\s+([A-Za-z0-9._~+/=-]{12,})", 1),
    ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b", 0),
    ("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b", 0),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b", 0),
    ("connection-string", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@", 1),
    ("password", r"(?i)(?:--password|--passwd|--pass)(?:=|\s+)(\S+)", 1),
    ("password", r"(?:^|\s)-p([^\s-][^\s]*)", 1),
    ("password", r"(?i)\bsshpass\s+-p\s*(\S+)", 1),
    (
        "password",
        r#"(?i)\b(?:[A-Z_]*PASSWORD|[A-Z_]*PASSWD|PGPASSWORD|MYSQL_PWD|[A-Z_]*SECRET(?:_KEY)?|[A-Z_]*API_?KEY|[A-Z_]*TOKEN)\s*=\s*["']?([^\s"']{4,})"#,
        1,
    ),
    ("password", r"(?i)\b(?:identified by|password)\s+'([^']{3,})'", 1),
];

fn compiled() -> &'static [(&'static str, Regex, usize)] {
    static COMPILED: OnceLock<Vec<(&'static str, Regex, usize)>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        PATTERNS
            .iter()
            .filter_map(|(kind, pattern, group)| Regex::new(pattern).ok().map(|regex| (*kind, regex, *group)))
            .collect()
    })
}

/// Text with its secrets replaced, and how many were.
pub fn redact(text: &str) -> (String, usize) {
    let mut current = text.to_string();
    let mut count = 0;
    for (kind, regex, group) in compiled() {
        if !regex.is_match(&current) {
            continue;
        }
        let mut result = String::with_capacity(current.len());
        let mut last = 0;
        for captures in regex.captures_iter(&current) {
            let Some(found) = captures.get(*group) else { continue };
            if found.as_str().starts_with("[REDACTED") {
                continue;
            }
            result.push_str(&current[last..found.start()]);
            result.push_str(&format!("[REDACTED:{kind}]"));
            last = found.end();
            count += 1;
        }
        result.push_str(&current[last..]);
        current = result;
    }
    (current, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert_eq!(compiled().len(), PATTERNS.len());
    }

    #[test]
    fn redacts_the_usual_secrets_and_counts_them() {
        let cases = [
            ("mysql -u root -pS3cretPass shop", "S3cretPass"),
            ("psql postgres://app:hunter2@db:5432/billing", "hunter2"),
            ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
            ("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
            ("curl -H 'Authorization: Bearer abcdef0123456789xyz' https://x", "abcdef0123456789xyz"),
            ("git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x", "ghp_abcdefghij"),
            ("sshpass -p 'pa55word' ssh db", "pa55word"),
            ("PGPASSWORD=topsecret psql -h db", "topsecret"),
            ("ALTER USER app IDENTIFIED BY 'Winter2026!'", "Winter2026!"),
            ("mytool --password=letmein1 --user a", "letmein1"),
        ];
        for (text, secret) in cases {
            let (redacted, count) = redact(text);
            assert!(!redacted.contains(secret), "{text:?} → {redacted:?}");
            assert!(count >= 1, "{text:?}");
            assert!(redacted.contains("[REDACTED:"), "{redacted}");
        }
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
        let (redacted, count) = redact(&format!("$ cat id_ed25519\n{key}\n$ "));
        assert_eq!(count, 1);
        assert!(!redacted.contains("b3BlbnNzaC1rZXktdjEAAAAA"));
    }

    #[test]
    fn ordinary_commands_are_left_alone() {
        for text in ["ls -la /var/log", "ps -p 1234", "grep -r password /etc/app.conf", "kubectl get pods -n prod"] {
            let (redacted, count) = redact(text);
            assert_eq!((redacted.as_str(), count), (text, 0), "{text}");
        }
    }
}

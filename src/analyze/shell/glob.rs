//! Glob paths to binaries (`/???/?at`, `/usr/bin/[c]url`): resolved against the binaries
//! commonly found on Linux hosts, so a command hidden behind a glob is judged as the program
//! the shell would run.

use super::decode;

/// Binaries a glob in a program path (`/???/?at`) is resolved against.
const KNOWN_BINARIES: &[&str] = &[
    "/bin/cat",
    "/bin/sh",
    "/bin/bash",
    "/bin/dash",
    "/bin/nc",
    "/bin/rm",
    "/bin/chmod",
    "/bin/ls",
    "/bin/ps",
    "/bin/tar",
    "/bin/dd",
    "/bin/cp",
    "/bin/mv",
    "/bin/echo",
    "/bin/kill",
    "/bin/mount",
    "/bin/su",
    "/bin/base64",
    "/bin/gzip",
    "/usr/bin/curl",
    "/usr/bin/wget",
    "/usr/bin/python3",
    "/usr/bin/python",
    "/usr/bin/perl",
    "/usr/bin/nc",
    "/usr/bin/ncat",
    "/usr/bin/socat",
    "/usr/bin/base64",
    "/usr/bin/whoami",
    "/usr/bin/id",
    "/usr/bin/crontab",
    "/usr/bin/ssh",
    "/usr/bin/scp",
    "/usr/bin/openssl",
    "/usr/bin/shred",
    "/usr/bin/xxd",
    "/usr/bin/sudo",
    "/usr/bin/passwd",
    "/usr/bin/find",
    "/usr/bin/awk",
    "/usr/bin/head",
    "/usr/bin/tail",
    "/usr/bin/less",
    "/usr/bin/nohup",
    "/usr/bin/env",
    "/usr/bin/chattr",
    "/usr/bin/nmap",
    "/usr/sbin/useradd",
    "/usr/sbin/iptables",
    "/usr/sbin/setenforce",
    "/usr/sbin/auditctl",
    "/usr/sbin/tcpdump",
    "/sbin/iptables",
    "/usr/bin/systemctl",
    "/usr/bin/nsenter",
    "/usr/bin/busybox",
];

/// Resolves a program path containing glob characters to a known binary.
pub fn resolve_glob(program: &str) -> Option<String> {
    if !program.contains(['?', '*', '[']) {
        return None;
    }
    let candidates: Vec<&str> = if program.contains('/') {
        KNOWN_BINARIES.to_vec()
    } else {
        KNOWN_BINARIES.iter().map(|path| decode::base_name(path)).collect()
    };
    candidates.into_iter().find(|candidate| glob_matches(program, candidate)).map(str::to_string)
}

/// Matches `?`, `*` and `[...]` (no `/` crossing for `*`).
fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    fn matches(pattern: &[char], text: &[char]) -> bool {
        match pattern.first() {
            None => text.is_empty(),
            Some('*') => (0..=text.len())
                .take_while(|&skip| skip == 0 || text[skip - 1] != '/')
                .any(|skip| matches(&pattern[1..], &text[skip..])),
            Some('?') => !text.is_empty() && text[0] != '/' && matches(&pattern[1..], &text[1..]),
            Some('[') => {
                let Some(close) = pattern.iter().position(|&c| c == ']') else {
                    return !text.is_empty() && text[0] == '[' && matches(&pattern[1..], &text[1..]);
                };
                let set = &pattern[1..close];
                let (negate, set) = match set.first() {
                    Some('!' | '^') => (true, &set[1..]),
                    _ => (false, set),
                };
                let Some(&c) = text.first() else {
                    return false;
                };
                let mut found = false;
                let mut index = 0;
                while index < set.len() {
                    if index + 2 < set.len() && set[index + 1] == '-' {
                        found |= set[index] <= c && c <= set[index + 2];
                        index += 3;
                    } else {
                        found |= set[index] == c;
                        index += 1;
                    }
                }
                found != negate && matches(&pattern[close + 1..], &text[1..])
            }
            Some(&literal) => text.first() == Some(&literal) && matches(&pattern[1..], &text[1..]),
        }
    }
    matches(&pattern, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matching() {
        assert!(glob_matches("/???/?at", "/bin/cat"));
        assert!(!glob_matches("/???/?at", "/usr/bin/cat"));
        assert!(glob_matches("/usr/bin/[c]url", "/usr/bin/curl"));
        assert!(glob_matches("/bin/c*", "/bin/cat"));
    }
}

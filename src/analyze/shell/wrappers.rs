//! Looking through wrappers: the program that really runs behind `sudo`, `env`, `nohup`,
//! `timeout`, `xargs`, `busybox`, ..., and the scripts behind `sh -c`, `eval`, `su -c`,
//! `python -c` and `perl -e`.

/// What a command line runs once its wrappers are looked through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inner {
    /// A program with its arguments (the first word is the program).
    Exec(Vec<String>),
    /// A shell script run by the named wrapper (`sh -c`, `eval`, `su -c`).
    Script { wrapper: String, script: String },
    /// Interpreter code run by the named wrapper (`python -c`, `perl -e`).
    Code { wrapper: String, code: String },
}

/// Wrappers that only change how the wrapped program runs: it is reported in their place.
const TRANSPARENT: &[&str] = &[
    "sudo",
    "doas",
    "env",
    "nohup",
    "time",
    "nice",
    "ionice",
    "timeout",
    "stdbuf",
    "setsid",
    "command",
    "builtin",
    "exec",
    "xargs",
    "busybox",
    "watch",
    "strace",
    "ltrace",
    "unbuffer",
    "runuser",
    "chronic",
    "torsocks",
    "proxychains",
    "proxychains4",
    "catchsegv",
    "faketime",
];

/// Wrappers that matter themselves (where the program runs): reported and looked through.
pub const CONTEXT: &[&str] = &["chroot", "nsenter", "unshare", "su", "ssh", "docker", "podman", "kubectl", "crictl"];

/// Options, per wrapper, whose value is the next word.
const VALUED_OPTIONS: &[(&str, &[&str])] = &[
    ("sudo", &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "--user", "--group", "--chdir"]),
    ("doas", &["-u", "-C"]),
    ("env", &["-u", "-C", "-S", "--unset", "--chdir"]),
    ("timeout", &["-s", "-k", "--signal", "--kill-after"]),
    ("nice", &["-n", "--adjustment"]),
    ("ionice", &["-c", "-n", "-p"]),
    ("xargs", &["-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a"]),
    ("watch", &["-n", "--interval", "-d"]),
    ("strace", &["-o", "-e", "-p", "-s", "-u"]),
    ("ltrace", &["-o", "-e", "-p", "-s", "-u"]),
    ("runuser", &["-u", "-g", "-G", "--user", "--group"]),
    ("stdbuf", &["-i", "-o", "-e"]),
    ("nsenter", &["-t", "--target", "-S", "-G", "-r", "-w"]),
    ("unshare", &["--map-user", "--map-group"]),
    ("chroot", &["--userspec", "--groups"]),
];

fn valued(wrapper: &str, option: &str) -> bool {
    VALUED_OPTIONS.iter().any(|(name, options)| *name == wrapper && options.contains(&option))
}

fn base(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Skips a wrapper's options (and their values) starting at `index`; returns the next index.
fn skip_options(wrapper: &str, words: &[String], mut index: usize) -> usize {
    while let Some(word) = words.get(index) {
        if word == "--" {
            return index + 1;
        }
        if !word.starts_with('-') || word == "-" {
            break;
        }
        index += if valued(wrapper, word) { 2 } else { 1 };
    }
    index
}

/// Looks through wrappers: returns the wrappers passed (outermost first) and what runs inside.
pub fn unwrap(words: &[String]) -> (Vec<String>, Inner) {
    let mut wrappers = Vec::new();
    let mut index = 0;
    for _ in 0..16 {
        let Some(first) = words.get(index) else {
            break;
        };
        let program = base(first);
        if let Some(script) = shell_script(program, &words[index..]) {
            return (wrappers, Inner::Script { wrapper: program.to_string(), script });
        }
        if let Some(code) = interpreter_code(program, &words[index..]) {
            return (wrappers, Inner::Code { wrapper: program.to_string(), code });
        }
        if program == "eval" && words.len() > index + 1 {
            return (wrappers, Inner::Script { wrapper: "eval".to_string(), script: words[index + 1..].join(" ") });
        }
        if !TRANSPARENT.contains(&program)
            || (program == "command" && words.get(index + 1).is_some_and(|word| word == "-v"))
        {
            break;
        }
        let mut next = skip_options(program, words, index + 1);
        match program {
            "env" => {
                while words.get(next).is_some_and(|word| word.contains('=') && !word.starts_with('=')) {
                    next += 1;
                }
            }
            "timeout" => next += 1,
            "sudo" | "doas" => {
                while words.get(next).is_some_and(|word| word.contains('=') && !word.starts_with('-')) {
                    next += 1;
                }
            }
            _ => {}
        }
        if next >= words.len() {
            // A wrapper with nothing to run (`sudo -i`, `env`) is itself the command.
            break;
        }
        wrappers.push(program.to_string());
        index = next;
    }
    (wrappers, Inner::Exec(words[index.min(words.len())..].to_vec()))
}

/// The script of `sh -c SCRIPT`, `bash -lc SCRIPT`, `su [-] [user] -c SCRIPT`.
fn shell_script(program: &str, words: &[String]) -> Option<String> {
    let is_shell =
        super::decode::SHELLS.contains(&program) || matches!(program, "su" | "runuser" | "fish" | "tcsh" | "csh");
    if !is_shell {
        return None;
    }
    let mut rest = words.iter().skip(1);
    while let Some(word) = rest.next() {
        if word == "-c"
            || word == "--command"
            || (word.starts_with('-') && !word.starts_with("--") && word.contains('c'))
        {
            return rest.next().cloned();
        }
        if program == "busybox" && (word == "sh" || word == "ash") {
            continue;
        }
        if !word.starts_with('-') && !matches!(program, "su" | "runuser") {
            return None;
        }
    }
    None
}

/// The code of `python -c CODE`, `perl -e CODE`, `ruby -e`, `node -e`, `php -r`.
fn interpreter_code(program: &str, words: &[String]) -> Option<String> {
    let flags: &[&str] = match program {
        "python" | "python2" | "python3" => &["-c"],
        "perl" => &["-e", "-E"],
        "ruby" | "node" | "nodejs" => &["-e"],
        "php" => &["-r"],
        _ if program.starts_with("python3.") => &["-c"],
        _ => return None,
    };
    let mut rest = words.iter().skip(1);
    while let Some(word) = rest.next() {
        if flags.contains(&word.as_str()) {
            return rest.next().cloned();
        }
        if let Some(code) = flags.iter().find_map(|flag| word.strip_prefix(flag).filter(|code| !code.is_empty())) {
            return Some(code.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn looks_through_transparent_wrappers() {
        let (wrappers, inner) = unwrap(&words("sudo -u root env FOO=1 nohup timeout -s KILL 30 /usr/bin/curl -s x"));
        assert_eq!(wrappers, vec!["sudo", "env", "nohup", "timeout"]);
        assert_eq!(inner, Inner::Exec(words("/usr/bin/curl -s x")));
        assert_eq!(unwrap(&words("sudo -i")).1, Inner::Exec(words("sudo -i")));
        assert_eq!(unwrap(&words("xargs -I {} rm {}")).1, Inner::Exec(words("rm {}")));
        assert_eq!(unwrap(&words("busybox nc -e /bin/sh h 1")).1, Inner::Exec(words("nc -e /bin/sh h 1")));
    }

    #[test]
    fn finds_scripts_and_code() {
        let script = vec!["bash".to_string(), "-lc".to_string(), "id; whoami".to_string()];
        assert_eq!(unwrap(&script).1, Inner::Script { wrapper: "bash".to_string(), script: "id; whoami".to_string() });
        let su = vec!["su".to_string(), "-".to_string(), "root".to_string(), "-c".to_string(), "id".to_string()];
        assert_eq!(unwrap(&su).1, Inner::Script { wrapper: "su".to_string(), script: "id".to_string() });
        let python = vec!["python3".to_string(), "-c".to_string(), "import os".to_string()];
        assert_eq!(unwrap(&python).1, Inner::Code { wrapper: "python3".to_string(), code: "import os".to_string() });
        assert_eq!(
            unwrap(&words("eval id")).1,
            Inner::Script { wrapper: "eval".to_string(), script: "id".to_string() }
        );
        assert_eq!(unwrap(&words("bash script.sh")).1, Inner::Exec(words("bash script.sh")));
    }
}

//! What a shell prompt looks like, and how to read the user's line off a prompt row.
//!
//! Shells that use readline or zle announce a prompt with bracketed-paste mode, so most prompts
//! are found without guessing. These heuristics cover the rest (dash, busybox, REPLs, shells with
//! bracketed paste off): a prompt is text left of the cursor that ends in a conventional prompt
//! character, or text already seen as a prompt in this session.

/// Characters a prompt conventionally ends with, before optional spaces.
const PROMPT_TERMINATORS: &[char] = &['$', '#', '%', '>', '❯', '➜', '»', 'λ', ']', '→', '▶', ':'];

/// Prefixes of readline / zle incremental-search prompts, which replace the normal prompt while
/// the user searches history.
const SEARCH_PROMPTS: &[&str] = &["(reverse-i-search)`", "(i-search)`", "(failed reverse-i-search)`"];

/// True when `text` (what is left of the cursor) ends like a prompt: a terminator character
/// followed by at most two spaces, with at least one visible character.
pub fn looks_like_prompt(text: &str) -> bool {
    let trimmed = text.trim_end_matches(' ');
    if trimmed.is_empty() || text.len() - trimmed.len() > 2 {
        return false;
    }
    let Some(last) = trimmed.chars().last() else {
        return false;
    };
    // `:` ends password and `read -p` questions more often than shell prompts; only accept it
    // in the `host:path$`-less form some REPLs use when a space follows (`sqlite> ` style is `>`).
    if last == ':' {
        return false;
    }
    PROMPT_TERMINATORS.contains(&last)
}

/// The command in a line that shows a history search, such as
/// ``(reverse-i-search)`needle': echo needle-123`` → `echo needle-123`.
pub fn search_prompt_command(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if let Some(rest) = SEARCH_PROMPTS.iter().find_map(|prefix| trimmed.strip_prefix(prefix)) {
        return rest.split_once("': ").map(|(_, command)| command);
    }
    // zsh: `bck-i-search: needle_` shown below the line being edited; the line itself is above.
    None
}

/// True when the line ends with the `^C` echo of an interrupt: the line was abandoned.
pub fn ends_with_interrupt(line: &str) -> bool {
    line.trim_end().ends_with("^C")
}

/// Programs that show a prompt of their own: shells, REPLs, database clients, remote logins.
const INTERACTIVE_PROGRAMS: &[&str] = &[
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "mksh",
    "ash",
    "fish",
    "busybox",
    "tcsh",
    "csh",
    "python",
    "python2",
    "python3",
    "ipython",
    "node",
    "irb",
    "pry",
    "lua",
    "php",
    "perl",
    "psql",
    "mysql",
    "mariadb",
    "sqlite3",
    "redis-cli",
    "mongo",
    "mongosh",
    "cqlsh",
    "mysqlsh",
    "su",
    "ssh",
    "telnet",
    "nsenter",
    "chroot",
    "kubectl",
    "docker",
    "podman",
    "gdb",
    "ftp",
    "sftp",
    "bc",
    "R",
    "ghci",
    "julia",
    "erl",
    "iex",
    "tsh",
];

/// True when a command line starts a program that shows its own prompt (so the prompt that
/// follows belongs to it, not to the shell that ran it).
pub fn launches_interactive_program(command: &str) -> bool {
    command
        .split_whitespace()
        .filter(|word| !word.starts_with('-') && !word.contains('='))
        .take(3)
        .any(|word| INTERACTIVE_PROGRAMS.contains(&word.rsplit('/').next().unwrap_or(word)))
}

/// Removes a right-side prompt (zsh `RPROMPT`) from the end of a submitted line.
pub fn strip_right_prompt<'a>(line: &'a str, right_prompt: &str) -> &'a str {
    let right_prompt = right_prompt.trim();
    if right_prompt.is_empty() {
        return line.trim_end();
    }
    let trimmed = line.trim_end();
    match trimmed.strip_suffix(right_prompt) {
        // Only strip when a gap separates it from the command, as zsh draws it.
        Some(rest) if rest.ends_with(' ') || rest.is_empty() => rest.trim_end(),
        _ => trimmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prompts_are_recognised() {
        for prompt in ["$ ", "root@web:~# ", "% ", "user@h ~ % ", ">>> ", "db=> ", "❯ ", "λ ", "[a@b ~]$ ", "mysql> "]
        {
            assert!(looks_like_prompt(prompt), "{prompt:?}");
        }
    }

    #[test]
    fn output_is_not_a_prompt() {
        for text in ["hello", "Password: ", "Continue? [y/N]   ", "", "   ", "50% done"] {
            assert!(!looks_like_prompt(text), "{text:?}");
        }
    }

    #[test]
    fn reads_history_search_lines() {
        assert_eq!(search_prompt_command("(reverse-i-search)`need': echo needle-123"), Some("echo needle-123"));
        assert_eq!(search_prompt_command("user@h:~$ ls"), None);
    }

    #[test]
    fn strips_zsh_right_prompt() {
        assert_eq!(strip_right_prompt("ls -la                 [0]", "[0]"), "ls -la");
        assert_eq!(strip_right_prompt("echo [0]", "[0]"), "echo");
        assert_eq!(strip_right_prompt("echo x[0]", "[0]"), "echo x[0]");
    }
}

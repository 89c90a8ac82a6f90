//! When the bash parser rejects a line, split it plainly on `;`, `&&`, `||` and `|` and words
//! on whitespace (quotes kept together), so rules still see approximate commands.

/// Approximate simple commands of a line: each is its words, with the pipeline stage index.
pub fn split_commands(text: &str) -> Vec<Vec<Vec<String>>> {
    let mut pipelines: Vec<Vec<Vec<String>>> = vec![vec![Vec::new()]];
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    let finish_word = |word: &mut String, pipelines: &mut Vec<Vec<Vec<String>>>| {
        if !word.is_empty()
            && let Some(command) = pipelines.last_mut().and_then(|pipeline| pipeline.last_mut())
        {
            command.push(std::mem::take(word));
        }
    };
    while let Some(c) = chars.next() {
        if let Some(close) = quote {
            if c == close {
                quote = None;
            } else {
                word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '\\' => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            ';' | '\n' | '&' => {
                finish_word(&mut word, &mut pipelines);
                if c == '&' && chars.peek() == Some(&'&') {
                    chars.next();
                }
                pipelines.push(vec![Vec::new()]);
            }
            '|' => {
                finish_word(&mut word, &mut pipelines);
                if chars.peek() == Some(&'|') {
                    chars.next();
                    pipelines.push(vec![Vec::new()]);
                } else if let Some(pipeline) = pipelines.last_mut() {
                    pipeline.push(Vec::new());
                }
            }
            c if c.is_whitespace() => finish_word(&mut word, &mut pipelines),
            c => word.push(c),
        }
    }
    finish_word(&mut word, &mut pipelines);
    pipelines
        .into_iter()
        .map(|pipeline| pipeline.into_iter().filter(|command| !command.is_empty()).collect::<Vec<_>>())
        .filter(|pipeline| !pipeline.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lists_and_pipelines() {
        let pipelines = split_commands("a 'b c' | d; e && f || g");
        assert_eq!(pipelines.len(), 4);
        assert_eq!(pipelines[0], vec![vec!["a".to_string(), "b c".to_string()], vec!["d".to_string()]]);
    }
}

//! Splitting a line into words with their columns, the way iptables-restore
//! and ufw's files quote (`"a b"`, `'a b'`, `\"` inside double quotes).

use portcullis_model::Span;
use std::sync::Arc;

/// A word and the column it starts at (1-based, in characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub column: u32,
}

/// Splits `line` into words. An unclosed quote runs to the end of the line
/// (the reader that cares reports it; `None` tells it where).
pub fn split(line: &str) -> (Vec<Word>, Option<u32>) {
    let mut out = Vec::new();
    let mut chars = line.chars().enumerate().peekable();
    let mut unclosed = None;
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let column = i as u32 + 1;
        let mut text = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c == '"' || c == '\'' {
                let quote = c;
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == quote {
                        closed = true;
                        break;
                    }
                    if d == '\\' && quote == '"' {
                        if let Some(&(_, e)) = chars.peek() {
                            if e == '"' || e == '\\' {
                                text.push(e);
                                chars.next();
                                continue;
                            }
                        }
                    }
                    text.push(d);
                }
                if !closed {
                    unclosed = Some(column);
                }
            } else {
                text.push(c);
            }
        }
        out.push(Word { text, column });
    }
    (out, unclosed)
}

/// At most the first `n` bytes of `text`, cut at a character boundary:
/// where detection looks for a format's marks.
pub fn head(text: &str, n: usize) -> &str {
    let mut end = text.len().min(n);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Lines of a text with their 1-based numbers, without line ends.
pub fn lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.split('\n').enumerate().map(|(i, l)| (i as u32 + 1, l.strip_suffix('\r').unwrap_or(l)))
}

/// The span of a column on a line of `file`.
pub fn span(file: &Arc<str>, line: u32, column: u32) -> Span {
    Span::new(file.clone(), line, column)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn quotes_and_columns() {
        let (w, bad) = split(r#"-A INPUT -m comment --comment "say \"hi\" there" -j ACCEPT"#);
        assert_eq!(bad, None);
        let texts: Vec<&str> = w.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, ["-A", "INPUT", "-m", "comment", "--comment", "say \"hi\" there", "-j", "ACCEPT"]);
        assert_eq!(w[1].column, 4);
        assert_eq!(w[5].column, 31);
        assert_eq!(split("a 'b").1, Some(3));
    }
}

//! Bicep tokens, with byte offsets.
//!
//! Lexical grammar: <https://learn.microsoft.com/azure/azure-resource-manager/bicep/file>
//! and <https://learn.microsoft.com/azure/azure-resource-manager/bicep/data-types#strings>.
//! Strings are single-quoted with `\` escapes (`\\ \' \n \r \t \$ \u{…}`)
//! and `${…}` interpolation, which the lexer splits into pieces the way the
//! Bicep compiler does: `'a${` (start), `}b${` (middle), `}c'` (end).
//! `'''…'''` strings are verbatim. Newlines are tokens: they separate
//! declarations, object properties and array items.

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    Identifier(String),
    Integer(String),
    /// A whole string without interpolation.
    String(String),
    /// `'text${`
    StringStart(String),
    /// `}text${`
    StringMiddle(String),
    /// `}text'`
    StringEnd(String),
    Punctuation(&'static str),
    NewLine,
    End,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

/// Operators, longest first.
const PUNCTS: &[&str] = &[
    "...", "??", "?.", ".?", "==", "!=", "=~", "!~", "<=", ">=", "&&", "||", "=>", "::", "{", "}", "[", "]", "(", ")",
    ",", ":", ".", "?", "=", "<", ">", "+", "-", "*", "/", "%", "!", "@", "|", "&",
];

/// A lexical error: where, and what.
#[derive(Clone, Debug)]
pub struct LexError {
    pub offset: u32,
    pub message: String,
}

pub fn lex(text: &str) -> Result<Vec<Token>, LexError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    // One counter of open `{` per interpolation being lexed: a `}` that
    // closes none of them resumes the string.
    let mut interp: Vec<u32> = Vec::new();
    let mut i = 0usize;
    let err = |offset: usize, message: &str| LexError { offset: offset as u32, message: message.into() };
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                out.push(Token { kind: TokenKind::NewLine, start: i as u32, end: i as u32 + 1 });
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end =
                    memchr::memmem::find(&b[i + 2..], b"*/").ok_or_else(|| err(i, "a `/*` comment is not closed"))?;
                // A comment across lines still ends the line it started on.
                if memchr::memchr(b'\n', &b[i..i + 2 + end]).is_some() {
                    out.push(Token { kind: TokenKind::NewLine, start: i as u32, end: i as u32 });
                }
                i += 2 + end + 2;
            }
            // `#disable-next-line …` and other pragmas: a whole line.
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' if b[i..].starts_with(b"'''") => {
                let end = memchr::memmem::find(&b[i + 3..], b"'''")
                    .ok_or_else(|| err(i, "a multi-line string ''' is not closed"))?;
                let body = &text[i + 3..i + 3 + end];
                // A line break right after the opening quotes is not part of it.
                let body = body.strip_prefix("\r\n").or_else(|| body.strip_prefix('\n')).unwrap_or(body);
                i += 3 + end + 3;
                out.push(Token { kind: TokenKind::String(body.to_string()), start: start as u32, end: i as u32 });
            }
            b'\'' => {
                let (s, next, interpolates) = string_piece(text, i + 1)?;
                i = next;
                let tok = if interpolates {
                    interp.push(0);
                    TokenKind::StringStart(s)
                } else {
                    TokenKind::String(s)
                };
                out.push(Token { kind: tok, start: start as u32, end: i as u32 });
            }
            b'}' if interp.last() == Some(&0) => {
                interp.pop();
                let (s, next, interpolates) = string_piece(text, i + 1)?;
                i = next;
                let tok = if interpolates {
                    interp.push(0);
                    TokenKind::StringMiddle(s)
                } else {
                    TokenKind::StringEnd(s)
                };
                out.push(Token { kind: tok, start: start as u32, end: i as u32 });
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push(Token {
                    kind: TokenKind::Identifier(text[start..i].to_string()),
                    start: start as u32,
                    end: i as u32,
                });
            }
            _ if c.is_ascii_digit() => {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(Token {
                    kind: TokenKind::Integer(text[start..i].to_string()),
                    start: start as u32,
                    end: i as u32,
                });
            }
            _ => {
                let Some(p) = PUNCTS.iter().find(|p| b[i..].starts_with(p.as_bytes())) else {
                    let ch = text[i..].chars().next().unwrap_or(' ');
                    return Err(err(i, &format!("unexpected character `{ch}`")));
                };
                match *p {
                    "{" => {
                        if let Some(n) = interp.last_mut() {
                            *n += 1;
                        }
                    }
                    "}" => {
                        if let Some(n) = interp.last_mut() {
                            *n = n.saturating_sub(1);
                        }
                    }
                    _ => {}
                }
                i += p.len();
                out.push(Token { kind: TokenKind::Punctuation(p), start: start as u32, end: i as u32 });
            }
        }
    }
    if !interp.is_empty() {
        return Err(err(b.len(), "a string interpolation `${` is not closed"));
    }
    out.push(Token { kind: TokenKind::End, start: b.len() as u32, end: b.len() as u32 });
    Ok(out)
}

/// Reads string text from `i` up to the closing quote or the next `${`:
/// (text, the offset after it, whether it stopped at `${`).
fn string_piece(text: &str, mut i: usize) -> Result<(String, usize, bool), LexError> {
    let b = text.as_bytes();
    let mut out = String::new();
    let begin = i;
    loop {
        let Some(&c) = b.get(i) else {
            return Err(LexError { offset: begin.saturating_sub(1) as u32, message: "a string is not closed".into() });
        };
        match c {
            b'\'' => return Ok((out, i + 1, false)),
            b'$' if b.get(i + 1) == Some(&b'{') => return Ok((out, i + 2, true)),
            b'\n' => {
                return Err(LexError {
                    offset: begin.saturating_sub(1) as u32,
                    message: "a string is not closed on its line".into(),
                })
            }
            b'\\' => {
                let e = b.get(i + 1).copied().unwrap_or(b' ');
                i += 2;
                match e {
                    b'\\' => out.push('\\'),
                    b'\'' => out.push('\''),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'$' => out.push('$'),
                    b'u' if b.get(i) == Some(&b'{') => {
                        let close = text[i..].find('}').map(|e| i + e);
                        let ch =
                            close.and_then(|c| u32::from_str_radix(&text[i + 1..c], 16).ok()).and_then(char::from_u32);
                        match (ch, close) {
                            (Some(ch), Some(c)) => {
                                out.push(ch);
                                i = c + 1;
                            }
                            _ => {
                                return Err(LexError {
                                    offset: (i - 2) as u32,
                                    message: "`\\u{…}` needs a hexadecimal code point".into(),
                                })
                            }
                        }
                    }
                    _ => {
                        return Err(LexError {
                            offset: (i - 2) as u32,
                            message: format!("unknown escape `\\{}` in a string", e as char),
                        })
                    }
                }
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<TokenKind> {
        lex(s).expect("lexes").into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn interpolation_pieces_and_nested_braces() {
        assert_eq!(
            toks("'a${x}b${ {k: 1}.k }c'"),
            vec![
                TokenKind::StringStart("a".into()),
                TokenKind::Identifier("x".into()),
                TokenKind::StringMiddle("b".into()),
                TokenKind::Punctuation("{"),
                TokenKind::Identifier("k".into()),
                TokenKind::Punctuation(":"),
                TokenKind::Integer("1".into()),
                TokenKind::Punctuation("}"),
                TokenKind::Punctuation("."),
                TokenKind::Identifier("k".into()),
                TokenKind::StringEnd("c".into()),
                TokenKind::End
            ]
        );
        assert_eq!(toks(r"'it\'s \${not} \u{41}'"), vec![TokenKind::String("it's ${not} A".into()), TokenKind::End]);
        assert_eq!(toks("'''\nraw ${x} 'q'\n'''"), vec![TokenKind::String("raw ${x} 'q'\n".into()), TokenKind::End]);
    }

    #[test]
    fn comments_pragmas_and_errors() {
        assert_eq!(
            toks("a // c\n#disable-next-line x\n/* b\n */ b.?c ?? d"),
            vec![
                TokenKind::Identifier("a".into()),
                TokenKind::NewLine,
                TokenKind::NewLine,
                TokenKind::NewLine,
                TokenKind::Identifier("b".into()),
                TokenKind::Punctuation(".?"),
                TokenKind::Identifier("c".into()),
                TokenKind::Punctuation("??"),
                TokenKind::Identifier("d".into()),
                TokenKind::End
            ]
        );
        assert!(lex("'open").is_err());
        assert!(lex("'${x'").is_err());
        assert!(lex("/* open").is_err());
        assert!(lex("'\\q'").is_err());
        assert!(lex("a ~ b").is_err());
    }
}

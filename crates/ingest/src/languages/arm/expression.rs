//! The expression between a string's brackets: parsed into an [`Expression`].

use super::MAX_DEPTH;
use std::fmt;

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expression {
    String(String),
    Integer(i64),
    Call { name: String, args: Vec<Expression> },
    Property(Box<Expression>, String),
    Index(Box<Expression>, Box<Expression>),
}

impl fmt::Display for Expression {
    /// A canonical form (no spaces, lower-case function names), the same
    /// however the expression was spaced or cased.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expression::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Expression::Integer(i) => write!(f, "{i}"),
            Expression::Call { name, args } => {
                write!(f, "{}(", name.to_ascii_lowercase())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expression::Property(e, p) => write!(f, "{e}.{p}"),
            Expression::Index(e, i) => write!(f, "{e}[{i}]"),
        }
    }
}

struct Parser<'s> {
    s: &'s [u8],
    src: &'s str,
    pos: usize,
    depth: usize,
}

/// Parses the text between the brackets.
pub(crate) fn parse(src: &str) -> Result<Expression, String> {
    let mut p = Parser { s: src.as_bytes(), src, pos: 0, depth: 0 };
    let e = p.expr()?;
    p.skip_whitespace();
    if p.pos < p.s.len() {
        return Err(format!("unexpected `{}` at character {}", p.rest_char(), p.pos + 1));
    }
    Ok(e)
}

impl Parser<'_> {
    fn skip_whitespace(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn rest_char(&self) -> char {
        self.src.get(self.pos..).and_then(|r| r.chars().next()).unwrap_or(' ')
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_whitespace();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_whitespace();
        let start = self.pos;
        while self.pos < self.s.len() && (self.s[self.pos].is_ascii_alphanumeric() || self.s[self.pos] == b'_') {
            self.pos += 1;
        }
        (self.pos > start && !self.s[start].is_ascii_digit()).then(|| self.src[start..self.pos].to_string())
    }

    fn expr(&mut self) -> Result<Expression, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("expression nested too deeply".into());
        }
        let mut e = self.primary()?;
        loop {
            if self.eat(b'.') {
                let name =
                    self.ident().ok_or_else(|| format!("expected a property name at character {}", self.pos + 1))?;
                if self.eat(b'(') {
                    // A user-defined function: `namespace.name(…)`.
                    let args = self.args()?;
                    e = Expression::Call { name: format!("{e}.{name}"), args };
                } else {
                    e = Expression::Property(Box::new(e), name);
                }
            } else if self.eat(b'[') {
                let i = self.expr()?;
                if !self.eat(b']') {
                    return Err(format!("expected `]` at character {}", self.pos + 1));
                }
                e = Expression::Index(Box::new(e), Box::new(i));
            } else {
                break;
            }
        }
        self.depth -= 1;
        Ok(e)
    }

    fn args(&mut self) -> Result<Vec<Expression>, String> {
        let mut args = Vec::new();
        if self.eat(b')') {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(b')') {
                return Ok(args);
            }
            if !self.eat(b',') {
                return Err(format!("expected `,` or `)` at character {}", self.pos + 1));
            }
        }
    }

    fn primary(&mut self) -> Result<Expression, String> {
        self.skip_whitespace();
        match self.s.get(self.pos) {
            None => Err("the expression ends too early".into()),
            Some(b'\'') => {
                self.pos += 1;
                let mut out = String::new();
                loop {
                    let rest = &self.src[self.pos..];
                    let Some(i) = rest.find('\'') else { return Err("a string is not closed".into()) };
                    out.push_str(&rest[..i]);
                    self.pos += i + 1;
                    if self.s.get(self.pos) == Some(&b'\'') {
                        out.push('\'');
                        self.pos += 1;
                    } else {
                        return Ok(Expression::String(out));
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.pos;
                self.pos += 1;
                while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
                self.src[start..self.pos]
                    .parse()
                    .map(Expression::Integer)
                    .map_err(|_| format!("`{}` is not a number", &self.src[start..self.pos]))
            }
            Some(_) => {
                let name = self
                    .ident()
                    .ok_or_else(|| format!("unexpected `{}` at character {}", self.rest_char(), self.pos + 1))?;
                if self.eat(b'(') {
                    let args = self.args()?;
                    Ok(Expression::Call { name, args })
                } else {
                    match name.to_ascii_lowercase().as_str() {
                        "true" | "false" | "null" => Ok(Expression::Call { name, args: Vec::new() }),
                        _ => Err(format!("`{name}` should be a function call")),
                    }
                }
            }
        }
    }
}

//! Bicep syntax tree for the declarations portcullis evaluates: `param`,
//! `var` and `resource` (with nested child resources); other declarations
//! (`module`, `output`, `type`, `func`, `import`, `metadata`,
//! `targetScope`…) are skipped whole. Every node keeps its byte offsets.
//!
//! Grammar: <https://learn.microsoft.com/azure/azure-resource-manager/bicep/file>,
//! operators and their precedence:
//! <https://learn.microsoft.com/azure/azure-resource-manager/bicep/operators>.

use super::lex::{Token, TokenKind};

#[derive(Clone, Debug)]
pub struct Expression {
    pub kind: ExpressionKind,
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug)]
pub enum StringPart {
    Literal(String),
    Expression(Expression),
}

#[derive(Clone, Debug)]
pub enum ExpressionKind {
    String(Vec<StringPart>),
    Integer(String),
    Bool(bool),
    Null,
    Identifier(String),
    Array(Vec<Expression>),
    /// Properties (key, key offset, value) and nested resources.
    Object(Vec<(String, u32, Expression)>, Vec<Resource>),
    /// `[for item in iter: body]` or `[for (item, index) in iter: body]`.
    For {
        item: String,
        index: Option<String>,
        iter: Box<Expression>,
        body: Box<Expression>,
    },
    /// `if (cond) body`: a resource or loop body that may not exist.
    If(Box<Expression>, Box<Expression>),
    Ternary(Box<Expression>, Box<Expression>, Box<Expression>),
    Binary(&'static str, Box<Expression>, Box<Expression>),
    Unary(&'static str, Box<Expression>),
    /// `base.name` (`safe`: `base.?name`).
    Property {
        base: Box<Expression>,
        name: String,
        safe: bool,
    },
    Index {
        base: Box<Expression>,
        index: Box<Expression>,
        safe: bool,
    },
    /// `parent::child`
    Child(Box<Expression>, String),
    /// `name(args)` or `namespace.name(args)`.
    Call {
        name: String,
        args: Vec<Expression>,
    },
    Lambda,
}

#[derive(Clone, Debug)]
pub struct Resource {
    pub symbol: String,
    /// Offset of the symbolic name.
    pub at: u32,
    /// The type as written, without the API version.
    pub ty: String,
    pub existing: bool,
    pub value: Expression,
}

#[derive(Clone, Debug)]
pub enum Declaration {
    Param { name: String, at: u32, default: Option<Expression> },
    Var { name: String, at: u32, value: Expression },
    Resource(Resource),
}

#[derive(Clone, Debug)]
pub struct ParseError {
    pub offset: u32,
    pub message: String,
}

/// Deepest nesting parsed: real files nest a few levels.
const MAX_DEPTH: usize = 48;

pub struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    /// Inside `( … )` newlines do not separate anything.
    in_parens: u32,
    depth: usize,
    pub errors: Vec<ParseError>,
}

type Parsed<T> = Result<T, ParseError>;

impl<'t> Parser<'t> {
    pub fn new(toks: &'t [Token]) -> Self {
        Parser { toks, pos: 0, in_parens: 0, depth: 0, errors: Vec::new() }
    }

    fn raw(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn skip_nl(&mut self) {
        while matches!(self.raw().kind, TokenKind::NewLine) {
            self.pos += 1;
        }
    }

    /// The next token; newlines are skipped inside parentheses.
    fn peek(&mut self) -> &Token {
        if self.in_parens > 0 {
            self.skip_nl();
        }
        self.raw()
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is(&mut self, p: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Punctuation(q) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.is(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn fail<T>(&mut self, what: &str) -> Parsed<T> {
        let t = self.peek().clone();
        let found = match &t.kind {
            TokenKind::Identifier(s) => format!("`{s}`"),
            TokenKind::Integer(s) => format!("`{s}`"),
            TokenKind::String(_) | TokenKind::StringStart(_) => "a string".into(),
            TokenKind::StringMiddle(_) | TokenKind::StringEnd(_) => "`}`".into(),
            TokenKind::Punctuation(p) => format!("`{p}`"),
            TokenKind::NewLine => "the end of the line".into(),
            TokenKind::End => "the end of the file".into(),
        };
        Err(ParseError { offset: t.start, message: format!("expected {what}, found {found}") })
    }

    fn expect(&mut self, p: &str) -> Parsed<()> {
        if self.eat(p) {
            Ok(())
        } else {
            self.fail(&format!("`{p}`"))
        }
    }

    fn ident(&mut self) -> Parsed<(String, u32)> {
        match self.peek().kind.clone() {
            TokenKind::Identifier(s) => {
                let at = self.next().start;
                Ok((s, at))
            }
            _ => self.fail("a name"),
        }
    }

    /// Skips to the end of the current line, over balanced brackets.
    fn skip_line(&mut self) {
        let mut depth = 0i32;
        loop {
            match &self.raw().kind {
                TokenKind::End => return,
                TokenKind::NewLine if depth <= 0 => return,
                TokenKind::Punctuation("{" | "[" | "(") | TokenKind::StringStart(_) => depth += 1,
                TokenKind::Punctuation("}" | "]" | ")") | TokenKind::StringEnd(_) => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// Skips a declaration: its line, and the lines that continue it (a
    /// multi-line conditional in an `output`), up to the next line that
    /// starts a declaration or a decorator.
    fn skip_decl(&mut self) {
        const STARTS: &[&str] = &[
            "param",
            "var",
            "resource",
            "module",
            "output",
            "type",
            "func",
            "import",
            "using",
            "extension",
            "provider",
            "metadata",
            "targetScope",
            "assert",
        ];
        loop {
            self.skip_line();
            self.skip_nl();
            match &self.raw().kind {
                TokenKind::End | TokenKind::Punctuation("@") => return,
                TokenKind::Identifier(k) if STARTS.contains(&k.as_str()) => return,
                _ => {}
            }
        }
    }

    /// The whole file; a declaration that does not parse is an error and
    /// is skipped, the rest still read.
    pub fn file(&mut self) -> Vec<Declaration> {
        let mut out = Vec::new();
        loop {
            self.skip_nl();
            let start = self.pos;
            let t = self.raw().clone();
            let r = match &t.kind {
                TokenKind::End => break,
                TokenKind::Identifier(k) => match k.as_str() {
                    "param" => self.param().map(Some),
                    "var" => self.var().map(Some),
                    "resource" => self.resource().map(|r| Some(Declaration::Resource(r))),
                    _ => {
                        self.skip_decl();
                        Ok(None)
                    }
                },
                // Decorators: `@description('…')` before a declaration.
                TokenKind::Punctuation("@") => {
                    self.pos += 1;
                    self.postfix().map(|_| None)
                }
                _ => self.fail("a declaration"),
            };
            let r = r.and_then(|d| match (&d, &self.raw().kind) {
                (_, TokenKind::NewLine | TokenKind::End) | (None, _) => Ok(d),
                _ => self.fail("the end of the declaration"),
            });
            match r {
                Ok(Some(d)) => out.push(d),
                Ok(None) => {}
                Err(e) => {
                    self.errors.push(e);
                    self.in_parens = 0;
                    self.depth = 0;
                    self.pos = start;
                    self.skip_decl();
                }
            }
            if self.pos == start {
                self.pos += 1;
            }
        }
        out
    }

    fn param(&mut self) -> Parsed<Declaration> {
        self.pos += 1;
        let (name, at) = self.ident()?;
        // The type: anything up to `=` or the end of the line.
        let mut depth = 0i32;
        loop {
            match &self.raw().kind {
                TokenKind::End => break,
                TokenKind::NewLine if depth <= 0 => break,
                TokenKind::Punctuation("=") if depth <= 0 => break,
                TokenKind::Punctuation("{" | "[" | "(") | TokenKind::StringStart(_) => depth += 1,
                TokenKind::Punctuation("}" | "]" | ")") | TokenKind::StringEnd(_) => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        let default = if self.eat("=") { Some(self.expr()?) } else { None };
        Ok(Declaration::Param { name, at, default })
    }

    fn var(&mut self) -> Parsed<Declaration> {
        self.pos += 1;
        let (name, at) = self.ident()?;
        // An optional type (`var x string = …`).
        while !self.is("=") && !matches!(self.raw().kind, TokenKind::NewLine | TokenKind::End) {
            self.pos += 1;
        }
        self.expect("=")?;
        let value = self.expr()?;
        Ok(Declaration::Var { name, at, value })
    }

    fn resource(&mut self) -> Parsed<Resource> {
        self.pos += 1;
        let (symbol, at) = self.ident()?;
        let ty = match self.peek().kind.clone() {
            TokenKind::String(s) => {
                self.pos += 1;
                s.split('@').next().unwrap_or_default().to_string()
            }
            _ => return self.fail("the resource type as a string"),
        };
        let existing = matches!(&self.peek().kind, TokenKind::Identifier(k) if k == "existing");
        if existing {
            self.pos += 1;
        }
        self.expect("=")?;
        let value = self.expr()?;
        Ok(Resource { symbol, at, ty, existing, value })
    }

    pub fn expr(&mut self) -> Parsed<Expression> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail("an expression nested less deeply");
        }
        let r = self.ternary();
        self.depth -= 1;
        r
    }

    /// A newline followed by one of `ops` continues the expression.
    fn continues(&mut self, ops: &[&str]) -> bool {
        let mut i = self.pos;
        while matches!(self.toks.get(i).map(|t| &t.kind), Some(TokenKind::NewLine)) {
            i += 1;
        }
        match self.toks.get(i).map(|t| &t.kind) {
            Some(TokenKind::Punctuation(p)) if ops.contains(p) => {
                self.pos = i;
                true
            }
            _ => false,
        }
    }

    fn ternary(&mut self) -> Parsed<Expression> {
        let c = self.binary(0)?;
        if self.is("?") || self.continues(&["?"]) {
            self.pos += 1;
            self.skip_nl();
            let a = self.expr()?;
            if !self.continues(&[":"]) && !self.is(":") {
                return self.fail("`:` of a conditional");
            }
            self.pos += 1;
            self.skip_nl();
            let b = self.expr()?;
            let (start, end) = (c.start, b.end);
            return Ok(Expression { kind: ExpressionKind::Ternary(Box::new(c), Box::new(a), Box::new(b)), start, end });
        }
        Ok(c)
    }

    fn binary(&mut self, level: usize) -> Parsed<Expression> {
        const LEVELS: &[&[&str]] = &[
            &["??"],
            &["||"],
            &["&&"],
            &["==", "!=", "=~", "!~"],
            &["<", "<=", ">", ">="],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            let op = match self.peek().kind.clone() {
                TokenKind::Punctuation(p) if LEVELS[level].contains(&p) => p,
                TokenKind::NewLine if level <= 2 && self.continues(LEVELS[level]) => continue,
                _ => break,
            };
            self.pos += 1;
            self.skip_nl();
            let right = self.binary(level + 1)?;
            let (start, end) = (left.start, right.end);
            left = Expression { kind: ExpressionKind::Binary(op, Box::new(left), Box::new(right)), start, end };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Parsed<Expression> {
        let t = self.peek().clone();
        if let TokenKind::Punctuation(op @ ("!" | "-")) = t.kind {
            self.pos += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return self.fail("an expression nested less deeply");
            }
            let e = self.unary();
            self.depth -= 1;
            let e = e?;
            let end = e.end;
            return Ok(Expression { kind: ExpressionKind::Unary(op, Box::new(e)), start: t.start, end });
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Parsed<Expression> {
        let mut e = self.primary()?;
        loop {
            let t = self.peek().clone();
            match t.kind {
                TokenKind::Punctuation(p @ ("." | ".?" | "?.")) => {
                    self.pos += 1;
                    let (name, _) = self.ident()?;
                    if self.is("(") && !matches!(self.raw().kind, TokenKind::NewLine) {
                        // `ns.func(…)`
                        let args = self.args()?;
                        let end = self.toks[self.pos - 1].end;
                        let full = match &e.kind {
                            ExpressionKind::Identifier(ns) => format!("{ns}.{name}"),
                            _ => name,
                        };
                        e = Expression { kind: ExpressionKind::Call { name: full, args }, start: e.start, end };
                    } else {
                        let end = self.toks[self.pos - 1].end;
                        let start = e.start;
                        e = Expression {
                            kind: ExpressionKind::Property { base: Box::new(e), name, safe: p != "." },
                            start,
                            end,
                        };
                    }
                }
                TokenKind::Punctuation("::") => {
                    self.pos += 1;
                    let (name, _) = self.ident()?;
                    let end = self.toks[self.pos - 1].end;
                    let start = e.start;
                    e = Expression { kind: ExpressionKind::Child(Box::new(e), name), start, end };
                }
                TokenKind::Punctuation("[") => {
                    self.pos += 1;
                    let saved = std::mem::replace(&mut self.in_parens, 1);
                    let safe = self.eat("?");
                    let index = self.expr();
                    let close = self.expect("]");
                    self.in_parens = saved;
                    let (index, _) = (index?, close?);
                    let end = self.toks[self.pos - 1].end;
                    let start = e.start;
                    e = Expression {
                        kind: ExpressionKind::Index { base: Box::new(e), index: Box::new(index), safe },
                        start,
                        end,
                    };
                }
                TokenKind::Punctuation("(") => {
                    let ExpressionKind::Identifier(name) = &e.kind else { break };
                    let name = name.clone();
                    let args = self.args()?;
                    let end = self.toks[self.pos - 1].end;
                    e = Expression { kind: ExpressionKind::Call { name, args }, start: e.start, end };
                }
                // Non-null assertion `x!`: the value itself.
                TokenKind::Punctuation("!")
                    if !matches!(self.toks.get(self.pos + 1).map(|t| &t.kind), Some(TokenKind::Punctuation("="))) =>
                {
                    if self.raw().start == e.end {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        Ok(e)
    }

    fn args(&mut self) -> Parsed<Vec<Expression>> {
        self.expect("(")?;
        self.in_parens += 1;
        let r = self.args_inner();
        self.in_parens -= 1;
        r
    }

    fn args_inner(&mut self) -> Parsed<Vec<Expression>> {
        let mut args = Vec::new();
        if self.eat(")") {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(")") {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn primary(&mut self) -> Parsed<Expression> {
        let t = self.peek().clone();
        let at = |kind: ExpressionKind| Expression { kind, start: t.start, end: t.end };
        match t.kind {
            TokenKind::Integer(n) => {
                self.pos += 1;
                Ok(at(ExpressionKind::Integer(n)))
            }
            TokenKind::String(s) => {
                self.pos += 1;
                Ok(at(ExpressionKind::String(vec![StringPart::Literal(s)])))
            }
            TokenKind::StringStart(s) => {
                self.pos += 1;
                let mut parts = vec![StringPart::Literal(s)];
                let saved = std::mem::replace(&mut self.in_parens, 1);
                let r = (|| loop {
                    parts.push(StringPart::Expression(self.expr()?));
                    match self.raw().kind.clone() {
                        TokenKind::StringMiddle(s) => {
                            self.pos += 1;
                            parts.push(StringPart::Literal(s));
                        }
                        TokenKind::StringEnd(s) => {
                            self.pos += 1;
                            parts.push(StringPart::Literal(s));
                            return Ok(());
                        }
                        _ => return self.fail("the end of a `${…}` interpolation"),
                    }
                })();
                self.in_parens = saved;
                r?;
                let end = self.toks[self.pos - 1].end;
                Ok(Expression { kind: ExpressionKind::String(parts), start: t.start, end })
            }
            TokenKind::Identifier(name) => {
                self.pos += 1;
                match name.as_str() {
                    "true" => Ok(at(ExpressionKind::Bool(true))),
                    "false" => Ok(at(ExpressionKind::Bool(false))),
                    "null" => Ok(at(ExpressionKind::Null)),
                    "if" => {
                        self.expect("(")?;
                        self.in_parens += 1;
                        let c = self.expr();
                        let close = self.expect(")");
                        self.in_parens -= 1;
                        let (c, _) = (c?, close?);
                        let body = self.expr()?;
                        let end = body.end;
                        Ok(Expression { kind: ExpressionKind::If(Box::new(c), Box::new(body)), start: t.start, end })
                    }
                    _ if self.is("=>") => {
                        self.pos += 1;
                        let body = self.expr()?;
                        Ok(Expression { kind: ExpressionKind::Lambda, start: t.start, end: body.end })
                    }
                    _ => Ok(at(ExpressionKind::Identifier(name))),
                }
            }
            TokenKind::Punctuation("(") => {
                // A lambda `(a, b) => …` or a parenthesized expression.
                if self.lambda_ahead() {
                    while !self.eat("=>") {
                        self.pos += 1;
                    }
                    let body = self.expr()?;
                    return Ok(Expression { kind: ExpressionKind::Lambda, start: t.start, end: body.end });
                }
                self.pos += 1;
                self.in_parens += 1;
                let e = self.expr();
                let close = self.expect(")");
                self.in_parens -= 1;
                let (mut e, _) = (e?, close?);
                e.start = t.start;
                e.end = self.toks[self.pos - 1].end;
                Ok(e)
            }
            TokenKind::Punctuation("[") => self.array(),
            TokenKind::Punctuation("{") => self.object(),
            _ => self.fail("a value"),
        }
    }

    /// `( name, name ) =>` ahead.
    fn lambda_ahead(&self) -> bool {
        let mut i = self.pos + 1;
        loop {
            match self.toks.get(i).map(|t| &t.kind) {
                Some(TokenKind::Identifier(_) | TokenKind::NewLine | TokenKind::Punctuation(",")) => i += 1,
                Some(TokenKind::Punctuation(")")) => {
                    return matches!(self.toks.get(i + 1).map(|t| &t.kind), Some(TokenKind::Punctuation("=>")))
                }
                _ => return false,
            }
        }
    }

    /// Items are separated by newlines or commas.
    fn array(&mut self) -> Parsed<Expression> {
        let start = self.next().start;
        let saved = std::mem::replace(&mut self.in_parens, 0);
        let r = self.array_inner(start);
        self.in_parens = saved;
        r
    }

    fn array_inner(&mut self, start: u32) -> Parsed<Expression> {
        self.skip_nl();
        if matches!(&self.raw().kind, TokenKind::Identifier(k) if k == "for") {
            self.pos += 1;
            self.in_parens = 1;
            let (item, index) = if self.eat("(") {
                let (a, _) = self.ident()?;
                self.expect(",")?;
                let (b, _) = self.ident()?;
                self.expect(")")?;
                (a, Some(b))
            } else {
                (self.ident()?.0, None)
            };
            match &self.peek().kind {
                TokenKind::Identifier(k) if k == "in" => self.pos += 1,
                _ => return self.fail("`in`"),
            }
            let iter = self.expr()?;
            self.expect(":")?;
            let body = self.expr()?;
            self.expect("]")?;
            let end = self.toks[self.pos - 1].end;
            return Ok(Expression {
                kind: ExpressionKind::For { item, index, iter: Box::new(iter), body: Box::new(body) },
                start,
                end,
            });
        }
        let mut items = Vec::new();
        loop {
            self.skip_nl();
            if self.eat("]") {
                break;
            }
            items.push(self.expr()?);
            if !self.eat(",") && !matches!(self.raw().kind, TokenKind::NewLine) && !self.is("]") {
                return self.fail("a new line, `,` or `]` after an array item");
            }
        }
        let end = self.toks[self.pos - 1].end;
        Ok(Expression { kind: ExpressionKind::Array(items), start, end })
    }

    /// Properties are separated by newlines or commas; nested `resource`
    /// declarations and decorators may appear among them.
    fn object(&mut self) -> Parsed<Expression> {
        let start = self.next().start;
        let saved = std::mem::replace(&mut self.in_parens, 0);
        let r = self.object_inner(start);
        self.in_parens = saved;
        r
    }

    fn object_inner(&mut self, start: u32) -> Parsed<Expression> {
        let mut props = Vec::new();
        let mut children = Vec::new();
        loop {
            self.skip_nl();
            if self.eat("}") {
                break;
            }
            if self.eat("@") {
                self.postfix()?;
                continue;
            }
            if self.eat("...") {
                // A spread: its properties are not known here.
                let e = self.expr()?;
                props.push(("...".to_string(), e.start, e));
            } else {
                let t = self.peek().clone();
                let key = match &t.kind {
                    TokenKind::Identifier(k)
                        if k == "resource"
                            && matches!(
                                self.toks.get(self.pos + 1).map(|t| &t.kind),
                                Some(TokenKind::Identifier(_))
                            ) =>
                    {
                        children.push(self.resource()?);
                        continue;
                    }
                    TokenKind::Identifier(k) => k.clone(),
                    TokenKind::String(k) => k.clone(),
                    TokenKind::StringStart(_) => {
                        // An interpolated key: kept as written.
                        let e = self.primary()?;
                        self.expect(":")?;
                        let v = self.expr()?;
                        props.push((format!("${{{}}}", e.start), t.start, v));
                        continue;
                    }
                    _ => return self.fail("a property name"),
                };
                self.pos += 1;
                self.expect(":")?;
                let v = self.expr()?;
                props.push((key, t.start, v));
            }
            if !self.eat(",") && !matches!(self.raw().kind, TokenKind::NewLine) && !self.is("}") {
                return self.fail("a new line, `,` or `}` after a property");
            }
        }
        let end = self.toks[self.pos - 1].end;
        Ok(Expression { kind: ExpressionKind::Object(props, children), start, end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::languages::bicep::lex::lex;

    fn parse(src: &str) -> (Vec<Declaration>, Vec<ParseError>) {
        let toks = lex(src).expect("lexes");
        let mut p = Parser::new(&toks);
        let d = p.file();
        (d, p.errors)
    }

    #[test]
    fn declarations_and_expressions() {
        let src = r#"
metadata name = 'x'
@description('The NSG name.')
@minLength(3)
param nsgName string = 'nsg-${suffix}'
param ports array
param cfg {
  a: string
}?
var rules = [for (p, i) in ports: {
  name: 'r${i}'
  priority: 100 + i * 10
}]
var open = empty(ports) ? '*' : (length(ports) > 2
  ? 'many'
  : 'few')
var pick = cfg.?a ?? rules[?0].name
resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: nsgName
  properties: { securityRules: rules }
  resource ssh 'securityRules' = {
    name: 'ssh'
  }
}
resource old 'Microsoft.Network/networkSecurityGroups@2023-09-01' existing = { name: 'old' }
output id string = nsg.id
func double(x int) int => x * 2
type t = { a: string }
"#;
        let (decls, errors) = parse(src);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(decls.len(), 8, "{decls:#?}");
        let Declaration::Resource(r) = &decls[6] else { panic!("resource") };
        assert_eq!(r.ty, "Microsoft.Network/networkSecurityGroups");
        let ExpressionKind::Object(props, children) = &r.value.kind else { panic!("object") };
        assert_eq!(props.len(), 2);
        assert_eq!(children.len(), 1);
        assert!(matches!(&decls[7], Declaration::Resource(r) if r.existing));
    }

    #[test]
    fn a_bad_declaration_is_an_error_and_the_rest_is_read() {
        let (decls, errors) = parse("var a = [1 2]\nvar b = 'ok'\nvar c = {\n  x 1\n}\nparam d string = 1 +\n");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(decls.iter().any(|d| matches!(d, Declaration::Var { name, .. } if name == "b")));
        for deep in [
            format!("var x = {}", "(".repeat(5000)),
            format!("var x = {}", "!".repeat(5000)),
            format!("var x = {}", "[".repeat(5000)),
            format!("var x = {}", "{a: ".repeat(5000)),
        ] {
            let (_, errors) = parse(&deep);
            assert!(!errors.is_empty(), "deep nesting is refused, not a stack overflow");
        }
    }
}

//! Expressions: JSON and HCL syntax, operators, `for` expressions,
//! string templates, attribute access and indexing.

use super::*;

impl<'a> Evaluator<'a> {
    pub(super) fn eval_json(&self, sc: &Scope, ex: Expr<'_>, n: &Node, refs: &mut Refs) -> Evaluated<HclValue> {
        let span = ex.span();
        Ok(match &n.value {
            Value::Null => HclValue::null(span),
            Value::Bool(b) => HclValue::bool(*b, span),
            Value::Number(s) => match s.parse::<f64>() {
                Ok(f) if f.is_finite() => HclValue::num(f, span),
                _ => return fail(format!("number {s} is out of range"), &span),
            },
            Value::String(s) => match ex.file.templates.get(&n.offset) {
                Some(t) => {
                    let tex = Expr { file: ex.file, expression: ex.expression, pin: Some(n.offset) };
                    self.template(sc, tex, t, refs)?.with_span(span)
                }
                None => HclValue::str(s.to_string(), span),
            },
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for c in a {
                    out.push(self.eval(sc, Expr::json(ex.file, c), refs)?);
                }
                HclValue::list(out, span)
            }
            Value::Object(ms) => {
                let mut out = Vec::with_capacity(ms.len());
                for m in ms {
                    out.push((m.key.to_string(), self.eval(sc, Expr::json(ex.file, &m.value), refs)?));
                }
                HclValue::obj(out, span)
            }
        })
    }

    pub(super) fn eval_hcl(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        e: &Expression,
        span: Span,
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        Ok(match e {
            Expression::Null(_) => HclValue::null(span),
            Expression::Bool(b) => HclValue::bool(*b.value(), span),
            Expression::Number(n) => match n.value().as_f64() {
                Some(f) if f.is_finite() => HclValue::num(f, span),
                _ => return fail("number out of range", &span),
            },
            Expression::String(s) => HclValue::str(s.as_str(), span),
            Expression::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for x in a.iter() {
                    out.push(self.eval(sc, ex.sub(x), refs)?);
                }
                HclValue::list(out, span)
            }
            Expression::Object(o) => {
                let mut out: Vec<(String, HclValue)> = Vec::with_capacity(o.len());
                let mut unknown: Option<HclValue> = None;
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(ke) => {
                            // A bare name in parentheses-less position is
                            // literal (`{ (var.kind) = 1 }` evaluates).
                            let kv = match ke {
                                Expression::Variable(v) => HclValue::str(v.as_str(), ex.sub(ke).span()),
                                _ => self.eval(sc, ex.sub(ke), refs)?,
                            };
                            match &kv.kind {
                                HclKind::Unknown(_) => {
                                    unknown.get_or_insert(kv.clone());
                                    continue;
                                }
                                _ => match kv.to_str() {
                                    Some(s) => s,
                                    None => {
                                        return fail(
                                            format!("object key must be a string, found {}", kv.type_name()),
                                            &kv.span,
                                        )
                                    }
                                },
                            }
                        }
                    };
                    let val = self.eval(sc, ex.sub(v.expr()), refs)?;
                    out.retain(|(k, _)| *k != key);
                    out.push((key, val));
                }
                if let Some(u) = unknown {
                    return Ok(u.with_span(span));
                }
                HclValue::obj(out, span)
            }
            Expression::StringTemplate(t) => {
                let tpl: &Template = t;
                self.template(sc, ex, tpl, refs)?.with_span(span)
            }
            Expression::HeredocTemplate(h) => self.template(sc, ex, &h.template, refs)?.with_span(span),
            Expression::Parenthesis(p) => self.eval(sc, ex.sub(p.inner()), refs)?.with_span(span),
            Expression::Variable(v) => match sc.lookup(v.as_str()) {
                Some(x) => x.clone().with_span(span),
                None => self.root_ref(sc, ex, v.as_str(), &[], span, refs)?,
            },
            Expression::Conditional(c) => {
                let cond = self.eval(sc, ex.sub(&c.cond_expr), refs)?;
                match &cond.kind {
                    HclKind::Unknown(r) => {
                        // Both branches may be taken: keep their references.
                        let _ = self.eval(sc, ex.sub(&c.true_expr), refs);
                        let _ = self.eval(sc, ex.sub(&c.false_expr), refs);
                        HclValue::unknown(r.to_string(), span)
                    }
                    _ => match cond.to_bool() {
                        Some(true) => self.eval(sc, ex.sub(&c.true_expr), refs)?,
                        Some(false) => self.eval(sc, ex.sub(&c.false_expr), refs)?,
                        None => {
                            return fail(format!("condition must be a bool, found {}", cond.type_name()), &cond.span)
                        }
                    },
                }
            }
            Expression::FuncCall(c) => {
                let name = if c.name.is_namespaced() {
                    let mut s: Vec<&str> = c.name.namespace.iter().map(|n| n.as_str()).collect();
                    s.push(c.name.name.as_str());
                    s.join("::")
                } else {
                    c.name.name.as_str().to_string()
                };
                let args: Vec<Expr> = c.args.iter().map(|a| ex.sub(a)).collect();
                self.call(sc, &name, &args, c.args.expand_final(), span, refs)?
            }
            Expression::Traversal(t) => {
                let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                match &t.expr {
                    Expression::Variable(v) if sc.lookup(v.as_str()).is_none() => {
                        self.root_ref(sc, ex, v.as_str(), &ops, span, refs)?
                    }
                    other => {
                        let base = self.eval(sc, ex.sub(other), refs)?;
                        self.apply_ops(sc, ex, base, &ops, refs)?.with_span(span)
                    }
                }
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(sc, ex.sub(&u.expr), refs)?;
                if let HclKind::Unknown(_) = v.kind {
                    return Ok(v.with_span(span));
                }
                match u.operator.value() {
                    UnaryOperator::Neg => match v.to_num() {
                        Some(n) => HclValue::num(-n, span),
                        None => return fail(format!("`-` needs a number, found {}", v.type_name()), &span),
                    },
                    UnaryOperator::Not => match v.to_bool() {
                        Some(b) => HclValue::bool(!b, span),
                        None => return fail(format!("`!` needs a bool, found {}", v.type_name()), &span),
                    },
                }
            }
            Expression::BinaryOp(b) => self.binary(sc, ex, b, span, refs)?,
            Expression::ForExpr(f) => self.for_expr(sc, ex, f, span, refs)?,
        })
    }

    pub(super) fn binary(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        b: &hcl_edit::expr::BinaryOp,
        span: Span,
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        use BinaryOperator as B;
        let l = self.eval(sc, ex.sub(&b.lhs_expr), refs)?;
        let r = self.eval(sc, ex.sub(&b.rhs_expr), refs)?;
        let op = *b.operator.value();
        match op {
            B::And | B::Or => {
                // A known operand can decide the answer alone (HCL's
                // logical operators short-circuit on known values).
                let lb = if l.is_unknown() { None } else { Some(bool_operand(&l)?) };
                let rb = if r.is_unknown() { None } else { Some(bool_operand(&r)?) };
                let decided = if op == B::And { Some(false) } else { Some(true) };
                if lb == decided || rb == decided {
                    return Ok(HclValue::bool(decided == Some(true), span));
                }
                match (lb, rb) {
                    (Some(x), Some(y)) => Ok(HclValue::bool(if op == B::And { x && y } else { x || y }, span)),
                    _ => Ok(unknown_of(&[&l, &r], span)),
                }
            }
            B::Eq | B::NotEq => match equals(&l, &r) {
                Some(x) => Ok(HclValue::bool(if op == B::Eq { x } else { !x }, span)),
                None => Ok(unknown_of(&[&l, &r], span)),
            },
            _ => {
                if l.is_unknown()
                    || r.is_unknown()
                    || matches!(l.kind, HclKind::Resource(_))
                    || matches!(r.kind, HclKind::Resource(_))
                {
                    return Ok(unknown_of(&[&l, &r], span));
                }
                let (Some(x), Some(y)) = (l.to_num(), r.to_num()) else {
                    return fail(
                        format!("`{}` needs numbers, found {} and {}", op.as_str(), l.type_name(), r.type_name()),
                        &span,
                    );
                };
                let n = match op {
                    B::Plus => x + y,
                    B::Minus => x - y,
                    B::Mul => x * y,
                    B::Div => {
                        if y == 0.0 {
                            return fail("division by zero", &span);
                        }
                        x / y
                    }
                    B::Mod => {
                        if y == 0.0 {
                            return fail("modulo by zero", &span);
                        }
                        x % y
                    }
                    B::Less => return Ok(HclValue::bool(x < y, span)),
                    B::LessEq => return Ok(HclValue::bool(x <= y, span)),
                    B::Greater => return Ok(HclValue::bool(x > y, span)),
                    B::GreaterEq => return Ok(HclValue::bool(x >= y, span)),
                    _ => return fail("unsupported operator", &span),
                };
                if !n.is_finite() {
                    return fail("arithmetic overflow", &span);
                }
                Ok(HclValue::num(n, span))
            }
        }
    }

    pub(super) fn for_expr(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        f: &hcl_edit::expr::ForExpr,
        span: Span,
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        let coll = self.eval(sc, ex.sub(&f.intro.collection_expr), refs)?;
        let items = match iterate(&coll)? {
            Some(items) => items,
            None => {
                // Unknown collection: evaluate the body once for its references.
                let u = coll.clone();
                let mut s2 = sc.bind(f.intro.value_var.as_str(), u.clone());
                if let Some(k) = &f.intro.key_var {
                    s2 = s2.bind(k.as_str(), u.clone());
                }
                let _ = self.eval(&s2, ex.sub(&f.value_expr), refs);
                return Ok(u.with_span(span));
            }
        };
        self.tick(items.len() as u64, &span)?;
        let mut list: Vec<HclValue> = Vec::new();
        let mut obj: Vec<(String, HclValue)> = Vec::new();
        let mut groups: Vec<(String, Vec<HclValue>)> = Vec::new();
        let mut unknown: Option<HclValue> = None;
        for (k, v) in items {
            let mut s2 = sc.bind(f.intro.value_var.as_str(), v);
            if let Some(kv) = &f.intro.key_var {
                s2 = s2.bind(kv.as_str(), k);
            }
            if let Some(c) = &f.cond {
                let cv = self.eval(&s2, ex.sub(&c.expr), refs)?;
                if cv.is_unknown() {
                    unknown.get_or_insert(cv);
                    continue;
                }
                match cv.to_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return fail(format!("`if` condition must be a bool, found {}", cv.type_name()), &cv.span),
                }
            }
            let val = self.eval(&s2, ex.sub(&f.value_expr), refs)?;
            match &f.key_expr {
                None => list.push(val),
                Some(ke) => {
                    let kv = self.eval(&s2, ex.sub(ke), refs)?;
                    if kv.is_unknown() {
                        unknown.get_or_insert(kv);
                        continue;
                    }
                    let Some(key) = kv.to_str() else {
                        return fail(format!("object key must be a string, found {}", kv.type_name()), &kv.span);
                    };
                    if f.grouping {
                        match groups.iter_mut().find(|(g, _)| *g == key) {
                            Some((_, g)) => g.push(val),
                            None => groups.push((key, vec![val])),
                        }
                    } else {
                        if obj.iter().any(|(x, _)| *x == key) {
                            return fail(
                                format!(
                                    "duplicate object key {}; add `...` after the value to group them",
                                    quote(&key)
                                ),
                                &kv.span,
                            );
                        }
                        obj.push((key, val));
                    }
                }
            }
        }
        if let Some(u) = unknown {
            return Ok(u.with_span(span));
        }
        Ok(match &f.key_expr {
            None => HclValue::list(list, span),
            Some(_) if f.grouping => {
                HclValue::obj(groups.into_iter().map(|(k, vs)| (k, HclValue::list(vs, span.clone()))).collect(), span)
            }
            Some(_) => HclValue::obj(obj, span),
        })
    }

    /// A template: literal text, interpolations and directives. A template
    /// that is one interpolation and nothing else returns that value as is
    /// (Terraform's `"${var.list}"` is the list).
    pub fn template(&self, sc: &Scope, ex: Expr<'_>, t: &Template, refs: &mut Refs) -> Evaluated<HclValue> {
        let span = ex.span_of(t);
        let elems: Vec<&Element> = t.iter().collect();
        if let [Element::Interpolation(i)] = elems.as_slice() {
            return self.eval(sc, ex.sub(&i.expr), refs);
        }
        let mut out = String::new();
        let mut unknown: Option<HclValue> = None;
        let mut strip_next = false;
        self.template_into(sc, ex, &elems, &mut out, &mut unknown, &mut strip_next, refs)?;
        if let Some(u) = unknown {
            return Ok(u.with_span(span));
        }
        Ok(HclValue::str(out, span))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn template_into(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        elems: &[&Element],
        out: &mut String,
        unknown: &mut Option<HclValue>,
        strip_next: &mut bool,
        refs: &mut Refs,
    ) -> Evaluated<()> {
        let _g = self.enter(&ex.span())?;
        for el in elems {
            match el {
                Element::Literal(s) => {
                    let s: &str = s.value();
                    let s = if std::mem::take(strip_next) { s.trim_start() } else { s };
                    self.tick(1 + s.len() as u64 / 16, &ex.span())?;
                    out.push_str(s);
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        trim_end_in_place(out);
                    }
                    *strip_next = i.strip.strip_end();
                    let v = self.eval(sc, ex.sub(&i.expr), refs)?;
                    let before = out.len();
                    push_interp(&v, out, unknown)?;
                    self.tick((out.len() - before) as u64 / 16, &ex.span())?;
                }
                Element::Directive(d) => match &**d {
                    Directive::If(d) => {
                        if d.if_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        *strip_next = d.if_expr.strip.strip_end();
                        let c = self.eval(sc, ex.sub(&d.if_expr.cond_expr), refs)?;
                        let chosen = if c.is_unknown() {
                            unknown.get_or_insert(c.clone());
                            None
                        } else {
                            match c.to_bool() {
                                Some(b) => Some(b),
                                None => {
                                    return fail(
                                        format!("`if` condition must be a bool, found {}", c.type_name()),
                                        &c.span,
                                    )
                                }
                            }
                        };
                        match chosen {
                            Some(true) => {
                                let els: Vec<&Element> = d.if_expr.template.iter().collect();
                                self.template_into(sc, ex, &els, out, unknown, strip_next, refs)?;
                            }
                            Some(false) => {
                                if let Some(e) = &d.else_expr {
                                    *strip_next = e.strip.strip_end();
                                    let els: Vec<&Element> = e.template.iter().collect();
                                    self.template_into(sc, ex, &els, out, unknown, strip_next, refs)?;
                                }
                            }
                            None => {}
                        }
                        if d.endif_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        *strip_next = d.endif_expr.strip.strip_end();
                    }
                    Directive::For(d) => {
                        let fe = &d.for_expr;
                        if fe.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let coll = self.eval(sc, ex.sub(&fe.collection_expr), refs)?;
                        match iterate(&coll)? {
                            None => {
                                unknown.get_or_insert(coll.clone());
                            }
                            Some(items) => {
                                let els: Vec<&Element> = fe.template.iter().collect();
                                for (k, v) in items {
                                    *strip_next = fe.strip.strip_end();
                                    let mut s2 = sc.bind(fe.value_var.as_str(), v);
                                    if let Some(kv) = &fe.key_var {
                                        s2 = s2.bind(kv.as_str(), k);
                                    }
                                    self.template_into(&s2, ex, &els, out, unknown, strip_next, refs)?;
                                    if d.endfor_expr.strip.strip_start() {
                                        trim_end_in_place(out);
                                    }
                                }
                            }
                        }
                        *strip_next = d.endfor_expr.strip.strip_end();
                    }
                },
            }
            if out.len() > funcs::MAX_STR {
                return fail("template result larger than 16 MiB", &ex.span());
            }
        }
        Ok(())
    }

    /// Applies traversal operators (`.a`, `[0]`, `[*]`, `.*`) to a value.
    pub(super) fn apply_ops(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        mut v: HclValue,
        ops: &[&TraversalOperator],
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        let mut i = 0;
        while i < ops.len() {
            let op = ops[i];
            match op {
                TraversalOperator::GetAttr(name) => v = self.get_attr(v, name.as_str(), &ex.span_of(name))?,
                TraversalOperator::Index(ie) => {
                    let k = self.eval(sc, ex.sub(ie), refs)?;
                    v = self.index_lenient(v, &k)?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    let k = HclValue::num(*n.value() as f64, ex.span_of(n));
                    v = self.index_lenient(v, &k)?;
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    // `.*` applies the following attribute accesses to each
                    // element; `[*]` applies everything that follows.
                    let full = matches!(op, TraversalOperator::FullSplat(_));
                    let mut j = i + 1;
                    while j < ops.len() && (full || matches!(ops[j], TraversalOperator::GetAttr(_))) {
                        j += 1;
                    }
                    let rest = &ops[i + 1..j];
                    let elems: Vec<HclValue> = match &v.kind {
                        HclKind::Unknown(_) => return Ok(v),
                        HclKind::Null => Vec::new(),
                        HclKind::List(l) => l.to_vec(),
                        _ => vec![v.clone()],
                    };
                    let span = v.span.clone();
                    let mut out = Vec::with_capacity(elems.len());
                    for e in elems {
                        out.push(self.apply_ops(sc, ex, e, rest, refs)?);
                    }
                    v = HclValue::list(out, span);
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        Ok(v)
    }

    /// `v[k]`, where an element missing from a resource's configured
    /// block list is one the provider may add: unknown.
    pub(super) fn index_lenient(&self, v: HclValue, k: &HclValue) -> Evaluated<HclValue> {
        let ptr = match &v.kind {
            HclKind::List(l) => Rc::as_ptr(l) as *const () as usize,
            HclKind::Object(o) => Rc::as_ptr(o) as *const () as usize,
            _ => 0,
        };
        match index(v, k) {
            Err(e) if ptr != 0 && self.from_resources.borrow().contains(&ptr) => {
                Ok(HclValue::unknown(format!("this element is known only after apply ({})", e.msg), e.span))
            }
            r => r,
        }
    }

    pub(super) fn get_attr(&self, v: HclValue, name: &str, span: &Span) -> Evaluated<HclValue> {
        match &v.kind {
            HclKind::Unknown(_) => Ok(v),
            HclKind::Object(o) => match v.get(name) {
                Some(x) => Ok(x.clone()),
                None if self.from_resources.borrow().contains(&(Rc::as_ptr(o) as *const () as usize)) => {
                    Ok(HclValue::unknown(format!("nested attribute `{name}` is known only after apply"), span.clone()))
                }
                None => fail(format!("this object does not have an attribute named \"{name}\""), span),
            },
            HclKind::Resource(r) => self.res_attr(r, name, span),
            HclKind::Null => fail(format!("cannot read attribute \"{name}\" from a null value"), span),
            _ => fail(format!("cannot read attribute \"{name}\" from a {}", v.type_name()), span),
        }
    }
}

pub(super) fn show_key(k: &HclValue) -> String {
    match &k.kind {
        HclKind::String(s) => quote(s),
        HclKind::Number(n) => fmt_num(*n),
        _ => k.type_name().to_string(),
    }
}

pub(super) fn bool_operand(v: &HclValue) -> Evaluated<bool> {
    match v.to_bool() {
        Some(b) => Ok(b),
        None => fail(format!("a bool is required, found {}", v.type_name()), &v.span),
    }
}

/// The unknown among operands, for an operator whose result it decides.
pub(super) fn unknown_of(vs: &[&HclValue], span: Span) -> HclValue {
    let r = vs.iter().find_map(|v| v.first_unknown()).map(|r| r.to_string()).unwrap_or_default();
    HclValue::unknown(r, span)
}

/// (key, value) pairs of a collection: lists by index, objects by sorted
/// key. `None` when the collection is unknown.
pub(crate) fn iterate(v: &HclValue) -> Evaluated<Option<Vec<(HclValue, HclValue)>>> {
    match &v.kind {
        HclKind::Unknown(_) | HclKind::Resource(_) => Ok(None),
        HclKind::List(l) => {
            Ok(Some(l.iter().enumerate().map(|(i, x)| (HclValue::num(i as f64, x.span.clone()), x.clone())).collect()))
        }
        HclKind::Object(o) => Ok(Some(
            sorted_entries(o).into_iter().map(|(k, x)| (HclValue::str(k, x.span.clone()), x.clone())).collect(),
        )),
        HclKind::Null => fail("cannot iterate over a null value", &v.span),
        _ => fail(format!("cannot iterate over a {}", v.type_name()), &v.span),
    }
}

/// `v[k]`.
pub(crate) fn index(v: HclValue, k: &HclValue) -> Evaluated<HclValue> {
    if k.is_unknown() {
        return Ok(k.clone());
    }
    match &v.kind {
        HclKind::Unknown(_) => Ok(v),
        HclKind::List(l) => {
            let Some(i) = k.to_num().and_then(as_int) else {
                return fail(format!("a list index must be a whole number, found {}", k.type_name()), &k.span);
            };
            match usize::try_from(i).ok().and_then(|i| l.get(i)) {
                Some(x) => Ok(x.clone()),
                None => fail(format!("index {i} is out of range for a list of {} elements", l.len()), &k.span),
            }
        }
        HclKind::Object(_) => {
            let Some(s) = k.to_str() else {
                return fail(format!("a map key must be a string, found {}", k.type_name()), &k.span);
            };
            match v.get(&s) {
                Some(x) => Ok(x.clone()),
                None => fail(format!("the map has no element for key {}", quote(&s)), &k.span),
            }
        }
        HclKind::Null => fail("cannot index a null value", &k.span),
        _ => fail(format!("cannot index a {}", v.type_name()), &k.span),
    }
}

pub(super) fn push_interp(v: &HclValue, out: &mut String, unknown: &mut Option<HclValue>) -> Evaluated<()> {
    match &v.kind {
        HclKind::Unknown(_) | HclKind::Resource(_) => {
            if unknown.is_none() {
                *unknown = Some(HclValue::unknown(
                    v.first_unknown().map(|r| r.to_string()).unwrap_or_default(),
                    v.span.clone(),
                ));
            }
            Ok(())
        }
        HclKind::Null => fail("a null value cannot be used in a string template", &v.span),
        _ => match v.to_str() {
            Some(s) => {
                out.push_str(&s);
                Ok(())
            }
            None => fail(format!("a {} cannot be used in a string template", v.type_name()), &v.span),
        },
    }
}

pub(super) fn trim_end_in_place(s: &mut String) {
    let n = s.trim_end().len();
    s.truncate(n);
}

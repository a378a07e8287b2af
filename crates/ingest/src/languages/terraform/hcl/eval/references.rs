//! References: `var.`, `local.`, `module.`, resource attributes and
//! outputs, evaluated on demand and memoized per module instance, with the
//! managed-resource addresses each expression led to.

use super::*;

impl<'a> Evaluator<'a> {
    /// An attribute of a managed resource instance: the configured value
    /// when configuration sets it, otherwise known only after apply.
    pub(super) fn res_attr(&self, r: &ResourceHandle, name: &str, span: &Span) -> Evaluated<HclValue> {
        let inst = self.inst(r.inst);
        let decl = self.decl(&inst);
        let Some(rd) = decl.resources.get(r.res) else { return fail("internal: resource index", span) };
        let after_apply = || HclValue::unknown(format!("{}.{name} is known only after apply", r.addr), span.clone());
        if !rd.body.sets(name) || META_ATTRS.contains(&name) {
            return Ok(after_apply());
        }
        let outs = self.resource(r.inst, r.res, span)?;
        let found = outs.iter().find(|o| o.addr == r.addr).or_else(|| outs.first());
        // A configured null leaves an optional attribute to the provider,
        // which may compute it: unknown, not null.
        Ok(found
            .and_then(|o| o.values.get(name))
            .filter(|v| !matches!(v.kind, HclKind::Null))
            .cloned()
            .unwrap_or_else(after_apply))
    }

    /// A reference that starts with a name not bound in scope: `var.x`,
    /// `local.x`, `module.m.o`, `data.t.n.a`, `count.index`, `each.key`,
    /// `path.module`, `terraform.workspace`, or `TYPE.NAME` of a resource.
    pub(super) fn root_ref(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        root: &str,
        ops: &[&TraversalOperator],
        span: Span,
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        let need = |i: usize, what: &str| -> Evaluated<&str> {
            match attr(i) {
                Some(a) => Ok(a),
                None => fail(format!("`{root}` must be followed by {what}"), &span),
            }
        };
        let inst = self.inst(sc.inst);
        let (base, used) = match root {
            "var" => {
                let name = need(0, "a variable name")?;
                let (n, missing) = self.var(sc.inst, name, &span)?;
                refs.extend(&n.refs);
                let v = if missing { n.value.with_span(span.clone()) } else { n.value };
                (v, 1)
            }
            "local" => {
                let name = need(0, "a local value name")?;
                let n = self.local(sc.inst, name, &span)?;
                refs.extend(&n.refs);
                (n.value, 1)
            }
            "module" => {
                let name = need(0, "a module name")?;
                let (v, used) = self.module_ref(sc, ex, name, &ops[1..], &span, refs)?;
                (v, 1 + used)
            }
            "data" => {
                let t = need(0, "a data source type")?;
                let n = need(1, "a data source name")?;
                let decl = self.decl(&inst);
                if !decl.datas.contains(&(t, n)) {
                    return fail(format!("reference to undeclared data source data.{t}.{n}"), &span);
                }
                return Ok(HclValue::unknown(format!("data source data.{t}.{n} is read at plan/apply time"), span));
            }
            "count" => {
                let a = need(0, "`.index`")?;
                match (a, &sc.iter.count) {
                    ("index", Some(v)) => (v.clone().with_span(span.clone()), 1),
                    _ => return fail("`count.index` is only available in a resource or module with `count`", &span),
                }
            }
            "each" => {
                let a = need(0, "`.key` or `.value`")?;
                match (a, &sc.iter.each) {
                    ("key", Some((k, _))) => (k.clone().with_span(span.clone()), 1),
                    ("value", Some((_, v))) => (v.clone(), 1),
                    _ => return fail("`each.key` and `each.value` are only available with `for_each`", &span),
                }
            }
            "path" => {
                let a = need(0, "`.module`, `.root` or `.cwd`")?;
                let s = match a {
                    "module" => inst.path_module.clone(),
                    "root" => ".".to_string(),
                    "cwd" => self.cwd.clone(),
                    _ => return fail(format!("unknown attribute path.{a}"), &span),
                };
                (HclValue::str(s, span.clone()), 1)
            }
            "terraform" => match attr(0) {
                Some("workspace") => (HclValue::str("default", span.clone()), 1),
                _ => return Ok(HclValue::unknown("terraform.* other than workspace is not evaluated", span)),
            },
            "self" => return Ok(HclValue::unknown("`self` is known only after apply", span)),
            "null" | "true" | "false" => return fail(format!("`{root}` cannot be traversed"), &span),
            ty => {
                let name = need(0, "a resource name")?;
                let (v, used) = self.resource_ref(sc, ex, ty, name, &ops[1..], &span, refs)?;
                (v, 1 + used)
            }
        };
        self.apply_ops(sc, ex, base, &ops[used..], refs).map(|v| v.with_span(span))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn resource_ref(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        ty: &str,
        name: &str,
        rest: &[&TraversalOperator],
        span: &Span,
        refs: &mut Refs,
    ) -> Evaluated<(HclValue, usize)> {
        let inst = self.inst(sc.inst);
        let decl = self.decl(&inst);
        let Some(&ri) = decl.res_idx.get(&(ty, name)) else {
            return fail(format!("reference to undeclared resource {ty}.{name}"), span);
        };
        let base = format!("{}{ty}.{name}", inst.prefix);
        let exp = self.expansion(sc.inst, ri, span)?;
        let handle = |_key: InstanceKey, addr: String| {
            HclValue::new(HclKind::Resource(Rc::new(ResourceHandle { inst: sc.inst, res: ri, addr })), span.clone())
        };
        // An index right after the name picks one instance: record it.
        if let (Some(TraversalOperator::Index(ie)), Expansion::Count(_) | Expansion::Keys(_)) = (rest.first(), &*exp) {
            let k = self.eval(sc, ex.sub(ie), refs)?;
            refs.push(&base);
            if k.is_unknown() {
                return Ok((k.with_span(span.clone()), 1));
            }
            let key = match (&*exp, &k.kind) {
                (Expansion::Count(n), _) => match k.to_num().and_then(as_int) {
                    Some(i) if i >= 0 && i < *n => InstanceKey::Int(i),
                    _ => return fail(format!("{base} has no instance [{}]", show_key(&k)), span),
                },
                (Expansion::Keys(ks), _) => match k.to_str() {
                    Some(s) if ks.iter().any(|(x, _)| *x == s) => InstanceKey::Str(s),
                    _ => return fail(format!("{base} has no instance [{}]", show_key(&k)), span),
                },
                _ => unreachable_key(),
            };
            let addr = format!("{base}{}", key.suffix());
            // The instance address is more precise than the base: keep it.
            refs.0.retain(|x| *x != base);
            refs.push(&addr);
            return Ok((handle(key, addr), 1));
        }
        refs.push(&base);
        let v = match &*exp {
            Expansion::One => handle(InstanceKey::None, base.clone()),
            Expansion::Count(n) => HclValue::list(
                (0..*n).map(|i| handle(InstanceKey::Int(i), format!("{base}[{i}]"))).collect(),
                span.clone(),
            ),
            Expansion::Keys(ks) => HclValue::obj(
                ks.iter()
                    .map(|(k, _)| (k.clone(), handle(InstanceKey::Str(k.clone()), format!("{base}[{}]", quote(k)))))
                    .collect(),
                span.clone(),
            ),
            Expansion::Unknown(r) => HclValue::unknown(format!("{base}: {r}"), span.clone()),
        };
        Ok((v, 0))
    }

    pub(super) fn module_ref(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        name: &str,
        rest: &[&TraversalOperator],
        span: &Span,
        refs: &mut Refs,
    ) -> Evaluated<(HclValue, usize)> {
        let inst = self.inst(sc.inst);
        let decl = self.decl(&inst);
        let Some(&ci) = decl.call_idx.get(name) else {
            return fail(format!("reference to undeclared module `{name}`"), span);
        };
        let ch = self.children(sc.inst, ci, span)?;
        let (list, unknown) = match &*ch {
            Children::Opaque(reason) => return Ok((HclValue::unknown(reason.clone(), span.clone()), rest.len())),
            Children::Insts(l, u) => (l, u),
        };
        if let Some(r) = unknown {
            return Ok((HclValue::unknown(format!("module `{name}`: {r}"), span.clone()), rest.len()));
        }
        let out_attr = |i: usize| match rest.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        let select = |key: &InstanceKey| list.iter().find(|(k, _)| k == key).map(|(_, id)| *id);
        match list.first() {
            Some((InstanceKey::None, id)) => {
                if let Some(o) = out_attr(0) {
                    let n = self.output(*id, o, span)?;
                    refs.extend(&n.refs);
                    return Ok((n.value, 1));
                }
                Ok((self.all_outputs(*id, span, refs)?, 0))
            }
            _ => {
                if let Some(TraversalOperator::Index(ie)) = rest.first() {
                    let k = self.eval(sc, ex.sub(ie), refs)?;
                    if k.is_unknown() {
                        return Ok((k, rest.len()));
                    }
                    let key = match &k.kind {
                        HclKind::Number(n) => as_int(*n).map(InstanceKey::Int),
                        _ => k.to_str().map(InstanceKey::Str),
                    };
                    let Some(id) = key.as_ref().and_then(select) else {
                        return fail(format!("module `{name}` has no instance [{}]", show_key(&k)), span);
                    };
                    if let Some(o) = out_attr(1) {
                        let n = self.output(id, o, span)?;
                        refs.extend(&n.refs);
                        return Ok((n.value, 2));
                    }
                    return Ok((self.all_outputs(id, span, refs)?, 1));
                }
                let mut items = Vec::new();
                let mut keyed = Vec::new();
                for (k, id) in list.iter() {
                    let o = self.all_outputs(*id, span, refs)?;
                    match k {
                        InstanceKey::Str(s) => keyed.push((s.clone(), o)),
                        _ => items.push(o),
                    }
                }
                if keyed.is_empty() {
                    Ok((HclValue::list(items, span.clone()), 0))
                } else {
                    Ok((HclValue::obj(keyed, span.clone()), 0))
                }
            }
        }
    }

    pub(super) fn all_outputs(&self, id: usize, span: &Span, refs: &mut Refs) -> Evaluated<HclValue> {
        let inst = self.inst(id);
        let decl = self.decl(&inst);
        let mut names: Vec<&str> = decl.outputs.keys().copied().collect();
        names.sort_unstable();
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            let named = self.output(id, n, span)?;
            refs.extend(&named.refs);
            out.push((n.to_string(), named.value));
        }
        Ok(HclValue::obj(out, span.clone()))
    }

    pub(super) fn cycle(&self, what: String, span: &Span) -> Named {
        let msg = format!("{what} depends on itself (a reference cycle)");
        self.report(EvaluationError { msg: msg.clone(), span: span.clone() }, ErrorKind::Invalid);
        Named { value: HclValue::unknown(msg, span.clone()), refs: Rc::new(Vec::new()) }
    }

    pub fn local(&self, id: usize, name: &str, span: &Span) -> Evaluated<Named> {
        self.memoized(
            id,
            name,
            span,
            |i| &i.locals,
            |d| &d.locals,
            "local value",
            |n| format!("reference to undeclared local value `{n}`"),
        )
    }

    pub fn output(&self, id: usize, name: &str, span: &Span) -> Evaluated<Named> {
        self.memoized(
            id,
            name,
            span,
            |i| &i.outputs,
            |d| &d.outputs,
            "output",
            |n| format!("module has no output named `{n}`"),
        )
    }

    /// A named expression of an instance (a local or an output), evaluated
    /// once and remembered; asking for it while it is being evaluated is a
    /// reference cycle.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn memoized(
        &self,
        id: usize,
        name: &str,
        span: &Span,
        slots: fn(&Instance) -> &NamedSlots,
        decls: fn(&'a ModuleDeclaration<'a>) -> &'a HashMap<&'a str, Expr<'a>>,
        kind: &str,
        missing: fn(&str) -> String,
    ) -> Evaluated<Named> {
        let inst = self.inst(id);
        match slots(&inst).borrow().get(name) {
            Some(Slot::Done(n)) => return Ok(n.clone()),
            Some(Slot::Busy) => return Ok(self.cycle(format!("{kind} `{name}`"), span)),
            None => {}
        }
        let Some(ex) = decls(self.decl(&inst)).get(name).copied() else {
            return fail(missing(name), span);
        };
        slots(&inst).borrow_mut().insert(name.to_string(), Slot::Busy);
        let iter = Iteration::default();
        let mut refs = Refs::default();
        let v = self.eval_top(&Scope::new(id, &iter), ex, &mut refs);
        let n = Named { value: v, refs: Rc::new(refs.0) };
        slots(&inst).borrow_mut().insert(name.to_string(), Slot::Done(n.clone()));
        Ok(n)
    }

    /// A variable's value; the flag says it has none (the unknown is then
    /// re-spanned to the reference).
    pub fn var(&self, id: usize, name: &str, span: &Span) -> Evaluated<(Named, bool)> {
        let inst = self.inst(id);
        match inst.vars.borrow().get(name) {
            Some(Slot::Done(n)) => return Ok(n.clone()),
            Some(Slot::Busy) => return Ok((self.cycle(format!("variable `{name}`"), span), false)),
            None => {}
        }
        let decl = self.decl(&inst);
        let Some(vd) = decl.vars.get(name) else {
            return fail(format!("reference to undeclared input variable `{name}`"), span);
        };
        inst.vars.borrow_mut().insert(name.to_string(), Slot::Busy);
        let empty = Iteration::default();
        let mut refs = Refs::default();
        let given: Option<HclValue> = match &inst.parent {
            Some(p) => {
                let pinst = self.inst(p.inst);
                let call = &self.decl(&pinst).calls[p.call];
                call.body.attr(name).map(|ex| self.eval_top(&Scope::new(p.inst, &p.iter), ex, &mut refs))
            }
            None => self.root_given.get(name).cloned(),
        };
        let default = |refs: &mut Refs| vd.default.map(|d| self.eval_top(&Scope::new(id, &empty), d, refs));
        let (value, missing) = match given {
            Some(v) if matches!(v.kind, HclKind::Null) && !vd.nullable => match default(&mut refs) {
                Some(d) => (d, false),
                None => (v, false),
            },
            Some(v) => (v, false),
            None => match default(&mut refs) {
                Some(d) => (d, false),
                None => (
                    HclValue::unknown(
                        format!("variable `{name}` has no value: no default and none given"),
                        span.clone(),
                    ),
                    true,
                ),
            },
        };
        let default_of = |e: &Expression| -> HclValue {
            // Defaults inside type constraints are constants, evaluated
            // where the variable is declared.
            let ex = Expr { file: vd.file, expression: ExprKind::Hcl(e), pin: vd.pin };
            let mut r = Refs::default();
            self.eval_top(&Scope::new(id, &empty), ex, &mut r)
        };
        let value = match convert(value.clone(), &vd.ty, &default_of) {
            Ok(v) => v,
            Err(msg) => {
                let msg = format!("invalid value for variable `{name}`: {msg}");
                self.report(EvaluationError { msg: msg.clone(), span: value.span.clone() }, ErrorKind::Invalid);
                HclValue::unknown(msg, value.span.clone())
            }
        };
        let n = (Named { value, refs: Rc::new(refs.0) }, missing);
        inst.vars.borrow_mut().insert(name.to_string(), Slot::Done(n.clone()));
        Ok(n)
    }
}

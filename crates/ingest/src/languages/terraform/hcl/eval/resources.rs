//! Resources and module calls: `count` and `for_each` expansion, nested
//! and `dynamic` blocks, and the resources a module instance produces.

use super::*;

impl<'a> Evaluator<'a> {
    /// Evaluates `count` / `for_each` of a body in module instance `id`.
    pub(super) fn expand_body(&self, id: usize, body: SourceBody<'_>, span: &Span) -> Expansion {
        let iter = Iteration::default();
        let sc = Scope::new(id, &iter);
        let mut refs = Refs::default();
        if let Some(ex) = body.attr("count") {
            let v = self.eval_top(&sc, ex, &mut refs);
            if let HclKind::Unknown(r) = &v.kind {
                return Expansion::Unknown(format!("`count` is not known ({r})"));
            }
            return match v.to_num().and_then(as_int) {
                Some(n) if (0..=MAX_ELEMS as i64).contains(&n) => Expansion::Count(n),
                Some(n) if n >= 0 => {
                    let msg = format!("`count` of {n} is more than the {MAX_ELEMS} instances evaluated");
                    self.report(EvaluationError { msg: msg.clone(), span: v.span.clone() }, ErrorKind::Invalid);
                    Expansion::Unknown(msg)
                }
                _ => {
                    let msg = format!("`count` must be a non-negative whole number, found {}", v.type_name());
                    self.report(EvaluationError { msg: msg.clone(), span: v.span.clone() }, ErrorKind::Invalid);
                    Expansion::Unknown(msg)
                }
            };
        }
        if let Some(ex) = body.attr("for_each") {
            let v = self.eval_top(&sc, ex, &mut refs);
            let bad = |msg: String| {
                self.report(EvaluationError { msg: msg.clone(), span: v.span.clone() }, ErrorKind::Invalid);
                Expansion::Unknown(msg)
            };
            return match &v.kind {
                HclKind::Unknown(r) => Expansion::Unknown(format!("`for_each` is not known ({r})")),
                HclKind::Object(o) => {
                    if o.len() > MAX_ELEMS {
                        return bad(format!("`for_each` has more than {MAX_ELEMS} elements"));
                    }
                    Expansion::Keys(sorted_entries(o).into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
                }
                HclKind::List(l) => {
                    // Terraform wants a set of strings here; a list reads as
                    // the set it would convert to.
                    if let Some(r) = l.iter().find_map(HclValue::first_unknown) {
                        return Expansion::Unknown(format!("`for_each` is not known ({r})"));
                    }
                    if l.len() > MAX_ELEMS {
                        return bad(format!("`for_each` has more than {MAX_ELEMS} elements"));
                    }
                    let mut keys = Vec::new();
                    for x in l.iter() {
                        match x.to_str() {
                            Some(s) => keys.push((s.clone(), HclValue::str(s, x.span.clone()))),
                            None => {
                                return bad(format!("`for_each` set elements must be strings, found {}", x.type_name()))
                            }
                        }
                    }
                    keys.sort_by(|a, b| a.0.cmp(&b.0));
                    keys.dedup_by(|a, b| a.0 == b.0);
                    Expansion::Keys(keys)
                }
                HclKind::Null => bad("`for_each` must not be null".into()),
                _ => bad(format!("`for_each` must be a map or a set of strings, found {}", v.type_name())),
            };
        }
        let _ = span;
        Expansion::One
    }

    pub fn expansion(&self, id: usize, ri: usize, span: &Span) -> Evaluated<Rc<Expansion>> {
        let inst = self.inst(id);
        match inst.expansions.borrow().get(&ri) {
            Some(Slot::Done(e)) => return Ok(e.clone()),
            Some(Slot::Busy) => {
                let n = self.cycle("the count/for_each of a resource".into(), span);
                return Ok(Rc::new(Expansion::Unknown(
                    n.value.first_unknown().map(|r| r.to_string()).unwrap_or_default(),
                )));
            }
            None => {}
        }
        let Some(rd) = self.decl(&inst).resources.get(ri) else { return fail("internal: resource index", span) };
        inst.expansions.borrow_mut().insert(ri, Slot::Busy);
        let e = Rc::new(self.expand_body(id, rd.body, &rd.span));
        inst.expansions.borrow_mut().insert(ri, Slot::Done(e.clone()));
        Ok(e)
    }

    /// Every instance of resource `ri` of module instance `id`, evaluated.
    pub fn resource(&self, id: usize, ri: usize, span: &Span) -> Evaluated<Rc<Vec<InstanceOutputs>>> {
        let inst = self.inst(id);
        match inst.resources.borrow().get(&ri) {
            Some(Slot::Done(e)) => return Ok(e.clone()),
            Some(Slot::Busy) => {
                let rd = &self.decl(&inst).resources[ri];
                let what = format!("{}{}.{}", inst.prefix, rd.ty, rd.name);
                let n = self.cycle(what, span);
                return fail(n.value.first_unknown().map(|r| r.to_string()).unwrap_or_default(), span);
            }
            None => {}
        }
        let decl = self.decl(&inst);
        let Some(rd) = decl.resources.get(ri) else { return fail("internal: resource index", span) };
        let exp = self.expansion(id, ri, &rd.span)?;
        inst.resources.borrow_mut().insert(ri, Slot::Busy);
        let mut outs = Vec::new();
        for (key, iter) in exp.instances() {
            let addr = format!("{}{}.{}{}", inst.prefix, rd.ty, rd.name, key.suffix());
            let sc = Scope::new(id, &iter);
            let (values, refs) = self.resource_body(&sc, rd.body, &rd.span);
            outs.push(InstanceOutputs { addr, values, refs });
        }
        {
            let mut marks = self.from_resources.borrow_mut();
            let mut steps = super::super::value::MAX_WALK;
            for o in &outs {
                mark_collections(&o.values, &mut marks, 0, &mut steps);
            }
        }
        let outs = Rc::new(outs);
        inst.resources.borrow_mut().insert(ri, Slot::Done(outs.clone()));
        Ok(outs)
    }

    /// A resource body as one object; refs per top-level attribute (a
    /// nested block's references go to its block type).
    pub(super) fn resource_body(
        &self,
        sc: &Scope,
        body: SourceBody<'_>,
        span: &Span,
    ) -> (HclValue, BTreeMap<String, Vec<String>>) {
        let mut vals: Vec<(String, HclValue)> = Vec::new();
        let mut refmap: BTreeMap<String, Refs> = BTreeMap::new();
        let mut groups: Vec<(String, Vec<HclValue>, Span)> = Vec::new();
        for item in body.items() {
            match item {
                Item::Attr { name, ex, span } => {
                    if META_ATTRS.contains(&name) {
                        continue;
                    }
                    let mut refs = Refs::default();
                    let v = self.eval_top(sc, ex, &mut refs).with_span(span);
                    refmap.entry(name.to_string()).or_default().extend(&refs.0);
                    vals.retain(|(k, _)| k != name);
                    vals.push((name.to_string(), v));
                }
                Item::Block { ty, labels, body, span } => {
                    if META_BLOCKS.contains(&ty) {
                        continue;
                    }
                    let mut refs = Refs::default();
                    let (g, items) = self.block_items(sc, ty, &labels, body, &span, &mut refs);
                    refmap.entry(g.to_string()).or_default().extend(&refs.0);
                    match groups.iter_mut().find(|(x, _, _)| x == g) {
                        Some((_, l, _)) => l.extend(items),
                        None => groups.push((g.to_string(), items, span)),
                    }
                }
            }
        }
        for (g, items, span) in groups {
            vals.push((g, HclValue::list(items, span)));
        }
        let refmap = refmap.into_iter().filter(|(_, r)| !r.0.is_empty()).map(|(k, r)| (k, r.0)).collect();
        (HclValue::obj(vals, span.clone()), refmap)
    }

    /// The objects one block (or one `dynamic` block) contributes, and the
    /// block type they belong to.
    pub(super) fn block_items<'b>(
        &self,
        sc: &Scope,
        ty: &'b str,
        labels: &[&'b str],
        body: SourceBody<'_>,
        span: &Span,
        refs: &mut Refs,
    ) -> (&'b str, Vec<HclValue>) {
        if ty != "dynamic" {
            return (ty, vec![self.block_obj(sc, body, span, refs)]);
        }
        let Some(&name) = labels.first() else {
            self.report(
                EvaluationError { msg: "`dynamic` block without a label".into(), span: span.clone() },
                ErrorKind::Invalid,
            );
            return (ty, Vec::new());
        };
        (name, self.dynamic(sc, name, body, span, refs))
    }

    pub(super) fn dynamic(
        &self,
        sc: &Scope,
        name: &str,
        body: SourceBody<'_>,
        span: &Span,
        refs: &mut Refs,
    ) -> Vec<HclValue> {
        let Some(fe) = body.attr("for_each") else {
            self.report(
                EvaluationError { msg: format!("dynamic \"{name}\" has no `for_each`"), span: span.clone() },
                ErrorKind::Invalid,
            );
            return Vec::new();
        };
        let iter_name = body.attr("iterator").and_then(|e| e.static_str()).unwrap_or(name).to_string();
        let content = body.items().into_iter().find_map(|i| match i {
            Item::Block { ty: "content", body, span, .. } => Some((body, span)),
            Item::Attr { name: "content", ex, span } => match ex.expression {
                ExprKind::Json(n) => {
                    Some((SourceBody { file: ex.file, kind: super::super::source::SourceBodyKind::Json(n) }, span))
                }
                ExprKind::Hcl(_) => None,
            },
            _ => None,
        });
        let Some((content, cspan)) = content else {
            self.report(
                EvaluationError { msg: format!("dynamic \"{name}\" has no `content` block"), span: span.clone() },
                ErrorKind::Invalid,
            );
            return Vec::new();
        };
        let coll = self.eval_top(sc, fe, refs);
        let items = match iterate(&coll) {
            Ok(Some(items)) => items,
            Ok(None) => {
                let r = coll.first_unknown().map(|r| r.to_string()).unwrap_or_default();
                // Evaluate the content once for its references.
                let u = HclValue::unknown(r.clone(), coll.span.clone());
                let s2 = sc.bind(
                    &iter_name,
                    HclValue::obj(vec![("key".into(), u.clone()), ("value".into(), u)], cspan.clone()),
                );
                let _ = self.block_obj(&s2, content, &cspan, refs);
                return vec![HclValue::unknown(format!("dynamic \"{name}\" blocks are not known: {r}"), span.clone())];
            }
            Err(e) => {
                self.report(e, ErrorKind::Invalid);
                return Vec::new();
            }
        };
        if self.tick(items.len() as u64, span).is_err() {
            return vec![HclValue::unknown(BUDGET_EXHAUSTED, span.clone())];
        }
        let mut out = Vec::with_capacity(items.len());
        for (k, v) in items {
            let it = HclValue::obj(vec![("key".into(), k), ("value".into(), v)], cspan.clone());
            let s2 = sc.bind(&iter_name, it);
            out.push(self.block_obj(&s2, content, &cspan, refs));
        }
        out
    }

    /// A nested block's body as an object; nested blocks become lists.
    pub(super) fn block_obj(&self, sc: &Scope, body: SourceBody<'_>, span: &Span, refs: &mut Refs) -> HclValue {
        if self.enter(span).is_err() {
            return HclValue::unknown(format!("blocks nested more than {MAX_DEPTH} levels deep"), span.clone());
        }
        let _g = DepthGuard(&self.depth);
        let mut vals: Vec<(String, HclValue)> = Vec::new();
        let mut groups: Vec<(String, Vec<HclValue>, Span)> = Vec::new();
        for item in body.items() {
            match item {
                Item::Attr { name, ex, span } => {
                    let v = self.eval_top(sc, ex, refs).with_span(span);
                    vals.retain(|(k, _)| k != name);
                    vals.push((name.to_string(), v));
                }
                Item::Block { ty, labels, body, span } => {
                    let (g, items) = self.block_items(sc, ty, &labels, body, &span, refs);
                    match groups.iter_mut().find(|(x, _, _)| x == g) {
                        Some((_, l, _)) => l.extend(items),
                        None => groups.push((g.to_string(), items, span)),
                    }
                }
            }
        }
        for (g, items, span) in groups {
            vals.push((g, HclValue::list(items, span)));
        }
        HclValue::obj(vals, span.clone())
    }

    /// The instances of module call `ci` in module instance `id`.
    pub fn children(&self, id: usize, ci: usize, span: &Span) -> Evaluated<Rc<Children>> {
        let inst = self.inst(id);
        match inst.children.borrow().get(&ci) {
            Some(Slot::Done(c)) => return Ok(c.clone()),
            Some(Slot::Busy) => {
                let n = self.cycle("a module's count/for_each".into(), span);
                return Ok(Rc::new(Children::Opaque(
                    n.value.first_unknown().map(|r| r.to_string()).unwrap_or_default(),
                )));
            }
            None => {}
        }
        let decl = self.decl(&inst);
        let Some(call) = decl.calls.get(ci) else { return fail("internal: module call index", span) };
        inst.children.borrow_mut().insert(ci, Slot::Busy);
        let ch = match &call.source {
            Source::Remote => Children::Opaque(format!(
                "module `{}` comes from `{}`, which cannot be read offline",
                call.name, call.source_text
            )),
            Source::Missing(m) => Children::Opaque(m.clone()),
            Source::Local(d) if inst.stack.contains(d) => {
                let msg = format!("module `{}` calls itself (through `{}`)", call.name, call.source_text);
                let cs = call.body.attr("source").map_or_else(|| span.clone(), |e| e.span());
                self.report(EvaluationError { msg: msg.clone(), span: cs }, ErrorKind::Invalid);
                Children::Opaque(msg)
            }
            Source::Local(_) if self.insts.borrow().len() >= MAX_INSTANCES => {
                let msg = format!("more than {MAX_INSTANCES} module instances; module `{}` not evaluated", call.name);
                self.report(EvaluationError { msg: msg.clone(), span: span.clone() }, ErrorKind::Invalid);
                Children::Opaque(msg)
            }
            Source::Local(d) => {
                let exp = self.expand_body(id, call.body, span);
                let unknown = match &exp {
                    Expansion::Unknown(r) => Some(r.clone()),
                    _ => None,
                };
                let mut list = Vec::new();
                let path_module = join_display(&inst.path_module, &call.source_text);
                for (key, iter) in exp.instances() {
                    let prefix = format!("{}module.{}{}.", inst.prefix, call.name, key.suffix());
                    let mut stack = inst.stack.clone();
                    stack.push(*d);
                    let child = Instance::new(
                        *d,
                        prefix,
                        path_module.clone(),
                        Some(Parent { inst: id, call: ci, iter }),
                        stack,
                    );
                    let mut insts = self.insts.borrow_mut();
                    insts.push(Rc::new(child));
                    list.push((key, insts.len() - 1));
                }
                Children::Insts(list, unknown)
            }
        };
        let ch = Rc::new(ch);
        inst.children.borrow_mut().insert(ci, Slot::Done(ch.clone()));
        Ok(ch)
    }

    /// Calls a function. `try` and `can` see their arguments' errors; every
    /// other function gets evaluated arguments.
    pub(super) fn call(
        &self,
        sc: &Scope,
        name: &str,
        args: &[Expr<'_>],
        expand: bool,
        span: Span,
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        match name {
            "try" => {
                let mut last: Option<EvaluationError> = None;
                for a in args {
                    match self.eval(sc, *a, refs) {
                        // An unknown result might still fail once known.
                        Ok(v) => match v.first_unknown() {
                            Some(r) => return Ok(HclValue::unknown(r.to_string(), span)),
                            None => return Ok(v),
                        },
                        Err(e) => last = Some(e),
                    }
                }
                return match last {
                    Some(e) => {
                        fail(format!("no expression given to `try` succeeded; the last failed with: {}", e.msg), &span)
                    }
                    None => fail("`try` needs at least one argument", &span),
                };
            }
            "can" => {
                let [a] = args else { return fail("`can` takes one argument", &span) };
                return Ok(match self.eval(sc, *a, refs) {
                    Ok(v) => match v.first_unknown() {
                        Some(r) => HclValue::unknown(r.to_string(), span),
                        None => HclValue::bool(true, span),
                    },
                    Err(_) => HclValue::bool(false, span),
                });
            }
            _ => {}
        }
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(sc, *a, refs)?);
        }
        if expand {
            // f(xs...): the last argument's elements become arguments.
            match vals.pop() {
                Some(HclValue { kind: HclKind::List(l), .. }) => vals.extend(l.iter().cloned()),
                Some(v @ HclValue { kind: HclKind::Unknown(_), .. }) => return Ok(v.with_span(span)),
                Some(v) => return fail(format!("`...` needs a list, found {}", v.type_name()), &v.span),
                None => {}
            }
        }
        funcs::call(self, name, vals, span)
    }
}

impl Evaluator<'_> {
    /// Appends the resources of module instance `id` and of the local
    /// modules it calls, in declaration order.
    /// `budget` caps the nodes converted for all resources together, so a
    /// value built by sharing (`[local.a, local.a]`, sixty times over)
    /// cannot be expanded into memory.
    pub fn produce(&self, id: usize, out: &mut Vec<Resource>, budget: &mut u64) {
        let inst = self.inst(id);
        let decl = self.decl(&inst);
        for (ri, rd) in decl.resources.iter().enumerate() {
            match self.resource(id, ri, &rd.span) {
                Ok(list) => {
                    for o in list.iter() {
                        // No one resource may take the whole budget.
                        let mut mine = (*budget).min(1_000_000);
                        let before = mine;
                        let values = to_tf(&o.values, &mut mine);
                        *budget -= before - mine;
                        out.push(Resource {
                            address: o.addr.clone(),
                            ty: rd.ty.to_string(),
                            span: rd.span.clone(),
                            values,
                            refs: o.refs.clone(),
                        });
                    }
                }
                Err(e) => self.report(e, ErrorKind::Invalid),
            }
        }
        for (ci, c) in decl.calls.iter().enumerate() {
            let span =
                c.body.attr("source").map_or_else(|| Span::new(decl.display.as_str().into(), 0, 0), |e| e.span());
            match self.children(id, ci, &span) {
                Ok(ch) => {
                    if let Children::Insts(list, _) = &*ch {
                        for (_, child) in list {
                            self.produce(*child, out, budget);
                        }
                    }
                }
                Err(e) => self.report(e, ErrorKind::Invalid),
            }
        }
    }
}

impl Instance {
    pub(super) fn new(
        decl: usize,
        prefix: String,
        path_module: String,
        parent: Option<Parent>,
        stack: Vec<usize>,
    ) -> Instance {
        Instance {
            decl,
            prefix,
            path_module,
            parent,
            stack,
            vars: RefCell::default(),
            locals: RefCell::default(),
            outputs: RefCell::default(),
            expansions: RefCell::default(),
            resources: RefCell::default(),
            children: RefCell::default(),
        }
    }
}

/// Records the collections inside a resource's values (see
/// `Evaluator::from_resources`).
pub(super) fn mark_collections(v: &HclValue, marks: &mut HashSet<usize>, depth: u32, steps: &mut u64) {
    if depth > 64 || *steps == 0 {
        return;
    }
    *steps -= 1;
    match &v.kind {
        HclKind::List(l) => {
            marks.insert(Rc::as_ptr(l) as *const () as usize);
            l.iter().for_each(|x| mark_collections(x, marks, depth + 1, steps));
        }
        HclKind::Object(o) => {
            marks.insert(Rc::as_ptr(o) as *const () as usize);
            o.iter().for_each(|(_, x)| mark_collections(x, marks, depth + 1, steps));
        }
        _ => {}
    }
}

pub(super) fn unreachable_key() -> InstanceKey {
    InstanceKey::Unknown
}

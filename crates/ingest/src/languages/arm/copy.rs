//! ARM `copy` loops, evaluated as Azure deploys them.
//!
//! Three shapes ([resources](https://learn.microsoft.com/azure/azure-resource-manager/templates/copy-resources),
//! [properties](https://learn.microsoft.com/azure/azure-resource-manager/templates/copy-properties),
//! [variables](https://learn.microsoft.com/azure/azure-resource-manager/templates/copy-variables)):
//!
//! - a resource's `"copy": {"name", "count"}` deploys `count` instances;
//!   the reader of the resource runs them ([`ArmEval::push_loop`]);
//! - `"copy": [{"name", "count", "input"}]` inside an object (a resource's
//!   `properties`, or a variable's value) makes the array property `name`
//!   of `count` elements, each `input` evaluated ([`ArmEval::copy_array`]);
//! - the same list under `variables` makes the variables it names.
//!
//! `copyIndex(loopName, offset)` is the zero-based iteration of the loop
//! named (of the resource's loop when no name is given) plus the offset
//! ([copyIndex](https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-numeric#copyindex)).
//!
//! Bounds: Azure rejects a `count` above 800 or below 0 (the "Copy
//! limits" of each page above): such a count is an error here, and what
//! the loop builds is unknown. Loops in loops, and variables copied into
//! other loops, could still multiply into many values: all the copy loops
//! of one template make at most [`COPY_VALUE_BUDGET`] values between them;
//! past it the rest is unknown, with an error, never a long run or an
//! unbounded allocation.

use super::evaluate::{member, member_str, ArmEval};
use super::functions::{num, unknown_reason, unknown_val};
use portcullis_model::Span;
use portcullis_syntax::json::{self, Node};
use portcullis_syntax::{Kind, Value};

/// Azure's limit on a copy loop's `count`.
pub const MAX_COPY_COUNT: i64 = 800;

/// How many values (every array element, object member and scalar counts
/// one) the copy loops of one template may make between them. A template
/// that copies 800 rules of 20 properties each makes about 34,000.
pub const COPY_VALUE_BUDGET: usize = 1_000_000;

/// A copy loop around what is being evaluated.
pub struct Scope {
    /// The loop's name, as written.
    name: String,
    /// The iteration, or why it is not known (a loop whose count is not).
    index: Result<usize, String>,
    /// A resource's loop: what `copyIndex()` without a name refers to.
    resource: bool,
}

/// The elements of an object member `"copy": [{"name", "input", …}]`
/// when it is a property loop; `None` for any other member.
pub(super) fn property_loops(m: &json::Member) -> Option<&[Node]> {
    if !m.key.eq_ignore_ascii_case("copy") {
        return None;
    }
    let loops = m.value.as_array()?;
    let all =
        !loops.is_empty() && loops.iter().all(|l| member_str(l, "name").is_some() && member(l, "input").is_some());
    all.then_some(loops)
}

/// Counts the values in `v` (see [`COPY_VALUE_BUDGET`]).
fn size(v: &Value) -> usize {
    match &v.kind {
        Kind::List(items) => 1 + items.iter().map(size).sum::<usize>(),
        Kind::Map(members) => 1 + members.iter().map(|m| size(&m.value)).sum::<usize>(),
        _ => 1,
    }
}

impl ArmEval<'_, '_> {
    /// Puts a loop around what is evaluated next, at iteration `index` (or
    /// an iteration not known, and why); [`ArmEval::pop_loop`] removes it.
    pub fn push_loop(&mut self, name: &str, index: Result<usize, String>, resource: bool) {
        self.loops.push(Scope { name: name.to_string(), index, resource });
    }

    pub fn pop_loop(&mut self) {
        self.loops.pop();
    }

    /// A copy loop's `count`: a whole number from 0 to 800, or why it is
    /// not known. A count Azure rejects is also an error at its position.
    pub fn copy_count(&mut self, loop_name: &str, count: Option<&Node>, at: &Span) -> Result<usize, String> {
        let Some(node) = count else {
            self.error(at, format!("copy loop {loop_name} has no `count`"));
            return Err(format!("copy loop {loop_name} has no count"));
        };
        let v = self.value(node);
        let n = num(&v).or_else(|| match &v.kind {
            Kind::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        match n {
            Some(n) if (0..=MAX_COPY_COUNT).contains(&n) => Ok(n as usize),
            Some(n) => {
                let why = if n < 0 {
                    format!("copy loop {loop_name}: count {n} is negative, which Azure rejects")
                } else {
                    format!(
                        "copy loop {loop_name}: count {n} is more than {MAX_COPY_COUNT}, Azure's limit for a copy loop"
                    )
                };
                self.error(&v.span, why.clone());
                Err(why)
            }
            None if v.is_unknown() => {
                Err(format!("the count of copy loop {loop_name} is not known: {}", unknown_reason(&v, "the count")))
            }
            None => {
                let why =
                    format!("copy loop {loop_name}: `count` should be a whole number, found {}", super::type_name(&v));
                self.error(&v.span, why.clone());
                Err(why)
            }
        }
    }

    /// The array a property or variable loop (`{"name", "count", "input"}`)
    /// makes: one element per iteration, each at the input's position; unknown,
    /// with the reason, when the count is not known or past the bounds.
    pub fn copy_array(&mut self, element: &Node) -> Value {
        let span = self.ctx.span(element.offset);
        let name = member_str(element, "name").unwrap_or("(unnamed)").to_string();
        let stand_in = format!("{{copy {name}}}");
        let Some(input) = member(element, "input") else {
            self.error(&span, format!("copy loop {name} has no `input`"));
            return unknown_val(&span, format!("copy loop {name} has no input"), stand_in);
        };
        let count = match self.copy_count(&name, member(element, "count"), &span) {
            Ok(n) => n,
            Err(reason) => return unknown_val(&span, reason, stand_in),
        };
        if count > 0 && self.copy_budget == 0 {
            // Spent by an earlier loop, which said so.
            let why = format!("copy loop {name}: the template's copy loops make more than {COPY_VALUE_BUDGET} values");
            return unknown_val(&span, why, stand_in);
        }
        self.copy_loops.entry((span.line, span.column)).or_insert_with(|| name.clone());
        let mut items = Vec::with_capacity(count);
        for i in 0..count {
            self.push_loop(&name, Ok(i), false);
            let v = self.value(input);
            self.pop_loop();
            let n = size(&v);
            if n > self.copy_budget {
                self.copy_budget = 0;
                let why = format!(
                    "copy loop {name}: the template's copy loops make more than {COPY_VALUE_BUDGET} values; \
                     the rest is not evaluated"
                );
                self.error(&span, why.clone());
                return unknown_val(&span, why, stand_in);
            }
            self.copy_budget -= n;
            items.push(v);
        }
        Value { kind: Kind::List(items), span }
    }

    /// The name of the property or variable copy loop that made `v`, when
    /// `v` is such an array as it was made (its elements are the loop's
    /// iterations, in order).
    pub fn copy_loop_of(&self, v: &Value) -> Option<&str> {
        match v.kind {
            Kind::List(_) => self.copy_loops.get(&(v.span.line, v.span.column)).map(String::as_str),
            _ => None,
        }
    }

    /// `copyIndex()`, `copyIndex(offset)`, `copyIndex('loop')`,
    /// `copyIndex('loop', offset)`.
    pub(super) fn copy_index(&mut self, args: &[Value], span: &Span, stand_in: String) -> Value {
        if let Some(u) = args.iter().find(|a| a.is_unknown()) {
            return unknown_val(span, unknown_reason(u, "an argument of `copyIndex`"), stand_in);
        }
        let (name, offset) = match args {
            [] => (None, Some(0)),
            [a] if num(a).is_some() => (None, num(a)),
            [a] => (a.text(), Some(0)),
            [a, b] => (a.text(), num(b)),
            _ => (None, None),
        };
        let Some(offset) = offset else {
            let why = "`copyIndex` takes a loop name and an offset, both optional";
            self.error(span, why.to_string());
            return unknown_val(span, why, stand_in);
        };
        let scope = match &name {
            Some(n) => self.loops.iter().rev().find(|s| s.name.eq_ignore_ascii_case(n)),
            // The resource's loop; a property or variable loop must be named,
            // but an unnamed call inside one alone can only mean it.
            None => self.loops.iter().rev().find(|s| s.resource).or(self.loops.last()),
        };
        let Some(scope) = scope else {
            let why = match &name {
                Some(n) => format!("`copyIndex('{n}')` is not inside a copy loop named {n}"),
                None => "`copyIndex()` is not inside a copy loop".to_string(),
            };
            self.error(span, why.clone());
            return unknown_val(span, why, stand_in);
        };
        match &scope.index {
            Ok(i) => match (*i as i64).checked_add(offset) {
                Some(v) => Value { kind: Kind::Number(v.to_string()), span: span.clone() },
                None => unknown_val(span, "`copyIndex` offset overflows", stand_in),
            },
            Err(reason) => unknown_val(span, reason.clone(), stand_in),
        }
    }
}

/// The property loop of `obj` (a resource's `properties`) that makes
/// `property` (`securityRules`), if there is one.
pub fn property_loop<'n>(obj: &'n Node, property: &str) -> Option<&'n Node> {
    obj.as_object()?
        .iter()
        .filter_map(property_loops)
        .flatten()
        .find(|l| member_str(l, "name").is_some_and(|n| n.eq_ignore_ascii_case(property)))
}

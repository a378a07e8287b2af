//! References between Terraform resources, shared by the Azure, GCP and
//! Kubernetes adapters: a value that names another resource is found by
//! its known value (an id, a name) or, when the value is unknown, by the
//! configuration's references (`refs`).
//!
//! References inside nested blocks (`ip_configuration { subnet_id = … }`)
//! are looked up under `block.attr`, then `block.0.attr`, then `block`: the
//! plan reader and the configuration evaluator may key them either way.

use super::resource::Resource;
use portcullis_syntax::{Kind, Value};

/// `aws_security_group.x["a"]` → `aws_security_group.x`.
pub fn strip_indexes(addr: &str) -> String {
    let mut out = String::with_capacity(addr.len());
    let mut depth = 0usize;
    let mut in_str = false;
    let mut prev = '\0';
    for ch in addr.chars() {
        match ch {
            '"' if depth > 0 && prev != '\\' => in_str = !in_str,
            '[' if !in_str => depth += 1,
            ']' if !in_str && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
        prev = ch;
    }
    out
}

/// `aws_x.y`, `module.m.azurerm_x.y`, with optional index; not
/// `var.`/`local.`/`data.`.
pub fn is_resource_address(s: &str) -> bool {
    let base = strip_indexes(s);
    let parts: Vec<&str> = base.split('.').collect();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        i += 2;
    }
    let rest = &parts[i.min(parts.len())..];
    rest.len() == 2 && !matches!(rest[0], "var" | "local" | "data" | "each" | "count" | "path" | "self" | "terraform")
}

/// The resource type of an address (`module.m.azurerm_subnet.a[0]` →
/// `azurerm_subnet`).
pub fn type_of(addr: &str) -> Option<String> {
    let base = strip_indexes(addr);
    let parts: Vec<&str> = base.split('.').collect();
    (parts.len() >= 2).then(|| parts[parts.len() - 2].to_string())
}

/// Resource addresses among `refs[key]`, with and without their index.
fn addresses(r: &Resource, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in r.refs.get(key).into_iter().flatten() {
        if is_resource_address(s) {
            out.push(s.clone());
            let stripped = strip_indexes(s);
            if stripped != *s {
                out.push(stripped);
            }
        }
    }
    out
}

/// Ways to name what `attr` points at: its known string value, then the
/// resource addresses its expression refers to. Lower-cased.
pub fn candidates(r: &Resource, attr: &str) -> Vec<String> {
    candidates_of(r, r.values.get(attr), &[attr.to_string()])
}

/// Like [`candidates`] for `block.attr` of the first nested block. Only
/// references to resources of type `ty` count: the references of a whole
/// block may name other things (a public IP beside the subnet).
pub fn nested_candidates(r: &Resource, block: &str, attr: &str, ty: &str) -> Vec<String> {
    let v = first_block(r.values.get(block)).and_then(|b| b.get(attr));
    let keys =
        [format!("{block}.{attr}"), format!("{block}.0.{attr}"), format!("{block}[0].{attr}"), block.to_string()];
    let mut out = candidates_of(r, v, &[]);
    for c in candidates_of(r, None, &keys) {
        if type_of(&c).as_deref() == Some(ty) && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

fn candidates_of(r: &Resource, v: Option<&Value>, keys: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = v.and_then(Value::as_str) {
        if !s.is_empty() {
            out.push(s.trim().to_ascii_lowercase());
        }
    }
    for k in keys {
        for a in addresses(r, k) {
            let a = a.to_ascii_lowercase();
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

/// The first block of a nested-block attribute (a list of objects, or one
/// object).
pub fn first_block(v: Option<&Value>) -> Option<&Value> {
    match &v?.kind {
        Kind::List(l) => l.first(),
        Kind::Map(_) => v,
        _ => None,
    }
}

/// The blocks of a nested-block attribute, or the reason it is unknown.
pub fn blocks(v: Option<&Value>) -> Result<Vec<&Value>, &Value> {
    match v {
        None => Ok(Vec::new()),
        Some(v) => match &v.kind {
            Kind::List(l) => Ok(l.iter().collect()),
            Kind::Map(_) => Ok(vec![v]),
            Kind::Null => Ok(Vec::new()),
            _ => Err(v),
        },
    }
}

/// Names a resource goes by: its address (with and without index) and its
/// known `id`. Lower-cased.
pub fn aliases(r: &Resource) -> Vec<String> {
    let mut a = vec![r.address.to_ascii_lowercase(), strip_indexes(&r.address).to_ascii_lowercase()];
    if let Some(id) = r.values.get("id").and_then(Value::as_str) {
        if !id.is_empty() {
            a.push(id.to_ascii_lowercase());
        }
    }
    a.dedup();
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_types() {
        assert!(is_resource_address("azurerm_subnet.a"));
        assert!(is_resource_address("module.net.azurerm_subnet.a[0]"));
        assert!(!is_resource_address("var.subnet"));
        assert!(!is_resource_address("azurerm_subnet.a.id"));
        assert_eq!(type_of("module.net.azurerm_subnet.a[\"x\"]").as_deref(), Some("azurerm_subnet"));
    }
}

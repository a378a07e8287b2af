//! The crate's layering, checked on its source (docs/architecture.md):
//! a language front-end (`src/languages/<language>`) knows no provider, a
//! provider's adapters (`src/providers/<provider>`) know no other provider,
//! and the front-ends depend on each other without a circle. A change that
//! breaks one of these fails here with the file and the reference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("source directory") {
            let p = entry.expect("directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The folder a file belongs to: `languages/<x>` or `providers/<x>` (a
/// file directly in `languages/` or `providers/` is that folder's root).
fn component(rel: &Path) -> Option<(String, String)> {
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    match parts.as_slice() {
        [top, name, _, ..] if top == "languages" || top == "providers" => Some((top.clone(), name.clone())),
        [top, file] if top == "languages" || top == "providers" => {
            let stem = file.trim_end_matches(".rs");
            (stem != "mod").then(|| (top.clone(), stem.to_string()))
        }
        _ => None,
    }
}

/// The names after each `crate::<top>::` in a text: `crate::providers::aws`
/// gives `aws`.
fn references<'t>(text: &'t str, top: &str) -> Vec<&'t str> {
    let needle = format!("crate::{top}::");
    text.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &text[i + needle.len()..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn front_ends_know_no_provider_and_providers_know_no_other_provider() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let providers: BTreeSet<String> = std::fs::read_dir(src.join("providers"))
        .expect("providers")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(providers.contains("aws") && providers.contains("azure"), "{providers:?}");
    let mut bad = Vec::new();
    for file in sources(&src) {
        let rel = file.strip_prefix(&src).expect("under src").to_path_buf();
        let Some((top, name)) = component(&rel) else { continue };
        let text = std::fs::read_to_string(&file).expect("readable");
        if top == "languages" {
            for p in references(&text, "providers") {
                bad.push(format!("{}: the {name} front-end refers to providers::{p}", rel.display()));
            }
        } else if providers.contains(&name) {
            for p in references(&text, "providers").into_iter().filter(|p| providers.contains(*p) && *p != name) {
                bad.push(format!("{}: provider {name} refers to provider {p}", rel.display()));
            }
        }
    }
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

#[test]
fn front_ends_depend_on_each_other_without_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(&src.join("languages")) {
        let rel = file.strip_prefix(&src).expect("under src").to_path_buf();
        let Some((_, name)) = component(&rel) else { continue };
        let text = std::fs::read_to_string(&file).expect("readable");
        let entry = uses.entry(name.clone()).or_default();
        entry.extend(references(&text, "languages").into_iter().filter(|l| *l != name).map(str::to_string));
    }
    assert!(uses.contains_key("terraform") && uses.contains_key("bicep"), "{uses:?}");
    // Depth-first search for a circle.
    fn visit<'a>(
        n: &'a str,
        uses: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<String> {
        if let Some(i) = path.iter().position(|p| *p == n) {
            return Some(format!("{} -> {n}", path[i..].join(" -> ")));
        }
        if !done.insert(n) {
            return None;
        }
        path.push(n);
        for m in uses.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, uses, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    for n in uses.keys() {
        let mut done = BTreeSet::new();
        let found = visit(n, &uses, &mut Vec::new(), &mut done);
        assert!(found.is_none(), "front-ends import each other in a circle: {}", found.unwrap_or_default());
    }
}

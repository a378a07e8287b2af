//! No input makes the readers panic or hang: every fixture file, cut,
//! spliced and sprinkled with multi-byte characters, is read, assembled
//! and evaluated. What comes out is not checked here (the fixtures and the
//! kernel check do that); that something always comes out is.

use portcullis_engine::program::combined_fate;
use portcullis_model::Protocol;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.file_name().is_some_and(|n| n != "expect") {
            out.push(p);
        }
    }
}

fn corpus() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p.to_string_lossy().into_owned(), t)))
        .collect()
}

/// Cuts, repeats and inserts at character boundaries.
fn mutate(text: &str, ops: &[(u8, usize, usize)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(op, a, b) in ops {
        if chars.is_empty() {
            chars.push('{');
        }
        let i = a % chars.len();
        let j = (i + b % 64).min(chars.len());
        match op % 5 {
            0 => {
                chars.drain(i..j);
            }
            1 => {
                let piece: Vec<char> = chars[i..j].to_vec();
                chars.splice(i..i, piece);
            }
            2 => chars.insert(i, ['é', '€', '𝄞', '"', '{', '}', '\n', '\\', '*', '!'][b % 10]),
            3 => chars.truncate(i),
            _ => {
                let tokens = [
                    "-j ",
                    "jump c ",
                    "goto ",
                    "@",
                    "{ ",
                    " }",
                    ":INPUT DROP [0:0]\n",
                    "COMMIT\n",
                    "<rule>",
                    "ip saddr ",
                    "/",
                ];
                chars.splice(i..i, tokens[b % tokens.len()].chars());
            }
        }
    }
    chars.into_iter().collect()
}

fn read_all(files: &[(String, String)]) {
    let mut items = Vec::new();
    for (path, text) in files {
        if let Some(o) = portcullis_hostfw::read(path, text) {
            items.push(o.items);
        }
    }
    let (nodes, _) = portcullis_hostfw::assemble::nodes(items, &portcullis_hostfw::Options::default());
    for n in nodes {
        let _ = combined_fate(&n.program, Protocol::TCP, 10257);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures_never_panic(pick in any::<usize>(), ops in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..8)) {
        let all = corpus();
        let (path, text) = &all[pick % all.len()];
        let mutated = mutate(text, &ops);
        read_all(&[(path.clone(), mutated)]);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}", name in prop_oneof![Just("rules.v4"), Just("ruleset.json"), Just("zones/public.xml"), Just("ufw/user.rules")]) {
        read_all(&[(format!("n/{name}"), text.clone())]);
        // Behind each format's mark, so the readers themselves see it.
        for prefix in ["*filter\n", "table inet t {\n", "{\"nftables\": [", "<zone>", "Status: active\n", "create s hash:net\n"] {
            read_all(&[(format!("n/{name}"), format!("{prefix}{text}"))]);
        }
    }
}

//! Names the commit a binary was built from, for `portcullis --version`:
//! `0.1.0 (3f2a9c1d04be 2026-12-06)`. Outside a git checkout (a source
//! archive, a container build without `.git`) or without git, the commit
//! `cargo package` recorded when there is one (`.cargo_vcs_info.json`),
//! else the version alone: the build never fails for want of history.

use std::path::PathBuf;
use std::process::Command;

/// `git ARGS` in the crate's directory, trimmed, when it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let commit = git(&["log", "-1", "--format=%h %cs", "--abbrev=12"]).or_else(packaged_commit);
    let long = match commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=PORTCULLIS_VERSION={long}");
    // Build again when HEAD moves: HEAD itself (a checkout) and the branch
    // it points at (a commit), wherever this worktree keeps them.
    for name in ["HEAD", "packed-refs"] {
        if let Some(path) = git(&["rev-parse", "--git-path", name]) {
            rerun_if_changed(path);
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(path) = git(&["rev-parse", "--git-path", &branch]) {
            rerun_if_changed(path);
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

fn rerun_if_changed(path: String) {
    let path = PathBuf::from(path);
    // Relative paths are relative to the crate directory git ran in.
    let path = if path.is_absolute() { path } else { PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path) };
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// The commit `cargo package` recorded in a published crate:
/// `{"git": {"sha1": "3f2a…"}, …}`, its first 12 digits.
fn packaged_commit() -> Option<String> {
    let text = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cargo_vcs_info.json")).ok()?;
    let after = &text[text.find("\"sha1\"")? + 6..];
    let start = after.find('"')? + 1;
    let sha: String = after[start..].chars().take_while(char::is_ascii_hexdigit).take(12).collect();
    (sha.len() == 12).then_some(sha)
}

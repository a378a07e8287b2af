//! A git revision's files, read from the repository's objects without
//! checking anything out (`portcullis diff --git REV1..REV2`).
//!
//! The git binary does the reading: `git ls-tree -r -z --full-tree REV`
//! lists the revision's files, and one `git cat-file --batch` process
//! hands every blob over a pipe. Two processes a revision, whatever the
//! number of files; git itself resolves every way of naming a revision
//! (`HEAD~3`, `origin/main`, a tag, an abbreviated hash) and reads packed,
//! loose and alternate objects. A library reader (gix) would add 62
//! crates to the build for the same bytes; docs/diff.md has the
//! measurement that made the choice.
//!
//! Only regular files count: symbolic links (mode 120000) and submodules
//! (160000) are not followed, as a checkout would not give their targets'
//! content from this revision either.

use crate::inputs::Document;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Why a revision could not be read.
#[derive(Debug)]
pub struct GitError {
    pub message: String,
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for GitError {}

fn failed(what: &str, e: impl std::fmt::Display) -> GitError {
    GitError { message: format!("{what}: {e}") }
}

fn git(repository: &Path) -> Command {
    let mut c = Command::new("git");
    // Paths as bytes, never quoted; no pager, no prompt for credentials.
    c.arg("-C").arg(repository).args(["-c", "core.quotePath=false"]).env("GIT_TERMINAL_PROMPT", "0");
    c
}

/// `REV1..REV2` as its two revisions. `REV1...REV2` (the merge base) and a
/// side left empty (`..HEAD`) are refused: a review compares two named
/// states.
pub fn parse_range(range: &str) -> Result<(String, String), GitError> {
    let refuse = || GitError {
        message: format!("--git `{range}`: expected REV1..REV2, two revisions (for example main..HEAD)"),
    };
    if range.contains("...") {
        return Err(refuse());
    }
    let (base, head) = range.split_once("..").ok_or_else(refuse)?;
    if base.is_empty() || head.is_empty() || head.contains("..") {
        return Err(refuse());
    }
    Ok((base.to_string(), head.to_string()))
}

/// The full hash of the commit `revision` names.
pub fn resolve(repository: &Path, revision: &str) -> Result<String, GitError> {
    let out = git(repository)
        .args(["rev-parse", "--verify", "--end-of-options"])
        .arg(format!("{revision}^{{commit}}"))
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| failed("cannot run git", e))?;
    if !out.status.success() {
        return Err(GitError {
            message: format!(
                "{}: `{revision}` is not a commit of this repository ({})",
                repository.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Every regular file of commit `commit` (a full hash, from [`resolve`]),
/// by path from the repository's root, sorted.
pub fn revision_files(repository: &Path, commit: &str) -> Result<Vec<Document>, GitError> {
    let listing = git(repository)
        .args(["ls-tree", "-r", "-z", "--full-tree", commit])
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| failed("cannot run git", e))?;
    if !listing.status.success() {
        return Err(failed(&format!("git ls-tree {commit}"), String::from_utf8_lossy(&listing.stderr).trim()));
    }
    // `<mode> SP <type> SP <object> TAB <path>` NUL-terminated.
    let mut wanted: Vec<(String, String)> = Vec::new();
    for entry in listing.stdout.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let Some(tab) = entry.iter().position(|&b| b == b'\t') else { continue };
        let meta = String::from_utf8_lossy(&entry[..tab]);
        let mut fields = meta.split(' ');
        let (Some(mode), Some(kind), Some(object)) = (fields.next(), fields.next(), fields.next()) else { continue };
        if kind != "blob" || !(mode == "100644" || mode == "100755") {
            continue;
        }
        let path = String::from_utf8_lossy(&entry[tab + 1..]).into_owned();
        wanted.push((path, object.to_string()));
    }
    wanted.sort();
    read_blobs(repository, wanted)
}

/// The blobs' contents through one `git cat-file --batch`: the object
/// names are written on one thread while the contents are read on this
/// one, so neither pipe fills up and stalls the other.
fn read_blobs(repository: &Path, wanted: Vec<(String, String)>) -> Result<Vec<Document>, GitError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = git(repository)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failed("cannot run git cat-file", e))?;
    let mut stdin = child.stdin.take().ok_or_else(|| failed("git cat-file", "no standard input"))?;
    let stdout = child.stdout.take().ok_or_else(|| failed("git cat-file", "no standard output"))?;
    let names: Vec<String> = wanted.iter().map(|(_, object)| object.clone()).collect();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(&mut stdin);
        for n in names {
            w.write_all(n.as_bytes())?;
            w.write_all(b"\n")?;
        }
        w.flush()
    });
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut documents = Vec::with_capacity(wanted.len());
    let mut header = String::new();
    for (path, object) in wanted {
        header.clear();
        reader.read_line(&mut header).map_err(|e| failed("git cat-file", e))?;
        // `<object> SP blob SP <size> LF <contents> LF`, or `<object> missing`.
        let mut fields = header.split_whitespace();
        let (Some(_), Some(kind), Some(size)) = (fields.next(), fields.next(), fields.next()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(failed("git cat-file", format!("object {object} of {path} cannot be read: {}", header.trim())));
        };
        let size: usize = size.parse().map_err(|e| failed("git cat-file", e))?;
        if kind != "blob" {
            let _ = child.kill();
            let _ = child.wait();
            return Err(failed("git cat-file", format!("object {object} of {path} is a {kind}, not a file")));
        }
        let mut bytes = vec![0; size];
        reader.read_exact(&mut bytes).map_err(|e| failed("git cat-file", e))?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline).map_err(|e| failed("git cat-file", e))?;
        documents.push(Document { path, bytes });
    }
    let written = writer.join().map_err(|_| failed("git cat-file", "the writing thread panicked"))?;
    written.map_err(|e| failed("git cat-file", e))?;
    let status = child.wait().map_err(|e| failed("git cat-file", e))?;
    if !status.success() {
        return Err(failed("git cat-file", status));
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_name_two_revisions() {
        assert_eq!(parse_range("main..HEAD").unwrap(), ("main".into(), "HEAD".into()));
        assert_eq!(parse_range("v1.0..abc123").unwrap(), ("v1.0".into(), "abc123".into()));
        for bad in ["main", "main...HEAD", "..HEAD", "main..", "a..b..c"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }
}

//! Finding and reading input files: directories are walked honouring
//! .gitignore, files are read in parallel, each is detected by content.

use portcullis_ingest::terraform::hcl::Inputs as TfInputs;
use portcullis_ingest::{read_input_with, read_terraform_dir, ErrorKind, FileOutcome, IngestError, ReadOptions};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Everything read from the inputs.
pub struct Loaded {
    pub outcomes: Vec<FileOutcome>,
    /// Files read again for snippets. Inputs are not kept in memory after
    /// they are read (a dump can be hundreds of megabytes); the few files
    /// findings point at are read back when text output shows them.
    snippets: Mutex<BTreeMap<String, Option<Arc<str>>>>,
}

impl portcullis_report::Sources for Loaded {
    fn text(&self, file: &str) -> Option<Arc<str>> {
        let mut cache = self.snippets.lock().unwrap_or_else(|p| p.into_inner());
        cache.entry(file.to_string()).or_insert_with(|| std::fs::read_to_string(file).ok().map(Arc::from)).clone()
    }
}

impl Loaded {
    pub fn files_read(&self) -> usize {
        self.outcomes.iter().filter(|o| o.format.is_some()).count()
    }
}

/// Files at least this large are memory-mapped.
const MMAP_BYTES: u64 = 4 << 20;

/// A path to read, and whether the user named it (named files that cannot
/// be read are errors; walked files that are not inputs are skipped).
struct Candidate {
    path: PathBuf,
    named: bool,
}

fn display(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The files under `paths`, each with whether the user named it: named
/// files as given, directories walked (hidden files skipped, .gitignore
/// honoured, sorted by name). What cannot be walked goes to
/// `error(path, message)`. `scan` and `flows` both read what this finds.
pub fn walk(paths: &[PathBuf], mut error: impl FnMut(&str, &str)) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let walker = ignore::WalkBuilder::new(p)
                .hidden(true)
                .git_ignore(true)
                .require_git(false)
                .sort_by_file_name(|a, b| a.cmp(b))
                .build();
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => out.push((e.into_path(), false)),
                    Ok(_) => {}
                    Err(e) => error(&display(p), &e.to_string()),
                }
            }
        } else if p.exists() {
            out.push((p.clone(), true));
        } else {
            error(&display(p), "no such file or directory");
        }
    }
    out
}

fn collect(paths: &[PathBuf], errors: &mut Vec<IngestError>) -> Vec<Candidate> {
    walk(paths, |file, msg| errors.push(io_error(file, msg)))
        .into_iter()
        .map(|(path, named)| Candidate { path, named })
        .collect()
}

fn io_error(file: &str, msg: &str) -> IngestError {
    IngestError { file: file.to_string(), line: 0, column: 0, kind: ErrorKind::Io, message: msg.to_string() }
}

/// Walked files are read only when they start like JSON (an object, or an
/// array as az and gcloud print): a cheap test that keeps a repository's
/// images and archives out of memory.
fn starts_like_json(path: &Path) -> bool {
    let mut buf = [0u8; 512];
    let Ok(mut f) = std::fs::File::open(path) else { return true };
    let n = f.read(&mut buf).unwrap_or(0);
    let head = buf[..n].strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf[..n]);
    head.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'{' || b == b'[')
}

/// Walked YAML files are read too (CloudFormation templates and Kubernetes
/// manifests are YAML; kops writes its static pod manifests as `.manifest`);
/// the readers look for their markers and leave other YAML alone.
fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["yaml", "yml", "template", "manifest"].iter().any(|y| e.eq_ignore_ascii_case(y)))
}

/// Bicep source is recognised by its extension.
fn is_bicep(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("bicep"))
}

fn read_one(c: &Candidate, opts: &ReadOptions) -> FileOutcome {
    let name = display(&c.path);
    if !c.named && !is_yaml(&c.path) && !is_bicep(&c.path) && !starts_like_json(&c.path) {
        return FileOutcome { path: name, ..Default::default() };
    }
    let file = match std::fs::File::open(&c.path) {
        Ok(f) => f,
        Err(e) => {
            return FileOutcome {
                path: name.clone(),
                errors: vec![io_error(&name, &e.to_string())],
                ..Default::default()
            }
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    // Large inputs are mapped rather than copied: reading a 300 MB dump
    // into a fresh buffer spent a fifth of the run zeroing and copying
    // pages (perf). SAFETY: the map is only read while this function runs;
    // a file truncated underneath would fault, the risk every mmap-based
    // reader (ripgrep among them) accepts for large inputs.
    let owned: Vec<u8>;
    let mapped;
    let bytes: &[u8] = if size >= MMAP_BYTES {
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(m) => {
                mapped = m;
                &mapped
            }
            Err(e) => {
                return FileOutcome {
                    path: name.clone(),
                    errors: vec![io_error(&name, &e.to_string())],
                    ..Default::default()
                }
            }
        }
    } else {
        let mut buf = Vec::with_capacity(size as usize);
        if let Err(e) = (&file).read_to_end(&mut buf) {
            return FileOutcome {
                path: name.clone(),
                errors: vec![io_error(&name, &e.to_string())],
                ..Default::default()
            };
        }
        owned = buf;
        &owned
    };
    let text = match utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let mut o = FileOutcome { path: name.clone(), ..Default::default() };
            if c.named {
                let off = e.valid_up_to();
                let before = &bytes[..off];
                let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
                let col = (off - before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)) as u32 + 1;
                o.errors.push(IngestError {
                    file: name,
                    line,
                    column: col,
                    kind: ErrorKind::Syntax,
                    message: "not UTF-8 text".into(),
                });
            }
            return o;
        }
    };
    read_input_with(&name, text, opts)
}

/// Inputs at least this large are checked for UTF-8 on every core.
const PARALLEL_UTF8_BYTES: usize = 8 << 20;

/// `bytes` as text. A large input is checked in pieces in parallel (a
/// 330 MB dump took 80 ms on one core, with the other idle, before its
/// parse could start): each piece starts on a byte that begins a character,
/// so pieces that are each valid make a valid whole. Any invalid piece
/// sends the whole input through the standard check for its error.
fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    if bytes.len() < PARALLEL_UTF8_BYTES {
        return std::str::from_utf8(bytes);
    }
    let pieces = rayon::current_num_threads().max(1) * 4;
    let step = bytes.len() / pieces;
    let mut starts: Vec<usize> = (1..pieces)
        .map(|i| {
            let mut at = i * step;
            // Continuation bytes are 0b10xx_xxxx; at most three in a row
            // in valid text, so this stops quickly (or where invalid
            // input makes the piece check fail anyway).
            while at < bytes.len() && bytes[at] & 0xC0 == 0x80 {
                at += 1;
            }
            at
        })
        .collect();
    starts.insert(0, 0);
    starts.push(bytes.len());
    starts.dedup();
    let ok = starts.par_windows(2).all(|w| std::str::from_utf8(&bytes[w[0]..w[1]]).is_ok());
    if ok {
        // SAFETY: every piece is valid UTF-8 and begins on a character's
        // first byte, so no character spans two pieces: the whole is valid.
        Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes)
    }
}

fn is_terraform(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// A Terraform root directory to evaluate.
struct TfRoot {
    dir: PathBuf,
    display: String,
    /// Files the user named in it (`None`: the directory was walked).
    only: Option<Vec<String>>,
}

fn terraform_roots(candidates: &[Candidate]) -> Vec<TfRoot> {
    let mut roots: BTreeMap<PathBuf, TfRoot> = BTreeMap::new();
    for c in candidates.iter().filter(|c| is_terraform(&c.path)) {
        let dir = c.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let display = display(&dir);
        let root = roots.entry(dir.clone()).or_insert_with(|| TfRoot {
            dir: if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.clone() },
            display,
            only: if c.named { Some(Vec::new()) } else { None },
        });
        match (&mut root.only, c.named) {
            (Some(files), true) => files.push(span_path(&root.display, &c.path)),
            // Walked anywhere: the whole directory counts.
            (only, false) => *only = None,
            (None, true) => {}
        }
    }
    roots.into_values().collect()
}

/// A file's path as the evaluator writes it in spans: the directory as
/// displayed joined with the file name (the name alone in `.` or ``).
fn span_path(dir_display: &str, file: &Path) -> String {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if dir_display.is_empty() || dir_display == "." {
        name
    } else if dir_display.ends_with('/') {
        format!("{dir_display}{name}")
    } else {
        format!("{dir_display}/{name}")
    }
}

/// Kept for commands that take no template parameters.
#[allow(dead_code)]
pub fn load(paths: &[PathBuf], tf: &TfInputs) -> Loaded {
    load_with(paths, tf, &ReadOptions::default())
}

/// [`load`], with the user's read options (template parameters).
pub fn load_with(paths: &[PathBuf], tf: &TfInputs, opts: &ReadOptions) -> Loaded {
    let mut errors = Vec::new();
    let candidates = collect(paths, &mut errors);
    let show_progress = candidates.len() > 500 && std::io::stderr().is_terminal();
    if show_progress {
        eprintln!("portcullis: reading {} files…", candidates.len());
    }
    let roots = terraform_roots(&candidates);
    let json: Vec<&Candidate> = candidates.iter().filter(|c| !is_terraform(&c.path)).collect();
    let (mut outcomes, tf_results) = rayon::join(
        || json.par_iter().map(|c| read_one(c, opts)).collect::<Vec<FileOutcome>>(),
        || {
            roots
                .par_iter()
                .map(|r| (r, read_terraform_dir(&r.dir, &r.display, tf, r.only.as_deref())))
                .collect::<Vec<_>>()
        },
    );
    // A directory another root calls as a local module is read as part of
    // that root, with its inputs; evaluated on its own it would only add
    // unknowns for the variables its caller sets.
    let called: BTreeSet<PathBuf> = tf_results.iter().flat_map(|(_, t)| t.module_dirs_called.iter().cloned()).collect();
    for (root, t) in tf_results {
        let walked = root.only.is_none();
        let is_module = std::fs::canonicalize(&root.dir).is_ok_and(|d| called.contains(&d));
        if walked && is_module {
            continue;
        }
        outcomes.push(t.outcome);
    }
    if !errors.is_empty() {
        outcomes.push(FileOutcome { errors, ..Default::default() });
    }
    Loaded { outcomes, snippets: Mutex::new(BTreeMap::new()) }
}

#[cfg(test)]
mod tests {
    use super::{utf8, PARALLEL_UTF8_BYTES};

    /// A large text of multi-byte characters, so that piece boundaries
    /// fall inside characters and must move to the next one.
    fn big() -> Vec<u8> {
        "é€𐍈a".repeat(PARALLEL_UTF8_BYTES / 10 + 7).into_bytes()
    }

    #[test]
    fn large_valid_text_is_accepted_whole() {
        let b = big();
        assert!(b.len() >= PARALLEL_UTF8_BYTES);
        assert_eq!(utf8(&b).map(str::len), Ok(b.len()));
    }

    #[test]
    fn large_invalid_text_gives_the_standard_error() {
        // Invalid in several ways and places: a lone continuation byte, a
        // truncated sequence at the very end, a bad byte in the middle.
        for (at, byte) in [(0usize, 0x80u8), (5_000_001, 0xFF), (usize::MAX, 0xE2)] {
            let mut b = big();
            if at == usize::MAX {
                b.push(byte);
            } else {
                b[at] = byte;
            }
            let want = std::str::from_utf8(&b).expect_err("the input is invalid");
            assert_eq!(utf8(&b).expect_err("the input is invalid"), want, "byte {byte:#x} at {at}");
        }
    }
}

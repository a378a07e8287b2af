//! Finding and reading input files: directories are walked honouring
//! .gitignore, files are read in parallel, each is detected by content.

use portcullis_ingest::{read_input, ErrorKind, FileOutcome, IngestError};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything read from the inputs.
pub struct Loaded {
    pub outcomes: Vec<FileOutcome>,
    /// Text of each file that was read as an input, for snippets.
    pub texts: BTreeMap<String, Arc<str>>,
}

impl portcullis_report::Sources for Loaded {
    fn text(&self, file: &str) -> Option<Arc<str>> {
        self.texts.get(file).cloned()
    }
}

impl Loaded {
    pub fn files_read(&self) -> usize {
        self.outcomes.iter().filter(|o| o.format.is_some()).count()
    }
}

/// A path to read, and whether the user named it (named files that cannot
/// be read are errors; walked files that are not inputs are skipped).
struct Candidate {
    path: PathBuf,
    named: bool,
}

fn display(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn collect(paths: &[PathBuf], errors: &mut Vec<IngestError>) -> Vec<Candidate> {
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
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        out.push(Candidate { path: e.into_path(), named: false });
                    }
                    Ok(_) => {}
                    Err(e) => errors.push(io_error(&display(p), &e.to_string())),
                }
            }
        } else if p.exists() {
            out.push(Candidate { path: p.clone(), named: true });
        } else {
            errors.push(io_error(&display(p), "no such file or directory"));
        }
    }
    out
}

fn io_error(file: &str, msg: &str) -> IngestError {
    IngestError { file: file.to_string(), line: 0, column: 0, kind: ErrorKind::Io, message: msg.to_string() }
}

/// Walked files are read only when they start like JSON: a cheap test that
/// keeps a repository's images and archives out of memory.
fn starts_like_json(path: &Path) -> bool {
    let mut buf = [0u8; 512];
    let Ok(mut f) = std::fs::File::open(path) else { return true };
    let n = f.read(&mut buf).unwrap_or(0);
    let head = buf[..n].strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf[..n]);
    head.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'{')
}

fn read_one(c: &Candidate) -> (FileOutcome, Option<Arc<str>>) {
    let name = display(&c.path);
    if !c.named && !starts_like_json(&c.path) {
        return (FileOutcome { path: name, ..Default::default() }, None);
    }
    let bytes = match std::fs::read(&c.path) {
        Ok(b) => b,
        Err(e) => {
            let o =
                FileOutcome { path: name.clone(), errors: vec![io_error(&name, &e.to_string())], ..Default::default() };
            return (o, None);
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let mut o = FileOutcome { path: name.clone(), ..Default::default() };
            if c.named {
                let off = e.utf8_error().valid_up_to();
                let before = &e.as_bytes()[..off];
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
            return (o, None);
        }
    };
    let outcome = read_input(&name, &text);
    let keep = outcome.format.is_some().then(|| Arc::from(text));
    (outcome, keep)
}

pub fn load(paths: &[PathBuf]) -> Loaded {
    let mut errors = Vec::new();
    let candidates = collect(paths, &mut errors);
    let show_progress = candidates.len() > 500 && std::io::stderr().is_terminal();
    if show_progress {
        eprintln!("portcullis: reading {} files…", candidates.len());
    }
    let results: Vec<(FileOutcome, Option<Arc<str>>)> = candidates.par_iter().map(read_one).collect();
    let mut outcomes = Vec::with_capacity(results.len() + 1);
    let mut texts = BTreeMap::new();
    for (o, t) in results {
        if let Some(t) = t {
            texts.insert(o.path.clone(), t);
        }
        outcomes.push(o);
    }
    if !errors.is_empty() {
        outcomes.push(FileOutcome { errors, ..Default::default() });
    }
    Loaded { outcomes, texts }
}

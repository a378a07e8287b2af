//! Finding the inputs under the paths a user names.
//!
//! - A named file is read as named, whatever it is (a pipe is then read
//!   as a stream, see [`crate::read`]).
//! - A named directory is walked in name order, honouring `.gitignore`
//!   and `.ignore`, skipping hidden files and directories.
//! - **Symbolic links are followed**, to files and to directories,
//!   wherever they point, as ripgrep's `-L` does: a link is how a tree
//!   shares a module or an account's dump, and skipping it would pass its
//!   findings silently. A link that leads back to one of its own ancestors
//!   is a loop: it is reported as an error and not followed again (the
//!   directory it points to is read once, through its own path). A link to
//!   nothing is reported as an error.
//! - A pipe, socket or device found by walking is reported, never read (a
//!   pipe would wait for a writer).
//! - Each file found carries its [`Identity`], so a file reached twice
//!   (directly and through a link) can be read once.

use crate::error::{Error, ErrorKind};
use crate::read::{special_kind, Origin};
use crate::write::Identity;
use std::path::{Path, PathBuf};

/// A file to read.
#[derive(Clone, Debug)]
pub struct Found {
    pub path: PathBuf,
    pub origin: Origin,
    /// Device and inode, through links (`None` where the platform has none).
    pub identity: Option<Identity>,
}

/// The files under `paths`, in the order named (each directory's files
/// sorted by name), and an error for each path or entry that cannot be read.
pub fn walk(paths: &[PathBuf]) -> (Vec<Found>, Vec<Error>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        let shown = p.to_string_lossy();
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk_dir(p, &mut found, &mut errors),
            Ok(_) => found.push(Found { path: p.clone(), origin: Origin::Named, identity: Identity::of(p) }),
            Err(e) => errors.push(missing(&shown, p, &e)),
        }
    }
    (found, errors)
}

fn walk_dir(dir: &Path, found: &mut Vec<Found>, errors: &mut Vec<Error>) {
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                let Some(kind) = e.file_type() else { continue };
                if kind.is_dir() {
                    continue;
                }
                let shown = e.path().to_string_lossy().into_owned();
                if kind.is_file() {
                    let identity = Identity::of(e.path());
                    found.push(Found { path: e.into_path(), origin: Origin::Walked, identity });
                } else if let Some(what) = special_kind(&kind) {
                    errors.push(Error::new(
                        shown,
                        ErrorKind::NotRegular { what },
                        format!("{what}, not a regular file: only regular files are read from directories (name it on the command line to read it as a stream)"),
                    ));
                }
            }
            Err(e) => errors.push(walk_error(dir, &e)),
        }
    }
}

/// A path that cannot be looked at: missing, or a link to nothing.
fn missing(shown: &str, path: &Path, e: &std::io::Error) -> Error {
    let dangling = e.kind() == std::io::ErrorKind::NotFound
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if dangling {
        let to = std::fs::read_link(path).map(|t| t.to_string_lossy().into_owned()).unwrap_or_default();
        Error::new(shown, ErrorKind::NotFound, format!("a symbolic link to `{to}`, which does not exist"))
    } else {
        Error::read(shown, e)
    }
}

fn walk_error(dir: &Path, e: &ignore::Error) -> Error {
    let mut path: Option<&Path> = None;
    let mut inner = e;
    loop {
        match inner {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p);
                inner = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => inner = err,
            ignore::Error::Loop { ancestor, child } => {
                return Error::new(
                    child.to_string_lossy(),
                    ErrorKind::Loop,
                    format!(
                        "a symbolic link loop: it leads back to `{}`, which is read once, through its own path",
                        ancestor.to_string_lossy()
                    ),
                );
            }
            _ => break,
        }
    }
    let at = path.unwrap_or(dir);
    match inner.io_error() {
        Some(io) => missing(&at.to_string_lossy(), at, io),
        None => Error::new(at.to_string_lossy(), ErrorKind::Io, format!("cannot read: {inner}")),
    }
}

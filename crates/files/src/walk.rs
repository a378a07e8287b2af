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
//! - A directory the run writes its outputs to ([`walk_skipping`]: where
//!   `scan --save` puts what it read from the clouds) is not walked: what
//!   the run writes there is never also an input of the same run.

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
    walk_skipping(paths, &[])
}

/// [`walk`], never entering the directories `outputs` identifies (through
/// links too: they are compared by device and inode). Named paths are the
/// caller's to check.
pub fn walk_skipping(paths: &[PathBuf], outputs: &[Identity]) -> (Vec<Found>, Vec<Error>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        let shown = p.to_string_lossy();
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk_dir(p, outputs, &mut found, &mut errors),
            Ok(_) => found.push(Found { path: p.clone(), origin: Origin::Named, identity: Identity::of(p) }),
            Err(e) => errors.push(missing(&shown, p, &e)),
        }
    }
    (found, errors)
}

fn walk_dir(dir: &Path, outputs: &[Identity], found: &mut Vec<Found>, errors: &mut Vec<Error>) {
    let mut builder = ignore::WalkBuilder::new(dir);
    builder.hidden(true).git_ignore(true).require_git(false).follow_links(true).sort_by_file_name(|a, b| a.cmp(b));
    if !outputs.is_empty() {
        let outputs = outputs.to_vec();
        // One `stat` per directory, and only when there is an output
        // directory to keep out.
        builder.filter_entry(move |e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && Identity::of(e.path()).is_some_and(|id| outputs.contains(&id)))
        });
    }
    let walker = builder.build();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn names(found: &[Found], base: &Path) -> Vec<String> {
        found.iter().map(|f| f.path.strip_prefix(base).unwrap_or(&f.path).to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn an_output_directory_is_not_walked_even_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        for file in ["a.json", "saved/aws/x.json", "z/b.json"] {
            let path = base.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "{}").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(base.join("saved"), base.join("z/link")).unwrap();
        let all = walk(&[base.to_path_buf()]);
        assert!(all.1.is_empty(), "{:?}", all.1);
        let mut expected = vec!["a.json", "saved/aws/x.json", "z/b.json"];
        if cfg!(unix) {
            expected.push("z/link/aws/x.json");
        }
        assert_eq!(names(&all.0, base), expected);

        let saved = Identity::of(&base.join("saved"));
        assert!(saved.is_some() || cfg!(not(unix)));
        let (found, errors) = walk_skipping(&[base.to_path_buf()], &saved.into_iter().collect::<Vec<_>>());
        assert!(errors.is_empty(), "{errors:?}");
        let expected: &[&str] =
            if cfg!(unix) { &["a.json", "z/b.json"] } else { &["a.json", "saved/aws/x.json", "z/b.json"] };
        assert_eq!(names(&found, base), expected);
    }
}

//! Where a configuration's files come from: the file system, or a tree of
//! files held in memory (a revision read from git objects by `portcullis
//! diff --git`, which never checks anything out). The evaluator asks four
//! questions (which configuration files a directory holds, a file's text,
//! whether a directory exists, a directory's canonical name) and both
//! sources answer them the same way, so a configuration evaluates to the
//! same resources from either.

use crate::error::{ErrorKind, IngestError};
use portcullis_files::{read_text, InputKind, Origin, Text};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// Files held in memory, by path relative to the tree's root (`infra/main.tf`),
/// already decoded as text (the caller reports bytes that are not UTF-8
/// when it decodes them).
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    files: BTreeMap<PathBuf, String>,
    directories: BTreeSet<PathBuf>,
}

impl MemoryTree {
    /// Adds a file; `path` is relative, `/`-separated, without `..`.
    pub fn insert(&mut self, path: &str, text: String) {
        let path = normalize(Path::new(path));
        let mut dir = path.parent();
        while let Some(d) = dir {
            self.directories.insert(d.to_path_buf());
            dir = d.parent();
        }
        self.files.insert(path, text);
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Where files are read from.
#[derive(Clone, Copy, Debug)]
pub enum Files<'a> {
    Disk,
    Memory(&'a MemoryTree),
}

/// `a/./b/../c` as `a/c`, lexically: in memory there are no symbolic
/// links, so lexical and canonical names agree. The empty path is the root.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

impl Files<'_> {
    /// The canonical name of a directory, `None` when there is none.
    pub(crate) fn canonical_dir(&self, path: &Path) -> Option<PathBuf> {
        match self {
            Files::Disk => std::fs::canonicalize(path).ok().filter(|p| p.is_dir()),
            Files::Memory(tree) => {
                let p = normalize(path);
                tree.directories.contains(&p).then_some(p)
            }
        }
    }

    /// The names of the regular files directly in `dir`, unsorted.
    pub(crate) fn list(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        match self {
            Files::Disk => Ok(std::fs::read_dir(dir)?
                .filter_map(Result::ok)
                .filter(|e| e.file_type().map(|t| t.is_file() || t.is_symlink()).unwrap_or(false))
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()),
            Files::Memory(tree) => {
                let dir = normalize(dir);
                if !tree.directories.contains(&dir) {
                    return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
                }
                Ok(tree
                    .files
                    .range(dir.clone()..)
                    .take_while(|(p, _)| p.starts_with(&dir))
                    .filter(|(p, _)| p.parent() == Some(dir.as_path()))
                    .filter_map(|(p, _)| p.file_name()?.to_str().map(str::to_string))
                    .collect())
            }
        }
    }

    pub(crate) fn is_file(&self, path: &Path) -> bool {
        match self {
            Files::Disk => path.is_file(),
            Files::Memory(tree) => tree.files.contains_key(&normalize(path)),
        }
    }

    /// A configuration file's text, read as `portcullis_files` decides on
    /// disk (size limit, no pipes, byte-order mark dropped).
    pub(crate) fn read(&self, path: &Path, shown: &str, origin: Origin) -> Result<Text, IngestError> {
        match self {
            Files::Disk => {
                read_text(path, shown, origin, InputKind::Terraform.limit()).map_err(|e| super::file_error(&e))
            }
            Files::Memory(tree) => match tree.files.get(&normalize(path)) {
                Some(text) => Ok(Text { text: text.clone(), not_utf8: None }),
                None => Err(IngestError {
                    file: shown.to_string(),
                    line: 0,
                    column: 0,
                    kind: ErrorKind::Io,
                    message: "no such file in this revision".into(),
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_lists_only_direct_files_and_resolves_parents() {
        let mut tree = MemoryTree::default();
        tree.insert("infra/main.tf", "a".into());
        tree.insert("infra/modules/sg/main.tf", "b".into());
        tree.insert("infra2/x.tf", "c".into());
        let files = Files::Memory(&tree);
        let mut names = files.list(Path::new("infra")).unwrap();
        names.sort();
        assert_eq!(names, ["main.tf"]);
        assert_eq!(files.list(Path::new("")).unwrap(), Vec::<String>::new());
        assert_eq!(files.canonical_dir(Path::new("infra/modules/sg/../sg")), Some(PathBuf::from("infra/modules/sg")));
        assert_eq!(files.canonical_dir(Path::new("infra/main.tf")), None);
        assert!(files.list(Path::new("nowhere")).is_err());
        assert!(files.is_file(Path::new("./infra/main.tf")));
        assert_eq!(files.read(Path::new("infra2/x.tf"), "infra2/x.tf", Origin::Walked).unwrap().text, "c");
    }
}

//! Writing outputs: every file portcullis writes (`-o`, `--write-baseline`,
//! and whatever later commands write) goes through [`write_atomic`].
//!
//! - **Atomic.** The content goes to a temporary file in the same directory,
//!   is flushed to disk (`fsync`), then renamed over the destination: a
//!   reader sees the old file or the new one, never a part; a crash leaves
//!   the old one. The directory is synced after the rename.
//! - **The replaced file's mode and owner are kept** (the owner as far as
//!   the process may set it); a new file gets the usual `0666` less the
//!   umask. A symbolic link is followed: the file it points to is replaced,
//!   the link stays.
//! - **Devices and pipes** (`-o /dev/null`, `-o /dev/stdout`, a named
//!   pipe) are written in place: there is nothing to replace. A pipe that
//!   no process reads is an error, not a hang.
//! - **Never onto an input**: [`ReadSet`] holds the identity (device and
//!   inode, through links) of every file a run read; an output that is one
//!   of them is refused before anything is written.

use crate::error::{Error, ErrorKind};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file's identity: its device and inode, through symbolic links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Identity {
    device: u64,
    inode: u64,
}

impl Identity {
    /// The identity of what `path` names (through links); `None` when it
    /// does not exist, or on platforms without inodes.
    pub fn of(path: &Path) -> Option<Identity> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path).ok().map(|m| Identity { device: m.dev(), inode: m.ino() })
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }
}

/// The files a run read, so that no output replaces one of them.
#[derive(Clone, Debug, Default)]
pub struct ReadSet {
    files: HashMap<Identity, String>,
    /// Paths without an identity (platforms without inodes), compared by
    /// canonical path.
    paths: Vec<(PathBuf, String)>,
}

impl ReadSet {
    /// Records `path` (shown as `display`) as read.
    pub fn insert(&mut self, path: &Path, display: &str) {
        match Identity::of(path) {
            Some(id) => {
                self.files.entry(id).or_insert_with(|| display.to_string());
            }
            None => {
                if let Ok(canonical) = std::fs::canonicalize(path) {
                    self.paths.push((canonical, display.to_string()));
                }
            }
        }
    }

    /// Records a file already identified.
    pub fn insert_identity(&mut self, id: Identity, display: &str) {
        self.files.entry(id).or_insert_with(|| display.to_string());
    }

    /// An error when `output` (given as `flag`, e.g. `-o`) is one of the
    /// files read.
    pub fn check_output(&self, flag: &str, output: &Path) -> Result<(), Error> {
        let input = match Identity::of(output) {
            Some(id) => self.files.get(&id),
            None => std::fs::canonicalize(output)
                .ok()
                .and_then(|c| self.paths.iter().find(|(p, _)| *p == c).map(|(_, shown)| shown)),
        };
        match input {
            Some(shown) => Err(Error::new(
                output.to_string_lossy(),
                ErrorKind::OutputIsInput,
                format!("{flag}: this file is also an input (read as {shown}); writing there would replace it: choose another file"),
            )),
            None => Ok(()),
        }
    }
}

/// Writes `path` atomically with what `write` produces (see the module
/// documentation).
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Error> {
    let shown = path.to_string_lossy().into_owned();
    let target = resolve_links(path);
    let existing = match std::fs::metadata(&target) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::write(&shown, &e)),
    };
    if let Some(m) = &existing {
        if m.is_dir() {
            return Err(Error::new(&shown, ErrorKind::Io, "cannot write: it is a directory"));
        }
        if !m.is_file() {
            return write_in_place(&target, &shown, write);
        }
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A new file: 0666 less the umask, as any program creates one (the
        // temporary file's own default is 0600).
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(&dir).map_err(|e| Error::write(&shown, &e))?;
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, temp.as_file_mut());
        write(&mut out).and_then(|_| out.flush()).map_err(|e| Error::write(&shown, &e))?;
    }
    if let Some(m) = &existing {
        keep_owner_and_mode(temp.as_file(), m).map_err(|e| Error::write(&shown, &e))?;
    }
    temp.as_file().sync_all().map_err(|e| Error::write(&shown, &e))?;
    temp.persist(&target).map_err(|e| Error::write(&shown, &e.error))?;
    // The rename itself is durable once the directory is synced; a
    // directory that cannot be opened (some file systems) only loses that.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Where `path` leads through symbolic links (the path itself when it is
/// not a link, or the links go nowhere after 40 steps).
fn resolve_links(path: &Path) -> PathBuf {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&at) {
                Ok(to) if to.is_absolute() => at = to,
                Ok(to) => at = at.parent().map_or(to.clone(), |p| p.join(&to)),
                Err(_) => return at,
            },
            _ => return at,
        }
    }
    at
}

fn keep_owner_and_mode(file: &std::fs::File, old: &std::fs::Metadata) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only root may give a file away; anyone else keeps their own
        // ownership, which is what the old file had unless root wrote it.
        let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
    }
    file.set_permissions(old.permissions())
}

/// Devices and pipes: written to as they are.
fn write_in_place(
    target: &Path,
    shown: &str,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let file = open_for_writing(target).map_err(|e| {
        if e.raw_os_error() == Some(ENXIO) {
            Error::new(shown, ErrorKind::NoWriter, "cannot write: a named pipe that no process is reading")
        } else {
            Error::write(shown, &e)
        }
    })?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    write(&mut out).and_then(|_| out.flush()).map_err(|e| Error::write(shown, &e))
}

#[cfg(unix)]
const ENXIO: i32 = libc::ENXIO;
#[cfg(not(unix))]
const ENXIO: i32 = -1;

#[cfg(unix)]
fn open_for_writing(target: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    // Without waiting for a reader: a pipe nobody reads fails with ENXIO.
    let file = std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(target)?;
    // SAFETY: fcntl on a descriptor this File owns.
    unsafe {
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_for_writing(target: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).open(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_text(path: &Path, text: &str) -> Result<(), Error> {
        write_atomic(path, |w| w.write_all(text.as_bytes()))
    }

    #[test]
    fn replaces_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_text(&p, "first").unwrap();
        write_text(&p, "second").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_text(&p, "old").unwrap();
        let e = write_atomic(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("the emitter failed"))
        })
        .unwrap_err();
        assert!(e.message.contains("the emitter failed"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn mode_is_kept_and_links_are_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o604)).unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("real.txt", &link).unwrap();
        write_text(&link, "new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o604);
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_without_a_reader_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let p = crate::testing::fifo(dir.path(), "p");
        let e = write_text(&p, "x").unwrap_err();
        assert_eq!(e.kind, ErrorKind::NoWriter);
        write_text(Path::new("/dev/null"), "into the void").unwrap();
    }

    #[test]
    fn an_input_is_never_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.json");
        std::fs::write(&p, "{}").unwrap();
        let mut read = ReadSet::default();
        read.insert(&p, "in.json");
        let e = read.check_output("-o", &dir.path().join("./in.json")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::OutputIsInput);
        assert!(read.check_output("-o", &dir.path().join("other.json")).is_ok());
    }
}

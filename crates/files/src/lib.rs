//! portcullis files: the one place that decides how inputs are read and
//! outputs written, so every command (scan, flows, probe, and the ones to
//! come) behaves the same on hostile and careless files.
//!
//! - [`walk`]: which files a run reads: named paths, walked directories,
//!   symbolic links followed with loop detection, pipes found by walking
//!   reported rather than read.
//! - [`read`]: opening one input without ever waiting (pipes and `<(…)`
//!   read as streams), size limits per kind of input ([`limits`]),
//!   byte-order marks dropped, text that is not UTF-8 located by line and
//!   column, files that change while they are read detected.
//! - [`map`]: large files mapped so that a truncation cannot crash the run.
//! - [`write`]: every output written atomically (temporary file, `fsync`,
//!   rename), keeping the replaced file's mode, never onto an input.
//! - [`display`]: text from inputs made safe to print (control characters
//!   escaped: one function for every text emitter), and text that shows
//!   nothing recognised.
//!
//! The policy for people is in the README's "Bad input" section and
//! `docs/files.md`.

pub mod display;
mod error;
pub mod limits;
pub mod map;
pub mod read;
pub mod walk;
pub mod write;

pub use error::{Error, ErrorKind};
pub use limits::InputKind;
pub use read::{open, read_text, Contents, Input, Origin, Text};
pub use walk::{walk, Found};
pub use write::{write_atomic, Identity, ReadSet};

/// Helpers of this crate's tests.
#[cfg(all(test, unix))]
mod testing {
    /// A named pipe `name` in `dir`, made with mkfifo(1).
    pub fn fifo(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        assert!(std::process::Command::new("mkfifo").arg(&p).status().expect("mkfifo runs").success());
        p
    }
}

//! Opening and reading one input.
//!
//! - **Regular files** are read whole; from [`MAP_BYTES`] on they are
//!   mapped instead ([`crate::map`]: a truncation cannot crash the run).
//!   After reading, [`Contents::unchanged`] tells whether the file was
//!   truncated or rewritten meanwhile.
//! - **Named pipes, `<(…)` and devices named on the command line** are
//!   read as streams. A pipe is opened without waiting: one that no
//!   process writes to is an error ([`ErrorKind::NoWriter`]), never a hang.
//!   Found by walking a directory, they are not read, and said so
//!   ([`ErrorKind::NotRegular`]).
//! - **Size**: an input over its kind's limit ([`crate::limits`]) is refused
//!   before it is read (a stream: as soon as it passes the limit).
//! - **Text**: a leading byte-order mark is dropped; bytes that are not
//!   UTF-8 are an error at the line and column of the first one, and the
//!   text is still available with each replaced by U+FFFD, so the rest of
//!   the file is read.

use crate::error::{io_message, Error, ErrorKind};
use crate::limits::describe;
use crate::map::Mapped;
use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::SystemTime;

/// Regular files at least this large are mapped rather than copied.
pub const MAP_BYTES: u64 = 4 << 20;

/// Inputs at least this large are checked for UTF-8 on every core.
const PARALLEL_UTF8_BYTES: usize = 8 << 20;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// How a path came to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The user named it (on the command line, or as a flag's value).
    Named,
    /// Found by walking a directory (or listing a Terraform module's).
    Walked,
}

/// An opened input, not yet read.
pub struct Input {
    file: File,
    display: String,
    /// Length and modification time when opened; `None` for a stream.
    regular: Option<(u64, Option<SystemTime>)>,
    /// Bytes already taken from a stream (checking for a writer, or a
    /// look at its head), handed out again before the rest.
    taken: Vec<u8>,
    /// A regular file's head, read without moving its position.
    head: Vec<u8>,
}

/// Opens `path` for reading, without ever waiting: see the module
/// documentation for what each kind of file gives. `display` names it in
/// errors.
pub fn open(path: &Path, display: &str, origin: Origin) -> Result<Input, Error> {
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) => {
            // A socket cannot be opened at all: name it for what it is.
            if let Some(what) = std::fs::metadata(path).ok().and_then(|m| special_kind(&m.file_type())) {
                return Err(not_regular(display, what, origin));
            }
            return Err(Error::read(display, &e));
        }
    };
    let meta = file.metadata().map_err(|e| Error::read(display, &e))?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(Error::new(display, ErrorKind::Io, "is a directory"));
    }
    let mut input = Input { file, display: display.to_string(), regular: None, taken: Vec::new(), head: Vec::new() };
    if kind.is_file() {
        input.regular = Some((meta.len(), meta.modified().ok()));
        set_blocking(&input.file).map_err(|e| Error::read(display, &e))?;
        return Ok(input);
    }
    let what = special_kind(&kind).unwrap_or("not a regular file");
    if origin == Origin::Walked {
        return Err(not_regular(display, what, origin));
    }
    if is_fifo(&kind) {
        // Opened without waiting for a writer; a first read without
        // waiting tells whether one is there (an empty pipe with a writer
        // would block; one without a writer reads as its end).
        let mut buf = vec![0u8; 1 << 16];
        match (&input.file).read(&mut buf) {
            Ok(0) => {
                return Err(Error::new(
                    display,
                    ErrorKind::NoWriter,
                    "a named pipe that no process is writing to: nothing to read (start its writer first)",
                ))
            }
            Ok(n) => input.taken.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(Error::read(display, &e)),
        }
    }
    set_blocking(&input.file).map_err(|e| Error::read(display, &e))?;
    Ok(input)
}

fn not_regular(display: &str, what: &'static str, origin: Origin) -> Error {
    let message = match origin {
        Origin::Walked => format!("{what}, not a regular file: only regular files are read from directories (name it on the command line to read it as a stream)"),
        Origin::Named => format!("{what}, which cannot be read"),
    };
    Error::new(display, ErrorKind::NotRegular { what }, message)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

#[cfg(unix)]
fn set_blocking(file: &File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this File owns.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_blocking(_: &File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn is_fifo(kind: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_fifo()
}

#[cfg(not(unix))]
fn is_fifo(_: &std::fs::FileType) -> bool {
    false
}

/// What a file that is neither regular nor a directory is, for people.
pub(crate) fn special_kind(kind: &std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a named pipe");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Some("a device");
        }
    }
    let _ = kind;
    None
}

impl Input {
    /// A named pipe or device: read once, as it comes.
    pub fn is_stream(&self) -> bool {
        self.regular.is_none()
    }

    /// The size of a regular file when it was opened.
    pub fn len(&self) -> Option<u64> {
        self.regular.map(|(len, _)| len)
    }

    /// Whether a regular file is empty (a stream never says).
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The first `n` bytes (fewer when the input is shorter), without
    /// consuming them.
    pub fn head(&mut self, n: usize) -> Result<&[u8], Error> {
        match self.regular {
            Some(_) => {
                if self.head.len() < n {
                    self.head = vec![0; n];
                    let got = read_at_start(&self.file, &mut self.head).map_err(|e| Error::read(&self.display, &e))?;
                    self.head.truncate(got);
                }
                Ok(&self.head[..n.min(self.head.len())])
            }
            None => {
                while self.taken.len() < n {
                    let mut buf = vec![0u8; n - self.taken.len()];
                    let got = (&self.file).read(&mut buf).map_err(|e| Error::read(&self.display, &e))?;
                    if got == 0 {
                        break;
                    }
                    self.taken.extend_from_slice(&buf[..got]);
                }
                Ok(&self.taken[..n.min(self.taken.len())])
            }
        }
    }

    /// The whole input, refused when it is larger than `limit` bytes.
    /// Regular files from [`MAP_BYTES`] on are mapped.
    pub fn contents(self, limit: u64) -> Result<Contents, Error> {
        let Input { file, display, regular, mut taken, .. } = self;
        let too_large = |display: &str| {
            Error::new(
                display,
                ErrorKind::TooLarge { limit },
                format!("larger than {}, the most this kind of input may be: not read", describe(limit)),
            )
        };
        let Some((len, modified)) = regular else {
            // A stream: as it comes, stopping one byte past the limit.
            let mut rest = (&file).take(limit.saturating_add(1).saturating_sub(taken.len() as u64));
            rest.read_to_end(&mut taken).map_err(|e| Error::read(&display, &e))?;
            if taken.len() as u64 > limit {
                return Err(too_large(&display));
            }
            return Ok(Contents { data: Data::Owned(taken), display, regular: None });
        };
        if len > limit {
            return Err(too_large(&display));
        }
        let input = Input { file, display, regular, taken, head: Vec::new() };
        if len >= MAP_BYTES {
            match input.map()? {
                Ok(mapped) => return Ok(mapped),
                Err(input) => return input.read_regular(len, modified, limit),
            }
        }
        input.read_regular(len, modified, limit)
    }

    /// A regular file mapped whole, or the input back when it cannot be
    /// mapped safely here (read it as a stream then: it may be too large
    /// to hold). A stream is handed back as it is.
    pub fn map(self) -> Result<Result<Contents, Input>, Error> {
        let Some((len, modified)) = self.regular else { return Ok(Err(self)) };
        if len == 0 {
            return Ok(Err(self));
        }
        match Mapped::new(&self.file) {
            Ok(Some(m)) => Ok(Ok(Contents {
                data: Data::Mapped(m),
                display: self.display,
                regular: Some((self.file, len, modified)),
            })),
            Ok(None) => Ok(Err(self)),
            Err(e) => Err(Error::read(&self.display, &e)),
        }
    }

    fn read_regular(self, len: u64, modified: Option<SystemTime>, limit: u64) -> Result<Contents, Error> {
        let data = Data::Owned(read_whole(&self.file, len, limit, &self.display)?);
        Ok(Contents { data, display: self.display, regular: Some((self.file, len, modified)) })
    }

    /// The input as a reader: what was already taken from a stream, then
    /// the rest (for inputs read as they come: flow logs, gzip).
    pub fn into_reader(self) -> impl Read + Send {
        std::io::Cursor::new(self.taken).chain(self.file)
    }

    /// The open file (regular files: its length, to compare later).
    pub fn file(&self) -> &File {
        &self.file
    }
}

fn read_whole(file: &File, len: u64, limit: u64, display: &str) -> Result<Vec<u8>, Error> {
    // The file's own reader, into exactly its length: it checks for the end
    // with a small probe instead of doubling the buffer (a `Take` adapter
    // did, and every file read briefly held twice its size). A file that
    // grows while read is caught by `Contents::unchanged`.
    let mut buf = Vec::with_capacity(len as usize);
    let mut reader = file;
    reader.read_to_end(&mut buf).map_err(|e| Error::read(display, &e))?;
    if buf.len() as u64 > limit {
        return Err(Error::new(
            display,
            ErrorKind::TooLarge { limit },
            format!("larger than {}, the most this kind of input may be: not read", describe(limit)),
        ));
    }
    Ok(buf)
}

#[cfg(unix)]
fn read_at_start(file: &File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(not(unix))]
fn read_at_start(file: &File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::{Seek, SeekFrom};
    let mut f = file;
    let at = f.stream_position()?;
    f.seek(SeekFrom::Start(0))?;
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    f.seek(SeekFrom::Start(at))?;
    Ok(got)
}

enum Data {
    Owned(Vec<u8>),
    Mapped(Mapped),
}

/// A whole input, read or mapped.
pub struct Contents {
    data: Data,
    display: String,
    /// A regular file, its length and modification time when opened: to
    /// tell afterwards whether it changed while it was read.
    regular: Option<(File, u64, Option<SystemTime>)>,
}

impl Contents {
    /// The bytes as they are in the file (a byte-order mark included).
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Owned(b) => b,
            Data::Mapped(m) => m.bytes(),
        }
    }

    /// The map, when the input is mapped (for access-pattern advice).
    pub fn mapped(&self) -> Option<&Mapped> {
        match &self.data {
            Data::Mapped(m) => Some(m),
            Data::Owned(_) => None,
        }
    }

    /// Read from a pipe or device: it cannot be read again.
    pub fn is_stream(&self) -> bool {
        self.regular.is_none()
    }

    /// The text without its byte-order mark; an error at the first byte
    /// that is not UTF-8.
    pub fn text(&self) -> Result<&str, Error> {
        let bytes = strip_bom(self.bytes());
        utf8(bytes).map_err(|e| not_utf8(&self.display, bytes, e.valid_up_to()))
    }

    /// The text without its byte-order mark, each invalid byte sequence
    /// replaced by U+FFFD (one character, so columns after it stay right).
    pub fn lossy_text(&self) -> Cow<'_, str> {
        match self.text() {
            Ok(t) => Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(strip_bom(self.bytes())),
        }
    }

    /// The text as an owned string, without its byte-order mark, invalid
    /// bytes replaced (with the error for the first); a file read into
    /// memory becomes the string without a copy.
    pub fn into_text(self) -> (String, Option<Error>) {
        let not_utf8 = self.text().err();
        let text = match (self.data, &not_utf8) {
            (Data::Owned(mut bytes), None) => {
                let bom = bytes.len() - strip_bom(&bytes).len();
                bytes.drain(..bom);
                // SAFETY: `text()` above found these bytes (after the mark)
                // to be UTF-8.
                unsafe { String::from_utf8_unchecked(bytes) }
            }
            (data, _) => {
                let bytes = match &data {
                    Data::Owned(b) => &b[..],
                    Data::Mapped(m) => m.bytes(),
                };
                String::from_utf8_lossy(strip_bom(bytes)).into_owned()
            }
        };
        (text, not_utf8)
    }

    /// An error when the file was truncated or rewritten while it was read:
    /// what was read must then not be used.
    pub fn unchanged(&self) -> Result<(), Error> {
        let Some((file, len, modified)) = &self.regular else { return Ok(()) };
        let truncated = self.mapped().is_some_and(Mapped::truncated);
        let now = file.metadata().ok();
        let same = now.as_ref().is_some_and(|m| m.len() == *len && m.modified().ok() == *modified);
        let read_all = match &self.data {
            Data::Owned(b) => b.len() as u64 == *len,
            Data::Mapped(_) => true,
        };
        if truncated || !same || !read_all {
            return Err(Error::new(
                &self.display,
                ErrorKind::Changed,
                "the file changed while it was read (truncated or rewritten, as log rotation does): not used; read it again once it is complete",
            ));
        }
        Ok(())
    }
}

/// `bytes` without a leading UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// The error for text that is not UTF-8 from byte `at` of `bytes` (the
/// text after any byte-order mark): line and column of that byte.
pub fn not_utf8(display: &str, bytes: &[u8], at: usize) -> Error {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    // Valid up to `at`, so the line so far is whole characters.
    let column = std::str::from_utf8(&before[start..]).map_or(at - start, |s| s.chars().count()) as u32 + 1;
    Error::new(display, ErrorKind::NotUtf8 { line, column }, "not UTF-8 text (the rest of the file is still read)")
}

/// `bytes` as text. A large input is checked in pieces in parallel (a
/// 330 MB dump took 80 ms on one core, with the other idle, before its
/// parse could start): each piece starts on a byte that begins a character,
/// so pieces that are each valid make a valid whole. Any invalid piece
/// sends the whole input through the standard check for its error.
pub fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    use rayon::prelude::*;
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

/// A small input read whole as text.
pub struct Text {
    /// Without a byte-order mark; invalid bytes replaced by U+FFFD.
    pub text: String,
    /// Where the first invalid byte is, when there is one.
    pub not_utf8: Option<Error>,
}

/// Opens and reads `path` whole as text, refused over `limit` bytes.
pub fn read_text(path: &Path, display: &str, origin: Origin, limit: u64) -> Result<Text, Error> {
    let contents = open(path, display, origin)?.contents(limit)?;
    contents.unchanged()?;
    let (text, not_utf8) = contents.into_text();
    Ok(Text { text, not_utf8 })
}

/// Text read line by line where one bad line must not cost the others (a
/// list of targets): every line holding a byte that is not UTF-8 is left
/// empty, and its line and column (of the first such byte) returned.
pub fn valid_lines(bytes: &[u8]) -> (String, Vec<(u32, u32)>) {
    let bytes = strip_bom(bytes);
    if let Ok(t) = std::str::from_utf8(bytes) {
        return (t.to_string(), Vec::new());
    }
    let mut text = String::with_capacity(bytes.len());
    let mut bad = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            text.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(l) => text.push_str(l),
            Err(e) => {
                let column = std::str::from_utf8(&line[..e.valid_up_to()]).map_or(0, |s| s.chars().count());
                bad.push((i as u32 + 1, column as u32 + 1));
            }
        }
    }
    (text, bad)
}

/// `cannot read: …` for an error met while reading `display` as a stream.
pub fn stream_error(display: &str, e: &std::io::Error) -> Error {
    Error::new(display, ErrorKind::Io, format!("cannot read: {}", io_message(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
        f
    }

    #[test]
    fn a_bom_is_dropped_and_positions_count_characters() {
        let f = temp(b"\xef\xbb\xbfa: 1\nb: caf\xc3\xa9 \xe9 x\n");
        let t = read_text(f.path(), "x.yaml", Origin::Walked, 1 << 20).unwrap();
        assert!(t.text.starts_with("a: 1"));
        assert_eq!(t.text.lines().nth(1), Some("b: café \u{fffd} x"));
        let e = t.not_utf8.expect("an invalid byte");
        assert_eq!((e.line(), e.column()), (2, 9));
        assert_eq!(e.to_string(), "x.yaml:2:9: not UTF-8 text (the rest of the file is still read)");
    }

    #[test]
    fn over_the_limit_is_refused_before_reading() {
        let f = temp(&[b'a'; 100]);
        let e = read_text(f.path(), "big.tf", Origin::Named, 99).map(|_| ()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooLarge { limit: 99 });
        assert!(read_text(f.path(), "big.tf", Origin::Named, 100).is_ok());
    }

    #[test]
    fn bad_lines_are_left_empty_and_located() {
        let (text, bad) = valid_lines(b"a\nb\xffc\n\xfe\nd");
        assert_eq!(text, "a\n\n\nd");
        assert_eq!(bad, [(2, 2), (3, 1)]);
    }

    #[test]
    fn large_valid_text_is_accepted_whole() {
        let b = "é€𐍈a".repeat(PARALLEL_UTF8_BYTES / 10 + 7).into_bytes();
        assert!(b.len() >= PARALLEL_UTF8_BYTES);
        assert_eq!(utf8(&b).map(str::len), Ok(b.len()));
    }

    #[test]
    fn large_invalid_text_gives_the_standard_error() {
        // Invalid in several ways and places: a lone continuation byte, a
        // truncated sequence at the very end, a bad byte in the middle.
        for (at, byte) in [(0usize, 0x80u8), (5_000_001, 0xFF), (usize::MAX, 0xE2)] {
            let mut b = "é€𐍈a".repeat(PARALLEL_UTF8_BYTES / 10 + 7).into_bytes();
            if at == usize::MAX {
                b.push(byte);
            } else {
                b[at] = byte;
            }
            let want = std::str::from_utf8(&b).expect_err("the input is invalid");
            assert_eq!(utf8(&b).expect_err("the input is invalid"), want, "byte {byte:#x} at {at}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_without_a_writer_is_an_error_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = crate::testing::fifo(dir.path(), "p");
        let e = open(&p, "p", Origin::Named).map(|_| ()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NoWriter);
        let e = open(&p, "p", Origin::Walked).map(|_| ()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotRegular { what: "a named pipe" });
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_with_a_writer_is_read_as_a_stream_and_limited() {
        let dir = tempfile::tempdir().unwrap();
        let p = crate::testing::fifo(dir.path(), "p");
        for (limit, ok) in [(1 << 20, true), (1000, false)] {
            // A reader of our own lets the writer's open return at once.
            let early_reader = open_nonblocking(&p).unwrap();
            let (opened_tx, opened_rx) = std::sync::mpsc::channel();
            let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
            let writer = {
                let p = p.clone();
                std::thread::spawn(move || {
                    let mut f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
                    opened_tx.send(()).unwrap();
                    go_rx.recv().unwrap();
                    // The reader may stop early (the limit): a closed pipe is fine.
                    let _ = std::io::Write::write_all(&mut f, &[b'x'; 5000]);
                })
            };
            opened_rx.recv().unwrap();
            let mut input = open(&p, "p", Origin::Named).unwrap();
            drop(early_reader);
            go_tx.send(()).unwrap();
            assert!(input.is_stream());
            assert_eq!(input.head(3).unwrap(), b"xxx");
            let got = input.contents(limit);
            writer.join().unwrap();
            match got {
                Ok(c) => {
                    assert!(ok);
                    assert_eq!(c.bytes().len(), 5000, "the head is not lost");
                }
                Err(e) => {
                    assert!(!ok);
                    assert_eq!(e.kind, ErrorKind::TooLarge { limit: 1000 });
                }
            }
        }
    }

    #[test]
    fn a_file_rewritten_while_read_is_reported() {
        let f = temp(b"{\"a\": 1}");
        let c = open(f.path(), "x.json", Origin::Named).unwrap().contents(1 << 20).unwrap();
        assert!(c.unchanged().is_ok());
        std::fs::write(f.path(), b"{}").unwrap();
        assert_eq!(c.unchanged().unwrap_err().kind, ErrorKind::Changed);
    }
}

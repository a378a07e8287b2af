//! gzip as `gzip -dc` reads it: every member in turn (S3 objects and
//! concatenated downloads hold several); zero bytes after the last member
//! are padding (tape blocks, some uploaders) and ignored without a word, as
//! gzip does; anything else after it is not gzip and is ignored too, but
//! reported with the offset where it starts (gzip warns "trailing garbage
//! ignored"). An error inside a member (a cut or corrupt stream) is an
//! error: the records before it stay read.

use flate2::bufread::GzDecoder;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const NONE: u64 = u64::MAX;

/// The decompressed stream of every gzip member of `R`.
pub struct Members<R: Read> {
    decoder: Option<GzDecoder<BufReader<Counted<R>>>>,
    /// Members read to their end.
    finished: u64,
    /// Bytes the current member has given.
    given: u64,
    trailing: Arc<AtomicU64>,
}

/// Where data that is not gzip starts after the last member, once the
/// stream is read: shared with the reader, which may be on another thread.
#[derive(Clone)]
pub struct Trailing(Arc<AtomicU64>);

impl Trailing {
    /// The offset of the first byte after the last member that is neither
    /// a member nor zero padding.
    pub fn offset(&self) -> Option<u64> {
        match self.0.load(Ordering::Acquire) {
            NONE => None,
            at => Some(at),
        }
    }

    /// The warning for it, if there is one.
    pub fn warning(&self) -> Option<String> {
        self.offset().map(|at| {
            format!(
                "the data from byte {at} on is not gzip (it follows the last gzip member): ignored, as gzip -dc does"
            )
        })
    }
}

/// Counts the bytes taken from a reader: offsets for messages.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

impl<R: Read> Members<R> {
    pub fn new(inner: R) -> Self {
        let reader = BufReader::with_capacity(1 << 16, Counted { inner, count: 0 });
        Members {
            decoder: Some(GzDecoder::new(reader)),
            finished: 0,
            given: 0,
            trailing: Arc::new(AtomicU64::new(NONE)),
        }
    }

    pub fn trailing(&self) -> Trailing {
        Trailing(self.trailing.clone())
    }

    /// After a member: skips zero padding, then starts the next member, or
    /// marks what follows as not gzip. `false` when the stream is done.
    fn next_member(&mut self, mut reader: BufReader<Counted<R>>) -> io::Result<bool> {
        let at = reader.get_ref().count - reader.buffer().len() as u64;
        loop {
            let available = reader.fill_buf()?;
            if available.is_empty() {
                return Ok(false);
            }
            let zeros = available.iter().take_while(|&&b| b == 0).count();
            if zeros == available.len() {
                reader.consume(zeros);
                continue;
            }
            // Zeros then something else, or something that cannot start a
            // member (the magic is 1f 8b): not gzip.
            let magic = available[zeros] == 0x1f && available.get(zeros + 1).is_none_or(|&b| b == 0x8b);
            if zeros > 0 || !magic {
                self.trailing.store(at, Ordering::Release);
                return Ok(false);
            }
            break;
        }
        self.decoder = Some(GzDecoder::new(reader));
        self.given = 0;
        Ok(true)
    }
}

impl<R: Read> Read for Members<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(decoder) = self.decoder.as_mut() else { return Ok(0) };
            let n = decoder.read(buf)?;
            if n > 0 {
                self.given += n as u64;
                return Ok(n);
            }
            let Some(decoder) = self.decoder.take() else { return Ok(0) };
            self.finished += 1;
            if !self.next_member(decoder.into_inner())? {
                return Ok(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    fn read_all(data: &[u8]) -> (io::Result<Vec<u8>>, Option<u64>) {
        let mut m = Members::new(data);
        let t = m.trailing();
        let mut out = Vec::new();
        let r = m.read_to_end(&mut out).map(|_| out);
        (r, t.offset())
    }

    #[test]
    fn members_padding_and_garbage() {
        let mut two = gz(b"a\n");
        two.extend(gz(b"b\n"));
        let (out, at) = read_all(&two);
        assert_eq!((out.unwrap(), at), (b"a\nb\n".to_vec(), None));
        let mut padded = two.clone();
        padded.extend([0u8; 1000]);
        let (out, at) = read_all(&padded);
        assert_eq!((out.unwrap(), at), (b"a\nb\n".to_vec(), None), "zero padding is ignored");
        for tail in [&b"garbage"[..], b"\x1fx", b"\0\0junk"] {
            let mut g = two.clone();
            g.extend_from_slice(tail);
            let (out, at) = read_all(&g);
            assert_eq!((out.unwrap(), at), (b"a\nb\n".to_vec(), Some(two.len() as u64)), "{tail:?}");
        }
        // A byte that may start a member is read as one, cut short (as gzip does).
        let mut cut = two.clone();
        cut.push(0x1f);
        assert!(read_all(&cut).0.is_err());
    }

    #[test]
    fn a_cut_member_is_an_error() {
        let full = gz(&b"x".repeat(100_000));
        let (out, _) = read_all(&full[..full.len() / 2]);
        assert!(out.is_err());
    }
}

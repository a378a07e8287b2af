//! Reading inputs: plain or gzip (always a multi-member decoder: S3 objects
//! and concatenated downloads can hold several members), each detected by
//! content, never by name. Files are opened as `portcullis_files` decides:
//! a pipe or `<(…)` named on the command line is read as a stream, one
//! without a writer is an error rather than a wait.
//!
//! Large plain AWS text files are memory-mapped (a truncation while they
//! are read is caught, and the file reported as changed) and cut at line
//! boundaries into chunks parsed on every core; pages already read are
//! handed back to the kernel, so resident memory stays flat however large
//! the file. Streams and gzip files are read (and decompressed) on one
//! thread while another parses, through a small ring of reused buffers.

use crate::agg::{Agg, At, Watch};
use crate::aws::{parse_s3_key, AwsText, Layout, S3Key, MAX_LINE};
use crate::cloud_json::{self, AwsCtx};
use crate::gzip::Members;
use portcullis_files::{InputKind, Origin};
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// One input file.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    /// The path as the user wrote it (reports show this).
    pub display: String,
    /// Named on the command line (an unrecognized named file is an error;
    /// an unrecognized file found by walking a directory is skipped).
    pub named: bool,
}

/// How to read.
pub struct ReadOptions<'a> {
    /// `--fields`: the layout of headerless AWS records.
    pub fields: Option<&'a Layout>,
    /// Called with the number of input bytes consumed, as they are.
    pub progress: &'a (dyn Fn(u64) + Sync),
}

/// What reading one input gave.
pub struct FileResult<'w> {
    pub agg: Agg<'w>,
    /// Which format it was (`None`: not a flow log).
    pub format: Option<&'static str>,
    /// The input could not be read (or only in part): the message.
    pub error: Option<(u64, String)>,
    /// What was read, and what was not but loses nothing (data after the
    /// last gzip member).
    pub warnings: Vec<String>,
}

/// Plain files at least this large are read in parallel chunks.
const PARALLEL_BYTES: usize = 16 << 20;
/// Block size of the gzip pipeline and of the page release in mapped files.
const BLOCK: usize = 4 << 20;
/// How much decompressed text decides the format.
const SNIFF: usize = 64 << 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Json,
    AwsText,
}

/// Decides the format from the first bytes of (decompressed) content,
/// after any byte-order mark (the callers drop it).
fn sniff(head: &[u8], fields: Option<&Layout>) -> Option<Kind> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let body = &head[start..];
    if body.starts_with(b"{") || body.starts_with(b"[") {
        return Some(Kind::Json);
    }
    let end = memchr::memchr(b'\n', body).unwrap_or(body.len());
    let first = &body[..end];
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    if Layout::parse_header(first).is_some() {
        return Some(Kind::AwsText);
    }
    let n = first.split(|&b| b == b' ' || b == b'\t').filter(|t| !t.is_empty()).count();
    let fits = fields.map_or(Layout::for_count(n).is_some(), |l| l.len() == n);
    // A record's first field is usually the version; any layout match will do.
    fits.then_some(Kind::AwsText)
}

pub const FORMAT_AWS: &str = "aws-vpc-flow-log";
pub const FORMAT_JSON: &str = "flow-log-json";

/// Reads one input into a fresh aggregate.
pub fn read_input<'w>(input: &Input, index: u32, watch: &'w Watch, opts: &ReadOptions<'_>) -> FileResult<'w> {
    let mut agg = Agg::new(watch, index);
    let key = parse_s3_key(&input.path.to_string_lossy()).unwrap_or_default();
    let origin = if input.named { Origin::Named } else { Origin::Walked };
    let failed = |agg, e: portcullis_files::Error| FileResult {
        agg,
        format: None,
        error: Some((0, e.message)),
        warnings: Vec::new(),
    };
    let mut source = match portcullis_files::open(&input.path, &input.display, origin) {
        Ok(s) => s,
        Err(e) => return failed(agg, e),
    };
    if source.is_empty() {
        return FileResult { agg, format: None, error: None, warnings: Vec::new() };
    }
    let gz = match source.head(2) {
        Ok(head) => head == [0x1f, 0x8b],
        Err(e) => return failed(agg, e),
    };
    let mut warnings = Vec::new();
    let res = if gz {
        let members = Members::new(Counting { inner: source.into_reader(), progress: opts.progress });
        let trailing = members.trailing();
        let res = read_stream(members, "gzip: ", &key, watch, opts, &mut agg);
        warnings.extend(trailing.warning());
        res
    } else if source.is_stream() {
        let counting = Counting { inner: source.into_reader(), progress: opts.progress };
        read_stream(counting, "", &key, watch, opts, &mut agg)
    } else {
        read_plain(source, &key, watch, opts, &mut agg)
    };
    match res {
        Ok(format) => FileResult { agg, format, error: None, warnings },
        // Changed while it was read: nothing of it counts.
        Err(Failure::Changed(e)) => failed(Agg::new(watch, index), e),
        Err(Failure::At(line, e)) => FileResult { agg, format: Some(FORMAT_AWS), error: Some((line, e)), warnings },
    }
}

/// Why reading an input stopped.
enum Failure {
    /// At a line (0: the whole file), with what was read before it kept.
    At(u64, String),
    /// The file changed while it was read: what was read is dropped.
    Changed(portcullis_files::Error),
}

type ReadResult = Result<Option<&'static str>, Failure>;

fn read_plain(
    source: portcullis_files::Input,
    key: &S3Key,
    watch: &Watch,
    opts: &ReadOptions<'_>,
    agg: &mut Agg<'_>,
) -> ReadResult {
    let len = source.len().unwrap_or(0);
    // Large files are mapped; where that is not safe, read as they come
    // (they may not fit in memory). AWS text is read from the map in
    // place; a JSON log is parsed whole, so its size is limited.
    let contents = if len >= portcullis_files::read::MAP_BYTES {
        match source.map() {
            Ok(Ok(mapped)) => mapped,
            Ok(Err(source)) => {
                let counting = Counting { inner: source.into_reader(), progress: opts.progress };
                return read_stream(counting, "", key, watch, opts, agg);
            }
            Err(e) => return Err(Failure::At(0, e.message)),
        }
    } else {
        source.contents(u64::MAX).map_err(|e| Failure::At(0, e.message))?
    };
    let data: &[u8] = contents.bytes();
    // A byte-order mark before the first line is not part of it.
    let skip = data.len() - portcullis_files::read::strip_bom(data).len();
    let kind = sniff(&data[skip..data.len().min(skip + SNIFF)], opts.fields);
    let res = match kind {
        None => Ok(None),
        Some(Kind::Json) => {
            if len > InputKind::Json.limit() {
                let limit = portcullis_files::limits::describe(InputKind::Json.limit());
                return Err(Failure::At(
                    0,
                    format!("a JSON flow log larger than {limit}, the most read whole: not read"),
                ));
            }
            let text =
                std::str::from_utf8(&data[skip..]).map_err(|e| Failure::At(0, format!("not UTF-8 text: {e}")))?;
            let ctx = AwsCtx { fields: opts.fields, filter: Some(&watch.ports), key };
            let found = cloud_json::read(text, &ctx, agg);
            Ok((found > 0).then_some(FORMAT_JSON))
        }
        Some(Kind::AwsText) => {
            match contents.mapped() {
                // Chunked even on one thread: the chunked reader also hands
                // read pages back, so a large file never stays resident.
                Some(map) if data.len() >= PARALLEL_BYTES => {
                    read_text_parallel(map.mmap(), skip, key, watch, opts, agg)
                }
                _ => {
                    let mut r = AwsText::new(opts.fields, Some(&watch.ports), key);
                    r.feed(&data[skip..], agg);
                }
            }
            Ok(Some(FORMAT_AWS))
        }
    };
    contents.unchanged().map_err(Failure::Changed)?;
    (opts.progress)(len);
    res
}

/// Cuts `data` into about `n` pieces that end at a newline.
fn line_chunks(data: &[u8], n: usize) -> Vec<(usize, usize)> {
    let size = data.len().div_ceil(n.max(1)).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let mut end = (start + size).min(data.len());
        if end < data.len() {
            end = match memchr::memchr(b'\n', &data[end..]) {
                Some(i) => end + i + 1,
                None => data.len(),
            };
        }
        out.push((start, end));
        start = end;
    }
    out
}

fn page_size() -> usize {
    4096
}

/// Reads a large mapped file in chunks on every core; `skip` bytes at its
/// start (a byte-order mark) are not read.
fn read_text_parallel(
    map: &memmap2::Mmap,
    skip: usize,
    key: &S3Key,
    watch: &Watch,
    opts: &ReadOptions<'_>,
    agg: &mut Agg<'_>,
) {
    use rayon::prelude::*;
    let data: &[u8] = map;
    let _ = map.advise(memmap2::Advice::Sequential);
    // The layout in force where every chunk starts: the file's first header.
    let body = &data[skip..];
    let first_line = &body[..memchr::memchr(b'\n', body).unwrap_or(body.len())];
    let initial = Layout::parse_header(first_line.strip_suffix(b"\r").unwrap_or(first_line));
    let mut chunks = line_chunks(data, rayon::current_num_threads() * 8);
    if let Some(first) = chunks.first_mut() {
        first.0 = skip.min(first.1);
    }
    let file = agg.file_index();
    let parts: Vec<(Agg<'_>, u64, bool)> = chunks
        .par_iter()
        .map(|&(s, e)| {
            let mut part = Agg::new(watch, file);
            let mut r = AwsText::new(opts.fields, Some(&watch.ports), key).with_layout(initial.clone());
            let mut pos = s;
            while pos < e {
                let mut end = (pos + BLOCK).min(e);
                if end < e {
                    end = memchr::memchr(b'\n', &data[end..e]).map_or(e, |i| end + i + 1);
                }
                r.feed(&data[pos..end], &mut part);
                // Hand read pages back: resident memory stays at a few blocks per thread.
                let page = page_size();
                let (a, b) = (pos.div_ceil(page) * page, end / page * page);
                if b > a {
                    // SAFETY: the mapping is read-only and private; a page
                    // touched again is read back from the file.
                    let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, a, b - a) };
                }
                (opts.progress)((end - pos) as u64);
                pos = end;
            }
            (part, r.line, r.layout_changed)
        })
        .collect();
    if parts.iter().any(|p| p.2) {
        // Header lines with different formats: a chunk cannot know which one
        // is in force at its start. Read again, in order.
        let mut r = AwsText::new(opts.fields, Some(&watch.ports), key);
        r.feed(body, agg);
        return;
    }
    let mut offset = 0;
    for (part, lines, _) in parts {
        agg.merge(part, offset);
        offset += lines;
    }
}

/// Counts compressed bytes for the progress bar.
struct Counting<'a, R> {
    inner: R,
    progress: &'a (dyn Fn(u64) + Sync),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.progress)(n as u64);
        Ok(n)
    }
}

/// Fills `buf` to its capacity or to the end of the stream.
fn fill<R: Read>(r: &mut R, buf: &mut Vec<u8>, cap: usize) -> io::Result<()> {
    buf.clear();
    buf.reserve(cap);
    let mut taken = r.take(cap as u64);
    taken.read_to_end(buf).map(|_| ())
}

/// Reads an input as it comes (gzip, a pipe): the format from its first
/// bytes, then AWS text through the pipeline, or JSON whole (limited).
/// `what` prefixes read errors (`gzip: `).
fn read_stream<R: Read + Send>(
    mut reader: R,
    what: &str,
    key: &S3Key,
    watch: &Watch,
    opts: &ReadOptions<'_>,
    agg: &mut Agg<'_>,
) -> ReadResult {
    let mut head = Vec::new();
    fill(&mut reader, &mut head, SNIFF).map_err(|e| Failure::At(0, format!("{what}{e}")))?;
    // A byte-order mark before the first line is not part of it.
    let bom = head.len() - portcullis_files::read::strip_bom(&head).len();
    head.drain(..bom);
    match sniff(&head, opts.fields) {
        None => Ok(None),
        Some(Kind::Json) => {
            let limit = InputKind::Json.limit();
            let mut rest = reader.take(limit.saturating_add(1).saturating_sub(head.len() as u64));
            rest.read_to_end(&mut head).map_err(|e| Failure::At(0, format!("{what}{e}")))?;
            if head.len() as u64 > limit {
                let limit = portcullis_files::limits::describe(limit);
                return Err(Failure::At(
                    0,
                    format!("a JSON flow log larger than {limit}, the most read whole: not read"),
                ));
            }
            let text = std::str::from_utf8(&head).map_err(|e| Failure::At(0, format!("not UTF-8 text: {e}")))?;
            let ctx = AwsCtx { fields: opts.fields, filter: Some(&watch.ports), key };
            Ok((cloud_json::read(text, &ctx, agg) > 0).then_some(FORMAT_JSON))
        }
        Some(Kind::AwsText) => gzip_text(reader, head, BLOCK, key, watch, opts, agg)
            .map(|_| Some(FORMAT_AWS))
            .map_err(|(line, e)| Failure::At(line, format!("{what}{e}"))),
    }
}

type Block = io::Result<Vec<u8>>;

/// Decompresses on a second thread; this one parses. Buffers go back and
/// forth, so the pipeline allocates a handful of blocks in all.
fn gzip_text<R: Read + Send>(
    mut dec: R,
    head: Vec<u8>,
    block: usize,
    key: &S3Key,
    watch: &Watch,
    opts: &ReadOptions<'_>,
    agg: &mut Agg<'_>,
) -> Result<(), (u64, String)> {
    let (full_tx, full_rx): (SyncSender<Block>, Receiver<Block>) = sync_channel(3);
    let (free_tx, free_rx) = sync_channel::<Vec<u8>>(4);
    for _ in 0..4 {
        let _ = free_tx.send(Vec::with_capacity(block));
    }
    let mut r = AwsText::new(opts.fields, Some(&watch.ports), key);
    // The start of a line the block ends in, until its end comes; a line
    // longer than MAX_LINE is counted, not kept (`overlong`: its length so
    // far), so an endless line cannot grow memory.
    let mut carry: Vec<u8> = Vec::new();
    let mut overlong: Option<u64> = None;
    let mut failure = None;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            if full_tx.send(Ok(head)).is_err() {
                return;
            }
            while let Ok(mut buf) = free_rx.recv() {
                match fill(&mut dec, &mut buf, block) {
                    Ok(()) if buf.is_empty() => return,
                    Ok(()) => {
                        if full_tx.send(Ok(buf)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = full_tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        for block in full_rx.iter() {
            let buf = match block {
                Ok(b) => b,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            // Complete lines only: the tail waits for the next block.
            match memchr::memrchr(b'\n', &buf) {
                None => keep_tail(&buf, &mut carry, &mut overlong),
                Some(last) => {
                    let mut from = 0;
                    if overlong.is_some() || !carry.is_empty() {
                        let nl = memchr::memchr(b'\n', &buf).unwrap_or(last);
                        keep_tail(&buf[..nl], &mut carry, &mut overlong);
                        match overlong.take() {
                            Some(len) => r.overlong(len, agg),
                            None => {
                                carry.push(b'\n');
                                r.feed(&carry, agg);
                            }
                        }
                        carry.clear();
                        from = nl + 1;
                    }
                    if from <= last {
                        r.feed(&buf[from..=last], agg);
                    }
                    keep_tail(&buf[last + 1..], &mut carry, &mut overlong);
                }
            }
            // The decoder may have finished (and dropped its end) while
            // blocks still wait here: keep reading them.
            let _ = free_tx.send(buf);
        }
        drop(free_tx);
    });
    match overlong {
        Some(len) => r.overlong(len, agg),
        None if !carry.is_empty() => r.feed(&carry, agg),
        None => {}
    }
    match failure {
        Some(e) => Err((r.line + 1, format!("{e}; the records before this line were read"))),
        None => Ok(()),
    }
}

/// Keeps `part` of a line not yet ended, unless the line has grown past
/// [`MAX_LINE`]: then only its length is kept.
fn keep_tail(part: &[u8], carry: &mut Vec<u8>, overlong: &mut Option<u64>) {
    match overlong {
        Some(len) => *len += part.len() as u64,
        None if carry.len() + part.len() > MAX_LINE => {
            *overlong = Some((carry.len() + part.len()) as u64);
            *carry = Vec::new();
        }
        None => carry.extend_from_slice(part),
    }
}

/// Reads every input, in parallel, into one aggregate.
pub fn read_all<'w>(inputs: &[Input], watch: &'w Watch, opts: &ReadOptions<'_>) -> (Agg<'w>, Vec<FileOutcome>) {
    use rayon::prelude::*;
    let results: Vec<FileResult<'w>> =
        inputs.par_iter().enumerate().map(|(i, inp)| read_input(inp, i as u32, watch, opts)).collect();
    let mut total = Agg::new(watch, 0);
    let mut outcomes = Vec::with_capacity(results.len());
    for r in results {
        outcomes.push(FileOutcome { format: r.format, error: r.error, warnings: r.warnings });
        total.merge(r.agg, 0);
    }
    (total, outcomes)
}

/// Per input: its format, the error that stopped it, and warnings.
#[derive(Clone, Debug)]
pub struct FileOutcome {
    pub format: Option<&'static str>,
    pub error: Option<(u64, String)>,
    pub warnings: Vec<String>,
}

/// Where a malformed line or record is, for people.
pub fn describe(inputs: &[Input], at: At) -> String {
    let f = inputs.get(at.file as usize).map_or("?", |i| i.display.as_str());
    format!("{f}:{}", at.line)
}

/// Reads one file in full into any sink, without a port filter, in order
/// (tests and small inputs; `read_all` is the fast path).
pub fn read_path_into<S: crate::record::Sink>(
    path: &std::path::Path,
    fields: Option<&Layout>,
    sink: &mut S,
) -> Result<Option<&'static str>, String> {
    let raw = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    read_bytes_into(&raw, &path.to_string_lossy(), fields, sink)
}

/// Reads a file's bytes (plain or gzip) into any sink; `name` is its path,
/// for the S3 key.
pub fn read_bytes_into<S: crate::record::Sink>(
    raw: &[u8],
    name: &str,
    fields: Option<&Layout>,
    sink: &mut S,
) -> Result<Option<&'static str>, String> {
    let inflated;
    let data: &[u8] = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        Members::new(raw).read_to_end(&mut out).map_err(|e| format!("gzip: {e}"))?;
        inflated = out;
        &inflated
    } else {
        raw
    };
    let data = portcullis_files::read::strip_bom(data);
    let key = parse_s3_key(name).unwrap_or_default();
    match sniff(&data[..data.len().min(SNIFF)], fields) {
        None => Ok(None),
        Some(Kind::Json) => {
            let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8 text: {e}"))?;
            let ctx = AwsCtx { fields, filter: None, key: &key };
            Ok((cloud_json::read(text, &ctx, sink) > 0).then_some(FORMAT_JSON))
        }
        Some(Kind::AwsText) => {
            AwsText::new(fields, None, &key).feed(data, sink);
            Ok(Some(FORMAT_AWS))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_model::AddrSet;

    /// Many small blocks: the decoder finishes long before the parser, and
    /// every block it queued must still be read (a regression: blocks left
    /// in the queue when the decoder ended were dropped).
    #[test]
    fn gzip_pipeline_reads_every_queued_block() {
        let mut text = String::from("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
        let n = 20_000;
        for i in 0..n {
            text.push_str(&format!(
                "2 123456789012 eni-0a 198.51.100.{} 10.0.1.{} {} 10257 6 {} 60 1700000000 1700000060 REJECT OK\n",
                i % 250,
                i % 7,
                30000 + i % 20000,
                1 + i % 3
            ));
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let watch = Watch { ports: vec![(6, 10257)], authorized: AddrSet::empty(), since: None, until: None };
        let progress = |_: u64| {};
        let opts = ReadOptions { fields: None, progress: &progress };
        let key = S3Key::default();
        for block in [97, 1000, 4096] {
            let mut dec = flate2::read::MultiGzDecoder::new(&gz[..]);
            let mut head = Vec::new();
            fill(&mut dec, &mut head, 333).unwrap();
            let mut agg = Agg::new(&watch, 0);
            gzip_text(dec, head, block, &key, &watch, &opts, &mut agg).unwrap();
            assert_eq!(agg.totals.malformed, 0, "block {block}: {:?}", agg.malformed);
            assert_eq!(agg.totals.matched, n, "block {block}");
        }
    }
}

//! Memory-mapped reading that a truncation cannot crash.
//!
//! Large inputs are mapped, not copied: reading a 330 MB dump into fresh
//! memory cost 0.7 s on this project's machine, mapping it from the page
//! cache 0.1 s (measured in `bench/runs/2026-12-06-reliability.md`). But a
//! mapped file that another process truncates while it is read (log
//! rotation's `copytruncate`, a dump written again in place) makes the next
//! read of a page past the new end raise `SIGBUS`, which kills the process.
//!
//! So every map is registered while it lives, and a `SIGBUS` handler checks
//! the faulting address: inside a registered map, it replaces the map from
//! the faulting page to its end with zero-filled anonymous pages and marks
//! the map truncated, so the read goes on (over zeros) and the caller,
//! asking [`Mapped::truncated`] afterwards, reports the file as changed
//! and throws away what was read. A fault anywhere else goes to the handler
//! that was installed before (Rust's own, which reports stack overflows),
//! or to the default action.
//!
//! Without this guard (platforms other than Linux and the BSDs), files are
//! read into memory instead of mapped.

use std::fs::File;

/// A read-only map of a whole file, safe against truncation.
pub struct Mapped {
    // Field order matters: the slot is released before the map is unmapped.
    #[cfg(unix)]
    slot: guard::Slot,
    map: memmap2::Mmap,
}

impl Mapped {
    /// Maps `file` (at least one byte long), or `None` when mapping is not
    /// safe here (no guard on this platform, too many maps at once) and the
    /// caller should read instead.
    pub fn new(file: &File) -> std::io::Result<Option<Mapped>> {
        #[cfg(unix)]
        {
            if !guard::install() {
                return Ok(None);
            }
            // SAFETY: a truncation under the map is caught by the guard
            // (module documentation); the map is read-only and private.
            let map = unsafe { memmap2::Mmap::map(file) }?;
            match guard::Slot::claim(map.as_ptr() as usize, map.len()) {
                Some(slot) => Ok(Some(Mapped { slot, map })),
                None => Ok(None),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = file;
            Ok(None)
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// The map itself, for access-pattern advice.
    pub fn mmap(&self) -> &memmap2::Mmap {
        &self.map
    }

    /// Whether a read hit the end of a file truncated while it was mapped:
    /// the bytes from there on were zeros, not the file.
    pub fn truncated(&self) -> bool {
        #[cfg(unix)]
        {
            self.slot.faulted()
        }
        #[cfg(not(unix))]
        {
            false
        }
    }
}

#[cfg(unix)]
mod guard {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::OnceLock;

    /// Maps alive at once. Inputs are read on the thread pool, so a few at
    /// a time are mapped; past this many, files are read instead.
    const SLOTS: usize = 64;

    struct Entry {
        used: AtomicBool,
        start: AtomicUsize,
        end: AtomicUsize,
        faulted: AtomicBool,
    }

    static TABLE: [Entry; SLOTS] = [const {
        Entry {
            used: AtomicBool::new(false),
            start: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
            faulted: AtomicBool::new(false),
        }
    }; SLOTS];
    static PAGE: AtomicUsize = AtomicUsize::new(4096);

    /// The `SIGBUS` action in place before ours, to pass foreign faults on.
    struct Previous(libc::sigaction);
    // SAFETY: written once before the handler is installed, then only read.
    unsafe impl Sync for Previous {}
    unsafe impl Send for Previous {}
    static PREVIOUS: OnceLock<Option<Previous>> = OnceLock::new();

    /// A registered map; released on drop.
    pub struct Slot {
        index: usize,
    }

    impl Slot {
        pub fn claim(start: usize, len: usize) -> Option<Slot> {
            for (index, e) in TABLE.iter().enumerate() {
                if e.used.compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
                    e.faulted.store(false, Ordering::Release);
                    e.start.store(start, Ordering::Release);
                    e.end.store(start + len, Ordering::Release);
                    return Some(Slot { index });
                }
            }
            None
        }

        pub fn faulted(&self) -> bool {
            TABLE[self.index].faulted.load(Ordering::Acquire)
        }
    }

    impl Drop for Slot {
        fn drop(&mut self) {
            let e = &TABLE[self.index];
            e.start.store(0, Ordering::Release);
            e.end.store(0, Ordering::Release);
            e.used.store(false, Ordering::Release);
        }
    }

    /// Installs the handler once; false when it could not be installed.
    pub fn install() -> bool {
        PREVIOUS
            .get_or_init(|| {
                // SAFETY: plain libc calls on zeroed, then filled, structures.
                unsafe {
                    let page = libc::sysconf(libc::_SC_PAGESIZE);
                    if page > 0 {
                        PAGE.store(page as usize, Ordering::Relaxed);
                    }
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = on_sigbus as *const () as usize;
                    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                    libc::sigemptyset(&mut action.sa_mask);
                    let mut previous: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(libc::SIGBUS, &action, &mut previous) != 0 {
                        return None;
                    }
                    Some(Previous(previous))
                }
            })
            .is_some()
    }

    /// Runs on the faulting thread. Only async-signal-safe work: atomics,
    /// `mmap` (a system call) and `sigaction`.
    extern "C" fn on_sigbus(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
        let addr = unsafe { (*info).si_addr() } as usize;
        let page = PAGE.load(Ordering::Relaxed);
        for e in &TABLE {
            if !e.used.load(Ordering::Acquire) {
                continue;
            }
            let (start, end) = (e.start.load(Ordering::Acquire), e.end.load(Ordering::Acquire));
            if addr < start || addr >= end {
                continue;
            }
            let from = addr & !(page - 1);
            // SAFETY: [from, end) lies inside a live private read-only map
            // that this process owns; MAP_FIXED replaces those pages with
            // zeros, and the map's own munmap later frees them with it.
            let p = unsafe {
                libc::mmap(
                    from as *mut libc::c_void,
                    end - from,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                e.faulted.store(true, Ordering::Release);
                return;
            }
        }
        pass_on(signal, info, context);
    }

    /// A fault that is not ours: the previous handler decides, or the
    /// default action (the fault happens again on return and kills).
    fn pass_on(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        if let Some(Some(Previous(previous))) = PREVIOUS.get() {
            let handler = previous.sa_sigaction;
            if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
                if previous.sa_flags & libc::SA_SIGINFO != 0 {
                    // SAFETY: the previous handler was installed with this
                    // signature (SA_SIGINFO).
                    let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                        unsafe { std::mem::transmute(handler) };
                    f(signal, info, context);
                } else {
                    // SAFETY: installed without SA_SIGINFO: one argument.
                    let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
                    f(signal);
                }
                return;
            }
        }
        // SAFETY: resets the signal's action to the default.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_truncated_under_the_map_reads_as_zeros_and_is_marked() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let page = 4096;
        f.write_all(&vec![b'x'; page * 64]).unwrap();
        f.flush().unwrap();
        let file = File::open(f.path()).unwrap();
        let m = Mapped::new(&file).unwrap().expect("maps on unix");
        assert_eq!(m.bytes()[page * 10], b'x');
        assert!(!m.truncated());
        // Truncated by someone else while mapped: without the guard the
        // next read past the new end kills the process with SIGBUS.
        f.as_file().set_len(page as u64 * 2).unwrap();
        let sum: u64 = m.bytes().iter().map(|&b| u64::from(b)).sum();
        assert!(m.truncated());
        assert_eq!(sum, u64::from(b'x') * page as u64 * 2, "the part still in the file is read, the rest is zeros");
    }

    #[test]
    fn many_maps_at_once_each_know_their_own_truncation() {
        let files: Vec<tempfile::NamedTempFile> = (0..8)
            .map(|_| {
                let mut f = tempfile::NamedTempFile::new().unwrap();
                f.write_all(&vec![1u8; 1 << 16]).unwrap();
                f
            })
            .collect();
        let opened: Vec<File> = files.iter().map(|f| File::open(f.path()).unwrap()).collect();
        let maps: Vec<Mapped> = opened.iter().map(|f| Mapped::new(f).unwrap().unwrap()).collect();
        files[3].as_file().set_len(0).unwrap();
        let total: usize = maps.iter().map(|m| m.bytes().iter().filter(|&&b| b == 1).count()).sum();
        assert_eq!(total, 7 << 16);
        let marked: Vec<bool> = maps.iter().map(Mapped::truncated).collect();
        assert_eq!(marked, [false, false, false, true, false, false, false, false]);
    }
}

//! Object keys shared between members: a dump repeats a few dozen keys
//! millions of times, and the parser hands out one allocation per distinct
//! key, found in a small table of recent keys before a hash map.

use super::tree::Member;
use std::collections::HashMap;
use std::sync::Arc;

/// The keys of one parse, shared.
pub(super) struct Keys<'a> {
    /// Object keys seen so far (up to [`MAX_INTERNED`] distinct ones).
    table: HashMap<&'a str, Arc<str>, BuildFnv>,
    /// The most recent key for each of a few slots, checked before `table`:
    /// a document repeats a few dozen keys, nearly always found here.
    recent: Box<[Option<RecentKey<'a>>; RECENT]>,
}

impl<'a> Keys<'a> {
    pub(super) fn new() -> Self {
        Keys { table: HashMap::with_hasher(BuildFnv), recent: Box::new([const { None }; RECENT]) }
    }

    /// The shared copy of a key written without escapes.
    #[inline]
    pub(super) fn share(&mut self, k: &'a str) -> Arc<str> {
        let slot = recent_slot(k.as_bytes());
        if let Some((seen, shared)) = &self.recent[slot] {
            if key_eq(seen, k) {
                return shared.clone();
            }
        }
        let shared = match self.table.get(k) {
            Some(shared) => shared.clone(),
            None => {
                let shared: Arc<str> = Arc::from(k);
                if self.table.len() < MAX_INTERNED {
                    self.table.insert(k, shared.clone());
                }
                shared
            }
        };
        self.recent[slot] = Some((k, shared.clone()));
        shared
    }
}

/// A key as written and its shared copy.
type RecentKey<'a> = (&'a str, Arc<str>);

/// Slots of [`Keys::recent`] (a power of two).
const RECENT: usize = 256;

/// A slot of [`Keys::recent`] for a key: its length and first bytes.
#[inline]
fn recent_slot(k: &[u8]) -> usize {
    let mut w = [0u8; 8];
    let n = k.len().min(8);
    w[..n].copy_from_slice(&k[..n]);
    let h = (u64::from_le_bytes(w) ^ (k.len() as u64).rotate_left(56)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 56) as usize % RECENT
}

/// String equality for object keys, which are short: compared as machine
/// words where a `memcmp` call cost more than the comparison (profiles).
#[inline]
pub(super) fn key_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    match n {
        // Two overlapping words cover 8 to 16 bytes.
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        0..=7 => a == b,
        _ => word(a, 0) == word(b, 0) && a == b,
    }
}

/// Up to this many members, an object's keys are compared pair by pair:
/// fewer comparisons than hashing them (a dump's objects have one to ten
/// keys). Larger objects (a Terraform plan's `resource_changes` map, a
/// template's `resources`) go through a hash set.
const PAIRWISE: usize = 12;

/// The first key of `members` that repeats an earlier one: (index of the
/// earlier, index of the repeat). Keys written without escapes are shared
/// (one allocation per distinct key), so equal keys are usually the same
/// pointer; the text is compared when they are not.
#[inline]
pub fn first_duplicate(members: &[Member]) -> Option<(usize, usize)> {
    // First a one-word filter: one bit per key from its length and first
    // and last bytes. Keys of one object nearly always differ there, and
    // then no two are equal; a shared bit sends the object to the exact
    // check (profiles: the exact check alone was a tenth of a dump's parse).
    let mut seen = 0u64;
    let mut shared_bit = false;
    for m in members {
        let k = m.key.as_bytes();
        let (first, last) = (k.first().copied().unwrap_or(0), k.last().copied().unwrap_or(0));
        let bit = 1u64 << ((k.len().wrapping_mul(31) ^ usize::from(first).wrapping_mul(7) ^ usize::from(last)) & 63);
        if seen & bit != 0 {
            shared_bit = true;
            break;
        }
        seen |= bit;
    }
    if !shared_bit {
        return None;
    }
    let same = |a: &Arc<str>, b: &Arc<str>| Arc::ptr_eq(a, b) || key_eq(a, b);
    if members.len() <= PAIRWISE {
        for (j, later) in members.iter().enumerate().skip(1) {
            if let Some(i) = members[..j].iter().position(|m| same(&m.key, &later.key)) {
                return Some((i, j));
            }
        }
        return None;
    }
    let mut seen: HashMap<&str, usize, BuildFnv> = HashMap::with_capacity_and_hasher(members.len(), BuildFnv);
    for (j, m) in members.iter().enumerate() {
        if let Some(&i) = seen.get(&*m.key) {
            return Some((i, j));
        }
        seen.insert(&m.key, j);
    }
    None
}

/// The error for a key written twice in one object of `text`: placed at
/// the repeat, naming where the first one is.
#[cold]
pub fn duplicate_key_error(text: &str, first: &Member, again: &Member) -> crate::Error {
    let (line, column) = crate::LineIndex::new(text).line_column(text, first.key_offset as usize);
    // A key can be any string: a long one is cut (the report escapes
    // control characters itself).
    const LONGEST: usize = 64;
    let shown = match first.key.char_indices().nth(LONGEST) {
        Some((cut, _)) => format!("`{}...`", &first.key[..cut]),
        None => format!("`{}`", first.key),
    };
    crate::Error {
        kind: crate::ErrorKind::DuplicateKey { offset: again.key_offset, first: first.key_offset },
        message: format!(
            "key {shown} appears twice in one object (first at line {line}, column {column}); \
             JSON readers disagree on which value counts, so the file is not read: remove one"
        ),
    }
}

/// Distinct keys kept for sharing; past this, keys are allocated each time
/// (a document with unbounded distinct keys must not grow the table).
const MAX_INTERNED: usize = 4096;

/// FNV-1a: keys are short, and SipHash's setup cost showed in profiles.
/// Also for the adapters' tables of ids (`HashMap<String, _, BuildFnv>`):
/// nothing hashed here comes from an adversary who could aim collisions at
/// a table (an input crafted that way only slows its own scan).
#[derive(Default, Clone, Copy)]
pub struct BuildFnv;

pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl std::hash::BuildHasher for BuildFnv {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

#[cfg(test)]
mod tests {
    use super::key_eq;

    #[test]
    fn key_eq_agrees_with_string_equality() {
        // Every length up to 40, equal and differing at each position, and
        // differing lengths with a common prefix.
        for n in 0..40usize {
            let a: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            assert!(key_eq(&a, &a.clone()), "equal, length {n}");
            for at in 0..n {
                let mut b = a.clone().into_bytes();
                b[at] = b'Z';
                let b = String::from_utf8(b).expect("ASCII");
                assert!(!key_eq(&a, &b), "length {n}, differing at {at}");
            }
            let longer = format!("{a}x");
            assert!(!key_eq(&a, &longer) && !key_eq(&longer, &a), "lengths {n} and {}", n + 1);
        }
    }
}

//! `AddrSet::to_cidrs` prints exactly the set, in the fewest blocks.
//!
//! The output is checked for what a reader of a finding relies on: the
//! blocks re-union to the set, are disjoint, sorted and aligned, and no
//! two are siblings that one shorter prefix could replace. Minimality is
//! pinned against two references written here, independently of the crate:
//!
//! - the *trie* reference: walk the binary prefix tree and keep the nodes
//!   that lie wholly inside the set, stopping at the first (largest) one.
//!   Every aligned block is a tree node, and two nodes are either nested or
//!   disjoint, so any cover by blocks inside the set needs at least one
//!   block per maximal node: these nodes are *the* minimal cover (it is
//!   unique), and that works for any set, huge ones included;
//! - a brute-force dynamic program over small ranges: the fewest aligned
//!   blocks that tile `[lo, hi]` left to right, trying every block size at
//!   every point, which needs no argument at all;
//! - and the greedy split (largest aligned block at the left end, repeat),
//!   re-derived here by scanning block sizes downward.

mod common;

use common::*;
use portcullis_model::interval::IntervalSet;
use portcullis_model::{AddrSet, Cidr};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// A block as (family width, start, prefix length).
type Block = (u32, u128, u32);

fn block_of(c: &Cidr) -> Block {
    match *c {
        Cidr::V4 { addr, len } => (32, u128::from(addr), u32::from(len)),
        Cidr::V6 { addr, len } => (128, addr, u32::from(len)),
    }
}

fn block_end(&(bits, start, len): &Block) -> u128 {
    start | low_mask(bits - len)
}

/// The maximal prefix-tree nodes inside `m`, in address order.
fn trie_blocks<T: Dom>(m: &Model<T>) -> Vec<Block> {
    fn walk<T: Dom>(m: &Model<T>, start: u128, k: u32, out: &mut Vec<Block>) {
        let end = start | low_mask(k);
        let mut inside = m.pts.range(T::from_u(start)..=T::from_u(end));
        // Whether every point of the node is one of `pts` (only possible
        // when the node is no bigger than `pts`).
        let all_listed = k < 64 && (1u128 << k) <= m.pts.len() as u128 && inside.clone().count() as u128 == 1u128 << k;
        let none_listed = inside.next().is_none();
        let (full, empty) = if m.neg { (none_listed, all_listed) } else { (all_listed, none_listed) };
        if empty {
            return;
        }
        if full {
            out.push((T::BITS, start, T::BITS - k));
            return;
        }
        walk(m, start, k - 1, out);
        walk(m, start | (1u128 << (k - 1)), k - 1, out);
    }
    let mut out = Vec::new();
    walk(m, 0, T::BITS, &mut out);
    out
}

/// The greedy split of `[lo, hi]`, scanning block sizes from the largest.
fn greedy_blocks(bits: u32, lo: u128, hi: u128) -> Vec<Block> {
    let mut out = Vec::new();
    let mut at = lo;
    loop {
        let k = (0..=bits)
            .rev()
            .find(|&k| at & low_mask(k) == 0 && at.checked_add(low_mask(k)).is_some_and(|e| e <= hi))
            .expect("a single address always fits");
        out.push((bits, at, bits - k));
        let end = at + low_mask(k);
        if end >= hi {
            return out;
        }
        at = end + 1;
    }
}

/// The fewest aligned blocks tiling `[lo, hi]`, by dynamic programming.
fn dp_min_blocks(lo: u128, hi: u128) -> usize {
    let n = (hi - lo + 1) as usize;
    // best[i]: fewest blocks tiling [lo + i, hi].
    let mut best = vec![usize::MAX; n + 1];
    best[n] = 0;
    for i in (0..n).rev() {
        let at = lo + i as u128;
        for k in 0.. {
            let size = 1usize << k;
            if at & (size as u128 - 1) != 0 || i + size > n {
                break;
            }
            best[i] = best[i].min(1 + best[i + size]);
        }
    }
    best[0]
}

/// Everything `to_cidrs` promises about `set`.
fn check_cidrs(set: &AddrSet) -> Result<Vec<Block>, TestCaseError> {
    let cidrs = set.to_cidrs();
    let blocks: Vec<Block> = cidrs.iter().map(block_of).collect();

    // Exactly the set, however it is re-assembled.
    prop_assert_eq!(&AddrSet::from_cidrs(cidrs.iter().copied()), set);
    let by_union = cidrs.iter().fold(AddrSet::empty(), |acc, c| acc.union(&c.to_set()));
    prop_assert_eq!(&by_union, set);
    let strings = set.to_cidr_strings();
    prop_assert_eq!(AddrSet::parse_list(strings.iter().map(String::as_str)), Ok(set.clone()));

    // Aligned: no host bits.
    for b in &blocks {
        prop_assert!(b.2 <= b.0, "prefix longer than the family: {:?}", b);
        prop_assert_eq!(b.1 & low_mask(b.0 - b.2), 0, "host bits set in {:?}", b);
    }
    // IPv4 first, then in address order without overlap.
    for w in blocks.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        prop_assert!(a.0 <= b.0, "IPv6 block before IPv4: {:?}", w);
        if a.0 == b.0 {
            prop_assert!(block_end(a) < b.1, "blocks overlap or are out of order: {:?}", w);
        }
    }
    // No two siblings: they would merge into their parent block.
    let all: BTreeSet<Block> = blocks.iter().copied().collect();
    for &(bits, start, len) in &blocks {
        if len > 0 {
            let sibling = (bits, start ^ (1u128 << (bits - len)), len);
            prop_assert!(!all.contains(&sibling), "{:?} and {:?} are siblings", (bits, start, len), sibling);
        }
    }
    Ok(blocks)
}

/// The output equals both independent references.
fn check_minimal(set: &AddrSet, m4: &Model<u32>, m6: &Model<u128>) -> Result<(), TestCaseError> {
    let blocks = check_cidrs(set)?;
    let mut trie = trie_blocks(m4);
    trie.extend(trie_blocks(m6));
    prop_assert_eq!(blocks.len(), trie.len(), "not the minimal count");
    prop_assert_eq!(&blocks, &trie);
    let mut greedy = Vec::new();
    for &(lo, hi) in set.v4.runs() {
        greedy.extend(greedy_blocks(32, u128::from(lo), u128::from(hi)));
    }
    for &(lo, hi) in set.v6.runs() {
        greedy.extend(greedy_blocks(128, lo, hi));
    }
    prop_assert_eq!(&blocks, &greedy);
    Ok(())
}

fn addr_set(v4: &Spec, v6: &Spec) -> (AddrSet, Model<u32>, Model<u128>) {
    let ((s4, m4), (s6, m6)) = (v4.build::<u32>(), v6.build::<u128>());
    (AddrSet { v4: s4, v6: s6 }, m4, m6)
}

proptest! {
    #[test]
    fn to_cidrs_is_exact_and_minimal(t4 in trio(U32_ANCHORED), t6 in trio(U128_ANCHORED)) {
        let (set, m4, m6) = addr_set(&t4.a, &t6.a);
        check_minimal(&set, &m4, &m6)?;
    }

    #[test]
    fn to_cidrs_of_combined_sets_is_minimal(t4 in trio(U32_ANCHORED), t6 in trio(U128_ANCHORED)) {
        // Unions and differences make runs that end mid-block on both sides.
        let (a, ma4, ma6) = addr_set(&t4.a, &t6.a);
        let (b, mb4, mb6) = addr_set(&t4.b, &t6.b);
        check_minimal(&a.union(&b), &ma4.union(&mb4), &ma6.union(&mb6))?;
        check_minimal(&a.difference(&b), &ma4.difference(&mb4), &ma6.difference(&mb6))?;
    }

    #[test]
    fn small_v4_range_count_matches_brute_force(lo in any::<u32>(), width in 0u32..300) {
        let hi = lo.saturating_add(width);
        let set = AddrSet { v4: IntervalSet::range(lo, hi), v6: IntervalSet::empty() };
        let blocks = check_cidrs(&set)?;
        prop_assert_eq!(blocks.len(), dp_min_blocks(u128::from(lo), u128::from(hi)));
    }

    #[test]
    fn small_v6_range_count_matches_brute_force(lo in anchor(128), width in 0u128..300) {
        let hi = lo.saturating_add(width);
        let set = AddrSet { v4: IntervalSet::empty(), v6: IntervalSet::range(lo, hi) };
        let blocks = check_cidrs(&set)?;
        prop_assert_eq!(blocks.len(), dp_min_blocks(lo, hi));
    }
}

/// Every range in two small windows — at the bottom of the address space
/// and at its top — against the dynamic program.
#[test]
fn every_small_range_is_printed_minimally() {
    let windows = [0u32..=129, (u32::MAX - 129)..=u32::MAX];
    for window in windows {
        for lo in window.clone() {
            for hi in lo..=*window.end() {
                let set = AddrSet { v4: IntervalSet::range(lo, hi), v6: IntervalSet::empty() };
                let printed = check_cidrs(&set).unwrap_or_else(|e| panic!("[{lo}, {hi}]: {e}"));
                assert_eq!(printed.len(), dp_min_blocks(u128::from(lo), u128::from(hi)), "[{lo}, {hi}]");
            }
        }
    }
}

#[test]
fn whole_and_empty_spaces_print_as_expected() {
    assert_eq!(AddrSet::all().to_cidr_strings(), ["0.0.0.0/0", "::/0"]);
    assert!(AddrSet::empty().to_cidrs().is_empty());
    assert_eq!(AddrSet::empty().to_string(), "(none)");
    // Everything but 0.0.0.0: one block per bit.
    let v4 = AddrSet { v4: IntervalSet::range(1, u32::MAX), v6: IntervalSet::empty() };
    assert_eq!(v4.to_cidrs().len(), 32);
    // Everything but :: and the top address: 127 blocks each side.
    let v6 = AddrSet { v4: IntervalSet::empty(), v6: IntervalSet::range(1, u128::MAX - 1) };
    assert_eq!(v6.to_cidrs().len(), 2 * 127);
    // 10.0.0.1-10.0.0.6 is the textbook case.
    let small = AddrSet { v4: IntervalSet::range(0x0a00_0001, 0x0a00_0006), v6: IntervalSet::empty() };
    assert_eq!(small.to_string(), "10.0.0.1/32, 10.0.0.2/31, 10.0.0.4/31, 10.0.0.6/32");
}

//! Shared test support: a naive reference model of point sets, and the
//! proptest strategies that draw interval sets near a few anchors.
//!
//! The model is a finite `BTreeSet` of points, optionally negated (the set is
//! then "every point of the domain except these"). Negation lets the model
//! describe huge sets — `[0, MAX]` minus a few points, the complement of
//! anything — while every operation stays an obvious finite-set operation.
//! Inputs are drawn near a handful of anchors (0, MAX, random, aligned), so
//! the point sets stay small even in the `u128` domain.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use portcullis_model::interval::{IntervalSet, Point};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

/// A domain the model can describe: one of `u16`, `u32`, `u128`.
pub trait Dom: Point + Hash {
    const BITS: u32;
    fn to_u(self) -> u128;
    /// Panics when `x` is outside the domain (a bug in the test itself).
    fn from_u(x: u128) -> Self;
}

macro_rules! dom {
    ($t:ty, $bits:expr) => {
        impl Dom for $t {
            const BITS: u32 = $bits;
            fn to_u(self) -> u128 {
                self as u128
            }
            fn from_u(x: u128) -> Self {
                <$t>::try_from(x).expect("test point outside its domain")
            }
        }
    };
}
dom!(u16, 16);
dom!(u32, 32);
dom!(u128, 128);

/// The largest point of a `bits`-wide domain.
pub fn max_of(bits: u32) -> u128 {
    if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// `2^k - 1`: the offset of the last point of a block of `2^k` points.
pub fn low_mask(k: u32) -> u128 {
    if k >= 128 {
        u128::MAX
    } else {
        (1u128 << k) - 1
    }
}

/// The reference: `pts`, or with `neg` every point of the domain but `pts`.
#[derive(Clone, Debug)]
pub struct Model<T: Dom> {
    pub pts: BTreeSet<T>,
    pub neg: bool,
}

impl<T: Dom> Model<T> {
    pub fn empty() -> Self {
        Model { pts: BTreeSet::new(), neg: false }
    }

    pub fn full() -> Self {
        Model { pts: BTreeSet::new(), neg: true }
    }

    /// Every point of every `lo <= hi` range (inverted ranges hold nothing).
    pub fn from_ranges(ranges: &[(u128, u128)]) -> Self {
        let mut pts = BTreeSet::new();
        for &(lo, hi) in ranges {
            if lo <= hi {
                for x in lo..=hi {
                    pts.insert(T::from_u(x));
                }
            }
        }
        Model { pts, neg: false }
    }

    pub fn contains(&self, p: T) -> bool {
        self.pts.contains(&p) != self.neg
    }

    pub fn complement(&self) -> Self {
        Model { pts: self.pts.clone(), neg: !self.neg }
    }

    pub fn union(&self, o: &Self) -> Self {
        let (a, b) = (&self.pts, &o.pts);
        match (self.neg, o.neg) {
            (false, false) => Model { pts: a.union(b).copied().collect(), neg: false },
            // a ∪ ¬b = ¬(b \ a)
            (false, true) => Model { pts: b.difference(a).copied().collect(), neg: true },
            (true, false) => Model { pts: a.difference(b).copied().collect(), neg: true },
            // ¬a ∪ ¬b = ¬(a ∩ b)
            (true, true) => Model { pts: a.intersection(b).copied().collect(), neg: true },
        }
    }

    pub fn intersect(&self, o: &Self) -> Self {
        self.complement().union(&o.complement()).complement()
    }

    pub fn difference(&self, o: &Self) -> Self {
        self.intersect(&o.complement())
    }

    /// Number of points; the whole `u128` domain (2^128) saturates to
    /// `u128::MAX`, as `IntervalSet::len` documents.
    pub fn len(&self) -> u128 {
        let n = self.pts.len() as u128;
        if !self.neg {
            n
        } else if n == 0 {
            max_of(T::BITS).saturating_add(1)
        } else {
            // 2^BITS - n, written so that BITS = 128 does not overflow.
            max_of(T::BITS) - (n - 1)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.canonical_runs().is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.neg && self.pts.is_empty()
    }

    pub fn is_subset(&self, o: &Self) -> bool {
        self.difference(o).is_empty()
    }

    /// The unique sorted, disjoint, non-adjacent run list of this set,
    /// worked out point by point.
    pub fn canonical_runs(&self) -> Vec<(T, T)> {
        let pts: Vec<u128> = self.pts.iter().map(|p| p.to_u()).collect();
        let mut out: Vec<(u128, u128)> = Vec::new();
        if !self.neg {
            for p in pts {
                match out.last_mut() {
                    Some(last) if last.1 + 1 == p => last.1 = p,
                    _ => out.push((p, p)),
                }
            }
        } else {
            let max = max_of(T::BITS);
            let mut start = Some(0u128);
            for p in pts {
                if let Some(s) = start {
                    if p > s {
                        out.push((s, p - 1));
                    }
                }
                start = if p == max { None } else { Some(p + 1) };
            }
            if let Some(s) = start {
                out.push((s, max));
            }
        }
        out.into_iter().map(|(a, b)| (T::from_u(a), T::from_u(b))).collect()
    }
}

/// A drawn set: ranges near the anchors, maybe negated.
#[derive(Clone, Debug)]
pub struct Spec {
    pub ranges: Vec<(u128, u128)>,
    pub neg: bool,
}

impl Spec {
    /// The set under test and its model. A plain set is built from the raw
    /// (unsorted, overlapping, possibly inverted) ranges; a negated one from
    /// the gaps between the model's points.
    pub fn build<T: Dom>(&self) -> (IntervalSet<T>, Model<T>) {
        let m = Model::<T>::from_ranges(&self.ranges);
        if self.neg {
            let m = m.complement();
            (IntervalSet::from_ranges(m.canonical_runs()), m)
        } else {
            let ranges = self.ranges.iter().map(|&(a, b)| (T::from_u(a), T::from_u(b)));
            (IntervalSet::from_ranges(ranges), m)
        }
    }
}

/// How sets are drawn for one domain.
#[derive(Clone, Copy, Debug)]
pub struct Draw {
    pub bits: u32,
    /// Range starts lie within `spread / 2` of an anchor.
    pub spread: u128,
    /// No drawn point exceeds this.
    pub limit: u128,
    /// Draw anchors at random (else a single anchor at `spread / 2`).
    pub random_anchors: bool,
}

/// `u16` sets restricted to values below 512.
pub const U16_WINDOW: Draw = Draw { bits: 16, spread: 512, limit: 511, random_anchors: false };
pub const U32_ANCHORED: Draw = Draw { bits: 32, spread: 64, limit: u32::MAX as u128, random_anchors: true };
pub const U128_ANCHORED: Draw = Draw { bits: 128, spread: 64, limit: u128::MAX, random_anchors: true };

/// An anchor: an edge of the domain, a random point, or an aligned one (so
/// that CIDR-shaped runs are common).
pub fn anchor(bits: u32) -> BoxedStrategy<u128> {
    let max = max_of(bits);
    prop_oneof![
        1 => Just(0u128),
        1 => Just(max),
        2 => any::<u128>().prop_map(move |x| x & max),
        2 => (1..bits, any::<u128>()).prop_map(move |(k, x)| (x & max) >> k << k),
    ]
    .boxed()
}

pub fn anchors(d: Draw) -> BoxedStrategy<Vec<u128>> {
    if d.random_anchors {
        prop::collection::vec(anchor(d.bits), 1..4).boxed()
    } else {
        Just(vec![d.spread / 2]).boxed()
    }
}

/// Up to six ranges near the anchors, one in eight inverted; a third of
/// the sets are negated.
pub fn spec(anchors: Vec<u128>, d: Draw) -> BoxedStrategy<Spec> {
    let n = anchors.len();
    let range = (0..n, 0..d.spread, 0..=d.spread / 4, 0..8u8).prop_map(move |(i, off, len, inv)| {
        let lo = anchors[i].saturating_add(off).saturating_sub(d.spread / 2).min(d.limit);
        let hi = lo.saturating_add(len).min(d.limit);
        if inv == 0 && lo < hi {
            (hi, lo)
        } else {
            (lo, hi)
        }
    });
    (prop::collection::vec(range, 0..7), prop::bool::weighted(0.33))
        .prop_map(|(ranges, neg)| Spec { ranges, neg })
        .boxed()
}

/// Three sets drawn near the same anchors, so that they overlap and touch.
#[derive(Clone, Debug)]
pub struct Trio {
    pub anchors: Vec<u128>,
    pub a: Spec,
    pub b: Spec,
    pub c: Spec,
}

pub fn trio(d: Draw) -> BoxedStrategy<Trio> {
    anchors(d)
        .prop_flat_map(move |an| (Just(an.clone()), spec(an.clone(), d), spec(an.clone(), d), spec(an, d)))
        .prop_map(|(anchors, a, b, c)| Trio { anchors, a, b, c })
        .boxed()
}

/// Points worth asking `contains` about: the domain edges, the anchors, and
/// one either side of every run boundary and every model point.
pub fn probes<T: Dom>(anchors: &[u128], sets: &[&IntervalSet<T>], models: &[&Model<T>]) -> Vec<T> {
    let max = max_of(T::BITS);
    let mut out = BTreeSet::new();
    let mut around = |x: u128| {
        out.insert(x.saturating_sub(1));
        out.insert(x);
        out.insert(x.saturating_add(1).min(max));
    };
    around(0);
    around(max);
    for &a in anchors {
        around(a);
    }
    for s in sets {
        for &(lo, hi) in s.runs() {
            around(lo.to_u());
            around(hi.to_u());
        }
    }
    for m in models {
        for p in &m.pts {
            around(p.to_u());
        }
    }
    out.into_iter().map(T::from_u).collect()
}

/// Runs are non-empty, sorted, disjoint and non-adjacent.
pub fn check_normalized<T: Dom>(s: &IntervalSet<T>) -> Result<(), TestCaseError> {
    for &(lo, hi) in s.runs() {
        prop_assert!(lo <= hi, "inverted run in {:?}", s);
    }
    for w in s.runs().windows(2) {
        let gap_start = w[0].1.to_u().checked_add(1);
        prop_assert!(
            gap_start.is_some_and(|g| g < w[1].0.to_u()),
            "runs {:?} and {:?} overlap, touch or are out of order in {:?}",
            w[0],
            w[1],
            s
        );
    }
    Ok(())
}

/// `s` is normalized and holds exactly the model's points.
pub fn check_same<T: Dom>(s: &IntervalSet<T>, m: &Model<T>) -> Result<(), TestCaseError> {
    check_normalized(s)?;
    let expected = m.canonical_runs();
    prop_assert_eq!(s.runs(), expected.as_slice(), "model {:?}", m);
    prop_assert_eq!(s.len(), m.len());
    prop_assert_eq!(s.is_empty(), m.is_empty());
    prop_assert_eq!(s.is_full(), m.is_full());
    Ok(())
}

pub fn hash_of<H: Hash>(x: &H) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    x.hash(&mut h);
    h.finish()
}

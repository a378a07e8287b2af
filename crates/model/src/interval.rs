//! Sorted, disjoint, inclusive interval sets over an unsigned integer domain.
//!
//! Address sets (IPv4 over `u32`, IPv6 over `u128`) and port sets (`u16`)
//! are all the same structure: a vector of `[lo, hi]` pairs kept sorted,
//! non-overlapping and non-adjacent, so that two equal sets always have the
//! same representation and every operation is a linear merge.

use smallvec::SmallVec;
use std::fmt::Debug;

/// Most sets in rules are one interval (a CIDR, a port range): keep one
/// inline so a rule's sets need no allocation of their own (a million
/// rules on the 500,000-permission benchmark).
type Runs<T> = SmallVec<[(T, T); 1]>;

/// An unsigned integer domain an interval set can range over.
pub trait Point: Copy + Ord + Debug + Send + Sync + 'static {
    const MIN: Self;
    const MAX: Self;
    /// `self + 1`, or `None` at the top of the domain.
    fn succ(self) -> Option<Self>;
    /// `self - 1`, or `None` at the bottom of the domain.
    fn pred(self) -> Option<Self>;
    /// `hi - lo` as `u128` (the interval holds this plus one points).
    fn span(lo: Self, hi: Self) -> u128;
}

macro_rules! point {
    ($t:ty) => {
        impl Point for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn succ(self) -> Option<Self> {
                self.checked_add(1)
            }
            fn pred(self) -> Option<Self> {
                self.checked_sub(1)
            }
            fn span(lo: Self, hi: Self) -> u128 {
                (hi - lo) as u128
            }
        }
    };
}
point!(u16);
point!(u32);
point!(u128);

/// A set of points as sorted, disjoint, non-adjacent inclusive intervals.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct IntervalSet<T: Point> {
    runs: Runs<T>,
}

impl<T: Point> Debug for IntervalSet<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.runs.iter()).finish()
    }
}

impl<T: Point> IntervalSet<T> {
    pub const fn empty() -> Self {
        IntervalSet { runs: SmallVec::new_const() }
    }

    pub fn full() -> Self {
        IntervalSet { runs: smallvec::smallvec![(T::MIN, T::MAX)] }
    }

    /// The interval `[lo, hi]`; empty when `lo > hi` (an inverted range
    /// holds nothing, which is how EC2 reads FromPort 23 / ToPort 21).
    pub fn range(lo: T, hi: T) -> Self {
        if lo > hi {
            Self::empty()
        } else {
            IntervalSet { runs: smallvec::smallvec![(lo, hi)] }
        }
    }

    pub fn point(p: T) -> Self {
        Self::range(p, p)
    }

    /// Builds a set from arbitrary (possibly overlapping, unsorted,
    /// inverted) intervals. Inverted intervals are dropped.
    pub fn from_ranges<I: IntoIterator<Item = (T, T)>>(ranges: I) -> Self {
        let mut v: Vec<(T, T)> = ranges.into_iter().filter(|(a, b)| a <= b).collect();
        v.sort_unstable();
        let mut out: Runs<T> = SmallVec::with_capacity(v.len());
        for (lo, hi) in v {
            if let Some(last) = out.last_mut() {
                // Merge when overlapping or adjacent.
                if last.1.succ().is_none_or(|n| lo <= n) {
                    if hi > last.1 {
                        last.1 = hi;
                    }
                    continue;
                }
            }
            out.push((lo, hi));
        }
        IntervalSet { runs: out }
    }

    pub fn runs(&self) -> &[(T, T)] {
        &self.runs
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.runs.len() == 1 && self.runs[0] == (T::MIN, T::MAX)
    }

    /// Number of points, saturating at `u128::MAX` (only the whole `u128`
    /// domain, 2^128 points, saturates).
    pub fn len(&self) -> u128 {
        self.runs.iter().fold(0u128, |acc, &(lo, hi)| acc.saturating_add(T::span(lo, hi)).saturating_add(1))
    }

    pub fn contains(&self, p: T) -> bool {
        self.runs
            .binary_search_by(|&(lo, hi)| {
                if hi < p {
                    std::cmp::Ordering::Less
                } else if lo > p {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    pub fn union(&self, other: &Self) -> Self {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        // Both inputs are sorted: a merge of the two run lists followed by
        // coalescing is linear.
        let mut merged: Runs<T> = SmallVec::with_capacity(self.runs.len() + other.runs.len());
        let (mut i, mut j) = (0, 0);
        while i < self.runs.len() || j < other.runs.len() {
            let take_self = j >= other.runs.len() || (i < self.runs.len() && self.runs[i] <= other.runs[j]);
            let r = if take_self {
                i += 1;
                self.runs[i - 1]
            } else {
                j += 1;
                other.runs[j - 1]
            };
            match merged.last_mut() {
                Some(last) if last.1.succ().is_none_or(|n: T| r.0 <= n) => {
                    let last: &mut (T, T) = last;
                    if r.1 > last.1 {
                        last.1 = r.1;
                    }
                }
                _ => merged.push(r),
            }
        }
        IntervalSet { runs: merged }
    }

    pub fn union_in_place(&mut self, other: &Self) {
        if !other.is_empty() {
            *self = self.union(other);
        }
    }

    pub fn intersect(&self, other: &Self) -> Self {
        let mut out: Runs<T> = SmallVec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.runs.len() && j < other.runs.len() {
            let (a0, a1) = self.runs[i];
            let (b0, b1) = other.runs[j];
            let lo = a0.max(b0);
            let hi = a1.min(b1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet { runs: out }
    }

    pub fn complement(&self) -> Self {
        let mut out: Runs<T> = SmallVec::with_capacity(self.runs.len() + 1);
        let mut next: Option<T> = Some(T::MIN);
        for &(lo, hi) in &self.runs {
            if let Some(n) = next {
                if n < lo {
                    // lo > MIN here, so pred exists.
                    if let Some(p) = lo.pred() {
                        out.push((n, p));
                    }
                }
            }
            next = hi.succ();
        }
        if let Some(n) = next {
            out.push((n, T::MAX));
        }
        IntervalSet { runs: out }
    }

    pub fn difference(&self, other: &Self) -> Self {
        if other.is_empty() || self.is_empty() {
            return self.clone();
        }
        self.intersect(&other.complement())
    }

    /// Whether every point of `other` is in `self`.
    pub fn contains_set(&self, other: &Self) -> bool {
        other.difference(self).is_empty()
    }

    pub fn intersects(&self, other: &Self) -> bool {
        let (mut i, mut j) = (0, 0);
        while i < self.runs.len() && j < other.runs.len() {
            let (a0, a1) = self.runs[i];
            let (b0, b1) = other.runs[j];
            if a0.max(b0) <= a1.min(b1) {
                return true;
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }
}

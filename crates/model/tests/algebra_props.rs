//! The set algebra, specified against a naive model.
//!
//! Every `IntervalSet` operation is checked, on random inputs, against a
//! `BTreeSet` of points (see `common`): `u16` sets below 512, and `u32` /
//! `u128` sets drawn near a few anchors that include 0, MAX and aligned
//! points. A third of the inputs are negated (huge) sets, so complements,
//! full-domain runs and runs ending at MAX are exercised too. Results must
//! equal the model's canonical run list exactly, which is also what makes
//! derived equality and hashing sound. `AddrSet` is checked the same way,
//! one model per family.

mod common;

use common::*;
use portcullis_model::interval::IntervalSet;
use portcullis_model::{AddrSet, Cidr};
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

macro_rules! interval_props {
    ($name:ident, $t:ty, $draw:expr) => {
        mod $name {
            use super::*;

            proptest! {
                #[test]
                fn from_ranges_matches_model(c in trio($draw)) {
                    let (s, m) = c.a.build::<$t>();
                    check_same(&s, &m)?;
                }

                #[test]
                fn union_matches_model(c in trio($draw)) {
                    let ((a, ma), (b, mb)) = (c.a.build::<$t>(), c.b.build::<$t>());
                    let u = a.union(&b);
                    check_same(&u, &ma.union(&mb))?;
                    prop_assert_eq!(&u, &b.union(&a));
                    let mut in_place = a.clone();
                    in_place.union_in_place(&b);
                    prop_assert_eq!(&in_place, &u);
                }

                #[test]
                fn intersect_matches_model(c in trio($draw)) {
                    let ((a, ma), (b, mb)) = (c.a.build::<$t>(), c.b.build::<$t>());
                    let i = a.intersect(&b);
                    check_same(&i, &ma.intersect(&mb))?;
                    prop_assert_eq!(&i, &b.intersect(&a));
                }

                #[test]
                fn difference_matches_model(c in trio($draw)) {
                    let ((a, ma), (b, mb)) = (c.a.build::<$t>(), c.b.build::<$t>());
                    check_same(&a.difference(&b), &ma.difference(&mb))?;
                    check_same(&b.difference(&a), &mb.difference(&ma))?;
                }

                #[test]
                fn complement_matches_model(c in trio($draw)) {
                    let (a, ma) = c.a.build::<$t>();
                    let not_a = a.complement();
                    check_same(&not_a, &ma.complement())?;
                    prop_assert_eq!(&not_a.complement(), &a);
                }

                #[test]
                fn contains_matches_model(c in trio($draw), extra in any::<u128>()) {
                    let (a, ma) = c.a.build::<$t>();
                    let mut points = probes(&c.anchors, &[&a], &[&ma]);
                    points.push(<$t as Dom>::from_u(extra & max_of(<$t as Dom>::BITS)));
                    for p in points {
                        prop_assert_eq!(a.contains(p), ma.contains(p), "point {:?}", p);
                    }
                }

                #[test]
                fn contains_set_matches_model(c in trio($draw)) {
                    let ((a, ma), (b, mb)) = (c.a.build::<$t>(), c.b.build::<$t>());
                    prop_assert_eq!(a.contains_set(&b), mb.is_subset(&ma));
                    prop_assert_eq!(b.contains_set(&a), ma.is_subset(&mb));
                    // Sub-sets built from the operands are always contained.
                    prop_assert!(a.contains_set(&a.intersect(&b)));
                    prop_assert!(a.union(&b).contains_set(&b));
                    prop_assert!(a.contains_set(&IntervalSet::empty()));
                    prop_assert!(IntervalSet::<$t>::full().contains_set(&a));
                }

                #[test]
                fn intersects_matches_model(c in trio($draw)) {
                    let ((a, ma), (b, mb)) = (c.a.build::<$t>(), c.b.build::<$t>());
                    let expected = !ma.intersect(&mb).is_empty();
                    prop_assert_eq!(a.intersects(&b), expected);
                    prop_assert_eq!(b.intersects(&a), expected);
                    prop_assert_eq!(a.intersects(&a), !ma.is_empty());
                }

                #[test]
                fn len_counts_points(c in trio($draw)) {
                    let ((a, ma), (b, mb)) = (c.a.build::<$t>(), c.b.build::<$t>());
                    prop_assert_eq!(a.len(), ma.len());
                    prop_assert_eq!(a.complement().len(), ma.complement().len());
                    // Inclusion–exclusion, wherever no side saturates
                    // (only the whole u128 domain does).
                    let (u, i) = (a.union(&b), a.intersect(&b));
                    if !(<$t as Dom>::BITS == 128 && u.is_full()) {
                        let lhs = u.len().checked_add(i.len());
                        let rhs = a.len().checked_add(b.len());
                        prop_assert_eq!(lhs, rhs);
                    }
                    prop_assert_eq!(u.len(), ma.union(&mb).len());
                }

                #[test]
                fn equal_sets_have_one_representation(c in trio($draw)) {
                    let (a, ma) = c.a.build::<$t>();
                    let (b, mb) = c.b.build::<$t>();
                    // Build `a` along three other routes.
                    let ranges: Vec<($t, $t)> =
                        a.runs().iter().rev().copied().collect();
                    let by_union = ranges
                        .iter()
                        .fold(IntervalSet::empty(), |acc, &(lo, hi)| acc.union(&IntervalSet::range(lo, hi)));
                    let by_points_and_pieces = IntervalSet::from_ranges(
                        ranges.iter().flat_map(|&(lo, hi)| [(lo, lo), (hi, hi), (lo, hi), (hi, lo)]),
                    );
                    let twice_negated = a.complement().complement();
                    for other in [&by_union, &by_points_and_pieces, &twice_negated] {
                        prop_assert_eq!(other, &a);
                        prop_assert_eq!(hash_of(other), hash_of(&a));
                    }
                    prop_assert_eq!(a == b, ma.canonical_runs() == mb.canonical_runs());
                }

                #[test]
                fn algebraic_laws_hold(c in trio($draw)) {
                    let (a, b, x) = (c.a.build::<$t>().0, c.b.build::<$t>().0, c.c.build::<$t>().0);
                    let full = IntervalSet::<$t>::full();
                    prop_assert_eq!(a.union(&b).complement(), a.complement().intersect(&b.complement()));
                    prop_assert_eq!(a.intersect(&b).complement(), a.complement().union(&b.complement()));
                    prop_assert_eq!(a.difference(&b), a.intersect(&b.complement()));
                    prop_assert_eq!(a.intersect(&b.union(&x)), a.intersect(&b).union(&a.intersect(&x)));
                    prop_assert_eq!(a.union(&b.intersect(&x)), a.union(&b).intersect(&a.union(&x)));
                    prop_assert!(a.intersect(&a.complement()).is_empty());
                    prop_assert_eq!(a.union(&a.complement()), full.clone());
                    prop_assert_eq!(full.difference(&a), a.complement());
                    prop_assert!(!a.difference(&b).intersects(&b));
                }
            }
        }
    };
}

interval_props!(u16_below_512, u16, U16_WINDOW);
interval_props!(u32_near_anchors, u32, U32_ANCHORED);
interval_props!(u128_near_anchors, u128, U128_ANCHORED);

/// Edge points every domain must get right, spelled out.
fn edges<T: Dom>() {
    let (min, max) = (T::MIN, T::MAX);
    let p = |x: u128| T::from_u(x);
    let top = max.to_u();

    // Adjacent runs merge, in any order and at either end of the domain.
    let merged = IntervalSet::range(p(0), p(4)).union(&IntervalSet::range(p(5), p(9)));
    assert_eq!(merged.runs(), &[(p(0), p(9))]);
    assert_eq!(IntervalSet::from_ranges([(p(5), p(9)), (p(0), p(4))]), merged);
    assert_eq!(IntervalSet::point(min).union(&IntervalSet::range(p(1), p(3))).runs(), &[(min, p(3))]);
    let at_top = IntervalSet::range(p(top - 3), p(top - 1)).union(&IntervalSet::point(max));
    assert_eq!(at_top.runs(), &[(p(top - 3), max)]);
    assert_eq!(IntervalSet::from_ranges([(max, max), (p(top - 3), p(top - 1))]), at_top);
    // A gap of one point keeps runs apart.
    let gapped = IntervalSet::point(p(0)).union(&IntervalSet::point(p(2)));
    assert_eq!(gapped.runs(), &[(p(0), p(0)), (p(2), p(2))]);
    assert_eq!(IntervalSet::from_ranges([(min, max), (p(5), p(6))]), IntervalSet::full());

    // Complements at the edges, and of the whole domain.
    assert!(IntervalSet::<T>::full().complement().is_empty());
    assert!(IntervalSet::<T>::empty().complement().is_full());
    assert_eq!(IntervalSet::point(min).complement().runs(), &[(p(1), max)]);
    assert_eq!(IntervalSet::point(max).complement().runs(), &[(min, p(top - 1))]);
    assert_eq!(IntervalSet::range(p(1), p(top - 1)).complement().runs(), &[(min, min), (max, max)]);
    assert_eq!(IntervalSet::<T>::full().difference(&IntervalSet::point(max)).runs(), &[(min, p(top - 1))]);

    // Membership at the edges.
    assert!(IntervalSet::<T>::full().contains(min) && IntervalSet::<T>::full().contains(max));
    assert!(!IntervalSet::<T>::empty().contains(min) && !IntervalSet::<T>::empty().contains(max));
    assert!(IntervalSet::point(max).contains(max) && !IntervalSet::point(max).contains(p(top - 1)));

    // An inverted range is empty (EC2's FromPort 23 / ToPort 21).
    assert!(IntervalSet::range(p(23), p(21)).is_empty());
    assert!(IntervalSet::from_ranges([(max, min)]).is_empty());
    assert_eq!(IntervalSet::point(max).len(), 1);
    assert_eq!(IntervalSet::range(min, p(9)).len(), 10);

    // Relations with the empty and full sets.
    assert!(!IntervalSet::<T>::empty().intersects(&IntervalSet::full()));
    assert!(IntervalSet::<T>::empty().contains_set(&IntervalSet::empty()));
    assert!(!IntervalSet::point(min).intersects(&IntervalSet::point(max)));
}

#[test]
fn u16_edges() {
    edges::<u16>();
    assert_eq!(IntervalSet::<u16>::full().len(), 1 << 16);
}

#[test]
fn u32_edges() {
    edges::<u32>();
    assert_eq!(IntervalSet::<u32>::full().len(), 1 << 32);
}

#[test]
fn u128_edges() {
    edges::<u128>();
    // 2^128 points do not fit: the whole domain saturates to u128::MAX,
    // which is also the exact size of the domain minus one point. Only
    // `is_full` tells the two apart.
    let full = IntervalSet::<u128>::full();
    let all_but_one = full.difference(&IntervalSet::point(0));
    assert_eq!(full.len(), u128::MAX);
    assert_eq!(all_but_one.len(), u128::MAX);
    assert!(full.is_full() && !all_but_one.is_full());
    assert_eq!(IntervalSet::range(0u128, u128::MAX >> 1).len(), 1 << 127);
}

// ---- AddrSet: the same algebra, per family ----

#[derive(Clone, Debug)]
struct AddrCase {
    v4: Trio,
    v6: Trio,
}

fn addr_case() -> impl Strategy<Value = AddrCase> {
    (trio(U32_ANCHORED), trio(U128_ANCHORED)).prop_map(|(v4, v6)| AddrCase { v4, v6 })
}

struct AddrModel {
    v4: Model<u32>,
    v6: Model<u128>,
}

fn addr(v4: &Spec, v6: &Spec) -> (AddrSet, AddrModel) {
    let ((s4, m4), (s6, m6)) = (v4.build::<u32>(), v6.build::<u128>());
    (AddrSet { v4: s4, v6: s6 }, AddrModel { v4: m4, v6: m6 })
}

fn check_addr(s: &AddrSet, m: &AddrModel) -> Result<(), TestCaseError> {
    check_same(&s.v4, &m.v4)?;
    check_same(&s.v6, &m.v6)?;
    prop_assert_eq!(s.len_v4(), m.v4.len());
    prop_assert_eq!(s.len_v6(), m.v6.len());
    prop_assert_eq!(s.is_empty(), m.v4.is_empty() && m.v6.is_empty());
    Ok(())
}

/// A CIDR block near an anchor, and its range worked out by hand.
fn v4_block(anchors: Vec<u128>) -> impl Strategy<Value = (Cidr, (u32, u32))> {
    (0..anchors.len(), 0u32..=32, any::<u8>()).prop_map(move |(i, len, jitter)| {
        let host = 32 - len;
        let size = 1u64 << host;
        let near = (anchors[i] as u64).saturating_add(u64::from(jitter)).min(u64::from(u32::MAX));
        let lo = near - near % size;
        let hi = lo + (size - 1);
        (Cidr::V4 { addr: lo as u32, len: len as u8 }, (lo as u32, hi as u32))
    })
}

fn v6_block(anchors: Vec<u128>) -> impl Strategy<Value = (Cidr, (u128, u128))> {
    (0..anchors.len(), 0u32..=128, any::<u8>()).prop_map(move |(i, len, jitter)| {
        let host_mask = low_mask(128 - len);
        let lo = anchors[i].saturating_add(u128::from(jitter)) & !host_mask;
        (Cidr::V6 { addr: lo, len: len as u8 }, (lo, lo | host_mask))
    })
}

fn blocks_case() -> impl Strategy<Value = Vec<(Cidr, (u128, u128))>> {
    (prop::collection::vec(anchor(32), 1..4), prop::collection::vec(anchor(128), 1..4)).prop_flat_map(|(a4, a6)| {
        let v4 = v4_block(a4).prop_map(|(c, (lo, hi))| (c, (u128::from(lo), u128::from(hi))));
        prop::collection::vec(prop_oneof![v4, v6_block(a6)], 0..8)
    })
}

proptest! {
    #[test]
    fn addr_union_matches_model(c in addr_case()) {
        let ((a, ma), (b, mb)) = (addr(&c.v4.a, &c.v6.a), addr(&c.v4.b, &c.v6.b));
        let u = a.union(&b);
        check_addr(&u, &AddrModel { v4: ma.v4.union(&mb.v4), v6: ma.v6.union(&mb.v6) })?;
        let mut in_place = a.clone();
        in_place.union_in_place(&b);
        prop_assert_eq!(in_place, u);
    }

    #[test]
    fn addr_intersect_matches_model(c in addr_case()) {
        let ((a, ma), (b, mb)) = (addr(&c.v4.a, &c.v6.a), addr(&c.v4.b, &c.v6.b));
        check_addr(&a.intersect(&b), &AddrModel { v4: ma.v4.intersect(&mb.v4), v6: ma.v6.intersect(&mb.v6) })?;
    }

    #[test]
    fn addr_difference_matches_model(c in addr_case()) {
        let ((a, ma), (b, mb)) = (addr(&c.v4.a, &c.v6.a), addr(&c.v4.b, &c.v6.b));
        check_addr(&a.difference(&b), &AddrModel { v4: ma.v4.difference(&mb.v4), v6: ma.v6.difference(&mb.v6) })?;
        // The other family is never touched.
        prop_assert_eq!(a.difference(&AddrSet::all_v6()).v4, a.v4.clone());
        prop_assert_eq!(a.difference(&AddrSet::all_v4()).v6, a.v6.clone());
        prop_assert!(a.difference(&AddrSet::all()).is_empty());
    }

    #[test]
    fn addr_relations_match_model(c in addr_case()) {
        let ((a, ma), (b, mb)) = (addr(&c.v4.a, &c.v6.a), addr(&c.v4.b, &c.v6.b));
        let meets = !ma.v4.intersect(&mb.v4).is_empty() || !ma.v6.intersect(&mb.v6).is_empty();
        prop_assert_eq!(a.intersects(&b), meets);
        prop_assert_eq!(a.contains_set(&b), mb.v4.is_subset(&ma.v4) && mb.v6.is_subset(&ma.v6));
        prop_assert_eq!(b.contains_set(&a), ma.v4.is_subset(&mb.v4) && ma.v6.is_subset(&mb.v6));
        prop_assert!(AddrSet::all().contains_set(&a));
    }

    #[test]
    fn addr_contains_matches_model(c in addr_case()) {
        let (a, ma) = addr(&c.v4.a, &c.v6.a);
        for p in probes(&c.v4.anchors, &[&a.v4], &[&ma.v4]) {
            prop_assert_eq!(a.contains_v4(Ipv4Addr::from(p)), ma.v4.contains(p), "{}", Ipv4Addr::from(p));
        }
        for p in probes(&c.v6.anchors, &[&a.v6], &[&ma.v6]) {
            prop_assert_eq!(a.contains_v6(Ipv6Addr::from(p)), ma.v6.contains(p), "{}", Ipv6Addr::from(p));
        }
    }

    #[test]
    fn from_cidrs_and_parse_list_cover_the_blocks(blocks in blocks_case()) {
        let cidrs: Vec<Cidr> = blocks.iter().map(|b| b.0).collect();
        let expected = AddrSet {
            v4: IntervalSet::from_ranges(
                blocks.iter().filter(|b| matches!(b.0, Cidr::V4 { .. })).map(|b| (b.1 .0 as u32, b.1 .1 as u32)),
            ),
            v6: IntervalSet::from_ranges(blocks.iter().filter(|b| matches!(b.0, Cidr::V6 { .. })).map(|b| b.1)),
        };
        let set = AddrSet::from_cidrs(cidrs.iter().copied());
        prop_assert_eq!(&set, &expected);
        let by_union = cidrs.iter().fold(AddrSet::empty(), |acc, c| acc.union(&c.to_set()));
        prop_assert_eq!(&by_union, &expected);
        let printed: Vec<String> = cidrs.iter().map(|c| c.to_string()).collect();
        let parsed = AddrSet::parse_list(printed.iter().map(String::as_str));
        prop_assert_eq!(parsed, Ok(expected));
    }
}

//! Address blocks for generated rule sets: a few anchors per rule set and
//! blocks near them (inside, around, equal), so rules overlap the way real
//! ones do and every boundary is worth probing.

use crate::rng::Rng;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A block as generated: its address as written (host bits may be set, as
/// people write them) and its prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    V4(u32, u8),
    V6(u128, u8),
}

impl Block {
    pub fn text(&self) -> String {
        match *self {
            Block::V4(a, l) => format!("{}/{l}", Ipv4Addr::from(a)),
            Block::V6(a, l) => format!("{}/{l}", Ipv6Addr::from(a)),
        }
    }

    /// Written without host bits (some tools refuse them).
    pub fn masked_text(&self) -> String {
        match *self {
            Block::V4(a, l) => {
                let m = if l == 0 { 0 } else { u32::MAX << (32 - l) };
                format!("{}/{l}", Ipv4Addr::from(a & m))
            }
            Block::V6(a, l) => {
                let m = if l == 0 { 0 } else { u128::MAX << (128 - l) };
                format!("{}/{l}", Ipv6Addr::from(a & m))
            }
        }
    }

    pub fn is_v6(&self) -> bool {
        matches!(self, Block::V6(..))
    }
}

/// The anchors of one rule set, per family.
pub struct Pool {
    v4: Vec<(u32, u8)>,
    v6: Vec<(u128, u8)>,
}

impl Pool {
    pub fn new(rng: &mut Rng) -> Pool {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for _ in 0..rng.range(2, 5) {
            let base = match rng.below(4) {
                0 => 0x0a00_0000 | (rng.next_u64() as u32 & 0x00ff_ffff),
                1 => 0xc0a8_0000 | (rng.next_u64() as u32 & 0xffff),
                _ => {
                    // A public-looking address (first octet 1-223, not 10/127).
                    let first = *rng.pick(&[3u32, 8, 20, 34, 52, 100, 151, 185, 203]);
                    first << 24 | (rng.next_u64() as u32 & 0x00ff_ffff)
                }
            };
            v4.push((base, rng.range(8, 32) as u8));
        }
        for _ in 0..rng.range(2, 4) {
            let prefix: u128 = match rng.below(3) {
                0 => 0x2001_0db8 << 96,
                1 => 0xfd00_0000 << 96,
                _ => 0x2600_0000 << 96 | u128::from(rng.next_u64() as u32 & 0x00ff_ffff) << 96,
            };
            let base = prefix | u128::from(rng.next_u64()) << 32 | u128::from(rng.next_u64() as u32);
            v6.push((base, rng.range(16, 128) as u8));
        }
        Pool { v4, v6 }
    }

    /// A block near an anchor: the anchor, a sub-block, a super-block, a
    /// host inside it, or now and then everything.
    pub fn block(&self, rng: &mut Rng, v6: bool) -> Block {
        if rng.chance(1, 20) {
            return if v6 { Block::V6(0, 0) } else { Block::V4(0, 0) };
        }
        if v6 {
            let &(a, l) = rng.pick(&self.v6);
            let len = near_len(rng, l, 128);
            let a = a ^ (u128::from(rng.next_u64()) >> (64 - rng.range(0, 16)).min(64));
            Block::V6(a, len)
        } else {
            let &(a, l) = rng.pick(&self.v4);
            let len = near_len(rng, l, 32);
            let a = a ^ (rng.next_u64() as u32 >> (32 - rng.range(0, 12)).min(31));
            Block::V4(a, len)
        }
    }

    /// An address range near an anchor, `first-last`.
    pub fn range(&self, rng: &mut Rng, v6: bool) -> String {
        if v6 {
            let &(a, _) = rng.pick(&self.v6);
            let lo = a.wrapping_sub(u128::from(rng.below(300)));
            let hi = lo.saturating_add(u128::from(rng.below(600)));
            format!("{}-{}", Ipv6Addr::from(lo), Ipv6Addr::from(hi))
        } else {
            let &(a, _) = rng.pick(&self.v4);
            let lo = a.wrapping_sub(rng.below(300) as u32);
            let hi = lo.saturating_add(rng.below(600) as u32);
            format!("{}-{}", Ipv4Addr::from(lo), Ipv4Addr::from(hi))
        }
    }
}

fn near_len(rng: &mut Rng, l: u8, max: u8) -> u8 {
    let d = rng.range(0, 6) as i32 - 3;
    (i32::from(l) + d).clamp(0, i32::from(max)) as u8
}

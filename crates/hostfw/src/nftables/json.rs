//! `nft -j list ruleset` JSON (libnftables-json(5)). Written once the
//! shared positioned JSON reader is in place.

/// Whether the JSON reader is in place.
pub const READY: bool = false;

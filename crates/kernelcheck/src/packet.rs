//! Ethernet frames for the probes: TCP SYNs from any source address, ARP
//! requests as a sentinel, and reading what comes back (a SYN-ACK, a reset,
//! an ICMP error, an ARP reply).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const NODE_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
pub const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

fn checksum_add(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

fn checksum_fold(mut sum: u32) -> u16 {
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn tcp_syn(sport: u16, dport: u16, seq: u32) -> [u8; 20] {
    let mut t = [0u8; 20];
    t[0..2].copy_from_slice(&sport.to_be_bytes());
    t[2..4].copy_from_slice(&dport.to_be_bytes());
    t[4..8].copy_from_slice(&seq.to_be_bytes());
    t[12] = 5 << 4; // data offset: 5 words, no options
    t[13] = 0x02; // SYN
    t[14..16].copy_from_slice(&64240u16.to_be_bytes());
    t
}

/// A TCP SYN from `src:sport` to `dst:dport`, as an Ethernet frame to the
/// node.
pub fn syn(src: IpAddr, dst: IpAddr, sport: u16, dport: u16, seq: u32) -> Vec<u8> {
    let mut f = Vec::with_capacity(80);
    f.extend_from_slice(&NODE_MAC);
    f.extend_from_slice(&CLIENT_MAC);
    let mut tcp = tcp_syn(sport, dport, seq);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            f.extend_from_slice(&0x0800u16.to_be_bytes());
            let mut ip = [0u8; 20];
            ip[0] = 0x45;
            ip[2..4].copy_from_slice(&40u16.to_be_bytes());
            ip[4..6].copy_from_slice(&(seq as u16).to_be_bytes());
            ip[6] = 0x40; // don't fragment
            ip[8] = 64;
            ip[9] = 6;
            ip[12..16].copy_from_slice(&s.octets());
            ip[16..20].copy_from_slice(&d.octets());
            let c = checksum_fold(checksum_add(0, &ip));
            ip[10..12].copy_from_slice(&c.to_be_bytes());
            let mut pseudo = checksum_add(0, &s.octets());
            pseudo = checksum_add(pseudo, &d.octets());
            pseudo += 6 + 20;
            let c = checksum_fold(checksum_add(pseudo, &tcp));
            tcp[16..18].copy_from_slice(&c.to_be_bytes());
            f.extend_from_slice(&ip);
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            f.extend_from_slice(&0x86ddu16.to_be_bytes());
            let mut ip = [0u8; 40];
            ip[0] = 0x60;
            ip[4..6].copy_from_slice(&20u16.to_be_bytes());
            ip[6] = 6;
            ip[7] = 64;
            ip[8..24].copy_from_slice(&s.octets());
            ip[24..40].copy_from_slice(&d.octets());
            let mut pseudo = checksum_add(0, &s.octets());
            pseudo = checksum_add(pseudo, &d.octets());
            pseudo += 20 + 6;
            let c = checksum_fold(checksum_add(pseudo, &tcp));
            tcp[16..18].copy_from_slice(&c.to_be_bytes());
            f.extend_from_slice(&ip);
        }
        _ => panic!("source and destination of one family"),
    }
    f.extend_from_slice(&tcp);
    f
}

/// An ARP request from the client for the node's IPv4 address. ARP is not
/// filtered by ip/ip6/inet tables, and its reply is queued behind the
/// replies to every frame sent before it: once it is back, they are too.
pub fn arp_request(client: Ipv4Addr, node: Ipv4Addr) -> Vec<u8> {
    let mut f = Vec::with_capacity(42);
    f.extend_from_slice(&[0xff; 6]);
    f.extend_from_slice(&CLIENT_MAC);
    f.extend_from_slice(&0x0806u16.to_be_bytes());
    f.extend_from_slice(&[0, 1, 0x08, 0, 6, 4, 0, 1]);
    f.extend_from_slice(&CLIENT_MAC);
    f.extend_from_slice(&client.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&node.octets());
    f
}

/// How the node answered a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Answer {
    /// SYN-ACK: the connection would open.
    Accept,
    /// A reset or an ICMP error: refused with an answer.
    Reject,
    /// Nothing.
    Drop,
}

/// A probe a reply is about: (source, source port, destination port).
pub type ProbeKey = (IpAddr, u16, u16);

/// What a received frame says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heard {
    Reply(ProbeKey, Answer),
    ArpReply,
    Other,
}

fn tcp_answer(flags: u8) -> Option<Answer> {
    if flags & 0x12 == 0x12 {
        Some(Answer::Accept)
    } else if flags & 0x04 != 0 {
        Some(Answer::Reject)
    } else {
        None
    }
}

/// Reads a frame from the node.
pub fn parse(frame: &[u8]) -> Heard {
    if frame.len() < 14 {
        return Heard::Other;
    }
    let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    let p = &frame[14..];
    match ethertype {
        0x0806 if p.len() >= 8 && p[7] == 2 => Heard::ArpReply,
        0x0800 if p.len() >= 20 => {
            let ihl = usize::from(p[0] & 0x0f) * 4;
            let proto = p[9];
            let dst = Ipv4Addr::new(p[16], p[17], p[18], p[19]);
            let body = p.get(ihl..).unwrap_or(&[]);
            match proto {
                6 if body.len() >= 14 => {
                    let sport = u16::from_be_bytes([body[0], body[1]]);
                    let dport = u16::from_be_bytes([body[2], body[3]]);
                    match tcp_answer(body[13]) {
                        Some(a) => Heard::Reply((IpAddr::V4(dst), dport, sport), a),
                        None => Heard::Other,
                    }
                }
                // Destination unreachable, with the SYN's header inside.
                1 if body.len() >= 8 + 20 + 4 && body[0] == 3 => {
                    let inner = &body[8..];
                    let ihl = usize::from(inner[0] & 0x0f) * 4;
                    let src = Ipv4Addr::new(inner[12], inner[13], inner[14], inner[15]);
                    let Some(t) = inner.get(ihl..ihl + 4) else { return Heard::Other };
                    let sport = u16::from_be_bytes([t[0], t[1]]);
                    let dport = u16::from_be_bytes([t[2], t[3]]);
                    Heard::Reply((IpAddr::V4(src), sport, dport), Answer::Reject)
                }
                _ => Heard::Other,
            }
        }
        0x86dd if p.len() >= 40 => {
            let next = p[6];
            let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&p[24..40]).unwrap_or([0; 16]));
            let body = &p[40..];
            match next {
                6 if body.len() >= 14 => {
                    let sport = u16::from_be_bytes([body[0], body[1]]);
                    let dport = u16::from_be_bytes([body[2], body[3]]);
                    match tcp_answer(body[13]) {
                        Some(a) => Heard::Reply((IpAddr::V6(dst), dport, sport), a),
                        None => Heard::Other,
                    }
                }
                // ICMPv6 destination unreachable (1) or administratively
                // prohibited codes, with the SYN inside.
                58 if body.len() >= 8 + 40 + 4 && body[0] == 1 => {
                    let inner = &body[8..];
                    let src = Ipv6Addr::from(<[u8; 16]>::try_from(&inner[8..24]).unwrap_or([0; 16]));
                    let t = &inner[40..44];
                    let sport = u16::from_be_bytes([t[0], t[1]]);
                    let dport = u16::from_be_bytes([t[2], t[3]]);
                    Heard::Reply((IpAddr::V6(src), sport, dport), Answer::Reject)
                }
                _ => Heard::Other,
            }
        }
        _ => Heard::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syn_has_valid_checksums() {
        let f = syn("203.0.113.9".parse().unwrap(), "198.18.0.1".parse().unwrap(), 40000, 10257, 7);
        let ip = &f[14..34];
        assert_eq!(checksum_fold(checksum_add(0, ip)), 0, "IPv4 header checksum");
        let mut pseudo = checksum_add(0, &ip[12..20]);
        pseudo += 6 + 20;
        assert_eq!(checksum_fold(checksum_add(pseudo, &f[34..54])), 0, "TCP checksum");
    }
}

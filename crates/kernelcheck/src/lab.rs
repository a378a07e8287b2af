//! Two namespaces joined by a veth: the node (rules loaded into its
//! kernel, listeners on the probed ports) and a client that sends SYNs from
//! any source address and hears what comes back.
//!
//! Addresses are the lab's own: the node is 198.18.0.1 and fd00:5ca1::1,
//! the client 198.18.0.2 and fd00:5ca1::2 (benchmarking and unique-local
//! space). Probes carry other source addresses; the node routes every
//! answer back through the veth to the client's MAC (a permanent neighbour
//! entry), where a packet socket reads it. Nothing leaves the two
//! namespaces.

use crate::netns::{run, Fd, Netns};
use crate::packet::{self, Answer, Heard, ProbeKey, CLIENT_MAC, NODE_MAC};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener};
use std::time::{Duration, Instant};

pub const NODE_V4: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
pub const CLIENT_V4: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
pub const NODE_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x5ca1, 0, 0, 0, 0, 0, 1);
pub const CLIENT_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x5ca1, 0, 0, 0, 0, 0, 2);
/// The node's interface, the one the network faces.
pub const NODE_IFACE: &str = "eth0";

fn mac(m: [u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// A node and a client, ready to probe.
pub struct Lab {
    pub node: Netns,
    pub client: Netns,
    _listeners: Vec<TcpListener>,
    socket: Fd,
    ifindex: libc::c_int,
    /// How long to wait for the sentinel before giving up on a batch.
    pub patience: Duration,
}

impl Lab {
    /// Builds the namespaces, the link, the addresses and routes, and
    /// listeners on `ports`.
    pub fn new(ports: &[u16]) -> Result<Lab, String> {
        let node = Netns::create("node")?;
        let client = Netns::create("client")?;
        run(std::process::Command::new("ip").args([
            "-n",
            &node.name,
            "link",
            "add",
            NODE_IFACE,
            "address",
            &mac(NODE_MAC),
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "address",
            &mac(CLIENT_MAC),
            "netns",
            &client.name,
        ]))?;
        let node_batch = format!(
            "link set lo up\n\
             link set {NODE_IFACE} up\n\
             addr add {NODE_V4}/30 dev {NODE_IFACE}\n\
             addr add {NODE_V6}/126 dev {NODE_IFACE} nodad\n\
             neigh add {CLIENT_V4} lladdr {cm} dev {NODE_IFACE} nud permanent\n\
             neigh add {CLIENT_V6} lladdr {cm} dev {NODE_IFACE} nud permanent\n\
             route add default via {CLIENT_V4} dev {NODE_IFACE}\n\
             route add default via {CLIENT_V6} dev {NODE_IFACE}\n",
            cm = mac(CLIENT_MAC)
        );
        crate::netns::run_with_input(
            std::process::Command::new("ip").args(["-n", &node.name, "-batch", "-"]),
            &node_batch,
        )?;
        let client_batch = format!(
            "link set lo up\n\
             link set eth0 up\n\
             addr add {CLIENT_V4}/30 dev eth0\n\
             addr add {CLIENT_V6}/126 dev eth0 nodad\n\
             neigh add {NODE_V4} lladdr {nm} dev eth0 nud permanent\n\
             neigh add {NODE_V6} lladdr {nm} dev eth0 nud permanent\n",
            nm = mac(NODE_MAC)
        );
        crate::netns::run_with_input(
            std::process::Command::new("ip").args(["-n", &client.name, "-batch", "-"]),
            &client_batch,
        )?;
        // Every refusal must be heard: no ICMP rate limits, no reverse-path
        // filter (the answers go back the way the probes came anyway).
        for (k, v) in [
            ("net.ipv4.icmp_ratelimit", "0"),
            ("net.ipv4.icmp_msgs_per_sec", "1000000"),
            ("net.ipv4.icmp_msgs_burst", "1000000"),
            ("net.ipv6.icmp.ratelimit", "0"),
            ("net.ipv4.conf.all.rp_filter", "0"),
            ("net.ipv4.conf.default.rp_filter", "0"),
            ("net.ipv4.conf.eth0.rp_filter", "0"),
            ("net.ipv4.tcp_syncookies", "1"),
        ] {
            // Older kernels lack some of these; the ones that matter are
            // checked by the answers themselves.
            let _ = node.sysctl(k, v);
        }
        let listeners = node.enter(|| {
            ports
                .iter()
                .map(|p| TcpListener::bind(("::", *p)).map_err(|e| format!("listen on {p}: {e}")))
                .collect::<Result<Vec<_>, String>>()
        })??;
        let (socket, ifindex) = client.enter(open_packet_socket)??;
        Ok(Lab { node, client, _listeners: listeners, socket, ifindex, patience: Duration::from_secs(10) })
    }

    /// Sends one SYN per probe and returns how the node answered each.
    /// Probes go in batches, each closed by an ARP sentinel: when its reply
    /// is back, every answer to the batch is too (one CPU, one queue).
    pub fn probe(&self, probes: &[ProbeKey], batch: usize) -> Result<BTreeMap<ProbeKey, Answer>, String> {
        pin_to_one_cpu();
        let mut out: BTreeMap<ProbeKey, Answer> = probes.iter().map(|k| (*k, Answer::Drop)).collect();
        let mut buf = vec![0u8; 4096];
        // Anything queued before (the link coming up) is not an answer.
        self.drain(&mut buf, &mut out, Duration::from_millis(0));
        for (b, chunk) in probes.chunks(batch.max(1)).enumerate() {
            for (i, &(src, sport, dport)) in chunk.iter().enumerate() {
                let dst = match src {
                    IpAddr::V4(_) => IpAddr::V4(NODE_V4),
                    IpAddr::V6(_) => IpAddr::V6(NODE_V6),
                };
                let seq = (b * batch + i) as u32 ^ 0x5ca1_0000;
                self.send(&packet::syn(src, dst, sport, dport, seq))?;
            }
            self.send(&packet::arp_request(CLIENT_V4, NODE_V4))?;
            let deadline = Instant::now() + self.patience;
            let mut sentinel = false;
            while !sentinel && Instant::now() < deadline {
                sentinel = self.drain(&mut buf, &mut out, deadline.saturating_duration_since(Instant::now()));
            }
            if !sentinel {
                return Err("the ARP sentinel did not come back: the lab is not answering".into());
            }
        }
        // A last short look for stragglers.
        self.drain(&mut buf, &mut out, Duration::from_millis(2));
        Ok(out)
    }

    fn send(&self, frame: &[u8]) -> Result<(), String> {
        // SAFETY: a zeroed sockaddr_ll filled with the interface; the frame
        // buffer outlives the call.
        unsafe {
            let mut addr: libc::sockaddr_ll = std::mem::zeroed();
            addr.sll_family = libc::AF_PACKET as u16;
            addr.sll_ifindex = self.ifindex;
            addr.sll_halen = 6;
            addr.sll_addr[..6].copy_from_slice(&NODE_MAC);
            let rc = libc::sendto(
                self.socket.0,
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&addr as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            );
            if rc < 0 {
                return Err(format!("send: {}", std::io::Error::last_os_error()));
            }
        }
        Ok(())
    }

    /// Reads frames for up to `wait`; returns whether an ARP reply came.
    fn drain(&self, buf: &mut [u8], out: &mut BTreeMap<ProbeKey, Answer>, wait: Duration) -> bool {
        let mut arp = false;
        let mut first = true;
        loop {
            let timeout = if first { wait.as_millis().min(i32::MAX as u128) as i32 } else { 0 };
            first = false;
            let mut pfd = libc::pollfd { fd: self.socket.0, events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            let ready = unsafe { libc::poll(&mut pfd, 1, timeout) };
            if ready <= 0 {
                return arp;
            }
            loop {
                // SAFETY: buf is writable for its length; from is zeroed.
                let (n, pkttype) = unsafe {
                    let mut from: libc::sockaddr_ll = std::mem::zeroed();
                    let mut len = std::mem::size_of::<libc::sockaddr_ll>() as u32;
                    let n = libc::recvfrom(
                        self.socket.0,
                        buf.as_mut_ptr().cast(),
                        buf.len(),
                        libc::MSG_DONTWAIT,
                        (&mut from as *mut libc::sockaddr_ll).cast(),
                        &mut len,
                    );
                    (n, from.sll_pkttype)
                };
                if n <= 0 {
                    break;
                }
                if pkttype == libc::PACKET_OUTGOING {
                    continue;
                }
                match packet::parse(&buf[..n as usize]) {
                    Heard::ArpReply => arp = true,
                    Heard::Reply(key, answer) => {
                        if let Some(slot) = out.get_mut(&key) {
                            // A SYN-ACK beats a later reset of the same
                            // half-open connection.
                            if *slot == Answer::Drop || answer == Answer::Accept {
                                *slot = answer;
                            }
                        }
                    }
                    Heard::Other => {}
                }
            }
            if arp {
                return true;
            }
        }
    }

    /// Loads an nft ruleset (text) into the node.
    pub fn load_nft(&self, text: &str) -> Result<(), String> {
        crate::netns::run_with_input(self.node.exec("nft").args(["-f", "-"]), text).map(|_| ())
    }

    /// Loads an nft ruleset written as JSON. `nft -j -f` (1.0.6) creates
    /// objects in the order given and refuses a map element that jumps to
    /// a chain listed after it, which is how `nft -j list ruleset` orders
    /// them: so tables, then chains, then sets and maps, then rules.
    pub fn load_nft_json(&self, text: &str) -> Result<(), String> {
        let mut doc: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("JSON: {e}"))?;
        let rank = |o: &serde_json::Value| match o.as_object().and_then(|m| m.keys().next()).map(String::as_str) {
            Some("metainfo") => 0,
            Some("table") => 1,
            Some("chain") => 2,
            Some("set") | Some("map") => 3,
            _ => 4,
        };
        if let Some(list) = doc.get_mut("nftables").and_then(|v| v.as_array_mut()) {
            list.sort_by_key(rank);
        }
        crate::netns::run_with_input(self.node.exec("nft").args(["-j", "-f", "-"]), &doc.to_string()).map(|_| ())
    }

    /// Loads an iptables-save dump with `tool` (`iptables-restore`,
    /// `iptables-legacy-restore`, the ip6 ones).
    pub fn load_iptables(&self, tool: &str, text: &str) -> Result<(), String> {
        crate::netns::run_with_input(&mut self.node.exec(tool), text).map(|_| ())
    }

    pub fn load_ipset(&self, text: &str) -> Result<(), String> {
        crate::netns::run_with_input(self.node.exec("ipset").arg("restore"), text).map(|_| ())
    }

    /// Runs a listing command in the node (`nft list ruleset`, `iptables-save`).
    pub fn list(&self, program: &str, args: &[&str]) -> Result<String, String> {
        run(self.node.exec(program).args(args))
    }
}

fn open_packet_socket() -> Result<(Fd, libc::c_int), String> {
    // SAFETY: plain socket calls; the name is NUL-terminated.
    unsafe {
        let fd = libc::socket(libc::AF_PACKET, libc::SOCK_RAW, (libc::ETH_P_ALL as u16).to_be() as i32);
        if fd < 0 {
            return Err(format!("packet socket: {}", std::io::Error::last_os_error()));
        }
        let fd = Fd(fd);
        let ifindex = libc::if_nametoindex(c"eth0".as_ptr()) as libc::c_int;
        if ifindex == 0 {
            return Err("the client has no eth0".into());
        }
        let size: libc::c_int = 16 << 20;
        libc::setsockopt(
            fd.0,
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as u32,
        );
        let mut addr: libc::sockaddr_ll = std::mem::zeroed();
        addr.sll_family = libc::AF_PACKET as u16;
        addr.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        addr.sll_ifindex = ifindex;
        if libc::bind(fd.0, (&addr as *const libc::sockaddr_ll).cast(), std::mem::size_of::<libc::sockaddr_ll>() as u32)
            != 0
        {
            return Err(format!("bind packet socket: {}", std::io::Error::last_os_error()));
        }
        Ok((fd, ifindex))
    }
}

/// Keeps the sending thread on one CPU, so its frames and the answers share
/// one backlog queue and stay in order behind the sentinel.
fn pin_to_one_cpu() {
    // SAFETY: a zeroed cpu_set_t with one CPU set, for this thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        let cpu = libc::sched_getcpu().max(0) as usize;
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

impl Lab {
    /// Runs firewalld in the node with `conf` as its `/etc/firewalld` (a
    /// private D-Bus and mount namespace; `CleanupOnExit=no` keeps the
    /// rules after it stops) and returns `nft list ruleset` as firewalld
    /// left it, and `firewall-cmd --list-all-zones` while it ran. `then`
    /// runs while firewalld does (`firewall-cmd` commands; empty for
    /// none). The daemons are ended by their process ids.
    pub fn run_firewalld(&self, conf: &std::path::Path, then: &str) -> Result<(String, String), String> {
        let script = format!(
            "set -e\n\
             mkdir -p /run/dbus\n\
             mount -t tmpfs none /run/dbus\n\
             mount --bind '{conf}' /etc/firewalld\n\
             dbus-daemon --system --nofork --nopidfile & dbus=$!\n\
             for i in $(seq 1 50); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.1; done\n\
             firewalld --nofork --nopid & fw=$!\n\
             ok=0\n\
             for i in $(seq 1 200); do\n\
               if firewall-cmd --state >/dev/null 2>&1; then ok=1; break; fi\n\
               sleep 0.1\n\
             done\n\
             failed=0\n\
             if [ $ok = 1 ]; then ( set -e\n{then}\n ) >&2 || failed=1; fi\n\
             zones=$(firewall-cmd --list-all-zones 2>&1 || true)\n\
             kill $fw; wait $fw || true\n\
             kill $dbus; wait $dbus || true\n\
             [ $ok = 1 ] || {{ echo 'firewalld did not start' >&2; exit 1; }}\n\
             [ $failed = 0 ] || {{ echo 'the commands failed' >&2; exit 1; }}\n\
             nft list ruleset\n\
             echo '{SPLIT}'\n\
             printf '%s\\n' \"$zones\"\n",
            conf = conf.display(),
            then = if then.trim().is_empty() { ":".to_string() } else { then.to_string() }
        );
        let out = run(self.node.exec("unshare").args(["-m", "sh", "-c", &script]))?;
        let (ruleset, zones) = out.split_once(&format!("{SPLIT}\n")).ok_or("firewalld's output is incomplete")?;
        Ok((ruleset.to_string(), zones.to_string()))
    }
}

impl Lab {
    /// Enables the real ufw in the node with `ufw_dir` as `/etc/ufw` and
    /// `default` as `/etc/default/ufw` (a private mount namespace), which
    /// loads its rules into the node's kernel the way `ufw-init` does;
    /// then runs `then` (`ufw` commands; empty for none) in the same view.
    pub fn run_ufw(&self, ufw_dir: &std::path::Path, default: &std::path::Path, then: &str) -> Result<(), String> {
        let script = format!(
            "set -e\nmount --bind '{}' /etc/ufw\nmount --bind '{}' /etc/default/ufw\nufw --force enable >/dev/null\n{then}\n",
            ufw_dir.display(),
            default.display()
        );
        run(self.node.exec("unshare").args(["-m", "sh", "-c", &script])).map(|_| ())
    }
}

/// Separates the two listings in [`Lab::run_firewalld`]'s output.
const SPLIT: &str = "=====portcullis: list-all-zones=====";

//! Every host-firewall fixture: its files read as one node, each expected
//! connection answered as `expect` says, and exactly the expected errors
//! reported at their line and column. (`crates/kernelcheck` holds the same
//! fixtures against the kernel.)

use portcullis_engine::program::combined_fate;
use portcullis_hostfw::expect::{self, Outcome};
use portcullis_model::{AddrSet, Protocol};
use std::net::IpAddr;
use std::path::Path;

fn contains(set: &AddrSet, a: IpAddr) -> bool {
    match a {
        IpAddr::V4(x) => set.contains_v4(x),
        IpAddr::V6(x) => set.contains_v6(x),
    }
}

fn check(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let exp = expect::parse(&std::fs::read_to_string(dir.join("expect")).map_err(|e| format!("{name}: {e}"))?)?;
    let mut files: Vec<_> = walk(dir);
    files.sort();
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let path = f.to_string_lossy().into_owned();
        let o = portcullis_hostfw::read(&path, &text).ok_or_else(|| format!("{path}: not recognised"))?;
        errors.extend(o.errors);
        items.push(o.items);
    }
    let opts = portcullis_hostfw::Options { interface: exp.interface.clone() };
    let (nodes, assembly_errors) = portcullis_hostfw::assemble::nodes(items, &opts);
    errors.extend(assembly_errors);
    let mut got: Vec<(u32, u32, String)> = errors.iter().map(|e| (e.line, e.column, e.message.clone())).collect();
    got.sort();
    let mut want = exp.errors.clone();
    want.sort();
    if got.len() != want.len()
        || !got.iter().zip(&want).all(|(g, w)| g.0 == w.0 && g.1 == w.1 && g.2.contains(w.2.as_str()))
    {
        return Err(format!("{name}: errors\n  got  {got:?}\n  want {want:?}"));
    }
    let [node] = nodes.as_slice() else { return Err(format!("{name}: {} nodes", nodes.len())) };
    for want in &exp.notes {
        if !node.notes.iter().any(|n| n.contains(want.as_str())) {
            return Err(format!("{name}: no note contains {want:?}: {:?}", node.notes));
        }
    }
    for (want, port, addr) in &exp.probes {
        let f = combined_fate(&node.program, Protocol::TCP, *port);
        let got = if contains(&f.accept.must, *addr) {
            Outcome::Accept
        } else if contains(&f.accept.may, *addr) {
            Outcome::Unknown
        } else if contains(&f.reject.must, *addr) {
            Outcome::Reject
        } else if contains(&f.drop.must, *addr) {
            Outcome::Drop
        } else {
            return Err(format!("{name}: {port} from {addr}: stopped, but neither surely dropped nor rejected"));
        };
        if got != *want {
            return Err(format!("{name}: tcp/{port} from {addr}: got {got:?}, expected {want:?}"));
        }
    }
    Ok(())
}

/// The node's files under `dir` (its `expect` excluded).
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.file_name().is_some_and(|n| n != "expect" && n != "README.md") {
            out.push(p);
        }
    }
    out
}

#[test]
fn every_fixture_reads_as_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<_> =
        std::fs::read_dir(&root).expect("fixtures").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "fixtures missing");
    let failures: Vec<String> = dirs.iter().filter_map(|d| check(d).err()).collect();
    assert!(failures.is_empty(), "{} of {} fixtures failed:\n{}", failures.len(), dirs.len(), failures.join("\n"));
}

/// A cloud instance and the node of the same name: the instance's path
/// gains the host firewall after its cloud layers, and the intersection
/// is what both admit.
#[test]
fn a_cloud_target_gains_its_nodes_firewall() {
    use portcullis_model::{
        Action, Entry, Estate, Known, Layer, LayerKind, Origin, PortSet, ProtoMatch, Sources, Span, Step, Target,
    };
    let span = Span::new(std::sync::Arc::from("sg.json"), 7, 5);
    let mut estate = Estate::default();
    // A security group open to the world on 10257.
    let sg = estate.add_layer(Layer {
        id: "sg-1".into(),
        kind_name: "security group".into(),
        kind: LayerKind::AllowUnion,
        span: span.clone(),
        entries: vec![Entry {
            resource: "sg-1".into(),
            label: "allow tcp 10257 from 0.0.0.0/0".into(),
            span: span.clone(),
            origin: Origin::Explicit,
            action: Action::Allow,
            protocol: Known::Known(ProtoMatch::One(Protocol::TCP)),
            ports: Known::Known(PortSet::point(10257)),
            sources: Sources { addrs: AddrSet::all_v4(), ..Default::default() },
            order: 0,
        }],
    });
    estate.targets.push(Target {
        id: "i-0abc".into(),
        kind_name: "instance".into(),
        span,
        path: vec![Step { layers: vec![sg] }],
        notes: vec![],
    });
    let rules = "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 10257 -j ACCEPT\nCOMMIT\n";
    let o = portcullis_hostfw::read("nodes/i-0abc/iptables.rules", rules).expect("iptables");
    let (nodes, errors) = portcullis_hostfw::assemble(
        vec![o.items],
        &portcullis_hostfw::Options { interface: Some("eth0".into()) },
        &mut estate,
    );
    assert!(errors.is_empty());
    assert_eq!(portcullis_hostfw::assemble::attach_to_cloud_targets(&mut estate, &nodes), 1);
    let t = estate.targets.iter().position(|t| t.id == "i-0abc").unwrap();
    assert_eq!(estate.targets[t].path.len(), 2);
    let exp = portcullis_engine::evaluate(&estate, t, Protocol::TCP, 10257).unwrap();
    let cidrs = exp.lower.addrs.intersect(&AddrSet::all_v4()).to_cidr_strings();
    assert_eq!(cidrs, ["10.0.0.0/8"]);
    // The host rule is the innermost line that admits.
    let because: Vec<u32> = exp
        .because(&exp.lower.addrs, false)
        .iter()
        .map(|r| portcullis_engine::entry(&estate, *r).unwrap().span.line)
        .collect();
    assert_eq!(because, [7, 3], "the group's line, then the node's accept");
}

/// A finding points at the line that accepts, and lists the jump that led
/// there after it.
#[test]
fn the_accepting_line_comes_before_the_jumps() {
    let rules = "*filter\n:INPUT DROP [0:0]\n:KCM - [0:0]\n-A INPUT -p tcp --dport 10257 -j KCM\n-A KCM -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n";
    let o = portcullis_hostfw::read("n/iptables.rules", rules).expect("iptables");
    let mut estate = portcullis_model::Estate::default();
    let opts = portcullis_hostfw::Options { interface: Some("eth0".into()) };
    let (_, errors) = portcullis_hostfw::assemble(vec![o.items], &opts, &mut estate);
    assert!(errors.is_empty());
    let exp = portcullis_engine::evaluate(&estate, 0, Protocol::TCP, 10257).unwrap();
    let lines: Vec<u32> = exp
        .because(&exp.lower.addrs, false)
        .iter()
        .map(|r| portcullis_engine::entry(&estate, *r).unwrap().span.line)
        .collect();
    assert_eq!(lines, [5, 4]);
}

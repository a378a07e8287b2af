//! The kernel as a second, independent reference (issue 17): generated rule
//! sets and every host-firewall fixture loaded into a fresh network
//! namespace, probed with SYNs through a veth, and the kernel's answers
//! compared with portcullis' for every probe. Needs root and `ip netns`,
//! nftables, iptables and ipset: skipped with a notice without them,
//! required when `PORTCULLIS_REQUIRE_KERNEL` is set (`.ci/run` sets it).

use portcullis_kernelcheck::netns;
use std::sync::{Mutex, MutexGuard};

/// One at a time: each test asserts that it left no namespace behind, so
/// another test's live ones must not be there to count.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn ready() -> bool {
    netns::sweep_stale();
    match netns::available() {
        Ok(()) => true,
        Err(e) => {
            if std::env::var_os("PORTCULLIS_REQUIRE_KERNEL").is_some() {
                panic!("PORTCULLIS_REQUIRE_KERNEL is set but the kernel check cannot run: {e}");
            }
            eprintln!("SKIPPED: the kernel check needs root, ip netns, nft, iptables and ipset: {e}");
            false
        }
    }
}

#[test]
fn generated_iptables_rule_sets_agree_with_the_kernel() {
    let _one = serial();
    if !ready() {
        return;
    }
    let t = portcullis_kernelcheck::iptables_nodes(0..100, true);
    eprintln!(
        "iptables: {} rule sets, {} probes, {} bounded, {} relistings, {} unconfirmed",
        t.rulesets, t.probes, t.bounded, t.relistings, t.unconfirmed
    );
    assert!(netns::leftovers().is_empty(), "namespaces left: {:?}", netns::leftovers());
    assert!(t.disagreements.is_empty(), "{} disagreements:\n{}", t.disagreements.len(), t.disagreements.join("\n"));
}

#[test]
fn generated_nft_rulesets_agree_with_the_kernel() {
    let _one = serial();
    if !ready() {
        return;
    }
    let t = portcullis_kernelcheck::nft_nodes(0..100, true);
    eprintln!(
        "nft: {} rule sets, {} probes, {} bounded, {} relistings, {} unconfirmed",
        t.rulesets, t.probes, t.bounded, t.relistings, t.unconfirmed
    );
    assert!(netns::leftovers().is_empty(), "namespaces left: {:?}", netns::leftovers());
    assert!(t.disagreements.is_empty(), "{} disagreements:\n{}", t.disagreements.len(), t.disagreements.join("\n"));
}

#[test]
fn cloud_set_algebra_agrees_with_the_kernel() {
    let _one = serial();
    if !ready() {
        return;
    }
    let t = portcullis_kernelcheck::cloud_cases(0..90);
    eprintln!(
        "cloud: {} targets, {} probes, {} bounded, {} unconfirmed",
        t.rulesets, t.probes, t.bounded, t.unconfirmed
    );
    assert!(netns::leftovers().is_empty(), "namespaces left: {:?}", netns::leftovers());
    assert!(t.disagreements.is_empty(), "{} disagreements:\n{}", t.disagreements.len(), t.disagreements.join("\n"));
}

#[test]
fn every_host_firewall_fixture_agrees_with_the_kernel() {
    let _one = serial();
    if !ready() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../hostfw/fixtures");
    let (t, skipped) = portcullis_kernelcheck::fixtures(&dir);
    for s in &skipped {
        eprintln!("not loaded: {s}");
    }
    if std::env::var_os("PORTCULLIS_REQUIRE_KERNEL").is_some() {
        let missing: Vec<&String> = skipped.iter().filter(|s| s.contains("not installed")).collect();
        assert!(missing.is_empty(), "PORTCULLIS_REQUIRE_KERNEL is set but: {missing:?}");
    }
    eprintln!(
        "fixtures: {} loaded, {} probes, {} bounded, {} relistings, {} firewalld cross-checks",
        t.rulesets, t.probes, t.bounded, t.relistings, t.cross_checks
    );
    assert!(t.rulesets >= 20, "too few fixtures loaded: {}", t.rulesets);
    // A zone opened on 10257 beside the ruleset firewalld wrote from the
    // fixture's own zones is told apart (fw-zone-xml at least).
    assert!(t.cross_checks >= 1, "no firewalld fixture exercised the cross-check");
    assert!(netns::leftovers().is_empty(), "namespaces left: {:?}", netns::leftovers());
    assert!(t.disagreements.is_empty(), "{} disagreements:\n{}", t.disagreements.len(), t.disagreements.join("\n"));
}

#[test]
fn host_firewall_fixes_close_the_port_in_the_kernel_and_change_nothing_else() {
    let _one = serial();
    if !ready() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../hostfw/fixtures");
    let (mut t, skipped) = portcullis_kernelcheck::fixes::fixtures(&dir);
    for s in &skipped {
        eprintln!("not fixed: {s}");
    }
    if std::env::var_os("PORTCULLIS_REQUIRE_KERNEL").is_some() {
        let missing: Vec<&String> = skipped.iter().filter(|s| s.contains("not installed")).collect();
        assert!(missing.is_empty(), "PORTCULLIS_REQUIRE_KERNEL is set but: {missing:?}");
    }
    let fixtures = t.rulesets;
    t.add(portcullis_kernelcheck::fixes::generated(0..20));
    eprintln!(
        "fixes: {fixtures} fixtures and {} generated rule sets fixed, {} probes",
        t.rulesets - fixtures,
        t.probes
    );
    // iptables, nftables (text and JSON), firewalld and ufw fixtures.
    assert!(fixtures >= 20, "too few fixtures fixed: {fixtures}");
    assert!(netns::leftovers().is_empty(), "namespaces left: {:?}", netns::leftovers());
    assert!(t.disagreements.is_empty(), "{} disagreements:\n{}", t.disagreements.len(), t.disagreements.join("\n"));
}

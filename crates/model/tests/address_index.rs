//! The address index answers exactly what a scan of every interface
//! answers: one interface, several (ambiguous), or none, with each
//! interface's entries grouped under its id.

use portcullis_model::topology::{AddressMatch, Interface, InterfaceId, Provider, Topology};
use portcullis_model::{AddrSet, Known};

fn interface(id: &str, private: &str) -> Interface {
    Interface {
        id: id.into(),
        provider: Provider::Aws,
        span: None,
        subnet: Known::Known(portcullis_model::topology::SubnetId(0)),
        private: AddrSet::parse_list(private.split(',')).expect("addresses"),
        public_v4: Known::Known(None),
        public_v6: Known::Known(None),
        tags: Vec::new(),
    }
}

fn set(text: &str) -> AddrSet {
    AddrSet::parse_list(text.split(',')).expect("addresses")
}

#[test]
fn the_index_answers_as_the_scan_does() {
    let topology = Topology {
        interfaces: vec![
            interface("eni-a", "10.0.1.10/32"),
            interface("eni-b", "10.0.1.10/32"),
            interface("nic-c", "10.0.2.4/32"),
            // A second IP configuration of the same NIC: one interface.
            interface("nic-c", "10.0.2.5/32"),
            // A delegated prefix: wider than one address.
            interface("eni-d", "10.0.3.16/28"),
            interface("eni-e", "fd00::5/128"),
        ],
        ..Default::default()
    };
    let index = topology.address_index();
    let cases = [
        ("10.0.1.10/32", "ambiguous"),
        ("10.0.2.4/32,10.0.2.5/32", "one"),
        ("10.0.3.20/32", "one"),
        ("fd00::5/128", "one"),
        ("10.9.9.9/32", "none"),
        // Wider than the index looks up address by address: the scan.
        ("10.0.0.0/16", "ambiguous"),
    ];
    for (text, kind) in cases {
        let addresses = set(text);
        let scanned = topology.interfaces_with_address(&addresses);
        let indexed = topology.interfaces_with_address_in(&index, &addresses);
        assert_eq!(scanned, indexed, "{text}");
        let got = match indexed {
            AddressMatch::One(_) => "one",
            AddressMatch::Ambiguous(_) => "ambiguous",
            AddressMatch::None => "none",
        };
        assert_eq!(got, kind, "{text}");
    }
    assert_eq!(
        topology.interfaces_with_address_in(&index, &set("10.0.2.5/32")),
        AddressMatch::One(vec![InterfaceId(3)])
    );
    assert_eq!(
        topology.interfaces_with_address(&set("10.0.2.0/24")),
        AddressMatch::One(vec![InterfaceId(2), InterfaceId(3)])
    );
    assert_eq!(topology.interfaces_with_address_in(&index, &AddrSet::empty()), AddressMatch::None);
}

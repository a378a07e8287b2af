use portcullis_kernelcheck::{lab::Lab, netns};
#[test]
fn smoke() {
    if let Err(e) = netns::available() {
        eprintln!("skip: {e}");
        return;
    }
    let lab = Lab::new(&[10257, 10258]).unwrap();
    lab.load_iptables("iptables-restore", "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 10257 -j ACCEPT\n-A INPUT -s 10.0.0.0/8 -j REJECT\nCOMMIT\n").unwrap();
    let probes = vec![
        ("10.1.1.1".parse().unwrap(), 40000, 10257),
        ("10.1.1.1".parse().unwrap(), 40000, 10258),
        ("8.8.8.8".parse().unwrap(), 40000, 10257),
        ("2001:db8::1".parse().unwrap(), 40001, 10257),
    ];
    let r = lab.probe(&probes, 64).unwrap();
    eprintln!("{r:?}");
}

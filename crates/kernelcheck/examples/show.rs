//! Prints the generated files of a seed: `cargo run -p portcullis-kernelcheck --example show -- SEED`.
fn main() {
    let seed: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    if std::env::args().nth(2).as_deref() == Some("cloud") {
        let case = match seed % 3 {
            0 => portcullis_kernelcheck::gen_cloud::aws(seed),
            1 => portcullis_kernelcheck::gen_cloud::azure(seed),
            _ => portcullis_kernelcheck::gen_cloud::gcp(seed),
        };
        for (p, t) in &case.files {
            println!("# {p}\n{t}");
        }
        for (t, path) in &case.targets {
            println!("# target {t}\n{}", portcullis_kernelcheck::gen_cloud::to_nft(path));
        }
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("nft") {
        println!("{}", portcullis_kernelcheck::gen_nft::generate(seed));
        return;
    }
    let g = portcullis_kernelcheck::gen_iptables::generate(seed);
    println!("# rules.v4\n{}\n# rules.v6\n{}\n# ipset\n{}", g.iptables_v4, g.iptables_v6, g.ipsets);
}

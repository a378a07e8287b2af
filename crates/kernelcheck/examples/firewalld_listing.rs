//! Prints the nftables ruleset the real firewalld writes for a fixture's
//! `etc/firewalld` (run as root, in a namespace of its own):
//! `cargo run -p portcullis-kernelcheck --example firewalld_listing -- DIR`.
//! The `fw-running-ruleset` fixture's `ruleset.nft` was written with it.
fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: firewalld_listing FIXTURE_DIR");
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    let result = portcullis_kernelcheck::lab::Lab::new(&portcullis_kernelcheck::check::PORTS)
        .and_then(|lab| portcullis_kernelcheck::check::run_firewalld_on(&lab, "listing", &dir));
    match result {
        Ok((listing, _)) => print!("{listing}"),
        Err(e) => {
            eprintln!("firewalld_listing: {e}");
            std::process::exit(1);
        }
    }
}

//! Nothing panics on damaged input: every sample and fixture, cut short and
//! with bytes changed at seeded random places, is read to the end (the fuzz
//! target `flows` explores further).

mod common;

use portcullis_flows::read::read_bytes_into;
use portcullis_flows::record::Collect;
use std::path::PathBuf;

fn files() -> Vec<PathBuf> {
    let mut roots = vec![common::own_fixtures()];
    if let Some(s) = common::shared_flowlogs() {
        roots.push(s);
    }
    let mut out = Vec::new();
    while let Some(d) = roots.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                roots.push(p);
            } else if p.metadata().unwrap().len() < 64 << 10 {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn damaged_inputs_never_panic() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const NASTY: &[u8] = b" \n,{}[]\":-0123456789.ABCDEFOKNODATA\x00\xff\x1f\x8b";
    let mut runs = 0;
    for f in files() {
        let orig = std::fs::read(&f).unwrap();
        for _ in 0..40 {
            let mut data = orig.clone();
            if data.is_empty() {
                break;
            }
            for _ in 0..(next() % 6 + 1) {
                let i = (next() as usize) % data.len();
                data[i] = NASTY[(next() as usize) % NASTY.len()];
            }
            let cut = (next() as usize) % (data.len() + 1);
            data.truncate(cut.max(data.len() / 2));
            let mut c = Collect::default();
            let _ = read_bytes_into(&data, &f.to_string_lossy(), None, &mut c);
            runs += 1;
        }
    }
    assert!(runs > 100, "{runs} damaged inputs read");
}

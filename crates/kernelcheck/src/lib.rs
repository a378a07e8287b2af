//! The proof against the kernel: rule sets are loaded into a fresh network
//! namespace's netfilter, SYNs are sent to the probed ports from sampled
//! source addresses, and what the kernel answers (SYN-ACK, a refusal, or
//! nothing) is compared with portcullis' verdict for the same source.

pub mod lab;
pub mod netns;
pub mod packet;

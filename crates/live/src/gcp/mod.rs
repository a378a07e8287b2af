//! GCP (written next).

//! Azure (written next).

//! Terraform: plans (`terraform show -json`) and configurations (`.tf`,
//! `.tf.json`, evaluated by [`hcl`]) both become [`Resource`]s whose
//! attributes are positioned [`portcullis_syntax::Value`]s, so one adapter
//! per provider (`providers::<provider>::terraform`) reads both.

pub mod hcl;
pub mod plan;
pub mod refs;
pub mod resource;

pub use resource::Resource;

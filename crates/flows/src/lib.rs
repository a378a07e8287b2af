//! portcullis flows: flow logs as evidence of who tried to reach the
//! control-plane ports, and who got through.
//!
//! Configuration says who *could* connect; flow logs say who *did*. This
//! crate reads AWS VPC flow logs (text and CloudWatch JSON), Azure NSG and
//! VNet flow logs and GCP VPC flow and firewall logs ([`read`]), counts the
//! records on the watched ports per destination and verdict against the
//! authorized sources ([`agg`]), and turns the counts into observations
//! ([`report`]) or the same query in SQL for engines that hold terabytes
//! of logs ([`sql`]). The flow-log rules of `portcullis-rules` (PC4xx)
//! judge the observations; `portcullis-report` prints them.

pub mod agg;
pub mod aws;
pub mod cloud_json;
pub mod error;
pub mod gzip;
pub mod read;
pub mod record;
pub mod report;
pub mod sql;
pub mod time;

pub use agg::{Agg, Watch};
pub use error::{Error, ErrorKind};
pub use read::{read_all, FileOutcome, Input, ReadOptions};
pub use record::{Action, Flow, Sink};
pub use report::{build, Observation, Stats};

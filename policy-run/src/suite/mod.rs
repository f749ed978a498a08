//! `policy-run test`: expectation suites. A suite (YAML) names a policy and lists cases: a SampleDB,
//! the request it goes in, and what the policy must answer. The format is documented in the README
//! ("Test your settings before you roll them out") and written down as a JSON Schema
//! (`policy-run/suite.schema.json`).
//!
//! - [`file`]: the suite as written, read and checked into [`Suite`]s of runnable [`Case`]s;
//! - [`request`]: the AdmissionRequest a case becomes, as `kwctl scaffold admission-request`
//!   builds it (UPDATE and DELETE too);
//! - [`expect`]: an answer against the expectations, field by field;
//! - [`answerers`]: who answers: this tool's engine, the real kwctl, or a running policy-server;
//! - [`report`]: text, JSON and JUnit XML;
//! - [`cli`]: the command.

pub mod answerers;
pub mod cli;
pub mod expect;
pub mod file;
pub mod report;
pub mod request;

pub use expect::{Difference, Expect};
pub use file::{Case, ClusterSource, Suite, load};

/// The JSON Schema of a suite file.
pub const SCHEMA: &str = include_str!("../../suite.schema.json");

/// An error in a suite file or a file it names: the user's to fix (exit code 2).
pub use crate::cli::InputError;

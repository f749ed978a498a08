//! The SampleDB validation rules three ways — the policy (native and wasm), a CEL
//! ValidatingAdmissionPolicy, and Gatekeeper-style Rego — over the same e2e fixtures, reduced to
//! the set of violated rule ids so their answers can be compared before they are timed.

pub mod cases;
pub mod cel_engine;
pub mod engines;
pub mod rego_engine;
pub mod rule_ids;

pub use cases::{BenchCase, load_cases};
pub use cel_engine::CelPolicy;
pub use engines::{Engine, Engines, disagreements};
pub use rego_engine::RegoPolicy;

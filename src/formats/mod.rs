//! The Kubernetes value formats the rules and settings parse: quantities, cron schedules, engine
//! versions, object names, backup retention. Pure parsers with their own tests; they import
//! nothing from the crate.

pub mod cron;
pub mod names;
pub mod quantity;
pub mod retention;
pub mod version;

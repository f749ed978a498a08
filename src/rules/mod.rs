//! The rules of the contract (docs/contract.md sections 3 to 5.1), one file per section: each
//! reads the object (and the stored one, the settings, the cluster view) and appends what it
//! finds to one list of findings. May import cluster, settings, model and formats, never entry.

pub mod break_glass;
pub mod cluster_checks;
pub mod custom;
pub mod defaults;
pub mod delete;
pub mod object_rules;
pub mod update;

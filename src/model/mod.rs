//! The model of a request: the payload read into a borrowed JSON tree, field lookups on it, the
//! findings a check records, and JSONPath queries on the tree. May import formats only.

pub mod fields;
pub mod findings;
pub mod jsonpath;
pub mod node;
pub mod payload;

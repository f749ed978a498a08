//! The model of a request: the payload read into a borrowed JSON tree, field lookups on it, the
//! findings a check records, and JSONPath queries on the tree. May import formats only.

pub mod fields;
pub mod findings;
pub mod jsonpath;
pub mod node;
mod node_json;
pub mod payload;
pub mod rule_ids;

/// Text that is a literal in most places and built in a few: a message detail, a default value.
pub type Text = std::borrow::Cow<'static, str>;

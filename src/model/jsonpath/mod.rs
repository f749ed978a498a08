//! JSONPath (RFC 9535) on the request's tree, for `customRules`.
//!
//! Written here rather than taken from `serde_json_path`, which reads only a `serde_json::Value`:
//! with it, each request with custom rules copied its whole object into a `Value` first, and the
//! crate with its parser (nom) was 26 KB of the module. `serde_json_path` stays the oracle: the
//! tests compare both on the same paths and documents. `match()` and `search()` are left out (a
//! regular-expression engine would double the module); a path using them does not compile.

mod eval;
mod parser;
mod syntax;

pub use eval::{Budget, Step};

use crate::model::node::Node;

#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    query: syntax::Query,
}

impl JsonPath {
    /// Compiles `text`; the error says what was expected and at which character.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        parser::parse(text).map(|query| JsonPath { query })
    }

    /// Calls `found` with each node the path selects in `root` and where it is, in RFC order,
    /// while `budget` lasts; false when it ran out first (then only some matches were found).
    pub fn for_each_match<'n, 'a>(
        &self,
        root: &'n Node<'a>,
        budget: &Budget,
        found: &mut dyn FnMut(&[Step<'n>], &'n Node<'a>),
    ) -> bool {
        eval::select_all(&self.query.segments, root, budget, found)
    }
}

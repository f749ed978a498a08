//! A compiled JSONPath query (RFC 9535), as the parser builds it and the evaluator walks it.

use crate::model::node::Node;

/// `$` or `@` followed by segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub absolute: bool,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// `[...]`, `.name`, `.*`: the selectors applied to the node's children.
    Child(Vec<Selector>),
    /// `..[...]`, `..name`, `..*`: the selectors applied to the node and every descendant.
    Descendant(Vec<Selector>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    Name(String),
    Wildcard,
    Index(i64),
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        step: Option<i64>,
    },
    Filter(Box<Logical>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Logical {
    Or(Vec<Logical>),
    And(Vec<Logical>),
    Not(Box<Logical>),
    /// A query as a test: true when it selects at least one node.
    Exists(Query),
    Compare(Comparable, Comparison, Comparable),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Comparison {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// What a comparison or `length()` reads: one value, or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparable {
    Literal(Node<'static>),
    /// A query that selects at most one node (names and indexes only).
    Singular(Query),
    Function(Box<Function>),
}

/// The functions RFC 9535 defines, less the two that need a regular-expression engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Function {
    Length(Comparable),
    Count(Query),
    Value(Query),
}

impl Query {
    /// Names and indexes only: at most one node, so usable as a value.
    pub fn is_singular(&self) -> bool {
        self.segments.iter().all(|segment| {
            matches!(segment, Segment::Child(selectors)
                if matches!(selectors.as_slice(), [Selector::Name(_) | Selector::Index(_)]))
        })
    }
}

//! Evaluation on the request's tree: depth-first, so each match is handed on with its location as
//! soon as it is found, in RFC 9535's order (a segment's results for its first input node first).

use super::syntax::{Comparable, Comparison, Function, Logical, Query, Segment, Selector};
use crate::model::node::Node;

/// One step of a match's location: a member name or an array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'n> {
    Name(&'n str),
    Index(usize),
}

/// What the evaluation is walking: the root (`$`) and the filter's current node (`@`).
struct Scope<'n, 'a> {
    root: &'n Node<'a>,
}

/// Calls `found` with each node the segments select from `node`, and its location.
pub fn select<'n, 'a>(
    segments: &[Segment],
    node: &'n Node<'a>,
    root: &'n Node<'a>,
    location: &mut Vec<Step<'n>>,
    found: &mut dyn FnMut(&[Step<'n>], &'n Node<'a>),
) {
    let Some((segment, rest)) = segments.split_first() else {
        found(location, node);
        return;
    };
    let scope = Scope { root };
    match segment {
        Segment::Child(selectors) => {
            scope.apply(selectors, node, location, &mut |location, child| {
                select(rest, child, root, location, found)
            });
        }
        Segment::Descendant(selectors) => {
            scope.descend(selectors, node, location, &mut |location, child| {
                select(rest, child, root, location, found)
            });
        }
    }
}

type Found<'f, 'n, 'a> = dyn FnMut(&mut Vec<Step<'n>>, &'n Node<'a>) + 'f;

impl<'n, 'a> Scope<'n, 'a> {
    /// The selectors on `node` itself, then on each child in document order, recursively.
    fn descend(
        &self,
        selectors: &[Selector],
        node: &'n Node<'a>,
        location: &mut Vec<Step<'n>>,
        found: &mut Found<'_, 'n, 'a>,
    ) {
        self.apply(selectors, node, location, found);
        for_each_child(node, location, &mut |location, child| {
            self.descend(selectors, child, location, found)
        });
    }

    fn apply(
        &self,
        selectors: &[Selector],
        node: &'n Node<'a>,
        location: &mut Vec<Step<'n>>,
        found: &mut Found<'_, 'n, 'a>,
    ) {
        for selector in selectors {
            match selector {
                Selector::Name(name) => {
                    if let Some((key, child)) = node
                        .as_object()
                        .and_then(|map| map.iter().find(|(key, _)| key == name))
                    {
                        visit(location, Step::Name(key), child, found);
                    }
                }
                Selector::Wildcard => for_each_child(node, location, found),
                Selector::Index(index) => {
                    if let Node::Array(items) = node
                        && let Some(at) = array_index(*index, items.len())
                    {
                        visit(location, Step::Index(at), &items[at], found);
                    }
                }
                Selector::Slice { start, end, step } => {
                    if let Node::Array(items) = node {
                        for at in slice_indexes(*start, *end, *step, items.len()) {
                            visit(location, Step::Index(at), &items[at], found);
                        }
                    }
                }
                Selector::Filter(test) => {
                    for_each_child(node, location, &mut |location, child| {
                        if self.test(test, child) {
                            found(location, child);
                        }
                    });
                }
            }
        }
    }

    fn test(&self, logical: &Logical, current: &'n Node<'a>) -> bool {
        match logical {
            Logical::Or(terms) => terms.iter().any(|term| self.test(term, current)),
            Logical::And(terms) => terms.iter().all(|term| self.test(term, current)),
            Logical::Not(term) => !self.test(term, current),
            Logical::Exists(query) => self.count(query, current) > 0,
            Logical::Compare(left, comparison, right) => {
                let (left, right) = (self.value(left, current), self.value(right, current));
                match comparison {
                    Comparison::Equal => equal(&left, &right),
                    Comparison::NotEqual => !equal(&left, &right),
                    Comparison::Less => less(&left, &right),
                    Comparison::LessOrEqual => less(&left, &right) || equal(&left, &right),
                    Comparison::Greater => less(&right, &left),
                    Comparison::GreaterOrEqual => less(&right, &left) || equal(&left, &right),
                }
            }
        }
    }

    fn count(&self, query: &Query, current: &'n Node<'a>) -> usize {
        let mut count = 0;
        self.each(query, current, &mut |_| count += 1);
        count
    }

    fn each(&self, query: &Query, current: &'n Node<'a>, found: &mut dyn FnMut(&'n Node<'a>)) {
        let start = if query.absolute { self.root } else { current };
        select(
            &query.segments,
            start,
            self.root,
            &mut Vec::new(),
            &mut |_, node| found(node),
        );
    }

    fn value<'v>(&self, comparable: &'v Comparable, current: &'n Node<'a>) -> Value<'v, 'n, 'a> {
        match comparable {
            Comparable::Literal(literal) => Value::Literal(literal),
            Comparable::Singular(query) => self.only(query, current),
            Comparable::Function(function) => match function.as_ref() {
                Function::Length(argument) => match self.value(argument, current).node() {
                    Some(Node::String(text)) => Value::Count(text.chars().count()),
                    Some(Node::Array(items)) => Value::Count(items.len()),
                    Some(Node::Object(map)) => Value::Count(map.len()),
                    _ => Value::Nothing,
                },
                Function::Count(query) => Value::Count(self.count(query, current)),
                Function::Value(query) => self.only(query, current),
            },
        }
    }

    /// The one node a query selects; nothing when it selects none or several.
    fn only<'v>(&self, query: &Query, current: &'n Node<'a>) -> Value<'v, 'n, 'a> {
        let (mut only, mut count) = (None, 0);
        self.each(query, current, &mut |node| {
            only = Some(node);
            count += 1;
        });
        match only {
            Some(node) if count == 1 => Value::Node(node),
            _ => Value::Nothing,
        }
    }
}

/// A comparison's operand once evaluated.
enum Value<'v, 'n, 'a> {
    Nothing,
    Literal(&'v Node<'static>),
    Node(&'n Node<'a>),
    Count(usize),
}

impl Value<'_, '_, '_> {
    fn node(&self) -> Option<&Node<'_>> {
        match self {
            Value::Literal(node) => Some(node),
            Value::Node(node) => Some(node),
            _ => None,
        }
    }

    /// Numbers compare by value whatever their form (`1 == 1.0`), as RFC 9535 asks.
    fn number(&self) -> Option<f64> {
        match self {
            Value::Count(count) => Some(*count as f64),
            _ => match self.node() {
                Some(Node::Number(number)) => number.as_f64(),
                _ => None,
            },
        }
    }
}

fn equal(left: &Value, right: &Value) -> bool {
    if let (Some(left), Some(right)) = (left.number(), right.number()) {
        return left == right;
    }
    match (left.node(), right.node()) {
        (Some(left), Some(right)) => left == right,
        (None, None) => matches!((left, right), (Value::Nothing, Value::Nothing)),
        _ => false,
    }
}

fn less(left: &Value, right: &Value) -> bool {
    if let (Some(left), Some(right)) = (left.number(), right.number()) {
        return left < right;
    }
    match (left.node(), right.node()) {
        (Some(Node::String(left)), Some(Node::String(right))) => left < right,
        _ => false,
    }
}

fn visit<'n, 'a>(
    location: &mut Vec<Step<'n>>,
    step: Step<'n>,
    child: &'n Node<'a>,
    found: &mut Found<'_, 'n, 'a>,
) {
    location.push(step);
    found(location, child);
    location.pop();
}

fn for_each_child<'n, 'a>(
    node: &'n Node<'a>,
    location: &mut Vec<Step<'n>>,
    found: &mut Found<'_, 'n, 'a>,
) {
    match node {
        Node::Array(items) => {
            for (at, item) in items.iter().enumerate() {
                visit(location, Step::Index(at), item, found);
            }
        }
        Node::Object(map) => {
            for (key, value) in map.iter() {
                visit(location, Step::Name(key), value, found);
            }
        }
        _ => {}
    }
}

/// An index counted from the end when negative; `None` past either end.
fn array_index(index: i64, length: usize) -> Option<usize> {
    let length = length as i64;
    let at = if index < 0 { length + index } else { index };
    (0..length).contains(&at).then_some(at as usize)
}

/// RFC 9535 section 2.3.4.2.2: the indexes a slice selects, in the order it selects them.
fn slice_indexes(
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
    length: usize,
) -> Box<dyn Iterator<Item = usize>> {
    let length = length as i64;
    let step = step.unwrap_or(1);
    let normalize = |index: i64| if index >= 0 { index } else { length + index };
    if step > 0 {
        let lower = normalize(start.unwrap_or(0)).clamp(0, length);
        let upper = normalize(end.unwrap_or(length)).clamp(0, length);
        Box::new((lower..upper).step_by(step as usize).map(|at| at as usize))
    } else if step < 0 {
        let upper = normalize(start.unwrap_or(length - 1)).clamp(-1, length - 1);
        let lower = end.map_or(-1, |end| normalize(end).clamp(-1, length - 1));
        let stride = step.unsigned_abs() as usize;
        Box::new(
            (lower + 1..=upper)
                .rev()
                .step_by(stride)
                .map(|at| at as usize),
        )
    } else {
        Box::new(std::iter::empty())
    }
}

//! Evaluation on the request's tree: depth-first, so each match is handed on with its location as
//! soon as it is found, in RFC 9535's order (a segment's results for its first input node first).

use super::syntax::{Comparable, Comparison, Function, Logical, Query, Segment, Selector};
use crate::model::node::Node;
use std::cell::Cell;
use std::cmp::Ordering;

/// One step of a match's location: a member name or an array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'n> {
    Name(&'n str),
    Index(usize),
}

/// How much work one request's rules may do, counted in steps: a node visited, a key compared
/// by a name selector, a value compared with an allowed one. RFC 9535's descendant segments and
/// filters multiply (`$..a..a..a` on a deep object, a filter that walks the whole object for
/// each node), so without a bound a 3 MB object could hold policy-server past its deadline. A
/// cell, because the evaluation hands it down through closures.
#[derive(Debug)]
pub struct Budget {
    remaining: Cell<u64>,
}

impl Budget {
    pub fn new(steps: u64) -> Budget {
        Budget {
            remaining: Cell::new(steps),
        }
    }

    /// Takes `steps` from the budget; false once it is spent (and from then on).
    pub fn spend(&self, steps: u64) -> bool {
        let remaining = self.remaining.get();
        self.remaining.set(remaining.saturating_sub(steps));
        remaining >= steps && remaining > 0
    }

    pub fn is_spent(&self) -> bool {
        self.remaining.get() == 0
    }
}

/// What the evaluation is walking: the root (`$`) and the work it may still do.
struct Scope<'n, 'a, 'b> {
    root: &'n Node<'a>,
    budget: &'b Budget,
}

/// Calls `found` with each node the segments select from `root`, and its location, until the
/// budget is spent; false when it was spent before the evaluation finished.
pub fn select_all<'n, 'a>(
    segments: &[Segment],
    root: &'n Node<'a>,
    budget: &Budget,
    found: &mut dyn FnMut(&[Step<'n>], &'n Node<'a>),
) -> bool {
    let scope = Scope { root, budget };
    scope.select(segments, root, &mut Vec::new(), found);
    !budget.is_spent()
}

type Found<'f, 'n, 'a> = dyn FnMut(&mut Vec<Step<'n>>, &'n Node<'a>) + 'f;

impl<'n, 'a> Scope<'n, 'a, '_> {
    /// Calls `found` with each node the segments select from `node`, and its location.
    fn select(
        &self,
        segments: &[Segment],
        node: &'n Node<'a>,
        location: &mut Vec<Step<'n>>,
        found: &mut dyn FnMut(&[Step<'n>], &'n Node<'a>),
    ) {
        if self.budget.is_spent() {
            return;
        }
        let Some((segment, rest)) = segments.split_first() else {
            found(location, node);
            return;
        };
        match segment {
            Segment::Child(selectors) => {
                self.apply(selectors, node, location, &mut |location, child| {
                    self.select(rest, child, location, found)
                });
            }
            Segment::Descendant(selectors) => {
                self.descend(selectors, node, location, &mut |location, child| {
                    self.select(rest, child, location, found)
                });
            }
        }
    }

    /// The selectors on `node` itself, then on each child in document order, recursively.
    fn descend(
        &self,
        selectors: &[Selector],
        node: &'n Node<'a>,
        location: &mut Vec<Step<'n>>,
        found: &mut Found<'_, 'n, 'a>,
    ) {
        self.apply(selectors, node, location, found);
        self.for_each_child(node, location, &mut |location, child| {
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
            if !self.budget.spend(1) {
                return;
            }
            match selector {
                Selector::Name(name) => {
                    if let Some(map) = node.as_object() {
                        let position = map.keys().position(|key| key == name);
                        let compared = position.map_or(map.len(), |at| at + 1);
                        if !self.budget.spend(compared as u64) {
                            return;
                        }
                        if let Some((key, child)) = position.and_then(|at| map.iter().nth(at)) {
                            self.visit(location, Step::Name(key), child, found);
                        }
                    }
                }
                Selector::Wildcard => self.for_each_child(node, location, found),
                Selector::Index(index) => {
                    if let Node::Array(items) = node
                        && let Some(at) = array_index(*index, items.len())
                    {
                        self.visit(location, Step::Index(at), &items[at], found);
                    }
                }
                Selector::Slice { start, end, step } => {
                    if let Node::Array(items) = node {
                        for at in slice_indexes(*start, *end, *step, items.len()) {
                            if self.budget.is_spent() {
                                return;
                            }
                            self.visit(location, Step::Index(at), &items[at], found);
                        }
                    }
                }
                Selector::Filter(test) => {
                    self.for_each_child(node, location, &mut |location, child| {
                        if self.test(test, child) {
                            found(location, child);
                        }
                    });
                }
            }
        }
    }

    /// One node visited: a step of the budget, and nothing more once it is spent.
    fn visit(
        &self,
        location: &mut Vec<Step<'n>>,
        step: Step<'n>,
        child: &'n Node<'a>,
        found: &mut Found<'_, 'n, 'a>,
    ) {
        if !self.budget.spend(1) {
            return;
        }
        location.push(step);
        found(location, child);
        location.pop();
    }

    fn for_each_child(
        &self,
        node: &'n Node<'a>,
        location: &mut Vec<Step<'n>>,
        found: &mut Found<'_, 'n, 'a>,
    ) {
        match node {
            Node::Array(items) => {
                for (at, item) in items.iter().enumerate() {
                    if self.budget.is_spent() {
                        return;
                    }
                    self.visit(location, Step::Index(at), item, found);
                }
            }
            Node::Object(map) => {
                for (key, value) in map.iter() {
                    if self.budget.is_spent() {
                        return;
                    }
                    self.visit(location, Step::Name(key), value, found);
                }
            }
            _ => {}
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
                let ordering = self.compare(&left, &right);
                match comparison {
                    Comparison::Equal => ordering == Some(Ordering::Equal),
                    Comparison::NotEqual => ordering != Some(Ordering::Equal),
                    Comparison::Less => ordering == Some(Ordering::Less),
                    Comparison::LessOrEqual => {
                        matches!(ordering, Some(Ordering::Less | Ordering::Equal))
                    }
                    Comparison::Greater => ordering == Some(Ordering::Greater),
                    Comparison::GreaterOrEqual => {
                        matches!(ordering, Some(Ordering::Greater | Ordering::Equal))
                    }
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
        self.select(&query.segments, start, &mut Vec::new(), &mut |_, node| {
            found(node)
        });
    }

    fn value<'v>(&self, comparable: &'v Comparable, current: &'n Node<'a>) -> Value<'v, 'n, 'a> {
        match comparable {
            Comparable::Literal(literal) => Value::Literal(literal),
            Comparable::Singular(query) => self.only(query, current),
            Comparable::Function(function) => match function.as_ref() {
                Function::Length(argument) => match self.value(argument, current).node() {
                    Some(Node::String(text)) => {
                        // Counting characters is work in the text's length.
                        self.budget.spend(text.len() as u64 / BYTES_PER_STEP);
                        Value::Count(text.chars().count())
                    }
                    Some(Node::Array(items)) => Value::Count(items.len()),
                    Some(Node::Object(map)) => Value::Count(map.len()),
                    _ => Value::Nothing,
                },
                Function::Count(query) => Value::Count(self.count(query, current)),
                Function::Value(query) => self.only(query, current),
            },
        }
    }

    /// How two operands compare, as RFC 9535 section 2.3.5.2.2 says: numbers by value (integers
    /// exactly), strings by code point, other equal values `Equal`, unequal ones and other types
    /// unordered (`None`: neither less nor greater nor equal). What a comparison reads (nodes
    /// and bytes) is charged to the budget: filters repeat it for every node a segment visits.
    fn compare(&self, left: &Value, right: &Value) -> Option<Ordering> {
        if let (Some(left), Some(right)) = (left.number(), right.number()) {
            return left.compare(&right);
        }
        match (left.node(), right.node()) {
            (Some(Node::String(l)), Some(Node::String(r))) => {
                self.budget
                    .spend(1 + l.len().min(r.len()) as u64 / BYTES_PER_STEP);
                Some(l.as_ref().cmp(r.as_ref()))
            }
            (Some(l), Some(r)) => {
                let mut cost = 0;
                let same = l.same_value_counting(r, &mut cost);
                self.budget.spend(1 + cost / BYTES_PER_STEP);
                same.then_some(Ordering::Equal)
            }
            (None, None) if matches!((left, right), (Value::Nothing, Value::Nothing)) => {
                Some(Ordering::Equal)
            }
            _ => None,
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
    fn number(&self) -> Option<Number> {
        match self {
            Value::Count(count) => Some(Number::Signed(*count as i64)),
            _ => match self.node() {
                Some(Node::Number(number)) => Some(Number::of(number)),
                _ => None,
            },
        }
    }
}

/// A JSON number for comparing: integers exactly (2^53 + 1 is not 2^53), others as `f64`.
enum Number {
    Signed(i64),
    Unsigned(u64),
    Float(f64),
}

impl Number {
    fn of(number: &serde_json::Number) -> Number {
        match (number.as_i64(), number.as_u64()) {
            (Some(integer), _) => Number::Signed(integer),
            (None, Some(integer)) => Number::Unsigned(integer),
            _ => Number::Float(number.as_f64().unwrap_or(f64::NAN)),
        }
    }

    fn compare(&self, other: &Number) -> Option<Ordering> {
        use Number::{Signed, Unsigned};
        match (self, other) {
            (Signed(l), Signed(r)) => Some(l.cmp(r)),
            (Unsigned(l), Unsigned(r)) => Some(l.cmp(r)),
            // Only integers above i64's range are read as unsigned.
            (Signed(_), Unsigned(_)) => Some(Ordering::Less),
            (Unsigned(_), Signed(_)) => Some(Ordering::Greater),
            (l, r) => l.as_f64().partial_cmp(&r.as_f64()),
        }
    }

    fn as_f64(&self) -> f64 {
        match self {
            Number::Signed(integer) => *integer as f64,
            Number::Unsigned(integer) => *integer as f64,
            Number::Float(float) => *float,
        }
    }
}

/// Bytes of text read or compared for one step of the budget.
const BYTES_PER_STEP: u64 = 64;

/// An index counted from the end when negative; `None` past either end.
fn array_index(index: i64, length: usize) -> Option<usize> {
    let length = length as i64;
    let at = if index < 0 { length + index } else { index };
    (0..length).contains(&at).then_some(at as usize)
}

/// RFC 9535 section 2.3.4.2.2: the indexes a slice selects, in the order it selects them.
/// Everything is computed in `i64` (the parser bounds every number to ±(2^53−1)), and a stride is
/// never cast to `usize`, which is 32 bits on wasm32: a step of 2^32 must not become 0 (a panic in
/// `step_by`) and 2^32+1 must not become 1. A stride at least the array's length selects the
/// first index only, so it is capped there before it meets the iterator.
fn slice_indexes(
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
    length: usize,
) -> impl Iterator<Item = usize> {
    let length = i64::try_from(length).unwrap_or(i64::MAX);
    let step = step.unwrap_or(1);
    let normalize = |index: i64| {
        if index >= 0 {
            index
        } else {
            length.saturating_add(index)
        }
    };
    // (first index, one past the last in the walking direction, signed stride)
    let (mut at, stop, stride) = if step > 0 {
        let lower = normalize(start.unwrap_or(0)).clamp(0, length);
        let upper = normalize(end.unwrap_or(length)).clamp(0, length);
        (lower, upper, step.min(length.max(1)))
    } else if step < 0 {
        let upper = normalize(start.unwrap_or(length - 1)).clamp(-1, length - 1);
        let lower = end.map_or(-1, |end| normalize(end).clamp(-1, length - 1));
        (upper, lower, step.max(-length.max(1)))
    } else {
        (0, 0, 1)
    };
    std::iter::from_fn(move || {
        let inside = if stride > 0 { at < stop } else { at > stop };
        if !inside {
            return None;
        }
        let index = at;
        at += stride;
        usize::try_from(index).ok()
    })
}

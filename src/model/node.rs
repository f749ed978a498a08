//! The request's objects as the rules read them: a JSON tree whose strings borrow from the payload
//! and whose maps are vectors in document order.
//!
//! `serde_json::Value` builds an IndexMap (a hash table, SipHash per key) and a `String` per key and
//! per string value; reading the object that way, then freeing it, was most of `validate`'s time in
//! policy-server. A SampleDB's maps hold a handful of keys, so a vector searched in order is faster
//! than a hash table, and most strings need no copy at all. `serde_json_borrow` has the same idea but
//! keeps both entries of a key written twice and answers the first; this tree keeps serde_json's
//! semantics exactly, so the rules see what `Value` would show them:
//! - a key given twice keeps its last value, at the place the key first appeared;
//! - map equality ignores key order, numbers are `serde_json::Number`s;
//! - writing it out gives the bytes `serde_json` writes for the same `Value`.

use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Object<'a>),
}

/// A JSON object: unique keys, in the order they first appeared.
#[derive(Debug, Clone, Default)]
pub struct Object<'a> {
    entries: Vec<(Cow<'a, str>, Node<'a>)>,
}

/// Up to this many keys, duplicates are found and maps compared by scanning; past it, by sorting.
const SCAN_LIMIT: usize = 16;

impl<'a> Object<'a> {
    pub fn new() -> Object<'a> {
        Object::default()
    }

    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node<'a>> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`: in place when it is there (as `Map::insert` does), else at the end.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: Node<'a>) {
        let key = key.into();
        match self.get_mut(&key) {
            Some(slot) => *slot = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Keeps the entries whose key `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.entries.retain(|(key, _)| keep(key));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node<'a>)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries appended as read, then merged where a key came twice: the first place, the last value.
    pub(super) fn from_entries(mut entries: Vec<(Cow<'a, str>, Node<'a>)>) -> Object<'a> {
        if entries.len() <= SCAN_LIMIT {
            let mut index = 1;
            while index < entries.len() {
                match entries[..index]
                    .iter()
                    .position(|(k, _)| *k == entries[index].0)
                {
                    Some(first) => {
                        let (_, value) = entries.remove(index);
                        entries[first].1 = value;
                    }
                    None => index += 1,
                }
            }
            return Object { entries };
        }
        let order = sorted_keys(&entries);
        if order.windows(2).all(|pair| pair[0].0 != pair[1].0) {
            return Object { entries };
        }
        let mut keep = vec![true; entries.len()];
        let mut moves = Vec::new();
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            if let [(_, first), .., (_, last)] = group {
                moves.push((*first, *last));
                for (_, later) in &group[1..] {
                    keep[*later] = false;
                }
            }
        }
        let mut slots: Vec<Option<(Cow<'a, str>, Node<'a>)>> =
            entries.into_iter().map(Some).collect();
        for (first, last) in moves {
            let value = slots[last].take().map(|(_, value)| value);
            if let (Some(value), Some((_, slot))) = (value, slots[first].as_mut()) {
                *slot = value;
            }
        }
        let entries = slots
            .into_iter()
            .zip(keep)
            .filter_map(|(entry, kept)| entry.filter(|_| kept))
            .collect();
        Object { entries }
    }
}

/// Each key with its index, sorted by key then index (one sort for both of its uses keeps the
/// module small).
/// What [`Node::same_value_counting`] counts for a node, in bytes of text.
pub const NODE_COST: u64 = 64;

/// Integers exactly, anything else (a decimal, an exponent) by its `f64` value.
fn numbers_equal(left: &Number, right: &Number) -> bool {
    if let (Some(l), Some(r)) = (left.as_i64(), right.as_i64()) {
        return l == r;
    }
    if let (Some(l), Some(r)) = (left.as_u64(), right.as_u64()) {
        return l == r;
    }
    left.as_f64() == right.as_f64()
}

fn sorted_keys<'e>(entries: &'e [(Cow<'_, str>, Node<'_>)]) -> Vec<(&'e str, usize)> {
    let mut keys: Vec<(&str, usize)> = entries
        .iter()
        .enumerate()
        .map(|(index, (key, _))| (key.as_ref(), index))
        .collect();
    keys.sort_unstable();
    keys
}

impl PartialEq for Object<'_> {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        if self.len() <= SCAN_LIMIT {
            return self
                .iter()
                .all(|(key, value)| other.get(key) == Some(value));
        }
        let (mine, theirs) = (sorted_keys(&self.entries), sorted_keys(&other.entries));
        mine.iter()
            .zip(&theirs)
            .all(|((key, at), (other_key, other_at))| {
                key == other_key && self.entries[*at].1 == other.entries[*other_at].1
            })
    }
}

impl<'a> Node<'a> {
    /// Equality of JSON values as RFC 9535 and `allowedValues` mean it: numbers by value
    /// (`1 == 1.0 == 1e0`), also inside lists and maps; maps whatever their key order.
    /// (`==` keeps serde_json's equality, where `1` and `1.0` differ.)
    pub fn same_value(&self, other: &Node) -> bool {
        self.same_value_counting(other, &mut 0)
    }

    /// [`Node::same_value`], adding to `cost` what it read, in bytes: those of the text compared,
    /// and [`NODE_COST`] for each node and each key looked up, for a caller that bounds repeated
    /// comparisons.
    pub fn same_value_counting(&self, other: &Node, cost: &mut u64) -> bool {
        *cost += NODE_COST;
        match (self, other) {
            (Node::Number(left), Node::Number(right)) => numbers_equal(left, right),
            (Node::String(left), Node::String(right)) => {
                *cost += left.len().min(right.len()) as u64;
                left == right
            }
            (Node::Array(left), Node::Array(right)) => {
                left.len() == right.len()
                    && left
                        .iter()
                        .zip(right)
                        .all(|(l, r)| l.same_value_counting(r, cost))
            }
            (Node::Object(left), Node::Object(right)) => {
                if left.len() != right.len() {
                    return false;
                }
                if left.len() <= SCAN_LIMIT {
                    return left.iter().all(|(key, value)| {
                        *cost += NODE_COST;
                        right
                            .get(key)
                            .is_some_and(|r| value.same_value_counting(r, cost))
                    });
                }
                *cost += 2 * NODE_COST * left.len() as u64;
                let (mine, theirs) = (sorted_keys(&left.entries), sorted_keys(&right.entries));
                mine.iter()
                    .zip(&theirs)
                    .all(|((key, at), (other_key, other_at))| {
                        key == other_key
                            && left.entries[*at]
                                .1
                                .same_value_counting(&right.entries[*other_at].1, cost)
                    })
            }
            _ => self == other,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Node::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Object<'a>> {
        match self {
            Node::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node<'a>]> {
        match self {
            Node::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Node::Number(number) => number.as_i64(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Node::Number(number) => number.as_u64(),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Node::Object(_))
    }

    /// A key of an object; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.as_object().and_then(|map| map.get(key))
    }

    /// The same tree owning its strings, to outlive the document it was read from.
    pub fn into_owned(self) -> Node<'static> {
        match self {
            Node::Null => Node::Null,
            Node::Bool(flag) => Node::Bool(flag),
            Node::Number(number) => Node::Number(number),
            Node::String(text) => Node::String(Cow::Owned(text.into_owned())),
            Node::Array(items) => Node::Array(items.into_iter().map(Node::into_owned).collect()),
            Node::Object(map) => Node::Object(Object {
                entries: map
                    .entries
                    .into_iter()
                    .map(|(key, value)| (Cow::Owned(key.into_owned()), value.into_owned()))
                    .collect(),
            }),
        }
    }

    /// The JSON text `serde_json` writes for the same value.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The same value as a `serde_json::Value`, for tests and native tools (the module never
    /// needs one: JSONPath and the rules read the tree itself).
    #[cfg(any(test, feature = "test-support"))]
    pub fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(flag) => Value::Bool(*flag),
            Node::Number(number) => Value::Number(number.clone()),
            Node::String(text) => Value::String(text.to_string()),
            Node::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, value)| (key.to_string(), value.to_value()))
                    .collect::<Map<String, Value>>(),
            ),
        }
    }
}

impl<'a> From<&'a str> for Node<'a> {
    fn from(text: &'a str) -> Node<'a> {
        Node::String(Cow::Borrowed(text))
    }
}

impl From<String> for Node<'_> {
    fn from(text: String) -> Self {
        Node::String(Cow::Owned(text))
    }
}

impl<'a> From<Cow<'a, str>> for Node<'a> {
    fn from(text: Cow<'a, str>) -> Node<'a> {
        Node::String(text)
    }
}

impl From<u64> for Node<'_> {
    fn from(number: u64) -> Self {
        Node::Number(number.into())
    }
}

impl From<Value> for Node<'_> {
    fn from(value: Value) -> Self {
        match value {
            Value::Null => Node::Null,
            Value::Bool(flag) => Node::Bool(flag),
            Value::Number(number) => Node::Number(number),
            Value::String(text) => Node::String(Cow::Owned(text)),
            Value::Array(items) => Node::Array(items.into_iter().map(Node::from).collect()),
            Value::Object(map) => Node::Object(Object::from(map)),
        }
    }
}

impl From<Map<String, Value>> for Object<'_> {
    fn from(map: Map<String, Value>) -> Self {
        Object {
            entries: map
                .into_iter()
                .map(|(key, value)| (Cow::Owned(key), Node::from(value)))
                .collect(),
        }
    }
}

impl fmt::Display for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read as a tree and as a `Value`, both written back out: the same text.
    fn both(text: &str) -> (String, String) {
        let node: Node = serde_json::from_str(text).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        (node.to_json(), value.to_string())
    }

    #[test]
    fn reads_and_writes_as_serde_json_does() {
        for text in [
            r#"{"b":1,"a":[true,null,-2,1.5e300,"x\u00e9\n"],"c":{"z":{},"y":[]}}"#,
            r#"{"k":1,"j":2,"k":3}"#,
            r#"{"a\u0062":1,"ab":2}"#,
            "18446744073709551616",
            "-0.0",
            r#""\ud83d\ude00""#,
        ] {
            let (node, value) = both(text);
            assert_eq!(node, value, "{text}");
        }
    }

    #[test]
    fn a_key_given_twice_keeps_its_first_place_and_last_value_in_large_maps() {
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{}\":{i},", i % 25));
        }
        text.push_str("\"end\":0}");
        let (node, value) = both(&text);
        assert_eq!(node, value);
    }

    #[test]
    fn maps_compare_without_key_order_and_numbers_as_serde_json_does() {
        fn read(text: &str) -> Node<'static> {
            Node::from(serde_json::from_str::<Value>(text).unwrap())
        }
        assert_eq!(
            read(r#"{"a":1,"b":{"c":2}}"#),
            read(r#"{"b":{"c":2},"a":1}"#)
        );
        assert_ne!(read(r#"{"a":1}"#), read(r#"{"a":1.0}"#));
        assert_ne!(read(r#"{"a":1}"#), read(r#"{"a":1,"b":null}"#));
        let large = |reversed: bool| {
            let mut keys: Vec<usize> = (0..30).collect();
            if reversed {
                keys.reverse();
            }
            let body: Vec<String> = keys.iter().map(|i| format!("\"k{i}\":{i}")).collect();
            read(&format!("{{{}}}", body.join(",")))
        };
        assert_eq!(large(false), large(true));
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let node: Node = serde_json::from_str(r#"{"name":"orders","note":"a\"b"}"#).unwrap();
        assert!(matches!(
            node.get("name"),
            Some(Node::String(Cow::Borrowed("orders")))
        ));
        assert_eq!(node.get("note").and_then(Node::as_str), Some("a\"b"));
    }

    #[test]
    fn converts_to_and_from_value_losslessly() {
        let text = r#"{"b":[1,-1,0.5,"s",null,false],"a":{"x":{}}}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let node: Node = serde_json::from_str(text).unwrap();
        assert_eq!(node.to_value(), value);
        assert_eq!(Node::from(value.clone()), node);
        assert_eq!(Node::from(value).to_json(), text);
    }
}

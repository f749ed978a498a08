//! Reading the raw SampleDB JSON. Fields are looked up in the read tree ([`Node`]) rather than a
//! typed struct, so a value of the wrong type becomes a violation at its path instead of a failed
//! deserialisation of the whole object.

use crate::formats::quantity::{Quantity, QuantityError};
use crate::model::findings::Findings;
use crate::model::node::{Node, Object};

/// The resource this policy is for: `example.com` SampleDBs.
pub const GROUP: &str = "example.com";
pub const KIND: &str = "SampleDB";

/// A field's value; JSON `null` counts as absent (the API server prunes nulls from custom
/// resources, so a null never reaches the operator as a value).
pub fn field<'a>(map: &'a Object<'a>, key: &str) -> Option<&'a Node<'a>> {
    map.get(key).filter(|value| !value.is_null())
}

/// Follows a chain of object keys from the root; `None` if any step is absent or not an object.
pub fn lookup<'a>(root: &'a Node<'a>, keys: &[&str]) -> Option<&'a Node<'a>> {
    keys.iter().try_fold(root, |value, key| {
        value.as_object().and_then(|map| field(map, key))
    })
}

pub fn lookup_str<'a>(root: &'a Node<'a>, keys: &[&str]) -> Option<&'a str> {
    lookup(root, keys).and_then(Node::as_str)
}

/// The name a message calls the object by.
pub fn display_name<'a>(object: &'a Node<'a>) -> &'a str {
    lookup_str(object, &["metadata", "name"])
        .or_else(|| lookup_str(object, &["metadata", "generateName"]))
        .unwrap_or("")
}

/// An object-valued field; a value of another type is recorded as a violation at `path`.
pub fn object_at<'a>(
    map: &'a Object<'a>,
    key: &str,
    path: &str,
    findings: &mut Findings,
) -> Option<&'a Object<'a>> {
    match field(map, key)? {
        Node::Object(inner) => Some(inner),
        other => {
            findings.invalid(path, other, "must be an object");
            None
        }
    }
}

/// A string-valued field; a value of another type is recorded as a violation at `path`.
pub fn str_at<'a>(
    map: &'a Object<'a>,
    key: &str,
    path: &str,
    findings: &mut Findings,
) -> Option<&'a str> {
    match field(map, key)? {
        Node::String(text) => Some(text),
        other => {
            findings.invalid(path, other, "must be a string");
            None
        }
    }
}

/// A boolean-valued field; a value of another type is recorded as a violation at `path`.
pub fn bool_at(map: &Object<'_>, key: &str, path: &str, findings: &mut Findings) -> Option<bool> {
    match field(map, key)? {
        Node::Bool(flag) => Some(*flag),
        other => {
            findings.invalid(path, other, "must be true or false");
            None
        }
    }
}

/// A quantity, written as a string (`"20Gi"`) or a plain number, as Kubernetes accepts both;
/// `None` for a value of another JSON type.
pub fn parse_quantity(value: &Node) -> Option<Result<Quantity, QuantityError>> {
    match value {
        Node::String(text) => Some(Quantity::parse(text)),
        Node::Number(number) => Some(Quantity::parse(&number.to_string())),
        _ => None,
    }
}

/// A quantity-valued field; a wrong type or an unparsable quantity is recorded at `path`.
pub fn quantity_of(value: &Node, path: &str, findings: &mut Findings) -> Option<Quantity> {
    match parse_quantity(value) {
        Some(Ok(quantity)) => Some(quantity),
        Some(Err(error)) => {
            findings.invalid(path, value, error.to_string());
            None
        }
        None => {
            findings.invalid(path, value, "must be a quantity such as \"20Gi\"");
            None
        }
    }
}

/// A quantity's text for messages.
pub fn quantity_text(value: &Node) -> String {
    match value {
        Node::String(text) => text.to_string(),
        other => other.to_string(),
    }
}

//! The SampleDB's fields: where each one is, written once ([`FieldPath`]), and reading one as the
//! type it must have. Fields are looked up in the read tree ([`Node`]) rather than a typed struct,
//! so a value of the wrong type becomes a violation at its path instead of a failed
//! deserialisation of the whole object.

use crate::formats::quantity::{Quantity, QuantityError};
use crate::model::findings::Findings;
use crate::model::node::{Node, Object};

/// The resource this policy is for: `example.com` SampleDBs.
pub const GROUP: &str = "example.com";
pub const KIND: &str = "SampleDB";

/// A field of the object, in the spirit of Kubernetes' `field.Path`: the keys that lead to it from
/// the root (to read it) and its path as messages name it (to report it), both from one
/// definition ([`field_path!`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldPath {
    pub keys: &'static [&'static str],
    pub path: &'static str,
    /// The field's own key, in the object that holds it (the last of `keys`, kept apart so that
    /// reading it costs nothing at run time).
    pub key: &'static str,
}

impl FieldPath {
    /// The field's own key, in the object that holds it.
    #[inline(always)]
    pub const fn key(&self) -> &'static str {
        self.key
    }
}

/// The last of a path's keys, at compile time.
macro_rules! last_key {
    ($last:ident) => {
        stringify!($last)
    };
    ($first:ident $(. $rest:ident)+) => {
        last_key!($($rest).+)
    };
}

/// `field_path!(spec.storage.size)`: the keys `["spec", "storage", "size"]` and the path
/// `"spec.storage.size"`, written once.
macro_rules! field_path {
    ($first:ident $(. $rest:ident)*) => {
        FieldPath {
            keys: &[stringify!($first) $(, stringify!($rest))*],
            path: concat!(stringify!($first) $(, ".", stringify!($rest))*),
            key: last_key!($first $(. $rest)*),
        }
    };
}

pub const METADATA: FieldPath = field_path!(metadata);
pub const NAME: FieldPath = field_path!(metadata.name);
pub const GENERATE_NAME: FieldPath = field_path!(metadata.generateName);
pub const NAMESPACE: FieldPath = field_path!(metadata.namespace);
pub const DELETION_TIMESTAMP: FieldPath = field_path!(metadata.deletionTimestamp);
pub const SPEC: FieldPath = field_path!(spec);
pub const VERSION: FieldPath = field_path!(spec.version);
pub const REPLICAS: FieldPath = field_path!(spec.replicas);
pub const STORAGE: FieldPath = field_path!(spec.storage);
pub const STORAGE_SIZE: FieldPath = field_path!(spec.storage.size);
pub const STORAGE_CLASS: FieldPath = field_path!(spec.storage.storageClassName);
pub const RESOURCES: FieldPath = field_path!(spec.resources);
pub const CREDENTIALS: FieldPath = field_path!(spec.credentials);
pub const SECRET_NAME: FieldPath = field_path!(spec.credentials.secretName);
pub const BACKUP: FieldPath = field_path!(spec.backup);
pub const BACKUP_SCHEDULE: FieldPath = field_path!(spec.backup.schedule);
pub const BACKUP_RETENTION: FieldPath = field_path!(spec.backup.retention);
pub const BACKUP_SUSPEND: FieldPath = field_path!(spec.backup.suspend);
pub const DELETION_POLICY: FieldPath = field_path!(spec.deletionPolicy);
pub const DELETION_PROTECTION: FieldPath = field_path!(spec.deletionProtection);
pub const CURRENT_VERSION: FieldPath = field_path!(status.currentVersion);

/// The details of a value of the wrong JSON type (rule id `types`).
pub const NOT_AN_OBJECT: &str = "must be an object";
pub const NOT_A_STRING: &str = "must be a string";
pub const NOT_A_BOOLEAN: &str = "must be true or false";
pub const NOT_A_QUANTITY: &str = "must be a quantity such as \"20Gi\"";

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

/// A field's value, from the root; `None` if absent.
#[inline(always)]
pub fn value_of<'a>(root: &'a Node<'a>, at: FieldPath) -> Option<&'a Node<'a>> {
    lookup(root, at.keys)
}

/// A string field's value, from the root; `None` if absent or not a string.
#[inline(always)]
pub fn str_of<'a>(root: &'a Node<'a>, at: FieldPath) -> Option<&'a str> {
    lookup_str(root, at.keys)
}

/// The name a message calls the object by.
pub fn display_name<'a>(object: &'a Node<'a>) -> &'a str {
    str_of(object, NAME)
        .or_else(|| str_of(object, GENERATE_NAME))
        .unwrap_or("")
}

/// An object-valued field of `map` (the object holding it); a value of another type is recorded
/// as a violation at the field's path.
#[inline(always)]
pub fn object_at<'a>(
    map: &'a Object<'a>,
    at: FieldPath,
    findings: &mut Findings,
) -> Option<&'a Object<'a>> {
    object_named(map, at.key(), at.path, findings)
}

/// [`object_at`] for a field whose path is built at run time (`spec.resources.limits`).
pub fn object_named<'a>(
    map: &'a Object<'a>,
    key: &str,
    path: &str,
    findings: &mut Findings,
) -> Option<&'a Object<'a>> {
    match field(map, key)? {
        Node::Object(inner) => Some(inner),
        other => {
            findings.invalid(path, other, NOT_AN_OBJECT);
            None
        }
    }
}

/// A string-valued field of `map`; a value of another type is recorded at the field's path.
#[inline(always)]
pub fn str_at<'a>(map: &'a Object<'a>, at: FieldPath, findings: &mut Findings) -> Option<&'a str> {
    str_named(map, at.key, at.path, findings)
}

fn str_named<'a>(
    map: &'a Object<'a>,
    key: &str,
    path: &str,
    findings: &mut Findings,
) -> Option<&'a str> {
    match field(map, key)? {
        Node::String(text) => Some(text),
        other => {
            findings.invalid(path, other, NOT_A_STRING);
            None
        }
    }
}

/// A boolean-valued field of `map`; a value of another type is recorded at the field's path.
#[inline(always)]
pub fn bool_at(map: &Object<'_>, at: FieldPath, findings: &mut Findings) -> Option<bool> {
    bool_named(map, at.key, at.path, findings)
}

fn bool_named(map: &Object<'_>, key: &str, path: &str, findings: &mut Findings) -> Option<bool> {
    match field(map, key)? {
        Node::Bool(flag) => Some(*flag),
        other => {
            findings.invalid(path, other, NOT_A_BOOLEAN);
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
            findings.invalid(path, value, NOT_A_QUANTITY);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_path_gives_its_keys_and_its_path_from_one_definition() {
        assert_eq!(STORAGE_CLASS.keys, ["spec", "storage", "storageClassName"]);
        assert_eq!(STORAGE_CLASS.path, "spec.storage.storageClassName");
        assert_eq!(STORAGE_CLASS.key(), "storageClassName");
        assert_eq!(SPEC.key(), "spec");
    }
}

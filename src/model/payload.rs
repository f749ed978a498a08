//! Reads the `validate` payload: `{"request": AdmissionRequest, "settings": {...}}`.
//!
//! The host sends the whole AdmissionRequest (uid, userInfo, resource, requestKind, options, ...),
//! but a decision reads seven of its fields. Building a `serde_json::Value` for everything (an
//! IndexMap and a String per key) was half of `validate`'s time in policy-server, so the first
//! reader keeps those seven fields, as borrowed [`Node`]s, and skips the rest without building
//! anything. A payload it cannot read — not UTF-8 or not JSON, `request` not an object, anything
//! unexpected — is read whole (`read_whole`, the same tree from serde_json's byte reader), so
//! every malformed payload still gets the same answer and serde_json's error text. One difference,
//! by design: skipped fields are checked for JSON syntax only, not against the limits a read value
//! has (nesting depth 128, lone UTF-16 surrogates in escapes).

use crate::model::node::{Node, Object};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;

/// The AdmissionRequest fields a decision reads; every other field is skipped.
pub const READ_FIELDS: [&str; 7] = [
    "kind",
    "operation",
    "subResource",
    "namespace",
    "object",
    "oldObject",
    // Who asks, for a break-glass exception's permission check.
    "userInfo",
];

/// What a decision reads from one payload.
#[derive(Debug, PartialEq)]
pub struct Payload<'a> {
    /// The request's `READ_FIELDS`, or `None` when `request` is absent or not an object.
    pub request: Option<Object<'a>>,
    /// `settings`, `Null` when absent.
    pub settings: Node<'a>,
}

/// Reads a payload, skipping what no decision reads; the error is the one `read_whole` gives.
pub fn read(payload: &[u8]) -> Result<Payload<'_>, serde_json::Error> {
    // Skipped strings are not checked for UTF-8, so the whole payload is checked first; checked
    // text is then read with from_str, which does not check every string again (8-22% faster
    // validate on wasmtime than from_slice, for a second instance of serde_json's reader, 5 KB).
    let selective = std::str::from_utf8(payload)
        .ok()
        .and_then(|text| serde_json::from_str::<Selective>(text).ok());
    match selective {
        Some(Selective(payload)) => Ok(payload),
        None => read_whole(payload),
    }
}

/// Reads the whole payload as one tree, then keeps what a decision reads. The reference `read`
/// must agree with on every payload this accepts.
pub fn read_whole(payload: &[u8]) -> Result<Payload<'_>, serde_json::Error> {
    let document: Node = serde_json::from_slice(payload)?;
    let Node::Object(document) = document else {
        return Ok(Payload {
            request: None,
            settings: Node::Null,
        });
    };
    let request = match document.get("request") {
        Some(Node::Object(request)) => {
            let mut request = request.clone();
            request.retain(|key| READ_FIELDS.contains(&key));
            Some(request)
        }
        _ => None,
    };
    let settings = document.get("settings").cloned();
    Ok(Payload {
        request,
        settings: settings.unwrap_or(Node::Null),
    })
}

/// The visitors' answer to anything but an object. Written out rather than left to serde's
/// defaults, whose messages format the unexpected value (floats pull 25 KB of formatting code
/// into the module) for an error that only sends the payload to `read_whole`.
macro_rules! not_an_object {
    () => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(E::custom(NOT_AN_OBJECT))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(E::custom(NOT_AN_OBJECT))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(E::custom(NOT_AN_OBJECT))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(E::custom(NOT_AN_OBJECT))
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(E::custom(NOT_AN_OBJECT))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Err(E::custom(NOT_AN_OBJECT))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(serde::de::Error::custom(NOT_AN_OBJECT))
        }
    };
}

const NOT_AN_OBJECT: &str = "not an object";

/// A payload read by `PayloadVisitor`: only a JSON object is one.
struct Selective<'a>(Payload<'a>);

impl<'de> Deserialize<'de> for Selective<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PayloadVisitor)
    }
}

struct PayloadVisitor;

impl<'de> Visitor<'de> for PayloadVisitor {
    type Value = Selective<'de>;

    not_an_object!();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a validate payload object")
    }

    // Like `Value`, a key given twice keeps its last value.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Selective<'de>, A::Error> {
        let mut payload = Payload {
            request: None,
            settings: Node::Null,
        };
        while let Some(key) = map.next_key::<RequestField>()? {
            match key.0 {
                Some("request") => payload.request = Some(map.next_value::<Request>()?.0),
                Some("settings") => payload.settings = map.next_value::<Node>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Selective(payload))
    }
}

/// The request object, keeping `READ_FIELDS` only. Anything but an object is an error, which
/// sends the payload to `read_whole`.
struct Request<'a>(Object<'a>);

impl<'de> Deserialize<'de> for Request<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RequestVisitor)
    }
}

struct RequestVisitor;

impl<'de> Visitor<'de> for RequestVisitor {
    type Value = Request<'de>;

    not_an_object!();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an AdmissionRequest object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Request<'de>, A::Error> {
        let mut request = Object::new();
        while let Some(key) = map.next_key::<RequestField>()? {
            match key.0.filter(|name| READ_FIELDS.contains(name)) {
                Some(name) => {
                    request.insert(name, map.next_value::<Node>()?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Request(request))
    }
}

/// A map key, compared without allocating: the name when it is one this reader knows.
struct RequestField(Option<&'static str>);

const REQUEST_FIELDS: [&str; 9] = [
    "request",
    "settings",
    READ_FIELDS[0],
    READ_FIELDS[1],
    READ_FIELDS[2],
    READ_FIELDS[3],
    READ_FIELDS[4],
    READ_FIELDS[5],
    READ_FIELDS[6],
];

impl<'de> Deserialize<'de> for RequestField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(RequestFieldVisitor)
    }
}

struct RequestFieldVisitor;

impl<'de> Visitor<'de> for RequestFieldVisitor {
    type Value = RequestField;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<RequestField, E> {
        Ok(RequestField(
            REQUEST_FIELDS.iter().copied().find(|known| *known == key),
        ))
    }
}

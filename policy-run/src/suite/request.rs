//! The AdmissionRequest of a case, built as `kwctl scaffold admission-request` builds a CREATE
//! (kwctl crates/kwctl/src/scaffold/admission_request.rs): its fixed uid, the kind and resource
//! from the object's apiVersion, the name, the namespace (the object's, else `default`), the user
//! `test-user` in `system:masters`. kwctl stops at CREATE; UPDATE and DELETE are built as the API
//! server sends them: an UPDATE carries the stored object as `oldObject`, a DELETE carries the
//! object being deleted as `oldObject` and no `object`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// kwctl scaffold's uid: every scaffolded request has it.
pub const UID: &str = "705ab4f5-6393-11e8-b7cc-42010a800002";
pub const DEFAULT_NAMESPACE: &str = "default";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
        }
    }
}

/// What a case may leave to its suite.
#[derive(Debug, Default)]
pub struct Defaults {
    pub namespace: Option<String>,
    pub user: Option<Value>,
}

/// The request inside a request file: an AdmissionReview's `request`, or the file itself.
pub fn from_document(document: &Value) -> Value {
    crate::review::admission_request(document)
}

/// The plural of a kind, as API discovery would give it for the kinds a SampleDB suite sends: the
/// CRD's `sampledbs`; for another kind, its lowercase plural with an `s` (kwctl falls back to a
/// placeholder it says policies do not read; this policy does not).
fn resource_of(kind: &str) -> String {
    format!("{}s", kind.to_lowercase())
}

/// The request for `object` (and `old`, its stored version), as the operation sends it.
pub fn build(
    operation: Option<Operation>,
    object: Option<Value>,
    old: Option<Value>,
    defaults: &Defaults,
) -> Result<Value, String> {
    let operation = operation.unwrap_or(if old.is_some() {
        Operation::Update
    } else {
        Operation::Create
    });
    let (object, old) = match (operation, object, old) {
        (Operation::Create, Some(object), None) => (Some(object), None),
        (Operation::Create, _, Some(_)) => {
            return Err("a CREATE has no `oldObject`: drop it, or say `operation: UPDATE`".into());
        }
        (Operation::Update, Some(object), Some(old)) => (Some(object), Some(old)),
        (Operation::Update, _, _) => {
            return Err(
                "an UPDATE needs `object` (the new version) and `oldObject` (the stored one)"
                    .into(),
            );
        }
        (Operation::Delete, Some(deleted), None) | (Operation::Delete, None, Some(deleted)) => {
            (None, Some(deleted))
        }
        (Operation::Delete, _, _) => {
            return Err("a DELETE needs the object being deleted, as `object`".into());
        }
        (_, None, _) => return Err("no `object`: give the SampleDB, inline or as a file".into()),
    };
    let subject = object
        .as_ref()
        .or(old.as_ref())
        .cloned()
        .unwrap_or(Value::Null);
    let api_version = subject["apiVersion"].as_str().unwrap_or("");
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    };
    let kind = subject["kind"].as_str().unwrap_or("");
    let gvk = json!({"group": group, "version": version, "kind": kind});
    let gvr = json!({"group": group, "version": version, "resource": resource_of(kind)});
    let namespace = subject["metadata"]["namespace"]
        .as_str()
        .map(str::to_string)
        .or_else(|| defaults.namespace.clone())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    let mut request = Map::new();
    request.insert("uid".into(), json!(UID));
    request.insert("kind".into(), gvk.clone());
    request.insert("resource".into(), gvr.clone());
    request.insert("requestKind".into(), gvk);
    request.insert("requestResource".into(), gvr);
    if let Some(name) = subject["metadata"]["name"].as_str() {
        request.insert("name".into(), json!(name));
    }
    request.insert("namespace".into(), json!(namespace));
    request.insert("operation".into(), json!(operation.as_str()));
    let user = defaults
        .user
        .clone()
        .unwrap_or_else(|| json!({"username": "test-user", "groups": ["system:masters"]}));
    request.insert("userInfo".into(), user);
    if let Some(object) = object {
        request.insert("object".into(), object);
    }
    if let Some(old) = old {
        request.insert("oldObject".into(), old);
    }
    Ok(Value::Object(request))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampledb() -> Value {
        json!({"apiVersion": "example.com/v1alpha1", "kind": "SampleDB", "metadata": {"name": "orders"}})
    }

    #[test]
    fn a_create_is_what_kwctl_scaffold_prints() {
        let request = build(None, Some(sampledb()), None, &Defaults::default()).unwrap();
        assert_eq!(request["uid"], UID);
        assert_eq!(
            request["kind"],
            json!({"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"})
        );
        assert_eq!(request["resource"]["resource"], "sampledbs");
        assert_eq!(request["namespace"], "default");
        assert_eq!(request["name"], "orders");
        assert_eq!(
            request["userInfo"],
            json!({"username": "test-user", "groups": ["system:masters"]})
        );
        assert!(request.get("oldObject").is_none());
    }

    #[test]
    fn an_update_and_a_delete_carry_the_stored_object() {
        let update = build(
            None,
            Some(sampledb()),
            Some(sampledb()),
            &Defaults::default(),
        )
        .unwrap();
        assert_eq!(update["operation"], "UPDATE");
        let delete = build(
            Some(Operation::Delete),
            Some(sampledb()),
            None,
            &Defaults::default(),
        )
        .unwrap();
        assert_eq!(delete["operation"], "DELETE");
        assert!(delete.get("object").is_none());
        assert_eq!(delete["oldObject"], sampledb());
        let error = build(
            Some(Operation::Update),
            Some(sampledb()),
            None,
            &Defaults::default(),
        );
        assert!(error.unwrap_err().contains("needs `object`"));
    }
}

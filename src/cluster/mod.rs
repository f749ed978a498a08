//! What the policy may read from the cluster, behind a small trait: the rules stay pure functions
//! of (object, old object, settings, cluster view). policy-server answers through waPC host calls
//! ([`host::HostCluster`], in the wasm module); tests, fuzzing and the native benchmark use
//! [`InMemoryCluster`].
//!
//! Every lookup is a list call with a field selector: policy-server answers a list for a missing
//! object with an empty list, but `get_resource` with an error that looks like any other failure,
//! so only the list calls tell "not found" apart from "the lookup failed" reliably.

#[cfg(target_arch = "wasm32")]
pub mod host;

use serde_json::{Value, json};

/// One cluster lookup, as the host capability is called (for messages and for the host side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `kubernetes/list_resources_by_namespace` for one Secret, by name.
    Secret { namespace: String, name: String },
    /// `kubernetes/list_resources_all` for one StorageClass, by name.
    StorageClass { name: String },
    /// `kubernetes/list_resources_all` for every StorageClass (to find the default one).
    StorageClasses,
}

impl Query {
    /// The waPC operation in the `kubewarden`/`kubernetes` namespace.
    pub fn operation(&self) -> &'static str {
        match self {
            Query::Secret { .. } => "list_resources_by_namespace",
            Query::StorageClass { .. } | Query::StorageClasses => "list_resources_all",
        }
    }

    /// The request payload, with the fields of the SDK's request structs.
    pub fn payload(&self) -> Value {
        match self {
            Query::Secret { namespace, name } => json!({
                "api_version": "v1", "kind": "Secret", "namespace": namespace,
                "label_selector": null, "field_selector": format!("metadata.name={name}"),
                "field_masks": null
            }),
            Query::StorageClass { name } => json!({
                "api_version": "storage.k8s.io/v1", "kind": "StorageClass",
                "label_selector": null, "field_selector": format!("metadata.name={name}"),
                "field_masks": null
            }),
            Query::StorageClasses => json!({
                "api_version": "storage.k8s.io/v1", "kind": "StorageClass",
                "label_selector": null, "field_selector": null, "field_masks": null
            }),
        }
    }

    /// How a message names this lookup.
    pub fn describe(&self) -> String {
        match self {
            Query::Secret { namespace, name } => format!("Secret {namespace}/{name}"),
            Query::StorageClass { name } => format!("StorageClass {name}"),
            Query::StorageClasses => "the StorageClasses".to_string(),
        }
    }
}

/// The cluster as the policy sees it: the items a lookup lists, or the host's error.
pub trait ClusterView {
    fn list(&self, query: &Query) -> Result<Vec<Value>, String>;
}

/// A cluster made of objects in memory; `failing` makes every lookup fail with that message.
#[derive(Debug, Default, Clone)]
pub struct InMemoryCluster {
    pub objects: Vec<Value>,
    pub failing: Option<String>,
}

impl InMemoryCluster {
    pub fn new(objects: Vec<Value>) -> InMemoryCluster {
        InMemoryCluster {
            objects,
            failing: None,
        }
    }
}

/// The items of `objects` a query lists, with policy-server's semantics (empty when none match).
pub fn matching(objects: &[Value], query: &Query) -> Vec<Value> {
    let selects = |object: &Value, kind: &str, namespace: Option<&str>, name: Option<&str>| {
        let metadata = &object["metadata"];
        object["kind"] == json!(kind)
            && namespace.is_none_or(|ns| metadata["namespace"] == json!(ns))
            && name.is_none_or(|n| metadata["name"] == json!(n))
    };
    objects
        .iter()
        .filter(|object| match query {
            Query::Secret { namespace, name } => {
                selects(object, "Secret", Some(namespace), Some(name))
            }
            Query::StorageClass { name } => selects(object, "StorageClass", None, Some(name)),
            Query::StorageClasses => selects(object, "StorageClass", None, None),
        })
        .cloned()
        .collect()
}

impl ClusterView for InMemoryCluster {
    fn list(&self, query: &Query) -> Result<Vec<Value>, String> {
        match &self.failing {
            Some(error) => Err(error.clone()),
            None => Ok(matching(&self.objects, query)),
        }
    }
}

/// For the policy linked natively without a host (`validate` outside wasm): every lookup fails.
pub struct NoCluster;

impl ClusterView for NoCluster {
    fn list(&self, _query: &Query) -> Result<Vec<Value>, String> {
        Err("no Kubewarden host to answer cluster lookups".to_string())
    }
}

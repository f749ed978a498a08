//! What the policy may read from the cluster, behind a small trait: the rules stay pure functions
//! of (object, old object, settings, cluster view). policy-server answers through waPC host calls
//! ([`host::HostCluster`], in the wasm module); tests, fuzzing and the native benchmark use
//! [`InMemoryCluster`]. May import model and formats; the rules import it.
//!
//! A lookup must fail fast when policy-server may not read the cluster or cannot reach it:
//! policy-server's list calls are served from a watch cache that a 403 never fills, so a list
//! under missing RBAC holds the request until the webhook times out. Named objects are therefore
//! read with `get_resource`, a direct read (asked fresh, past policy-server's 5 s cache) that fails at
//! once with the API server's error; policy-server reports a missing object as an error of its
//! own wording (`Cannot find v1/Secret named 'x' inside of namespace ...`), which
//! [`items_of_answer`] tells apart from a failure. The one list left, every StorageClass (to find
//! the default one), is preceded by a direct read of a class that proves the read is permitted.

#[cfg(target_arch = "wasm32")]
pub mod host;

use crate::model::node::{Node, Object};
#[cfg(any(test, feature = "test-support"))]
use serde_json::{Value, json};

/// The class read before the StorageClass list: only whether the read is permitted matters.
pub const PERMISSION_PROBE_CLASS: &str = "sampledb-policy-read-probe";

/// One cluster lookup, as the host capability is called (for messages and for the host side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `kubernetes/get_resource` of one Secret.
    Secret { namespace: String, name: String },
    /// `kubernetes/get_resource` of one StorageClass.
    StorageClass { name: String },
    /// `kubernetes/list_resources_all` for every StorageClass (to find the default one).
    StorageClasses,
    /// `kubernetes/get_resource` of [`PERMISSION_PROBE_CLASS`], before the StorageClass list.
    ClassReadProbe,
    /// `kubernetes/can_i`: a SubjectAccessReview of `verb` on one SampleDB for the request's user
    /// (break glass). Its answer is the review's status.
    CanI(Access),
}

/// Who asks to do what, as a SubjectAccessReview says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub user: String,
    pub groups: Vec<String>,
    pub verb: String,
    pub namespace: String,
    /// The SampleDB's name; empty for one created with only a `generateName`.
    pub name: String,
}

impl Query {
    /// The waPC operation in the `kubewarden`/`kubernetes` namespace.
    pub fn operation(&self) -> &'static str {
        match self {
            Query::Secret { .. } | Query::StorageClass { .. } | Query::ClassReadProbe => {
                "get_resource"
            }
            Query::StorageClasses => "list_resources_all",
            Query::CanI(_) => "can_i",
        }
    }

    /// The request payload, with the fields of the SDK's request structs.
    pub fn payload(&self) -> String {
        if let Query::CanI(access) = self {
            return access.payload();
        }
        let (api_version, kind) = match self {
            Query::Secret { .. } => ("v1", "Secret"),
            _ => ("storage.k8s.io/v1", "StorageClass"),
        };
        let mut fields = Object::new();
        fields.insert("api_version", Node::from(api_version));
        fields.insert("kind", Node::from(kind));
        let mut get = |name: &str, namespace: Option<&str>, fresh: bool| {
            fields.insert("name", Node::from(name.to_string()));
            fields.insert(
                "namespace",
                namespace.map_or(Node::Null, |ns| Node::from(ns.to_string())),
            );
            fields.insert("disable_cache", Node::Bool(fresh));
        };
        // The Secret and the class are read fresh: policy-server keeps what get_resource found
        // for 5 s, and a user who has just fixed the Secret expects the next apply to see it.
        // These reads happen only on CREATE and on updates that grow storage. The probe's
        // answer does not matter, only whether the read is permitted.
        match self {
            Query::Secret { namespace, name } => get(name, Some(namespace), true),
            Query::StorageClass { name } => get(name, None, true),
            Query::ClassReadProbe => get(PERMISSION_PROBE_CLASS, None, false),
            Query::StorageClasses => {
                for selector in ["label_selector", "field_selector"] {
                    fields.insert(selector, Node::Null);
                }
            }
            Query::CanI(_) => {}
        }
        let masks = self.field_masks().iter().map(|mask| Node::from(*mask));
        fields.insert("field_masks", Node::Array(masks.collect()));
        Node::Object(fields).to_json()
    }

    /// The fields the checks read besides `apiVersion`, `kind` and `metadata` (which policy-server
    /// always returns): Kubewarden 1.33+ prunes the rest of the object before the policy sees it
    /// (a Secret's other fields, a class's provisioner and parameters). Older releases ignore the
    /// field and answer whole objects, which the checks read the same. Sorted, as the SDK's
    /// `BTreeSet` sends them and kwctl records them.
    pub fn field_masks(&self) -> &'static [&'static str] {
        match self {
            Query::Secret { .. } => &["data", "stringData"],
            Query::CanI(_) => &[],
            _ => &["allowVolumeExpansion"],
        }
    }

    /// The kind of object the lookup reads.
    pub fn kind(&self) -> &'static str {
        match self {
            Query::Secret { .. } => "Secret",
            _ => "StorageClass",
        }
    }

    /// How a message names this lookup.
    pub fn describe(&self) -> String {
        match self {
            Query::Secret { namespace, name } => format!("Secret {namespace}/{name}"),
            Query::StorageClass { name } => format!("StorageClass {name}"),
            Query::StorageClasses | Query::ClassReadProbe => "the StorageClasses".to_string(),
            Query::CanI(access) => format!(
                "the permission to {} sampledbs in namespace {}",
                access.verb, access.namespace
            ),
        }
    }

    /// The start of policy-server's error for an object that does not exist.
    fn not_found_error(&self) -> Option<String> {
        match self {
            Query::Secret { name, .. } => Some(format!("Cannot find v1/Secret named '{name}'")),
            Query::StorageClass { name } => Some(format!(
                "Cannot find storage.k8s.io/v1/StorageClass named '{name}'"
            )),
            Query::ClassReadProbe => Query::StorageClass {
                name: PERMISSION_PROBE_CLASS.to_string(),
            }
            .not_found_error(),
            Query::StorageClasses | Query::CanI(_) => None,
        }
    }
}

/// The items a host answer holds: the object a `get_resource` read (none when policy-server says
/// it does not exist), or the items of a list. Any other error, and an answer of another shape
/// (not an object, a list without its items, an object of another kind), is the lookup's failure:
/// read as an empty cluster it would refuse a good object, or pass a bad one.
pub fn items_of_answer(
    query: &Query,
    answer: Result<Vec<u8>, String>,
) -> Result<Vec<Item>, String> {
    let bytes = match answer {
        Ok(bytes) => bytes,
        Err(error) => {
            return match query.not_found_error() {
                Some(not_found) if error.contains(&not_found) => Ok(Vec::new()),
                _ => Err(error),
            };
        }
    };
    let answer = serde_json::from_slice::<Node>(&bytes)
        .map_err(|error| format!("the host's answer is not JSON: {error}"))?;
    if !answer.is_object() {
        return Err(format!(
            "the host's answer is not an object but {}",
            crate::model::findings::type_name(&answer)
        ));
    }
    if let Query::CanI(_) = query {
        return match answer.get("allowed") {
            Some(Node::Bool(_)) => Ok(vec![answer.into_owned()]),
            _ => Err(
                "the host's answer is not a SubjectAccessReview status (allowed: true or false)"
                    .to_string(),
            ),
        };
    }
    if query.not_found_error().is_some() {
        let expected = query.kind();
        return match answer.get("kind").and_then(Node::as_str) {
            Some(kind) if kind != expected => {
                Err(format!("the host answered with a {kind}, not a {expected}"))
            }
            _ => Ok(vec![answer.into_owned()]),
        };
    }
    match answer.get("items") {
        Some(Node::Array(items)) => Ok(items.iter().cloned().map(Node::into_owned).collect()),
        // Go's API server writes an empty list's items as null.
        Some(Node::Null) => Ok(Vec::new()),
        None => Err("the host's answer is not a list: it has no items".to_string()),
        Some(_) => Err("the host's answer has an items field that is not a list".to_string()),
    }
}

impl Access {
    /// The SDK's `CanIRequest`: a SubjectAccessReview of the verb on this SampleDB, asked fresh
    /// (a role bound a moment ago must count).
    fn payload(&self) -> String {
        // Written as text: the tree's maps cost the module 3 KB more for this one request.
        let text = |value: &str| Node::from(value).to_json();
        let groups: Vec<String> = self.groups.iter().map(|group| text(group)).collect();
        let name = if self.name.is_empty() {
            "null".to_string()
        } else {
            text(&self.name)
        };
        format!(
            "{{\"subject_access_review\":{{\"groups\":[{}],\"resource_attributes\":{{\"group\":\"{}\",\"resource\":\"sampledbs\",\"verb\":{},\"namespace\":{},\"name\":{name},\"subresource\":null,\"version\":null}},\"user\":{}}},\"disable_cache\":true}}",
            groups.join(","),
            crate::model::fields::GROUP,
            text(&self.verb),
            text(&self.namespace),
            text(&self.user),
        )
    }
}

/// A cluster object as a lookup returns it.
pub type Item = Node<'static>;

/// The cluster as the policy sees it. `read` answers a query with the items found (one object,
/// none, or a list's items), or the host's error.
pub trait ClusterView {
    fn read(&self, query: &Query) -> Result<Vec<Item>, String>;
}

/// A cluster made of objects in memory (for tests, fuzzing and native tools: the `test-support`
/// feature); `failing` makes every lookup fail with that message.
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Default, Clone)]
pub struct InMemoryCluster {
    pub objects: Vec<Value>,
    pub failing: Option<String>,
}

#[cfg(any(test, feature = "test-support"))]
impl InMemoryCluster {
    pub fn new(objects: Vec<Value>) -> InMemoryCluster {
        InMemoryCluster {
            objects,
            failing: None,
        }
    }
}

/// The items of `objects` a query lists, with policy-server's semantics (empty when none match).
#[cfg(any(test, feature = "test-support"))]
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
            Query::ClassReadProbe => {
                selects(object, "StorageClass", None, Some(PERMISSION_PROBE_CLASS))
            }
            Query::StorageClasses => selects(object, "StorageClass", None, None),
            // No RBAC in memory: a review finds no status, a failed lookup.
            Query::CanI(_) => false,
        })
        .cloned()
        .collect()
}

#[cfg(any(test, feature = "test-support"))]
impl ClusterView for InMemoryCluster {
    fn read(&self, query: &Query) -> Result<Vec<Item>, String> {
        match &self.failing {
            Some(error) => Err(error.clone()),
            None => Ok(matching(&self.objects, query)
                .into_iter()
                .map(Node::from)
                .collect()),
        }
    }
}

/// For the policy linked natively without a host (`validate` outside wasm): every lookup fails.
pub struct NoCluster;

impl ClusterView for NoCluster {
    fn read(&self, _query: &Query) -> Result<Vec<Item>, String> {
        Err("no Kubewarden host to answer cluster lookups".to_string())
    }
}

//! The host capabilities the runner offers a policy, answering like kwctl and policy-server:
//! logging always; Kubernetes lookups only when allowed (`--allow-context-aware`), answered from
//! cluster objects in a file (`--cluster-state`) or replayed from a kwctl session
//! (`--replay-host-capabilities-interactions`), so the same session files drive both tools.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::Mutex;

/// Where Kubernetes lookups are answered from.
pub enum Cluster {
    /// kwctl without `--allow-context-aware`: the policy was not granted any resource.
    NotGranted,
    /// A cluster made of these objects, answered with policy-server's semantics.
    Objects(Vec<Value>),
    /// A kwctl session: exchanges answered in order, each request checked against the recorded one.
    Session(Mutex<VecDeque<Exchange>>),
}

pub struct Exchange {
    /// The call's tag, e.g. `KubernetesListResourceNamespace`.
    pub tag: String,
    pub request: Value,
    pub response: Result<Vec<u8>, String>,
}

/// The cluster a run's flags describe: kwctl's `--allow-context-aware` and
/// `--replay-host-capabilities-interactions SESSION`, or policy-run's `--cluster-state FILE`
/// (which grants access by itself). `None`: access granted but nothing to answer from.
pub fn from_flags(
    allow: bool,
    session: Option<&Path>,
    state: Option<&Path>,
) -> Result<Option<Cluster>> {
    match (session, state) {
        (Some(_), Some(_)) => bail!(
            "give either --cluster-state or --replay-host-capabilities-interactions, not both"
        ),
        (Some(session), None) if allow => Cluster::from_session_file(session).map(Some),
        (Some(_), None) => bail!(
            "--replay-host-capabilities-interactions needs --allow-context-aware, as with kwctl"
        ),
        (None, Some(state)) => Cluster::from_state_file(state).map(Some),
        (None, None) if allow => Ok(None),
        (None, None) => Ok(Some(Cluster::NotGranted)),
    }
}

/// The session tag of each waPC operation.
fn tag_of(operation: &str) -> Option<&'static str> {
    match operation {
        "list_resources_by_namespace" => Some("KubernetesListResourceNamespace"),
        "list_resources_all" => Some("KubernetesListResourceAll"),
        "get_resource" => Some("KubernetesGetResource"),
        "can_i" => Some("KubernetesCanI"),
        _ => None,
    }
}

impl Cluster {
    /// Cluster objects from a YAML or JSON file: a list, a `kind: List`, or several documents.
    pub fn from_state_file(path: &Path) -> Result<Cluster> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut objects = Vec::new();
        for document in crate::check::inputs::parse(&path.display().to_string(), &text)? {
            match document.value {
                Value::Array(items) => objects.extend(items),
                list if list["kind"] == json!("List") => {
                    objects.extend(list["items"].as_array().cloned().unwrap_or_default())
                }
                object => objects.push(object),
            }
        }
        Ok(Cluster::Objects(objects))
    }

    /// A session file as `kwctl run --record-host-capabilities-interactions` writes it.
    pub fn from_session_file(path: &Path) -> Result<Cluster> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let entries: Vec<Value> = serde_yaml::from_str(&text)
            .with_context(|| format!("{} is not a kwctl session (a YAML list)", path.display()))?;
        let mut exchanges = VecDeque::new();
        for (index, entry) in entries.iter().enumerate() {
            let request = entry["request"].as_str().unwrap_or("");
            let (tag, fields) = request.split_once('\n').unwrap_or((request, ""));
            let Some(tag) = tag.trim().strip_prefix('!') else {
                bail!(
                    "{}: exchange {index}: the request does not start with a !Tag",
                    path.display()
                );
            };
            let request: Value = serde_yaml::from_str(fields)
                .with_context(|| format!("{}: exchange {index}: request", path.display()))?;
            let response = &entry["response"];
            let response = match response["type"].as_str() {
                Some("Success") => Ok(response["payload"]
                    .as_str()
                    .unwrap_or("")
                    .as_bytes()
                    .to_vec()),
                // kwctl reports a recorded error as a failed callback.
                Some("Error") => Err(format!(
                    "Callback evaluation failure: {}",
                    response["message"].as_str().unwrap_or("")
                )),
                other => bail!(
                    "{}: exchange {index}: response type {other:?}",
                    path.display()
                ),
            };
            exchanges.push_back(Exchange {
                tag: tag.to_string(),
                request,
                response,
            });
        }
        Ok(Cluster::Session(Mutex::new(exchanges)))
    }

    /// Answers one `kubewarden/kubernetes/<operation>` call.
    pub fn answer(&self, operation: &str, payload: &[u8]) -> Result<Vec<u8>, String> {
        let request: Value = serde_json::from_slice(payload)
            .map_err(|error| format!("the request is not JSON: {error}"))?;
        let tag = tag_of(operation)
            .ok_or_else(|| format!("unknown Kubernetes capability {operation}"))?;
        // kwctl records a can_i call as its SubjectAccessReview under `request`.
        let request = match operation {
            "can_i" => json!({
                "request": request["subject_access_review"],
                "disable_cache": request["disable_cache"]
            }),
            _ => request,
        };
        match self {
            Cluster::NotGranted => Err(format!(
                "Policy has not been granted access to Kubernetes {}/{} resources. The violation has been reported.",
                request["api_version"].as_str().unwrap_or(""),
                request["kind"].as_str().unwrap_or("")
            )),
            Cluster::Objects(objects) if operation == "can_i" => {
                Ok(crate::rbac::review(objects, &request["request"])
                    .to_string()
                    .into_bytes())
            }
            Cluster::Objects(objects) => answer_from_objects(objects, operation, &request),
            Cluster::Session(exchanges) => {
                let mut exchanges = exchanges
                    .lock()
                    .map_err(|_| "session poisoned".to_string())?;
                let expected = exchanges
                    .pop_front()
                    .ok_or_else(|| format!("Replay error: no exchange left for {tag} {request}"))?;
                if expected.tag != tag || expected.request != request {
                    return Err(format!(
                        "Replay error: unexpected request. Was expecting {} {}, got {tag} {request}",
                        expected.tag, expected.request
                    ));
                }
                expected.response
            }
        }
    }
}

/// policy-server's answers: the list calls list what matches (possibly nothing); `get_resource`
/// of a missing object is an error; objects pruned to the request's `field_masks`.
fn answer_from_objects(
    objects: &[Value],
    operation: &str,
    request: &Value,
) -> Result<Vec<u8>, String> {
    let field = |key: &str| request[key].as_str();
    let wanted_name = field("field_selector")
        .and_then(|selector| selector.strip_prefix("metadata.name="))
        .or_else(|| field("name"));
    let namespace = match operation {
        "list_resources_all" => None,
        _ => field("namespace"),
    };
    let items: Vec<&Value> = objects
        .iter()
        .filter(|object| {
            object["apiVersion"].as_str() == field("api_version")
                && object["kind"].as_str() == field("kind")
                && namespace.is_none_or(|ns| object["metadata"]["namespace"] == json!(ns))
                && wanted_name.is_none_or(|name| object["metadata"]["name"] == json!(name))
        })
        .collect();
    let masks = &request["field_masks"];
    let items: Vec<Value> = items
        .into_iter()
        .map(|object| crate::field_masks::apply(object, masks))
        .collect();
    let answer = if operation == "get_resource" {
        match items.first() {
            Some(object) => object.clone(),
            None => {
                return Err(format!(
                    "Cannot find {}/{} named '{}' inside of namespace '{:?}'",
                    field("api_version").unwrap_or(""),
                    field("kind").unwrap_or(""),
                    wanted_name.unwrap_or(""),
                    field("namespace")
                ));
            }
        }
    } else {
        json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items})
    };
    Ok(answer.to_string().into_bytes())
}

/// The same answers for the policy linked natively, so that native and wasm runs can be compared.
impl sampledb_policy::cluster::ClusterView for Cluster {
    fn read(
        &self,
        query: &sampledb_policy::cluster::Query,
    ) -> Result<Vec<sampledb_policy::cluster::Item>, String> {
        // In the module the waPC guest library puts "Host error: " before the host's message.
        let answer = self
            .answer(query.operation(), query.payload().to_string().as_bytes())
            .map_err(|error| format!("Host error: {error}"));
        sampledb_policy::cluster::items_of_answer(query, answer)
    }
}

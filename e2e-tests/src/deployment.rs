//! What the Kubewarden controller makes of a ClusterAdmissionPolicy or AdmissionPolicy: the entry in
//! policy-server's policies file, and the webhook configuration that makes the API server send it
//! the matching requests. Derived here from the manifests we ship, so that the cluster tests prove
//! those manifests rather than hand-written copies.

use anyhow::{Result, bail};
use base64::Engine as _;
use serde_json::{Value, json};

pub struct Deployment {
    /// The policy's id in policy-server, and the last part of its webhook URL.
    pub policy_id: String,
    /// `{id: {module, policyMode, allowedToMutate, settings}}` for policy-server's `--policies`.
    pub policies: Value,
    /// A MutatingWebhookConfiguration (`mutating: true`) or ValidatingWebhookConfiguration.
    pub webhook: Value,
}

/// The controller's policy ids: `clusterwide-NAME` and `namespaced-NAMESPACE-NAME`.
pub fn policy_id(manifest: &Value) -> Result<String> {
    let name = manifest["metadata"]["name"].as_str().unwrap_or("");
    match manifest["kind"].as_str() {
        Some("ClusterAdmissionPolicy") => Ok(format!("clusterwide-{name}")),
        Some("AdmissionPolicy") => {
            let namespace = manifest["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default");
            Ok(format!("namespaced-{namespace}-{name}"))
        }
        other => bail!("not a Kubewarden policy manifest: kind {other:?}"),
    }
}

pub fn from_manifest(
    manifest: &Value,
    module: &str,
    server_url: &str,
    ca_bundle_pem: &[u8],
) -> Result<Deployment> {
    let id = policy_id(manifest)?;
    let spec = &manifest["spec"];
    let mutating = spec["mutating"].as_bool().unwrap_or(false);
    let mut entry = json!({
        "module": module,
        "policyMode": spec["mode"].as_str().unwrap_or("protect"),
        "allowedToMutate": mutating,
        "settings": if spec["settings"].is_null() { json!({}) } else { spec["settings"].clone() },
    });
    if let Some(resources) = spec["contextAwareResources"]
        .as_array()
        .filter(|r| !r.is_empty())
    {
        entry["contextAwareResources"] = json!(resources);
        // policy-server 1.36 also gates each host capability; these are the only ones the
        // policy calls (the CRDs at hand have no field for it, so it is derived here).
        entry["hostCapabilities"] =
            json!(["kubernetes/get_resource", "kubernetes/list_resources_all"]);
    }
    let policies = json!({ &id: entry });
    let namespace_selector = match manifest["kind"].as_str() {
        // An AdmissionPolicy only ever sees its own namespace.
        Some("AdmissionPolicy") => json!({"matchLabels": {
            "kubernetes.io/metadata.name": manifest["metadata"]["namespace"]
        }}),
        _ if !spec["namespaceSelector"].is_null() => spec["namespaceSelector"].clone(),
        _ => json!({}),
    };
    let mut hook = json!({
        "name": format!("{id}.kubewarden.admission"),
        "clientConfig": {
            "url": format!("{server_url}/validate/{id}"),
            "caBundle": base64::engine::general_purpose::STANDARD.encode(ca_bundle_pem),
        },
        "rules": spec["rules"],
        "failurePolicy": spec["failurePolicy"].as_str().unwrap_or("Fail"),
        "matchPolicy": spec["matchPolicy"].as_str().unwrap_or("Equivalent"),
        "sideEffects": spec["sideEffects"].as_str().unwrap_or("None"),
        "timeoutSeconds": spec["timeoutSeconds"].as_u64().unwrap_or(10),
        "admissionReviewVersions": ["v1"],
        "namespaceSelector": namespace_selector,
    });
    if !spec["objectSelector"].is_null() {
        hook["objectSelector"] = spec["objectSelector"].clone();
    }
    if mutating {
        hook["reinvocationPolicy"] = json!("Never");
    }
    let kind = if mutating {
        "MutatingWebhookConfiguration"
    } else {
        "ValidatingWebhookConfiguration"
    };
    let webhook = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": id, "labels": {"kubewarden": "true"}},
        "webhooks": [hook],
    });
    Ok(Deployment {
        policy_id: id,
        policies,
        webhook,
    })
}

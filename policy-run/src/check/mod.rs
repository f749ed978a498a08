//! `policy-run check`: plain SampleDB manifests (as kept in Git) checked against a policy manifest
//! before they are applied. Each SampleDB becomes the CREATE, or with `--old` the UPDATE, that
//! `kubectl apply` would send, and goes through the module with the manifest's settings, mode and
//! `mutating`, as policy-server would run it.

pub mod cli;
pub mod inputs;
pub mod report;

use crate::host::Evaluator;
use crate::policy_config::PolicyConfig;
use crate::review;
use anyhow::Result;
use inputs::{Document, InputError};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const DEFAULT_NAMESPACE: &str = "default";

/// What the policy said of one SampleDB.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub source: String,
    pub namespace: String,
    pub name: String,
    pub operation: &'static str,
    /// The decision policy-server would send back (monitor mode accepts everything).
    pub allowed: bool,
    /// What the policy itself decided, before monitor mode: monitor reports it without enforcing.
    pub policy_allowed: bool,
    pub code: Option<u64>,
    pub message: Option<String>,
    pub violations: Vec<String>,
    pub warnings: Vec<String>,
    pub patch: Value,
    /// The object as it would be stored (defaults filled), when accepted.
    pub stored: Option<Value>,
}

impl Outcome {
    /// Fields the defaults add, as paths: `/spec/version` becomes `spec.version`.
    pub fn defaults_added(&self) -> Vec<String> {
        self.patch
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|op| op["path"].as_str())
            .map(crate::answer::field_path)
            .collect()
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub monitor: bool,
    pub outcomes: Vec<Outcome>,
    pub skipped: usize,
}

impl Report {
    pub fn rejected(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.policy_allowed).count()
    }
    pub fn accepted(&self) -> usize {
        self.outcomes.len() - self.rejected()
    }
    pub fn warnings(&self) -> usize {
        self.outcomes.iter().map(|o| o.warnings.len()).sum()
    }
    /// 1 when an object is refused in protect mode, else 0.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.monitor && self.outcomes.iter().any(|o| !o.allowed))
    }
}

fn is_sampledb(value: &Value) -> bool {
    let group = value["apiVersion"].as_str().unwrap_or("").split('/').next();
    value["kind"] == json!("SampleDB") && group == Some("example.com")
}

/// (namespace, name) of a SampleDB document, or an input error naming the file.
fn identity(document: &Document, namespace: &str) -> Result<(String, String), InputError> {
    let metadata = &document.value["metadata"];
    let name = metadata["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            InputError(format!(
                "{} (document {}): a SampleDB without metadata.name: kubectl apply needs a name",
                document.source, document.index
            ))
        })?;
    let namespace = metadata["namespace"].as_str().unwrap_or(namespace);
    Ok((namespace.to_string(), name.to_string()))
}

/// The AdmissionRequest `kubectl apply` of this object would cause.
fn admission_request(
    index: usize,
    namespace: &str,
    name: &str,
    object: &Value,
    old: Option<&Value>,
) -> Value {
    let gvk = json!({"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"});
    json!({
        "uid": format!("policy-run-check-{index}"),
        "kind": gvk,
        "requestKind": gvk,
        "resource": {"group": "example.com", "version": "v1alpha1", "resource": "sampledbs"},
        "name": name,
        "namespace": namespace,
        "operation": if old.is_some() { "UPDATE" } else { "CREATE" },
        "userInfo": {"username": "policy-run-check"},
        "object": object,
        "oldObject": old,
        "dryRun": true
    })
}

pub struct CheckInput {
    pub documents: Vec<Document>,
    pub old: Vec<Document>,
    pub namespace: Option<String>,
}

pub fn check(
    policy: &dyn Evaluator,
    config: &PolicyConfig,
    input: &CheckInput,
) -> Result<Report, anyhow::Error> {
    review::validate_settings(policy, &config.settings).map_err(|e| anyhow::anyhow!("{e}"))?;
    let namespace = input.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
    let mut old_objects = BTreeMap::new();
    for document in input.old.iter().filter(|d| is_sampledb(&d.value)) {
        old_objects.insert(identity(document, namespace)?, document);
    }
    let mut report = Report {
        monitor: config.monitor,
        ..Report::default()
    };
    for (index, document) in input.documents.iter().enumerate() {
        if !is_sampledb(&document.value) {
            report.skipped += 1;
            continue;
        }
        let (namespace, name) = identity(document, namespace)?;
        let old = old_objects.remove(&(namespace.clone(), name.clone()));
        let request = admission_request(
            index,
            &namespace,
            &name,
            &document.value,
            old.map(|d| &d.value),
        );
        let response = review::validate(policy, &request, &config.settings)?;
        // Monitor mode never mutates: the object is stored as written.
        let stored = match &response.mutated_object {
            Some(mutated) if !config.monitor => mutated.clone(),
            _ => document.value.clone(),
        };
        let policy_allowed = response.accepted;
        let answer = review::admission_response(
            &request,
            response,
            &PolicyConfig {
                monitor: false,
                ..config.clone()
            },
        )?;
        let message = answer["status"]["message"].as_str().map(str::to_string);
        // Enforced by policy-server (mutating: false refuses a needed default), reported here too.
        let allowed = answer["allowed"] == json!(true) || config.monitor;
        report.outcomes.push(Outcome {
            source: document.source.clone(),
            operation: if old.is_some() { "UPDATE" } else { "CREATE" },
            namespace,
            name,
            allowed,
            policy_allowed: policy_allowed && answer["allowed"] == json!(true),
            code: answer["status"]["code"].as_u64(),
            violations: message.as_deref().map(violations).unwrap_or_default(),
            message,
            warnings: serde_json::from_value(answer["warnings"].clone()).unwrap_or_default(),
            patch: review::decoded_patch(&answer)?.unwrap_or(json!([])),
            stored: allowed.then_some(stored),
        });
    }
    if let Some(((namespace, name), document)) = old_objects.into_iter().next() {
        return Err(InputError(format!(
            "{} (document {}): --old has {namespace}/{name}, which none of the checked files has: \
             --old gives the stored version of objects that are checked",
            document.source, document.index
        ))
        .into());
    }
    Ok(report)
}

/// The entries of a 422 message, one per violation, each starting with its field path.
fn violations(message: &str) -> Vec<String> {
    crate::answer::violations(message)
        .into_iter()
        .map(|v| v.entry)
        .collect()
}

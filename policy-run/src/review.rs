//! From a request file to the AdmissionResponse kwctl prints: settings are validated first, then
//! `validate` runs, and a mutated object becomes a JSON Patch computed by diffing, as
//! policy-server does.

use crate::host::Evaluator;
use crate::policy_config::PolicyConfig;
use anyhow::{Context, Result, anyhow};
use base64::Engine as _;
use kubewarden_policy_sdk::response::ValidationResponse;
use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use serde_json::{Map, Value, json};
use std::fmt;

/// policy-server's answer when a policy deployed with `mutating: false` returns a mutation.
pub const MUTATION_NOT_ALLOWED: &str = "Request rejected by policy sampledb-policy. The policy attempted to mutate the request, but it is currently configured to not allow mutations.";

#[derive(Debug)]
pub enum RunError {
    InvalidSettings(String),
    Other(anyhow::Error),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::InvalidSettings(message) => {
                write!(f, "Provided settings are not valid: {message}")
            }
            RunError::Other(error) => write!(f, "{error:#}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<anyhow::Error> for RunError {
    fn from(error: anyhow::Error) -> Self {
        RunError::Other(error)
    }
}

/// The AdmissionRequest inside a file: a whole AdmissionReview or the bare `request` object.
pub fn admission_request(document: &Value) -> Value {
    match document.get("request") {
        Some(request) if request.is_object() => request.clone(),
        _ => document.clone(),
    }
}

pub fn validate_settings(evaluator: &dyn Evaluator, settings: &Value) -> Result<(), RunError> {
    let bytes = evaluator.call("validate_settings", settings.to_string().as_bytes())?;
    let response: SettingsValidationResponse = serde_json::from_slice(&bytes)
        .context("validate_settings did not answer a SettingsValidationResponse")?;
    if response.valid {
        Ok(())
    } else {
        Err(RunError::InvalidSettings(
            response.message.unwrap_or_default(),
        ))
    }
}

/// The policy's own answer to one request, before it becomes an AdmissionResponse.
pub fn validate(
    evaluator: &dyn Evaluator,
    request: &Value,
    settings: &Value,
) -> Result<ValidationResponse> {
    let payload = json!({"request": request, "settings": settings});
    let bytes = evaluator.call("validate", payload.to_string().as_bytes())?;
    serde_json::from_slice(&bytes).context("validate did not answer a ValidationResponse")
}

/// `kwctl run`: settings check, evaluation, and the AdmissionResponse.
pub fn run(
    evaluator: &dyn Evaluator,
    document: &Value,
    config: &PolicyConfig,
) -> Result<Value, RunError> {
    validate_settings(evaluator, &config.settings)?;
    let request = admission_request(document);
    let response = validate(evaluator, &request, &config.settings)?;
    Ok(admission_response(&request, response, config)?)
}

pub fn admission_response(
    request: &Value,
    response: ValidationResponse,
    config: &PolicyConfig,
) -> Result<Value> {
    let mut answer = Map::new();
    answer.insert(
        "uid".into(),
        request.get("uid").cloned().unwrap_or(json!("")),
    );
    let patch = match &response.mutated_object {
        Some(mutated) => Some(json_patch(
            request.get("object").unwrap_or(&Value::Null),
            mutated,
        )?),
        None => None,
    };
    let mut allowed = response.accepted;
    let mut status = (!response.accepted).then(|| status(response.message.clone(), response.code));
    let mut patch_to_send = patch;
    if patch_to_send.is_some() && !config.mutating {
        allowed = false;
        status = Some(status_message(MUTATION_NOT_ALLOWED));
        patch_to_send = None;
    }
    if config.monitor {
        allowed = true;
        status = None;
        patch_to_send = None;
    }
    answer.insert("allowed".into(), Value::Bool(allowed));
    if let Some(patch) = patch_to_send {
        answer.insert("patchType".into(), json!("JSONPatch"));
        let encoded = base64::engine::general_purpose::STANDARD.encode(patch.to_string());
        answer.insert("patch".into(), Value::String(encoded));
    }
    if let Some(status) = status {
        answer.insert("status".into(), status);
    }
    if let Some(warnings) = response.warnings.filter(|w| !w.is_empty()) {
        answer.insert("warnings".into(), json!(warnings));
    }
    // policy-evaluator copies them as they are, in monitor mode and refusals alike.
    if let Some(annotations) = response.audit_annotations.filter(|a| !a.is_empty()) {
        answer.insert("auditAnnotations".into(), json!(annotations));
    }
    Ok(Value::Object(answer))
}

fn status(message: Option<String>, code: Option<u16>) -> Value {
    let mut status = Map::new();
    if let Some(message) = message {
        status.insert("message".into(), Value::String(message));
    }
    if let Some(code) = code {
        status.insert("code".into(), json!(code));
    }
    Value::Object(status)
}

fn status_message(message: &str) -> Value {
    json!({"message": message})
}

/// The JSON Patch from the request's object to the mutated object. policy-server diffs objects
/// whose keys are sorted (its serde_json keeps no insertion order), so its operations come in key
/// order; sorting first gives the same patch, operation for operation.
pub fn json_patch(original: &Value, mutated: &Value) -> Result<Value> {
    let patch = json_patch::diff(&sorted_keys(original), &sorted_keys(mutated));
    serde_json::to_value(&patch).map_err(|error| anyhow!("cannot encode the patch: {error}"))
}

/// Decodes the patch of an AdmissionResponse, for tests and for people reading the output.
pub fn decoded_patch(answer: &Value) -> Result<Option<Value>> {
    let Some(encoded) = answer.get("patch").and_then(Value::as_str) else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .context("the patch is not base64")?;
    Ok(Some(
        serde_json::from_slice(&bytes).context("the patch is not JSON")?,
    ))
}

fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key.clone(), sorted_keys(value)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

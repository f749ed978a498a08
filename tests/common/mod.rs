//! Builds admission payloads and reads the policy's answers, for the native unit tests.
#![allow(dead_code)]

use kubewarden_policy_sdk::response::ValidationResponse;
use sampledb_policy::model::findings::{IS_INVALID, violation_entries};
use serde_json::{Value, json};

/// A valid SampleDB with every section set, as a user would write it.
pub fn sampledb() -> Value {
    json!({
        "apiVersion": "example.com/v1alpha1",
        "kind": "SampleDB",
        "metadata": {"name": "example-database", "namespace": "shop"},
        "spec": {
            "version": "16.4",
            "replicas": 3,
            "storage": {"size": "20Gi"},
            "credentials": {"secretName": "example-database-credentials"},
            "backup": {"schedule": "0 3 * * *", "retention": "7d"},
            "deletionPolicy": "Snapshot"
        }
    })
}

/// Sets the value at a JSON pointer, creating objects on the way.
pub fn with(mut object: Value, pointer: &str, value: Value) -> Value {
    let mut target = &mut object;
    for key in pointer.trim_start_matches('/').split('/') {
        if !target.is_object() {
            *target = json!({});
        }
        target = target
            .as_object_mut()
            .unwrap()
            .entry(key.to_string())
            .or_insert(Value::Null);
    }
    *target = value;
    object
}

/// Removes the key at a JSON pointer.
pub fn without(mut object: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    if let Some(map) = object.pointer_mut(parent).and_then(Value::as_object_mut) {
        map.remove(key);
    }
    object
}

pub fn request(operation: &str, object: Option<Value>, old: Option<Value>) -> Value {
    json!({
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"},
        "resource": {"group": "example.com", "version": "v1alpha1", "resource": "sampledbs"},
        "name": "example-database",
        "namespace": "shop",
        "operation": operation,
        "userInfo": {"username": "alice"},
        "object": object,
        "oldObject": old
    })
}

pub fn evaluate(request: Value, settings: Value) -> ValidationResponse {
    let payload = json!({"request": request, "settings": settings});
    evaluate_raw(payload.to_string().as_bytes())
}

pub fn evaluate_raw(payload: &[u8]) -> ValidationResponse {
    let bytes = sampledb_policy::validate(payload).expect("validate answers");
    serde_json::from_slice(&bytes).expect("a ValidationResponse")
}

pub fn create(object: Value, settings: Value) -> ValidationResponse {
    evaluate(request("CREATE", Some(object), None), settings)
}

pub fn update(old: Value, new: Value, settings: Value) -> ValidationResponse {
    evaluate(request("UPDATE", Some(new), Some(old)), settings)
}

/// The violations of a 422 answer, one string per `path: detail`.
pub fn violations(response: &ValidationResponse) -> Vec<String> {
    if response.accepted {
        return Vec::new();
    }
    assert_eq!(response.code, Some(422), "{:?}", response.message);
    let message = response.message.as_deref().unwrap_or("");
    assert!(message.contains(IS_INVALID), "not a 422 message: {message}");
    violation_entries(message)
        .map(|(_, entry)| entry.to_string())
        .collect()
}

pub fn warnings(response: &ValidationResponse) -> Vec<String> {
    response.warnings.clone().unwrap_or_default()
}

/// The field path of each violation, in order.
pub fn violation_paths(response: &ValidationResponse) -> Vec<String> {
    violations(response)
        .iter()
        .map(|v| v.split(':').next().unwrap().to_string())
        .collect()
}

//! Defaulting (SPEC section 4), done on the raw JSON object: only absent keys are inserted, so
//! unknown fields, `status` and the order of untouched keys survive, and the JSON Patch that
//! Kubewarden derives by diffing holds only `add` operations.

use crate::settings::Defaults;
use serde_json::{Map, Value};

/// Fills the absent fields; returns whether anything was added. A value of the wrong type is
/// left as it is, for validation to report.
pub fn apply(object: &mut Value, defaults: &Defaults) -> bool {
    let Some(root) = object.as_object_mut() else {
        return false;
    };
    let secret_name = root
        .get("metadata")
        .and_then(|metadata| metadata.get("name"))
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .map(|name| format!("{name}-credentials"));

    let mut added = false;
    let Some(spec) = child_object(root, "spec", &mut added) else {
        return false;
    };
    added |= insert_absent(spec, "version", Value::from(defaults.version.as_str()));
    added |= insert_absent(spec, "replicas", Value::from(defaults.replicas));

    if let Some(storage) = child_object(spec, "storage", &mut added) {
        added |= insert_absent(storage, "size", Value::from(defaults.storage_size.as_str()));
        if let Some(class) = &defaults.storage_class_name {
            added |= insert_absent(storage, "storageClassName", Value::from(class.as_str()));
        }
    }

    // With only a generateName there is no name to derive the Secret's from; validation then
    // asks for an explicit secretName.
    if let Some(secret_name) = secret_name
        && let Some(credentials) = child_object(spec, "credentials", &mut added)
    {
        added |= insert_absent(credentials, "secretName", Value::from(secret_name));
    }

    match spec.get_mut("backup") {
        None => {
            if let Some(schedule) = &defaults.backup_schedule {
                let mut backup = Map::new();
                backup.insert("schedule".into(), Value::from(schedule.as_str()));
                backup.insert(
                    "retention".into(),
                    Value::from(defaults.backup_retention.as_str()),
                );
                spec.insert("backup".into(), Value::Object(backup));
                added = true;
            }
        }
        Some(Value::Object(backup)) => {
            added |= insert_absent(
                backup,
                "retention",
                Value::from(defaults.backup_retention.as_str()),
            );
        }
        Some(_) => {}
    }

    added |= insert_absent(
        spec,
        "deletionPolicy",
        Value::from(defaults.deletion_policy.as_str()),
    );
    added
}

/// Inserts `value` under `key` unless the key is there (even as `null`: that is the user's).
fn insert_absent(map: &mut Map<String, Value>, key: &str, value: Value) -> bool {
    if map.contains_key(key) {
        return false;
    }
    map.insert(key.to_string(), value);
    true
}

/// The object under `key`, created empty when absent; `None` when the key holds anything else.
fn child_object<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
    added: &mut bool,
) -> Option<&'a mut Map<String, Value>> {
    if !map.contains_key(key) {
        map.insert(key.to_string(), Value::Object(Map::new()));
        *added = true;
    }
    map.get_mut(key).and_then(Value::as_object_mut)
}

//! Defaulting (docs/contract.md section 4), done on the raw JSON object: only absent keys are
//! inserted, so unknown fields, `status` and the order of untouched keys survive, and the JSON
//! Patch that Kubewarden derives by diffing holds only `add` operations.

use crate::model::node::{Node, Object};
use crate::settings::Defaults;

/// Fills the absent fields; returns whether anything was added. A value of the wrong type is
/// left as it is, for validation to report.
pub fn apply(object: &mut Node, defaults: &Defaults) -> bool {
    let Some(root) = object.as_object_mut() else {
        return false;
    };
    // The Secret's name is made only where it will be inserted.
    let needs_secret_name = match root.get("spec") {
        None => true,
        Some(Node::Object(spec)) => match spec.get("credentials") {
            None => true,
            Some(Node::Object(credentials)) => !credentials.contains_key("secretName"),
            Some(_) => false,
        },
        Some(_) => false,
    };
    let secret_name = root
        .get("metadata")
        .filter(|_| needs_secret_name)
        .and_then(|metadata| metadata.get("name"))
        .and_then(Node::as_str)
        .filter(|name| !name.is_empty())
        .map(|name| format!("{name}-credentials"));

    let mut added = false;
    let Some(spec) = child_object(root, "spec", &mut added) else {
        return false;
    };
    added |= insert_absent(spec, "version", || defaults.version.clone().into());
    added |= insert_absent(spec, "replicas", || defaults.replicas.into());

    if let Some(storage) = child_object(spec, "storage", &mut added) {
        added |= insert_absent(storage, "size", || defaults.storage_size.clone().into());
        if let Some(class) = &defaults.storage_class_name {
            added |= insert_absent(storage, "storageClassName", || class.clone().into());
        }
    }

    // With only a generateName there is no name to derive the Secret's from; validation then
    // asks for an explicit secretName.
    if let Some(secret_name) = secret_name
        && let Some(credentials) = child_object(spec, "credentials", &mut added)
    {
        added |= insert_absent(credentials, "secretName", || secret_name.into());
    }

    let retention = || defaults.backup_retention.clone().into();
    match spec.get_mut("backup") {
        None => {
            if let Some(schedule) = &defaults.backup_schedule {
                let mut backup = Object::new();
                backup.insert("schedule", schedule.clone().into());
                backup.insert("retention", retention());
                spec.insert("backup", Node::Object(backup));
                added = true;
            }
        }
        Some(Node::Object(backup)) => {
            added |= insert_absent(backup, "retention", retention);
        }
        Some(_) => {}
    }

    added |= insert_absent(spec, "deletionPolicy", || {
        defaults.deletion_policy.clone().into()
    });
    added
}

/// Inserts the value under `key` unless the key is there (even as `null`: that is the user's).
/// The value is made only when it is inserted.
fn insert_absent<'a>(
    map: &mut Object<'a>,
    key: &'static str,
    value: impl FnOnce() -> Node<'a>,
) -> bool {
    if map.contains_key(key) {
        return false;
    }
    map.insert(key, value());
    true
}

/// The object under `key`, created empty when absent; `None` when the key holds anything else.
fn child_object<'m, 'a>(
    map: &'m mut Object<'a>,
    key: &'static str,
    added: &mut bool,
) -> Option<&'m mut Object<'a>> {
    if !map.contains_key(key) {
        map.insert(key, Node::Object(Object::new()));
        *added = true;
    }
    map.get_mut(key).and_then(Node::as_object_mut)
}

/// The contract's promise about defaults, as the property tests and the fuzzer check it: every
/// value the user wrote is still in the mutated object, unchanged (test-support).
#[cfg(any(test, feature = "test-support"))]
pub fn only_adds(original: &serde_json::Value, mutated: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (original, mutated) {
        (Value::Object(before), Value::Object(after)) => before
            .iter()
            .all(|(key, value)| after.get(key).is_some_and(|now| only_adds(value, now))),
        _ => original == mutated,
    }
}

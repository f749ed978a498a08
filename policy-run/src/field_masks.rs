//! policy-server's `field_masks` (Kubewarden 1.33+, policy-evaluator's `field_mask` module), for
//! the objects the runner answers lookups from: each mask a dotted path (`spec.containers.image`)
//! into what kube-rs keeps apart from `apiVersion`, `kind` and `metadata`, which are always
//! returned whole; a path's end keeps everything below it; lists are transparent (a mask applies
//! to each item); no mask, or an empty list, returns the whole object.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The masks as a tree of keys; a leaf keeps its whole subtree.
#[derive(Default)]
struct Tree(BTreeMap<String, Tree>);

fn prune(value: &mut Value, tree: &Tree) {
    if tree.0.is_empty() {
        return;
    }
    match value {
        Value::Object(map) => map.retain(|key, value| match tree.0.get(key) {
            Some(child) => {
                prune(value, child);
                true
            }
            None => false,
        }),
        Value::Array(items) => items.iter_mut().for_each(|item| prune(item, tree)),
        _ => {}
    }
}

/// `object` as policy-server returns it for a request with these `field_masks`.
pub fn apply(object: &Value, masks: &Value) -> Value {
    let Some(masks) = masks.as_array().filter(|masks| !masks.is_empty()) else {
        return object.clone();
    };
    let mut tree = Tree::default();
    for mask in masks.iter().filter_map(Value::as_str) {
        let mut node = &mut tree;
        for part in mask.split('.') {
            node = node.0.entry(part.to_string()).or_default();
        }
    }
    let Value::Object(fields) = object else {
        return object.clone();
    };
    let mut kept = Map::new();
    let mut data = Map::new();
    for (key, value) in fields {
        match key.as_str() {
            "apiVersion" | "kind" | "metadata" => kept.insert(key.clone(), value.clone()),
            _ => data.insert(key.clone(), value.clone()),
        };
    }
    let mut data = Value::Object(data);
    prune(&mut data, &tree);
    if let Value::Object(data) = data {
        kept.extend(data);
    }
    Value::Object(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_keep_the_identity_and_the_fields_named() {
        let class = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "fast", "annotations": {"a": "b"}},
            "provisioner": "p", "parameters": {"x": "y"}, "allowVolumeExpansion": true});
        assert_eq!(
            apply(&class, &json!(["allowVolumeExpansion"])),
            json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": "fast", "annotations": {"a": "b"}}, "allowVolumeExpansion": true})
        );
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"image": "i", "name": "n"}]}});
        assert_eq!(
            apply(&pod, &json!(["spec.containers.image"])),
            json!({"kind": "Pod", "spec": {"containers": [{"image": "i"}]}})
        );
        assert_eq!(apply(&pod, &json!(null)), pod);
        assert_eq!(apply(&pod, &json!([])), pod);
    }
}

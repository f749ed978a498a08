//! The context-aware checks (credentials Secret, StorageClass) under Off, Warn and Deny, against
//! an in-memory cluster: found, missing, missing keys, no default class, a class that cannot
//! expand a growing volume, and a lookup that fails.

mod common;

use common::*;
use kubewarden_policy_sdk::response::ValidationResponse;
use rstest::rstest;
use sampledb_policy::cluster::{ClusterView, InMemoryCluster, Query};
use serde_json::{Value, json};
use std::cell::RefCell;

/// An in-memory cluster that records every lookup made.
struct Recorded {
    cluster: InMemoryCluster,
    queries: RefCell<Vec<Query>>,
}

impl ClusterView for Recorded {
    fn list(&self, query: &Query) -> Result<Vec<Value>, String> {
        self.queries.borrow_mut().push(query.clone());
        self.cluster.list(query)
    }
}

fn secret(keys: &[&str]) -> Value {
    let data: serde_json::Map<String, Value> = keys
        .iter()
        .map(|k| (k.to_string(), json!("eA==")))
        .collect();
    json!({"apiVersion": "v1", "kind": "Secret",
           "metadata": {"name": "example-database-credentials", "namespace": "shop"}, "data": data})
}

fn class(name: &str, default: bool, expands: bool) -> Value {
    let annotations = if default {
        json!({"storageclass.kubernetes.io/is-default-class": "true"})
    } else {
        json!({})
    };
    json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
           "metadata": {"name": name, "annotations": annotations},
           "provisioner": "example.com/disk", "allowVolumeExpansion": expands})
}

/// A cluster where both checks pass for `sampledb()`.
fn healthy() -> Vec<Value> {
    vec![
        secret(&["username", "password"]),
        class("standard", true, true),
        class("fast-ssd", false, true),
    ]
}

fn run(request: Value, mode: &str, cluster: InMemoryCluster) -> (ValidationResponse, Vec<Query>) {
    let settings = json!({"credentialsSecretCheck": mode, "storageClassCheck": mode});
    let payload = json!({"request": request, "settings": settings}).to_string();
    let recorded = Recorded {
        cluster,
        queries: RefCell::new(Vec::new()),
    };
    let bytes = sampledb_policy::validate_with(payload.as_bytes(), &recorded).unwrap();
    (
        serde_json::from_slice(&bytes).unwrap(),
        recorded.queries.into_inner(),
    )
}

fn create_request(object: Value) -> Value {
    request("CREATE", Some(object), None)
}

fn grow_request(class_name: Option<&str>) -> Value {
    let mut old = sampledb();
    if let Some(name) = class_name {
        old = with(old, "/spec/storage/storageClassName", json!(name));
    }
    let new = with(old.clone(), "/spec/storage/size", json!("40Gi"));
    request("UPDATE", Some(new), Some(old))
}

enum Expect {
    /// Accepted with no finding, whatever the mode.
    Fine,
    /// A finding: a warning under Warn, a violation under Deny. (path, detail fragment)
    Finding(&'static str, &'static str),
    /// The lookup failed: a warning under Warn, a 500 under Deny.
    LookupFailure(&'static str),
}

#[rstest]
#[case::secret_and_class_found(create_request(sampledb()), healthy(), Expect::Fine)]
#[case::secret_missing(
    create_request(sampledb()),
    healthy().split_off(1),
    Expect::Finding("spec.credentials.secretName", "no Secret example-database-credentials in namespace shop: the database and backup Pods could not start")
)]
#[case::secret_lacks_keys(
    create_request(sampledb()),
    { let mut c = healthy(); c[0] = secret(&["username"]); c },
    Expect::Finding("spec.credentials.secretName", "the Secret lacks the keys password")
)]
#[case::named_class_missing(
    create_request(with(sampledb(), "/spec/storage/storageClassName", json!("gold"))),
    healthy(),
    Expect::Finding("spec.storage.storageClassName", "no StorageClass gold in the cluster")
)]
#[case::named_class_found(
    create_request(with(sampledb(), "/spec/storage/storageClassName", json!("fast-ssd"))),
    healthy(),
    Expect::Fine
)]
#[case::no_default_class(
    create_request(sampledb()),
    vec![secret(&["username", "password"]), class("fast-ssd", false, true)],
    Expect::Finding("spec.storage.storageClassName", "no class is named and the cluster has no default StorageClass")
)]
#[case::growth_on_a_class_that_cannot_expand(
    grow_request(Some("fixed")),
    { let mut c = healthy(); c.push(class("fixed", false, false)); c },
    Expect::Finding("spec.storage.size", "the operator cannot resize the volume on StorageClass fixed")
)]
#[case::growth_on_the_default_class_that_cannot_expand(
    grow_request(None),
    vec![class("standard", true, false)],
    Expect::Finding("spec.storage.size", "the operator cannot resize the volume on StorageClass standard")
)]
#[case::growth_on_a_class_that_expands(grow_request(Some("fast-ssd")), healthy(), Expect::Fine)]
#[case::lookup_fails(
    create_request(sampledb()),
    vec![],
    Expect::LookupFailure("cannot check the cluster: looking up Secret shop/example-database-credentials (kubernetes/list_resources_by_namespace) failed: connection refused")
)]
fn every_outcome_under_every_mode(
    #[case] request: Value,
    #[case] objects: Vec<Value>,
    #[case] expect: Expect,
    #[values("Off", "Warn", "Deny")] mode: &str,
) {
    let failing = matches!(expect, Expect::LookupFailure(_));
    let cluster = InMemoryCluster {
        objects,
        failing: failing.then(|| "connection refused".to_string()),
    };
    let (response, queries) = run(request, mode, cluster);
    let warnings = warnings(&response);
    match (mode, &expect) {
        ("Off", _) => {
            assert!(response.accepted, "{:?}", response.message);
            assert!(queries.is_empty(), "Off looks nothing up: {queries:?}");
        }
        (_, Expect::Fine) => {
            assert!(response.accepted, "{:?}", response.message);
            assert!(warnings.is_empty(), "{warnings:?}");
        }
        ("Warn", Expect::Finding(path, detail)) => {
            assert!(response.accepted, "{:?}", response.message);
            assert!(
                warnings
                    .iter()
                    .any(|w| w.starts_with(&format!("{path}: ")) && w.contains(detail)),
                "{warnings:?}"
            );
        }
        ("Deny", Expect::Finding(path, detail)) => {
            let violations = violations(&response);
            assert!(
                violations
                    .iter()
                    .any(|v| v.starts_with(&format!("{path}: ")) && v.contains(detail)),
                "{violations:?}"
            );
        }
        ("Warn", Expect::LookupFailure(message)) => {
            assert!(response.accepted, "{:?}", response.message);
            // Each check's lookup fails and is reported; the Secret's first.
            assert_eq!(warnings[0], format!("{message}; the check was skipped"));
            assert_eq!(warnings.len(), 2, "{warnings:?}");
        }
        ("Deny", Expect::LookupFailure(message)) => {
            assert!(!response.accepted);
            assert_eq!(response.code, Some(500));
            assert_eq!(response.message.as_deref(), Some(*message));
        }
        _ => unreachable!(),
    }
}

#[test]
fn at_most_one_lookup_per_referenced_object() {
    let named = create_request(with(
        sampledb(),
        "/spec/storage/storageClassName",
        json!("fast-ssd"),
    ));
    let (_, queries) = run(named, "Deny", InMemoryCluster::new(healthy()));
    assert_eq!(
        queries,
        vec![
            Query::Secret {
                namespace: "shop".into(),
                name: "example-database-credentials".into()
            },
            Query::StorageClass {
                name: "fast-ssd".into()
            },
        ]
    );
    let (_, queries) = run(grow_request(None), "Deny", InMemoryCluster::new(healthy()));
    assert_eq!(
        queries,
        vec![Query::StorageClasses],
        "an update checks no Secret (the name is immutable)"
    );
}

#[rstest]
#[case::delete(request("DELETE", None, Some(sampledb())))]
#[case::other_kind(with(create_request(sampledb()), "/kind/kind", json!("Database")))]
#[case::update_without_growth(request("UPDATE", Some(sampledb()), Some(sampledb())))]
#[case::invalid_object(create_request(with(sampledb(), "/spec/replicas", json!(0))))]
fn no_lookup_where_nothing_depends_on_it(#[case] request: Value) {
    let (_, queries) = run(request, "Deny", InMemoryCluster::new(healthy()));
    assert!(queries.is_empty(), "{queries:?}");
}

#[rstest]
#[case::mode(json!({"storageClassCheck": "Strict"}), "storageClassCheck: must be one of Off, Warn, Deny, got \"Strict\"")]
#[case::mode_type(json!({"credentialsSecretCheck": true}), "credentialsSecretCheck: must be a string, got true")]
#[case::mode_number(json!({"credentialsSecretCheck": 1}), "credentialsSecretCheck: must be a string, got 1")]
#[case::keys_type(json!({"credentialsSecretKeys": "password"}), "credentialsSecretKeys: must be a list, got \"password\"")]
#[case::keys_empty(json!({"credentialsSecretKeys": [""]}), "credentialsSecretKeys: a key may not be empty")]
fn invalid_check_settings_are_refused(#[case] settings: Value, #[case] expected: &str) {
    let bytes = sampledb_policy::validate_settings(settings.to_string().as_bytes()).unwrap();
    let response: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(response["valid"], json!(false));
    assert_eq!(response["message"], json!(expected));
}

#[test]
fn an_unquoted_off_read_as_false_by_yaml_1_1_means_off() {
    let settings = json!({"credentialsSecretCheck": false, "storageClassCheck": false});
    let bytes = sampledb_policy::validate_settings(settings.to_string().as_bytes()).unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&bytes).unwrap()["valid"],
        json!(true)
    );
}

#[test]
fn configured_secret_keys_are_the_ones_required() {
    let payload = json!({"request": create_request(sampledb()),
        "settings": {"credentialsSecretCheck": "Deny", "credentialsSecretKeys": ["dsn"]}});
    let cluster = InMemoryCluster::new(healthy());
    let bytes = sampledb_policy::validate_with(payload.to_string().as_bytes(), &cluster).unwrap();
    let response: ValidationResponse = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        violations(&response),
        vec![
            "spec.credentials.secretName: Invalid value: \"example-database-credentials\": the Secret lacks the keys dsn"
        ]
    );
}

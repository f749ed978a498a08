//! Defaulting (docs/contract.md section 4): absent fields are added, nothing the user wrote
//! changes.

mod common;

use common::*;
use serde_json::{Value, json};

fn minimal() -> Value {
    json!({
        "apiVersion": "example.com/v1alpha1",
        "kind": "SampleDB",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": {}
    })
}

fn mutated(response: &kubewarden_policy_sdk::response::ValidationResponse) -> Value {
    assert!(response.accepted, "{:?}", response.message);
    response.mutated_object.clone().expect("a mutated object")
}

#[test]
fn every_default_fills_an_empty_spec() {
    let object = mutated(&create(minimal(), json!({})));
    assert_eq!(
        object["spec"],
        json!({
            "version": "16",
            "replicas": 1,
            "storage": {"size": "1Gi"},
            "credentials": {"secretName": "orders-credentials"},
            "backup": {"schedule": "0 3 * * *", "retention": "7d"},
            "deletionPolicy": "Snapshot"
        })
    );
}

#[test]
fn a_missing_spec_is_created() {
    let object = mutated(&create(without(minimal(), "/spec"), json!({})));
    assert_eq!(object["spec"]["version"], json!("16"));
    assert_eq!(
        object["spec"]["credentials"]["secretName"],
        json!("orders-credentials")
    );
}

#[test]
fn configured_defaults_are_used() {
    let settings = json!({"defaults": {
        "version": "17",
        "replicas": 3,
        "storageSize": "50Gi",
        "storageClassName": "fast-ssd",
        "backupSchedule": "@daily",
        "backupRetention": "4w",
        "deletionPolicy": "Retain"
    }});
    let object = mutated(&create(minimal(), settings));
    assert_eq!(
        object["spec"],
        json!({
            "version": "17",
            "replicas": 3,
            "storage": {"size": "50Gi", "storageClassName": "fast-ssd"},
            "credentials": {"secretName": "orders-credentials"},
            "backup": {"schedule": "@daily", "retention": "4w"},
            "deletionPolicy": "Retain"
        })
    );
}

#[test]
fn values_the_user_set_are_never_changed() {
    let object = with(minimal(), "/spec/version", json!("15.2"));
    let object = with(object, "/spec/storage/size", json!("30Gi"));
    let object = with(object, "/spec/backup", json!({"schedule": "@weekly"}));
    let result = mutated(&create(
        object,
        json!({"defaults": {"storageClassName": "fast-ssd"}}),
    ));
    assert_eq!(result["spec"]["version"], json!("15.2"));
    assert_eq!(
        result["spec"]["storage"],
        json!({"size": "30Gi", "storageClassName": "fast-ssd"})
    );
    // A present backup section keeps its schedule and only gains the retention.
    assert_eq!(
        result["spec"]["backup"],
        json!({"schedule": "@weekly", "retention": "7d"})
    );
}

#[test]
fn unknown_fields_status_and_key_order_survive() {
    let object = json!({
        "kind": "SampleDB",
        "apiVersion": "example.com/v1alpha1",
        "metadata": {"namespace": "shop", "name": "orders", "labels": {"z": "1", "a": "2"}},
        "spec": {"zeta": {"keep": [3, 2, 1]}, "version": "16.1", "alpha": true},
        "status": {"currentVersion": "16.1", "phase": "Ready"}
    });
    let result = mutated(&create(object.clone(), json!({})));
    let keys = |value: &Value| {
        value
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(&result),
        ["kind", "apiVersion", "metadata", "spec", "status"]
    );
    assert_eq!(result["metadata"], object["metadata"]);
    assert_eq!(keys(&result["metadata"]["labels"]), ["z", "a"]);
    assert_eq!(result["status"], object["status"]);
    assert_eq!(
        keys(&result["spec"]),
        [
            "zeta",
            "version",
            "alpha",
            "replicas",
            "storage",
            "credentials",
            "backup",
            "deletionPolicy"
        ]
    );
    assert_eq!(result["spec"]["zeta"], json!({"keep": [3, 2, 1]}));
}

#[test]
fn no_mutated_object_when_nothing_is_added() {
    let response = create(sampledb(), json!({}));
    assert!(response.accepted);
    assert!(response.mutated_object.is_none());
}

#[test]
fn apply_defaults_false_never_mutates() {
    let object = with(sampledb(), "/spec/replicas", Value::Null);
    let object = without(object, "/spec/backup");
    let response = create(object, json!({"applyDefaults": false}));
    assert!(response.accepted, "{:?}", response.message);
    assert!(response.mutated_object.is_none());
}

#[test]
fn a_null_the_user_wrote_is_left_alone() {
    let object = with(sampledb(), "/spec/replicas", Value::Null);
    let response = create(object, json!({}));
    assert!(response.accepted);
    assert!(response.mutated_object.is_none(), "a null is not replaced");
}

#[test]
fn backup_default_can_be_switched_off() {
    let settings = json!({"defaults": {"backupSchedule": null}});
    let result = mutated(&create(minimal(), settings));
    assert!(result["spec"].get("backup").is_none());
}

#[test]
fn generate_name_gets_no_derived_secret_and_asks_for_one() {
    let object = without(minimal(), "/metadata/name");
    let object = with(object, "/metadata/generateName", json!("orders-"));
    let response = create(object.clone(), json!({}));
    assert_eq!(
        violations(&response),
        [
            "spec.credentials.secretName: Required value: name the Secret that holds the database credentials"
        ]
    );
    let with_secret = with(
        object,
        "/spec/credentials/secretName",
        json!("orders-creds"),
    );
    let result = mutated(&create(with_secret, json!({})));
    assert_eq!(
        result["spec"]["credentials"],
        json!({"secretName": "orders-creds"})
    );
}

#[test]
fn validation_runs_on_the_defaulted_object() {
    // Defaults sit exactly at the configured bounds: the defaulted object passes them.
    let response = create(minimal(), json!({"minStorage": "1Gi", "maxReplicas": 1}));
    assert!(response.accepted, "{:?}", response.message);
    let object = with(minimal(), "/metadata/name", json!("Orders"));
    let response = create(object, json!({}));
    // The defaulted secret name derives from the invalid name, and both are reported.
    assert_eq!(violations(&response).len(), 2, "{:?}", response.message);
}

#[test]
fn rejected_requests_carry_no_mutation() {
    let object = with(minimal(), "/spec/replicas", json!(0));
    let response = create(object, json!({}));
    assert!(!response.accepted);
    assert!(response.mutated_object.is_none());
}

/// Built-in defaults the admin did not set follow the admin's bounds (policy-server would refuse
/// to start on settings whose defaults broke them).
#[rstest::rstest]
#[case::storage_raised_to_min(json!({"minStorage": "10Gi"}), "/spec/storage/size", json!("10Gi"))]
#[case::storage_lowered_to_max(json!({"maxStorage": "512Mi"}), "/spec/storage/size", json!("512Mi"))]
#[case::storage_inside_bounds_kept(
    json!({"minStorage": "512Mi", "maxStorage": "2Gi"}),
    "/spec/storage/size",
    json!("1Gi")
)]
#[case::version_newest_allowed(json!({"allowedVersions": ["14", "15"]}), "/spec/version", json!("15"))]
#[case::version_newest_not_deprecated(
    json!({"allowedVersions": ["14", "15"], "deprecatedVersions": ["15"]}),
    "/spec/version",
    json!("14")
)]
#[case::version_kept_when_allowed(json!({"allowedVersions": ["16", "17"]}), "/spec/version", json!("16"))]
#[case::admin_default_wins(
    json!({"allowedVersions": ["16", "17"], "defaults": {"version": "17"}}),
    "/spec/version",
    json!("17")
)]
#[case::built_in_moves_off_a_deprecated_major(
    json!({"allowedVersions": ["15", "16", "17"], "deprecatedVersions": ["16"]}),
    "/spec/version",
    json!("17")
)]
#[case::built_in_moves_to_an_older_major_when_newer_are_deprecated(
    json!({"allowedVersions": ["15", "16", "17"], "deprecatedVersions": ["16", "17"]}),
    "/spec/version",
    json!("15")
)]
#[case::all_deprecated_newest_allowed(
    json!({"allowedVersions": ["15", "16"], "deprecatedVersions": ["15", "16"]}),
    "/spec/version",
    json!("16")
)]
#[case::admin_default_on_deprecated_major_kept(
    json!({"allowedVersions": ["16", "17"], "deprecatedVersions": ["16"], "defaults": {"version": "16"}}),
    "/spec/version",
    json!("16")
)]
fn unset_defaults_follow_the_bounds(
    #[case] settings: Value,
    #[case] pointer: &str,
    #[case] expected: Value,
) {
    let object = mutated(&create(minimal(), settings));
    assert_eq!(object.pointer(pointer), Some(&expected));
}

/// The user who wrote no version hears nothing about a deprecated one.
#[test]
fn a_defaulted_version_draws_no_deprecation_warning() {
    let settings = json!({"allowedVersions": ["15", "16", "17"], "deprecatedVersions": ["16"]});
    let response = create(minimal(), settings);
    assert!(response.accepted, "{:?}", response.message);
    assert_eq!(warnings(&response), Vec::<String>::new());
}

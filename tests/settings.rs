//! Settings (docs/contract.md section 5): `validate_settings` names every bad key in one answer.

use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use rstest::rstest;
use serde_json::{Value, json};

fn validate(settings: Value) -> SettingsValidationResponse {
    let bytes = sampledb_policy::validate_settings(settings.to_string().as_bytes()).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[rstest]
#[case::empty(json!({}))]
#[case::null(Value::Null)]
#[case::everything(json!({
    "allowedVersions": ["15", "16", "17"],
    "deprecatedVersions": [15],
    "maxReplicas": 5,
    "minStorage": "1Gi",
    "maxStorage": "2Ti",
    "allowedStorageClasses": ["fast-ssd", "standard"],
    "requireBackup": true,
    "requireResourceLimits": true,
    "maxNameLength": 40,
    "applyDefaults": true,
    "defaults": {
        "version": "16.4", "replicas": 3, "storageSize": "20Gi", "storageClassName": "fast-ssd",
        "backupSchedule": "@daily", "backupRetention": "4w", "deletionPolicy": "Retain"
    },
    "customRules": [
        {"path": "$.metadata.labels.team", "required": true, "message": "label team is required"},
        {"path": "$.spec.storage.storageClassName", "allowedValues": ["fast-ssd"]},
        {"path": "$.metadata.annotations['example.com/legacy']", "forbidden": true},
        {"path": "$.spec.backup[?@.suspend == true]", "forbidden": true}
    ]
}))]
#[case::backup_default_off(json!({"defaults": {"backupSchedule": null}}))]
// Bounds alone are valid: the built-in defaults the admin did not set follow them.
#[case::min_storage_alone(json!({"minStorage": "10Gi"}))]
#[case::max_storage_alone(json!({"maxStorage": "512Mi"}))]
#[case::allowed_versions_alone(json!({"allowedVersions": ["17"]}))]
#[case::max_replicas_one(json!({"maxReplicas": 1}))]
fn valid(#[case] settings: Value) {
    let response = validate(settings);
    assert!(response.valid, "{:?}", response.message);
    assert_eq!(response.message, None);
}

#[rstest]
#[case::unknown_key(json!({"maxReplica": 3}), "maxReplica: unknown setting")]
#[case::unknown_default(json!({"defaults": {"size": "1Gi"}}), "defaults.size: unknown setting")]
#[case::allowed_versions_type(json!({"allowedVersions": "16"}), "allowedVersions: must be a list, got \"16\"")]
#[case::allowed_versions_item(
    json!({"allowedVersions": ["16", "v17"]}),
    "allowedVersions[1]: must be a major version such as \"16\", got \"v17\""
)]
#[case::deprecated_versions_item(
    json!({"deprecatedVersions": [true]}),
    "deprecatedVersions[0]: must be a major version such as \"16\", got true"
)]
#[case::max_replicas_zero(json!({"maxReplicas": 0}), "maxReplicas: must be an integer from 1 to 4294967295, got 0")]
#[case::max_replicas_string(
    json!({"maxReplicas": "9"}),
    "maxReplicas: must be an integer from 1 to 4294967295, got \"9\""
)]
#[case::min_storage(
    json!({"minStorage": "ten gigs"}),
    "minStorage: \"ten gigs\" must be a Kubernetes quantity such as 20Gi, 500m or 1.5 (number, then an optional suffix \
        Ki Mi Gi Ti Pi Ei n u m k M G T P E)"
)]
#[case::max_storage_type(json!({"maxStorage": 10}), "maxStorage: must be a string, got 10")]
#[case::classes(json!({"allowedStorageClasses": [1]}), "allowedStorageClasses[0]: must be a string, got 1")]
#[case::require_backup(json!({"requireBackup": "yes"}), "requireBackup: must be true or false, got \"yes\"")]
#[case::require_limits(json!({"requireResourceLimits": 1}), "requireResourceLimits: must be true or false, got 1")]
#[case::name_length(json!({"maxNameLength": 64}), "maxNameLength: must be an integer from 1 to 63, got 64")]
#[case::apply_defaults(json!({"applyDefaults": "false"}), "applyDefaults: must be true or false, got \"false\"")]
#[case::defaults_type(json!({"defaults": []}), "defaults: must be an object, got array")]
#[case::default_version(
    json!({"defaults": {"version": "latest"}}),
    "defaults.version: \"latest\" is not allowed: the operator cannot detect an upgrade of a moving tag, so pin a \
        version such as \"16.4\""
)]
#[case::default_replicas(
    json!({"defaults": {"replicas": -1}}),
    "defaults.replicas: must be an integer from 1 to 4294967295, got -1"
)]
#[case::default_size_zero(json!({"defaults": {"storageSize": "0"}}), "defaults.storageSize: must be greater than zero")]
#[case::default_class(
    json!({"defaults": {"storageClassName": false}}),
    "defaults.storageClassName: must be a string, got false"
)]
#[case::default_cron(
    json!({"defaults": {"backupSchedule": "every day"}}),
    "defaults.backupSchedule: must have 5 fields (minute hour day-of-month month day-of-week) or be a macro such as \
        @daily, found 2"
)]
#[case::default_retention(
    json!({"defaults": {"backupRetention": "1y"}}),
    "defaults.backupRetention: must be a count of days, weeks or months such as 7d, 4w or 6m (pattern \
        ^[1-9][0-9]*[dwm]$)"
)]
#[case::default_policy(
    json!({"defaults": {"deletionPolicy": "Destroy"}}),
    "defaults.deletionPolicy: must be one of Snapshot, Delete, Retain"
)]
#[case::rules_type(json!({"customRules": {}}), "customRules: must be a list, got object")]
#[case::rule_type(json!({"customRules": ["$.x"]}), "customRules[0]: must be an object, got string")]
#[case::rule_path_missing(json!({"customRules": [{"required": true}]}), "customRules[0].path: is required")]
#[case::rule_path_invalid(
    json!({"customRules": [{"path": "$.metadata[", "required": true}]}),
    "customRules[0].path: does not compile"
)]
#[case::rule_path_not_rooted(
    json!({"customRules": [{"path": "metadata.labels", "required": true}]}),
    "customRules[0].path: does not compile"
)]
#[case::rule_regex_function(
    json!({"customRules": [{"path": "$.metadata.labels[?match(@, 'a.*')]", "forbidden": true}]}),
    "customRules[0].path: does not compile"
)]
#[case::rule_path_too_nested(
    json!({"customRules": [{"path": format!("$.a{}", "[0]".repeat(40)), "required": true}]}),
    "customRules[0].path: is too long: at most 512 characters and 32 brackets"
)]
#[case::rule_unknown_key(
    json!({"customRules": [{"path": "$.x", "required": true, "severity": "high"}]}),
    "customRules[0].severity: unknown setting"
)]
#[case::rule_no_check(
    json!({"customRules": [{"path": "$.x"}]}),
    "customRules[0]: needs at least one of required: true, forbidden: true, allowedValues"
)]
#[case::rule_contradiction(
    json!({"customRules": [{"path": "$.x", "required": true, "forbidden": true}]}),
    "customRules[0]: required and forbidden contradict each other"
)]
#[case::rule_flag_type(
    json!({"customRules": [{"path": "$.x", "required": "yes"}]}),
    "customRules[0].required: must be true or false, got \"yes\""
)]
#[case::rule_values_type(
    json!({"customRules": [{"path": "$.x", "allowedValues": "a"}]}),
    "customRules[0].allowedValues: must be a list, got string"
)]
#[case::rule_message_type(
    json!({"customRules": [{"path": "$.x", "required": true, "message": 1}]}),
    "customRules[0].message: must be a string, got number"
)]
#[case::min_above_max(
    json!({"minStorage": "2Ti", "maxStorage": "1Ti"}),
    "minStorage: 2Ti is greater than maxStorage 1Ti"
)]
#[case::default_size_below_min(
    json!({"minStorage": "10Gi", "defaults": {"storageSize": "1Gi"}}),
    "defaults.storageSize: 1Gi is below minStorage 10Gi"
)]
#[case::default_size_above_max(
    json!({"maxStorage": "512Mi", "defaults": {"storageSize": "1Gi"}}),
    "defaults.storageSize: 1Gi is above maxStorage 512Mi"
)]
#[case::default_replicas_above_max(
    json!({"maxReplicas": 3, "defaults": {"replicas": 5}}),
    "defaults.replicas: 5 is above maxReplicas 3"
)]
#[case::default_version_not_allowed(
    json!({"allowedVersions": ["17"], "defaults": {"version": "16"}}),
    "defaults.version: major 16 is not in allowedVersions"
)]
#[case::contradictory_bounds_blame_only_the_bounds(
    json!({"minStorage": "10Gi", "maxStorage": "5Gi"}),
    "minStorage: 10Gi is greater than maxStorage 5Gi"
)]
#[case::default_class_not_allowed(
    json!({"allowedStorageClasses": ["a"], "defaults": {"storageClassName": "b"}}),
    "defaults.storageClassName: \"b\" is not in allowedStorageClasses"
)]
#[case::not_an_object(json!(["maxReplicas"]), "settings: must be an object, got array")]
// Settings under which every SampleDB would be refused.
#[case::default_class_no_object_name(
    json!({"defaults": {"storageClassName": "Bad_Class"}}),
    "defaults.storageClassName: \"Bad_Class\" must be a DNS-1123 subdomain"
)]
#[case::default_class_empty(
    json!({"defaults": {"storageClassName": ""}}),
    "defaults.storageClassName: \"\" must be a DNS-1123 subdomain"
)]
#[case::max_storage_zero(json!({"maxStorage": "0"}), "maxStorage: \"0\" must be greater than zero")]
#[case::max_storage_negative(json!({"maxStorage": "-1Gi"}), "maxStorage: \"-1Gi\" must be greater than zero")]
fn invalid(#[case] settings: Value, #[case] expected: &str) {
    let response = validate(settings);
    assert!(!response.valid);
    let message = response.message.unwrap();
    assert!(message.starts_with(expected), "{message}");
}

/// The answer to invalid settings is one line, whatever the keys hold.
#[test]
fn a_settings_error_is_one_line() {
    let response =
        validate(json!({"bad\nkey\t": 1, "customRules": [{"path": "$.a", "message": 3}]}));
    let message = response.message.unwrap();
    assert!(!message.chars().any(char::is_control), "{message:?}");
    assert!(
        message.starts_with("bad key : unknown setting"),
        "{message}"
    );
}

#[test]
fn every_bad_key_is_named_in_one_answer() {
    let response = validate(json!({
        "maxReplicas": "x",
        "colour": "blue",
        "defaults": {"deletionPolicy": "Destroy", "bogus": 1},
        "customRules": [{"path": "$.ok", "required": true}, {"path": "$[", "forbidden": true}]
    }));
    assert!(!response.valid);
    let message = response.message.unwrap();
    for key in [
        "colour: unknown setting",
        "maxReplicas: ",
        "defaults.bogus: unknown setting",
        "defaults.deletionPolicy: ",
        "customRules[1].path: ",
    ] {
        assert!(message.contains(key), "{key} missing from {message}");
    }
    assert!(!message.contains("customRules[0]"), "{message}");
}

#[test]
fn payload_that_is_not_json_is_invalid_settings() {
    let bytes = sampledb_policy::validate_settings(b"maxReplicas: 3").unwrap();
    let response: SettingsValidationResponse = serde_json::from_slice(&bytes).unwrap();
    assert!(!response.valid);
    assert!(
        response
            .message
            .unwrap()
            .starts_with("settings are not valid JSON: ")
    );
}

//! Create/update rules of docs/contract.md section 3, one table per rule id: the exact violations
//! (path, value, detail) and warnings each object gets.

mod common;

use common::*;
use rstest::rstest;
use sampledb_policy::formats::names::{DNS1035_LABEL, DNS1035_PREFIX, DNS1123_SUBDOMAIN};
use sampledb_policy::formats::retention::RETENTION_FORMAT;
use sampledb_policy::formats::version::{LATEST_REFUSED, VERSION_FORMAT};
use sampledb_policy::rules::object_rules::*;
use serde_json::{Value, json};

fn no_defaults() -> Value {
    json!({"applyDefaults": false})
}

fn check(object: Value, settings: Value, expected: &[String]) {
    let response = create(object, settings);
    assert_eq!(violations(&response), expected, "{:?}", response.message);
    assert_eq!(response.accepted, expected.is_empty());
}

#[rstest]
#[case::valid("example-database", json!({}), vec![])]
#[case::not_dns1035(
    "Example_DB",
    json!({}),
    vec![format!("metadata.name: Invalid value: \"Example_DB\": {DNS1035_LABEL}")]
)]
#[case::starts_with_digit("1db", json!({}), vec![format!("metadata.name: Invalid value: \"1db\": {DNS1035_LABEL}")])]
#[case::non_ascii("bäse", json!({}), vec![format!("metadata.name: Invalid value: \"bäse\": {DNS1035_LABEL}")])]
#[case::at_default_limit(&"a".repeat(50), json!({}), vec![])]
#[case::over_default_limit(
    &"a".repeat(51),
    json!({}),
    vec![format!("metadata.name: Invalid value: \"{}\": must be no more than 50 characters, so that the StatefulSet, \
        PVC and Job names derived from it fit in 63", "a".repeat(51))]
)]
#[case::over_configured_limit(
    "orders",
    json!({"maxNameLength": 5}),
    vec!["metadata.name: Invalid value: \"orders\": must be no more than 5 characters, so that the StatefulSet, PVC \
        and Job names derived from it fit in 63".to_string()]
)]
fn name_rule(#[case] name: &str, #[case] settings: Value, #[case] expected: Vec<String>) {
    let object = with(sampledb(), "/metadata/name", json!(name));
    let object = with(
        object,
        "/spec/credentials/secretName",
        json!("db-credentials"),
    );
    check(object, settings, &expected);
}

#[test]
fn name_missing_is_required_and_generate_name_is_checked_instead() {
    let object = without(sampledb(), "/metadata/name");
    check(
        object.clone(),
        json!({}),
        &[format!("metadata.name: Required value: {NAME_REQUIRED}")],
    );
    let generated = with(object.clone(), "/metadata/generateName", json!("orders-"));
    check(generated, json!({}), &[]);
    let long = with(object, "/metadata/generateName", json!("a".repeat(46)));
    check(
        long,
        json!({}),
        &[format!(
            "metadata.generateName: Invalid value: \"{}\": must be no more than 45 characters, so that the generated \
                name fits in 50",
            "a".repeat(46)
        )],
    );
}

/// A mutating policy sees a generateName before the API server appends its suffix: the prefix
/// must start a DNS-1035 label, and be short enough for the suffix.
#[rstest]
#[case::word("orders-", vec![])]
#[case::letters_digits("db2-", vec![])]
#[case::no_dash("db", vec![])]
#[case::digit_first("1db-", vec![format!("metadata.generateName: Invalid value: \"1db-\": {DNS1035_PREFIX}")])]
#[case::dot("db.x-", vec![format!("metadata.generateName: Invalid value: \"db.x-\": {DNS1035_PREFIX}")])]
#[case::dash_first("-db", vec![format!("metadata.generateName: Invalid value: \"-db\": {DNS1035_PREFIX}")])]
#[case::upper_case("Orders-", vec![format!("metadata.generateName: Invalid value: \"Orders-\": {DNS1035_PREFIX}")])]
#[case::underscore("db_", vec![format!("metadata.generateName: Invalid value: \"db_\": {DNS1035_PREFIX}")])]
#[case::empty("", vec![format!("metadata.name: Required value: {NAME_REQUIRED}")])]
#[case::bad_and_long(&format!("1{}", "a".repeat(45)), vec![
    format!("metadata.generateName: Invalid value: \"1{}\": {DNS1035_PREFIX}", "a".repeat(45)),
    format!("metadata.generateName: Invalid value: \"1{}\": must be no more than 45 characters, so that the generated \
        name fits in 50", "a".repeat(45)),
])]
fn generate_name_prefixes(#[case] prefix: &str, #[case] expected: Vec<String>) {
    let object = without(sampledb(), "/metadata/name");
    check(
        with(object, "/metadata/generateName", json!(prefix)),
        json!({}),
        &expected,
    );
}

#[rstest]
#[case::major(json!("16"), json!({}), vec![])]
#[case::major_minor_patch(json!("16.4.1"), json!({}), vec![])]
#[case::latest(json!("latest"), json!({}), vec![format!("spec.version: Invalid value: \"latest\": {LATEST_REFUSED}")])]
#[case::prefixed(json!("v16"), json!({}), vec![format!("spec.version: Invalid value: \"v16\": {VERSION_FORMAT}")])]
#[case::four_parts(
    json!("16.4.1.1"),
    json!({}),
    vec![format!("spec.version: Invalid value: \"16.4.1.1\": {VERSION_FORMAT}")]
)]
#[case::number(json!(16), json!({}), vec![format!("spec.version: Invalid value: 16: {VERSION_NOT_STRING}")])]
#[case::allowed(json!("17.1"), json!({"allowedVersions": ["16", "17"]}), vec![])]
#[case::not_allowed(
    json!("14.2"),
    json!({"allowedVersions": ["15", "16"]}),
    vec!["spec.version: Invalid value: \"14.2\": major 14 is not allowed (allowed majors: 15, 16)".to_string()]
)]
fn version_rule(#[case] version: Value, #[case] settings: Value, #[case] expected: Vec<String>) {
    check(
        with(sampledb(), "/spec/version", version),
        settings,
        &expected,
    );
}

#[test]
fn version_is_required_without_defaults() {
    let object = without(sampledb(), "/spec/version");
    check(
        object,
        no_defaults(),
        &[format!("spec.version: Required value: {VERSION_REQUIRED}")],
    );
}

#[test]
fn deprecated_major_is_accepted_with_a_warning() {
    let object = with(sampledb(), "/spec/version", json!("13.9"));
    let response = create(object, json!({"deprecatedVersions": ["13"]}));
    assert!(response.accepted);
    assert_eq!(
        warnings(&response),
        ["spec.version: major 13 is deprecated and will stop being accepted; plan an upgrade"]
    );
}

#[rstest]
#[case::one(json!(1), json!({}), vec![])]
#[case::max(json!(9), json!({}), vec![])]
#[case::zero(json!(0), json!({}), vec!["spec.replicas: Invalid value: 0: must be between 1 and 9".to_string()])]
#[case::negative(json!(-3), json!({}), vec!["spec.replicas: Invalid value: -3: must be between 1 and 9".to_string()])]
#[case::above_max(json!(11), json!({}), vec!["spec.replicas: Invalid value: 11: must be between 1 and 9".to_string()])]
#[case::above_configured_max(
    json!(5),
    json!({"maxReplicas": 3}),
    vec!["spec.replicas: Invalid value: 5: must be between 1 and 3".to_string()]
)]
#[case::beyond_u64(
    json!(1e30),
    json!({}),
    vec![format!("spec.replicas: Invalid value: 1e+30: {REPLICAS_NOT_INTEGER}")]
)]
#[case::string(json!("3"), json!({}), vec![format!("spec.replicas: Invalid value: \"3\": {REPLICAS_NOT_INTEGER}")])]
#[case::fraction(json!(2.5), json!({}), vec![format!("spec.replicas: Invalid value: 2.5: {REPLICAS_NOT_INTEGER}")])]
fn replicas_rule(#[case] replicas: Value, #[case] settings: Value, #[case] expected: Vec<String>) {
    check(
        with(sampledb(), "/spec/replicas", replicas),
        settings,
        &expected,
    );
}

#[test]
fn even_replica_count_is_accepted_with_a_warning() {
    let response = create(with(sampledb(), "/spec/replicas", json!(4)), json!({}));
    assert!(response.accepted);
    assert_eq!(
        warnings(&response),
        [
            "spec.replicas: 4 replicas tolerate no more failures than 3: an even count adds no majority quorum"
        ]
    );
    let odd = create(with(sampledb(), "/spec/replicas", json!(5)), json!({}));
    assert_eq!(warnings(&odd), Vec::<String>::new());
}

#[rstest]
#[case::binary(json!("20Gi"), json!({}), vec![])]
#[case::number(json!(1073741824), json!({}), vec![])]
#[case::decimal_exponent(json!("5e9"), json!({}), vec![])]
#[case::unit_typo(
    json!("20GB"),
    json!({}),
    vec!["spec.storage.size: Invalid value: \"20GB\": must be a Kubernetes quantity such as 20Gi, 500m or 1.5 (number, \
        then an optional suffix Ki Mi Gi Ti Pi Ei n u m k M G T P E)".to_string()]
)]
#[case::zero(json!("0"), json!({}), vec![format!("spec.storage.size: Invalid value: \"0\": {STORAGE_NOT_POSITIVE}")])]
#[case::negative(
    json!("-1Gi"),
    json!({}),
    vec![format!("spec.storage.size: Invalid value: \"-1Gi\": {STORAGE_NOT_POSITIVE}")]
)]
#[case::huge(
    json!("999999999999999999999Ei"),
    json!({}),
    vec!["spec.storage.size: Invalid value: \"999999999999999999999Ei\": is too large (or has too many digits) to be a \
        quantity".to_string()]
)]
#[case::below_min(
    json!("5Gi"),
    json!({"minStorage": "10Gi", "defaults": {"storageSize": "10Gi"}}),
    vec!["spec.storage.size: Invalid value: \"5Gi\": must be at least 10Gi".to_string()]
)]
#[case::at_min_in_other_unit(
    json!("10240Mi"),
    json!({"minStorage": "10Gi", "defaults": {"storageSize": "10Gi"}}),
    vec![]
)]
#[case::above_max(
    json!("2Ti"),
    json!({"maxStorage": "1Ti"}),
    vec!["spec.storage.size: Invalid value: \"2Ti\": must be at most 1Ti".to_string()]
)]
#[case::wrong_type(
    json!(["20Gi"]),
    json!({}),
    vec!["spec.storage.size: Invalid value: [\"20Gi\"]: must be a quantity such as \"20Gi\"".to_string()]
)]
fn storage_rule(#[case] size: Value, #[case] settings: Value, #[case] expected: Vec<String>) {
    check(
        with(sampledb(), "/spec/storage/size", size),
        settings,
        &expected,
    );
}

#[test]
fn storage_size_is_required_without_defaults() {
    let object = without(sampledb(), "/spec/storage/size");
    check(
        object,
        no_defaults(),
        &[format!(
            "spec.storage.size: Required value: {STORAGE_SIZE_REQUIRED}"
        )],
    );
    let object = without(sampledb(), "/spec/storage");
    check(
        object,
        no_defaults(),
        &[format!(
            "spec.storage.size: Required value: {STORAGE_SIZE_REQUIRED}"
        )],
    );
}

#[rstest]
#[case::any_class_when_unrestricted(json!("slow-hdd"), json!({}), vec![])]
#[case::allowed(json!("fast-ssd"), json!({"allowedStorageClasses": ["fast-ssd", "standard"]}), vec![])]
#[case::not_allowed(
    json!("slow-hdd"),
    json!({"allowedStorageClasses": ["fast-ssd", "standard"]}),
    vec!["spec.storage.storageClassName: Invalid value: \"slow-hdd\": is not an allowed storage class (allowed: \
        fast-ssd, standard)".to_string()]
)]
#[case::wrong_type(
    json!(7),
    json!({}),
    vec!["spec.storage.storageClassName: Invalid value: 7: must be a string".to_string()]
)]
fn storage_class_rule(
    #[case] class: Value,
    #[case] settings: Value,
    #[case] expected: Vec<String>,
) {
    check(
        with(sampledb(), "/spec/storage/storageClassName", class),
        settings,
        &expected,
    );
}

#[rstest]
#[case::requests_below_limits(
    json!({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "4Gi"}}),
    json!({}),
    vec![]
)]
#[case::equal_in_other_units(json!({"requests": {"memory": "1024Mi"}, "limits": {"memory": "1Gi"}}), json!({}), vec![])]
#[case::cpu_request_above_limit(
    json!({"requests": {"cpu": "2"}, "limits": {"cpu": "1500m"}}),
    json!({}),
    vec!["spec.resources.requests.cpu: Invalid value: \"2\": must be less than or equal to limits.cpu \
        1500m".to_string()]
)]
#[case::memory_request_above_limit(
    json!({"requests": {"memory": "8Gi"}, "limits": {"memory": "4Gi"}}),
    json!({}),
    vec!["spec.resources.requests.memory: Invalid value: \"8Gi\": must be less than or equal to limits.memory \
        4Gi".to_string()]
)]
#[case::invalid_quantity(
    json!({"limits": {"cpu": "two"}}),
    json!({}),
    vec!["spec.resources.limits.cpu: Invalid value: \"two\": must be a Kubernetes quantity such as 20Gi, 500m or 1.5 \
        (number, then an optional suffix Ki Mi Gi Ti Pi Ei n u m k M G T P E)".to_string()]
)]
#[case::negative(
    json!({"requests": {"ephemeral-storage": "-1Gi"}}),
    json!({}),
    vec![format!("spec.resources.requests.ephemeral-storage: Invalid value: \"-1Gi\": {QUANTITY_NEGATIVE}")]
)]
#[case::limits_required(
    json!({"limits": {"cpu": "1"}}),
    json!({"requireResourceLimits": true}),
    vec![format!("spec.resources.limits.memory: Required value: {LIMIT_REQUIRED}")]
)]
#[case::limits_given(json!({"limits": {"cpu": "1", "memory": "1Gi"}}), json!({"requireResourceLimits": true}), vec![])]
#[case::wrong_type(
    json!({"requests": "lots"}),
    json!({}),
    vec!["spec.resources.requests: Invalid value: \"lots\": must be an object".to_string()]
)]
fn resources_rule(
    #[case] resources: Value,
    #[case] settings: Value,
    #[case] expected: Vec<String>,
) {
    check(
        with(sampledb(), "/spec/resources", resources),
        settings,
        &expected,
    );
}

#[test]
fn resource_limits_required_when_section_absent() {
    check(
        sampledb(),
        json!({"requireResourceLimits": true}),
        &[
            format!("spec.resources.limits.cpu: Required value: {LIMIT_REQUIRED}"),
            format!("spec.resources.limits.memory: Required value: {LIMIT_REQUIRED}"),
        ],
    );
}

#[rstest]
#[case::subdomain(json!("shop.db-credentials"), vec![])]
#[case::upper_case(
    json!("DB_Credentials"),
    vec![format!("spec.credentials.secretName: Invalid value: \"DB_Credentials\": {DNS1123_SUBDOMAIN}")]
)]
#[case::wrong_type(json!(true), vec!["spec.credentials.secretName: Invalid value: true: must be a string".to_string()])]
fn credentials_rule(#[case] secret: Value, #[case] expected: Vec<String>) {
    check(
        with(sampledb(), "/spec/credentials/secretName", secret),
        json!({}),
        &expected,
    );
}

#[test]
fn secret_name_is_required_without_defaults() {
    let object = without(sampledb(), "/spec/credentials");
    check(
        object,
        no_defaults(),
        &[format!(
            "spec.credentials.secretName: Required value: {SECRET_NAME_REQUIRED}"
        )],
    );
}

#[rstest]
#[case::cron(json!({"schedule": "*/30 1-5 * * MON-FRI", "retention": "4w"}), json!({}), vec![])]
#[case::macro_schedule(json!({"schedule": "@weekly", "retention": "6m"}), json!({}), vec![])]
#[case::bad_cron(
    json!({"schedule": "0 25 * * *", "retention": "7d"}),
    json!({}),
    vec!["spec.backup.schedule: Invalid value: \"0 25 * * *\": hour field \"25\": 25 is out of range 0-23".to_string()]
)]
#[case::six_fields(
    json!({"schedule": "0 0 3 * * *", "retention": "7d"}),
    json!({}),
    vec!["spec.backup.schedule: Invalid value: \"0 0 3 * * *\": must have 5 fields (minute hour day-of-month month \
        day-of-week) or be a macro such as @daily, found 6".to_string()]
)]
#[case::bad_retention(
    json!({"schedule": "@daily", "retention": "7 days"}),
    json!({}),
    vec![format!("spec.backup.retention: Invalid value: \"7 days\": {RETENTION_FORMAT}")]
)]
#[case::schedule_missing(
    json!({"retention": "7d"}),
    json!({}),
    vec![format!("spec.backup.schedule: Required value: {SCHEDULE_REQUIRED}")]
)]
#[case::wrong_type(
    json!("daily"),
    json!({}),
    vec!["spec.backup: Invalid value: \"daily\": must be an object".to_string()]
)]
#[case::suspend_wrong_type(
    json!({"schedule": "@daily", "suspend": "yes"}),
    json!({}),
    vec!["spec.backup.suspend: Invalid value: \"yes\": must be true or false".to_string()]
)]
fn backup_rule(#[case] backup: Value, #[case] settings: Value, #[case] expected: Vec<String>) {
    check(
        with(sampledb(), "/spec/backup", backup),
        settings,
        &expected,
    );
}

#[test]
fn backup_section_required_by_policy() {
    let object = without(sampledb(), "/spec/backup");
    let settings = json!({"requireBackup": true, "applyDefaults": false});
    check(
        object.clone(),
        settings,
        &[format!("spec.backup: Required value: {BACKUP_REQUIRED}")],
    );
    // With defaulting on, the default schedule satisfies the requirement.
    let response = create(object, json!({"requireBackup": true}));
    assert!(response.accepted, "{:?}", response.message);
}

#[test]
fn suspended_backup_is_accepted_with_a_warning() {
    let object = with(sampledb(), "/spec/backup/suspend", json!(true));
    let response = create(object, json!({}));
    assert!(response.accepted);
    assert_eq!(
        warnings(&response),
        [format!("spec.backup.suspend: {BACKUP_SUSPENDED_WARNING}")]
    );
}

#[rstest]
#[case::snapshot("Snapshot", vec![], vec![])]
#[case::retain("Retain", vec![], vec![])]
#[case::delete("Delete", vec![], vec![format!("spec.deletionPolicy: {DELETE_POLICY_WARNING}")])]
#[case::lower_case(
    "delete",
    vec![format!("spec.deletionPolicy: Invalid value: \"delete\": {DELETION_POLICY_UNKNOWN}")],
    vec![]
)]
fn deletion_policy_rule(
    #[case] policy: &str,
    #[case] expected: Vec<String>,
    #[case] expected_warnings: Vec<String>,
) {
    let response = create(
        with(sampledb(), "/spec/deletionPolicy", json!(policy)),
        json!({}),
    );
    assert_eq!(violations(&response), expected);
    assert_eq!(warnings(&response), expected_warnings);
}

#[rstest]
#[case::spec_string("/spec", json!("db"), "spec: Invalid value: \"db\": must be an object")]
#[case::storage_array("/spec/storage", json!([]), "spec.storage: Invalid value: []: must be an object")]
#[case::credentials_number("/spec/credentials", json!(1), "spec.credentials: Invalid value: 1: must be an object")]
#[case::protection_string(
    "/spec/deletionProtection",
    json!("yes"),
    "spec.deletionProtection: Invalid value: \"yes\": must be true or false"
)]
#[case::policy_bool(
    "/spec/deletionPolicy",
    json!(false),
    "spec.deletionPolicy: Invalid value: false: must be a string"
)]
#[case::metadata_list("/metadata", json!([]), "metadata: Invalid value: []: must be an object")]
#[case::name_number("/metadata/name", json!(42), "metadata.name: Invalid value: 42: must be a string")]
fn wrong_types_are_violations_at_their_path(
    #[case] pointer: &str,
    #[case] value: Value,
    #[case] expected: &str,
) {
    let response = create(with(sampledb(), pointer, value), json!({}));
    assert_eq!(response.code, Some(422));
    assert!(
        violations(&response).contains(&expected.to_string()),
        "{:?}",
        response.message
    );
}

#[test]
fn every_violation_is_reported_at_once_with_the_warnings() {
    let object = json!({
        "apiVersion": "example.com/v1alpha1",
        "kind": "SampleDB",
        "metadata": {"name": "Bad_Name"},
        "spec": {
            "version": "latest",
            "replicas": "3",
            "storage": {"size": "0"},
            "credentials": {"secretName": "Bad"},
            "backup": {"schedule": "61 * * * *", "retention": "7y", "suspend": true},
            "deletionPolicy": "Delete"
        }
    });
    let response = create(object, json!({}));
    assert!(!response.accepted);
    assert_eq!(response.code, Some(422));
    let message = response.message.clone().unwrap();
    assert!(
        message.starts_with("SampleDB \"Bad_Name\" is invalid: metadata.name: "),
        "{message}"
    );
    let paths: Vec<String> = violation_paths(&response);
    assert_eq!(
        paths,
        [
            "metadata.name",
            "spec.version",
            "spec.replicas",
            "spec.storage.size",
            "spec.credentials.secretName",
            "spec.backup.schedule",
            "spec.backup.retention"
        ]
    );
    assert_eq!(
        warnings(&response),
        [
            format!("spec.backup.suspend: {BACKUP_SUSPENDED_WARNING}"),
            format!("spec.deletionPolicy: {DELETE_POLICY_WARNING}")
        ]
    );
}

#[test]
fn the_kubewarden_sdk_testcase_agrees_on_a_fixture() {
    let dir = env!("CARGO_MANIFEST_DIR");
    for (fixture, expected) in [
        ("create-valid.json", true),
        ("create-latest-version.json", false),
    ] {
        let case = kubewarden_policy_sdk::test::Testcase {
            name: fixture.to_string(),
            fixture_file: format!("{dir}/e2e-tests/fixtures/requests/{fixture}"),
            expected_validation_result: expected,
            settings: json!({}),
        };
        case.eval(sampledb_policy::validate)
            .expect("fixture evaluates");
    }
}

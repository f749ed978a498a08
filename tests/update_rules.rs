//! Update-only rules of docs/contract.md section 3: both objects are defaulted before they are
//! compared.

mod common;

use common::*;
use rstest::rstest;
use sampledb_policy::rules::update::{CLASS_IMMUTABLE, SECRET_IMMUTABLE, SHRINK_REFUSED};
use serde_json::{Value, json};

fn check(old: Value, new: Value, settings: Value, expected: &[String]) {
    let response = update(old, new, settings);
    assert_eq!(violations(&response), expected, "{:?}", response.message);
    assert_eq!(response.accepted, expected.is_empty());
}

#[rstest]
#[case::grow("20Gi", "30Gi", vec![])]
#[case::same_value_other_unit("1Gi", "1024Mi", vec![])]
#[case::shrink(
    "20Gi",
    "10Gi",
    vec![format!("spec.storage.size: Invalid value: \"10Gi\": may not shrink from 20Gi: {SHRINK_REFUSED}")]
)]
#[case::shrink_by_a_byte(
    "1Gi",
    "1073741823",
    vec![format!("spec.storage.size: Invalid value: \"1073741823\": may not shrink from 1Gi: {SHRINK_REFUSED}")]
)]
fn storage_grow(#[case] old: &str, #[case] new: &str, #[case] expected: Vec<String>) {
    let old = with(sampledb(), "/spec/storage/size", json!(old));
    let new = with(sampledb(), "/spec/storage/size", json!(new));
    check(old, new, json!({}), &expected);
}

#[test]
fn storage_size_default_never_reads_as_a_change() {
    let old = without(sampledb(), "/spec/storage/size");
    let new = with(sampledb(), "/spec/storage/size", json!("1Gi"));
    check(old, new, json!({}), &[]);
}

#[rstest]
#[case::unchanged(Some("fast-ssd"), Some("fast-ssd"), vec![])]
#[case::both_unset(None, None, vec![])]
#[case::changed(
    Some("fast-ssd"),
    Some("slow-hdd"),
    vec![format!("spec.storage.storageClassName: Invalid value: \"slow-hdd\": may not change (was \"fast-ssd\"): \
        {CLASS_IMMUTABLE}")]
)]
#[case::set_later(
    None,
    Some("fast-ssd"),
    vec![format!("spec.storage.storageClassName: Invalid value: \"fast-ssd\": may not change (was unset): \
        {CLASS_IMMUTABLE}")]
)]
#[case::removed(
    Some("fast-ssd"),
    None,
    vec![format!("spec.storage.storageClassName: Forbidden: may not be removed (was \"fast-ssd\"): {CLASS_IMMUTABLE}")]
)]
fn storage_class_immutable(
    #[case] old: Option<&str>,
    #[case] new: Option<&str>,
    #[case] expected: Vec<String>,
) {
    let set = |class: Option<&str>| match class {
        Some(class) => with(sampledb(), "/spec/storage/storageClassName", json!(class)),
        None => sampledb(),
    };
    check(set(old), set(new), json!({}), &expected);
}

#[test]
fn default_storage_class_applies_to_both_sides() {
    let settings = json!({"defaults": {"storageClassName": "fast-ssd"}});
    let explicit = with(
        sampledb(),
        "/spec/storage/storageClassName",
        json!("fast-ssd"),
    );
    check(sampledb(), explicit, settings, &[]);
}

#[rstest]
#[case::patch_upgrade("16.4", None, "16.5", vec![])]
#[case::one_major_up("15.8", None, "16.4", vec![])]
#[case::same("16.4", None, "16.4", vec![])]
#[case::numeric_not_lexical("9.6", None, "10.1", vec![])]
#[case::major_only_means_any_minor("16.4", None, "16", vec![])]
#[case::downgrade(
    "16.4",
    None,
    "16.2",
    vec!["spec.version: Invalid value: \"16.2\": may not go back from 16.4 (the old object's spec.version): downgrades \
        are not supported".to_string()]
)]
#[case::major_downgrade(
    "16.4",
    None,
    "15.9",
    vec!["spec.version: Invalid value: \"15.9\": may not go back from 16.4 (the old object's spec.version): downgrades \
        are not supported".to_string()]
)]
#[case::skips_a_major(
    "15.8",
    None,
    "17.0",
    vec!["spec.version: Invalid value: \"17.0\": may not skip a major version: upgrade from 15.8 (the old object's \
        spec.version) to 16 first".to_string()]
)]
#[case::status_is_the_reference(
    "16.4",
    Some("15.8"),
    "17.1",
    vec!["spec.version: Invalid value: \"17.1\": may not skip a major version: upgrade from 15.8 (the old object's \
        status.currentVersion) to 16 first".to_string()]
)]
#[case::status_allows_the_next_step("16.4", Some("15.8"), "16.1", vec![])]
#[case::below_running_version(
    "16",
    Some("16.4"),
    "16.2",
    vec!["spec.version: Invalid value: \"16.2\": may not go back from 16.4 (the old object's status.currentVersion): \
        downgrades are not supported".to_string()]
)]
fn version_path(
    #[case] old: &str,
    #[case] running: Option<&str>,
    #[case] new: &str,
    #[case] expected: Vec<String>,
) {
    let mut old = with(sampledb(), "/spec/version", json!(old));
    if let Some(running) = running {
        old = with(old, "/status/currentVersion", json!(running));
    }
    let new = with(sampledb(), "/spec/version", json!(new));
    check(old, new, json!({}), &expected);
}

#[test]
fn credentials_immutable() {
    let new = with(
        sampledb(),
        "/spec/credentials/secretName",
        json!("other-secret"),
    );
    check(
        sampledb(),
        new,
        json!({}),
        &[format!(
            "spec.credentials.secretName: Invalid value: \"other-secret\": may not change (was \
                \"example-database-credentials\"): {SECRET_IMMUTABLE}"
        )],
    );
    // The derived default equals the explicit name: not a change.
    let old = without(sampledb(), "/spec/credentials");
    check(old, sampledb(), json!({}), &[]);
}

#[test]
fn update_rules_report_together_with_create_rules() {
    let old = sampledb();
    let new = with(sampledb(), "/spec/storage/size", json!("1Gi"));
    let new = with(new, "/spec/replicas", json!(0));
    let response = update(old, new, json!({}));
    let paths: Vec<String> = violation_paths(&response);
    assert_eq!(paths, ["spec.replicas", "spec.storage.size"]);
}

#[test]
fn update_without_old_object_is_a_bad_request() {
    let response = evaluate(request("UPDATE", Some(sampledb()), None), json!({}));
    assert!(!response.accepted);
    assert_eq!(response.code, Some(400));
    assert_eq!(
        response.message.as_deref(),
        Some(sampledb_policy::entry::admission::OLD_OBJECT_MISSING)
    );
}

#[test]
fn an_object_being_deleted_can_drop_its_finalizers() {
    let old = with(
        sampledb(),
        "/metadata/deletionTimestamp",
        json!("2026-11-22T10:00:00Z"),
    );
    // Stored under an older, looser policy: replicas now above the limit.
    let old = with(old, "/spec/replicas", json!(7));
    let new = with(old.clone(), "/metadata/finalizers", json!([]));
    let response = update(old, new, json!({"maxReplicas": 3}));
    assert!(response.accepted, "{:?}", response.message);
    assert!(response.mutated_object.is_none());
}

fn being_deleted(object: Value) -> Value {
    let object = with(
        object,
        "/metadata/deletionTimestamp",
        json!("2026-11-22T10:00:00Z"),
    );
    with(
        object,
        "/metadata/finalizers",
        json!(["example.com/snapshot"]),
    )
}

/// Finalizer removal passes whatever the settings say, and with no patch: the spec is as stored.
#[rstest]
#[case::stricter_replicas(json!({"maxReplicas": 1}))]
#[case::backup_now_required(json!({"requireBackup": true, "requireResourceLimits": true}))]
#[case::version_no_longer_allowed(json!({"allowedVersions": ["17"]}))]
#[case::class_no_longer_allowed(json!({"allowedStorageClasses": ["other"]}))]
#[case::custom_rules_file(
    serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/e2e-tests/fixtures/settings/custom-rules.json"
        ))
        .unwrap()
    )
    .unwrap()
)]
fn finalizer_removal_is_never_blocked(#[case] settings: Value) {
    let old = being_deleted(with(sampledb(), "/spec/replicas", json!(3)));
    let new = with(old.clone(), "/metadata/finalizers", json!([]));
    let response = update(old, new, settings);
    assert!(response.accepted, "{:?}", response.message);
    assert!(response.mutated_object.is_none());
}

/// An update of an object being deleted that changes the spec meets the update rules and the
/// create rules, all reported at once.
#[test]
fn a_spec_change_during_deletion_is_checked() {
    let old = being_deleted(sampledb());
    let new = with(old.clone(), "/spec/storage/size", json!("1Gi"));
    let new = with(
        new,
        "/spec/credentials/secretName",
        json!("other-credentials"),
    );
    let new = with(new, "/spec/version", json!("latest"));
    let response = update(old, new, json!({}));
    assert!(!response.accepted);
    let paths: Vec<String> = violation_paths(&response);
    assert_eq!(
        paths,
        [
            "spec.version",
            "spec.storage.size",
            "spec.credentials.secretName"
        ],
        "{:?}",
        response.message
    );
}

/// Finalizers removed and the spec changed in one update: the change is what gets checked.
#[test]
fn a_finalizer_removal_that_also_changes_the_spec_is_checked() {
    let old = being_deleted(sampledb());
    let new = with(old.clone(), "/metadata/finalizers", json!([]));
    let new = with(new, "/spec/replicas", json!(12));
    let response = update(old, new, json!({}));
    assert!(!response.accepted);
    assert!(
        violations(&response)[0].starts_with("spec.replicas"),
        "{:?}",
        response.message
    );
}

/// Being deleted is a fact of the stored object: the API server sets `deletionTimestamp` and
/// ignores one a client writes.
#[rstest]
#[case::claimed_by_the_new_object_only(None, Some("2026-01-01T00:00:00Z"), false)]
#[case::set_on_the_stored_object(Some("2026-01-01T00:00:00Z"), Some("2026-01-01T00:00:00Z"), true)]
#[case::stored_but_left_out_of_the_new(Some("2026-01-01T00:00:00Z"), None, true)]
fn an_object_being_deleted_is_known_by_its_stored_version(
    #[case] stored: Option<&str>,
    #[case] claimed: Option<&str>,
    #[case] skips_the_rules: bool,
) {
    // An update that only removes a label a custom rule requires: refused unless the stored
    // object is being deleted (its finalizers must be removable).
    let settings = json!({"customRules": [{"path": "$.metadata.labels.team", "required": true}]});
    let mut old = with(sampledb(), "/metadata/labels/team", json!("payments"));
    let mut new = sampledb();
    if let Some(stamp) = stored {
        old = with(old, "/metadata/deletionTimestamp", json!(stamp));
    }
    if let Some(stamp) = claimed {
        new = with(new, "/metadata/deletionTimestamp", json!(stamp));
    }
    let response = update(old, new, settings);
    assert_eq!(response.accepted, skips_the_rules, "{:?}", response.message);
}

#[rstest]
#[case::too_many_digits("18446744073709551615")]
#[case::a_tag("latest")]
fn a_stored_version_that_does_not_parse_lets_the_change_through_with_a_warning(
    #[case] stored: &str,
) {
    use sampledb_policy::rules::update::UNKNOWN_RUNNING_VERSION;
    let old = with(sampledb(), "/spec/version", json!(stored));
    let new = with(sampledb(), "/spec/version", json!("0"));
    let response = update(old, new, json!({}));
    assert!(response.accepted, "{:?}", response.message);
    assert_eq!(
        warnings(&response),
        [format!(
            "spec.version: {UNKNOWN_RUNNING_VERSION} (the old object's spec.version is \"{stored}\")"
        )]
    );
}

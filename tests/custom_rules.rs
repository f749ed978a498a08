//! `customRules`: JSONPath rules from the settings, evaluated on the defaulted object.

mod common;

use common::*;
use serde_json::{Value, json};

#[test]
fn required_label() {
    let settings = json!({"customRules": [
        {"path": "$.metadata.labels.team", "required": true, "message": "label team is required"}
    ]});
    let response = create(sampledb(), settings.clone());
    assert_eq!(
        violations(&response),
        [
            "$.metadata.labels.team: Required value: label team is required (custom rule $.metadata.labels.team)"
        ]
    );
    let labelled = with(sampledb(), "/metadata/labels/team", json!("payments"));
    assert!(create(labelled, settings).accepted);
}

#[test]
fn forbidden_matches_are_named_by_their_location() {
    let settings = json!({"customRules": [
        {"path": "$.metadata.annotations['example.com/legacy']", "forbidden": true}
    ]});
    let object = with(
        sampledb(),
        "/metadata/annotations",
        json!({"example.com/legacy": "yes"}),
    );
    let response = create(object, settings.clone());
    assert_eq!(
        violations(&response),
        [
            "metadata.annotations[example.com/legacy]: Forbidden: is forbidden (custom rule \
                $.metadata.annotations['example.com/legacy'])"
        ]
    );
    assert!(create(sampledb(), settings).accepted);
}

#[test]
fn allowed_values_checks_every_match() {
    let settings = json!({"customRules": [
        {"path": "$.spec.resources.limits.*", "allowedValues": ["1", "2", "1Gi", "2Gi"], "message": "use a standard \
            size"}
    ]});
    let object = with(
        sampledb(),
        "/spec/resources/limits",
        json!({"cpu": "3", "memory": "2Gi"}),
    );
    let response = create(object, settings);
    assert_eq!(
        violations(&response),
        [
            "spec.resources.limits.cpu: Invalid value: \"3\": use a standard size (custom rule \
                $.spec.resources.limits.*)"
        ]
    );
}

#[test]
fn rules_see_the_defaulted_object() {
    let settings = json!({"customRules": [
        {"path": "$.spec.deletionPolicy", "allowedValues": ["Snapshot", "Retain"]}
    ]});
    let object = without(sampledb(), "/spec/deletionPolicy");
    let response = create(object.clone(), settings.clone());
    assert!(response.accepted, "the Snapshot default satisfies the rule");
    let response = create(
        with(object, "/spec/deletionPolicy", json!("Delete")),
        settings,
    );
    assert_eq!(
        violations(&response),
        [
            "spec.deletionPolicy: Invalid value: \"Delete\": must be one of \"Snapshot\", \"Retain\" (custom rule \
                $.spec.deletionPolicy)"
        ]
    );
}

#[test]
fn filters_select_matches() {
    let settings = json!({"customRules": [
        {"path": "$.spec[?@.suspend == \
            true]", "forbidden": true, "message": "backups may not be suspended in production"}
    ]});
    let suspended = with(sampledb(), "/spec/backup/suspend", json!(true));
    let response = create(suspended, settings.clone());
    assert_eq!(
        violations(&response),
        [
            "spec.backup: Forbidden: backups may not be suspended in production (custom rule $.spec[?@.suspend == \
                true])"
        ]
    );
    assert!(create(sampledb(), settings).accepted);
}

/// Numbers are equal by value, as RFC 9535 compares them, also inside lists and maps.
#[test]
fn allowed_values_compare_numbers_by_value() {
    let settings = json!({"customRules": [
        {"path": "$.spec.replicas", "allowedValues": [1.0, 3.0]},
        {"path": "$.spec.limits", "allowedValues": [{"cpu": 1.0, "sizes": [2e0]}]}
    ]});
    let object = with(sampledb(), "/spec/limits", json!({"sizes": [2], "cpu": 1}));
    let response = create(object, settings.clone());
    assert!(response.accepted, "{:?}", response.message);
    let five = with(sampledb(), "/spec/replicas", json!(5));
    assert_eq!(
        violations(&create(five, settings)),
        ["spec.replicas: Invalid value: 5: must be one of 1.0, 3.0 (custom rule $.spec.replicas)"]
    );
}

#[test]
fn filters_compare_lists_and_maps_by_value() {
    let settings = json!({"customRules": [
        {"path": "$.spec.members[?@.limits == {\"cpu\": 1}]", "forbidden": true}
    ]});
    let settings_text = settings
        .to_string()
        .replace("{\\\"cpu\\\": 1}", "$.spec.template");
    let settings: Value = serde_json::from_str(&settings_text).unwrap();
    let object = with(
        with(sampledb(), "/spec/template", json!({"cpu": 1.0})),
        "/spec/members",
        json!([{"limits": {"cpu": 1}}, {"limits": {"cpu": 2}}]),
    );
    let response = create(object, settings);
    assert_eq!(
        violation_paths(&response),
        ["spec.members[0]"],
        "{:?}",
        response.message
    );
}

/// Integers compare exactly in filters as in `allowedValues`: 2^53 + 1 is not 2^53.
#[test]
fn large_integers_compare_exactly_in_filters() {
    let settings =
        json!({"customRules": [{"path": "$.spec.ids[?@ == 9007199254740993]", "forbidden": true}]});
    let object = with(
        sampledb(),
        "/spec/ids",
        json!([9007199254740992_u64, 9007199254740993_u64]),
    );
    assert_eq!(violation_paths(&create(object, settings)), ["spec.ids[1]"]);
}

//! Whatever the object and the settings, an answer is bounded: its message and warnings stay
//! within 64 KB and on one line each, and custom rules stop at the request's budget with a
//! violation naming the rule rather than running past policy-server's deadline.

mod common;

use common::*;
use kubewarden_policy_sdk::response::ValidationResponse;
use sampledb_policy::rules::custom::{CUSTOM_RULES_BUDGET, OUT_OF_BUDGET};
use serde_json::{Map, Value, json};

const MAX_ANSWER_TEXT: usize = 64 * 1024;

/// The message and the warnings: what a user reads, bounded whatever the input.
fn assert_bounded(response: &ValidationResponse) {
    let message = response.message.as_deref().unwrap_or("");
    let text = message.len() + warnings(response).iter().map(String::len).sum::<usize>();
    assert!(text <= MAX_ANSWER_TEXT, "{text} bytes");
    for line in std::iter::once(message).chain(warnings(response).iter().map(String::as_str)) {
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
}

fn forbid(path: &str) -> Value {
    json!({"customRules": [{"path": path, "forbidden": true}]})
}

#[test]
fn a_match_under_a_huge_key_is_named_by_a_shortened_path() {
    let key = "k".repeat(30_000);
    let object = with(
        sampledb(),
        &format!("/spec/x/{key}"),
        json!({"a": 1, "b": 2}),
    );
    let response = create(object, forbid("$.spec.x..*"));
    assert_bounded(&response);
    let paths = violation_paths(&response);
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(
        paths.iter().all(|p| p.len() <= 256 && p.ends_with("...")),
        "{paths:?}"
    );
}

#[test]
fn a_hundred_huge_resource_names_draw_a_bounded_answer() {
    let limits: Map<String, Value> = (0..100)
        .map(|i| (format!("{i}{}", "r".repeat(28_000)), json!("lots")))
        .collect();
    let object = with(sampledb(), "/spec/resources/limits", Value::Object(limits));
    let response = create(object, json!({}));
    assert_eq!(response.code, Some(422));
    assert_bounded(&response);
}

#[test]
fn long_details_and_many_violations_are_cut_and_counted() {
    let allowed: Vec<Value> = (0..500)
        .map(|i| json!(format!("value-{i}-{}", "v".repeat(60))))
        .collect();
    let labels: Map<String, Value> = (0..100_000)
        .map(|i| (format!("l{i}"), json!("not-allowed")))
        .collect();
    let settings = json!({"customRules": [
        {"path": "$.metadata.labels.*", "allowedValues": allowed, "message": "m".repeat(10_000)}
    ]});
    let object = with(sampledb(), "/metadata/labels", Value::Object(labels));
    let response = create(object, settings);
    assert_bounded(&response);
    let message = response.message.unwrap();
    let listed = message.matches(": Invalid value: ").count();
    assert!(listed >= 10, "{listed} listed");
    assert!(
        message.ends_with(&format!("; ... and {} more violations", 100_000 - listed)),
        "{}",
        &message[message.len() - 80..]
    );
}

#[test]
fn one_more_violation_is_said_in_the_singular() {
    let labels: Map<String, Value> = (0..101).map(|i| (format!("l{i}"), json!("x"))).collect();
    let object = with(sampledb(), "/metadata/labels", Value::Object(labels));
    let response = create(object, forbid("$.metadata.labels.*"));
    assert!(
        response
            .message
            .unwrap()
            .ends_with("; ... and 1 more violation")
    );
}

#[test]
fn keys_with_control_characters_are_escaped_in_paths() {
    let object = with(sampledb(), "/metadata/labels", json!({"a\nb\tc": "x"}));
    let response = create(object, forbid("$.metadata.labels.*"));
    assert_bounded(&response);
    assert_eq!(violation_paths(&response), ["metadata.labels[a\\nb\\tc]"]);
}

/// An object `depth` levels deep, each level a map with one key `a`.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, _| json!({"a": inner}))
}

#[test]
fn a_rule_that_would_outrun_the_deadline_is_stopped_and_named() {
    let object = with(sampledb(), "/spec/deep", nested(60));
    let path = "$..a..a..a..a..a";
    let settings = json!({"customRules": [
        {"path": "$.spec.replicas", "allowedValues": [3]},
        {"path": path, "forbidden": true},
        {"path": "$.metadata.labels.team", "required": true}
    ]});
    let response = create(object, settings);
    assert_bounded(&response);
    let violations = violations(&response);
    let stopped = format!(
        "{path}: Forbidden: {OUT_OF_BUDGET}, custom rules after it not evaluated: 1 (custom rule {path})"
    );
    assert_eq!(violations[0], stopped, "listed first");
    assert!(OUT_OF_BUDGET.contains(&format!(" {CUSTOM_RULES_BUDGET} steps")));
}

#[test]
fn the_same_rule_on_a_shallow_object_is_evaluated_whole() {
    let object = with(sampledb(), "/spec/deep", nested(8));
    let response = create(object, forbid("$..a..a..a..a..a"));
    let paths = violation_paths(&response);
    assert!(
        paths.iter().all(|p| p.starts_with("spec.deep.a")),
        "{paths:?}"
    );
    assert!(!response.message.unwrap().contains(OUT_OF_BUDGET));
}

/// Work a filter does on what it reads is charged too: `length()` of a long string, repeated by
/// descendant segments for every node above it, once ran for minutes within the step budget.
#[test]
fn counting_a_long_string_again_and_again_is_charged() {
    let chain = (0..60).fold(json!("s".repeat(1_000_000)), |inner, _| json!({"a": inner}));
    let object = with(sampledb(), "/spec/deep", chain);
    let response = create(object, forbid("$..*..*..[?length(@) > 64]"));
    assert_bounded(&response);
    assert!(response.message.unwrap().contains(OUT_OF_BUDGET));
}

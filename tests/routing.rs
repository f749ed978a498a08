//! Which requests the policy looks at, delete protection, and malformed payloads.

mod common;

use common::*;
use rstest::rstest;
use sampledb_policy::entry::admission::{NO_KIND, NO_REQUEST, OBJECT_MISSING, PAYLOAD_NOT_JSON};
use serde_json::json;

#[test]
fn delete_of_a_protected_sampledb_is_refused_with_how_to_unprotect() {
    let old = with(sampledb(), "/spec/deletionProtection", json!(true));
    let response = evaluate(request("DELETE", None, Some(old)), json!({}));
    assert!(!response.accepted);
    assert_eq!(response.code, Some(403));
    assert_eq!(
        response.message.as_deref(),
        Some(
            "SampleDB \"example-database\" is protected from deletion (spec.deletionProtection: true); switch \
                protection off first with `kubectl patch sampledb example-database -n shop --type merge -p \
                '{\"spec\":{\"deletionProtection\":false}}'`, then delete it again"
        )
    );
}

#[rstest]
#[case::unprotected(json!(false))]
#[case::absent(serde_json::Value::Null)]
#[case::not_a_bool(json!("true"))]
fn delete_without_protection_is_accepted(#[case] protection: serde_json::Value) {
    let old = with(sampledb(), "/spec/deletionProtection", protection);
    let response = evaluate(request("DELETE", None, Some(old)), json!({}));
    assert!(response.accepted);
    assert!(response.mutated_object.is_none());
}

#[test]
fn other_kinds_are_accepted_untouched() {
    let mut pod_request = request("CREATE", Some(json!({"kind": "Pod", "spec": {}})), None);
    pod_request["kind"] = json!({"group": "", "version": "v1", "kind": "Pod"});
    let response = evaluate(pod_request, json!({}));
    assert!(response.accepted);
    assert!(response.mutated_object.is_none());
    assert!(response.warnings.is_none());

    let mut other_group = request("CREATE", Some(json!({"spec": {}})), None);
    other_group["kind"]["group"] = json!("other.example.org");
    assert!(evaluate(other_group, json!({})).accepted);
}

#[test]
fn status_subresource_updates_are_not_checked() {
    let mut req = request(
        "UPDATE",
        Some(with(sampledb(), "/spec/replicas", json!(0))),
        Some(sampledb()),
    );
    req["subResource"] = json!("status");
    assert!(evaluate(req, json!({})).accepted);
}

#[rstest]
#[case::missing(None)]
#[case::null(Some(serde_json::Value::Null))]
#[case::string(Some(json!("not an object")))]
#[case::list(Some(json!([1, 2])))]
fn create_without_an_object_is_a_bad_request(#[case] object: Option<serde_json::Value>) {
    let mut req = request("CREATE", None, None);
    match object {
        Some(object) => req["object"] = object,
        None => {
            req.as_object_mut().unwrap().remove("object");
        }
    }
    let response = evaluate(req, json!({}));
    assert!(!response.accepted);
    assert_eq!(response.code, Some(400));
    assert_eq!(response.message.as_deref(), Some(OBJECT_MISSING));
}

#[test]
fn malformed_payloads_get_an_answer() {
    let not_json = evaluate_raw(b"{\"request\": ");
    assert_eq!(not_json.code, Some(400));
    assert!(not_json.message.unwrap().starts_with(PAYLOAD_NOT_JSON));

    let invalid_utf8 = evaluate_raw(b"\xff\xfe{}");
    assert_eq!(invalid_utf8.code, Some(400));

    let no_request = evaluate_raw(b"{\"settings\": {}}");
    assert_eq!(no_request.code, Some(400));
    assert_eq!(no_request.message.as_deref(), Some(NO_REQUEST));

    let no_kind = evaluate_raw(br#"{"request": {"operation": "CREATE", "object": {}}}"#);
    assert_eq!(no_kind.code, Some(400));
    assert_eq!(no_kind.message.as_deref(), Some(NO_KIND));

    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep = evaluate_raw(format!("{{\"request\": {deep}}}").as_bytes());
    assert_eq!(deep.code, Some(400));
}

#[test]
fn invalid_settings_in_a_validate_call_are_reported_not_crashed_on() {
    let response = evaluate(
        request("CREATE", Some(sampledb()), None),
        json!({"maxReplicas": "nine"}),
    );
    assert!(!response.accepted);
    assert_eq!(response.code, Some(500));
    assert_eq!(
        response.message.as_deref(),
        Some(
            "the policy settings are not valid: maxReplicas: must be an integer from 1 to 4294967295, got \"nine\""
        )
    );
}

#[test]
fn connect_and_unknown_operations_are_accepted() {
    assert!(evaluate(request("CONNECT", Some(sampledb()), None), json!({})).accepted);
}

//! Reading the `validate` payload: the selective reader (which skips what no decision reads)
//! must see every payload exactly as reading it whole does, malformed ones included.

use rstest::rstest;
use sampledb_policy::model::payload::{READ_FIELDS, read, read_whole};
use serde_json::{Value, json};
use std::path::Path;

fn both(payload: &[u8]) -> (Result<Value, String>, Result<Value, String>) {
    let seen = |result: Result<sampledb_policy::model::payload::Payload, serde_json::Error>| {
        result
            .map(|payload| json!({"request": payload.request, "settings": payload.settings}))
            .map_err(|error| error.to_string())
    };
    (seen(read(payload)), seen(read_whole(payload)))
}

#[test]
fn every_fixture_request_is_read_as_reading_it_whole_does() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e-tests/fixtures/requests");
    let mut count = 0;
    for entry in std::fs::read_dir(fixtures).unwrap() {
        let document: Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        let request = document.get("request").unwrap_or(&document);
        let settings = json!({"maxReplicas": 5, "defaults": {"storageSize": "2Gi"}});
        let payload = serde_json::to_vec(&json!({"request": request, "settings": settings}));
        let (selective, whole) = both(&payload.unwrap());
        assert_eq!(selective, whole);
        assert_eq!(selective.unwrap()["settings"], settings);
        count += 1;
    }
    assert!(count >= 40, "only {count} fixtures read");
}

#[test]
fn only_the_fields_a_decision_reads_are_kept_in_their_order() {
    let payload = json!({
        "request": {
            "uid": "1", "object": {"b": 1, "a": 2}, "userInfo": {"username": "alice"},
            "kind": {"kind": "SampleDB"}, "dryRun": false, "operation": "CREATE",
            "namespace": "shop", "subResource": "", "oldObject": null, "options": {}
        },
        "settings": {"maxReplicas": 3},
        "extra": [1, 2, 3]
    });
    let bytes = serde_json::to_vec(&payload).unwrap();
    let read = read(&bytes).unwrap();
    let request = read.request.unwrap();
    let keys: Vec<&str> = request.keys().collect();
    assert_eq!(
        keys,
        [
            "object",
            "userInfo",
            "kind",
            "operation",
            "namespace",
            "subResource",
            "oldObject"
        ]
    );
    assert!(keys.iter().all(|key| READ_FIELDS.contains(key)));
    let object = request.get("object").and_then(|object| object.as_object());
    let object_keys: Vec<&str> = object.unwrap().keys().collect();
    assert_eq!(object_keys, ["b", "a"]);
    assert_eq!(read.settings.to_value(), json!({"maxReplicas": 3}));
}

#[rstest]
#[case::not_json(b"{\"request\": ".as_slice())]
#[case::trailing_characters(b"{\"request\": {}} x")]
#[case::not_utf8(b"{\"request\": {\"uid\": \"\xff\"}}")]
#[case::empty(b"")]
#[case::top_level_array(b"[{\"request\": {}}]")]
#[case::top_level_number(b"1.5")]
#[case::request_array(b"{\"request\": [1, 2]}")]
#[case::request_null(b"{\"request\": null, \"settings\": {}}")]
#[case::request_float(b"{\"request\": 2.5}")]
#[case::no_request(b"{\"settings\": {\"maxReplicas\": 3}}")]
#[case::request_given_twice(
    b"{\"request\": {\"operation\": \"CREATE\"}, \"request\": {\"operation\": \"DELETE\"}}"
)]
#[case::object_replaced_by_a_later_non_object(b"{\"request\": {\"object\": {}}, \"request\": 7}")]
#[case::field_given_twice(b"{\"request\": {\"operation\": \"CREATE\", \"operation\": \"UPDATE\"}}")]
#[case::escaped_key(b"{\"re\\u0071uest\": {\"ob\\u006aect\": {\"a\": 1}, \"user\\u0049nfo\": 1}}")]
#[case::bad_escape_in_a_skipped_field(b"{\"request\": {\"uid\": \"\\x\"}}")]
#[case::deep_object(&deep_object())]
fn malformed_and_unusual_payloads_are_read_as_reading_them_whole_does(#[case] payload: &[u8]) {
    let (selective, whole) = both(payload);
    assert_eq!(selective, whole);
}

fn deep_object() -> Vec<u8> {
    let nested = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    format!("{{\"request\": {{\"object\": {nested}}}}}").into_bytes()
}

#[test]
fn a_payload_that_is_not_json_names_the_parse_error() {
    let (selective, _) = both(b"{\"request\": ");
    assert_eq!(
        selective.unwrap_err(),
        "EOF while parsing a value at line 1 column 12"
    );
}
/// The one difference, by design: a field no decision reads is checked for JSON syntax only, not
/// against the limits `Value` adds (nesting depth, lone UTF-16 surrogates). Such a request is
/// evaluated on the fields that are read instead of being refused as not JSON.
#[rstest]
#[case::lone_surrogate("\"\\ud800\"", "unexpected end of hex escape at line 1 column 28")]
#[case::nesting_past_the_limit(
    &format!("{}1{}", "[".repeat(300), "]".repeat(300)),
    "recursion limit exceeded at line 1 column 146"
)]
fn limits_apply_to_the_fields_that_are_read_only(#[case] skipped: &str, #[case] whole_error: &str) {
    let payload = format!("{{\"request\": {{\"uid\": {skipped}, \"operation\": \"CREATE\"}}}}");
    let (selective, whole) = both(payload.as_bytes());
    assert_eq!(whole.unwrap_err(), whole_error);
    assert_eq!(
        selective.unwrap(),
        json!({"request": {"operation": "CREATE"}, "settings": null})
    );
}

/// The read tree against serde_json itself (both readers above build it): every fixture's
/// request, read and written back, is the text serde_json's `Value` gives, key order included.
#[test]
fn every_fixture_request_reads_and_writes_as_serde_json_does() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e-tests/fixtures/requests");
    for entry in std::fs::read_dir(fixtures).unwrap() {
        let path = entry.unwrap().path();
        let document: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let request = document.get("request").unwrap_or(&document);
        let payload = serde_json::to_vec(&json!({"request": request, "settings": {}})).unwrap();
        let read = read(&payload).unwrap();
        let mut expected = request.as_object().unwrap().clone();
        expected.retain(|key, _| READ_FIELDS.contains(&key.as_str()));
        assert_eq!(
            serde_json::to_string(&read.request).unwrap(),
            serde_json::to_string(&expected).unwrap(),
            "{}",
            path.display()
        );
    }
}

//! What the cluster checks make of the host's raw answers, read as policy-server hands them over
//! (`items_of_answer`, as in the module): an answer of the wrong shape is a failed lookup, never
//! an empty cluster; the host's multi-line errors become one short line; the reads that a user's
//! fix must reach are asked fresh.

mod common;

use common::*;
use kubewarden_policy_sdk::response::ValidationResponse;
use rstest::rstest;
use sampledb_policy::cluster::{ClusterView, Item, Query, items_of_answer};
use sampledb_policy::model::findings::MAX_WARNING_CHARS;
use serde_json::{Value, json};
use std::cell::RefCell;

const SECRET_OK: &str = concat!(
    r#"{"apiVersion":"v1","kind":"Secret","#,
    r#""metadata":{"name":"example-database-credentials","namespace":"shop"},"#,
    r#""data":{"username":"eA==","password":"eA=="}}"#
);
const PROBE_NOT_FOUND: &str = "Cannot find storage.k8s.io/v1/StorageClass named 'sampledb-policy-read-probe' inside of \
    namespace 'None'";
const DEFAULT_CLASSES: &str = concat!(
    r#"{"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"standard","#,
    r#""annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"#,
    r#""allowVolumeExpansion":true}]}"#
);

/// A host that answers each kind of lookup with fixed raw bytes (or an error), and records the
/// payload of every call the module made.
struct RawHost {
    secret: Result<String, String>,
    class_list: Result<String, String>,
    calls: RefCell<Vec<Value>>,
}

impl RawHost {
    fn new(secret: Result<&str, &str>, class_list: Result<&str, &str>) -> RawHost {
        RawHost {
            secret: secret.map(str::to_string).map_err(str::to_string),
            class_list: class_list.map(str::to_string).map_err(str::to_string),
            calls: RefCell::new(Vec::new()),
        }
    }
}

impl ClusterView for RawHost {
    fn read(&self, query: &Query) -> Result<Vec<Item>, String> {
        self.calls
            .borrow_mut()
            .push(serde_json::from_str(&query.payload()).unwrap());
        let answer = match query {
            Query::Secret { .. } => self.secret.clone(),
            Query::ClassReadProbe => Err(PROBE_NOT_FOUND.to_string()),
            Query::StorageClasses => self.class_list.clone(),
            Query::StorageClass { .. } | Query::CanI(_) => Err("unexpected".to_string()),
        };
        items_of_answer(query, answer.map(String::into_bytes))
    }
}

fn run(host: &RawHost, mode: &str) -> ValidationResponse {
    let settings = json!({"credentialsSecretCheck": mode, "storageClassCheck": mode});
    let request = request("CREATE", Some(sampledb()), None);
    let payload = json!({"request": request, "settings": settings}).to_string();
    serde_json::from_slice(&sampledb_policy::validate_with(payload.as_bytes(), host).unwrap())
        .unwrap()
}

#[rstest]
#[case::a_bare_array_even_with_a_default_class(
    r#"[{"metadata":{"name":"standard","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}]"#,
    "the host's answer is not an object but array"
)]
#[case::a_number("42", "the host's answer is not an object but number")]
#[case::an_object_without_items(
    r#"{"kind":"List"}"#,
    "the host's answer is not a list: it has no items"
)]
#[case::items_that_are_no_list(
    r#"{"items":{}}"#,
    "the host's answer has an items field that is not a list"
)]
#[case::not_json("<html>", "the host's answer is not JSON")]
fn a_class_list_of_the_wrong_shape_is_a_failed_lookup(#[case] answer: &str, #[case] reason: &str) {
    let host = RawHost::new(Ok(SECRET_OK), Ok(answer));
    let denied = run(&host, "Deny");
    assert_eq!(denied.code, Some(500), "{:?}", denied.message);
    let expected = format!(
        "cannot check the cluster: looking up the StorageClasses (kubernetes/list_resources_all) failed: {reason}"
    );
    assert!(
        denied.message.as_deref().unwrap().starts_with(&expected),
        "{:?}",
        denied.message
    );
    let warned = run(&host, "Warn");
    assert!(warned.accepted);
    assert!(
        warnings(&warned)
            .iter()
            .any(|w| w.contains("looking up the StorageClasses") && w.contains(reason)),
        "{:?}",
        warned.warnings
    );
}

#[test]
fn an_empty_class_list_is_a_cluster_without_classes() {
    for answer in [r#"{"items":[]}"#, r#"{"items":null}"#] {
        let response = run(&RawHost::new(Ok(SECRET_OK), Ok(answer)), "Deny");
        assert_eq!(response.code, Some(422), "{answer}: {:?}", response.message);
        assert!(
            response
                .message
                .unwrap()
                .contains("the cluster has no default StorageClass")
        );
    }
}

#[test]
fn an_object_of_another_kind_is_not_the_secret() {
    let config_map = SECRET_OK.replace(r#""kind":"Secret""#, r#""kind":"ConfigMap""#);
    let response = run(&RawHost::new(Ok(&config_map), Ok(DEFAULT_CLASSES)), "Deny");
    assert_eq!(response.code, Some(500));
    assert_eq!(
        response.message.as_deref(),
        Some(
            "cannot check the cluster: looking up Secret shop/example-database-credentials (kubernetes/get_resource) \
                failed: the host answered with a ConfigMap, not a Secret"
        )
    );
}

#[rstest]
#[case::in_data(r#""data":{"username":"eA==","password":null}"#)]
#[case::in_string_data(r#""stringData":{"username":"x","password":null}"#)]
fn a_key_whose_value_is_null_is_missing(#[case] data: &str) {
    let secret = SECRET_OK.replace(r#""data":{"username":"eA==","password":"eA=="}"#, data);
    let response = run(&RawHost::new(Ok(&secret), Ok(DEFAULT_CLASSES)), "Deny");
    assert_eq!(response.code, Some(422));
    assert!(
        violations(&response)
            .iter()
            .any(|v| v.ends_with("the Secret lacks the keys password")),
        "{:?}",
        response.message
    );
}

/// policy-server's error for a forbidden read, as kube-rs and anyhow print it (`{:?}`: the
/// chain of causes after a blank line), wrapped by policy-evaluator and the waPC guest.
fn host_error(first_line: &str) -> String {
    format!(
        "Host error: Callback evaluation failure: {first_line}\n\nCaused by:\n    0: ApiError: Forbidden\n\t1: {}",
        "detail ".repeat(400)
    )
}

const FORBIDDEN: &str = concat!(
    r#"secrets "example-database-credentials" is forbidden: "#,
    r#"User "system:serviceaccount:kubewarden:policy-server" cannot get resource "secrets" "#,
    r#"in API group "" in the namespace "shop""#
);

#[rstest]
#[case::kube_rs_chain(host_error(FORBIDDEN))]
#[case::tabs_and_carriage_returns(format!("\t{FORBIDDEN}\r\n\u{7}more\u{1b}[31m"))]
#[case::one_very_long_line(format!("{FORBIDDEN} {}", "x".repeat(100_000)))]
#[case::blank_first_lines(format!("\n\n  \n{FORBIDDEN}\nsecond"))]
#[case::nothing(String::new())]
fn a_failed_lookup_is_told_on_one_short_line_that_names_it_first(#[case] error: String) {
    let host = RawHost::new(Err(&error), Err(&error));
    let warned = run(&host, "Warn");
    assert!(warned.accepted);
    let warnings = warnings(&warned);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    for warning in &warnings {
        assert!(!warning.chars().any(char::is_control), "{warning:?}");
        assert!(
            warning.len() <= MAX_WARNING_CHARS,
            "{} bytes",
            warning.len()
        );
        assert!(!warning.contains("Caused by"), "{warning}");
        assert!(!warning.contains("Host error"), "{warning}");
    }
    assert!(
        warnings[0].starts_with(
            "cannot check the cluster: looking up Secret shop/example-database-credentials (kubernetes/get_resource) \
                failed, the check was skipped: "
        ),
        "{}",
        warnings[0]
    );
    if !error.trim().is_empty() {
        assert!(
            warnings[0].contains(r#"secrets "example-database-credentials" is forbidden"#),
            "{}",
            warnings[0]
        );
    }
    let denied = run(&host, "Deny");
    let message = denied.message.unwrap();
    assert_eq!(denied.code, Some(500));
    assert!(!message.chars().any(char::is_control), "{message:?}");
    assert!(message.len() <= 1024, "{} bytes", message.len());
}

#[test]
fn the_secret_and_the_class_are_read_fresh_the_probe_may_be_cached() {
    let host = RawHost::new(Ok(SECRET_OK), Ok(DEFAULT_CLASSES));
    assert!(run(&host, "Deny").accepted);
    let fresh: Vec<(String, Value)> = host
        .calls
        .borrow()
        .iter()
        .map(|call| {
            (
                call["name"].as_str().unwrap_or("(list)").to_string(),
                call["disable_cache"].clone(),
            )
        })
        .collect();
    assert_eq!(
        fresh,
        [
            ("example-database-credentials".to_string(), json!(true)),
            ("sampledb-policy-read-probe".to_string(), json!(false)),
            ("(list)".to_string(), Value::Null),
        ]
    );
    let named = Query::StorageClass {
        name: "fast-ssd".to_string(),
    };
    let payload: Value = serde_json::from_str(&named.payload()).unwrap();
    assert_eq!(payload["disable_cache"], json!(true));
}

/// Each lookup asks policy-server (1.33+) for no more than the checks read: a Secret's keys, a
/// class's expansion flag; identity and metadata always come back.
#[test]
fn lookups_ask_only_for_the_fields_the_checks_read() {
    let host = RawHost::new(Ok(SECRET_OK), Ok(DEFAULT_CLASSES));
    assert!(run(&host, "Deny").accepted);
    let masks: Vec<Value> = host
        .calls
        .borrow()
        .iter()
        .map(|call| call["field_masks"].clone())
        .collect();
    assert_eq!(
        masks,
        [
            json!(["data", "stringData"]),
            json!(["allowVolumeExpansion"]),
            json!(["allowVolumeExpansion"])
        ]
    );
    let named = Query::StorageClass {
        name: "fast-ssd".to_string(),
    };
    let payload: Value = serde_json::from_str(&named.payload()).unwrap();
    assert_eq!(payload["field_masks"], json!(["allowVolumeExpansion"]));
}

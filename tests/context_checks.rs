//! The context-aware checks (credentials Secret, StorageClass) under Off, Warn and Deny, against
//! an in-memory cluster: found, missing, missing keys, no default class, a class that cannot
//! expand a growing volume, and a lookup that fails.

mod common;

use common::*;
use kubewarden_policy_sdk::response::ValidationResponse;
use rstest::rstest;
use sampledb_policy::cluster::{ClusterView, InMemoryCluster, Item, Query};
use sampledb_policy::rules::cluster_checks::NAMESPACE_ASSUMED;
use serde_json::{Value, json};
use std::cell::RefCell;

/// An in-memory cluster that records every lookup made.
struct Recorded {
    cluster: InMemoryCluster,
    queries: RefCell<Vec<Query>>,
}

impl ClusterView for Recorded {
    fn read(&self, query: &Query) -> Result<Vec<Item>, String> {
        self.queries.borrow_mut().push(query.clone());
        self.cluster.read(query)
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
    Expect::Finding("spec.credentials.secretName", "no Secret example-database-credentials in namespace shop: the \
        database and backup Pods could not start")
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
    Expect::LookupFailure("cannot check the cluster: looking up Secret shop/example-database-credentials \
        (kubernetes/get_resource) failed: connection refused")
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
            let skipped = message.replacen(" failed: ", " failed, the check was skipped: ", 1);
            assert_eq!(warnings[0], skipped);
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
        vec![Query::ClassReadProbe, Query::StorageClasses],
        "an update checks no Secret (the name is immutable); the class list follows a direct read"
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
#[case::mode(
    json!({"storageClassCheck": "Strict"}),
    "storageClassCheck: must be one of Off, Warn, Deny, got \"Strict\""
)]
#[case::mode_type(json!({"credentialsSecretCheck": true}), "credentialsSecretCheck: must be a string, got true")]
#[case::mode_number(json!({"credentialsSecretCheck": 1}), "credentialsSecretCheck: must be a string, got 1")]
#[case::keys_type(
    json!({"credentialsSecretKeys": "password"}),
    "credentialsSecretKeys: must be a list, got \"password\""
)]
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
            "spec.credentials.secretName: Invalid value: \"example-database-credentials\": the Secret lacks the keys \
                dsn"
        ]
    );
}

/// A host that answers every lookup with every object it has, whatever was asked: what a
/// selector steered by the object's own fields would give. Only the object asked for counts.
struct AnswersEverything(Vec<Value>);

impl ClusterView for AnswersEverything {
    fn read(&self, _query: &Query) -> Result<Vec<Item>, String> {
        Ok(self.0.iter().cloned().map(Item::from).collect())
    }
}

fn run_against(request: Value, view: &dyn ClusterView) -> ValidationResponse {
    let settings = json!({"credentialsSecretCheck": "Deny", "storageClassCheck": "Deny"});
    let payload = json!({"request": request, "settings": settings}).to_string();
    serde_json::from_slice(&sampledb_policy::validate_with(payload.as_bytes(), view).unwrap())
        .unwrap()
}

#[rstest]
#[case::secret_of_another_name(
    vec![
        { let mut s = secret(&["username", "password"]); s["metadata"]["name"] = json!("other"); s },
        class("standard", true, true)
    ],
    "spec.credentials.secretName: Not found: no Secret example-database-credentials in namespace shop"
)]
#[case::secret_of_another_namespace(
    vec![
        { let mut s = secret(&["username", "password"]); s["metadata"]["namespace"] = json!("other"); s },
        class("standard", true, true)
    ],
    "spec.credentials.secretName: Not found: no Secret example-database-credentials in namespace shop"
)]
#[case::class_of_another_name(
    vec![secret(&["username", "password"]), class("standard", true, true)],
    "spec.storage.storageClassName: Not found: no StorageClass gold in the cluster"
)]
fn an_answer_about_another_object_is_not_the_object(
    #[case] cluster: Vec<Value>,
    #[case] expected: &str,
) {
    let object = with(sampledb(), "/spec/storage/storageClassName", json!("gold"));
    let response = run_against(create_request(object), &AnswersEverything(cluster));
    assert!(!response.accepted);
    assert!(
        violations(&response)
            .iter()
            .any(|v| v.starts_with(expected)),
        "{:?}",
        response.message
    );
}

/// A class name that is no object name is a violation, and nothing is looked up for it.
#[rstest]
#[case::selector_operator("=standard")]
#[case::selector_list("standard,metadata.name!=x")]
#[case::upper_case("Standard")]
#[case::empty("")]
#[case::space("fast ssd")]
#[case::too_long(&"a".repeat(254))]
fn a_class_name_that_could_steer_a_lookup_is_refused_unlooked(#[case] name: &str) {
    let object = with(sampledb(), "/spec/storage/storageClassName", json!(name));
    let (response, queries) = run(
        create_request(object),
        "Deny",
        InMemoryCluster::new(healthy()),
    );
    assert!(!response.accepted);
    assert_eq!(
        violations(&response),
        vec![format!(
            "spec.storage.storageClassName: Invalid value: {}: {}",
            sampledb_policy::model::findings::render_value(&json!(name)),
            sampledb_policy::rules::object_rules::STORAGE_CLASS_NAME_FORMAT
        )]
    );
    assert!(queries.is_empty(), "{queries:?}");
}

/// The Secret is looked up where the API server will store the SampleDB: the object's
/// namespace, else the request's; only with neither is `default` assumed, and said.
#[rstest]
#[case::object_namespace(Some("shop"), Some("elsewhere"), "shop", false)]
#[case::request_namespace(None, Some("shop"), "shop", false)]
#[case::neither(None, None, "default", true)]
fn the_secret_is_looked_up_in_the_objects_namespace(
    #[case] object_namespace: Option<&str>,
    #[case] request_namespace: Option<&str>,
    #[case] looked_in: &str,
    #[case] assumed: bool,
) {
    let mut object = sampledb();
    match object_namespace {
        Some(ns) => object["metadata"]["namespace"] = json!(ns),
        None => {
            object["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("namespace");
        }
    }
    let mut request = create_request(object);
    match request_namespace {
        Some(ns) => request["namespace"] = json!(ns),
        None => {
            request.as_object_mut().unwrap().remove("namespace");
        }
    }
    let (response, queries) = run(request, "Deny", InMemoryCluster::new(vec![]));
    assert_eq!(
        queries[0],
        Query::Secret {
            namespace: looked_in.into(),
            name: "example-database-credentials".into()
        }
    );
    let message = response.message.unwrap_or_default();
    assert!(
        message.contains(&format!("in namespace {looked_in}")),
        "{message}"
    );
    assert_eq!(message.contains(NAMESPACE_ASSUMED), assumed, "{message}");
}

/// Where the class read fails (RBAC missing, API server unreachable), the list that would wait
/// on policy-server's cache is never made.
#[test]
fn a_failed_class_read_stops_before_the_class_list() {
    let cluster = InMemoryCluster {
        objects: healthy(),
        failing: Some("storageclasses.storage.k8s.io is forbidden (Forbidden)".into()),
    };
    let (response, queries) = run(grow_request(None), "Deny", cluster);
    assert_eq!(response.code, Some(500));
    assert_eq!(queries, vec![Query::ClassReadProbe]);
    assert_eq!(
        response.message.as_deref(),
        Some(
            "cannot check the cluster: looking up the StorageClasses (kubernetes/get_resource) failed: \
                storageclasses.storage.k8s.io is forbidden (Forbidden)"
        )
    );
}

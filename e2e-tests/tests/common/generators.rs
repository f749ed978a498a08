//! The property tests' generators of SampleDB objects, settings and requests, shared by the
//! properties test and the wasmtime differential test (e2e-tests/wasmtime-host), which includes
//! this file by path. Fixed seeds only: the same cases on every run.
#![allow(dead_code)]

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};
use std::path::Path;

fn settings_fixture(fixtures: &Path, name: &str) -> Value {
    sampledb_e2e::fixtures::read_json(&fixtures.join("settings").join(format!("{name}.json")))
}

fn pick(values: Vec<Value>) -> impl Strategy<Value = Value> {
    proptest::sample::select(values)
}

fn maybe(strategy: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
    proptest::option::weighted(0.7, strategy)
}

fn object_of(fields: Vec<(&'static str, Option<Value>)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect::<Map<_, _>>(),
    )
}

fn storage() -> impl Strategy<Value = Value> {
    (
        maybe(pick(vec![
            json!("20Gi"),
            json!("1024Mi"),
            json!("0"),
            json!("5e9"),
            json!("-1Gi"),
            json!("lots"),
            json!(42),
            json!([]),
        ])),
        maybe(pick(vec![
            json!("fast-ssd"),
            json!("standard"),
            json!(""),
            json!(7),
        ])),
        maybe(pick(vec![json!({"kept": true}), json!(null)])),
    )
        .prop_map(|(size, class, extra)| {
            object_of(vec![
                ("size", size),
                ("storageClassName", class),
                ("x-extra", extra),
            ])
        })
}

fn backup() -> impl Strategy<Value = Value> {
    (
        maybe(pick(vec![
            json!("0 3 * * *"),
            json!("@daily"),
            json!("*/15 1-5 * jan-mar MON"),
            json!("61 * * * *"),
            json!(3),
        ])),
        maybe(pick(vec![
            json!("7d"),
            json!("4w"),
            json!("0d"),
            json!("1y"),
            json!(false),
        ])),
        maybe(pick(vec![json!(true), json!(false), json!("no")])),
    )
        .prop_map(|(schedule, retention, suspend)| {
            object_of(vec![
                ("schedule", schedule),
                ("retention", retention),
                ("suspend", suspend),
            ])
        })
}

fn spec() -> impl Strategy<Value = Value> {
    (
        maybe(pick(vec![
            json!("16"), json!("16.4"), json!("15.2.1"), json!("latest"), json!("v16"), json!(16),
            json!(null)
        ])),
        maybe(pick(vec![json!(1), json!(3), json!(4), json!(0), json!(12), json!("3"), json!(2.5), json!(null)])),
        maybe(storage()),
        maybe(pick(vec![
            json!({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}}),
            json!({"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}),
            json!({"limits": "x"}),
        ])),
        maybe(pick(vec![json!({"secretName": "db-credentials"}), json!({"secretName": "Bad"}), json!({}), json!("s")])),
        maybe(backup()),
        maybe(pick(vec![json!("Snapshot"), json!("Delete"), json!("Retain"), json!("destroy"), json!(1)])),
        maybe(pick(vec![json!(true), json!(false), json!("yes")])),
        maybe(pick(vec![json!({"nested": [1, {"a": null}]}), json!("unknown")])),
    )
        .prop_map(|(version, replicas, storage, resources, credentials, backup, policy, protection, unknown)| {
            object_of(vec![
                ("version", version),
                ("replicas", replicas),
                ("storage", storage),
                ("resources", resources),
                ("credentials", credentials),
                ("backup", backup),
                ("deletionPolicy", policy),
                ("deletionProtection", protection),
                ("zUnknownField", unknown),
            ])
        })
}

pub fn sampledb() -> impl Strategy<Value = Value> {
    (
        pick(vec![
            json!("db"),
            json!("orders-2"),
            json!("Bad_Name"),
            json!("a".repeat(60)),
            json!(5),
        ]),
        maybe(pick(vec![json!({"team": "payments"}), json!({})])),
        maybe(pick(vec![
            json!(["a", "b", "c", "d", "e"]),
            json!([]),
            json!(["only"]),
        ])),
        maybe(spec()),
        maybe(pick(vec![
            json!({"currentVersion": "15.9"}),
            json!({"currentVersion": "16.4", "phase": "Ready"}),
        ])),
    )
        .prop_map(|(name, labels, finalizers, spec, status)| {
            let metadata = object_of(vec![
                ("name", Some(name)),
                ("namespace", Some(json!("shop"))),
                ("labels", labels),
                ("finalizers", finalizers),
            ]);
            object_of(vec![
                ("apiVersion", Some(json!("example.com/v1alpha1"))),
                ("kind", Some(json!("SampleDB"))),
                ("metadata", Some(metadata)),
                ("spec", spec),
                ("status", status),
            ])
        })
}

/// SampleDBs built from valid values only, each field present or not: most are accepted, so the
/// defaulting properties get exercised on every run rather than on the few random objects that pass.
pub fn valid_sampledb() -> impl Strategy<Value = Value> {
    let storage = (
        maybe(pick(vec![
            json!("20Gi"),
            json!("10240Mi"),
            json!("5e10"),
            json!(21474836480u64),
        ])),
        maybe(pick(vec![json!("fast-ssd")])),
    )
        .prop_map(|(size, class)| object_of(vec![("size", size), ("storageClassName", class)]));
    let backup = (
        pick(vec![
            json!("0 3 * * *"),
            json!("@daily"),
            json!("*/15 1-5 * jan-mar MON"),
        ]),
        maybe(pick(vec![json!("7d"), json!("4w")])),
        maybe(pick(vec![json!(true), json!(false)])),
    )
        .prop_map(|(schedule, retention, suspend)| {
            object_of(vec![
                ("schedule", Some(schedule)),
                ("retention", retention),
                ("suspend", suspend),
            ])
        });
    let spec = (
        maybe(pick(vec![json!("16"), json!("16.4"), json!("17.1")])),
        maybe(pick(vec![json!(1), json!(3), json!(4)])),
        maybe(storage),
        maybe(pick(vec![json!({"secretName": "db-credentials"})])),
        maybe(backup),
        maybe(pick(vec![json!("Snapshot"), json!("Retain")])),
        maybe(pick(vec![json!(true), json!(false)])),
        maybe(pick(vec![
            json!({"nested": [1, {"a": null}]}),
            json!("unknown"),
        ])),
    )
        .prop_map(
            |(version, replicas, storage, credentials, backup, policy, protection, unknown)| {
                object_of(vec![
                    ("version", version),
                    ("replicas", replicas),
                    ("storage", storage),
                    ("credentials", credentials),
                    ("backup", backup),
                    ("deletionPolicy", policy),
                    ("deletionProtection", protection),
                    ("zUnknownField", unknown),
                ])
            },
        );
    (maybe(spec), maybe(pick(vec![json!({"phase": "Ready"})]))).prop_map(|(spec, status)| {
        object_of(vec![
            ("apiVersion", Some(json!("example.com/v1alpha1"))),
            ("kind", Some(json!("SampleDB"))),
            (
                "metadata",
                Some(json!({"name": "db", "namespace": "shop", "labels": {"team": "payments"}})),
            ),
            ("spec", spec),
            ("status", status),
        ])
    })
}

/// Pieces of JSONPath that `customRules` paths are built from: selectors, filters, and slice
/// bounds and steps at the edges of 32-bit integers and of RFC 9535's range, which on wasm32
/// (32-bit `usize`) once made the module trap.
const PATH_PIECES: &[&str] = &[
    ".metadata",
    ".spec",
    ".finalizers",
    ".labels",
    ".*",
    "..*",
    "..a",
    "[0]",
    "[-1]",
    "[1:]",
    "[::-1]",
    "[::2147483648]",
    "[::4294967296]",
    "[::4294967297]",
    "[::-4294967297]",
    "[4294967296:]",
    "[-4294967296::-1]",
    "[::9007199254740991]",
    "[-9007199254740991:9007199254740991:4294967296]",
    "[?@ == 3]",
    "[?@ == {'nested': [1, {'a': null}]}]",
    "[?length(@) > 1]",
];

/// Settings with generated `customRules`: paths from [`PATH_PIECES`], each rule forbidding its
/// matches, allowing some values only, or requiring a match.
pub fn custom_rules() -> impl Strategy<Value = Value> {
    let path = proptest::collection::vec(proptest::sample::select(PATH_PIECES), 1..5)
        .prop_map(|pieces| format!("${}", pieces.concat()));
    let rule = (
        path,
        pick(vec![
            json!({"forbidden": true}),
            json!({"allowedValues": [3.0, "a", "shop", {"team": "payments"}]}),
            json!({"required": true}),
        ]),
    )
        .prop_map(|(path, mut rule)| {
            rule["path"] = json!(path);
            rule
        });
    proptest::collection::vec(rule, 1..4).prop_map(|rules| json!({"customRules": rules}))
}

/// One of the settings fixtures in `fixtures`, or generated custom rules: for properties where
/// the answer may depend on key order (custom rules report matches in document order).
pub fn any_settings(fixtures: &Path) -> impl Strategy<Value = Value> + use<> {
    prop_oneof![settings(fixtures), custom_rules()]
}

/// One of the settings fixtures in `fixtures` (the e2e-tests fixtures folder).
pub fn settings(fixtures: &Path) -> impl Strategy<Value = Value> + use<> {
    pick(
        [
            "default",
            "restricted",
            "validate-only",
            "strict",
            "custom-rules",
        ]
        .into_iter()
        .map(|name| settings_fixture(fixtures, name))
        .collect(),
    )
}

/// The AdmissionRequest of a generated object (and, for an UPDATE, its old version).
pub fn request(operation: &str, object: &Value, old: Option<&Value>) -> Value {
    json!({
        "uid": "property",
        "kind": {"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"},
        "operation": operation,
        "object": object,
        "oldObject": old
    })
}

/// The `validate` payload: the request and the settings.
pub fn payload(operation: &str, object: &Value, old: Option<&Value>, settings: &Value) -> Vec<u8> {
    json!({"request": request(operation, object, old), "settings": settings})
        .to_string()
        .into_bytes()
}

/// A fixed seed: the same `cases` on every run, so CI can't pass or fail by luck.
pub fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

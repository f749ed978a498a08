//! Any bytes as settings: `validate_settings` always answers, and settings it accepts never make
//! `validate` fail.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let bytes = sampledb_policy::validate_settings(data).expect("validate_settings always answers");
    let response: Value = serde_json::from_slice(&bytes).expect("JSON");
    if response["valid"] != true {
        assert!(response["message"].is_string());
        return;
    }
    let settings: Value = serde_json::from_slice(data).expect("valid settings are JSON");
    let payload = json!({
        "request": {
            "uid": "fuzz",
            "kind": {"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"},
            "operation": "CREATE",
            "object": {"metadata": {"name": "db", "labels": {"team": "a"}}, "spec": {"version": "16.4", "replicas": 3}}
        },
        "settings": settings
    });
    // A reachable, empty cluster: a 500 could then only come from the settings themselves.
    let cluster = sampledb_policy::cluster::InMemoryCluster::new(Vec::new());
    let bytes = sampledb_policy::validate_with(payload.to_string().as_bytes(), &cluster).expect("an answer");
    let answer: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_ne!(answer["code"], json!(500), "settings accepted by validate_settings were refused by validate");
});

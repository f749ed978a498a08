//! The worst inputs that fit the API server's 3 MB request limit, on policy-server's engine:
//! each answer is bounded (the first 100 violations, then a count) and arrives well inside the
//! 2 s evaluation deadline (past it the host interrupts the guest and the call fails). Prints
//! time and answer size for each: a report, not a timed assertion.

use sampledb_e2e::host::Evaluator;
use sampledb_wasmtime_host::WasmtimePolicy;
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Instant;

const API_SERVER_LIMIT: usize = 3 * 1024 * 1024;

fn policy() -> WasmtimePolicy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../annotated-policy.wasm");
    let bytes =
        std::fs::read(&path).expect("annotated-policy.wasm: run make annotated-policy.wasm");
    WasmtimePolicy::from_bytes(&bytes).unwrap()
}

fn sampledb() -> Value {
    json!({
        "apiVersion": "example.com/v1alpha1", "kind": "SampleDB",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"version": "16.4", "replicas": 3, "storage": {"size": "20Gi"},
                 "credentials": {"secretName": "db-credentials"},
                 "backup": {"schedule": "0 3 * * *", "retention": "7d"}, "deletionPolicy": "Snapshot"}
    })
}

fn payload(object: Value, settings: Value) -> Vec<u8> {
    let request = json!({
        "uid": "worst", "kind": {"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"},
        "operation": "CREATE", "namespace": "shop", "object": object
    });
    json!({"request": request, "settings": settings})
        .to_string()
        .into_bytes()
}

/// As many `key: value` pairs as fit in the limit.
fn filling(prefix: &str, value: Value, count: usize) -> Value {
    Value::Object(
        (0..count)
            .map(|i| (format!("{prefix}{i:06}"), value.clone()))
            .collect::<Map<_, _>>(),
    )
}

#[test]
fn the_worst_inputs_get_bounded_answers_in_time() {
    let policy = policy();
    let mut quantities = sampledb();
    quantities["spec"]["resources"] = json!({"requests": filling("r", json!("lots"), 175_000)});
    let mut labels = sampledb();
    labels["metadata"]["labels"] = filling("l", json!("v"), 150_000);
    let forbid = json!({"customRules": [{"path": "$.metadata.labels.*", "forbidden": true}]});
    let mut big_labels = sampledb();
    big_labels["metadata"]["labels"] =
        filling("example.com/label-", json!("x".repeat(150)), 17_000);
    let cases = [
        (
            "175,000 invalid quantities",
            payload(quantities, json!({})),
            Some(175_000),
        ),
        (
            "150,000 labels forbidden by a custom rule",
            payload(labels, forbid),
            Some(150_000),
        ),
        (
            "3 MB of valid labels (accepted)",
            payload(big_labels, json!({})),
            None,
        ),
    ];
    for (label, payload, violations) in cases {
        assert!(
            payload.len() <= API_SERVER_LIMIT,
            "{label}: {} bytes",
            payload.len()
        );
        let started = Instant::now();
        let answer = policy.call("validate", &payload).expect(label);
        let elapsed = started.elapsed();
        let response: Value = serde_json::from_slice(&answer).unwrap();
        match violations {
            Some(count) => {
                assert_eq!(response["accepted"], json!(false), "{label}");
                let message = response["message"].as_str().unwrap();
                assert!(
                    message.ends_with(&format!("... and {} more violations", count - 100)),
                    "{label}"
                );
                assert!(answer.len() < 40 * 1024, "{label}: {} bytes", answer.len());
            }
            None => assert_eq!(response["accepted"], json!(true), "{label}"),
        }
        eprintln!(
            "worst input on wasmtime: {label}: request {} bytes, answer {} bytes, {:.1} ms",
            payload.len(),
            answer.len(),
            elapsed.as_secs_f64() * 1e3
        );
    }
}

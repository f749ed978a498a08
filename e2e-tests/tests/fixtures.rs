//! Every case of the project's suites (e2e-tests/suites) through the real policy.wasm (a fresh
//! instance per evaluation) and through the same code natively: both answers must be identical,
//! reach the user through the API server whole, and match the case's expectations.

mod common;

use common::*;
use policy_run::review;
use policy_run::suite::answerers::cluster_of;
use policy_run::suite::{self, Case, Difference, Suite};
use policy_run::{NativePolicy, PolicyConfig};
use serde_json::json;
use std::collections::BTreeSet;

/// Every suite of e2e-tests/suites.
fn suites() -> Vec<Suite> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
    let files = suite::cli::suite_files(&[dir]).expect("e2e-tests/suites");
    files
        .iter()
        .map(|f| suite::load(f).unwrap_or_else(|e| panic!("{e:#}")))
        .collect()
}

fn check_case(suite: &Suite, case: &Case) -> Result<(), String> {
    let label = format!("{}:{} {}", suite.path.display(), case.line, case.name);
    let answer = review::run(
        &wasm().against(cluster_of(case).unwrap()),
        &case.request,
        &suite.config,
    )
    .map_err(|e| format!("{label}: {e}"))?;
    let native_cluster = cluster_of(case).unwrap();
    let native = review::run(&NativePolicy(&native_cluster), &case.request, &suite.config)
        .map_err(|e| format!("{label}: {e}"))?;
    if answer != native {
        return Err(format!(
            "{label}: wasm and native disagree:\n{answer}\n{native}"
        ));
    }
    api_server::assert_answer_reaches_the_user(&label, &answer);
    let mut differences = suite::expect::compare(&case.expect, &answer, &case.object);
    differences.extend(defaults_added_exactly(case, &answer));
    if differences.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = differences
        .iter()
        .map(|d| {
            format!(
                "  {}: expected {}, actual {}",
                d.field, d.expected, d.actual
            )
        })
        .collect();
    Err(format!(
        "{label}:\n{}\n  answer: {answer}",
        listed.join("\n")
    ))
}

/// Stricter than a suite's `stored` (which compares only the fields it names): in the project's
/// own cases, every value a default adds is the whole value the case expects there.
fn defaults_added_exactly(case: &Case, answer: &serde_json::Value) -> Vec<Difference> {
    let Some(stored) = &case.expect.stored else {
        return Vec::new();
    };
    let patch = review::decoded_patch(answer)
        .ok()
        .flatten()
        .unwrap_or(json!([]));
    let ops = patch.as_array().cloned().unwrap_or_default();
    ops.iter()
        .filter_map(|op| {
            let pointer = op["path"].as_str().unwrap_or("");
            let expected = stored.pointer(pointer);
            (expected != Some(&op["value"])).then(|| Difference {
                field: format!("default added at {pointer}"),
                expected: expected.map_or("nothing".into(), |v| v.to_string()),
                actual: op["value"].to_string(),
            })
        })
        .collect()
}

#[test]
fn every_case_through_the_wasm_module_matches_native_and_expectation() {
    let suites = suites();
    let failures: Vec<String> = suites
        .iter()
        .flat_map(|suite| {
            suite
                .cases
                .iter()
                .filter_map(|case| check_case(suite, case).err())
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_request_fixture_has_a_case() {
    let named: BTreeSet<String> = suites()
        .iter()
        .flat_map(|suite| suite.cases.iter().map(|case| case.request.to_string()))
        .collect();
    let dir = fixtures().join("requests");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let request = review::admission_request(&read_json(&path)).to_string();
        assert!(
            named.contains(&request),
            "fixture {} is in no suite",
            path.display()
        );
    }
}

#[test]
fn mutating_false_turns_a_mutation_into_a_rejection() {
    let manifest = json!({
        "apiVersion": "policies.kubewarden.io/v1", "kind": "ClusterAdmissionPolicy",
        "metadata": {"name": "sampledb"},
        "spec": {"module": "file:///policy.wasm", "mutating": false, "settings": {}}
    });
    let config = PolicyConfig::from_manifest(&manifest).unwrap();
    let answer = review::run(wasm(), &request_fixture("create-minimal"), &config).unwrap();
    assert_eq!(answer["allowed"], json!(false));
    assert_eq!(
        answer["status"]["message"],
        json!(review::MUTATION_NOT_ALLOWED)
    );
    assert!(answer.get("patch").is_none());
    // With applyDefaults: false the same policy accepts a complete object.
    let manifest = json!({
        "kind": "ClusterAdmissionPolicy",
        "spec": {"mutating": false, "settings": {"applyDefaults": false}}
    });
    let config = PolicyConfig::from_manifest(&manifest).unwrap();
    let answer = review::run(wasm(), &request_fixture("create-valid"), &config).unwrap();
    assert_eq!(answer["allowed"], json!(true));
}

#[test]
fn monitor_mode_accepts_and_keeps_the_warnings() {
    let manifest = json!({
        "kind": "ClusterAdmissionPolicy",
        "spec": {"mode": "monitor", "mutating": true, "settings": {}}
    });
    let config = PolicyConfig::from_manifest(&manifest).unwrap();
    let answer = review::run(wasm(), &request_fixture("create-many-violations"), &config).unwrap();
    assert_eq!(answer["allowed"], json!(true));
    assert!(answer.get("status").is_none());
    assert_eq!(answer["warnings"].as_array().unwrap().len(), 2);
}

#[test]
fn invalid_settings_stop_the_run_with_kwctls_message() {
    let config = PolicyConfig::from_settings(settings_fixture("invalid"));
    let error = review::run(wasm(), &request_fixture("create-valid"), &config).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("Provided settings are not valid: "),
        "{message}"
    );
    for key in [
        "colour: unknown setting",
        "maxReplicas: ",
        "minStorage: 2Ti is greater",
        "customRules[0].path: does not compile",
    ] {
        assert!(message.contains(key), "{key} missing from {message}");
    }
}

#[test]
fn protocol_version_is_v1() {
    let bytes = policy_run::Evaluator::call(wasm(), "protocol_version", b"").unwrap();
    assert_eq!(bytes, br#""v1""#);
}

#[test]
fn the_host_refuses_capabilities_the_policy_must_not_use() {
    use policy_run::capabilities::Cluster;
    use policy_run::host::host_callback;
    let not_granted = Cluster::NotGranted;
    let error =
        host_callback(&not_granted, "kubewarden", "oci", "manifest_digest", b"{}").unwrap_err();
    assert_eq!(
        error.to_string(),
        "host capability kubewarden/oci/manifest_digest is not offered to this policy"
    );
    // Kubernetes lookups are refused until granted, with kwctl's words.
    let request = br#"{"api_version":"v1","kind":"Secret","namespace":"shop"}"#;
    let error = host_callback(
        &not_granted,
        "kubewarden",
        "kubernetes",
        "list_resources_by_namespace",
        request,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Policy has not been granted access to Kubernetes v1/Secret resources. The violation has been reported."
    );
    assert!(host_callback(&not_granted, "kubewarden", "tracing", "log", b"{}").is_ok());
}

//! Every fixture in `cases.json` through the real policy.wasm (a fresh instance per evaluation)
//! and through the same code natively: both answers must be identical and match the expectation.

mod common;

use common::*;
use sampledb_e2e::capabilities::Cluster;
use sampledb_e2e::review::{self, decoded_patch};
use sampledb_e2e::{NativePolicy, PolicyConfig};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    settings: Option<String>,
    allowed: bool,
    code: Option<u16>,
    #[serde(default)]
    violations: Vec<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    patch: Vec<(String, String, Value)>,
    message_contains: Option<String>,
    /// A kwctl session (fixtures/sessions/NAME.yml) answering the cluster lookups.
    session: Option<String>,
    /// The AdmissionResponse's auditAnnotations (a break-glass exception).
    audit_annotations: Option<Value>,
}

fn cases() -> Vec<Case> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cases.json");
    serde_json::from_value(read_json(&path)).expect("cases.json")
}

fn check_case(case: &Case) -> Result<(), String> {
    let label = format!(
        "{} [{}]",
        case.name,
        case.settings.as_deref().unwrap_or("default")
    );
    let document = request_fixture(&case.name);
    let config = PolicyConfig::from_settings(settings_fixture(
        case.settings.as_deref().unwrap_or("default"),
    ));
    // A session is consumed as it is replayed: each run gets its own copy.
    let cluster = || match &case.session {
        Some(name) => {
            let path = fixtures().join("sessions").join(format!("{name}.yml"));
            Cluster::from_session_file(&path).unwrap()
        }
        None => Cluster::NotGranted,
    };
    let answer = review::run(&wasm().against(cluster()), &document, &config)
        .map_err(|e| format!("{label}: {e}"))?;
    let native_cluster = cluster();
    let native = review::run(&NativePolicy(&native_cluster), &document, &config)
        .map_err(|e| format!("{label}: {e}"))?;
    if answer != native {
        return Err(format!(
            "{label}: wasm and native disagree:\n{answer}\n{native}"
        ));
    }
    api_server::assert_answer_reaches_the_user(&label, &answer);
    let mut problems = Vec::new();
    if answer["allowed"] != json!(case.allowed) {
        problems.push(format!(
            "allowed {} expected {}",
            answer["allowed"], case.allowed
        ));
    }
    if answer["status"].get("code").and_then(Value::as_u64) != case.code.map(u64::from) {
        problems.push(format!(
            "code {} expected {:?}",
            answer["status"]["code"], case.code
        ));
    }
    if violation_paths(&answer) != case.violations {
        problems.push(format!(
            "violations {:?} expected {:?}",
            violation_paths(&answer),
            case.violations
        ));
    }
    let warnings: Vec<String> =
        serde_json::from_value(answer.get("warnings").cloned().unwrap_or(json!([]))).unwrap();
    if warnings != case.warnings {
        problems.push(format!(
            "warnings {warnings:?} expected {:?}",
            case.warnings
        ));
    }
    let patch = decoded_patch(&answer)
        .map_err(|e| format!("{label}: {e}"))?
        .unwrap_or(json!([]));
    // Compared as JSON values (key order inside a value is not part of a patch), sorted by path.
    let mut ops: Vec<Value> = patch
        .as_array()
        .unwrap()
        .iter()
        .map(|op| json!([op["op"], op["path"], op["value"]]))
        .collect();
    let mut expected: Vec<Value> = case
        .patch
        .iter()
        .map(|(op, path, value)| json!([op, path, value]))
        .collect();
    let by_path = |a: &Value, b: &Value| a[1].as_str().cmp(&b[1].as_str());
    ops.sort_by(by_path);
    expected.sort_by(by_path);
    if ops != expected {
        problems.push(format!("patch {ops:?} expected {expected:?}"));
    }
    if answer.get("auditAnnotations") != case.audit_annotations.as_ref() {
        problems.push(format!(
            "auditAnnotations {:?} expected {:?}",
            answer.get("auditAnnotations"),
            case.audit_annotations
        ));
    }
    if let Some(fragment) = &case.message_contains
        && !answer["status"]["message"]
            .as_str()
            .unwrap_or("")
            .contains(fragment.as_str())
    {
        problems.push(format!(
            "message {} lacks {fragment:?}",
            answer["status"]["message"]
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{label}: {}\n  answer: {answer}",
            problems.join("; ")
        ))
    }
}

#[test]
fn every_case_through_the_wasm_module_matches_native_and_expectation() {
    let failures: Vec<String> = cases()
        .iter()
        .filter_map(|case| check_case(case).err())
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
    let named: BTreeSet<String> = cases().into_iter().map(|case| case.name).collect();
    let dir = fixtures().join("requests");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let name = file.trim_end_matches(".json");
        assert!(
            named.contains(name),
            "fixture {file} has no case in cases.json"
        );
    }
}

#[test]
fn defaults_only_ever_add() {
    for case in cases() {
        assert!(
            case.patch.iter().all(|(op, _, _)| op == "add"),
            "{}",
            case.name
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
    let manifest = json!({"kind": "ClusterAdmissionPolicy", "spec": {"mutating": false, "settings": {"applyDefaults": false}}});
    let config = PolicyConfig::from_manifest(&manifest).unwrap();
    let answer = review::run(wasm(), &request_fixture("create-valid"), &config).unwrap();
    assert_eq!(answer["allowed"], json!(true));
}

#[test]
fn monitor_mode_accepts_and_keeps_the_warnings() {
    let manifest = json!({"kind": "ClusterAdmissionPolicy", "spec": {"mode": "monitor", "mutating": true, "settings": {}}});
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
    let bytes = sampledb_e2e::Evaluator::call(wasm(), "protocol_version", b"").unwrap();
    assert_eq!(bytes, br#""v1""#);
}

#[test]
fn the_host_refuses_capabilities_the_policy_must_not_use() {
    use sampledb_e2e::capabilities::Cluster;
    use sampledb_e2e::host::host_callback;
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

//! The `policy-run` command as a user types it.

use std::process::Command;

fn policy_run(args: &[&str]) -> std::process::Output {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    Command::new(env!("CARGO_BIN_EXE_policy-run"))
        .current_dir(root)
        .args(args)
        .output()
        .expect("policy-run starts")
}

#[test]
fn prints_an_admission_response_like_kwctl() {
    let output = policy_run(&[
        "run",
        "--request-path",
        "e2e-tests/fixtures/requests/create-latest-version.json",
        "--settings-json",
        "{}",
        "policy.wasm",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["allowed"], false);
    assert_eq!(answer["status"]["code"], 422);
    let request: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/requests/create-latest-version.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(answer["uid"], request["uid"]);
}

#[test]
fn invalid_settings_exit_non_zero_with_the_reason() {
    let output = policy_run(&[
        "run",
        "--request-path",
        "e2e-tests/fixtures/requests/create-valid.json",
        "--settings-path",
        "e2e-tests/fixtures/settings/invalid.json",
        "policy.wasm",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("Provided settings are not valid: "),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn missing_request_path_is_a_usage_error() {
    let output = policy_run(&["run", "policy.wasm"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--request-path is required"));
}

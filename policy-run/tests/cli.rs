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
            "/../e2e-tests/fixtures/requests/create-latest-version.json"
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

/// Break glass with `--cluster-state`: the RBAC of `policies/break-glass-rbac.yaml` answers
/// `can_i` as the API server's authorizer would. The team bound to the role restores an older
/// backup; another user's identical request is refused, naming the missing permission.
#[test]
fn break_glass_is_granted_by_the_rbac_of_a_cluster_state() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../e2e-tests/fixtures/requests/update-break-glass-restore.json"
    );
    let mut request: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let dir = std::env::temp_dir().join(format!("policy-run-break-glass-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let answer = |request: &serde_json::Value, name: &str| {
        let path = dir.join(name);
        std::fs::write(&path, request.to_string()).unwrap();
        let output = policy_run(&[
            "run",
            "--cluster-state",
            "policies/break-glass-rbac.yaml",
            "--request-path",
            path.to_str().unwrap(),
            "--settings-path",
            "e2e-tests/fixtures/settings/break-glass.json",
            "policy.wasm",
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let granted = answer(&request, "sre.json");
    assert_eq!(granted["allowed"], true, "{granted}");
    assert_eq!(
        granted["auditAnnotations"]["break-glass-user"],
        "alice@example.com"
    );
    assert!(
        granted["auditAnnotations"]["reason"].is_null()
            && granted["auditAnnotations"]["break-glass-reason"]
                .as_str()
                .unwrap()
                .starts_with("INC-4711")
    );

    request["userInfo"] = serde_json::json!({"username": "bob@example.com", "groups": ["dev"]});
    let refused = answer(&request, "dev.json");
    assert_eq!(refused["allowed"], false, "{refused}");
    let message = refused["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("break glass not honoured: user bob@example.com may not bypass sampledbs in namespace shop"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

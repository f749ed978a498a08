//! `policy-run check` as a GitOps pipeline runs it: plain SampleDB manifests against a policy
//! manifest, with the policy.wasm module.

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `policy-run check --module policy.wasm ARGS...` in the repository root, `stdin` piped in.
fn check(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policy-run"))
        .current_dir(root())
        .args(["check", "--module", "policy.wasm"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("policy-run starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const PROTECT: &str = "policies/cluster-admission-policy.yaml";
const MONITOR: &str = "policies/cluster-admission-policy-monitor.yaml";
const VALIDATE_ONLY: &str = "policies/cluster-admission-policy-validate-only.yaml";

fn sampledb(namespace: Option<&str>, name: &str, spec: Value) -> String {
    let mut metadata = json!({"name": name});
    if let Some(namespace) = namespace {
        metadata["namespace"] = json!(namespace);
    }
    serde_yaml::to_string(&json!({
        "apiVersion": "example.com/v1alpha1", "kind": "SampleDB", "metadata": metadata, "spec": spec
    }))
    .unwrap()
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policy-run-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn every_example_gets_the_outcome_its_name_says() {
    for entry in std::fs::read_dir(root().join("policies/examples")).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        let run = check(&["--policy-path", PROTECT, path.to_str().unwrap()], "");
        if file.starts_with("good-") {
            assert_eq!(run.code, 0, "{file}: {}{}", run.stdout, run.stderr);
            assert!(run.stdout.starts_with("✓ "), "{file}: {}", run.stdout);
            assert!(
                run.stdout
                    .ends_with("1 accepted, 0 rejected, 0 warnings, 0 skipped\n"),
                "{}",
                run.stdout
            );
        } else {
            assert_eq!(run.code, 1, "{file}: {}{}", run.stdout, run.stderr);
            assert!(run.stdout.starts_with("✗ "), "{file}: {}", run.stdout);
            assert!(
                run.stdout.contains("\n    spec."),
                "{file}: every violation on its own line: {}",
                run.stdout
            );
        }
    }
}

#[test]
fn a_bad_object_shows_every_violation_with_its_path() {
    let run = check(
        &[
            "--policy-path",
            PROTECT,
            "policies/examples/bad-many-violations-sampledb.yaml",
        ],
        "",
    );
    let paths: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("    "))
        .map(|line| line.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "spec.version",
            "spec.replicas",
            "spec.storage.size",
            "spec.resources.requests.memory",
            "spec.backup.schedule",
            "spec.backup.retention"
        ],
        "{}",
        run.stdout
    );
}

#[test]
fn multi_document_stdin_skips_other_kinds_and_fills_the_namespace() {
    let input = [
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n".to_string(),
        sampledb(Some("shop"), "orders", json!({})),
        sampledb(None, "ledger", json!({"version": "16.4"})),
    ]
    .join("---\n");
    let run = check(
        &["--policy-path", PROTECT, "--namespace", "finance", "-"],
        &input,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "✓ shop/orders accepted, defaults added: spec.backup, spec.credentials, \
        spec.deletionPolicy, spec.replicas, spec.storage, spec.version\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("✓ finance/ledger accepted, defaults added:"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("2 accepted, 0 rejected, 0 warnings, 1 skipped\n"),
        "{}",
        run.stdout
    );
    // Without --namespace, as kubectl: the default namespace.
    let run = check(
        &["--policy-path", PROTECT, "-"],
        &sampledb(None, "ledger", json!({})),
    );
    assert!(
        run.stdout.starts_with("✓ default/ledger accepted"),
        "{}",
        run.stdout
    );
}

#[test]
fn old_turns_matching_objects_into_updates() {
    let stored = temp_file(
        "main.yaml",
        &sampledb(
            Some("shop"),
            "orders",
            json!({"version": "16", "storage": {"size": "20Gi"}}),
        ),
    );
    let check_against_stored = |name: &str, size: &str| {
        let object = sampledb(
            Some("shop"),
            name,
            json!({"version": "16", "storage": {"size": size}}),
        );
        check(
            &[
                "--policy-path",
                PROTECT,
                "--old",
                stored.to_str().unwrap(),
                "-",
            ],
            &object,
        )
    };

    let run = check_against_stored("orders", "10Gi");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("✗ shop/orders (update) rejected\n    spec.storage.size: "),
        "{}",
        run.stdout
    );

    let run = check_against_stored("orders", "40Gi");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("✓ shop/orders (update) accepted"),
        "{}",
        run.stdout
    );

    // An --old object that nothing checked matches is a mistake in the pipeline, not a pass.
    let run = check_against_stored("billing", "40Gi");
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "main.yaml (document 1): --old has shop/orders, which none of the checked files has"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn monitor_mode_reports_but_exits_0() {
    let run = check(
        &[
            "--policy-path",
            MONITOR,
            "policies/examples/bad-many-violations-sampledb.yaml",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with(
            "monitor mode: violations are reported, nothing is refused\n✗ shop/reporting-db \
        rejected (monitor: accepted)\n    spec.version: "
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("0 accepted, 1 rejected, 0 warnings, 0 skipped\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn mutating_false_refuses_an_object_that_needs_a_default() {
    // A copy of the recommended manifest with mutating: false, as an admin might deploy it.
    let manifest = std::fs::read_to_string(root().join(PROTECT))
        .unwrap()
        .replace("mutating: true", "mutating: false");
    let manifest = temp_file("no-mutation.yaml", &manifest);
    let run = check(
        &["--policy-path", manifest.to_str().unwrap(), "-"],
        &sampledb(Some("shop"), "orders", json!({})),
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "✗ shop/orders rejected\n    Request rejected by policy sampledb-policy. The policy \
        attempted to mutate the request"
        ),
        "{}",
        run.stdout
    );
    // validate-only: applyDefaults off, so a missing field is a violation rather than a default.
    let run = check(
        &["--policy-path", VALIDATE_ONLY, "-"],
        &sampledb(Some("shop"), "orders", json!({})),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("    spec.version: Required value"),
        "{}",
        run.stdout
    );
}

#[test]
fn json_output_has_one_record_per_object_with_the_decoded_patch() {
    let input = [
        sampledb(Some("shop"), "orders", json!({})),
        sampledb(Some("shop"), "bad", json!({"replicas": 0})),
    ]
    .join("---\n");
    let run = check(&["--policy-path", PROTECT, "--output", "json", "-"], &input);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["mode"], json!("protect"));
    assert_eq!(
        report["summary"],
        json!({"accepted": 1, "rejected": 1, "warnings": 0, "skipped": 0})
    );
    let orders = &report["results"][0];
    assert_eq!(
        (&orders["file"], &orders["namespace"], &orders["name"]),
        (&json!("<stdin>"), &json!("shop"), &json!("orders"))
    );
    assert_eq!(orders["accepted"], json!(true));
    assert_eq!(orders["operation"], json!("CREATE"));
    assert!(
        orders["patch"]
            .as_array()
            .unwrap()
            .iter()
            .all(|op| op["op"] == json!("add"))
    );
    assert!(
        orders["defaultsAdded"]
            .as_array()
            .unwrap()
            .contains(&json!("spec.version"))
    );
    let bad = &report["results"][1];
    assert_eq!(bad["accepted"], json!(false));
    assert_eq!(bad["code"], json!(422));
    assert_eq!(bad["violations"][0]["path"], json!("spec.replicas"));
    assert_eq!(bad["patch"], json!([]));
}

#[test]
fn write_defaults_stores_each_accepted_object_as_it_will_be_stored() {
    let dir = std::env::temp_dir().join(format!("policy-run-defaults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let input = [
        sampledb(Some("shop"), "orders", json!({"owner": "team-a"})),
        sampledb(Some("shop"), "bad", json!({"replicas": 0})),
    ]
    .join("---\n");
    let run = check(
        &[
            "--policy-path",
            PROTECT,
            "--write-defaults",
            dir.to_str().unwrap(),
            "-",
        ],
        &input,
    );
    assert_eq!(run.code, 1);
    let stored: Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("shop/orders.yaml")).unwrap())
            .unwrap();
    assert_eq!(
        stored["spec"]["owner"],
        json!("team-a"),
        "unknown fields survive"
    );
    assert_eq!(
        stored["spec"]["credentials"]["secretName"],
        json!("orders-credentials")
    );
    assert!(stored["spec"]["version"].is_string());
    assert!(
        !dir.join("shop/bad.yaml").exists(),
        "a rejected object is not written"
    );
}

#[test]
fn input_errors_name_the_file_and_exit_2() {
    let broken = temp_file(
        "broken.yaml",
        "apiVersion: example.com/v1alpha1\nkind: SampleDB\nmetadata: {name: [\n",
    );
    let run = check(&["--policy-path", PROTECT, broken.to_str().unwrap()], "");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("broken.yaml line 4, column 1: not valid YAML or JSON"),
        "{}",
        run.stderr
    );

    let run = check(&["--policy-path", PROTECT, "no/such/file.yaml"], "");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no/such/file.yaml: cannot read"),
        "{}",
        run.stderr
    );

    let nameless = temp_file(
        "nameless.yaml",
        "apiVersion: example.com/v1alpha1\nkind: SampleDB\nmetadata: {namespace: shop}\nspec: {}\n",
    );
    let run = check(&["--policy-path", PROTECT, nameless.to_str().unwrap()], "");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("nameless.yaml (document 1): a SampleDB without metadata.name"),
        "{}",
        run.stderr
    );

    let run = Command::new(env!("CARGO_BIN_EXE_policy-run"))
        .current_dir(root())
        .args(["check", "--policy-path", PROTECT, "policies/examples"])
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(2),
        "a registry module without --module is a usage error"
    );
    assert!(
        String::from_utf8_lossy(&run.stderr)
            .contains("give the module to check with --module PATH")
    );
}

const CONTEXT_AWARE: &str = "policies/cluster-admission-policy-context-aware.yaml";

#[test]
fn cluster_checks_read_a_cluster_state_or_are_skipped_with_a_note() {
    let ghost = sampledb(
        Some("shop"),
        "ghost",
        json!({"storage": {"storageClassName": "gold"}}),
    );
    let state = "e2e-tests/fixtures/cluster-state.yaml";
    let run = check(
        &[
            "--policy-path",
            CONTEXT_AWARE,
            "--cluster-state",
            state,
            "-",
        ],
        &ghost,
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "    spec.credentials.secretName: Not found: no Secret ghost-credentials in namespace shop"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "    spec.storage.storageClassName: Not found: no StorageClass gold in the cluster"
        ),
        "{}",
        run.stdout
    );
    // The good examples' Secrets and classes are in the state.
    let run = check(
        &[
            "--policy-path",
            CONTEXT_AWARE,
            "--cluster-state",
            state,
            "policies/examples/good-minimal-sampledb.yaml",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // No cluster described: the checks are skipped, and the user is told.
    let run = check(&["--policy-path", CONTEXT_AWARE, "-"], &ghost);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("note: credentialsSecretCheck skipped: no cluster to read"),
        "{}",
        run.stderr
    );
}

/// What the audit scanner cannot show (defaults a stored object lacks, every violation by path)
/// from what `kubectl get sampledbs -A -o yaml` prints: a `List` with `items`, each a stored
/// object with its server-set fields.
#[test]
fn a_kubectl_export_is_checked_object_by_object_naming_missing_defaults() {
    let export = r#"apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
- apiVersion: example.com/v1alpha1
  kind: SampleDB
  metadata:
    name: orders
    namespace: shop
    uid: 0b7c2f4e-1111-2222-3333-444455556666
    resourceVersion: "4711"
    creationTimestamp: "2026-11-30T10:00:00Z"
    generation: 1
  spec:
    version: "16.4"
    replicas: 3
    storage: {size: 20Gi}
    credentials: {secretName: orders-credentials}
  status: {phase: Ready, currentVersion: "16.4"}
- apiVersion: example.com/v1alpha1
  kind: SampleDB
  metadata: {name: legacy, namespace: shop, resourceVersion: "12"}
  spec: {version: latest, replicas: 3}
"#;
    let run = check(&["--policy-path", PROTECT, "--output", "json", "-"], export);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        report["summary"],
        json!({"accepted": 1, "rejected": 1, "warnings": 0, "skipped": 0})
    );
    let orders = &report["results"][0];
    assert_eq!(orders["file"], json!("<stdin> items[0]"));
    assert_eq!(orders["name"], json!("orders"));
    let added: Vec<&str> = orders["defaultsAdded"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(added.contains(&"spec.backup"), "{added:?}");
    assert!(added.contains(&"spec.deletionPolicy"), "{added:?}");
    let legacy = &report["results"][1];
    assert_eq!(legacy["file"], json!("<stdin> items[1]"));
    assert_eq!(legacy["violations"][0]["path"], json!("spec.version"));
}

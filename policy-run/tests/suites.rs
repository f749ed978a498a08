//! `policy-run test` as an admin runs it: the shipped suites pass, a wrong expectation fails with
//! the difference, input errors are named, and the JSON and JUnit reports are readable by CI.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn policy_run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policy-run"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("policy-run starts")
}

/// The exit code, or both outputs when it is another.
fn assert_exit(output: &Output, code: i32) {
    let (out, err) = (stdout(output), stderr(output));
    assert_eq!(output.status.code(), Some(code), "{out}{err}");
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A suite written to a scratch folder; its objects are read from policies/examples.
fn scratch_suite(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policy-run-suites-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let examples = root().join("policies/examples");
    let text = text.replace("EXAMPLES", examples.to_str().unwrap());
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const WRONG: &str = "\
settings: {}
cases:
  - name: minimal
    object: EXAMPLES/good-minimal-sampledb.yaml
    expect:
      allowed: true
      defaults: [spec.replicas]
      stored: {spec: {replicas: 3}}
  - name: refused
    object: EXAMPLES/bad-many-violations-sampledb.yaml
    expect: {allowed: false, code: 422}
";

fn shipped_suites() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["policies/tests", "e2e-tests/suites"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn the_shipped_suites_pass() {
    let output = policy_run(&["test", "policies/tests/", "e2e-tests/suites/"]);
    assert_exit(&output, 0);
    let summary = stdout(&output);
    assert!(
        summary
            .lines()
            .last()
            .unwrap()
            .ends_with(" passed, 0 failed"),
        "{summary}"
    );
}

#[test]
fn every_shipped_suite_follows_the_schema() {
    let schema: Value = serde_json::from_str(policy_run::suite::SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let suites = shipped_suites();
    assert!(suites.len() >= 15, "{} suites", suites.len());
    for path in suites {
        let suite: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&suite)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

#[test]
fn a_wrong_expectation_fails_with_expected_against_actual() {
    let suite = scratch_suite("wrong.yaml", WRONG);
    let output = policy_run(&["test", suite.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    let expected = format!(
        "FAIL  {}:3 minimal\n      defaults:\n        expected: spec.replicas\n        actual:   \
         spec.backup, spec.credentials, spec.deletionPolicy, spec.replicas, spec.storage\n      \
         stored: spec.replicas:\n        expected: 3\n        actual:   1\n",
        suite.display()
    );
    assert!(text.starts_with(&expected), "{text}");
    assert!(
        text.contains(&format!("ok    {}:9 refused", suite.display())),
        "{text}"
    );
    assert!(text.ends_with("2 cases: 1 passed, 1 failed\n"), "{text}");
}

#[rstest::rstest]
#[case::expects_nothing(
    "settings: {}\ncases:\n  - name: a\n    object: EXAMPLES/good-minimal-sampledb.yaml\n    expect: {}\n",
    "line 3: case \"a\": expects nothing"
)]
#[case::unknown_key(
    "settings: {}\ncases:\n  - name: a\n    objekt: {}\n    expect: {allowed: true}\n",
    "unknown field `objekt`"
)]
#[case::missing_object_file(
    "settings: {}\ncases:\n  - name: a\n    object: nowhere.yaml\n    expect: {allowed: true}\n",
    "cannot read"
)]
#[case::invalid_settings(
    "settings: {maxReplicas: -1}\ncases:\n  - name: a\n    object: EXAMPLES/good-minimal-sampledb.yaml\n    expect: \
        {allowed: true}\n",
    "Provided settings are not valid: maxReplicas"
)]
#[case::no_policy(
    "cases:\n  - name: a\n    object: EXAMPLES/good-minimal-sampledb.yaml\n    expect: {allowed: true}\n",
    "name the policy"
)]
fn an_input_error_exits_2_naming_the_file(#[case] text: &str, #[case] message: &str) {
    let suite = scratch_suite(&format!("input-{}.yaml", message.len()), text);
    let output = policy_run(&["test", suite.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let report = stdout(&output);
    assert!(
        report.starts_with(&format!("ERROR {}: ", suite.display())),
        "{report}"
    );
    assert!(report.contains(message), "{report}");
}

#[test]
fn the_schema_refuses_what_the_command_refuses() {
    let schema: Value = serde_json::from_str(policy_run::suite::SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for text in [
        "settings: {}\ncases: [{name: a, object: {}, expect: {}}]",
        "settings: {}\ncases: [{name: a, objekt: {}, expect: {allowed: true}}]",
        "cases: [{name: a, object: {}, expect: {allowed: true}}]",
        "settings: {}\ncases: []",
        "settings: {}\ncases: [{name: a, object: {}, expect: {warnings: nope}}]",
    ] {
        let suite: Value = serde_yaml::from_str(text).unwrap();
        assert!(!validator.is_valid(&suite), "the schema accepts {text}");
    }
}

#[test]
fn junit_output_is_read_by_a_junit_parser() {
    let suite = scratch_suite("junit.yaml", WRONG);
    let output = policy_run(&["test", "--output", "junit", suite.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let report = junit_parser::from_reader(std::io::Cursor::new(output.stdout)).expect("JUnit XML");
    assert_eq!((report.tests, report.failures, report.errors), (2, 1, 0));
    let cases = &report.suites[0].cases;
    assert_eq!(cases[0].original_name, "minimal");
    assert_eq!(cases[0].line, Some(3));
    assert_eq!(cases[0].file.as_deref(), suite.to_str());
    let junit_parser::TestStatus::Failure(failure) = &cases[0].status else {
        panic!("{:?}", cases[0].status);
    };
    assert!(
        failure
            .text
            .contains("stored: spec.replicas: expected 3, actual 1"),
        "{}",
        failure.text
    );
    assert!(cases[1].status.is_success());
}

#[test]
fn json_output_lists_each_case_with_its_differences() {
    let suite = scratch_suite("json.yaml", WRONG);
    let output = policy_run(&["test", "--output", "json", suite.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let case = &report["suites"][0]["cases"][0];
    assert_eq!(case["result"], "failed");
    assert_eq!(case["differences"][1]["field"], "stored: spec.replicas");
    assert_eq!(case["answer"]["allowed"], true);
}

#[rstest::rstest]
fn every_command_has_help(#[values("run", "check", "test", "annotate")] command: &str) {
    let output = policy_run(&[command, "--help"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).starts_with(&format!("usage: policy-run {command} ")));
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let output = policy_run(&["test", "--colour", "policies/tests"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid option '--colour'"),
        "{}",
        stderr(&output)
    );
}

/// `--kwctl` drives any program that takes `kwctl run`'s flags and prints its answer. policy-run
/// run does (its flags are kwctl's, and it takes a policy manifest in the module's place), so the
/// kwctl mode's requests, settings files, manifests and sessions are exercised here; kwctl.bats
/// runs the same suites through the real kwctl where it is installed.
#[test]
fn the_kwctl_mode_runs_every_case_through_a_kwctl_run_compatible_program() {
    let program = format!("--kwctl={}", env!("CARGO_BIN_EXE_policy-run"));
    let output = Command::new(env!("CARGO_BIN_EXE_policy-run"))
        .current_dir(root())
        .env_remove("SIGSTORE_TRUST_CONFIG")
        .args(["test", &program, "policies/tests/", "e2e-tests/suites/"])
        .output()
        .unwrap();
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{report}{}", stderr(&output));
    // Only the cases that read cluster objects from a file are beyond kwctl.
    let skipped: Vec<&str> = report.lines().filter(|l| l.starts_with("skip")).collect();
    assert!(
        skipped.iter().all(|l| l.contains("context-aware.yaml")),
        "{skipped:?}"
    );
    assert!(
        report.ends_with("passed, 0 failed, 3 skipped\n"),
        "{report}"
    );
}

/// The README's complete example is a suite the schema and the command accept.
#[test]
fn the_readmes_example_suite_is_valid() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```yaml\npolicy: ../sampledb-policy.yaml")
        .expect("the example")
        + 8;
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let suite: Value = serde_yaml::from_str(example).unwrap();
    let schema: Value = serde_json::from_str(policy_run::suite::SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&suite)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Run beside copies of what it names: the manifest and the examples.
    let dir = std::env::temp_dir().join(format!("policy-run-readme-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    let manifest = std::fs::read_to_string(root().join("policies/cluster-admission-policy.yaml"));
    std::fs::write(dir.join("sampledb-policy.yaml"), manifest.unwrap()).unwrap();
    let examples = root().join("policies/examples");
    std::fs::create_dir_all(dir.join("examples")).unwrap();
    for entry in std::fs::read_dir(examples).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("examples").join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.join("tests/example.yaml"), example).unwrap();
    let output = policy_run(&["test", dir.join("tests").to_str().unwrap()]);
    assert_exit(&output, 0);
}

#[test]
fn a_module_that_is_not_there_is_an_input_error_that_says_how_to_name_one() {
    let suite = scratch_suite("no-module.yaml", WRONG);
    let output = policy_run(&["test", "--module", "nowhere.wasm", suite.to_str().unwrap()]);
    assert_exit(&output, 2);
    let report = stdout(&output);
    assert!(
        report.contains("cannot read the policy module nowhere.wasm"),
        "{report}"
    );
    assert!(
        report.contains("--module FILE or `module:` in the suite"),
        "{report}"
    );
}

//! The release pipeline (.ci/release.yml) cannot run here; what can be checked is that it runs
//! nothing the test suite does not: each command is one the tests run the same way.

use serde_json::Value;
use std::path::Path;

/// Commands the suite runs, as the pipeline may use them, and where.
const TESTED: [(&str, &str); 7] = [
    ("bash .ci/run", "CI itself"),
    ("make annotated-policy.wasm", "make test (e2e-tests)"),
    ("make push REGISTRY_REF=", "e2e-tests/signing.bats"),
    (
        "kwctl scaffold artifacthub -m metadata.yml -q questions-ui.yml",
        "e2e-tests/kwctl.bats",
    ),
    ("make sbom", "sign/tests/sbom.rs"),
    // Need the CI's OIDC identity: not runnable here; `make sign` and `make sign-sbom` test the
    // key-based paths.
    ("cosign sign --yes ", "keyless only: documented, not run"),
    (
        "cosign sign-blob --yes ",
        "keyless only: documented, not run",
    ),
];

#[test]
fn every_release_command_is_one_the_tests_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join(".ci/release.yml")).unwrap();
    let pipeline: Value = serde_yaml::from_str(&text).unwrap();
    let steps = pipeline["jobs"]["release"]["steps"].as_array().unwrap();
    let commands: Vec<&str> = steps
        .iter()
        .filter_map(|step| step["run"].as_str())
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("echo "))
        .collect();
    assert!(commands.len() >= 5, "{commands:?}");
    for command in &commands {
        assert!(
            TESTED.iter().any(|(prefix, _)| command.starts_with(prefix)),
            "the release pipeline runs {command:?}, which no test runs"
        );
    }
    // And the Makefile has the targets it names.
    let makefile = std::fs::read_to_string(root.join("Makefile")).unwrap();
    for target in [
        "annotated-policy.wasm:",
        "push:",
        "sign:",
        "keygen:",
        "sbom:",
        "sign-sbom:",
    ] {
        assert!(
            makefile.lines().any(|line| line.starts_with(target)),
            "Makefile lacks {target}"
        );
    }
}

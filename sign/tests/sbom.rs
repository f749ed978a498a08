//! The SBOM a release publishes: `make sbom` writes an SPDX document of what the module is built
//! from (the policy crate and its dependencies, not the test tooling), `sampledb-sign sign-blob`
//! signs it with a cosign key pair, `verify-blob` accepts it, and refuses it once a byte changed
//! or with another key. Without cargo-sbom the test says so in one line (CI installs it).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("the command starts");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn sign_tool() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sampledb-sign"));
    command.env("COSIGN_PASSWORD", "sbom-test");
    command
}

fn verifies(sbom: &Path, keys: &Path, signature: &Path) -> bool {
    sign_tool()
        .arg("verify-blob")
        .args([sbom, &keys.join("cosign.pub"), signature])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn the_sbom_lists_what_the_module_is_built_from_and_its_signature_holds() {
    if Command::new("cargo-sbom")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: cargo-sbom not found (.ci/run installs it)"
        );
        println!("Skipping the SBOM test (missing: cargo-sbom): cargo install cargo-sbom --locked");
        return;
    }
    let dir = std::env::temp_dir().join(format!("sampledb-sbom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sbom = dir.join("sampledb-policy.spdx.json");
    run(Command::new("make")
        .current_dir(root())
        .args(["-s", "sbom"])
        .arg(format!("SBOM={}", sbom.display())));

    let document: Value = serde_json::from_slice(&std::fs::read(&sbom).unwrap()).unwrap();
    assert_eq!(document["spdxVersion"], "SPDX-2.3");
    let names: Vec<&str> = document["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|package| package["name"].as_str())
        .collect();
    for linked in [
        "sampledb-policy",
        "kubewarden-policy-sdk",
        "serde",
        "serde_json",
        "talc",
    ] {
        assert!(names.contains(&linked), "{linked} missing from {names:?}");
    }
    for tooling in [
        "rstest",
        "serde_json_path",
        "wasmtime",
        "wasmi",
        "sigstore",
        "proptest",
    ] {
        assert!(
            !names.contains(&tooling),
            "test tooling {tooling} in the SBOM"
        );
    }

    let (keys, other_keys) = (dir.join("keys"), dir.join("other-keys"));
    for keys in [&keys, &other_keys] {
        run(sign_tool().arg("keygen").arg(keys));
    }
    run(sign_tool().arg("sign-blob").arg(&sbom).arg(&keys));
    let signature = dir.join("sampledb-policy.spdx.json.sig");
    assert!(
        verifies(&sbom, &keys, &signature),
        "the signed SBOM verifies"
    );
    assert!(
        !verifies(&sbom, &other_keys, &signature),
        "another key does not verify it"
    );

    let mut tampered = std::fs::read(&sbom).unwrap();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    std::fs::write(&sbom, tampered).unwrap();
    assert!(!verifies(&sbom, &keys, &signature), "a tampered SBOM fails");
    std::fs::remove_dir_all(&dir).unwrap();
}

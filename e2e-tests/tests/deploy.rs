//! What a cluster admin applies: every manifest is valid against the real Kubewarden CRDs, every
//! example against our SampleDB CRD, the settings pass the module's `validate_settings`, the
//! rules agree with metadata.yml, and the examples behave as their names say.

mod common;

use common::*;
use policy_run::PolicyConfig;
use policy_run::capabilities::Cluster;
use policy_run::policy_config::read_yaml_or_json;
use policy_run::review::{self, admission_request};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

use sampledb_e2e::fixtures::root;

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    files.sort();
    files
}

fn policy_manifests() -> Vec<(PathBuf, Value)> {
    yaml_files(&root().join("policies"))
        .into_iter()
        .map(|path| {
            let manifest = read_yaml_or_json(&path).unwrap();
            (path, manifest)
        })
        .filter(|(_, manifest)| {
            matches!(
                manifest["kind"].as_str(),
                Some("ClusterAdmissionPolicy" | "AdmissionPolicy")
            )
        })
        .collect()
}

fn examples() -> Vec<(String, Value)> {
    yaml_files(&root().join("policies/examples"))
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            (name, read_yaml_or_json(&path).unwrap())
        })
        .collect()
}

/// The openAPIV3Schema of a CRD's version, as a JSON Schema that, like the API server's pruning
/// and `kubectl apply --validate=strict`, refuses fields the schema does not declare.
fn crd_schema(crd: &Value, version: &str) -> Value {
    let versions = crd["spec"]["versions"].as_array().expect("CRD versions");
    let entry = versions
        .iter()
        .find(|v| v["name"] == version)
        .expect("CRD version");
    strict(&entry["schema"]["openAPIV3Schema"])
}

fn strict(schema: &Value) -> Value {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), strict(v)))
                    .collect(),
            ),
            "items" | "additionalProperties" if value.is_object() => strict(value),
            "allOf" | "anyOf" | "oneOf" => {
                Value::Array(value.as_array().unwrap().iter().map(strict).collect())
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    let preserves_unknown = map.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
    if map.contains_key("properties")
        && !map.contains_key("additionalProperties")
        && !preserves_unknown
    {
        out.insert("additionalProperties".into(), json!(false));
    }
    if map.get("nullable") == Some(&json!(true))
        && let Some(Value::String(kind)) = map.get("type")
    {
        out.insert("type".into(), json!([kind, "null"]));
    }
    if map.get("x-kubernetes-int-or-string") == Some(&json!(true)) {
        out.insert("type".into(), json!(["integer", "string"]));
    }
    Value::Object(out)
}

fn schema_errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::draft4::new(schema).expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The folder of the Kubewarden CRDs, `KUBEWARDEN_CRDS`. `None` (and one line saying how to get
/// them) where it is not set.
fn kubewarden_crds() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("KUBEWARDEN_CRDS").unwrap_or_default());
    if dir.is_dir() {
        return Some(dir);
    }
    eprintln!(
        "Skipping the Kubewarden CRD checks: no CRDs in {}; set KUBEWARDEN_CRDS to a folder with \
         the policies.kubewarden.io CRDs (e.g. from the kubewarden-crds Helm chart)",
        dir.display()
    );
    None
}

fn kubewarden_crd(dir: &Path, kind: &str) -> Value {
    let file = match kind {
        "ClusterAdmissionPolicy" => "policies.kubewarden.io_clusteradmissionpolicies.yaml",
        "AdmissionPolicy" => "policies.kubewarden.io_admissionpolicies.yaml",
        "PolicyServer" => "policies.kubewarden.io_policyservers.yaml",
        other => panic!("no CRD for {other}"),
    };
    let path = dir.join(file);
    read_yaml_or_json(&path).unwrap_or_else(|e| panic!("{e:#}: {}", path.display()))
}

#[test]
fn policy_manifests_validate_against_the_kubewarden_crds() {
    let Some(crds) = kubewarden_crds() else {
        return;
    };
    let manifests = policy_manifests();
    assert_eq!(
        manifests.len(),
        7,
        "recommended, monitor, validate-only, context-aware, namespaced, and the defaults/checks pair"
    );
    for (path, manifest) in manifests {
        let schema = crd_schema(
            &kubewarden_crd(&crds, manifest["kind"].as_str().unwrap()),
            "v1",
        );
        let errors = schema_errors(&schema, &manifest);
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

/// The PolicyServer for the context-aware policy: valid, at least two replicas with a disruption
/// budget and resources, and the policy runs on it with an evaluation timeout.
#[test]
fn the_policy_server_manifest_validates_and_the_context_aware_policy_uses_it() {
    let Some(crds) = kubewarden_crds() else {
        return;
    };
    let path = root().join("policies/policy-server.yaml");
    let server = read_yaml_or_json(&path).unwrap();
    let schema = crd_schema(&kubewarden_crd(&crds, "PolicyServer"), "v1");
    let errors = schema_errors(&schema, &server);
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    let spec = &server["spec"];
    assert!(spec["replicas"].as_u64().unwrap() >= 2);
    assert!(spec["minAvailable"].as_u64().unwrap() >= 1);
    for key in ["requests", "limits"] {
        assert!(
            spec[key]["cpu"].is_string() && spec[key]["memory"].is_string(),
            "{key}"
        );
    }
    let context =
        read_yaml_or_json(&root().join("policies/cluster-admission-policy-context-aware.yaml"))
            .unwrap();
    assert_eq!(context["spec"]["policyServer"], server["metadata"]["name"]);
    let eval = context["spec"]["timeoutEvalSeconds"].as_u64().unwrap();
    assert!(eval < context["spec"]["timeoutSeconds"].as_u64().unwrap());
    // The RBAC manifest says which ServiceAccount to bind; the PolicyServer names its own.
    assert!(spec["serviceAccountName"].is_string());
}

/// The pair for clusters with other mutating webhooks: a mutating half that defaults and a
/// validating half with the same bounds that never mutates and also guards deletion.
#[test]
fn the_defaults_and_checks_pair_split_the_work() {
    let defaults =
        read_yaml_or_json(&root().join("policies/cluster-admission-policy-defaults.yaml")).unwrap();
    let checks =
        read_yaml_or_json(&root().join("policies/cluster-admission-policy-checks.yaml")).unwrap();
    assert_eq!(defaults["spec"]["mutating"], json!(true));
    assert_eq!(checks["spec"]["mutating"], json!(false));
    assert_eq!(checks["spec"]["settings"]["applyDefaults"], json!(false));
    let mut bounds = checks["spec"]["settings"].clone();
    bounds.as_object_mut().unwrap().remove("applyDefaults");
    let mut defaulting = defaults["spec"]["settings"].clone();
    defaulting.as_object_mut().unwrap().remove("defaults");
    assert_eq!(bounds, defaulting, "both halves enforce the same bounds");
    assert_eq!(
        checks["spec"]["rules"][0]["operations"],
        json!(["CREATE", "UPDATE", "DELETE"])
    );
    // What the validating half gets after the mutating half: the defaulted object passes.
    let request = admission_request(&read_json(
        &root().join("e2e-tests/fixtures/requests/create-minimal.json"),
    ));
    let defaults_config = PolicyConfig::from_manifest(&defaults).unwrap();
    let checks_config = PolicyConfig::from_manifest(&checks).unwrap();
    let first = review::run(wasm(), &request, &defaults_config).unwrap();
    assert_eq!(first["allowed"], json!(true), "{first}");
    let patch: json_patch::Patch = serde_json::from_value(
        review::decoded_patch(&first)
            .unwrap()
            .expect("defaults added"),
    )
    .unwrap();
    let mut stored = request.clone();
    json_patch::patch(&mut stored["object"], &patch).unwrap();
    let second = review::run(wasm(), &stored, &checks_config).unwrap();
    assert_eq!(second["allowed"], json!(true), "{second}");
    assert!(second.get("patch").is_none());
    // A later webhook that breaks a bound is caught by the validating half.
    stored["object"]["spec"]["replicas"] = json!(12);
    let caught = review::run(wasm(), &stored, &checks_config).unwrap();
    assert_eq!(caught["allowed"], json!(false), "{caught}");
    assert!(
        caught["status"]["message"]
            .as_str()
            .unwrap()
            .contains("spec.replicas"),
        "{caught}"
    );
}

#[test]
fn the_schema_check_catches_a_typo() {
    let Some(crds) = kubewarden_crds() else {
        return;
    };
    let (_, mut manifest) = policy_manifests().remove(0);
    manifest["spec"]["mutatting"] = json!(true);
    manifest["spec"]["mode"] = json!("audit");
    let schema = crd_schema(
        &kubewarden_crd(&crds, manifest["kind"].as_str().unwrap()),
        "v1",
    );
    assert_eq!(schema_errors(&schema, &manifest).len(), 2);
}

#[test]
fn examples_validate_against_the_sampledb_crd() {
    let crd = read_yaml_or_json(&root().join("policies/sampledb-crd.yaml")).unwrap();
    let schema = crd_schema(&crd, "v1alpha1");
    for (name, example) in examples() {
        let errors = schema_errors(&schema, &example);
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    let typo = json!({
        "apiVersion": "example.com/v1alpha1", "kind": "SampleDB", "metadata": {},
        "spec": {"replica": 3}
    });
    assert!(
        !schema_errors(&schema, &typo).is_empty(),
        "unknown spec fields are refused"
    );
}

#[test]
fn the_sampledb_crd_has_no_schema_defaults_and_prints_the_key_columns() {
    let crd = read_yaml_or_json(&root().join("policies/sampledb-crd.yaml")).unwrap();
    let text = serde_json::to_string(&crd).unwrap();
    assert!(
        !text.contains("\"default\":"),
        "defaulting belongs to the policy"
    );
    let version = &crd["spec"]["versions"][0];
    let columns: Vec<&str> = version["additionalPrinterColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["jsonPath"].as_str().unwrap())
        .collect();
    for path in [".spec.version", ".spec.replicas", ".spec.storage.size"] {
        assert!(columns.contains(&path), "{path} column");
    }
    assert_eq!(crd["spec"]["names"]["shortNames"], json!(["sdb"]));
}

#[test]
fn manifest_settings_pass_the_modules_validate_settings() {
    for (path, manifest) in policy_manifests() {
        let config = PolicyConfig::from_manifest(&manifest).unwrap();
        review::validate_settings(wasm(), &config.settings)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn manifest_rules_and_mutating_match_metadata_yml() {
    let metadata = read_yaml_or_json(&root().join("metadata.yml")).unwrap();
    for (path, manifest) in policy_manifests() {
        // The same resources; the operations those of metadata.yml or some of them (the
        // defaults half of the pair leaves DELETE to the checks half).
        let mut rules = manifest["spec"]["rules"].clone();
        let operations = rules[0]["operations"].take();
        let mut expected = metadata["rules"].clone();
        let all = expected[0]["operations"].take();
        assert_eq!(rules, expected, "{}", path.display());
        let all = all.as_array().unwrap();
        assert!(
            operations
                .as_array()
                .unwrap()
                .iter()
                .all(|op| all.contains(op)),
            "{}",
            path.display()
        );
        let config = PolicyConfig::from_manifest(&manifest).unwrap();
        let applies_defaults = config.settings.get("applyDefaults") != Some(&json!(false));
        // A policy that defaults must be allowed to mutate, and one that may not mutate must not default.
        assert_eq!(config.mutating, applies_defaults, "{}", path.display());
    }
    assert_eq!(metadata["mutating"], json!(true));
    assert_eq!(metadata["backgroundAudit"], json!(true));
    assert_eq!(metadata["executionMode"], json!("kubewarden-wapc"));
}

fn create_request(object: &Value) -> Value {
    json!({
        "uid": "example",
        "kind": {"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"},
        "resource": {"group": "example.com", "version": "v1alpha1", "resource": "sampledbs"},
        "name": object["metadata"]["name"],
        "namespace": object["metadata"]["namespace"],
        "operation": "CREATE",
        "object": object
    })
}

#[test]
fn examples_behave_as_their_names_say() {
    let manifests = policy_manifests();
    for (name, example) in examples() {
        let request = admission_request(&create_request(&example));
        for (path, manifest) in &manifests {
            let config = PolicyConfig::from_manifest(manifest).unwrap();
            if config.monitor {
                continue;
            }
            // Cluster checks answered from a cluster that has what the good examples refer to.
            let cluster = Cluster::from_state_file(&fixtures().join("cluster-state.yaml")).unwrap();
            let answer = review::run(&wasm().against(cluster), &request, &config).unwrap();
            let manifest_name = path.file_name().unwrap().to_string_lossy();
            let validate_only = !config.mutating;
            let expected = if name.starts_with("good-minimal") && validate_only {
                false // without defaults, the minimal example lacks the required fields
            } else {
                name.starts_with("good-")
            };
            assert_eq!(
                answer["allowed"],
                json!(expected),
                "{name} under {manifest_name}: {answer}"
            );
        }
    }
}

#[test]
fn artifacthub_metadata_is_consistent_with_metadata_yml_and_cargo_toml() {
    let package = read_yaml_or_json(&root().join("artifacthub-pkg.yml")).unwrap();
    let metadata = read_yaml_or_json(&root().join("metadata.yml")).unwrap();
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let crate_version = cargo
        .lines()
        .find_map(|line| line.strip_prefix("version = "))
        .unwrap()
        .trim_matches('"');
    let annotations = &metadata["annotations"];
    assert_eq!(package["version"], json!(crate_version));
    assert_eq!(
        annotations["io.kubewarden.policy.version"],
        json!(crate_version)
    );
    assert_eq!(package["name"], annotations["io.kubewarden.policy.title"]);
    assert_eq!(
        package["displayName"],
        annotations["io.artifacthub.displayName"]
    );
    assert_eq!(
        package["description"],
        annotations["io.kubewarden.policy.description"]
    );
    assert_eq!(
        package["license"],
        annotations["io.kubewarden.policy.license"]
    );
    let image = format!(
        "{}:v{crate_version}",
        annotations["io.kubewarden.policy.ociUrl"].as_str().unwrap()
    );
    assert_eq!(package["containersImages"][0]["image"], json!(image));
    let rules: Value =
        serde_yaml::from_str(package["annotations"]["kubewarden/rules"].as_str().unwrap()).unwrap();
    assert_eq!(rules, metadata["rules"]);
    assert_eq!(
        package["annotations"]["kubewarden/mutation"],
        json!(metadata["mutating"].as_bool().unwrap().to_string())
    );
    assert_eq!(
        package["annotations"]["kubewarden/resources"],
        annotations["io.artifacthub.resources"]
    );
    for field in [
        "createdAt",
        "homeURL",
        "keywords",
        "links",
        "install",
        "maintainers",
        "provider",
    ] {
        assert!(
            !package[field].is_null(),
            "artifacthub-pkg.yml lacks {field}"
        );
    }
    // The manifests point at the same image the package announces.
    for (path, manifest) in policy_manifests() {
        assert_eq!(
            manifest["spec"]["module"],
            json!(format!("registry://{image}")),
            "{}",
            path.display()
        );
    }
}

//! The benchmark's inputs: every case of the suites in e2e-tests/suites, prepared once for each engine.

use anyhow::Result;
use sampledb_policy::model::node::Node;
use sampledb_policy::rules::defaults;
use sampledb_policy::settings::Settings;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub struct BenchCase {
    pub label: String,
    /// The `validate` payload the policy receives (it defaults the object itself).
    pub payload: Vec<u8>,
    /// What a ValidatingAdmissionPolicy or Gatekeeper sees, as JSON text: the request with its
    /// objects already defaulted (validating admission runs after mutation), and the settings
    /// with every default resolved as params.
    pub review: Vec<u8>,
    pub params: Value,
    /// Whether the request is for a SampleDB (the other engines' match constraints).
    pub matches: bool,
}

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The settings as params: what a VAP param object or Gatekeeper constraint would carry.
pub fn params_of(settings: &Settings) -> Value {
    json!({
        "allowedVersions": settings.allowed_versions,
        "maxReplicas": settings.max_replicas,
        "minStorage": settings.min_storage.as_ref().map_or("", |b| b.text.as_str()),
        "maxStorage": settings.max_storage.as_ref().map_or("", |b| b.text.as_str()),
        "allowedStorageClasses": settings.allowed_storage_classes,
        "requireBackup": settings.require_backup,
        "requireResourceLimits": settings.require_resource_limits,
        "maxNameLength": settings.max_name_length,
    })
}

/// Every case except those configured with `customRules`, cluster checks or break glass: JSONPath
/// rules from settings have no CEL or Rego counterpart (there, each organisation rule is new
/// code), and a ValidatingAdmissionPolicy cannot read other cluster objects or ask the authorizer,
/// so they can't be compared.
pub fn load_cases() -> Result<Vec<BenchCase>> {
    let dir = e2e_dir().join("suites");
    let files = policy_run::suite::cli::suite_files(&[dir])?;
    let mut prepared = Vec::new();
    for file in files {
        let suite = policy_run::suite::load(&file)?;
        let settings_json = suite.config.settings.clone();
        let settings = Settings::from_value(&settings_json).map_err(|e| anyhow::anyhow!("{e}"))?;
        if !settings.custom_rules.is_empty()
            || settings.reads_cluster()
            || settings.break_glass.is_some()
        {
            continue;
        }
        let suite_name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_string();
        for case in &suite.cases {
            let request = case.request.clone();
            let name = &case.name;
            let settings_name = &suite_name;
            let payload = json!({"request": request, "settings": settings_json})
                .to_string()
                .into_bytes();
            let mut review = request.clone();
            if settings.apply_defaults {
                for key in ["object", "oldObject"] {
                    if let Some(object) = review.get_mut(key) {
                        // The policy defaults its own read tree; the CEL and Rego rows get the same
                        // object as a Value.
                        let mut node = Node::from(object.take());
                        defaults::apply(&mut node, &settings.defaults);
                        *object = node.to_value();
                    }
                }
            }
            let matches =
                review["kind"]["group"] == "example.com" && review["kind"]["kind"] == "SampleDB";
            prepared.push(BenchCase {
                label: format!("{name} [{settings_name}]"),
                payload,
                review: review.to_string().into_bytes(),
                params: params_of(&settings),
                matches,
            });
        }
    }
    Ok(prepared)
}

//! Where a run's settings come from, as with `kwctl run`: a settings file (JSON or YAML), inline
//! JSON, or a ClusterAdmissionPolicy / AdmissionPolicy manifest whose `spec` also says whether
//! the policy may mutate and whether it only monitors.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct PolicyConfig {
    pub settings: Value,
    pub mutating: bool,
    pub monitor: bool,
}

impl Default for PolicyConfig {
    /// kwctl run's behaviour without a manifest: no settings, mutations allowed, protect mode.
    fn default() -> Self {
        PolicyConfig {
            settings: Value::Object(Default::default()),
            mutating: true,
            monitor: false,
        }
    }
}

impl PolicyConfig {
    pub fn from_settings(settings: Value) -> PolicyConfig {
        PolicyConfig {
            settings,
            ..PolicyConfig::default()
        }
    }

    pub fn from_settings_file(path: &Path) -> Result<PolicyConfig> {
        let settings = read_yaml_or_json(path)?;
        Ok(PolicyConfig::from_settings(settings))
    }

    pub fn from_settings_json(text: &str) -> Result<PolicyConfig> {
        let settings = serde_json::from_str(text).context("--settings-json is not valid JSON")?;
        Ok(PolicyConfig::from_settings(settings))
    }

    /// A ClusterAdmissionPolicy or AdmissionPolicy manifest.
    pub fn from_manifest_file(path: &Path) -> Result<PolicyConfig> {
        PolicyConfig::from_manifest(&read_yaml_or_json(path)?)
            .with_context(|| format!("in {}", path.display()))
    }

    pub fn from_manifest(manifest: &Value) -> Result<PolicyConfig> {
        let kind = manifest.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind != "ClusterAdmissionPolicy" && kind != "AdmissionPolicy" {
            bail!("expected a ClusterAdmissionPolicy or AdmissionPolicy, found kind {kind:?}");
        }
        let spec = manifest.get("spec").cloned().unwrap_or(Value::Null);
        let settings = match spec.get("settings") {
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(settings) => settings.clone(),
        };
        Ok(PolicyConfig {
            settings,
            mutating: spec
                .get("mutating")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            monitor: spec.get("mode").and_then(Value::as_str) == Some("monitor"),
        })
    }
}

pub fn read_yaml_or_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_yaml::from_str(&text)
        .with_context(|| format!("{} is not valid YAML or JSON", path.display()))
}

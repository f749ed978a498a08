//! The settings as the rules read them: every key's value after reading, with the built-in
//! defaults where the admin set nothing.

use super::break_glass::BreakGlass;
use super::custom_rules::CustomRule;
use super::default_values::{Defaults, Text};
use super::reader::{Bound, CheckMode};

pub const SETTINGS_KEYS: [&str; 16] = [
    "allowedVersions",
    "deprecatedVersions",
    "maxReplicas",
    "minStorage",
    "maxStorage",
    "allowedStorageClasses",
    "requireBackup",
    "requireResourceLimits",
    "maxNameLength",
    "applyDefaults",
    "defaults",
    "customRules",
    "credentialsSecretCheck",
    "credentialsSecretKeys",
    "storageClassCheck",
    "breakGlass",
];

#[derive(Debug, Clone)]
pub struct Settings {
    pub allowed_versions: Vec<u64>,
    pub deprecated_versions: Vec<u64>,
    pub max_replicas: u64,
    pub min_storage: Option<Bound>,
    pub max_storage: Option<Bound>,
    pub allowed_storage_classes: Vec<String>,
    pub require_backup: bool,
    pub require_resource_limits: bool,
    pub max_name_length: usize,
    pub apply_defaults: bool,
    pub defaults: Defaults,
    pub custom_rules: Vec<CustomRule>,
    pub credentials_secret_check: CheckMode,
    pub credentials_secret_keys: Vec<Text>,
    pub storage_class_check: CheckMode,
    /// Which rules may be bypassed, and the verb that grants it; `None`: no exceptions.
    pub break_glass: Option<BreakGlass>,
}

impl Settings {
    /// Whether any check reads the cluster (metadata.yml's contextAwareResources are for these).
    pub fn reads_cluster(&self) -> bool {
        self.credentials_secret_check != CheckMode::Off
            || self.storage_class_check != CheckMode::Off
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allowed_versions: Vec::new(),
            deprecated_versions: Vec::new(),
            max_replicas: 9,
            min_storage: None,
            max_storage: None,
            allowed_storage_classes: Vec::new(),
            require_backup: false,
            require_resource_limits: false,
            max_name_length: 50,
            apply_defaults: true,
            defaults: Defaults::default(),
            custom_rules: Vec::new(),
            credentials_secret_check: CheckMode::Off,
            credentials_secret_keys: vec![Text::Borrowed("username"), Text::Borrowed("password")],
            storage_class_check: CheckMode::Off,
            break_glass: None,
        }
    }
}

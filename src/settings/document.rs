//! Reading a settings document into [`Settings`]: every key read on its own, the built-in
//! defaults fitted to the admin's bounds, then the checks between keys; and the
//! `validate_settings` answer policy-server asks for.

use super::break_glass::{BYPASSABLE, NOT_BYPASSABLE};
use super::custom_rules::CustomRule;
use super::default_values::{Text, read_defaults};
use super::reader::Reader;
use super::values::{SETTINGS_KEYS, Settings};
use crate::formats::quantity::Quantity;
use crate::formats::version::Version;
use crate::model::findings::{MAX_MESSAGE_BYTES, SettingsErrors, one_line, type_name};
use crate::model::node::{Node, Object};
use kubewarden_policy_sdk::settings::{SettingsValidationResponse, Validatable};

impl Settings {
    /// Reads settings as policy-server passes them: `null` or `{}` means every default.
    pub fn from_node(document: &Node) -> Result<Settings, SettingsErrors> {
        let mut errors = SettingsErrors::default();
        let empty = Object::new();
        let map = match document {
            Node::Null => &empty,
            Node::Object(map) => map,
            other => {
                errors.add(
                    "settings",
                    format!("must be an object, got {}", type_name(other)),
                );
                return Err(errors);
            }
        };
        let settings = read_settings(map, &mut errors);
        let mut settings = settings;
        fit_to_bounds(&mut settings);
        // Keys that failed to parse keep their defaults here, so the cross-key checks only ever
        // compare values that parsed: every bad key is reported in the same answer.
        check_consistency(&settings, &mut errors);
        if errors.0.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }

    /// The same from a `serde_json::Value`, as the tests and native tools hold settings.
    #[cfg(any(test, feature = "test-support"))]
    pub fn from_value(document: &serde_json::Value) -> Result<Settings, SettingsErrors> {
        Settings::from_node(&Node::from(document.clone()))
    }
}

fn read_settings(map: &Object, errors: &mut SettingsErrors) -> Settings {
    for key in map.keys() {
        if !SETTINGS_KEYS.contains(&key) {
            errors.add(key, "unknown setting");
        }
    }
    let mut settings = Settings::default();
    let mut read = Reader {
        map,
        prefix: "",
        errors,
    };
    if let Some(list) = read.majors("allowedVersions") {
        settings.allowed_versions = list;
    }
    if let Some(list) = read.majors("deprecatedVersions") {
        settings.deprecated_versions = list;
    }
    if let Some(max) = read.integer("maxReplicas", 1, u64::from(u32::MAX)) {
        settings.max_replicas = max;
    }
    settings.min_storage = read.quantity("minStorage");
    settings.max_storage = read.quantity("maxStorage");
    // A size must be above zero, so a maximum of zero or less would refuse every SampleDB.
    if let Some(max) = settings
        .max_storage
        .as_ref()
        .filter(|max| !max.value.is_positive())
    {
        read.fail(
            "maxStorage",
            format!("\"{}\" must be greater than zero", max.text),
        );
    }
    if let Some(list) = read.strings("allowedStorageClasses") {
        settings.allowed_storage_classes = list;
    }
    if let Some(flag) = read.boolean("requireBackup") {
        settings.require_backup = flag;
    }
    if let Some(flag) = read.boolean("requireResourceLimits") {
        settings.require_resource_limits = flag;
    }
    if let Some(length) = read.integer("maxNameLength", 1, 63) {
        settings.max_name_length = length as usize;
    }
    if let Some(flag) = read.boolean("applyDefaults") {
        settings.apply_defaults = flag;
    }
    if let Some(mode) = read.check_mode("credentialsSecretCheck") {
        settings.credentials_secret_check = mode;
    }
    if let Some(keys) = read.strings("credentialsSecretKeys") {
        if keys.iter().any(String::is_empty) {
            read.fail("credentialsSecretKeys", "a key may not be empty");
        }
        settings.credentials_secret_keys = keys.into_iter().map(Text::from).collect();
    }
    if let Some(mode) = read.check_mode("storageClassCheck") {
        settings.storage_class_check = mode;
    }
    match map.get("defaults") {
        None | Some(Node::Null) => {}
        Some(Node::Object(defaults)) => settings.defaults = read_defaults(defaults, errors),
        Some(other) => errors.add(
            "defaults",
            format!("must be an object, got {}", type_name(other)),
        ),
    }
    match map.get("customRules") {
        None | Some(Node::Null) => {}
        Some(Node::Array(rules)) => {
            for (index, rule) in rules.iter().enumerate() {
                if let Some(rule) = CustomRule::from_settings(index, rule, errors) {
                    settings.custom_rules.push(rule);
                }
            }
        }
        Some(other) => errors.add(
            "customRules",
            format!("must be a list, got {}", type_name(other)),
        ),
    }
    let names: Vec<&str> = settings
        .custom_rules
        .iter()
        .filter_map(|r| r.name.as_deref())
        .collect();
    if let Some(twice) = names
        .iter()
        .enumerate()
        .find(|(at, name)| names[..*at].contains(name))
    {
        errors.add(
            "customRules",
            format!("the name \"{}\" is given to more than one rule", twice.1),
        );
    }
    // breakGlass.rules names built-in rules and custom rules alike: one name, one rule.
    let built_in = |name: &&&str| BYPASSABLE.contains(name) || NOT_BYPASSABLE.contains(name);
    if let Some(name) = names.iter().find(built_in) {
        errors.add(
            "customRules",
            format!("the name \"{name}\" is a built-in rule's id"),
        );
    }
    match map.get("breakGlass") {
        None | Some(Node::Null) => {}
        Some(value) => {
            settings.break_glass = super::break_glass::read(value, &settings.custom_rules, errors)
        }
    }
    settings
}

/// Checks between keys, once every key parsed on its own.
fn check_consistency(settings: &Settings, errors: &mut SettingsErrors) {
    if let (Some(min), Some(max)) = (&settings.min_storage, &settings.max_storage)
        && min.value > max.value
    {
        errors.add(
            "minStorage",
            format!("{} is greater than maxStorage {}", min.text, max.text),
        );
    }
    let defaults = &settings.defaults;
    // A default the admin left out was fitted to the bounds; one the admin wrote is an error.
    if let Ok(size) = Quantity::parse(&defaults.storage_size)
        && defaults.admin_set("storageSize")
    {
        if let Some(min) = settings.min_storage.as_ref().filter(|min| size < min.value) {
            errors.add(
                "defaults.storageSize",
                format!("{} is below minStorage {}", defaults.storage_size, min.text),
            );
        }
        if let Some(max) = settings.max_storage.as_ref().filter(|max| size > max.value) {
            errors.add(
                "defaults.storageSize",
                format!("{} is above maxStorage {}", defaults.storage_size, max.text),
            );
        }
    }
    if defaults.replicas > settings.max_replicas && defaults.admin_set("replicas") {
        errors.add(
            "defaults.replicas",
            format!(
                "{} is above maxReplicas {}",
                defaults.replicas, settings.max_replicas
            ),
        );
    }
    if let Ok(version) = Version::parse(&defaults.version)
        && defaults.admin_set("version")
        && !settings.allowed_versions.is_empty()
        && !settings.allowed_versions.contains(&version.major())
    {
        errors.add(
            "defaults.version",
            format!("major {} is not in allowedVersions", version.major()),
        );
    }
    if let Some(class) = &defaults.storage_class_name
        && !settings.allowed_storage_classes.is_empty()
        && !settings
            .allowed_storage_classes
            .iter()
            .any(|allowed| allowed == class)
    {
        errors.add(
            "defaults.storageClassName",
            format!("\"{class}\" is not in allowedStorageClasses"),
        );
    }
}

/// The settings document as policy-server hands it over, checked by `Validatable`.
pub struct SettingsDocument<'a>(pub Node<'a>);

impl Validatable for SettingsDocument<'_> {
    fn validate(&self) -> Result<(), String> {
        Settings::from_node(&self.0)
            .map(|_| ())
            .map_err(|errors| errors.to_string())
    }
}

/// The `validate_settings` answer for a raw payload; a payload that is not JSON is invalid
/// settings, not an error of the module.
pub fn validate_settings_payload(payload: &[u8]) -> SettingsValidationResponse {
    let result = serde_json::from_slice::<Node>(payload)
        .map(SettingsDocument)
        .map_err(|error| format!("settings are not valid JSON: {error}"))
        .and_then(|document| document.validate());
    match result {
        Ok(()) => SettingsValidationResponse {
            valid: true,
            message: None,
        },
        Err(message) => SettingsValidationResponse {
            valid: false,
            message: Some(one_line(&message, MAX_MESSAGE_BYTES).into_owned()),
        },
    }
}

/// Built-in defaults the admin did not set follow the admin's bounds, so that settings such as
/// `{minStorage: 10Gi}` alone are valid: policy-server refuses to start, and stops serving every
/// other policy, when one policy's settings are invalid. The storage size is raised to
/// `minStorage` (or lowered to `maxStorage`), replicas are capped at `maxReplicas`, and the
/// version becomes the newest allowed major that is not deprecated.
pub fn fit_to_bounds(settings: &mut Settings) {
    let defaults = &mut settings.defaults;
    if !defaults.admin_set("storageSize")
        && let Ok(size) = Quantity::parse(&defaults.storage_size)
    {
        let (min, max) = (&settings.min_storage, &settings.max_storage);
        let contradictory = matches!((min, max), (Some(min), Some(max)) if min.value > max.value);
        if let Some(min) = min
            .as_ref()
            .filter(|min| !contradictory && size < min.value)
        {
            defaults.storage_size = min.text.clone().into();
        } else if let Some(max) = max
            .as_ref()
            .filter(|max| !contradictory && size > max.value)
        {
            defaults.storage_size = max.text.clone().into();
        }
    }
    if !defaults.admin_set("replicas") {
        defaults.replicas = defaults.replicas.min(settings.max_replicas);
    }
    let allowed = &settings.allowed_versions;
    let deprecated = &settings.deprecated_versions;
    // A built-in default on a deprecated major would warn the user about a version they never
    // chose. Without an allowedVersions list there is nothing newer known to move to.
    let version_fits = Version::parse(&defaults.version).is_ok_and(|version| {
        let major = version.major();
        (allowed.is_empty() || allowed.contains(&major))
            && (allowed.is_empty() || !deprecated.contains(&major))
    });
    if !defaults.admin_set("version") && !version_fits {
        let current = allowed
            .iter()
            .filter(|major| !settings.deprecated_versions.contains(major))
            .max()
            .or_else(|| allowed.iter().max());
        if let Some(major) = current {
            defaults.version = major.to_string().into();
        }
    }
}

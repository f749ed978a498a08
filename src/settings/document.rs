//! Reading a settings document into [`Settings`] (the struct is in `values.rs`, its reading here):
//! every key read on its own, then the built-in defaults fitted to the admin's bounds
//! (`bounds.rs`) and the checks between keys (`cross_checks.rs`).

use super::bounds::fit_to_bounds;
use super::cross_checks::check_consistency;
use super::custom_rules::CustomRule;
use super::default_values::{Text, read_defaults};
use super::reader::Reader;
use super::values::{SETTINGS_KEYS, Settings};
use crate::model::findings::{SettingsErrors, type_name};
use crate::model::node::{Node, Object};
use crate::model::rule_ids::is_built_in;

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
    if let Some(name) = names.iter().find(|name| is_built_in(name)) {
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

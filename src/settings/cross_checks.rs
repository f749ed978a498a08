//! The checks between settings keys, once every key parsed on its own: bounds that contradict
//! each other, and defaults the admin wrote outside the admin's own bounds.

use super::values::Settings;
use crate::formats::quantity::Quantity;
use crate::formats::version::Version;
use crate::model::findings::SettingsErrors;

/// Checks between keys, once every key parsed on its own.
pub fn check_consistency(settings: &Settings, errors: &mut SettingsErrors) {
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

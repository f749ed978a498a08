//! Fitting the built-in defaults to the admin's bounds.

use super::values::Settings;
use crate::formats::quantity::Quantity;
use crate::formats::version::Version;

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

//! The rules of docs/contract.md section 3 that every SampleDB to be stored passes, on CREATE and
//! UPDATE alike (the update-only rules are in `update.rs`), run on the object as it will be stored.
//! Every check records its violation and carries on, so one answer lists them all.

use crate::formats::cron;
use crate::formats::names::{self, DNS1035_LABEL, DNS1035_PREFIX, DNS1123_SUBDOMAIN};
use crate::formats::quantity::Quantity;
use crate::formats::retention::{self, RETENTION_FORMAT};
use crate::formats::version::Version;
use crate::model::fields::{
    BACKUP, BACKUP_RETENTION, BACKUP_SCHEDULE, BACKUP_SUSPEND, CREDENTIALS, DELETION_POLICY,
    DELETION_PROTECTION, GENERATE_NAME, METADATA, NAME, NOT_A_STRING, NOT_AN_OBJECT, REPLICAS,
    RESOURCES, SECRET_NAME, SPEC, STORAGE, STORAGE_CLASS, STORAGE_SIZE, VERSION, bool_at, field,
    object_at, object_named, quantity_of, quantity_text, str_at,
};
use crate::model::findings::Findings;
use crate::model::node::{Node, Object};
use crate::settings::{DELETION_POLICIES, Settings};

pub const NAME_REQUIRED: &str = "a SampleDB needs a name";
pub const VERSION_REQUIRED: &str = "set the engine version, such as \"16.4\"";
pub const VERSION_NOT_STRING: &str = "must be a string such as \"16.4\" (quote it in YAML)";
pub const REPLICAS_NOT_INTEGER: &str = "must be an integer";
pub const STORAGE_SIZE_REQUIRED: &str = "set the volume size, such as \"20Gi\"";
pub const STORAGE_CLASS_NAME_FORMAT: &str = "must be a DNS-1123 subdomain (the name of a StorageClass), or left out to use the cluster's default class";
pub const STORAGE_NOT_POSITIVE: &str = "must be greater than zero";
pub const QUANTITY_NEGATIVE: &str = "must not be negative";
pub const SECRET_NAME_REQUIRED: &str = "name the Secret that holds the database credentials";
pub const BACKUP_REQUIRED: &str = "a backup section is required by policy (requireBackup)";
pub const SCHEDULE_REQUIRED: &str = "a backup section needs a schedule, such as \"0 3 * * *\"";
pub const LIMIT_REQUIRED: &str = "resource limits are required by policy (requireResourceLimits)";
pub const DELETION_POLICY_UNKNOWN: &str = "must be one of Snapshot, Delete, Retain";
pub const BACKUP_SUSPENDED_WARNING: &str =
    "backups are suspended: no new backups are taken until suspend is false";
pub const DELETE_POLICY_WARNING: &str =
    "Delete removes the data with the SampleDB (choose Snapshot or Retain to keep it)";

/// Random characters the API server appends to a `generateName`.
const GENERATED_SUFFIX_LENGTH: usize = 5;

pub fn check_object(object: &Object, settings: &Settings, findings: &mut Findings) {
    check_name(object, settings, findings);
    let empty = Object::new();
    let spec = match field(object, SPEC.key()) {
        None => &empty,
        Some(Node::Object(spec)) => spec,
        Some(other) => {
            findings.invalid(SPEC.path, other, NOT_AN_OBJECT);
            return;
        }
    };
    check_version(spec, settings, findings);
    check_replicas(spec, settings, findings);
    check_storage(spec, settings, findings);
    check_resources(spec, settings, findings);
    check_credentials(spec, findings);
    check_backup(spec, settings, findings);
    check_deletion(spec, findings);
}

fn name_length_detail(max: usize) -> String {
    format!(
        "must be no more than {max} characters, so that the StatefulSet, PVC and Job names derived from it fit in 63"
    )
}

fn check_name(object: &Object, settings: &Settings, findings: &mut Findings) {
    let metadata = match field(object, METADATA.key()) {
        None => return findings.required(NAME.path, NAME_REQUIRED),
        Some(Node::Object(metadata)) => metadata,
        Some(other) => return findings.invalid(METADATA.path, other, NOT_AN_OBJECT),
    };
    let max = settings.max_name_length;
    if let Some(name) = str_at(metadata, NAME, findings) {
        if !names::is_dns1035_label(name) {
            findings.invalid(NAME.path, &Node::from(name), DNS1035_LABEL);
        }
        if name.chars().count() > max {
            findings.invalid(NAME.path, &Node::from(name), name_length_detail(max));
        }
        return;
    }
    if field(metadata, NAME.key()).is_some() {
        return;
    }
    // Mutating admission runs before the API server turns generateName into a name.
    match str_at(metadata, GENERATE_NAME, findings) {
        Some("") => findings.required(NAME.path, NAME_REQUIRED),
        Some(prefix) => {
            if !names::is_dns1035_prefix(prefix) {
                findings.invalid(GENERATE_NAME.path, &Node::from(prefix), DNS1035_PREFIX);
            }
            let longest = max.saturating_sub(GENERATED_SUFFIX_LENGTH);
            if prefix.chars().count() > longest {
                findings.invalid(
                    GENERATE_NAME.path,
                    &Node::from(prefix),
                    format!(
                        "must be no more than {longest} characters, so that the generated name fits in {max}"
                    ),
                );
            }
        }
        None => findings.required(NAME.path, NAME_REQUIRED),
    }
}

fn check_version(spec: &Object, settings: &Settings, findings: &mut Findings) {
    const PATH: &str = VERSION.path;
    let text = match field(spec, VERSION.key()) {
        None => return findings.required(PATH, VERSION_REQUIRED),
        Some(Node::String(text)) => text,
        Some(other) => return findings.invalid(PATH, other, VERSION_NOT_STRING),
    };
    let version = match Version::parse(text) {
        Ok(version) => version,
        Err(detail) => return findings.invalid(PATH, &Node::from(&**text), detail),
    };
    let major = version.major();
    if !settings.allowed_versions.is_empty() && !settings.allowed_versions.contains(&major) {
        let allowed: Vec<String> = settings
            .allowed_versions
            .iter()
            .map(u64::to_string)
            .collect();
        findings.invalid(
            PATH,
            &Node::from(&**text),
            format!(
                "major {major} is not allowed (allowed majors: {})",
                allowed.join(", ")
            ),
        );
    }
    if settings.deprecated_versions.contains(&major) {
        findings.warn(
            PATH,
            format!("major {major} is deprecated and will stop being accepted; plan an upgrade"),
        );
    }
}

fn check_replicas(spec: &Object, settings: &Settings, findings: &mut Findings) {
    const PATH: &str = REPLICAS.path;
    let Some(value) = field(spec, REPLICAS.key()) else {
        return;
    };
    let Some(replicas) = value.as_i64().or_else(|| value.as_u64().map(|_| i64::MAX)) else {
        return findings.invalid(PATH, value, REPLICAS_NOT_INTEGER);
    };
    let max = settings.max_replicas;
    if replicas < 1 || replicas as u64 > max {
        return findings.invalid(PATH, value, format!("must be between 1 and {max}"));
    }
    if replicas > 1 && replicas % 2 == 0 {
        findings.warn(
            PATH,
            format!(
                "{replicas} replicas tolerate no more failures than {}: an even count adds no majority quorum",
                replicas - 1
            ),
        );
    }
}

fn check_storage(spec: &Object, settings: &Settings, findings: &mut Findings) {
    const SIZE: &str = STORAGE_SIZE.path;
    const CLASS: &str = STORAGE_CLASS.path;
    let empty = Object::new();
    let storage = if field(spec, STORAGE.key()).is_none() {
        &empty
    } else {
        match object_at(spec, STORAGE, findings) {
            Some(storage) => storage,
            None => return,
        }
    };
    match field(storage, STORAGE_SIZE.key()) {
        None => findings.required(SIZE, STORAGE_SIZE_REQUIRED),
        Some(value) => {
            if let Some(size) = quantity_of(value, SIZE, findings) {
                check_size_bounds(value, size, settings, findings);
            }
        }
    }
    if let Some(class) = str_at(storage, STORAGE_CLASS, findings) {
        // The class name goes into a cluster lookup: only a real object name may get that far.
        if !names::is_dns1123_subdomain(class) {
            findings.invalid(CLASS, &Node::from(class), STORAGE_CLASS_NAME_FORMAT);
            return;
        }
        let allowed = &settings.allowed_storage_classes;
        if !allowed.is_empty() && !allowed.iter().any(|name| name == class) {
            findings.invalid(
                CLASS,
                &Node::from(class),
                format!(
                    "is not an allowed storage class (allowed: {})",
                    allowed.join(", ")
                ),
            );
        }
    }
}

fn check_size_bounds(value: &Node, size: Quantity, settings: &Settings, findings: &mut Findings) {
    const SIZE: &str = STORAGE_SIZE.path;
    if !size.is_positive() {
        return findings.invalid(SIZE, value, STORAGE_NOT_POSITIVE);
    }
    if let Some(min) = settings.min_storage.as_ref().filter(|min| size < min.value) {
        findings.invalid(SIZE, value, format!("must be at least {}", min.text));
    }
    if let Some(max) = settings.max_storage.as_ref().filter(|max| size > max.value) {
        findings.invalid(SIZE, value, format!("must be at most {}", max.text));
    }
}

fn check_resources(spec: &Object, settings: &Settings, findings: &mut Findings) {
    let resources = object_at(spec, RESOURCES, findings);
    let section = |name: &str, findings: &mut Findings| {
        resources.and_then(|map| object_named(map, name, &resource_path(name, ""), findings))
    };
    let requests = section("requests", findings);
    let limits = section("limits", findings);
    // Parsed once here; the request/limit comparison below reuses them.
    let mut parsed = Vec::new();
    for (name, section) in [("requests", requests), ("limits", limits)] {
        for (resource, value) in section.into_iter().flat_map(Object::iter) {
            let path = resource_path(name, resource);
            if let Some(quantity) = quantity_of(value, &path, findings) {
                if quantity.is_negative() {
                    findings.invalid(&path, value, QUANTITY_NEGATIVE);
                }
                parsed.push((name, resource, quantity));
            }
        }
    }
    let quantity = |section: &str, resource: &str| {
        parsed
            .iter()
            .find(|(name, key, _)| *name == section && *key == resource)
            .map(|(_, _, quantity)| *quantity)
    };
    for resource in ["cpu", "memory"] {
        let request = requests.and_then(|map| field(map, resource));
        let limit = limits.and_then(|map| field(map, resource));
        if let (Some(request), Some(limit)) = (request, limit)
            && let (Some(requested), Some(limited)) =
                (quantity("requests", resource), quantity("limits", resource))
            && requested > limited
        {
            findings.invalid(
                &resource_path("requests", resource),
                request,
                format!(
                    "must be less than or equal to limits.{resource} {}",
                    quantity_text(limit)
                ),
            );
        }
        if settings.require_resource_limits && limit.is_none() {
            findings.required(&resource_path("limits", resource), LIMIT_REQUIRED);
        }
    }
}

fn check_credentials(spec: &Object, findings: &mut Findings) {
    const PATH: &str = SECRET_NAME.path;
    let credentials = if field(spec, CREDENTIALS.key()).is_none() {
        None
    } else {
        match object_at(spec, CREDENTIALS, findings) {
            Some(credentials) => Some(credentials),
            None => return,
        }
    };
    let secret = credentials.and_then(|map| field(map, SECRET_NAME.key()));
    match secret {
        None => findings.required(PATH, SECRET_NAME_REQUIRED),
        Some(Node::String(name)) if !names::is_dns1123_subdomain(name) => {
            findings.invalid(PATH, &Node::from(&**name), DNS1123_SUBDOMAIN)
        }
        Some(Node::String(_)) => {}
        Some(other) => findings.invalid(PATH, other, NOT_A_STRING),
    }
}

fn check_backup(spec: &Object, settings: &Settings, findings: &mut Findings) {
    if field(spec, BACKUP.key()).is_none() {
        if settings.require_backup {
            findings.required(BACKUP.path, BACKUP_REQUIRED);
        }
        return;
    }
    let Some(backup) = object_at(spec, BACKUP, findings) else {
        return;
    };
    if field(backup, BACKUP_SCHEDULE.key()).is_none() {
        findings.required(BACKUP_SCHEDULE.path, SCHEDULE_REQUIRED);
    } else if let Some(schedule) = str_at(backup, BACKUP_SCHEDULE, findings)
        && let Err(detail) = cron::validate(schedule)
    {
        findings.invalid(BACKUP_SCHEDULE.path, &Node::from(schedule), detail);
    }
    if let Some(retention) = str_at(backup, BACKUP_RETENTION, findings)
        && !retention::is_valid(retention)
    {
        findings.invalid(
            BACKUP_RETENTION.path,
            &Node::from(retention),
            RETENTION_FORMAT,
        );
    }
    if bool_at(backup, BACKUP_SUSPEND, findings) == Some(true) {
        findings.warn(BACKUP_SUSPEND.path, BACKUP_SUSPENDED_WARNING);
    }
}

fn check_deletion(spec: &Object, findings: &mut Findings) {
    const POLICY: &str = DELETION_POLICY.path;
    match str_at(spec, DELETION_POLICY, findings) {
        Some("Delete") => findings.warn(POLICY, DELETE_POLICY_WARNING),
        Some(policy) if !DELETION_POLICIES.contains(&policy) => {
            findings.invalid(POLICY, &Node::from(policy), DELETION_POLICY_UNKNOWN)
        }
        _ => {}
    }
    bool_at(spec, DELETION_PROTECTION, findings);
}

/// `spec.resources.SECTION[.RESOURCE]`, built by hand: it is built for every entry of the
/// section, and a refused object can hold hundreds of thousands (`format!` cost the worst such
/// input 17%).
fn resource_path(section: &str, resource: &str) -> String {
    let mut path = String::with_capacity(RESOURCES.path.len() + section.len() + resource.len() + 2);
    path.push_str(RESOURCES.path);
    path.push('.');
    path.push_str(section);
    if !resource.is_empty() {
        path.push('.');
        path.push_str(resource);
    }
    path
}

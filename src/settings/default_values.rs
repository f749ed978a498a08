//! The `defaults` settings: what the policy fills in, and which of those values the admin set.

use super::reader::Reader;
use crate::formats::cron;
use crate::formats::names;
use crate::formats::retention;
use crate::formats::version::Version;
use crate::model::findings::SettingsErrors;
use crate::model::node::{Node, Object};

pub const DELETION_POLICIES: [&str; 3] = ["Snapshot", "Delete", "Retain"];

/// A default's text: the built-in ones are borrowed, so reading `{}` settings allocates nothing
/// and a default is inserted into an object without a copy.
pub use crate::model::Text;

pub const DEFAULTS_KEYS: [&str; 7] = [
    "version",
    "replicas",
    "storageSize",
    "storageClassName",
    "backupSchedule",
    "backupRetention",
    "deletionPolicy",
];

#[derive(Debug, Clone)]
pub struct Defaults {
    pub version: Text,
    pub replicas: u64,
    pub storage_size: Text,
    pub storage_class_name: Option<Text>,
    pub backup_schedule: Option<Text>,
    pub backup_retention: Text,
    pub deletion_policy: Text,
    /// The `defaults` keys the admin wrote; the others follow the admin's bounds.
    pub set_by_admin: Vec<&'static str>,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            version: Text::Borrowed("16"),
            replicas: 1,
            storage_size: Text::Borrowed("1Gi"),
            storage_class_name: None,
            backup_schedule: Some(Text::Borrowed("0 3 * * *")),
            backup_retention: Text::Borrowed("7d"),
            deletion_policy: Text::Borrowed("Snapshot"),
            set_by_admin: Vec::new(),
        }
    }
}

pub fn read_defaults(map: &Object, errors: &mut SettingsErrors) -> Defaults {
    for key in map.keys() {
        if !DEFAULTS_KEYS.contains(&key) {
            errors.add(&format!("defaults.{key}"), "unknown setting");
        }
    }
    let mut defaults = Defaults {
        set_by_admin: DEFAULTS_KEYS
            .into_iter()
            .filter(|key| map.get(key).is_some_and(|value| !value.is_null()))
            .collect(),
        ..Defaults::default()
    };
    let mut read = Reader {
        map,
        prefix: "defaults.",
        errors,
    };
    if let Some(version) = read.string("version") {
        if let Err(detail) = Version::parse(&version) {
            read.fail("version", detail);
        }
        defaults.version = version.into();
    }
    if let Some(replicas) = read.integer("replicas", 1, u64::from(u32::MAX)) {
        defaults.replicas = replicas;
    }
    if let Some(size) = read.quantity("storageSize") {
        if !size.value.is_positive() {
            read.fail("storageSize", "must be greater than zero");
        }
        defaults.storage_size = size.text.into();
    }
    if let Some(class) = read.string("storageClassName") {
        // A default class the API server would refuse as a name refuses every SampleDB that
        // takes it; "" would name no class at all.
        if !names::is_dns1123_subdomain(&class) {
            read.fail(
                "storageClassName",
                format!("\"{class}\" must be a DNS-1123 subdomain (the name of a StorageClass); leave it out to use the cluster's default class"),
            );
        }
        defaults.storage_class_name = Some(Text::from(class));
    }
    // An explicit null switches the default backup off; leaving the key out keeps "0 3 * * *".
    match map.get("backupSchedule") {
        Some(Node::Null) => defaults.backup_schedule = None,
        Some(_) => {
            if let Some(schedule) = read.string("backupSchedule") {
                if let Err(detail) = cron::validate(&schedule) {
                    read.fail("backupSchedule", detail);
                }
                defaults.backup_schedule = Some(schedule.into());
            }
        }
        None => {}
    }
    if let Some(retention) = read.string("backupRetention") {
        if !retention::is_valid(&retention) {
            read.fail("backupRetention", retention::RETENTION_FORMAT);
        }
        defaults.backup_retention = retention.into();
    }
    if let Some(policy) = read.string("deletionPolicy") {
        if !DELETION_POLICIES.contains(&policy.as_str()) {
            read.fail("deletionPolicy", "must be one of Snapshot, Delete, Retain");
        }
        defaults.deletion_policy = policy.into();
    }
    defaults
}

impl Defaults {
    pub fn admin_set(&self, key: &str) -> bool {
        self.set_by_admin.contains(&key)
    }
}

//! The rules' ids, as the README's and the contract's tables name them: one constant each, used
//! by the rules (which one a break-glass exception skips), the settings (which ones it may name)
//! and the tools that read answers (the bench's rule ids). `tests/rule_ids.rs` checks that the
//! tables list exactly these.

pub const NAME: &str = "name";
pub const VERSION: &str = "version";
pub const REPLICAS: &str = "replicas";
pub const STORAGE: &str = "storage";
pub const STORAGE_CLASS: &str = "storageClass";
pub const RESOURCES: &str = "resources";
pub const CREDENTIALS: &str = "credentials";
pub const BACKUP: &str = "backup";
pub const DELETION_POLICY: &str = "deletionPolicy";
pub const TYPES: &str = "types";
pub const CUSTOM_RULES: &str = "customRules";

pub const STORAGE_GROW: &str = "storageGrow";
pub const STORAGE_CLASS_IMMUTABLE: &str = "storageClassImmutable";
pub const VERSION_PATH: &str = "versionPath";
pub const CREDENTIALS_IMMUTABLE: &str = "credentialsImmutable";

/// The DELETE rule: a protected SampleDB is not deleted (403).
pub const DELETION_PROTECTION: &str = "deletionProtection";

/// The rules every SampleDB to be stored passes (CREATE and UPDATE), in the tables' order.
pub const OBJECT_RULES: [&str; 11] = [
    NAME,
    VERSION,
    REPLICAS,
    STORAGE,
    STORAGE_CLASS,
    RESOURCES,
    CREDENTIALS,
    BACKUP,
    DELETION_POLICY,
    TYPES,
    CUSTOM_RULES,
];

/// Whether `id` names a built-in rule (what a custom rule may not be named; `customRules` names
/// the custom rules themselves).
pub fn is_built_in(id: &str) -> bool {
    id != CUSTOM_RULES && (OBJECT_RULES.contains(&id) || UPDATE_RULES.contains(&id))
}

/// The rules of an UPDATE, in the tables' order.
pub const UPDATE_RULES: [&str; 4] = [
    STORAGE_GROW,
    STORAGE_CLASS_IMMUTABLE,
    VERSION_PATH,
    CREDENTIALS_IMMUTABLE,
];

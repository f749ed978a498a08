//! Rule ids (docs/contract.md section 3) of the policy's answers, read from its messages: every violation
//! names its field path and detail, which together identify the rule.

use kubewarden_policy_sdk::response::ValidationResponse;
use sampledb_policy::model::fields::{NOT_A_BOOLEAN, NOT_A_QUANTITY, NOT_A_STRING, NOT_AN_OBJECT};
use sampledb_policy::model::findings::violation_entries;
use sampledb_policy::model::rule_ids as id;
use sampledb_policy::rules::object_rules::{REPLICAS_NOT_INTEGER, VERSION_NOT_STRING};
use std::collections::BTreeSet;

/// Details that mean "a value of the wrong JSON type" (rule id `types`).
const TYPE_DETAILS: [&str; 6] = [
    NOT_AN_OBJECT,
    NOT_A_STRING,
    NOT_A_BOOLEAN,
    REPLICAS_NOT_INTEGER,
    VERSION_NOT_STRING,
    NOT_A_QUANTITY,
];

pub fn of_response(response: &ValidationResponse) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    if response.accepted {
        return ids;
    }
    match response.code {
        Some(400) => {
            ids.insert("request".to_string());
        }
        Some(403) => {
            ids.insert(id::DELETION_PROTECTION.to_string());
        }
        _ => {
            let message = response.message.as_deref().unwrap_or("");
            for (_, entry) in violation_entries(message) {
                ids.insert(of_violation(entry).to_string());
            }
        }
    }
    ids
}

fn of_violation(entry: &str) -> &'static str {
    let (path, rest) = entry.split_once(": ").unwrap_or((entry, ""));
    if rest.contains("(custom rule ") {
        return id::CUSTOM_RULES;
    }
    if TYPE_DETAILS.iter().any(|detail| rest.ends_with(detail)) {
        return id::TYPES;
    }
    let immutable = rest.contains("may not change") || rest.contains("may not be removed");
    match path {
        p if p.starts_with("metadata") => id::NAME,
        "spec.version" if rest.contains("may not go back") || rest.contains("may not skip") => {
            id::VERSION_PATH
        }
        "spec.version" => id::VERSION,
        "spec.replicas" => id::REPLICAS,
        "spec.storage.size" if rest.contains("may not shrink") => id::STORAGE_GROW,
        "spec.storage.size" => id::STORAGE,
        "spec.storage.storageClassName" if immutable => id::STORAGE_CLASS_IMMUTABLE,
        "spec.storage.storageClassName" => id::STORAGE_CLASS,
        "spec.credentials.secretName" if immutable => id::CREDENTIALS_IMMUTABLE,
        p if p.starts_with("spec.credentials") => id::CREDENTIALS,
        p if p.starts_with("spec.resources") => id::RESOURCES,
        p if p.starts_with("spec.backup") => id::BACKUP,
        "spec.deletionPolicy" => id::DELETION_POLICY,
        _ => "unknown",
    }
}

//! Reading an AdmissionResponse back: the violations of a 422 message, the warnings, the paths a
//! patch adds. `check`, `test` and the project's tests read answers through it.

use sampledb_policy::model::findings::violation_entries;
use serde_json::Value;

/// One entry of a 422 message: `spec.storage.size: Invalid value: "1x": ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field path, e.g. `spec.storage.size` or `metadata.labels[team]`.
    pub path: String,
    /// The whole entry, path included, as the user reads it.
    pub entry: String,
}

/// The violations listed in a 422 message, in order; none in any other message. The policy
/// crate reads its own format (`violation_entries`, beside the code that writes it).
pub fn violations(message: &str) -> Vec<Violation> {
    violation_entries(message)
        .map(|(path, entry)| Violation {
            path: path.to_string(),
            entry: entry.to_string(),
        })
        .collect()
}

/// The paths of the violations of an AdmissionResponse, in order.
pub fn violation_paths(answer: &Value) -> Vec<String> {
    let message = answer["status"]["message"].as_str().unwrap_or("");
    violations(message).into_iter().map(|v| v.path).collect()
}

/// The warnings of an AdmissionResponse (kwctl prints `null` for none).
pub fn warnings(answer: &Value) -> Vec<String> {
    answer["warnings"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A JSON Pointer of a patch as a field path in the policy's notation: `/spec/storage/size` is
/// `spec.storage.size`, `/metadata/labels/app.kubernetes.io~1name` is
/// `metadata.labels[app.kubernetes.io/name]`, `/spec/x/0` is `spec.x[0]`.
pub fn field_path(pointer: &str) -> String {
    let mut path = String::new();
    for token in pointer.split('/').skip(1) {
        let key = token.replace("~1", "/").replace("~0", "~");
        let plain = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && !key.chars().all(|c| c.is_ascii_digit());
        if plain {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key);
        } else {
            path.push('[');
            path.push_str(&key);
            path.push(']');
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_422_message_gives_its_paths_in_order() {
        let message = "SampleDB.example.com \"orders\" is invalid: spec.replicas: Invalid value: 2: \
                       must be odd; metadata.labels[team]: Required value: label team is required";
        let paths: Vec<String> = violations(message).into_iter().map(|v| v.path).collect();
        assert_eq!(paths, ["spec.replicas", "metadata.labels[team]"]);
        assert!(violations("deletion refused: the object is protected").is_empty());
    }

    #[test]
    fn pointers_become_the_policys_field_paths() {
        assert_eq!(field_path("/spec/storage/size"), "spec.storage.size");
        assert_eq!(
            field_path("/metadata/labels/app.kubernetes.io~1name"),
            "metadata.labels[app.kubernetes.io/name]"
        );
        assert_eq!(field_path("/spec/x/0"), "spec.x[0]");
    }
}

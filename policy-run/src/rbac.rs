//! `kubernetes/can_i` answered from the RBAC objects of a cluster state (`--cluster-state`):
//! Roles, ClusterRoles and their bindings, evaluated as kube-apiserver's RBAC authorizer does for
//! a resource request. A subject matches a binding as a User by name or a Group by name; a rule
//! matches when its apiGroups, resources and verbs hold the request's (or `*`) and its
//! resourceNames are empty or hold the name. The answer is a SubjectAccessReviewStatus.

use serde_json::{Value, json};

fn holds(list: &Value, wanted: &str) -> bool {
    list.as_array()
        .is_some_and(|items| items.iter().any(|item| item == "*" || item == wanted))
}

fn rule_allows(rule: &Value, attributes: &Value) -> bool {
    let field = |key: &str| attributes[key].as_str().unwrap_or("");
    let names = rule["resourceNames"]
        .as_array()
        .filter(|names| !names.is_empty());
    holds(&rule["apiGroups"], field("group"))
        && holds(&rule["resources"], field("resource"))
        && holds(&rule["verbs"], field("verb"))
        && names.is_none_or(|names| names.iter().any(|name| name == field("name")))
}

fn subject_matches(subject: &Value, user: &str, groups: &[&str]) -> bool {
    let name = subject["name"].as_str().unwrap_or("");
    match subject["kind"].as_str() {
        Some("User") => name == user,
        Some("Group") => groups.contains(&name),
        _ => false,
    }
}

/// The review's status for `review` (`{user, groups, resource_attributes}`) against `objects`.
pub fn review(objects: &[Value], review: &Value) -> Value {
    let user = review["user"].as_str().unwrap_or("");
    let groups: Vec<&str> = review["groups"]
        .as_array()
        .map(|groups| groups.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let attributes = &review["resource_attributes"];
    let namespace = attributes["namespace"].as_str();
    let role = |kind: &str, name: &str, role_namespace: Option<&str>| {
        objects.iter().find(|object| {
            object["kind"] == kind
                && object["metadata"]["name"] == name
                && role_namespace.is_none_or(|ns| object["metadata"]["namespace"] == ns)
        })
    };
    for binding in objects {
        let kind = binding["kind"].as_str().unwrap_or("");
        let binding_namespace = binding["metadata"]["namespace"].as_str();
        let applies = match kind {
            "ClusterRoleBinding" => true,
            "RoleBinding" => binding_namespace.is_some() && binding_namespace == namespace,
            _ => false,
        };
        let subjects = binding["subjects"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if !applies || !subjects.iter().any(|s| subject_matches(s, user, &groups)) {
            continue;
        }
        let reference = &binding["roleRef"];
        let role_name = reference["name"].as_str().unwrap_or("");
        let granted = match reference["kind"].as_str() {
            Some("ClusterRole") => role("ClusterRole", role_name, None),
            Some("Role") if kind == "RoleBinding" => role("Role", role_name, binding_namespace),
            _ => None,
        };
        let rules = granted.and_then(|role| role["rules"].as_array());
        if rules.is_some_and(|rules| rules.iter().any(|rule| rule_allows(rule, attributes))) {
            let name = binding["metadata"]["name"].as_str().unwrap_or("");
            let at = binding_namespace.map_or(String::new(), |ns| format!("/{ns}"));
            return json!({
                "allowed": true,
                "reason": format!("RBAC: allowed by {kind} \"{name}{at}\" of {} \"{role_name}\"",
                    reference["kind"].as_str().unwrap_or(""))
            });
        }
    }
    json!({"allowed": false})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects() -> Vec<Value> {
        serde_json::from_value(json!([
            {"kind": "ClusterRole", "metadata": {"name": "sampledb-break-glass"},
             "rules": [{"apiGroups": ["example.com"], "resources": ["sampledbs"], "verbs": ["bypass"]}]},
            {"kind": "RoleBinding", "metadata": {"name": "sre-break-glass", "namespace": "shop"},
             "roleRef": {"kind": "ClusterRole", "name": "sampledb-break-glass"},
             "subjects": [{"kind": "Group", "name": "sre"}, {"kind": "User", "name": "alice"}]}
        ]))
        .unwrap()
    }

    fn asks(user: &str, groups: &[&str], namespace: &str, verb: &str) -> bool {
        let review = json!({"user": user, "groups": groups, "resource_attributes":
            {"group": "example.com", "resource": "sampledbs", "verb": verb, "namespace": namespace, "name": "db"}});
        review_allowed(&review)
    }

    fn review_allowed(review: &Value) -> bool {
        super::review(&objects(), review)["allowed"] == true
    }

    #[test]
    fn a_binding_grants_its_subjects_the_roles_verbs_in_its_namespace_only() {
        assert!(asks("alice", &[], "shop", "bypass"));
        assert!(asks("carol", &["sre"], "shop", "bypass"));
        assert!(!asks("bob", &["dev"], "shop", "bypass"));
        assert!(!asks("alice", &[], "other", "bypass"));
        assert!(!asks("alice", &[], "shop", "delete"));
    }
}

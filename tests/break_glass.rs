//! Break glass through the `ClusterView` trait: an exception for named rules, asked for with two
//! annotations, honoured only for a user the cluster's RBAC allows (as `kubernetes/can_i`
//! answers), seen in a warning and the audit annotations; every way it is not honoured says why.

mod common;

use common::*;
use kubewarden_policy_sdk::response::ValidationResponse;
use rstest::rstest;
use sampledb_policy::cluster::{Access, ClusterView, Item, Query, items_of_answer};
use sampledb_policy::rules::break_glass::{
    LEFT_FROM_EARLIER, NOT_HONOURED, OTHER_RULES_REFUSE, REASON_ANNOTATION, REASON_REQUIRED,
    RULES_ANNOTATION, RULES_PATH,
};
use serde_json::{Value, json};
use std::cell::RefCell;

/// How the cluster answers `can_i`, and the reviews it was asked.
struct Rbac {
    answer: Result<&'static str, &'static str>,
    asked: RefCell<Vec<Access>>,
}

impl Rbac {
    fn new(answer: Result<&'static str, &'static str>) -> Rbac {
        Rbac {
            answer,
            asked: RefCell::new(Vec::new()),
        }
    }
}

const ALLOWED: &str =
    r#"{"allowed":true,"reason":"RBAC: allowed by RoleBinding \"break-glass/shop\""}"#;
const DENIED: &str = r#"{"allowed":false}"#;

impl ClusterView for Rbac {
    fn read(&self, query: &Query) -> Result<Vec<Item>, String> {
        let Query::CanI(access) = query else {
            return Err(format!("unexpected lookup {query:?}"));
        };
        self.asked.borrow_mut().push(access.clone());
        items_of_answer(
            query,
            self.answer
                .map(|a| a.as_bytes().to_vec())
                .map_err(str::to_string),
        )
    }
}

fn settings() -> Value {
    json!({
        "breakGlass": {"rules": ["versionPath", "credentialsImmutable", "team-label"]},
        "customRules": [{"name": "team-label", "path": "$.metadata.labels.team", "required": true}]
    })
}

/// The stored object, with the team label the custom rule requires.
fn stored() -> Value {
    with(sampledb(), "/metadata/labels/team", json!("payments"))
}

/// A restore from an older backup: the version goes back, with an exception asked for.
fn downgrade(rules: &str, reason: &str) -> Value {
    let new = with(stored(), "/spec/version", json!("15.8"));
    annotated(
        annotated(new, RULES_ANNOTATION, rules),
        REASON_ANNOTATION,
        reason,
    )
}

/// The object with an annotation set (keys hold `/`, which a JSON pointer cannot name plainly).
fn annotated(mut object: Value, key: &str, value: &str) -> Value {
    object["metadata"]["annotations"][key] = json!(value);
    object
}

fn by(user: &str, mut request: Value) -> Value {
    request["userInfo"] = json!({"username": user, "groups": ["sre", "system:authenticated"]});
    request
}

fn run(request: Value, settings: Value, cluster: &dyn ClusterView) -> ValidationResponse {
    let payload = json!({"request": request, "settings": settings}).to_string();
    serde_json::from_slice(&sampledb_policy::validate_with(payload.as_bytes(), cluster).unwrap())
        .unwrap()
}

/// alice's UPDATE of the stored object to `new`, the cluster answering `can_i` with `answer`.
fn alice_updates(new: Value, answer: &'static str) -> ValidationResponse {
    let request = by("alice", request("UPDATE", Some(new), Some(stored())));
    run(request, settings(), &Rbac::new(Ok(answer)))
}

const REASON: &str = "INC-4711: restore the 2026-12-01 backup";

#[test]
fn a_bound_user_restores_an_older_backup_seen_in_warning_and_audit() {
    let rbac = Rbac::new(Ok(ALLOWED));
    let request = by(
        "alice",
        request(
            "UPDATE",
            Some(downgrade("versionPath", REASON)),
            Some(stored()),
        ),
    );
    let response = run(request, settings(), &rbac);
    assert!(response.accepted, "{:?}", response.message);
    assert_eq!(
        warnings(&response),
        [format!(
            "break glass: versionPath not enforced for alice, reason: {REASON}"
        )]
    );
    let audit = response.audit_annotations.expect("audit annotations");
    assert_eq!(audit["break-glass-rules"], "versionPath");
    assert_eq!(audit["break-glass-user"], "alice");
    assert_eq!(audit["break-glass-reason"], REASON);
    assert_eq!(
        rbac.asked.borrow().as_slice(),
        [Access {
            user: "alice".into(),
            groups: vec!["sre".into(), "system:authenticated".into()],
            verb: "bypass".into(),
            namespace: "shop".into(),
            name: "example-database".into(),
        }]
    );
}

#[test]
fn a_credentials_rotation_and_a_named_custom_rule_can_be_bypassed_together() {
    let new = with(
        downgrade("credentialsImmutable, team-label", REASON),
        "/spec/version",
        json!("16.4"),
    );
    let new = with(
        new,
        "/spec/credentials/secretName",
        json!("rotated-credentials"),
    );
    let new = without(new, "/metadata/labels/team");
    let response = run(
        by("alice", request("UPDATE", Some(new), Some(stored()))),
        settings(),
        &Rbac::new(Ok(ALLOWED)),
    );
    assert!(response.accepted, "{:?}", response.message);
    assert_eq!(
        response.audit_annotations.unwrap()["break-glass-rules"],
        "credentialsImmutable,team-label"
    );
}

/// Every way an exception is not honoured: refused with the rule's own violations, and first the
/// reason the exception was not applied.
#[rstest]
#[case::user_not_bound(
    downgrade("versionPath", REASON),
    Ok(DENIED),
    "user alice may not bypass sampledbs in namespace shop"
)]
#[case::lookup_failed(
    downgrade("versionPath", REASON),
    Err("Host error: connection refused\n\nCaused by: x"),
    "the permission could not be checked: connection refused"
)]
#[case::rule_not_listed(
    downgrade("versionPath,storageClassImmutable", REASON),
    Ok(ALLOWED),
    "\"storageClassImmutable\" is not a rule the settings let anyone bypass (breakGlass.rules: versionPath, \
        credentialsImmutable, team-label)"
)]
#[case::reason_missing(downgrade("versionPath", " "), Ok(ALLOWED), REASON_REQUIRED)]
#[case::other_rules_refuse(
    with(downgrade("versionPath", REASON), "/spec/replicas", json!(40)),
    Ok(ALLOWED),
    OTHER_RULES_REFUSE
)]
fn an_exception_not_honoured_says_why(
    #[case] new: Value,
    #[case] answer: Result<&'static str, &'static str>,
    #[case] why: &str,
) {
    let response = run(
        by("alice", request("UPDATE", Some(new), Some(stored()))),
        settings(),
        &Rbac::new(answer),
    );
    assert_eq!(response.code, Some(422), "{:?}", response.message);
    let violations = violations(&response);
    assert_eq!(
        violations[0],
        format!("{RULES_PATH}: Forbidden: {NOT_HONOURED}: {why}")
    );
    assert!(
        violations
            .iter()
            .any(|v| v.starts_with("spec.version: Invalid value: \"15.8\": may not go back")),
        "{violations:?}"
    );
    assert!(response.audit_annotations.is_none());
}

/// An exception left on the object covers the change it was written for, not the next one by
/// somebody else: the stored object's annotations, unchanged, are not honoured again.
#[test]
fn annotations_left_on_the_object_do_not_cover_the_next_change() {
    let restored = downgrade("versionPath", REASON);
    let next = with(
        with(restored.clone(), "/spec/version", json!("14")),
        "/status/currentVersion",
        json!("15.8"),
    );
    let stored_restore = with(restored, "/status/currentVersion", json!("15.8"));
    let response = run(
        by(
            "bob",
            request("UPDATE", Some(next.clone()), Some(stored_restore.clone())),
        ),
        settings(),
        &Rbac::new(Ok(ALLOWED)),
    );
    assert_eq!(
        violations(&response)[0],
        format!("{RULES_PATH}: Forbidden: {NOT_HONOURED}: {LEFT_FROM_EARLIER}")
    );
    // Written again with this change's reason, it is honoured, and nothing the user wrote is removed.
    let rewritten = annotated(next, REASON_ANNOTATION, "INC-4712: second restore");
    let response = run(
        by(
            "bob",
            request("UPDATE", Some(rewritten), Some(stored_restore)),
        ),
        settings(),
        &Rbac::new(Ok(ALLOWED)),
    );
    assert!(response.accepted, "{:?}", response.message);
    assert!(
        response.mutated_object.is_none(),
        "the annotations stay as written"
    );
}

#[test]
fn without_the_setting_the_annotations_change_nothing_and_nothing_is_looked_up() {
    let rbac = Rbac::new(Ok(ALLOWED));
    let response = run(
        by(
            "alice",
            request(
                "UPDATE",
                Some(downgrade("versionPath", REASON)),
                Some(stored()),
            ),
        ),
        json!({}),
        &rbac,
    );
    assert_eq!(violations(&response).len(), 1, "{:?}", response.message);
    assert!(violations(&response)[0].starts_with("spec.version:"));
    assert!(rbac.asked.borrow().is_empty());
}

#[test]
fn an_object_the_rules_accept_needs_no_exception_and_no_lookup() {
    let rbac = Rbac::new(Ok(ALLOWED));
    let unchanged = with(
        downgrade("versionPath", REASON),
        "/spec/version",
        json!("16.4"),
    );
    let response = run(
        by("alice", request("UPDATE", Some(unchanged), Some(stored()))),
        settings(),
        &rbac,
    );
    assert!(response.accepted);
    assert!(warnings(&response).is_empty() && response.audit_annotations.is_none());
    assert!(rbac.asked.borrow().is_empty());
}

#[rstest]
#[case::not_bypassable(
    json!({"breakGlass": {"rules": ["storageGrow"]}}),
    "breakGlass.rules[0]: \"storageGrow\" cannot be bypassed"
)]
#[case::a_format_rule(
    json!({"breakGlass": {"rules": ["version"]}}),
    "breakGlass.rules[0]: \"version\" cannot be bypassed"
)]
#[case::unknown_rule(
    json!({"breakGlass": {"rules": ["teamLabel"]}}),
    "breakGlass.rules[0]: \"teamLabel\" is neither one of versionPath, credentialsImmutable, storageClassImmutable nor \
        the name of a custom rule"
)]
#[case::no_rules(json!({"breakGlass": {}}), "breakGlass.rules: must list the rules that may be bypassed")]
#[case::bad_verb(
    json!({"breakGlass": {"rules": ["versionPath"], "verb": "Bypass!"}}),
    "breakGlass.verb: must be an RBAC verb"
)]
#[case::duplicate_names(
    json!({"customRules": [
        {"name": "a", "path": "$.a", "required": true},
        {"name": "a", "path": "$.b", "required": true}
    ]}),
    "customRules: the name \"a\" is given to more than one rule"
)]
fn break_glass_settings_are_checked(#[case] settings: Value, #[case] expected: &str) {
    let response =
        sampledb_policy::settings::validate_settings_payload(settings.to_string().as_bytes());
    assert!(!response.valid);
    let message = response.message.unwrap();
    assert!(message.starts_with(expected), "{message}");
}

/// What a review found: each hole closed.
#[test]
fn the_same_reason_again_is_stale_however_the_rules_are_reordered_or_repeated() {
    let restored = downgrade("versionPath", REASON);
    let stored_restore = with(restored.clone(), "/status/currentVersion", json!("15.8"));
    let next = with(restored, "/spec/version", json!("14"));
    let next = annotated(
        next,
        RULES_ANNOTATION,
        "versionPath, versionPath,credentialsImmutable",
    );
    let response = run(
        by("bob", request("UPDATE", Some(next), Some(stored_restore))),
        settings(),
        &Rbac::new(Ok(ALLOWED)),
    );
    assert_eq!(
        violations(&response)[0],
        format!("{RULES_PATH}: Forbidden: {NOT_HONOURED}: {LEFT_FROM_EARLIER}")
    );
}

#[test]
fn repeated_rules_are_named_once() {
    let response = alice_updates(downgrade("versionPath,versionPath", REASON), ALLOWED);
    assert_eq!(
        response.audit_annotations.unwrap()["break-glass-rules"],
        "versionPath"
    );
}

/// A grant limited to a name (RBAC `resourceNames`) must not cover an object that only starts
/// with it: with only a `generateName`, the review names no object.
#[test]
fn the_review_names_the_object_never_its_generate_name() {
    let rbac = Rbac::new(Ok(ALLOWED));
    let new = without(downgrade("team-label", REASON), "/metadata/labels/team");
    let new = without(new, "/metadata/name");
    let new = with(new, "/metadata/generateName", json!("example-database"));
    let new = with(new, "/spec/version", json!("16.4"));
    run(
        by("alice", request("CREATE", Some(new), None)),
        settings(),
        &rbac,
    );
    assert_eq!(rbac.asked.borrow()[0].name, "");
}

#[rstest]
#[case::empty_object("{}")]
#[case::a_whole_review(r#"{"kind":"SubjectAccessReview","status":{"allowed":true}}"#)]
#[case::allowed_as_text(r#"{"allowed":"true"}"#)]
fn an_answer_of_another_shape_is_a_failed_check_not_a_denial(#[case] answer: &'static str) {
    let response = alice_updates(downgrade("versionPath", REASON), answer);
    assert!(
        violations(&response)[0].contains(
            "the permission could not be checked: the host's answer is not a SubjectAccessReview status"
        ),
        "{:?}",
        response.message
    );
}

#[test]
fn a_custom_rule_may_not_take_a_built_in_rules_id() {
    let settings = json!({"customRules": [{"name": "backup", "path": "$.a", "required": true}]});
    let response =
        sampledb_policy::settings::validate_settings_payload(settings.to_string().as_bytes());
    assert_eq!(
        response.message.as_deref(),
        Some("customRules: the name \"backup\" is a built-in rule's id")
    );
}

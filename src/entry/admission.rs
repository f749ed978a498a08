//! One admission decision: reads the `validate` payload, routes by kind and operation, defaults,
//! runs the rules, and builds the answer. Every malformed payload gets an answer, never a panic.

use crate::cluster::ClusterView;
use crate::model::fields::{
    DELETION_TIMESTAMP, NAMESPACE, display_name, lookup_str, str_of, value_of,
};
use crate::model::findings::{
    Findings, IS_INVALID, MAX_MESSAGE_BYTES, MAX_PATH_CHARS, bounded_warnings, one_line,
};
use crate::model::jsonpath::Budget;
use crate::model::node::{Node, Object};
use crate::model::payload;
use crate::rules::{break_glass, cluster_checks, custom, defaults, delete, object_rules, update};
use crate::settings::Settings;
use serde::Serialize;
use std::borrow::Cow;

pub use crate::model::fields::{GROUP, KIND};

pub const PAYLOAD_NOT_JSON: &str = "the request payload is not valid JSON";
pub const NO_REQUEST: &str = "the request payload has no \"request\" object";
pub const NO_KIND: &str = "request.kind is missing: cannot tell which resource this is";
pub const OBJECT_MISSING: &str = "request.object is missing or is not a JSON object";
pub const OLD_OBJECT_MISSING: &str =
    "request.oldObject is missing or is not a JSON object: an UPDATE cannot be checked without it";

/// The outcome of one evaluation, before it is encoded for the host.
#[derive(Debug, Default, PartialEq)]
pub struct Decision<'a> {
    pub accepted: bool,
    pub code: Option<u16>,
    pub message: Option<String>,
    pub mutated_object: Option<Node<'a>>,
    pub warnings: Vec<String>,
    /// What the API server writes to its audit log for this request (a break-glass exception).
    pub audit_annotations: Vec<(&'static str, String)>,
}

/// The SDK's `ValidationResponse`, field for field and in its order, with the mutated object
/// written straight from the read tree rather than copied into a `serde_json::Value` first.
#[derive(Serialize)]
struct Response<'d, 'a> {
    accepted: bool,
    message: Option<&'d str>,
    code: Option<u16>,
    mutated_object: Option<&'d Node<'a>>,
    audit_annotations: Option<Annotations<'d>>,
    warnings: Option<Vec<String>>,
}

/// The audit annotations as a JSON object.
struct Annotations<'d>(&'d [(&'static str, String)]);

impl Serialize for Annotations<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'a> Decision<'a> {
    fn accept() -> Decision<'a> {
        Decision {
            accepted: true,
            ..Decision::default()
        }
    }

    fn reject(code: u16, message: impl Into<String>) -> Decision<'a> {
        Decision {
            accepted: false,
            code: Some(code),
            message: Some(message.into()),
            ..Decision::default()
        }
    }

    /// The answer as policy-server reads it: a `ValidationResponse` in JSON. `payload_len`, the
    /// size of the request it answers, bounds a mutated object (the object plus a few defaults).
    pub fn to_json(self, payload_len: usize) -> serde_json::Result<Vec<u8>> {
        // Room for the whole answer at once: growing a 1.5 MB answer by doubling copies it
        // several times over and holds two copies at the peak.
        let text = |list: &[String]| list.iter().map(|item| item.len() + 8).sum::<usize>();
        let mutated = if self.mutated_object.is_some() {
            payload_len + 512
        } else {
            0
        };
        // Every message one line and bounded: kube-apiserver shows nothing of a warning with a
        // control character, and a message is read in a terminal. A refusal's list (422) is
        // built from parts already made so (paths, values, details; `Findings`), and scanning it
        // again was a tenth of a refusal's warm time; every other message is made so here.
        let message = self.message.as_deref().map(|message| match self.code {
            Some(422) => Cow::Borrowed(message),
            _ => one_line(message, MAX_MESSAGE_BYTES),
        });
        let mut out = Vec::with_capacity(
            256 + message.as_ref().map_or(0, |m| m.len() + m.len() / 8)
                + text(&self.warnings)
                + mutated,
        );
        serde_json::to_writer(
            &mut out,
            &Response {
                accepted: self.accepted,
                message: message.as_deref(),
                code: self.code,
                mutated_object: self.mutated_object.as_ref(),
                audit_annotations: (!self.audit_annotations.is_empty())
                    .then_some(Annotations(&self.audit_annotations)),
                warnings: (!self.warnings.is_empty()).then(|| bounded_warnings(self.warnings)),
            },
        )?;
        Ok(out)
    }
}

/// Evaluates a raw `validate` payload: `{"request": AdmissionRequest, "settings": {...}}`;
/// context-aware checks read the cluster through `cluster`.
pub fn evaluate_payload<'a>(payload: &'a [u8], cluster: &dyn ClusterView) -> Decision<'a> {
    let payload = match payload::read(payload) {
        Ok(payload) => payload,
        Err(error) => return Decision::reject(400, format!("{PAYLOAD_NOT_JSON}: {error}")),
    };
    let settings = match Settings::from_node(&payload.settings) {
        Ok(settings) => settings,
        Err(errors) => {
            return Decision::reject(500, format!("the policy settings are not valid: {errors}"));
        }
    };
    match payload.request {
        Some(mut request) => evaluate(&mut request, &settings, cluster),
        None => Decision::reject(400, NO_REQUEST),
    }
}

/// Evaluates one AdmissionRequest. Takes the objects out of `request` rather than copying them.
pub fn evaluate<'a>(
    request: &mut Object<'a>,
    settings: &Settings,
    cluster: &dyn ClusterView,
) -> Decision<'a> {
    let kind = request.get("kind");
    let (Some(group), Some(kind)) = (
        kind.and_then(|kind| lookup_str(kind, &["group"])),
        kind.and_then(|kind| lookup_str(kind, &["kind"])),
    ) else {
        return Decision::reject(400, NO_KIND);
    };
    if group != GROUP || kind != KIND {
        return Decision::accept();
    }
    // The operator writes status through the status subresource; spec rules are not its concern.
    if request_str(request, "subResource").is_some_and(|sub| !sub.is_empty()) {
        return Decision::accept();
    }
    match request_str(request, "operation").unwrap_or("") {
        "CREATE" => admit_write(request, settings, cluster, false),
        "UPDATE" => admit_write(request, settings, cluster, true),
        "DELETE" => admit_delete(request),
        _ => Decision::accept(),
    }
}

/// A string field of the request; `null` and other types count as absent.
fn request_str<'r>(request: &'r Object, key: &str) -> Option<&'r str> {
    request.get(key).and_then(Node::as_str)
}

fn take_object<'a>(request: &mut Object<'a>, key: &str) -> Option<Node<'a>> {
    let slot = request.get_mut(key)?;
    slot.is_object()
        .then(|| std::mem::replace(slot, Node::Null))
}

fn admit_write<'a>(
    request: &mut Object<'a>,
    settings: &Settings,
    cluster: &dyn ClusterView,
    is_update: bool,
) -> Decision<'a> {
    let (mut object, mut old) = match objects_of(request, is_update) {
        Ok(objects) => objects,
        Err(refusal) => return refusal,
    };
    if old
        .as_ref()
        .is_some_and(|old| finalizing_unchanged(&object, old))
    {
        return Decision::accept();
    }
    // Both objects are defaulted before they are compared: a default is never a change.
    let defaulted = settings.apply_defaults && defaults::apply(&mut object, &settings.defaults);
    if settings.apply_defaults
        && let Some(old) = old.as_mut()
    {
        defaults::apply(old, &settings.defaults);
    }
    let budget = Budget::new(custom::CUSTOM_RULES_BUDGET);
    let rules = |skip: &[&str]| rule_findings(&object, old.as_ref(), settings, skip, &budget);
    let mut findings = rules(&[]);
    let exception = if findings.errors.is_empty() {
        None
    } else {
        break_glass_exception(
            request,
            &object,
            old.as_ref(),
            settings,
            cluster,
            &rules,
            &mut findings,
        )
    };
    // Cluster lookups only for an object the rules accept: a refused one gains nothing from them.
    let context = cluster_checks::Context {
        old: old.as_ref(),
        request_namespace: request_str(request, "namespace"),
    };
    if findings.errors.is_empty()
        && let Err(failed) =
            cluster_checks::check(&object, &context, settings, cluster, &mut findings)
    {
        let mut decision = Decision::reject(500, failed.0);
        decision.warnings = findings.warnings;
        return decision;
    }
    if !findings.errors.is_empty() {
        return refusal(&object, findings);
    }
    Decision {
        accepted: true,
        mutated_object: defaulted.then_some(object),
        warnings: findings.warnings,
        audit_annotations: exception.map_or_else(Vec::new, audit_annotations),
        ..Decision::default()
    }
}

/// The object, and on UPDATE the stored one, taken out of the request; a request without them is
/// refused (400).
fn objects_of<'a>(
    request: &mut Object<'a>,
    is_update: bool,
) -> Result<(Node<'a>, Option<Node<'a>>), Decision<'a>> {
    let object =
        take_object(request, "object").ok_or_else(|| Decision::reject(400, OBJECT_MISSING))?;
    if !is_update {
        return Ok((object, None));
    }
    let old = take_object(request, "oldObject")
        .ok_or_else(|| Decision::reject(400, OLD_OBJECT_MISSING))?;
    Ok((object, Some(old)))
}

/// A SampleDB being deleted has its finalizers removed by updates that leave the spec as stored:
/// refusing one because a rule or a setting changed since would leave it stuck in deletion. An
/// update that changes the spec while the finalizers run is checked as any other. Being deleted
/// is a fact of the stored object: the API server sets deletionTimestamp and ignores a client's,
/// so one written into the new object proves nothing.
fn finalizing_unchanged(object: &Node, old: &Node) -> bool {
    value_of(old, DELETION_TIMESTAMP).is_some_and(|stamp| !stamp.is_null())
        && object.get("spec") == old.get("spec")
}

/// A break-glass exception, when the refused object asks for one the settings allow: decided by
/// `break_glass::decide` (the rules run again without those asked for, and `kubernetes/can_i`).
/// Honoured, the relaxed findings replace `findings`, with the exception's warning; refused, why
/// is the first violation.
fn break_glass_exception(
    request: &Object,
    object: &Node,
    old: Option<&Node>,
    settings: &Settings,
    cluster: &dyn ClusterView,
    rules: &impl Fn(&[&str]) -> Findings,
    findings: &mut Findings,
) -> Option<break_glass::Grant> {
    let glass = settings.break_glass.as_ref()?;
    let asked = break_glass::requested(object)?;
    let namespace = str_of(object, NAMESPACE)
        .or(request_str(request, "namespace"))
        .unwrap_or("default");
    let asker = break_glass::asker(request.get("userInfo"), namespace, object);
    let mut relaxed = None;
    let passes_without = |skip: &[&str]| {
        let found = rules(skip);
        let passes = found.errors.is_empty();
        relaxed = Some(found);
        passes
    };
    match (
        break_glass::decide(&asked, old, glass, asker, passes_without, cluster),
        relaxed,
    ) {
        (Ok(grant), Some(relaxed)) => {
            *findings = relaxed;
            findings.warnings.push(grant.warning());
            Some(grant)
        }
        (Err(why), _) => {
            let detail = format!("{}: {why}", break_glass::NOT_HONOURED);
            findings.forbidden_first(break_glass::RULES_PATH, detail);
            None
        }
        (Ok(_), None) => None,
    }
}

/// The 422 answer: every violation at once, in one message, and the warnings.
fn refusal<'a>(object: &Node, findings: Findings) -> Decision<'a> {
    // One buffer for the whole message, sized for a few violations.
    let mut message = String::with_capacity(1024);
    message.push_str("SampleDB \"");
    message.push_str(&one_line(display_name(object), MAX_PATH_CHARS));
    message.push('"');
    message.push_str(IS_INVALID);
    findings.write_error_list(&mut message);
    let mut decision = Decision::reject(422, message);
    decision.warnings = findings.warnings;
    decision
}

/// What an honoured exception leaves in the audit log (kube-apiserver prefixes the keys with the
/// webhook's name).
fn audit_annotations(grant: break_glass::Grant) -> Vec<(&'static str, String)> {
    vec![
        ("break-glass-rules", grant.rules),
        ("break-glass-user", grant.user),
        (
            "break-glass-reason",
            one_line(&grant.reason, MAX_PATH_CHARS * 4).into_owned(),
        ),
    ]
}

/// Every rule but those in `skip` (a break-glass exception), on the object and the stored one,
/// both defaulted: the create rules, the custom rules, then the update rules. Called twice when an
/// exception is asked for: kept out of line so that the rules are in the module once.
#[inline(never)]
fn rule_findings(
    object: &Node,
    old: Option<&Node>,
    settings: &Settings,
    skip: &[&str],
    budget: &Budget,
) -> Findings {
    let mut findings = Findings::default();
    if let Some(map) = object.as_object() {
        object_rules::check_object(map, settings, &mut findings);
    }
    custom::check_all(&settings.custom_rules, object, &mut findings, skip, budget);
    if let Some(old) = old {
        update::check_update(old, object, &mut findings, skip);
    }
    findings
}

fn admit_delete<'a>(request: &Object) -> Decision<'a> {
    let Some(old) = request.get("oldObject").filter(|old| old.is_object()) else {
        return Decision::accept();
    };
    match delete::refusal(old, request_str(request, "namespace")) {
        Some(message) => Decision::reject(403, message),
        None => Decision::accept(),
    }
}

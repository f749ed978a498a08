//! Break glass (contract section 5.2): in an incident, a user the cluster's RBAC allows the
//! settings' verb on the SampleDB may ask, with two annotations, that named rules not be enforced
//! for one change. Honoured only when the settings list every rule asked for, a reason is given,
//! the annotations are written by this very request (an exception left on the object does not
//! cover the next change), the other rules accept the object, and `kubernetes/can_i` says yes.

use crate::cluster::{Access, ClusterView, Query};
use crate::model::fields::{NAME, lookup, lookup_str, str_of};
use crate::model::findings::{MAX_PATH_CHARS, one_line};
use crate::model::node::Node;
use crate::settings::BreakGlass;

pub const RULES_ANNOTATION: &str = "break-glass.sampledb.example.com/rules";
pub const REASON_ANNOTATION: &str = "break-glass.sampledb.example.com/reason";
/// Where a refusal of the exception is reported.
pub const RULES_PATH: &str = "metadata.annotations[break-glass.sampledb.example.com/rules]";
pub const NOT_HONOURED: &str = "break glass not honoured";
pub const REASON_REQUIRED: &str =
    "a reason is required in the annotation break-glass.sampledb.example.com/reason";
pub const LEFT_FROM_EARLIER: &str = "the reason is left from an earlier change, whose exception covered only that one: write this change's reason";
pub const OTHER_RULES_REFUSE: &str =
    "other rules refuse this object too, and the exception does not cover them";
pub const NO_USER: &str = "the request names no user";

/// What an object asks for: the rules (comma-separated) and the reason.
#[derive(Debug, PartialEq, Eq)]
pub struct Request<'a> {
    pub rules: Vec<&'a str>,
    pub reason: &'a str,
}

fn annotation<'a>(object: &'a Node<'a>, key: &str) -> Option<&'a str> {
    lookup_str(object, &["metadata", "annotations", key])
}

/// The exception `object` asks for, if its annotations name any rule.
pub fn requested<'a>(object: &'a Node<'a>) -> Option<Request<'a>> {
    let mut rules: Vec<&str> = Vec::new();
    for rule in annotation(object, RULES_ANNOTATION)?
        .split(',')
        .map(str::trim)
    {
        if !rule.is_empty() && !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    (!rules.is_empty()).then(|| Request {
        rules,
        reason: annotation(object, REASON_ANNOTATION).unwrap_or("").trim(),
    })
}

/// Who asks for what: the request's user and groups (`request.userInfo`), on this SampleDB; the
/// verb is the settings' and filled in by [`decide`].
pub fn asker(user_info: Option<&Node>, namespace: &str, object: &Node) -> Access {
    let groups = user_info
        .and_then(|info| lookup(info, &["groups"]))
        .and_then(Node::as_array)
        .map(|groups| {
            groups
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Access {
        user: user_info
            .and_then(|info| lookup_str(info, &["username"]))
            .unwrap_or("")
            .to_string(),
        groups,
        verb: String::new(),
        namespace: namespace.to_string(),
        // Not the generateName: a grant limited to a name must not cover an object that only
        // begins with it.
        name: str_of(object, NAME).unwrap_or("").to_string(),
    }
}

/// The exception, once honoured: what the answer's warning and audit annotations say.
#[derive(Debug, PartialEq, Eq)]
pub struct Grant {
    pub rules: String,
    pub user: String,
    pub reason: String,
}

impl Grant {
    pub fn warning(&self) -> String {
        format!(
            "break glass: {} not enforced for {}, reason: {}",
            self.rules, self.user, self.reason
        )
    }
}

/// Whether the exception `asked` by `object` is honoured: the grant, or why not. `relaxed` runs
/// the rules again without the ones asked for and tells whether the object then passes.
pub fn decide(
    asked: &Request,
    old: Option<&Node>,
    settings: &BreakGlass,
    mut asker: Access,
    relaxed: impl FnOnce(&[&str]) -> bool,
    cluster: &dyn ClusterView,
) -> Result<Grant, String> {
    if let Some(rule) = asked
        .rules
        .iter()
        .find(|rule| !settings.rules.iter().any(|r| r == *rule))
    {
        return Err(format!(
            "\"{rule}\" is not a rule the settings let anyone bypass (breakGlass.rules: {})",
            settings.rules.join(", ")
        ));
    }
    if asked.reason.is_empty() {
        return Err(REASON_REQUIRED.to_string());
    }
    // An exception covers the change written with it: the next one needs its own reason.
    if old
        .and_then(requested)
        .is_some_and(|before| before.reason == asked.reason)
    {
        return Err(LEFT_FROM_EARLIER.to_string());
    }
    if !relaxed(&asked.rules) {
        return Err(OTHER_RULES_REFUSE.to_string());
    }
    if asker.user.is_empty() {
        return Err(NO_USER.to_string());
    }
    asker.verb = settings.verb.clone();
    let (user, namespace) = (asker.user.clone(), asker.namespace.clone());
    let query = Query::CanI(asker);
    let status = cluster.read(&query).map_err(|error| {
        format!(
            "the permission could not be checked: {}",
            crate::rules::cluster_checks::host_reason(&error)
        )
    })?;
    let allowed = status.first().and_then(|status| status.get("allowed"));
    if allowed != Some(&Node::Bool(true)) {
        let reason = status
            .first()
            .and_then(|status| lookup_str(status, &["reason"]))
            .filter(|reason| !reason.is_empty())
            .map_or(String::new(), |reason| format!(" ({reason})"));
        return Err(format!(
            "user {} may not {} sampledbs in namespace {namespace}{reason}",
            one_line(&user, MAX_PATH_CHARS),
            settings.verb
        ));
    }
    Ok(Grant {
        rules: asked.rules.join(","),
        user: one_line(&user, MAX_PATH_CHARS).into_owned(),
        reason: asked.reason.to_string(),
    })
}

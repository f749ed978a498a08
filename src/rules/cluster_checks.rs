//! The context-aware checks (opt-in): the credentials Secret and the StorageClass the operator will
//! depend on, read through a [`ClusterView`]. Each is `Off`, `Warn` (accepted with a warning) or
//! `Deny` (a violation). A lookup that fails is a warning under `Warn` and, under `Deny`, a
//! [`LookupFailed`] that the caller turns into a 500: the policy cannot tell whether the object is
//! fine, and must not guess.

use crate::cluster::{ClusterView, Item, Query};
use crate::model::fields::{
    NAME, NAMESPACE, SECRET_NAME, STORAGE_CLASS, STORAGE_SIZE, lookup_str, parse_quantity, str_of,
    value_of,
};
use crate::model::findings::{Findings, one_line};
use crate::model::node::Node;
use crate::settings::{CheckMode, Settings};

pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// A lookup that failed under `Deny`: the request is answered with code 500 and this message.
#[derive(Debug, PartialEq, Eq)]
pub struct LookupFailed(pub String);

/// Most of the host's error a message keeps: its first line, which says what the API server or
/// policy-server answered; the rest is the error's chain of causes (`Caused by: ...`).
const MAX_HOST_ERROR_BYTES: usize = 512;

/// How the host's error begins before the API server's words: wapc-guest's `HostError`,
/// policy-evaluator's callback failure (`Callback evaluation failure: {error:?}`) and kube-rs's
/// `ApiError`.
const HOST_ERROR_WRAPPERS: [&str; 3] = [
    "Host error: ",
    "Callback evaluation failure: ",
    "ApiError: ",
];

/// The lookup first, then the reason: a warning cut by kube-apiserver's 256-character limit
/// still says which lookup failed and how it began.
/// The host's error as a message keeps it: the first line, without the wrappers.
pub fn host_reason(error: &str) -> String {
    let mut first_line = error
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("no reason given");
    // The waPC guest's and policy-server's wrappers around the API server's answer say nothing
    // the lookup's name does not.
    for wrapper in HOST_ERROR_WRAPPERS {
        first_line = first_line.strip_prefix(wrapper).unwrap_or(first_line);
    }
    one_line(first_line, MAX_HOST_ERROR_BYTES).into_owned()
}

fn failure_message(query: &Query, error: &str, skipped: bool) -> String {
    format!(
        "cannot check the cluster: looking up {} (kubernetes/{}) failed{}: {}",
        query.describe(),
        query.operation(),
        if skipped {
            ", the check was skipped"
        } else {
            ""
        },
        host_reason(error)
    )
}

/// One check's outcome reported as its mode says.
struct Reporter<'a> {
    mode: CheckMode,
    findings: &'a mut Findings,
}

impl Reporter<'_> {
    fn problem(&mut self, path: &str, value: Option<&str>, detail: String) {
        match self.mode {
            CheckMode::Off => {}
            CheckMode::Warn => self.findings.warn(path, &detail),
            CheckMode::Deny => self.findings.not_found_or_invalid(path, value, detail),
        }
    }

    /// The field asks for something the cluster cannot do (the class exists but cannot expand).
    fn refuse(&mut self, path: &str, detail: String) {
        match self.mode {
            CheckMode::Off => {}
            CheckMode::Warn => self.findings.warn(path, &detail),
            CheckMode::Deny => self.findings.forbidden(path, detail),
        }
    }

    fn lookup(
        &mut self,
        view: &dyn ClusterView,
        query: Query,
    ) -> Result<Option<Vec<Item>>, LookupFailed> {
        match view.read(&query) {
            Ok(items) => Ok(Some(items)),
            Err(error) if self.mode == CheckMode::Warn => {
                let message = failure_message(&query, &error, true);
                self.findings.warnings.push(message);
                Ok(None)
            }
            Err(error) => Err(LookupFailed(failure_message(&query, &error, false))),
        }
    }
}

/// Said of a Secret looked up in `default` because neither the object nor the request names a
/// namespace.
pub const NAMESPACE_ASSUMED: &str =
    "(namespace default assumed: neither the object nor the request names one)";

/// What the checks read besides the object: the stored object on UPDATE (both defaulted) and the
/// request's namespace, where the API server will store an object that names none.
pub struct Context<'a> {
    pub old: Option<&'a Node<'a>>,
    pub request_namespace: Option<&'a str>,
}

/// Only an object the API server could store under this name is compared with the one asked for:
/// a host that answered with another object must not pass the check.
fn is_named(item: &Item, name: &str, namespace: Option<&str>) -> bool {
    str_of(item, NAME) == Some(name)
        && namespace.is_none_or(|ns| str_of(item, NAMESPACE) == Some(ns))
}

/// Runs the checks the settings turn on.
pub fn check(
    object: &Node,
    context: &Context,
    settings: &Settings,
    view: &dyn ClusterView,
    findings: &mut Findings,
) -> Result<(), LookupFailed> {
    let old = context.old;
    if settings.credentials_secret_check != CheckMode::Off && old.is_none() {
        check_secret(object, context.request_namespace, settings, view, findings)?;
    }
    if settings.storage_class_check != CheckMode::Off {
        check_storage_class(object, old, settings, view, findings)?;
    }
    Ok(())
}

fn check_secret(
    object: &Node,
    request_namespace: Option<&str>,
    settings: &Settings,
    view: &dyn ClusterView,
    findings: &mut Findings,
) -> Result<(), LookupFailed> {
    let Some(name) = str_of(object, SECRET_NAME) else {
        return Ok(());
    };
    let named = str_of(object, NAMESPACE)
        .filter(|ns| !ns.is_empty())
        .or(request_namespace.filter(|ns| !ns.is_empty()));
    let namespace = named.unwrap_or("default");
    let assumed = if named.is_none() {
        format!(" {NAMESPACE_ASSUMED}")
    } else {
        String::new()
    };
    let mut report = Reporter {
        mode: settings.credentials_secret_check,
        findings,
    };
    let query = Query::Secret {
        namespace: namespace.to_string(),
        name: name.to_string(),
    };
    let Some(items) = report.lookup(view, query)? else {
        return Ok(());
    };
    let Some(secret) = items
        .iter()
        .find(|item| is_named(item, name, Some(namespace)))
    else {
        let detail = format!(
            "no Secret {name} in namespace {namespace}{assumed}: the database and backup Pods could not start"
        );
        report.problem(SECRET_NAME.path, None, detail);
        return Ok(());
    };
    // A key whose value is null holds nothing the database could read.
    let has = |key: &str| {
        ["data", "stringData"].iter().any(|section| {
            secret
                .get(section)
                .and_then(|data| data.get(key))
                .is_some_and(|value| !value.is_null())
        })
    };
    let missing: Vec<&str> = settings
        .credentials_secret_keys
        .iter()
        .map(|key| key.as_ref())
        .filter(|key| !has(key))
        .collect();
    if !missing.is_empty() {
        let detail = format!("the Secret lacks the keys {}{assumed}", missing.join(", "));
        report.problem(SECRET_NAME.path, Some(name), detail);
    }
    Ok(())
}

fn is_default_class(class: &Item) -> bool {
    lookup_str(
        class,
        &["metadata", "annotations", DEFAULT_CLASS_ANNOTATION],
    ) == Some("true")
}

/// The storage size grew from `old` to `object` (both valid quantities).
fn storage_grew(object: &Node, old: &Node) -> bool {
    let size = |o: &Node| {
        value_of(o, STORAGE_SIZE)
            .and_then(parse_quantity)
            .and_then(Result::ok)
    };
    matches!((size(object), size(old)), (Some(new), Some(old)) if new > old)
}

fn check_storage_class(
    object: &Node,
    old: Option<&Node>,
    settings: &Settings,
    view: &dyn ClusterView,
    findings: &mut Findings,
) -> Result<(), LookupFailed> {
    let grows = old.is_some_and(|old| storage_grew(object, old));
    // An UPDATE that does not grow the volume needs nothing from the class.
    if old.is_some() && !grows {
        return Ok(());
    }
    let named = str_of(object, STORAGE_CLASS);
    let mut report = Reporter {
        mode: settings.storage_class_check,
        findings,
    };
    // The class the operator will provision from, and what to say when there is none.
    let (query, missing) = match named {
        Some(name) => (
            Query::StorageClass {
                name: name.to_string(),
            },
            format!(
                "no StorageClass {name} in the cluster: the operator could not provision the volume"
            ),
        ),
        None => (
            Query::StorageClasses,
            format!(
                "no class is named and the cluster has no default StorageClass (annotation {DEFAULT_CLASS_ANNOTATION}: \"true\"): name a class"
            ),
        ),
    };
    // The class list is served from policy-server's watch cache, which waits forever where the
    // read is forbidden: a direct read first fails fast instead.
    if named.is_none() && report.lookup(view, Query::ClassReadProbe)?.is_none() {
        return Ok(());
    }
    let Some(items) = report.lookup(view, query)? else {
        return Ok(());
    };
    let found = match named {
        Some(name) => items.into_iter().find(|item| is_named(item, name, None)),
        None => items.into_iter().find(is_default_class),
    };
    let Some(class) = found else {
        report.problem(STORAGE_CLASS.path, None, missing);
        return Ok(());
    };
    if grows && class.get("allowVolumeExpansion") != Some(&Node::Bool(true)) {
        let class_name = str_of(&class, NAME).unwrap_or("");
        let detail = format!(
            "the operator cannot resize the volume on StorageClass {class_name}: it does not set allowVolumeExpansion: true"
        );
        report.refuse(STORAGE_SIZE.path, detail);
    }
    Ok(())
}

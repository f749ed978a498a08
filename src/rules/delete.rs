//! DELETE (contract section 3): a SampleDB whose stored object sets `spec.deletionProtection: true`
//! may not be deleted; the refusal tells the user how to switch protection off first.

use crate::model::fields::{DELETION_PROTECTION, NAMESPACE, display_name, str_of, value_of};
use crate::model::findings::{MAX_PATH_CHARS, one_line};
use crate::model::node::Node;

/// The refusal of deleting `old` (the stored object), or `None` when it may go.
/// `request_namespace` is the request's namespace, for an object that names none.
pub fn refusal(old: &Node, request_namespace: Option<&str>) -> Option<String> {
    if value_of(old, DELETION_PROTECTION) != Some(&Node::Bool(true)) {
        return None;
    }
    let name = one_line(display_name(old), MAX_PATH_CHARS);
    let namespace = one_line(
        str_of(old, NAMESPACE)
            .or(request_namespace)
            .unwrap_or("default"),
        MAX_PATH_CHARS,
    );
    Some(format!(
        "SampleDB \"{name}\" is protected from deletion (spec.deletionProtection: true); switch protection off first with `kubectl patch sampledb {name} -n {namespace} --type merge -p '{{\"spec\":{{\"deletionProtection\":false}}}}'`, then delete it again"
    ))
}

//! The update-only rules of docs/contract.md section 3. Both objects arrive already defaulted, so a
//! field that only a default filled never reads as a change.

use crate::formats::quantity::Quantity;
use crate::formats::version::Version;
use crate::model::fields::{
    CURRENT_VERSION, FieldPath, SECRET_NAME, STORAGE_CLASS, STORAGE_SIZE, VERSION, parse_quantity,
    quantity_text, str_of, value_of,
};
use crate::model::findings::{Findings, render_value};
use crate::model::node::Node;

pub const SHRINK_REFUSED: &str = "PersistentVolumeClaims can only grow";
pub const CLASS_IMMUTABLE: &str =
    "a PersistentVolumeClaim's storage class is fixed when it is created";
pub const SECRET_IMMUTABLE: &str =
    "the running database and its backups keep the credentials of the original Secret";

pub const UNKNOWN_RUNNING_VERSION: &str =
    "the upgrade path was not checked: the stored object gives no version that parses";

/// The update rules' ids (the README's table), as break glass names them.
pub use crate::model::rule_ids::{
    CREDENTIALS_IMMUTABLE, STORAGE_CLASS_IMMUTABLE, STORAGE_GROW, VERSION_PATH,
};

/// Every update rule but those in `skip` (rules a break-glass exception covers).
pub fn check_update(old: &Node, new: &Node, findings: &mut Findings, skip: &[&str]) {
    let enforced = |id: &str| !skip.contains(&id);
    check_storage_grows(old, new, findings);
    if enforced(STORAGE_CLASS_IMMUTABLE) {
        check_unchanged(old, new, STORAGE_CLASS, CLASS_IMMUTABLE, findings);
    }
    if enforced(VERSION_PATH) {
        check_version_path(old, new, findings);
    }
    if enforced(CREDENTIALS_IMMUTABLE) {
        check_unchanged(old, new, SECRET_NAME, SECRET_IMMUTABLE, findings);
    }
}

fn size_of<'a>(object: &'a Node<'a>) -> Option<(&'a Node<'a>, Quantity)> {
    let value = value_of(object, STORAGE_SIZE)?;
    let quantity = parse_quantity(value)?.ok()?;
    Some((value, quantity))
}

fn check_storage_grows(old: &Node, new: &Node, findings: &mut Findings) {
    if let (Some((old_value, old_size)), Some((new_value, new_size))) = (size_of(old), size_of(new))
        && new_size < old_size
    {
        findings.invalid(
            STORAGE_SIZE.path,
            new_value,
            format!(
                "may not shrink from {}: {SHRINK_REFUSED}",
                quantity_text(old_value)
            ),
        );
    }
}

fn check_unchanged(old: &Node, new: &Node, at: FieldPath, reason: &str, findings: &mut Findings) {
    let path = at.path;
    let before = value_of(old, at);
    let after = value_of(new, at);
    if before == after {
        return;
    }
    let was = before.map_or_else(|| "unset".to_string(), render_value);
    match after {
        Some(value) => {
            findings.invalid(path, value, format!("may not change (was {was}): {reason}"))
        }
        None => findings.forbidden(path, format!("may not be removed (was {was}): {reason}")),
    }
}

/// The version the database actually runs: what the operator reported, else what was asked for.
fn running_version<'a>(old: &'a Node<'a>) -> Option<(&'static str, &'a str, Version)> {
    let parsed = |at: FieldPath| {
        let text = str_of(old, at)?;
        Version::parse(text).ok().map(|v| (at.path, text, v))
    };
    parsed(CURRENT_VERSION).or_else(|| parsed(VERSION))
}

fn check_version_path(old: &Node, new: &Node, findings: &mut Findings) {
    const PATH: &str = VERSION.path;
    let Some(text) = str_of(new, VERSION) else {
        return;
    };
    let Ok(target) = Version::parse(text) else {
        return;
    };
    let Some((source, running_text, running)) = running_version(old) else {
        // Nothing stored says which version runs (an object admitted before this policy, or by
        // a looser one): the change is let through, so that such an object can be repaired,
        // and the user is told that its path was not checked.
        if let Some(stored) = str_of(old, VERSION)
            && stored != text
        {
            findings.warn(
                PATH,
                format!(
                    "{UNKNOWN_RUNNING_VERSION} (the old object's spec.version is {})",
                    render_value(&Node::from(stored))
                ),
            );
        }
        return;
    };
    if target.compare(&running).is_lt() {
        findings.invalid(
            PATH,
            &Node::from(text),
            format!(
                "may not go back from {running_text} (the old object's {source}): downgrades are not supported"
            ),
        );
    } else if target.major() > running.major().saturating_add(1) {
        findings.invalid(
            PATH,
            &Node::from(text),
            format!(
                "may not skip a major version: upgrade from {running_text} (the old object's {source}) to {} first",
                running.major() + 1
            ),
        );
    }
}

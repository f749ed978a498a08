//! What `policy-run check` prints: a block per object for people, one JSON record per object for
//! machines, and the objects as they will be stored.

use super::{Outcome, Report};
use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;

pub fn text(report: &Report) -> String {
    let mut out = String::new();
    if report.monitor {
        out.push_str("monitor mode: violations are reported, nothing is refused\n");
    }
    for outcome in &report.outcomes {
        let who = format!("{}/{}", outcome.namespace, outcome.name);
        let update = if outcome.operation == "UPDATE" {
            " (update)"
        } else {
            ""
        };
        if outcome.policy_allowed {
            let added = outcome.defaults_added();
            let _ = write!(out, "✓ {who}{update} accepted");
            if !added.is_empty() && !report.monitor {
                let _ = write!(out, ", defaults added: {}", added.join(", "));
            }
            out.push('\n');
        } else {
            let enforced = if report.monitor {
                " (monitor: accepted)"
            } else {
                ""
            };
            let _ = writeln!(out, "✗ {who}{update} rejected{enforced}");
            if outcome.violations.is_empty() {
                let _ = writeln!(out, "    {}", outcome.message.as_deref().unwrap_or(""));
            }
            for violation in &outcome.violations {
                let _ = writeln!(out, "    {violation}");
            }
        }
        for warning in &outcome.warnings {
            let _ = writeln!(out, "    warning: {warning}");
        }
    }
    let _ = writeln!(
        out,
        "{} accepted, {} rejected, {} warnings, {} skipped",
        report.accepted(),
        report.rejected(),
        report.warnings(),
        report.skipped
    );
    out
}

fn record(outcome: &Outcome) -> Value {
    let violations: Vec<Value> = outcome
        .violations
        .iter()
        .map(|entry| {
            let (path, detail) = entry.split_once(": ").unwrap_or((entry, ""));
            json!({"path": path, "detail": detail})
        })
        .collect();
    json!({
        "file": outcome.source,
        "namespace": outcome.namespace,
        "name": outcome.name,
        "operation": outcome.operation,
        "accepted": outcome.policy_allowed,
        "code": outcome.code,
        "message": outcome.message,
        "violations": violations,
        "warnings": outcome.warnings,
        "defaultsAdded": outcome.defaults_added(),
        "patch": outcome.patch,
    })
}

pub fn json(report: &Report) -> Value {
    json!({
        "mode": if report.monitor { "monitor" } else { "protect" },
        "results": report.outcomes.iter().map(record).collect::<Vec<_>>(),
        "summary": {
            "accepted": report.accepted(),
            "rejected": report.rejected(),
            "warnings": report.warnings(),
            "skipped": report.skipped,
        }
    })
}

/// Each accepted object as it will be stored, as `DIR/<namespace>/<name>.yaml`.
pub fn write_defaults(report: &Report, dir: &Path) -> Result<usize> {
    let mut written = 0;
    for outcome in &report.outcomes {
        let Some(stored) = &outcome.stored else {
            continue;
        };
        let folder = dir.join(&outcome.namespace);
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let path = folder.join(format!("{}.yaml", outcome.name));
        let yaml = serde_yaml::to_string(stored).context("cannot write the object as YAML")?;
        std::fs::write(&path, yaml).with_context(|| format!("cannot write {}", path.display()))?;
        written += 1;
    }
    Ok(written)
}

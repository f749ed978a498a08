//! What the Kubewarden controller derives from a policy manifest, for the cluster suite:
//!
//!   kubewarden-controller-stand-in --policy-path POLICY.yaml --module URI --server-url URL
//!       --ca-bundle CA.pem --out-dir DIR
//!
//! writes DIR/policies.yml (policy-server's policies file), DIR/webhook.json (the webhook
//! configuration) and DIR/policy-id.

use anyhow::{Context, Result, bail};
use policy_run::policy_config::read_yaml_or_json;
use std::path::PathBuf;

const USAGE: &str = "usage: kubewarden-controller-stand-in --policy-path POLICY.yaml --module URI --server-url URL --ca-bundle CA.pem --out-dir DIR";

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run() -> Result<()> {
    let (mut policy, mut module, mut url, mut ca, mut out) = (None, None, None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--policy-path" => policy = Some(PathBuf::from(value()?)),
            "--module" => module = Some(value()?),
            "--server-url" => url = Some(value()?),
            "--ca-bundle" => ca = Some(PathBuf::from(value()?)),
            "--out-dir" => out = Some(PathBuf::from(value()?)),
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    let missing = |name: &str| format!("{name} is required\n{USAGE}");
    let manifest = read_yaml_or_json(&policy.with_context(|| missing("--policy-path"))?)?;
    let ca = ca.with_context(|| missing("--ca-bundle"))?;
    let ca = std::fs::read(&ca).with_context(|| format!("cannot read {}", ca.display()))?;
    let out = out.with_context(|| missing("--out-dir"))?;
    let deployment = sampledb_e2e::deployment::from_manifest(
        &manifest,
        &module.with_context(|| missing("--module"))?,
        &url.with_context(|| missing("--server-url"))?,
        &ca,
    )?;
    std::fs::create_dir_all(&out)?;
    let policies = serde_json::to_string_pretty(&deployment.policies)?;
    std::fs::write(out.join("policies.yml"), policies)?;
    let webhook = serde_json::to_string_pretty(&deployment.webhook)?;
    std::fs::write(out.join("webhook.json"), webhook)?;
    std::fs::write(out.join("policy-id"), &deployment.policy_id)?;
    Ok(())
}

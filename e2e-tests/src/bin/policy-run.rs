//! Stand-ins for `kwctl run` and `kwctl annotate` where kwctl is not installed; same flags, same
//! output.
//!
//!   policy-run run --request-path REQUEST.json [--settings-path S.yml | --settings-json JSON |
//!                  --policy-path POLICY.yml] [MODULE.wasm]
//!   policy-run annotate -m metadata.yml [-u README.md] -o ANNOTATED.wasm MODULE.wasm
//!   policy-run deployment --policy-path POLICY.yaml --module URI --server-url URL --ca-bundle CA.pem
//!                  --out-dir DIR   (what the Kubewarden controller derives: DIR/policies.yml,
//!                  DIR/webhook.json, DIR/policy-id)
//!   policy-run check --policy-path POLICY.yaml [--module MODULE.wasm] PATH...  (see check/cli.rs)

use anyhow::{Context, Result, bail};
use sampledb_e2e::review::{self, RunError};
use sampledb_e2e::{PolicyConfig, WasmPolicy, default_module_path};
use sampledb_e2e::{annotate, capabilities};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: policy-run check --policy-path POLICY.yaml [--module MODULE.wasm] PATH... (--help for more)\n       policy-run run --request-path FILE [--settings-path FILE | --settings-json JSON | --policy-path FILE]\n                      [--allow-context-aware [--replay-host-capabilities-interactions SESSION.yml]] [--cluster-state OBJECTS.yml] [MODULE.wasm]\n       policy-run annotate -m metadata.yml [-u README.md] -o OUTPUT.wasm MODULE.wasm";

struct Args {
    request_path: PathBuf,
    config: PolicyConfig,
    module: PathBuf,
    allow_context_aware: bool,
    session: Option<PathBuf>,
    cluster_state: Option<PathBuf>,
}

fn parse_run_args(mut args: impl Iterator<Item = String>) -> Result<Args> {
    let mut request_path = None;
    let mut config = None;
    let mut module = None;
    let (mut allow_context_aware, mut session, mut cluster_state) = (false, None, None);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--request-path" | "-r" => request_path = Some(PathBuf::from(value(&arg)?)),
            "--settings-path" | "-s" => {
                config = Some(PolicyConfig::from_settings_file(&PathBuf::from(value(
                    &arg,
                )?))?)
            }
            "--settings-json" => config = Some(PolicyConfig::from_settings_json(&value(&arg)?)?),
            "--policy-path" => {
                config = Some(PolicyConfig::from_manifest_file(&PathBuf::from(value(
                    &arg,
                )?))?)
            }
            "--allow-context-aware" => allow_context_aware = true,
            "--replay-host-capabilities-interactions" => {
                session = Some(PathBuf::from(value(&arg)?))
            }
            "--cluster-state" => cluster_state = Some(PathBuf::from(value(&arg)?)),
            "--help" | "-h" => bail!("{USAGE}"),
            flag if flag.starts_with('-') => bail!("unknown flag {flag}\n{USAGE}"),
            path => module = Some(PathBuf::from(path.strip_prefix("file://").unwrap_or(path))),
        }
    }
    Ok(Args {
        request_path: request_path
            .with_context(|| format!("--request-path is required\n{USAGE}"))?,
        config: config.unwrap_or_default(),
        module: module.unwrap_or_else(default_module_path),
        allow_context_aware,
        session,
        cluster_state,
    })
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let result = match args.next().as_deref() {
        Some("run") => run(args),
        Some("annotate") => annotate(args).map(|()| serde_json::Value::Null),
        Some("check") => return ExitCode::from(sampledb_e2e::check::cli::main(args)),
        Some("deployment") => deployment(args).map(|()| serde_json::Value::Null),
        _ => Err(anyhow::anyhow!("{USAGE}")),
    };
    match result {
        Ok(serde_json::Value::Null) => ExitCode::SUCCESS,
        Ok(answer) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&answer).unwrap_or_default()
            );
            // kwctl prints the patch base64-encoded only; spell it out for the person reading.
            if let Ok(Some(patch)) = review::decoded_patch(&answer) {
                eprintln!("decoded patch: {patch}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: impl Iterator<Item = String>) -> Result<serde_json::Value> {
    let args = parse_run_args(args)?;
    let document = sampledb_e2e::policy_config::read_yaml_or_json(&args.request_path)?;
    let cluster = capabilities::from_flags(
        args.allow_context_aware,
        args.session.as_deref(),
        args.cluster_state.as_deref(),
    )?
    .context("policy-run has no cluster to ask: give --cluster-state FILE (cluster objects) or --replay-host-capabilities-interactions SESSION (a kwctl session)")?;
    let policy = WasmPolicy::load(&args.module)?.with_cluster(cluster);
    let answer = review::run(&policy, &document, &args.config).map_err(|error| match error {
        RunError::InvalidSettings(_) => anyhow::anyhow!("{error}"),
        RunError::Other(error) => error,
    })?;
    Ok(answer)
}

fn annotate(mut args: impl Iterator<Item = String>) -> Result<()> {
    let (mut metadata, mut usage, mut output, mut module) = (None, None, None, None);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "-m" | "--metadata-path" => metadata = Some(PathBuf::from(value(&arg)?)),
            "-u" | "--usage-path" => usage = Some(PathBuf::from(value(&arg)?)),
            "-o" | "--output-path" => output = Some(PathBuf::from(value(&arg)?)),
            flag if flag.starts_with('-') => bail!("unknown flag {flag}\n{USAGE}"),
            path => module = Some(PathBuf::from(path)),
        }
    }
    let metadata = metadata.with_context(|| format!("-m metadata.yml is required\n{USAGE}"))?;
    let output = output.with_context(|| format!("-o OUTPUT.wasm is required\n{USAGE}"))?;
    let module = module.unwrap_or_else(default_module_path);
    let bytes =
        std::fs::read(&module).with_context(|| format!("cannot read {}", module.display()))?;
    let readme = usage
        .map(|path| {
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))
        })
        .transpose()?;
    let metadata = sampledb_e2e::policy_config::read_yaml_or_json(&metadata)?;
    let policy = WasmPolicy::from_bytes(&bytes)?;
    let document = annotate::metadata_document(&metadata, readme.as_deref(), &policy)?;
    let annotated = annotate::annotate(&bytes, &document)?;
    std::fs::write(&output, annotated)
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}

fn deployment(mut args: impl Iterator<Item = String>) -> Result<()> {
    let (mut policy, mut module, mut url, mut ca, mut out) = (None, None, None, None, None);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--policy-path" => policy = Some(PathBuf::from(value(&arg)?)),
            "--module" => module = Some(value(&arg)?),
            "--server-url" => url = Some(value(&arg)?),
            "--ca-bundle" => ca = Some(PathBuf::from(value(&arg)?)),
            "--out-dir" => out = Some(PathBuf::from(value(&arg)?)),
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    let missing = |name: &str| format!("deployment needs {name}");
    let manifest = sampledb_e2e::policy_config::read_yaml_or_json(
        &policy.with_context(|| missing("--policy-path"))?,
    )?;
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
    std::fs::write(
        out.join("policies.yml"),
        serde_json::to_string_pretty(&deployment.policies)?,
    )?;
    std::fs::write(
        out.join("webhook.json"),
        serde_json::to_string_pretty(&deployment.webhook)?,
    )?;
    std::fs::write(out.join("policy-id"), &deployment.policy_id)?;
    Ok(())
}

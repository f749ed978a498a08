//! The command line of `policy-run check`: exit 0 when every object passes (or in monitor mode),
//! 1 when one is refused, 2 on a usage or input error.

use super::inputs::{self, InputError};
use super::{CheckInput, report};
use crate::capabilities::{self, Cluster};
use crate::host::WasmPolicy;
use crate::policy_config::{PolicyConfig, read_yaml_or_json};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

pub const USAGE: &str = "usage: policy-run check --policy-path POLICY.yaml [--module MODULE.wasm] [--namespace NS] [--old PATH]... [--output text|json] [--write-defaults DIR] [--cluster-state OBJECTS.yaml | --replay-host-capabilities-interactions SESSION.yml] PATH...\n  PATH: YAML/JSON files (multi-document), directories (recursively) or - for stdin";

/// An error that is the user's to fix: a usage or input error, exit code 2.
#[derive(Debug)]
struct Usage(String);
impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Usage {}

fn usage(message: impl Into<String>) -> anyhow::Error {
    Usage(format!("{}\n{USAGE}", message.into())).into()
}

#[derive(Default)]
struct Options {
    policy: Option<PathBuf>,
    module: Option<PathBuf>,
    namespace: Option<String>,
    old: Vec<String>,
    json: bool,
    write_defaults: Option<PathBuf>,
    inputs: Vec<String>,
    allow_context_aware: bool,
    session: Option<PathBuf>,
    cluster_state: Option<PathBuf>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options> {
    let mut options = Options::default();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| usage(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "--policy-path" | "-p" => options.policy = Some(PathBuf::from(value(&arg)?)),
            "--module" | "-m" => options.module = Some(PathBuf::from(value(&arg)?)),
            "--namespace" | "-n" => options.namespace = Some(value(&arg)?),
            "--old" => options.old.push(value(&arg)?),
            "--write-defaults" => options.write_defaults = Some(PathBuf::from(value(&arg)?)),
            "--cluster-state" => options.cluster_state = Some(PathBuf::from(value(&arg)?)),
            "--allow-context-aware" => options.allow_context_aware = true,
            "--replay-host-capabilities-interactions" => {
                options.session = Some(PathBuf::from(value(&arg)?))
            }
            "--output" | "-o" => match value(&arg)?.as_str() {
                "json" => options.json = true,
                "text" => options.json = false,
                other => return Err(usage(format!("--output {other}: expected text or json"))),
            },
            "--help" | "-h" => return Err(usage("")),
            "-" => options.inputs.push(arg),
            flag if flag.starts_with('-') => return Err(usage(format!("unknown flag {flag}"))),
            _ => options.inputs.push(arg),
        }
    }
    if options.inputs.is_empty() {
        return Err(usage(
            "name at least one file, directory or - (stdin) to check",
        ));
    }
    Ok(options)
}

/// Without a cluster to read, the manifest's cluster checks are turned off, with a note: a
/// pipeline that checks manifests has no cluster unless one is described to it.
fn skip_cluster_checks(settings: &mut serde_json::Value) {
    for key in ["credentialsSecretCheck", "storageClassCheck"] {
        let on = settings
            .get(key)
            .and_then(|mode| mode.as_str())
            .is_some_and(|mode| mode != "Off");
        if on {
            eprintln!(
                "note: {key} skipped: no cluster to read (give --cluster-state OBJECTS.yaml or \
                 --replay-host-capabilities-interactions SESSION.yml)"
            );
            settings[key] = serde_json::json!("Off");
        }
    }
}

/// `--module`, else the manifest's `module:` when it is a local file.
fn module_path(options: &Options, manifest: &serde_json::Value) -> Result<PathBuf> {
    if let Some(module) = &options.module {
        return Ok(module.clone());
    }
    let module = manifest["spec"]["module"].as_str().unwrap_or("");
    if let Some(path) = module.strip_prefix("file://") {
        return Ok(PathBuf::from(path));
    }
    if !module.is_empty() && !module.contains("://") {
        return Ok(PathBuf::from(module));
    }
    bail!(usage(format!(
        "the policy's module is {module:?}, not a local file: give the module to check with \
         --module PATH (e.g. annotated-policy.wasm from `make annotated-policy.wasm`, or one pulled \
         with `kwctl pull`)"
    )))
}

fn run(args: impl Iterator<Item = String>) -> Result<u8> {
    let options = parse(args)?;
    let policy_path = options
        .policy
        .clone()
        .ok_or_else(|| usage("--policy-path is required"))?;
    let manifest = read_yaml_or_json(&policy_path).map_err(|e| usage(format!("{e:#}")))?;
    let config = PolicyConfig::from_manifest(&manifest)
        .with_context(|| format!("in {}", policy_path.display()))
        .map_err(|e| usage(format!("{e:#}")))?;
    let mut config = config;
    let module = module_path(&options, &manifest)?;
    let cluster = capabilities::from_flags(
        options.allow_context_aware || options.session.is_some(),
        options.session.as_deref(),
        options.cluster_state.as_deref(),
    )
    .map_err(|e| usage(format!("{e:#}")))?;
    let cluster = match cluster {
        Some(Cluster::NotGranted) | None => {
            skip_cluster_checks(&mut config.settings);
            Cluster::NotGranted
        }
        Some(cluster) => cluster,
    };
    let policy = WasmPolicy::load(&module)
        .map_err(|e| usage(format!("{e:#}")))?
        .with_cluster(cluster);
    let input = CheckInput {
        documents: inputs::read_all(&options.inputs)?,
        old: inputs::read_all(&options.old)?,
        namespace: options.namespace.clone(),
    };
    let report = super::check(&policy, &config, &input)?;
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report::json(&report))?);
    } else {
        print!("{}", report::text(&report));
    }
    if let Some(dir) = &options.write_defaults {
        let written = report::write_defaults(&report, dir)?;
        eprintln!(
            "wrote {written} object(s) as they will be stored to {}",
            dir.display()
        );
    }
    Ok(report.exit_code())
}

/// Runs `policy-run check ARGS...` and gives the exit code.
pub fn main(args: impl Iterator<Item = String>) -> u8 {
    match run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("policy-run check: {error:#}");
            let input_error = error.is::<Usage>() || error.is::<InputError>();
            if input_error { 2 } else { 1 }
        }
    }
}

//! The command line of `policy-run check`: exit 0 when every object passes (or in monitor mode),
//! 1 when one is refused, 2 on a usage or input error.

use super::inputs;
use super::{CheckInput, report};
use crate::capabilities::{self, Cluster};
use crate::cli::{Arg, HelpRequested, Parser, parse_error, text};
use crate::host::WasmPolicy;
use crate::policy_config::{PolicyConfig, read_yaml_or_json};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

pub const HELP: &str = "\
usage: policy-run check --policy-path POLICY.yaml [--module MODULE.wasm] [--namespace NS] [--old PATH]...
                        [--output text|json] [--write-defaults DIR]
                        [--cluster-state OBJECTS.yaml | --replay-host-capabilities-interactions SESSION.yml]
                        PATH...

Checks SampleDB manifests against a policy manifest as the admission controller would: each object is
sent as a CREATE (an UPDATE when --old has its stored version); every refusal, warning and default is
reported. Exit 0 when every object passes (or the policy is in monitor mode), 1 when one is refused,
2 on an error in the command or its inputs.

  -p, --policy-path FILE    a ClusterAdmissionPolicy or AdmissionPolicy
  -m, --module FILE         the module (default: the manifest's module, when it is a local file)
  -n, --namespace NS        for objects that name none (default: default)
      --old PATH            the objects as stored (an UPDATE for each object found there)
  -o, --output text|json
      --write-defaults DIR  write each object as it will be stored, defaults added
      --cluster-state OBJECTS.yaml
                            the cluster objects the checks read (Secrets, StorageClasses)
      --replay-host-capabilities-interactions SESSION.yml
                            a kwctl session answering them
      --allow-context-aware (kwctl's flag; implied by the two above)
  PATH                      YAML/JSON files (multi-document), directories (recursively) or - for stdin";

fn usage(message: impl std::fmt::Display) -> anyhow::Error {
    crate::cli::usage(HELP, message)
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

fn parse(mut parser: Parser) -> Result<Options> {
    let mut options = Options::default();
    let fail = |e| parse_error(HELP, e);
    while let Some(arg) = parser.next().map_err(fail)? {
        match arg {
            Arg::Short('p') | Arg::Long("policy-path") => {
                options.policy = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Short('m') | Arg::Long("module") => {
                options.module = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Short('n') | Arg::Long("namespace") => {
                options.namespace = Some(text(&mut parser, HELP)?)
            }
            Arg::Long("old") => options.old.push(text(&mut parser, HELP)?),
            Arg::Long("write-defaults") => {
                options.write_defaults = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Long("cluster-state") => {
                options.cluster_state = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Long("allow-context-aware") => options.allow_context_aware = true,
            Arg::Long("replay-host-capabilities-interactions") => {
                options.session = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Short('o') | Arg::Long("output") => match text(&mut parser, HELP)?.as_str() {
                "json" => options.json = true,
                "text" => options.json = false,
                other => return Err(usage(format!("--output {other}: expected text or json"))),
            },
            Arg::Short('h') | Arg::Long("help") => return Err(HelpRequested(HELP).into()),
            Arg::Value(input) => options.inputs.push(input.to_string_lossy().into_owned()),
            other => return Err(fail(other.unexpected())),
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

fn run(parser: Parser) -> Result<u8> {
    let options = parse(parser)?;
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
pub fn main(parser: Parser) -> u8 {
    match run(parser) {
        Ok(code) => code,
        Err(error) => crate::cli::report("check", &error),
    }
}

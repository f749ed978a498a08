//! `policy-run run`: one request through the module, the AdmissionResponse on stdout, with
//! kwctl run's flags and kwctl run's messages.

use super::{Arg, HelpRequested, Parser, parse_error, text, usage};
use crate::capabilities;
use crate::policy_config::{PolicyConfig, read_yaml_or_json};
use crate::review::{self, RunError};
use crate::{WasmPolicy, default_module_path};
use anyhow::{Context, Result};
use std::path::PathBuf;

pub const HELP: &str = "\
usage: policy-run run --request-path FILE [--settings-path FILE | --settings-json JSON | --policy-path FILE]
                      [--allow-context-aware] [--replay-host-capabilities-interactions SESSION.yml]
                      [--cluster-state OBJECTS.yaml] [MODULE.wasm | POLICY.yaml]

Evaluates one admission request (an AdmissionReview or its request) with the module and prints the
AdmissionResponse, as `kwctl run` does; the patch is also printed decoded, on stderr.

  -r, --request-path FILE   the request (JSON or YAML)
  -s, --settings-path FILE  the policy's settings (JSON or YAML)
      --settings-json JSON  the settings inline
      --policy-path FILE    a ClusterAdmissionPolicy or AdmissionPolicy: its settings, mode and mutating
      --allow-context-aware let the policy read the cluster (kwctl's flag)
      --replay-host-capabilities-interactions SESSION.yml
                            answer the cluster lookups from a kwctl session
      --cluster-state OBJECTS.yaml
                            answer them from these objects (Secrets, StorageClasses, RBAC), as the API
                            server would
  MODULE.wasm               default: the policy.wasm `make policy.wasm` builds
  POLICY.yaml               a policy manifest whose module is a local file (file://), as kwctl runs one";

pub struct Options {
    pub request_path: PathBuf,
    pub config: PolicyConfig,
    pub module: PathBuf,
    pub allow_context_aware: bool,
    pub session: Option<PathBuf>,
    pub cluster_state: Option<PathBuf>,
}

pub fn parse(mut parser: Parser) -> Result<Options> {
    let mut request_path = None;
    let mut config = None;
    let mut module = None;
    let (mut allow_context_aware, mut session, mut cluster_state) = (false, None, None);
    while let Some(arg) = parser.next().map_err(|e| parse_error(HELP, e))? {
        match arg {
            Arg::Short('r') | Arg::Long("request-path") => {
                request_path = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Short('s') | Arg::Long("settings-path") => {
                let path = PathBuf::from(text(&mut parser, HELP)?);
                config = Some(PolicyConfig::from_settings_file(&path)?)
            }
            Arg::Long("settings-json") => {
                config = Some(PolicyConfig::from_settings_json(&text(&mut parser, HELP)?)?)
            }
            Arg::Long("policy-path") => {
                let path = PathBuf::from(text(&mut parser, HELP)?);
                config = Some(PolicyConfig::from_manifest_file(&path)?)
            }
            Arg::Long("allow-context-aware") => allow_context_aware = true,
            Arg::Long("replay-host-capabilities-interactions") => {
                session = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Long("cluster-state") => {
                cluster_state = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Short('h') | Arg::Long("help") => return Err(HelpRequested(HELP).into()),
            Arg::Value(path) => {
                let path = path.to_string_lossy().into_owned();
                module = Some(PathBuf::from(path.strip_prefix("file://").unwrap_or(&path)))
            }
            other => return Err(parse_error(HELP, other.unexpected())),
        }
    }
    // A policy manifest in the module's place, as kwctl takes one: its settings, mode and
    // `mutating`, and the module it names (a local file).
    if let Some(path) = module.as_ref().filter(|p| is_manifest(p)) {
        let manifest = read_yaml_or_json(path)?;
        config = Some(PolicyConfig::from_manifest(&manifest)?);
        let named = manifest["spec"]["module"].as_str().unwrap_or("");
        let local = named.strip_prefix("file://").ok_or_else(|| {
            usage(
                HELP,
                format!(
                    "{}: its module {named:?} is not a local file (file://)",
                    path.display()
                ),
            )
        })?;
        module = Some(PathBuf::from(local));
    }
    Ok(Options {
        request_path: request_path.ok_or_else(|| usage(HELP, "--request-path is required"))?,
        config: config.unwrap_or_default(),
        module: module.unwrap_or_else(default_module_path),
        allow_context_aware,
        session,
        cluster_state,
    })
}

fn is_manifest(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

/// The AdmissionResponse for the options' request.
pub fn run(options: &Options) -> Result<serde_json::Value> {
    let document = read_yaml_or_json(&options.request_path)?;
    let cluster = capabilities::from_flags(
        options.allow_context_aware,
        options.session.as_deref(),
        options.cluster_state.as_deref(),
    )?
    .context(
        "policy-run has no cluster to ask: give --cluster-state FILE (cluster objects) or \
         --replay-host-capabilities-interactions SESSION (a kwctl session)",
    )?;
    let policy = WasmPolicy::load(&options.module)?.with_cluster(cluster);
    review::run(&policy, &document, &options.config).map_err(|error| match error {
        RunError::InvalidSettings(_) => anyhow::anyhow!("{error}"),
        RunError::Other(error) => error,
    })
}

/// `policy-run run ARGS...`: prints the answer; its exit code.
pub fn main(parser: Parser) -> u8 {
    let answer = parse(parser).and_then(|options| run(&options));
    match answer {
        Ok(answer) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&answer).unwrap_or_default()
            );
            // kwctl prints the patch base64-encoded only; spell it out for the person reading.
            if let Ok(Some(patch)) = review::decoded_patch(&answer) {
                eprintln!("decoded patch: {patch}");
            }
            0
        }
        Err(error) if error.is::<HelpRequested>() => super::report("run", &error),
        // kwctl's words, unprefixed: scripts written for kwctl run read them.
        Err(error) => {
            eprintln!("{error:#}");
            if error.is::<super::Usage>() { 2 } else { 1 }
        }
    }
}

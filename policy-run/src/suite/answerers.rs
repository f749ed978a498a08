//! Who answers a case: this tool's engine (the module on wasmi, as `policy-run run`), the real
//! `kwctl run`, or a running policy-server. Each gives the AdmissionResponse; the expectations are
//! compared the same way whoever answered.

use super::file::{Case, ClusterSource, Suite};
use crate::WasmPolicy;
use crate::capabilities::Cluster;
use crate::review::{self, RunError};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The answer to a case, or why the case could not be put to this answerer.
pub enum Answer {
    Response(Value),
    Skipped(String),
}

pub trait Answerer {
    /// Checks the suite's policy before its cases run: invalid settings are an input error.
    fn prepare(&mut self, suite: &Suite, module: &Path) -> Result<()>;
    fn answer(&mut self, suite: &Suite, module: &Path, case: &Case) -> Result<Answer>;
}

/// The cluster a case reads, for this tool's engine.
pub fn cluster_of(case: &Case) -> Result<Cluster> {
    match &case.cluster {
        None => Ok(Cluster::NotGranted),
        Some(ClusterSource::State(path)) => Cluster::from_state_file(path),
        // A session is consumed as it is replayed: each case reads its own copy.
        Some(ClusterSource::Session(path)) => Cluster::from_session_file(path),
    }
}

/// The module on wasmi, compiled once per module file.
#[derive(Default)]
pub struct Engine {
    modules: HashMap<PathBuf, WasmPolicy>,
}

impl Engine {
    fn module(&mut self, path: &Path) -> Result<&WasmPolicy> {
        if !self.modules.contains_key(path) {
            let policy = WasmPolicy::load(path)?;
            self.modules.insert(path.to_path_buf(), policy);
        }
        self.modules.get(path).context("the module was just loaded")
    }
}

impl Answerer for Engine {
    fn prepare(&mut self, suite: &Suite, module: &Path) -> Result<()> {
        let policy = self.module(module).map_err(|error| {
            super::InputError(format!(
                "{}: {error:#}: name the module with --module FILE or `module:` in the suite \
                 (annotated-policy.wasm from make, or one `kwctl pull` fetched)",
                suite.path.display()
            ))
        })?;
        review::validate_settings(policy, &suite.config.settings)
            .map_err(|error| super::InputError(format!("{}: {error}", suite.path.display())).into())
    }

    fn answer(&mut self, suite: &Suite, module: &Path, case: &Case) -> Result<Answer> {
        let cluster = cluster_of(case)?;
        let policy = self.module(module)?.against(cluster);
        match review::run(&policy, &case.request, &suite.config) {
            Ok(answer) => Ok(Answer::Response(answer)),
            Err(RunError::InvalidSettings(message)) => bail!("invalid settings: {message}"),
            Err(RunError::Other(error)) => Err(error),
        }
    }
}

/// The real `kwctl run`, one process per case, with the files it reads written to a scratch folder.
pub struct Kwctl {
    pub program: PathBuf,
    scratch: PathBuf,
    count: usize,
}

impl Kwctl {
    pub fn new(program: PathBuf) -> Result<Kwctl> {
        let scratch = std::env::temp_dir().join(format!("policy-run-kwctl-{}", std::process::id()));
        std::fs::create_dir_all(&scratch)
            .with_context(|| format!("cannot create {}", scratch.display()))?;
        Ok(Kwctl {
            program,
            scratch,
            count: 0,
        })
    }

    /// The policy argument: the suite's manifest pointing at the module (kwctl applies its mode,
    /// `mutating` and settings), else the module, with the settings written beside the request.
    fn policy_args(&self, suite: &Suite, module: &Path, dir: &Path) -> Result<Vec<String>> {
        let module = std::fs::canonicalize(module)
            .with_context(|| format!("cannot find the module {}", module.display()))?;
        let module = module.display().to_string();
        match &suite.manifest {
            Some(manifest) => {
                let mut manifest = crate::policy_config::read_yaml_or_json(manifest)?;
                manifest["spec"]["module"] = json!(format!("file://{module}"));
                let path = dir.join("policy.yaml");
                std::fs::write(&path, serde_yaml::to_string(&manifest)?)?;
                Ok(vec![path.display().to_string()])
            }
            None => {
                let path = dir.join("settings.json");
                std::fs::write(&path, suite.config.settings.to_string())?;
                Ok(vec![
                    "--settings-path".into(),
                    path.display().to_string(),
                    module,
                ])
            }
        }
    }
}

impl Drop for Kwctl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

impl Answerer for Kwctl {
    fn prepare(&mut self, _: &Suite, _: &Path) -> Result<()> {
        Ok(())
    }

    fn answer(&mut self, suite: &Suite, module: &Path, case: &Case) -> Result<Answer> {
        let mut args = vec!["run".to_string()];
        match &case.cluster {
            Some(ClusterSource::State(_)) => {
                return Ok(Answer::Skipped(
                    "kwctl reads no cluster objects from files: give the case a kwctl session \
                     (cluster: {session: FILE})"
                        .into(),
                ));
            }
            Some(ClusterSource::Session(session)) => {
                args.push("--allow-context-aware".into());
                args.push("--replay-host-capabilities-interactions".into());
                args.push(session.display().to_string());
            }
            None => {}
        }
        if let Ok(trust) = std::env::var("SIGSTORE_TRUST_CONFIG") {
            args.extend(["--sigstore-trust-config".to_string(), trust]);
        }
        self.count += 1;
        let dir = self.scratch.join(self.count.to_string());
        std::fs::create_dir_all(&dir)?;
        let request = dir.join("request.json");
        std::fs::write(&request, case.request.to_string())?;
        args.extend(["--request-path".to_string(), request.display().to_string()]);
        args.extend(self.policy_args(suite, module, &dir)?);
        let output = Command::new(&self.program)
            .args(&args)
            .env("RUST_BACKTRACE", "0")
            .output()
            .with_context(|| format!("cannot start {}", self.program.display()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            bail!("kwctl run failed ({}): {last}", output.status);
        }
        // kwctl prints one compact line per policy (run.rs), policy-run one pretty answer: the
        // first JSON value is the answer of the suite's one policy.
        let mut answers = serde_json::Deserializer::from_slice(&output.stdout).into_iter::<Value>();
        match answers.next() {
            Some(answer) => Ok(Answer::Response(answer.context("kwctl's answer")?)),
            None => Err(anyhow!("kwctl run printed no answer")),
        }
    }
}

/// A running policy-server: each request POSTed (with curl) as an AdmissionReview to
/// `URL` (`http://HOST:PORT/validate/POLICY_ID`). The server's own settings and cluster answer:
/// the suite's are not sent.
pub struct PolicyServer {
    pub url: String,
}

impl Answerer for PolicyServer {
    fn prepare(&mut self, _: &Suite, _: &Path) -> Result<()> {
        Ok(())
    }

    fn answer(&mut self, _: &Suite, _: &Path, case: &Case) -> Result<Answer> {
        let review = json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": case.request
        });
        let mut child = Command::new("curl")
            .args([
                "-sS",
                "--fail-with-body",
                "-H",
                "Content-Type: application/json",
            ])
            .args(["--data-binary", "@-", &self.url])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("cannot start curl")?;
        use std::io::Write as _;
        child
            .stdin
            .take()
            .context("curl's stdin")?
            .write_all(review.to_string().as_bytes())?;
        let output = child.wait_with_output()?;
        if !output.status.success() {
            bail!(
                "POST {} failed: {}",
                self.url,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let answer: Value =
            serde_json::from_slice(&output.stdout).context("policy-server's answer")?;
        Ok(Answer::Response(answer["response"].clone()))
    }
}

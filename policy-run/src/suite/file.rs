//! A suite file as written, and the runnable suite it becomes. Paths in a suite are relative to
//! the suite file, so a suite and its objects move together.

use super::InputError;
use super::expect::Expect;
use super::request::{self, Operation};
use crate::policy_config::{PolicyConfig, read_yaml_or_json};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SuiteFile {
    /// A ClusterAdmissionPolicy or AdmissionPolicy: its settings, mode and `mutating`.
    policy: Option<String>,
    /// The settings, inline (a mapping) or a file (a string).
    settings: Option<Value>,
    module: Option<String>,
    cluster: Option<ClusterFile>,
    namespace: Option<String>,
    user: Option<Value>,
    cases: Vec<CaseFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterFile {
    state: Option<String>,
    session: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CaseFile {
    name: String,
    /// The SampleDB, inline or a file.
    object: Option<Value>,
    /// Its stored version: the case is an UPDATE.
    old_object: Option<Value>,
    operation: Option<Operation>,
    /// A whole request file (an AdmissionReview or its request), instead of `object`.
    request: Option<String>,
    namespace: Option<String>,
    user: Option<Value>,
    cluster: Option<ClusterFile>,
    expect: Option<Expect>,
}

/// Where the cluster lookups of a case are answered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterSource {
    /// Objects (`--cluster-state`): Secrets, StorageClasses and RBAC, answered as the API server would.
    State(PathBuf),
    /// A kwctl session (`--replay-host-capabilities-interactions`).
    Session(PathBuf),
}

/// A suite ready to run.
#[derive(Debug, Clone)]
pub struct Suite {
    pub path: PathBuf,
    /// The manifest, when the suite names one (kwctl runs it as it is).
    pub manifest: Option<PathBuf>,
    pub config: PolicyConfig,
    /// The module the suite names, if any.
    pub module: Option<PathBuf>,
    pub cases: Vec<Case>,
}

/// One case: the request and what its answer must be.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// The line of the case in its suite file (1-based).
    pub line: usize,
    pub request: Value,
    /// The object sent (for the object as stored); `null` for a DELETE.
    pub object: Value,
    pub cluster: Option<ClusterSource>,
    pub expect: Expect,
}

fn input_error(path: &Path, message: impl std::fmt::Display) -> anyhow::Error {
    InputError(format!("{}: {message}", path.display())).into()
}

/// Reads a suite file and everything it names.
pub fn load(path: &Path) -> anyhow::Result<Suite> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| input_error(path, format!("cannot read it: {e}")))?;
    let file: SuiteFile = serde_yaml::from_str(&text).map_err(|e| input_error(path, e))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let resolve = |relative: &str| dir.join(relative);
    let (manifest, config) = match (&file.policy, &file.settings) {
        (Some(_), Some(_)) => {
            return Err(input_error(path, "give `policy` or `settings`, not both"));
        }
        (Some(manifest), None) => {
            let manifest = resolve(manifest);
            let config = PolicyConfig::from_manifest_file(&manifest)
                .map_err(|e| input_error(path, format!("policy: {e:#}")))?;
            (Some(manifest), config)
        }
        (None, Some(Value::String(settings))) => {
            let config = PolicyConfig::from_settings_file(&resolve(settings))
                .map_err(|e| input_error(path, format!("settings: {e:#}")))?;
            (None, config)
        }
        (None, Some(settings @ (Value::Object(_) | Value::Null))) => {
            let settings = match settings {
                Value::Null => Value::Object(Default::default()),
                settings => settings.clone(),
            };
            (None, PolicyConfig::from_settings(settings))
        }
        (None, Some(_)) => {
            return Err(input_error(
                path,
                "settings: a mapping, or the path of a settings file",
            ));
        }
        (None, None) => {
            return Err(input_error(
                path,
                "name the policy: `policy: MANIFEST.yaml` or `settings:`",
            ));
        }
    };
    if file.cases.is_empty() {
        return Err(input_error(
            path,
            "no cases: a suite lists at least one case",
        ));
    }
    let lines = case_lines(&text, file.cases.len());
    let suite_cluster = cluster_source(path, dir, file.cluster.as_ref())?;
    let mut cases = Vec::new();
    for (index, case) in file.cases.into_iter().enumerate() {
        let line = lines.get(index).copied().unwrap_or(1);
        let at = |message: String| {
            input_error(
                path,
                format!("line {line}: case {:?}: {message}", case.name),
            )
        };
        let expect = match case.expect {
            Some(expect) if !expect.is_empty() => expect,
            _ => {
                return Err(at(
                    "expects nothing: say what the answer must be under `expect`".into(),
                ));
            }
        };
        let cluster = match cluster_source(path, dir, case.cluster.as_ref())? {
            Some(cluster) => Some(cluster),
            None => suite_cluster.clone(),
        };
        let defaults = request::Defaults {
            namespace: case.namespace.or_else(|| file.namespace.clone()),
            user: case.user.or_else(|| file.user.clone()),
        };
        let built = match (&case.request, &case.object, &case.old_object) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(at(
                    "`request` is a whole request: give it without `object` or `oldObject`".into(),
                ));
            }
            (Some(request), None, None) => {
                let document =
                    read_yaml_or_json(&resolve(request)).map_err(|e| at(format!("{e:#}")))?;
                request::from_document(&document)
            }
            (None, object, old) => {
                let object = object
                    .as_ref()
                    .map(|o| inline_or_file(o, dir))
                    .transpose()
                    .map_err(at)?;
                let old = old
                    .as_ref()
                    .map(|o| inline_or_file(o, dir))
                    .transpose()
                    .map_err(at)?;
                request::build(case.operation, object, old, &defaults).map_err(at)?
            }
        };
        cases.push(Case {
            name: case.name,
            line,
            object: built["object"].clone(),
            request: built,
            cluster,
            expect,
        });
    }
    Ok(Suite {
        path: path.to_path_buf(),
        manifest,
        config,
        module: file.module.as_deref().map(resolve),
        cases,
    })
}

fn cluster_source(
    path: &Path,
    dir: &Path,
    cluster: Option<&ClusterFile>,
) -> anyhow::Result<Option<ClusterSource>> {
    match cluster {
        None => Ok(None),
        Some(ClusterFile {
            state: Some(state),
            session: None,
        }) => Ok(Some(ClusterSource::State(dir.join(state)))),
        Some(ClusterFile {
            state: None,
            session: Some(session),
        }) => Ok(Some(ClusterSource::Session(dir.join(session)))),
        Some(_) => Err(input_error(
            path,
            "cluster: give `state` (objects) or `session` (a kwctl session), one of them",
        )),
    }
}

/// An object written inline, or the path of a YAML or JSON file holding it.
fn inline_or_file(value: &Value, dir: &Path) -> Result<Value, String> {
    match value {
        Value::String(file) => read_yaml_or_json(&dir.join(file)).map_err(|e| format!("{e:#}")),
        Value::Object(_) => Ok(value.clone()),
        _ => Err("an object is a mapping, or the path of a file holding one".into()),
    }
}

/// The line where each item of the top-level `cases:` list starts, found in the text: serde_yaml
/// gives values, not positions. A block list (`- ` items) is what suites are written as; for
/// another layout the cases are named by the line of `cases:`.
fn case_lines(text: &str, count: usize) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("cases:")) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut indent = None;
    for (number, line) in lines.iter().enumerate().skip(start + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let depth = line.len() - trimmed.len();
        let item = trimmed == "-" || trimmed.starts_with("- ");
        match indent {
            None if item => indent = Some(depth),
            None => break,
            Some(level) if depth < level || (depth == level && !item) => break,
            Some(_) => {}
        }
        if item && Some(depth) == indent {
            found.push(number + 1);
        }
    }
    if found.len() == count {
        found
    } else {
        vec![start + 1; count]
    }
}

#[cfg(test)]
mod tests {
    use super::case_lines;

    #[test]
    fn each_case_is_named_by_the_line_it_starts_on() {
        let text = "settings: {}\ncases:\n  # first\n  - name: a\n    expect: {allowed: true}\n\n  - name: b\n    object:\n      - x\n    expect: {allowed: true}\nmodule: m\n";
        assert_eq!(case_lines(text, 2), [4, 7]);
        assert_eq!(case_lines("cases: [{name: a}]\n", 1), [1]);
        let unindented = "cases:\n- name: a\n- name: b\n";
        assert_eq!(case_lines(unindented, 2), [2, 3]);
    }
}

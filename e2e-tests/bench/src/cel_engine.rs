//! Evaluates rules/sampledb-vap.yaml as the API server evaluates a ValidatingAdmissionPolicy:
//! variables in order (each may use the earlier ones as `variables.<name>`), then every
//! validation; a validation that is false or fails to evaluate is a violation (failurePolicy:
//! Fail). The Kubernetes CEL libraries (quantity, strings, ...) come from kube-cel.

use anyhow::{Context as _, Result, anyhow};
use kube_cel::KubeCelExt;
use kube_cel::cel::objects::{Key, Map};
use kube_cel::cel::{Context, Program, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

pub const MANIFEST: &str = include_str!("../rules/sampledb-vap.yaml");

struct Source {
    variables: Vec<(String, String)>,
    validations: Vec<(String, String)>,
}

fn source() -> Result<Source> {
    let manifest: serde_json::Value = serde_yaml::from_str(MANIFEST)?;
    let spec = &manifest["spec"];
    let variables = spec["variables"]
        .as_array()
        .context("variables")?
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap_or("").to_string(),
                v["expression"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let validations = spec["validations"]
        .as_array()
        .context("validations")?
        .iter()
        .map(|v| {
            let message = v["message"].as_str().unwrap_or("");
            let id = message.split(':').next().unwrap_or("").to_string();
            (id, v["expression"].as_str().unwrap_or("").to_string())
        })
        .collect();
    Ok(Source {
        variables,
        validations,
    })
}

fn compile(expression: &str) -> Result<Program> {
    Program::compile(expression).map_err(|e| anyhow!("{expression}: {e}"))
}

/// The policy compiled once (as the API server keeps compiled VAPs).
pub struct CelPolicy {
    variables: Vec<(String, Program)>,
    validations: Vec<(String, Program)>,
}

impl CelPolicy {
    pub fn compile() -> Result<CelPolicy> {
        let source = source()?;
        Ok(CelPolicy {
            variables: source
                .variables
                .iter()
                .map(|(n, e)| Ok((n.clone(), compile(e)?)))
                .collect::<Result<_>>()?,
            validations: source
                .validations
                .iter()
                .map(|(n, e)| Ok((n.clone(), compile(e)?)))
                .collect::<Result<_>>()?,
        })
    }

    /// Violated rule ids for one review (`object`, `oldObject`, `request`) with `params`.
    pub fn evaluate(
        &self,
        review_json: &[u8],
        params: &serde_json::Value,
    ) -> Result<BTreeSet<String>> {
        let review: serde_json::Value = serde_json::from_slice(review_json)?;
        let mut context = Context::default().with_all();
        add_type_function(&mut context);
        let operation = review["operation"].as_str().unwrap_or("");
        context
            .add_variable("object", &review["object"])
            .map_err(|e| anyhow!("{e}"))?;
        context
            .add_variable("oldObject", &review["oldObject"])
            .map_err(|e| anyhow!("{e}"))?;
        context
            .add_variable("params", params)
            .map_err(|e| anyhow!("{e}"))?;
        context
            .add_variable("request", serde_json::json!({"operation": operation}))
            .map_err(|e| anyhow!("{e}"))?;
        let mut variables: HashMap<Key, Value> = HashMap::new();
        for (name, program) in &self.variables {
            // An erroring variable stays undefined: validations that use it then fail, as in Kubernetes.
            match program.execute(&context) {
                Ok(value) => {
                    variables.insert(Key::String(Arc::new(name.clone())), value);
                    context.add_variable_from_value(
                        "variables",
                        Value::Map(Map {
                            map: Arc::new(variables.clone()),
                        }),
                    );
                }
                Err(error) if debug() => eprintln!("CEL variable {name}: {error}"),
                Err(_) => {}
            }
        }
        let mut violated = BTreeSet::new();
        for (id, program) in &self.validations {
            match program.execute(&context) {
                Ok(Value::Bool(true)) => {}
                other => {
                    if debug() {
                        eprintln!("CEL validation {id}: {other:?}");
                    }
                    violated.insert(id.clone());
                }
            }
        }
        Ok(violated)
    }
}

/// CEL's `type()` and its type names, which the `cel` crate does not provide: the names are
/// strings here, so `type(x) == map` reads as in Kubernetes.
fn add_type_function(context: &mut Context) {
    context.add_function("type", cel_type);
    for name in [
        "map",
        "list",
        "string",
        "int",
        "uint",
        "double",
        "bool",
        "bytes",
        "null_type",
    ] {
        context.add_variable_from_value(name, Value::String(Arc::new(name.to_string())));
    }
}

fn cel_type(value: Value) -> kube_cel::cel::ResolveResult {
    let name = match value {
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Int(_) => "int",
        Value::UInt(_) => "uint",
        Value::Float(_) => "double",
        Value::String(_) => "string",
        Value::Bytes(_) => "bytes",
        Value::Bool(_) => "bool",
        Value::Null => "null_type",
        _ => "other",
    };
    Ok(Value::String(Arc::new(name.to_string())))
}

/// BENCH_DEBUG=1 shows why a CEL variable or validation failed.
fn debug() -> bool {
    std::env::var_os("BENCH_DEBUG").is_some()
}

/// cel-policy's model: compile the expressions for every request.
pub fn compile_and_evaluate(
    review_json: &[u8],
    params: &serde_json::Value,
) -> Result<BTreeSet<String>> {
    CelPolicy::compile()?.evaluate(review_json, params)
}

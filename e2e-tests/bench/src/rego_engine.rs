//! Evaluates rules/sampledb.rego as Gatekeeper does: `data.sampledb.violation` over
//! `input.review` and `input.parameters`, with the policy compiled once.

use anyhow::{Result, anyhow};
use regorus::{Engine, Value};
use std::collections::BTreeSet;

pub const POLICY: &str = include_str!("../rules/sampledb.rego");

pub struct RegoPolicy {
    engine: Engine,
}

impl RegoPolicy {
    pub fn compile() -> Result<RegoPolicy> {
        let mut engine = Engine::new();
        engine
            .add_policy("sampledb.rego".to_string(), POLICY.to_string())
            .map_err(|e| anyhow!("{e}"))?;
        Ok(RegoPolicy { engine })
    }

    pub fn evaluate(
        &mut self,
        review_json: &[u8],
        params: &serde_json::Value,
    ) -> Result<BTreeSet<String>> {
        let review = std::str::from_utf8(review_json)?;
        let input = format!("{{\"review\": {review}, \"parameters\": {params}}}");
        self.engine
            .set_input(Value::from_json_str(&input).map_err(|e| anyhow!("{e}"))?);
        let violations = self
            .engine
            .eval_rule("data.sampledb.violation".to_string())
            .map_err(|e| anyhow!("{e}"))?;
        let mut ids = BTreeSet::new();
        if let Ok(set) = violations.as_set() {
            for violation in set.iter() {
                if let Ok(id) = violation["details"]["rule"].as_string() {
                    ids.insert(id.to_string());
                }
            }
        }
        Ok(ids)
    }
}

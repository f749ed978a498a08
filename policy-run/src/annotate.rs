//! `kwctl annotate` for users without kwctl: embeds the policy's metadata (metadata.yml, the
//! README as usage text, the protocol version the module reports) in the custom section
//! `io.kubewarden.metadata`, which policy-server and kwctl read from a pushed artifact.

use crate::host::Evaluator;
use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use wasm_encoder::{CustomSection, Encode, RawSection, Section};
use wasmparser::{Parser, Payload};

pub const METADATA_SECTION: &str = "io.kubewarden.metadata";
pub const USAGE_ANNOTATION: &str = "io.kubewarden.policy.usage";

/// The metadata document kwctl writes: metadata.yml, plus the README as usage and the
/// module's protocol version.
pub fn metadata_document(
    metadata_yml: &Value,
    readme: Option<&str>,
    evaluator: &dyn Evaluator,
) -> Result<Value> {
    let Some(source) = metadata_yml.as_object() else {
        bail!("metadata.yml is not a mapping");
    };
    let mut document: Map<String, Value> = source.clone();
    let version: Value = serde_json::from_slice(&evaluator.call("protocol_version", b"")?)
        .context("protocol_version did not answer JSON")?;
    document.insert("protocolVersion".into(), version);
    document.entry("policyType").or_insert(json!("kubernetes"));
    document.entry("contextAwareResources").or_insert(json!([]));
    if let Some(readme) = readme {
        let annotations = document.entry("annotations").or_insert(json!({}));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(USAGE_ANNOTATION.into(), Value::String(readme.to_string()));
        }
    }
    Ok(Value::Object(document))
}

/// The module with `metadata` in its `io.kubewarden.metadata` section, replacing any earlier one.
pub fn annotate(module: &[u8], metadata: &Value) -> Result<Vec<u8>> {
    let mut output = module
        .get(..8)
        .context("not a WebAssembly module: too short")?
        .to_vec();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.context("not a valid WebAssembly module")?;
        if let Payload::CustomSection(reader) = &payload
            && reader.name() == METADATA_SECTION
        {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            let data = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(start, end)| module.get(start..end))
                .context("section outside the module")?;
            RawSection { id, data }.append_to(&mut output);
        }
    }
    let section = CustomSection {
        name: METADATA_SECTION.into(),
        data: serde_json::to_vec(metadata)?.into(),
    };
    output.push(section.id());
    section.encode(&mut output);
    Ok(output)
}

/// The metadata embedded in a module, if any.
pub fn read_metadata(module: &[u8]) -> Result<Option<Value>> {
    for payload in Parser::new(0).parse_all(module) {
        if let Payload::CustomSection(reader) = payload.context("not a valid WebAssembly module")?
            && reader.name() == METADATA_SECTION
        {
            return Ok(Some(
                serde_json::from_slice(reader.data()).context("metadata is not JSON")?,
            ));
        }
    }
    Ok(None)
}

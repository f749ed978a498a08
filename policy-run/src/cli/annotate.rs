//! `policy-run annotate`: what `kwctl annotate` does, for machines without kwctl.

use super::{Arg, HelpRequested, Parser, parse_error, text, usage};
use crate::policy_config::read_yaml_or_json;
use crate::{WasmPolicy, annotate, default_module_path};
use anyhow::{Context, Result};
use std::path::PathBuf;

pub const HELP: &str = "\
usage: policy-run annotate -m metadata.yml [-u README.md] -o OUTPUT.wasm [MODULE.wasm]

Embeds the metadata (and the README as usage text) in the module's io.kubewarden.metadata section,
as `kwctl annotate` does; the policy's own protocol version is read from the module.

  -m, --metadata-path FILE  metadata.yml
  -u, --usage-path FILE     the README shown by `kwctl inspect`
  -o, --output-path FILE    the annotated module to write
  MODULE.wasm               default: the policy.wasm `make policy.wasm` builds";

pub fn main(mut parser: Parser) -> Result<()> {
    let (mut metadata, mut readme, mut output, mut module) = (None, None, None, None);
    while let Some(arg) = parser.next().map_err(|e| parse_error(HELP, e))? {
        match arg {
            Arg::Short('m') | Arg::Long("metadata-path") => {
                metadata = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Short('u') | Arg::Long("usage-path") => {
                readme = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Short('o') | Arg::Long("output-path") => {
                output = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Short('h') | Arg::Long("help") => return Err(HelpRequested(HELP).into()),
            Arg::Value(path) => module = Some(PathBuf::from(path)),
            other => return Err(parse_error(HELP, other.unexpected())),
        }
    }
    let metadata = metadata.ok_or_else(|| usage(HELP, "-m metadata.yml is required"))?;
    let output = output.ok_or_else(|| usage(HELP, "-o OUTPUT.wasm is required"))?;
    let module = module.unwrap_or_else(default_module_path);
    let bytes =
        std::fs::read(&module).with_context(|| format!("cannot read {}", module.display()))?;
    let readme = readme
        .map(|path| {
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))
        })
        .transpose()?;
    let metadata = read_yaml_or_json(&metadata)?;
    let policy = WasmPolicy::from_bytes(&bytes)?;
    let document = annotate::metadata_document(&metadata, readme.as_deref(), &policy)?;
    let annotated = annotate::annotate(&bytes, &document)?;
    std::fs::write(&output, annotated)
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}

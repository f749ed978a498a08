//! The manifests a user keeps in Git: every YAML or JSON document of the files named (multi-document
//! files, directories recursively, `-` for stdin), each remembered with where it came from so that
//! every message can name the file.

use serde::Deserialize;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One document of an input file.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: String,
    /// 1-based position of the document in its file.
    pub index: usize,
    pub value: Value,
}

pub use crate::cli::InputError;

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// The files of a directory tree, in a stable order.
fn files_under(dir: &Path, into: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| InputError(format!("{}: cannot read the directory: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_under(&path, into)?;
        } else if is_manifest(&path) {
            into.push(path);
        }
    }
    Ok(())
}

/// Every document of every input, in the order given (directories sorted by name).
pub fn read_all(inputs: &[String]) -> Result<Vec<Document>, InputError> {
    let mut documents = Vec::new();
    for input in inputs {
        if input == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| InputError(format!("<stdin>: cannot read: {e}")))?;
            documents.extend(parse("<stdin>", &text)?);
            continue;
        }
        let path = Path::new(input);
        let mut files = Vec::new();
        if path.is_dir() {
            files_under(path, &mut files)?;
        } else {
            files.push(path.to_path_buf());
        }
        for file in files {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| InputError(format!("{}: cannot read: {e}", file.display())))?;
            documents.extend(parse(&file.display().to_string(), &text)?);
        }
    }
    Ok(documents.into_iter().flat_map(list_items).collect())
}

/// A `List` (what `kubectl get sampledbs -A -o yaml` prints: `kind: List` or `SampleDBList`, with
/// `items`) stands for its items, each named by its place in the list; any other document for
/// itself.
fn list_items(document: Document) -> Vec<Document> {
    let is_list = document.value["kind"]
        .as_str()
        .is_some_and(|kind| kind.ends_with("List"));
    match &document.value["items"] {
        Value::Array(items) if is_list => items
            .iter()
            .enumerate()
            .map(|(at, item)| Document {
                source: format!("{} items[{at}]", document.source),
                index: document.index,
                value: item.clone(),
            })
            .collect(),
        _ => vec![document],
    }
}

/// The documents of one file; empty documents (a trailing `---`) are left out.
pub fn parse(source: &str, text: &str) -> Result<Vec<Document>, InputError> {
    let mut documents = Vec::new();
    for (position, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(document).map_err(|error| {
            let at = error
                .location()
                .map(|l| format!(" line {}, column {}", l.line(), l.column()))
                .unwrap_or_default();
            InputError(format!("{source}{at}: not valid YAML or JSON: {error}"))
        })?;
        if !value.is_null() {
            documents.push(Document {
                source: source.to_string(),
                index: position + 1,
                value,
            });
        }
    }
    Ok(documents)
}

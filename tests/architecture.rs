//! The source tree keeps the shape docs/architecture.md describes: each layer imports only the
//! layers below it, no file imports a file that imports it back, and every file the document
//! names exists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each layer (a folder of `src/`) and the layers it may import.
const LAYERS: [(&str, &[&str]); 6] = [
    (
        "entry",
        &["rules", "cluster", "settings", "model", "formats"],
    ),
    ("rules", &["cluster", "settings", "model", "formats"]),
    ("cluster", &["model", "formats"]),
    ("settings", &["model", "formats"]),
    ("model", &["formats"]),
    ("formats", &[]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, by its path relative to `src/`.
fn source_files() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, files: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, files);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(root).unwrap();
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &src(), &mut files);
    files.sort();
    files
}

/// A file's module path: `settings/reader.rs` is `settings::reader`, `settings/mod.rs` is `settings`.
fn module_of(file: &str) -> Vec<String> {
    let trimmed = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = trimmed.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its inline tests.
fn code_of(file: &str) -> String {
    let text = std::fs::read_to_string(src().join(file)).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module paths a file's code names through `crate::` and `super::`, groups expanded.
fn named_paths(file: &str) -> Vec<Vec<String>> {
    let code = code_of(file);
    let module = module_of(file);
    let mut paths = Vec::new();
    for (start, anchor) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        let base = if anchor == "crate::" {
            Vec::new()
        } else {
            module[..module.len().saturating_sub(1)].to_vec()
        };
        read_path(&code[start + anchor.len()..], base, &mut paths);
    }
    // `use child::Item` in a file that declares `mod child;`.
    let children: Vec<&str> = code
        .lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches("pub ");
            line.strip_prefix("mod ")?.strip_suffix(';')
        })
        .collect();
    for line in code.lines() {
        let line = line.trim().trim_start_matches("pub ");
        if let Some(used) = line.strip_prefix("use ")
            && children
                .iter()
                .any(|child| used.starts_with(&format!("{child}::")))
        {
            read_path(used, module.clone(), &mut paths);
        }
    }
    paths
}

/// Reads `a::b::{c, d::e}` into full paths.
fn read_path(text: &str, mut path: Vec<String>, paths: &mut Vec<Vec<String>>) {
    let mut rest = text;
    loop {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let read_a_word = !word.is_empty();
        if read_a_word {
            rest = &rest[word.len()..];
            path.push(word);
        }
        // `a::{...}`, or a group straight after the anchor: `crate::{a::b, c}`.
        let group = match rest.strip_prefix("::{") {
            None if !read_a_word => rest.strip_prefix('{'),
            group => group,
        };
        if let Some(after) = group {
            let mut depth = 1;
            let end = after
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(after.len(), |(at, _)| at);
            for element in split_top_level(&after[..end]) {
                read_path(element.trim(), path.clone(), paths);
            }
            return;
        }
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => break,
        }
    }
    paths.push(path);
}

fn split_top_level(group: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&group[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&group[start..]);
    parts
}

/// The file that defines the longest prefix of `path` that is a module.
fn file_of(path: &[String], files: &[String]) -> Option<String> {
    (1..=path.len()).rev().find_map(|length| {
        let module = path[..length].join("/");
        [format!("{module}.rs"), format!("{module}/mod.rs")]
            .into_iter()
            .find(|candidate| files.contains(candidate))
    })
}

/// Which file imports which (self-references left out).
fn import_graph() -> BTreeMap<String, Vec<String>> {
    let files = source_files();
    files
        .iter()
        .map(|file| {
            let mut imported: Vec<String> = named_paths(file)
                .iter()
                .filter_map(|path| file_of(path, &files))
                .filter(|target| target != file)
                .collect();
            imported.sort();
            imported.dedup();
            (file.clone(), imported)
        })
        .collect()
}

fn layer_of(file: &str) -> &str {
    file.split('/').next().unwrap_or(file)
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let mut wrong = Vec::new();
    for (file, imported) in import_graph() {
        let Some((layer, allowed)) = LAYERS.iter().find(|(layer, _)| *layer == layer_of(&file))
        else {
            assert!(
                file == "lib.rs",
                "{file} is in no layer: put it in one of {:?}",
                LAYERS.map(|(layer, _)| layer)
            );
            continue;
        };
        for target in imported {
            let target_layer = layer_of(&target);
            if target_layer != *layer && !allowed.contains(&target_layer) {
                wrong.push(format!("{file} imports {target}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers: {wrong:#?}");
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let graph = import_graph();
    // Depth-first search for a cycle; the path found is reported.
    fn visit(
        file: &str,
        graph: &BTreeMap<String, Vec<String>>,
        trail: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = trail.iter().position(|seen| seen == file) {
            let mut cycle = trail[at..].to_vec();
            cycle.push(file.to_string());
            return Some(cycle);
        }
        if done.iter().any(|seen| seen == file) {
            return None;
        }
        trail.push(file.to_string());
        for next in graph.get(file).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, trail, done) {
                return Some(cycle);
            }
        }
        trail.pop();
        done.push(file.to_string());
        None
    }
    let mut done = Vec::new();
    for file in graph.keys() {
        let cycle = visit(file, &graph, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "an import cycle: {}",
            cycle.unwrap().join(" -> ")
        );
    }
}

#[test]
fn every_file_docs_architecture_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let document = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let named: Vec<&str> = document
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|quoted| {
            [
                "src/",
                "tests/",
                "e2e-tests/",
                "policy-run/",
                "policies/",
                "sign/",
                "docs/",
            ]
            .iter()
            .any(|prefix| quoted.starts_with(prefix))
                && !quoted.contains(' ')
        })
        .collect();
    assert!(
        named.len() > 10,
        "docs/architecture.md names too few files: {named:?}"
    );
    let missing: Vec<&&str> = named
        .iter()
        .filter(|path| !root.join(path.trim_end_matches('/')).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "named in docs/architecture.md but missing: {missing:?}"
    );
}

/// The checks above must see the imports: a sample of edges the tree is known to have.
#[test]
fn the_import_graph_sees_known_imports() {
    let graph = import_graph();
    for (file, target) in [
        ("entry/admission.rs", "rules/object_rules.rs"),
        ("rules/object_rules.rs", "model/fields.rs"),
        ("rules/custom.rs", "settings/mod.rs"),
        ("settings/mod.rs", "settings/custom_rules.rs"),
        ("settings/document.rs", "settings/values.rs"),
        ("model/fields.rs", "formats/quantity.rs"),
    ] {
        assert!(
            graph[file].contains(&target.to_string()),
            "{file} -> {target} not seen: {:?}",
            graph[file]
        );
    }
}

/// `use crate::{model::fields::{A, B}, rules::create};` names both modules.
#[test]
fn a_grouped_crate_import_is_read_as_its_paths() {
    let mut paths = Vec::new();
    read_path(
        "{model::fields::{A, B}, rules::create};",
        Vec::new(),
        &mut paths,
    );
    let read: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        read,
        ["model::fields::A", "model::fields::B", "rules::create"]
    );
}

/// Tests read as a story when a line fits on a screen: none over 120 characters, in every test
/// folder of the workspace.
#[test]
fn no_test_line_is_over_120_characters() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    let folders = [
        "tests",
        "e2e-tests/tests",
        "policy-run/tests",
        "e2e-tests/wasmtime-host/tests",
    ];
    for folder in folders {
        let mut files = Vec::new();
        collect_rust_files(&root.join(folder), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (number, line) in text.lines().enumerate() {
                if line.chars().count() > 120 {
                    long.push(format!("{}:{}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(long.is_empty(), "lines over 120 characters: {long:?}");
}

fn collect_rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

//! The command line of `policy-run test`.

use super::answerers::{Answer, Answerer, Engine, Kwctl, PolicyServer};
use super::file::{Suite, load};
use super::report::{self, CaseResult, Outcome, SuiteResult};
use super::{InputError, expect};
use crate::cli::{Arg, HelpRequested, Parser, parse_error, text, usage};
use crate::default_module_path;
use anyhow::Result;
use std::path::{Path, PathBuf};

pub const HELP: &str = "\
usage: policy-run test [--module MODULE.wasm] [--kwctl[=PATH] | --policy-server URL]
                       [--output text|json|junit] SUITE.yaml|DIR...

Runs expectation suites: each case's request goes to the policy and its answer is compared with
what the case expects (README: \"Test your settings before you roll them out\"; the format is
policy-run/suite.schema.json). A directory runs every .yaml/.yml file directly in it. Exit 0 when
every case passes, 1 when one fails, 2 on an error in a suite or the command.

  -m, --module FILE        the module (default: the suite's `module`, else the manifest's local
                           module, else the policy.wasm `make policy.wasm` builds)
      --kwctl[=PATH]       answer with the real `kwctl run` (PATH, else $KWCTL, else kwctl on PATH)
      --policy-server URL  POST each request to a running policy-server, e.g.
                           http://127.0.0.1:3000/validate/sampledb (its own settings answer)
  -o, --output FORMAT      text (default), json, or junit (JUnit XML for CI reporters)";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Junit,
}

struct Options {
    module: Option<PathBuf>,
    kwctl: Option<PathBuf>,
    policy_server: Option<String>,
    format: Format,
    paths: Vec<PathBuf>,
}

fn parse(mut parser: Parser) -> Result<Options> {
    let mut options = Options {
        module: None,
        kwctl: None,
        policy_server: None,
        format: Format::Text,
        paths: Vec::new(),
    };
    while let Some(arg) = parser.next().map_err(|e| parse_error(HELP, e))? {
        match arg {
            Arg::Short('m') | Arg::Long("module") => {
                options.module = Some(PathBuf::from(text(&mut parser, HELP)?))
            }
            Arg::Long("kwctl") => {
                let path = match parser.optional_value() {
                    Some(path) => PathBuf::from(path),
                    None => std::env::var_os("KWCTL").map_or("kwctl".into(), PathBuf::from),
                };
                options.kwctl = Some(path);
            }
            Arg::Long("policy-server") => options.policy_server = Some(text(&mut parser, HELP)?),
            Arg::Short('o') | Arg::Long("output") => {
                options.format = match text(&mut parser, HELP)?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    "junit" => Format::Junit,
                    other => {
                        return Err(usage(
                            HELP,
                            format!("--output {other}: expected text, json or junit"),
                        ));
                    }
                }
            }
            Arg::Short('h') | Arg::Long("help") => return Err(HelpRequested(HELP).into()),
            Arg::Value(path) => options.paths.push(PathBuf::from(path)),
            other => return Err(parse_error(HELP, other.unexpected())),
        }
    }
    if options.paths.is_empty() {
        return Err(usage(HELP, "name at least one suite file or directory"));
    }
    if options.kwctl.is_some() && options.policy_server.is_some() {
        return Err(usage(
            HELP,
            "--kwctl and --policy-server: give one answerer",
        ));
    }
    Ok(options)
}

/// The suite files the arguments name: files as given, the YAML files directly in a directory.
pub fn suite_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .filter(|p| {
                    p.extension()
                        .is_some_and(|ext| ext == "yaml" || ext == "yml")
                })
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(InputError(format!(
                    "{}: no .yaml or .yml suite in it",
                    path.display()
                ))
                .into());
            }
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(
                InputError(format!("{}: no such file or directory", path.display())).into(),
            );
        }
    }
    Ok(files)
}

/// The module a suite runs: the command's, the suite's, the manifest's local one, else `make`'s.
pub fn module_of(suite: &Suite, given: Option<&Path>) -> PathBuf {
    if let Some(module) = given.or(suite.module.as_deref()) {
        return module.to_path_buf();
    }
    let manifest_module = suite.manifest.as_deref().and_then(|path| {
        let manifest = crate::policy_config::read_yaml_or_json(path).ok()?;
        let module = manifest["spec"]["module"].as_str()?.to_string();
        let local = module.strip_prefix("file://")?;
        Some(path.parent().unwrap_or(Path::new(".")).join(local))
    });
    manifest_module.unwrap_or_else(default_module_path)
}

/// Runs every case of the suite file with `answerer`.
pub fn run_suite(path: &Path, answerer: &mut dyn Answerer, module: Option<&Path>) -> SuiteResult {
    let failed = |error: anyhow::Error| SuiteResult {
        path: path.to_path_buf(),
        input_error: Some(format!("{error:#}")),
        cases: Vec::new(),
    };
    let suite = match load(path) {
        Ok(suite) => suite,
        Err(error) => return failed(error),
    };
    let module = module_of(&suite, module);
    if let Err(error) = answerer.prepare(&suite, &module) {
        return failed(error);
    }
    let cases = suite
        .cases
        .iter()
        .map(|case| {
            let (outcome, answer) = match answerer.answer(&suite, &module, case) {
                Ok(Answer::Response(answer)) => {
                    let differences = expect::compare(&case.expect, &answer, &case.object);
                    let outcome = if differences.is_empty() {
                        Outcome::Passed
                    } else {
                        Outcome::Failed(differences)
                    };
                    (outcome, Some(answer))
                }
                Ok(Answer::Skipped(why)) => (Outcome::Skipped(why), None),
                Err(error) => (Outcome::Error(format!("{error:#}")), None),
            };
            CaseResult {
                name: case.name.clone(),
                line: case.line,
                outcome,
                answer,
            }
        })
        .collect();
    SuiteResult {
        path: path.to_path_buf(),
        input_error: None,
        cases,
    }
}

fn run(parser: Parser) -> Result<u8> {
    let options = parse(parser)?;
    let files = suite_files(&options.paths).map_err(|e| usage(HELP, e))?;
    let mut answerer: Box<dyn Answerer> = match (&options.kwctl, &options.policy_server) {
        (Some(kwctl), _) => Box::new(Kwctl::new(kwctl.clone())?),
        (None, Some(url)) => Box::new(PolicyServer { url: url.clone() }),
        (None, None) => Box::new(Engine::default()),
    };
    let results: Vec<SuiteResult> = files
        .iter()
        .map(|file| run_suite(file, answerer.as_mut(), options.module.as_deref()))
        .collect();
    match options.format {
        Format::Text => print!("{}", report::text(&results)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&report::json(&results))?),
        Format::Junit => print!("{}", report::junit(&results)),
    }
    Ok(report::exit_code(&results))
}

/// `policy-run test ARGS...`: its exit code.
pub fn main(parser: Parser) -> u8 {
    match run(parser) {
        Ok(code) => code,
        Err(error) => crate::cli::report("test", &error),
    }
}

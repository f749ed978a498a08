//! The results of a run: text for a person, JSON and JUnit XML for CI.

use super::expect::Difference;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Outcome {
    Passed,
    Failed(Vec<Difference>),
    /// The answerer cannot run this case (kwctl and cluster objects).
    Skipped(String),
    /// The case could not be evaluated (a module that fails, kwctl that exits with an error).
    Error(String),
}

#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    pub line: usize,
    pub outcome: Outcome,
    /// The AdmissionResponse, when there was one (in the JSON report, to see what was answered).
    pub answer: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct SuiteResult {
    pub path: PathBuf,
    /// The suite could not be read or its policy is invalid: none of its cases ran.
    pub input_error: Option<String>,
    pub cases: Vec<CaseResult>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub errors: usize,
    pub input_errors: usize,
}

pub fn counts(results: &[SuiteResult]) -> Counts {
    let mut counts = Counts::default();
    for suite in results {
        counts.input_errors += usize::from(suite.input_error.is_some());
        for case in &suite.cases {
            match case.outcome {
                Outcome::Passed => counts.passed += 1,
                Outcome::Failed(_) => counts.failed += 1,
                Outcome::Skipped(_) => counts.skipped += 1,
                Outcome::Error(_) => counts.errors += 1,
            }
        }
    }
    counts
}

/// 0 when every case passed, 1 when one failed or could not be evaluated, 2 on an input error.
pub fn exit_code(results: &[SuiteResult]) -> u8 {
    let counts = counts(results);
    if counts.input_errors > 0 {
        2
    } else if counts.failed + counts.errors > 0 {
        1
    } else {
        0
    }
}

fn plural(count: usize, word: &str) -> String {
    format!("{count} {word}{}", if count == 1 { "" } else { "s" })
}

pub fn text(results: &[SuiteResult]) -> String {
    let mut out = String::new();
    for suite in results {
        let path = suite.path.display();
        if let Some(error) = &suite.input_error {
            let _ = writeln!(out, "ERROR {error}");
            continue;
        }
        for case in &suite.cases {
            let at = format!("{path}:{} {}", case.line, case.name);
            match &case.outcome {
                Outcome::Passed => {
                    let _ = writeln!(out, "ok    {at}");
                }
                Outcome::Skipped(why) => {
                    let _ = writeln!(out, "skip  {at}: {why}");
                }
                Outcome::Error(why) => {
                    let _ = writeln!(out, "ERROR {at}: {why}");
                }
                Outcome::Failed(differences) => {
                    let _ = writeln!(out, "FAIL  {at}");
                    for d in differences {
                        let _ = writeln!(out, "      {}:", d.field);
                        let _ = writeln!(out, "        expected: {}", d.expected);
                        let _ = writeln!(out, "        actual:   {}", d.actual);
                    }
                }
            }
        }
    }
    let c = counts(results);
    let _ = write!(
        out,
        "{}: {} passed, {} failed",
        plural(c.passed + c.failed + c.skipped + c.errors, "case"),
        c.passed,
        c.failed
    );
    if c.errors > 0 {
        let _ = write!(out, ", {} not evaluated", c.errors);
    }
    if c.skipped > 0 {
        let _ = write!(out, ", {} skipped", c.skipped);
    }
    if c.input_errors > 0 {
        let _ = write!(
            out,
            "; {} with an input error",
            plural(c.input_errors, "suite")
        );
    }
    out.push('\n');
    out
}

pub fn json(results: &[SuiteResult]) -> Value {
    let c = counts(results);
    let suites: Vec<Value> = results
        .iter()
        .map(|suite| {
            let cases: Vec<Value> = suite
                .cases
                .iter()
                .map(|case| {
                    let (result, detail) = match &case.outcome {
                        Outcome::Passed => ("passed", Value::Null),
                        Outcome::Failed(differences) => {
                            let list: Vec<Value> = differences
                                .iter()
                                .map(|d| json!({"field": d.field, "expected": d.expected, "actual": d.actual}))
                                .collect();
                            ("failed", json!({"differences": list}))
                        }
                        Outcome::Skipped(why) => ("skipped", json!({"reason": why})),
                        Outcome::Error(why) => ("error", json!({"reason": why})),
                    };
                    let mut entry = json!({"name": case.name, "line": case.line, "result": result});
                    if let (Some(entry), Value::Object(detail)) = (entry.as_object_mut(), detail) {
                        entry.extend(detail);
                    }
                    if let Some(answer) = &case.answer {
                        entry["answer"] = answer.clone();
                    }
                    entry
                })
                .collect();
            json!({"file": suite.path.display().to_string(), "inputError": suite.input_error, "cases": cases})
        })
        .collect();
    json!({
        "passed": c.passed, "failed": c.failed, "skipped": c.skipped, "errors": c.errors,
        "inputErrors": c.input_errors, "suites": suites
    })
}

/// XML text and attribute values: the five characters XML reserves, and the control characters
/// XML 1.0 cannot carry at all (a message could hold one), replaced.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML as GitLab, GitHub Actions reporters and Jenkins read it: a `testsuite` per suite
/// file, a `testcase` per case (`file` and `line` say where it is written), `failure`, `error`
/// and `skipped` elements. An input error is a suite with one erroring test case.
pub fn junit(results: &[SuiteResult]) -> String {
    let c = counts(results);
    let total = c.passed + c.failed + c.skipped + c.errors + c.input_errors;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"policy-run test\" tests=\"{total}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        c.failed,
        c.errors + c.input_errors,
        c.skipped
    );
    for suite in results {
        let file = escape(&suite.path.display().to_string());
        let own = counts(std::slice::from_ref(suite));
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            suite
                .cases
                .len()
                .max(usize::from(suite.input_error.is_some())),
            own.failed,
            own.errors + own.input_errors,
            own.skipped
        );
        if let Some(error) = &suite.input_error {
            let _ = writeln!(
                out,
                "    <testcase name=\"(suite)\" classname=\"{file}\" file=\"{file}\">\n      <error message=\"input error\">{}</error>\n    </testcase>",
                escape(error)
            );
        }
        for case in &suite.cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{file}\" file=\"{file}\" line=\"{}\"",
                escape(&case.name),
                case.line
            );
            match &case.outcome {
                Outcome::Passed => out.push_str("/>\n"),
                Outcome::Failed(differences) => {
                    let body: Vec<String> = differences
                        .iter()
                        .map(|d| {
                            format!("{}: expected {}, actual {}", d.field, d.expected, d.actual)
                        })
                        .collect();
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(&plural(differences.len(), "difference")),
                        escape(&body.join("\n"))
                    );
                }
                Outcome::Skipped(why) => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(why)
                    );
                }
                Outcome::Error(why) => {
                    let _ = writeln!(
                        out,
                        ">\n      <error message=\"not evaluated\">{}</error>\n    </testcase>",
                        escape(why)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

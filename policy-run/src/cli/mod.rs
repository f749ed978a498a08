//! The command line: one parser (lexopt) for every command, each command's `--help`, and one rule
//! for exit codes: 2 is an error the user fixes in the command or its inputs.

pub mod annotate;
pub mod run;

use std::ffi::OsString;
use std::fmt;

pub use lexopt::prelude::*;
pub use lexopt::{Arg, Parser};

/// The commands and what they do, for `policy-run --help`.
pub const OVERVIEW: &str = "\
policy-run: the SampleDB policy on your machine, answering as kwctl and policy-server do

usage: policy-run <command> [options]

commands:
  run       evaluate one admission request and print the AdmissionResponse (like kwctl run)
  check     check SampleDB manifests against a policy manifest, as a GitOps pipeline would
  test      run expectation suites (YAML): which objects a policy refuses, what it adds
  annotate  embed metadata.yml and the README in the module (like kwctl annotate)

policy-run <command> --help shows a command's options.";

/// Errors that are a message and what the caller does with it: each kind is its own type, so that
/// `report` tells them apart with `anyhow::Error::is`.
macro_rules! message_errors {
    ($($(#[$doc:meta])* $name:ident($text:ty);)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(pub $text);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for $name {}
    )*};
}

message_errors! {
    /// An error that is the user's to fix in the command line: exit code 2. It carries the
    /// command's usage line so the message says what was expected.
    Usage(String);
    /// A problem with an input the user names (not with what the policy says of it): a file that
    /// cannot be read or parsed, a suite that expects nothing. Exit code 2, as a usage error.
    InputError(String);
    /// `--help`: the caller prints it and exits 0.
    HelpRequested(&'static str);
}

/// `message`, then the command's help (its first line names the usage).
pub fn usage(help: &str, message: impl fmt::Display) -> anyhow::Error {
    Usage(format!("{message}\n{help}")).into()
}

/// A lexopt error (unknown flag, missing value, bad UTF-8) as a usage error of `help`'s command.
pub fn parse_error(help: &str, error: lexopt::Error) -> anyhow::Error {
    usage(help, error)
}

/// The parser over `args` (the command's arguments, without the command's name).
pub fn parser(args: impl IntoIterator<Item = OsString>) -> Parser {
    Parser::from_args(args)
}

/// A flag's value as text, or a usage error naming the flag.
pub fn text(parser: &mut Parser, help: &str) -> anyhow::Result<String> {
    let value = parser.value().map_err(|e| parse_error(help, e))?;
    value
        .into_string()
        .map_err(|value| usage(help, format!("{value:?} is not UTF-8")))
}

/// The exit code for an error of a command: 0 for `--help`, 2 for a usage error, else 1.
pub fn report(command: &str, error: &anyhow::Error) -> u8 {
    if let Some(help) = error.downcast_ref::<HelpRequested>() {
        println!("{help}");
        return 0;
    }
    eprintln!("policy-run {command}: {error:#}");
    if error.is::<Usage>() || error.is::<InputError>() {
        2
    } else {
        1
    }
}

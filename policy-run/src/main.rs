//! `policy-run`: the SampleDB policy on an admin's machine (see `policy-run --help`).

use policy_run::cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let command = args.next().map(|arg| arg.to_string_lossy().into_owned());
    let parser = cli::parser(args);
    let code = match command.as_deref() {
        Some("run") => cli::run::main(parser),
        Some("check") => policy_run::check::cli::main(parser),
        Some("test") => policy_run::suite::cli::main(parser),
        Some("annotate") => match cli::annotate::main(parser) {
            Ok(()) => 0,
            Err(error) => cli::report("annotate", &error),
        },
        Some("-h" | "--help" | "help") => {
            println!("{}", cli::OVERVIEW);
            0
        }
        Some(other) => {
            eprintln!("policy-run: unknown command {other:?}\n\n{}", cli::OVERVIEW);
            2
        }
        None => {
            eprintln!("{}", cli::OVERVIEW);
            2
        }
    };
    ExitCode::from(code)
}

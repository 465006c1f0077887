//! `cargo xtask new`'s messages: what was created, each problem of the module (function, line,
//! what was generated instead), and what to do next.
use super::style;

/// Something in the module the builder could not map, and what it generated in its place.
pub struct Problem {
    pub function: String,
    pub line: u64,
    pub message: String,
    pub generated: String,
}

/// The message for a module that does not parse (nothing was generated).
pub fn unreadable(from: &str, line: u64, message: &str) -> String {
    format!("{from}:{line}: the module does not parse ({message}); nothing was generated")
}

/// The report after the folders were written.
pub fn created(from: &str, folders: &[String], id: u32, problems: &[Problem]) {
    for folder in folders {
        anstream::println!(
            "{} {folder}/ from {from}",
            style::paint(style::GOOD, "created")
        );
    }
    if !problems.is_empty() {
        anstream::println!(
            "\n{} {} in {from} to resolve by hand:",
            style::paint(style::BAD, "warning:"),
            count(problems.len(), "problem")
        );
        for problem in problems {
            anstream::println!(
                "  {from}:{}  `{}`: {}\n    generated instead: {}",
                problem.line,
                problem.function,
                problem.message,
                problem.generated
            );
        }
    }
    anstream::println!(
        "\nNext: fill in the TODOs of exercise.toml (hints, min_speedup), then run `cargo xtask check {id}`"
    );
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

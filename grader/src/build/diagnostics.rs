//! Compiler output for learners: the first errors with their file and line, not cargo's wall
//! of text.
use serde::Serialize;

/// One compiler diagnostic, as rustc printed it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CompilerError {
    /// `error[E0308]: mismatched types`
    pub headline: String,
    /// `exercises/01-math/src/lib.rs`, when rustc named a place.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// The whole diagnostic, headline included, as rustc rendered it.
    pub rendered: String,
}

/// The `error…` diagnostics in cargo's human-readable output, in order, without the summary lines
/// (`could not compile`, `aborting due to`).
pub fn compiler_errors(log: &str) -> Vec<CompilerError> {
    let mut errors = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in log.lines() {
        let starts_diagnostic = line.starts_with("error") || line.starts_with("warning");
        if (starts_diagnostic || (current.is_some() && line.trim().is_empty()))
            && let Some(lines) = current.take()
        {
            errors.extend(to_error(&lines));
        }
        if starts_diagnostic && line.starts_with("error") && !is_summary(line) {
            current = Some(vec![line]);
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some(lines) = current {
        errors.extend(to_error(&lines));
    }
    errors
}

fn is_summary(line: &str) -> bool {
    line.starts_with("error: could not compile")
        || line.starts_with("error: aborting due to")
        || line.starts_with("error: Recipe")
}

fn to_error(lines: &[&str]) -> Option<CompilerError> {
    let headline = lines.first()?.trim_end().to_string();
    let location = lines
        .iter()
        .find_map(|line| line.trim_start().strip_prefix("--> "));
    let (file, line, column) = match location {
        Some(location) => {
            let mut parts = location.trim().rsplitn(3, ':');
            let column = parts.next().and_then(|part| part.parse().ok());
            let line = parts.next().and_then(|part| part.parse().ok());
            let file = parts.next().map(str::to_string);
            (file, line, column)
        }
        None => (None, None, None),
    };
    let rendered = lines.join("\n").trim_end().to_string();
    Some(CompilerError {
        headline,
        file,
        line,
        column,
        rendered,
    })
}

/// maturin can fail before rustc runs (a broken Cargo.toml, a missing pyproject field): keep its reason.
pub(super) fn maturin_failure(log: &str) -> CompilerError {
    let reason: Vec<&str> = log
        .lines()
        .filter(|line| {
            line.contains("💥")
                || line.contains("Caused by")
                || line.trim_start().starts_with("error")
        })
        .collect();
    let rendered = if reason.is_empty() {
        crate::toolchain::tail(log.as_bytes(), 8)
    } else {
        reason.join("\n")
    };
    CompilerError {
        headline: rendered
            .lines()
            .next()
            .unwrap_or("maturin failed")
            .trim()
            .to_string(),
        file: None,
        line: None,
        column: None,
        rendered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARGO_OUTPUT: &str = "   Compiling exercise-01-math v0.1.0 (/w/exercises/01-math)
warning: unused variable: `x`
 --> exercises/01-math/src/lib.rs:3:9
  |
3 |     let x = 1;
  |         ^

error[E0308]: mismatched types
  --> exercises/01-math/src/lib.rs:34:16
   |
34 |         return total;
   |                ^^^^^ expected `f64`, found `i64`

error: cannot find value `y` in this scope
  --> exercises/01-math/src/lib.rs:40:5
   |
40 |     y
   |     ^ not found in this scope

error: could not compile `exercise-01-math` (lib) due to 2 previous errors
💥 maturin failed
";

    #[test]
    fn keeps_errors_with_their_location_and_drops_warnings_and_summaries() {
        let errors = compiler_errors(CARGO_OUTPUT);
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert_eq!(errors[0].headline, "error[E0308]: mismatched types");
        assert_eq!(
            errors[0].file.as_deref(),
            Some("exercises/01-math/src/lib.rs")
        );
        assert_eq!((errors[0].line, errors[0].column), (Some(34), Some(16)));
        assert!(errors[0].rendered.contains("expected `f64`, found `i64`"));
        assert_eq!(errors[1].line, Some(40));
    }

    #[test]
    fn a_maturin_failure_without_rustc_errors_keeps_its_reason() {
        let log = "💥 maturin failed\n  Caused by: Cargo metadata failed\n";
        assert!(compiler_errors(log).is_empty());
        assert!(
            maturin_failure(log)
                .rendered
                .contains("Cargo metadata failed")
        );
    }
}

//! Compiler output for learners: the first errors with their file and line, not cargo's wall
//! of text. Read from cargo's JSON messages (`--message-format json`) with `cargo_metadata`.
use cargo_metadata::Message;
use cargo_metadata::diagnostic::{Diagnostic, DiagnosticLevel, DiagnosticSpan};
use serde::Serialize;

/// One compiler diagnostic, as rustc printed it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CompilerError {
    /// `error[E0308]: mismatched types`
    pub headline: String,
    /// `exercises/01-math/src/lib.rs`, when rustc named a place.
    pub file: Option<String>,
    /// 1-based line of the place rustc points at.
    pub line: Option<u32>,
    /// 1-based column of that place, in characters.
    pub column: Option<u32>,
    /// The whole diagnostic, headline included, as rustc rendered it.
    pub rendered: String,
}

/// The errors among the compiler's messages, in order: no warnings, and no closing notes
/// (`For more information about this error…`, `aborting due to…`).
pub fn compiler_errors<'a>(messages: impl IntoIterator<Item = &'a Message>) -> Vec<CompilerError> {
    messages
        .into_iter()
        .filter_map(|message| match message {
            Message::CompilerMessage(message) => Some(&message.message),
            _ => None,
        })
        .filter(|diagnostic| {
            matches!(
                diagnostic.level,
                DiagnosticLevel::Error | DiagnosticLevel::Ice
            )
        })
        .filter(|diagnostic| !diagnostic.message.starts_with("aborting due to"))
        .map(CompilerError::from)
        .collect()
}

impl From<&Diagnostic> for CompilerError {
    fn from(diagnostic: &Diagnostic) -> Self {
        let level = match diagnostic.level {
            DiagnosticLevel::Ice => "error: internal compiler error",
            _ => "error",
        };
        let headline = match &diagnostic.code {
            Some(code) => format!("{level}[{}]: {}", code.code, diagnostic.message),
            None => format!("{level}: {}", diagnostic.message),
        };
        let place = primary_span(diagnostic).map(in_the_course);
        let rendered = diagnostic
            .rendered
            .as_deref()
            .map_or_else(|| headline.clone(), |text| text.trim_end().to_string());
        Self {
            headline,
            file: place.map(|span| span.file_name.clone()),
            line: place.and_then(|span| u32::try_from(span.line_start).ok()),
            column: place.and_then(|span| u32::try_from(span.column_start).ok()),
            rendered,
        }
    }
}

/// Where the diagnostic points: its primary span, or a note's when it has none of its own
/// (`error: linking with cc failed` has no span, for instance).
fn primary_span(diagnostic: &Diagnostic) -> Option<&DiagnosticSpan> {
    primary(&diagnostic.spans).or_else(|| {
        diagnostic
            .children
            .iter()
            .find_map(|child| primary(&child.spans))
    })
}

fn primary(spans: &[DiagnosticSpan]) -> Option<&DiagnosticSpan> {
    spans.iter().find(|span| span.is_primary)
}

/// rustc's JSON points into the body of a macro from another crate (pyo3's `macro_rules!`, core's)
/// where its human output names the call in the learner's code: follow the expansion back to the
/// first place inside the course (paths of the workspace's own crates are relative).
fn in_the_course(span: &DiagnosticSpan) -> &DiagnosticSpan {
    let mut current = span;
    while !is_in_the_course(current) {
        match &current.expansion {
            Some(expansion) => current = &expansion.span,
            None => return span,
        }
    }
    current
}

fn is_in_the_course(span: &DiagnosticSpan) -> bool {
    std::path::Path::new(&span.file_name).is_relative() && !span.file_name.starts_with('<')
}

/// A failure with no compiler error behind it: cargo refusing the manifest, maturin refusing the
/// package (a missing pyproject field). Keeps its reason from the tool's own words.
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

    /// `cargo rustc --message-format json` over a crate with a warning and three errors, the last
    /// inside an assert_eq! (trimmed: no error-code explanations, one span line each).
    const CARGO_OUTPUT: &str = include_str!("testdata/errors.jsonl");

    /// An error inside a macro of another crate: rustc's primary span lies in the macro's
    /// definition, its human output names the call.
    const MACRO_OUTPUT: &str = include_str!("testdata/external-macro.jsonl");

    fn messages(stream: &str) -> Vec<Message> {
        Message::parse_stream(stream.as_bytes())
            .collect::<Result<_, _>>()
            .expect("valid JSON lines")
    }

    #[test]
    fn keeps_errors_with_their_location_and_drops_warnings_and_notes() {
        let errors = compiler_errors(&messages(CARGO_OUTPUT));
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert_eq!(
            errors[0].headline,
            "error[E0425]: cannot find value `y` in this scope"
        );
        assert_eq!((errors[0].line, errors[0].column), (Some(40), Some(5)));
        assert_eq!(errors[1].headline, "error[E0308]: mismatched types");
        assert_eq!(
            errors[1].file.as_deref(),
            Some("exercises/01-math/src/lib.rs")
        );
        assert_eq!((errors[1].line, errors[1].column), (Some(34), Some(16)));
        assert!(
            errors[1].rendered.starts_with(
                "error[E0308]: mismatched types\n  --> exercises/01-math/src/lib.rs:34:16"
            ),
            "{}",
            errors[1].rendered
        );
        assert!(errors[1].rendered.contains("expected `f64`, found `i64`"));
        assert!(!errors[1].rendered.ends_with('\n'));
        assert_eq!(errors[2].line, Some(43));
    }

    #[test]
    fn an_error_in_another_crates_macro_is_placed_at_the_call() {
        let errors = compiler_errors(&messages(MACRO_OUTPUT));
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(
            errors[0].file.as_deref(),
            Some("exercises/09-macro/src/lib.rs")
        );
        assert_eq!((errors[0].line, errors[0].column), (Some(3), Some(5)));
    }

    #[test]
    fn text_that_is_no_message_yields_no_error() {
        let errors = compiler_errors(&messages(
            "not json\n{\"reason\":\"build-finished\",\"success\":false}\n",
        ));
        assert!(errors.is_empty());
    }

    #[test]
    fn a_maturin_failure_without_rustc_errors_keeps_its_reason() {
        let log = "💥 maturin failed\n  Caused by: Cargo metadata failed\n";
        assert!(
            maturin_failure(log)
                .rendered
                .contains("Cargo metadata failed")
        );
    }
}

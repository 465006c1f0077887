//! `cargo xtask solution EXERCISE`: once an exercise has passed, the learner's `src/lib.rs`
//! against the reference as a unified diff, and what the README says the reference does
//! differently.
use std::process::ExitCode;

use grader::catalog::Exercise;
use grader::progress::ProgressFile;
use grader::workspace::Workspace;

use crate::output;
use crate::ui::{self, wrap};

/// The README section printed after the diff.
const SECTION: &str = "## What the reference does differently";

#[derive(clap::Args)]
pub struct Args {
    /// `exercise-3`, `3`, `03` or the slug.
    exercise: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    let exercise = catalog.find(&args.exercise)?;
    let name = exercise.name();
    let progress = ProgressFile::at(&workspace.root).load();
    if !progress.ever_passed(&name) {
        let shown = progress.hints_shown(&name);
        let total = exercise.hints.len();
        let hint = if shown < total {
            format!(" (hint {} of {total})", shown + 1)
        } else {
            String::new()
        };
        let message = match progress.status(&name) {
            Some(grader::Status::Passed) => format!(
                "{name} {} passed what ran last time, but not every check has run yet (the speed check?). \
                 The reference opens once every check passes: cargo xtask check {name}",
                exercise.slug
            ),
            _ => format!(
                "{name} {} has not passed yet, so its reference solution stays closed for now: working it out \
                 is where the learning happens. It opens once every check passes.\n\
                 Stuck? `cargo xtask hint {name}` shows the next hint{hint}.",
                exercise.slug
            ),
        };
        for paragraph in message.lines() {
            for line in wrap(paragraph, ui::width()) {
                anstream::println!("{line}");
            }
        }
        return Ok(ExitCode::from(output::NOT_PASSED));
    }

    let yours_path = exercise.dir.join("src").join("lib.rs");
    let reference_path = exercise.solution_dir.join("src").join("lib.rs");
    let reference = match std::fs::read_to_string(&reference_path) {
        Ok(text) => text,
        Err(error) => {
            output::error(&format!(
                "cannot read the reference {}: {error}",
                workspace.display(&reference_path)
            ));
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    let yours = match std::fs::read_to_string(&yours_path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            output::error(&format!(
                "cannot read {}: {error}",
                workspace.display(&yours_path)
            ));
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    let yours_label = format!("{} (yours)", workspace.display(&yours_path));
    let reference_label = format!("{} (reference)", workspace.display(&reference_path));
    anstream::print!(
        "{}",
        unified_diff(&yours, &reference, &yours_label, &reference_label)
    );
    if let Some(lines) = readme_section(exercise) {
        let bold = anstyle::Style::new().bold();
        anstream::println!(
            "\n{bold}What the reference does differently{bold:#} ({}/README.md):",
            workspace.display(&exercise.dir)
        );
        for line in lines {
            print_wrapped(&line);
        }
    }
    anstream::println!(
        "\nThe whole reference crate: {}/",
        display_dir(&workspace, exercise)
    );
    Ok(ExitCode::from(output::PASSED))
}

fn display_dir(workspace: &Workspace, exercise: &Exercise) -> String {
    workspace.display(&exercise.solution_dir).to_string()
}

/// `yours` → `reference` as a coloured unified diff, long lines fitted to the output.
fn unified_diff(yours: &str, reference: &str, yours_label: &str, reference_label: &str) -> String {
    let drawn = ui::diff::hunks(
        yours,
        reference,
        &ui::diff::Options {
            indent: "",
            layout: ui::Layout::stdout(),
            max_rows: None,
        },
    );
    if drawn.unchanged() {
        return format!(
            "Your {} is the same as the reference.\n",
            yours_label.trim_end_matches(" (yours)")
        );
    }
    let mut out = ui::diff::header(yours_label, reference_label, "");
    out.push_str(&drawn.text);
    out.push_str(&format!(
        "{} line(s) only in yours, {} only in the reference.\n",
        drawn.removed, drawn.added
    ));
    out
}

/// The lines of the README's "What the reference does differently" section, without the
/// heading and the blank lines around it.
fn readme_section(exercise: &Exercise) -> Option<Vec<String>> {
    let readme = std::fs::read_to_string(exercise.dir.join("README.md")).ok()?;
    section(&readme)
}

fn section(markdown: &str) -> Option<Vec<String>> {
    let mut lines = markdown
        .lines()
        .skip_while(|line| !line.trim_end().eq_ignore_ascii_case(SECTION));
    lines.next()?;
    let mut body: Vec<String> = lines
        .take_while(|line| !(line.starts_with("# ") || line.starts_with("## ")))
        .map(str::to_string)
        .collect();
    while body.last().is_some_and(|line| line.trim().is_empty()) {
        body.pop();
    }
    let first = body.iter().position(|line| !line.trim().is_empty())?;
    Some(body.split_off(first))
}

/// A README line within the output width, continuation lines indented like the line's text.
fn print_wrapped(line: &str) {
    if line.chars().count() + 2 <= ui::width() {
        anstream::println!("  {line}");
        return;
    }
    let indent = line.len() - line.trim_start_matches([' ', '-', '*']).len();
    let continuation = " ".repeat(indent);
    for (index, part) in wrap(line.trim_start(), ui::width() - 2 - indent)
        .into_iter()
        .enumerate()
    {
        let prefix = if index == 0 {
            &line[..line.len() - line.trim_start().len()]
        } else {
            continuation.as_str()
        };
        anstream::println!("  {prefix}{part}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_ends_at_the_next_heading() {
        let readme = "# Task\nDo it.\n\n## What the reference does differently\n\n- uses a Vec\n- no clone\n\n## Next\nmore\n";
        assert_eq!(section(readme).unwrap(), ["- uses a Vec", "- no clone"]);
        assert_eq!(section("# Task\n## Other\n"), None);
        assert_eq!(section("## What the reference does differently\n\n"), None);
    }

    #[test]
    fn the_diff_goes_from_yours_to_the_reference() {
        let diff = unified_diff("a\nb\nc\n", "a\nB\nc\n", "x (yours)", "y (reference)");
        let diff = anstream::adapter::strip_str(&diff).to_string();
        assert!(
            diff.contains("--- x (yours)\n+++ y (reference)\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"),
            "{diff}"
        );
        assert!(
            diff.ends_with("1 line(s) only in yours, 1 only in the reference.\n"),
            "{diff}"
        );
        assert_eq!(
            unified_diff("a\n", "a\n", "x (yours)", "y"),
            "Your x is the same as the reference.\n"
        );
    }
}

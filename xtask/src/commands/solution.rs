//! `cargo xtask solution EXERCISE`: once an exercise has passed, the learner's `src/lib.rs`
//! against the reference as a unified diff, and what the README says the reference does
//! differently.
use std::ops::Range;
use std::process::ExitCode;

use fs_err as fs;
use grader::Exercise;
use grader::Workspace;
use grader::progress::ProgressFile;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::output;
use crate::ui::{self, wrap};

/// The title of the README section (a `##` heading) printed after the diff.
const SECTION: &str = "What the reference does differently";

#[derive(clap::Args)]
pub struct Args {
    /// `exercise-3`, `3`, `03` or the slug.
    exercise: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    let exercise = catalog.find(&args.exercise)?;
    let name = exercise.name();
    if !super::has_solutions(&workspace) {
        ui::export::no_solutions(&format!(
            "there is no reference for {name} to compare yours with; your instructor has it"
        ));
        return Ok(ExitCode::from(output::GRADER_ERROR));
    }
    let progress = super::progress(&ProgressFile::at(&workspace.root));
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
    // fs-err's messages name the file.
    let reference = match fs::read_to_string(&reference_path) {
        Ok(text) => text,
        Err(error) => {
            output::error(&format!("cannot read the reference: {error}"));
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    let yours = match fs::read_to_string(&yours_path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            output::error(&error.to_string());
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
            "\n{bold}{SECTION}{bold:#} ({}/README.md):",
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
    let readme = fs::read_to_string(exercise.dir.join("README.md")).ok()?;
    section(&readme)
}

fn section(markdown: &str) -> Option<Vec<String>> {
    let headings = headings(markdown);
    let at = headings.iter().position(|heading| {
        heading.level == HeadingLevel::H2 && heading.title.trim().eq_ignore_ascii_case(SECTION)
    })?;
    // The section runs to the next heading of its rank or above; `###` subsections belong to it.
    let end = headings[at + 1..]
        .iter()
        .find(|heading| heading.level <= HeadingLevel::H2)
        .map_or(markdown.len(), |heading| heading.span.start);
    let mut body: Vec<String> = markdown[headings[at].span.end..end]
        .lines()
        .map(str::to_string)
        .collect();
    while body.last().is_some_and(|line| line.trim().is_empty()) {
        body.pop();
    }
    let first = body.iter().position(|line| !line.trim().is_empty())?;
    Some(body.split_off(first))
}

/// A Markdown heading: its rank, its text, and where it stands in the source.
struct Heading {
    level: HeadingLevel,
    title: String,
    span: Range<usize>,
}

/// Every heading of a Markdown text, in order (not `#` lines inside code blocks).
fn headings(markdown: &str) -> Vec<Heading> {
    let mut headings = Vec::new();
    let mut current: Option<Heading> = None;
    for (event, span) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some(Heading {
                    level,
                    title: String::new(),
                    span,
                });
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(heading) = current.as_mut() {
                    heading.title.push_str(&text);
                }
            }
            Event::End(TagEnd::Heading(_)) => headings.extend(current.take()),
            _ => {}
        }
    }
    headings
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
    fn subsections_and_code_blocks_stay_in_the_section() {
        let readme = "## What the Reference Does Differently\n\n### Memory\n\n```sh\n## not a heading\n```\n\n# Next\n";
        assert_eq!(
            section(readme).unwrap(),
            ["### Memory", "", "```sh", "## not a heading", "```"]
        );
        // Only a level-2 heading of that title opens the section.
        assert_eq!(
            section("### What the reference does differently\n\ntext\n"),
            None
        );
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

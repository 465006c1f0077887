//! The skeletons and hints teach, they do not give the answer away: no `TODO` comment in
//! `exercises/NN-slug/src/` holds a line of the reference solution, and in `exercise.toml` only
//! the last hint of each part — the one that starts with "In code" — may: the hints go from a
//! nudge, to the rule, to the code.
//!
//! A "line of the solution" is a trimmed code line of `solutions/NN-slug/src/` of at least
//! [`MIN_LINE`] characters (a leading `return ` and a trailing `;`, `,` or `{` left out), which the
//! skeleton does not already hold as code (given helpers are in both). A line that is only a string
//! literal is a message the tests check word for word: stating it is the task, not the answer.
mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::repo;

/// Shorter lines (`Ok(())`, `let n = n as usize;`) are vocabulary, not answers.
const MIN_LINE: usize = 25;

/// Exercises not yet rewritten to this style, with the reason. Every other exercise is checked,
/// including ones added later.
const NOT_YET: &[(&str, &str)] = &[];

/// Collapses runs of whitespace into one space.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A code line as it is compared: trimmed, squeezed, without `return ` and a trailing `;`/`,`/`{`.
fn normalise(line: &str) -> String {
    let line = squeeze(line);
    let line = line.strip_prefix("return ").unwrap_or(&line);
    line.trim_end_matches([';', ',', '{', ' ']).to_string()
}

fn rust_files(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "rs"))
        .map(|entry| std::fs::read_to_string(entry.path()).unwrap())
        .collect()
}

fn code_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .map(normalise)
}

/// The solution's lines of [`MIN_LINE`]+ characters that the skeleton does not hold as code.
fn answer_lines(solution: &[String], skeleton: &[String]) -> Vec<String> {
    let given: BTreeSet<String> = skeleton.iter().flat_map(|text| code_lines(text)).collect();
    let mut lines: Vec<String> = solution
        .iter()
        .flat_map(|text| code_lines(text))
        .filter(|line| line.chars().count() >= MIN_LINE && !given.contains(line))
        .filter(|line| !(line.starts_with('"') && line.ends_with('"')))
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

/// Every block of consecutive `//` comment lines that says `TODO`, squeezed into one line.
fn todo_comments(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim).chain([""]) {
        if let Some(comment) = line.strip_prefix("//") {
            block.push(comment.trim_start_matches(['/', '!']));
        } else if !block.is_empty() {
            let joined = squeeze(&block.join(" "));
            if joined.contains("TODO") {
                blocks.push(joined);
            }
            block.clear();
        }
    }
    blocks
}

/// `what: line` for each answer line that `text` contains.
fn given_away(what: &str, text: &str, answers: &[String]) -> Vec<String> {
    let text = squeeze(text);
    answers
        .iter()
        .filter(|line| text.contains(line.as_str()))
        .map(|line| format!("{what}: `{line}`"))
        .collect()
}

fn hints(exercise: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(exercise.join("exercise.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    table["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hint| hint.as_str().unwrap().to_string())
        .collect()
}

/// What exercise `folder` gives away: in its TODOs, and in hints that are not a part's last.
fn problems(folder: &str) -> Vec<String> {
    let exercise = repo().join("exercises").join(folder);
    let skeleton = rust_files(&exercise.join("src"));
    let answers = answer_lines(
        &rust_files(&repo().join("solutions").join(folder).join("src")),
        &skeleton,
    );
    assert!(
        !answers.is_empty(),
        "{folder}: no solution line to look for"
    );
    let mut found = Vec::new();
    for text in &skeleton {
        for todo in todo_comments(text) {
            found.extend(given_away("a TODO", &todo, &answers));
        }
    }
    let hints = hints(&exercise);
    for (index, hint) in hints.iter().enumerate() {
        if !hint.starts_with("In code") {
            found.extend(given_away(
                &format!("hint {} (not an `In code` hint)", index + 1),
                hint,
                &answers,
            ));
        }
    }
    found
        .into_iter()
        .map(|problem| format!("{folder}, {problem}"))
        .collect()
}

#[test]
fn no_todo_and_no_hint_but_a_parts_last_holds_a_line_of_the_solution() {
    if !common::has_solutions("no_todo_and_no_hint_but_a_parts_last_holds_a_line_of_the_solution") {
        return;
    }
    let mut checked = 0;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(repo().join("exercises"))
        .unwrap()
        .flatten()
    {
        let folder = entry.file_name().to_string_lossy().into_owned();
        if !repo().join("solutions").join(&folder).is_dir()
            || NOT_YET.iter().any(|(skipped, _)| *skipped == folder)
        {
            continue;
        }
        checked += 1;
        found.extend(problems(&folder));
    }
    assert!(checked >= 7, "only {checked} exercises checked");
    assert!(
        found.is_empty(),
        "the answer given away:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_solution_line_in_a_todo_or_an_early_hint_is_found() {
    let solution = vec![
        "fn greet(name: &str) -> PyResult<String> {\n    let name = name.trim();\n    \
         return Err(PyValueError::new_err(\"name must not be empty\"));\n}\n"
            .to_string(),
    ];
    let skeleton = vec![
        "fn greet(name: &str) -> PyResult<String> {\n    // TODO: trim, then\n    // \
         `Err(PyValueError::new_err(\"name must not be empty\"))`\n    todo!()\n}\n"
            .to_string(),
    ];
    let answers = answer_lines(&solution, &skeleton);
    // The signature is given in both; the error line is the answer.
    assert_eq!(
        answers,
        ["Err(PyValueError::new_err(\"name must not be empty\"))"]
    );
    let todos = todo_comments(&skeleton[0]);
    assert_eq!(todos.len(), 1, "{todos:?}");
    assert_eq!(given_away("a TODO", &todos[0], &answers).len(), 1);
    // The same words as a rule give nothing away.
    assert!(given_away("a hint", "an empty name is a ValueError", &answers).is_empty());
}

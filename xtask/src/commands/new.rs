//! `cargo xtask new NAME --from module.py`: a new exercise generated from a typed pure-Python
//! module — `lessongrader.signatures` reads it (Python's `ast`), `scaffold` writes the files. Nothing
//! that exists is ever overwritten: the folders are built aside and moved into place at the end.
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use grader::Settings;
use serde_json::Value;

use crate::output;
use crate::scaffold::{self, Spec};
use crate::ui::{self, Activity};

#[derive(clap::Args)]
pub struct Args {
    /// The new exercise's slug: lowercase letters, digits and dashes (the folder is NN-NAME).
    name: String,
    /// The typed pure-Python module to build from.
    #[arg(long, value_name = "MODULE.py")]
    from: PathBuf,
    /// The exercise number [default: one more than the highest].
    #[arg(long)]
    id: Option<u32>,
    /// The Python module's name [default: the file's stem].
    #[arg(long)]
    module: Option<String>,
    /// Also create solutions/NN-NAME/ (course authors), to be filled in with the reference code.
    #[arg(long)]
    solution: bool,
}

pub fn run(args: Args, python: Option<&Path>) -> anyhow::Result<ExitCode> {
    let workspace = grader::Workspace::from_env(None);
    let usage = |message: String| -> anyhow::Result<ExitCode> {
        ui::error(&message);
        Ok(ExitCode::from(output::GRADER_ERROR))
    };
    if !valid_slug(&args.name) {
        return usage(format!(
            "`{}` is not a valid exercise name: use lowercase letters, digits and dashes, starting with a letter (e.g. `wordfreq`)",
            args.name
        ));
    }
    let source = match std::fs::read_to_string(&args.from) {
        Ok(text) => text,
        Err(error) => return usage(format!("cannot read {}: {error}", args.from.display())),
    };
    let module = match &args.module {
        Some(module) => module.clone(),
        None => args
            .from
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    if !valid_module(&module) {
        return usage(format!(
            "`{module}` cannot be the extension's module name (a Python identifier, not `baseline` or `speed`, which the tests use): pass --module NAME"
        ));
    }
    let taken = taken_folders(&workspace.root);
    let id = args
        .id
        .unwrap_or_else(|| taken.iter().map(|(id, _)| id + 1).max().unwrap_or(0));
    if id > 99 {
        return usage(format!(
            "exercise numbers have two digits; {id} is too large"
        ));
    }
    if let Some((_, folder)) = taken.iter().find(|(taken_id, _)| *taken_id == id) {
        return usage(format!(
            "exercise number {id} is taken by `{folder}`; choose another with --id (nothing was written)"
        ));
    }
    if let Some((_, folder)) = taken.iter().find(|(_, folder)| {
        folder
            .split_once('-')
            .is_some_and(|(_, slug)| slug == args.name)
    }) {
        return usage(format!(
            "the name `{}` is taken by `{folder}`; choose another (nothing was written)",
            args.name
        ));
    }

    let mut activity = Activity::new(Vec::new());
    let engine = super::engine(python, Settings::default(), &mut activity)?;
    let output = Command::new(engine.python())
        .args(["-m", "lessongrader.signatures"])
        .arg(&args.from)
        .env("PYTHONPATH", &workspace.python_support)
        .output()
        .context("running lessongrader.signatures")?;
    if !output.status.success() {
        bail!(
            "lessongrader.signatures failed on {}:\n{}",
            args.from.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let model: Value = serde_json::from_slice(&output.stdout)
        .context("lessongrader.signatures printed no JSON")?;
    let from = args.from.display().to_string();
    if let Some(error) = model.get("error") {
        return usage(ui::scaffold::unreadable(
            &from,
            error["line"].as_u64().unwrap_or(0),
            error["message"].as_str().unwrap_or(""),
        ));
    }

    let spec = Spec {
        id,
        slug: &args.name,
        module: &module,
        from: &from,
    };
    let folder = spec.folder();
    let test_file = format!("tests/test_{module}.py");
    let mut exercise = vec![
        ("Cargo.toml", scaffold::cargo_toml(&spec, "exercise")),
        (
            "pyproject.toml",
            scaffold::pyproject_toml(&spec, "exercise"),
        ),
        ("exercise.toml", scaffold::exercise_toml(&spec, &model)),
        ("README.md", scaffold::readme(&spec, &model)),
        ("src/lib.rs", scaffold::lib_rs(&spec, &model, false)),
        ("tests/baseline.py", source),
    ];
    exercise.push((test_file.as_str(), scaffold::test_py(&spec, &model)));
    if let Some(speed) = scaffold::speed_py(&model) {
        exercise.push(("tests/speed.py", speed));
    }
    let mut created = vec![place(
        &workspace.root.join("exercises"),
        &folder,
        &exercise,
    )?];
    if args.solution {
        let solution = vec![
            ("Cargo.toml", scaffold::cargo_toml(&spec, "solution")),
            (
                "pyproject.toml",
                scaffold::pyproject_toml(&spec, "solution"),
            ),
            ("src/lib.rs", scaffold::lib_rs(&spec, &model, true)),
        ];
        match place(&workspace.root.join("solutions"), &folder, &solution) {
            Ok(path) => created.push(path),
            Err(error) => {
                // Keep the pair consistent: the exercise folder was ours, made a moment ago.
                let _ = std::fs::remove_dir_all(&created[0]);
                return Err(error);
            }
        }
    }
    let problems: Vec<ui::scaffold::Problem> = model["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| ui::scaffold::Problem {
            function: p["function"].as_str().unwrap_or("").to_string(),
            line: p["line"].as_u64().unwrap_or(0),
            message: p["message"].as_str().unwrap_or("").to_string(),
            generated: p["generated"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    let shown: Vec<String> = created
        .iter()
        .map(|path| workspace.display(path).to_string())
        .collect();
    ui::scaffold::created(&from, &shown, id, &problems);
    Ok(ExitCode::from(if problems.is_empty() {
        output::PASSED
    } else {
        output::NOT_PASSED
    }))
}

/// Write `files` into a fresh folder beside `parent/folder`, then move it into place; fails
/// without touching anything if `parent/folder` exists.
fn place(parent: &Path, folder: &str, files: &[(&str, String)]) -> anyhow::Result<PathBuf> {
    let target = parent.join(folder);
    if target.exists() {
        bail!("{} exists already; nothing was written", target.display());
    }
    std::fs::create_dir_all(parent)?;
    let staging = tempfile_dir(parent, folder)?;
    for (relative, text) in files {
        let path = staging.join(relative);
        std::fs::create_dir_all(path.parent().expect("a file in a folder"))?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    // rename() onto an existing empty folder would succeed on some systems: check once more.
    if target.exists() {
        let _ = std::fs::remove_dir_all(&staging);
        bail!(
            "{} appeared while generating; nothing was written",
            target.display()
        );
    }
    std::fs::rename(&staging, &target)?;
    Ok(target)
}

fn tempfile_dir(parent: &Path, folder: &str) -> anyhow::Result<PathBuf> {
    for attempt in 0..100 {
        let path = parent.join(format!(".new-{folder}-{}-{attempt}", std::process::id()));
        if std::fs::create_dir(&path).is_ok() {
            return Ok(path);
        }
    }
    bail!("cannot create a staging folder in {}", parent.display())
}

/// `(id, folder)` for every `NN-slug` folder of exercises/ and solutions/.
fn taken_folders(root: &Path) -> Vec<(u32, String)> {
    let mut taken = Vec::new();
    for side in ["exercises", "solutions"] {
        let Ok(entries) = std::fs::read_dir(root.join(side)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(id) = name
                .split_once('-')
                .and_then(|(n, _)| n.parse::<u32>().ok())
            {
                taken.push((id, format!("{side}/{name}")));
            }
        }
    }
    taken.sort();
    taken
}

fn valid_slug(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

fn valid_module(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !["baseline", "speed"].contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(valid_slug("wordfreq"));
        assert!(valid_slug("word-freq2"));
        assert!(!valid_slug("Word"));
        assert!(!valid_slug("2fast"));
        assert!(!valid_slug("a_b"));
        assert!(valid_module("textstats"));
        assert!(!valid_module("baseline"));
        assert!(!valid_module("text-stats"));
    }
}
